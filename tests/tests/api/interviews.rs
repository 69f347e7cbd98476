//! Interview sessions: quota, idempotency, answers with timing and follow-ups, submit.

use std::time::Duration;

use api::jobs::Job;
use serde_json::{Value, json};
use tests::{assert_problem, builder, spawn_app};

const TRACK: &str = "senior-backend-fintech";

async fn start(app: &tests::TestApp, token: &str) -> Value {
    let response = app.start_interview(token, TRACK).await;
    assert_eq!(
        response.status(),
        201,
        "{}",
        response.text().await.unwrap_or_default()
    );
    response.json().await.unwrap()
}

#[tokio::test]
async fn starting_an_interview_serves_the_first_question_and_uses_the_free_interview() {
    let app = spawn_app().await;
    let user = app.signup().await;
    let interview = start(&app, &user.access_token).await;
    assert_eq!(interview["status"], "in_progress");
    assert_eq!(interview["quota_source"], "trial");
    assert_eq!(interview["track"]["id"], TRACK);
    let question = &interview["current_question"];
    assert_eq!(question["position"], 1);
    assert_eq!(
        question["prompt"],
        "Design a URL shortener like bit.ly that handles 100 million new URLs per day."
    );
    assert_eq!(question["expected_minutes"], 30);
    assert_eq!(question["is_follow_up"], false);

    let me: Value = app.get_json("/v1/me", &user.access_token).await;
    assert_eq!(me["current_organization"]["remaining_interviews"], 0);

    let second = app.start_interview(&user.access_token, TRACK).await;
    let problem = assert_problem(second, 402, "quota-exhausted").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("/v1/billing/checkout")
    );
    assert_eq!(problem["upgrade"]["plans"], json!(["pro", "team"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_starts_spend_the_free_interview_exactly_once() {
    let app = builder()
        .settings(|s| s.database.max_connections = 16)
        .spawn()
        .await;
    let user = app.signup().await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let client = app.client.clone();
        let url = app.url("/v1/interviews");
        let token = user.access_token.clone();
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"track_id": TRACK}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 402).count(), 49, "{statuses:?}");
    let list: Value = app.get_json("/v1/interviews", &user.access_token).await;
    assert_eq!(list["total"], 1);
}

#[tokio::test]
async fn an_idempotency_key_replays_the_original_response_without_using_quota() {
    let app = spawn_app().await;
    let user = app.signup().await;
    let send = |key: &'static str, track: &'static str| {
        app.post("/v1/interviews")
            .bearer_auth(&user.access_token)
            .header("Idempotency-Key", key)
            .json(&json!({"track_id": track}))
            .send()
    };
    let first = send("key-1", TRACK).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send("key-1", TRACK).await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again, first);

    let other_body = send("key-1", "frontend-consumer-app").await.unwrap();
    assert_problem(other_body, 422, "idempotency-key-reused").await;
    // A new key is a new request: the free interview is gone.
    assert_problem(send("key-2", TRACK).await.unwrap(), 402, "quota-exhausted").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_with_one_idempotency_key_create_one_interview() {
    let app = spawn_app().await;
    let owner = app.signup().await;
    let org = app.create_organization(&owner, "partner").await;
    let (_, key) = app.create_api_key(&owner, org).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let request = app
            .post("/v1/interviews")
            .bearer_auth(&key)
            .header("Idempotency-Key", "same")
            .json(&json!({"track_id": TRACK}));
        tasks.push(tokio::spawn(async move {
            let r = request.send().await.unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap()["id"].clone(),
            )
        }));
    }
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        let (status, id) = t.await.unwrap();
        assert_eq!(status, 201);
        ids.insert(id.to_string());
    }
    assert_eq!(ids.len(), 1);
    let list: Value = app.get_json("/v1/interviews", &key).await;
    assert_eq!(list["total"], 1);
}

