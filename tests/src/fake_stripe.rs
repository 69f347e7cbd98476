//! A fake Stripe API for tests, speaking Stripe's wire format: form-encoded requests,
//! JSON responses, `{"error": {...}}` bodies, and Stripe's idempotency semantics (the
//! same `Idempotency-Key` returns the first response again). Faults can be scripted.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct StripeRequest {
    pub method: String,
    pub path: String,
    pub form: Vec<(String, String)>,
    pub idempotency_key: Option<String>,
    pub authorization: Option<String>,
    pub stripe_version: Option<String>,
}

impl StripeRequest {
    pub fn param(&self, key: &str) -> Option<&str> {
        self.form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// A scripted response: status and JSON body.
#[derive(Debug, Clone)]
pub struct Fault {
    pub status: u16,
    pub body: Value,
}

impl Fault {
    pub fn rate_limited() -> Self {
        Self {
            status: 429,
            body: json!({"error": {"type": "invalid_request_error", "code": "rate_limit", "message": "Too many requests"}}),
        }
    }
    pub fn server_error() -> Self {
        Self {
            status: 500,
            body: json!({"error": {"type": "api_error", "message": "Something went wrong on Stripe's end."}}),
        }
    }
    pub fn card_declined() -> Self {
        Self {
            status: 402,
            body: json!({"error": {"type": "card_error", "code": "card_declined", "decline_code": "generic_decline", "message": "Your card was declined."}}),
        }
    }
    pub fn invalid_request() -> Self {
        Self {
            status: 400,
            body: json!({"error": {"type": "invalid_request_error", "code": "resource_missing", "param": "line_items[0][price]", "message": "No such price: 'price_x'"}}),
        }
    }
}

#[derive(Default)]
struct State {
    requests: Vec<StripeRequest>,
    /// Responses already given per idempotency key.
    replies: HashMap<String, (u16, Value)>,
    /// Faults to return next, per path.
    faults: HashMap<String, VecDeque<Fault>>,
    counter: u64,
}

#[derive(Clone)]
pub struct FakeStripe {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl FakeStripe {
    pub async fn start() -> Self {
        let state: Arc<Mutex<State>> = Arc::default();
        let shared = web::Data::new(state.clone());
        let port = crate::serve_fake(1, move |cfg| {
            cfg.app_data(shared.clone()).default_service(web::to(handle));
        });
        Self {
            url: format!("http://127.0.0.1:{port}"),
            state,
        }
    }

    /// The next `faults` answers to `path` (e.g. `/v1/checkout/sessions`).
    pub fn fail_next(&self, path: &str, faults: impl IntoIterator<Item = Fault>) {
        let mut state = self.state.lock().expect("lock");
        state.faults.entry(path.to_owned()).or_default().extend(faults);
    }

    pub fn requests(&self, path: &str) -> Vec<StripeRequest> {
        let state = self.state.lock().expect("lock");
        state
            .requests
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

async fn handle(req: HttpRequest, body: web::Bytes, state: web::Data<Arc<Mutex<State>>>) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let request = StripeRequest {
        method: req.method().to_string(),
        path: req.path().to_owned(),
        form: url::form_urlencoded::parse(&body).into_owned().collect(),
        idempotency_key: header("idempotency-key"),
        authorization: header("authorization"),
        stripe_version: header("stripe-version"),
    };
    let mut state = state.lock().expect("lock");
    state.requests.push(request.clone());
    if let Some(fault) = state.faults.get_mut(&request.path).and_then(VecDeque::pop_front) {
        return reply(fault.status, &fault.body);
    }
    if let Some(key) = &request.idempotency_key
        && let Some((status, body)) = state.replies.get(key)
    {
        return reply(*status, body);
    }
    state.counter += 1;
    let n = state.counter;
    let now = chrono::Utc::now().timestamp();
    let (status, body) = match request.path.as_str() {
        "/v1/customers" => (
            200,
            json!({"id": format!("cus_fake{n}"), "object": "customer", "created": now, "livemode": false,
                   "email": request.param("email"), "name": request.param("name")}),
        ),
        "/v1/checkout/sessions" => (
            200,
            json!({"id": format!("cs_test_{n}"), "object": "checkout.session", "automatic_tax": {"enabled": false},
                   "created": now, "custom_fields": [], "custom_text": {}, "expires_at": now + 86400,
                   "livemode": false, "mode": "subscription", "payment_method_types": ["card"],
                   "payment_status": "unpaid", "shipping_options": [],
                   "customer": request.param("customer"),
                   "url": format!("https://checkout.stripe.test/c/pay/cs_test_{n}")}),
        ),
        "/v1/billing_portal/sessions" => (
            200,
            json!({"id": format!("bps_{n}"), "object": "billing_portal.session", "configuration": "bpc_1",
                   "created": now, "customer": request.param("customer"), "livemode": false,
                   "url": format!("https://billing.stripe.test/p/session/{n}")}),
        ),
        path if request.method == "DELETE" && path.starts_with("/v1/customers/") => (
            200,
            json!({"id": path.trim_start_matches("/v1/customers/"), "object": "customer", "deleted": true}),
        ),
        _ => (
            404,
            json!({"error": {"type": "invalid_request_error", "message": format!("Unrecognized request URL ({}).", request.path)}}),
        ),
    };
    if let Some(key) = request.idempotency_key {
        state.replies.insert(key, (status, body.clone()));
    }
    reply(status, &body)
}

fn reply(status: u16, body: &Value) -> HttpResponse {
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK),
    )
    .content_type("application/json")
    .body(body.to_string())
}

/// A Stripe event as Stripe sends it, and its `Stripe-Signature` header.
pub fn event(id: &str, event_type: &str, created: i64, object: Value) -> String {
    json!({
        "id": id,
        "object": "event",
        "api_version": "2026-09-30.endive",
        "created": created,
        "livemode": false,
        "pending_webhooks": 1,
        "type": event_type,
        "data": {"object": object},
    })
    .to_string()
}

pub fn subscription(customer: &str, price: &str, status: &str, period_start: i64, period_end: i64) -> Value {
    json!({
        "id": "sub_test_1",
        "object": "subscription",
        "customer": customer,
        "status": status,
        "cancel_at_period_end": false,
        "items": {"object": "list", "data": [{
            "id": "si_1", "object": "subscription_item", "quantity": 1,
            "price": {"id": price, "object": "price"},
            "current_period_start": period_start, "current_period_end": period_end
        }]},
        "metadata": {}
    })
}

pub fn invoice(customer: &str, period_start: i64, period_end: i64) -> Value {
    json!({
        "id": "in_test_1",
        "object": "invoice",
        "customer": customer,
        "parent": {"type": "subscription_details", "subscription_details": {"subscription": "sub_test_1"}},
        "lines": {"object": "list", "data": [{"id": "il_1", "type": "subscription",
            "period": {"start": period_start, "end": period_end}}]}
    })
}
