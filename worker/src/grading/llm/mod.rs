//! The LLM grader: any OpenAI-compatible chat-completions endpoint, asked for a strict
//! JSON judgement per question (structured output), validated on our side, guarded by
//! the rubric grader, and replaced by it whenever the model cannot be used.
//!
//! What the model decides: for each rubric criterion, covered / partial / missing /
//! incorrect, with quotes from the answer (and the correction when incorrect); whether
//! the answer is on topic and coherent, with quotes and a reason; the feedback prose.
//! What our code decides ([`score`]): the score, from those verdicts and the criterion
//! weights, with the rubric grader's form measures scaled by the model's coverage; the
//! asymmetric guard (never more than the margin above the rubric grader, never more
//! than the margin below unless a finding is backed by quotes); the caps; the sentences
//! that name what was found wrong. An answer that tries to instruct the grader gets no
//! credit from the model.

pub mod client;
pub mod injection;
pub mod prompt;
pub mod score;
pub mod validate;

use std::time::Instant;

use api::config::{LlmMode, Settings};
use api::domain::report::{
    Assessment, CriterionResult, Dimension, GraderInfo, GradingInput, GradingItem, QuestionReport, Timing,
    Verdict,
};
use api::metrics::Metrics;
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage, ChatCompletionRequestUserMessage,
};
use futures::StreamExt;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::grading::rubric;
use client::{CallError, Completion, LlmClient};
use validate::QuestionGrade;

/// Why the model's grade of a question could not be used.
#[derive(Debug, Clone)]
enum Failure {
    Call(CallError),
    Invalid(String),
}

