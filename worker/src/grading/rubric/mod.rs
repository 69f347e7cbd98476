//! The rubric grader: scores an interview against the catalog's rubrics without a model.
//!
//! It is pure and deterministic (no clock, randomness, I/O or hash-map ordering), so the
//! same transcript always earns the same report, and every number can be explained from
//! the answer's text. What it compiles from the catalog (stemmed concepts, misconception
//! patterns, the BM25 index) is built once per process (`corpus`), never per call.
//!
//! # Files
//!
//! `lexicon` stemmed sentence matching and negation · `vocabulary` the form checks'
//! phrase lists · `analysis` the answer, its quantities and clarity · `structure`
//! expected phases and their order · `coverage` rubric criteria · `corpus` compiled
//! catalog and relevance · `correctness` misconceptions · `coherence` order, opening,
//! repetition and typing speed · `scoring` one question's score · `feedback` its text
//! · `overall` the interview's strengths, improvements and summary · `text` helpers.
//!
//! # Scoring model
//!
//! Each answer gets component scores between 0 and 1:
//!
//! - **coverage**: per criterion. With core concepts (the catalog's `core`), a concept
//!   must be stated (stemmed, sentence by sentence) and supporting signals count only in
//!   a sentence that states one: `0.6 × core share + 0.4 × support share`, evidence being
//!   the sentences. Without `core`, `min(1, distinct signals / min_signals)`;
//! - **structure**: the phases expected for the question's kind (system design:
//!   requirements → scale estimates → high-level design → deep dive → trade-offs;
//!   behavioral: situation → own role → actions → measurable result → reflection;
//!   technical and system-design follow-ups: core concept → example → edge cases →
//!   trade-offs), scored 60% for presence, 25% for their order and 15% for signposting;
//! - **estimates** (system design only): distinct quantities with a unit, rate, ratio or
//!   magnitude; four earn full credit;
//! - **trade-offs**: explicit trade-off language (one strong marker 0.6, two 1.0);
//! - **depth**: length against what the expected minutes warrant (60%) and reasoning
//!   connectors such as "because" or "which means" (40%);
//! - **clarity**: sentence length, hedging and, for long answers, visible organisation;
//! - **timing** (10 %): under 60% of the expected time is `Rushed`, over 150% `Long`.
//!
//! The question score is a weighted mean of the components that apply (see
//! [`Weights`]); structure, estimates, trade-offs and depth are scaled by coverage
//! (`min(1, 0.1 + 1.5 × coverage)`), so form around missing content earns little. The
//! mean goes through the fitted mapping [`FIT`], then the checks apply:
//!
//! - every heaviest criterion must be at least half covered for `strong` or above;
//! - each stated misconception costs 15 points (one caps at `needs_work`, two or more
//!   at `not_ready`);
//! - steps out of order, an opening mid-thought or a conclusion first: × 0.55;
//!   an answer repeated across questions: × 0.5; typed faster than 100 words per
//!   minute: capped at 45;
//! - off topic (another catalog question fits far better, or nothing does): capped at
//!   25 (`not_ready`).
//!
//! An empty answer scores 0; one of fewer than [`TOO_SHORT_WORDS`] words at most 10.
//! The interview score is the mean of the question scores weighted by expected minutes.

mod analysis;
mod coherence;
mod corpus;
mod correctness;
mod coverage;
mod feedback;
mod lexicon;
mod overall;
mod scoring;
mod structure;
#[cfg(test)]
mod tests;
mod text;
mod vocabulary;

use analysis::*;
use coverage::*;
use feedback::*;
use overall::*;
use scoring::*;
use structure::*;
use text::*;
use vocabulary::*;

use api::catalog::matching::{self, Text};
use api::catalog::{Criterion, QuestionKind};
use api::domain::report::{
    Assessment, CriterionResult, Dimension, GraderInfo, GradingInput, GradingItem, QuestionReport, Timing,
    Verdict,
};

pub const RUBRIC_VERSION: &str = "rubric-v2";

/// The score mapping fitted on the calibration set (`calibrate -- --fit`): question
/// scores up to `knot` are kept, the part above it is scaled by `slope`, so the top of
/// the scale is earned rather than reached by any complete-looking answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    pub knot: f64,
    pub slope: f64,
}

pub const FIT: Fit = Fit {
    knot: 0.40,
    slope: 0.85,
};

impl Fit {
    fn apply(self, score: f64) -> f64 {
        if score <= self.knot {
            score
        } else {
            self.knot + (score - self.knot) * self.slope
        }
    }
}

