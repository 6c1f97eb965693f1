//! An RFC 5545 iCalendar document for one convening, for calendar apps.

use crate::entities::convenings;
use chrono::{DateTime, Utc};

/// Renders `convening` as a `VCALENDAR` with one `VEVENT`. `public_url` builds the UID's
/// domain and the link back to Staffroom.
pub fn render(convening: &convenings::Model, network_name: &str, public_url: &str) -> String {
    let host = url::Url::parse(public_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "staffroom.local".to_owned());
    let mut description = String::new();
    if !convening.agenda.is_empty() {
        description.push_str("Agenda:\n");
        description.push_str(&convening.agenda);
        description.push_str("\n\n");
    }
    if let Some(link) = &convening.virtual_url {
        description.push_str(&format!("Join online: {link}\n"));
    }
    description.push_str(&format!("{network_name} on Staffroom"));

    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Staffroom//Convenings//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:convening-{}@{host}", convening.id),
        // DTSTAMP is when this file was made (RFC 5545 §3.8.7.2, with METHOD:PUBLISH).
        format!("DTSTAMP:{}", utc(crate::clock::now())),
        format!("LAST-MODIFIED:{}", utc(convening.updated_at)),
        format!("SEQUENCE:{}", convening.sequence),
        format!("DTSTART:{}", utc(convening.starts_at)),
        format!("DTEND:{}", utc(convening.ends_at)),
        format!("SUMMARY:{}", escape(&convening.title)),
        format!("DESCRIPTION:{}", escape(&description)),
        format!(
            "STATUS:{}",
            if convening.cancelled_at.is_some() {
                "CANCELLED"
            } else {
                "CONFIRMED"
            }
        ),
    ];
    match (&convening.location, &convening.virtual_url) {
        (Some(location), _) => lines.push(format!("LOCATION:{}", escape(location))),
        (None, Some(link)) => lines.push(format!("LOCATION:{}", escape(link))),
        (None, None) => {}
    }
    if let Some(link) = &convening.virtual_url {
        lines.push(format!("URL:{link}"));
    }
    lines.push("END:VEVENT".to_owned());
    lines.push("END:VCALENDAR".to_owned());
    lines.iter().map(|line| fold(line)).collect()
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT values escape backslashes, semicolons, commas and newlines (RFC 5545 §3.3.11).
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\n' => escaped.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// Lines are at most 75 octets, continued on lines starting with a space, ended by CRLF
/// (RFC 5545 §3.1); a fold never splits a UTF-8 character.
fn fold(line: &str) -> String {
    let mut folded = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            folded.push_str("\r\n ");
            width = 1;
        }
        folded.push(c);
        width += len;
    }
    folded.push_str("\r\n");
    folded
}

#[cfg(test)]
mod tests {
    use super::{escape, fold};

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a, b; c\\d\nnext"), "a\\, b\\; c\\\\d\\nnext");
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let line = format!("DESCRIPTION:{}", "é".repeat(100));
        let folded = fold(&line);
        for physical in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{} octets", physical.len());
        }
        let unfolded = folded.replace("\r\n ", "");
        assert_eq!(unfolded.trim_end(), line);
    }
}
