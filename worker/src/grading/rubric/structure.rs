//! Structure: the phases expected for the question's kind, where they appear, and in what order.

use super::*;

// Structure.

/// How an answer is judged, from its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Profile {
    /// A main system design question.
    Design,
    /// A technical question, or a focused follow-up inside a system design.
    Technical,
    Behavioral,
    /// No catalog entry: structure, depth and clarity alone.
    FreeForm,
}

impl Profile {
    pub(super) fn of(item: &GradingItem) -> Self {
        match item.kind {
            Some(QuestionKind::SystemDesign) if !item.is_follow_up => Self::Design,
            Some(QuestionKind::SystemDesign | QuestionKind::Technical) => Self::Technical,
            Some(QuestionKind::Behavioral) => Self::Behavioral,
            None => Self::FreeForm,
        }
    }

    pub(super) fn weights(self) -> Weights {
        match self {
            Self::Design => DESIGN_WEIGHTS,
            Self::Technical => TECHNICAL_WEIGHTS,
            Self::Behavioral => BEHAVIORAL_WEIGHTS,
            Self::FreeForm => FREE_FORM_WEIGHTS,
        }
    }
}

/// The shape an answer is expected to take, which decides its structure phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// requirements → estimates → high-level design → deep dive → trade-offs
    Design,
    /// core concept → example → edge cases → trade-offs
    Approach,
    /// situation → role → actions → measurable result → reflection
    Story,
    /// no expected phases: signposting, a conclusion
    Free,
}

impl Shape {
    pub(super) fn flow(self) -> &'static str {
        match self {
            Self::Design => "requirements → scale estimates → high-level design → deep dive → trade-offs",
            Self::Approach => "core concept → concrete example → failure modes and edge cases → trade-offs",
            Self::Story => "situation → your role → what you did → measurable result → what you learned",
            Self::Free => "a direct answer → numbered points → a conclusion",
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Phase {
    pub(super) name: &'static str,
    /// 0–1: how clearly the phase is there.
    pub(super) presence: f64,
    /// Token index where it starts.
    pub(super) pos: Option<usize>,
}

impl Phase {
    pub(super) fn new(name: &'static str, presence: f64, pos: Option<usize>) -> Self {
        Self {
            name,
            presence: if pos.is_some() { presence } else { 0.0 },
            pos,
        }
    }

    pub(super) fn present(&self) -> bool {
        self.presence >= 0.5
    }
}

pub(super) fn min_pos(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

pub(super) fn design_phases(a: &Answer, quants: &[Quantity]) -> Vec<Phase> {
    let estimates = min_pos(a.first(ESTIMATION), quants.first().map(|q| q.token));
    let mechanisms = a.found(DEEP_DIVE_MECHANISMS);
    let deep = match a.first(DEEP_DIVE_EXPLICIT) {
        Some(p) => Some(p),
        None if mechanisms.len() >= 2 => a.first(&mechanisms),
        None => None,
    };
    vec![
        Phase::new("requirements", 1.0, a.first(REQUIREMENTS)),
        Phase::new("scale estimates", 1.0, estimates),
        Phase::new("high-level design", 1.0, a.first(HIGH_LEVEL)),
        Phase::new("deep dive", 1.0, deep),
        Phase::new("trade-offs", 1.0, a.first(TRADE_OFF_STRONG)),
    ]
}

/// `signals` are the rubric's phrases: naming one of them in the opening third counts as
/// stating the core concept up front.
pub(super) fn technical_phases(a: &Answer, signals: &[&str], quants: &[Quantity]) -> Vec<Phase> {
    let opening = a.words().div_ceil(3).max(1);
    let concept = min_pos(a.first(CONCEPT), a.first(signals)).filter(|&p| p < opening);
    // Two concrete figures make an answer as concrete as an example does.
    let figures = if quants.len() >= 2 {
        quants.first().map(|q| q.token)
    } else {
        None
    };
    vec![
        Phase::new("core concept", 1.0, concept),
        Phase::new("concrete example", 1.0, min_pos(a.first(EXAMPLE), figures)),
        Phase::new("failure modes", 1.0, a.first(EDGE_CASES)),
        Phase::new("trade-offs", 1.0, a.first(TRADE_OFF_STRONG)),
    ]
}

#[derive(Debug, Clone, Default)]
pub(super) struct Story {
    pub(super) i_actions: usize,
    pub(super) we_count: usize,
    pub(super) measurable: bool,
    /// 0–1: result stated and measured.
    pub(super) result: f64,
}

pub(super) fn story(a: &Answer, quants: &[Quantity]) -> (Story, Vec<Phase>) {
    let toks = a.tokens();
    let mut i_actions = 0;
    let mut first_action = None;
    for (i, pair) in toks.windows(2).enumerate() {
        if pair[0] == "i" && !NOT_ACTIONS.contains(&pair[1].as_str()) {
            i_actions += 1;
            first_action.get_or_insert(i);
        }
    }
    let we_count = toks.iter().filter(|t| *t == "we" || *t == "our").count();
    let result_pos = a.first(RESULT);
    let measured_after = |from: usize| {
        quants.iter().any(|q| q.token + 3 >= from) || a.first(MEASURABLE_WORDS).is_some_and(|p| p + 3 >= from)
    };
    let (result, measurable) = match result_pos {
        Some(p) if measured_after(p) => (1.0, true),
        Some(_) => (0.5, false),
        // Numbers in the last third without a result word still show an outcome.
        None if measured_after(a.words() * 2 / 3) && !quants.is_empty() => (0.6, true),
        None => (0.0, false),
    };
    let result_at = result_pos.or_else(|| quants.last().map(|q| q.token));
    let phases = vec![
        Phase::new("situation", 1.0, a.first(SITUATION)),
        Phase::new("your role", 1.0, a.first(OWN_ROLE)),
        Phase::new("your actions", (i_actions as f64 / 2.0).min(1.0), first_action),
        Phase::new("measurable result", result, result_at),
        Phase::new("reflection", 1.0, a.first(REFLECTION)),
    ];
    let story = Story {
        i_actions,
        we_count,
        measurable,
        result,
    };
    (story, phases)
}

/// The share of pairs of present phases that appear in the expected order.
pub(super) fn order_score(phases: &[Phase]) -> f64 {
    let present: Vec<usize> = phases
        .iter()
        .filter(|p| p.present())
        .filter_map(|p| p.pos)
        .collect();
    if present.len() < 2 {
        return 0.0;
    }
    let mut pairs = 0;
    let mut ordered = 0;
    for (i, a) in present.iter().enumerate() {
        for b in &present[i + 1..] {
            pairs += 1;
            if a <= b {
                ordered += 1;
            }
        }
    }
    f64::from(ordered) / f64::from(pairs)
}