/// Relevance (BM25 over the catalog): an answer is off topic when another question fits
/// it far better than its own, or somewhat better while little of its vocabulary
/// belongs to its own question, or when almost none of it does.
const OFF_TOPIC_RATIO: f64 = 2.0;
const OFF_TOPIC_WEAK_RATIO: f64 = 1.2;
const OFF_TOPIC_WEAK_DENSITY: f64 = 0.2;
const OFF_TOPIC_DENSITY: f64 = 0.08;
/// Caps and costs of what the checks find (question score, 0–1).
const OFF_TOPIC_CAP: f64 = 0.25;
const IMPLAUSIBLE_SPEED_CAP: f64 = 0.45;
const MISCONCEPTION_COST: f64 = 0.15;
const ONE_MISCONCEPTION_CAP: f64 = 0.54;
const MISCONCEPTIONS_CAP: f64 = 0.30;
const INCOHERENT_FACTOR: f64 = 0.55;
const REPEATED_FACTOR: f64 = 0.5;
/// `strong` or above needs every heavy criterion at least this covered.
const HEAVY_COVERED: f64 = 0.5;
const HEAVY_MISSING_CAP: f64 = 0.69;

/// A whole sentence of the answer as evidence: bullets and numbering stripped, cut at a
/// word boundary when long.
pub(crate) fn quote(sentence: &str) -> String {
    const MAX: usize = 180;
    let t = sentence
        .trim()
        .trim_start_matches(|c: char| c == '-' || c == '*' || c == '•' || c.is_whitespace());
    let t = match t.split_once(". ") {
        Some((n, rest)) if !n.is_empty() && n.len() <= 2 && n.chars().all(|c| c.is_ascii_digit()) => rest,
        _ => t,
    };
    let t = t.trim();
    if t.len() <= MAX {
        return t.to_owned();
    }
    let mut cut = MAX;
    while !t.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &t[..cut];
    let head = head.rsplit_once(' ').map_or(head, |(h, _)| h);
    format!("{}…", head.trim_end_matches(|c: char| !c.is_alphanumeric()))
}

/// An answer of at least this many phrases averaging fewer words than the next is a list
/// of terms, not an explanation: its components earn this share of their credit.
const LIST_MIN_PHRASES: usize = 6;
const LIST_PHRASE_WORDS: f64 = 3.0;
const LIST_CREDIT: f64 = 0.5;
/// Answers shorter than this are too short to assess; their score is capped.
const TOO_SHORT_WORDS: usize = 8;
const TOO_SHORT_CAP: f64 = 0.10;
/// Below this share of the expected time an answer is rushed; above the next, long.
const RUSHED_BELOW: f64 = 0.6;
const LONG_ABOVE: f64 = 1.5;
/// Distinct quantities that earn full estimation credit in a system design.
const ESTIMATES_FOR_FULL_CREDIT: f64 = 4.0;
/// Expected minutes assumed for a question that states none (free-form).
const DEFAULT_MINUTES: u32 = 5;
/// A criterion at or above this score counts as covered; below the next, as missing.
const COVERED: f64 = 0.99;
const MISSING_BELOW: f64 = 0.5;
/// A behavioral story without a result loses this many points of its question on top of
/// the structure credit, when improvements are ranked (results are what interviewers
/// remember).
const RESULT_EMPHASIS: f64 = 12.0;

/// Component weights of the question score, in points out of 100 before the
/// components that do not apply are dropped and the rest renormalised.
#[derive(Debug, Clone, Copy)]
struct Weights {
    coverage: f64,
    structure: f64,
    estimates: f64,
    trade_offs: f64,
    depth: f64,
    clarity: f64,
    timing: f64,
}

const DESIGN_WEIGHTS: Weights = Weights {
    coverage: 40.0,
    structure: 20.0,
    estimates: 10.0,
    trade_offs: 10.0,
    depth: 15.0,
    clarity: 0.0,
    timing: 10.0,
};
const TECHNICAL_WEIGHTS: Weights = Weights {
    coverage: 50.0,
    structure: 15.0,
    estimates: 0.0,
    trade_offs: 10.0,
    depth: 20.0,
    clarity: 0.0,
    timing: 10.0,
};
const BEHAVIORAL_WEIGHTS: Weights = Weights {
    coverage: 45.0,
    structure: 30.0,
    estimates: 0.0,
    trade_offs: 0.0,
    depth: 20.0,
    clarity: 0.0,
    timing: 10.0,
};
const FREE_FORM_WEIGHTS: Weights = Weights {
    coverage: 40.0,
    structure: 35.0,
    estimates: 0.0,
    trade_offs: 0.0,
    depth: 35.0,
    clarity: 25.0,
    timing: 10.0,
};

// ---------------------------------------------------------------------------

/// Grades an interview against its rubrics. Pure: the same input gives the same output.
pub fn grade(input: &GradingInput) -> Assessment {
    grade_with(input, FIT)
}

