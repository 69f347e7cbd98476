//! The interview as a whole: improvements, stretch goals, strengths, dimensions, the summary and
//! the general feedback.

use super::*;

// The interview as a whole.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Area {
    Unanswered,
    DesignStructure,
    TechnicalStructure,
    BehavioralStructure,
    FreeFormStructure,
    Results,
    TradeOffs,
    Estimation,
    Depth,
    Knowledge,
    Communication,
    Timing,
}

pub(super) struct Improvement {
    pub(super) area: Area,
    /// Points of the interview score lost to this gap: the ranking key.
    pub(super) points: f64,
    pub(super) text: String,
    /// A clause naming the gap, for the summary ("no trade-off is ever stated (Q1)").
    pub(super) gist: String,
}

/// Which improvement area a missing criterion belongs to when it is a matter of form
/// already counted there (requirements and estimates in a design, trade-offs anywhere).
pub(super) fn criterion_area(g: &Graded, c: &CriterionEval) -> Area {
    let key = c.key.as_str();
    if key.contains("trade") && g.trade_offs.is_some() {
        Area::TradeOffs
    } else if g.shape == Shape::Design && key.contains("requirement") {
        Area::DesignStructure
    } else if g.shape == Shape::Design && (key.contains("estimat") || key.contains("scale")) {
        Area::Estimation
    } else if g.shape == Shape::Story && (key.contains("result") || key.contains("outcome")) {
        Area::Results
    } else {
        Area::Knowledge
    }
}

