//! The LLM grader: any OpenAI-compatible chat-completions endpoint, asked for a strict
//! JSON grade per question (structured output), validated on our side, guarded by the
//! rubric grader, and replaced by it whenever the model cannot be used.
//!
//! How a question's score is made: the model judges how well each rubric criterion is
//! met (meaning, not keywords); our code turns those criterion scores into the
//! concept-coverage part of the rubric grader's score, whose other parts (structure,
//! estimates, trade-offs, depth, timing) stay deterministic. The score is never taken
//! from the model, and it may differ from the rubric grader's by at most the guard
//! margin; an answer that tries to instruct the grader gets no credit from the model.

pub mod client;
pub mod injection;
pub mod prompt;
pub mod validate;

use std::time::Instant;

use api::catalog::QuestionKind;
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

/// The share of a question's rubric score that is concept coverage, by kind (the
/// rubric grader's weights).
fn coverage_weight(kind: Option<QuestionKind>) -> f64 {
    match kind {
        Some(QuestionKind::SystemDesign) => 0.40,
        Some(QuestionKind::Technical) => 0.50,
        Some(QuestionKind::Behavioral) => 0.45,
        None => 0.0,
    }
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
        let mut flags = Vec::new();
        let mut questions = Vec::with_capacity(input.items.len());
        let mut llm_strengths: Vec<(u8, String)> = Vec::new();
        let mut llm_improvements: Vec<(u8, String)> = Vec::new();
        let mut coverage: Vec<(f64, f64)> = Vec::new();

        for ((item, rubric_q), grade) in input.items.iter().zip(&baseline.questions).zip(grades) {
            let n = item.position;
            let weight = f64::from(item.expected_minutes.unwrap_or(5).max(1));
            let grade = match grade {
                Ok(grade) => grade,
                Err(failure) => {
                    flags.push(format!("fallback:q{n}: {}", failure.reason()));
                    questions.push(rubric_q.clone());
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
                continue;
            }

            let rubric_weights = item.rubric.iter().map(|c| f64::from(c.weight));
            let llm_coverage = weighted(item.rubric.iter().map(|c| {
                let score = grade
                    .criteria
                    .iter()
                    .find(|g| g.key == c.key)
                    .map_or(0, |g| g.score);
                (f64::from(score) / 10.0, f64::from(c.weight))
            }));
            let rubric_coverage = weighted(
                rubric_q
                    .criteria
                    .iter()
                    .map(|c| f64::from(c.score) / 100.0)
                    .zip(rubric_weights),
            );
            let base = f64::from(rubric_q.score);
            let raw = match (llm_coverage, rubric_coverage) {
                (Some(llm), Some(rubric)) => base + (llm - rubric) * coverage_weight(item.kind) * 100.0,
                _ => base,
            };
            let clamped = raw.clamp(base - margin, base + margin);
            if (clamped - raw).abs() > f64::EPSILON {
                flags.push(format!("clamped:q{n}"));
            }
            let score = round_score(clamped);
            if let Some(c) = llm_coverage {
                coverage.push((c * 100.0, weight));
            }

            let mut feedback = grade.feedback.trim().to_owned();
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
                        score: g.map_or(0, |g| g.score.saturating_mul(10).min(100)),
                        evidence: g.map(|g| g.evidence.clone()).unwrap_or_default(),
                    }
                })
                .collect();
            llm_strengths.extend(
                grade
                    .strengths
                    .iter()
                    .map(|s| (score, format!("Q{n}: {}", s.trim()))),
            );
            llm_improvements.extend(
                grade
                    .improvements
                    .iter()
                    .map(|s| (score, format!("Q{n}: {}", s.trim()))),
            );
            questions.push(QuestionReport {
                score,
                feedback_summary: grade.feedback_summary.trim().to_owned(),
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
        if let (Some(knowledge), Some(dim)) = (
            weighted(coverage.into_iter()),
            dimensions.iter_mut().find(|d| d.key == "knowledge"),
        ) {
            dim.score = round_score(knowledge);
        }

        llm_strengths.sort_by_key(|s| std::cmp::Reverse(s.0));
        llm_improvements.sort_by_key(|s| s.0);
        let mut strengths: Vec<String> = llm_strengths.into_iter().map(|(_, s)| s).take(4).collect();
        if strengths.is_empty() {
            strengths = baseline.strengths.clone();
        }
        let mut improvements: Vec<String> = llm_improvements.into_iter().map(|(_, s)| s).take(3).collect();
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
