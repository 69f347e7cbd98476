//! Calls an OpenAI-compatible chat-completions endpoint through async-openai, with our
//! own HTTP service in place of async-openai's retry layer: the service hands every
//! non-2xx answer back with its status, `Retry-After` and body, and the loop here is
//! the only place that retries (429 honouring `Retry-After`, 5xx, timeouts and
//! connection errors, with exponential backoff and jitter, up to a bound).
//! `insufficient_quota`, 400, 401, 403 and 404 are not retried.

use std::time::{Duration, Instant};

use api::config::{LlmSettings, TokenParam};
use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;
use async_openai::types::chat::{
    ChatCompletionRequestMessage, CreateChatCompletionRequest, CreateChatCompletionRequestArgs, FinishReason,
    ResponseFormat, ResponseFormatJsonSchema,
};
use rand::Rng;
use secrecy::ExposeSecret;

/// A non-2xx answer, as our HTTP service reports it.
#[derive(Debug, thiserror::Error)]
#[error("HTTP {status}")]
pub struct HttpFailure {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: String,
}

/// One successful completion.
#[derive(Debug, Clone)]
pub struct Completion {
    pub content: String,
    pub model: String,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    pub truncated: bool,
    pub latency: Duration,
    /// Attempts made (1 = no retry).
    pub attempts: u32,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    /// Retrying cannot help: bad request, bad key, no quota, unknown model.
    #[error("the model endpoint refused the request: {0}")]
    Refused(String),
    /// Still failing after the retries (rate limits, outages, timeouts).
    #[error("the model endpoint is unavailable: {0}")]
    Unavailable(String),
}

impl CallError {
    pub fn reason(&self) -> &str {
        match self {
            Self::Refused(r) | Self::Unavailable(r) => r,
        }
    }
}

#[derive(Clone)]
pub struct LlmClient {
    client: Client<OpenAIConfig>,
    settings: LlmSettings,
}

