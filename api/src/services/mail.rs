//! The email outbox: every message is a row, rendered when it is queued, unique per
//! (subject, template), and delivered by the `send_email` job, which leases the row
//! here before sending and marks it `sent` or `failed` here after.

use chrono::{DateTime, Utc};
use emails::RenderedEmail;
use sea_orm::sea_query::{Condition, Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use crate::entities::email_outbox;
use crate::jobs::{self, SendEmail};
use crate::services::work::{Doing, WorkError};

pub const STATUS_PENDING: &str = "pending";
/// Leased to one worker until `lease_expires_at`.
pub const STATUS_SENDING: &str = "sending";
pub const STATUS_SENT: &str = "sent";
pub const STATUS_FAILED: &str = "failed";

/// A message to queue.
pub struct QueuedEmail<'a> {
    pub organization_id: Option<Uuid>,
    /// What the message is about (`email_token:<id>`, `interview:<id>`): together with
    /// the template it identifies the message, so it can never be queued twice.
    pub subject_key: String,
    pub template: &'static str,
    pub recipient: &'a str,
    pub content: RenderedEmail,
}

/// Stores the message and enqueues its delivery, in the caller's transaction. Returns
/// the outbox id, or `None` when the same message was already queued.
pub async fn queue<C: ConnectionTrait>(db: &C, email: QueuedEmail<'_>) -> Result<Option<Uuid>, DbErr> {
    let id = Uuid::now_v7();
    let row = email_outbox::ActiveModel {
        id: Set(id),
        organization_id: Set(email.organization_id),
        subject_key: Set(email.subject_key),
        template: Set(email.template.to_owned()),
        recipient: Set(email.recipient.to_owned()),
        subject: Set(email.content.subject),
        html_body: Set(email.content.html),
        text_body: Set(email.content.text),
        status: Set(STATUS_PENDING.to_owned()),
        lease_expires_at: Set(None),
        attempts: Set(0),
        last_error: Set(None),
        created_at: Set(Utc::now()),
        sent_at: Set(None),
    };
    let inserted = email_outbox::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([email_outbox::Column::SubjectKey, email_outbox::Column::Template])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    if inserted == 0 {
        return Ok(None);
    }
    jobs::enqueue(db, &SendEmail { outbox_id: id }, Some(&format!("email:{id}"))).await?;
    Ok(Some(id))
}

/// The outcome of trying to lease a queued email for sending.
#[derive(Debug)]
pub enum Lease {
    /// This worker holds the row until the lease expires: send it.
    Held(Box<email_outbox::Model>),
    /// Already `sent` or `failed`: nothing to do.
    Done(String),
    /// Another worker holds a live lease.
    HeldElsewhere,
}

/// Leases the row for `duration`: a `pending` row, or a `sending` one whose holder
/// died (its lease expired). Counts the attempt.
pub async fn lease(
    db: &DatabaseConnection,
    outbox_id: Uuid,
    duration: std::time::Duration,
) -> Result<Lease, WorkError> {
    let now = Utc::now();
    let until = now + chrono::Duration::from_std(duration).unwrap_or_else(|_| chrono::Duration::minutes(2));
    let claimed = email_outbox::Entity::update_many()
        .col_expr(email_outbox::Column::Status, Expr::value(STATUS_SENDING))
        .col_expr(email_outbox::Column::LeaseExpiresAt, Expr::value(Some(until)))
        .col_expr(
            email_outbox::Column::Attempts,
            sea_orm::ExprTrait::add(Expr::col(email_outbox::Column::Attempts), 1),
        )
        .filter(email_outbox::Column::Id.eq(outbox_id))
        .filter(
            Condition::any()
                .add(email_outbox::Column::Status.eq(STATUS_PENDING))
                .add(
                    Condition::all()
                        .add(email_outbox::Column::Status.eq(STATUS_SENDING))
                        .add(email_outbox::Column::LeaseExpiresAt.lt(now)),
                ),
        )
        .exec(db)
        .await
        .doing(|| format!("cannot lease outbox row {outbox_id}"))?;
    let row = email_outbox::Entity::find_by_id(outbox_id)
        .one(db)
        .await
        .doing(|| format!("cannot load outbox row {outbox_id}"))?
        .ok_or_else(|| WorkError::permanent(anyhow::anyhow!("outbox row {outbox_id} does not exist")))?;
    if claimed.rows_affected == 1 {
        return Ok(Lease::Held(Box::new(row)));
    }
    Ok(match row.status.as_str() {
        STATUS_SENT | STATUS_FAILED => Lease::Done(row.status),
        _ => Lease::HeldElsewhere,
    })
}

fn no_lease() -> Option<DateTime<Utc>> {
    None
}

/// The mail server accepted the message.
pub async fn mark_sent(db: &DatabaseConnection, outbox_id: Uuid) -> Result<(), WorkError> {
    email_outbox::Entity::update_many()
        .col_expr(email_outbox::Column::Status, Expr::value(STATUS_SENT))
        .col_expr(email_outbox::Column::SentAt, Expr::value(Some(Utc::now())))
        .col_expr(email_outbox::Column::LeaseExpiresAt, Expr::value(no_lease()))
        .filter(email_outbox::Column::Id.eq(outbox_id))
        .exec(db)
        .await
        .doing(|| format!("cannot mark outbox row {outbox_id} sent"))?;
    Ok(())
}

/// The send failed: gives the lease back, `pending` again for a retry or `failed` when
/// retrying cannot help, with the error.
pub async fn release(
    db: &DatabaseConnection,
    outbox_id: Uuid,
    error: &str,
    permanent: bool,
) -> Result<(), WorkError> {
    let status = if permanent { STATUS_FAILED } else { STATUS_PENDING };
    email_outbox::Entity::update_many()
        .col_expr(email_outbox::Column::Status, Expr::value(status))
        .col_expr(
            email_outbox::Column::LastError,
            Expr::value(Some(error.to_owned())),
        )
        .col_expr(email_outbox::Column::LeaseExpiresAt, Expr::value(no_lease()))
        .filter(email_outbox::Column::Id.eq(outbox_id))
        .exec(db)
        .await
        .doing(|| format!("cannot release the lease of outbox row {outbox_id}"))?;
    Ok(())
}

/// The last attempt failed: the row ends `failed` with the error, unless it was sent.
pub async fn mark_failed(db: &DatabaseConnection, outbox_id: Uuid, error: &str) -> Result<(), WorkError> {
    email_outbox::Entity::update_many()
        .col_expr(email_outbox::Column::Status, Expr::value(STATUS_FAILED))
        .col_expr(
            email_outbox::Column::LastError,
            Expr::value(Some(error.to_owned())),
        )
        .col_expr(email_outbox::Column::LeaseExpiresAt, Expr::value(no_lease()))
        .filter(email_outbox::Column::Id.eq(outbox_id))
        .filter(email_outbox::Column::Status.is_in([STATUS_PENDING, STATUS_SENDING]))
        .exec(db)
        .await
        .doing(|| format!("cannot mark outbox row {outbox_id} failed"))?;
    Ok(())
}
