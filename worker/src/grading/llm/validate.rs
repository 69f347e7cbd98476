//! Server-side validation of a model's output: it must parse, match the schema, grade
//! every rubric criterion exactly once within 0–10, and quote only evidence that
//! really occurs in the candidate's answer.

use std::collections::HashSet;

use api::domain::report::GradingItem;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriterionGrade {
    pub key: String,
    pub score: u8,
    pub evidence: Vec<String>,
}

/// One question as the model graded it, after validation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionGrade {
    pub criteria: Vec<CriterionGrade>,
    pub feedback_summary: String,
    pub feedback: String,
    pub strengths: Vec<String>,
    pub improvements: Vec<String>,
    pub injection_detected: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InterviewGrade {
    questions: Vec<serde_json::Value>,
}

fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{2018}' | '\u{2019}' | '\''))
        .collect::<String>()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Validates one question's grade against its rubric and answer.
pub fn question(value: serde_json::Value, item: &GradingItem) -> Result<QuestionGrade, String> {
    let grade: QuestionGrade =
        serde_json::from_value(value).map_err(|e| format!("the JSON does not match the schema: {e}"))?;
    let expected: HashSet<&str> = item.rubric.iter().map(|c| c.key.as_str()).collect();
    let mut seen = HashSet::new();
    for c in &grade.criteria {
        if !expected.contains(c.key.as_str()) {
            return Err(format!("criterion {:?} is not in the rubric", c.key));
        }
        if !seen.insert(c.key.as_str()) {
            return Err(format!("criterion {:?} is graded twice", c.key));
        }
        if c.score > 10 {
            return Err(format!(
                "criterion {:?} has score {}, outside 0-10",
                c.key, c.score
            ));
        }
        if c.evidence.len() > 3 {
            return Err(format!(
                "criterion {:?} quotes more than 3 pieces of evidence",
                c.key
            ));
        }
        let answer = normalise(&item.answer);
        for quote in &c.evidence {
            let quote = normalise(quote);
            if quote.is_empty() || quote.len() > 400 || !answer.contains(&quote) {
                return Err(format!(
                    "evidence {quote:?} for {:?} does not occur in the candidate's answer",
                    c.key
                ));
            }
        }
    }
    if let Some(missing) = expected.iter().find(|k| !seen.contains(*k)) {
        return Err(format!("criterion {missing:?} is missing"));
    }
    let text_ok = |s: &str, max: usize| !s.trim().is_empty() && s.chars().count() <= max;
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
