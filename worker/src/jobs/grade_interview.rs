//! Grades a submitted interview: builds the grading input from the answers and the
//! catalog, runs the grader, and stores the report, marks the interview graded and
//! queues the results email — all in one transaction, so a retried or duplicated job
//! ends with exactly one report and one email. After the last failed attempt the
//! interview is marked `failed` with the reason and its quota is given back.

use std::time::{Duration, Instant};

use anyhow::Context;
use api::catalog::{Catalog, Criterion, QuestionKind};
use api::domain::report::{Assessment, GradingInput, GradingItem, Report, ReportTrack};
use api::entities::{interview_questions, interviews, reports, users};
use api::jobs::GradeInterview;
use api::services::interviews::{
    STATUS_FAILED, STATUS_GRADED, STATUS_GRADING, STATUS_IN_PROGRESS, STATUS_SUBMITTED,
};
use api::services::mail::{self, QueuedEmail};
use api::services::{interviews as interview_service, quota, webhooks};
use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::context::JobContext;
use crate::grading;
use crate::runner::{JobError, JobHandler};

pub struct GradeInterviewHandler;

impl JobHandler for GradeInterviewHandler {
    type Job = GradeInterview;
    const TIMEOUT: Duration = Duration::from_secs(300);

    async fn run(job: GradeInterview, ctx: &JobContext, _attempt: usize) -> Result<(), JobError> {
        grade_interview(&job, ctx).await
    }

    async fn exhausted(job: &GradeInterview, ctx: &JobContext, error: &JobError) {
        if let Err(e) = mark_failed(job, ctx, &error.to_string()).await {
            tracing::error!(error = %e, interview_id = %job.interview_id, "cannot mark an interview as failed");
        }
    }
}

async fn load(job: &GradeInterview, db: &impl ConnectionTrait) -> Result<interviews::Model, JobError> {
    interviews::Entity::find_by_id(job.interview_id)
        .filter(interviews::Column::OrganizationId.eq(job.organization_id))
        .one(db)
        .await
        .map_err(JobError::transient)?
        .ok_or_else(|| JobError::permanent(anyhow::anyhow!("interview {} does not exist", job.interview_id)))
}

