//! Everything the grader compiles once per catalog: each question's stemmed core
//! concepts, supporting signals and misconceptions, and a BM25 index over every
//! question (prompt, rubric, ideal answer, tips) used as the reference corpus for
//! relevance. Built lazily from the embedded catalog; a question found there by its
//! prompt (and identical rubric) reuses the compiled entry, anything else (a custom
//! catalog, a free-form question) is compiled on the spot.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use api::catalog::{Catalog, Criterion, Misconception};
use api::domain::report::GradingItem;

use super::lexicon::{Concept, Phrase, is_stop, stems};

const K1: f64 = 1.2;
const B: f64 = 0.75;

/// A criterion ready to match: its core concepts and supporting signals, stemmed.
#[derive(Debug, Clone)]
pub(crate) struct CompiledCriterion {
    pub(crate) core: Vec<Concept>,
    pub(crate) signals: Vec<Phrase>,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledMisconception {
    pub(crate) id: String,
    pub(crate) claim: String,
    pub(crate) correction: String,
    /// Patterns (alternatives), each a list of parts that must share a sentence.
    pub(crate) patterns: Vec<Vec<Concept>>,
}

/// One question (or follow-up) of the catalog, compiled.
#[derive(Debug)]
pub(crate) struct Entry {
    /// `track/question` of the main question (follow-ups share their parent's), so an
    /// answer that fits a sibling follow-up is not taken for off-topic.
    pub(crate) family: String,
    pub(crate) prompt: String,
    pub(crate) rubric: Vec<Criterion>,
    pub(crate) criteria: Vec<CompiledCriterion>,
    pub(crate) misconceptions: Vec<CompiledMisconception>,
    /// False for an entry compiled from a grading item that the catalog does not hold.
    pub(crate) in_catalog: bool,
    terms: HashMap<String, u32>,
    length: f64,
}

pub(crate) struct Corpus {
    entries: Vec<Arc<Entry>>,
    by_prompt: HashMap<String, usize>,
    df: HashMap<String, u32>,
    avg_length: f64,
}

pub(crate) fn compile_criterion(c: &Criterion) -> CompiledCriterion {
    CompiledCriterion {
        core: c.core_concepts().map(|alts| Concept::new(&alts)).collect(),
        signals: c.signals.iter().map(|s| Phrase::new(s)).collect(),
    }
}

fn compile_misconception(m: &Misconception) -> CompiledMisconception {
    CompiledMisconception {
        id: m.id.clone(),
        claim: m.claim.clone(),
        correction: m.correction.clone(),
        patterns: m
            .patterns()
            .map(|parts| parts.iter().map(|alts| Concept::new(alts)).collect())
            .collect(),
    }
}

fn document(
    prompt: &str,
    rubric: &[Criterion],
    ideal: &str,
    tips: &[String],
    misconceptions: &[Misconception],
) -> String {
    let mut doc = format!("{prompt}\n{prompt}\n{ideal}\n");
    for c in rubric {
        doc.push_str(&format!(
            "{}. {}. {}. {}\n",
            c.label,
            c.covers,
            c.signals.join(". "),
            c.core.join(". ")
        ));
    }
    for t in tips {
        doc.push_str(t);
        doc.push('\n');
    }
    for m in misconceptions {
        doc.push_str(&m.claim);
        doc.push('\n');
    }
    doc
}

fn term_counts(text: &str) -> (HashMap<String, u32>, f64) {
    let mut terms = HashMap::new();
    let mut length = 0.0;
    for s in stems(text) {
        if is_stop(&s) || s.len() < 2 {
            continue;
        }
        length += 1.0;
        *terms.entry(s).or_insert(0) += 1;
    }
    (terms, length)
}

#[allow(clippy::too_many_arguments)]
fn entry(
    family: String,
    prompt: &str,
    rubric: &[Criterion],
    ideal: &str,
    tips: &[String],
    misconceptions: &[Misconception],
) -> Entry {
    let (terms, length) = term_counts(&document(prompt, rubric, ideal, tips, misconceptions));
    Entry {
        family,
        prompt: prompt.to_owned(),
        rubric: rubric.to_vec(),
        criteria: rubric.iter().map(compile_criterion).collect(),
        misconceptions: misconceptions.iter().map(compile_misconception).collect(),
        in_catalog: true,
        terms,
        length,
    }
}

impl Corpus {
    pub(crate) fn build(catalog: &Catalog) -> Self {
        let mut entries = Vec::new();
        for track in catalog.tracks() {
            for q in &track.questions {
                let family = format!("{}/{}", track.id, q.id);
                entries.push(Arc::new(entry(
                    family.clone(),
                    &q.prompt,
                    &q.rubric,
                    &q.ideal_answer,
                    &q.tips,
                    &q.misconceptions,
                )));
                for f in &q.follow_ups {
                    entries.push(Arc::new(entry(
                        family.clone(),
                        &f.prompt,
                        &f.rubric,
                        &f.ideal_answer,
                        &f.tips,
                        &f.misconceptions,
                    )));
                }
            }
        }
        let mut df: HashMap<String, u32> = HashMap::new();
        for e in &entries {
            for t in e.terms.keys() {
                *df.entry(t.clone()).or_insert(0) += 1;
            }
        }
        let total: f64 = entries.iter().map(|e| e.length).sum();
        #[allow(clippy::cast_precision_loss)]
        let avg_length = if entries.is_empty() {
            1.0
        } else {
            total / entries.len() as f64
        };
        let by_prompt = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.prompt.clone(), i))
            .collect();
        Self {
            entries,
            by_prompt,
            df,
            avg_length: avg_length.max(1.0),
        }
    }

    /// The compiled entry of an item: the catalog's when the prompt and rubric match,
    /// else one compiled from the item itself.
    pub(crate) fn entry_for(&self, item: &GradingItem) -> Arc<Entry> {
        if let Some(&i) = self.by_prompt.get(&item.prompt)
            && self.entries[i].rubric == item.rubric
        {
            return Arc::clone(&self.entries[i]);
        }
        let mut own = entry(
            format!("(item {})", item.position),
            &item.prompt,
            &item.rubric,
            item.ideal_answer.as_deref().unwrap_or_default(),
            &item.tips,
            &[],
        );
        own.in_catalog = false;
        Arc::new(own)
    }

    fn idf(&self, term: &str) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let n = self.entries.len() as f64;
        let df = f64::from(self.df.get(term).copied().unwrap_or(0));
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    fn bm25(&self, query: &[(String, f64)], doc: &Entry) -> f64 {
        query
            .iter()
            .map(|(t, idf)| {
                let tf = f64::from(doc.terms.get(t).copied().unwrap_or(0));
                if tf == 0.0 {
                    0.0
                } else {
                    idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * doc.length / self.avg_length))
                }
            })
            .sum()
    }

    /// How well `answer` fits its own question compared with every other question of
    /// the catalog.
    pub(crate) fn relevance(&self, answer: &str, own: &Entry) -> Relevance {
        let mut query: Vec<(String, f64)> = Vec::new();
        for s in stems(answer) {
            if !is_stop(&s) && s.len() >= 2 && !query.iter().any(|(t, _)| *t == s) {
                let idf = self.idf(&s);
                query.push((s, idf));
            }
        }
        let possible: f64 = query.iter().map(|(_, idf)| idf).sum();
        let own_score = self.bm25(&query, own);
        let mut best_other: Option<(f64, &str)> = None;
        for e in &self.entries {
            if e.family == own.family || e.prompt == own.prompt {
                continue;
            }
            let s = self.bm25(&query, e);
            if best_other.is_none_or(|(b, _)| s > b) {
                best_other = Some((s, e.prompt.as_str()));
            }
        }
        Relevance {
            own: own_score,
            // Per unit of the answer's vocabulary weight: low when little of what the
            // answer says belongs to its question.
            density: if possible > 0.0 { own_score / possible } else { 0.0 },
            best_other: best_other.map_or(0.0, |b| b.0),
            other_prompt: best_other.map(|b| b.1.to_owned()),
        }
    }
}

/// The relevance figures of one answer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Relevance {
    pub(crate) own: f64,
    pub(crate) density: f64,
    pub(crate) best_other: f64,
    pub(crate) other_prompt: Option<String>,
}

/// The corpus of the embedded catalog, built on first use.
pub(crate) fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| match Catalog::embedded() {
        Ok(catalog) => Corpus::build(&catalog),
        // The service refuses to start with a broken catalog; an empty corpus here
        // only means relevance is judged against the question alone.
        Err(_) => Corpus {
            entries: Vec::new(),
            by_prompt: HashMap::new(),
            df: HashMap::new(),
            avg_length: 1.0,
        },
    })
}
