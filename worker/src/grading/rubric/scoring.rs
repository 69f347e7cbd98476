//! Scoring one question: the components, the relevance, correctness and coherence checks, and
//! the caps and costs they bring.

use super::*;

// Grading one question.

#[derive(Debug, Clone)]
pub(super) struct CriterionEval {
    pub(super) key: String,
    pub(super) label: String,
    pub(super) weight: u32,
    pub(super) covers: String,
    pub(super) score: f64,
    pub(super) evidence: Vec<String>,
    /// The candidate's own wording of the evidence, longer phrases preferred.
    pub(super) quotes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Component {
    Coverage,
    Structure,
    Estimates,
    TradeOffs,
    Depth,
    Clarity,
    Timing,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct TimingEval {
    pub(super) verdict: Timing,
    pub(super) spent_seconds: u32,
    pub(super) expected_minutes: u32,
    pub(super) score: f64,
}

pub(super) struct Graded<'a> {
    pub(super) item: &'a GradingItem,
    pub(super) profile: Profile,
    pub(super) shape: Shape,
    pub(super) words: usize,
    /// A list of terms rather than sentences.
    pub(super) list_like: bool,
    pub(super) criteria: Vec<CriterionEval>,
    pub(super) coverage: Option<f64>,
    pub(super) phases: Vec<Phase>,
    pub(super) order: f64,
    pub(super) structure: f64,
    pub(super) quantities: Vec<String>,
    pub(super) estimates: Option<f64>,
    pub(super) trade_markers: Vec<String>,
    pub(super) trade_offs: Option<f64>,
    pub(super) depth: f64,
    pub(super) depth_target_words: usize,
    pub(super) connectors: usize,
    /// The candidate's own reasoning connectors and signposts, for quoting.
    pub(super) connector_words: Vec<String>,
    pub(super) signposts: Vec<String>,
    pub(super) clarity: Clarity,
    pub(super) story: Option<Story>,
    pub(super) timing: Option<TimingEval>,
    /// (component, effective weight out of 100, score 0–1).
    pub(super) parts: Vec<(Component, f64, f64)>,
    pub(super) score: f64,
    /// The question's share of the interview score.
    pub(super) share: f64,
    pub(super) checks: Checks,
}

/// What the correctness, relevance and coherence checks found in one answer.
#[derive(Debug, Clone, Default)]
pub(super) struct Checks {
    /// The answer fits another question (its prompt) or none at all (`None` inside).
    pub(super) off_topic: Option<Option<String>>,
    pub(super) misconceptions: Vec<correctness::Found>,
    pub(super) issues: Vec<coherence::Issue>,
    /// Heavy criteria left uncovered, which keep the answer below `strong`.
    pub(super) heavy_missing: Vec<String>,
    pub(super) relevance: corpus::Relevance,
    /// The score before the checks' caps and costs.
    pub(super) before_checks: f64,
}

impl Graded<'_> {
    /// The rubric's total weight (at least 1, so shares are defined).
    pub(super) fn total_weight(&self) -> f64 {
        self.criteria
            .iter()
            .map(|c| f64::from(c.weight))
            .sum::<f64>()
            .max(1.0)
    }

    pub(super) fn empty(&self) -> bool {
        self.words == 0
    }

    /// An answer the checks found not to be the candidate's own answer to this
    /// question (off topic, pasted, repeated): nothing in it is praised.
    pub(super) fn discredited(&self) -> bool {
        self.checks.off_topic.is_some()
            || self.checks.issues.iter().any(|i| {
                matches!(
                    i,
                    coherence::Issue::ImplausibleSpeed(..) | coherence::Issue::Repeated(_)
                )
            })
    }

    pub(super) fn too_short(&self) -> bool {
        self.words < TOO_SHORT_WORDS
    }

    pub(super) fn minutes(&self) -> u32 {
        self.item
            .expected_minutes
            .filter(|&m| m > 0)
            .unwrap_or(DEFAULT_MINUTES)
    }

    pub(super) fn qref(&self) -> String {
        format!("Q{}", self.item.position)
    }

    pub(super) fn part(&self, component: Component) -> Option<(f64, f64)> {
        self.parts.iter().find(|p| p.0 == component).map(|p| (p.1, p.2))
    }

    /// Points of the interview score lost on a component.
    pub(super) fn loss(&self, component: Component) -> f64 {
        self.part(component)
            .map_or(0.0, |(w, s)| self.share * w * (1.0 - s))
    }

