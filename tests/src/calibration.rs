//! The calibration bench: hand-labelled answers (`tests/calibration/*.toml`) graded by
//! the rubric grader, and the figures that say whether its verdicts can be trusted.
//!
//! Each case is one answer to one catalog question, labelled with the verdict a fair
//! interviewer would give before anyone looked at the grader. A case is graded as a
//! one-question interview; a `repeated` case (the same text given to several questions,
//! listed in `also`) is graded as one interview holding every copy, and its own
//! question's score is the one compared.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use api::catalog::{Catalog, Question, QuestionKind, Track};
use api::domain::report::{GradingInput, GradingItem, QuestionReport, ReportTrack, Verdict};
use serde::Deserialize;

/// The calibration set kept in the repository.
pub fn default_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/calibration"))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub id: String,
    /// `track-id/question-id`.
    pub question: String,
    /// Other questions the same answer was given to (attack `repeated`).
    #[serde(default)]
    pub also: Vec<String>,
    /// `weak`, `medium`, `strong` or `adversarial`.
    pub tier: String,
    #[serde(default)]
    pub attack: Option<String>,
    pub verdict: String,
    pub minutes: u32,
    pub answer: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize)]
struct File {
    #[serde(default)]
    case: Vec<Case>,
}

impl Case {
    pub fn is_adversarial(&self) -> bool {
        self.tier == "adversarial"
    }
}

/// Every case of every `*.toml` file of `dir`, in file then case order.
pub fn load(dir: &Path) -> anyhow::Result<Vec<Case>> {
    let mut names: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    names.sort();
    let mut cases = Vec::new();
    for path in names {
        let text = std::fs::read_to_string(&path)?;
        let file: File = toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        cases.extend(file.case);
    }
    Ok(cases)
}

/// The rank of a verdict, `not_ready` = 0 … `outstanding` = 4.
pub fn rank(verdict: Verdict) -> i32 {
    match verdict {
        Verdict::NotReady => 0,
        Verdict::NeedsWork => 1,
        Verdict::Acceptable => 2,
        Verdict::Strong => 3,
        Verdict::Outstanding => 4,
    }
}

pub fn parse_verdict(s: &str) -> anyhow::Result<Verdict> {
    Ok(match s {
        "outstanding" => Verdict::Outstanding,
        "strong" => Verdict::Strong,
        "acceptable" => Verdict::Acceptable,
        "needs_work" => Verdict::NeedsWork,
        "not_ready" => Verdict::NotReady,
        other => anyhow::bail!("unknown verdict {other:?}"),
    })
}

fn item(position: u32, question: &Question, answer: &str, minutes: u32) -> GradingItem {
    GradingItem {
        position,
        prompt: question.prompt.clone(),
        kind: Some(question.kind),
        is_follow_up: false,
        answer: answer.to_owned(),
        time_spent_seconds: Some(minutes * 60),
        expected_minutes: Some(question.expected_minutes),
        rubric: question.rubric.clone(),
        ideal_answer: Some(question.ideal_answer.clone()),
        tips: question.tips.clone(),
    }
}

fn lookup<'c>(catalog: &'c Catalog, id: &str) -> anyhow::Result<(&'c Track, &'c Question)> {
    catalog
        .question(id)
        .ok_or_else(|| anyhow::anyhow!("no catalog question {id}"))
}

/// The interview a case is graded as: its own question first, then any `also` copies.
pub fn input(catalog: &Catalog, case: &Case) -> anyhow::Result<GradingInput> {
    let (track, question) = lookup(catalog, &case.question)?;
    let mut items = vec![item(1, question, &case.answer, case.minutes)];
    for (i, other) in case.also.iter().enumerate() {
        let (_, q) = lookup(catalog, other)?;
        let position = u32::try_from(i + 2).unwrap_or(u32::MAX);
        items.push(item(position, q, &case.answer, case.minutes));
    }
    Ok(GradingInput {
        track: Some(ReportTrack {
            id: track.id.clone(),
            title: track.title.clone(),
            company_context: track.company_context.clone(),
            level: track.level.clone(),
        }),
        level: Some(track.level.clone()),
        items,
    })
}

/// One graded case.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub case: Case,
    pub kind: QuestionKind,
    pub expected: Verdict,
    pub score: u8,
    pub verdict: Verdict,
    pub report: QuestionReport,
    /// Grading time of the whole (one-question, or repeated) interview.
    pub elapsed: Duration,
}

