//! Grading an interview: the states after `submitted`. The grading job calls these in
//! order: [`start`] (mark `grading`, build the grader's input), then [`store`] (the
//! report, `graded`, the results email and the `interview.graded` webhook, in one
//! transaction) or, after its last failed attempt, [`fail`] (`failed` with the
//! reason, the quota given back, the `interview.failed` webhook).

use anyhow::Context;
use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::catalog::{Catalog, Criterion, QuestionKind};
use crate::domain::report::{GradingInput, GradingItem, Report, ReportTrack};
use crate::entities::{interview_questions, interviews, reports, users};
use crate::jobs::GradeInterview;
use crate::services::interviews::{
    self as interview_service, Deps, STATUS_FAILED, STATUS_GRADED, STATUS_GRADING, STATUS_IN_PROGRESS,
    STATUS_SUBMITTED,
};
use crate::services::mail::{self, QueuedEmail};
use crate::services::work::{Doing, WorkError};
use crate::services::{quota, webhooks};

/// A submitted interview, marked `grading`, with what the grader needs.
#[derive(Debug, Clone)]
pub struct Started {
    pub interview: interviews::Model,
    pub input: GradingInput,
    /// How long the interview took, rounded up to whole minutes.
    pub duration_minutes: Option<u32>,
}

/// What [`store`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// The report is stored, the interview graded and the email queued.
    Graded,
    /// An earlier run had stored it (with its email): nothing changed.
    AlreadyGraded,
}

async fn load(job: &GradeInterview, db: &impl ConnectionTrait) -> Result<interviews::Model, WorkError> {
    interviews::Entity::find_by_id(job.interview_id)
        .filter(interviews::Column::OrganizationId.eq(job.organization_id))
        .one(db)
        .await
        .doing(|| format!("cannot load interview {}", job.interview_id))?
        .ok_or_else(|| WorkError::permanent(anyhow::anyhow!("interview {} does not exist", job.interview_id)))
}