/// Improvement advice, ranked by the points each gap cost, 2–4 items; advice on pacing
/// is always kept when a question was rushed or ran long.
pub(super) fn improvements(graded: &[Graded]) -> Vec<Improvement> {
    let mut out: Vec<Improvement> = Vec::new();
    let answered: Vec<&Graded> = graded.iter().filter(|g| !g.empty()).collect();
    let assessable: Vec<&Graded> = answered.iter().copied().filter(|g| !g.too_short()).collect();

    let blank: Vec<&Graded> = graded.iter().filter(|g| g.empty()).collect();
    if !blank.is_empty() {
        out.push(Improvement {
            area: Area::Unanswered,
            points: blank.iter().map(|g| g.share * 100.0).sum(),
            text: format!(
                "Give every question an answer, even a rough outline: {} {} left blank.",
                qrefs(&blank),
                if blank.len() == 1 { "was" } else { "were" }
            ),
            gist: format!("{} went unanswered", qrefs(&blank)),
        });
    }

    for (area, shape) in [
        (Area::DesignStructure, Shape::Design),
        (Area::TechnicalStructure, Shape::Approach),
        (Area::BehavioralStructure, Shape::Story),
        (Area::FreeFormStructure, Shape::Free),
    ] {
        let qs: Vec<&Graded> = assessable
            .iter()
            .copied()
            .filter(|g| g.shape == shape && g.structure < 0.7)
            .collect();
        let Some(worst) = qs.iter().min_by(|a, b| a.structure.total_cmp(&b.structure)) else {
            continue;
        };
        let missing: Vec<String> = worst
            .missing_phases()
            .into_iter()
            .filter(|p| !(shape == Shape::Story && *p == "measurable result"))
            .map(str::to_owned)
            .collect();
        if missing.is_empty() && worst.order >= 0.99 && shape != Shape::Free {
            continue;
        }
        let detail = if missing.is_empty() {
            format!("{} had the parts but not in that order", worst.qref())
        } else {
            format!("{} skipped {}", worst.qref(), join_and(&missing))
        };
        let (text, gist) = match shape {
            Shape::Design => (
                format!("Structure design answers as {}; {detail}.", shape.flow()),
                if worst.has_phase("requirements") {
                    detail.clone()
                } else {
                    format!(
                        "{} jumped into the design without first scoping the problem",
                        worst.qref()
                    )
                },
            ),
            Shape::Approach => (
                format!("Shape technical answers as {}; {detail}.", shape.flow()),
                format!(
                    "{} lacked the frame (example, failure modes) that makes an answer convincing",
                    qrefs(&qs)
                ),
            ),
            Shape::Story => (
                format!("Tell stories in order: {}; {detail}.", shape.flow()),
                detail.clone(),
            ),
            Shape::Free => (
                format!(
                    "Give open answers a visible shape: {} ({}).",
                    shape.flow(),
                    worst.qref()
                ),
                format!("the open answers ({}) are hard to follow", qrefs(&qs)),
            ),
        };
        out.push(Improvement {
            area,
            points: qs.iter().map(|g| g.loss(Component::Structure)).sum(),
            text,
            gist,
        });
    }

    let unmeasured: Vec<&Graded> = assessable
        .iter()
        .copied()
        .filter(|g| g.story.as_ref().is_some_and(|s| !s.measurable))
        .collect();
    if !unmeasured.is_empty() {
        let none = unmeasured
            .iter()
            .all(|g| g.story.as_ref().is_some_and(|s| s.result == 0.0));
        let how = match (none, unmeasured.len() > 1) {
            (true, false) => "stops before any result",
            (true, true) => "stop before any result",
            (false, false) => "gives no number for its result",
            (false, true) => "give no number for their results",
        };
        out.push(Improvement {
            area: Area::Results,
            points: unmeasured
                .iter()
                .map(|g| g.share * RESULT_EMPHASIS * (1.0 - g.story.as_ref().map_or(0.0, |s| s.result)))
                .sum(),
            text: format!(
                "End every story with a measurable result (a metric that moved, time saved, incidents \
                 avoided); {} {how}.",
                qrefs(&unmeasured)
            ),
            gist: format!("{} {how}", qrefs(&unmeasured)),
        });
    }

    let no_trade: Vec<&Graded> = assessable
        .iter()
        .copied()
        .filter(|g| g.trade_offs.is_some_and(|t| t < 0.5))
        .collect();
    if !no_trade.is_empty() {
        out.push(Improvement {
            area: Area::TradeOffs,
            points: no_trade.iter().map(|g| g.loss(Component::TradeOffs)).sum(),
            text: format!(
                "Make trade-offs explicit: after each choice, say what it costs and when you would pick the \
                 alternative (\"this works because…, but the downside is…\"); {} had {}.",
                qrefs(&no_trade),
                if no_trade.iter().all(|g| g.trade_offs == Some(0.0)) {
                    "none"
                } else {
                    "almost none"
                }
            ),
            gist: format!("no trade-off is ever stated ({})", qrefs(&no_trade)),
        });
    }

    let few_numbers: Vec<&Graded> = assessable
        .iter()
        .copied()
        .filter(|g| g.estimates.is_some_and(|e| e < 0.5))
        .collect();
    if !few_numbers.is_empty() {
        let detail: Vec<String> = few_numbers
            .iter()
            .map(|g| match g.quantities.first() {
                None => format!("{} had none", g.qref()),
                Some(q) => format!("{} had only \"{q}\"", g.qref()),
            })
            .collect();
        out.push(Improvement {
            area: Area::Estimation,
            points: few_numbers.iter().map(|g| g.loss(Component::Estimates)).sum(),
            text: format!(
                "Put numbers on your estimates before designing: requests per second, storage over the \
                 retention period, the read/write ratio; {}.",
                join_and(&detail)
            ),
            gist: format!("{} never sized the problem with numbers", qrefs(&few_numbers)),
        });
    }

    let shallow: Vec<&Graded> = assessable.iter().copied().filter(|g| g.depth < 0.45).collect();
    if let Some(worst) = shallow.iter().min_by(|a, b| a.depth.total_cmp(&b.depth)) {
        out.push(Improvement {
            area: Area::Depth,
            points: shallow.iter().map(|g| g.loss(Component::Depth)).sum(),
            text: format!(
                "Go a level deeper: after naming a technique, explain why it fits and what it costs; {} was \
                 {} words for {} question.",
                worst.qref(),
                worst.words,
                minutes_adjective(worst.minutes())
            ),
            gist: format!("ideas are named rather than explained ({})", qrefs(&shallow)),
        });
    }

    // Missing criteria: those that are a matter of form add to the areas above; the rest
    // are gaps in content.
    let mut gaps: Vec<(f64, &Graded, &CriterionEval)> = Vec::new();
    for g in &assessable {
        let (w_cov, _) = g.part(Component::Coverage).unwrap_or((0.0, 0.0));
        let total = g.total_weight();
        for c in g.missing() {
            let points = g.share * w_cov * f64::from(c.weight) / total * (1.0 - c.score);
            let area = criterion_area(g, c);
            match out.iter_mut().find(|i| i.area == area && area != Area::Knowledge) {
                Some(improvement) => improvement.points += points,
                None => gaps.push((points, g, c)),
            }
        }
    }
    gaps.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(a.1.item.position.cmp(&b.1.item.position))
    });
    if let Some((_, g, c)) = gaps.first() {
        let others: Vec<String> = gaps
            .iter()
            .skip(1)
            .take(2)
            .map(|(_, g, c)| format!("{} in {}", lower_first(&c.label), g.qref()))
            .collect();
        let also = if others.is_empty() {
            String::new()
        } else {
            format!(" Then {}.", join_and(&others))
        };
        out.push(Improvement {
            area: Area::Knowledge,
            points: gaps.iter().take(3).map(|x| x.0).sum(),
            text: format!(
                "Cover {} in {}: a strong answer {}.{also}",
                lower_first(&c.label),
                g.qref(),
                lower_first(&c.covers)
            ),
            gist: format!("{} left out {}", g.qref(), lower_first(&c.label)),
        });
    }

    let unclear: Vec<&Graded> = answered
        .iter()
        .copied()
        .filter(|g| g.clarity.score < 0.55 && g.words >= 25)
        .collect();
    if let Some(worst) = unclear
        .iter()
        .min_by(|a, b| a.clarity.score.total_cmp(&b.clarity.score))
    {
        let c = &worst.clarity;
        let detail = if c.avg_sentence > 24.0 {
            format!("{} averaged {:.0} words a sentence", worst.qref(), c.avg_sentence)
        } else if c.hedge_count > 0 {
            format!("{} leaned on {}", worst.qref(), quoted(&c.hedges, 3))
        } else {
            format!("{} was hard to follow", worst.qref())
        };
        out.push(Improvement {
            area: Area::Communication,
            points: unclear
                .iter()
                .map(|g| g.share * 5.0 * (1.0 - g.clarity.score))
                .sum(),
            text: format!("Say it plainly: short sentences, one point each, no hedging; {detail}."),
            gist: format!(
                "the answers are harder to follow than they should be ({})",
                qrefs(&unclear)
            ),
        });
    }

    let off_time: Vec<&Graded> = answered
        .iter()
        .copied()
        .filter(|g| g.timing.is_some_and(|t| t.verdict != Timing::OnTime))
        .collect();
    if !off_time.is_empty() {
        // The two longest questions are named; the rest are counted.
        let spent = |verdict: Timing| -> Vec<String> {
            let mut qs: Vec<(&Graded, TimingEval)> = off_time
                .iter()
                .filter_map(|g| g.timing.filter(|t| t.verdict == verdict).map(|t| (*g, t)))
                .collect();
            let count = qs.len();
            qs.sort_by(|a, b| {
                b.1.expected_minutes
                    .cmp(&a.1.expected_minutes)
                    .then(a.0.item.position.cmp(&b.0.item.position))
            });
            qs.truncate(2);
            qs.sort_by_key(|(g, _)| g.item.position);
            let mut named: Vec<String> = qs
                .iter()
                .map(|(g, t)| {
                    format!(
                        "{} on {} ({} expected)",
                        minutes_phrase(t.spent_seconds),
                        g.qref(),
                        expected_range(t.expected_minutes)
                    )
                })
                .collect();
            if count > named.len() {
                named.push(format!(
                    "{} more question{} like that",
                    count - 2,
                    if count == 3 { "" } else { "s" }
                ));
            }
            named
        };
        let rushed = spent(Timing::Rushed);
        let long = spent(Timing::Long);
        let rushed_design = off_time
            .iter()
            .any(|g| g.shape == Shape::Design && g.timing.is_some_and(|t| t.verdict == Timing::Rushed));
        let mut text = String::new();
        if !rushed.is_empty() {
            let advice = if rushed_design {
                "spend the first few minutes on requirements and estimates before any design"
            } else {
                "use the time to explain your reasoning and the edge cases"
            };
            text.push_str(&format!(
                "Slow down and use the time: you spent {}; {advice}.",
                join_and(&rushed)
            ));
        }
        if !long.is_empty() {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&format!(
                "Keep an eye on the clock: you spent {}.",
                join_and(&long)
            ));
        }
        let gist = if rushed.is_empty() {
            format!("answers ran long ({})", join_and(&long))
        } else {
            format!("answers were rushed ({})", join_and(&rushed))
        };
        out.push(Improvement {
            area: Area::Timing,
            points: off_time.iter().map(|g| g.loss(Component::Timing)).sum(),
            text,
            gist,
        });
    }

    out.retain(|i| i.points > 0.05 || matches!(i.area, Area::Timing | Area::Unanswered));
    out.sort_by(|a, b| b.points.total_cmp(&a.points));
    let timing = out
        .iter()
        .position(|i| i.area == Area::Timing)
        .map(|i| out.remove(i));
    out.truncate(if timing.is_some() { 3 } else { 4 });
    out.extend(timing);
    if out.len() < 2 {
        out.extend(stretch_goals(graded).into_iter().take(2 - out.len()));
    }
    out
}

