//! Stemmed, sentence-level matching: the answer split into sentences of stemmed words,
//! catalog phrases compiled once into stemmed word sequences, and negation.
//!
//! Words are the shared matcher's tokens (letters and digits, lower-cased) reduced with
//! the Snowball English stemmer, so "retries", "retried" and "retrying" all match
//! "retry". A phrase matches a sentence when its stems appear there consecutively.

use std::sync::OnceLock;

use api::catalog::matching;
use rust_stemmers::{Algorithm, Stemmer};

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::English))
}

/// The stem of one lower-case token.
pub(crate) fn stem(token: &str) -> String {
    stemmer().stem(token).into_owned()
}

/// Stems of the matcher's tokens of `s`.
pub(crate) fn stems(s: &str) -> Vec<String> {
    matching::tokens(s).iter().map(|t| stem(t)).collect()
}

/// Words too common to say anything about a topic (compared as stems).
#[rustfmt::skip]
const STOP: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "ani", "are", "as", "at", "be",
    "becaus", "been", "befor", "but", "by", "can", "could", "d", "did", "do", "doe", "don", "each",
    "even", "for", "from", "get", "got", "had", "has", "have", "he", "her", "him", "his", "how",
    "i", "if", "in", "into", "is", "it", "it'", "its", "just", "ll", "m", "me", "more", "most",
    "my", "no", "not", "now", "of", "on", "one", "onli", "or", "our", "out", "over", "re", "s",
    "same", "she", "should", "so", "some", "t", "than", "that", "the", "their", "them", "then",
    "there", "these", "they", "thing", "this", "those", "to", "too", "up", "us", "use", "ve",
    "veri", "wa", "was", "way", "we", "well", "were", "what", "when", "where", "whi", "which",
    "while", "who", "will", "with", "would", "you", "your",
];

pub(crate) fn is_stop(stem: &str) -> bool {
    STOP.binary_search(&stem).is_ok()
}

/// A catalog phrase as stems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Phrase {
    pub(crate) text: String,
    pub(crate) stems: Vec<String>,
}

impl Phrase {
    pub(crate) fn new(text: &str) -> Self {
        Self {
            text: text.trim().to_owned(),
            stems: stems(text),
        }
    }

    /// The first word index of the phrase in `words`, if it occurs.
    pub(crate) fn find(&self, words: &[String]) -> Option<usize> {
        let n = self.stems.len();
        if n == 0 || n > words.len() {
            return None;
        }
        words.windows(n).position(|w| w == self.stems.as_slice())
    }
}

/// Alternative phrasings of one concept.
#[derive(Debug, Clone)]
pub(crate) struct Concept {
    pub(crate) alternatives: Vec<Phrase>,
}

impl Concept {
    pub(crate) fn new(alternatives: &[&str]) -> Self {
        Self {
            alternatives: alternatives
                .iter()
                .map(|a| Phrase::new(a))
                .filter(|p| !p.stems.is_empty())
                .collect(),
        }
    }

    /// The first word index of any alternative in `words`.
    pub(crate) fn find(&self, words: &[String]) -> Option<(usize, &Phrase)> {
        self.alternatives
            .iter()
            .filter_map(|p| p.find(words).map(|i| (i, p)))
            .min_by_key(|(i, _)| *i)
    }
}

/// One sentence of an answer.
#[derive(Debug, Clone)]
pub(crate) struct Sentence {
    /// Byte range in the answer, trimmed.
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) words: Vec<String>,
}

impl Sentence {
    pub(crate) fn text<'a>(&self, raw: &'a str) -> &'a str {
        &raw[self.start..self.end]
    }

    /// A header such as "Outcome:" or "Storage": too short to quote as evidence.
    pub(crate) fn is_header(&self, raw: &str) -> bool {
        let text = self.text(raw).trim_end();
        self.words.len() <= 3 || (text.ends_with(':') && self.words.len() <= 5)
    }

    /// Whether the words at `at..at + len` are negated: a negation word shortly before
    /// them in the same sentence ("we don't retry", "never hold a lock", "instead of
    /// polling", "without a key").
    pub(crate) fn negated(&self, at: usize) -> bool {
        let from = at.saturating_sub(NEGATION_REACH);
        self.words[from..at]
            .iter()
            .any(|w| NEGATIONS.contains(&w.as_str()))
            || (at >= 2 && self.words[at - 2] == "instead" && self.words[at - 1] == "of")
    }
}

/// Stems that deny what follows them within a few words.
#[rustfmt::skip]
const NEGATIONS: &[&str] = &[
    "not", "no", "never", "t", "don", "doesn", "didn", "isn", "aren", "wasn", "won", "shouldn",
    "mustn", "cannot", "avoid", "without", "disabl", "neither", "nor", "stop", "rather",
];
const NEGATION_REACH: usize = 4;

/// The answer's sentences: split after `.`, `!`, `?` or `;` followed by a space, at
/// line breaks, and at bullet markers; empty pieces dropped.
pub(crate) fn sentences(raw: &str) -> Vec<Sentence> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = raw.as_bytes();
    let push = |from: usize, to: usize, out: &mut Vec<Sentence>| {
        let piece = &raw[from..to];
        let trimmed_start = from + (piece.len() - piece.trim_start().len());
        let trimmed_end = from + piece.trim_end().len();
        if trimmed_end > trimmed_start {
            let words = stems(&raw[trimmed_start..trimmed_end]);
            if !words.is_empty() {
                out.push(Sentence {
                    start: trimmed_start,
                    end: trimmed_end,
                    words,
                });
            }
        }
    };
    for (i, c) in raw.char_indices() {
        let next = bytes.get(i + 1).copied();
        let boundary = match c {
            '\n' => true,
            '.' | '!' | '?' | ';' => next.is_none_or(|n| n == b' ' || n == b'\n' || n == b'\t'),
            _ => false,
        };
        if boundary {
            push(start, i + c.len_utf8(), &mut out);
            start = i + c.len_utf8();
        }
    }
    push(start, raw.len(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn stemming_matches_inflections() {
        let p = Phrase::new("retry with backoff");
        assert!(p.find(&stems("we retried with backoffs")).is_some());
        assert!(p.find(&stems("retrying with backoff")).is_some());
        assert!(p.find(&stems("backoff with retry")).is_none());
    }

    #[test]
    fn sentences_split_on_punctuation_and_lines_not_decimals() {
        let raw = "It takes 1.5 s. Then we cache it!\n- bullet one\nLast; done";
        let s: Vec<&str> = sentences(raw).iter().map(|s| s.text(raw)).collect();
        assert_eq!(
            s,
            vec![
                "It takes 1.5 s.",
                "Then we cache it!",
                "- bullet one",
                "Last;",
                "done"
            ]
        );
    }

    #[test]
    fn negation_looks_a_few_words_back() {
        let s = &sentences("We never hold a lock across the call")[0];
        let at = Phrase::new("hold a lock").find(&s.words).unwrap();
        assert!(s.negated(at));
        let s = &sentences("We hold a lock across the call")[0];
        assert!(!s.negated(Phrase::new("hold a lock").find(&s.words).unwrap()));
        let s = &sentences("Use a webhook instead of polling")[0];
        assert!(s.negated(Phrase::new("polling").find(&s.words).unwrap()));
    }

    #[test]
    fn the_stop_list_is_sorted() {
        assert!(STOP.windows(2).all(|w| w[0] < w[1]));
    }
}
