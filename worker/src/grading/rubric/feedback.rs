//! Per-question feedback: the main gap, the summary sentence, and the sentences about
//! criteria, structure, numbers, trade-offs, depth, timing and the checks.

use super::*;

// Per-question text.

/// What matters most in one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Gap {
    Empty,
    TooShort,
    KeywordList,
    MissingMost,
    SkippedScoping { requirements: bool, estimates: bool },
    Shallow,
    NoResult,
    UnmeasuredResult,
    WeNotI,
    NoReflection,
    NoTradeOffs,
    MissingCriteria,
    FormStructure,
    FormDepth,
    FormClarity,
    FormSoundButStructure,
    FormSoundButDepth,
    FormSoundButClarity,
    Rushed,
    None,
}

pub(super) fn main_gap(g: &Graded) -> Gap {
    if g.empty() {
        return Gap::Empty;
    }
    if g.too_short() {
        return Gap::TooShort;
    }
    if g.list_like {
        return Gap::KeywordList;
    }
    let rushed = g.timing.is_some_and(|t| t.verdict == Timing::Rushed);
    if g.profile == Profile::FreeForm {
        let worst = [
            (g.structure, Gap::FormStructure),
            (g.depth, Gap::FormDepth),
            (g.clarity.score, Gap::FormClarity),
        ]
        .into_iter()
        .min_by(|a, b| a.0.total_cmp(&b.0));
        return match worst {
            Some((s, gap)) if s < 0.5 => gap,
            _ if rushed => Gap::Rushed,
            Some((s, gap)) if s < 0.75 => match gap {
                Gap::FormStructure => Gap::FormSoundButStructure,
                Gap::FormDepth => Gap::FormSoundButDepth,
                _ => Gap::FormSoundButClarity,
            },
            _ => Gap::None,
        };
    }
    let coverage = g.coverage.unwrap_or(1.0);
    if coverage < 0.25 {
        return Gap::MissingMost;
    }
    if g.profile == Profile::Design {
        let requirements = !g.has_phase("requirements");
        let estimates = g.quantities.is_empty();
        if requirements || estimates {
            return Gap::SkippedScoping {
                requirements,
                estimates,
            };
        }
    }
    if let Some(story) = &g.story {
        if story.result == 0.0 {
            return Gap::NoResult;
        }
        if !story.measurable {
            return Gap::UnmeasuredResult;
        }
        if story.i_actions < 2 && story.we_count > 2 {
            return Gap::WeNotI;
        }
    }
    if g.depth < 0.4 {
        return Gap::Shallow;
    }
    if g.trade_offs == Some(0.0) {
        return Gap::NoTradeOffs;
    }
    if g.story.is_some() && !g.has_phase("reflection") {
        return Gap::NoReflection;
    }
    if !g.missing().is_empty() {
        return Gap::MissingCriteria;
    }
    if rushed {
        return Gap::Rushed;
    }
    Gap::None
}

/// Criterion labels in running text; labels that contain "and" themselves are joined
/// with "as well as" so the list stays readable.
pub(super) fn labels(criteria: &[&CriterionEval], max: usize) -> String {
    let names: Vec<String> = criteria.iter().take(max).map(|c| lower_first(&c.label)).collect();
    match names.as_slice() {
        [init @ .., last] if names.len() > 1 && names.iter().any(|n| n.contains(" and ")) => {
            format!("{}, as well as {last}", init.join(", "))
        }
        _ => join_and(&names),
    }
}

/// Quotes from the best-covered criteria, in the candidate's own words.
/// Content criteria (not requirements, estimates or trade-offs) come first: they are the
/// "building blocks" an opening sentence praises.
pub(super) fn best_quotes(g: &Graded, max: usize) -> Vec<String> {
    let mut quotes: Vec<String> = Vec::new();
    let strongest = g.strongest(0.5);
    let content = strongest
        .iter()
        .filter(|c| criterion_area(g, c) == Area::Knowledge);
    let form = strongest
        .iter()
        .filter(|c| criterion_area(g, c) != Area::Knowledge);
    for c in content.chain(form) {
        for q in &c.quotes {
            if quotes.len() < max && !quotes.iter().any(|x| x.eq_ignore_ascii_case(q)) {
                quotes.push(q.clone());
            }
        }
    }
    quotes
}

