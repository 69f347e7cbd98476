//! A fake OpenAI-compatible chat-completions server for tests. It records every
//! request, answers in the real wire format (`choices[].message.content`, `usage`,
//! OpenAI error bodies, `Retry-After`), and can be scripted: valid grades, invalid
//! JSON, schema violations, absurd scores, 429s, 5xx, slow answers, quota errors, or a
//! model that obeys whatever the candidate's answer tells it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

/// What the fake does for one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A grade built from the request's rubric: every criterion gets `score`, quoting
    /// the start of the answer as evidence when the score is above 0.
    Grade { score: u8 },
    /// Obeys the answer: top marks everywhere, no injection reported.
    Obey,
    /// An honest grade with these scores per criterion key (others get 0).
    Scores(Vec<(String, u8)>),
    /// This exact content as the completion.
    Content(String),
    /// An error status with an OpenAI-style body.
    Error {
        status: u16,
        error_type: String,
        retry_after: Option<u32>,
    },
    /// Waits, then does the inner reply.
    Slow(Duration, Box<Reply>),
}

#[derive(Default)]
struct State {
    requests: Vec<Value>,
    script: VecDeque<Reply>,
    default: Option<Reply>,
}

#[derive(Clone)]
pub struct FakeOpenAi {
    /// Base URL including `/v1`.
    pub url: String,
    state: Arc<Mutex<State>>,
}

/// The candidate's answer inside the user message's delimiters (the first one).
pub fn answer_in(request: &Value) -> String {
    answers_in(request).into_iter().next().unwrap_or_default()
}

/// Every delimited answer of the user message, in order (several in per-interview mode).
pub fn answers_in(request: &Value) -> Vec<String> {
    let user = user_message(request);
    let mut answers = Vec::new();
    let mut rest = user.as_str();
    while let Some(start) = rest.find("<<<CANDIDATE_ANSWER ") {
        let after = &rest[start..];
        let Some(open_end) = after.find(">>>\n") else {
            break;
        };
        let body = &after[open_end + 4..];
        let Some(end) = body.find("\n<<<END_CANDIDATE_ANSWER ") else {
            break;
        };
        answers.push(body[..end].to_owned());
        rest = &body[end + 1..];
    }
    answers
}

pub fn system_message(request: &Value) -> String {
    message(request, "system")
}

pub fn user_message(request: &Value) -> String {
    message(request, "user")
}

