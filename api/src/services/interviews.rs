//! Interviews: starting one (consuming quota), answering its questions one at a time
//! with server-side timing and adaptive follow-ups, submitting it for grading, posting
//! whole transcripts, listing, and reading the report.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::catalog::matching::Text;
use crate::catalog::{Catalog, Question, QuestionKind, Track};
use crate::config::Config;
use crate::domain::report::Report;
use crate::domain::{EmailAddress, Role, TextKind, check_optional_text, check_text};
use crate::entities::{interview_questions, interviews, reports};
use crate::jobs::{self, GradeInterview};
use crate::services::idempotency::{self, IdempotencyError, Idempotent, StoredResponse};
use crate::services::organizations::{Actor, OrganizationAccess};
use crate::services::quota;
use crate::services::sharing::ShareKey;

/// Longest accepted answer, in characters (~4,000 words).
pub const MAX_ANSWER_CHARS: usize = 20_000;
/// Longest free-form question in a transcript.
pub const MAX_QUESTION_CHARS: usize = 2_000;
/// Most items in one transcript.
pub const MAX_TRANSCRIPT_ITEMS: usize = 30;
/// Longest time a transcript may claim for one answer.
pub const MAX_TIME_SPENT_SECONDS: u32 = 6 * 3600;

pub const STATUS_IN_PROGRESS: &str = "in_progress";
pub const STATUS_SUBMITTED: &str = "submitted";
pub const STATUS_GRADING: &str = "grading";
pub const STATUS_GRADED: &str = "graded";
pub const STATUS_FAILED: &str = "failed";

const ORIGIN_SESSION: &str = "session";
const ORIGIN_TRANSCRIPT: &str = "transcript";

#[derive(Debug, thiserror::Error)]
pub enum InterviewsError {
    #[error("no track {0:?}")]
    UnknownTrack(String),
    #[error("interview not found")]
    NotFound,
    #[error("question not found in this interview")]
    QuestionNotFound,
    #[error("this question was already answered")]
    AlreadyAnswered,
    #[error("the interview is {0}; it no longer takes answers")]
    NotInProgress(String),
    #[error("answer nothing before submitting: an interview needs at least one answer to grade")]
    NothingToGrade,
    #[error("the report is not ready: the interview is {0}")]
    ReportNotReady(String),
    #[error("no interviews left on this plan")]
    QuotaExhausted { plan: &'static str },
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error(transparent)]
    Idempotency(#[from] IdempotencyError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for InterviewsError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(anyhow::Error::new(e).context("database error"))
    }
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> InterviewsError {
    InterviewsError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// What the services need.
#[derive(Clone, Copy)]
pub struct Deps<'a> {
    pub db: &'a DatabaseConnection,
    pub config: &'a Config,
    pub catalog: &'a Catalog,
    pub share_key: &'a ShareKey,
}

/// The candidate an interview is for, when it is not the signed-in user (partners).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Candidate {
    /// Receives the results email.
    #[schema(
        max_length = 254,
        pattern = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,30}(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,30})?@([A-Za-z0-9]([A-Za-z0-9-]{0,20}[A-Za-z0-9])?\.){1,4}[A-Za-z]{2,20}$"
    )]
    pub email: String,
    /// 1 to 200 characters, not all spaces, no control characters.
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: Option<String>,
    /// The partner's own id for this candidate: 1 to 200 characters, no control
    /// characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub external_ref: Option<String>,
}

fn validate_candidate(candidate: Option<Candidate>) -> Result<Option<Candidate>, InterviewsError> {
    let Some(c) = candidate else { return Ok(None) };
    let email = EmailAddress::parse(&c.email).map_err(|e| invalid("candidate.email", e.message))?;
    let name = c
        .name
        .map(|n| crate::domain::PersonName::parse(&n).map(|n| n.into_inner()))
        .transpose()
        .map_err(|e| invalid("candidate.name", e.message))?;
    if c.external_ref
        .as_ref()
        .is_some_and(|r| r.is_empty() || r.chars().count() > 200)
    {
        return Err(invalid("candidate.external_ref", "must be 1 to 200 characters"));
    }
    check_optional_text(c.external_ref.as_deref(), TextKind::Line)
        .map_err(|e| invalid("candidate.external_ref", e.message))?;
    Ok(Some(Candidate {
        email: email.as_str().to_owned(),
        name,
        external_ref: c.external_ref,
    }))
}

// ---------------------------------------------------------------------------- views

