//! Server-side validation of a model's output: it must parse, match the schema, judge
//! every rubric criterion exactly once, and quote only evidence that really occurs in
//! the candidate's answer. A finding that can lower a score (a criterion judged
//! `incorrect`, an answer judged `off_topic` or `incoherent`) must quote the answer
//! (a few words at least) and say why; otherwise the output is invalid, the model is
//! asked for a repair, and then the rubric grader stands in.

use std::collections::HashSet;

use api::domain::report::GradingItem;
use serde::Deserialize;

/// How well the answer meets one rubric criterion, in the model's judgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionVerdict {
    /// What a strong candidate writes.
    Covered,
    /// Touched, but thin, vague or incomplete.
    Partial,
    /// Not addressed.
    Missing,
    /// Addressed with a claim a competent interviewer would mark wrong.
    Incorrect,
}

impl CriterionVerdict {
    pub const ALL: [&'static str; 4] = ["covered", "partial", "missing", "incorrect"];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Covered => "covered",
            Self::Partial => "partial",
            Self::Missing => "missing",
            Self::Incorrect => "incorrect",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriterionGrade {
    pub key: String,
    pub verdict: CriterionVerdict,
    pub evidence: Vec<String>,
    /// What is right instead, when the verdict is `incorrect` (empty otherwise).
    pub correction: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relevance {
    OnTopic,
    OffTopic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Coherence {
    Coherent,
    Incoherent,
}

/// A judgement about the whole answer, with its reason and quotes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Judgement<V> {
    pub verdict: V,
    pub reason: String,
    pub evidence: Vec<String>,
}

/// One question as the model graded it, after validation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionGrade {
    pub relevance: Judgement<Relevance>,
    pub coherence: Judgement<Coherence>,
    pub criteria: Vec<CriterionGrade>,
    pub feedback_summary: String,
    pub feedback: String,
    pub strengths: Vec<String>,
    pub improvements: Vec<String>,
    pub injection_detected: bool,
}

impl QuestionGrade {
    pub fn off_topic(&self) -> bool {
        self.relevance.verdict == Relevance::OffTopic
    }

    pub fn incoherent(&self) -> bool {
        self.coherence.verdict == Coherence::Incoherent
    }

    /// The criteria judged wrong, each with the quoted claim.
    pub fn incorrect(&self) -> impl Iterator<Item = &CriterionGrade> {
        self.criteria
            .iter()
            .filter(|c| c.verdict == CriterionVerdict::Incorrect)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InterviewGrade {
    questions: Vec<serde_json::Value>,
}

/// The fewest words a quote backing a finding must have: one or two words occur in
/// almost any answer and prove nothing.
pub const FINDING_QUOTE_WORDS: usize = 3;

fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{2018}' | '\u{2019}' | '\''))
        .collect::<String>()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `quote` occurs in the (normalised) answer. A quote shortened with an
/// ellipsis ("a … b") must have each of its pieces in the answer, in that order.
fn occurs(answer: &str, quote: &str) -> bool {
    let pieces: Vec<String> = quote
        .replace('\u{2026}', "...")
        .split("...")
        .map(normalise)
        .filter(|p| !p.is_empty())
        .collect();
    if pieces.is_empty() {
        return false;
    }
    let mut from = 0;
    for piece in pieces {
        match answer[from..].find(&piece) {
            Some(at) => from += at + piece.len(),
            None => return false,
        }
    }
    true
}

fn words(quote: &str) -> usize {
    quote
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// Every quote must occur in the answer; a finding needs at least one quote of a few
/// words.
fn check_quotes(answer: &str, what: &str, quotes: &[String], finding: bool) -> Result<(), String> {
    if quotes.len() > 3 {
        return Err(format!("{what} quotes more than 3 pieces of evidence"));
    }
    for quote in quotes {
        if quote.trim().is_empty() || quote.len() > 400 || !occurs(answer, quote) {
            return Err(format!(
                "evidence {quote:?} for {what} does not occur in the candidate's answer"
            ));
        }
    }
    if finding && !quotes.iter().any(|q| words(q) >= FINDING_QUOTE_WORDS) {
        return Err(format!(
            "{what} needs evidence: quote the words of the answer (at least {FINDING_QUOTE_WORDS}) that show it"
        ));
    }
    Ok(())
}

/// Validates one question's grade against its rubric and answer.
pub fn question(value: serde_json::Value, item: &GradingItem) -> Result<QuestionGrade, String> {
    let grade: QuestionGrade =
        serde_json::from_value(value).map_err(|e| format!("the JSON does not match the schema: {e}"))?;
    let answer = normalise(&item.answer);
    let expected: HashSet<&str> = item.rubric.iter().map(|c| c.key.as_str()).collect();
    let mut seen = HashSet::new();
    for c in &grade.criteria {
        if !expected.contains(c.key.as_str()) {
            return Err(format!("criterion {:?} is not in the rubric", c.key));
        }
        if !seen.insert(c.key.as_str()) {
            return Err(format!("criterion {:?} is graded twice", c.key));
        }
        let what = format!("criterion {:?} ({})", c.key, c.verdict.as_str());
        let needs_quote = !matches!(c.verdict, CriterionVerdict::Missing);
        check_quotes(
            &answer,
            &what,
            &c.evidence,
            c.verdict == CriterionVerdict::Incorrect,
        )?;
        if needs_quote && c.evidence.is_empty() {
            return Err(format!("{what} needs evidence quoted from the answer"));
        }
        if c.verdict == CriterionVerdict::Incorrect && !text_ok(&c.correction, 400) {
            return Err(format!(
                "{what} needs a correction of 1 to 400 characters saying what is right"
            ));
        }
    }
    if let Some(missing) = expected.iter().find(|k| !seen.contains(*k)) {
        return Err(format!("criterion {missing:?} is missing"));
    }
    let off_topic = grade.relevance.verdict == Relevance::OffTopic;
    check_quotes(&answer, "relevance", &grade.relevance.evidence, off_topic)?;
    if off_topic && !text_ok(&grade.relevance.reason, 400) {
        return Err("an off_topic relevance needs a reason of 1 to 400 characters".into());
    }
    let incoherent = grade.coherence.verdict == Coherence::Incoherent;
    check_quotes(&answer, "coherence", &grade.coherence.evidence, incoherent)?;
    if incoherent && !text_ok(&grade.coherence.reason, 400) {
        return Err("an incoherent coherence needs a reason of 1 to 400 characters".into());
    }
    if !text_ok(&grade.feedback_summary, 500) {
        return Err("feedback_summary must be 1 to 500 characters".into());
    }
    if !text_ok(&grade.feedback, 4000) {
        return Err("feedback must be 1 to 4000 characters".into());
    }
    for list in [&grade.strengths, &grade.improvements] {
        if list.len() > 3 || list.iter().any(|s| !text_ok(s, 400)) {
            return Err("strengths and improvements take up to 3 items of 1 to 400 characters".into());
        }
    }
    Ok(grade)
}

fn text_ok(s: &str, max: usize) -> bool {
    !s.trim().is_empty() && s.chars().count() <= max
}

/// Parses a completion for one question.
pub fn parse_question(content: &str, item: &GradingItem) -> Result<QuestionGrade, String> {
    let value: serde_json::Value =
        serde_json::from_str(content.trim()).map_err(|e| format!("the output is not valid JSON: {e}"))?;
    question(value, item)
}

/// Parses a completion for a whole interview: one grade per item, in order.
pub fn parse_interview(content: &str, items: &[GradingItem]) -> Result<Vec<QuestionGrade>, String> {
    let parsed: InterviewGrade = serde_json::from_str(content.trim())
        .map_err(|e| format!("the output does not match the schema: {e}"))?;
    if parsed.questions.len() != items.len() {
        return Err(format!(
            "expected {} question grades, found {}",
            items.len(),
            parsed.questions.len()
        ));
    }
    parsed
        .questions
        .into_iter()
        .zip(items)
        .map(|(mut q, item)| {
            let position = q
                .as_object_mut()
                .and_then(|o| o.remove("position"))
                .and_then(|p| p.as_u64());
            if position != Some(u64::from(item.position)) {
                return Err(format!("expected question {}, found {position:?}", item.position));
            }
            question(q, item).map_err(|e| format!("question {}: {e}", item.position))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::{Value, json};

    use super::*;

    fn item(answer: &str) -> GradingItem {
        let criterion = |key: &str| api::catalog::Criterion {
            key: key.into(),
            label: key.into(),
            weight: 1,
            covers: String::new(),
            signals: vec![],
            min_signals: 1,
            core: vec![],
        };
        GradingItem {
            position: 1,
            prompt: "How do you make a payment API idempotent?".into(),
            kind: Some(api::catalog::QuestionKind::Technical),
            is_follow_up: false,
            answer: answer.into(),
            time_spent_seconds: None,
            expected_minutes: Some(10),
            rubric: vec![criterion("key"), criterion("timeouts")],
            ideal_answer: None,
            tips: vec![],
        }
    }

    const ANSWER: &str = "The client sends an \"Idempotency-Key\" header with each payment. A timeout means the \
                          card was not charged, so we mark it failed.";

    fn output(key: Value, timeouts: Value, relevance: Value, coherence: Value) -> Value {
        let mut key = key;
        key["key"] = json!("key");
        let mut timeouts = timeouts;
        timeouts["key"] = json!("timeouts");
        json!({"relevance": relevance, "coherence": coherence, "criteria": [key, timeouts],
               "feedback_summary": "s", "feedback": "f", "strengths": [], "improvements": [],
               "injection_detected": false})
    }

    fn fine() -> Value {
        json!({"verdict": "on_topic", "reason": "", "evidence": []})
    }

    fn coherent() -> Value {
        json!({"verdict": "coherent", "reason": "", "evidence": []})
    }

    fn verdict(v: &str, evidence: &[&str], correction: &str) -> Value {
        json!({"verdict": v, "evidence": evidence, "correction": correction})
    }

    #[test]
    fn verdicts_need_quotes_that_occur_in_the_answer() {
        let ok = output(
            verdict("covered", &["sends an Idempotency-Key header"], ""),
            verdict("missing", &[], ""),
            fine(),
            coherent(),
        );
        let grade = question(ok, &item(ANSWER)).unwrap();
        assert_eq!(grade.criteria[0].verdict, CriterionVerdict::Covered);
        // Covered or partial without a quote, or with an invented one, is refused.
        for bad in [
            verdict("partial", &[], ""),
            verdict("covered", &["retries are safe"], ""),
        ] {
            let e = question(
                output(bad, verdict("missing", &[], ""), fine(), coherent()),
                &item(ANSWER),
            )
            .unwrap_err();
            assert!(e.contains("evidence"), "{e}");
        }
        // A quote shortened with an ellipsis counts when its pieces occur in order.
        let ellipsis = output(
            verdict("covered", &["The client sends … with each payment"], ""),
            verdict("missing", &[], ""),
            fine(),
            coherent(),
        );
        assert!(question(ellipsis, &item(ANSWER)).is_ok());
        let reversed = output(
            verdict("covered", &["with each payment ... The client sends"], ""),
            verdict("missing", &[], ""),
            fine(),
            coherent(),
        );
        assert!(question(reversed, &item(ANSWER)).is_err());
    }

    #[test]
    fn findings_need_a_quote_of_a_few_words_and_a_reason() {
        let wrong = |quote: &str, correction: &str| {
            output(
                verdict("covered", &["Idempotency-Key"], ""),
                verdict("incorrect", &[quote], correction),
                fine(),
                coherent(),
            )
        };
        let grade = question(
            wrong(
                "A timeout means the card was not charged",
                "The outcome is unknown.",
            ),
            &item(ANSWER),
        )
        .unwrap();
        assert_eq!(grade.incorrect().count(), 1);
        assert!(question(wrong("timeout", "The outcome is unknown."), &item(ANSWER)).is_err());
        assert!(
            question(
                wrong("A timeout means the card was not charged", " "),
                &item(ANSWER)
            )
            .is_err()
        );

        let off = |reason: &str, evidence: &[&str]| {
            output(
                verdict("missing", &[], ""),
                verdict("missing", &[], ""),
                json!({"verdict": "off_topic", "reason": reason, "evidence": evidence}),
                coherent(),
            )
        };
        assert!(
            question(
                off("About payments only in name.", &["The client sends an"]),
                &item(ANSWER)
            )
            .is_ok()
        );
        assert!(question(off("", &["The client sends an"]), &item(ANSWER)).is_err());
        assert!(question(off("About something else.", &[]), &item(ANSWER)).is_err());
        let muddled = |evidence: &[&str]| {
            output(
                verdict("missing", &[], ""),
                verdict("missing", &[], ""),
                fine(),
                json!({"verdict": "incoherent", "reason": "steps out of order", "evidence": evidence}),
            )
        };
        assert!(
            question(muddled(&["so we mark it failed"]), &item(ANSWER))
                .unwrap()
                .incoherent()
        );
        assert!(question(muddled(&["we mark it as broken"]), &item(ANSWER)).is_err());
    }
}
