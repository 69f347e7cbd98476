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
    /// For partner webhooks: bounded time, no redirects (a redirect could lead to a
    /// private address).
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
        let mut webhooks = reqwest::Client::builder()
            .timeout(Duration::from_secs(state.config.settings.webhooks.timeout_secs))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Rehearse-Webhooks/", env!("CARGO_PKG_VERSION")))
            .no_proxy();
        if !state.config.settings.webhooks.allow_private_targets {
            webhooks = webhooks.dns_resolver(Arc::new(crate::jobs::deliver_webhook::PublicOnlyResolver));
        }
        let webhooks = webhooks.build().context("cannot build the webhook client")?;
        Ok(Self {
            state,
            mailer,
            llm,
            webhooks,
        })
    }
}
