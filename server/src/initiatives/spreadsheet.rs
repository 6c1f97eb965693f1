//! Check-ins as CSV (`team,period,value,note`), for facilitators who keep their data in a
//! spreadsheet. An import is all or nothing: a file with any bad row is refused whole, with
//! the first 100 problems (line and reason; a team it does not know named once, beside the
//! teams it has) and a count of the rest, and imports nothing. Imports are bounded (1 MiB,
//! 10,000 rows). Exported text cells that a spreadsheet would run as a formula are
//! neutralised, and an import reads them back as they were, so an export imports unchanged.

use super::check_ins::{
    member_ref, parse_note, parse_period, parse_value, refresh_bright_spot, store, NewCheckIn,
};
use super::model::{neutralized_cell, MeasureValue, Period};
use super::permissions::{require_active, require_steering};
use super::queries;
use super::service::Measure;
use crate::db::Writer;
use crate::entities::{check_ins, initiative_teams, initiatives};
use crate::error::{ApiError, ApiResult, InvalidRows, RowError};
use crate::ids::MemberId;
use crate::networks::access::{load, load_for_update};
use crate::tx::Tx;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use std::collections::{hash_map::Entry, BTreeSet, HashMap};

/// The largest file an import reads.
pub const MAX_BYTES: usize = 1024 * 1024;
/// The most rows (below the header) an import takes.
pub const MAX_ROWS: usize = 10_000;

const COLUMNS: [&str; 4] = ["team", "period", "value", "note"];

/// One good row.
#[derive(Debug)]
pub struct ParsedRow {
    pub team_id: i64,
    pub period: Period,
    pub value: MeasureValue,
    pub note: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    /// Rows imported.
    pub imported: usize,
    /// Of those, check-ins that replaced an earlier value (kept in its history).
    pub replaced: usize,
    /// Teams whose data changed.
    pub teams: usize,
}