/// Next steps for an interview with (almost) nothing left to fix.
pub(super) fn stretch_goals(graded: &[Graded]) -> Vec<Improvement> {
    let has = |shape: Shape| graded.iter().any(|g| g.shape == shape && !g.too_short());
    let mut goals: Vec<&str> = Vec::new();
    if has(Shape::Design) {
        goals.push(
            "Stretch the deep dive: pick the component most likely to break at ten times the load and walk \
             through how you would detect and contain that failure.",
        );
    }
    if has(Shape::Approach) {
        goals.push(
            "Anchor technical answers in a system you actually ran: first-hand detail is what separates a \
             strong answer from an outstanding one.",
        );
    }
    if has(Shape::Story) {
        goals.push(
            "Prepare a second story for each theme, with a different kind of result, so follow-up questions \
             never leave you without material.",
        );
    }
    goals.push(
        "Rehearse against the clock: cover the same ground in about 80% of the expected time to leave room \
         for the interviewer's follow-ups.",
    );
    goals
        .into_iter()
        .map(|text| Improvement {
            area: Area::Knowledge,
            points: 0.0,
            text: text.to_owned(),
            gist: String::new(),
        })
        .collect()
}

pub(super) fn minutes_adjective(minutes: u32) -> String {
    with_article(&format!("{minutes}-minute"))
}