/// A question as the candidate sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct QuestionView {
    /// Send this id with the answer.
    pub id: Uuid,
    /// 1-based order in the interview.
    pub position: u32,
    pub prompt: String,
    pub kind: Option<QuestionKind>,
    pub is_follow_up: bool,
    /// What a strong candidate would spend on it.
    pub expected_minutes: Option<u32>,
    pub asked_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answer: Option<String>,
    /// Measured by the server: from when the question was served to when the answer
    /// arrived.
    pub time_spent_seconds: Option<u32>,
}

impl From<&interview_questions::Model> for QuestionView {
    fn from(q: &interview_questions::Model) -> Self {
        Self {
            id: q.id,
            position: u32::try_from(q.position).unwrap_or(0),
            prompt: q.prompt.clone(),
            kind: q.kind.as_deref().and_then(QuestionKind::parse),
            is_follow_up: q.follow_up_id.is_some(),
            expected_minutes: q.expected_minutes.and_then(|m| u32::try_from(m).ok()),
            asked_at: q.asked_at,
            answered_at: q.answered_at,
            answer: q.answer.clone(),
            time_spent_seconds: q.time_spent_seconds.and_then(|s| u32::try_from(s).ok()),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct TrackSummary {
    pub id: String,
    pub title: String,
    pub company_context: String,
    pub level: String,
}

impl From<&Track> for TrackSummary {
    fn from(t: &Track) -> Self {
        Self {
            id: t.id.clone(),
            title: t.title.clone(),
            company_context: t.company_context.clone(),
            level: t.level.clone(),
        }
    }
}

/// An interview and its questions so far.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct InterviewView {
    pub id: Uuid,
    /// `in_progress`, `submitted`, `grading`, `graded` or `failed`.
    pub status: String,
    /// `session` (asked one question at a time) or `transcript` (posted whole).
    pub origin: String,
    pub track: Option<TrackSummary>,
    pub candidate: Option<Candidate>,
    /// `trial` (the free interview) or `plan`.
    pub quota_source: String,
    pub started_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub graded_at: Option<DateTime<Utc>>,
    /// Why grading failed, when it did.
    pub failure_reason: Option<String>,
    /// Questions asked so far, in order.
    pub questions: Vec<QuestionView>,
    /// The question awaiting an answer, if any.
    pub current_question: Option<QuestionView>,
    /// Questions of the track not asked yet (follow-ups excluded).
    pub remaining_questions: u32,
}

/// One line of a list of interviews.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct InterviewSummary {
    pub id: Uuid,
    pub status: String,
    pub origin: String,
    pub track: Option<TrackSummary>,
    pub candidate: Option<Candidate>,
    pub started_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub graded_at: Option<DateTime<Utc>>,
}

fn candidate_of(i: &interviews::Model) -> Option<Candidate> {
    i.candidate_email.as_ref().map(|email| Candidate {
        email: email.clone(),
        name: i.candidate_name.clone(),
        external_ref: i.candidate_external_ref.clone(),
    })
}

impl InterviewSummary {
    fn new(i: &interviews::Model, catalog: &Catalog) -> Self {
        Self {
            id: i.id,
            status: i.status.clone(),
            origin: i.origin.clone(),
            track: i
                .track_id
                .as_deref()
                .and_then(|t| catalog.track(t))
                .map(TrackSummary::from),
            candidate: candidate_of(i),
            started_at: i.started_at,
            submitted_at: i.submitted_at,
            graded_at: i.graded_at,
        }
    }
}

fn main_questions_asked(questions: &[interview_questions::Model]) -> usize {
    questions.iter().filter(|q| q.follow_up_id.is_none()).count()
}

fn view(i: &interviews::Model, questions: &[interview_questions::Model], catalog: &Catalog) -> InterviewView {
    let track = i.track_id.as_deref().and_then(|t| catalog.track(t));
    let remaining = match (track, i.status.as_str()) {
        (Some(track), STATUS_IN_PROGRESS) => track
            .questions
            .len()
            .saturating_sub(main_questions_asked(questions)),
        _ => 0,
    };
    let current = questions
        .iter()
        .find(|q| q.answered_at.is_none() && q.asked_at.is_some() && i.status == STATUS_IN_PROGRESS)
        .map(QuestionView::from);
    InterviewView {
        id: i.id,
        status: i.status.clone(),
        origin: i.origin.clone(),
        track: track.map(TrackSummary::from),
        candidate: candidate_of(i),
        quota_source: i.quota_source.clone(),
        started_at: i.started_at,
        submitted_at: i.submitted_at,
        graded_at: i.graded_at,
        failure_reason: i.failure_reason.clone(),
        questions: questions.iter().map(QuestionView::from).collect(),
        current_question: current,
        remaining_questions: u32::try_from(remaining).unwrap_or(0),
    }
}

// ------------------------------------------------------------------------- access

/// Who may see an interview: owners, admins and API keys see the organization's
/// interviews; members see the ones they started.
fn visible_to(access: &OrganizationAccess) -> Condition {
    let base = Condition::all().add(interviews::Column::OrganizationId.eq(access.organization.id));
    match (access.actor, access.role) {
        (Actor::User { user_id }, Some(Role::Member)) => {
            base.add(interviews::Column::CreatedByUserId.eq(user_id))
        }
        _ => base,
    }
}

async fn find<C: ConnectionTrait>(
    db: &C,
    access: &OrganizationAccess,
    id: Uuid,
) -> Result<interviews::Model, InterviewsError> {
    interviews::Entity::find_by_id(id)
        .filter(visible_to(access))
        .one(db)
        .await?
        .ok_or(InterviewsError::NotFound)
}

async fn questions_of<C: ConnectionTrait>(
    db: &C,
    interview: &interviews::Model,
) -> Result<Vec<interview_questions::Model>, InterviewsError> {
    Ok(interview_questions::Entity::find()
        .filter(interview_questions::Column::OrganizationId.eq(interview.organization_id))
        .filter(interview_questions::Column::InterviewId.eq(interview.id))
        .order_by_asc(interview_questions::Column::Position)
        .all(db)
        .await?)
}

// ------------------------------------------------------------------------- create

/// A request to start an interview.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StartInterview {
    /// A track id from `GET /v1/tracks`.
    #[schema(
        example = "senior-backend-fintech",
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub track_id: String,
    /// For partners: who the interview is for (they receive the results email).
    pub candidate: Option<Candidate>,
}

