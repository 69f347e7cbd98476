//! Delivers one outbox email.
//!
//! Jobs are delivered at least once, so a row is leased before sending: only the
//! worker holding the lease sends, and a row already `sent` is never sent again. The
//! one window left is a crash after the SMTP server accepted the message but before
//! `sent` was written; the lease then expires and the message goes out again with the
//! same `Message-ID` (the row id), which lets receivers recognise the duplicate.

use std::time::Duration;

use api::entities::email_outbox;
use api::jobs::SendEmail;
use api::services::mail::{STATUS_FAILED, STATUS_PENDING, STATUS_SENDING, STATUS_SENT};
use chrono::Utc;
use emails::OutgoingEmail;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::context::JobContext;
use crate::runner::{JobError, JobHandler};

/// How long a worker may hold a row while talking to the mail server. Longer than the
/// job timeout, so a live sender never loses its lease.
const LEASE: Duration = Duration::from_secs(120);

pub struct SendEmailHandler;

impl JobHandler for SendEmailHandler {
    type Job = SendEmail;
    const TIMEOUT: Duration = Duration::from_secs(60);

    async fn run(job: SendEmail, ctx: &JobContext, _attempt: usize) -> Result<(), JobError> {
        send_email(&job, ctx).await
    }

    async fn exhausted(job: &SendEmail, ctx: &JobContext, error: &JobError) {
        let result = email_outbox::Entity::update_many()
            .col_expr(email_outbox::Column::Status, Expr::value(STATUS_FAILED))
            .col_expr(
                email_outbox::Column::LastError,
                Expr::value(Some(error.to_string())),
            )
            .col_expr(
                email_outbox::Column::LeaseExpiresAt,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .filter(email_outbox::Column::Id.eq(job.outbox_id))
            .filter(email_outbox::Column::Status.is_in([STATUS_PENDING, STATUS_SENDING]))
            .exec(&ctx.state.db)
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, outbox_id = %job.outbox_id, "cannot mark an email as failed");
        }
    }
}

#[tracing::instrument(skip_all, fields(outbox_id = %job.outbox_id))]
pub async fn send_email(job: &SendEmail, ctx: &JobContext) -> Result<(), JobError> {
    let db = &ctx.state.db;
    let now = Utc::now();
    let lease_until =
        now + chrono::Duration::from_std(LEASE).unwrap_or_else(|_| chrono::Duration::minutes(2));

    // Take the lease: a pending row, or one whose previous holder died.
    let claimed = email_outbox::Entity::update_many()
        .col_expr(email_outbox::Column::Status, Expr::value(STATUS_SENDING))
        .col_expr(
            email_outbox::Column::LeaseExpiresAt,
            Expr::value(Some(lease_until)),
        )
        .col_expr(
            email_outbox::Column::Attempts,
            sea_orm::ExprTrait::add(Expr::col(email_outbox::Column::Attempts), 1),
        )
        .filter(email_outbox::Column::Id.eq(job.outbox_id))
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
        .map_err(JobError::transient)?;

    let row = email_outbox::Entity::find_by_id(job.outbox_id)
        .one(db)
        .await
        .map_err(JobError::transient)?
        .ok_or_else(|| JobError::permanent(anyhow::anyhow!("outbox row {} does not exist", job.outbox_id)))?;
    if claimed.rows_affected == 0 {
        return match row.status.as_str() {
            STATUS_SENT | STATUS_FAILED => {
                tracing::info!(status = %row.status, "email already handled; nothing to do");
                Ok(())
            }
            _ => Err(JobError::transient(anyhow::anyhow!(
                "another worker is sending this email"
            ))),
        };
    }

    let id = row.id.to_string();
    let content = emails::RenderedEmail {
        subject: row.subject.clone(),
        html: row.html_body.clone(),
        text: row.text_body.clone(),
    };
    let sent = ctx
        .mailer
        .send(OutgoingEmail {
            id: &id,
            from: &ctx.state.config.settings.mail.from,
            to: &row.recipient,
            content: &content,
        })
        .await;

    let no_lease = Option::<chrono::DateTime<Utc>>::None;
    match sent {
        Ok(()) => {
            email_outbox::Entity::update_many()
                .col_expr(email_outbox::Column::Status, Expr::value(STATUS_SENT))
                .col_expr(email_outbox::Column::SentAt, Expr::value(Some(Utc::now())))
                .col_expr(email_outbox::Column::LeaseExpiresAt, Expr::value(no_lease))
                .filter(email_outbox::Column::Id.eq(row.id))
                .exec(db)
                .await
                .map_err(JobError::transient)?;
            tracing::info!(template = %row.template, "email sent");
            Ok(())
        }
        Err(e) => {
            let permanent = e.is_permanent();
            let status = if permanent { STATUS_FAILED } else { STATUS_PENDING };
            let release = email_outbox::Entity::update_many()
                .col_expr(email_outbox::Column::Status, Expr::value(status))
                .col_expr(email_outbox::Column::LastError, Expr::value(Some(e.to_string())))
                .col_expr(email_outbox::Column::LeaseExpiresAt, Expr::value(no_lease))
                .filter(email_outbox::Column::Id.eq(row.id))
                .exec(db)
                .await;
            if let Err(db_err) = release {
                tracing::warn!(error = %db_err, "cannot release the email lease; it will expire");
            }
            let error = anyhow::Error::new(e).context("the email could not be sent");
            Err(if permanent {
                JobError::permanent(error)
            } else {
                JobError::transient(error)
            })
        }
    }
}
