//! Coherence: signs that an answer was not composed as one line of thought, or not by
//! the candidate at the time: numbered steps out of order, an opening that refers to
//! something never introduced, a conclusion before its premises, the same answer given
//! to several questions, and a typing speed no person reaches.

use super::lexicon::Sentence;

/// Words per minute above which an answer cannot have been typed in the time spent
/// (people compose interview answers at 20–40; fast copy-typing tops out near 100).
pub(crate) const IMPLAUSIBLE_WPM: f64 = 100.0;
/// Below this many words the speed is not judged (a quick short answer is plausible).
const SPEED_MIN_WORDS: usize = 60;
/// Two answers sharing at least this share of their distinct words are the same answer.
const REPEATED_OVERLAP: f64 = 0.8;
const REPEATED_MIN_WORDS: usize = 15;
/// Out-of-order steps needed before the order is called broken (one slip is a typo).
const ORDINAL_BREAKS: usize = 2;
/// A conclusion is "before its premises" when it opens an answer at least this long.
const CONCLUSION_MIN_WORDS: usize = 150;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Issue {
    /// Numbered steps out of sequence, e.g. `[4, 1, 3]`.
    StepsOutOfOrder(Vec<u32>),
    /// The opening sentence continues a thought that was never started.
    OpensMidThought(String),
    /// The lesson or outcome comes first, before what happened.
    ConclusionFirst(String),
    /// The same text was given to another question of the interview (its position).
    Repeated(u32),
    /// Words of the answer and seconds spent on it.
    ImplausibleSpeed(usize, u32),
}

impl Issue {
    /// What the report says about it (one sentence, no trailing period).
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::StepsOutOfOrder(steps) => {
                let shown: Vec<String> = steps.iter().take(6).map(u32::to_string).collect();
                format!(
                    "The numbered steps come out of order ({}), so the reasoning cannot be followed from start to finish",
                    shown.join(", ")
                )
            }
            Self::OpensMidThought(opening) => format!(
                "The answer opens mid-thought (\"{opening}…\"), referring to something it never introduced"
            ),
            Self::ConclusionFirst(opening) => format!(
                "The answer starts with its conclusion (\"{opening}…\") before saying what happened, so the story is hard to follow"
            ),
            Self::Repeated(position) => format!(
                "This is the same answer as the one given to Q{position}: each question needs its own answer"
            ),
            Self::ImplausibleSpeed(words, seconds) if *seconds < 60 => format!(
                "The answer's {words} words arrived in under a minute, faster than anyone types; a pasted answer cannot be graded as your own"
            ),
            Self::ImplausibleSpeed(words, seconds) => {
                #[allow(clippy::cast_precision_loss)]
                let wpm = (*words as f64 * 60.0 / f64::from(*seconds)).round();
                format!(
                    "The answer arrived at about {wpm} words per minute, faster than anyone types; a pasted answer cannot be graded as your own"
                )
            }
        }
    }
}

/// The numbers that start lines ("3.", "3)", "(3)") or appear inline as "(3)", in order.
fn step_numbers(raw: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for line in raw.lines() {
        let t = line.trim_start();
        let t = t.strip_prefix('(').unwrap_or(t);
        let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
        if (1..=2).contains(&digits.len()) {
            let rest = &t[digits.len()..];
            if (rest.starts_with(". ") || rest.starts_with(") ") || rest.starts_with(".\t"))
                && let Ok(n) = digits.parse()
            {
                out.push(n);
            }
        }
        // Inline "(2)" markers further along the line.
        let bytes = line.as_bytes();
        for i in 1..bytes.len() {
            if bytes[i - 1] == b'(' && bytes[i].is_ascii_digit() {
                let j = i + bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
                if j - i <= 2
                    && bytes.get(j) == Some(&b')')
                    && i > 1 + line.len() - line.trim_start().len()
                    && let Ok(n) = line[i..j].parse()
                {
                    out.push(n);
                }
            }
        }
    }
    out
}

fn steps_out_of_order(raw: &str) -> Option<Issue> {
    let steps = step_numbers(raw);
    let first = *steps.first()?;
    let mut breaks = usize::from(first > 1);
    for w in steps.windows(2) {
        let (a, b) = (w[0], w[1]);
        // A new list may restart at 1; anything else that goes back or skips is a break.
        if (b < a && b != 1) || b > a + 1 || (b == a) {
            breaks += 1;
        }
    }
    (breaks >= ORDINAL_BREAKS).then_some(Issue::StepsOutOfOrder(steps))
}

/// Openings that continue a previous thought or name someone never introduced.
const MID_THOUGHT: &[&[&str]] = &[
    &["and"],
    &["also"],
    &["but"],
    &["i", "also"],
    &["we", "also"],
    &["he"],
    &["she"],
    &["him"],
    &["her"],
    &["both"],
    &["anoth"],
    &["the", "other"],
    &["all", "four"],
    &["all", "three"],
    &["all", "five"],
];

/// Openings that state the lesson or the outcome.
const CONCLUSIONS: &[&[&str]] = &[
    &["what", "i", "took"],
    &["what", "i", "learn"],
    &["what", "i", "d", "do", "differ"],
    &["what", "i", "would", "do", "differ"],
    &["the", "lesson"],
    &["my", "takeaway"],
    &["in", "hindsight"],
    &["look", "back"],
    &["in", "the", "end"],
    &["as", "a", "result"],
];

fn starts_with(words: &[String], pattern: &[&str]) -> bool {
    words.len() >= pattern.len() && words.iter().zip(pattern).all(|(w, p)| w == p)
}

