//! The graded report: what the API returns, the results page shows and the email
//! summarises. Written once by the grading job, then never changed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The overall verdict, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Outstanding,
    Strong,
    Acceptable,
    NeedsWork,
    NotReady,
}

impl Verdict {
    /// The verdict a 0–100 score earns.
    pub fn from_score(score: u8) -> Self {
        match score {
            85.. => Self::Outstanding,
            70..=84 => Self::Strong,
            55..=69 => Self::Acceptable,
            35..=54 => Self::NeedsWork,
            _ => Self::NotReady,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Outstanding => "outstanding",
            Self::Strong => "strong",
            Self::Acceptable => "acceptable",
            Self::NeedsWork => "needs_work",
            Self::NotReady => "not_ready",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Outstanding => "OUTSTANDING",
            Self::Strong => "STRONG",
            Self::Acceptable => "ACCEPTABLE",
            Self::NeedsWork => "NEEDS WORK",
            Self::NotReady => "NOT READY",
        }
    }

    pub fn headline(self) -> &'static str {
        match self {
            Self::Outstanding => "Ready for the real thing",
            Self::Strong => "A convincing performance",
            Self::Acceptable => "Close, but not there yet",
            Self::NeedsWork => "Promising, with clear gaps",
            Self::NotReady => "Not ready yet: keep practising",
        }
    }
}

/// How the time spent on a question compares with what it deserves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    Rushed,
    OnTime,
    Long,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReportTrack {
    pub id: String,
    pub title: String,
    pub company_context: String,
    pub level: String,
}

/// A scored dimension of the whole interview (structure, trade-offs, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Dimension {
    pub key: String,
    pub label: String,
    /// 0–100.
    pub score: u8,
}

/// How one rubric criterion of a question was met.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CriterionResult {
    pub key: String,
    pub label: String,
    pub weight: u32,
    /// 0–100.
    pub score: u8,
    /// The phrases of the answer that showed this criterion.
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuestionReport {
    /// 1-based order in the interview.
    pub position: u32,
    pub question: String,
    pub kind: Option<crate::catalog::QuestionKind>,
    pub is_follow_up: bool,
    pub answer: String,
    pub time_spent_seconds: Option<u32>,
    pub expected_minutes: Option<u32>,
    /// 0–100.
    pub score: u8,
    /// One sentence: the gist of the feedback.
    pub feedback_summary: String,
    /// What was covered and what was missing, specific to this answer.
    pub feedback: String,
    pub ideal_answer: Option<String>,
    pub tips: Vec<String>,
    /// Set when the time spent was far from the expectation (or known to be fine).
    pub timing: Option<Timing>,
    /// Empty for free-form questions, which have no rubric.
    pub criteria: Vec<CriterionResult>,
}

/// Who graded, and what it cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GraderInfo {
    /// `rubric` or `llm`.
    pub kind: String,
    pub model: Option<String>,
    /// The rubric grader's version, or a hash of the LLM prompt template.
    pub prompt_version: String,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    pub cost_usd: f64,
    pub latency_ms: u64,
    /// True when the LLM could not be used and the rubric grader stood in.
    pub fallback: bool,
    /// Notes such as `clamped:q2`, `injection_suspected:q1`.
    pub flags: Vec<String>,
}

/// How a report was graded, for the candidate: which grader, what it checks and what it
/// cannot check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GradingMethod {
    /// `rubric` or `llm`.
    pub grader: String,
    /// One sentence on how the score was reached.
    pub summary: String,
    pub checks: Vec<String>,
    pub cannot_check: Vec<String>,
}

impl GradingMethod {
    pub fn for_grader(grader: &GraderInfo) -> Self {
        let rubric_checks = vec![
            "which of the question's key concepts each answer states, sentence by sentence, in your own words or common paraphrases".to_owned(),
            "claims the question's reviewers list as wrong (misconceptions), unless the sentence denies them".to_owned(),
            "whether the answer addresses this question rather than another one".to_owned(),
            "structure, numbers, trade-offs and depth, credited in proportion to the content covered".to_owned(),
            "coherence: steps out of order, openings that refer to nothing, the same answer given twice, and typing speed against the time spent".to_owned(),
            "time spent against the time the question deserves".to_owned(),
        ];
        let rubric_cannot = vec![
            "whether an unusual idea it has no words for is right: only the listed concepts and misconceptions are recognised".to_owned(),
            "factual errors beyond the listed misconceptions".to_owned(),
            "tone, confidence or how you would sound when speaking".to_owned(),
        ];
        if grader.kind == "llm" && !grader.fallback {
            let mut checks = vec![
                "each rubric criterion judged by a language model as covered, partial, missing or incorrect, with quotes from the answer".to_owned(),
            ];
            checks.extend(rubric_checks);
            Self {
                grader: "llm".to_owned(),
                summary: "A language model judged each answer against the question's rubric; the score is computed from its judgements and checked against the deterministic rubric grader.".to_owned(),
                checks,
                cannot_check: vec![
                    "whether the model's reading is right in every case: it can misjudge, so quotes are kept as evidence".to_owned(),
                    "tone, confidence or how you would sound when speaking".to_owned(),
                ],
            }
        } else {
            Self {
                grader: "rubric".to_owned(),
                summary: "A deterministic rubric grader read each answer against the question's rubric, without a language model: the same answer always gets the same score.".to_owned(),
                checks: rubric_checks,
                cannot_check: rubric_cannot,
            }
        }
    }
}

