//! Insights as CSV, for a spreadsheet: the figures (`?table=summary`, the default), the
//! connections (`?table=connections`) or the unanswered requests (`?table=unanswered`).
//! Text cells that a spreadsheet would run as a formula are neutralised. A count held back
//! reads "fewer than 5" (text, which a spreadsheet neither sums nor takes for 0).

use super::views::InsightsView;
use crate::error::{ApiError, ApiResult};
use crate::initiatives::model::neutralized_cell;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Summary,
    Connections,
    Unanswered,
}

impl Table {
    pub fn parse(raw: Option<&str>) -> ApiResult<Table> {
        match raw {
            None | Some("summary") => Ok(Table::Summary),
            Some("connections") => Ok(Table::Connections),
            Some("unanswered") => Ok(Table::Unanswered),
            Some(_) => Err(ApiError::invalid(
                "table",
                "must be summary, connections or unanswered",
            )),
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            Table::Summary => "insights.csv",
            Table::Connections => "insights-connections.csv",
            Table::Unanswered => "insights-unanswered.csv",
        }
    }
}

fn number(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

pub fn render(view: &InsightsView, table: Table) -> ApiResult<String> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail = |err: csv::Error| ApiError::Internal(anyhow::anyhow!(err));
    match table {
        Table::Summary => {
            out.write_record(["metric", "value"]).map_err(fail)?;
            let rows: Vec<(&str, String)> = vec![
                ("from", view.from.to_rfc3339()),
                ("to", view.to.to_rfc3339()),
                ("first_day", view.first_day.to_string()),
                ("last_day", view.last_day.to_string()),
                ("timezone", view.timezone.clone()),
                ("members", view.members.to_string()),
                ("active_members", view.active_members.to_string()),
                ("active_rate", number(view.active_rate)),
                ("connected_members", view.connected_members.to_string()),
                ("connection_rate", number(view.connection_rate)),
                ("help_asked", view.help.asked.to_string()),
                ("help_answered_48h", view.help.answered_48h.to_string()),
                ("help_answered_pct_48h", number(view.help.answered_pct_48h)),
                (
                    "median_hours_to_first_response",
                    number(view.help.median_hours_to_first_response),
                ),
                ("p90_hours_to_first_response", number(view.help.p90_hours)),
                ("help_unanswered", view.help.unanswered.len().to_string()),
                ("resources_shared", view.resources.shared.to_string()),
                ("resource_downloads", view.resources.downloads.to_string()),
                (
                    "check_ins_expected",
                    view.check_in_completion.expected.to_string(),
                ),
                (
                    "check_ins_submitted",
                    view.check_in_completion.submitted.to_string(),
                ),
                ("check_in_completion", number(view.check_in_completion.rate)),
                (
                    "anonymous_poll_votes",
                    view.unattributed.anonymous_poll_votes.cell(),
                ),
                ("direct_messages", view.unattributed.direct_messages.cell()),
            ];
            for (metric, value) in rows {
                out.write_record([metric, value.as_str()]).map_err(fail)?;
            }
        }
        Table::Connections => {
            out.write_record(["from", "to", "kind", "count"])
                .map_err(fail)?;
            for edge in &view.connections {
                out.write_record([
                    neutralized_cell(&edge.from.display_name),
                    neutralized_cell(&edge.to.display_name),
                    edge.kind.clone(),
                    edge.count.to_string(),
                ])
                .map_err(fail)?;
            }
        }
        Table::Unanswered => {
            out.write_record(["title", "asked_at", "url"])
                .map_err(fail)?;
            for item in &view.help.unanswered {
                out.write_record([
                    neutralized_cell(&item.title),
                    item.asked_at.to_rfc3339(),
                    item.url.clone(),
                ])
                .map_err(fail)?;
            }
        }
    }
    let bytes = out
        .into_inner()
        .map_err(|err| ApiError::Internal(anyhow::anyhow!("{err}")))?;
    String::from_utf8(bytes).map_err(|err| ApiError::Internal(anyhow::anyhow!(err)))
}