/// The checks' verdict on an answer, most serious first: it leads the feedback and
/// replaces any praise when it caps the score.
pub(super) fn check_summary(g: &Graded) -> Option<String> {
    use coherence::Issue;
    let c = &g.checks;
    if let Some(other) = &c.off_topic {
        return Some(match other {
            Some(prompt) => format!(
                "This answer does not address the question: it fits another one (\"{}\") far better, so it \
                 cannot earn credit here.",
                prompt.trim_end_matches('.')
            ),
            None => "This answer barely touches what the question is about, so it cannot earn credit here."
                .to_owned(),
        });
    }
    if let Some(issue) = c
        .issues
        .iter()
        .find(|i| matches!(i, Issue::ImplausibleSpeed(..) | Issue::Repeated(_)))
    {
        return Some(format!("{}.", issue.describe()));
    }
    if let Some(m) = c.misconceptions.first() {
        return Some(format!(
            "The answer states something wrong: {}.",
            lower_first(&m.claim)
        ));
    }
    c.issues.first().map(|i| format!("{}.", i.describe()))
}

/// Sentences naming everything the checks found, with the correction for each
/// misconception.
pub(super) fn check_sentences(g: &Graded) -> Vec<String> {
    let c = &g.checks;
    let mut out = Vec::new();
    if c.off_topic.is_some() {
        out.push(
            "Whatever its quality, an answer to a different question scores as not ready: re-read the prompt and \
             answer what it asks."
                .to_owned(),
        );
    }
    for m in &c.misconceptions {
        out.push(format!(
            "You wrote \"{}\", which says that {}; that is not right. {}",
            m.quote,
            lower_first(&m.claim),
            m.correction
        ));
    }
    for issue in &c.issues {
        out.push(format!("{}.", issue.describe()));
    }
    if !c.heavy_missing.is_empty() && c.before_checks > HEAVY_MISSING_CAP && c.off_topic.is_none() {
        out.push(format!(
            "A strong verdict needs every heavy part of the rubric covered, and I couldn't find enough on {}.",
            join_and(&c.heavy_missing.iter().map(|l| lower_first(l)).collect::<Vec<_>>())
        ));
    }
    out
}

