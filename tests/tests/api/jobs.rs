//! The job queue: enqueued by the API, run by workers started separately, shared by
//! several workers, each job run once.

use std::collections::HashSet;
use std::time::Duration;

use api::jobs::Job;
use serde::{Deserialize, Serialize};
use tests::builder;

#[tokio::test]
async fn jobs_wait_in_the_queue_until_a_worker_starts() {
    let app = builder().without_workers().spawn().await;
    let session = app.signup().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.smtp.messages().await.is_empty());
    let counts = api::jobs::counts(&app.state.db).await.unwrap();
    assert!(
        counts.iter().any(|c| c.state == "pending" && c.count == 1),
        "{counts:?}"
    );

    // A worker started later, with its own pool, picks the job up.
    let monitor = worker::prepare(&app.state).await.unwrap();
    tokio::spawn(monitor.run());
    app.emails_to(&session.email, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn several_workers_share_the_queue_and_each_job_runs_once() {
    let app = builder().without_workers().spawn().await;
    let mut emails = Vec::new();
    for _ in 0..12 {
        emails.push(app.signup().await.email);
    }
    for _ in 0..3 {
        let monitor = worker::prepare(&app.state).await.unwrap();
        tokio::spawn(monitor.run());
    }
    for email in &emails {
        app.emails_to(email, 1).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let messages = app.smtp.messages().await;
    assert_eq!(messages.len(), emails.len());
    let ids: HashSet<_> = messages.iter().map(|m| m.header("Message-ID")).collect();
    assert_eq!(ids.len(), emails.len());
}

/// A payload the `send_email` queue cannot decode.
#[derive(Serialize, Deserialize)]
struct Garbage {
    nonsense: bool,
}

impl Job for Garbage {
    const QUEUE: &'static str = api::jobs::SendEmail::QUEUE;
    const MAX_ATTEMPTS: u32 = 3;
}

#[tokio::test]
async fn an_undecodable_job_is_dead_lettered_and_the_worker_keeps_going() {
    let app = builder().spawn().await;
    api::jobs::enqueue(&app.state.db, &Garbage { nonsense: true }, None)
        .await
        .unwrap();
    let session = app.signup().await;
    app.emails_to(&session.email, 1).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let counts = api::jobs::counts(&app.state.db).await.unwrap();
        if counts.iter().any(|c| c.state == "dead" && c.count == 1) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{counts:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_idempotency_key_keeps_a_job_from_being_queued_twice() {
    let app = builder().without_workers().spawn().await;
    let job = api::jobs::SendEmail {
        outbox_id: uuid::Uuid::new_v4(),
    };
    assert!(
        api::jobs::enqueue(&app.state.db, &job, Some("same"))
            .await
            .unwrap()
    );
    assert!(
        !api::jobs::enqueue(&app.state.db, &job, Some("same"))
            .await
            .unwrap()
    );
    assert!(
        api::jobs::enqueue(&app.state.db, &job, Some("other"))
            .await
            .unwrap()
    );
}
