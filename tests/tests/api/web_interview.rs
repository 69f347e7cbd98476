//! The interview in the browser without JavaScript: catalogue, start (and the upgrade
//! page at zero quota), the room with drafts, follow-ups and field errors, the review
//! and the confirmed submit, then the report appearing by itself.

use tests::browser::{Browser, Page};
use tests::{PASSWORD, TestApp, spawn_app};

const TRACK: &str = "senior-backend-fintech";
const CACHING_ANSWER: &str =
    "A base62 counter for codes, DynamoDB for the mapping, and a CDN and Redis cache for redirects.";

fn unique_email() -> String {
    format!("room-{}@example.com", uuid::Uuid::new_v4().simple())
}

/// Signs a new account up in `browser` and starts an interview; returns its room path.
async fn start(browser: &mut Browser<'_>) -> String {
    browser.sign_up(&unique_email(), PASSWORD).await;
    let started = browser
        .submit("/app/tracks", "/app/interviews", &[("track_id", TRACK)])
        .await;
    assert_eq!(started.status, 303, "{}", started.body);
    started.location().unwrap().to_owned()
}

async fn answer(browser: &mut Browser<'_>, room: &str, text: &str) -> Page {
    let page = browser.get(room).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let question = page.input("question_id").expect("a question");
    browser
        .post(
            &format!("{room}/answer"),
            &[
                ("csrf", &page.csrf()),
                ("question_id", &question),
                ("answer", text),
            ],
        )
        .await
}

async fn wait_for_report(browser: &mut Browser<'_>, room: &str) -> Page {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let page = browser.get(&format!("{room}/report")).await;
        assert_eq!(page.status, 200);
        if page.contains("/100") && page.contains("Share") {
            return page;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never graded:\n{}",
            page.body
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn the_catalogue_lists_every_track_with_its_questions_and_minutes() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_up(&unique_email(), PASSWORD).await;
    let page = browser.get("/app/tracks").await;
    assert_eq!(page.status, 200);
    for track in app.state.catalog.tracks() {
        page.assert_contains(&format!("value=\"{}\"", track.id));
        page.assert_contains(&format!("{} questions", track.questions.len()));
        page.assert_contains(&format!("about {} minutes", track.total_minutes()));
    }
    page.assert_contains("Interviews left: 1");
}

#[tokio::test]
async fn the_room_shows_one_question_with_the_servers_clock_and_takes_answers_without_javascript() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let room = start(&mut browser).await;
    let page = browser.get(&room).await;
    assert_eq!(page.status, 200);
    page.assert_contains("Question 1 of");
    page.assert_contains("System design");
    page.assert_contains("data-timer");
    page.assert_contains("data-asked-at=");
    page.assert_contains("name=\"answer\"");

    // A caching answer brings the hot-keys follow-up as the next question.
    let sent = answer(&mut browser, &room, CACHING_ANSWER).await;
    assert_eq!(sent.status, 303);
    assert_eq!(sent.location(), Some(room.as_str()));
    let follow_up = browser.get(&room).await;
    follow_up.assert_contains("How would you handle hot keys in your cache layer?");
    follow_up.assert_contains("follow-up");
    follow_up.assert_contains("Question 2 of");

    // The dashboard offers to resume it.
    let dashboard = browser.get("/app").await;
    dashboard.assert_contains("Resume the interview");
    dashboard.assert_contains(&format!("href=\"{room}\""));
}

#[tokio::test]
async fn drafts_are_saved_as_you_type_and_come_back_on_reload_and_in_another_browser() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let email = unique_email();
    browser.sign_up(&email, PASSWORD).await;
    let started = browser
        .submit("/app/tracks", "/app/interviews", &[("track_id", TRACK)])
        .await;
    let room = started.location().unwrap().to_owned();
    let page = browser.get(&room).await;
    let question = page.input("question_id").unwrap();
    let saved = browser
        .post_with(
            &format!("{room}/draft"),
            &[
                ("csrf", &page.csrf()),
                ("question_id", &question),
                ("answer", "Half a <thought> so far"),
            ],
            &[("HX-Request", "true")],
        )
        .await;
    assert_eq!(saved.status, 200);
    assert!(saved.body.starts_with("Draft saved at"), "{}", saved.body);

    let reloaded = browser.get(&room).await;
    reloaded.assert_contains("Half a &#60;thought&#62; so far</textarea>");
    let mut second = Browser::new(&app);
    second.sign_in(&email, PASSWORD).await;
    second
        .get(&room)
        .await
        .assert_contains("Half a &#60;thought&#62; so far</textarea>");

    // A draft without the session's token is refused; one for an answered question is stale.
    let refused = browser
        .post_with(
            &format!("{room}/draft"),
            &[("question_id", &question), ("answer", "x")],
            &[("HX-Request", "true")],
        )
        .await;
    assert_eq!(refused.status, 403);
    answer(&mut browser, &room, "Shard by customer id.").await;
    let stale = browser
        .post_with(
            &format!("{room}/draft"),
            &[
                ("csrf", &page.csrf()),
                ("question_id", &question),
                ("answer", "late"),
            ],
            &[("HX-Request", "true")],
        )
        .await;
    assert_eq!(stale.status, 200);
    stale.assert_contains("Draft not saved");
}