pub(super) fn feedback_summary(g: &Graded, gap: Gap) -> String {
    if let Some(summary) = check_summary(g) {
        return summary;
    }
    let quotes = best_quotes(g, 3);
    let has_positive = !quotes.is_empty();
    let opener = match (g.shape, g.profile) {
        _ if !has_positive => String::new(),
        (Shape::Design, _) => format!("You chose sensible building blocks ({})", quoted(&quotes, 3)),
        (Shape::Approach, Profile::Technical) => {
            format!("You named the right techniques ({})", quoted(&quotes, 3))
        }
        (Shape::Approach, _) => format!("You brought the right ideas ({})", quoted(&quotes, 3)),
        (Shape::Story, _) => format!("The story has real substance ({})", quoted(&quotes, 3)),
        (Shape::Free, _) => String::new(),
    };
    let joined = |positive: &str, negative: &str| {
        if opener.is_empty() {
            upper_first(negative)
        } else {
            format!("{opener}, {positive}{negative}")
        }
    };
    let minutes = g.item.expected_minutes.filter(|&m| m > 0);
    let missing = g.missing();
    let sentence = match gap {
        Gap::Empty => "No answer was recorded, so there is nothing to credit here".to_owned(),
        Gap::TooShort => match minutes {
            Some(m) => format!(
                "At {} words the answer is too short to assess for {} question",
                g.words,
                minutes_adjective(m)
            ),
            None => format!("At {} words the answer is too short to assess", g.words),
        },
        Gap::KeywordList => joined(
            "but ",
            "the answer is a list of terms rather than an explanation of how they fit together",
        ),
        Gap::MissingMost => {
            let what = if missing.is_empty() {
                String::new()
            } else {
                format!(", notably {}", labels(&missing, 2))
            };
            format!("The answer misses most of what this question is about{what}")
        }
        Gap::SkippedScoping {
            requirements,
            estimates,
        } => {
            let what = match (requirements, estimates) {
                (true, true) => {
                    "skipped requirements and scale estimation, the opening phases that give every later \
                     choice its justification"
                }
                (true, false) => "never stated the requirements the design has to meet",
                _ => {
                    "never put a number on the load, so nobody can check the design against the stated \
                     scale"
                }
            };
            if opener.is_empty() {
                format!("You {what}")
            } else {
                format!("{opener}, but {what}")
            }
        }
        Gap::Shallow => joined(
            "but ",
            "each idea is stated in a line, without the reasoning or the cost behind it",
        ),
        Gap::NoResult => joined(
            "but ",
            "the story never reaches a result, so the interviewer can't tell what changed",
        ),
        Gap::UnmeasuredResult => joined(
            "but ",
            "the result is described without a single number to show what changed",
        ),
        Gap::WeNotI => joined("but ", "it is told as \"we\", so your own part stays unclear"),
        Gap::NoReflection => joined(
            "but ",
            "it ends without saying what you learned or would do differently",
        ),
        Gap::NoTradeOffs => joined(
            "but ",
            "you never stated a trade-off, so the interviewer can't see how you weigh alternatives",
        ),
        Gap::MissingCriteria => joined("but ", &format!("the answer leaves out {}", labels(&missing, 2))),
        Gap::FormStructure => {
            "Judged on structure, depth and clarity, the answer has substance but no visible shape: lead \
             with the answer, then number your points"
                .to_owned()
        }
        Gap::FormDepth => {
            "Judged on structure, depth and clarity, the answer stays on the surface: it says what, \
             rarely why"
                .to_owned()
        }
        Gap::FormClarity => {
            "Judged on structure, depth and clarity, the answer is hard to follow: long or hedged sentences \
             bury the point"
                .to_owned()
        }
        Gap::FormSoundButStructure | Gap::FormSoundButDepth | Gap::FormSoundButClarity => {
            let weakest = match gap {
                Gap::FormSoundButStructure => "its shape: lead with the answer and close with a summary",
                Gap::FormSoundButDepth => "its depth: one more step of reasoning or an example",
                _ => "its wording: shorter, plainer sentences",
            };
            format!(
                "Judged on structure, depth and clarity, this is a sound answer; it would gain most from \
                 {weakest}"
            )
        }
        Gap::Rushed => {
            let spent = g
                .timing
                .map_or(String::new(), |t| minutes_phrase(t.spent_seconds));
            let range = minutes.map_or(String::new(), expected_range);
            if g.profile == Profile::FreeForm {
                format!("A clear, well-shaped answer, but rushed: {spent} where {range} is expected")
            } else {
                joined(
                    "but ",
                    &format!("the answer is rushed: {spent} where {range} is expected"),
                )
            }
        }
        Gap::None => {
            if g.profile == Profile::FreeForm {
                "Judged on structure, depth and clarity, this is a clear, well-organised answer with real \
                 reasoning"
                    .to_owned()
            } else {
                match g.shape {
                    Shape::Design => "A complete design: scoped, sized with numbers, explained in depth and \
                                      closed with explicit trade-offs"
                        .to_owned(),
                    Shape::Story => "A complete story: the situation, your own actions, a measured result \
                                     and a reflection all came through"
                        .to_owned(),
                    _ => format!(
                        "A complete answer: all {} rubric points came through, with the reasoning and the \
                         trade-offs stated",
                        g.criteria.len()
                    ),
                }
            }
        }
    };
    format!("{sentence}.")
}

