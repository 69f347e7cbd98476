//! What only the browser app needs: cookie sessions (opaque, stored hashed, with
//! expiry, idle timeout and revocation), answer drafts, the history with filters, the
//! password change, the data export and the account deletion. The interview, billing
//! and account rules stay in their own services; this module never duplicates them.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::tokens::{OpaqueToken, digest};
use crate::domain::{OrganizationKind, Password, Role};
use crate::entities::{
    answer_drafts, billing_accounts, email_outbox, interview_questions, interviews, memberships,
    organizations, refresh_tokens, reports, users, web_sessions,
};
use crate::services::accounts::{AccountsDeps, AccountsError};
use crate::services::interviews::{MAX_ANSWER_CHARS, STATUS_IN_PROGRESS};
use crate::services::login_throttle::{self, Reservation};
use crate::services::organizations::{Actor, OrganizationAccess};

/// A session unused for this long ends.
pub const SESSION_IDLE: Duration = Duration::days(7);
/// A session ends this long after sign-in whatever its use.
pub const SESSION_LIFETIME: Duration = Duration::days(30);
/// `last_seen_at` is written at most this often (reads stay reads).
const TOUCH_EVERY: Duration = Duration::minutes(1);

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("the current password is not right")]
    WrongPassword,
    #[error("too many failed attempts; try again later")]
    Throttled { retry_after_secs: u64 },
    #[error("interview not found")]
    NotFound,
    #[error("this question no longer takes a draft")]
    Stale,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for WebError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(anyhow::Error::new(e).context("database error"))
    }
}

// ------------------------------------------------------------------------ sessions

/// A live session and who it is for.
#[derive(Debug, Clone)]
pub struct WebSession {
    pub id: Uuid,
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub created_at: DateTime<Utc>,
}

/// Starts a session; returns the cookie value (shown once, stored as a digest).
pub async fn create_session<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    organization_id: Uuid,
    user_agent: Option<&str>,
) -> Result<(String, WebSession), WebError> {
    let token = OpaqueToken::generate();
    let now = Utc::now();
    let row = web_sessions::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        organization_id: Set(organization_id),
        token_hash: Set(token.hash().to_owned()),
        user_agent: Set(user_agent.map(describe_agent)),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + SESSION_LIFETIME),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((token.expose().to_owned(), session_of(&row)))
}

fn session_of(row: &web_sessions::Model) -> WebSession {
    WebSession {
        id: row.id,
        user_id: row.user_id,
        organization_id: row.organization_id,
        created_at: row.created_at,
    }
}

/// A short, bounded description of a browser from its User-Agent.
fn describe_agent(agent: &str) -> String {
    let browser = ["Edg/", "Firefox/", "Chrome/", "Safari/"]
        .iter()
        .find(|b| agent.contains(*b))
        .map_or("Browser", |b| b.trim_end_matches('/'));
    let browser = if browser == "Edg" { "Edge" } else { browser };
    let system = ["Android", "iPhone", "iPad", "Windows", "Mac OS X", "Linux"]
        .iter()
        .find(|s| agent.contains(*s))
        .map_or("", |s| *s);
    let system = if system == "Mac OS X" { "macOS" } else { system };
    let headless = if agent.contains("Headless") {
        " (headless)"
    } else {
        ""
    };
    if system.is_empty() {
        format!("{browser}{headless}")
    } else {
        format!("{browser}{headless} on {system}")
    }
}

