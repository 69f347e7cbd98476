//! The rubric grader against the hand-labelled calibration set (`tests/calibration`):
//! the same figures `cargo run --release -p tests --bin calibrate` prints, held to a
//! floor so a regression fails.
//!
//! Issue 10's targets: pairwise order ≥ 95 %, exact verdict ≥ 60 %, within one level
//! ≥ 95 %, no adversarial answer at or above the honest medium answer of its question,
//! no salad / off-topic / wrong answer above `needs_work`. Where the grader does not
//! reach a target yet, the floor below is the figure it reached (a ratchet): raise it
//! whenever the grader improves, never lower it, and never edit the labels.

use api::catalog::Catalog;
use tests::calibration::{self, figures};

/// Floors: the target where it is met, otherwise the figure reached.
const ORDER_AT_LEAST: f64 = 0.905; // target 0.95
const EXACT_AT_LEAST: f64 = 0.62;
const WITHIN_ONE_AT_LEAST: f64 = 0.93; // target 0.95
const ADVERSARIAL_AT_OR_ABOVE_MEDIUM_AT_MOST: usize = 11; // target 0
const ATTACKS_ABOVE_NEEDS_WORK_AT_MOST: usize = 4; // target 0

#[test]
fn the_rubric_grader_holds_its_calibration_figures() {
    let catalog = Catalog::embedded().unwrap();
    let cases = calibration::load(calibration::default_dir()).unwrap();
    assert!(
        cases.len() >= 120,
        "the calibration set shrank to {}",
        cases.len()
    );
    let outcomes = calibration::run(&catalog, &cases, worker::grading::rubric::grade).unwrap();
    let f = figures(&outcomes);
    assert!(
        f.order >= ORDER_AT_LEAST,
        "pairwise order {:.3} < {ORDER_AT_LEAST}",
        f.order
    );
    assert!(
        f.exact >= EXACT_AT_LEAST,
        "exact verdicts {:.3} < {EXACT_AT_LEAST}",
        f.exact
    );
    assert!(
        f.within_one >= WITHIN_ONE_AT_LEAST,
        "within one level {:.3} < {WITHIN_ONE_AT_LEAST}",
        f.within_one
    );
    assert!(
        f.adversarial_above_medium.len() <= ADVERSARIAL_AT_OR_ABOVE_MEDIUM_AT_MOST,
        "adversarial answers at or above the honest medium answer: {:#?}",
        f.adversarial_above_medium
    );
    assert!(
        f.attacks_above_needs_work.len() <= ATTACKS_ABOVE_NEEDS_WORK_AT_MOST,
        "salad / off-topic / wrong answers above needs_work: {:#?}",
        f.attacks_above_needs_work
    );
}

#[test]
fn every_case_names_a_catalog_question_and_a_known_verdict() {
    let catalog = Catalog::embedded().unwrap();
    let cases = calibration::load(calibration::default_dir()).unwrap();
    let mut ids = std::collections::HashSet::new();
    for case in &cases {
        assert!(ids.insert(case.id.as_str()), "{} is used twice", case.id);
        assert!(
            catalog.question(&case.question).is_some(),
            "{}: {}",
            case.id,
            case.question
        );
        for other in &case.also {
            assert!(catalog.question(other).is_some(), "{}: {other}", case.id);
        }
        calibration::parse_verdict(&case.verdict).unwrap();
        assert!(
            ["weak", "medium", "strong", "adversarial"].contains(&case.tier.as_str()),
            "{}: tier {}",
            case.id,
            case.tier
        );
        assert_eq!(case.is_adversarial(), case.attack.is_some(), "{}", case.id);
    }
}