pub(super) struct Strength {
    pub(super) points: f64,
    pub(super) text: String,
    pub(super) label: String,
    pub(super) quotes: Vec<String>,
}

pub(super) fn strengths(graded: &[Graded], dims: &[Dimension]) -> Vec<Strength> {
    let mut by_criterion: Vec<(u32, Strength)> = Vec::new();
    for g in graded.iter().filter(|g| !g.too_short() && !g.discredited()) {
        let (w_cov, _) = g.part(Component::Coverage).unwrap_or((0.0, 0.0));
        let total = g.total_weight();
        for c in g.strongest(0.67) {
            let points = g.share * w_cov * f64::from(c.weight) / total * c.score;
            let quotes = quoted(&c.quotes, 3);
            let text = match (g.shape, criterion_area(g, c)) {
                (Shape::Story, _) => format!(
                    "{} ({}): concrete and in your own words ({quotes}).",
                    c.label,
                    g.qref()
                ),
                (_, Area::Knowledge) => {
                    format!(
                        "{} ({}): you reached for the right concepts, {quotes}.",
                        c.label,
                        g.qref()
                    )
                }
                _ => format!("{} ({}): well covered, with {quotes}.", c.label, g.qref()),
            };
            by_criterion.push((
                g.item.position,
                Strength {
                    points,
                    text,
                    label: c.label.clone(),
                    quotes: c.quotes.clone(),
                },
            ));
        }
    }
    by_criterion.sort_by(|a, b| b.1.points.total_cmp(&a.1.points).then(a.0.cmp(&b.0)));
    // The best of each question first, so the list reflects the whole interview; then
    // the next best, at most two per question.
    let mut picked: Vec<usize> = Vec::new();
    let mut positions: Vec<u32> = Vec::new();
    for (i, (position, _)) in by_criterion.iter().enumerate() {
        if picked.len() < 3 && !positions.contains(position) {
            picked.push(i);
            positions.push(*position);
        }
    }
    for (i, (position, _)) in by_criterion.iter().enumerate() {
        if picked.len() < 3 && !picked.contains(&i) && positions.iter().filter(|&p| p == position).count() < 2
        {
            picked.push(i);
            positions.push(*position);
        }
    }
    picked.sort_unstable();
    let mut out: Vec<Strength> = by_criterion
        .into_iter()
        .enumerate()
        .filter(|(i, _)| picked.contains(i))
        .map(|(_, (_, s))| s)
        .collect();

    let dim = |key: &str| dims.iter().find(|d| d.key == key).map(|d| d.score);
    let answered: Vec<&Graded> = graded
        .iter()
        .filter(|g| !g.too_short() && !g.discredited())
        .collect();
    if dim("structure").is_some_and(|s| s >= 75)
        && let Some(best) = answered.iter().max_by(|a, b| a.structure.total_cmp(&b.structure))
    {
        out.push(Strength {
            points: 1.0,
            text: format!(
                "Well-organised answers: {} in particular followed the order interviewers expect ({}).",
                best.qref(),
                best.shape.flow()
            ),
            label: "structure".to_owned(),
            quotes: Vec::new(),
        });
    }
    if dim("estimation").is_some_and(|s| s >= 75) {
        let figures: Vec<String> = answered
            .iter()
            .flat_map(|g| g.quantities.iter().cloned())
            .collect();
        out.push(Strength {
            points: 1.0,
            text: format!("You size problems with real numbers ({}).", quoted(&figures, 3)),
            label: "estimation".to_owned(),
            quotes: Vec::new(),
        });
    }
    if dim("trade_offs").is_some_and(|s| s >= 75) {
        let markers: Vec<String> = answered
            .iter()
            .flat_map(|g| g.trade_markers.iter().cloned())
            .collect();
        let mut distinct: Vec<String> = Vec::new();
        for m in markers {
            if !distinct.iter().any(|d| d.eq_ignore_ascii_case(&m)) {
                distinct.push(m);
            }
        }
        out.push(Strength {
            points: 1.0,
            text: format!(
                "You make trade-offs explicit ({}), which is exactly what interviewers probe for.",
                quoted(&distinct, 3)
            ),
            label: "trade-offs".to_owned(),
            quotes: Vec::new(),
        });
    }
    let timed = answered.iter().filter(|g| g.timing.is_some()).count();
    if timed >= 2 && dim("time_management").is_some_and(|s| s >= 95) {
        out.push(Strength {
            points: 0.5,
            text: "Good pacing: every answer used about the time its question deserves.".to_owned(),
            label: "pacing".to_owned(),
            quotes: Vec::new(),
        });
    }
    out.truncate(4);

    if out.len() < 2 {
        // A start is still worth naming when nothing was fully covered.
        let mut partial: Vec<Strength> = Vec::new();
        for g in graded.iter().filter(|g| !g.too_short() && !g.discredited()) {
            for c in g.strongest(0.3).into_iter().filter(|c| c.score < 0.67) {
                if out.iter().any(|s| s.label == c.label) {
                    continue;
                }
                partial.push(Strength {
                    points: g.share * c.score,
                    text: format!(
                        "A start on {} ({}): you mentioned {}.",
                        lower_first(&c.label),
                        g.qref(),
                        quoted(&c.quotes, 2)
                    ),
                    label: c.label.clone(),
                    quotes: c.quotes.clone(),
                });
            }
        }
        partial.sort_by(|a, b| b.points.total_cmp(&a.points));
        let room = 2 - out.len();
        out.extend(partial.into_iter().take(room));
    }
    if out.len() < 2
        && let Some(g) = graded
            .iter()
            .filter(|g| !g.too_short() && g.clarity.score >= 0.6)
            .max_by(|a, b| a.clarity.score.total_cmp(&b.clarity.score))
    {
        out.push(Strength {
            points: 0.1,
            text: format!(
                "Readable answers: in {}, direct sentences of about {:.0} words that are easy to follow.",
                g.qref(),
                g.clarity.avg_sentence
            ),
            label: "clarity".to_owned(),
            quotes: Vec::new(),
        });
    }
    out
}

