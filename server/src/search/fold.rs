//! How the embedded engine cuts and compares words: runs of letters and digits, lower-cased,
//! and folded to ASCII where a letter has an ASCII form (`José Peña` is held as `jose` and
//! `pena`, `niño` as `nino`). Members type names on phones without accents; Meilisearch folds
//! the same way on its side, so a query finds the same words on both engines. Words joined
//! by a hyphen or an apostrophe are also held joined (`check-in` as `check`, `in` and
//! `checkin`), as Meilisearch finds `check-in` when asked for `checkin`. The index cuts text
//! with `analyzer`, and query words and the highlighter's document words go through `fold`,
//! so all three agree.

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RawTokenizer, RemoveLongFilter, TextAnalyzer, Token,
    TokenStream, Tokenizer,
};

/// The index's analyzer: words and joined words, at most 40 bytes, lower-cased, folded.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(Words::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Runs of letters and digits, each a token at its own position; a run of words joined by
/// single hyphens or apostrophes is also one token, at the position of its last word.
#[derive(Clone, Default)]
pub struct Words {
    tokens: Vec<Token>,
}

/// Characters that join two words into one written form (`check-in`, `don't`).
fn joins(between: &str) -> bool {
    matches!(between, "-" | "\u{2010}" | "'" | "\u{2019}")
}

/// Where each run of letters and digits of `text` starts and ends (bytes).
fn word_spans(text: &str) -> Vec<(usize, usize)> {
    text.char_indices()
        .fold(Vec::new(), |mut words: Vec<(usize, usize)>, (at, c)| {
            if c.is_alphanumeric() {
                match words.last_mut() {
                    Some((_, end)) if *end == at => *end = at + c.len_utf8(),
                    _ => words.push((at, at + c.len_utf8())),
                }
            }
            words
        })
}

/// The index ranges (into `spans`) of the runs of two or more words joined by `joins`.
fn joined_groups(text: &str, spans: &[(usize, usize)]) -> Vec<std::ops::RangeInclusive<usize>> {
    let mut groups = Vec::new();
    let mut start = 0;
    for (i, &(_, to)) in spans.iter().enumerate() {
        let joined_to_next = spans
            .get(i + 1)
            .is_some_and(|&(next, _)| joins(&text[to..next]));
        if !joined_to_next {
            if i > start {
                groups.push(start..=i);
            }
            start = i + 1;
        }
    }
    groups
}

/// The words of `text` written joined (`check-in` → `checkin`), for an engine that cannot
/// join them itself: Meilisearch is given them in a field of their own.
pub fn joined_words(text: &str) -> Vec<String> {
    let spans = word_spans(text);
    joined_groups(text, &spans)
        .into_iter()
        .map(|group| spans[group].iter().map(|&(f, t)| &text[f..t]).collect())
        .collect()
}

impl Tokenizer for Words {
    type TokenStream<'a> = WordsStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordsStream<'a> {
        self.tokens.clear();
        let spans = word_spans(text);
        let mut groups = joined_groups(text, &spans).into_iter().peekable();
        for (position, &(from, to)) in spans.iter().enumerate() {
            self.tokens.push(Token {
                offset_from: from,
                offset_to: to,
                position,
                text: text[from..to].to_owned(),
                position_length: 1,
            });
            // A joined run follows its last word, at that word's position.
            if let Some(group) = groups.next_if(|group| *group.end() == position) {
                self.tokens.push(Token {
                    offset_from: spans[*group.start()].0,
                    offset_to: to,
                    position,
                    text: spans[group].iter().map(|&(f, t)| &text[f..t]).collect(),
                    position_length: 1,
                });
            }
        }
        WordsStream {
            tokens: &mut self.tokens,
            next: 0,
        }
    }
}

pub struct WordsStream<'a> {
    tokens: &'a mut Vec<Token>,
    next: usize,
}

impl TokenStream for WordsStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

/// One word as the index holds it.
pub fn fold(word: &str) -> String {
    if word.is_ascii() {
        return word.to_ascii_lowercase();
    }
    thread_local! {
        // Built once per thread: the highlighter folds every accented word of every hit.
        static WHOLE: std::cell::RefCell<TextAnalyzer> = std::cell::RefCell::new(
            TextAnalyzer::builder(RawTokenizer::default())
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .build(),
        );
    }
    WHOLE.with_borrow_mut(|whole| {
        let mut stream = whole.token_stream(word);
        let mut folded = String::with_capacity(word.len());
        while let Some(token) = stream.next() {
            folded.push_str(&token.text);
        }
        folded
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_and_case_fold_the_way_the_index_holds_words() {
        assert_eq!(fold("José"), "jose");
        assert_eq!(fold("PEÑA"), "pena");
        assert_eq!(fold("niño"), "nino");
        assert_eq!(fold("Año"), "ano");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("check"), "check");
        assert_eq!(
            joined_words("A check-in, don't; año-escolar x - y"),
            ["checkin", "dont", "añoescolar"]
        );
        let cut = |text: &str| {
            let mut index = analyzer();
            let mut stream = index.token_stream(text);
            let mut words = Vec::new();
            while let Some(token) = stream.next() {
                words.push((token.text.clone(), token.position));
            }
            words
        };
        let words: Vec<String> = cut("José Peña's niño, año-escolar")
            .into_iter()
            .map(|(w, _)| w)
            .collect();
        assert_eq!(
            words,
            [
                "jose",
                "pena",
                "s",
                "penas",
                "nino",
                "ano",
                "escolar",
                "anoescolar"
            ]
        );
        let words = cut("Daily check-in, then check  in");
        let expected = [
            ("daily", 0),
            ("check", 1),
            ("in", 2),
            ("checkin", 2),
            ("then", 3),
            ("check", 4),
            ("in", 5),
        ];
        assert_eq!(words, expected.map(|(w, p)| (w.to_owned(), p)));
    }
}
