//! Test harness: `spawn_app()` starts the real service (HTTP server and job workers) on
//! a random port with a fresh database — a new SQLite file, or a new PostgreSQL
//! database when `TEST_DATABASE_URL` is set — and an SMTP sink that records real SMTP
//! conversations. Logs are silent unless `TEST_LOG=1`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod browser;
pub mod calibration;
pub mod fake_openai;
pub mod fake_stripe;
pub mod smtp;
pub mod webhook_receiver;

use std::sync::Arc;
use std::time::Duration;

use api::AppState;
use api::config::{Config, LogFormat, MailTransport, Settings};
use api::http::Application;
use secrecy::SecretString;
use serde_json::{Value, json};
use uuid::Uuid;

pub use smtp::{ReceivedMail, SmtpSink};

pub const PUBLIC_BASE_URL: &str = "https://rehearse.test/";
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub state: AppState,
    pub config: Arc<Config>,
    pub smtp: SmtpSink,
    pub dir: tempfile::TempDir,
    pub database_url: String,
}

/// A signed-up user and their session.
#[derive(Debug, Clone)]
pub struct Session {
    pub email: String,
    pub password: String,
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub access_token: String,
    pub refresh_token: String,
}

type Customize = Box<dyn FnOnce(&mut Settings)>;

pub struct TestAppBuilder {
    workers: bool,
    customize: Vec<Customize>,
}

pub fn builder() -> TestAppBuilder {
    TestAppBuilder {
        workers: true,
        customize: Vec::new(),
    }
}

pub async fn spawn_app() -> TestApp {
    builder().spawn().await
}

fn init_logs() {
    api::telemetry::install_crypto_provider();
    if std::env::var("TEST_LOG").is_ok_and(|v| !v.is_empty() && v != "0") {
        api::telemetry::init(&api::config::LogSettings {
            format: LogFormat::Pretty,
            level: "info,sqlx=warn".into(),
        });
    }
}

/// Starts a small actix app (a fake at the network edge) on a free loopback port and
/// returns the port. `app` configures its routes and shared state.
pub fn serve_fake<F>(workers: usize, app: F) -> u16
where
    F: Fn(&mut actix_web::web::ServiceConfig) + Send + Clone + 'static,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = actix_web::HttpServer::new(move || actix_web::App::new().configure(app.clone()))
        .workers(workers)
        .disable_signals()
        .listen(listener)
        .expect("listen")
        .run();
    tokio::spawn(server);
    port
}

