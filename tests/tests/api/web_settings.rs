//! Settings: name, password change ending other sessions, the list of sessions and
//! "sign out everywhere", the data export, and deleting the account.

use serde_json::{Value, json};
use tests::browser::Browser;
use tests::fake_stripe::FakeStripe;
use tests::{PASSWORD, builder, spawn_app};

fn unique_email() -> String {
    format!("me-{}@example.com", uuid::Uuid::new_v4().simple())
}

#[tokio::test]
async fn the_name_can_be_changed_and_bad_names_are_shown_on_the_form() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_up(&unique_email(), PASSWORD).await;
    let saved = browser
        .submit("/app/settings", "/app/settings/name", &[("name", "Grace Hopper")])
        .await;
    assert_eq!(saved.status, 303);
    let page = browser.get("/app/settings?done=name").await;
    page.assert_contains("Your name is saved");
    assert_eq!(page.input("name").as_deref(), Some("Grace Hopper"));
    browser.get("/app").await.assert_contains("Hello, Grace Hopper");
    let bad = browser
        .submit(
            "/app/settings",
            "/app/settings/name",
            &[("name", &"x".repeat(500))],
        )
        .await;
    assert_eq!(bad.status, 422);
    bad.assert_contains("id=\"name-error\"");
}

#[tokio::test]
async fn changing_the_password_ends_every_other_session_but_this_one() {
    let app = spawn_app().await;
    let email = unique_email();
    let mut here = Browser::new(&app);
    here.sign_up(&email, PASSWORD).await;
    let mut there = Browser::new(&app);
    there.user_agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1".into();
    there.sign_in(&email, PASSWORD).await;
    let api = app.login(&email, PASSWORD).await.json::<Value>().await.unwrap();

    let page = here.get("/app/settings").await;
    page.assert_contains("Safari on iPhone");
    page.assert_contains("this browser");

    let wrong = here
        .submit(
            "/app/settings",
            "/app/settings/password",
            &[
                ("current_password", "not my password"),
                ("new_password", "a new long password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    wrong.assert_contains("The current password is not right");
    let short = here
        .submit(
            "/app/settings",
            "/app/settings/password",
            &[("current_password", PASSWORD), ("new_password", "short")],
        )
        .await;
    assert_eq!(short.status, 422);
    short.assert_contains("The new password");

    let changed = here
        .submit(
            "/app/settings",
            "/app/settings/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a new long password"),
            ],
        )
        .await;
    assert_eq!(changed.status, 303);
    assert_eq!(here.get("/app").await.status, 200, "this session stays");
    assert_eq!(
        there.get("/app").await.status,
        303,
        "the other browser is signed out"
    );
    let refreshed = app
        .post_json(
            "/v1/auth/refresh",
            &json!({"refresh_token": api["refresh_token"]}),
        )
        .await;
    assert_eq!(refreshed.status(), 401, "API sessions end too");
    assert_eq!(app.login(&email, "a new long password").await.status(), 200);
}

#[tokio::test]
async fn one_session_or_all_others_can_be_signed_out() {
    let app = spawn_app().await;
    let email = unique_email();
    let mut here = Browser::new(&app);
    here.sign_up(&email, PASSWORD).await;
    let mut second = Browser::new(&app);
    second.sign_in(&email, PASSWORD).await;
    let mut third = Browser::new(&app);
    third.sign_in(&email, PASSWORD).await;

    let page = here.get("/app/settings").await;
    let marker = "action=\"/app/settings/sessions/";
    let ids: Vec<String> = page
        .body
        .match_indices(marker)
        .map(|(at, _)| page.body[at + marker.len()..at + marker.len() + 36].to_owned())
        .filter(|id| uuid::Uuid::parse_str(id).is_ok())
        .collect();
    assert_eq!(ids.len(), 3, "three sessions listed");

    // Ending another user's session id is a 404 and changes nothing.
    let mut stranger = Browser::new(&app);
    stranger.sign_up(&unique_email(), PASSWORD).await;
    let csrf = stranger.get("/app/settings").await.csrf();
    for id in &ids {
        let refused = stranger
            .post(&format!("/app/settings/sessions/{id}/end"), &[("csrf", &csrf)])
            .await;
        assert_eq!(refused.status, 404);
    }
    assert_eq!(second.get("/app").await.status, 200);

    let all = here
        .submit("/app/settings", "/app/settings/sessions/end-all", &[])
        .await;
    assert_eq!(all.status, 303);
    assert_eq!(here.get("/app").await.status, 200);
    assert_eq!(second.get("/app").await.status, 303);
    assert_eq!(third.get("/app").await.status, 303);
    let page = here.get("/app/settings?done=sessions").await;
    page.assert_contains("Every other session was signed out");
    assert_eq!(page.body.matches("/end\" class=\"inline\"").count(), 1);
}

#[tokio::test]
async fn the_export_is_a_json_download_of_my_interviews_answers_and_reports() {
    let app = spawn_app().await;
    let user = app.signup().await;
    let report = app
        .graded_report(
            &user.access_token,
            &json!({"track_id": "senior-backend-fintech",
                    "items": [{"question_id": "url-shortener", "answer": "Base62 and a cache.", "time_spent_seconds": 300}]}),
        )
        .await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&user.email, PASSWORD).await;
    let export = browser.get("/app/settings/export").await;
    assert_eq!(export.status, 200);
    assert!(export.header("content-type").starts_with("application/json"));
    assert!(
        export
            .header("content-disposition")
            .starts_with("attachment; filename=\"rehearse-export-")
    );
    let body: Value = serde_json::from_str(&export.body).unwrap();
    assert_eq!(body["account"]["email"], user.email.as_str());
    assert_eq!(body["interviews"][0]["id"], report["interview_id"]);
    assert_eq!(
        body["interviews"][0]["questions"][0]["answer"],
        "Base62 and a cache."
    );
    assert_eq!(body["interviews"][0]["report"]["score"], report["score"]);
    // Anonymous: sign in first.
    assert_eq!(Browser::new(&app).get("/app/settings/export").await.status, 303);
}

