use std::time::Duration;

use anyhow::Context;
use api::AppState;
use api::config::MailTransport;
use emails::Mailer;
use secrecy::ExposeSecret;

/// What every job handler gets.
#[derive(Clone)]
pub struct JobContext {
    pub state: AppState,
    pub mailer: Mailer,
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
        Ok(Self { state, mailer })
    }
}