/// The outcome of a request that may be replayed.
pub struct Created<T> {
    pub status: u16,
    pub body: T,
    pub replayed: bool,
}

/// The row of a new interview.
struct NewInterview<'a> {
    access: &'a OrganizationAccess,
    track: Option<&'a Track>,
    origin: &'a str,
    status: &'a str,
    candidate: Option<&'a Candidate>,
    consumed: quota::Consumed,
    started_at: DateTime<Utc>,
    now: DateTime<Utc>,
}

fn interview_row(new: NewInterview<'_>) -> interviews::ActiveModel {
    let NewInterview {
        access,
        track,
        origin,
        status,
        candidate,
        consumed,
        started_at,
        now,
    } = new;
    let organization_id = access.organization.id;
    let (user, key) = match access.actor {
        Actor::User { user_id } => (Some(user_id), None),
        Actor::ApiKey { key_id, .. } => (None, Some(key_id)),
    };
    interviews::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        track_id: Set(track.map(|t| t.id.clone())),
        track_version: Set(track.map(|t| i32::try_from(t.version).unwrap_or(i32::MAX))),
        status: Set(status.to_owned()),
        origin: Set(origin.to_owned()),
        created_by_user_id: Set(user),
        created_by_api_key_id: Set(key),
        candidate_email: Set(candidate.map(|c| c.email.clone())),
        candidate_name: Set(candidate.and_then(|c| c.name.clone())),
        candidate_external_ref: Set(candidate.and_then(|c| c.external_ref.clone())),
        quota_source: Set(consumed.source().to_owned()),
        quota_period_start: Set(consumed.period_start()),
        failure_reason: Set(None),
        started_at: Set(started_at),
        submitted_at: Set((status != STATUS_IN_PROGRESS).then_some(now)),
        graded_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

fn question_row(
    interview: &interviews::Model,
    position: i32,
    question: &Question,
    follow_up: Option<&crate::catalog::FollowUp>,
    asked_at: DateTime<Utc>,
) -> interview_questions::ActiveModel {
    let (prompt, minutes) = match follow_up {
        Some(f) => (f.prompt.clone(), f.expected_minutes),
        None => (question.prompt.clone(), question.expected_minutes),
    };
    interview_questions::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(interview.organization_id),
        interview_id: Set(interview.id),
        position: Set(position),
        catalog_question_id: Set(Some(question.id.clone())),
        follow_up_id: Set(follow_up.map(|f| f.id.clone())),
        kind: Set(Some(question.kind.as_str().to_owned())),
        prompt: Set(prompt),
        expected_minutes: Set(Some(i32::try_from(minutes).unwrap_or(i32::MAX))),
        asked_at: Set(Some(asked_at)),
        answered_at: Set(None),
        answer: Set(None),
        time_spent_seconds: Set(None),
    }
}