    pub(super) fn missing_phases(&self) -> Vec<&'static str> {
        self.phases
            .iter()
            .filter(|p| !p.present())
            .map(|p| p.name)
            .collect()
    }

    pub(super) fn phase(&self, name: &str) -> Option<&Phase> {
        self.phases.iter().find(|p| p.name == name)
    }

    pub(super) fn has_phase(&self, name: &str) -> bool {
        self.phase(name).is_some_and(Phase::present)
    }

    /// Criteria with real coverage, best first.
    pub(super) fn strongest(&self, at_least: f64) -> Vec<&CriterionEval> {
        let mut strong: Vec<&CriterionEval> = self
            .criteria
            .iter()
            .filter(|c| c.score >= at_least && !c.quotes.is_empty())
            .collect();
        strong.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.weight.cmp(&a.weight)));
        strong
    }

    /// Criteria scored below [`MISSING_BELOW`], heaviest first.
    pub(super) fn missing(&self) -> Vec<&CriterionEval> {
        let mut missing: Vec<&CriterionEval> =
            self.criteria.iter().filter(|c| c.score < MISSING_BELOW).collect();
        missing.sort_by(|a, b| b.weight.cmp(&a.weight).then(a.score.total_cmp(&b.score)));
        missing
    }

    pub(super) fn trade_off_criterion_missing(&self) -> bool {
        self.missing().iter().any(|c| c.key.contains("trade"))
    }
}

pub(super) fn level_factor(level: Option<&str>) -> f64 {
    match level {
        Some("junior") => 0.8,
        Some("mid") => 0.9,
        Some("staff" | "principal") => 1.1,
        _ => 1.0,
    }
}

pub(super) fn timing_of(item: &GradingItem) -> Option<TimingEval> {
    let spent = item.time_spent_seconds?;
    let expected = item.expected_minutes.filter(|&m| m > 0)?;
    let ratio = f64::from(spent) / (f64::from(expected) * 60.0);
    let (verdict, score) = if ratio < RUSHED_BELOW {
        (Timing::Rushed, 0.3 + 0.7 * ratio / RUSHED_BELOW)
    } else if ratio > LONG_ABOVE {
        (Timing::Long, (1.0 - (ratio - LONG_ABOVE) / 2.5).max(0.4))
    } else {
        (Timing::OnTime, 1.0)
    };
    Some(TimingEval {
        verdict,
        spent_seconds: spent,
        expected_minutes: expected,
        score,
    })
}