#[tokio::test]
async fn service_errors_appear_next_to_the_answer_box_and_keep_the_text() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let room = start(&mut browser).await;

    let empty = answer(&mut browser, &room, "   ").await;
    assert_eq!(empty.status, 422);
    empty.assert_contains("id=\"answer-error\"");
    empty.assert_contains("Write an answer");

    let long = "word ".repeat(4_001);
    let too_long = answer(&mut browser, &room, &long).await;
    assert_eq!(too_long.status, 422);
    too_long.assert_contains("at most 20000 characters");

    // Answering a question already answered in another tab: the room moves on to the
    // current question and keeps what was typed.
    let page = browser.get(&room).await;
    let old_question = page.input("question_id").unwrap();
    let csrf = page.csrf();
    answer(&mut browser, &room, "Postgres with a counter.").await;
    let stale = browser
        .post(
            &format!("{room}/answer"),
            &[
                ("csrf", &csrf),
                ("question_id", &old_question),
                ("answer", "typed in the old tab"),
            ],
        )
        .await;
    assert_eq!(stale.status, 409);
    stale.assert_contains("already answered");
    stale.assert_contains("typed in the old tab</textarea>");
    assert_ne!(stale.input("question_id").unwrap(), old_question);
}

async fn finish(app: &TestApp, browser: &mut Browser<'_>, room: &str) {
    let _ = app;
    answer(browser, room, CACHING_ANSWER).await;
    let review = browser.get(&format!("{room}/review")).await;
    assert_eq!(review.status, 200);
    review.assert_contains("Review and submit");
    review.assert_contains("is still open");
    let unconfirmed = browser
        .post(&format!("{room}/submit"), &[("csrf", &review.csrf())])
        .await;
    assert_eq!(unconfirmed.status, 422);
    unconfirmed.assert_contains("Tick the box");
    let submitted = browser
        .post(
            &format!("{room}/submit"),
            &[("csrf", &review.csrf()), ("confirm", "yes")],
        )
        .await;
    assert_eq!(submitted.status, 303);
    assert_eq!(submitted.location(), Some(format!("{room}/report").as_str()));
}

#[tokio::test]
async fn a_confirmed_submit_leads_to_the_report_and_the_next_start_to_the_upgrade_page() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let room = start(&mut browser).await;
    finish(&app, &mut browser, &room).await;

    // Right after submitting: the status page polls (htmx) and refreshes (no script).
    let status = browser.get(&format!("{room}/report")).await;
    assert_eq!(status.status, 200);
    if status.contains("Grading your answers") {
        status.assert_contains("hx-trigger=\"every 2s\"");
        status.assert_contains("http-equiv=\"refresh\"");
    }
    let report = wait_for_report(&mut browser, &room).await;
    report.assert_contains("URL shortener");
    report.assert_contains("What a strong answer covers");
    // Once graded, the polled fragment tells htmx to load the report.
    let poll = browser
        .app_get_with(&format!("{room}/status"), &[("HX-Request", "true")])
        .await;
    assert_eq!(poll.header("hx-redirect"), format!("{room}/report"));
    // The room of a submitted interview leads to its report.
    assert_eq!(
        browser.get(&room).await.location(),
        Some(format!("{room}/report").as_str())
    );

    let upgrade = browser
        .submit("/app/tracks", "/app/interviews", &[("track_id", TRACK)])
        .await;
    assert_eq!(upgrade.status, 402);
    upgrade.assert_contains("You have used the interviews of your Free plan");
}

#[tokio::test]
async fn another_accounts_interview_is_a_404_everywhere() {
    let app = spawn_app().await;
    let mut owner = Browser::new(&app);
    let room = start(&mut owner).await;
    let mut other = Browser::new(&app);
    other.sign_up(&unique_email(), PASSWORD).await;
    for path in [
        room.clone(),
        format!("{room}/review"),
        format!("{room}/report"),
        format!("{room}/status"),
    ] {
        let page = other.get(&path).await;
        assert_eq!(page.status, 404, "{path}");
        page.assert_contains("Page not found");
    }
    let csrf = other.get("/app").await.csrf();
    let question = owner.get(&room).await.input("question_id").unwrap();
    let post = other
        .post(
            &format!("{room}/answer"),
            &[
                ("csrf", &csrf),
                ("question_id", &question),
                ("answer", "mine now"),
            ],
        )
        .await;
    assert_eq!(post.status, 404);
    let draft = other
        .post(
            &format!("{room}/draft"),
            &[
                ("csrf", &csrf),
                ("question_id", &question),
                ("answer", "mine now"),
            ],
        )
        .await;
    assert_eq!(draft.status, 404);
    assert_eq!(other.get("/app/interviews/not-a-uuid").await.status, 404);
}