/// A database of its own for one test.
pub async fn fresh_database_url(dir: &std::path::Path) -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(base) if !base.is_empty() => {
            use sqlx::Connection;
            let name = format!("rehearse_test_{}", Uuid::new_v4().simple());
            let mut admin = sqlx::PgConnection::connect(&base)
                .await
                .expect("cannot connect to TEST_DATABASE_URL");
            sqlx::query(sqlx::AssertSqlSafe(format!(r#"CREATE DATABASE "{name}""#)))
                .execute(&mut admin)
                .await
                .expect("cannot create a test database");
            let mut url = url::Url::parse(&base).expect("TEST_DATABASE_URL is not a URL");
            url.set_path(&name);
            url.to_string()
        }
        _ => format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
    }
}

impl TestAppBuilder {
    /// Runs no job workers: jobs stay queued (tests then drive handlers directly).
    pub fn without_workers(mut self) -> Self {
        self.workers = false;
        self
    }

    pub fn settings(mut self, f: impl FnOnce(&mut Settings) + 'static) -> Self {
        self.customize.push(Box::new(f));
        self
    }

    pub async fn spawn(self) -> TestApp {
        init_logs();
        let dir = tempfile::tempdir().expect("tempdir");
        let smtp = SmtpSink::start().await.expect("smtp sink");
        let database_url = fresh_database_url(dir.path()).await;

        let mut settings = Settings::default();
        settings.server.host = "127.0.0.1".into();
        settings.server.port = 0;
        settings.server.workers = Some(2);
        settings.server.shutdown_timeout_secs = 1;
        settings.data_dir = dir.path().join("data");
        settings.database.url = Some(SecretString::from(database_url.clone()));
        settings.database.max_connections = 8;
        settings.public_base_url = Some(PUBLIC_BASE_URL.into());
        settings.auth.jwt_secret = Some(SecretString::from(JWT_SECRET));
        settings.mail.transport = MailTransport::Smtp;
        settings.mail.smtp_url = Some(SecretString::from(smtp.url()));
        settings.mail.from = "Rehearse <no-reply@rehearse.test>".into();
        settings.worker.poll_interval_ms = 50;
        settings.worker.heartbeat_secs = 1;
        settings.worker.retry_min_backoff_ms = 20;
        settings.worker.retry_max_backoff_secs = 1;
        // Test receivers listen on 127.0.0.1; one test turns this back off.
        settings.webhooks.allow_private_targets = true;
        for f in self.customize {
            f(&mut settings);
        }

        let config = api::config::resolve(settings).expect("invalid test settings");
        let state = AppState::build(config).await.expect("cannot build the app state");
        let app = Application::build(state.clone()).expect("cannot build the server");
        let port = app.port();
        tokio::spawn(app.run_until_stopped());
        if self.workers {
            let monitor = worker::prepare(&state).await.expect("cannot prepare workers");
            tokio::spawn(monitor.run());
        }

        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            config: state.config.clone(),
            state,
            smtp,
            dir,
            database_url,
        }
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path))
    }

    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(self.url(path))
    }

    pub fn delete(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.delete(self.url(path))
    }

    /// GET `path` with a bearer token; the body as JSON.
    pub async fn get_json(&self, path: &str, token: &str) -> Value {
        self.get(path)
            .bearer_auth(token)
            .send()
            .await
            .expect("request failed")
            .json()
            .await
            .expect("the body is not JSON")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.post(path).json(body).send().await.expect("request failed")
    }

    pub async fn signup_response(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_json(
            "/v1/auth/signup",
            &json!({"email": email, "password": password, "name": "Test User"}),
        )
        .await
    }

    /// Signs up a new account with a unique email.
    pub async fn signup(&self) -> Session {
        let email = format!("user-{}@example.com", Uuid::new_v4().simple());
        self.signup_as(&email).await
    }

    pub async fn signup_as(&self, email: &str) -> Session {
        let response = self.signup_response(email, PASSWORD).await;
        assert_eq!(
            response.status(),
            201,
            "signup failed: {}",
            response.text().await.unwrap_or_default()
        );
        let body: Value = response.json().await.expect("json");
        Session {
            email: email.to_owned(),
            password: PASSWORD.to_owned(),
            user_id: body["user"]["id"].as_str().unwrap().parse().unwrap(),
            organization_id: body["organization"]["id"].as_str().unwrap().parse().unwrap(),
            access_token: body["access_token"].as_str().unwrap().to_owned(),
            refresh_token: body["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_json("/v1/auth/login", &json!({"email": email, "password": password}))
            .await
    }

    /// Creates a team organization owned by `session`'s user.
    pub async fn create_organization(&self, session: &Session, kind: &str) -> Uuid {
        let response = self
            .post("/v1/organizations")
            .bearer_auth(&session.access_token)
            .json(&json!({"name": "Acme", "kind": kind}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        body["id"].as_str().unwrap().parse().unwrap()
    }

    /// `by` adds the account with `email` to `org` with `role` (expecting 201).
    /// Marks an account's email as verified, as the verification link does (the link
    /// itself is tested in `auth`): membership requires a verified address.
    pub async fn mark_verified(&self, email: &str) {
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        api::entities::users::Entity::update_many()
            .col_expr(
                api::entities::users::Column::EmailVerifiedAt,
                Expr::value(Some(chrono::Utc::now())),
            )
            .filter(api::entities::users::Column::Email.eq(email.to_lowercase()))
            .filter(api::entities::users::Column::EmailVerifiedAt.is_null())
            .exec(&self.state.db)
            .await
            .expect("mark the email verified");
    }

    pub async fn add_member(&self, by: &Session, org: Uuid, email: &str, role: &str) {
        self.mark_verified(email).await;
        let response = self
            .post(&format!("/v1/organizations/{org}/members"))
            .bearer_auth(&by.access_token)
            .json(&json!({"email": email, "role": role}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 201);
    }

    /// Signs `session`'s user in acting for `org`; returns the access token.
    pub async fn token_for(&self, session: &Session, org: Uuid) -> String {
        let response = self
            .post_json(
                "/v1/auth/login",
                &json!({"email": session.email, "password": session.password, "organization_id": org}),
            )
            .await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("json");
        body["access_token"].as_str().expect("access_token").to_owned()
    }

    /// Creates an API key for `organization_id` and returns (id, key).
    pub async fn create_api_key(&self, session: &Session, organization_id: Uuid) -> (Uuid, String) {
        let response = self
            .post(&format!("/v1/organizations/{organization_id}/api-keys"))
            .bearer_auth(&session.access_token)
            .json(&json!({"name": "test key"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            201,
            "{}",
            response.text().await.unwrap_or_default()
        );
        let body: Value = response.json().await.unwrap();
        (
            body["id"].as_str().unwrap().parse().unwrap(),
            body["key"].as_str().unwrap().to_owned(),
        )
    }

    /// Starts an interview for `session`'s current organization.
    pub async fn start_interview(&self, token: &str, track_id: &str) -> reqwest::Response {
        self.post("/v1/interviews")
            .bearer_auth(token)
            .json(&json!({"track_id": track_id}))
            .send()
            .await
            .expect("request failed")
    }

    pub async fn answer(
        &self,
        token: &str,
        interview: &str,
        question: &str,
        answer: &str,
    ) -> reqwest::Response {
        self.post(&format!("/v1/interviews/{interview}/answers"))
            .bearer_auth(token)
            .json(&json!({"question_id": question, "answer": answer}))
            .send()
            .await
            .expect("request failed")
    }

    /// Posts a transcript (expecting 202) and returns the interview id.
    pub async fn submit_transcript(&self, token: &str, body: &Value) -> String {
        let response = self
            .post("/v1/transcripts")
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert_eq!(status, 202, "{text}");
        let body: Value = serde_json::from_str(&text).expect("a JSON body");
        body["interview_id"].as_str().expect("interview_id").to_owned()
    }

    /// Submits a transcript, waits until it is graded and returns the report.
    pub async fn graded_report(&self, token: &str, body: &Value) -> Value {
        let id = self.submit_transcript(token, body).await;
        self.wait_for_status(token, &id, "graded").await;
        self.get_json(&format!("/v1/interviews/{id}/report"), token).await
    }

    /// Waits until the interview reaches `status` and returns it.
    pub async fn wait_for_status(&self, token: &str, interview: &str, status: &str) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let body: Value = self
                .get(&format!("/v1/interviews/{interview}"))
                .bearer_auth(token)
                .send()
                .await
                .expect("request failed")
                .json()
                .await
                .expect("json");
            if body["status"] == status {
                return body;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "interview never reached {status}: {body}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Starts an interview on `track`, answers every question with `answer_for(prompt)`
    /// and submits it; returns the interview id.
    pub async fn take_interview(
        &self,
        token: &str,
        track: &str,
        answer_for: impl Fn(&str) -> String,
    ) -> String {
        let response = self.start_interview(token, track).await;
        assert_eq!(response.status(), 201);
        let started: Value = response.json().await.expect("json");
        self.complete_interview(token, &started, answer_for).await
    }

    /// Answers every question of an interview with `answer_for(prompt)`, then submits.
    pub async fn complete_interview(
        &self,
        token: &str,
        started: &Value,
        answer_for: impl Fn(&str) -> String,
    ) -> String {
        let interview = started["id"].as_str().expect("id").to_owned();
        let mut current = started["current_question"].clone();
        while !current.is_null() {
            let prompt = current["prompt"].as_str().expect("prompt");
            let response = self
                .answer(
                    token,
                    &interview,
                    current["id"].as_str().expect("qid"),
                    &answer_for(prompt),
                )
                .await;
            assert_eq!(
                response.status(),
                200,
                "{}",
                response.text().await.unwrap_or_default()
            );
            let body: Value = response.json().await.expect("json");
            current = body["next_question"].clone();
        }
        let submitted = self
            .post(&format!("/v1/interviews/{interview}/submit"))
            .bearer_auth(token)
            .send()
            .await
            .expect("request failed");
        assert_eq!(submitted.status(), 202);
        interview
    }

    /// Waits for `count` emails to `to`.
    pub async fn emails_to(&self, to: &str, count: usize) -> Vec<ReceivedMail> {
        let mails = self.smtp.wait_for(to, count, Duration::from_secs(15)).await;
        assert!(
            mails.len() >= count,
            "expected {count} email(s) to {to}, got {}",
            mails.len()
        );
        mails
    }
}

/// Asserts a problem+json response and returns its body.
pub async fn assert_problem(response: reqwest::Response, status: u16, slug: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "unexpected status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/problem+json"),
        "content type was {content_type:?}"
    );
    let body: Value = response.json().await.expect("problem body is not JSON");
    assert_eq!(
        body["type"],
        format!("https://rehearse.dev/problems/{slug}"),
        "body: {body}"
    );
    assert_eq!(body["status"], status);
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "body: {body}"
    );
    body
}

/// The token carried by a link in an email (`…?token=…`).
pub fn token_from_email(mail: &ReceivedMail, path: &str) -> String {
    let text = mail.decoded();
    let marker = format!("{PUBLIC_BASE_URL}{path}?token=");
    let start = text
        .find(&marker)
        .unwrap_or_else(|| panic!("no {marker} link in:\n{text}"))
        + marker.len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}