pub(super) fn grade_item<'a>(
    item: &'a GradingItem,
    level: Option<&str>,
    repeats: Option<u32>,
    fit: Fit,
) -> Graded<'a> {
    let a = Answer::new(&item.answer);
    let words = a.words();
    let sentences = lexicon::sentences(&item.answer);
    let entry = corpus::corpus().entry_for(item);
    let profile = Profile::of(item);
    // Figures restated from the prompt ("100M URLs a day") are not the candidate's own.
    let given: Vec<f64> = quantities(&Answer::new(&item.prompt))
        .iter()
        .filter_map(|q| q.value)
        .collect();
    let mut quants = quantities(&a);
    quants.retain(|q| {
        q.value
            .is_none_or(|v| !given.iter().any(|g| (g - v).abs() <= 1e-9 * g.abs().max(1.0)))
    });
    let criteria: Vec<CriterionEval> = item
        .rubric
        .iter()
        .zip(&entry.criteria)
        .map(|(c, compiled)| {
            if compiled.core.is_empty() {
                evaluate_criterion(&a, c)
            } else {
                evaluate_core_criterion(&item.answer, &sentences, c, compiled)
            }
        })
        .collect();
    let total_weight: f64 = criteria.iter().map(|c| f64::from(c.weight)).sum();
    let coverage = (!criteria.is_empty()).then(|| {
        if total_weight == 0.0 {
            criteria.iter().map(|c| c.score).sum::<f64>() / criteria.len() as f64
        } else {
            criteria
                .iter()
                .map(|c| c.score * f64::from(c.weight))
                .sum::<f64>()
                / total_weight
        }
    });

    let signpost = signposting(&a);
    let clarity = clarity(&a, signpost);
    let (phrase_words, phrases) = phrase_lengths(&item.answer);
    let list_like = phrases >= LIST_MIN_PHRASES && phrase_words < LIST_PHRASE_WORDS;
    let signals: Vec<&str> = item
        .rubric
        .iter()
        .flat_map(|c| c.signals.iter().map(String::as_str))
        .collect();
    let phased = |phases: Vec<Phase>| {
        let order = order_score(&phases);
        let presence = phases.iter().map(|p| p.presence).sum::<f64>() / phases.len().max(1) as f64;
        let structure = 0.6 * presence + 0.25 * order + 0.15 * signpost;
        (phases, order, structure)
    };
    let (shape, phases, order, structure, story) = match profile {
        Profile::Design => {
            let (p, o, s) = phased(design_phases(&a, &quants));
            (Shape::Design, p, o, s, None)
        }
        Profile::Technical => {
            let (p, o, s) = phased(technical_phases(&a, &signals, &quants));
            (Shape::Approach, p, o, s, None)
        }
        Profile::Behavioral => {
            let (st, phases) = story(&a, &quants);
            let (p, o, s) = phased(phases);
            let (ap, ao, a_s) = phased(technical_phases(&a, &signals, &quants));
            // A behavioral follow-up may ask for an approach ("how would you…") rather
            // than a story: it is credited for whichever shape it has.
            if item.is_follow_up && a_s > s {
                (Shape::Approach, ap, ao, a_s, None)
            } else {
                (Shape::Story, p, o, s, Some(st))
            }
        }
        Profile::FreeForm => {
            let several = if clarity.sentences >= 3 { 1.0 } else { 0.0 };
            let wrap = if a.first(WRAP_UPS).is_some() { 1.0 } else { 0.0 };
            (
                Shape::Free,
                Vec::new(),
                0.0,
                0.55 * signpost + 0.2 * several + 0.25 * wrap,
                None,
            )
        }
    };

    let estimates =
        (profile == Profile::Design).then(|| (quants.len() as f64 / ESTIMATES_FOR_FULL_CREDIT).min(1.0));
    let strong_markers = a.found(TRADE_OFF_STRONG);
    let weak_markers = a.found(TRADE_OFF_WEAK);
    let trade_points = strong_markers.len() as f64 + 0.5 * weak_markers.len() as f64;
    let trade_offs = matches!(profile, Profile::Design | Profile::Technical).then(|| {
        if trade_points == 0.0 {
            0.0
        } else {
            (0.2 + 0.4 * trade_points).min(1.0)
        }
    });
    // The candidate's own trade-off wording, the generic "trade-off" family last.
    let generic = |m: &&str| m.starts_with("trade");
    let ordered: Vec<&str> = strong_markers
        .iter()
        .filter(|m| !generic(m))
        .chain(&weak_markers)
        .chain(strong_markers.iter().filter(|m| generic(m)))
        .copied()
        .collect();
    let trade_markers = surfaces(&a, &ordered);

    let minutes = item
        .expected_minutes
        .filter(|&m| m > 0)
        .unwrap_or(DEFAULT_MINUTES);
    let target = (f64::from(minutes.saturating_mul(3).saturating_add(90).clamp(100, 200))
        * level_factor(level))
    .round();
    let length = (words as f64 / target).min(1.0).powf(0.8);
    let connectors = a.occurrences(CONNECTORS);
    let connector_words = surfaces(&a, &a.found(CONNECTORS));
    let signposts = surfaces(&a, &a.found(SIGNPOSTS));
    let connector_target = if minutes >= 20 { 3.0 } else { 2.0 };
    let depth = 0.6 * length + 0.4 * (connectors as f64 / connector_target).min(1.0);

    let timing = timing_of(item);

    // Form credit scales with relevant coverage: structure, depth and trade-offs
    // around content that is not there are worth little.
    let gate = coverage.map_or(1.0, |c| (0.1 + 1.5 * c).min(1.0));
    let w = profile.weights();
    let mut raw_parts: Vec<(Component, f64, f64)> = Vec::new();
    if let Some(c) = coverage {
        raw_parts.push((Component::Coverage, w.coverage, c));
    }
    raw_parts.push((Component::Structure, w.structure, structure * gate));
    if let Some(e) = estimates {
        raw_parts.push((Component::Estimates, w.estimates, e * gate));
    }
    if let Some(t) = trade_offs {
        raw_parts.push((Component::TradeOffs, w.trade_offs, t * gate));
    }
    raw_parts.push((Component::Depth, w.depth, depth * gate));
    raw_parts.push((Component::Clarity, w.clarity, clarity.score));
    if let Some(t) = timing {
        let s = if words == 0 { 0.0 } else { t.score };
        raw_parts.push((Component::Timing, w.timing, s));
    }
    raw_parts.retain(|p| p.1 > 0.0);
    let total: f64 = raw_parts.iter().map(|p| p.1).sum();
    let parts: Vec<(Component, f64, f64)> = raw_parts
        .into_iter()
        .map(|(c, weight, s)| {
            let s = if list_like && c != Component::Timing {
                s * LIST_CREDIT
            } else {
                s
            };
            (c, weight * 100.0 / total.max(f64::EPSILON), s.clamp(0.0, 1.0))
        })
        .collect();
    let mut score = fit.apply(parts.iter().map(|p| p.1 * p.2).sum::<f64>() / 100.0);
    if words == 0 {
        score = 0.0;
    } else if words < TOO_SHORT_WORDS {
        score = score.min(TOO_SHORT_CAP);
    }
    let mut checks = Checks {
        before_checks: score,
        ..Checks::default()
    };
    if words >= TOO_SHORT_WORDS && profile != Profile::FreeForm {
        let relevance = corpus::corpus().relevance(&item.answer, &entry);
        let ratio = relevance.best_other / relevance.own.max(f64::EPSILON);
        // Only a catalog question is compared with the others: a custom question's
        // short material cannot compete with a catalog entry's on equal terms.
        let comparable = entry.in_catalog;
        if comparable
            && (ratio > OFF_TOPIC_RATIO
                || (ratio > OFF_TOPIC_WEAK_RATIO && relevance.density < OFF_TOPIC_WEAK_DENSITY))
        {
            checks.off_topic = Some(relevance.other_prompt.clone());
        } else if relevance.density < OFF_TOPIC_DENSITY {
            checks.off_topic = Some(None);
        }
        checks.relevance = relevance;
        checks.misconceptions = correctness::misconceptions(&item.answer, &sentences, &entry.misconceptions);
    }
    if words > 0 {
        checks.issues = coherence::issues(&item.answer, &sentences, words, profile == Profile::Behavioral);
        checks
            .issues
            .extend(coherence::speed(words, item.time_spent_seconds));
        checks.issues.extend(repeats.map(coherence::Issue::Repeated));
    }
    let max_weight = criteria.iter().map(|c| c.weight).max().unwrap_or(0);
    checks.heavy_missing = criteria
        .iter()
        .filter(|c| c.weight == max_weight && c.score < HEAVY_COVERED)
        .map(|c| c.label.clone())
        .collect();
    if !checks.heavy_missing.is_empty() {
        score = score.min(HEAVY_MISSING_CAP);
    }
    let found = checks.misconceptions.len();
    if found > 0 {
        score -= MISCONCEPTION_COST * found as f64;
        score = score.min(if found == 1 {
            ONE_MISCONCEPTION_CAP
        } else {
            MISCONCEPTIONS_CAP
        });
    }
    use coherence::Issue;
    if checks.issues.iter().any(|i| {
        matches!(
            i,
            Issue::StepsOutOfOrder(_) | Issue::OpensMidThought(_) | Issue::ConclusionFirst(_)
        )
    }) {
        score *= INCOHERENT_FACTOR;
    }
    if checks.issues.iter().any(|i| matches!(i, Issue::Repeated(_))) {
        score *= REPEATED_FACTOR;
    }
    if checks
        .issues
        .iter()
        .any(|i| matches!(i, Issue::ImplausibleSpeed(..)))
    {
        score = score.min(IMPLAUSIBLE_SPEED_CAP);
    }
    if checks.off_topic.is_some() {
        score = score.min(OFF_TOPIC_CAP);
    }

    Graded {
        item,
        profile,
        shape,
        words,
        list_like,
        criteria,
        coverage,
        phases,
        order,
        structure,
        quantities: quants.into_iter().map(|q| q.text).collect(),
        estimates,
        trade_markers,
        trade_offs,
        depth,
        depth_target_words: target as usize,
        connectors,
        connector_words,
        signposts,
        clarity,
        story,
        timing,
        parts,
        score: score.clamp(0.0, 1.0),
        share: 0.0,
        checks,
    }
}
