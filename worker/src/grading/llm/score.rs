//! Our arithmetic on the model's judgements: the model decides what each criterion is
//! (covered / partial / missing / incorrect) and whether the answer is on topic and
//! coherent; this module decides what that is worth, and how far the rubric grader's
//! score may be left behind.
//!
//! - Coverage is the weighted mean of the criterion verdicts (covered 1, partial ½,
//!   missing 0, incorrect −1: a wrong claim costs more than silence), floored at 0.
//! - Form (structure, estimates, trade-offs, depth, timing) is the rubric grader's
//!   measure of the answer's shape, scaled by the model's coverage: full credit from
//!   [`FORM_FULL_AT`] coverage, proportionally less below it, none for an answer that
//!   covers nothing. An incoherent answer gets no structure credit.
//! - The guard is asymmetric: the score may rise at most `margin` above the rubric's;
//!   it may fall at most `margin` below, unless the model backed a finding with quotes
//!   from the answer (a criterion judged incorrect, or the answer off topic), in which
//!   case our score stands however low.
//! - Caps: an answer whose heaviest criterion is short of covered scores below `strong`
//!   (within the guard); whatever the guard says, an off-topic answer stays in
//!   `not_ready`, an incoherent one in `needs_work` at best, and one with a wrong claim
//!   below `strong`.

use api::catalog::{Criterion, QuestionKind};
use api::domain::report::Dimension;

use super::validate::{CriterionVerdict, QuestionGrade};

/// Coverage from which form counts in full.
pub const FORM_FULL_AT: f64 = 0.6;
/// The highest `not_ready` score: where an off-topic answer is capped.
pub const OFF_TOPIC_CAP: f64 = 34.0;
/// The highest `needs_work` score: where an incoherent answer is capped.
pub const INCOHERENT_CAP: f64 = 54.0;
/// The highest `acceptable` score: a wrong claim, or a heaviest criterion not fully
/// covered, keeps an answer below `strong`.
pub const BELOW_STRONG_CAP: f64 = 69.0;

pub fn verdict_value(v: CriterionVerdict) -> f64 {
    match v {
        CriterionVerdict::Covered => 1.0,
        CriterionVerdict::Partial => 0.5,
        CriterionVerdict::Missing => 0.0,
        CriterionVerdict::Incorrect => -1.0,
    }
}

/// The weighted coverage of the rubric (0–1) in the model's judgement; `None` without
/// a rubric.
pub fn coverage(rubric: &[Criterion], grade: &QuestionGrade) -> Option<f64> {
    let (sum, total) = rubric.iter().fold((0.0, 0.0), |(s, t), c| {
        let value = grade
            .criteria
            .iter()
            .find(|g| g.key == c.key)
            .map_or(0.0, |g| verdict_value(g.verdict));
        let w = f64::from(c.weight.max(1));
        (s + value * w, t + w)
    });
    (total > 0.0).then(|| (sum / total).clamp(0.0, 1.0))
}

/// How much of the form credit an answer with this coverage earns.
pub fn form_scale(coverage: f64) -> f64 {
    (coverage / FORM_FULL_AT).clamp(0.0, 1.0)
}

/// The parts of a question's score on the LLM path, by kind, in points of 100.
struct Weights {
    coverage: f64,
    structure: f64,
    estimation: f64,
    trade_offs: f64,
    depth: f64,
    time: f64,
}

fn weights(kind: Option<QuestionKind>, is_follow_up: bool) -> Weights {
    match kind {
        Some(QuestionKind::SystemDesign) if !is_follow_up => Weights {
            coverage: 45.0,
            structure: 15.0,
            estimation: 10.0,
            trade_offs: 5.0,
            depth: 15.0,
            time: 10.0,
        },
        Some(QuestionKind::SystemDesign | QuestionKind::Technical) => Weights {
            coverage: 55.0,
            structure: 10.0,
            estimation: 0.0,
            trade_offs: 5.0,
            depth: 20.0,
            time: 10.0,
        },
        Some(QuestionKind::Behavioral) => Weights {
            coverage: 50.0,
            structure: 20.0,
            estimation: 0.0,
            trade_offs: 0.0,
            depth: 20.0,
            time: 10.0,
        },
        None => Weights {
            coverage: 0.0,
            structure: 35.0,
            estimation: 0.0,
            trade_offs: 0.0,
            depth: 35.0,
            time: 10.0,
        },
    }
}

