//! Coverage of one rubric criterion: core concepts and supporting signals per sentence when the
//! criterion has core concepts, distinct signals over the whole answer otherwise.

use super::*;

/// A criterion with core concepts: a core concept must be stated; supporting signals
/// count only in a sentence that states one. Evidence is the whole sentence.
pub(super) fn evaluate_core_criterion(
    raw: &str,
    sentences: &[lexicon::Sentence],
    c: &Criterion,
    compiled: &corpus::CompiledCriterion,
) -> CriterionEval {
    let mut concepts_found: Vec<&str> = Vec::new();
    let mut signals_found: Vec<&str> = Vec::new();
    let mut quotes: Vec<String> = Vec::new();
    for s in sentences.iter().filter(|s| !s.is_header(raw)) {
        let here: Vec<&lexicon::Phrase> = compiled
            .core
            .iter()
            .filter_map(|concept| concept.find(&s.words).map(|(_, p)| p))
            .collect();
        if here.is_empty() {
            continue;
        }
        for (concept, phrase) in compiled.core.iter().zip(&c.core) {
            if concept.find(&s.words).is_some() && !concepts_found.contains(&phrase.as_str()) {
                concepts_found.push(phrase);
            }
        }
        for (signal, text) in compiled.signals.iter().zip(&c.signals) {
            if signal.find(&s.words).is_some() && !signals_found.contains(&text.as_str()) {
                signals_found.push(text);
            }
        }
        let q = quote(s.text(raw));
        if quotes.len() < 3 && !quotes.contains(&q) {
            quotes.push(q);
        }
    }
    let core_needed = (compiled.core.len() as f64 * 0.5).ceil().max(1.0);
    let core = (concepts_found.len() as f64 / core_needed).min(1.0);
    let support = (signals_found.len() as f64 / f64::from(c.min_signals.max(1))).min(1.0);
    let score = if concepts_found.is_empty() {
        0.0
    } else {
        0.6 * core + 0.4 * support
    };
    let evidence = concepts_found
        .iter()
        .map(|c| lexicon_first(c))
        .chain(signals_found.iter().map(|s| (*s).to_owned()))
        .collect();
    CriterionEval {
        key: c.key.clone(),
        label: c.label.clone(),
        weight: c.weight,
        covers: c.covers.trim().trim_end_matches('.').to_owned(),
        score,
        evidence,
        quotes,
    }
}

/// The first phrasing of a `|`-separated core concept.
pub(super) fn lexicon_first(concept: &str) -> String {
    api::catalog::split_alternatives(concept)
        .first()
        .map_or_else(String::new, |s| (*s).to_owned())
}

pub(super) fn evaluate_criterion(a: &Answer, c: &Criterion) -> CriterionEval {
    let evidence: Vec<String> = c.signals.iter().filter(|s| a.mentions(s)).cloned().collect();
    let needed = c.min_signals.max(1) as f64;
    let score = (evidence.len() as f64 / needed).min(1.0);
    let surfaces: Vec<String> = evidence.iter().map(|s| a.surface(s)).collect();
    let mut quotes: Vec<String> = Vec::new();
    for (i, s) in surfaces.iter().enumerate() {
        let lower = s.to_lowercase();
        let inside_longer = surfaces
            .iter()
            .enumerate()
            .any(|(j, other)| j != i && other.len() > s.len() && other.to_lowercase().contains(&lower));
        if !inside_longer && !quotes.iter().any(|q| q.to_lowercase() == lower) {
            quotes.push(s.clone());
        }
    }
    CriterionEval {
        key: c.key.clone(),
        label: c.label.clone(),
        weight: c.weight,
        covers: c.covers.trim().trim_end_matches('.').to_owned(),
        score,
        evidence,
        quotes,
    }
}
