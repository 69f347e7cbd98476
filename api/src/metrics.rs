//! Prometheus metrics. HTTP metrics are recorded by the HTTP middleware; job gauges are
//! read from the queue tables at scrape time, so they are right whichever process runs
//! the workers.

use prometheus::{
    CounterVec, Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub http_requests: IntCounterVec,
    pub http_duration: HistogramVec,
    pub jobs: IntGaugeVec,
    /// Job runs finished in this process, by queue and outcome (`done`, `retry`, `dead`).
    pub job_runs: IntCounterVec,
    /// Stored Stripe events by status (`dead` ones could not be understood).
    pub stripe_events: IntGaugeVec,
    /// LLM completions by outcome (`ok`, `invalid`, `refused`, `unavailable`).
    pub llm_calls: IntCounterVec,
    /// LLM tokens by kind (`prompt`, `completion`) and model.
    pub llm_tokens: IntCounterVec,
    /// LLM cost in USD by model.
    pub llm_cost_usd: CounterVec,
    pub llm_latency: HistogramVec,
    /// Reports by grader kind and whether the rubric stood in for the LLM.
    pub reports: IntCounterVec,
    /// Request handlers that panicked (each answered with a 500 problem).
    pub http_panics: IntCounter,
}

impl Metrics {
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new_custom(Some("rehearse".into()), None)?;
        let http_requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by route template, method and status",
            ),
            &["method", "route", "status"],
        )?;
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by route template",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["method", "route"],
        )?;
        let jobs = IntGaugeVec::new(
            Opts::new(
                "jobs",
                "Background jobs by queue and state (dead = failed with no attempts left)",
            ),
            &["queue", "state"],
        )?;
        let job_runs = IntCounterVec::new(
            Opts::new(
                "job_runs_total",
                "Job runs finished in this process by queue and outcome",
            ),
            &["queue", "outcome"],
        )?;
        registry.register(Box::new(job_runs.clone()))?;
        let stripe_events = IntGaugeVec::new(
            Opts::new("stripe_events", "Stored Stripe events by processing status"),
            &["status"],
        )?;
        registry.register(Box::new(stripe_events.clone()))?;
        let llm_calls = IntCounterVec::new(
            Opts::new("llm_calls_total", "LLM completions by outcome"),
            &["outcome"],
        )?;
        let llm_tokens = IntCounterVec::new(
            Opts::new("llm_tokens_total", "LLM tokens spent by kind and model"),
            &["kind", "model"],
        )?;
        let llm_cost_usd = CounterVec::new(
            Opts::new("llm_cost_usd_total", "LLM cost in USD by model"),
            &["model"],
        )?;
        let llm_latency = HistogramVec::new(
            HistogramOpts::new(
                "llm_completion_seconds",
                "Latency of one LLM completion, retries included",
            )
            .buckets(vec![0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]),
            &["model"],
        )?;
        let reports = IntCounterVec::new(
            Opts::new("reports_total", "Reports written by grader kind and fallback"),
            &["grader", "fallback"],
        )?;
        registry.register(Box::new(llm_calls.clone()))?;
        registry.register(Box::new(llm_tokens.clone()))?;
        registry.register(Box::new(llm_cost_usd.clone()))?;
        registry.register(Box::new(llm_latency.clone()))?;
        registry.register(Box::new(reports.clone()))?;
        let http_panics = IntCounter::new(
            "http_panics_total",
            "Request handlers that panicked and were answered with a 500",
        )?;
        registry.register(Box::new(http_panics.clone()))?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_duration.clone()))?;
        registry.register(Box::new(jobs.clone()))?;
        Ok(Self {
            registry,
            http_requests,
            http_duration,
            jobs,
            job_runs,
            stripe_events,
            llm_calls,
            llm_tokens,
            llm_cost_usd,
            llm_latency,
            reports,
            http_panics,
        })
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Replaces the job gauges with fresh counts.
    pub fn set_job_counts(&self, counts: &[crate::jobs::QueueCount]) {
        self.jobs.reset();
        for queue in crate::jobs::QUEUES {
            for state in ["pending", "queued", "running", "done", "failed", "dead"] {
                self.jobs.with_label_values(&[queue, state]).set(0);
            }
        }
        for c in counts {
            self.jobs
                .with_label_values(&[c.queue.as_str(), c.state.as_str()])
                .set(c.count);
        }
    }

    pub fn set_stripe_event_counts(&self, counts: &[(String, i64)]) {
        self.stripe_events.reset();
        for status in <crate::domain::StripeEventStatus as sea_orm::Iterable>::iter() {
            self.stripe_events.with_label_values(&[status.as_str()]).set(0);
        }
        for (status, count) in counts {
            self.stripe_events
                .with_label_values(&[status.as_str()])
                .set(*count);
        }
    }

    /// The text exposition format.
    pub fn render(&self) -> anyhow::Result<String> {
        let mut buf = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buf)?;
        Ok(String::from_utf8(buf)?)
    }
}
