//! Load scripts: `cargo run --release -p tests --bin loadtest -- <scenario> [options]`.
//!
//! Scenarios:
//!   auth   signup latency (sequential), then login latency and throughput (concurrent)
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
}

fn options() -> Options {
    let mut args = std::env::args().skip(1);
    let mut o = Options {
        scenario: args.next().unwrap_or_else(|| "auth".into()),
        requests: 200,
        concurrency: 8,
    };
    while let Some(flag) = args.next() {
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
        other => panic!("unknown scenario {other}"),
    }
}
