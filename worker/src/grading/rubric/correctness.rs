//! Correctness: the catalog's misconceptions (claims a competent interviewer would mark
//! wrong) found in an answer. A pattern matches when each of its parts appears in one
//! sentence and none of them is negated there ("we never retry with a new key" does not
//! state "retry with a new key").

use super::corpus::CompiledMisconception;
use super::lexicon::Sentence;

/// A misconception the answer states, with the sentence that states it.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) id: String,
    pub(crate) claim: String,
    pub(crate) correction: String,
    pub(crate) quote: String,
}

fn states(pattern: &[super::lexicon::Concept], s: &Sentence) -> bool {
    !pattern.is_empty()
        && pattern.iter().all(|part| match part.find(&s.words) {
            Some((at, _)) => !s.negated(at),
            None => false,
        })
}

pub(crate) fn misconceptions(
    raw: &str,
    sentences: &[Sentence],
    known: &[CompiledMisconception],
) -> Vec<Found> {
    let mut out = Vec::new();
    for m in known {
        let hit = sentences.iter().find(|s| m.patterns.iter().any(|p| states(p, s)));
        if let Some(s) = hit {
            out.push(Found {
                id: m.id.clone(),
                claim: m.claim.trim().trim_end_matches('.').to_owned(),
                correction: m.correction.trim().to_owned(),
                quote: super::quote(s.text(raw)),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::lexicon::{Concept, sentences};
    use super::*;

    fn known() -> Vec<CompiledMisconception> {
        vec![CompiledMisconception {
            id: "new-key-per-retry".into(),
            claim: "Each retry gets a fresh idempotency key.".into(),
            correction: "The key belongs to the payment intent, not to the attempt.".into(),
            patterns: vec![vec![
                Concept::new(&["new key", "fresh key", "new idempotency key"]),
                Concept::new(&["retry", "attempt"]),
            ]],
        }]
    }

    #[test]
    fn a_stated_misconception_is_found_with_its_sentence() {
        let raw = "We store the key. On every retry the client sends a new key so nothing clashes.";
        let found = misconceptions(raw, &sentences(raw), &known());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, "new-key-per-retry");
        assert!(found[0].quote.starts_with("On every retry"), "{}", found[0].quote);
    }

    #[test]
    fn a_denied_or_split_claim_is_not() {
        for raw in [
            "On a retry the client never sends a new key.",
            "We retry. A new key is made per payment intent.",
        ] {
            assert!(misconceptions(raw, &sentences(raw), &known()).is_empty(), "{raw}");
        }
    }
}
