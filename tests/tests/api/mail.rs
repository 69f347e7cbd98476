//! Mail goes through the outbox and a `send_email` job, over a real SMTP conversation.

use std::time::Duration;

use api::entities::email_outbox;
use api::jobs::{Job, SendEmail};
use api::services::mail::{self, QueuedEmail};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tests::{PUBLIC_BASE_URL, TestApp, builder, spawn_app};

async fn outbox_for(app: &TestApp, recipient: &str) -> Vec<email_outbox::Model> {
    email_outbox::Entity::find()
        .filter(email_outbox::Column::Recipient.eq(recipient))
        .all(&app.state.db)
        .await
        .unwrap()
}

async fn wait_for_status(app: &TestApp, recipient: &str, status: &str) -> email_outbox::Model {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let rows = outbox_for(app, recipient).await;
        if let Some(row) = rows.iter().find(|r| r.status.as_str() == status) {
            return row.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "outbox never reached {status}: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn links_come_from_the_public_base_url_never_from_the_request_host() {
    let app = spawn_app().await;
    let response = app
        .post("/v1/auth/signup")
        .header("Host", "evil.example")
        .header("X-Forwarded-Host", "evil.example")
        .json(&serde_json::json!({"email": "host@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let mail = app.emails_to("host@example.com", 1).await.remove(0);
    let text = mail.decoded();
    assert!(
        text.contains(&format!("{PUBLIC_BASE_URL}verify-email?token=")),
        "{text}"
    );
    assert!(!text.contains("evil.example"));
    assert_eq!(mail.from, "no-reply@rehearse.test");
    assert_eq!(mail.header("To").as_deref(), Some("host@example.com"));
    assert!(mail.data.contains("multipart/alternative"));
    assert!(mail.data.contains("text/plain") && mail.data.contains("text/html"));
    let row = &outbox_for(&app, "host@example.com").await[0];
    assert_eq!(
        mail.header("Message-ID"),
        Some(format!("<{}@rehearse.test>", row.id))
    );
}

#[tokio::test]
async fn a_temporary_smtp_failure_is_retried_and_the_email_arrives_once() {
    let app = spawn_app().await;
    app.smtp.refuse_next(2);
    let session = app.signup().await;
    let row = wait_for_status(&app, &session.email, "sent").await;
    assert_eq!(row.attempts, 3);
    assert!(row.sent_at.is_some());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.smtp
            .wait_for(&session.email, 1, Duration::from_millis(10))
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn running_the_job_again_for_a_sent_email_sends_nothing() {
    let app = spawn_app().await;
    let session = app.signup().await;
    let row = wait_for_status(&app, &session.email, "sent").await;
    let ctx = worker::JobContext::new(app.state.clone()).unwrap();
    for _ in 0..3 {
        worker::jobs::send_email::send_email(&SendEmail { outbox_id: row.id }, &ctx)
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        app.smtp
            .wait_for(&session.email, 1, Duration::from_millis(10))
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn an_email_that_keeps_failing_ends_dead_lettered_and_visible() {
    let app = spawn_app().await;
    app.smtp.refuse_next(1_000);
    let session = app.signup().await;
    let row = wait_for_status(&app, &session.email, "failed").await;
    assert_eq!(row.attempts, SendEmail::MAX_ATTEMPTS_I32);
    assert!(row.last_error.unwrap().contains("451"));
    // The queue records the job's end just after the outbox row is marked.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let counts = api::jobs::counts(&app.state.db).await.unwrap();
        let dead = counts
            .iter()
            .any(|c| c.queue == "rehearse.send_email" && c.state == "dead" && c.count == 1);
        if dead {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{counts:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let dead = api::jobs::dead_jobs(&app.state.db, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].queue, "rehearse.send_email");
    let metrics = app.get("/metrics").send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains(r#"rehearse_jobs{queue="rehearse.send_email",state="dead"} 1"#));
}

#[tokio::test]
async fn an_invalid_recipient_fails_at_once_without_retries() {
    let app = spawn_app().await;
    mail::queue(
        &app.state.db,
        QueuedEmail {
            organization_id: None,
            subject_key: "test:invalid".into(),
            template: "verify_email",
            recipient: "not an address",
            content: emails::RenderedEmail {
                subject: "s".into(),
                html: "<p>h</p>".into(),
                text: "t".into(),
            },
        },
    )
    .await
    .unwrap();
    let row = wait_for_status(&app, "not an address", "failed").await;
    assert_eq!(row.attempts, 1);
    assert!(app.smtp.messages().await.is_empty());
}

#[tokio::test]
async fn the_same_email_cannot_be_queued_twice() {
    let app = builder().without_workers().spawn().await;
    let email = || QueuedEmail {
        organization_id: None,
        subject_key: "test:once".into(),
        template: "verify_email",
        recipient: "once@example.com",
        content: emails::RenderedEmail {
            subject: "s".into(),
            html: "h".into(),
            text: "t".into(),
        },
    };
    assert!(mail::queue(&app.state.db, email()).await.unwrap().is_some());
    assert!(mail::queue(&app.state.db, email()).await.unwrap().is_none());
    assert_eq!(outbox_for(&app, "once@example.com").await.len(), 1);
    let pending: i64 = api::jobs::counts(&app.state.db)
        .await
        .unwrap()
        .iter()
        .filter(|c| c.state == "pending")
        .map(|c| c.count)
        .sum();
    assert_eq!(pending, 1);
}

#[tokio::test]
async fn a_failed_signup_queues_no_email_and_no_job() {
    let app = builder().without_workers().spawn().await;
    app.signup_as("dup@example.com").await;
    let before = api::jobs::counts(&app.state.db).await.unwrap();
    let response = app.signup_response("dup@example.com", tests::PASSWORD).await;
    assert_eq!(response.status(), 409);
    assert_eq!(outbox_for(&app, "dup@example.com").await.len(), 1);
    assert_eq!(api::jobs::counts(&app.state.db).await.unwrap(), before);
}
