//! What a query asks beyond words, written into `q` as Discourse members write it: `@handle`
//! (written by that member), `#tag`, `in:title` (the words in titles only) and `status:open`
//! (that status, of every type that has one by that name).

use super::document::{every_status, status_of, DocType};
use crate::tags::Tag;

/// `q` taken apart: the words and phrases left, and the filters written among them.
#[derive(Debug, Default, PartialEq)]
pub struct Operators {
    /// The rest of `q`, quoted phrases untouched.
    pub text: String,
    /// `@handle`, lower-cased, without the `@`.
    pub author: Option<String>,
    pub tags: Vec<String>,
    pub title_only: bool,
    /// Any of these (`status:open` names the open help requests and the open polls).
    pub statuses: Vec<String>,
}

impl Operators {
    pub fn any(&self) -> bool {
        self.author.is_some()
            || !self.tags.is_empty()
            || self.title_only
            || !self.statuses.is_empty()
    }
}

/// Takes the operators out of `raw`; a message saying which one is wrong otherwise. A word
/// with a colon that is no operator ("9:30", "re:") stays a word; inside quotes nothing is
/// an operator.
pub fn split(raw: &str) -> Result<Operators, String> {
    let mut found = Operators::default();
    let mut rest = Vec::new();
    let mut in_quotes = false;
    for token in raw.split_whitespace() {
        let quotes = token
            .chars()
            .filter(|c| matches!(c, '"' | '\u{201C}' | '\u{201D}'))
            .count();
        if in_quotes || quotes > 0 {
            rest.push(token);
            in_quotes ^= quotes % 2 == 1;
            continue;
        }
        if let Some(handle) = token.strip_prefix('@').filter(|h| !h.is_empty()) {
            let handle = handle.to_lowercase();
            match &found.author {
                Some(other) if *other != handle => {
                    return Err(format!(
                        "asks for two authors (@{other}, @{handle}); one at a time"
                    ));
                }
                _ => found.author = Some(handle),
            }
            continue;
        }
        if let Some(tag) = token.strip_prefix('#').filter(|t| !t.is_empty()) {
            let tag = Tag::parse(tag).map_err(|why| format!("#{tag} is not a tag: {why}"))?;
            if !found.tags.iter().any(|t| t == tag.as_str()) {
                found.tags.push(tag.as_str().to_owned());
            }
            continue;
        }
        if let Some((key, value)) = token.split_once(':') {
            match key.to_lowercase().as_str() {
                "in" if value.eq_ignore_ascii_case("title") => {
                    found.title_only = true;
                    continue;
                }
                "in" => return Err(format!("{token}: only in:title is understood")),
                "status" => {
                    for status in statuses_named(value)? {
                        if !found.statuses.contains(&status) {
                            found.statuses.push(status);
                        }
                    }
                    continue;
                }
                _ => {}
            }
        }
        rest.push(token);
    }
    found.text = rest.join(" ");
    Ok(found)
}

/// `open` → every type's `open`; `help_request:open` → itself; `solved` is `resolved`, as
/// Discourse members say it.
fn statuses_named(value: &str) -> Result<Vec<String>, String> {
    let value = value.to_lowercase();
    if every_status().contains(&value) {
        return Ok(vec![value]);
    }
    let word = if value == "solved" {
        "resolved"
    } else {
        value.as_str()
    };
    let named: Vec<String> = DocType::ALL
        .into_iter()
        .filter(|t| t.statuses().contains(&word))
        .map(|t| status_of(t, word))
        .collect();
    if named.is_empty() {
        let mut words: Vec<&str> = DocType::ALL
            .iter()
            .flat_map(|t| t.statuses().iter().copied())
            .collect();
        words.sort_unstable();
        words.dedup();
        return Err(format!(
            "status:{value} is not a status; one of {}",
            words.join(", ")
        ));
    }
    Ok(named)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_come_out_and_words_stay() {
        let found =
            split("@Roxy-Heiser #Chronic-Absence attendance in:title status:open 9:30").unwrap();
        assert_eq!(found.text, "attendance 9:30");
        assert_eq!(found.author.as_deref(), Some("roxy-heiser"));
        assert_eq!(found.tags, ["chronic-absence"]);
        assert!(found.title_only);
        assert_eq!(found.statuses, ["help_request:open", "poll:open"]);
        assert!(found.any());
        let plain = split("how do \"@not #operators\" work").unwrap();
        assert_eq!(plain.text, "how do \"@not #operators\" work");
        assert!(!plain.any());
        assert_eq!(
            split("status:solved").unwrap().statuses,
            ["help_request:resolved"]
        );
        assert_eq!(
            split("status:test_of_change:acted").unwrap().statuses,
            ["test_of_change:acted"]
        );
        // A lone @ or # is a word.
        assert_eq!(split("@ #").unwrap().text, "@ #");
    }

    #[test]
    fn a_wrong_operator_says_what_is_understood() {
        assert!(split("status:pending").unwrap_err().contains("answered"));
        assert!(split("in:body x").unwrap_err().contains("in:title"));
        assert!(split("@ana @bo").unwrap_err().contains("one at a time"));
        assert!(split("#a!b").unwrap_err().contains("not a tag"));
    }
}
