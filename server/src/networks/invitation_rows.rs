//! The rows of a bulk invitation, from JSON (`{invitations: [{email, name?, role?}]}`) or a
//! CSV file (`email,name,role`, a header optional): each checked on its own, so one bad row
//! is named and the rest still go out.

use crate::display_name::DisplayName;
use crate::email_address::Email;
use crate::error::{ApiError, ApiResult};
use crate::role::Role;
use serde::Deserialize;
use std::collections::HashSet;

/// The most rows one request invites: a network's members, not a mailing list.
pub const MAX_ROWS: usize = 500;
/// The most bytes of a CSV of invitations.
pub const MAX_CSV_BYTES: usize = 256 * 1024;

/// One row as it was sent; `role` is a string so that a misspelt one is that row's problem,
/// not the request's.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRow {
    pub email: String,
    pub name: Option<String>,
    pub role: Option<String>,
}

/// A row that can be invited.
#[derive(Debug, Clone)]
pub struct Invitee {
    pub email: Email,
    pub name: Option<DisplayName>,
    pub role: Role,
}

/// A row checked: who to invite, or why not.
#[derive(Debug)]
pub enum Checked {
    Valid(Invitee),
    Invalid(String),
}

/// Checks each row; an address listed again is refused there (the first one is invited).
pub fn check(rows: &[RawRow]) -> ApiResult<Vec<Checked>> {
    if rows.is_empty() {
        return Err(ApiError::invalid("invitations", "lists nobody"));
    }
    if rows.len() > MAX_ROWS {
        return Err(ApiError::invalid(
            "invitations",
            format!(
                "lists {} people; invite at most {MAX_ROWS} at a time",
                rows.len()
            ),
        ));
    }
    let mut seen = HashSet::new();
    Ok(rows
        .iter()
        .map(|row| match parse(row) {
            Ok(invitee) if !seen.insert(invitee.email.clone()) => {
                Checked::Invalid("Listed more than once; invited once.".into())
            }
            Ok(invitee) => Checked::Valid(invitee),
            Err(message) => Checked::Invalid(message),
        })
        .collect())
}

fn parse(row: &RawRow) -> Result<Invitee, String> {
    let email = Email::parse(&row.email).map_err(|_| {
        if row.email.trim().is_empty() {
            "No email address.".to_owned()
        } else {
            format!("“{}” is not an email address.", row.email.trim())
        }
    })?;
    let role = match row.role.as_deref().map(str::trim).unwrap_or("") {
        "" => Role::Member,
        role if role.eq_ignore_ascii_case("member") => Role::Member,
        role if role.eq_ignore_ascii_case("facilitator") => Role::Facilitator,
        other => return Err(format!("Role “{other}” is neither member nor facilitator.")),
    };
    let name = match row.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => Some(DisplayName::parse(name).map_err(|_| {
            "The name must be at most 80 characters, without control characters.".to_owned()
        })?),
        None => None,
    };
    Ok(Invitee { email, name, role })
}

/// The rows of a CSV file: `email,name,role` in that order, or in any order under a header
/// naming them. Blank lines are skipped. A file that is not CSV at all is refused whole.
pub fn from_csv(bytes: &[u8]) -> ApiResult<Vec<RawRow>> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ApiError::BadRequest("The file is not UTF-8 text.".into()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|err| ApiError::BadRequest(format!("Not CSV: {err}")))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        records.push(record);
    }
    let mut columns = [Some(0), Some(1), Some(2)];
    if let Some(first) = records.first() {
        let named: Vec<String> = first.iter().map(str::to_ascii_lowercase).collect();
        if named.iter().any(|cell| cell == "email") {
            columns =
                ["email", "name", "role"].map(|column| named.iter().position(|c| c == column));
            records.remove(0);
        }
    }
    let cell = |record: &csv::StringRecord, column: Option<usize>| {
        column
            .and_then(|i| record.get(i))
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    Ok(records
        .iter()
        .map(|record| RawRow {
            email: cell(record, columns[0]).unwrap_or_default(),
            name: cell(record, columns[1]),
            role: cell(record, columns[2]),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(email: &str, name: Option<&str>, role: Option<&str>) -> RawRow {
        RawRow {
            email: email.into(),
            name: name.map(Into::into),
            role: role.map(Into::into),
        }
    }

    #[test]
    fn each_row_is_checked_on_its_own() {
        let checked = check(&[
            row("Ana@Example.org", Some("Ana López"), None),
            row("not an address", None, None),
            row("ben@example.org", None, Some("Facilitator")),
            row("ana@example.org", None, None),
            row("cy@example.org", None, Some("admin")),
            row("", Some("Nobody"), None),
        ])
        .unwrap();
        let Checked::Valid(ana) = &checked[0] else {
            panic!("{checked:?}")
        };
        assert_eq!(ana.email.as_str(), "ana@example.org");
        assert_eq!(ana.name.as_ref().unwrap().as_str(), "Ana López");
        assert_eq!(ana.role, Role::Member);
        assert!(matches!(&checked[1], Checked::Invalid(m) if m.contains("not an email")));
        assert!(matches!(&checked[2], Checked::Valid(b) if b.role == Role::Facilitator));
        assert!(matches!(&checked[3], Checked::Invalid(m) if m.contains("more than once")));
        assert!(matches!(&checked[4], Checked::Invalid(m) if m.contains("admin")));
        assert!(matches!(&checked[5], Checked::Invalid(m) if m == "No email address."));
    }

    #[test]
    fn a_request_lists_someone_and_not_too_many() {
        assert!(check(&[]).is_err());
        let many = vec![row("a@example.org", None, None); MAX_ROWS + 1];
        assert!(check(&many).is_err());
    }

    #[test]
    fn csv_columns_come_in_order_or_under_their_header() {
        let plain = from_csv(b"ana@example.org,Ana Lopez,member\n\nben@example.org\n").unwrap();
        assert_eq!(plain.len(), 2);
        assert_eq!(plain[0].name.as_deref(), Some("Ana Lopez"));
        assert_eq!(plain[1].email, "ben@example.org");
        assert_eq!(plain[1].role, None);
        let headed = from_csv(
            "\u{feff}Role,Email,Name\r\nfacilitator,cy@example.org,\"Cy, Teacher\"\r\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(headed.len(), 1);
        assert_eq!(headed[0].email, "cy@example.org");
        assert_eq!(headed[0].name.as_deref(), Some("Cy, Teacher"));
        assert_eq!(headed[0].role.as_deref(), Some("facilitator"));
        assert!(from_csv(&[0xff, 0xfe, 0x00]).is_err());
    }
}
