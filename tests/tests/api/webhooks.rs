//! Partner webhooks: endpoints are registered per organization, `interview.graded` and
//! `interview.failed` reach them signed, a failing endpoint is retried, and what
//! happened is visible in the delivery log.

use api::jobs::Job;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tests::webhook_receiver::{Received, WebhookReceiver};
use tests::{TestApp, assert_problem, builder, spawn_app};
use uuid::Uuid;

const TRACK: &str = "senior-backend-fintech";

/// Checks `Rehearse-Signature` the way a partner would, from the documented scheme.
fn assert_signed(received: &Received, secret: &str) {
    let header = received.signature.as_deref().expect("a signature header");
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", t)) => timestamp = Some(t.to_owned()),
            Some(("v1", v)) => signatures.push(v.to_owned()),
            _ => panic!("unexpected part {part} in {header}"),
        }
    }
    let timestamp = timestamp.expect("t=");
    let age = chrono::Utc::now().timestamp() - timestamp.parse::<i64>().unwrap();
    assert!((0..300).contains(&age), "signed {age} s ago");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(&received.body);
    let expected = hex::encode(mac.finalize().into_bytes());
    assert_eq!(signatures, vec![expected], "the signature does not verify");
}

async fn register(app: &TestApp, token: &str, org: Uuid, url: &str) -> Value {
    let response = app
        .post(&format!("/v1/organizations/{org}/webhooks"))
        .bearer_auth(token)
        .json(&json!({"url": url}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn post_transcript(app: &TestApp, key: &str) -> String {
    let transcript = json!({
        "track_id": TRACK,
        "items": [{"question_id": "url-shortener", "answer": "A base62 counter, a key-value store and a CDN, because reads dominate.", "time_spent_seconds": 600}],
        "candidate": {"email": "cand@example.com", "external_ref": "ats-7"}
    });
    app.submit_transcript(key, &transcript).await
}

async fn deliveries(app: &TestApp, token: &str, org: Uuid, endpoint: &str) -> Value {
    app.get_json(
        &format!("/v1/organizations/{org}/webhooks/{endpoint}/deliveries"),
        token,
    )
    .await
}

/// Polls the delivery log until its newest entry has `status`.
async fn wait_for_delivery(app: &TestApp, token: &str, org: Uuid, endpoint: &str, status: &str) -> Value {
    for _ in 0..400 {
        let log = deliveries(app, token, org, endpoint).await;
        if log[0]["status"] == status {
            return log;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "no {status} delivery: {}",
        deliveries(app, token, org, endpoint).await
    );
}

#[tokio::test]
async fn a_graded_interview_reaches_the_partner_signed() {
    let app = spawn_app().await;
    let receiver = WebhookReceiver::start().await;
    let owner = app.signup().await;
    let org = app.create_organization(&owner, "partner").await;
    let (_, key) = app.create_api_key(&owner, org).await;
    let endpoint = register(&app, &key, org, &receiver.url).await;
    let secret = endpoint["secret"].as_str().unwrap();
    assert!(secret.starts_with("rwhsec_"), "{secret}");
    assert_eq!(
        endpoint["events"],
        json!(["interview.graded", "interview.failed"])
    );

    let interview = post_transcript(&app, &key).await;
    let received = receiver.wait_for(1).await;
    let delivery = &received[0];
    assert_eq!(delivery.path, "/hooks");
    assert_signed(delivery, secret);
    let event = delivery.json();
    assert_eq!(event["type"], "interview.graded");
    assert_eq!(delivery.event_type.as_deref(), Some("interview.graded"));
    assert_eq!(delivery.event_id.as_deref(), event["id"].as_str());
    assert_eq!(event["data"]["interview_id"], interview);
    assert_eq!(event["data"]["candidate_email"], "cand@example.com");
    assert_eq!(event["data"]["candidate_external_ref"], "ats-7");
    assert_eq!(event["data"]["grader"], "rubric");

    // The event matches the stored report, and its link opens the results page.
    let report: Value = app
        .get_json(&format!("/v1/interviews/{interview}/report"), &key)
        .await;
    assert_eq!(event["data"]["score"], report["score"]);
    assert_eq!(event["data"]["verdict"], report["verdict"]);
    assert_eq!(event["data"]["report_url"], report["share_url"]);

    let id = endpoint["id"].as_str().unwrap();
    let log = wait_for_delivery(&app, &key, org, id, "delivered").await;
    assert_eq!(log.as_array().unwrap().len(), 1);
    assert_eq!(log[0]["attempts"], 1);
    assert_eq!(log[0]["last_status"], 200);
    assert_eq!(log[0]["event_type"], "interview.graded");
    // The secret is shown once only.
    let listed: Value = app
        .get_json(&format!("/v1/organizations/{org}/webhooks"), &key)
        .await;
    assert_eq!(listed[0]["id"], endpoint["id"]);
    assert!(listed[0].get("secret").is_none(), "{listed}");
}

#[tokio::test]
async fn a_failing_endpoint_is_retried_with_the_same_event_until_it_answers() {
    let app = spawn_app().await;
    let receiver = WebhookReceiver::start().await;
    receiver.answer_next([500, 503]);
    let owner = app.signup().await;
    let org = app.create_organization(&owner, "partner").await;
    let (_, key) = app.create_api_key(&owner, org).await;
    let endpoint = register(&app, &owner.access_token, org, &receiver.url).await;
    let secret = endpoint["secret"].as_str().unwrap();

    post_transcript(&app, &key).await;
    let received = receiver.wait_for(3).await;
    let ids: Vec<_> = received.iter().map(|r| r.json()["id"].clone()).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "one event, retried: {ids:?}");
    for delivery in &received {
        assert_signed(delivery, secret);
    }
    let log = wait_for_delivery(&app, &key, org, endpoint["id"].as_str().unwrap(), "delivered").await;
    assert_eq!(log[0]["attempts"], 3);
    assert_eq!(log[0]["last_status"], 200);
    // Delivered: nothing more arrives.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 3);
}

#[tokio::test]
async fn an_endpoint_that_never_answers_well_ends_failed_after_the_last_attempt() {
    let app = spawn_app().await;
    let receiver = WebhookReceiver::start().await;
    receiver.answer_next([410; 50]);
    let owner = app.signup().await;
    let org = app.create_organization(&owner, "partner").await;
    let (_, key) = app.create_api_key(&owner, org).await;
    let endpoint = register(&app, &key, org, &receiver.url).await;

    post_transcript(&app, &key).await;
    let log = wait_for_delivery(&app, &key, org, endpoint["id"].as_str().unwrap(), "failed").await;
    let attempts = api::jobs::DeliverWebhook::MAX_ATTEMPTS;
    assert_eq!(log[0]["attempts"], attempts);
    assert_eq!(log[0]["last_status"], 410);
    assert_eq!(receiver.received().len(), usize::try_from(attempts).unwrap());
}

#[tokio::test]
async fn a_grading_that_fails_for_good_is_delivered_as_interview_failed() {
    let app = builder().without_workers().spawn().await;
    let receiver = WebhookReceiver::start().await;
    let user = app.signup().await;
    let endpoint = register(&app, &user.access_token, user.organization_id, &receiver.url).await;
    let interview = app
        .take_interview(&user.access_token, TRACK, |_| "An answer.".to_owned())
        .await;
    // Sabotage: the answers vanish, so grading fails for good.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    api::entities::interview_questions::Entity::delete_many()
        .filter(
            api::entities::interview_questions::Column::InterviewId.eq(interview.parse::<Uuid>().unwrap()),
        )
        .exec(&app.state.db)
        .await
        .unwrap();
    let monitor = worker::prepare(&app.state).await.unwrap();
    tokio::spawn(monitor.run());

    let received = receiver.wait_for(1).await;
    assert_signed(&received[0], endpoint["secret"].as_str().unwrap());
    let event = received[0].json();
    assert_eq!(event["type"], "interview.failed");
    assert_eq!(event["data"]["interview_id"], interview);
    assert!(
        event["data"]["reason"].as_str().unwrap().contains("no answers"),
        "{event}"
    );
}

#[tokio::test]
async fn only_subscribed_and_remaining_endpoints_get_events() {
    let app = spawn_app().await;
    let kept = WebhookReceiver::start().await;
    let removed = WebhookReceiver::start().await;
    let failures_only = WebhookReceiver::start().await;
    let owner = app.signup().await;
    let org = app.create_organization(&owner, "partner").await;
    let (_, key) = app.create_api_key(&owner, org).await;
    register(&app, &key, org, &kept.url).await;
    let gone = register(&app, &key, org, &removed.url).await;
    let response = app
        .post(&format!("/v1/organizations/{org}/webhooks"))
        .bearer_auth(&key)
        .json(&json!({"url": failures_only.url, "events": ["interview.failed"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let gone_id = gone["id"].as_str().unwrap();
    let deleted = app
        .delete(&format!("/v1/organizations/{org}/webhooks/{gone_id}"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let again = app
        .delete(&format!("/v1/organizations/{org}/webhooks/{gone_id}"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_problem(again, 404, "not-found").await;

    post_transcript(&app, &key).await;
    kept.wait_for(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(kept.received().len(), 1);
    assert!(removed.received().is_empty());
    assert!(failures_only.received().is_empty());
}

#[tokio::test]
async fn endpoints_are_validated_and_private_targets_refused_by_default() {
    let app = builder()
        .without_workers()
        .settings(|s| s.webhooks.allow_private_targets = false)
        .spawn()
        .await;
    let owner = app.signup().await;
    let member = app.signup().await;
    let org = app.create_organization(&owner, "partner").await;
    let path = format!("/v1/organizations/{org}/webhooks");
    let create = |token: &str, body: Value| app.post(&path).bearer_auth(token).json(&body).send();

    for (body, field) in [
        (json!({"url": "http://partner.example/hooks"}), "url"),
        (json!({"url": "https://127.0.0.1/hooks"}), "url"),
        (json!({"url": "https://10.1.2.3/hooks"}), "url"),
        (json!({"url": "https://[::1]/hooks"}), "url"),
        (json!({"url": "https://localhost/hooks"}), "url"),
        (json!({"url": "https://user:pw@partner.example/hooks"}), "url"),
        (json!({"url": "ftp://partner.example/hooks"}), "url"),
        (json!({"url": "not a url"}), "url"),
        (
            json!({"url": "https://partner.example/hooks", "events": []}),
            "events",
        ),
        (
            json!({"url": "https://partner.example/hooks", "events": ["interview.started"]}),
            "events",
        ),
    ] {
        let problem = assert_problem(
            create(&owner.access_token, body.clone()).await.unwrap(),
            422,
            "validation-failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    let created = create(
        &owner.access_token,
        json!({"url": "https://partner.example/hooks"}),
    )
    .await
    .unwrap();
    assert_eq!(created.status(), 201);

    // A plain member may not manage endpoints.
    app.add_member(&owner, org, &member.email, "member").await;
    let refused = create(
        &member.access_token,
        json!({"url": "https://partner.example/other"}),
    )
    .await
    .unwrap();
    assert_problem(refused, 403, "forbidden").await;
    let listed = app
        .get(&path)
        .bearer_auth(&member.access_token)
        .send()
        .await
        .unwrap();
    assert_problem(listed, 403, "forbidden").await;
}

/// The literals an outside audit registered successfully before the registries were
/// covered in full: every one is refused at registration now.
#[tokio::test]
async fn special_purpose_address_literals_are_refused_at_registration() {
    let app = builder()
        .without_workers()
        .settings(|s| s.webhooks.allow_private_targets = false)
        .spawn()
        .await;
    let owner = app.signup().await;
    let org = app.create_organization(&owner, "partner").await;
    let path = format!("/v1/organizations/{org}/webhooks");
    for host in [
        "0.0.0.0",
        "0.1.2.3",
        "198.18.0.1",
        "224.0.0.251",
        "240.0.0.1",
        "255.255.255.255",
        "100.64.0.1",
        "192.0.2.1",
        "192.88.99.1",
        "[::127.0.0.1]",
        "[::ffff:169.254.169.254]",
        "[64:ff9b::a00:1]",
        "[2002:a00:1::1]",
        "[2001::1]",
        "[2001:db8::1]",
        "[ff02::1]",
    ] {
        let url = format!("https://{host}/hooks");
        let refused = app
            .post(&path)
            .bearer_auth(&owner.access_token)
            .json(&json!({ "url": url }))
            .send()
            .await
            .unwrap();
        let problem = assert_problem(refused, 422, "validation-failed").await;
        assert_eq!(problem["errors"][0]["field"], "url", "{url}");
    }
}

#[tokio::test]
async fn a_name_that_resolves_to_our_network_is_never_called() {
    let app = builder()
        .settings(|s| s.webhooks.allow_private_targets = false)
        .spawn()
        .await;
    let receiver = WebhookReceiver::start().await;
    let owner = app.signup().await;
    let org = app.create_organization(&owner, "partner").await;
    let (_, key) = app.create_api_key(&owner, org).await;
    // Registered while the name was public; by delivery time it points at loopback.
    let id = Uuid::now_v7();
    let url = receiver.url.replace("127.0.0.1", "localhost");
    use sea_orm::ActiveModelTrait;
    api::entities::webhook_endpoints::ActiveModel {
        id: sea_orm::Set(id),
        organization_id: sea_orm::Set(org),
        url: sea_orm::Set(url),
        secret: sea_orm::Set("rwhsec_test".into()),
        events: sea_orm::Set("interview.graded".into()),
        created_at: sea_orm::Set(chrono::Utc::now()),
        disabled_at: sea_orm::Set(None),
    }
    .insert(&app.state.db)
    .await
    .unwrap();

    post_transcript(&app, &key).await;
    let log = wait_for_delivery(&app, &key, org, &id.to_string(), "failed").await;
    // Classified: the partner is not told how our resolver answered.
    assert_eq!(log[0]["last_error"], "private address refused");
    assert!(log[0]["last_status"].is_null());
    assert!(receiver.received().is_empty());
}

#[tokio::test]
async fn the_endpoint_past_the_limit_is_a_409_conflict() {
    let app = spawn_app().await;
    let owner = app.signup().await;
    let org = app.create_organization(&owner, "partner").await;
    let (_, key) = app.create_api_key(&owner, org).await;
    for i in 0..10 {
        register(&app, &key, org, &format!("https://partner{i}.example/hooks")).await;
    }
    let eleventh = app
        .post(&format!("/v1/organizations/{org}/webhooks"))
        .bearer_auth(&key)
        .json(&json!({"url": "https://partner10.example/hooks"}))
        .send()
        .await
        .unwrap();
    assert_problem(eleventh, 409, "webhook-limit-reached").await;
}

/// A TLS server presenting a self-signed certificate for internal-looking names (the
/// worker's test certificate); it serves handshakes until the test ends.
fn self_signed_tls_server() -> u16 {
    use std::sync::Arc;
    let cert = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../worker/src/testdata/self-signed-cert.der"
    ));
    let key = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../worker/src/testdata/self-signed-key.der"
    ));
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![rustls::pki_types::CertificateDer::from(cert.to_vec())],
                rustls::pki_types::PrivateKeyDer::try_from(key.to_vec()).unwrap(),
            )
            .unwrap(),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || {
                let connection = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(connection, stream);
                let mut buffer = [0u8; 1024];
                let _ = std::io::Read::read(&mut tls, &mut buffer);
            });
        }
    });
    port
}

#[tokio::test]
async fn a_failed_delivery_shows_the_partner_a_short_class_never_the_inner_error() {
    let app = spawn_app().await;
    let owner = app.signup().await;
    let org = app.create_organization(&owner, "partner").await;
    let (_, key) = app.create_api_key(&owner, org).await;
    let port = self_signed_tls_server();
    let endpoint = register(&app, &key, org, &format!("https://127.0.0.1:{port}/hooks")).await;
    let endpoint = endpoint["id"].as_str().unwrap();

    post_transcript(&app, &key).await;
    let mut log = Value::Null;
    for _ in 0..400 {
        log = deliveries(&app, &key, org, endpoint).await;
        if log[0]["last_error"].is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(log[0]["last_error"], "TLS error", "{log}");
    let shown = log.to_string();
    for name in [
        "secret-internal.corp.example",
        "db-primary.corp.example",
        "Internal Billing",
    ] {
        assert!(!shown.contains(name), "{name} leaked: {shown}");
    }
    assert!(!shown.to_lowercase().contains("certificate"), "{shown}");
}