#[tokio::test]
async fn deleting_the_account_needs_the_password_removes_the_data_and_cancels_billing() {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let stripe = FakeStripe::start().await;
    let url = stripe.url.clone();
    let app = builder()
        .settings(move |s| {
            s.stripe.secret_key = Some("sk_test_rehearse".into());
            s.stripe.webhook_secret = Some("whsec_delete".into());
            s.stripe.api_base = url;
            s.stripe.price_pro = Some("price_pro".into());
            s.stripe.price_team = Some("price_team".into());
        })
        .spawn()
        .await;
    let user = app.signup().await;
    app.graded_report(
        &user.access_token,
        &json!({"track_id": "senior-backend-fintech",
                "items": [{"question_id": "url-shortener", "answer": "Base62.", "time_spent_seconds": 60}]}),
    )
    .await;
    let mut browser = Browser::new(&app);
    browser.sign_in(&user.email, PASSWORD).await;
    // A Stripe customer exists once Checkout was started.
    let page = browser.get("/app/billing").await;
    browser
        .post(
            "/app/billing/checkout",
            &[("csrf", &page.csrf()), ("plan", "pro")],
        )
        .await;
    let customer = api::entities::billing_accounts::Entity::find_by_id(user.organization_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .stripe_customer_id;

    let wrong = browser
        .submit(
            "/app/settings",
            "/app/settings/delete",
            &[("password", "not it at all")],
        )
        .await;
    assert_eq!(wrong.status, 422);
    wrong.assert_contains("id=\"delete-error\"");
    assert_eq!(
        app.login(&user.email, PASSWORD).await.status(),
        200,
        "nothing deleted"
    );

    let gone = browser
        .submit("/app/settings", "/app/settings/delete", &[("password", PASSWORD)])
        .await;
    assert_eq!(gone.status, 200);
    gone.assert_contains("Your account is deleted");
    gone.assert_contains("Stripe keeps the invoices");
    assert!(!browser.cookies.contains_key("rh_session"));
    assert_eq!(browser.get("/app").await.status, 303);
    assert_eq!(app.login(&user.email, PASSWORD).await.status(), 401);
    let deleted = stripe.requests(&format!("/v1/customers/{customer}"));
    assert!(
        deleted.iter().any(|r| r.method == "DELETE"),
        "the Stripe customer (and its subscription) is deleted"
    );

    let db = &app.state.db;
    assert_eq!(
        api::entities::interviews::Entity::find()
            .filter(api::entities::interviews::Column::OrganizationId.eq(user.organization_id))
            .count(db)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        api::entities::reports::Entity::find()
            .filter(api::entities::reports::Column::OrganizationId.eq(user.organization_id))
            .count(db)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        api::entities::email_outbox::Entity::find()
            .filter(api::entities::email_outbox::Column::Recipient.eq(user.email.clone()))
            .count(db)
            .await
            .unwrap(),
        0
    );
    assert!(
        api::entities::users::Entity::find_by_id(user.user_id)
            .one(db)
            .await
            .unwrap()
            .is_none()
    );
}