/// Runs `work` in a write transaction under an optional idempotency key: a replay
/// returns the stored response without running `work` again; a concurrent request
/// with the same key that commits first is replayed instead of failing.
async fn with_idempotency<T, F>(
    db: &DatabaseConnection,
    organization_id: Uuid,
    key: Option<&Idempotent>,
    work: F,
) -> Result<Created<T>, InterviewsError>
where
    T: Serialize + serde::de::DeserializeOwned,
    F: AsyncFn(&sea_orm::DatabaseTransaction) -> Result<(u16, T), InterviewsError>,
{
    for _ in 0..2 {
        if let Some(key) = key
            && let Some(stored) = idempotency::replay(db, organization_id, key).await?
        {
            return Ok(Created {
                status: stored.status,
                body: serde_json::from_value(stored.body).map_err(anyhow::Error::from)?,
                replayed: true,
            });
        }
        let txn = crate::db::begin_write(db).await?;
        let (status, body) = work(&txn).await?;
        if let Some(key) = key {
            let stored = StoredResponse {
                status,
                body: serde_json::to_value(&body).map_err(anyhow::Error::from)?,
            };
            match idempotency::store(&txn, organization_id, key, &stored).await {
                Ok(()) => {}
                Err(IdempotencyError::Raced) => continue, // rolled back on drop; replay theirs
                Err(e) => return Err(e.into()),
            }
        }
        txn.commit().await?;
        return Ok(Created {
            status,
            body,
            replayed: false,
        });
    }
    Err(anyhow::anyhow!("idempotency key kept racing").into())
}

/// Starts an interview on a track and serves its first question. One unit of quota is
/// consumed in the same transaction.
#[tracing::instrument(skip_all, fields(organization_id = %access.organization.id))]
pub async fn start(
    deps: Deps<'_>,
    access: &OrganizationAccess,
    request: StartInterview,
    key: Option<&Idempotent>,
) -> Result<Created<InterviewView>, InterviewsError> {
    check_text(&request.track_id, TextKind::Line).map_err(|e| invalid("track_id", e.message))?;
    let track = deps
        .catalog
        .track(&request.track_id)
        .ok_or_else(|| InterviewsError::UnknownTrack(request.track_id.clone()))?;
    let candidate = validate_candidate(request.candidate.clone())?;
    let first = track
        .questions
        .first()
        .ok_or_else(|| anyhow::anyhow!("track {} has no questions", track.id))?;
    let organization = &access.organization;
    with_idempotency(deps.db, organization.id, key, async |txn| {
        let now = Utc::now();
        let consumed = quota::consume(txn, organization, &deps.config.settings, now)
            .await?
            .ok_or(InterviewsError::QuotaExhausted {
                plan: quota::Plan::parse(&organization.plan).key(),
            })?;
        let interview = interview_row(NewInterview {
            access,
            track: Some(track),
            origin: ORIGIN_SESSION,
            status: STATUS_IN_PROGRESS,
            candidate: candidate.as_ref(),
            consumed,
            started_at: now,
            now,
        })
        .insert(txn)
        .await?;
        let question = question_row(&interview, 1, first, None, now).insert(txn).await?;
        Ok((201, view(&interview, &[question], deps.catalog)))
    })
    .await
}

// ------------------------------------------------------------------------- answer

/// The answer to a question.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AnswerRequest {
    /// The `id` of the current question.
    pub question_id: Uuid,
    /// Up to 20,000 characters; no control characters but line feeds and tabs.
    #[schema(
        max_length = 20000,
        pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$"
    )]
    pub answer: String,
}

/// The result of answering: what was recorded and what comes next.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AnswerResponse {
    pub answered: QuestionView,
    /// The next question (possibly a follow-up), or `null` when none is left: submit.
    pub next_question: Option<QuestionView>,
}