/// Overall dimensions, weighted by expected minutes, in a fixed order.
pub(super) fn dimensions(graded: &[Graded]) -> Vec<Dimension> {
    let mean = |pairs: Vec<(f64, f64)>| -> Option<u8> {
        let total: f64 = pairs.iter().map(|p| p.0).sum();
        (total > 0.0).then(|| pct(pairs.iter().map(|p| p.0 * p.1).sum::<f64>() / total))
    };
    let weight = |g: &Graded| f64::from(g.minutes());
    let gated = |g: &Graded, c: Component| g.part(c).map(|p| p.1);
    let specs: [(&str, &str, Option<u8>); 7] = [
        (
            "knowledge",
            "Knowledge",
            mean(
                graded
                    .iter()
                    .filter_map(|g| g.coverage.map(|c| (weight(g), c)))
                    .collect(),
            ),
        ),
        (
            "structure",
            "Structure",
            mean(
                graded
                    .iter()
                    .filter_map(|g| gated(g, Component::Structure).map(|s| (weight(g), s)))
                    .collect(),
            ),
        ),
        (
            "estimation",
            "Estimation",
            mean(
                graded
                    .iter()
                    .filter_map(|g| gated(g, Component::Estimates).map(|s| (weight(g), s)))
                    .collect(),
            ),
        ),
        (
            "trade_offs",
            "Trade-offs",
            mean(
                graded
                    .iter()
                    .filter_map(|g| gated(g, Component::TradeOffs).map(|s| (weight(g), s)))
                    .collect(),
            ),
        ),
        (
            "depth",
            "Depth",
            mean(
                graded
                    .iter()
                    .filter_map(|g| gated(g, Component::Depth).map(|s| (weight(g), s)))
                    .collect(),
            ),
        ),
        (
            "communication",
            "Communication",
            mean(graded.iter().map(|g| (weight(g), g.clarity.score)).collect()),
        ),
        (
            "time_management",
            "Time management",
            mean(
                graded
                    .iter()
                    .filter_map(|g| gated(g, Component::Timing).map(|s| (weight(g), s)))
                    .collect(),
            ),
        ),
    ];
    specs
        .into_iter()
        .filter_map(|(key, label, score)| {
            score.map(|score| Dimension {
                key: key.to_owned(),
                label: label.to_owned(),
                score,
            })
        })
        .collect()
}