#[tokio::test]
async fn an_answer_that_mentions_caching_gets_the_hot_keys_follow_up_then_the_next_question() {
    let app = spawn_app().await;
    let user = app.signup().await;
    let interview = start(&app, &user.access_token).await;
    let id = interview["id"].as_str().unwrap();
    let q1 = interview["current_question"]["id"].as_str().unwrap();
    let answer =
        "A base62 counter for codes, DynamoDB for the mapping, and a CDN and Redis cache for redirects.";
    let response: Value = app
        .answer(&user.access_token, id, q1, answer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(response["answered"]["answer"], answer);
    let follow_up = &response["next_question"];
    assert_eq!(follow_up["is_follow_up"], true);
    assert_eq!(follow_up["position"], 2);
    assert_eq!(
        follow_up["prompt"],
        "How would you handle hot keys in your cache layer?"
    );

    // A follow-up never gets its own follow-up: the track moves on.
    let response: Value = app
        .answer(
            &user.access_token,
            id,
            follow_up["id"].as_str().unwrap(),
            "Replicate hot keys and cache them locally.",
        )
        .await
        .json()
        .await
        .unwrap();
    let next = &response["next_question"];
    assert_eq!(next["is_follow_up"], false);
    assert_eq!(next["position"], 3);

    let state: Value = app
        .get_json(&format!("/v1/interviews/{id}"), &user.access_token)
        .await;
    assert_eq!(state["questions"].as_array().unwrap().len(), 3);
    assert_eq!(state["current_question"]["id"], next["id"]);
}

#[tokio::test]
async fn an_answer_without_a_trigger_moves_to_the_next_track_question() {
    let app = spawn_app().await;
    let user = app.signup().await;
    let interview = start(&app, &user.access_token).await;
    let id = interview["id"].as_str().unwrap();
    let q1 = interview["current_question"]["id"].as_str().unwrap();
    let response: Value = app
        .answer(
            &user.access_token,
            id,
            q1,
            "I would write everything to one database table.",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(response["next_question"]["is_follow_up"], false);
    assert_eq!(response["next_question"]["position"], 2);
}

#[tokio::test]
async fn time_spent_is_measured_by_the_server_from_serving_to_answering() {
    let app = spawn_app().await;
    let user = app.signup().await;
    let interview = start(&app, &user.access_token).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let response: Value = app
        .answer(
            &user.access_token,
            interview["id"].as_str().unwrap(),
            interview["current_question"]["id"].as_str().unwrap(),
            "An answer.",
        )
        .await
        .json()
        .await
        .unwrap();
    let spent = response["answered"]["time_spent_seconds"].as_u64().unwrap();
    assert!((2..=5).contains(&spent), "{spent}");
}

#[tokio::test]
async fn answering_the_wrong_question_or_interview_is_a_clear_problem() {
    let app = spawn_app().await;
    let user = app.signup().await;
    let stranger = app.signup().await;
    let interview = start(&app, &user.access_token).await;
    let id = interview["id"].as_str().unwrap();
    let q1 = interview["current_question"]["id"].as_str().unwrap();
    assert_eq!(
        app.answer(&user.access_token, id, q1, "first").await.status(),
        200
    );

    assert_problem(
        app.answer(&user.access_token, id, q1, "again").await,
        409,
        "question-already-answered",
    )
    .await;
    let unknown = uuid::Uuid::new_v4().to_string();
    assert_problem(
        app.answer(&user.access_token, id, &unknown, "x").await,
        404,
        "question-not-found",
    )
    .await;
    assert_problem(
        app.answer(&stranger.access_token, id, q1, "x").await,
        404,
        "not-found",
    )
    .await;
    let malformed = app
        .post(&format!("/v1/interviews/{id}/answers"))
        .bearer_auth(&user.access_token)
        .json(&json!({"question_id": "not-a-uuid", "answer": "x"}))
        .send()
        .await
        .unwrap();
    assert_problem(malformed, 422, "validation-failed").await;
}

#[tokio::test]
async fn oversized_answers_are_refused_and_nothing_is_stored() {
    let app = builder()
        .settings(|s| s.server.max_body_bytes = 100_000)
        .spawn()
        .await;
    let user = app.signup().await;
    let interview = start(&app, &user.access_token).await;
    let id = interview["id"].as_str().unwrap();
    let q1 = interview["current_question"]["id"].as_str().unwrap();
    let too_long = "x".repeat(20_001);
    let body = assert_problem(
        app.answer(&user.access_token, id, q1, &too_long).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "answer");
    let huge = "x".repeat(200_000);
    assert_problem(
        app.answer(&user.access_token, id, q1, &huge).await,
        413,
        "payload-too-large",
    )
    .await;
    let state: Value = app
        .get_json(&format!("/v1/interviews/{id}"), &user.access_token)
        .await;
    assert!(state["questions"][0]["answer"].is_null());
    assert_eq!(
        app.answer(&user.access_token, id, q1, &"x".repeat(20_000))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn submitting_twice_queues_grading_once_and_closes_the_interview() {
    let app = builder().without_workers().spawn().await;
    let user = app.signup().await;
    let interview = start(&app, &user.access_token).await;
    let id = interview["id"].as_str().unwrap();
    let q1 = interview["current_question"]["id"].as_str().unwrap();
    let submit = || {
        app.post(&format!("/v1/interviews/{id}/submit"))
            .bearer_auth(&user.access_token)
            .send()
    };
    assert_problem(submit().await.unwrap(), 409, "nothing-to-grade").await;
    app.answer(&user.access_token, id, q1, "An answer.").await;
    let first = submit().await.unwrap();
    assert_eq!(first.status(), 202);
    assert_eq!(first.json::<Value>().await.unwrap()["status"], "submitted");
    assert_eq!(submit().await.unwrap().status(), 202);

    let grading_jobs: i64 = api::jobs::counts(&app.state.db)
        .await
        .unwrap()
        .iter()
        .filter(|c| c.queue == api::jobs::GradeInterview::QUEUE)
        .map(|c| c.count)
        .sum();
    assert_eq!(grading_jobs, 1);
    let late = app.answer(&user.access_token, id, q1, "too late").await;
    assert_problem(late, 409, "interview-not-in-progress").await;
    let report = app
        .get(&format!("/v1/interviews/{id}/report"))
        .bearer_auth(&user.access_token)
        .send()
        .await
        .unwrap();
    assert_problem(report, 409, "report-not-ready").await;
}

#[tokio::test]
async fn interviews_are_listed_by_page_and_only_for_their_organization() {
    let app = spawn_app().await;
    let owner = app.signup().await;
    let org = app.create_organization(&owner, "partner").await;
    let (_, key) = app.create_api_key(&owner, org).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let r: Value = app.start_interview(&key, TRACK).await.json().await.unwrap();
        ids.push(r["id"].as_str().unwrap().to_owned());
    }
    let page: Value = app.get_json("/v1/interviews?page=1&per_page=2", &key).await;
    assert_eq!(page["total"], 3);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][0]["id"], ids[2].as_str(), "newest first");
    let page2: Value = app.get_json("/v1/interviews?page=2&per_page=2", &key).await;
    assert_eq!(page2["items"].as_array().unwrap().len(), 1);
    assert_problem(
        app.get("/v1/interviews?per_page=1000")
            .bearer_auth(&key)
            .send()
            .await
            .unwrap(),
        422,
        "validation-failed",
    )
    .await;
    // A page number whose offset would overflow is refused, not a dropped connection.
    for query in ["page=461168601842738792", "page=100001", "page=0", "per_page=0"] {
        let problem = assert_problem(
            app.get(&format!("/v1/interviews?{query}"))
                .bearer_auth(&key)
                .send()
                .await
                .unwrap(),
            422,
            "validation-failed",
        )
        .await;
        let field = query.split('=').next().unwrap();
        assert_eq!(problem["errors"][0]["field"], field, "{query}");
    }
    let last: Value = app
        .get_json("/v1/interviews?page=100000&per_page=100", &key)
        .await;
    assert_eq!(last["items"].as_array().unwrap().len(), 0);
    assert_problem(
        app.get("/v1/interviews?page=abc")
            .bearer_auth(&key)
            .send()
            .await
            .unwrap(),
        422,
        "validation-failed",
    )
    .await;

    // Another tenant sees none of them, and each id is a 404.
    let stranger = app.signup().await;
    let theirs: Value = app.get_json("/v1/interviews", &stranger.access_token).await;
    assert_eq!(theirs["total"], 0);
    for path in [
        format!("/v1/interviews/{}", ids[0]),
        format!("/v1/interviews/{}/report", ids[0]),
    ] {
        assert_problem(
            app.get(&path)
                .bearer_auth(&stranger.access_token)
                .send()
                .await
                .unwrap(),
            404,
            "not-found",
        )
        .await;
    }
    for path in [
        format!("/v1/interviews/{}/submit", ids[0]),
        format!("/v1/interviews/{}/share", ids[0]),
    ] {
        let r = app
            .post(&path)
            .bearer_auth(&stranger.access_token)
            .send()
            .await
            .unwrap();
        assert_problem(r, 404, "not-found").await;
    }
    let r = app
        .delete(&format!("/v1/interviews/{}/share", ids[0]))
        .bearer_auth(&stranger.access_token)
        .send()
        .await
        .unwrap();
    assert_problem(r, 404, "not-found").await;
}

#[tokio::test]
async fn members_see_their_own_interviews_and_admins_see_all() {
    let app = spawn_app().await;
    let owner = app.signup().await;
    let member = app.signup().await;
    let org = app.create_organization(&owner, "partner").await;
    app.add_member(&owner, org, &member.email, "member").await;
    let owner_token = app.token_for(&owner, org).await;
    let member_token = app.token_for(&member, org).await;
    let owners: Value = app
        .start_interview(&owner_token, TRACK)
        .await
        .json()
        .await
        .unwrap();
    app.start_interview(&member_token, TRACK).await;
    let app = &app;
    let count = |token: String| async move {
        app.get("/v1/interviews")
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()["total"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(count(owner_token.clone()).await, 2);
    assert_eq!(count(member_token.clone()).await, 1);
    let peek = app
        .get(&format!("/v1/interviews/{}", owners["id"].as_str().unwrap()))
        .bearer_auth(&member_token)
        .send()
        .await
        .unwrap();
    assert_problem(peek, 404, "not-found").await;
}
