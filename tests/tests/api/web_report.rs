//! The report inside the app (share on/off, print styles) and the history with filters
//! and pages.

use serde_json::json;
use tests::browser::{Browser, escaped};
use tests::{PASSWORD, spawn_app};

const TRACK: &str = "senior-backend-fintech";

fn transcript(answer: &str) -> serde_json::Value {
    json!({
        "track_id": TRACK,
        "items": [{"question_id": "url-shortener", "answer": answer, "time_spent_seconds": 600}],
    })
}

#[tokio::test]
async fn the_report_page_shows_the_report_and_turns_the_share_link_off_and_on() {
    let app = spawn_app().await;
    let user = app.signup().await;
    let report = app
        .graded_report(
            &user.access_token,
            &transcript("Base62 codes, a key-value store, a Redis cache."),
        )
        .await;
    let id = report["interview_id"].as_str().unwrap();
    let share_url = report["share_url"].as_str().unwrap().to_owned();
    let share_path = share_url.trim_start_matches(tests::PUBLIC_BASE_URL);

    let mut browser = Browser::new(&app);
    browser.sign_in(&user.email, PASSWORD).await;
    let page = browser.get(&format!("/app/interviews/{id}/report")).await;
    assert_eq!(page.status, 200);
    page.assert_contains(report["verdict_label"].as_str().unwrap());
    page.assert_contains(&format!("{}<span class=\"muted small\">/100", report["score"]));
    page.assert_contains(&escaped(report["summary"].as_str().unwrap()));
    page.assert_contains(&share_url);
    assert!(!page.contains(" style="), "no inline styles under the CSP");

    let off = browser
        .post(
            &format!("/app/interviews/{id}/share"),
            &[("csrf", &page.csrf()), ("action", "off")],
        )
        .await;
    assert_eq!(off.status, 303);
    assert_eq!(
        app.get(&format!("/{share_path}")).send().await.unwrap().status(),
        404
    );
    let page = browser.get(&format!("/app/interviews/{id}/report")).await;
    page.assert_contains("The share link is off");

    let on = browser
        .post(
            &format!("/app/interviews/{id}/share"),
            &[("csrf", &page.csrf()), ("action", "on")],
        )
        .await;
    assert_eq!(on.status, 303);
    let page = browser.get(&format!("/app/interviews/{id}/report")).await;
    let start = page.body.find("class=\"share-url\" href=\"").unwrap() + "class=\"share-url\" href=\"".len();
    let new_url = &page.body[start..start + page.body[start..].find('"').unwrap()];
    assert_ne!(new_url, share_url, "a new link; the old one stays dead");
    let new_path = new_url.trim_start_matches(tests::PUBLIC_BASE_URL);
    assert_eq!(
        app.get(&format!("/{new_path}")).send().await.unwrap().status(),
        200
    );

    // Sharing needs the token too.
    let forged = browser
        .post(&format!("/app/interviews/{id}/share"), &[("action", "off")])
        .await;
    assert_eq!(forged.status, 403);

    // Print styles hide the app's chrome.
    let css_start = page.body.find("/static/app.").unwrap();
    let css_url = &page.body[css_start..css_start + page.body[css_start..].find('"').unwrap()];
    let css = browser.get(css_url).await;
    assert!(css.body.contains("@media print"));
}

#[tokio::test]
async fn the_history_filters_by_track_verdict_and_date_and_pages() {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_app().await;
    let user = app.signup().await;
    api::entities::organizations::Entity::update_many()
        .col_expr(
            api::entities::organizations::Column::FreeInterviewsRemaining,
            Expr::value(30),
        )
        .filter(api::entities::organizations::Column::Id.eq(user.organization_id))
        .exec(&app.state.db)
        .await
        .unwrap();
    let graded = app
        .graded_report(
            &user.access_token,
            &transcript("Base62 codes, a key-value store, a Redis cache."),
        )
        .await;
    let graded_id = graded["interview_id"].as_str().unwrap().to_owned();
    let verdict = graded["verdict"].as_str().unwrap().to_owned();
    let sre = app
        .submit_transcript(
            &user.access_token,
            &json!({"track_id": "sre-cloud-provider", "items": [{"question": "Tell me about an outage.", "answer": "We rolled back."}]}),
        )
        .await;
    for _ in 0..19 {
        app.submit_transcript(&user.access_token, &transcript("A counter."))
            .await;
    }
    api::entities::interviews::Entity::update_many()
        .col_expr(
            api::entities::interviews::Column::StartedAt,
            Expr::value(
                chrono::DateTime::parse_from_rfc3339("2025-01-15T10:00:00Z")
                    .unwrap()
                    .to_utc(),
            ),
        )
        .filter(api::entities::interviews::Column::Id.eq(uuid::Uuid::parse_str(&graded_id).unwrap()))
        .exec(&app.state.db)
        .await
        .unwrap();

    let mut browser = Browser::new(&app);
    browser.sign_in(&user.email, PASSWORD).await;
    let first = browser.get("/app/history").await;
    assert_eq!(first.status, 200);
    first.assert_contains("21 interviews");
    first.assert_contains("Page 1 of 2");
    assert_eq!(first.body.matches("<tr>").count(), 21, "20 rows and the header");
    let second = browser.get("/app/history?page=2").await;
    second.assert_contains("Page 2 of 2");
    second.assert_contains("rel=\"prev\"");
    assert_eq!(second.body.matches("<tr>").count(), 2);

    let by_track = browser.get("/app/history?track=sre-cloud-provider").await;
    by_track.assert_contains("1 interview<");
    by_track.assert_contains(&sre);

    let january_with = |v: &str| format!("/app/history?verdict={v}&from=2025-01-01&to=2025-01-31");
    browser
        .get(&january_with(&verdict))
        .await
        .assert_contains(&graded_id);
    let other = if verdict == "outstanding" {
        "not_ready"
    } else {
        "outstanding"
    };
    assert!(!browser.get(&january_with(other)).await.contains(&graded_id));

    let january = browser.get("/app/history?from=2025-01-01&to=2025-01-31").await;
    january.assert_contains("1 interview<");
    january.assert_contains(&graded_id);
    browser
        .get("/app/history?to=2025-01-14")
        .await
        .assert_contains("0 interviews");
    let bad = browser.get("/app/history?from=yesterday").await;
    assert_eq!(bad.status, 200);
    bad.assert_contains("is not a date");

    // The dashboard lists the five most recent with their status.
    let dashboard = browser.get("/app").await;
    assert_eq!(dashboard.body.matches("<tr>").count(), 6);
}