impl Failure {
    fn reason(&self) -> String {
        match self {
            Self::Call(e) => e.to_string(),
            Self::Invalid(e) => format!("invalid output: {e}"),
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Usage {
    prompt_tokens: u64,
    completion_tokens: u64,
    calls: u32,
}

impl Usage {
    fn add(&mut self, c: &Completion) {
        self.prompt_tokens += u64::from(c.prompt_tokens);
        self.completion_tokens += u64::from(c.completion_tokens);
        self.calls += c.attempts;
    }
}

pub struct LlmGrader {
    client: LlmClient,
    settings: Settings,
    prompt_version: String,
    metrics: Metrics,
}

/// The rubric grader's assessment of one question on its own; with `without_criteria`,
/// of the answer's form alone (no criteria, so nothing gates form by the rubric's own
/// coverage).
fn one_question(item: &GradingItem, level: Option<&str>, without_criteria: bool) -> Assessment {
    let mut item = item.clone();
    if without_criteria {
        item.rubric.clear();
    }
    rubric::grade(&GradingInput {
        track: None,
        level: level.map(str::to_owned),
        items: vec![item],
    })
}

/// The first quote of a finding that is a few words long, shortened for a sentence.
fn claim(evidence: &[String]) -> Option<String> {
    let quote = evidence
        .iter()
        .find(|q| q.split_whitespace().count() >= validate::FINDING_QUOTE_WORDS)
        .or(evidence.first())?;
    let quote = quote
        .trim()
        .trim_matches(|c| matches!(c, '"' | '\u{201C}' | '\u{201D}'));
    let short: String = quote.chars().take(160).collect();
    Some(if short.len() < quote.len() {
        format!("{}…", short.trim_end())
    } else {
        short
    })
}

/// Ends a model-written text as a sentence.
fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.ends_with(['.', '!', '?']) {
        text.to_owned()
    } else {
        format!("{text}.")
    }
}

/// A model-written text as the end of one of our sentences (no final full stop).
fn clause(text: &str) -> String {
    let text = text.trim().trim_end_matches('.');
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if chars.clone().next().is_some_and(char::is_lowercase) => {
            first.to_lowercase().chain(chars).collect()
        }
        _ => text.to_owned(),
    }
}

/// What the model found wrong with an answer, in our words around its quotes.
#[derive(Default)]
struct Findings {
    /// Sentences that open the question's feedback.
    sentences: Vec<String>,
    /// A summary that replaces the model's when something was found.
    summary: Option<String>,
    improvements: Vec<String>,
}

fn findings(grade: &QuestionGrade) -> Findings {
    let mut found = Findings::default();
    if grade.off_topic() {
        let quote = claim(&grade.relevance.evidence).unwrap_or_default();
        found.sentences.push(format!(
            "This answer does not address the question that was asked: {} (you wrote \"{quote}\"), so it \
             earns no credit for it.",
            clause(&grade.relevance.reason)
        ));
        found.summary = Some("This answer addresses a different question from the one asked.".into());
        found
            .improvements
            .push("answer the question that was asked before anything else.".into());
    }
    for c in grade.incorrect() {
        let quote = claim(&c.evidence).unwrap_or_default();
        found.sentences.push(format!(
            "You wrote \"{quote}\", which is not right: {}",
            sentence(&clause(&c.correction))
        ));
        found
            .summary
            .get_or_insert_with(|| format!("The answer rests on a wrong claim: \"{quote}\"."));
        found.improvements.push(format!(
            "\"{quote}\" is wrong: {}",
            sentence(&clause(&c.correction))
        ));
    }
    if grade.incoherent() {
        let quote = claim(&grade.coherence.evidence).unwrap_or_default();
        found.sentences.push(format!(
            "The answer is hard to follow: {} (for example \"{quote}\").",
            clause(&grade.coherence.reason)
        ));
        found
            .summary
            .get_or_insert_with(|| "The answer is hard to follow as written.".into());
        found
            .improvements
            .push("put your points in an order a listener can follow, each building on the last.".into());
    }
    found
}

fn weighted(pairs: impl Iterator<Item = (f64, f64)>) -> Option<f64> {
    let (sum, weights) = pairs.fold((0.0, 0.0), |(s, w), (value, weight)| {
        (s + value * weight, w + weight)
    });
    (weights > 0.0).then(|| sum / weights)
}

fn round_score(v: f64) -> u8 {
    v.round().clamp(0.0, 100.0) as u8
}

fn timing_remark(item: &GradingItem, timing: Option<Timing>) -> Option<String> {
    let spent = item.time_spent_seconds?.div_ceil(60);
    let expected = item.expected_minutes?;
    match timing? {
        Timing::Rushed => Some(format!(
            "You spent {spent} minute{} on this; it deserves about {expected}.",
            if spent == 1 { "" } else { "s" }
        )),
        Timing::Long => Some(format!(
            "You spent {spent} minutes on this, well over the {expected} it deserves: practise getting to the point."
        )),
        Timing::OnTime => None,
    }
}

impl LlmGrader {
    pub fn new(settings: &Settings, metrics: Metrics) -> anyhow::Result<Self> {
        Ok(Self {
            client: LlmClient::new(&settings.llm)?,
            settings: settings.clone(),
            prompt_version: prompt::prompt_version(),
            metrics,
        })
    }

    fn cost(&self, usage: Usage) -> f64 {
        self.settings
            .llm
            .prices
            .get(&self.settings.llm.model)
            .map_or(0.0, |p| {
                (usage.prompt_tokens as f64 * p.prompt_per_million
                    + usage.completion_tokens as f64 * p.completion_per_million)
                    / 1_000_000.0
            })
    }

    fn count(&self, outcome: &str) {
        self.metrics.llm_calls.with_label_values(&[outcome]).inc();
    }