#[tracing::instrument(skip_all, fields(interview_id = %job.interview_id, organization_id = %job.organization_id))]
pub async fn grade_interview(job: &GradeInterview, ctx: &JobContext) -> Result<(), JobError> {
    let state = &ctx.state;
    let db = &state.db;
    let interview = load(job, db).await?;
    match interview.status.as_str() {
        STATUS_GRADED | STATUS_FAILED => {
            tracing::info!(status = %interview.status, "already graded; nothing to do");
            return Ok(());
        }
        STATUS_IN_PROGRESS => {
            return Err(JobError::permanent(anyhow::anyhow!(
                "the interview was never submitted"
            )));
        }
        _ => {}
    }
    interviews::Entity::update_many()
        .col_expr(interviews::Column::Status, Expr::value(STATUS_GRADING))
        .col_expr(interviews::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(interviews::Column::Id.eq(interview.id))
        .filter(interviews::Column::Status.is_in([STATUS_SUBMITTED, STATUS_GRADING]))
        .exec(db)
        .await
        .map_err(JobError::transient)?;

    let questions = interview_questions::Entity::find()
        .filter(interview_questions::Column::OrganizationId.eq(interview.organization_id))
        .filter(interview_questions::Column::InterviewId.eq(interview.id))
        .filter(interview_questions::Column::AnsweredAt.is_not_null())
        .order_by_asc(interview_questions::Column::Position)
        .all(db)
        .await
        .map_err(JobError::transient)?;
    if questions.is_empty() {
        return Err(JobError::permanent(anyhow::anyhow!(
            "the interview has no answers to grade"
        )));
    }

    let input = grading_input(&interview, &questions, &state.catalog);
    let assessment: Assessment = match &ctx.llm {
        Some(llm) => llm.grade(&state.db, interview.organization_id, &input).await,
        None => {
            let started = Instant::now();
            let mut assessment = grading::rubric::grade(&input);
            assessment.grader.latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            assessment
        }
    };
    state
        .metrics
        .reports
        .with_label_values(&[
            assessment.grader.kind.as_str(),
            &assessment.grader.fallback.to_string(),
        ])
        .inc();
    let now = Utc::now();
    let report = Report::new(
        interview.id,
        input.track.clone(),
        duration_minutes(&interview, &questions),
        assessment,
        now,
    );
    store(ctx, &interview, &report).await
}

/// The report, the status change and the results email, in one transaction.
async fn store(ctx: &JobContext, interview: &interviews::Model, report: &Report) -> Result<(), JobError> {
    let state = &ctx.state;
    let txn = api::db::begin_write(&state.db)
        .await
        .map_err(JobError::transient)?;
    let report_id = Uuid::now_v7();
    let body = serde_json::to_value(report)
        .context("cannot encode the report")
        .map_err(JobError::permanent)?;
    let inserted = reports::Entity::insert(reports::ActiveModel {
        id: Set(report_id),
        organization_id: Set(interview.organization_id),
        interview_id: Set(interview.id),
        verdict: Set(report.verdict.as_str().to_owned()),
        score: Set(i32::from(report.score)),
        grader_kind: Set(report.grader.kind.clone()),
        body: Set(body),
        share_generation: Set(1),
        share_revoked_at: Set(None),
        created_at: Set(report.graded_at),
    })
    .on_conflict(
        OnConflict::column(reports::Column::InterviewId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await
    .map_err(JobError::transient)?;
    if inserted == 0 {
        // Another run stored the report (and queued the email with it).
        tracing::info!("report already stored by an earlier run");
        return Ok(());
    }
    interviews::Entity::update_many()
        .col_expr(interviews::Column::Status, Expr::value(STATUS_GRADED))
        .col_expr(interviews::Column::GradedAt, Expr::value(Some(report.graded_at)))
        .col_expr(interviews::Column::UpdatedAt, Expr::value(report.graded_at))
        .filter(interviews::Column::Id.eq(interview.id))
        .exec(&txn)
        .await
        .map_err(JobError::transient)?;

    let link = interview_service::share_url(&state.config, &state.share_key, report_id, 1);
    if let Some((recipient, name)) = recipient(&txn, interview).await.map_err(JobError::transient)? {
        let track_title = report
            .track
            .as_ref()
            .map(|t| format!("{} · {}", t.title, t.company_context))
            .unwrap_or_else(|| "Interview practice".to_owned());
        let content = emails::InterviewResults {
            greeting_name: name.as_deref().unwrap_or(&recipient),
            track_title: &track_title,
            verdict_label: &report.verdict_label,
            headline: &report.headline,
            score: report.score,
            summary: &report.summary,
            strengths: &report.strengths,
            improvements: &report.improvements,
            link: &link,
        }
        .render()
        .context("cannot render the results email")
        .map_err(JobError::permanent)?;
        mail::queue(
            &txn,
            QueuedEmail {
                organization_id: Some(interview.organization_id),
                subject_key: format!("interview:{}", interview.id),
                template: "interview_results",
                recipient: &recipient,
                content,
            },
        )
        .await
        .map_err(JobError::transient)?;
    }
    let event = webhooks::EventData::Graded(webhooks::InterviewGraded {
        interview_id: interview.id,
        report_id,
        score: report.score,
        verdict: report.verdict.as_str().to_owned(),
        grader: report.grader.kind.clone(),
        candidate_email: interview.candidate_email.clone(),
        candidate_external_ref: interview.candidate_external_ref.clone(),
        report_url: link,
    });
    webhooks::publish(&txn, interview.organization_id, event)
        .await
        .map_err(JobError::transient)?;
    txn.commit().await.map_err(JobError::transient)?;
    tracing::info!(
        score = report.score,
        verdict = report.verdict.as_str(),
        "interview graded"
    );
    Ok(())
}

/// Who gets the results: the candidate named by a partner, else the person who took
/// the interview. An API key without a candidate gets no email (it reads the report).
async fn recipient(
    db: &impl ConnectionTrait,
    interview: &interviews::Model,
) -> Result<Option<(String, Option<String>)>, sea_orm::DbErr> {
    if let Some(email) = &interview.candidate_email {
        return Ok(Some((email.clone(), interview.candidate_name.clone())));
    }
    let Some(user_id) = interview.created_by_user_id else {
        return Ok(None);
    };
    Ok(users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .map(|u| (u.email, u.name)))
}

fn duration_minutes(interview: &interviews::Model, questions: &[interview_questions::Model]) -> Option<u32> {
    let seconds = match interview.submitted_at {
        Some(end) if interview.origin == "session" => (end - interview.started_at).num_seconds(),
        _ => questions
            .iter()
            .filter_map(|q| q.time_spent_seconds)
            .map(i64::from)
            .sum(),
    };
    (seconds > 0).then(|| u32::try_from((seconds + 59) / 60).unwrap_or(u32::MAX))
}

/// The transcript with each question's catalog material (rubric, ideal answer, tips).
/// A question whose catalog entry is gone is graded as free-form on its stored prompt.
pub fn grading_input(
    interview: &interviews::Model,
    questions: &[interview_questions::Model],
    catalog: &Catalog,
) -> GradingInput {
    let track = interview.track_id.as_deref().and_then(|id| catalog.track(id));
    let items = questions
        .iter()
        .map(|q| {
            let catalog_entry = q.catalog_question_id.as_deref().and_then(|id| match track {
                Some(track) => track.question(id).map(|question| (track, question)),
                None => catalog.question(id),
            });
            let mut item = GradingItem {
                position: u32::try_from(q.position).unwrap_or(0),
                prompt: q.prompt.clone(),
                kind: None,
                is_follow_up: q.follow_up_id.is_some(),
                answer: q.answer.clone().unwrap_or_default(),
                time_spent_seconds: q.time_spent_seconds.and_then(|s| u32::try_from(s).ok()),
                expected_minutes: q.expected_minutes.and_then(|m| u32::try_from(m).ok()),
                rubric: Vec::<Criterion>::new(),
                ideal_answer: None,
                tips: Vec::new(),
            };
            if let Some((_, question)) = catalog_entry {
                let follow_up = q.follow_up_id.as_deref().and_then(|id| question.follow_up(id));
                item.kind = Some(question.kind);
                match follow_up {
                    Some(f) => {
                        item.rubric = f.rubric.clone();
                        item.ideal_answer = Some(f.ideal_answer.clone());
                        item.tips = f.tips.clone();
                        item.expected_minutes = Some(f.expected_minutes);
                    }
                    None if q.follow_up_id.is_none() => {
                        item.rubric = question.rubric.clone();
                        item.ideal_answer = Some(question.ideal_answer.clone());
                        item.tips = question.tips.clone();
                        item.expected_minutes = Some(question.expected_minutes);
                    }
                    // The follow-up left the catalog: grade it as free-form.
                    None => item.kind = None::<QuestionKind>,
                }
            }
            item
        })
        .collect();
    GradingInput {
        track: track.map(|t| ReportTrack {
            id: t.id.clone(),
            title: t.title.clone(),
            company_context: t.company_context.clone(),
            level: t.level.clone(),
        }),
        level: track.map(|t| t.level.clone()),
        items,
    }
}

/// Marks the interview failed (with the reason) and gives its quota back, once.
pub async fn mark_failed(job: &GradeInterview, ctx: &JobContext, reason: &str) -> anyhow::Result<()> {
    let db = &ctx.state.db;
    let txn = api::db::begin_write(db).await?;
    let interview = load(job, &txn).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = Utc::now();
    let moved = interviews::Entity::update_many()
        .col_expr(interviews::Column::Status, Expr::value(STATUS_FAILED))
        .col_expr(
            interviews::Column::FailureReason,
            Expr::value(Some(reason.to_owned())),
        )
        .col_expr(interviews::Column::UpdatedAt, Expr::value(now))
        .filter(interviews::Column::Id.eq(interview.id))
        .filter(interviews::Column::Status.is_in([STATUS_SUBMITTED, STATUS_GRADING]))
        .exec(&txn)
        .await?;
    if moved.rows_affected == 1 {
        quota::refund(&txn, &interview).await?;
        let event = webhooks::EventData::Failed(webhooks::InterviewFailed {
            interview_id: interview.id,
            reason: reason.to_owned(),
            candidate_email: interview.candidate_email.clone(),
            candidate_external_ref: interview.candidate_external_ref.clone(),
        });
        webhooks::publish(&txn, interview.organization_id, event).await?;
        tracing::warn!(reason, "grading failed for good; quota given back");
    }
    txn.commit().await?;
    Ok(())
}
