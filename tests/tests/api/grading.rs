//! End to end: answers → submit → graded by the rubric grader → results email over
//! SMTP → the link opens the results page. Plus transcripts, failures and share links.

use std::time::Duration;

use api::entities::{email_outbox, interview_questions, reports};
use api::jobs::GradeInterview;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tests::{PUBLIC_BASE_URL, TestApp, assert_problem, builder, spawn_app};

const TRACK: &str = "senior-backend-fintech";

/// A modest answer: right building blocks, little structure.
fn decent_answer(prompt: &str) -> String {
    format!(
        "For \"{prompt}\" I would start from the requirements, then design it: an API service, a database \
         and a cache. The trade-off is consistency versus latency, because caching adds staleness."
    )
}

/// The path of the results page behind a public link.
fn page_path(share_url: &str) -> String {
    share_url
        .strip_prefix(PUBLIC_BASE_URL.trim_end_matches('/'))
        .unwrap_or_else(|| panic!("{share_url} is not under {PUBLIC_BASE_URL}"))
        .to_owned()
}

async fn report(app: &TestApp, token: &str, interview: &str) -> Value {
    app.get(&format!("/v1/interviews/{interview}/report"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_new_user_takes_the_free_interview_and_gets_a_report_by_email() {
    let app = spawn_app().await;
    let user = app.signup().await;
    let interview = app.take_interview(&user.access_token, TRACK, decent_answer).await;
    let graded = app
        .wait_for_status(&user.access_token, &interview, "graded")
        .await;
    assert!(graded["graded_at"].is_string());

    let report = report(&app, &user.access_token, &interview).await;
    assert_eq!(report["interview_id"], interview);
    assert_eq!(report["track"]["title"], "Senior Backend Engineer");
    assert!(
        ["outstanding", "strong", "acceptable", "needs_work", "not_ready"]
            .contains(&report["verdict"].as_str().unwrap())
    );
    let score = report["score"].as_u64().unwrap();
    assert!(score <= 100);
    assert!(!report["summary"].as_str().unwrap().is_empty());
    assert!(!report["strengths"].as_array().unwrap().is_empty());
    assert!(!report["improvements"].as_array().unwrap().is_empty());
    assert!(!report["general_feedback"].as_str().unwrap().is_empty());
    assert_eq!(report["grader"]["kind"], "rubric");
    // The report says how it was graded: what the grader checks and what it cannot.
    assert_eq!(report["how_graded"]["grader"], "rubric");
    assert!(!report["how_graded"]["checks"].as_array().unwrap().is_empty());
    assert!(
        !report["how_graded"]["cannot_check"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let questions = report["questions"].as_array().unwrap();
    assert!(questions.len() >= 7, "{} questions", questions.len());
    for q in questions {
        assert!(!q["feedback"].as_str().unwrap().is_empty());
        assert!(!q["feedback_summary"].as_str().unwrap().is_empty());
        assert!(q["ideal_answer"].is_string());
        assert!((2..=4).contains(&q["tips"].as_array().unwrap().len()));
    }
    assert!(
        questions.iter().any(|q| q["is_follow_up"] == true),
        "the cache answer triggers a follow-up"
    );

    // The email carries the same link as the report, built from the public base URL.
    let share_url = report["share_url"].as_str().unwrap();
    assert!(share_url.starts_with(&format!("{PUBLIC_BASE_URL}r/")));
    let mails = app.emails_to(&user.email, 2).await;
    let results = mails
        .iter()
        .find(|m| m.header("Subject").unwrap_or_default().contains("results"))
        .expect("a results email");
    assert!(results.decoded().contains(share_url), "{}", results.decoded());

    // The link opens the page, without any credentials.
    let page = app.get(&page_path(share_url)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    assert!(
        page.headers()["x-robots-tag"]
            .to_str()
            .unwrap()
            .contains("noindex")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains(report["verdict_label"].as_str().unwrap()));
    assert!(html.contains("Design a URL shortener like bit.ly"));
    assert!(html.contains("How this was graded"));
    assert!(html.contains("noindex"));
    for external in ["<script", "src=\"http", "href=\"http", "@import", "url(http"] {
        assert!(
            !html.contains(external),
            "the page loads something external: {external}"
        );
    }
}

#[tokio::test]
async fn a_revoked_share_link_is_a_404_and_a_new_one_works() {
    let app = spawn_app().await;
    let user = app.signup().await;
    let interview = app.take_interview(&user.access_token, TRACK, decent_answer).await;
    app.wait_for_status(&user.access_token, &interview, "graded")
        .await;
    let first = report(&app, &user.access_token, &interview).await["share_url"]
        .as_str()
        .unwrap()
        .to_owned();

    let revoke = app
        .delete(&format!("/v1/interviews/{interview}/share"))
        .bearer_auth(&user.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 204);
    let gone = app.get(&page_path(&first)).send().await.unwrap();
    assert_eq!(gone.status(), 404);
    assert!(
        gone.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(report(&app, &user.access_token, &interview).await["share_url"].is_null());

    let renewed: Value = app
        .post(&format!("/v1/interviews/{interview}/share"))
        .bearer_auth(&user.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let second = renewed["share_url"].as_str().unwrap();
    assert_ne!(second, first);
    assert_eq!(app.get(&page_path(second)).send().await.unwrap().status(), 200);
    assert_eq!(app.get(&page_path(&first)).send().await.unwrap().status(), 404);
    // Garbage tokens are 404s too, never 500s.
    for token in ["x", "AAAA", &"A".repeat(43), &"%".repeat(10)] {
        assert_eq!(
            app.get(&format!("/r/{token}")).send().await.unwrap().status(),
            404,
            "{token}"
        );
    }
}

#[tokio::test]
async fn a_partner_posts_a_transcript_and_the_candidate_gets_the_results() {
    let app = spawn_app().await;
    let owner = app.signup().await;
    let org = app.create_organization(&owner, "partner").await;
    let (_, key) = app.create_api_key(&owner, org).await;
    let transcript = json!({
        "track_id": TRACK,
        "items": [
            {"question_id": "url-shortener", "answer": "Base62 counter, a KV store and a CDN.", "time_spent_seconds": 240},
            {"question": "Tell us about a tool you built for your team.", "answer": "I built a deploy bot. First I talked to the team about the pain. Then I wrote it in a week, because releases were slow. As a result deploys went from an hour to ten minutes.", "time_spent_seconds": 300}
        ],
        "candidate": {"email": "Candidate@Example.com", "name": "Cara", "external_ref": "crm-42"}
    });
    let response = app
        .post("/v1/transcripts")
        .bearer_auth(&key)
        .header("Idempotency-Key", "transcript-1")
        .json(&transcript)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "submitted");
    let interview = body["interview_id"].as_str().unwrap().to_owned();

    // Same key, same body: the same interview, no second grading.
    let replay: Value = app
        .post("/v1/transcripts")
        .bearer_auth(&key)
        .header("Idempotency-Key", "transcript-1")
        .json(&transcript)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(replay["interview_id"], interview);

    let graded = app.wait_for_status(&key, &interview, "graded").await;
    assert_eq!(graded["origin"], "transcript");
    assert_eq!(graded["candidate"]["email"], "candidate@example.com");
    assert_eq!(graded["candidate"]["external_ref"], "crm-42");
    let report = report(&app, &key, &interview).await;
    let questions = report["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 2);
    assert_eq!(questions[0]["timing"], "rushed");
    assert!(!questions[0]["criteria"].as_array().unwrap().is_empty());
    assert!(
        questions[1]["criteria"].as_array().unwrap().is_empty(),
        "free-form has no rubric"
    );
    assert_eq!(
        questions[1]["question"],
        "Tell us about a tool you built for your team."
    );

    let mails = app.emails_to("candidate@example.com", 1).await;
    assert!(mails[0].decoded().contains(report["share_url"].as_str().unwrap()));
    let list: Value = app.get_json("/v1/interviews", &key).await;
    assert_eq!(list["total"], 1);
}

#[tokio::test]
async fn whole_seconds_are_accepted_in_either_json_notation_and_fractions_refused() {
    let app = spawn_app().await;
    let user = app.signup().await;
    let fraction = app
        .post("/v1/transcripts")
        .bearer_auth(&user.access_token)
        .json(&json!({"items": [{"question": "q", "answer": "x", "time_spent_seconds": 60.5}]}))
        .send()
        .await
        .unwrap();
    assert_problem(fraction, 422, "validation-failed").await;
    // JSON Schema's integer includes 60.0, and so does the server.
    app.submit_transcript(
        &user.access_token,
        &json!({"items": [{"question": "q", "answer": "x", "time_spent_seconds": 60.0}]}),
    )
    .await;
}

#[tokio::test]
async fn invalid_transcripts_are_refused_with_the_field_named() {
    let app = spawn_app().await;
    let user = app.signup().await;
    let cases = [
        (json!({"items": []}), "items"),
        (json!({"items": [{"answer": "x"}]}), "items[0].question_id"),
        (
            json!({"items": [{"question_id": "url-shortener", "question": "q", "answer": "x"}]}),
            "items[0].question_id",
        ),
        (
            json!({"track_id": TRACK, "items": [{"question_id": "nope", "answer": "x"}]}),
            "items[0].question_id",
        ),
        (
            json!({"items": [{"question": "q", "answer": "x", "time_spent_seconds": 99999}]}),
            "items[0].time_spent_seconds",
        ),
        (
            json!({"items": [{"question": "q", "answer": "x"}], "candidate": {"email": "nope"}}),
            "candidate.email",
        ),
        (
            json!({"track_id": "no-track", "items": [{"question": "q", "answer": "x"}]}),
            "track_id",
        ),
    ];
    for (body, field) in cases {
        let response = app
            .post("/v1/transcripts")
            .bearer_auth(&user.access_token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let problem = assert_problem(response, 422, "validation-failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    // Nothing was consumed by the refusals.
    let ok = app
        .post("/v1/transcripts")
        .bearer_auth(&user.access_token)
        .json(&json!({"items": [{"question_id": "senior-backend-fintech/url-shortener", "answer": "x"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 202);
}

#[tokio::test]
async fn a_grading_that_fails_for_good_marks_the_interview_failed_and_gives_the_quota_back() {
    let app = builder().without_workers().spawn().await;
    let user = app.signup().await;
    let interview = app.take_interview(&user.access_token, TRACK, decent_answer).await;
    // Sabotage: the answers vanish, so the grader has nothing to grade.
    let interview_id: uuid::Uuid = interview.parse().unwrap();
    interview_questions::Entity::delete_many()
        .filter(interview_questions::Column::InterviewId.eq(interview_id))
        .exec(&app.state.db)
        .await
        .unwrap();
    let monitor = worker::prepare(&app.state).await.unwrap();
    tokio::spawn(monitor.run());
    let failed = app
        .wait_for_status(&user.access_token, &interview, "failed")
        .await;
    assert!(
        failed["failure_reason"].as_str().unwrap().contains("no answers"),
        "{failed}"
    );
    let me: Value = app.get_json("/v1/me", &user.access_token).await;
    assert_eq!(me["current_organization"]["remaining_interviews"], 1);
    assert_eq!(app.start_interview(&user.access_token, TRACK).await.status(), 201);
}

#[tokio::test]
async fn grading_twice_gives_one_report_and_one_email() {
    let app = builder().without_workers().spawn().await;
    let user = app.signup().await;
    let interview = app.take_interview(&user.access_token, TRACK, decent_answer).await;
    let job = GradeInterview {
        interview_id: interview.parse().unwrap(),
        organization_id: user.organization_id,
    };
    let ctx = worker::JobContext::new(app.state.clone()).unwrap();
    worker::jobs::grade_interview::grade_interview(&job, &ctx)
        .await
        .unwrap();
    worker::jobs::grade_interview::grade_interview(&job, &ctx)
        .await
        .unwrap();
    // And the queued job runs once more when the workers start.
    let monitor = worker::prepare(&app.state).await.unwrap();
    tokio::spawn(monitor.run());
    app.emails_to(&user.email, 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let reports = reports::Entity::find()
        .filter(reports::Column::InterviewId.eq(job.interview_id))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(reports, 1);
    let results = email_outbox::Entity::find()
        .filter(email_outbox::Column::Template.eq("interview_results"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(results, 1);
    let received = app.smtp.messages().await;
    assert_eq!(
        received
            .iter()
            .filter(|m| m.header("Subject").unwrap_or_default().contains("results"))
            .count(),
        1
    );
}

#[tokio::test]
async fn a_mail_failure_after_grading_still_ends_with_one_report_and_one_email() {
    let app = spawn_app().await;
    let user = app.signup().await;
    app.emails_to(&user.email, 1).await; // the verification email is out of the way
    app.smtp.refuse_next(1); // the results email fails once, as if the worker died
    let interview = app.take_interview(&user.access_token, TRACK, decent_answer).await;
    app.wait_for_status(&user.access_token, &interview, "graded")
        .await;
    let mails = app.emails_to(&user.email, 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.smtp.messages().await.len(), mails.len());
    assert_eq!(mails.len(), 2);
    let row = email_outbox::Entity::find()
        .filter(email_outbox::Column::Template.eq("interview_results"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, api::domain::OutboxStatus::Sent);
    assert_eq!(row.attempts, 2);
    let reports = reports::Entity::find().count(&app.state.db).await.unwrap();
    assert_eq!(reports, 1);
}
