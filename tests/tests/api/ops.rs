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
