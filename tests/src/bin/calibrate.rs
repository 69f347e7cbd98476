//! The calibration bench: grades the hand-labelled answers of `tests/calibration` with
//! the rubric grader and prints how far its verdicts can be trusted.
//!
//! ```text
//! cargo run --release -p tests --bin calibrate                  # the figures
//! cargo run --release -p tests --bin calibrate -- --verbose     # plus every case
//! cargo run --release -p tests --bin calibrate -- --show ID     # one case's full report
//! cargo run --release -p tests --bin calibrate -- --dir PATH    # another labelled set
//! ```
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use api::catalog::{Catalog, QuestionKind};
use tests::calibration::{self, Outcome, figures, mean_score};

const TIMING_ROUNDS: usize = 20;

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

fn print_figures(title: &str, outcomes: &[Outcome]) {
    let f = figures(outcomes);
    println!(
        "{title:<16} {:>3} cases  order {:>7} ({} pairs)  exact {:>7}  within-one {:>7}  | honest: exact {:>7}  within-one {:>7}",
        f.cases,
        pct(f.order),
        f.pairs,
        pct(f.exact),
        pct(f.within_one),
        pct(f.honest_exact),
        pct(f.honest_within_one),
    );
}

fn print_tiers(title: &str, outcomes: &[Outcome]) {
    let mut line = format!("{title:<16} mean score");
    for tier in ["weak", "medium", "strong", "adversarial"] {
        let group: Vec<&Outcome> = outcomes.iter().filter(|o| o.case.tier == tier).collect();
        if !group.is_empty() {
            line.push_str(&format!("  {tier} {:.1}", mean_score(&group)));
        }
    }
    println!("{line}");
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut verbose, mut show, mut dir) = (false, None, calibration::default_dir().to_path_buf());
    let mut fit = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--verbose" | "-v" => verbose = true,
            "--fit" => fit = true,
            "--show" => show = args.next(),
            "--dir" => dir = PathBuf::from(args.next().expect("--dir needs a path")),
            other => {
                anyhow::bail!("unknown argument {other:?} (use --verbose, --fit, --show ID, --dir PATH)")
            }
        }
    }
    let catalog = Catalog::embedded()?;
    let cases = calibration::load(&dir)?;
    let outcomes = calibration::run(&catalog, &cases, worker::grading::rubric::grade)?;

    if let Some(id) = show {
        let o = outcomes
            .iter()
            .find(|o| o.case.id == id)
            .ok_or_else(|| anyhow::anyhow!("no case {id}"))?;
        let input = calibration::input(&catalog, &o.case)?;
        let assessment = worker::grading::rubric::grade(&input);
        println!(
            "{}  tier {}  attack {}  label {}  →  score {} ({})\n",
            o.case.id,
            o.case.tier,
            o.case.attack.as_deref().unwrap_or("-"),
            o.case.verdict,
            o.score,
            o.verdict.as_str()
        );
        println!("{}", worker::grading::rubric::diagnostics(&input).join("\n"));
        println!("{}", serde_json::to_string_pretty(&assessment)?);
        return Ok(());
    }
    if fit {
        return fit_mapping(&catalog, &cases);
    }

    println!(
        "Calibration bench: {} cases from {}\n",
        outcomes.len(),
        dir.display()
    );
    print_figures("all", &outcomes);
    for kind in [
        QuestionKind::SystemDesign,
        QuestionKind::Technical,
        QuestionKind::Behavioral,
    ] {
        let group: Vec<Outcome> = outcomes.iter().filter(|o| o.kind == kind).cloned().collect();
        print_figures(kind.as_str(), &group);
    }
    println!();
    print_tiers("all", &outcomes);
    for kind in [
        QuestionKind::SystemDesign,
        QuestionKind::Technical,
        QuestionKind::Behavioral,
    ] {
        let group: Vec<Outcome> = outcomes.iter().filter(|o| o.kind == kind).cloned().collect();
        print_tiers(kind.as_str(), &group);
    }

    let f = figures(&outcomes);
    println!(
        "\nAdversarial answers at or above the honest medium answer: {}",
        f.adversarial_above_medium.len()
    );
    for line in &f.adversarial_above_medium {
        println!("  {line}");
    }
    println!(
        "Salad / off-topic / wrong answers above needs_work: {}",
        f.attacks_above_needs_work.len()
    );
    for line in &f.attacks_above_needs_work {
        println!("  {line}");
    }

    // Every adversarial answer against the honest answers of its question.
    let mut by_question: BTreeMap<&str, Vec<&Outcome>> = BTreeMap::new();
    for o in &outcomes {
        by_question.entry(o.case.question.as_str()).or_default().push(o);
    }
    println!("\nAdversarial answers (score, verdict) against the honest answers of the same question");
    for (question, list) in &by_question {
        if !list.iter().any(|o| o.case.is_adversarial()) {
            continue;
        }
        let honest: Vec<String> = list
            .iter()
            .filter(|o| !o.case.is_adversarial())
            .map(|o| format!("{} {} (label {})", o.case.tier, o.score, o.case.verdict))
            .collect();
        println!("  {question}: {}", honest.join(", "));
        for o in list.iter().filter(|o| o.case.is_adversarial()) {
            println!(
                "    {:<10} {:>3} ({:<11}) label {}",
                o.case.attack.as_deref().unwrap_or("-"),
                o.score,
                o.verdict.as_str(),
                o.case.verdict
            );
        }
    }

    if verbose {
        println!("\nEvery case: id, kind, tier, label → score (verdict)");
        for o in &outcomes {
            let mark = if o.verdict == o.expected { ' ' } else { '*' };
            println!(
                "{mark} {:<46} {:<13} {:<11} {:<11} → {:>3} ({})",
                o.case.id,
                o.kind.as_str(),
                o.case.attack.as_deref().unwrap_or(&o.case.tier),
                o.case.verdict,
                o.score,
                o.verdict.as_str()
            );
            let input = calibration::input(&catalog, &o.case)?;
            if let Some(line) = worker::grading::rubric::diagnostics(&input).first() {
                println!("      {line}");
            }
        }
    }

    // Latency of grading one question (each one-question case, several rounds).
    let mut per_question: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    let mut all = Vec::new();
    for case in cases.iter().filter(|c| c.also.is_empty()) {
        let input = calibration::input(&catalog, case)?;
        for _ in 0..TIMING_ROUNDS {
            let started = Instant::now();
            std::hint::black_box(worker::grading::rubric::grade(std::hint::black_box(&input)));
            let elapsed = started.elapsed();
            per_question
                .entry(case.question.clone())
                .or_default()
                .push(elapsed);
            all.push(elapsed);
        }
    }
    all.sort();
    println!(
        "\nLatency per graded question ({} gradings): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        all.len(),
        percentile(&all, 0.5).as_secs_f64() * 1e3,
        percentile(&all, 0.99).as_secs_f64() * 1e3,
        all.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    let mut worst: Vec<(Duration, Duration, String)> = per_question
        .into_iter()
        .map(|(q, mut times)| {
            times.sort();
            (percentile(&times, 0.99), percentile(&times, 0.5), q)
        })
        .collect();
    worst.sort_by_key(|w| std::cmp::Reverse(w.0));
    println!("Slowest questions (p50 / p99):");
    for (p99, p50, q) in worst.iter().take(if verbose { worst.len() } else { 5 }) {
        println!(
            "  {q:<52} {:.2} / {:.2} ms",
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        );
    }
    Ok(())
}

