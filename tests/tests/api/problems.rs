//! Every error is RFC 9457 problem+json with a stable type.

use std::time::Duration;

use serde_json::json;
use tests::{assert_problem, builder, spawn_app};

#[tokio::test]
async fn malformed_json_is_a_400() {
    let app = spawn_app().await;
    let response = app
        .post("/v1/auth/login")
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "malformed-request").await;
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415() {
    let app = spawn_app().await;
    let text = app
        .post("/v1/auth/login")
        .header("content-type", "text/plain")
        .body("email=a")
        .send()
        .await
        .unwrap();
    assert_problem(text, 415, "unsupported-media-type").await;
    let missing = app.post("/v1/auth/login").body("{}").send().await.unwrap();
    assert_problem(missing, 415, "unsupported-media-type").await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413() {
    let app = builder()
        .settings(|s| s.server.max_body_bytes = 2048)
        .spawn()
        .await;
    let huge = json!({"email": "a@example.com", "password": "x".repeat(10_000)});
    let response = app.post_json("/v1/auth/signup", &huge).await;
    assert_problem(response, 413, "payload-too-large").await;
}

#[tokio::test]
async fn a_missing_field_is_a_422_naming_it() {
    let app = spawn_app().await;
    let response = app
        .post_json("/v1/auth/login", &json!({"email": "a@example.com"}))
        .await;
    let body = assert_problem(response, 422, "validation-failed").await;
    assert_eq!(body["errors"][0]["field"], "password");
}

#[tokio::test]
async fn a_field_of_the_wrong_type_is_a_422() {
    let app = spawn_app().await;
    let response = app
        .post_json("/v1/auth/login", &json!({"email": 42, "password": ["x"]}))
        .await;
    assert_problem(response, 422, "validation-failed").await;
    let not_object = app.post_json("/v1/auth/login", &json!([1, 2, 3])).await;
    assert_problem(not_object, 422, "validation-failed").await;
}

#[tokio::test]
async fn an_unknown_route_is_a_404_and_a_wrong_method_a_405() {
    let app = spawn_app().await;
    assert_problem(
        app.get("/v1/nothing-here").send().await.unwrap(),
        404,
        "not-found",
    )
    .await;
    assert_problem(app.get("/no-such-page").send().await.unwrap(), 404, "not-found").await;
    let org = uuid::Uuid::new_v4();
    let interview = uuid::Uuid::new_v4();
    for (method, path, allow) in [
        (reqwest::Method::GET, "/v1/auth/login".to_owned(), "POST"),
        (reqwest::Method::DELETE, "/v1/me".to_owned(), "GET"),
        (reqwest::Method::POST, "/healthz".to_owned(), "GET"),
        (reqwest::Method::HEAD, "/readyz".to_owned(), "GET"),
        (
            reqwest::Method::PUT,
            format!("/v1/organizations/{org}/webhooks"),
            "GET, POST",
        ),
        (
            reqwest::Method::PATCH,
            format!("/v1/interviews/{interview}"),
            "GET",
        ),
        (reqwest::Method::DELETE, "/openapi.json".to_owned(), "GET"),
    ] {
        let response = app
            .client
            .request(method.clone(), app.url(&path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "{method} {path}");
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        if method != reqwest::Method::HEAD {
            assert_problem(response, 405, "method-not-allowed").await;
        }
    }
}

#[tokio::test]
async fn unicode_and_control_characters_do_not_break_anything() {
    let app = spawn_app().await;
    let odd = json!({"email": "a\u{0}b@example.com", "password": "\u{202e}\u{0}\u{ffff}passw0rd", "name": "Zoë \u{1F600}"});
    let response = app.post_json("/v1/auth/signup", &odd).await;
    assert_problem(response, 422, "validation-failed").await;
    let ok = app
        .post_json(
            "/v1/auth/signup",
            &json!({"email": "zoe@example.com", "password": "pässwörd-ünïcode-😀", "name": "Zoë 😀"}),
        )
        .await;
    assert_eq!(ok.status(), 201);
    assert_eq!(
        app.login("zoe@example.com", "pässwörd-ünïcode-😀").await.status(),
        200
    );
}

#[tokio::test]
async fn a_request_that_finds_no_free_database_connection_is_a_503_to_retry() {
    let app = builder()
        .without_workers()
        .settings(|s| {
            s.database.max_connections = 1;
            s.database.acquire_timeout_secs = 1;
        })
        .spawn()
        .await;
    let user = app.signup().await;
    // Hold the only connection of the HTTP pool.
    let held = sea_orm::TransactionTrait::begin(&app.state.db).await.unwrap();
    let busy = app
        .get("/v1/me")
        .bearer_auth(&user.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(busy.headers()["retry-after"], "1");
    assert_problem(busy, 503, "service-unavailable").await;
    drop(held);
    let me = app
        .get("/v1/me")
        .bearer_auth(&user.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
}

/// A database connection that dies while a request is using it (PostgreSQL restarted,
/// a network blip, an administrator's kill) is an outage: 503 with Retry-After, and the
/// next request works on a fresh connection. SQLite has no connection to lose: there
/// the same mapping is covered by the unit tests of `ApiError::internal`.
#[tokio::test]
async fn a_database_connection_killed_under_a_request_is_a_503_to_retry() {
    use sqlx::Connection;
    let app = builder().without_workers().spawn().await;
    if !app.database_url.starts_with("postgres") {
        return;
    }
    let user = app.signup().await;
    let mut admin = sqlx::PgConnection::connect(&app.database_url).await.unwrap();
    let mut lock = sqlx::PgConnection::connect(&app.database_url).await.unwrap();
    // Make the request's first query wait on a lock, so it is mid-statement when killed.
    sqlx::query("BEGIN").execute(&mut lock).await.unwrap();
    sqlx::query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        .execute(&mut lock)
        .await
        .unwrap();
    let request = app.get("/v1/me").bearer_auth(&user.access_token).send();
    let killer = async {
        for _ in 0..200 {
            let killed: Vec<(bool,)> = sqlx::query_as(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
            )
            .fetch_all(&mut admin)
            .await
            .unwrap();
            if !killed.is_empty() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the request never waited on the lock");
    };
    let (response, ()) = tokio::join!(request, killer);
    let response = response.unwrap();
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, 503, "service-unavailable").await;
    sqlx::query("ROLLBACK").execute(&mut lock).await.unwrap();
    let me = app
        .get("/v1/me")
        .bearer_auth(&user.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
}