/// Marks the interview `grading` and gathers its answers with their catalog material.
/// `None` when it is already graded or failed (a repeated job): nothing to do.
#[tracing::instrument(skip_all, fields(interview_id = %job.interview_id, organization_id = %job.organization_id))]
pub async fn start(deps: Deps<'_>, job: &GradeInterview) -> Result<Option<Started>, WorkError> {
    let db = deps.db;
    let interview = load(job, db).await?;
    match interview.status.as_str() {
        STATUS_GRADED | STATUS_FAILED => {
            tracing::info!(status = %interview.status, "already graded; nothing to do");
            return Ok(None);
        }
        STATUS_IN_PROGRESS => {
            return Err(WorkError::permanent(anyhow::anyhow!(
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
        .doing(|| format!("cannot mark interview {} grading", interview.id))?;

    let questions = interview_questions::Entity::find()
        .filter(interview_questions::Column::OrganizationId.eq(interview.organization_id))
        .filter(interview_questions::Column::InterviewId.eq(interview.id))
        .filter(interview_questions::Column::AnsweredAt.is_not_null())
        .order_by_asc(interview_questions::Column::Position)
        .all(db)
        .await
        .doing(|| format!("cannot load the answers of interview {}", interview.id))?;
    if questions.is_empty() {
        return Err(WorkError::permanent(anyhow::anyhow!(
            "the interview has no answers to grade"
        )));
    }
    Ok(Some(Started {
        input: grading_input(&interview, &questions, deps.catalog),
        duration_minutes: duration_minutes(&interview, &questions),
        interview,
    }))
}

/// The report, the status change, the results email and the webhook, in one
/// transaction: a retried or duplicated job ends with one report and one email.
#[tracing::instrument(skip_all, fields(interview_id = %interview.id, organization_id = %interview.organization_id))]
pub async fn store(
    deps: Deps<'_>,
    interview: &interviews::Model,
    report: &Report,
) -> Result<Stored, WorkError> {
    let id = interview.id;
    let txn = crate::db::begin_write(deps.db)
        .await
        .doing(|| format!("cannot begin storing the report of interview {id}"))?;
    let report_id = Uuid::now_v7();
    let body = serde_json::to_value(report)
        .context("cannot encode the report")
        .map_err(WorkError::Permanent)?;
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
    .doing(|| format!("cannot insert the report of interview {id}"))?;
    if inserted == 0 {
        // Another run stored the report (and queued the email with it).
        tracing::info!("report already stored by an earlier run");
        return Ok(Stored::AlreadyGraded);
    }
    interviews::Entity::update_many()
        .col_expr(interviews::Column::Status, Expr::value(STATUS_GRADED))
        .col_expr(interviews::Column::GradedAt, Expr::value(Some(report.graded_at)))
        .col_expr(interviews::Column::UpdatedAt, Expr::value(report.graded_at))
        .filter(interviews::Column::Id.eq(interview.id))
        .exec(&txn)
        .await
        .doing(|| format!("cannot mark interview {id} graded"))?;

    let link = interview_service::share_url(deps.config, deps.share_key, report_id, 1);
    if let Some((recipient, name)) = recipient(&txn, interview).await? {
        queue_results_email(&txn, interview, report, &recipient, name.as_deref(), &link).await?;
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
        .doing(|| format!("cannot publish interview.graded for interview {id}"))?;
    txn.commit()
        .await
        .doing(|| format!("cannot commit the report of interview {id}"))?;
    tracing::info!(
        score = report.score,
        verdict = report.verdict.as_str(),
        "interview graded"
    );
    Ok(Stored::Graded)
}

async fn queue_results_email(
    txn: &impl ConnectionTrait,
    interview: &interviews::Model,
    report: &Report,
    recipient: &str,
    name: Option<&str>,
    link: &str,
) -> Result<(), WorkError> {
    let track_title = report
        .track
        .as_ref()
        .map(|t| format!("{} · {}", t.title, t.company_context))
        .unwrap_or_else(|| "Interview practice".to_owned());
    let content = emails::InterviewResults {
        greeting_name: name.unwrap_or(recipient),
        track_title: &track_title,
        verdict_label: &report.verdict_label,
        headline: &report.headline,
        score: report.score,
        summary: &report.summary,
        strengths: &report.strengths,
        improvements: &report.improvements,
        link,
    }
    .render()
    .context("cannot render the results email")
    .map_err(WorkError::Permanent)?;
    mail::queue(
        txn,
        QueuedEmail {
            organization_id: Some(interview.organization_id),
            subject_key: format!("interview:{}", interview.id),
            template: "interview_results",
            recipient,
            content,
        },
    )
    .await
    .doing(|| format!("cannot queue the results email of interview {}", interview.id))?;
    Ok(())
}

/// Who gets the results: the candidate named by a partner, else the person who took
/// the interview. An API key without a candidate gets no email (it reads the report).
async fn recipient(
    db: &impl ConnectionTrait,
    interview: &interviews::Model,
) -> Result<Option<(String, Option<String>)>, WorkError> {
    if let Some(email) = &interview.candidate_email {
        return Ok(Some((email.clone(), interview.candidate_name.clone())));
    }
    let Some(user_id) = interview.created_by_user_id else {
        return Ok(None);
    };
    Ok(users::Entity::find_by_id(user_id)
        .one(db)
        .await
        .doing(|| format!("cannot load user {user_id}, who took interview {}", interview.id))?
        .map(|u| (u.email, u.name)))
}

/// Marks the interview `failed` (with the reason) and gives its quota back, once.
#[tracing::instrument(skip_all, fields(interview_id = %job.interview_id, organization_id = %job.organization_id))]
pub async fn fail(deps: Deps<'_>, job: &GradeInterview, reason: &str) -> Result<(), WorkError> {
    let id = job.interview_id;
    let txn = crate::db::begin_write(deps.db)
        .await
        .doing(|| format!("cannot begin marking interview {id} failed"))?;
    let interview = load(job, &txn).await?;
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
        .await
        .doing(|| format!("cannot mark interview {id} failed"))?;
    if moved.rows_affected == 1 {
        quota::refund(&txn, &interview)
            .await
            .doing(|| format!("cannot give back the quota of interview {id}"))?;
        let event = webhooks::EventData::Failed(webhooks::InterviewFailed {
            interview_id: interview.id,
            reason: reason.to_owned(),
            candidate_email: interview.candidate_email.clone(),
            candidate_external_ref: interview.candidate_external_ref.clone(),
        });
        webhooks::publish(&txn, interview.organization_id, event)
            .await
            .doing(|| format!("cannot publish interview.failed for interview {id}"))?;
        tracing::warn!(reason, "grading failed for good; quota given back");
    }
    txn.commit()
        .await
        .doing(|| format!("cannot commit the failure of interview {id}"))?;
    Ok(())
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