/// Records an answer with the time spent (server clock), then serves the next
/// question: a follow-up when the answer triggers one (at most one per question),
/// else the track's next question.
#[tracing::instrument(skip_all, fields(organization_id = %access.organization.id, interview_id = %interview_id))]
pub async fn answer(
    deps: Deps<'_>,
    access: &OrganizationAccess,
    interview_id: Uuid,
    request: AnswerRequest,
) -> Result<AnswerResponse, InterviewsError> {
    if request.answer.chars().count() > MAX_ANSWER_CHARS {
        return Err(invalid(
            "answer",
            format!("must be at most {MAX_ANSWER_CHARS} characters"),
        ));
    }
    check_text(&request.answer, TextKind::Long).map_err(|e| invalid("answer", e.message))?;
    let txn = crate::db::begin_write(deps.db).await?;
    let interview = find(&txn, access, interview_id).await?;
    if interview.status != STATUS_IN_PROGRESS {
        return Err(InterviewsError::NotInProgress(interview.status));
    }
    let row = interview_questions::Entity::find_by_id(request.question_id)
        .filter(interview_questions::Column::OrganizationId.eq(interview.organization_id))
        .filter(interview_questions::Column::InterviewId.eq(interview.id))
        .one(&txn)
        .await?
        .ok_or(InterviewsError::QuestionNotFound)?;
    if row.answered_at.is_some() {
        return Err(InterviewsError::AlreadyAnswered);
    }
    let now = Utc::now();
    let asked_at = row.asked_at.unwrap_or(now);
    let spent = i32::try_from((now - asked_at).num_seconds().max(0)).unwrap_or(i32::MAX);
    let recorded = interview_questions::Entity::update_many()
        .col_expr(
            interview_questions::Column::Answer,
            Expr::value(Some(request.answer.clone())),
        )
        .col_expr(interview_questions::Column::AnsweredAt, Expr::value(Some(now)))
        .col_expr(
            interview_questions::Column::TimeSpentSeconds,
            Expr::value(Some(spent)),
        )
        .filter(interview_questions::Column::Id.eq(row.id))
        .filter(interview_questions::Column::AnsweredAt.is_null())
        .exec(&txn)
        .await?;
    if recorded.rows_affected != 1 {
        return Err(InterviewsError::AlreadyAnswered);
    }
    let answered = interview_questions::Model {
        answer: Some(request.answer.clone()),
        answered_at: Some(now),
        time_spent_seconds: Some(spent),
        ..row.clone()
    };

    let track = interview.track_id.as_deref().and_then(|t| deps.catalog.track(t));
    let mut next = None;
    if let Some(track) = track {
        let questions = questions_of(&txn, &interview).await?;
        let position = questions.iter().map(|q| q.position).max().unwrap_or(0) + 1;
        let parent = row
            .catalog_question_id
            .as_deref()
            .and_then(|id| track.question(id));
        let follow_up = match (row.follow_up_id.is_none(), parent) {
            (true, Some(parent)) => parent.triggered_follow_up(&Text::new(&request.answer)),
            _ => None,
        };
        next = match (follow_up, parent) {
            (Some(f), Some(parent)) => Some(question_row(&interview, position, parent, Some(f), now)),
            _ => track
                .questions
                .get(main_questions_asked(&questions))
                .map(|q| question_row(&interview, position, q, None, now)),
        };
    }
    let next = match next {
        Some(row) => Some(row.insert(&txn).await?),
        None => None,
    };
    interviews::Entity::update_many()
        .col_expr(interviews::Column::UpdatedAt, Expr::value(now))
        .filter(interviews::Column::Id.eq(interview.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(AnswerResponse {
        answered: QuestionView::from(&answered),
        next_question: next.as_ref().map(QuestionView::from),
    })
}

// ------------------------------------------------------------------------- submit

/// The state after a submit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubmitResponse {
    pub interview_id: Uuid,
    /// `submitted` at first; `grading`, `graded` or `failed` on a repeat.
    pub status: String,
}

/// Ends the interview and queues its grading in the same transaction. Submitting an
/// interview that was already submitted changes nothing and queues nothing.
#[tracing::instrument(skip_all, fields(organization_id = %access.organization.id, interview_id = %interview_id))]
pub async fn submit(
    deps: Deps<'_>,
    access: &OrganizationAccess,
    interview_id: Uuid,
) -> Result<SubmitResponse, InterviewsError> {
    let txn = crate::db::begin_write(deps.db).await?;
    let interview = find(&txn, access, interview_id).await?;
    if interview.status != STATUS_IN_PROGRESS {
        return Ok(SubmitResponse {
            interview_id,
            status: interview.status,
        });
    }
    let answered = interview_questions::Entity::find()
        .filter(interview_questions::Column::OrganizationId.eq(interview.organization_id))
        .filter(interview_questions::Column::InterviewId.eq(interview.id))
        .filter(interview_questions::Column::AnsweredAt.is_not_null())
        .count(&txn)
        .await?;
    if answered == 0 {
        return Err(InterviewsError::NothingToGrade);
    }
    let now = Utc::now();
    let moved = interviews::Entity::update_many()
        .col_expr(interviews::Column::Status, Expr::value(STATUS_SUBMITTED))
        .col_expr(interviews::Column::SubmittedAt, Expr::value(Some(now)))
        .col_expr(interviews::Column::UpdatedAt, Expr::value(now))
        .filter(interviews::Column::Id.eq(interview.id))
        .filter(interviews::Column::Status.eq(STATUS_IN_PROGRESS))
        .exec(&txn)
        .await?;
    if moved.rows_affected == 1 {
        enqueue_grading(&txn, &interview).await?;
    }
    txn.commit().await?;
    Ok(SubmitResponse {
        interview_id,
        status: STATUS_SUBMITTED.to_owned(),
    })
}

async fn enqueue_grading<C: ConnectionTrait>(
    db: &C,
    interview: &interviews::Model,
) -> Result<(), InterviewsError> {
    jobs::enqueue(
        db,
        &GradeInterview {
            interview_id: interview.id,
            organization_id: interview.organization_id,
        },
        Some(&format!("grade:{}", interview.id)),
    )
    .await?;
    Ok(())
}

// --------------------------------------------------------------------- transcripts

/// One question and its answer in a transcript.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TranscriptItem {
    /// A catalog question: its id in `track_id`, or `track-id/question-id` without a
    /// track. Give this or `question`.
    #[schema(max_length = 200, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    pub question_id: Option<String>,
    /// A free-form question (graded on structure, depth and clarity alone): 1 to 2,000
    /// characters, not all spaces; no control characters but line feeds and tabs.
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$"
    )]
    pub question: Option<String>,
    /// Up to 20,000 characters; no control characters but line feeds and tabs.
    #[schema(
        max_length = 20000,
        pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$"
    )]
    pub answer: String,
    /// Time the candidate spent in whole seconds, when known (up to 6 hours); `60.0`
    /// is read as `60`.
    #[serde(default, deserialize_with = "crate::domain::whole::optional_whole_u32")]
    #[schema(minimum = 0, maximum = 21600)]
    pub time_spent_seconds: Option<u32>,
}

