use serde_json::Value;
use tests::spawn_app;

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    let health = app.get("/healthz").send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready: Value = app.get("/readyz").send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["status"], "ready");
    let expected = if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(ready["database"], expected);
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_sane_one_is_kept() {
    let app = spawn_app().await;
    let generated = app.get("/healthz").send().await.unwrap();
    let id = generated.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36);
    let kept = app
        .get("/healthz")
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "abc-123");
    let replaced = app
        .get("/healthz")
        .header("x-request-id", "bad id\twith spaces")
        .send()
        .await
        .unwrap();
    assert_ne!(replaced.headers()["x-request-id"], "bad id\twith spaces");
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_jobs_by_state() {
    let app = spawn_app().await;
    let session = app.signup().await;
    app.emails_to(&session.email, 1).await;
    app.get(&format!("/v1/organizations/{}", session.organization_id))
        .bearer_auth(&session.access_token)
        .send()
        .await
        .unwrap();
    // The worker records the job as done just after the email leaves: wait for it.
    let done = r#"rehearse_jobs{queue="rehearse.send_email",state="done"} 1"#;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let text = loop {
        let response = app.get("/metrics").send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain")
        );
        let text = response.text().await.unwrap();
        if text.contains(done) || tokio::time::Instant::now() > deadline {
            break text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(
        text.contains(
            r#"rehearse_http_requests_total{method="POST",route="/v1/auth/signup",status="201"} 1"#
        ),
        "{text}"
    );
    // The template, never the id.
    assert!(text.contains(r#"route="/v1/organizations/{org_id}""#), "{text}");
    assert!(!text.contains(&session.organization_id.to_string()));
    assert!(text.contains("rehearse_http_request_duration_seconds_bucket"));
    assert!(text.contains(done), "{text}");
    assert!(
        text.contains(r#"rehearse_jobs{queue="rehearse.send_email",state="dead"} 0"#),
        "{text}"
    );
}

#[tokio::test]
async fn with_a_metrics_token_configured_metrics_need_it() {
    let app = tests::builder()
        .settings(|s| s.server.metrics_token = Some("metrics-operator-token-0123456789".to_owned().into()))
        .spawn()
        .await;
    let anonymous = app.get("/metrics").send().await.unwrap();
    tests::assert_problem(anonymous, 401, "unauthorized").await;
    let wrong = app
        .get("/metrics")
        .bearer_auth("metrics-operator-token-012345678")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let right = app
        .get("/metrics")
        .bearer_auth("metrics-operator-token-0123456789")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert!(
        right
            .text()
            .await
            .unwrap()
            .contains("rehearse_http_requests_total")
    );
}

/// JSON is never sniffed as something else, and responses that carry credentials or
/// people's data are never stored by a cache.
#[tokio::test]
async fn api_responses_are_not_sniffed_and_not_stored() {
    let app = spawn_app().await;
    let signup = app.signup_response("cache@example.com", tests::PASSWORD).await;
    assert_eq!(signup.status(), 201);
    assert_eq!(signup.headers()["x-content-type-options"], "nosniff");
    assert_eq!(signup.headers()["cache-control"], "no-store");
    let problem = app.get("/v1/me").send().await.unwrap();
    assert_eq!(problem.status(), 401);
    assert_eq!(problem.headers()["x-content-type-options"], "nosniff");
    assert_eq!(problem.headers()["cache-control"], "no-store");
}