/// The rubric grader's form measures of one answer, 0–1 each (absent when the rubric
/// grader does not measure it for this kind of question).
#[derive(Debug, Clone, Copy, Default)]
pub struct Form {
    pub structure: Option<f64>,
    pub estimation: Option<f64>,
    pub trade_offs: Option<f64>,
    pub depth: Option<f64>,
    pub communication: Option<f64>,
    pub time: Option<f64>,
}

impl Form {
    /// From the dimensions of a one-question assessment.
    pub fn from_dimensions(dims: &[Dimension]) -> Self {
        let get = |key: &str| {
            dims.iter()
                .find(|d| d.key == key)
                .map(|d| f64::from(d.score) / 100.0)
        };
        Self {
            structure: get("structure"),
            estimation: get("estimation"),
            trade_offs: get("trade_offs"),
            depth: get("depth"),
            communication: get("communication"),
            time: get("time_management"),
        }
    }
}

/// One question's standing on the LLM path: its dimensions (0–1) and score (0–100)
/// before the guard.
#[derive(Debug, Clone, Default)]
pub struct Judged {
    pub knowledge: Option<f64>,
    pub form: Form,
    pub raw: f64,
    /// Caps from the model's findings that the guard may not lift, with their flags.
    pub caps: Vec<(f64, &'static str)>,
    /// A finding backed by quotes lets the score fall below the guard's floor.
    pub evidenced_finding: bool,
}

/// Scores one question from the model's judgements and the rubric grader's form
/// measures (taken without the rubric's own coverage gate).
pub fn judge(
    kind: Option<QuestionKind>,
    is_follow_up: bool,
    rubric: &[Criterion],
    grade: &QuestionGrade,
    form: Form,
    rubric_score: f64,
) -> Judged {
    let knowledge = coverage(rubric, grade);
    let scale = knowledge.map_or(1.0, form_scale);
    let incoherent = grade.incoherent();
    let scaled = |v: Option<f64>| v.map(|v| v * scale);
    let form = Form {
        structure: if incoherent {
            form.structure.map(|_| 0.0)
        } else {
            scaled(form.structure)
        },
        estimation: scaled(form.estimation),
        trade_offs: scaled(form.trade_offs),
        depth: scaled(form.depth),
        communication: if incoherent {
            form.communication.map(|v| v * 0.5)
        } else {
            scaled(form.communication)
        },
        // Time spent is not form: an answer on time is on time whatever it says.
        time: form.time,
    };
    let w = weights(kind, is_follow_up);
    let parts = [
        (w.coverage, knowledge),
        (w.structure, form.structure),
        (w.estimation, form.estimation),
        (w.trade_offs, form.trade_offs),
        (w.depth, form.depth),
        (w.time, form.time),
    ];
    let (sum, total) = parts
        .iter()
        .filter(|(w, _)| *w > 0.0)
        .filter_map(|(w, v)| v.map(|v| (*w, v)))
        .fold((0.0, 0.0), |(s, t), (w, v)| (s + w * v, t + w));
    // A free-form question has no rubric to judge: the rubric grader's score stands,
    // subject to the findings below.
    let mut raw = if knowledge.is_none() || total == 0.0 {
        rubric_score
    } else {
        100.0 * sum / total
    };

    let mut caps = Vec::new();
    if grade.off_topic() {
        caps.push((OFF_TOPIC_CAP, "off_topic"));
    }
    if incoherent {
        caps.push((INCOHERENT_CAP, "incoherent"));
    }
    let wrong = grade.incorrect().next().is_some();
    if wrong {
        caps.push((BELOW_STRONG_CAP, "incorrect"));
    }
    let heaviest = rubric.iter().map(|c| c.weight).max().unwrap_or(0);
    let heavy_short = rubric.iter().filter(|c| c.weight == heaviest).any(|c| {
        grade
            .criteria
            .iter()
            .find(|g| g.key == c.key)
            .is_none_or(|g| g.verdict != CriterionVerdict::Covered)
    });
    if heavy_short && !rubric.is_empty() {
        // Part of the score itself (the guard still applies), not a finding.
        raw = raw.min(BELOW_STRONG_CAP);
    }
    Judged {
        knowledge,
        form,
        raw,
        caps,
        // Validation has made sure these findings quote the answer.
        evidenced_finding: grade.off_topic() || wrong,
    }
}

/// The score after the guard and the caps, and whether the guard clamped it upward or
/// the model lowered it past the symmetric margin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Guarded {
    pub score: f64,
    pub clamped: bool,
    pub lowered: bool,
}

