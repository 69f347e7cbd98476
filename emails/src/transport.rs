//! Delivery of rendered emails: SMTP (a real SMTP conversation, TLS as the URL says)
//! or a folder of `.eml` files for development and tests.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::RenderedEmail;

/// One message to deliver.
#[derive(Debug, Clone, Copy)]
pub struct OutgoingEmail<'a> {
    /// Stable identifier of the message (the outbox row's id): it becomes the
    /// `Message-ID` and the file name, so a resend is recognisable as the same message.
    pub id: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub content: &'a RenderedEmail,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The message can never be sent as it is (bad address, rejected by the server).
    #[error("the message was refused: {0}")]
    Permanent(String),
    /// Sending failed in a way that may work later (network, timeout, 4xx reply).
    #[error("the mail transport failed: {0}")]
    Transient(String),
}

impl MailError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Permanent(_))
    }
}

/// Whether `s` is a usable sender or recipient (`a@b.c` or `Name <a@b.c>`).
pub fn is_valid_mailbox(s: &str) -> bool {
    s.parse::<Mailbox>().is_ok()
}

/// Where mail goes.
#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(PathBuf),
}

impl std::fmt::Debug for Mailer {
    // The SMTP transport holds credentials: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Smtp(_) => f.write_str("Mailer::Smtp"),
            Self::File(dir) => f.debug_tuple("Mailer::File").field(dir).finish(),
        }
    }
}

impl Mailer {
    /// An SMTP transport from a URL: `smtp://host:port` (plain), `smtp://…?tls=required`
    /// or `?tls=opportunistic` (STARTTLS), `smtps://…` (implicit TLS); credentials as
    /// `smtp://user:password@host`.
    pub fn smtp(url: &str, timeout: Duration) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            // lettre's message names the part of the URL at fault and never echoes it.
            .map_err(|e| MailError::Permanent(format!("invalid SMTP URL: {e}")))?
            .timeout(Some(timeout))
            .build();
        Ok(Self::Smtp(transport))
    }

    /// Writes one `<id>.eml` file per message into `dir` (created if missing).
    pub fn file(dir: impl Into<PathBuf>) -> Self {
        Self::File(dir.into())
    }

    pub async fn send(&self, email: OutgoingEmail<'_>) -> Result<(), MailError> {
        let message = build_message(email)?;
        match self {
            Self::Smtp(transport) => transport.send(message).await.map(drop).map_err(|e| {
                if e.is_permanent() {
                    MailError::Permanent(e.to_string())
                } else {
                    MailError::Transient(e.to_string())
                }
            }),
            Self::File(dir) => write_eml(dir, email.id, &message.formatted())
                .await
                .map_err(|e| MailError::Transient(format!("cannot write to the outbox folder: {e}"))),
        }
    }
}

fn build_message(email: OutgoingEmail<'_>) -> Result<Message, MailError> {
    let from: Mailbox = email
        .from
        .parse()
        .map_err(|e| MailError::Permanent(format!("invalid sender address: {e}")))?;
    let to: Mailbox = email
        .to
        .parse()
        .map_err(|e| MailError::Permanent(format!("invalid recipient address: {e}")))?;
    let domain = from.email.domain().to_owned();
    Message::builder()
        .message_id(Some(format!("<{}@{}>", email.id, domain)))
        .from(from)
        .to(to)
        .subject(email.content.subject.as_str())
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    lettre::message::SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(email.content.text.clone()),
                )
                .singlepart(
                    lettre::message::SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(email.content.html.clone()),
                ),
        )
        .map_err(|e| MailError::Permanent(format!("cannot build the message: {e}")))
}

/// Writes atomically (temporary file, then rename) so a reader never sees half a
/// message and a resend of the same id replaces the file instead of adding one.
async fn write_eml(dir: &Path, id: &str, bytes: &[u8]) -> std::io::Result<()> {
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "message id is not a safe file name",
        ));
    }
    tokio::fs::create_dir_all(dir).await?;
    let tmp = dir.join(format!(".{id}.eml.tmp"));
    tokio::fs::write(&tmp, bytes).await?;
    tokio::fs::rename(&tmp, dir.join(format!("{id}.eml"))).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn content() -> RenderedEmail {
        RenderedEmail {
            subject: "Hello".into(),
            html: "<p>Hi</p>".into(),
            text: "Hi".into(),
        }
    }

    #[tokio::test]
    async fn file_transport_writes_one_eml_per_message_id_and_overwrites_on_resend() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::file(dir.path().join("outbox"));
        let content = content();
        let email = OutgoingEmail {
            id: "0195f6f2-1111-7000-8000-000000000001",
            from: "Rehearse <no-reply@rehearse.example>",
            to: "ada@example.com",
            content: &content,
        };
        mailer.send(email).await.unwrap();
        mailer.send(email).await.unwrap();
        let files: Vec<_> = std::fs::read_dir(dir.path().join("outbox")).unwrap().collect();
        assert_eq!(files.len(), 1);
        let eml =
            std::fs::read_to_string(dir.path().join("outbox").join(format!("{}.eml", email.id))).unwrap();
        assert!(eml.contains("Subject: Hello"));
        assert!(eml.contains("Message-ID: <0195f6f2-1111-7000-8000-000000000001@rehearse.example>"));
        assert!(eml.contains("multipart/alternative"));
    }

    #[tokio::test]
    async fn invalid_recipient_is_a_permanent_failure() {
        let dir = tempfile::tempdir().unwrap();
        let content = content();
        let err = Mailer::file(dir.path())
            .send(OutgoingEmail {
                id: "x1",
                from: "no-reply@rehearse.example",
                to: "not an address",
                content: &content,
            })
            .await
            .unwrap_err();
        assert!(err.is_permanent());
    }

    #[test]
    fn unknown_smtp_scheme_is_rejected() {
        assert!(Mailer::smtp("http://localhost:25", Duration::from_secs(5)).is_err());
    }
}
