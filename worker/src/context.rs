//! What every job handler gets: the application state, the mailer, the LLM grader
//! when configured, and the webhook client.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use api::AppState;
use api::config::{GraderKind, MailTransport};
use emails::Mailer;
use secrecy::ExposeSecret;

use crate::grading::llm::LlmGrader;

/// What every job handler gets.
#[derive(Clone)]
pub struct JobContext {
    pub state: AppState,
    pub mailer: Mailer,
    /// Set when `REHEARSE__GRADER__KIND=llm`.
    pub llm: Option<Arc<LlmGrader>>,
    /// For partner webhooks (see [`crate::webhook_client`]).
    pub webhooks: reqwest::Client,
}

impl JobContext {
    pub fn new(state: AppState) -> anyhow::Result<Self> {
        let mail = &state.config.settings.mail;
        let mailer = match mail.transport {
            MailTransport::File => Mailer::file(state.config.outbox_dir()),
            MailTransport::Smtp => {
                let url = mail
                    .smtp_url
                    .as_ref()
                    .context("REHEARSE__MAIL__SMTP_URL is required for the smtp transport")?;
                Mailer::smtp(url.expose_secret(), Duration::from_secs(mail.smtp_timeout_secs))
                    .map_err(|e| anyhow::anyhow!("invalid setting REHEARSE__MAIL__SMTP_URL: {e}"))?
            }
        };
        let llm = match state.config.settings.grader.kind {
            GraderKind::Rubric => None,
            GraderKind::Llm => Some(Arc::new(
                LlmGrader::new(&state.config.settings, state.metrics.clone())
                    .context("cannot set up the LLM grader")?,
            )),
        };
        let webhooks = crate::webhook_client::build(&state.config.settings.webhooks)?;
        Ok(Self {
            state,
            mailer,
            llm,
            webhooks,
        })
    }
}