/// Grid search of the score mapping's two parameters: the one with the best exact
/// verdict agreement (ties: within-one, then order) on the labelled set, among those
/// that still let a perfect answer reach 90.
fn fit_mapping(catalog: &Catalog, cases: &[calibration::Case]) -> anyhow::Result<()> {
    use worker::grading::rubric::{FIT, Fit, grade_with};
    let mut best: Option<(f64, f64, f64, Fit)> = None;
    println!("knot  slope  exact  within-one  order");
    for knot in [0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70] {
        for slope in [0.45, 0.55, 0.65, 0.75, 0.85, 1.0] {
            // The top of the scale must stay reachable: a perfect answer maps to 90+.
            if knot + (1.0 - knot) * slope < 0.895 {
                continue;
            }
            let candidate = Fit { knot, slope };
            let outcomes = calibration::run(catalog, cases, |i| grade_with(i, candidate))?;
            let f = figures(&outcomes);
            println!(
                "{knot:.2}  {slope:.2}  {}  {}  {}",
                pct(f.exact),
                pct(f.within_one),
                pct(f.order)
            );
            let key = (f.exact, f.within_one, f.order, candidate);
            if best.is_none_or(|b| (key.0, key.1, key.2) > (b.0, b.1, b.2)) {
                best = Some(key);
            }
        }
    }
    if let Some((exact, within, order, f)) = best {
        println!(
            "\nBest: knot {:.2}, slope {:.2} (exact {}, within-one {}, order {}); in use: knot {:.2}, slope {:.2}",
            f.knot,
            f.slope,
            pct(exact),
            pct(within),
            pct(order),
            FIT.knot,
            FIT.slope
        );
    }
    Ok(())
}
