//! The index settings of `search-config/documents.json`, compiled into the binary: Meilisearch
//! receives them as they are, and the embedded engine takes its field weights (the order of
//! `searchableAttributes`), synonyms, stop words and typo thresholds from the same file.

use serde::Deserialize;
use std::collections::{HashMap, HashSet};

/// The file as shipped.
pub const DOCUMENTS_JSON: &str = include_str!("../../../search-config/documents.json");

#[derive(Debug, Clone)]
pub struct IndexSettings {
    /// Searchable fields, most important first.
    pub searchable: Vec<String>,
    /// Lower-case word or phrase → its equivalents.
    pub synonyms: HashMap<String, Vec<String>>,
    pub stop_words: HashSet<String>,
    /// Shortest word that tolerates one typo, and two.
    pub one_typo: usize,
    pub two_typos: usize,
    /// The whole document, for Meilisearch.
    pub raw: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    searchable_attributes: Vec<String>,
    synonyms: HashMap<String, Vec<String>>,
    stop_words: Vec<String>,
    typo_tolerance: TypoTolerance,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TypoTolerance {
    min_word_size_for_typos: MinWordSize,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MinWordSize {
    one_typo: usize,
    two_typos: usize,
}

impl IndexSettings {
    pub fn parse(json: &str) -> Result<IndexSettings, serde_json::Error> {
        let raw: serde_json::Value = serde_json::from_str(json)?;
        let file: File = serde_json::from_value(raw.clone())?;
        Ok(IndexSettings {
            searchable: file.searchable_attributes,
            synonyms: file
                .synonyms
                .into_iter()
                .map(|(k, v)| {
                    (
                        k.to_lowercase(),
                        v.into_iter().map(|s| s.to_lowercase()).collect(),
                    )
                })
                .collect(),
            stop_words: file
                .stop_words
                .into_iter()
                .map(|w| w.to_lowercase())
                .collect(),
            one_typo: file.typo_tolerance.min_word_size_for_typos.one_typo,
            two_typos: file.typo_tolerance.min_word_size_for_typos.two_typos,
            raw,
        })
    }

    /// The shipped settings (a unit test proves they parse).
    pub fn shipped() -> IndexSettings {
        IndexSettings::parse(DOCUMENTS_JSON).expect("search-config/documents.json is valid")
    }

    /// Typos tolerated in a query word of `len` characters.
    pub fn typos_for(&self, len: usize) -> u8 {
        if len >= self.two_typos {
            2
        } else if len >= self.one_typo {
            1
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_settings_parse_and_are_symmetric() {
        let settings = IndexSettings::shipped();
        assert_eq!(settings.searchable[0], "title");
        assert!(settings.synonyms["ell"].contains(&"emergent bilingual".to_owned()));
        for (word, equivalents) in &settings.synonyms {
            for other in equivalents {
                assert!(
                    settings.synonyms[other].contains(word),
                    "{other} does not lead back to {word}"
                );
            }
        }
        assert_eq!(settings.typos_for(4), 0);
        assert_eq!(settings.typos_for(5), 1);
        assert_eq!(settings.typos_for(10), 2);
    }
}