fn parse_retry_after(value: &str) -> Option<Duration> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// `error.type` / `error.code` of an error body, whatever their JSON types.
fn error_kind(body: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let error = &value["error"];
    [&error["type"], &error["code"]]
        .iter()
        .filter_map(|v| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

impl LlmClient {
    pub fn new(settings: &LlmSettings) -> anyhow::Result<Self> {
        let base = settings
            .base_url
            .as_deref()
            .ok_or_else(|| anyhow::anyhow!("REHEARSE__LLM__BASE_URL is not set"))?
            .trim_end_matches('/')
            .to_owned();
        let key = settings
            .api_key
            .as_ref()
            .map(|k| k.expose_secret().trim().to_owned())
            .unwrap_or_default();
        // Every field set explicitly: OpenAIConfig::new() reads OPENAI_* variables from
        // the environment, which must never leak to another endpoint.
        let config = OpenAIConfig::new()
            .with_api_base(base)
            .with_api_key(key)
            .with_org_id("")
            .with_project_id("");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(settings.timeout_secs))
            .connect_timeout(Duration::from_secs(settings.timeout_secs.min(10)))
            .user_agent(concat!("rehearse/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let service_http = http.clone();
        let service = tower::service_fn(move |factory: HttpRequestFactory| {
            let http = service_http.clone();
            async move {
                let request = factory.build().await?;
                let response = http.execute(request).await.map_err(OpenAIError::Reqwest)?;
                if response.status().is_success() {
                    return Ok(response);
                }
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(parse_retry_after);
                let body = response.text().await.unwrap_or_default();
                Err(OpenAIError::Boxed(Box::new(HttpFailure {
                    status,
                    retry_after,
                    body,
                })))
            }
        });
        Ok(Self {
            client: Client::build(http, config).with_http_service(service),
            settings: settings.clone(),
        })
    }

    pub fn model(&self) -> &str {
        &self.settings.model
    }

    fn request(
        &self,
        messages: Vec<ChatCompletionRequestMessage>,
        schema: serde_json::Value,
    ) -> Result<CreateChatCompletionRequest, OpenAIError> {
        let mut args = CreateChatCompletionRequestArgs::default();
        args.model(self.settings.model.clone())
            .messages(messages)
            .temperature(0.0_f32)
            .response_format(ResponseFormat::JsonSchema {
                json_schema: ResponseFormatJsonSchema {
                    name: "interview_grade".into(),
                    description: Some("The grade of one interview answer against its rubric".into()),
                    schema,
                    strict: Some(true),
                },
            });
        match self.settings.token_param {
            TokenParam::MaxCompletionTokens => args.max_completion_tokens(self.settings.max_output_tokens),
            #[allow(deprecated)]
            TokenParam::MaxTokens => args.max_tokens(self.settings.max_output_tokens),
        };
        args.build()
    }

    /// One completion, retried as the module docs say.
    pub async fn complete(
        &self,
        messages: Vec<ChatCompletionRequestMessage>,
        schema: serde_json::Value,
    ) -> Result<Completion, CallError> {
        let request = self
            .request(messages, schema)
            .map_err(|e| CallError::Refused(format!("cannot build the request: {e}")))?;
        let started = Instant::now();
        let mut attempt = 0;
        let mut backoff = Duration::from_millis(250);
        loop {
            attempt += 1;
            let outcome = self.client.chat().create(request.clone()).await;
            let (retryable, reason, retry_after) = match outcome {
                Ok(response) => {
                    let Some(choice) = response.choices.first() else {
                        return Err(CallError::Refused("the response has no choices".into()));
                    };
                    let usage = response.usage.as_ref();
                    return Ok(Completion {
                        content: choice.message.content.clone().unwrap_or_default(),
                        model: response.model.clone(),
                        prompt_tokens: usage.map_or(0, |u| u.prompt_tokens),
                        completion_tokens: usage.map_or(0, |u| u.completion_tokens),
                        truncated: choice.finish_reason == Some(FinishReason::Length),
                        latency: started.elapsed(),
                        attempts: attempt,
                    });
                }
                Err(OpenAIError::Boxed(boxed)) => match boxed.downcast_ref::<HttpFailure>() {
                    Some(f) => {
                        let kind = error_kind(&f.body);
                        let reason = format!("HTTP {} {kind}", f.status);
                        let quota = kind.contains("insufficient_quota");
                        let retryable = !quota && (f.status == 429 || f.status == 408 || f.status >= 500);
                        (retryable, reason, f.retry_after)
                    }
                    None => (false, format!("{boxed}"), None),
                },
                Err(OpenAIError::Reqwest(e)) => {
                    let reason = if e.is_timeout() {
                        "timeout".to_owned()
                    } else if e.is_connect() {
                        "connection failed".to_owned()
                    } else {
                        format!("transport error: {e}")
                    };
                    (
                        e.is_timeout() || e.is_connect() || e.is_request() || e.is_body(),
                        reason,
                        None,
                    )
                }
                Err(OpenAIError::JSONDeserialize(e, _)) => {
                    (false, format!("the response is not a chat completion: {e}"), None)
                }
                Err(other) => (false, other.to_string(), None),
            };
            if !retryable {
                return Err(CallError::Refused(reason));
            }
            if attempt > self.settings.max_retries {
                return Err(CallError::Unavailable(format!(
                    "{reason} after {attempt} attempts"
                )));
            }
            let cap = Duration::from_secs(self.settings.max_retry_after_secs);
            let jitter = rand::rng().random_range(0.5..1.5);
            let delay = retry_after
                .map(|d| d.min(cap))
                .unwrap_or_else(|| backoff.mul_f64(jitter));
            tracing::warn!(
                attempt,
                reason,
                delay_ms = delay.as_millis() as u64,
                "LLM call failed; retrying"
            );
            tokio::time::sleep(delay).await;
            backoff = (backoff * 2).min(Duration::from_secs(8));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_kinds_are_read_whatever_their_json_types() {
        assert_eq!(
            error_kind(r#"{"error":{"type":"insufficient_quota","code":"insufficient_quota"}}"#),
            "insufficient_quota/insufficient_quota"
        );
        assert_eq!(
            error_kind(r#"{"error":{"code":400,"type":"invalid_request_error"}}"#),
            "invalid_request_error/400"
        );
        assert_eq!(error_kind("<html>bad gateway</html>"), "");
    }

    #[test]
    fn retry_after_accepts_seconds() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