    /// One completion and, when its output is invalid, one repair attempt that sends
    /// the validation error back.
    async fn complete_validated<T>(
        &self,
        messages: Vec<ChatCompletionRequestMessage>,
        schema: serde_json::Value,
        usage: &mut Usage,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, Failure> {
        let first = self
            .client
            .complete(messages.clone(), schema.clone())
            .await
            .map_err(|e| {
                self.count(if matches!(e, CallError::Refused(_)) {
                    "refused"
                } else {
                    "unavailable"
                });
                Failure::Call(e)
            })?;
        usage.add(&first);
        self.observe(&first);
        let error = match parse(&first.content) {
            Ok(value) => {
                self.count("ok");
                return Ok(value);
            }
            Err(e) => e,
        };
        self.count("invalid");
        tracing::warn!(error, "LLM output invalid; asking for a repair");
        let mut repair = messages;
        repair.push(ChatCompletionRequestAssistantMessage::from(first.content.as_str()).into());
        repair.push(
            ChatCompletionRequestUserMessage::from(format!(
                "That output is invalid: {error}. Reply again with corrected JSON only, matching the schema, \
                 grading every rubric criterion exactly once and quoting evidence copied exactly from the answer."
            ))
            .into(),
        );
        let second = self
            .client
            .complete(repair, schema)
            .await
            .map_err(Failure::Call)?;
        usage.add(&second);
        self.observe(&second);
        parse(&second.content)
            .map_err(|e| {
                self.count("invalid");
                Failure::Invalid(e)
            })
            .inspect(|_| self.count("ok"))
    }

    fn observe(&self, c: &Completion) {
        let model = self.settings.llm.model.as_str();
        self.metrics
            .llm_latency
            .with_label_values(&[model])
            .observe(c.latency.as_secs_f64());
    }

    async fn grade_questions(
        &self,
        input: &GradingInput,
        usage: &mut Usage,
    ) -> Vec<Result<QuestionGrade, Failure>> {
        let level = input.level.as_deref();
        let bounded = self.settings.llm.schema_string_limits;
        match self.settings.llm.mode {
            LlmMode::PerInterview => {
                let result = self
                    .complete_validated(
                        prompt::interview_messages(&input.items, level),
                        prompt::interview_schema(&input.items, self.settings.llm.schema_string_limits),
                        usage,
                        |content| validate::parse_interview(content, &input.items),
                    )
                    .await;
                match result {
                    Ok(grades) => grades.into_iter().map(Ok).collect(),
                    Err(failure) => input.items.iter().map(|_| Err(failure.clone())).collect(),
                }
            }
            LlmMode::PerQuestion => {
                // Owned items: the per-question futures run concurrently on the job's task.
                let level = level.map(str::to_owned);
                let calls = input.items.iter().cloned().map(|item| {
                    let level = level.clone();
                    async move {
                        let mut usage = Usage::default();
                        let result = self
                            .complete_validated(
                                prompt::messages(&item, level.as_deref()),
                                prompt::question_schema(&item, bounded),
                                &mut usage,
                                |content| validate::parse_question(content, &item),
                            )
                            .await;
                        (result, usage)
                    }
                });
                let outcomes: Vec<(Result<QuestionGrade, Failure>, Usage)> = futures::stream::iter(calls)
                    .buffered(self.settings.llm.concurrency)
                    .collect()
                    .await;
                outcomes
                    .into_iter()
                    .map(|(result, u)| {
                        usage.prompt_tokens += u.prompt_tokens;
                        usage.completion_tokens += u.completion_tokens;
                        usage.calls += u.calls;
                        result
                    })
                    .collect()
            }
        }
    }

    /// Grades with the model, guarded by and falling back to the rubric grader. Never
    /// fails: the worst case is the rubric grader's report, saying why.
    #[tracing::instrument(skip_all, fields(organization_id = %organization_id))]
    pub async fn grade(
        &self,
        db: &DatabaseConnection,
        organization_id: Uuid,
        input: &GradingInput,
    ) -> Assessment {
        let started = Instant::now();
        let baseline = rubric::grade(input);
        let model = self.settings.llm.model.clone();

        let budget = self.settings.llm.daily_token_budget_per_organization;
        if budget > 0 {
            match api::services::llm_usage::tokens_today(db, organization_id).await {
                Ok(spent) if spent >= budget => {
                    return self.fallback(baseline, Usage::default(), started, "llm_budget_exceeded".into());
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot read LLM usage; grading anyway"),
            }
        }

        let mut usage = Usage::default();
        let grades = self.grade_questions(input, &mut usage).await;
        let cost = self.cost(usage);
        self.account(db, organization_id, usage, cost).await;

        if grades.iter().all(Result::is_err) {
            let reason = grades
                .iter()
                .find_map(|g| g.as_ref().err())
                .map(Failure::reason)
                .unwrap_or_default();
            tracing::warn!(reason, "LLM grading failed; the rubric grader stands in");
            return self.fallback(baseline, usage, started, format!("llm_unavailable: {reason}"));
        }
        let mut assessment = self.assemble(input, baseline, grades);
        assessment.grader = GraderInfo {
            kind: "llm".into(),
            model: Some(model),
            prompt_version: self.prompt_version.clone(),
            prompt_tokens: u32::try_from(usage.prompt_tokens).unwrap_or(u32::MAX),
            completion_tokens: u32::try_from(usage.completion_tokens).unwrap_or(u32::MAX),
            cost_usd: cost,
            latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            fallback: assessment.grader.flags.iter().any(|f| f.starts_with("fallback:")),
            flags: assessment.grader.flags,
        };
        assessment
    }

    async fn account(&self, db: &DatabaseConnection, organization_id: Uuid, usage: Usage, cost: f64) {
        let model = self.settings.llm.model.as_str();
        self.metrics
            .llm_tokens
            .with_label_values(&["prompt", model])
            .inc_by(usage.prompt_tokens);
        self.metrics
            .llm_tokens
            .with_label_values(&["completion", model])
            .inc_by(usage.completion_tokens);
        self.metrics.llm_cost_usd.with_label_values(&[model]).inc_by(cost);
        if usage.calls > 0
            && let Err(e) = api::services::llm_usage::record(
                db,
                organization_id,
                usage.prompt_tokens,
                usage.completion_tokens,
                cost,
                usage.calls,
            )
            .await
        {
            tracing::error!(error = %e, "cannot record LLM usage");
        }
    }

    /// The rubric grader's assessment, saying that (and why) it stood in.
    fn fallback(
        &self,
        mut baseline: Assessment,
        usage: Usage,
        started: Instant,
        reason: String,
    ) -> Assessment {
        baseline.grader = GraderInfo {
            kind: "rubric".into(),
            model: Some(self.settings.llm.model.clone()),
            prompt_version: baseline.grader.prompt_version,
            prompt_tokens: u32::try_from(usage.prompt_tokens).unwrap_or(u32::MAX),
            completion_tokens: u32::try_from(usage.completion_tokens).unwrap_or(u32::MAX),
            cost_usd: self.cost(usage),
            latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            fallback: true,
            flags: vec![reason],
        };
        baseline
    }

    /// The rubric grader's view of an answer with the grader-directed lines removed
    /// (never higher than its view of the whole answer), shown with the whole answer.
    fn without_injection(item: &GradingItem, whole: &QuestionReport) -> QuestionReport {
        let stripped = GradingInput {
            track: None,
            level: None,
            items: vec![GradingItem {
                answer: injection::strip(&item.answer),
                ..item.clone()
            }],
        };
        let mut report = rubric::grade(&stripped)
            .questions
            .into_iter()
            .next()
            .unwrap_or_else(|| whole.clone());
        report.score = report.score.min(whole.score);
        report.answer = item.answer.clone();
        report.feedback = format!(
            "Parts of this answer addressed the grader instead of the question; they were set aside and earn no \
             credit. {}",
            report.feedback
        );
        report
    }

    fn assemble(
        &self,
        input: &GradingInput,
        baseline: Assessment,
        grades: Vec<Result<QuestionGrade, Failure>>,
    ) -> Assessment {
        let margin = f64::from(self.settings.grader.guard_margin);
        let level = input.level.as_deref();
        let mut flags = Vec::new();
        let mut questions = Vec::with_capacity(input.items.len());
        let mut llm_strengths: Vec<(u8, String)> = Vec::new();
        let mut llm_improvements: Vec<(u8, String)> = Vec::new();
        let mut finding_improvements: Vec<String> = Vec::new();
        // Per question: its weight and its dimensions (0–1), for the interview's.
        let mut rows: Vec<(f64, Vec<(String, f64)>)> = Vec::new();

        for ((item, rubric_q), grade) in input.items.iter().zip(&baseline.questions).zip(grades) {
            let n = item.position;
            let weight = f64::from(item.expected_minutes.unwrap_or(5).max(1));
            let rubric_row = |item: &GradingItem| -> Vec<(String, f64)> {
                one_question(item, level, false)
                    .dimensions
                    .iter()
                    .map(|d| (d.key.clone(), f64::from(d.score) / 100.0))
                    .collect()
            };
            let grade = match grade {
                Ok(grade) => grade,
                Err(failure) => {
                    flags.push(format!("fallback:q{n}: {}", failure.reason()));
                    questions.push(rubric_q.clone());
                    rows.push((weight, rubric_row(item)));
                    continue;
                }
            };
            let tells = injection::tells(&item.answer);
            if !tells.is_empty() || grade.injection_detected {
                // The answer tried to steer the grader: nothing the model said about it
                // is trusted, and the injected lines earn nothing either: the question
                // is graded by the rubric on what remains without them.
                flags.push(format!("injection_suspected:q{n}"));
                tracing::warn!(question = n, tells = ?tells, model_flag = grade.injection_detected, "injection suspected");
                questions.push(Self::without_injection(item, rubric_q));
                let stripped = GradingItem {
                    answer: injection::strip(&item.answer),
                    ..item.clone()
                };
                rows.push((weight, rubric_row(&stripped)));
                continue;
            }

            // The rubric grader's form measures, without its own coverage gate (the
            // question graded with no criteria), scaled below by the model's coverage.
            let form = score::Form::from_dimensions(&one_question(item, level, true).dimensions);
            let rubric_score = f64::from(rubric_q.score);
            let judged = score::judge(
                item.kind,
                item.is_follow_up,
                &item.rubric,
                &grade,
                form,
                rubric_score,
            );
            let guarded = score::guard(&judged, rubric_score, margin);
            if guarded.clamped {
                flags.push(format!("clamped:q{n}"));
            }
            if guarded.lowered {
                flags.push(format!("lowered:q{n}"));
            }
            if grade.off_topic() {
                flags.push(format!("off_topic:q{n}"));
            }
            if grade.incoherent() {
                flags.push(format!("incoherent:q{n}"));
            }
            for c in grade.incorrect() {
                flags.push(format!("incorrect:q{n}:{}", c.key));
            }
            let score = round_score(guarded.score);

            let mut row = rubric_row(item);
            let mut set = |key: &str, value: Option<f64>| {
                if let Some(v) = value {
                    match row.iter_mut().find(|(k, _)| k == key) {
                        Some(entry) => entry.1 = v,
                        None => row.push((key.to_owned(), v)),
                    }
                }
            };
            set("knowledge", judged.knowledge);
            set("structure", judged.form.structure);
            set("estimation", judged.form.estimation);
            set("trade_offs", judged.form.trade_offs);
            set("depth", judged.form.depth);
            set("communication", judged.form.communication);
            set("time_management", judged.form.time);
            rows.push((weight, row));

            let found = findings(&grade);
            let mut feedback = found.sentences.join(" ");
            if !feedback.is_empty() {
                feedback.push(' ');
            }
            feedback.push_str(grade.feedback.trim());
            if let Some(remark) = timing_remark(item, rubric_q.timing) {
                feedback.push(' ');
                feedback.push_str(&remark);
            }
            let criteria = item
                .rubric
                .iter()
                .map(|c| {
                    let g = grade.criteria.iter().find(|g| g.key == c.key);
                    CriterionResult {
                        key: c.key.clone(),
                        label: c.label.clone(),
                        weight: c.weight,
                        score: g.map_or(0, |g| {
                            round_score(score::verdict_value(g.verdict).max(0.0) * 100.0)
                        }),
                        evidence: g.map(|g| g.evidence.clone()).unwrap_or_default(),
                    }
                })
                .collect();
            if !grade.off_topic() {
                llm_strengths.extend(
                    grade
                        .strengths
                        .iter()
                        .map(|s| (score, format!("Q{n}: {}", s.trim()))),
                );
            }
            finding_improvements.extend(found.improvements.iter().map(|s| format!("Q{n}: {s}")));
            llm_improvements.extend(
                grade
                    .improvements
                    .iter()
                    .map(|s| (score, format!("Q{n}: {}", s.trim()))),
            );
            questions.push(QuestionReport {
                score,
                feedback_summary: found
                    .summary
                    .unwrap_or_else(|| grade.feedback_summary.trim().to_owned()),
                feedback,
                criteria,
                ..rubric_q.clone()
            });
        }

        let score = round_score(
            weighted(input.items.iter().zip(&questions).map(|(item, q)| {
                (
                    f64::from(q.score),
                    f64::from(item.expected_minutes.unwrap_or(5).max(1)),
                )
            }))
            .unwrap_or(0.0),
        );
        let verdict = Verdict::from_score(score);

        let mut dimensions: Vec<Dimension> = baseline.dimensions.clone();
        for dim in &mut dimensions {
            let values = rows.iter().filter_map(|(w, row)| {
                row.iter()
                    .find(|(k, _)| *k == dim.key)
                    .map(|(_, v)| (*v * 100.0, *w))
            });
            if let Some(mean) = weighted(values) {
                dim.score = round_score(mean);
            }
        }

        llm_strengths.sort_by_key(|s| std::cmp::Reverse(s.0));
        llm_improvements.sort_by_key(|s| s.0);
        let mut strengths: Vec<String> = llm_strengths.into_iter().map(|(_, s)| s).take(4).collect();
        if strengths.is_empty() {
            strengths = baseline.strengths.clone();
        }
        // What the model found wrong comes first: it is what most needs fixing.
        let mut improvements: Vec<String> = finding_improvements
            .into_iter()
            .chain(llm_improvements.into_iter().map(|(_, s)| s))
            .take(3)
            .collect();
        for (item, q) in input.items.iter().zip(&questions) {
            if improvements.len() >= 4 {
                break;
            }
            if q.timing == Some(Timing::Rushed)
                && let Some(remark) = timing_remark(item, q.timing)
            {
                improvements.push(format!(
                    "Use the time you have: on Q{}, {}",
                    item.position,
                    remark.to_lowercase()
                ));
            }
        }
        if improvements.is_empty() {
            improvements = baseline.improvements.clone();
        }

        let best = questions.iter().max_by_key(|q| q.score);
        let worst = questions.iter().min_by_key(|q| q.score);
        let summary = match (best, worst) {
            (Some(b), Some(w)) if questions.len() > 1 && b.position != w.position => format!(
                "{}: your strongest answer was Q{} ({}/100) and Q{} ({}/100) needs the most work. {}",
                verdict.headline(),
                b.position,
                b.score,
                w.position,
                w.score,
                w.feedback_summary
            ),
            (Some(q), _) => format!("{}: {}", verdict.headline(), q.feedback_summary),
            _ => baseline.summary.clone(),
        };

        Assessment {
            verdict,
            score,
            dimensions,
            summary,
            strengths,
            improvements,
            general_feedback: baseline.general_feedback.clone(),
            questions,
            grader: GraderInfo {
                flags,
                ..baseline.grader
            },
        }
    }
}
