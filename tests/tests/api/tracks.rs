use serde_json::Value;
use tests::{assert_problem, spawn_app};

#[tokio::test]
async fn the_question_bank_has_at_least_six_tracks_and_forty_questions() {
    let app = spawn_app().await;
    let tracks: Value = app.get("/v1/tracks").send().await.unwrap().json().await.unwrap();
    let tracks = tracks.as_array().unwrap();
    assert!(tracks.len() >= 6, "{} tracks", tracks.len());
    let questions: u64 = tracks.iter().map(|t| t["question_count"].as_u64().unwrap()).sum();
    assert!(questions >= 40, "{questions} questions");
    let backend = tracks
        .iter()
        .find(|t| t["id"] == "senior-backend-fintech")
        .unwrap();
    assert_eq!(backend["title"], "Senior Backend Engineer");
    assert_eq!(backend["company_context"], "fintech startup");
}

#[tokio::test]
async fn a_track_shows_the_outline_of_its_questions_but_not_the_prompts() {
    let app = spawn_app().await;
    let track: Value = app
        .get("/v1/tracks/senior-backend-fintech")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let questions = track["questions"].as_array().unwrap();
    assert_eq!(questions[0]["kind"], "system_design");
    assert_eq!(questions[0]["expected_minutes"], 30);
    assert!(questions[0]["possible_follow_ups"].as_u64().unwrap() >= 1);
    assert!(!track.to_string().contains("URL shortener"));
    let kinds: std::collections::HashSet<_> = questions.iter().map(|q| q["kind"].as_str().unwrap()).collect();
    assert!(kinds.len() >= 3, "{kinds:?}");
    assert_problem(
        app.get("/v1/tracks/no-such-track").send().await.unwrap(),
        404,
        "not-found",
    )
    .await;
}

#[test]
fn the_embedded_catalog_has_the_url_shortener_with_its_hot_keys_follow_up() {
    let catalog = api::catalog::Catalog::embedded().unwrap();
    let track = catalog.track("senior-backend-fintech").unwrap();
    let question = &track.questions[0];
    assert_eq!(
        question.prompt,
        "Design a URL shortener like bit.ly that handles 100 million new URLs per day."
    );
    let answer = api::catalog::matching::Text::new("We put a Redis cache in front of the store.");
    let follow_up = question.triggered_follow_up(&answer).unwrap();
    assert_eq!(follow_up.id, "hot-keys");
    assert_eq!(
        follow_up.prompt,
        "How would you handle hot keys in your cache layer?"
    );
    for track in catalog.tracks() {
        for q in &track.questions {
            assert!((2..=4).contains(&q.tips.len()), "{}/{}", track.id, q.id);
            assert!(!q.rubric.is_empty() && !q.ideal_answer.is_empty());
        }
    }
}

#[test]
fn a_broken_catalog_file_is_refused_with_the_file_and_field_named() {
    let dir = tempfile::tempdir().unwrap();
    let good = include_str!("../../../api/catalog/senior-backend-fintech.toml");
    std::fs::write(
        dir.path().join("senior-backend-fintech.toml"),
        good.replacen("weight = 3", "weight = 30", 1),
    )
    .unwrap();
    let err = api::catalog::Catalog::from_dir(dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("senior-backend-fintech.toml"), "{err}");
    assert!(err.contains("questions[0].rubric[0].weight"), "{err}");
}