/// A whole interview to grade in one call.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TranscriptRequest {
    /// A track id from `GET /v1/tracks`.
    #[schema(max_length = 200, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    pub track_id: Option<String>,
    /// 1 to 30 items, in the order asked.
    #[schema(min_items = 1, max_items = 30)]
    pub items: Vec<TranscriptItem>,
    /// Who receives the results email (default: the signed-in user, if any).
    pub candidate: Option<Candidate>,
}

/// Accepted for grading.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TranscriptResponse {
    pub interview_id: Uuid,
    /// Always `submitted`.
    pub status: String,
}

enum ItemSource<'a> {
    Catalog(&'a Track, &'a Question),
    FreeForm(String),
}

/// Stores a whole transcript as a submitted interview and queues its grading; quota is
/// consumed as for any interview.
#[tracing::instrument(skip_all, fields(organization_id = %access.organization.id))]
pub async fn submit_transcript(
    deps: Deps<'_>,
    access: &OrganizationAccess,
    request: TranscriptRequest,
    key: Option<&Idempotent>,
) -> Result<Created<TranscriptResponse>, InterviewsError> {
    check_optional_text(request.track_id.as_deref(), TextKind::Line)
        .map_err(|e| invalid("track_id", e.message))?;
    let track = match &request.track_id {
        Some(id) => Some(
            deps.catalog
                .track(id)
                .ok_or_else(|| InterviewsError::UnknownTrack(id.clone()))?,
        ),
        None => None,
    };
    if request.items.is_empty() || request.items.len() > MAX_TRANSCRIPT_ITEMS {
        return Err(invalid(
            "items",
            format!("needs 1 to {MAX_TRANSCRIPT_ITEMS} items"),
        ));
    }
    let mut sources = Vec::with_capacity(request.items.len());
    for (i, item) in request.items.iter().enumerate() {
        let at = |f: &str| format!("items[{i}].{f}");
        check_optional_text(item.question_id.as_deref(), TextKind::Line)
            .map_err(|e| invalid(at("question_id"), e.message))?;
        check_optional_text(item.question.as_deref(), TextKind::Long)
            .map_err(|e| invalid(at("question"), e.message))?;
        check_text(&item.answer, TextKind::Long).map_err(|e| invalid(at("answer"), e.message))?;
        let source = match (&item.question_id, &item.question) {
            (Some(id), None) => {
                let found = match track {
                    Some(track) => track.question(id).map(|q| (track, q)),
                    None => deps.catalog.question(id),
                };
                let (t, q) =
                    found.ok_or_else(|| invalid(at("question_id"), format!("no catalog question {id:?}")))?;
                ItemSource::Catalog(t, q)
            }
            (None, Some(text)) => {
                let text = text.trim();
                if text.is_empty() || text.chars().count() > MAX_QUESTION_CHARS {
                    return Err(invalid(
                        at("question"),
                        format!("must be 1 to {MAX_QUESTION_CHARS} characters"),
                    ));
                }
                ItemSource::FreeForm(text.to_owned())
            }
            _ => {
                return Err(invalid(
                    at("question_id"),
                    "give exactly one of question_id and question",
                ));
            }
        };
        if item.answer.chars().count() > MAX_ANSWER_CHARS {
            return Err(invalid(
                at("answer"),
                format!("must be at most {MAX_ANSWER_CHARS} characters"),
            ));
        }
        if item
            .time_spent_seconds
            .is_some_and(|s| s > MAX_TIME_SPENT_SECONDS)
        {
            return Err(invalid(at("time_spent_seconds"), "must be at most 6 hours"));
        }
        sources.push(source);
    }
    let candidate = validate_candidate(request.candidate.clone())?;
    let organization = &access.organization;
    let total_seconds: i64 = request
        .items
        .iter()
        .map(|i| i64::from(i.time_spent_seconds.unwrap_or(0)))
        .sum();

    with_idempotency(deps.db, organization.id, key, async |txn| {
        let now = Utc::now();
        let consumed = quota::consume(txn, organization, &deps.config.settings, now)
            .await?
            .ok_or(InterviewsError::QuotaExhausted {
                plan: quota::Plan::parse(&organization.plan).key(),
            })?;
        let interview = interview_row(NewInterview {
            access,
            track,
            origin: ORIGIN_TRANSCRIPT,
            status: STATUS_SUBMITTED,
            candidate: candidate.as_ref(),
            consumed,
            started_at: now - Duration::seconds(total_seconds),
            now,
        })
        .insert(txn)
        .await?;
        for (index, (item, source)) in request.items.iter().zip(&sources).enumerate() {
            let position = i32::try_from(index + 1).unwrap_or(i32::MAX);
            let mut row = match source {
                ItemSource::Catalog(_, q) => question_row(&interview, position, q, None, now),
                ItemSource::FreeForm(text) => interview_questions::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    organization_id: Set(interview.organization_id),
                    interview_id: Set(interview.id),
                    position: Set(position),
                    catalog_question_id: Set(None),
                    follow_up_id: Set(None),
                    kind: Set(None),
                    prompt: Set(text.clone()),
                    expected_minutes: Set(None),
                    asked_at: Set(None),
                    answered_at: Set(None),
                    answer: Set(None),
                    time_spent_seconds: Set(None),
                },
            };
            if let (None, ItemSource::Catalog(t, q)) = (track, source) {
                // Without a track, the id is qualified so grading can find the question.
                row.catalog_question_id = Set(Some(format!("{}/{}", t.id, q.id)));
            }
            row.asked_at = Set(None);
            row.answer = Set(Some(item.answer.clone()));
            row.answered_at = Set(Some(now));
            row.time_spent_seconds = Set(item
                .time_spent_seconds
                .map(|s| i32::try_from(s).unwrap_or(i32::MAX)));
            row.insert(txn).await?;
        }
        enqueue_grading(txn, &interview).await?;
        Ok((
            202,
            TranscriptResponse {
                interview_id: interview.id,
                status: STATUS_SUBMITTED.to_owned(),
            },
        ))
    })
    .await
}

