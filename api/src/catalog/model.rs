use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What kind of question it is; it decides how structure is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    SystemDesign,
    Technical,
    Behavioral,
}

impl QuestionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SystemDesign => "system_design",
            Self::Technical => "technical",
            Self::Behavioral => "behavioral",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "system_design" => Some(Self::SystemDesign),
            "technical" => Some(Self::Technical),
            "behavioral" => Some(Self::Behavioral),
            _ => None,
        }
    }
}

/// One weighted criterion of a rubric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub key: String,
    pub label: String,
    pub weight: u32,
    /// What a strong answer covers, shown when it is missing.
    pub covers: String,
    /// Supporting phrases. When `core` is set they count only in a sentence that also
    /// states one of the core concepts; without `core` they show coverage on their own.
    pub signals: Vec<String>,
    /// Distinct signals needed for full credit.
    pub min_signals: u32,
    /// The criterion's core concepts (2 to 6), each a `|`-separated list of alternative
    /// phrasings: `"idempotency key|idempotent key|dedup key"`. Empty for older tracks.
    #[serde(default)]
    pub core: Vec<String>,
}

impl Criterion {
    /// Each core concept as its list of alternative phrasings.
    pub fn core_concepts(&self) -> impl Iterator<Item = Vec<&str>> + '_ {
        self.core.iter().map(|c| split_alternatives(c))
    }
}

/// A claim a competent interviewer would mark wrong, with how it is recognised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Misconception {
    /// kebab-case, unique within its question (follow-ups included).
    pub id: String,
    /// The wrong claim, in words.
    pub claim: String,
    /// Alternative patterns. A pattern is ` + `-joined parts, each part a `|`-separated
    /// list of phrasings; it matches when every part appears in one sentence that does
    /// not negate it.
    pub when: Vec<String>,
    /// What a good interviewer would say instead.
    pub correction: String,
}

impl Misconception {
    /// Each pattern as its parts, each part as its alternatives.
    pub fn patterns(&self) -> impl Iterator<Item = Vec<Vec<&str>>> + '_ {
        self.when
            .iter()
            .map(|w| w.split(" + ").map(split_alternatives).collect())
    }
}

/// `"a|b | c"` as `["a", "b", "c"]` (trimmed; empty pieces kept so validation sees them).
pub fn split_alternatives(s: &str) -> Vec<&str> {
    s.split('|').map(str::trim).collect()
}

/// A question asked after another when its answer mentions one of `trigger`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUp {
    pub id: String,
    pub trigger: Vec<String>,
    pub prompt: String,
    pub expected_minutes: u32,
    pub ideal_answer: String,
    pub tips: Vec<String>,
    pub rubric: Vec<Criterion>,
    #[serde(default)]
    pub misconceptions: Vec<Misconception>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub kind: QuestionKind,
    pub prompt: String,
    pub expected_minutes: u32,
    pub ideal_answer: String,
    pub tips: Vec<String>,
    pub rubric: Vec<Criterion>,
    #[serde(default)]
    pub follow_ups: Vec<FollowUp>,
    #[serde(default)]
    pub misconceptions: Vec<Misconception>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Track {
    pub schema: u32,
    pub id: String,
    pub version: u32,
    pub title: String,
    pub level: String,
    pub company_context: String,
    pub description: String,
    pub questions: Vec<Question>,
}

impl Track {
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// `title · company_context`, as shown to candidates.
    pub fn display_title(&self) -> String {
        format!("{} · {}", self.title, self.company_context)
    }

    pub fn total_minutes(&self) -> u32 {
        self.questions.iter().map(|q| q.expected_minutes).sum()
    }
}

impl Question {
    /// The first follow-up (in file order) that `answer` triggers, if any.
    pub fn triggered_follow_up(&self, answer: &super::matching::Text) -> Option<&FollowUp> {
        self.follow_ups
            .iter()
            .find(|f| f.trigger.iter().any(|t| answer.mentions(t)))
    }

    pub fn follow_up(&self, id: &str) -> Option<&FollowUp> {
        self.follow_ups.iter().find(|f| f.id == id)
    }
}
