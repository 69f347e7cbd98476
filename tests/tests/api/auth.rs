use std::time::Duration;

use api::entities::{refresh_tokens, users};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tests::{PASSWORD, assert_problem, builder, spawn_app, token_from_email};

#[tokio::test]
async fn signup_creates_a_personal_organization_with_one_free_interview() {
    let app = spawn_app().await;
    let response = app.signup_response("Ada@Example.com", PASSWORD).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["user"]["email"], "ada@example.com");
    assert_eq!(body["user"]["email_verified"], false);
    assert_eq!(body["organization"]["kind"], "personal");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["refresh_token"].as_str().unwrap().len() >= 43);

    let me: Value = app
        .get_json("/v1/me", body["access_token"].as_str().unwrap())
        .await;
    assert_eq!(me["current_organization"]["id"], body["organization"]["id"]);
    assert_eq!(me["current_organization"]["role"], "owner");
    assert_eq!(me["current_organization"]["remaining_interviews"], 1);
    assert_eq!(me["current_organization"]["plan"], "free");
    assert_eq!(me["memberships"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_second_signup_with_the_same_email_is_409_whatever_the_case() {
    let app = spawn_app().await;
    app.signup_as("grace@example.com").await;
    let response = app.signup_response("GRACE@example.com", PASSWORD).await;
    assert_problem(response, 409, "email-taken").await;
    let count = users::Entity::find().all(&app.state.db).await.unwrap().len();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn signup_reports_every_invalid_field() {
    let app = spawn_app().await;
    let response = app
        .post_json(
            "/v1/auth/signup",
            &json!({"email": "not-an-email", "password": "short", "name": " "}),
        )
        .await;
    let body = assert_problem(response, 422, "validation-failed").await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "password", "name"]);
}

#[tokio::test]
async fn passwords_outside_8_to_256_characters_are_refused() {
    let app = spawn_app().await;
    for password in ["1234567".to_owned(), "x".repeat(257)] {
        let response = app.signup_response("p@example.com", &password).await;
        let body = assert_problem(response, 422, "validation-failed").await;
        assert_eq!(body["errors"][0]["field"], "password");
    }
    assert_eq!(
        app.signup_response("p@example.com", &"x".repeat(256))
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn passwords_are_stored_as_argon2id_with_owasp_parameters() {
    let app = spawn_app().await;
    let session = app.signup().await;
    let user = users::Entity::find_by_id(session.user_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        user.password_hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        user.password_hash
    );
    assert!(!user.password_hash.contains(PASSWORD));
}

#[tokio::test]
async fn signup_emails_a_verification_link_that_works_once() {
    let app = spawn_app().await;
    let session = app.signup().await;
    let mails = app.emails_to(&session.email, 1).await;
    assert_eq!(
        mails[0].header("Subject").as_deref(),
        Some("Confirm your email address for Rehearse")
    );
    let token = token_from_email(&mails[0], "verify-email");

    let response = app
        .post_json("/v1/auth/verify-email", &json!({"token": token}))
        .await;
    assert_eq!(response.status(), 204);
    let me: Value = app.get_json("/v1/me", &session.access_token).await;
    assert_eq!(me["user"]["email_verified"], true);

    let again = app
        .post_json("/v1/auth/verify-email", &json!({"token": token}))
        .await;
    assert_problem(again, 400, "invalid-token").await;
    let bogus = app
        .post_json("/v1/auth/verify-email", &json!({"token": "nope"}))
        .await;
    assert_problem(bogus, 400, "invalid-token").await;
}

#[tokio::test]
async fn an_expired_verification_link_is_refused() {
    let app = spawn_app().await;
    let session = app.signup().await;
    let token = token_from_email(&app.emails_to(&session.email, 1).await[0], "verify-email");
    use sea_orm::sea_query::Expr;
    api::entities::email_tokens::Entity::update_many()
        .col_expr(
            api::entities::email_tokens::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .exec(&app.state.db)
        .await
        .unwrap();
    let response = app
        .post_json("/v1/auth/verify-email", &json!({"token": token}))
        .await;
    assert_problem(response, 400, "invalid-token").await;
}

#[tokio::test]
async fn login_returns_a_token_pair_for_the_personal_organization() {
    let app = spawn_app().await;
    let session = app.signup().await;
    let response = app.login(&session.email.to_uppercase(), PASSWORD).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["organization_id"], session.organization_id.to_string());
    let me = app
        .get("/v1/me")
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
}

#[tokio::test]
async fn every_login_failure_gets_the_same_401() {
    let app = spawn_app().await;
    let session = app.signup().await;
    let wrong_password = assert_problem(
        app.login(&session.email, "wrong password!").await,
        401,
        "invalid-credentials",
    )
    .await;
    let unknown_email = assert_problem(
        app.login("nobody@example.com", PASSWORD).await,
        401,
        "invalid-credentials",
    )
    .await;
    let malformed_email = assert_problem(
        app.login("not an email", PASSWORD).await,
        401,
        "invalid-credentials",
    )
    .await;
    assert_eq!(wrong_password, unknown_email);
    assert_eq!(unknown_email, malformed_email);
}

#[tokio::test]
async fn unknown_emails_cost_as_much_time_as_wrong_passwords() {
    let app = spawn_app().await;
    let session = app.signup().await;
    // Warm up, then compare medians of a few attempts: a missing account must still
    // pay for one argon2 verification.
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for i in 0..4 {
        let started = std::time::Instant::now();
        app.login(&session.email, &format!("wrong password {i}")).await;
        known.push(started.elapsed());
        let started = std::time::Instant::now();
        app.login(&format!("nobody{i}@example.com"), "wrong password")
            .await;
        unknown.push(started.elapsed());
    }
    known.sort();
    unknown.sort();
    let (k, u) = (known[2].as_secs_f64(), unknown[2].as_secs_f64());
    assert!(u > k * 0.5, "unknown email took {u:.4}s, wrong password {k:.4}s");
}

#[tokio::test]
async fn repeated_failures_lock_the_email_and_a_password_reset_lifts_the_lock() {
    let app = builder()
        .settings(|s| s.auth.login_max_failures = 3)
        .spawn()
        .await;
    let session = app.signup().await;
    for _ in 0..3 {
        assert_eq!(app.login(&session.email, "wrong password").await.status(), 401);
    }
    // Locked: even the right password waits.
    let locked = app.login(&session.email, PASSWORD).await;
    let retry_after: u64 = locked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after > 0 && retry_after <= 15 * 60);
    assert_problem(locked, 429, "too-many-requests").await;

    // Unknown emails are throttled the same way, so a lock reveals nothing.
    for _ in 0..3 {
        app.login("ghost@example.com", "wrong password").await;
    }
    assert_eq!(
        app.login("ghost@example.com", "wrong password").await.status(),
        429
    );

    // The owner is never locked out of a reset, and the reset lifts the lock.
    let reset = app
        .post_json("/v1/auth/password-reset", &json!({"email": session.email}))
        .await;
    assert_eq!(reset.status(), 202);
    let mails = app.emails_to(&session.email, 2).await;
    let reset_mail = mails
        .iter()
        .find(|m| m.header("Subject").unwrap_or_default().contains("Reset"))
        .unwrap();
    let token = token_from_email(reset_mail, "reset-password");
    let confirm = app
        .post_json(
            "/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(confirm.status(), 204);
    assert_eq!(
        app.login(&session.email, "a brand new passphrase").await.status(),
        200
    );
}

/// Statuses of `guesses` sign-in attempts sent at once (the right password for the
/// indexes in `right`).
async fn parallel_logins(app: &tests::TestApp, email: &str, guesses: usize, right: &[usize]) -> Vec<u16> {
    let attempts = (0..guesses).map(|i| {
        let password = if right.contains(&i) {
            PASSWORD.to_owned()
        } else {
            format!("wrong guess {i}")
        };
        async move { app.login(email, &password).await.status().as_u16() }
    });
    futures::future::join_all(attempts).await
}

#[tokio::test]
async fn parallel_guesses_never_verify_more_passwords_than_the_limit() {
    let app = spawn_app().await;
    let session = app.signup().await;
    let limit = app.config.settings.auth.login_max_failures as usize;
    let statuses = parallel_logins(&app, &session.email, 50, &[]).await;
    let verified = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert!(
        verified >= 1 && verified <= limit,
        "{verified} guesses were verified: {statuses:?}"
    );
    assert_eq!(verified + refused, 50, "{statuses:?}");
    // The limit is reached: the right password now waits too.
    assert_eq!(app.login(&session.email, PASSWORD).await.status(), 429);
}

#[tokio::test]
async fn the_right_password_among_parallel_guesses_does_not_reopen_the_window() {
    let app = spawn_app().await;
    let session = app.signup().await;
    let limit = app.config.settings.auth.login_max_failures as usize;
    // 39 wrong guesses and the right one, at once (the audit's case).
    let statuses = parallel_logins(&app, &session.email, 40, &[20]).await;
    let verified = statuses.iter().filter(|s| **s == 401 || **s == 200).count();
    assert!(
        verified <= limit,
        "{verified} passwords were verified: {statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 40 - verified);
}

#[tokio::test]
async fn successful_sign_ins_never_count_towards_the_lock() {
    let app = spawn_app().await;
    let session = app.signup().await;
    for _ in 0..8 {
        assert_eq!(app.login(&session.email, PASSWORD).await.status(), 200);
    }
    assert_eq!(app.login(&session.email, "wrong password").await.status(), 401);
    assert_eq!(app.login(&session.email, PASSWORD).await.status(), 200);
}

/// A sign-in storm larger than the hashing threads can absorb within the wait bound is
/// answered with quick 503s that say when to retry, never with queued timeouts or 500s.
#[tokio::test]
async fn a_sign_in_storm_beyond_the_hashing_capacity_gets_503_with_retry_after() {
    let app = builder()
        .settings(|s| {
            s.auth.max_concurrent_hashes = 1;
            s.auth.max_hash_wait_ms = 0;
        })
        .spawn()
        .await;
    let attempts = (0..24).map(|i| {
        let app = &app;
        async move { app.login(&format!("storm{i}@example.com"), "some password").await }
    });
    let responses = futures::future::join_all(attempts).await;
    let mut busy = 0;
    for response in responses {
        match response.status().as_u16() {
            401 => {}
            503 => {
                busy += 1;
                let retry_after: u64 = response.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(retry_after >= 1);
                assert_problem(response, 503, "service-unavailable").await;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(
        busy >= 1,
        "24 sign-ins at once on one hashing thread with no wait allowed"
    );
}

#[tokio::test]
async fn refresh_rotates_the_refresh_token() {
    let app = spawn_app().await;
    let session = app.signup().await;
    let response = app
        .post_json(
            "/v1/auth/refresh",
            &json!({"refresh_token": session.refresh_token}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let next = body["refresh_token"].as_str().unwrap();
    assert_ne!(next, session.refresh_token);
    let me = app
        .get("/v1/me")
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    // The next one works once too.
    let again = app
        .post_json("/v1/auth/refresh", &json!({"refresh_token": next}))
        .await;
    assert_eq!(again.status(), 200);
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_revokes_the_whole_family() {
    let app = spawn_app().await;
    let session = app.signup().await;
    let first: Value = app
        .post_json(
            "/v1/auth/refresh",
            &json!({"refresh_token": session.refresh_token}),
        )
        .await
        .json()
        .await
        .unwrap();
    let current = first["refresh_token"].as_str().unwrap().to_owned();

    let reuse = app
        .post_json(
            "/v1/auth/refresh",
            &json!({"refresh_token": session.refresh_token}),
        )
        .await;
    assert_problem(reuse, 401, "invalid-refresh-token").await;
    // The legitimate-looking latest token died with its family.
    let latest = app
        .post_json("/v1/auth/refresh", &json!({"refresh_token": current}))
        .await;
    assert_problem(latest, 401, "invalid-refresh-token").await;

    let live = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::UserId.eq(session.user_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(live.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_refresh_token_presented_twice_at_once_succeeds_at_most_once() {
    let app = spawn_app().await;
    let session = app.signup().await;
    let body = json!({"refresh_token": session.refresh_token});
    let (a, b) = tokio::join!(
        app.post_json("/v1/auth/refresh", &body),
        app.post_json("/v1/auth/refresh", &body)
    );
    let ok = [a.status(), b.status()]
        .iter()
        .filter(|s| s.as_u16() == 200)
        .count();
    assert!(ok <= 1, "both refreshes succeeded");
}

#[tokio::test]
async fn refresh_tokens_are_stored_as_digests() {
    let app = spawn_app().await;
    let session = app.signup().await;
    let rows = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::UserId.eq(session.user_id))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0].token_hash, session.refresh_token);
    assert_eq!(
        rows[0].token_hash,
        api::domain::tokens::digest(&session.refresh_token)
    );
}

#[tokio::test]
async fn logout_ends_the_session_and_is_idempotent() {
    let app = spawn_app().await;
    let session = app.signup().await;
    let body = json!({"refresh_token": session.refresh_token});
    assert_eq!(app.post_json("/v1/auth/logout", &body).await.status(), 204);
    assert_eq!(app.post_json("/v1/auth/logout", &body).await.status(), 204);
    assert_problem(
        app.post_json("/v1/auth/refresh", &body).await,
        401,
        "invalid-refresh-token",
    )
    .await;
}

async fn me_status(app: &tests::TestApp, access_token: &str) -> u16 {
    app.get("/v1/me")
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn logout_stops_the_access_tokens_of_that_session_at_once_and_only_those() {
    let app = spawn_app().await;
    let session = app.signup().await;
    let other: Value = app.login(&session.email, PASSWORD).await.json().await.unwrap();
    let other_access = other["access_token"].as_str().unwrap();
    // A refreshed token belongs to the same session as the one it came from.
    let refreshed: Value = app
        .post_json(
            "/v1/auth/refresh",
            &json!({"refresh_token": session.refresh_token}),
        )
        .await
        .json()
        .await
        .unwrap();
    let refreshed_access = refreshed["access_token"].as_str().unwrap();
    assert_eq!(me_status(&app, &session.access_token).await, 200);
    assert_eq!(me_status(&app, refreshed_access).await, 200);

    let logout = app
        .post_json(
            "/v1/auth/logout",
            &json!({"refresh_token": refreshed["refresh_token"]}),
        )
        .await;
    assert_eq!(logout.status(), 204);

    assert_eq!(me_status(&app, &session.access_token).await, 401);
    assert_eq!(me_status(&app, refreshed_access).await, 401);
    assert_eq!(
        me_status(&app, other_access).await,
        200,
        "another session survives"
    );
}

#[tokio::test]
async fn signing_out_everywhere_stops_every_access_and_refresh_token_at_once() {
    let app = spawn_app().await;
    let session = app.signup().await;
    let other: Value = app.login(&session.email, PASSWORD).await.json().await.unwrap();
    let stranger = app.signup().await;

    let anonymous = app.post("/v1/auth/logout-everywhere").send().await.unwrap();
    assert_problem(anonymous, 401, "unauthorized").await;
    let response = app
        .post("/v1/auth/logout-everywhere")
        .bearer_auth(&session.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);

    assert_eq!(me_status(&app, &session.access_token).await, 401);
    assert_eq!(
        me_status(&app, other["access_token"].as_str().unwrap()).await,
        401
    );
    for refresh_token in [&json!(session.refresh_token), &other["refresh_token"]] {
        let refresh = app
            .post_json("/v1/auth/refresh", &json!({"refresh_token": refresh_token}))
            .await;
        assert_problem(refresh, 401, "invalid-refresh-token").await;
    }
    assert_eq!(
        me_status(&app, &stranger.access_token).await,
        200,
        "other users untouched"
    );
    // Signing in again starts a new session that works.
    let again: Value = app.login(&session.email, PASSWORD).await.json().await.unwrap();
    assert_eq!(
        me_status(&app, again["access_token"].as_str().unwrap()).await,
        200
    );
}

#[tokio::test]
async fn a_password_reset_with_a_wrong_link_is_refused_before_any_hashing() {
    // One hashing thread and no queueing allowed: requests that hashed first would get
    // 503s when they arrive together; refused before hashing, every one is a 400.
    let app = builder()
        .settings(|s| {
            s.auth.max_concurrent_hashes = 1;
            s.auth.max_hash_wait_ms = 0;
        })
        .spawn()
        .await;
    let attempts = (0..24).map(|i| {
        let app = &app;
        async move {
            app.post_json(
                "/v1/auth/password-reset/confirm",
                &json!({"token": format!("not-a-real-token-{i}"), "password": "a long enough passphrase"}),
            )
            .await
        }
    });
    for response in futures::future::join_all(attempts).await {
        assert_problem(response, 400, "invalid-token").await;
    }
}

#[tokio::test]
async fn a_password_reset_for_an_unknown_email_is_accepted_and_sends_nothing() {
    let app = spawn_app().await;
    let response = app
        .post_json("/v1/auth/password-reset", &json!({"email": "nobody@example.com"}))
        .await;
    assert_eq!(response.status(), 202);
    let odd = app
        .post_json("/v1/auth/password-reset", &json!({"email": "not an email"}))
        .await;
    assert_eq!(odd.status(), 202);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.smtp.messages().await.is_empty());
}

#[tokio::test]
async fn a_password_reset_changes_the_password_signs_out_everywhere_and_works_once() {
    let app = spawn_app().await;
    let session = app.signup().await;
    app.post_json("/v1/auth/password-reset", &json!({"email": session.email}))
        .await;
    let mails = app.emails_to(&session.email, 2).await;
    let mail = mails
        .iter()
        .find(|m| m.header("Subject").unwrap_or_default().contains("Reset"))
        .unwrap();
    let token = token_from_email(mail, "reset-password");

    // A bad password does not burn the token.
    let weak = app
        .post_json(
            "/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "short"}),
        )
        .await;
    assert_problem(weak, 422, "validation-failed").await;

    let new_password = "another long passphrase";
    let confirm = app
        .post_json(
            "/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": new_password}),
        )
        .await;
    assert_eq!(confirm.status(), 204);
    assert_eq!(
        me_status(&app, &session.access_token).await,
        401,
        "the access token died with the session"
    );
    assert_eq!(app.login(&session.email, PASSWORD).await.status(), 401);
    assert_eq!(app.login(&session.email, new_password).await.status(), 200);
    let old_session = app
        .post_json(
            "/v1/auth/refresh",
            &json!({"refresh_token": session.refresh_token}),
        )
        .await;
    assert_problem(old_session, 401, "invalid-refresh-token").await;
    let reuse = app
        .post_json(
            "/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "yet another one!"}),
        )
        .await;
    assert_problem(reuse, 400, "invalid-token").await;
}