pub fn guard(judged: &Judged, rubric_score: f64, margin: f64) -> Guarded {
    let high = rubric_score + margin;
    let low = if judged.evidenced_finding {
        0.0
    } else {
        rubric_score - margin
    };
    let guarded = judged.raw.clamp(low.min(high), high);
    let capped = judged
        .caps
        .iter()
        .fold(guarded, |s, (cap, _)| s.min(*cap))
        .clamp(0.0, 100.0);
    Guarded {
        score: capped,
        clamped: judged.raw > high + f64::EPSILON,
        lowered: capped < rubric_score - margin - f64::EPSILON,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::grading::llm::validate::{Coherence, CriterionGrade, Judgement, Relevance};

    fn criterion(key: &str, weight: u32) -> Criterion {
        Criterion {
            key: key.into(),
            label: key.into(),
            weight,
            covers: String::new(),
            signals: vec![],
            min_signals: 1,
            core: vec![],
        }
    }

    fn grade(verdicts: &[(&str, CriterionVerdict)]) -> QuestionGrade {
        QuestionGrade {
            relevance: Judgement {
                verdict: Relevance::OnTopic,
                reason: String::new(),
                evidence: vec![],
            },
            coherence: Judgement {
                verdict: Coherence::Coherent,
                reason: String::new(),
                evidence: vec![],
            },
            criteria: verdicts
                .iter()
                .map(|(k, v)| CriterionGrade {
                    key: (*k).into(),
                    verdict: *v,
                    evidence: vec![],
                    correction: String::new(),
                })
                .collect(),
            feedback_summary: "x".into(),
            feedback: "x".into(),
            strengths: vec![],
            improvements: vec![],
            injection_detected: false,
        }
    }

    fn form(v: f64) -> Form {
        Form {
            structure: Some(v),
            estimation: Some(v),
            trade_offs: Some(v),
            depth: Some(v),
            communication: Some(v),
            time: Some(1.0),
        }
    }

    use CriterionVerdict::{Covered, Incorrect, Missing, Partial};

    #[test]
    fn coverage_weighs_verdicts_and_a_wrong_claim_costs_more_than_silence() {
        let rubric = [criterion("a", 3), criterion("b", 1)];
        assert_eq!(
            coverage(&rubric, &grade(&[("a", Covered), ("b", Covered)])),
            Some(1.0)
        );
        assert_eq!(
            coverage(&rubric, &grade(&[("a", Partial), ("b", Missing)])),
            Some(0.375)
        );
        let silent = coverage(&rubric, &grade(&[("a", Missing), ("b", Covered)])).unwrap();
        let wrong = coverage(&rubric, &grade(&[("a", Incorrect), ("b", Covered)])).unwrap();
        assert!(wrong < silent, "{wrong} vs {silent}");
        assert_eq!(wrong, 0.0, "floored at zero");
        assert_eq!(coverage(&[], &grade(&[])), None);
    }

    #[test]
    fn form_scales_with_the_models_coverage_not_the_rubrics() {
        let rubric = [criterion("a", 1), criterion("b", 1)];
        let kind = Some(QuestionKind::Technical);
        let none = judge(
            kind,
            false,
            &rubric,
            &grade(&[("a", Missing), ("b", Missing)]),
            form(0.9),
            80.0,
        );
        let half = judge(
            kind,
            false,
            &rubric,
            &grade(&[("a", Partial), ("b", Partial)]),
            form(0.9),
            80.0,
        );
        let full = judge(
            kind,
            false,
            &rubric,
            &grade(&[("a", Covered), ("b", Covered)]),
            form(0.9),
            20.0,
        );
        assert_eq!(none.form.structure, Some(0.0));
        assert!((half.form.depth.unwrap() - 0.9 * 0.5 / FORM_FULL_AT).abs() < 1e-9);
        assert_eq!(
            full.form.depth,
            Some(0.9),
            "full form credit whatever the rubric thought"
        );
        assert!(none.raw < 15.0, "only time is left: {}", none.raw);
        assert!(full.raw > 90.0, "{}", full.raw);
        assert!(none.raw < half.raw && half.raw < full.raw);
    }

    #[test]
    fn the_guard_only_lets_an_evidenced_finding_fall_past_the_margin() {
        let rubric = [criterion("a", 2), criterion("b", 1)];
        let kind = Some(QuestionKind::Technical);
        // Everything missing, no finding: at most 25 below the rubric.
        let silent = judge(
            kind,
            false,
            &rubric,
            &grade(&[("a", Missing), ("b", Missing)]),
            form(0.8),
            70.0,
        );
        let g = guard(&silent, 70.0, 25.0);
        assert_eq!(g.score, 45.0);
        assert!(!g.lowered);
        // The same answer with a wrong claim quoted: our score stands.
        let wrong = judge(
            kind,
            false,
            &rubric,
            &grade(&[("a", Incorrect), ("b", Missing)]),
            form(0.8),
            70.0,
        );
        let g = guard(&wrong, 70.0, 25.0);
        assert!(g.score < 15.0 && g.lowered, "{g:?}");
        // Everything covered cannot lift a weak answer past the margin.
        let lifted = judge(
            kind,
            false,
            &rubric,
            &grade(&[("a", Covered), ("b", Covered)]),
            form(0.8),
            30.0,
        );
        let g = guard(&lifted, 30.0, 25.0);
        assert_eq!(g.score, 55.0);
        assert!(g.clamped);
    }

    #[test]
    fn off_topic_and_incoherent_answers_are_capped() {
        let rubric = [criterion("a", 1)];
        let kind = Some(QuestionKind::SystemDesign);
        let mut off = grade(&[("a", Covered)]);
        off.relevance.verdict = Relevance::OffTopic;
        let g = guard(&judge(kind, false, &rubric, &off, form(1.0), 70.0), 70.0, 25.0);
        assert_eq!(g.score, OFF_TOPIC_CAP);
        let mut muddled = grade(&[("a", Covered)]);
        muddled.coherence.verdict = Coherence::Incoherent;
        let j = judge(kind, false, &rubric, &muddled, form(1.0), 90.0);
        assert_eq!(j.form.structure, Some(0.0));
        assert_eq!(guard(&j, 90.0, 25.0).score, INCOHERENT_CAP);
    }

    #[test]
    fn strong_needs_the_heaviest_criteria_covered() {
        let rubric = [criterion("a", 3), criterion("b", 1)];
        let kind = Some(QuestionKind::Technical);
        let partial = judge(
            kind,
            false,
            &rubric,
            &grade(&[("a", Partial), ("b", Covered)]),
            form(1.0),
            90.0,
        );
        assert_eq!(guard(&partial, 90.0, 25.0).score, BELOW_STRONG_CAP);
        // Not a finding: the guard keeps it within the margin of a very high rubric score.
        assert_eq!(guard(&partial, 99.0, 25.0).score, 74.0);
        let covered = judge(
            kind,
            false,
            &rubric,
            &grade(&[("a", Covered), ("b", Partial)]),
            form(1.0),
            90.0,
        );
        assert!(guard(&covered, 90.0, 25.0).score > BELOW_STRONG_CAP);
    }
}