/// What a grader produces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Assessment {
    pub verdict: Verdict,
    pub score: u8,
    pub dimensions: Vec<Dimension>,
    pub summary: String,
    pub strengths: Vec<String>,
    pub improvements: Vec<String>,
    pub general_feedback: String,
    pub questions: Vec<QuestionReport>,
    pub grader: GraderInfo,
}

/// The report of a graded interview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Report {
    pub interview_id: Uuid,
    pub track: Option<ReportTrack>,
    pub duration_minutes: Option<u32>,
    pub verdict: Verdict,
    /// e.g. `ACCEPTABLE`
    pub verdict_label: String,
    /// e.g. `Close, but not there yet`
    pub headline: String,
    /// 0–100
    pub score: u8,
    pub dimensions: Vec<Dimension>,
    pub summary: String,
    pub strengths: Vec<String>,
    pub improvements: Vec<String>,
    pub general_feedback: String,
    pub questions: Vec<QuestionReport>,
    pub grader: GraderInfo,
    /// How the report was graded, in words; `null` on reports graded before it existed.
    #[serde(default)]
    pub how_graded: Option<GradingMethod>,
    pub graded_at: DateTime<Utc>,
    /// The public results page; `null` once the link is revoked.
    pub share_url: Option<String>,
}

impl Report {
    pub fn new(
        interview_id: Uuid,
        track: Option<ReportTrack>,
        duration_minutes: Option<u32>,
        assessment: Assessment,
        graded_at: DateTime<Utc>,
    ) -> Self {
        Self {
            interview_id,
            track,
            duration_minutes,
            verdict: assessment.verdict,
            verdict_label: assessment.verdict.label().to_owned(),
            headline: assessment.verdict.headline().to_owned(),
            score: assessment.score,
            dimensions: assessment.dimensions,
            summary: assessment.summary,
            strengths: assessment.strengths,
            improvements: assessment.improvements,
            general_feedback: assessment.general_feedback,
            questions: assessment.questions,
            how_graded: Some(GradingMethod::for_grader(&assessment.grader)),
            grader: assessment.grader,
            graded_at,
            share_url: None,
        }
    }
}

/// What a grader is given: the transcript with the catalog material of each question.
#[derive(Debug, Clone)]
pub struct GradingInput {
    pub track: Option<ReportTrack>,
    /// Track level (`senior`, `manager`…) when known: it tunes expectations.
    pub level: Option<String>,
    pub items: Vec<GradingItem>,
}

#[derive(Debug, Clone)]
pub struct GradingItem {
    pub position: u32,
    pub prompt: String,
    /// `None` for a free-form question (no catalog entry): graded on structure, depth
    /// and clarity alone.
    pub kind: Option<crate::catalog::QuestionKind>,
    pub is_follow_up: bool,
    pub answer: String,
    pub time_spent_seconds: Option<u32>,
    pub expected_minutes: Option<u32>,
    pub rubric: Vec<crate::catalog::Criterion>,
    pub ideal_answer: Option<String>,
    pub tips: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_follow_the_score_bands() {
        assert_eq!(Verdict::from_score(100), Verdict::Outstanding);
        assert_eq!(Verdict::from_score(85), Verdict::Outstanding);
        assert_eq!(Verdict::from_score(84), Verdict::Strong);
        assert_eq!(Verdict::from_score(62), Verdict::Acceptable);
        assert_eq!(Verdict::Acceptable.headline(), "Close, but not there yet");
        assert_eq!(Verdict::from_score(40), Verdict::NeedsWork);
        assert_eq!(Verdict::from_score(0), Verdict::NotReady);
    }
}
