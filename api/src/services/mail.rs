//! The email outbox: every message is a row, rendered when it is queued, unique per
//! (subject, template), and delivered by the `send_email` job.

use chrono::Utc;
use emails::RenderedEmail;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use uuid::Uuid;

use crate::entities::email_outbox;
use crate::jobs::{self, SendEmail};

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