fn contains(words: &[String], pattern: &[&str]) -> bool {
    words
        .windows(pattern.len())
        .any(|w| w.iter().zip(pattern).all(|(a, b)| a == b))
}

fn opening(raw: &str, s: &Sentence) -> String {
    s.text(raw)
        .split_whitespace()
        .take(6)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Issues found in one answer on its own (repetition and speed are judged by the
/// caller, which knows the interview and the time).
pub(crate) fn issues(raw: &str, sentences: &[Sentence], words: usize, behavioral: bool) -> Vec<Issue> {
    let mut out = Vec::new();
    if let Some(issue) = steps_out_of_order(raw) {
        out.push(issue);
    }
    let body: Vec<&Sentence> = sentences.iter().filter(|s| !s.is_header(raw)).collect();
    if let Some(first) = body.first() {
        if MID_THOUGHT.iter().any(|p| starts_with(&first.words, p)) || names_a_stranger(first.text(raw)) {
            out.push(Issue::OpensMidThought(opening(raw, first)));
        } else if behavioral
            && words >= CONCLUSION_MIN_WORDS
            && let Some(s) = body
                .iter()
                .take(2)
                .find(|s| CONCLUSIONS.iter().any(|p| contains(&s.words, p)))
        {
            out.push(Issue::ConclusionFirst(opening(raw, s)));
        }
    }
    out
}

/// An opening sentence that speaks of "her" or "him" before naming anyone: the person
/// was introduced somewhere else, if at all.
fn names_a_stranger(sentence: &str) -> bool {
    for (i, word) in sentence.split_whitespace().take(4).enumerate() {
        let w = word.trim_matches(|c: char| !c.is_alphanumeric());
        if ["he", "she", "him", "her", "his"].contains(&w.to_lowercase().as_str()) {
            return true;
        }
        let capitalised = w.chars().next().is_some_and(char::is_uppercase);
        if i > 0 && capitalised && w != "I" && !w.starts_with("I'") {
            return false;
        }
    }
    false
}

pub(crate) fn speed(words: usize, seconds: Option<u32>) -> Option<Issue> {
    let seconds = seconds?;
    if words < SPEED_MIN_WORDS {
        return None;
    }
    #[allow(clippy::cast_precision_loss)]
    let wpm = words as f64 * 60.0 / f64::from(seconds.max(1));
    (wpm > IMPLAUSIBLE_WPM).then_some(Issue::ImplausibleSpeed(words, seconds))
}

/// For each answer, the position of another answer of the interview it repeats.
pub(crate) fn repeated(answers: &[(u32, &[String])]) -> Vec<Option<u32>> {
    use std::collections::HashSet;
    let sets: Vec<HashSet<&str>> = answers
        .iter()
        .map(|(_, toks)| toks.iter().map(String::as_str).collect())
        .collect();
    answers
        .iter()
        .enumerate()
        .map(|(i, (_, toks))| {
            if toks.len() < REPEATED_MIN_WORDS {
                return None;
            }
            answers.iter().enumerate().find_map(|(j, (pos, other))| {
                if i == j || other.len() < REPEATED_MIN_WORDS {
                    return None;
                }
                let shared = sets[i].intersection(&sets[j]).count();
                let union = sets[i].union(&sets[j]).count().max(1);
                #[allow(clippy::cast_precision_loss)]
                let overlap = shared as f64 / union as f64;
                (overlap >= REPEATED_OVERLAP).then_some(*pos)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::lexicon::sentences;
    use super::*;

    #[test]
    fn numbered_steps_out_of_order_are_found() {
        let shuffled = "3. Cache it.\n1. Measure.\n4. Watch.\n2. Fix.";
        assert!(matches!(
            steps_out_of_order(shuffled),
            Some(Issue::StepsOutOfOrder(_))
        ));
        let fine = "1. Measure.\n2. Fix.\n3. Cache.\nThen:\n1. Again.\n2. Done.";
        assert_eq!(steps_out_of_order(fine), None);
        let inline = "First (3) we cache, then (1) we measure, (4) watch and (2) fix.";
        assert!(steps_out_of_order(inline).is_some());
    }

    #[test]
    fn an_opening_mid_thought_is_found_but_not_a_plain_one() {
        let raw = "And detection time matters as much. We fixed it.";
        let found = issues(raw, &sentences(raw), 9, false);
        assert!(
            matches!(found.as_slice(), [Issue::OpensMidThought(_)]),
            "{found:?}"
        );
        let raw = "That's join skew. One key holds most rows.";
        assert!(issues(raw, &sentences(raw), 8, false).is_empty());
        let raw = "I sent her the revised doc and it was approved.";
        assert_eq!(issues(raw, &sentences(raw), 9, true).len(), 1);
        let raw = "I told Maria, our designer, that her mockups were late.";
        assert!(issues(raw, &sentences(raw), 10, true).is_empty());
    }

    #[test]
    fn speed_and_repetition() {
        assert!(speed(400, Some(60)).is_some());
        assert!(speed(400, Some(0)).is_some());
        assert!(speed(400, Some(20 * 60)).is_none());
        assert!(speed(20, Some(1)).is_none());
        let a: Vec<String> = (0..20).map(|i| format!("w{i}")).collect();
        let b: Vec<String> = (5..30).map(|i| format!("w{i}")).collect();
        let found = repeated(&[(1, &a), (2, &a), (3, &b)]);
        assert_eq!(found, vec![Some(2), Some(1), None]);
    }
}