// --------------------------------------------------------------------------- read

pub async fn get(
    deps: Deps<'_>,
    access: &OrganizationAccess,
    id: Uuid,
) -> Result<InterviewView, InterviewsError> {
    let interview = find(deps.db, access, id).await?;
    let questions = questions_of(deps.db, &interview).await?;
    Ok(view(&interview, &questions, deps.catalog))
}

/// A page of interviews, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InterviewPage {
    pub items: Vec<InterviewSummary>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
}

pub async fn list(
    deps: Deps<'_>,
    access: &OrganizationAccess,
    page: u64,
    per_page: u64,
) -> Result<InterviewPage, InterviewsError> {
    let paginator = interviews::Entity::find()
        .filter(visible_to(access))
        .order_by_desc(interviews::Column::CreatedAt)
        .order_by_desc(interviews::Column::Id)
        .paginate(deps.db, per_page);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page.saturating_sub(1)).await?;
    Ok(InterviewPage {
        items: items
            .iter()
            .map(|i| InterviewSummary::new(i, deps.catalog))
            .collect(),
        page,
        per_page,
        total,
    })
}

/// The report of a graded interview, with its share link (unless revoked).
pub async fn report(
    deps: Deps<'_>,
    access: &OrganizationAccess,
    id: Uuid,
) -> Result<Report, InterviewsError> {
    let interview = find(deps.db, access, id).await?;
    let row = reports::Entity::find()
        .filter(reports::Column::OrganizationId.eq(interview.organization_id))
        .filter(reports::Column::InterviewId.eq(interview.id))
        .one(deps.db)
        .await?
        .ok_or_else(|| InterviewsError::ReportNotReady(interview.status.clone()))?;
    render_report(deps, &row)
}

