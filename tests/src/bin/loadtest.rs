//! Load scripts: `cargo run --release -p tests --bin loadtest -- <scenario> [options]`.
//!
//! Scenarios:
//!   auth      signup latency (sequential), then login latency and throughput (concurrent)
//!   answers   answer-submission latency and throughput (concurrent interviews)
//!   grading   rubric grading time per interview (in-process, no I/O)
//!   report    time from submit to graded report, through the real queue
//!   webhooks  signed Stripe webhook intake (every event sent twice) and processing
//!   llm       LLM grading through a fake model answering in 2 s: throughput of one
//!             worker, its memory with 1,000 queued interviews, tokens per interview
//!             (`--mode per_question|per_interview`)
//!   dashboard the web app's dashboard and history pages of an account with 100 past
//!             interviews: server time, HTML size, and the JavaScript every page loads
//!
//! Options: `--requests N` (default 200), `--concurrency C` (default 8). The service runs
//! in-process on SQLite, or on PostgreSQL when `TEST_DATABASE_URL` is set; the figures
//! are printed as a table.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::json;

struct Options {
    scenario: String,
    requests: usize,
    concurrency: usize,
    mode: String,
}

fn options() -> Options {
    let mut args = std::env::args().skip(1);
    let mut o = Options {
        scenario: args.next().unwrap_or_else(|| "auth".into()),
        requests: 200,
        concurrency: 8,
        mode: "per_question".into(),
    };
    while let Some(flag) = args.next() {
        if flag == "--mode" {
            o.mode = args.next().expect("a mode after --mode");
            continue;
        }
        let value = args
            .next()
            .and_then(|v| v.parse().ok())
            .expect("a number after the flag");
        match flag.as_str() {
            "--requests" => o.requests = value,
            "--concurrency" => o.concurrency = value,
            other => panic!("unknown option {other}"),
        }
    }
    o
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn report(name: &str, mut latencies: Vec<Duration>, wall: Duration) {
    latencies.sort();
    println!(
        "{name:<28} n={:<5} p50={:>8.1}ms p99={:>8.1}ms max={:>8.1}ms throughput={:>7.1}/s",
        latencies.len(),
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        latencies.last().unwrap().as_secs_f64() * 1000.0,
        latencies.len() as f64 / wall.as_secs_f64(),
    );
}

async fn auth(o: &Options) {
    let app = tests::builder().spawn().await;
    let client = reqwest::Client::new();

    // Signup: sequential, so the figure is latency without queueing.
    let signups = o.requests.min(100);
    let mut latencies = Vec::new();
    let wall = Instant::now();
    for i in 0..signups {
        let started = Instant::now();
        let r = client
            .post(app.url("/v1/auth/signup"))
            .json(&json!({"email": format!("load{i}@example.com"), "password": tests::PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        latencies.push(started.elapsed());
    }
    report("signup (sequential)", latencies, wall.elapsed());

    for concurrency in [1, o.concurrency] {
        let wall = Instant::now();
        let latencies: Vec<Duration> = futures::stream::iter(0..o.requests)
            .map(|i| {
                let client = client.clone();
                let url = app.url("/v1/auth/login");
                async move {
                    let started = Instant::now();
                    let r = client
                        .post(url)
                        .json(&json!({"email": format!("load{}@example.com", i % signups), "password": tests::PASSWORD}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 200);
                    started.elapsed()
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        report(
            &format!("login (concurrency {concurrency})"),
            latencies,
            wall.elapsed(),
        );
    }
}

/// A partner organization with room for many interviews, and its API key.
async fn partner(app: &tests::TestApp) -> String {
    let owner = app.signup().await;
    let org = app.create_organization(&owner, "partner").await;
    app.create_api_key(&owner, org).await.1
}

const TRACK: &str = "senior-backend-fintech";

fn answer_text(i: usize) -> String {
    format!(
        "Answer {i}: requirements first, then estimates of about 1,200 writes per second, a sharded \
         key-value store with a cache, and the trade-off between consistency and latency."
    )
}

async fn answers(o: &Options) {
    let app = tests::builder()
        .settings(|s| s.plans.partner_monthly_interviews = 1_000_000)
        .spawn()
        .await;
    let key = partner(&app).await;
    let interviews = o.requests.div_ceil(7).max(o.concurrency);
    let mut started = Vec::new();
    for _ in 0..interviews {
        let body: serde_json::Value = app.start_interview(&key, TRACK).await.json().await.unwrap();
        started.push(body);
    }
    let wall = Instant::now();
    let latencies: Vec<Vec<Duration>> = futures::stream::iter(started)
        .map(|interview| {
            let app = &app;
            let key = key.clone();
            async move {
                let id = interview["id"].as_str().unwrap().to_owned();
                let mut current = interview["current_question"].clone();
                let mut times = Vec::new();
                let mut i = 0;
                while !current.is_null() {
                    let started = Instant::now();
                    let r = app
                        .answer(&key, &id, current["id"].as_str().unwrap(), &answer_text(i))
                        .await;
                    assert_eq!(r.status(), 200);
                    times.push(started.elapsed());
                    current = r.json::<serde_json::Value>().await.unwrap()["next_question"].clone();
                    i += 1;
                }
                times
            }
        })
        .buffer_unordered(o.concurrency)
        .collect()
        .await;
    report(
        &format!("answer (concurrency {})", o.concurrency),
        latencies.into_iter().flatten().collect(),
        wall.elapsed(),
    );
}

fn grading(o: &Options) {
    let catalog = api::catalog::Catalog::embedded().unwrap();
    let track = catalog.track(TRACK).unwrap();
    let input = api::domain::report::GradingInput {
        track: None,
        level: Some(track.level.clone()),
        items: track
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| api::domain::report::GradingItem {
                position: u32::try_from(i + 1).unwrap(),
                prompt: q.prompt.clone(),
                kind: Some(q.kind),
                is_follow_up: false,
                answer: format!("{} {}", answer_text(i), q.ideal_answer),
                time_spent_seconds: Some(q.expected_minutes * 50),
                expected_minutes: Some(q.expected_minutes),
                rubric: q.rubric.clone(),
                ideal_answer: Some(q.ideal_answer.clone()),
                tips: q.tips.clone(),
            })
            .collect(),
    };
    let runs = o.requests.max(100);
    let mut latencies = Vec::with_capacity(runs);
    let wall = Instant::now();
    for _ in 0..runs {
        let started = Instant::now();
        let assessment = worker::grading::rubric::grade(&input);
        assert!(assessment.score <= 100);
        latencies.push(started.elapsed());
    }
    report(
        &format!("rubric grading ({} questions)", input.items.len()),
        latencies,
        wall.elapsed(),
    );
}

async fn submit_to_report(o: &Options) {
    // The embedded defaults: workers in-process, polling every 500 ms.
    let app = tests::builder()
        .settings(|s| {
            s.plans.partner_monthly_interviews = 1_000_000;
            s.worker = api::config::WorkerSettings::default();
        })
        .spawn()
        .await;
    let key = partner(&app).await;
    let samples = o.requests.clamp(1, 50);
    let mut latencies = Vec::new();
    let wall = Instant::now();
    for _ in 0..samples {
        let body: serde_json::Value = app.start_interview(&key, TRACK).await.json().await.unwrap();
        let id = body["id"].as_str().unwrap().to_owned();
        let q = body["current_question"]["id"].as_str().unwrap().to_owned();
        app.answer(&key, &id, &q, &answer_text(0)).await;
        let started = Instant::now();
        let r = app
            .post(&format!("/v1/interviews/{id}/submit"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
        loop {
            let r = app
                .get(&format!("/v1/interviews/{id}/report"))
                .bearer_auth(&key)
                .send()
                .await
                .unwrap();
            if r.status() == 200 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        latencies.push(started.elapsed());
    }
    report("submit → report", latencies, wall.elapsed());
}

async fn webhooks(o: &Options) {
    use tests::fake_stripe;
    const SECRET: &str = "whsec_load";
    let stripe = fake_stripe::FakeStripe::start().await;
    let url = stripe.url.clone();
    let app = tests::builder()
        .settings(move |s| {
            s.stripe.secret_key = Some("sk_test_load".into());
            s.stripe.webhook_secret = Some(SECRET.into());
            s.stripe.api_base = url;
            s.stripe.price_pro = Some("price_pro".into());
            s.stripe.price_team = Some("price_team".into());
        })
        .spawn()
        .await;
    let owner = app.signup().await;
    let r = app
        .post("/v1/billing/checkout")
        .bearer_auth(&owner.access_token)
        .json(&serde_json::json!({"plan": "pro"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let customer = "cus_fake1";
    let now = chrono::Utc::now().timestamp();
    let events: Vec<(String, String)> = (0..o.requests)
        .map(|i| {
            let id = format!("evt_load_{i}");
            let body = fake_stripe::event(
                &id,
                "customer.subscription.updated",
                now - (o.requests - i) as i64,
                fake_stripe::subscription(customer, "price_pro", "active", now - 86_400, now + 86_400),
            );
            (id, body)
        })
        .collect();
    // Every event twice: the duplicates must be acknowledged and have no effect.
    let deliveries: Vec<&(String, String)> = events.iter().chain(events.iter()).collect();
    let wall = Instant::now();
    let latencies: Vec<Duration> = futures::stream::iter(deliveries)
        .map(|(_, body)| {
            let app = &app;
            async move {
                let header = api::services::billing::signature::header(
                    SECRET.as_bytes(),
                    chrono::Utc::now().timestamp(),
                    body.as_bytes(),
                );
                let started = Instant::now();
                let r = app
                    .post("/v1/billing/stripe/webhook")
                    .header("Stripe-Signature", header)
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
                started.elapsed()
            }
        })
        .buffer_unordered(o.concurrency)
        .collect()
        .await;
    report(
        &format!("webhook intake (concurrency {})", o.concurrency),
        latencies,
        wall.elapsed(),
    );
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let counts = api::services::billing::event_counts(&app.state.db).await.unwrap();
        let pending: i64 = counts
            .iter()
            .filter(|(s, _)| s == "pending")
            .map(|(_, n)| n)
            .sum();
        let total: i64 = counts.iter().map(|(_, n)| n).sum();
        if pending == 0 && total == o.requests as i64 {
            break;
        }
        assert!(Instant::now() < deadline, "events not processed: {counts:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = wall.elapsed();
    println!(
        "{:<28} events={} deliveries={} all processed after {:.2}s ({:.1} events/s end to end)",
        "webhook processing",
        o.requests,
        o.requests * 2,
        elapsed.as_secs_f64(),
        o.requests as f64 / elapsed.as_secs_f64()
    );
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn llm(o: &Options) {
    use tests::fake_openai::{FakeOpenAi, Reply};
    let fake = FakeOpenAi::start().await;
    fake.default_reply(Reply::Slow(
        Duration::from_secs(2),
        Box::new(Reply::Uniform("partial")),
    ));
    let url = fake.url.clone();
    let mode = match o.mode.as_str() {
        "per_interview" => api::config::LlmMode::PerInterview,
        _ => api::config::LlmMode::PerQuestion,
    };
    let concurrency = o.concurrency;
    let app = tests::builder()
        .without_workers()
        .settings(move |s| {
            s.grader.kind = api::config::GraderKind::Llm;
            s.llm.base_url = Some(url);
            s.llm.model = "gpt-4o-mini".into();
            s.llm.mode = mode;
            s.llm.concurrency = 5;
            s.llm.daily_token_budget_per_organization = 0;
            s.plans.partner_monthly_interviews = 1_000_000;
            s.worker = api::config::WorkerSettings::default();
            s.worker.concurrency = concurrency;
        })
        .spawn()
        .await;
    let key = partner(&app).await;
    let catalog = api::catalog::Catalog::embedded().unwrap();
    let track = catalog.track(TRACK).unwrap();
    let items: Vec<serde_json::Value> = track
        .questions
        .iter()
        .take(5)
        .enumerate()
        .map(|(i, q)| {
            serde_json::json!({"question_id": q.id, "answer": answer_text(i), "time_spent_seconds": q.expected_minutes * 50})
        })
        .collect();
    let queued = o.requests.max(1);
    let before = rss_mib();
    for _ in 0..queued {
        let r = app
            .post("/v1/transcripts")
            .bearer_auth(&key)
            .json(&serde_json::json!({"track_id": TRACK, "items": items}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
    }
    println!(
        "queued {queued} five-question interviews; process RSS {before:.0} MiB before, {:.0} MiB after",
        rss_mib()
    );
    let monitor = worker::prepare(&app.state).await.unwrap();
    tokio::spawn(monitor.run());
    let started = Instant::now();
    let window = Duration::from_secs(60);
    let mut peak = 0.0f64;
    let graded = loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        peak = peak.max(rss_mib());
        let counts = api::jobs::counts(&app.state.db).await.unwrap();
        let done: i64 = counts
            .iter()
            .filter(|c| c.queue == <api::jobs::GradeInterview as api::jobs::Job>::QUEUE && c.state == "done")
            .map(|c| c.count)
            .sum();
        if started.elapsed() >= window || done as usize >= queued {
            break done;
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    let requests = fake.requests().len();
    let by_rubric = {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        api::entities::reports::Entity::find()
            .filter(api::entities::reports::Column::GraderKind.ne("llm"))
            .count(&app.state.db)
            .await
            .unwrap()
    };
    let usage = api::services::llm_usage::recent(&app.state.db, partner_org(&app).await, 1)
        .await
        .unwrap();
    let (prompt, completion) = usage
        .iter()
        .fold((0, 0), |(p, c), u| (p + u.prompt_tokens, c + u.completion_tokens));
    println!(
        "{:<28} mode={} worker concurrency={} graded={graded} in {elapsed:.1}s = {:.2} interviews/s; \
         completions={requests}; rubric fallbacks={by_rubric}; peak RSS {peak:.0} MiB",
        "llm grading (2 s model)",
        o.mode,
        o.concurrency,
        graded as f64 / elapsed
    );
    if graded > 0 {
        println!(
            "{:<28} prompt={} completion={} tokens per 5-question interview",
            "llm tokens",
            prompt / graded,
            completion / graded
        );
    }
}

async fn partner_org(app: &tests::TestApp) -> uuid::Uuid {
    use sea_orm::EntityTrait;
    api::entities::organizations::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.kind == "partner")
        .unwrap()
        .id
}

/// The web app's dashboard with 100 past interviews, as a signed-in browser sees it.
async fn dashboard(o: &Options) {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let app = tests::spawn_app().await;
    let user = app.signup().await;
    api::entities::organizations::Entity::update_many()
        .col_expr(
            api::entities::organizations::Column::FreeInterviewsRemaining,
            Expr::value(100),
        )
        .filter(api::entities::organizations::Column::Id.eq(user.organization_id))
        .exec(&app.state.db)
        .await
        .unwrap();
    for i in 0..100 {
        app.submit_transcript(
            &user.access_token,
            &json!({"track_id": "senior-backend-fintech",
                    "items": [{"question_id": "url-shortener", "answer": answer_text(i), "time_spent_seconds": 900}]}),
        )
        .await;
    }
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let graded = api::entities::reports::Entity::find()
            .filter(api::entities::reports::Column::OrganizationId.eq(user.organization_id))
            .count(&app.state.db)
            .await
            .unwrap();
        if graded >= 100 {
            break;
        }
        assert!(Instant::now() < deadline, "only {graded} of 100 graded");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut browser = tests::browser::Browser::new(&app);
    let signed_in = browser.sign_in(&user.email, tests::PASSWORD).await;
    assert_eq!(signed_in.status, 303);
    let cookie = browser
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    for path in ["/app", "/app/history"] {
        let page = browser.get(path).await;
        assert_eq!(page.status, 200);
        let latencies = futures::stream::iter(0..o.requests)
            .map(|_| {
                let request = app.get(path).header("cookie", cookie.clone());
                async move {
                    let started = Instant::now();
                    let response = request.send().await.unwrap();
                    assert_eq!(response.status(), 200);
                    response.bytes().await.unwrap();
                    started.elapsed()
                }
            })
            .buffer_unordered(o.concurrency);
        let wall = Instant::now();
        let latencies: Vec<Duration> = latencies.collect().await;
        report(&format!("GET {path}"), latencies, wall.elapsed());
        println!(
            "{:<28} html={:.1} KB",
            format!("  {path} size"),
            page.body.len() as f64 / 1024.0
        );
    }
    // Sequential, one at a time: the time the server takes for one page.
    let mut one = Vec::new();
    let wall = Instant::now();
    for _ in 0..o.requests {
        let started = Instant::now();
        let response = app
            .get("/app")
            .header("cookie", cookie.clone())
            .send()
            .await
            .unwrap();
        response.bytes().await.unwrap();
        one.push(started.elapsed());
    }
    report("GET /app (sequential)", one, wall.elapsed());
    let page = browser.get("/app").await;
    let mut js = 0usize;
    for (at, _) in page.body.match_indices("<script src=\"") {
        let start = at + "<script src=\"".len();
        let url = &page.body[start..start + page.body[start..].find('"').unwrap()];
        js += browser.get(url).await.body.len();
    }
    println!("javascript (all scripts)     {:.1} KB", js as f64 / 1024.0);
}

#[tokio::main]
async fn main() {
    let o = options();
    let database = if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        "postgres"
    } else {
        "sqlite"
    };
    println!(
        "scenario={} database={database} cpus={}",
        o.scenario,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    match o.scenario.as_str() {
        "auth" => auth(&o).await,
        "answers" => answers(&o).await,
        "grading" => grading(&o),
        "report" => submit_to_report(&o).await,
        "webhooks" => webhooks(&o).await,
        "llm" => llm(&o).await,
        "dashboard" => dashboard(&o).await,
        other => panic!("unknown scenario {other}"),
    }
}