/// A cell as exported, read back: the `'` that neutralised a formula-like cell comes off.
fn unneutralized(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

fn row_error(row: u64, field: &str, message: impl Into<String>) -> RowError {
    RowError {
        row,
        field: field.to_owned(),
        message: message.into(),
    }
}

/// The 422 message of an `ApiError::Validation` for one field.
fn message_of(error: ApiError) -> String {
    match error {
        ApiError::Validation(fields) => fields.into_values().next().unwrap_or_default(),
        other => other.to_string(),
    }
}

/// What is wrong with a file, as it is read: each problem with its row, except a team the
/// initiative does not have, which is named once (at its first row) however many rows name
/// it.
#[derive(Default)]
struct Problems {
    found: Vec<RowError>,
    bad_lines: BTreeSet<u64>,
    /// Unknown team (lowercased) → its problem's index in `found`, and the rows naming it.
    unknown_teams: HashMap<String, (usize, usize)>,
}

impl Problems {
    fn push(&mut self, problem: RowError) {
        self.bad_lines.insert(problem.row);
        self.found.push(problem);
    }

    fn unknown_team(&mut self, line: u64, name: &str, known: &[&str]) {
        self.bad_lines.insert(line);
        match self.unknown_teams.entry(name.to_lowercase()) {
            Entry::Occupied(mut seen) => seen.get_mut().1 += 1,
            Entry::Vacant(first) => {
                first.insert((self.found.len(), 1));
                let known = if known.is_empty() {
                    "it has none yet".to_owned()
                } else {
                    format!("its teams are {}", known.join(", "))
                };
                self.found.push(row_error(
                    line,
                    "team",
                    format!("“{name}” is not a team of this initiative ({known})"),
                ));
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    fn refusal(mut self) -> ApiError {
        for (index, rows) in self.unknown_teams.into_values() {
            if rows > 1 {
                let problem = &mut self.found[index];
                problem.message = format!(
                    "{}; {rows} rows name it, this is the first",
                    problem.message
                );
            }
        }
        ApiError::InvalidRows(InvalidRows::new(self.found, self.bad_lines.len()))
    }
}

/// Parses a whole file against the initiative's teams and measure: every row, or why not
/// (bounded, see `InvalidRows`). More than `MAX_ROWS` rows is a 413.
pub fn parse(
    bytes: &[u8],
    teams: &[initiative_teams::Model],
    measure: &Measure,
) -> ApiResult<Vec<ParsedRow>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let header = reader
        .headers()
        .map_err(|_| {
            ApiError::InvalidRows(InvalidRows::one(row_error(
                1,
                "row",
                "is not UTF-8 CSV text",
            )))
        })?
        .clone();
    let mut positions: HashMap<&str, usize> = HashMap::new();
    let mut errors = Problems::default();
    for (index, name) in header.iter().enumerate() {
        let name = name.to_ascii_lowercase();
        match COLUMNS.iter().find(|c| **c == name) {
            Some(column) => {
                positions.insert(column, index);
            }
            None => errors.push(row_error(
                1,
                "row",
                format!(
                    "has an unknown column “{name}”; the columns are team, period, value and note"
                ),
            )),
        }
    }
    for column in &COLUMNS[..3] {
        if !positions.contains_key(column) {
            errors.push(row_error(1, column, "column is missing"));
        }
    }
    if !errors.is_empty() {
        return Err(errors.refusal());
    }

    let by_name: HashMap<String, i64> = teams
        .iter()
        .map(|t| (t.name.trim().to_lowercase(), t.id))
        .collect();
    let names: Vec<&str> = teams.iter().map(|t| t.name.as_str()).collect();
    let mut seen: HashMap<(i64, Period), u64> = HashMap::new();
    let mut rows = Vec::new();
    for (count, record) in reader.records().enumerate() {
        if count >= MAX_ROWS {
            return Err(ApiError::PayloadTooLarge);
        }
        let line = count as u64 + 2;
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                let line = err.position().map(|p| p.line()).unwrap_or(line);
                errors.push(row_error(line, "row", "is not UTF-8 CSV text"));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(line);
        let cell = |column: &str| {
            positions
                .get(column)
                .and_then(|index| record.get(*index))
                .map(unneutralized)
                .unwrap_or_default()
        };
        let team_cell = cell("team");
        let team = by_name.get(&team_cell.to_lowercase()).copied().or_else(|| {
            let id = team_cell.parse::<i64>().ok()?;
            teams.iter().any(|t| t.id == id).then_some(id)
        });
        if team.is_none() {
            if team_cell.is_empty() {
                errors.push(row_error(line, "team", "is required"));
            } else {
                errors.unknown_team(line, team_cell, &names);
            }
        }
        let period = parse_period("period", cell("period"), measure.cadence)
            .map_err(|e| errors.push(row_error(line, "period", message_of(e))))
            .ok();
        let raw_value = cell("value");
        let number = if measure.unit.is_percent() {
            raw_value.strip_suffix('%').unwrap_or(raw_value).trim_end()
        } else {
            raw_value
        };
        let value = match number.parse::<f64>() {
            Ok(value) => parse_value("value", value, measure)
                .map_err(|e| errors.push(row_error(line, "value", message_of(e))))
                .ok(),
            Err(_) => {
                errors.push(row_error(
                    line,
                    "value",
                    if raw_value.is_empty() {
                        "is required".to_owned()
                    } else {
                        format!("“{raw_value}” is not a number")
                    },
                ));
                None
            }
        };
        let note = parse_note("note", cell("note"))
            .map_err(|e| errors.push(row_error(line, "note", message_of(e))))
            .ok();
        if let (Some(team), Some(period)) = (team, period) {
            if let Some(first) = seen.insert((team, period), line) {
                errors.push(row_error(
                    line,
                    "period",
                    format!("repeats row {first}: one value per team and period"),
                ));
            }
        }
        if let (Some(team_id), Some(period), Some(value), Some(note)) = (team, period, value, note)
        {
            rows.push(ParsedRow {
                team_id,
                period,
                value,
                note,
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors.refusal());
    }
    if rows.is_empty() {
        return Err(ApiError::InvalidRows(InvalidRows::one(row_error(
            2,
            "row",
            "the file has no check-ins below its header",
        ))));
    }
    Ok(rows)
}

/// Imports a whole file of check-ins, or nothing.
pub async fn import(
    db: &Writer,
    actor: MemberId,
    initiative_id: i64,
    bytes: &[u8],
) -> ApiResult<ImportSummary> {
    let txn = Tx::begin(db).await?;
    let (initiative, access) =
        load_for_update::<initiatives::Entity>(&txn, actor, initiative_id).await?;
    require_steering(&access)?;
    require_active(&initiative)?;
    // Locked like a single check-in locks its team, so they take turns.
    let teams = initiative_teams::Entity::find()
        .filter(initiative_teams::Column::InitiativeId.eq(initiative.id))
        .filter(initiative_teams::Column::DeletedAt.is_null())
        .order_by_asc(initiative_teams::Column::Id)
        .lock_exclusive()
        .all(&txn)
        .await?;
    let measure = Measure::of(&initiative);
    let rows = parse(bytes, &teams, &measure)?;

    let mut existing: HashMap<(i64, chrono::NaiveDate), check_ins::Model> =
        check_ins::Entity::find()
            .filter(check_ins::Column::InitiativeId.eq(initiative.id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|c| ((c.team_id, c.period), c))
            .collect();
    let submitter = member_ref(&txn, actor.get()).await?;
    let by_id: HashMap<i64, &initiative_teams::Model> = teams.iter().map(|t| (t.id, t)).collect();
    let mut touched = BTreeSet::new();
    let mut replaced = 0;
    let imported = rows.len();
    for row in rows {
        let Some(team) = by_id.get(&row.team_id) else {
            continue;
        };
        let previous = existing.remove(&(team.id, row.period.date()));
        replaced += usize::from(previous.is_some());
        touched.insert(team.id);
        let new = NewCheckIn {
            period: row.period,
            value: row.value,
            note: row.note,
        };
        store(&txn, team, &submitter, previous, new).await?;
    }
    for team in touched.iter().filter_map(|id| by_id.get(id)) {
        refresh_bright_spot(&txn, &initiative, team, actor).await?;
    }
    txn.commit().await?;
    Ok(ImportSummary {
        imported,
        replaced,
        teams: touched.len(),
    })
}

/// Every check-in of the initiative's teams as CSV, by team and period; facilitators only.
pub async fn export(
    db: &impl ConnectionTrait,
    viewer: MemberId,
    initiative_id: i64,
) -> ApiResult<(initiatives::Model, String)> {
    let (initiative, access) = load::<initiatives::Entity>(db, viewer, initiative_id).await?;
    require_steering(&access)?;
    let teams = queries::teams(db, initiative.id).await?;
    let team_ids: Vec<i64> = teams.iter().map(|t| t.id).collect();
    let check_ins = if team_ids.is_empty() {
        Vec::new()
    } else {
        check_ins::Entity::find()
            .filter(check_ins::Column::TeamId.is_in(team_ids))
            .order_by_asc(check_ins::Column::Period)
            .all(db)
            .await?
    };
    let mut by_team: HashMap<i64, Vec<check_ins::Model>> = HashMap::new();
    for check_in in check_ins {
        by_team.entry(check_in.team_id).or_default().push(check_in);
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    let write_failed = |e: csv::Error| ApiError::Internal(anyhow::Error::new(e));
    writer.write_record(COLUMNS).map_err(write_failed)?;
    for team in &teams {
        let name = neutralized_cell(&team.name);
        for check_in in by_team.remove(&team.id).unwrap_or_default() {
            // Numbers stay numbers: "-3" is a value, not a formula, and must import back.
            writer
                .write_record([
                    name.as_str(),
                    &check_in.period.to_string(),
                    &check_in.value.to_string(),
                    &neutralized_cell(&check_in.note),
                ])
                .map_err(write_failed)?;
        }
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing CSV: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| ApiError::Internal(anyhow::Error::new(e)))?;
    Ok((initiative, text))
}
