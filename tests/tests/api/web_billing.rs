//! The plan page: Checkout and portal redirects, the "activating…" return page until the
//! webhook lands, past-due and canceled states, and billing off.

use api::services::billing::signature;
use tests::browser::Browser;
use tests::fake_stripe::{self, FakeStripe};
use tests::{PASSWORD, TestApp, builder, spawn_app};

const WEBHOOK_SECRET: &str = "whsec_test_web_secret";

async fn billing_app(stripe: &FakeStripe) -> TestApp {
    let url = stripe.url.clone();
    builder()
        .settings(move |s| {
            s.stripe.secret_key = Some("sk_test_rehearse".into());
            s.stripe.webhook_secret = Some(WEBHOOK_SECRET.into());
            s.stripe.api_base = url;
            s.stripe.price_pro = Some("price_pro".into());
            s.stripe.price_team = Some("price_team".into());
            s.plans.pro_monthly_interviews = 3;
        })
        .spawn()
        .await
}

async fn deliver(app: &TestApp, body: &str) {
    let header = signature::header(
        WEBHOOK_SECRET.as_bytes(),
        chrono::Utc::now().timestamp(),
        body.as_bytes(),
    );
    let response = app
        .post("/v1/billing/stripe/webhook")
        .header("Stripe-Signature", header)
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
}

fn unique_email() -> String {
    format!("plan-{}@example.com", uuid::Uuid::new_v4().simple())
}

#[tokio::test]
async fn upgrading_goes_to_checkout_and_the_return_page_activates_when_the_webhook_lands() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(&stripe).await;
    let mut browser = Browser::new(&app);
    browser.sign_up(&unique_email(), PASSWORD).await;
    let page = browser.get("/app/billing").await;
    assert_eq!(page.status, 200);
    page.assert_contains("Upgrade to Pro");
    let checkout = browser
        .post(
            "/app/billing/checkout",
            &[("csrf", &page.csrf()), ("plan", "pro")],
        )
        .await;
    assert_eq!(checkout.status, 303);
    assert!(
        checkout
            .location()
            .unwrap()
            .starts_with("https://checkout.stripe.test/")
    );
    let session = &stripe.requests("/v1/checkout/sessions")[0];
    assert!(
        session
            .param("success_url")
            .unwrap()
            .contains("/billing/success?session_id={CHECKOUT_SESSION_ID}")
    );

    // Back from Stripe before the webhook: "activating…", polled.
    let back = browser.get("/billing/success?session_id=cs_test_1").await;
    assert_eq!(back.location(), Some("/app/billing?activating=1"));
    let waiting = browser.get("/app/billing?activating=1").await;
    waiting.assert_contains("Activating your plan");
    waiting.assert_contains("hx-get=\"/app/billing/status\"");
    let poll = browser
        .app_get_with("/app/billing/status", &[("HX-Request", "true")])
        .await;
    assert_eq!(poll.status, 200);
    poll.assert_contains("Activating your plan");

    let customer = stripe.requests("/v1/customers")[0].clone();
    let customer_id = {
        use sea_orm::EntityTrait;
        let _ = customer;
        api::entities::billing_accounts::Entity::find()
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .stripe_customer_id
    };
    let now = chrono::Utc::now().timestamp();
    deliver(
        &app,
        &fake_stripe::event(
            "evt_web_1",
            "customer.subscription.created",
            now,
            fake_stripe::subscription(&customer_id, "price_pro", "active", now, now + 30 * 86_400),
        ),
    )
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let poll = browser
            .app_get_with("/app/billing/status", &[("HX-Request", "true")])
            .await;
        if poll.header("hx-redirect") == "/app/billing" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the plan never activated");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let active = browser.get("/app/billing?activating=1").await;
    assert!(!active.contains("Activating your plan"));
    active.assert_contains("<strong>Pro</strong>");
    active.assert_contains("Manage billing");
    let portal = browser
        .post("/app/billing/portal", &[("csrf", &active.csrf())])
        .await;
    assert_eq!(portal.status, 303);
    assert!(
        portal
            .location()
            .unwrap()
            .starts_with("https://billing.stripe.test/")
    );

    // Past due, then canceled: each explained.
    deliver(
        &app,
        &fake_stripe::event(
            "evt_web_2",
            "customer.subscription.updated",
            now + 1,
            fake_stripe::subscription(&customer_id, "price_pro", "past_due", now, now + 30 * 86_400),
        ),
    )
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let page = browser.get("/app/billing").await;
        if page.contains("did not go through") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "past due never shown:\n{}",
            page.body
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    deliver(
        &app,
        &fake_stripe::event(
            "evt_web_3",
            "customer.subscription.deleted",
            now + 2,
            fake_stripe::subscription(&customer_id, "price_pro", "canceled", now, now + 30 * 86_400),
        ),
    )
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let page = browser.get("/app/billing").await;
        if page.contains("Your subscription was canceled") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "cancel never shown:\n{}",
            page.body
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn checkout_needs_the_token_and_a_known_plan() {
    let stripe = FakeStripe::start().await;
    let app = billing_app(&stripe).await;
    let mut browser = Browser::new(&app);
    browser.sign_up(&unique_email(), PASSWORD).await;
    let forged = browser.post("/app/billing/checkout", &[("plan", "pro")]).await;
    assert_eq!(forged.status, 403);
    let page = browser.get("/app/billing").await;
    let unknown = browser
        .post(
            "/app/billing/checkout",
            &[("csrf", &page.csrf()), ("plan", "gold")],
        )
        .await;
    assert_eq!(unknown.status, 422);
    unknown.assert_contains("can be bought; choose pro or team");
    assert!(stripe.requests("/v1/checkout/sessions").is_empty());
    assert_eq!(
        browser.get("/billing/canceled").await.location(),
        Some("/app/billing?canceled=1")
    );
    browser
        .get("/app/billing?canceled=1")
        .await
        .assert_contains("nothing was charged");
}

#[tokio::test]
async fn with_billing_off_the_plan_page_says_so() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_up(&unique_email(), PASSWORD).await;
    let page = browser.get("/app/billing").await;
    assert_eq!(page.status, 200);
    page.assert_contains("Billing is not configured on this server");
    page.assert_contains("<strong>Free</strong>");
    assert!(!page.contains("/app/billing/checkout"));
}
