//! Delivers one outbox email.
//!
//! Jobs are delivered at least once, so `api::services::mail` leases the row before
//! sending: only the worker holding the lease sends, and a row already `sent` is never
//! sent again. The one window left is a crash after the SMTP server accepted the
//! message but before `sent` was written; the lease then expires and the message goes
//! out again with the same `Message-ID` (the row id), which lets receivers recognise
//! the duplicate.

use std::time::Duration;

use api::jobs::SendEmail;
use api::services::mail::{self, Lease};
use emails::OutgoingEmail;

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
        if let Err(e) = mail::mark_failed(&ctx.state.db, job.outbox_id, &error.to_string()).await {
            tracing::error!(error = %e, outbox_id = %job.outbox_id, "cannot mark an email as failed");
        }
    }
}

#[tracing::instrument(skip_all, fields(outbox_id = %job.outbox_id))]
pub async fn send_email(job: &SendEmail, ctx: &JobContext) -> Result<(), JobError> {
    let db = &ctx.state.db;
    let row = match mail::lease(db, job.outbox_id, LEASE).await? {
        Lease::Held(row) => row,
        Lease::Done(status) => {
            tracing::info!(%status, "email already handled; nothing to do");
            return Ok(());
        }
        Lease::HeldElsewhere => {
            return Err(JobError::transient(anyhow::anyhow!(
                "another worker is sending this email"
            )));
        }
    };
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
    match sent {
        Ok(()) => {
            mail::mark_sent(db, row.id).await?;
            tracing::info!(template = %row.template, "email sent");
            Ok(())
        }
        Err(e) => {
            let permanent = e.is_permanent();
            if let Err(db_err) = mail::release(db, row.id, &e.to_string(), permanent).await {
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