pub(super) fn summary(
    verdict: Verdict,
    graded: &[Graded],
    strengths: &[Strength],
    improvements: &[Improvement],
) -> String {
    let named: Vec<String> = strengths
        .iter()
        .filter(|s| !s.quotes.is_empty())
        .take(2)
        .map(|s| lower_first(&s.label))
        .collect();
    let mut quotes: Vec<String> = Vec::new();
    for q in strengths.iter().flat_map(|s| s.quotes.iter().take(2)) {
        if quotes.len() < 3 && !quotes.iter().any(|x| x.eq_ignore_ascii_case(q)) {
            quotes.push(q.clone());
        }
    }
    let ground = if named.is_empty() {
        String::new()
    } else {
        format!("{} ({})", join_and(&named), quoted(&quotes, 3))
    };
    let across = if graded.len() > 1 {
        format!(" across {} answers", graded.len())
    } else {
        String::new()
    };
    let first = match (verdict, ground.is_empty()) {
        (Verdict::Outstanding, false) => {
            format!("An outstanding interview{across}, with a sure command of {ground}.")
        }
        (Verdict::Outstanding, true) => format!("An outstanding interview{across}."),
        (Verdict::Strong, false) => {
            format!("A strong interview overall, built on solid handling of {ground}.")
        }
        (Verdict::Strong, true) => "A strong interview overall, with well-reasoned answers.".to_owned(),
        (Verdict::Acceptable, false) => {
            format!(
                "Close to the bar: you showed real knowledge of {ground}, but not consistently enough to \
                 pass."
            )
        }
        (Verdict::Acceptable, true) => "Close to the bar, but not consistently enough to pass.".to_owned(),
        (Verdict::NeedsWork, false) => {
            format!("Your knowledge shows in {ground}, but the answers have clear gaps.")
        }
        (Verdict::NeedsWork, true) => "The answers show promise but have clear gaps.".to_owned(),
        (Verdict::NotReady, false) => {
            format!("Not ready yet: {ground} came through, but most of what these questions test did not.")
        }
        (Verdict::NotReady, true) => {
            "Not ready yet: the answers don't yet show what these questions test.".to_owned()
        }
    };
    let major: Vec<&Improvement> = improvements
        .iter()
        .filter(|i| i.points >= 2.0 || i.area == Area::Unanswered)
        .take(2)
        .collect();
    let second = match major.as_slice() {
        [one] => format!("What holds the score back most: {}.", one.gist),
        [one, two, ..] => format!("What holds the score back most: {}, and {}.", one.gist, two.gist),
        [] => match improvements.first() {
            Some(i) => format!("What remains is polish: {}", lower_first(&i.text)),
            None => "There is no significant gap to point to; keep rehearsing to stay sharp.".to_owned(),
        },
    };
    format!("{first} {second}")
}