/// Grades every case with `grade` (the rubric grader in the bench and the test).
pub fn run(
    catalog: &Catalog,
    cases: &[Case],
    grade: impl Fn(&GradingInput) -> api::domain::report::Assessment,
) -> anyhow::Result<Vec<Outcome>> {
    let mut outcomes = Vec::new();
    for case in cases {
        let input = input(catalog, case)?;
        let (_, question) = lookup(catalog, &case.question)?;
        let started = Instant::now();
        let assessment = grade(&input);
        let elapsed = started.elapsed();
        let report = assessment
            .questions
            .first()
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("{}: no question in the report", case.id))?;
        outcomes.push(Outcome {
            kind: question.kind,
            expected: parse_verdict(&case.verdict)?,
            score: report.score,
            verdict: Verdict::from_score(report.score),
            report,
            elapsed,
            case: case.clone(),
        });
    }
    Ok(outcomes)
}

/// The bench's figures over a set of outcomes.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub cases: usize,
    /// Pairs of answers to one question whose labels differ, ordered by score like
    /// their labels (ties count half).
    pub order: f64,
    pub pairs: usize,
    pub exact: f64,
    pub within_one: f64,
    /// Exact and within-one over the honest (weak/medium/strong) answers only.
    pub honest_exact: f64,
    pub honest_within_one: f64,
    /// Adversarial answers scoring at or above the honest medium answer(s) of their
    /// question.
    pub adversarial_above_medium: Vec<String>,
    /// Salad, off-topic or wrong answers whose verdict is above `needs_work`.
    pub attacks_above_needs_work: Vec<String>,
}

fn share(hits: usize, total: usize) -> f64 {
    if total == 0 {
        return 1.0;
    }
    #[allow(clippy::cast_precision_loss)]
    let share = hits as f64 / total as f64;
    share
}

pub fn figures(outcomes: &[Outcome]) -> Figures {
    let mut by_question: BTreeMap<&str, Vec<&Outcome>> = BTreeMap::new();
    for o in outcomes {
        by_question.entry(o.case.question.as_str()).or_default().push(o);
    }
    let (mut pairs, mut agree) = (0usize, 0usize);
    let mut adversarial_above_medium = Vec::new();
    for list in by_question.values() {
        for (i, a) in list.iter().enumerate() {
            for b in &list[i + 1..] {
                let (ra, rb) = (rank(a.expected), rank(b.expected));
                if ra == rb {
                    continue;
                }
                pairs += 2;
                let (hi, lo) = if ra > rb { (a, b) } else { (b, a) };
                agree += match hi.score.cmp(&lo.score) {
                    std::cmp::Ordering::Greater => 2,
                    std::cmp::Ordering::Equal => 1,
                    std::cmp::Ordering::Less => 0,
                };
            }
        }
        let medium = list
            .iter()
            .filter(|o| o.case.tier == "medium")
            .map(|o| o.score)
            .min();
        if let Some(medium) = medium {
            for o in list.iter().filter(|o| o.case.is_adversarial()) {
                if o.score >= medium {
                    adversarial_above_medium.push(format!("{} {} ≥ medium {medium}", o.case.id, o.score));
                }
            }
        }
    }
    let honest: Vec<&Outcome> = outcomes.iter().filter(|o| !o.case.is_adversarial()).collect();
    let exact = |set: &[&Outcome]| share(set.iter().filter(|o| o.verdict == o.expected).count(), set.len());
    let within = |set: &[&Outcome]| {
        share(
            set.iter()
                .filter(|o| (rank(o.verdict) - rank(o.expected)).abs() <= 1)
                .count(),
            set.len(),
        )
    };
    let all: Vec<&Outcome> = outcomes.iter().collect();
    let attacks_above_needs_work = outcomes
        .iter()
        .filter(|o| {
            matches!(o.case.attack.as_deref(), Some("salad" | "off_topic" | "wrong"))
                && rank(o.verdict) > rank(Verdict::NeedsWork)
        })
        .map(|o| format!("{} {} ({})", o.case.id, o.score, o.verdict.as_str()))
        .collect();
    Figures {
        cases: outcomes.len(),
        order: share(agree, pairs),
        pairs: pairs / 2,
        exact: exact(&all),
        within_one: within(&all),
        honest_exact: exact(&honest),
        honest_within_one: within(&honest),
        adversarial_above_medium,
        attacks_above_needs_work,
    }
}

/// Mean score of a group of outcomes.
pub fn mean_score(outcomes: &[&Outcome]) -> f64 {
    if outcomes.is_empty() {
        return 0.0;
    }
    let total: u32 = outcomes.iter().map(|o| u32::from(o.score)).sum();
    f64::from(total) / f64::from(u32::try_from(outcomes.len()).unwrap_or(u32::MAX))
}
