//! A partner's webhook endpoint for tests: records every POST (headers and raw body)
//! and answers with scripted statuses, 200 once the script runs out.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};

/// One delivery as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub signature: Option<String>,
    pub event_id: Option<String>,
    pub event_type: Option<String>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a webhook body is JSON")
    }
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    statuses: VecDeque<u16>,
}

pub struct WebhookReceiver {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl WebhookReceiver {
    pub async fn start() -> Self {
        let state: Arc<Mutex<State>> = Arc::default();
        let shared = web::Data::new(state.clone());
        let port = crate::serve_fake(1, move |cfg| {
            cfg.app_data(shared.clone()).default_service(web::to(handle));
        });
        Self {
            url: format!("http://127.0.0.1:{port}/hooks"),
            state,
        }
    }

    /// The next answers, in order (e.g. `[500, 503]` fails twice, then 200s).
    pub fn answer_next(&self, statuses: impl IntoIterator<Item = u16>) {
        self.state.lock().expect("lock").statuses.extend(statuses);
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().expect("lock").received.clone()
    }

    /// Waits until `count` requests arrived (panics after 20 s).
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..400 {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {count} webhook requests, got {}", self.received().len());
    }
}

async fn handle(request: HttpRequest, body: web::Bytes, state: web::Data<Arc<Mutex<State>>>) -> HttpResponse {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let mut state = state.lock().expect("lock");
    state.received.push(Received {
        path: request.path().to_owned(),
        signature: header("rehearse-signature"),
        event_id: header("rehearse-event-id"),
        event_type: header("rehearse-event-type"),
        body: body.to_vec(),
    });
    let status = state.statuses.pop_front().unwrap_or(200);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).expect("status")).finish()
}