fn message(request: &Value, role: &str) -> String {
    request["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["role"] == role)
        .filter_map(|m| m["content"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A few words copied from the start of the answer (valid evidence).
fn quote(answer: &str) -> Vec<String> {
    let words: Vec<&str> = answer.split_whitespace().take(3).collect();
    if words.is_empty() {
        vec![]
    } else {
        vec![words.join(" ")]
    }
}

fn grade(request: &Value, score: u8, obey: bool) -> Value {
    let schema = &request["response_format"]["json_schema"]["schema"];
    let answers = answers_in(request);
    // Per-interview mode: one grade per question the schema lists, in order.
    if let Some(questions) = schema["properties"]["questions"]["prefixItems"].as_array() {
        let graded: Vec<Value> = questions
            .iter()
            .enumerate()
            .map(|(i, question)| {
                let mut one = grade_one(
                    &question["properties"],
                    answers.get(i).map_or("", String::as_str),
                    score,
                    obey,
                );
                one["position"] = question["properties"]["position"]["enum"][0].clone();
                one
            })
            .collect();
        return json!({"questions": graded});
    }
    grade_one(
        &schema["properties"],
        answers.first().map_or("", String::as_str),
        score,
        obey,
    )
}

/// One question's grade, for a schema's `properties`.
fn grade_one(properties: &Value, answer: &str, score: u8, obey: bool) -> Value {
    let criteria: Vec<Value> = properties["criteria"]["items"]["properties"]["key"]["enum"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|key| json!({"key": key, "score": score, "evidence": if score > 0 { quote(answer) } else { vec![] }}))
        .collect();
    if obey {
        json!({
            "criteria": criteria,
            "feedback_summary": "Outstanding, a model answer.",
            "feedback": "Exemplary in every respect.",
            "strengths": ["Complete", "Deep"],
            "improvements": [],
            "injection_detected": false
        })
    } else {
        json!({
            "criteria": criteria,
            "feedback_summary": format!("A fair attempt that scores {score} of 10 on each criterion."),
            "feedback": "You named a few relevant ideas but left most of the rubric uncovered; explain your reasoning and the costs of each choice.",
            "strengths": ["You stayed on topic."],
            "improvements": ["Cover the missing rubric criteria explicitly."],
            "injection_detected": false
        })
    }
}

fn completion(request: &Value, content: String) -> HttpResponse {
    let prompt_chars: usize = request["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["content"].as_str())
        .map(str::len)
        .sum();
    let prompt_tokens = (prompt_chars / 4).max(1);
    let completion_tokens = (content.len() / 4).max(1);
    HttpResponse::Ok().json(json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_800_000_000u32,
        "model": request["model"],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens}
    }))
}

fn respond(request: &Value, reply: Reply) -> futures::future::BoxFuture<'static, HttpResponse> {
    let request = request.clone();
    Box::pin(async move {
        match reply {
            Reply::Grade { score } => completion(&request, grade(&request, score, false).to_string()),
            Reply::Obey => completion(&request, grade(&request, 10, true).to_string()),
            Reply::Scores(scores) => {
                let mut graded = grade(&request, 0, false);
                let answer = answer_in(&request);
                if let Some(criteria) = graded["criteria"].as_array_mut() {
                    for c in criteria {
                        let score = scores
                            .iter()
                            .find(|(k, _)| c["key"] == k.as_str())
                            .map_or(0, |(_, s)| *s);
                        c["score"] = json!(score);
                        c["evidence"] = json!(if score > 0 { quote(&answer) } else { vec![] });
                    }
                }
                completion(&request, graded.to_string())
            }
            Reply::Content(content) => completion(&request, content),
            Reply::Error {
                status,
                error_type,
                retry_after,
            } => {
                let mut response =
                    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or_default());
                if let Some(secs) = retry_after {
                    response.insert_header(("Retry-After", secs.to_string()));
                }
                response.json(
                    json!({"error": {"message": format!("fake {error_type}"), "type": error_type,
                                               "param": null, "code": error_type}}),
                )
            }
            Reply::Slow(delay, inner) => {
                tokio::time::sleep(delay).await;
                respond(&request, *inner).await
            }
        }
    })
}

async fn handle(_req: HttpRequest, body: web::Bytes, state: web::Data<Arc<Mutex<State>>>) -> HttpResponse {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let reply = {
        let mut state = state.lock().expect("lock");
        state.requests.push(request.clone());
        state
            .script
            .pop_front()
            .or_else(|| state.default.clone())
            .unwrap_or(Reply::Grade { score: 5 })
    };
    respond(&request, reply).await
}

impl FakeOpenAi {
    pub async fn start() -> Self {
        let state: Arc<Mutex<State>> = Arc::default();
        let shared = web::Data::new(state.clone());
        let port = crate::serve_fake(2, move |cfg| {
            cfg.app_data(shared.clone())
                .app_data(web::PayloadConfig::new(4 * 1024 * 1024))
                .route("/v1/chat/completions", web::post().to(handle));
        });
        Self {
            url: format!("http://127.0.0.1:{port}/v1"),
            state,
        }
    }

    /// The next replies, in order; then the default.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.state.lock().expect("lock").script.extend(replies);
    }

    /// What to do once the script is exhausted.
    pub fn default_reply(&self, reply: Reply) {
        self.state.lock().expect("lock").default = Some(reply);
    }

    pub fn requests(&self) -> Vec<Value> {
        self.state.lock().expect("lock").requests.clone()
    }

    pub fn clear(&self) {
        let mut state = self.state.lock().expect("lock");
        state.requests.clear();
        state.script.clear();
    }
}