/// The live session behind a cookie value: not revoked, not expired, used within the
/// idle timeout, and its user still a member of its organization.
pub async fn find_session(db: &DatabaseConnection, presented: &str) -> Result<Option<WebSession>, WebError> {
    if presented.is_empty() || presented.len() > 100 {
        return Ok(None);
    }
    let now = Utc::now();
    let Some(row) = web_sessions::Entity::find()
        .filter(web_sessions::Column::TokenHash.eq(digest(presented)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if row.revoked_at.is_some() || row.expires_at <= now || row.last_seen_at + SESSION_IDLE <= now {
        return Ok(None);
    }
    if memberships::Entity::find_by_id((row.organization_id, row.user_id))
        .one(db)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    if now - row.last_seen_at >= TOUCH_EVERY {
        web_sessions::Entity::update_many()
            .col_expr(web_sessions::Column::LastSeenAt, Expr::value(now))
            .filter(web_sessions::Column::Id.eq(row.id))
            .exec(db)
            .await?;
    }
    Ok(Some(session_of(&row)))
}

/// Ends the session behind a cookie value (unknown values are ignored).
pub async fn end_session(db: &DatabaseConnection, presented: &str) -> Result<(), WebError> {
    web_sessions::Entity::update_many()
        .col_expr(web_sessions::Column::RevokedAt, Expr::value(Some(Utc::now())))
        .filter(web_sessions::Column::TokenHash.eq(digest(presented)))
        .filter(web_sessions::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends one of the user's sessions by id (another user's id changes nothing).
pub async fn end_session_by_id(db: &DatabaseConnection, user_id: Uuid, id: Uuid) -> Result<bool, WebError> {
    let done = web_sessions::Entity::update_many()
        .col_expr(web_sessions::Column::RevokedAt, Expr::value(Some(Utc::now())))
        .filter(web_sessions::Column::Id.eq(id))
        .filter(web_sessions::Column::UserId.eq(user_id))
        .filter(web_sessions::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Ends every browser session of the user except `keep`.
pub async fn end_browser_sessions<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> Result<(), sea_orm::DbErr> {
    let mut sessions = web_sessions::Entity::update_many()
        .col_expr(web_sessions::Column::RevokedAt, Expr::value(Some(Utc::now())))
        .filter(web_sessions::Column::UserId.eq(user_id))
        .filter(web_sessions::Column::RevokedAt.is_null());
    if let Some(keep) = keep {
        sessions = sessions.filter(web_sessions::Column::Id.ne(keep));
    }
    sessions.exec(db).await?;
    Ok(())
}

/// Ends every browser session and API refresh token of the user, except the browser
/// session `keep` (the one asking, when it asks to stay signed in).
pub async fn end_all_sessions<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> Result<(), sea_orm::DbErr> {
    end_browser_sessions(db, user_id, keep).await?;
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(Some(Utc::now())))
        .filter(refresh_tokens::Column::UserId.eq(user_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// A session as listed in settings.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub id: Uuid,
    pub browser: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

pub async fn active_sessions(db: &DatabaseConnection, user_id: Uuid) -> Result<Vec<SessionInfo>, WebError> {
    let now = Utc::now();
    let rows = web_sessions::Entity::find()
        .filter(web_sessions::Column::UserId.eq(user_id))
        .filter(web_sessions::Column::RevokedAt.is_null())
        .filter(web_sessions::Column::ExpiresAt.gt(now))
        .filter(web_sessions::Column::LastSeenAt.gt(now - SESSION_IDLE))
        .order_by_desc(web_sessions::Column::LastSeenAt)
        .limit(50)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| SessionInfo {
            id: r.id,
            browser: r.user_agent.unwrap_or_else(|| "Browser".into()),
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
        })
        .collect())
}

// ------------------------------------------------------------------------ password

/// Checks the current password of a signed-in user, counted by the sign-in throttle
/// of their address (a stolen session cannot guess it at leisure).
async fn check_password(deps: AccountsDeps<'_>, user: &users::Model, password: &str) -> Result<(), WebError> {
    let now = Utc::now();
    let auth = &deps.config.settings.auth;
    let slot = match login_throttle::reserve(deps.db, auth, &user.email, now).await? {
        Reservation::Granted(slot) => slot,
        Reservation::Refused { retry_after_secs } => return Err(WebError::Throttled { retry_after_secs }),
    };
    if deps.hasher.verify(password, Some(&user.password_hash)).await? {
        slot.succeeded(deps.db).await?;
        Ok(())
    } else {
        slot.failed(deps.db, auth, now).await?;
        Err(WebError::WrongPassword)
    }
}

async fn user(db: &DatabaseConnection, user_id: Uuid) -> Result<users::Model, WebError> {
    users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or_else(|| WebError::Unexpected(anyhow::anyhow!("the signed-in user no longer exists")))
}

/// Changes the password after checking the current one; every other session (browser
/// or API) ends, the asking one stays.
pub async fn change_password(
    deps: AccountsDeps<'_>,
    session: &WebSession,
    current: &str,
    new: Password,
) -> Result<(), WebError> {
    let user = user(deps.db, session.user_id).await?;
    check_password(deps, &user, current).await?;
    let hash = deps.hasher.hash(&new).await?;
    let txn = crate::db::begin_write(deps.db).await?;
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash))
        .col_expr(users::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(users::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    end_all_sessions(&txn, user.id, Some(session.id)).await?;
    txn.commit().await?;
    Ok(())
}

/// Sets the display name (empty clears it).
pub async fn rename(db: &DatabaseConnection, user_id: Uuid, name: Option<String>) -> Result<(), WebError> {
    users::Entity::update_many()
        .col_expr(users::Column::Name, Expr::value(name))
        .col_expr(users::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

// -------------------------------------------------------------------------- drafts

/// Saves the text being typed for the current question. Only the unanswered question
/// of an interview in progress takes a draft.
pub async fn save_draft(
    db: &DatabaseConnection,
    access: &OrganizationAccess,
    interview_id: Uuid,
    question_id: Uuid,
    body: &str,
) -> Result<DateTime<Utc>, WebError> {
    if body.chars().count() > MAX_ANSWER_CHARS {
        return Err(WebError::Invalid(format!(
            "an answer is at most {MAX_ANSWER_CHARS} characters"
        )));
    }
    let interview = interviews::Entity::find_by_id(interview_id)
        .filter(visible_to(access))
        .one(db)
        .await?
        .ok_or(WebError::NotFound)?;
    let question = interview_questions::Entity::find_by_id(question_id)
        .filter(interview_questions::Column::OrganizationId.eq(interview.organization_id))
        .filter(interview_questions::Column::InterviewId.eq(interview.id))
        .one(db)
        .await?
        .ok_or(WebError::NotFound)?;
    if interview.status != STATUS_IN_PROGRESS || question.answered_at.is_some() {
        return Err(WebError::Stale);
    }
    let now = Utc::now();
    answer_drafts::Entity::insert(answer_drafts::ActiveModel {
        organization_id: Set(interview.organization_id),
        question_id: Set(question.id),
        interview_id: Set(interview.id),
        body: Set(body.to_owned()),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            answer_drafts::Column::OrganizationId,
            answer_drafts::Column::QuestionId,
        ])
        .update_columns([answer_drafts::Column::Body, answer_drafts::Column::UpdatedAt])
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(now)
}

/// The saved draft of a question and when it was saved, if any.
pub async fn draft(
    db: &DatabaseConnection,
    access: &OrganizationAccess,
    question_id: Uuid,
) -> Result<Option<(String, DateTime<Utc>)>, WebError> {
    Ok(
        answer_drafts::Entity::find_by_id((access.organization.id, question_id))
            .one(db)
            .await?
            .map(|d| (d.body, d.updated_at)),
    )
}

// ------------------------------------------------------------------------- history

/// Who may see an interview (the interviews service's rule): owners and admins see the
/// organization's, members their own.
fn visible_to(access: &OrganizationAccess) -> Condition {
    let base = Condition::all().add(interviews::Column::OrganizationId.eq(access.organization.id));
    match (access.actor, access.role) {
        (Actor::User { user_id }, Some(Role::Member)) => {
            base.add(interviews::Column::CreatedByUserId.eq(user_id))
        }
        _ => base,
    }
}

/// Filters of the history page.
#[derive(Debug, Clone, Default)]
pub struct HistoryFilter {
    pub track_id: Option<String>,
    pub verdict: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// One line of the history: the interview with its verdict and score once graded.
#[derive(Debug, Clone)]
pub struct HistoryItem {
    pub id: Uuid,
    pub track_id: Option<String>,
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub verdict: Option<String>,
    pub score: Option<i32>,
}

pub struct HistoryPage {
    pub items: Vec<HistoryItem>,
    pub page: u64,
    pub pages: u64,
    pub total: u64,
}

/// The organization's interviews visible to the caller, newest first, filtered.
pub async fn history(
    db: &DatabaseConnection,
    access: &OrganizationAccess,
    filter: &HistoryFilter,
    page: u64,
    per_page: u64,
) -> Result<HistoryPage, WebError> {
    let mut condition = visible_to(access);
    if let Some(track) = &filter.track_id {
        condition = condition.add(interviews::Column::TrackId.eq(track.clone()));
    }
    if let Some(from) = filter.from {
        condition = condition.add(interviews::Column::StartedAt.gte(from));
    }
    if let Some(until) = filter.until {
        condition = condition.add(interviews::Column::StartedAt.lt(until));
    }
    if let Some(verdict) = &filter.verdict {
        let graded = reports::Entity::find()
            .select_only()
            .column(reports::Column::InterviewId)
            .filter(reports::Column::OrganizationId.eq(access.organization.id))
            .filter(reports::Column::Verdict.eq(verdict.clone()))
            .as_query()
            .to_owned();
        condition = condition.add(interviews::Column::Id.in_subquery(graded));
    }
    let paginator = interviews::Entity::find()
        .filter(condition)
        .order_by_desc(interviews::Column::CreatedAt)
        .order_by_desc(interviews::Column::Id)
        .paginate(db, per_page.max(1));
    let counts = paginator.num_items_and_pages().await?;
    let page = page.clamp(1, counts.number_of_pages.max(1));
    let rows = paginator.fetch_page(page - 1).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let graded = if ids.is_empty() {
        Vec::new()
    } else {
        reports::Entity::find()
            .select_only()
            .column(reports::Column::InterviewId)
            .column(reports::Column::Verdict)
            .column(reports::Column::Score)
            .filter(reports::Column::OrganizationId.eq(access.organization.id))
            .filter(reports::Column::InterviewId.is_in(ids))
            .into_tuple::<(Uuid, String, i32)>()
            .all(db)
            .await?
    };
    Ok(HistoryPage {
        items: rows
            .into_iter()
            .map(|r| {
                let report = graded.iter().find(|g| g.0 == r.id);
                HistoryItem {
                    id: r.id,
                    track_id: r.track_id,
                    status: r.status,
                    started_at: r.started_at,
                    verdict: report.map(|g| g.1.clone()),
                    score: report.map(|g| g.2),
                }
            })
            .collect(),
        page,
        pages: counts.number_of_pages.max(1),
        total: counts.number_of_items,
    })
}

/// The interview in progress the caller started last, if any.
pub async fn in_progress(
    db: &DatabaseConnection,
    access: &OrganizationAccess,
) -> Result<Option<Uuid>, WebError> {
    let mut query = interviews::Entity::find()
        .filter(interviews::Column::OrganizationId.eq(access.organization.id))
        .filter(interviews::Column::Status.eq(STATUS_IN_PROGRESS));
    if let Actor::User { user_id } = access.actor {
        query = query.filter(interviews::Column::CreatedByUserId.eq(user_id));
    }
    Ok(query
        .order_by_desc(interviews::Column::CreatedAt)
        .one(db)
        .await?
        .map(|i| i.id))
}

// -------------------------------------------------------------------------- export

#[derive(Debug, Serialize)]
pub struct Export {
    pub exported_at: DateTime<Utc>,
    pub account: ExportAccount,
    pub interviews: Vec<ExportInterview>,
}

#[derive(Debug, Serialize)]
pub struct ExportAccount {
    pub email: String,
    pub name: Option<String>,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct ExportInterview {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub track_id: Option<String>,
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub questions: Vec<ExportQuestion>,
    pub report: Option<serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct ExportQuestion {
    pub position: i32,
    pub prompt: String,
    pub answer: Option<String>,
    pub time_spent_seconds: Option<i32>,
}

/// Everything the user wrote and received: their account, and every interview they
/// started (in any organization) with its answers and report.
pub async fn export(db: &DatabaseConnection, user_id: Uuid) -> Result<Export, WebError> {
    let user = user(db, user_id).await?;
    let rows = interviews::Entity::find()
        .filter(interviews::Column::CreatedByUserId.eq(user_id))
        .order_by_asc(interviews::Column::CreatedAt)
        .all(db)
        .await?;
    let mut interviews = Vec::with_capacity(rows.len());
    for i in rows {
        let questions = interview_questions::Entity::find()
            .filter(interview_questions::Column::OrganizationId.eq(i.organization_id))
            .filter(interview_questions::Column::InterviewId.eq(i.id))
            .order_by_asc(interview_questions::Column::Position)
            .all(db)
            .await?;
        let report = reports::Entity::find()
            .filter(reports::Column::OrganizationId.eq(i.organization_id))
            .filter(reports::Column::InterviewId.eq(i.id))
            .one(db)
            .await?;
        interviews.push(ExportInterview {
            id: i.id,
            organization_id: i.organization_id,
            track_id: i.track_id,
            status: i.status,
            started_at: i.started_at,
            submitted_at: i.submitted_at,
            questions: questions
                .into_iter()
                .map(|q| ExportQuestion {
                    position: q.position,
                    prompt: q.prompt,
                    answer: q.answer,
                    time_spent_seconds: q.time_spent_seconds,
                })
                .collect(),
            report: report.map(|r| r.body),
        });
    }
    Ok(Export {
        exported_at: Utc::now(),
        account: ExportAccount {
            email: user.email,
            name: user.name,
            email_verified_at: user.email_verified_at,
            created_at: user.created_at,
        },
        interviews,
    })
}

// -------------------------------------------------------------------------- delete

/// What deleting an account did.
#[derive(Debug)]
pub struct Deleted {
    /// Stripe customers to delete, which cancels their subscriptions (the caller asks
    /// Stripe; invoices and payments of the past stay with Stripe, as the law requires).
    pub stripe_customers: Vec<String>,
}

/// Deletes the account after checking its password: the personal organization with
/// all its interviews, answers, reports, drafts and usage; the memberships elsewhere;
/// every session and token; then the user. Interviews the person started in a team
/// organization stay with that organization, no longer linked to them.
pub async fn delete_account(
    deps: AccountsDeps<'_>,
    user_id: Uuid,
    password: &str,
) -> Result<Deleted, WebError> {
    let user = user(deps.db, user_id).await?;
    check_password(deps, &user, password).await?;
    let txn = crate::db::begin_write(deps.db).await?;
    let owned = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .filter(memberships::Column::Role.eq(Role::Owner.as_str()))
        .all(&txn)
        .await?;
    let personal: Vec<Uuid> = organizations::Entity::find()
        .filter(organizations::Column::Id.is_in(owned.iter().map(|m| m.organization_id)))
        .filter(organizations::Column::Kind.eq(OrganizationKind::Personal.as_str()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    let stripe_customers = billing_accounts::Entity::find()
        .filter(billing_accounts::Column::OrganizationId.is_in(personal.clone()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|a| a.stripe_customer_id)
        .collect();
    interviews::Entity::update_many()
        .col_expr(
            interviews::Column::CreatedByUserId,
            Expr::value(Option::<Uuid>::None),
        )
        .filter(interviews::Column::CreatedByUserId.eq(user_id))
        .exec(&txn)
        .await?;
    if !personal.is_empty() {
        organizations::Entity::delete_many()
            .filter(organizations::Column::Id.is_in(personal))
            .exec(&txn)
            .await?;
    }
    // Emails to the person (sent or not) name them: they go too.
    email_outbox::Entity::delete_many()
        .filter(email_outbox::Column::Recipient.eq(user.email.clone()))
        .exec(&txn)
        .await?;
    users::Entity::delete_by_id(user_id).exec(&txn).await?;
    login_throttle::lift(&txn, &user.email).await?;
    txn.commit().await?;
    Ok(Deleted { stripe_customers })
}

impl From<AccountsError> for WebError {
    fn from(e: AccountsError) -> Self {
        Self::Unexpected(anyhow::Error::new(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_is_described_briefly() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36";
        assert_eq!(describe_agent(chrome), "Chrome (headless) on Linux");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_agent(safari), "Safari on iPhone");
        assert_eq!(describe_agent("curl/8"), "Browser");
        assert!(describe_agent(&"x".repeat(5000)).len() <= 200);
    }
}