pub(super) fn general_feedback(
    level: Option<&str>,
    graded: &[Graded],
    score: u8,
    improvements: &[Improvement],
    strengths: &[Strength],
) -> String {
    let who = match level {
        Some(l) => format!("At {l} level"),
        None => "At any level".to_owned(),
    };
    let asset = strengths.iter().find(|s| !s.quotes.is_empty()).map(|s| {
        format!(
            "Your work on {} shows the knowledge is there; ",
            lower_first(&s.label)
        )
    });
    if graded.iter().all(Graded::empty) {
        return "There is nothing to assess yet: no question was answered. Run the interview again and talk \
                through each question, even roughly; a partial answer always beats silence, and it gives \
                this report something to work with."
            .to_owned();
    }
    let main = improvements
        .iter()
        .find(|i| i.points >= 2.0 || i.area == Area::Unanswered);
    let body = match main.map(|i| i.area) {
        _ if score >= 85 => format!(
            "{who}, this is what interviewers hope to see: the content is right and you show how you think. \
             Keep rehearsing under time pressure and vary the questions so the structure stays automatic."
        ),
        Some(Area::DesignStructure) => format!(
            "{who}, interviewers want to watch you drive an open problem, not recall components. Jumping \
             into the implementation hides the judgement they are scoring: the opening minutes on \
             requirements and estimates count as much as the boxes, because they are what make every later \
             choice defensible."
        ),
        Some(Area::TradeOffs) => format!(
            "{who}, a design or technique without its cost sounds recited. Interviewers push on trade-offs \
             because real systems are built from them; naming the alternative you rejected, and why, is what \
             separates a considered answer from a memorised one."
        ),
        Some(Area::Estimation) => format!(
            "{who}, you are expected to size the problem yourself. Throughput, storage and ratios are what \
             justify the components you pick; without them the interviewer has to take the design on trust."
        ),
        Some(Area::Depth) => format!(
            "{who}, every technique you name will be probed. Get there first: say how it works, why it fits \
             this problem and what it costs, before the interviewer has to ask."
        ),
        Some(Area::Results | Area::BehavioralStructure) => format!(
            "{who}, behavioral answers are judged on what you personally did and what changed because of it. \
             Keep the situation brief, spend most of the time on your actions, and close with a result you \
             can measure and an honest lesson."
        ),
        Some(Area::TechnicalStructure) => format!(
            "{who}, a technical answer should start from the core idea and then prove you have used it: a \
             real example, the ways it fails and what it costs. Facts without that frame are hard to score."
        ),
        Some(Area::Knowledge) => format!(
            "{who}, the gaps are mostly in content, and interviewers expect these topics to come up \
             unprompted. Work through the ideal answers below and practise explaining them in your own words \
             until the key terms come naturally."
        ),
        Some(Area::Timing) => format!(
            "{who}, pacing matters: an answer that ends early leaves the interviewer too little to score. \
             Use the full time to scope, answer and then test your own solution for weaknesses."
        ),
        Some(Area::Communication | Area::FreeFormStructure) => format!(
            "{who}, how you say it is part of the grade. Lead with the answer, give your points in order, \
             and keep each sentence to one idea so the interviewer can follow your reasoning live."
        ),
        Some(Area::Unanswered) => format!(
            "{who}, an unanswered question scores nothing, while a rough but honest attempt earns partial \
             credit and shows how you think under pressure. Always say something: your assumptions, a first \
             approach, what you would check."
        ),
        None => format!(
            "{who}, the fundamentals are in place. The remaining points come from polish: sharper structure, \
             explicit trade-offs and concrete numbers in every answer."
        ),
    };
    let content_gap = main.is_some_and(|i| i.area == Area::Knowledge);
    match asset {
        Some(a) if score < 85 && !content_gap => format!("{}{}", upper_first(&a), lower_first(&body)),
        _ => body,
    }
}
