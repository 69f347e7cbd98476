//! Control characters (C0 but line feeds and tabs in long text, DEL, C1) are refused
//! with a 422 naming the field, wherever free text enters: nothing stored holds them, so
//! no response, webhook, email or page can carry them back out.

use serde_json::{Value, json};
use tests::{TestApp, assert_problem, spawn_app};

const TRACK: &str = "senior-backend-fintech";
/// NUL, ESC (as in an ANSI escape), a carriage return, DEL and C1's CSI.
const REFUSED_EVERYWHERE: [&str; 5] = ["\u{0}", "\u{1b}[31m", "\r", "\u{7f}", "\u{9b}"];

async fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> reqwest::Response {
    app.post(path).bearer_auth(token).json(body).send().await.unwrap()
}

async fn assert_refused(response: reqwest::Response, field: &str, case: &str) {
    assert_eq!(response.status(), 422, "{case}");
    let problem = assert_problem(response, 422, "validation-failed").await;
    assert_eq!(problem["errors"][0]["field"], field, "{case}: {problem}");
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("control characters"), "{case}: {message}");
    assert!(
        !message.chars().any(char::is_control),
        "the message echoes the character"
    );
}

#[tokio::test]
async fn transcripts_refuse_control_characters_in_every_text_field_naming_it() {
    let app = spawn_app().await;
    let user = app.signup().await;
    for bad in REFUSED_EVERYWHERE {
        let cases = [
            (
                json!({"items": [{"question": format!("What {bad} now?"), "answer": "x"}]}),
                "items[0].question",
            ),
            (
                json!({"items": [{"question": "q", "answer": "x"}, {"question": "q", "answer": format!("an {bad} answer")}]}),
                "items[1].answer",
            ),
            (
                json!({"items": [{"question_id": format!("url-shortener{bad}"), "answer": "x"}], "track_id": TRACK}),
                "items[0].question_id",
            ),
            (
                json!({"track_id": format!("{TRACK}{bad}"), "items": [{"question": "q", "answer": "x"}]}),
                "track_id",
            ),
            (
                json!({"items": [{"question": "q", "answer": "x"}], "candidate": {"email": "cand@example.com", "external_ref": format!("ats-{bad}7")}}),
                "candidate.external_ref",
            ),
            (
                json!({"items": [{"question": "q", "answer": "x"}], "candidate": {"email": "cand@example.com", "name": format!("Ada{bad}")}}),
                "candidate.name",
            ),
        ];
        for (body, field) in cases {
            let response = post(&app, &user.access_token, "/v1/transcripts", &body).await;
            assert_refused(response, field, &format!("{bad:?} in {field}")).await;
        }
    }
    // Line feeds and tabs are part of long text; nothing above consumed the quota.
    let ok = post(
        &app,
        &user.access_token,
        "/v1/transcripts",
        &json!({"items": [{"question": "Two\nlines?", "answer": "first\n\tsecond"}], "candidate": {"email": "cand@example.com", "external_ref": "ats-7"}}),
    )
    .await;
    assert_eq!(ok.status(), 202, "{}", ok.text().await.unwrap());
}

#[tokio::test]
async fn line_feeds_are_refused_where_text_is_one_line() {
    let app = spawn_app().await;
    let user = app.signup().await;
    let body = json!({"items": [{"question": "q", "answer": "x"}], "candidate": {"email": "cand@example.com", "external_ref": "ats\n7"}});
    let response = post(&app, &user.access_token, "/v1/transcripts", &body).await;
    assert_refused(response, "candidate.external_ref", "a line feed in a reference").await;
    let response = post(
        &app,
        &user.access_token,
        "/v1/organizations",
        &json!({"name": "Acme\tBootcamp"}),
    )
    .await;
    assert_refused(response, "name", "a tab in a name").await;
}

#[tokio::test]
async fn live_interviews_refuse_control_characters_in_track_ids_and_answers() {
    let app = spawn_app().await;
    let user = app.signup().await;
    let response = app
        .start_interview(&user.access_token, &format!("{TRACK}\u{0}"))
        .await;
    assert_refused(response, "track_id", "NUL in a track id").await;

    let started: Value = app
        .start_interview(&user.access_token, TRACK)
        .await
        .json()
        .await
        .unwrap();
    let interview = started["id"].as_str().unwrap();
    let question = started["current_question"]["id"].as_str().unwrap();
    for bad in REFUSED_EVERYWHERE {
        let response = app
            .answer(
                &user.access_token,
                interview,
                question,
                &format!("my {bad} answer"),
            )
            .await;
        assert_refused(response, "answer", &format!("{bad:?} in an answer")).await;
    }
    let ok = app
        .answer(&user.access_token, interview, question, "line one\n\tline two")
        .await;
    assert_eq!(ok.status(), 200, "{}", ok.text().await.unwrap());
}

#[tokio::test]
async fn names_keys_and_webhook_urls_refuse_control_characters() {
    let app = spawn_app().await;
    let user = app.signup().await;
    let org = app.create_organization(&user, "partner").await;
    let token = app.token_for(&user, org).await;

    let signup = app
        .post_json(
            "/v1/auth/signup",
            &json!({"email": "esc@example.com", "password": "long enough pass", "name": "Mallory\u{1b}[2J"}),
        )
        .await;
    assert_refused(signup, "name", "ESC in a person's name").await;
    let organization = post(&app, &token, "/v1/organizations", &json!({"name": "Acme\u{85}"})).await;
    assert_refused(organization, "name", "C1 NEL in an organization name").await;

    let key = post(
        &app,
        &token,
        &format!("/v1/organizations/{org}/api-keys"),
        &json!({"name": "prod\u{7f}"}),
    )
    .await;
    let problem = assert_problem(key, 422, "validation-failed").await;
    assert_eq!(problem["errors"][0]["field"], "name", "{problem}");

    // The URL parser would silently drop a tab or a line feed; they are refused instead.
    for bad in ["\t", "\n", "\u{0}"] {
        let webhook = post(
            &app,
            &token,
            &format!("/v1/organizations/{org}/webhooks"),
            &json!({"url": format!("https://partner.example/ho{bad}oks")}),
        )
        .await;
        assert_refused(webhook, "url", &format!("{bad:?} in a webhook URL")).await;
    }
}
