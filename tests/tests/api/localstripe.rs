//! The billing flow against a real third-party Stripe fake: `localstripe` (PyPI), run
//! on loopback with its state in a temporary folder. It has customers, plans, payment
//! methods, subscriptions and invoices, and sends webhooks signed like Stripe's (API
//! version 2017-08-15), but no Checkout, prices or portal: the test subscribes the
//! customer itself, as Checkout would.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sea_orm::EntityTrait;
use serde_json::{Value, json};
use tests::{TestApp, builder};

const WEBHOOK_SECRET: &str = "whsec_localstripe_rehearse";
const PLAN: &str = "rehearse-pro-monthly";

fn python() -> Option<PathBuf> {
    std::env::var_os("LOCALSTRIPE_PYTHON")
        .map(PathBuf::from)
        .or_else(|| {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
            Some(cache.join("rehearse/localstripe/bin/python")).filter(|p| p.exists())
        })
}

struct LocalStripe {
    child: Child,
    url: String,
}

impl Drop for LocalStripe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_localstripe(python: &PathBuf) -> LocalStripe {
    let wrapper = concat!(env!("CARGO_MANIFEST_DIR"), "/stripe/localstripe_wrapper.py");
    let mut child = Command::new(python)
        .args([wrapper, "--port", "0", "--quiet", "--exit-on-stdin-eof"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("cannot start localstripe");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("ready line");
    let url = line
        .trim()
        .rsplit(' ')
        .next()
        .filter(|u| u.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("unexpected localstripe output: {line:?}"))
        .to_owned();
    LocalStripe { child, url }
}

async fn ls_post(client: &reqwest::Client, ls: &LocalStripe, path: &str, form: &[(&str, &str)]) -> Value {
    let response = client
        .post(format!("{}{path}", ls.url))
        .basic_auth("sk_test_localstripe", Some(""))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    assert!(
        status.is_success() && body.is_object(),
        "localstripe {path}: {status} {text:?}"
    );
    body
}

async fn wait_for_plan(app: &TestApp, token: &str, plan: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let sub: Value = app.get_json("/v1/billing/subscription", token).await;
        if sub["plan"] == plan {
            return sub;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never reached plan {plan}: {sub}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_made_in_localstripe_drives_the_plan_through_its_signed_webhooks() {
    let Some(python) = python() else {
        assert!(
            std::env::var("REHEARSE_REQUIRE_LOCALSTRIPE").is_err(),
            "REHEARSE_REQUIRE_LOCALSTRIPE is set but localstripe is not installed (tests/stripe/setup-localstripe.sh)"
        );
        eprintln!(
            "SKIPPED: localstripe is not installed; run tests/stripe/setup-localstripe.sh (.ci/run does)"
        );
        return;
    };
    let ls = start_localstripe(&python);
    let api_base = ls.url.clone();
    let app = builder()
        .settings(move |s| {
            s.stripe.secret_key = Some("sk_test_localstripe".into());
            s.stripe.webhook_secret = Some(WEBHOOK_SECRET.into());
            s.stripe.api_base = api_base;
            s.stripe.price_pro = Some(PLAN.into());
            s.stripe.price_team = Some("rehearse-team-monthly".into());
        })
        .spawn()
        .await;
    let client = reqwest::Client::new();
    let hook = format!("{}/v1/billing/stripe/webhook", app.address);
    let registered = client
        .post(format!("{}/_config/webhooks/rehearse", ls.url))
        .form(&[("url", hook.as_str()), ("secret", WEBHOOK_SECRET)])
        .send()
        .await
        .unwrap();
    assert!(registered.status().is_success());

    // Our code creates the customer in localstripe (its Checkout call then fails:
    // localstripe has no Checkout Sessions).
    let owner = app.signup().await;
    let checkout = app
        .post("/v1/billing/checkout")
        .bearer_auth(&owner.access_token)
        .json(&json!({"plan": "pro"}))
        .send()
        .await
        .unwrap();
    assert!(checkout.status().is_server_error(), "{}", checkout.status());
    let customer_id = api::entities::billing_accounts::Entity::find_by_id(owner.organization_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the customer mapping was stored")
        .stripe_customer_id;
    let customer: Value = client
        .get(format!("{}/v1/customers/{customer_id}", ls.url))
        .basic_auth("sk_test_localstripe", Some(""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(customer["email"], owner.email);
    assert_eq!(
        customer["metadata"]["organization_id"],
        owner.organization_id.to_string()
    );

    // What Checkout would do: a plan, a card, a subscription.
    let product = ls_post(&client, &ls, "/v1/products", &[("name", "Rehearse Pro")]).await;
    ls_post(
        &client,
        &ls,
        "/v1/plans",
        &[
            ("id", PLAN),
            ("product", product["id"].as_str().unwrap()),
            ("amount", "1900"),
            ("currency", "usd"),
            ("interval", "month"),
        ],
    )
    .await;
    let card = ls_post(
        &client,
        &ls,
        "/v1/payment_methods",
        &[
            ("type", "card"),
            ("card[number]", "4242424242424242"),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2030"),
            ("card[cvc]", "123"),
        ],
    )
    .await;
    let pm = card["id"].as_str().unwrap().to_owned();
    ls_post(
        &client,
        &ls,
        &format!("/v1/payment_methods/{pm}/attach"),
        &[("customer", &customer_id)],
    )
    .await;
    ls_post(
        &client,
        &ls,
        &format!("/v1/customers/{customer_id}"),
        &[("invoice_settings[default_payment_method]", &pm)],
    )
    .await;
    let subscription = ls_post(
        &client,
        &ls,
        "/v1/subscriptions",
        &[("customer", &customer_id), ("items[0][plan]", PLAN)],
    )
    .await;
    assert_eq!(subscription["status"], "active", "{subscription}");

    // localstripe's signed customer.subscription.created and invoice.payment_succeeded
    // reach our webhook; the organization is on pro with its allowance.
    let sub = wait_for_plan(&app, &owner.access_token, "pro").await;
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["allowance_in_period"], 30);
    assert_eq!(sub["remaining_interviews"], 31);
    assert!(sub["current_period_end"].is_string());
    let events = api::entities::stripe_events::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.api_version.as_deref() == Some("2017-08-15"))
    );
    assert!(
        events
            .iter()
            .all(|e| e.status != api::domain::StripeEventStatus::Dead),
        "{events:?}"
    );

    // Cancelling there brings the organization back to free.
    let canceled = client
        .delete(format!(
            "{}/v1/subscriptions/{}",
            ls.url,
            subscription["id"].as_str().unwrap()
        ))
        .basic_auth("sk_test_localstripe", Some(""))
        .send()
        .await
        .unwrap();
    assert!(canceled.status().is_success());
    let sub = wait_for_plan(&app, &owner.access_token, "free").await;
    assert_eq!(sub["status"], "canceled");
    assert_eq!(sub["remaining_interviews"], 1);
}
