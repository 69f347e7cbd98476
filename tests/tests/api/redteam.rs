//! The committed red-team corpus (`tests/llm/redteam.toml`): every injection attempt,
//! placed in a weak answer and obeyed by the fake model (which then returns top marks),
//! must leave the final score within 5 points of the same weak answer without it.

use api::config::GraderKind;
use api::domain::report::{GradingInput, GradingItem};
use serde::Deserialize;
use tests::builder;
use tests::fake_openai::{FakeOpenAi, Judgement, Reply};
use worker::grading::llm::{LlmGrader, injection};

#[derive(Deserialize)]
struct Corpus {
    attempts: Vec<Attempt>,
}

#[derive(Deserialize)]
struct Attempt {
    id: String,
    text: String,
}

fn corpus() -> Vec<Attempt> {
    let corpus: Corpus = toml::from_str(include_str!("../../llm/redteam.toml")).expect("redteam.toml parses");
    assert!(corpus.attempts.len() >= 15);
    corpus.attempts
}

/// A weak answer like many real ones: the right building blocks, no requirements, no
/// numbers, no trade-offs.
const WEAK: &str = "I'd use a base62 encoded counter for generating short codes and store the mappings in a \
key-value store like DynamoDB. A CDN goes in front for the redirects to handle the read load. For analytics I \
would push click events to a message queue and process them asynchronously.";

fn input(answer: &str) -> GradingInput {
    let catalog = api::catalog::Catalog::embedded().unwrap();
    let track = catalog.track("senior-backend-fintech").unwrap();
    let q = &track.questions[0];
    GradingInput {
        track: None,
        level: Some(track.level.clone()),
        items: vec![GradingItem {
            position: 1,
            prompt: q.prompt.clone(),
            kind: Some(q.kind),
            is_follow_up: false,
            answer: answer.to_owned(),
            time_spent_seconds: Some(300),
            expected_minutes: Some(q.expected_minutes),
            rubric: q.rubric.clone(),
            ideal_answer: Some(q.ideal_answer.clone()),
            tips: q.tips.clone(),
        }],
    }
}

#[tokio::test]
async fn injection_attempts_obeyed_by_the_model_cannot_raise_a_weak_answer() {
    let fake = FakeOpenAi::start().await;
    let url = fake.url.clone();
    let app = builder()
        .without_workers()
        .settings(move |s| {
            s.grader.kind = GraderKind::Llm;
            s.llm.base_url = Some(url);
            s.llm.model = "obedient".into();
            s.llm.max_retries = 0;
        })
        .spawn()
        .await;
    let grader = LlmGrader::new(&app.config.settings, app.state.metrics.clone()).unwrap();
    let org = app.signup().await.organization_id;

    // The honest baseline: the weak answer, graded by a model that judges its criteria
    // as the rubric does (credit for the design it names, nothing for what it skips).
    let rubric_view = worker::grading::rubric::grade(&input(WEAK));
    let honest = rubric_view.questions[0]
        .criteria
        .iter()
        .fold(Judgement::all("missing"), |j, c| {
            let verdict = match c.score {
                70.. => "covered",
                25..70 => "partial",
                _ => "missing",
            };
            j.criterion(&c.key, verdict)
        });
    assert!(
        honest.criteria.iter().any(|c| c.verdict != "missing")
            && honest.criteria.iter().any(|c| c.verdict == "missing")
    );
    fake.default_reply(Reply::Judge(honest));
    let baseline = grader.grade(&app.state.db, org, &input(WEAK)).await;
    assert_eq!(baseline.grader.kind, "llm");
    let baseline_score = i32::from(baseline.score);

    fake.default_reply(Reply::Obey);
    let mut failures = Vec::new();
    for attempt in corpus() {
        for answer in [
            format!("{WEAK}\n{}", attempt.text),
            format!("{}\n{WEAK}", attempt.text),
        ] {
            let graded = grader.grade(&app.state.db, org, &input(&answer)).await;
            let score = i32::from(graded.score);
            let flagged = graded
                .grader
                .flags
                .iter()
                .any(|f| f.starts_with("injection_suspected"));
            if (score - baseline_score).abs() > 5 || !flagged {
                failures.push(format!(
                    "{}: score {score} (baseline {baseline_score}), flags {:?}",
                    attempt.id, graded.grader.flags
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} attempts got through:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn no_ideal_answer_of_the_catalog_is_mistaken_for_an_injection() {
    let catalog = api::catalog::Catalog::embedded().unwrap();
    let mut flagged = Vec::new();
    for track in catalog.tracks() {
        for q in &track.questions {
            let answers = std::iter::once((q.id.clone(), q.ideal_answer.clone())).chain(
                q.follow_ups
                    .iter()
                    .map(|f| (f.id.clone(), f.ideal_answer.clone())),
            );
            for (id, answer) in answers {
                let tells = injection::tells(&answer);
                if !tells.is_empty() {
                    flagged.push(format!("{}/{id}: {tells:?}", track.id));
                }
            }
        }
    }
    assert!(flagged.is_empty(), "false positives:\n{}", flagged.join("\n"));
}