/// The stored report with its current share URL.
pub fn render_report(deps: Deps<'_>, row: &reports::Model) -> Result<Report, InterviewsError> {
    let mut report: Report = serde_json::from_value(row.body.clone())
        .map_err(|e| anyhow::anyhow!("stored report {} does not decode: {e}", row.id))?;
    report.share_url = row
        .share_revoked_at
        .is_none()
        .then(|| share_url(deps.config, deps.share_key, row.id, row.share_generation));
    Ok(report)
}

pub fn share_url(config: &Config, key: &ShareKey, report_id: Uuid, generation: i32) -> String {
    config
        .public_link(&format!("r/{}", key.token(report_id, generation)))
        .to_string()
}

/// Revokes the interview's share link: the page answers 404 from now on.
pub async fn revoke_share(
    deps: Deps<'_>,
    access: &OrganizationAccess,
    id: Uuid,
) -> Result<(), InterviewsError> {
    let interview = find(deps.db, access, id).await?;
    let now = Utc::now();
    let updated = reports::Entity::update_many()
        .col_expr(reports::Column::ShareRevokedAt, Expr::value(Some(now)))
        .filter(reports::Column::OrganizationId.eq(interview.organization_id))
        .filter(reports::Column::InterviewId.eq(interview.id))
        .exec(deps.db)
        .await?;
    if updated.rows_affected == 0 {
        return Err(InterviewsError::ReportNotReady(interview.status));
    }
    Ok(())
}

/// Issues a new share link (earlier links stay dead) and returns it.
pub async fn renew_share(
    deps: Deps<'_>,
    access: &OrganizationAccess,
    id: Uuid,
) -> Result<String, InterviewsError> {
    let interview = find(deps.db, access, id).await?;
    let txn = crate::db::begin_write(deps.db).await?;
    let row = reports::Entity::find()
        .filter(reports::Column::OrganizationId.eq(interview.organization_id))
        .filter(reports::Column::InterviewId.eq(interview.id))
        .one(&txn)
        .await?
        .ok_or_else(|| InterviewsError::ReportNotReady(interview.status.clone()))?;
    let generation = row.share_generation + 1;
    reports::Entity::update_many()
        .col_expr(reports::Column::ShareGeneration, Expr::value(generation))
        .col_expr(
            reports::Column::ShareRevokedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(reports::Column::Id.eq(row.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(share_url(deps.config, deps.share_key, row.id, generation))
}

/// The report behind a public share token, if the link is live.
pub async fn shared_report(deps: Deps<'_>, token: &str) -> Result<Option<Report>, InterviewsError> {
    let Some(report_id) = ShareKey::report_id(token) else {
        return Ok(None);
    };
    let Some(row) = reports::Entity::find_by_id(report_id).one(deps.db).await? else {
        return Ok(None);
    };
    if row.share_revoked_at.is_some() || !deps.share_key.verify(token, row.id, row.share_generation) {
        return Ok(None);
    }
    render_report(deps, &row).map(Some)
}