pub(super) fn criteria_sentences(g: &Graded) -> Vec<String> {
    let mut out = Vec::new();
    let full: Vec<&CriterionEval> = g.strongest(COVERED);
    let partial: Vec<&CriterionEval> = g
        .strongest(MISSING_BELOW)
        .into_iter()
        .filter(|c| c.score < COVERED)
        .collect();
    let describe =
        |c: &CriterionEval, n: usize| format!("{} ({})", lower_first(&c.label), quoted(&c.quotes, n));
    let full_text: Vec<String> = full
        .iter()
        .enumerate()
        .map(|(i, c)| describe(c, if i == 0 { 3 } else { 2 }))
        .collect();
    let partial_text: Vec<String> = partial.iter().map(|c| describe(c, 2)).collect();
    match (full_text.is_empty(), partial_text.is_empty()) {
        (false, false) => out.push(format!(
            "You covered {}, and partly covered {}.",
            join_and(&full_text),
            join_and(&partial_text)
        )),
        (false, true) => out.push(format!("You covered {}.", join_and(&full_text))),
        (true, false) => out.push(format!("You partly covered {}.", join_and(&partial_text))),
        (true, true) => {}
    }
    let missing = g.missing();
    for c in missing.iter().take(3) {
        if c.quotes.is_empty() {
            out.push(format!(
                "I couldn't find anything on {}: a strong answer {}.",
                lower_first(&c.label),
                lower_first(&c.covers)
            ));
        } else {
            out.push(format!(
                "On {}, only {} came up; a strong answer {}.",
                lower_first(&c.label),
                quoted(&c.quotes, 2),
                lower_first(&c.covers)
            ));
        }
    }
    if missing.len() > 3 {
        let rest: Vec<&CriterionEval> = missing[3..].to_vec();
        out.push(format!("Also thin: {}.", labels(&rest, 5)));
    }
    out
}

pub(super) fn structure_sentence(g: &Graded) -> Option<String> {
    let missing = g.missing_phases();
    match g.shape {
        Shape::Design => {
            let req = g.has_phase("requirements");
            let est = g.has_phase("scale estimates");
            let design = g
                .phase("high-level design")
                .filter(|p| p.present())
                .and_then(|p| p.pos);
            if !req && !est && design.is_some() {
                let numbers = if g.quantities.is_empty() {
                    " (there isn't a single number in it)"
                } else {
                    ""
                };
                return Some(format!(
                    "You went straight to components without stating requirements or estimating the \
                     load{numbers}, so there is nothing to check the design against."
                ));
            }
            if missing.is_empty() && g.order >= 0.99 {
                return Some(
                    "The answer follows the expected flow, from requirements through to trade-offs."
                        .to_owned(),
                );
            }
            let mut s = String::new();
            if !missing.is_empty() {
                let names: Vec<String> = missing.iter().map(|m| (*m).to_owned()).collect();
                s.push_str(&format!(
                    "Of the expected flow ({}), the answer skipped {}.",
                    g.shape.flow(),
                    join_and(&names)
                ));
            }
            let pos = |n: &str| g.phase(n).filter(|p| p.present()).and_then(|p| p.pos);
            if let (Some(r), Some(d)) = (pos("requirements"), design)
                && r > d
            {
                s.push_str(" Requirements came only after the design; state them first so they shape it.");
            } else if let (Some(e), Some(d)) = (pos("scale estimates"), design)
                && e > d
            {
                s.push_str(" Your numbers arrived after the design instead of driving it.");
            }
            (!s.is_empty()).then(|| s.trim().to_owned())
        }
        Shape::Approach => {
            if missing.is_empty() {
                return None;
            }
            let names: Vec<String> = missing
                .iter()
                .filter(|m| **m != "trade-offs")
                .map(|m| (*m).to_owned())
                .collect();
            (!names.is_empty()).then(|| {
                format!(
                    "The answer skips parts of the usual shape ({}): {}.",
                    g.shape.flow(),
                    join_and(&names)
                )
            })
        }
        Shape::Story => {
            let story = g.story.as_ref()?;
            let mut s = Vec::new();
            // Parts already named as missing rubric criteria are not repeated.
            let criterion_missing = |words: &[&str]| {
                g.missing()
                    .iter()
                    .any(|c| words.iter().any(|w| c.key.contains(w)))
            };
            if story.result == 0.0 && criterion_missing(&["result", "outcome"]) {
                s.push(
                    "The story never reaches a result, which is the part interviewers remember.".to_owned(),
                );
            } else if story.result == 0.0 {
                s.push(
                    "The story never reaches a result: say what changed afterwards, ideally in numbers (time \
                     saved, incidents avoided, a metric that moved)."
                        .to_owned(),
                );
            } else if !story.measurable {
                s.push(
                    "You describe the outcome but never measure it; one number (a percentage, a duration, a \
                     count) would make it credible."
                        .to_owned(),
                );
            }
            if story.i_actions < 2 && story.we_count > 2 {
                s.push(format!(
                    "Most of it is told as \"we\" ({} times) with little on what you personally did; \
                     interviewers grade your actions, not the team's.",
                    story.we_count
                ));
            }
            let other: Vec<String> = missing
                .iter()
                .filter(|m| **m != "measurable result" && !(**m == "your actions" && s.len() > 1))
                .filter(|m| match **m {
                    "reflection" => !criterion_missing(&["reflection"]),
                    "situation" => !criterion_missing(&["situation", "context"]),
                    "your actions" => !criterion_missing(&["action"]),
                    _ => true,
                })
                .map(|m| (*m).to_owned())
                .collect();
            if !other.is_empty() {
                s.push(format!(
                    "It also lacks {} ({}).",
                    join_and(&other),
                    g.shape.flow()
                ));
            }
            (!s.is_empty()).then(|| s.join(" "))
        }
        Shape::Free => None,
    }
}