/// One line per question of what the checks saw (the calibration bench prints it).
pub fn diagnostics(input: &GradingInput) -> Vec<String> {
    graded_items(input, level_of(input).as_deref(), FIT)
        .iter()
        .map(|g| {
            let c = &g.checks;
            format!(
                "before checks {:.0}; relevance own {:.1}, density {:.3}, best other {:.1}; off-topic {}; \
                 misconceptions [{}]; issues [{}]; heavy missing [{}]",
                c.before_checks * 100.0,
                c.relevance.own,
                c.relevance.density,
                c.relevance.best_other,
                c.off_topic.is_some(),
                c.misconceptions
                    .iter()
                    .map(|m| m.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                c.issues
                    .iter()
                    .map(|i| format!("{i:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                c.heavy_missing.join(", "),
            )
        })
        .collect()
}

fn graded_items<'a>(input: &'a GradingInput, level: Option<&str>, fit: Fit) -> Vec<Graded<'a>> {
    let tokens: Vec<Vec<String>> = input.items.iter().map(|i| matching::tokens(&i.answer)).collect();
    let keyed: Vec<(u32, &[String])> = input
        .items
        .iter()
        .zip(&tokens)
        .map(|(i, t)| (i.position, t.as_slice()))
        .collect();
    let repeats = coherence::repeated(&keyed);
    input
        .items
        .iter()
        .zip(repeats)
        .map(|(item, repeats)| grade_item(item, level, repeats, fit))
        .collect()
}

/// [`grade`] with another score mapping (the calibration bench fits it).
pub fn grade_with(input: &GradingInput, fit: Fit) -> Assessment {
    let level = level_of(input);
    let level = level.as_deref();
    let mut graded: Vec<Graded> = graded_items(input, level, fit);
    let total_minutes: f64 = graded.iter().map(|g| f64::from(g.minutes())).sum();
    for g in &mut graded {
        g.share = if total_minutes > 0.0 {
            f64::from(g.minutes()) / total_minutes
        } else {
            0.0
        };
    }
    let overall = graded.iter().map(|g| g.share * g.score).sum::<f64>();
    let score = pct(overall);
    let verdict = Verdict::from_score(score);
    let dims = dimensions(&graded);
    let improvements = improvements(&graded);
    let strengths = strengths(&graded, &dims);

    let questions: Vec<QuestionReport> = graded
        .iter()
        .map(|g| {
            let gap = main_gap(g);
            QuestionReport {
                position: g.item.position,
                question: g.item.prompt.clone(),
                kind: g.item.kind,
                is_follow_up: g.item.is_follow_up,
                answer: g.item.answer.clone(),
                time_spent_seconds: g.item.time_spent_seconds,
                expected_minutes: g.item.expected_minutes,
                score: pct(g.score),
                feedback_summary: feedback_summary(g, gap),
                feedback: feedback(g, level),
                ideal_answer: g.item.ideal_answer.clone(),
                tips: g.item.tips.clone(),
                timing: g.timing.map(|t| t.verdict),
                criteria: g
                    .criteria
                    .iter()
                    .map(|c| CriterionResult {
                        key: c.key.clone(),
                        label: c.label.clone(),
                        weight: c.weight,
                        score: pct(c.score),
                        evidence: c.evidence.clone(),
                    })
                    .collect(),
            }
        })
        .collect();

    let (summary_text, general) = if graded.is_empty() {
        (
            "No questions were answered, so there is nothing to grade yet. Run the interview and answer at \
             least one question to get feedback."
                .to_owned(),
            "There is nothing to assess yet. Answer each question, even roughly; a partial answer always \
             beats silence."
                .to_owned(),
        )
    } else {
        (
            summary(verdict, &graded, &strengths, &improvements),
            general_feedback(level, &graded, score, &improvements, &strengths),
        )
    };
    let answered = graded.iter().filter(|g| !g.empty()).count();
    let strength_texts: Vec<String> = if strengths.is_empty() && answered > 0 {
        // Nothing earned credit yet: say honestly what there is to build on.
        let attempted = if answered == graded.len() {
            "every question".to_owned()
        } else {
            format!("{answered} of {} questions", graded.len())
        };
        vec![format!(
            "You attempted {attempted}; the next step is to turn each attempt into a full answer."
        )]
    } else {
        strengths.into_iter().map(|s| s.text).collect()
    };

    Assessment {
        verdict,
        score,
        dimensions: dims,
        summary: summary_text,
        strengths: strength_texts,
        improvements: improvements.into_iter().map(|i| i.text).collect(),
        general_feedback: general,
        questions,
        grader: GraderInfo {
            kind: "rubric".to_owned(),
            model: None,
            prompt_version: RUBRIC_VERSION.to_owned(),
            prompt_tokens: 0,
            completion_tokens: 0,
            cost_usd: 0.0,
            latency_ms: 0,
            fallback: false,
            flags: Vec::new(),
        },
    }
}
