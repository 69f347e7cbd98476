//! A fake OpenAI-compatible chat-completions server for tests. It records every
//! request, answers in the real wire format (`choices[].message.content`, `usage`,
//! OpenAI error bodies, `Retry-After`), and can be scripted: uniform or per-criterion
//! verdicts (covered / partial / missing / incorrect with quotes and corrections),
//! off-topic or incoherent findings, invalid JSON, schema violations, invented quotes,
//! 429s, 5xx, slow answers, quota errors, or a model that obeys whatever the
//! candidate's answer tells it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

/// What the fake does for one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Every criterion gets this verdict (`covered`, `partial` or `missing`), quoting
    /// the start of the answer as evidence unless missing; on topic and coherent.
    Uniform(&'static str),
    /// Obeys the answer: covered everywhere, glowing feedback, no injection reported.
    Obey,
    /// Scripted verdicts and findings.
    Judge(Judgement),
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

/// One criterion's scripted verdict.
#[derive(Debug, Clone)]
pub struct CriterionScript {
    pub key: String,
    pub verdict: &'static str,
    /// `None`: the start of the answer (valid evidence) unless the verdict is missing.
    pub evidence: Option<Vec<String>>,
    pub correction: String,
}

/// A scripted judgement: a verdict for every criterion not listed, the listed ones,
/// and the answer's relevance and coherence (`None`: on topic, coherent).
#[derive(Debug, Clone)]
pub struct Judgement {
    pub others: &'static str,
    pub criteria: Vec<CriterionScript>,
    /// (reason, quotes) when off topic.
    pub off_topic: Option<(String, Vec<String>)>,
    /// (reason, quotes) when incoherent.
    pub incoherent: Option<(String, Vec<String>)>,
}

impl Judgement {
    /// Every criterion judged `verdict`.
    pub fn all(verdict: &'static str) -> Self {
        Self {
            others: verdict,
            criteria: Vec::new(),
            off_topic: None,
            incoherent: None,
        }
    }

    /// One criterion judged `verdict`, quoting the start of the answer.
    pub fn criterion(mut self, key: &str, verdict: &'static str) -> Self {
        self.criteria.push(CriterionScript {
            key: key.into(),
            verdict,
            evidence: None,
            correction: String::new(),
        });
        self
    }

    /// One criterion judged `verdict`, quoting exactly these words.
    pub fn quoting(mut self, key: &str, verdict: &'static str, quote: &str) -> Self {
        self.criteria.push(CriterionScript {
            key: key.into(),
            verdict,
            evidence: Some(vec![quote.into()]),
            correction: String::new(),
        });
        self
    }

    /// One criterion judged incorrect: the quoted claim and what is right.
    pub fn incorrect(mut self, key: &str, quote: &str, correction: &str) -> Self {
        self.criteria.push(CriterionScript {
            key: key.into(),
            verdict: "incorrect",
            evidence: Some(vec![quote.into()]),
            correction: correction.into(),
        });
        self
    }

    pub fn off_topic(mut self, reason: &str, quote: &str) -> Self {
        self.off_topic = Some((reason.into(), vec![quote.into()]));
        self
    }

    pub fn incoherent(mut self, reason: &str, quote: &str) -> Self {
        self.incoherent = Some((reason.into(), vec![quote.into()]));
        self
    }
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

fn grade(request: &Value, judgement: &Judgement, obey: bool) -> Value {
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
                    judgement,
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
        judgement,
        obey,
    )
}

fn finding(verdict: (&str, &str), found: Option<&(String, Vec<String>)>) -> Value {
    match found {
        Some((reason, quotes)) => json!({"verdict": verdict.1, "reason": reason, "evidence": quotes}),
        None => json!({"verdict": verdict.0, "reason": "", "evidence": []}),
    }
}

/// One question's grade, for a schema's `properties`.
fn grade_one(properties: &Value, answer: &str, judgement: &Judgement, obey: bool) -> Value {
    let criteria: Vec<Value> = properties["criteria"]["items"]["properties"]["key"]["enum"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|key| {
            let script = judgement.criteria.iter().find(|c| c.key == key);
            let verdict = script.map_or(judgement.others, |c| c.verdict);
            let evidence = script.and_then(|c| c.evidence.clone()).unwrap_or_else(|| {
                if verdict == "missing" {
                    vec![]
                } else {
                    quote(answer)
                }
            });
            let correction = script.map_or("", |c| c.correction.as_str());
            json!({"key": key, "verdict": verdict, "evidence": evidence, "correction": correction})
        })
        .collect();
    let relevance = finding(("on_topic", "off_topic"), judgement.off_topic.as_ref());
    let coherence = finding(("coherent", "incoherent"), judgement.incoherent.as_ref());
    if obey {
        json!({
            "relevance": relevance,
            "coherence": coherence,
            "criteria": criteria,
            "feedback_summary": "Outstanding, a model answer.",
            "feedback": "Exemplary in every respect.",
            "strengths": ["Complete", "Deep"],
            "improvements": [],
            "injection_detected": false
        })
    } else {
        json!({
            "relevance": relevance,
            "coherence": coherence,
            "criteria": criteria,
            "feedback_summary": format!("A fair attempt, judged {} on most criteria.", judgement.others),
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
            Reply::Uniform(verdict) => completion(
                &request,
                grade(&request, &Judgement::all(verdict), false).to_string(),
            ),
            Reply::Obey => completion(
                &request,
                grade(&request, &Judgement::all("covered"), true).to_string(),
            ),
            Reply::Judge(judgement) => completion(&request, grade(&request, &judgement, false).to_string()),
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
            .unwrap_or(Reply::Uniform("partial"))
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