pub(super) fn numbers_sentence(g: &Graded) -> Option<String> {
    if g.profile != Profile::Design || g.empty() {
        return None;
    }
    let quantities = &g.quantities;
    if quantities.is_empty() {
        // Already said by the structure sentence when the whole scoping phase is missing.
        if !g.has_phase("requirements") && g.phase("high-level design").is_some_and(Phase::present) {
            return None;
        }
        return Some(
            "There isn't a single number in the answer: without throughput, storage or ratio estimates the \
             interviewer cannot tell whether the design holds at the stated scale."
                .to_owned(),
        );
    }
    let shown = quoted(quantities, 3);
    if quantities.len() >= 3 {
        Some(format!("You sized the problem with real figures ({shown})."))
    } else {
        Some(format!(
            "You gave {} ({shown}), but a design of this size needs a few more figures: throughput, storage \
             and the ratios that drive the design.",
            if quantities.len() == 1 {
                "one figure"
            } else {
                "two figures"
            }
        ))
    }
}

pub(super) fn trade_off_sentence(g: &Graded) -> Option<String> {
    let score = g.trade_offs?;
    if g.empty() {
        return None;
    }
    if score == 0.0 {
        if g.trade_off_criterion_missing() {
            return None;
        }
        return Some(
            "No trade-off was stated: every choice is presented as if it were free, so say what each one \
             costs and when you would pick the alternative."
                .to_owned(),
        );
    }
    (score >= 0.6).then(|| {
        format!(
            "You weighed alternatives explicitly ({}).",
            quoted(&g.trade_markers, 3)
        )
    })
}

pub(super) fn depth_sentence(g: &Graded) -> Option<String> {
    if g.empty() || g.too_short() {
        return None;
    }
    let short = g.words * 2 < g.depth_target_words;
    if g.depth < 0.4 && short {
        Some(format!(
            "At {} words for {} question, the ideas are named rather than explained; say why each one \
             works here (\"because…\", \"so that…\") and what it costs.",
            g.words,
            minutes_adjective(g.minutes())
        ))
    } else if g.connectors == 0 && g.shape == Shape::Story {
        Some(
            "Say why you made each call (\"because…\", \"so that…\"): interviewers listen for your \
             judgement, not just the sequence of events."
                .to_owned(),
        )
    } else if g.connectors == 0 {
        Some(
            "None of your points says why: add the reasoning (\"because…\", \"which means…\") that links a \
             choice to the problem."
                .to_owned(),
        )
    } else {
        None
    }
}

