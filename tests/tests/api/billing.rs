//! Stripe billing against a fake Stripe that speaks the real wire format.

use std::time::Duration;

use api::entities::{billing_accounts, email_outbox, stripe_events};
use api::services::billing::signature;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tests::fake_stripe::{self, FakeStripe, Fault};
use tests::{PUBLIC_BASE_URL, Session, TestApp, assert_problem, builder, spawn_app};

const WEBHOOK_SECRET: &str = "whsec_test_current_secret";
const PREVIOUS_SECRET: &str = "whsec_test_previous_secret";

async fn billing_app(stripe: &FakeStripe) -> TestApp {
    let url = stripe.url.clone();
    builder()
        .settings(move |s| {
            s.stripe.secret_key = Some("sk_test_rehearse".into());
            s.stripe.webhook_secret = Some(WEBHOOK_SECRET.into());
            s.stripe.previous_webhook_secret = Some(PREVIOUS_SECRET.into());
            s.stripe.api_base = url;
            s.stripe.price_pro = Some("price_pro".into());
            s.stripe.price_team = Some("price_team".into());
            s.plans.pro_monthly_interviews = 3;
        })
        .spawn()
        .await
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn deliver(app: &TestApp, body: &str, signature_header: &str) -> reqwest::Response {
    app.post("/v1/billing/stripe/webhook")
        .header("Stripe-Signature", signature_header)
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

async fn deliver_signed(app: &TestApp, body: &str) -> reqwest::Response {
    deliver(
        app,
        body,
        &signature::header(WEBHOOK_SECRET.as_bytes(), now(), body.as_bytes()),
    )
    .await
}

async fn checkout(app: &TestApp, session: &Session, plan: &str) -> reqwest::Response {
    app.post("/v1/billing/checkout")
        .bearer_auth(&session.access_token)
        .json(&json!({"plan": plan}))
        .send()
        .await
        .unwrap()
}

async fn customer_of(app: &TestApp, session: &Session) -> String {
    billing_accounts::Entity::find_by_id(session.organization_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("a billing account")
        .stripe_customer_id
}

async fn wait_processed(app: &TestApp, event_id: &str) -> stripe_events::Model {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let row = stripe_events::Entity::find_by_id(event_id.to_owned())
            .one(&app.state.db)
            .await
            .unwrap();
        if let Some(row) = row.filter(|r| r.status != "pending") {
            return row;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "event {event_id} never processed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn subscription(app: &TestApp, session: &Session) -> Value {
    app.get("/v1/billing/subscription")
        .bearer_auth(&session.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A subscribed organization: checkout (creates the customer), then Stripe's event.
async fn subscribe(app: &TestApp, session: &Session, status: &str) -> String {
    assert_eq!(checkout(app, session, "pro").await.status(), 200);
    let customer = customer_of(app, session).await;
    let body = fake_stripe::event(
        "evt_sub_created",
        "customer.subscription.created",
        now() - 10,
        fake_stripe::subscription(
            &customer,
            "price_pro",
            status,
            now() - 86_400,
            now() + 29 * 86_400,
        ),
    );
    assert_eq!(deliver_signed(app, &body).await.status(), 200);
    wait_processed(app, "evt_sub_created").await;
    customer
}

#[tokio::test]
async fn checkout_refuses_a_malformed_idempotency_key_and_passes_a_good_one_to_stripe() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(&stripe).await;
    let user = app.signup().await;
    for bad in ["", "with space", "ünicode"] {
        let response = app
            .post("/v1/billing/checkout")
            .bearer_auth(&user.access_token)
            .header(
                "Idempotency-Key",
                reqwest::header::HeaderValue::from_bytes(bad.as_bytes()).unwrap(),
            )
            .json(&json!({"plan": "pro"}))
            .send()
            .await
            .unwrap();
        assert_problem(response, 400, "malformed-request").await;
    }
    let good = app
        .post("/v1/billing/checkout")
        .bearer_auth(&user.access_token)
        .header("Idempotency-Key", "checkout-1")
        .json(&json!({"plan": "pro"}))
        .send()
        .await
        .unwrap();
    assert_eq!(good.status(), 200, "{}", good.text().await.unwrap());
}

#[tokio::test]
async fn without_a_stripe_key_billing_answers_503_and_the_rest_works() {
    let app = spawn_app().await;
    let user = app.signup().await;
    assert_problem(
        app.get("/v1/billing/plans").send().await.unwrap(),
        503,
        "billing-not-configured",
    )
    .await;
    assert_problem(checkout(&app, &user, "pro").await, 503, "billing-not-configured").await;
    let sub = app
        .get("/v1/billing/subscription")
        .bearer_auth(&user.access_token)
        .send()
        .await
        .unwrap();
    assert_problem(sub, 503, "billing-not-configured").await;
    assert_problem(deliver_signed(&app, "{}").await, 503, "billing-not-configured").await;
    // A request that is malformed whatever the configuration is told so first.
    let unsigned = app
        .post("/v1/billing/stripe/webhook")
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(unsigned, 400, "invalid-signature").await;
    let bad_key = app
        .post("/v1/billing/checkout")
        .bearer_auth(&user.access_token)
        .header("Idempotency-Key", "x".repeat(256))
        .json(&json!({"plan": "pro"}))
        .send()
        .await
        .unwrap();
    assert_problem(bad_key, 400, "malformed-request").await;
    assert_eq!(
        app.start_interview(&user.access_token, "senior-backend-fintech")
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn plans_list_prices_and_allowances() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(&stripe).await;
    let plans: Value = app
        .get("/v1/billing/plans")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys: Vec<&str> = plans
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["free", "pro", "team"]);
    assert_eq!(plans[1]["interviews_per_period"], 3);
    assert_eq!(plans[1]["price_cents"], 1900);
    assert_eq!(plans[2]["per_seat"], true);
}

#[tokio::test]
async fn checkout_creates_the_customer_once_and_sends_deterministic_idempotency_keys() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(&stripe).await;
    let owner = app.signup().await;
    let first: Value = checkout(&app, &owner, "pro").await.json().await.unwrap();
    assert!(
        first["url"]
            .as_str()
            .unwrap()
            .starts_with("https://checkout.stripe.test/")
    );
    let second = checkout(&app, &owner, "pro").await;
    assert_eq!(second.status(), 200);

    let customers = stripe.requests("/v1/customers");
    assert_eq!(customers.len(), 1, "the customer is created once and reused");
    let c = &customers[0];
    assert_eq!(c.param("email"), Some(owner.email.as_str()));
    assert_eq!(
        c.param("metadata[organization_id]"),
        Some(owner.organization_id.to_string().as_str())
    );
    assert_eq!(
        c.idempotency_key.as_deref(),
        Some(format!("rehearse-customer-{}", owner.organization_id).as_str())
    );
    assert_eq!(c.authorization.as_deref(), Some("Bearer sk_test_rehearse"));
    assert!(c.stripe_version.is_some());

    let sessions = stripe.requests("/v1/checkout/sessions");
    assert_eq!(sessions.len(), 2);
    let s = &sessions[0];
    assert_eq!(s.param("mode"), Some("subscription"));
    assert_eq!(s.param("customer"), Some("cus_fake1"));
    assert_eq!(s.param("line_items[0][price]"), Some("price_pro"));
    assert_eq!(s.param("line_items[0][quantity]"), Some("1"));
    assert_eq!(
        s.param("client_reference_id"),
        Some(owner.organization_id.to_string().as_str())
    );
    assert_eq!(
        s.param("subscription_data[metadata][organization_id]"),
        Some(owner.organization_id.to_string().as_str())
    );
    assert!(
        s.param("success_url")
            .unwrap()
            .starts_with(&format!("{PUBLIC_BASE_URL}billing/success"))
    );
    assert!(s.param("success_url").unwrap().contains("{CHECKOUT_SESSION_ID}"));
    assert!(s.param("cancel_url").unwrap().starts_with(PUBLIC_BASE_URL));
    // Same plan within the window: the same key, so Stripe returns the same session.
    assert_eq!(sessions[0].idempotency_key, sessions[1].idempotency_key);
    assert!(sessions[0].idempotency_key.is_some());
}

#[tokio::test]
async fn a_team_checkout_buys_one_seat_per_member() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(&stripe).await;
    let owner = app.signup().await;
    let mate = app.signup().await;
    let org = app.create_organization(&owner, "team").await;
    app.add_member(&owner, org, &mate.email, "member").await;
    let token = app.token_for(&owner, org).await;
    let response = app
        .post("/v1/billing/checkout")
        .bearer_auth(&token)
        .json(&json!({"plan": "team"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let session = &stripe.requests("/v1/checkout/sessions")[0];
    assert_eq!(session.param("line_items[0][price]"), Some("price_team"));
    assert_eq!(session.param("line_items[0][quantity]"), Some("2"));
}

#[tokio::test]
async fn only_owners_and_admins_can_buy_and_only_known_plans() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(&stripe).await;
    let owner = app.signup().await;
    let org = app.create_organization(&owner, "partner").await;
    let (_, key) = app.create_api_key(&owner, org).await;
    let by_key = app
        .post("/v1/billing/checkout")
        .bearer_auth(&key)
        .json(&json!({"plan": "pro"}))
        .send()
        .await
        .unwrap();
    assert_problem(by_key, 403, "forbidden").await;
    let body = assert_problem(checkout(&app, &owner, "platinum").await, 422, "validation-failed").await;
    assert_eq!(body["errors"][0]["field"], "plan");
    assert!(stripe.requests("/v1/customers").is_empty());
}

#[tokio::test]
async fn stripe_rate_limits_and_outages_are_retried_with_the_same_key_then_reported() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(&stripe).await;
    let owner = app.signup().await;
    stripe.fail_next(
        "/v1/checkout/sessions",
        [Fault::rate_limited(), Fault::server_error()],
    );
    let ok = checkout(&app, &owner, "pro").await;
    assert_eq!(ok.status(), 200);
    let attempts = stripe.requests("/v1/checkout/sessions");
    assert_eq!(attempts.len(), 3);
    assert!(
        attempts
            .iter()
            .all(|a| a.idempotency_key == attempts[0].idempotency_key)
    );

    stripe.fail_next(
        "/v1/checkout/sessions",
        [
            Fault::server_error(),
            Fault::server_error(),
            Fault::server_error(),
        ],
    );
    let down = checkout(&app, &owner, "pro").await;
    assert_problem(down, 503, "billing-unavailable").await;

    stripe.fail_next("/v1/checkout/sessions", [Fault::card_declined()]);
    assert_problem(checkout(&app, &owner, "pro").await, 402, "card-declined").await;
    stripe.fail_next("/v1/checkout/sessions", [Fault::invalid_request()]);
    let refused = assert_problem(checkout(&app, &owner, "pro").await, 502, "billing-provider-error").await;
    assert!(
        !refused["detail"].as_str().unwrap().contains("price_x"),
        "Stripe's message stays internal"
    );
}

#[tokio::test]
async fn the_portal_needs_a_billing_account_then_returns_a_url() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(&stripe).await;
    let owner = app.signup().await;
    let portal = || {
        app.post("/v1/billing/portal")
            .bearer_auth(&owner.access_token)
            .send()
    };
    assert_problem(portal().await.unwrap(), 409, "no-billing-account").await;
    checkout(&app, &owner, "pro").await;
    let body: Value = portal().await.unwrap().json().await.unwrap();
    assert!(
        body["url"]
            .as_str()
            .unwrap()
            .starts_with("https://billing.stripe.test/")
    );
    let request = &stripe.requests("/v1/billing_portal/sessions")[0];
    assert_eq!(request.param("customer"), Some("cus_fake1"));
    assert_eq!(
        request.param("return_url"),
        Some(format!("{PUBLIC_BASE_URL}billing").as_str())
    );
}

#[tokio::test]
async fn webhook_signatures_are_checked_like_stripe_does() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(&stripe).await;
    let body = fake_stripe::event(
        "evt_sig",
        "customer.created",
        now(),
        json!({"object": "customer", "id": "cus_x"}),
    );
    let t = now();
    let good = signature::sign(WEBHOOK_SECRET.as_bytes(), t, body.as_bytes());
    let wrong = signature::sign(b"whsec_someone_else", t, body.as_bytes());

    let cases = [
        ("no header", String::new()),
        ("wrong secret", format!("t={t},v1={wrong}")),
        (
            "tampered body",
            signature::header(WEBHOOK_SECRET.as_bytes(), t, b"{\"id\":\"evt_other\"}"),
        ),
        (
            "stale (301 s)",
            signature::header(WEBHOOK_SECRET.as_bytes(), t - 301, body.as_bytes()),
        ),
        ("garbage", "nonsense".to_owned()),
    ];
    for (case, header) in cases {
        let response = deliver(&app, &body, &header).await;
        assert_eq!(response.status(), 400, "{case}");
        assert_problem(response, 400, "invalid-signature").await;
    }
    // Several v1 values (as during a secret rotation): one match is enough.
    let rotated = deliver(&app, &body, &format!("t={t},v1={wrong},v1={good}")).await;
    assert_eq!(rotated.status(), 200);
    // The previous secret still works while it is configured.
    let previous = fake_stripe::event(
        "evt_prev",
        "customer.created",
        now(),
        json!({"object": "customer", "id": "cus_y"}),
    );
    let header = signature::header(PREVIOUS_SECRET.as_bytes(), now(), previous.as_bytes());
    assert_eq!(deliver(&app, &previous, &header).await.status(), 200);
    let stored = stripe_events::Entity::find().count(&app.state.db).await.unwrap();
    assert_eq!(stored, 2);
}

#[tokio::test]
async fn a_subscription_event_activates_the_plan_and_emails_the_owner() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(&stripe).await;
    let owner = app.signup().await;
    subscribe(&app, &owner, "active").await;
    let sub = subscription(&app, &owner).await;
    assert_eq!(sub["plan"], "pro");
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["allowance_in_period"], 3);
    assert_eq!(sub["remaining_interviews"], 4, "3 from the plan and the free one");
    let mails = app.emails_to(&owner.email, 2).await;
    assert!(mails.iter().any(|m| {
        m.header("Subject")
            .unwrap_or_default()
            .contains("Pro plan is active")
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_event_delivered_five_times_at_once_has_one_effect() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(&stripe).await;
    let owner = app.signup().await;
    checkout(&app, &owner, "pro").await;
    let customer = customer_of(&app, &owner).await;
    let body = fake_stripe::event(
        "evt_dup",
        "customer.subscription.created",
        now(),
        fake_stripe::subscription(&customer, "price_pro", "active", now(), now() + 30 * 86_400),
    );
    let mut deliveries = Vec::new();
    for _ in 0..5 {
        let request = app
            .post("/v1/billing/stripe/webhook")
            .header(
                "Stripe-Signature",
                signature::header(WEBHOOK_SECRET.as_bytes(), now(), body.as_bytes()),
            )
            .body(body.clone());
        deliveries.push(tokio::spawn(async move {
            request.send().await.unwrap().status().as_u16()
        }));
    }
    for d in deliveries {
        assert_eq!(d.await.unwrap(), 200);
    }
    wait_processed(&app, "evt_dup").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        stripe_events::Entity::find().count(&app.state.db).await.unwrap(),
        1
    );
    let activations = email_outbox::Entity::find()
        .filter(email_outbox::Column::Template.eq("subscription_activated"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(activations, 1);
    let jobs: i64 = api::jobs::counts(&app.state.db)
        .await
        .unwrap()
        .iter()
        .filter(|c| c.queue == "rehearse.process_stripe_event")
        .map(|c| c.count)
        .sum();
    assert_eq!(jobs, 1);
}

#[tokio::test]
async fn a_deletion_delivered_before_an_older_update_leaves_the_subscription_canceled() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(&stripe).await;
    let owner = app.signup().await;
    let customer = subscribe(&app, &owner, "active").await;
    let t = now();
    let deleted = fake_stripe::event(
        "evt_deleted",
        "customer.subscription.deleted",
        t,
        fake_stripe::subscription(&customer, "price_pro", "canceled", t - 86_400, t + 29 * 86_400),
    );
    let updated = fake_stripe::event(
        "evt_updated",
        "customer.subscription.updated",
        t - 5,
        fake_stripe::subscription(&customer, "price_pro", "active", t - 86_400, t + 29 * 86_400),
    );
    assert_eq!(deliver_signed(&app, &deleted).await.status(), 200);
    wait_processed(&app, "evt_deleted").await;
    assert_eq!(deliver_signed(&app, &updated).await.status(), 200);
    let late = wait_processed(&app, "evt_updated").await;
    assert_eq!(late.status, "ignored");

    let sub = subscription(&app, &owner).await;
    assert_eq!(sub["status"], "canceled");
    assert_eq!(sub["plan"], "free");
    let mails = app.emails_to(&owner.email, 3).await;
    assert!(
        mails
            .iter()
            .any(|m| m.header("Subject").unwrap_or_default().contains("has ended"))
    );
}

#[tokio::test]
async fn unknown_and_unreadable_events_are_kept_and_visible() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(&stripe).await;
    let unknown = fake_stripe::event(
        "evt_unknown",
        "radar.early_fraud_warning.created",
        now(),
        json!({"object": "radar.early_fraud_warning"}),
    );
    assert_eq!(deliver_signed(&app, &unknown).await.status(), 200);
    assert_eq!(wait_processed(&app, "evt_unknown").await.status, "ignored");

    let malformed = "{\"id\": \"evt_broken\", \"type\": ";
    assert_eq!(deliver_signed(&app, malformed).await.status(), 200);
    let broken_sub = fake_stripe::event(
        "evt_bad_sub",
        "customer.subscription.updated",
        now(),
        json!({"object": "subscription"}),
    );
    assert_eq!(deliver_signed(&app, &broken_sub).await.status(), 200);
    assert_eq!(wait_processed(&app, "evt_bad_sub").await.status, "dead");

    let dead = stripe_events::Entity::find()
        .filter(stripe_events::Column::Status.eq("dead"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(dead.len(), 2);
    let kept = dead.iter().find(|e| e.id.starts_with("unreadable:")).unwrap();
    assert_eq!(
        kept.payload["unparsable_payload"], malformed,
        "the payload is kept"
    );
    let metrics = app.get("/metrics").send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains(r#"rehearse_stripe_events{status="dead"} 2"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"rehearse_stripe_events{status="ignored"} 1"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn events_about_customers_of_others_are_ignored_whatever_their_metadata_says() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(&stripe).await;
    let victim = app.signup().await;
    let mut object = fake_stripe::subscription("cus_not_ours", "price_pro", "active", now(), now() + 86_400);
    object["metadata"] = json!({"organization_id": victim.organization_id});
    let body = fake_stripe::event("evt_spoof", "customer.subscription.created", now(), object);
    assert_eq!(deliver_signed(&app, &body).await.status(), 200);
    assert_eq!(wait_processed(&app, "evt_spoof").await.status, "ignored");
    let me: Value = app.get_json("/v1/me", &victim.access_token).await;
    assert_eq!(me["current_organization"]["plan"], "free");
}

#[tokio::test]
async fn a_failed_payment_keeps_the_plan_for_the_grace_period_and_emails_the_owner() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(&stripe).await;
    let owner = app.signup().await;
    let customer = subscribe(&app, &owner, "active").await;
    let failed = fake_stripe::event(
        "evt_failed",
        "invoice.payment_failed",
        now(),
        fake_stripe::invoice(&customer, now(), now() + 30 * 86_400),
    );
    assert_eq!(deliver_signed(&app, &failed).await.status(), 200);
    wait_processed(&app, "evt_failed").await;
    let sub = subscription(&app, &owner).await;
    assert_eq!(sub["status"], "past_due");
    assert_eq!(sub["plan"], "pro", "still usable during the grace period");
    let mails = app.emails_to(&owner.email, 3).await;
    assert!(
        mails
            .iter()
            .any(|m| m.header("Subject").unwrap_or_default().contains("payment"))
    );
}

#[tokio::test]
async fn a_pro_subscriber_uses_the_allowance_then_gets_402_until_the_period_renews() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(&stripe).await;
    let owner = app.signup().await;
    let customer = subscribe(&app, &owner, "active").await;
    // 3 from the plan, then the free one, then nothing.
    for _ in 0..4 {
        assert_eq!(
            app.start_interview(&owner.access_token, "senior-backend-fintech")
                .await
                .status(),
            201
        );
    }
    let spent = app
        .start_interview(&owner.access_token, "senior-backend-fintech")
        .await;
    let problem = assert_problem(spent, 402, "quota-exhausted").await;
    assert_eq!(problem["upgrade"]["plans"], json!(["team"]));
    assert!(problem["detail"].as_str().unwrap().contains("pro"));

    // Stripe renews the subscription: the invoice for the next period is paid.
    let renewed = fake_stripe::event(
        "evt_renewed",
        "invoice.paid",
        now(),
        fake_stripe::invoice(&customer, now() + 29 * 86_400, now() + 59 * 86_400),
    );
    assert_eq!(deliver_signed(&app, &renewed).await.status(), 200);
    wait_processed(&app, "evt_renewed").await;
    let sub = subscription(&app, &owner).await;
    assert_eq!(sub["used_in_period"], 0);
    assert_eq!(sub["remaining_interviews"], 3);
    assert_eq!(
        app.start_interview(&owner.access_token, "senior-backend-fintech")
            .await
            .status(),
        201
    );
}
