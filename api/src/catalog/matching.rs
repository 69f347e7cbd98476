//! Phrase matching shared by follow-up triggers and the rubric grader.
//!
//! Text is split into lower-case tokens of letters and digits; everything else
//! (spaces, hyphens, slashes, punctuation) separates tokens. A phrase matches when its
//! tokens appear consecutively, each either equal to the text's token or followed by a
//! plural `s`/`es` there. So `cache` matches "Cache," and "caches" but not "cachet" or
//! "caching"; `read/write ratio` matches "read-write ratio"; `62^7` matches "62^7".

/// A tokenised text, ready for repeated phrase lookups.
#[derive(Debug, Clone)]
pub struct Text {
    tokens: Vec<String>,
}

pub fn tokens(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn token_matches(text: &str, phrase: &str) -> bool {
    text == phrase
        || text
            .strip_prefix(phrase)
            .is_some_and(|rest| rest == "s" || rest == "es")
}

impl Text {
    pub fn new(s: &str) -> Self {
        Self { tokens: tokens(s) }
    }

    pub fn word_count(&self) -> usize {
        self.tokens.len()
    }

    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// Whether the phrase occurs (see the module docs for the rules).
    pub fn mentions(&self, phrase: &str) -> bool {
        self.count(phrase) > 0
    }

    /// How many times the phrase occurs.
    pub fn count(&self, phrase: &str) -> usize {
        let wanted = tokens(phrase);
        if wanted.is_empty() || wanted.len() > self.tokens.len() {
            return 0;
        }
        self.tokens
            .windows(wanted.len())
            .filter(|w| w.iter().zip(&wanted).all(|(t, p)| token_matches(t, p)))
            .count()
    }

    /// The token index of the first occurrence of any phrase, if one occurs.
    pub fn first_position(&self, phrases: &[&str]) -> Option<usize> {
        phrases
            .iter()
            .filter_map(|phrase| {
                let wanted = tokens(phrase);
                if wanted.is_empty() {
                    return None;
                }
                self.tokens
                    .windows(wanted.len())
                    .position(|w| w.iter().zip(&wanted).all(|(t, p)| token_matches(t, p)))
            })
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_whole_words_with_plurals_only() {
        let t = Text::new("We add Caches, a CDN and caching; cachet is a word.");
        assert!(t.mentions("cache"));
        assert!(t.mentions("cdn"));
        assert!(t.mentions("caching"));
        assert!(!t.mentions("cac"));
        assert!(!t.mentions("cachet is not"));
        assert_eq!(t.count("cache"), 1);
        assert!(Text::new("two indexes").mentions("index"));
    }

    #[test]
    fn multi_word_phrases_ignore_separators() {
        let t = Text::new("the read-write ratio is 100:1 and the p99 is 40ms");
        assert!(t.mentions("read/write ratio"));
        assert!(t.mentions("read write ratio"));
        assert!(t.mentions("100:1"));
        assert!(t.mentions("p99"));
        assert!(!t.mentions("write read"));
        assert!(Text::new("62^7 codes").mentions("62^7"));
    }

    #[test]
    fn empty_phrases_never_match() {
        assert!(!Text::new("anything").mentions(" - "));
        assert_eq!(Text::new("").word_count(), 0);
    }
}