pub(super) fn timing_sentence(g: &Graded, level: Option<&str>) -> Option<String> {
    let t = g.timing?;
    if g.empty() {
        return None;
    }
    let spent = minutes_phrase(t.spent_seconds);
    let range = expected_range(t.expected_minutes);
    let noun = question_noun(g, level);
    match t.verdict {
        Timing::Rushed => {
            let room = match g.profile {
                Profile::Design => "time that belongs to scoping, estimates and a deep dive",
                Profile::Technical => "time to explain the mechanism, its failure modes and its costs",
                Profile::Behavioral => "time to walk through the result and what you learned",
                Profile::FreeForm => "time to develop the answer",
            };
            Some(format!(
                "You spent {spent} on this; {noun} deserves {range}, {room}."
            ))
        }
        Timing::Long => Some(format!(
            "You took {spent} against an expected {range}; in a real loop that time comes out of later \
             questions, so land the main points sooner."
        )),
        Timing::OnTime => None,
    }
}

pub(super) fn feedback(g: &Graded, level: Option<&str>) -> String {
    if g.empty() {
        return "No answer was recorded for this question, so it scores 0. Even a rough outline of your \
                approach would have earned partial credit."
            .to_owned();
    }
    // The summary already states the most serious finding: no sentence twice.
    let lead = check_summary(g);
    let mut s: Vec<String> = check_sentences(g)
        .into_iter()
        .filter(|x| Some(x) != lead.as_ref())
        .collect();
    if g.checks.off_topic.is_some() {
        s.extend(timing_sentence(g, level));
        return s.join(" ");
    }
    if g.too_short() {
        s.push(format!(
            "The answer is only {} word{}, which is not enough to assess.",
            g.words,
            if g.words == 1 { "" } else { "s" }
        ));
    }
    if g.list_like {
        s.push(
            "The answer reads as a list of terms rather than an explanation, so everything in it earns half \
             credit: put the ideas into sentences that say how they fit together and why."
                .to_owned(),
        );
    }
    if g.profile == Profile::FreeForm {
        s.push(
            "There is no rubric for this question, so the answer was judged on structure, depth and clarity \
             alone."
                .to_owned(),
        );
        s.extend(free_form_sentences(g));
        if !g.criteria.is_empty() {
            s.extend(criteria_sentences(g));
        }
    } else {
        if g.criteria.is_empty() {
            s.push("This question has no rubric, so the content itself was not scored.".to_owned());
        }
        s.extend(criteria_sentences(g));
        s.extend(structure_sentence(g));
        s.extend(numbers_sentence(g));
        s.extend(trade_off_sentence(g));
        s.extend(depth_sentence(g));
    }
    s.extend(timing_sentence(g, level));
    s.join(" ")
}

pub(super) fn free_form_sentences(g: &Graded) -> Vec<String> {
    let mut s = Vec::new();
    if g.too_short() {
        return s;
    }
    if g.structure >= 0.7 {
        s.push("Structure: the points are signposted and easy to follow.".to_owned());
    } else if !g.signposts.is_empty() {
        s.push(format!(
            "Structure: some signposting ({}), but no clear opening answer or closing summary to frame it.",
            quoted(&g.signposts, 3)
        ));
    } else {
        s.push(
            "Structure: there is little visible shape; open with a one-line answer, then give numbered \
             points and close with a conclusion."
                .to_owned(),
        );
    }
    if g.depth >= 0.6 {
        s.push(format!(
            "Depth: {} words with the reasoning spelled out ({}).",
            g.words,
            quoted(&g.connector_words, 3)
        ));
    } else if g.connectors == 0 {
        s.push(format!(
            "Depth: at {} words, the answer says what but not why; explain the reasoning behind each point.",
            g.words
        ));
    } else {
        s.push(format!(
            "Depth: at {} words it stays brief; develop the main point with an example or a consequence.",
            g.words
        ));
    }
    let c = &g.clarity;
    if c.score >= 0.75 {
        s.push(format!(
            "Clarity: direct sentences of about {:.0} words on average.",
            c.avg_sentence
        ));
    } else if c.avg_sentence > 24.0 {
        s.push(format!(
            "Clarity: sentences average {:.0} words (the longest {}); split them so each makes one point.",
            c.avg_sentence, c.longest
        ));
    } else if c.hedge_count > 0 {
        s.push(format!(
            "Clarity: hedges such as {} weaken the answer; state your position plainly.",
            quoted(&c.hedges, 3)
        ));
    } else {
        s.push(
            "Clarity: the wording is understandable but loose; lead each sentence with its point.".to_owned(),
        );
    }
    s
}
