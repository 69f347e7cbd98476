//! One transcript graded through a real model server (llama.cpp's llama-server with a
//! tiny model), run by `tests/llm/real-llm-check.sh`: the real protocol, grammar-
//! constrained JSON output, token accounting and latency. The tiny model's judgement
//! is poor; what is checked is that the pipeline produces a valid, honest report.

use std::time::{Duration, Instant};

use api::config::GraderKind;
use serde_json::{Value, json};
use tests::builder;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grades_a_transcript_through_a_real_model_server() {
    let Ok(base_url) = std::env::var("REHEARSE_REAL_LLM_BASE_URL") else {
        eprintln!("SKIPPED: REHEARSE_REAL_LLM_BASE_URL is not set; tests/llm/real-llm-check.sh sets it");
        return;
    };
    let model = std::env::var("REHEARSE_REAL_LLM_MODEL").unwrap_or_else(|_| "smollm2".into());
    let configured = model.clone();
    let app = builder()
        .settings(move |s| {
            s.grader.kind = GraderKind::Llm;
            s.llm.base_url = Some(base_url);
            s.llm.model = configured;
            s.llm.timeout_secs = 300;
            s.llm.max_output_tokens = 2000;
            s.llm.schema_string_limits = true;
            s.llm.max_retries = 1;
            s.llm.concurrency = 1;
            s.plans.partner_monthly_interviews = 10;
        })
        .spawn()
        .await;
    let owner = app.signup().await;
    let org = app.create_organization(&owner, "partner").await;
    let (_, key) = app.create_api_key(&owner, org).await;

    let started = Instant::now();
    let transcript = json!({
        "track_id": "senior-backend-fintech",
        "items": [{
            "question_id": "url-shortener",
            "answer": "I'd use a base62 encoded counter for short codes and store the mappings in a key-value store. A CDN in front handles the read load, and click events go to a queue for analytics.",
            "time_spent_seconds": 240
        }]
    });
    let id = app.submit_transcript(&key, &transcript).await;
    let deadline = Instant::now() + Duration::from_secs(900);
    let report: Value = loop {
        let r = app
            .get(&format!("/v1/interviews/{id}/report"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        if r.status() == 200 {
            break r.json().await.unwrap();
        }
        assert!(Instant::now() < deadline, "not graded after 15 minutes");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let elapsed = started.elapsed();

    let grader = &report["grader"];
    eprintln!("real model report provenance: {grader}");
    eprintln!("submit to report: {:.1}s", elapsed.as_secs_f64());
    assert_eq!(grader["model"], model.as_str());
    assert!(
        grader["prompt_tokens"].as_u64().unwrap() > 200,
        "the server's prompt token count"
    );
    assert!(
        grader["completion_tokens"].as_u64().unwrap() > 0,
        "the server's completion token count"
    );
    assert!(grader["latency_ms"].as_u64().unwrap() > 0);
    assert!(["llm", "rubric"].contains(&grader["kind"].as_str().unwrap()));
    if grader["kind"] == "rubric" {
        // The tiny model's output failed validation twice: the rubric stood in, and says so.
        assert_eq!(grader["fallback"], true);
        assert!(
            grader["flags"][0]
                .as_str()
                .unwrap()
                .starts_with("llm_unavailable")
        );
    }
    let q = &report["questions"][0];
    if grader["kind"] == "llm" {
        // The model judged each criterion covered, partial, missing or incorrect; our
        // code turned those verdicts into 100, 50 or 0.
        for c in q["criteria"].as_array().unwrap() {
            assert!([0, 50, 100].contains(&c["score"].as_u64().unwrap()), "{c}");
        }
    }
    assert!(q["score"].as_u64().unwrap() <= 100);
    assert!(!q["feedback"].as_str().unwrap().is_empty());
    assert_eq!(q["timing"], "rushed");
    assert!(q["ideal_answer"].as_str().unwrap().contains("base62"));
    let usage = api::services::llm_usage::recent(&app.state.db, org, 1)
        .await
        .unwrap();
    assert_eq!(usage.len(), 1);
    assert!(usage[0].prompt_tokens > 200);
}
