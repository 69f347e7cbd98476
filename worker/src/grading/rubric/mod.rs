//! The rubric grader: scores an interview against the catalog's rubrics without a model.
//!
//! It is pure and deterministic (no clock, randomness, I/O or hash-map ordering), so the
//! same transcript always earns the same report, and every number can be explained from
//! the answer's text. All phrase matching goes through the shared [`Text`] matcher, so
//! grading agrees with the follow-up triggers.
//!
//! # Scoring model
//!
//! Each answer gets component scores between 0 and 1:
//!
//! - **coverage**: for every rubric criterion, `min(1, distinct signals / min_signals)`;
//!   the weighted mean over criteria;
//! - **structure**: the phases expected for the question's kind (system design:
//!   requirements → scale estimates → high-level design → deep dive → trade-offs;
//!   behavioral: situation → own role → actions → measurable result → reflection;
//!   technical and system-design follow-ups: core concept → example → edge cases →
//!   trade-offs), scored 60% for presence, 25% for their order and 15% for signposting
//!   (numbered points, paragraphs, "first… then… finally");
//! - **estimates** (system design only): distinct quantities with a unit, rate, ratio or
//!   magnitude; four earn full credit;
//! - **trade-offs**: explicit trade-off language (one strong marker 0.6, two 1.0);
//! - **depth**: length against what the expected minutes warrant (60%) and reasoning
//!   connectors such as "because" or "which means" (40%);
//! - **clarity**: sentence length, hedging and, for long answers, visible organisation;
//! - **timing**: under 50% of the expected time is `Rushed`, over 175% is `Long`.
//!
//! The question score is a weighted mean of the components that apply (see
//! [`Weights`]); structure, estimates, trade-offs and depth only count in full once the
//! answer touches the rubric (the relevance gate), so a well-organised answer about the
//! wrong topic cannot score well. An empty answer scores 0; one of fewer than
//! [`TOO_SHORT_WORDS`] words at most 10. The interview score is the mean of the question
//! scores weighted by expected minutes.

mod coherence;
mod corpus;
mod correctness;
mod lexicon;

use api::catalog::matching::{self, Text};
use api::catalog::{Criterion, QuestionKind};
use api::domain::report::{
    Assessment, CriterionResult, Dimension, GraderInfo, GradingInput, GradingItem, QuestionReport, Timing,
    Verdict,
};

pub const RUBRIC_VERSION: &str = "rubric-v2";

/// The score mapping fitted on the calibration set (`calibrate -- --fit`): question
/// scores up to `knot` are kept, the part above it is scaled by `slope`, so the top of
/// the scale is earned rather than reached by any complete-looking answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    pub knot: f64,
    pub slope: f64,
}

pub const FIT: Fit = Fit {
    knot: 0.40,
    slope: 0.85,
};

impl Fit {
    fn apply(self, score: f64) -> f64 {
        if score <= self.knot {
            score
        } else {
            self.knot + (score - self.knot) * self.slope
        }
    }
}

/// Relevance (BM25 over the catalog): an answer is off topic when another question fits
/// it far better than its own, or somewhat better while little of its vocabulary
/// belongs to its own question, or when almost none of it does.
const OFF_TOPIC_RATIO: f64 = 2.0;
const OFF_TOPIC_WEAK_RATIO: f64 = 1.2;
const OFF_TOPIC_WEAK_DENSITY: f64 = 0.2;
const OFF_TOPIC_DENSITY: f64 = 0.08;
/// Caps and costs of what the checks find (question score, 0–1).
const OFF_TOPIC_CAP: f64 = 0.25;
const IMPLAUSIBLE_SPEED_CAP: f64 = 0.45;
const MISCONCEPTION_COST: f64 = 0.15;
const ONE_MISCONCEPTION_CAP: f64 = 0.54;
const MISCONCEPTIONS_CAP: f64 = 0.30;
const INCOHERENT_FACTOR: f64 = 0.55;
const REPEATED_FACTOR: f64 = 0.5;
/// `strong` or above needs every heavy criterion at least this covered.
const HEAVY_COVERED: f64 = 0.5;
const HEAVY_MISSING_CAP: f64 = 0.69;

/// A whole sentence of the answer as evidence: bullets and numbering stripped, cut at a
/// word boundary when long.
pub(crate) fn quote(sentence: &str) -> String {
    const MAX: usize = 180;
    let t = sentence
        .trim()
        .trim_start_matches(|c: char| c == '-' || c == '*' || c == '•' || c.is_whitespace());
    let t = match t.split_once(". ") {
        Some((n, rest)) if !n.is_empty() && n.len() <= 2 && n.chars().all(|c| c.is_ascii_digit()) => rest,
        _ => t,
    };
    let t = t.trim();
    if t.len() <= MAX {
        return t.to_owned();
    }
    let mut cut = MAX;
    while !t.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &t[..cut];
    let head = head.rsplit_once(' ').map_or(head, |(h, _)| h);
    format!("{}…", head.trim_end_matches(|c: char| !c.is_alphanumeric()))
}

/// An answer of at least this many phrases averaging fewer words than the next is a list
/// of terms, not an explanation: its components earn this share of their credit.
const LIST_MIN_PHRASES: usize = 6;
const LIST_PHRASE_WORDS: f64 = 3.0;
const LIST_CREDIT: f64 = 0.5;
/// Answers shorter than this are too short to assess; their score is capped.
const TOO_SHORT_WORDS: usize = 8;
const TOO_SHORT_CAP: f64 = 0.10;
/// Below this share of the expected time an answer is rushed; above the next, long.
const RUSHED_BELOW: f64 = 0.6;
const LONG_ABOVE: f64 = 1.5;
/// Distinct quantities that earn full estimation credit in a system design.
const ESTIMATES_FOR_FULL_CREDIT: f64 = 4.0;
/// Expected minutes assumed for a question that states none (free-form).
const DEFAULT_MINUTES: u32 = 5;
/// A criterion at or above this score counts as covered; below the next, as missing.
const COVERED: f64 = 0.99;
const MISSING_BELOW: f64 = 0.5;
/// A behavioral story without a result loses this many points of its question on top of
/// the structure credit, when improvements are ranked (results are what interviewers
/// remember).
const RESULT_EMPHASIS: f64 = 12.0;

/// Component weights of the question score, in points out of 100 before the
/// components that do not apply are dropped and the rest renormalised.
#[derive(Debug, Clone, Copy)]
struct Weights {
    coverage: f64,
    structure: f64,
    estimates: f64,
    trade_offs: f64,
    depth: f64,
    clarity: f64,
    timing: f64,
}

const DESIGN_WEIGHTS: Weights = Weights {
    coverage: 40.0,
    structure: 20.0,
    estimates: 10.0,
    trade_offs: 10.0,
    depth: 15.0,
    clarity: 0.0,
    timing: 10.0,
};
const TECHNICAL_WEIGHTS: Weights = Weights {
    coverage: 50.0,
    structure: 15.0,
    estimates: 0.0,
    trade_offs: 10.0,
    depth: 20.0,
    clarity: 0.0,
    timing: 10.0,
};
const BEHAVIORAL_WEIGHTS: Weights = Weights {
    coverage: 45.0,
    structure: 30.0,
    estimates: 0.0,
    trade_offs: 0.0,
    depth: 20.0,
    clarity: 0.0,
    timing: 10.0,
};
const FREE_FORM_WEIGHTS: Weights = Weights {
    coverage: 40.0,
    structure: 35.0,
    estimates: 0.0,
    trade_offs: 0.0,
    depth: 35.0,
    clarity: 25.0,
    timing: 10.0,
};

// ---------------------------------------------------------------------------
// Lexicons. Phrases follow the matcher's rules: whole words, plural s/es accepted.

#[rustfmt::skip]
const REQUIREMENTS: &[&str] = &[
    "requirement", "functional", "non-functional", "nonfunctional", "scope", "scoping", "use case", "clarify",
    "clarifying", "assume", "assumption", "business goal", "goals", "constraint", "out of scope", "sla",
    "slo", "pain point", "user stories", "must support", "should support", "needs to support",
];
#[rustfmt::skip]
const ESTIMATION: &[&str] = &[
    "estimate", "estimation", "back of the envelope", "back-of-envelope", "per second", "qps", "rps",
    "throughput", "capacity", "bandwidth", "headcount", "sizing",
];
#[rustfmt::skip]
const HIGH_LEVEL: &[&str] = &[
    "high-level", "high level", "architecture", "component", "load balancer", "api gateway", "database",
    "datastore", "data store", "key-value", "kv store", "write path", "read path", "data model", "schema",
    "queue", "kafka", "cache", "redis", "cdn", "stateless", "service", "microservice", "web server",
    "app server", "object storage", "s3", "pipeline", "ingestion", "worker", "team structure",
    "platform team", "stream-aligned",
];
#[rustfmt::skip]
const DEEP_DIVE_EXPLICIT: &[&str] = &[
    "deep dive", "deep-dive", "dive into", "drill into", "zoom in", "in detail", "in more detail", "dig into",
    "digging into", "closer look",
];
#[rustfmt::skip]
const DEEP_DIVE_MECHANISMS: &[&str] = &[
    "bottleneck", "hot spot", "hotspot", "hot key", "failure mode", "edge case", "partitioning",
    "replication", "consistency", "collision", "eviction", "concurrency", "race condition", "idempotent",
    "idempotency", "failover", "backpressure", "rate limit", "rebalancing", "consistent hashing",
    "exactly-once", "at-least-once", "dedupe", "retry",
];
#[rustfmt::skip]
const TRADE_OFF_STRONG: &[&str] = &[
    "trade-off", "tradeoff", "trade off", "trades off", "downside", "drawback", "at the cost of",
    "the cost is", "it costs", "the price", "versus", "vs", "instead of", "on the other hand",
    "pros and cons", "pros", "cons", "in exchange for", "at the expense of", "rather than", "compared to",
    "compared with", "alternatively", "the alternative", "sacrifice", "more expensive", "cheaper", "give up",
    "trading", "cost", "price", "slower", "more complex",
];
#[rustfmt::skip]
const TRADE_OFF_WEAK: &[&str] = &[
    "however", "whereas", "although", "the catch", "the risk", "the problem with", "on the flip side",
    "but it", "but the",
];
#[rustfmt::skip]
const CONNECTORS: &[&str] = &[
    "because", "so that", "which means", "this means", "that means", "therefore", "thus", "hence", "since",
    "as a result", "that way", "this way", "in order to", "otherwise", "which lets", "which gives",
    "which keeps", "which avoids", "which is why", "that's why", "so we", "so the", "so it", "so each",
    "so a", "so only", "so nobody", "so readers", "so consumers", "the reason", "due to", "given that",
    "to avoid", "to prevent", "consequently", "in turn", "so", "means", "prevents", "ensures", "guarantees",
    "avoids", "if",
];
#[rustfmt::skip]
const SIGNPOSTS: &[&str] = &[
    "first", "firstly", "second", "secondly", "third", "then", "next", "finally", "lastly", "after that",
    "to start", "start with", "to summarize", "to summarise", "in summary", "overall", "step",
];
#[rustfmt::skip]
const WRAP_UPS: &[&str] = &[
    "in summary", "to summarize", "to summarise", "to sum up", "overall", "in short", "in conclusion",
    "the bottom line", "ultimately", "for example", "for instance",
];
#[rustfmt::skip]
const HEDGES: &[&str] = &[
    "um", "uh", "erm", "maybe", "kind of", "sort of", "basically", "you know", "i guess", "not sure",
    "whatever", "stuff", "or something", "i think", "probably",
];
#[rustfmt::skip]
const SITUATION: &[&str] = &[
    "situation", "context", "background", "at my last", "at my previous", "at my current", "in my last",
    "in my previous", "when i was", "last year", "years ago", "we had", "we were", "our team", "my team",
    "there was", "project", "incident", "deadline", "launch", "company", "customers", "the team",
];
#[rustfmt::skip]
const OWN_ROLE: &[&str] = &[
    "my role", "my job", "my responsibility", "i was responsible", "responsible for", "i owned", "i was the",
    "i was asked", "i was leading", "as the", "tech lead", "incident lead", "incident commander", "my task",
    "the task", "my goal", "our goal", "the goal", "i needed to", "i had to", "on-call", "on call",
    "i was on", "i managed", "i led", "i took", "i was", "i stepped", "i volunteered", "responsible",
    "accountable", "in charge", "my part", "owner",
];
#[rustfmt::skip]
const RESULT: &[&str] = &[
    "result", "as a result", "outcome", "in the end", "ended up", "eventually", "afterwards", "since then",
    "impact", "reduced", "increased", "improved", "cut", "dropped", "saved", "shipped", "launched",
    "delivered", "went from", "down from", "up from", "never happened again", "no repeat", "fell", "grew",
    "succeeded", "adopted",
];
#[rustfmt::skip]
const MEASURABLE_WORDS: &[&str] = &[
    "halved", "doubled", "tripled", "by half", "twice", "zero", "no repeat", "percent",
];
#[rustfmt::skip]
const REFLECTION: &[&str] = &[
    "i learned", "i learnt", "learned", "lesson", "in hindsight", "looking back", "next time", "differently",
    "i realized", "i realised", "takeaway", "i would", "i'd", "i now", "since then i", "my mistake",
];
/// Tokens after "I" that do not describe an action ("I was", "I think", "I'd"…).
#[rustfmt::skip]
const NOT_ACTIONS: &[&str] = &[
    "was", "am", "m", "d", "ve", "ll", "think", "believe", "guess", "feel", "would", "could", "might",
    "should", "mean", "suppose", "don", "didn", "wasn", "wouldn", "can", "will", "have", "had", "e",
    "learned", "learnt", "realized", "realised", "hope", "like", "love", "know", "wanted",
];
#[rustfmt::skip]
const CONCEPT: &[&str] = &[
    "means", "is when", "is that", "works by", "the idea", "the key", "the core", "the problem", "the issue",
    "root cause", "essentially", "in short", "definition", "defined", "the goal", "diagnose", "diagnosis",
    "the reason", "never assume", "first", "start by", "start with", "define", "what it is", "why it",
    "the point", "the trick", "in a nutshell", "the answer is",
];
#[rustfmt::skip]
const EXAMPLE: &[&str] = &[
    "for example", "for instance", "e g", "such as", "in practice", "in production", "at my", "at our",
    "we used", "i used", "we had", "we did", "in my experience", "in my last", "last year", "real-world",
    "real world", "imagine", "suppose", "say", "consider", "in our case", "we once", "i once", "when we",
];
#[rustfmt::skip]
const EDGE_CASES: &[&str] = &[
    "edge case", "corner case", "failure", "fails", "failing", "failure mode", "crash", "crashed", "timeout",
    "retry", "retries", "race", "race condition", "what if", "what happens", "pitfall", "gotcha",
    "worst case", "fallback", "rollback", "roll back", "outage", "stale", "duplicate", "concurrent",
    "partial", "otherwise", "unless", "caveat", "careful", "watch out", "breaks", "error",
];
/// Words that, right after a number, make it a quantity (plural s/es accepted).
#[rustfmt::skip]
const UNITS: &[&str] = &[
    // magnitudes
    "k", "m", "b", "bn", "mm", "thousand", "million", "billion", "trillion", "hundred", "percent", "pct", "x",
    // time
    "ms", "millisecond", "s", "sec", "second", "min", "minute", "h", "hr", "hour", "day", "week", "month",
    "year", "yr", "quarter", "sprint",
    // size
    "bit", "byte", "kb", "mb", "gb", "tb", "pb", "kib", "mib", "gib", "tib", "char", "character",
    // things that get counted or rated
    "qps", "rps", "tps", "req", "request", "write", "read", "redirect", "event", "message", "msg", "call",
    "query", "queries", "transaction", "txn", "click", "view", "order", "payment", "login", "user", "dau",
    "mau", "customer", "row", "record", "link", "url", "item", "file", "partition", "shard", "node", "server",
    "instance", "machine", "replica", "core", "cpu", "connection", "tenant", "engineer", "hire", "team",
    "manager", "interview", "loop", "people", "person", "seller", "buyer", "page", "image", "post", "object",
    "key", "job", "task", "worker", "region", "pod", "container", "dollar", "usd", "eur", "cent", "incident",
    "alert", "ticket", "deploy", "deployment", "release", "point", "step",
];
#[rustfmt::skip]
const TIME_UNITS: &[&str] = &[
    "second", "sec", "minute", "min", "hour", "day", "week", "month", "year", "quarter",
];

// ---------------------------------------------------------------------------
// The answer, tokenised once.

struct Answer<'a> {
    raw: &'a str,
    text: Text,
    /// Byte ranges of the matcher's tokens in `raw`, index for index.
    spans: Vec<(usize, usize)>,
}

impl<'a> Answer<'a> {
    fn new(raw: &'a str) -> Self {
        let text = Text::new(raw);
        let mut spans = token_spans(raw);
        if spans.len() != text.word_count() {
            // Cannot happen with the matcher's tokenizer; quoting falls back to phrases.
            spans.clear();
        }
        Self { raw, text, spans }
    }

    fn words(&self) -> usize {
        self.text.word_count()
    }

    fn tokens(&self) -> &[String] {
        self.text.tokens()
    }

    fn mentions(&self, phrase: &str) -> bool {
        self.text.mentions(phrase)
    }

    /// The phrases of `lexicon` the answer mentions, in lexicon order.
    fn found<'p>(&self, lexicon: &[&'p str]) -> Vec<&'p str> {
        lexicon
            .iter()
            .copied()
            .filter(|p| self.text.mentions(p))
            .collect()
    }

    /// Total occurrences of the lexicon's phrases.
    fn occurrences(&self, lexicon: &[&str]) -> usize {
        lexicon.iter().map(|p| self.text.count(p)).sum()
    }

    fn first(&self, lexicon: &[&str]) -> Option<usize> {
        self.text.first_position(lexicon)
    }

    /// The candidate's own wording of the first occurrence of `phrase`.
    fn surface(&self, phrase: &str) -> String {
        let n = matching::tokens(phrase).len();
        match self.text.first_position(&[phrase]) {
            Some(i) if n > 0 && i + n <= self.spans.len() => {
                let (start, _) = self.spans[i];
                let (_, end) = self.spans[i + n - 1];
                self.raw[start..end].to_owned()
            }
            _ => phrase.to_owned(),
        }
    }
}

/// The candidate's wording of each phrase, without case-insensitive duplicates.
fn surfaces(a: &Answer, phrases: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in phrases {
        let surface = a.surface(p);
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&surface)) {
            out.push(surface);
        }
    }
    out
}

/// Byte ranges of the runs of alphanumeric characters: the matcher's tokens.
fn token_spans(s: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(st) = start.take() {
            spans.push((st, i));
        }
    }
    if let Some(st) = start {
        spans.push((st, s.len()));
    }
    spans
}

// ---------------------------------------------------------------------------
// Quantities: numbers with a unit, rate, ratio or magnitude.

struct Quantity {
    text: String,
    token: usize,
    /// The amount with its magnitude (100M → 1e8); `None` for ratios and powers.
    value: Option<f64>,
}

fn magnitude(token: &str) -> f64 {
    match token {
        "k" | "thousand" | "thousands" => 1e3,
        "m" | "mm" | "million" | "millions" => 1e6,
        "b" | "bn" | "billion" | "billions" => 1e9,
        "trillion" | "trillions" => 1e12,
        _ => 1.0,
    }
}

fn split_number(token: &str) -> (&str, &str) {
    let digits = token.bytes().take_while(u8::is_ascii_digit).count();
    token.split_at(digits)
}

fn is_unit(token: &str) -> bool {
    UNITS
        .iter()
        .any(|u| token == *u || token.strip_prefix(u).is_some_and(|r| r == "s" || r == "es"))
}

fn is_time_unit(token: &str) -> bool {
    TIME_UNITS
        .iter()
        .any(|u| token == *u || token.strip_prefix(u).is_some_and(|r| r == "s"))
}

/// Distinct quantities of the answer, in order of appearance.
fn quantities(a: &Answer) -> Vec<Quantity> {
    let toks = a.tokens();
    let spans = &a.spans;
    let raw = a.raw;
    let mut out: Vec<Quantity> = Vec::new();
    if spans.len() != toks.len() {
        return out;
    }
    let gap = |i: usize| &raw[spans[i].1..spans[i + 1].0];
    let blank = |g: &str| !g.is_empty() && g.chars().all(|c| c == ' ' || c == '\t');
    let mut i = 0;
    while i < toks.len() {
        let (digits, first_suffix) = split_number(&toks[i]);
        if digits.is_empty() || first_suffix.bytes().any(|b| b.is_ascii_digit()) {
            i += 1;
            continue;
        }
        let mut value: f64 = digits.parse().unwrap_or(0.0);
        let mut suffix = first_suffix.to_owned();
        let mut strong = false;
        let mut relational = false;
        let mut end = i;
        // Joined numerals: 1,200 · 3.5 · 100:1 · 62^7 · 5-30.
        while suffix.is_empty() && end + 1 < toks.len() {
            let (nd, ns) = split_number(&toks[end + 1]);
            if nd.is_empty() || ns.bytes().any(|b| b.is_ascii_digit()) {
                break;
            }
            let next: f64 = nd.parse().unwrap_or(0.0);
            match gap(end) {
                "," if nd.len() == 3 => {
                    value = value * 1000.0 + next;
                    strong = true;
                }
                "." => {}
                ":" | "^" => {
                    strong = true;
                    relational = true;
                }
                "-" | "–" => value = value.max(next),
                _ => break,
            }
            end += 1;
            suffix = ns.to_owned();
        }
        let before = raw[..spans[i].0].chars().next_back();
        let mut after_end = spans[end].1;
        let after = raw[after_end..].chars().next();
        if before == Some('(') && after == Some(')') && value <= 20.0 && suffix.is_empty() {
            i = end + 1;
            continue;
        }
        let currency = matches!(before, Some('$' | '€' | '£'));
        let approx = matches!(before, Some('~' | '≈'));
        let percent = after == Some('%');
        if percent {
            after_end += '%'.len_utf8();
        }
        let mut unit = !suffix.is_empty() && is_unit(&suffix);
        let mut scale = magnitude(&suffix);
        if !suffix.is_empty() && !unit {
            // "3rd", "2fa": not a quantity.
            i = end + 1;
            continue;
        }
        if !percent {
            // Up to two unit words: "100 million URLs", "90 TB".
            let mut taken = 0;
            while taken < 2 && end + 1 < toks.len() && (blank(gap(end)) || gap(end) == "-") {
                if is_unit(&toks[end + 1]) {
                    end += 1;
                    taken += 1;
                    unit = true;
                    if scale == 1.0 {
                        scale = magnitude(&toks[end]);
                    }
                } else {
                    break;
                }
            }
            after_end = spans[end].1;
            // A rate: "per second", "/sec", "a day".
            if end + 1 < toks.len() {
                let g = gap(end);
                let per = toks[end + 1] == "per" || toks[end + 1] == "each" || toks[end + 1] == "every";
                let per_time = toks[end + 1] == "a" && end + 2 < toks.len() && is_time_unit(&toks[end + 2]);
                if g.trim() == "/" {
                    end += 1;
                    unit = true;
                } else if blank(g) && (per || per_time) && end + 2 < toks.len() {
                    end += 2;
                    unit = true;
                }
                after_end = spans[end].1;
            }
        }
        let year = digits.len() == 4 && !strong && (1900.0..=2100.0).contains(&value);
        let quantity = unit || percent || strong || currency || approx || (value >= 1000.0 && !year);
        if quantity {
            let start = if currency {
                spans[i].0 - before.map_or(0, char::len_utf8)
            } else {
                spans[i].0
            };
            let text = raw[start..after_end].to_owned();
            if !out.iter().any(|q| q.text.eq_ignore_ascii_case(&text)) {
                let value = (!relational).then_some(value * scale);
                out.push(Quantity {
                    text,
                    token: i,
                    value,
                });
            }
        }
        i = end + 1;
    }
    out
}

// ---------------------------------------------------------------------------
// Clarity and layout.

#[derive(Debug, Clone, Default)]
struct Clarity {
    sentences: usize,
    avg_sentence: f64,
    longest: usize,
    hedges: Vec<String>,
    hedge_count: usize,
    score: f64,
}

/// Word counts of the sentences (split at . ! ? followed by a space, and at line breaks).
fn sentence_lengths(raw: &str) -> Vec<usize> {
    let mut lengths = Vec::new();
    let mut start = 0;
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let ends = c == '\n' || (matches!(c, '.' | '!' | '?') && next.is_none_or(char::is_whitespace));
        if ends {
            let n = matching::tokens(&raw[start..i]).len();
            if n > 0 {
                lengths.push(n);
            }
            start = i + c.len_utf8();
        }
    }
    let n = matching::tokens(&raw[start..]).len();
    if n > 0 {
        lengths.push(n);
    }
    lengths
}

/// Average words per phrase, splitting at sentence ends, line breaks and , ; : (when
/// followed by a space), with the number of phrases. Prose runs at 5+ words a phrase; a
/// list of keywords at 1–2.
fn phrase_lengths(raw: &str) -> (f64, usize) {
    let mut lengths = Vec::new();
    let mut start = 0;
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let ends = c == '\n'
            || (matches!(c, '.' | '!' | '?' | ',' | ';' | ':') && next.is_none_or(char::is_whitespace));
        if ends {
            lengths.push(matching::tokens(&raw[start..i]).len());
            start = i + c.len_utf8();
        }
    }
    lengths.push(matching::tokens(&raw[start..]).len());
    lengths.retain(|&n| n > 0);
    let total: usize = lengths.iter().sum();
    (total as f64 / lengths.len().max(1) as f64, lengths.len())
}

/// Numbered or bulleted points and "(1)" markers.
fn enumerations(raw: &str) -> usize {
    let line_markers = raw
        .lines()
        .map(str::trim_start)
        .filter(|l| {
            let digits = l.bytes().take_while(u8::is_ascii_digit).count();
            l.starts_with("- ")
                || l.starts_with("* ")
                || l.starts_with("• ")
                || (digits > 0 && matches!(l.as_bytes().get(digits), Some(b'.' | b')')))
        })
        .count();
    let bytes = raw.as_bytes();
    let mut inline = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'(' {
            let digits = bytes[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if (1..=2).contains(&digits) && bytes.get(i + 1 + digits) == Some(&b')') {
                inline += 1;
            }
        }
    }
    line_markers + inline
}

fn paragraphs(raw: &str) -> usize {
    raw.lines().filter(|l| !l.trim().is_empty()).count()
}

fn signposting(a: &Answer) -> f64 {
    let markers = a.found(SIGNPOSTS).len() + enumerations(a.raw) + paragraphs(a.raw).saturating_sub(1);
    (markers as f64 / 3.0).min(1.0)
}

fn clarity(a: &Answer, signpost: f64) -> Clarity {
    let words = a.words();
    if words == 0 {
        return Clarity::default();
    }
    let lengths = sentence_lengths(a.raw);
    let sentences = lengths.len().max(1);
    let avg = words as f64 / sentences as f64;
    let longest = lengths.iter().copied().max().unwrap_or(words);
    let mut sentence_score = if avg < 8.0 {
        (0.6 + 0.4 * (avg - 3.0) / 5.0).clamp(0.6, 1.0)
    } else if avg <= 24.0 {
        1.0
    } else {
        (1.0 - (avg - 24.0) / 40.0).max(0.3)
    };
    if longest > 60 {
        sentence_score = (sentence_score - 0.15).max(0.0);
    }
    let hedges: Vec<String> = a.found(HEDGES).into_iter().map(|h| a.surface(h)).collect();
    let hedge_count = a.occurrences(HEDGES);
    let per_hundred = hedge_count as f64 * 100.0 / words as f64;
    let hedge_score = (1.0 - per_hundred / 8.0).max(0.0);
    let organisation = if words > 150 && signpost < 0.34 { 0.5 } else { 1.0 };
    let brevity = (words as f64 / 25.0).min(1.0);
    Clarity {
        sentences,
        avg_sentence: avg,
        longest,
        hedges,
        hedge_count,
        score: (0.5 * sentence_score + 0.25 * hedge_score + 0.25 * organisation) * brevity,
    }
}

// ---------------------------------------------------------------------------
// Structure.

/// How an answer is judged, from its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    /// A main system design question.
    Design,
    /// A technical question, or a focused follow-up inside a system design.
    Technical,
    Behavioral,
    /// No catalog entry: structure, depth and clarity alone.
    FreeForm,
}

impl Profile {
    fn of(item: &GradingItem) -> Self {
        match item.kind {
            Some(QuestionKind::SystemDesign) if !item.is_follow_up => Self::Design,
            Some(QuestionKind::SystemDesign | QuestionKind::Technical) => Self::Technical,
            Some(QuestionKind::Behavioral) => Self::Behavioral,
            None => Self::FreeForm,
        }
    }

    fn weights(self) -> Weights {
        match self {
            Self::Design => DESIGN_WEIGHTS,
            Self::Technical => TECHNICAL_WEIGHTS,
            Self::Behavioral => BEHAVIORAL_WEIGHTS,
            Self::FreeForm => FREE_FORM_WEIGHTS,
        }
    }
}

/// The shape an answer is expected to take, which decides its structure phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// requirements → estimates → high-level design → deep dive → trade-offs
    Design,
    /// core concept → example → edge cases → trade-offs
    Approach,
    /// situation → role → actions → measurable result → reflection
    Story,
    /// no expected phases: signposting, a conclusion
    Free,
}

impl Shape {
    fn flow(self) -> &'static str {
        match self {
            Self::Design => "requirements → scale estimates → high-level design → deep dive → trade-offs",
            Self::Approach => "core concept → concrete example → failure modes and edge cases → trade-offs",
            Self::Story => "situation → your role → what you did → measurable result → what you learned",
            Self::Free => "a direct answer → numbered points → a conclusion",
        }
    }
}

#[derive(Debug, Clone)]
struct Phase {
    name: &'static str,
    /// 0–1: how clearly the phase is there.
    presence: f64,
    /// Token index where it starts.
    pos: Option<usize>,
}

impl Phase {
    fn new(name: &'static str, presence: f64, pos: Option<usize>) -> Self {
        Self {
            name,
            presence: if pos.is_some() { presence } else { 0.0 },
            pos,
        }
    }

    fn present(&self) -> bool {
        self.presence >= 0.5
    }
}

fn min_pos(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn design_phases(a: &Answer, quants: &[Quantity]) -> Vec<Phase> {
    let estimates = min_pos(a.first(ESTIMATION), quants.first().map(|q| q.token));
    let mechanisms = a.found(DEEP_DIVE_MECHANISMS);
    let deep = match a.first(DEEP_DIVE_EXPLICIT) {
        Some(p) => Some(p),
        None if mechanisms.len() >= 2 => a.first(&mechanisms),
        None => None,
    };
    vec![
        Phase::new("requirements", 1.0, a.first(REQUIREMENTS)),
        Phase::new("scale estimates", 1.0, estimates),
        Phase::new("high-level design", 1.0, a.first(HIGH_LEVEL)),
        Phase::new("deep dive", 1.0, deep),
        Phase::new("trade-offs", 1.0, a.first(TRADE_OFF_STRONG)),
    ]
}

/// `signals` are the rubric's phrases: naming one of them in the opening third counts as
/// stating the core concept up front.
fn technical_phases(a: &Answer, signals: &[&str], quants: &[Quantity]) -> Vec<Phase> {
    let opening = a.words().div_ceil(3).max(1);
    let concept = min_pos(a.first(CONCEPT), a.first(signals)).filter(|&p| p < opening);
    // Two concrete figures make an answer as concrete as an example does.
    let figures = if quants.len() >= 2 {
        quants.first().map(|q| q.token)
    } else {
        None
    };
    vec![
        Phase::new("core concept", 1.0, concept),
        Phase::new("concrete example", 1.0, min_pos(a.first(EXAMPLE), figures)),
        Phase::new("failure modes", 1.0, a.first(EDGE_CASES)),
        Phase::new("trade-offs", 1.0, a.first(TRADE_OFF_STRONG)),
    ]
}

#[derive(Debug, Clone, Default)]
struct Story {
    i_actions: usize,
    we_count: usize,
    measurable: bool,
    /// 0–1: result stated and measured.
    result: f64,
}

fn story(a: &Answer, quants: &[Quantity]) -> (Story, Vec<Phase>) {
    let toks = a.tokens();
    let mut i_actions = 0;
    let mut first_action = None;
    for (i, pair) in toks.windows(2).enumerate() {
        if pair[0] == "i" && !NOT_ACTIONS.contains(&pair[1].as_str()) {
            i_actions += 1;
            first_action.get_or_insert(i);
        }
    }
    let we_count = toks.iter().filter(|t| *t == "we" || *t == "our").count();
    let result_pos = a.first(RESULT);
    let measured_after = |from: usize| {
        quants.iter().any(|q| q.token + 3 >= from) || a.first(MEASURABLE_WORDS).is_some_and(|p| p + 3 >= from)
    };
    let (result, measurable) = match result_pos {
        Some(p) if measured_after(p) => (1.0, true),
        Some(_) => (0.5, false),
        // Numbers in the last third without a result word still show an outcome.
        None if measured_after(a.words() * 2 / 3) && !quants.is_empty() => (0.6, true),
        None => (0.0, false),
    };
    let result_at = result_pos.or_else(|| quants.last().map(|q| q.token));
    let phases = vec![
        Phase::new("situation", 1.0, a.first(SITUATION)),
        Phase::new("your role", 1.0, a.first(OWN_ROLE)),
        Phase::new("your actions", (i_actions as f64 / 2.0).min(1.0), first_action),
        Phase::new("measurable result", result, result_at),
        Phase::new("reflection", 1.0, a.first(REFLECTION)),
    ];
    let story = Story {
        i_actions,
        we_count,
        measurable,
        result,
    };
    (story, phases)
}

/// The share of pairs of present phases that appear in the expected order.
fn order_score(phases: &[Phase]) -> f64 {
    let present: Vec<usize> = phases
        .iter()
        .filter(|p| p.present())
        .filter_map(|p| p.pos)
        .collect();
    if present.len() < 2 {
        return 0.0;
    }
    let mut pairs = 0;
    let mut ordered = 0;
    for (i, a) in present.iter().enumerate() {
        for b in &present[i + 1..] {
            pairs += 1;
            if a <= b {
                ordered += 1;
            }
        }
    }
    f64::from(ordered) / f64::from(pairs)
}

// ---------------------------------------------------------------------------
// Grading one question.

#[derive(Debug, Clone)]
struct CriterionEval {
    key: String,
    label: String,
    weight: u32,
    covers: String,
    score: f64,
    evidence: Vec<String>,
    /// The candidate's own wording of the evidence, longer phrases preferred.
    quotes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Component {
    Coverage,
    Structure,
    Estimates,
    TradeOffs,
    Depth,
    Clarity,
    Timing,
}

#[derive(Debug, Clone, Copy)]
struct TimingEval {
    verdict: Timing,
    spent_seconds: u32,
    expected_minutes: u32,
    score: f64,
}

struct Graded<'a> {
    item: &'a GradingItem,
    profile: Profile,
    shape: Shape,
    words: usize,
    /// A list of terms rather than sentences.
    list_like: bool,
    criteria: Vec<CriterionEval>,
    coverage: Option<f64>,
    phases: Vec<Phase>,
    order: f64,
    structure: f64,
    quantities: Vec<String>,
    estimates: Option<f64>,
    trade_markers: Vec<String>,
    trade_offs: Option<f64>,
    depth: f64,
    depth_target_words: usize,
    connectors: usize,
    /// The candidate's own reasoning connectors and signposts, for quoting.
    connector_words: Vec<String>,
    signposts: Vec<String>,
    clarity: Clarity,
    story: Option<Story>,
    timing: Option<TimingEval>,
    /// (component, effective weight out of 100, score 0–1).
    parts: Vec<(Component, f64, f64)>,
    score: f64,
    /// The question's share of the interview score.
    share: f64,
    checks: Checks,
}

/// What the correctness, relevance and coherence checks found in one answer.
#[derive(Debug, Clone, Default)]
struct Checks {
    /// The answer fits another question (its prompt) or none at all (`None` inside).
    off_topic: Option<Option<String>>,
    misconceptions: Vec<correctness::Found>,
    issues: Vec<coherence::Issue>,
    /// Heavy criteria left uncovered, which keep the answer below `strong`.
    heavy_missing: Vec<String>,
    relevance: corpus::Relevance,
    /// The score before the checks' caps and costs.
    before_checks: f64,
}

impl Graded<'_> {
    /// The rubric's total weight (at least 1, so shares are defined).
    fn total_weight(&self) -> f64 {
        self.criteria
            .iter()
            .map(|c| f64::from(c.weight))
            .sum::<f64>()
            .max(1.0)
    }

    fn empty(&self) -> bool {
        self.words == 0
    }

    fn too_short(&self) -> bool {
        self.words < TOO_SHORT_WORDS
    }

    fn minutes(&self) -> u32 {
        self.item
            .expected_minutes
            .filter(|&m| m > 0)
            .unwrap_or(DEFAULT_MINUTES)
    }

    fn qref(&self) -> String {
        format!("Q{}", self.item.position)
    }

    fn part(&self, component: Component) -> Option<(f64, f64)> {
        self.parts.iter().find(|p| p.0 == component).map(|p| (p.1, p.2))
    }

    /// Points of the interview score lost on a component.
    fn loss(&self, component: Component) -> f64 {
        self.part(component)
            .map_or(0.0, |(w, s)| self.share * w * (1.0 - s))
    }

    fn missing_phases(&self) -> Vec<&'static str> {
        self.phases
            .iter()
            .filter(|p| !p.present())
            .map(|p| p.name)
            .collect()
    }

    fn phase(&self, name: &str) -> Option<&Phase> {
        self.phases.iter().find(|p| p.name == name)
    }

    fn has_phase(&self, name: &str) -> bool {
        self.phase(name).is_some_and(Phase::present)
    }

    /// Criteria with real coverage, best first.
    fn strongest(&self, at_least: f64) -> Vec<&CriterionEval> {
        let mut strong: Vec<&CriterionEval> = self
            .criteria
            .iter()
            .filter(|c| c.score >= at_least && !c.quotes.is_empty())
            .collect();
        strong.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.weight.cmp(&a.weight)));
        strong
    }

    /// Criteria scored below [`MISSING_BELOW`], heaviest first.
    fn missing(&self) -> Vec<&CriterionEval> {
        let mut missing: Vec<&CriterionEval> =
            self.criteria.iter().filter(|c| c.score < MISSING_BELOW).collect();
        missing.sort_by(|a, b| b.weight.cmp(&a.weight).then(a.score.total_cmp(&b.score)));
        missing
    }

    fn trade_off_criterion_missing(&self) -> bool {
        self.missing().iter().any(|c| c.key.contains("trade"))
    }
}

/// A criterion with core concepts: a core concept must be stated; supporting signals
/// count only in a sentence that states one. Evidence is the whole sentence.
fn evaluate_core_criterion(
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
fn lexicon_first(concept: &str) -> String {
    api::catalog::split_alternatives(concept)
        .first()
        .map_or_else(String::new, |s| (*s).to_owned())
}

fn evaluate_criterion(a: &Answer, c: &Criterion) -> CriterionEval {
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

fn level_factor(level: Option<&str>) -> f64 {
    match level {
        Some("junior") => 0.8,
        Some("mid") => 0.9,
        Some("staff" | "principal") => 1.1,
        _ => 1.0,
    }
}

fn timing_of(item: &GradingItem) -> Option<TimingEval> {
    let spent = item.time_spent_seconds?;
    let expected = item.expected_minutes.filter(|&m| m > 0)?;
    let ratio = f64::from(spent) / (f64::from(expected) * 60.0);
    let (verdict, score) = if ratio < RUSHED_BELOW {
        (Timing::Rushed, 0.3 + 0.7 * ratio / RUSHED_BELOW)
    } else if ratio > LONG_ABOVE {
        (Timing::Long, (1.0 - (ratio - LONG_ABOVE) / 2.5).max(0.4))
    } else {
        (Timing::OnTime, 1.0)
    };
    Some(TimingEval {
        verdict,
        spent_seconds: spent,
        expected_minutes: expected,
        score,
    })
}

fn grade_item<'a>(item: &'a GradingItem, level: Option<&str>, repeats: Option<u32>, fit: Fit) -> Graded<'a> {
    let a = Answer::new(&item.answer);
    let words = a.words();
    let sentences = lexicon::sentences(&item.answer);
    let entry = corpus::corpus().entry_for(item);
    let profile = Profile::of(item);
    // Figures restated from the prompt ("100M URLs a day") are not the candidate's own.
    let given: Vec<f64> = quantities(&Answer::new(&item.prompt))
        .iter()
        .filter_map(|q| q.value)
        .collect();
    let mut quants = quantities(&a);
    quants.retain(|q| {
        q.value
            .is_none_or(|v| !given.iter().any(|g| (g - v).abs() <= 1e-9 * g.abs().max(1.0)))
    });
    let criteria: Vec<CriterionEval> = item
        .rubric
        .iter()
        .zip(&entry.criteria)
        .map(|(c, compiled)| {
            if compiled.core.is_empty() {
                evaluate_criterion(&a, c)
            } else {
                evaluate_core_criterion(&item.answer, &sentences, c, compiled)
            }
        })
        .collect();
    let total_weight: f64 = criteria.iter().map(|c| f64::from(c.weight)).sum();
    let coverage = (!criteria.is_empty()).then(|| {
        if total_weight == 0.0 {
            criteria.iter().map(|c| c.score).sum::<f64>() / criteria.len() as f64
        } else {
            criteria
                .iter()
                .map(|c| c.score * f64::from(c.weight))
                .sum::<f64>()
                / total_weight
        }
    });

    let signpost = signposting(&a);
    let clarity = clarity(&a, signpost);
    let (phrase_words, phrases) = phrase_lengths(&item.answer);
    let list_like = phrases >= LIST_MIN_PHRASES && phrase_words < LIST_PHRASE_WORDS;
    let signals: Vec<&str> = item
        .rubric
        .iter()
        .flat_map(|c| c.signals.iter().map(String::as_str))
        .collect();
    let phased = |phases: Vec<Phase>| {
        let order = order_score(&phases);
        let presence = phases.iter().map(|p| p.presence).sum::<f64>() / phases.len().max(1) as f64;
        let structure = 0.6 * presence + 0.25 * order + 0.15 * signpost;
        (phases, order, structure)
    };
    let (shape, phases, order, structure, story) = match profile {
        Profile::Design => {
            let (p, o, s) = phased(design_phases(&a, &quants));
            (Shape::Design, p, o, s, None)
        }
        Profile::Technical => {
            let (p, o, s) = phased(technical_phases(&a, &signals, &quants));
            (Shape::Approach, p, o, s, None)
        }
        Profile::Behavioral => {
            let (st, phases) = story(&a, &quants);
            let (p, o, s) = phased(phases);
            let (ap, ao, a_s) = phased(technical_phases(&a, &signals, &quants));
            // A behavioral follow-up may ask for an approach ("how would you…") rather
            // than a story: it is credited for whichever shape it has.
            if item.is_follow_up && a_s > s {
                (Shape::Approach, ap, ao, a_s, None)
            } else {
                (Shape::Story, p, o, s, Some(st))
            }
        }
        Profile::FreeForm => {
            let several = if clarity.sentences >= 3 { 1.0 } else { 0.0 };
            let wrap = if a.first(WRAP_UPS).is_some() { 1.0 } else { 0.0 };
            (
                Shape::Free,
                Vec::new(),
                0.0,
                0.55 * signpost + 0.2 * several + 0.25 * wrap,
                None,
            )
        }
    };

    let estimates =
        (profile == Profile::Design).then(|| (quants.len() as f64 / ESTIMATES_FOR_FULL_CREDIT).min(1.0));
    let strong_markers = a.found(TRADE_OFF_STRONG);
    let weak_markers = a.found(TRADE_OFF_WEAK);
    let trade_points = strong_markers.len() as f64 + 0.5 * weak_markers.len() as f64;
    let trade_offs = matches!(profile, Profile::Design | Profile::Technical).then(|| {
        if trade_points == 0.0 {
            0.0
        } else {
            (0.2 + 0.4 * trade_points).min(1.0)
        }
    });
    // The candidate's own trade-off wording, the generic "trade-off" family last.
    let generic = |m: &&str| m.starts_with("trade");
    let ordered: Vec<&str> = strong_markers
        .iter()
        .filter(|m| !generic(m))
        .chain(&weak_markers)
        .chain(strong_markers.iter().filter(|m| generic(m)))
        .copied()
        .collect();
    let trade_markers = surfaces(&a, &ordered);

    let minutes = item
        .expected_minutes
        .filter(|&m| m > 0)
        .unwrap_or(DEFAULT_MINUTES);
    let target = (f64::from(minutes.saturating_mul(3).saturating_add(90).clamp(100, 200))
        * level_factor(level))
    .round();
    let length = (words as f64 / target).min(1.0).powf(0.8);
    let connectors = a.occurrences(CONNECTORS);
    let connector_words = surfaces(&a, &a.found(CONNECTORS));
    let signposts = surfaces(&a, &a.found(SIGNPOSTS));
    let connector_target = if minutes >= 20 { 3.0 } else { 2.0 };
    let depth = 0.6 * length + 0.4 * (connectors as f64 / connector_target).min(1.0);

    let timing = timing_of(item);

    // Form credit scales with relevant coverage: structure, depth and trade-offs
    // around content that is not there are worth little.
    let gate = coverage.map_or(1.0, |c| (0.1 + 1.5 * c).min(1.0));
    let w = profile.weights();
    let mut raw_parts: Vec<(Component, f64, f64)> = Vec::new();
    if let Some(c) = coverage {
        raw_parts.push((Component::Coverage, w.coverage, c));
    }
    raw_parts.push((Component::Structure, w.structure, structure * gate));
    if let Some(e) = estimates {
        raw_parts.push((Component::Estimates, w.estimates, e * gate));
    }
    if let Some(t) = trade_offs {
        raw_parts.push((Component::TradeOffs, w.trade_offs, t * gate));
    }
    raw_parts.push((Component::Depth, w.depth, depth * gate));
    raw_parts.push((Component::Clarity, w.clarity, clarity.score));
    if let Some(t) = timing {
        let s = if words == 0 { 0.0 } else { t.score };
        raw_parts.push((Component::Timing, w.timing, s));
    }
    raw_parts.retain(|p| p.1 > 0.0);
    let total: f64 = raw_parts.iter().map(|p| p.1).sum();
    let parts: Vec<(Component, f64, f64)> = raw_parts
        .into_iter()
        .map(|(c, weight, s)| {
            let s = if list_like && c != Component::Timing {
                s * LIST_CREDIT
            } else {
                s
            };
            (c, weight * 100.0 / total.max(f64::EPSILON), s.clamp(0.0, 1.0))
        })
        .collect();
    let mut score = fit.apply(parts.iter().map(|p| p.1 * p.2).sum::<f64>() / 100.0);
    if words == 0 {
        score = 0.0;
    } else if words < TOO_SHORT_WORDS {
        score = score.min(TOO_SHORT_CAP);
    }
    let mut checks = Checks {
        before_checks: score,
        ..Checks::default()
    };
    if words >= TOO_SHORT_WORDS && profile != Profile::FreeForm {
        let relevance = corpus::corpus().relevance(&item.answer, &entry);
        let ratio = relevance.best_other / relevance.own.max(f64::EPSILON);
        // Only a catalog question is compared with the others: a custom question's
        // short material cannot compete with a catalog entry's on equal terms.
        let comparable = entry.in_catalog;
        if comparable
            && (ratio > OFF_TOPIC_RATIO
                || (ratio > OFF_TOPIC_WEAK_RATIO && relevance.density < OFF_TOPIC_WEAK_DENSITY))
        {
            checks.off_topic = Some(relevance.other_prompt.clone());
        } else if relevance.density < OFF_TOPIC_DENSITY {
            checks.off_topic = Some(None);
        }
        checks.relevance = relevance;
        checks.misconceptions = correctness::misconceptions(&item.answer, &sentences, &entry.misconceptions);
    }
    if words > 0 {
        checks.issues = coherence::issues(&item.answer, &sentences, words, profile == Profile::Behavioral);
        checks
            .issues
            .extend(coherence::speed(words, item.time_spent_seconds));
        checks.issues.extend(repeats.map(coherence::Issue::Repeated));
    }
    let max_weight = criteria.iter().map(|c| c.weight).max().unwrap_or(0);
    checks.heavy_missing = criteria
        .iter()
        .filter(|c| c.weight == max_weight && c.score < HEAVY_COVERED)
        .map(|c| c.label.clone())
        .collect();
    if !checks.heavy_missing.is_empty() {
        score = score.min(HEAVY_MISSING_CAP);
    }
    let found = checks.misconceptions.len();
    if found > 0 {
        score -= MISCONCEPTION_COST * found as f64;
        score = score.min(if found == 1 {
            ONE_MISCONCEPTION_CAP
        } else {
            MISCONCEPTIONS_CAP
        });
    }
    use coherence::Issue;
    if checks.issues.iter().any(|i| {
        matches!(
            i,
            Issue::StepsOutOfOrder(_) | Issue::OpensMidThought(_) | Issue::ConclusionFirst(_)
        )
    }) {
        score *= INCOHERENT_FACTOR;
    }
    if checks.issues.iter().any(|i| matches!(i, Issue::Repeated(_))) {
        score *= REPEATED_FACTOR;
    }
    if checks
        .issues
        .iter()
        .any(|i| matches!(i, Issue::ImplausibleSpeed(_)))
    {
        score = score.min(IMPLAUSIBLE_SPEED_CAP);
    }
    if checks.off_topic.is_some() {
        score = score.min(OFF_TOPIC_CAP);
    }

    Graded {
        item,
        profile,
        shape,
        words,
        list_like,
        criteria,
        coverage,
        phases,
        order,
        structure,
        quantities: quants.into_iter().map(|q| q.text).collect(),
        estimates,
        trade_markers,
        trade_offs,
        depth,
        depth_target_words: target as usize,
        connectors,
        connector_words,
        signposts,
        clarity,
        story,
        timing,
        parts,
        score: score.clamp(0.0, 1.0),
        share: 0.0,
        checks,
    }
}

// ---------------------------------------------------------------------------
// Small text helpers.

fn pct(x: f64) -> u8 {
    (x.clamp(0.0, 1.0) * 100.0).round() as u8
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn quoted(items: &[String], max: usize) -> String {
    let q: Vec<String> = items.iter().take(max).map(|s| format!("\"{s}\"")).collect();
    join_and(&q)
}

/// Lower-cases the first letter of a label used mid-sentence ("Requirements" →
/// "requirements"), leaving acronyms ("SQL window") alone.
fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            a.to_lowercase().chain(s[a.len_utf8()..].chars()).collect()
        }
        _ => s.to_owned(),
    }
}

fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(a) => a.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn minutes_phrase(seconds: u32) -> String {
    if seconds < 60 {
        return "under a minute".to_owned();
    }
    let m = seconds.saturating_add(30) / 60;
    if m == 1 {
        "1 minute".to_owned()
    } else {
        format!("{m} minutes")
    }
}

/// "25–30 minutes" for 30: the range a strong candidate would spend.
fn expected_range(minutes: u32) -> String {
    let low = u32::try_from((u64::from(minutes) * 5 + 3) / 6)
        .unwrap_or(u32::MAX)
        .max(1);
    if low >= minutes {
        if minutes == 1 {
            "about a minute".to_owned()
        } else {
            format!("about {minutes} minutes")
        }
    } else {
        format!("{low}–{minutes} minutes")
    }
}

fn level_of(input: &GradingInput) -> Option<String> {
    input
        .level
        .clone()
        .or_else(|| input.track.as_ref().map(|t| t.level.clone()))
        .map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty())
}

fn with_article(phrase: &str) -> String {
    let digits: String = phrase.chars().take_while(char::is_ascii_digit).collect();
    let vowel = if digits.is_empty() {
        phrase.chars().next().is_some_and(|c| "aeiou".contains(c))
    } else {
        // "an 8-minute", "an 11-minute", "an 18-minute", "an 80-minute"
        digits.starts_with('8') || digits == "11" || digits == "18"
    };
    format!("{} {phrase}", if vowel { "an" } else { "a" })
}

fn question_noun(g: &Graded, level: Option<&str>) -> String {
    let noun = match (g.profile, g.item.is_follow_up) {
        (_, true) => "follow-up",
        (Profile::Design, false) => "design question",
        (Profile::Technical, false) => "technical question",
        (Profile::Behavioral, false) => "behavioral question",
        (Profile::FreeForm, false) => "question",
    };
    match level {
        Some(l) => with_article(&format!("{l}-level {noun}")),
        None => with_article(noun),
    }
}

fn qrefs(qs: &[&Graded]) -> String {
    let mut sorted: Vec<&&Graded> = qs.iter().collect();
    sorted.sort_by_key(|g| g.item.position);
    let refs: Vec<String> = sorted.iter().map(|g| g.qref()).collect();
    join_and(&refs)
}

// ---------------------------------------------------------------------------
// Per-question text.

/// What matters most in one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gap {
    Empty,
    TooShort,
    KeywordList,
    MissingMost,
    SkippedScoping { requirements: bool, estimates: bool },
    Shallow,
    NoResult,
    UnmeasuredResult,
    WeNotI,
    NoReflection,
    NoTradeOffs,
    MissingCriteria,
    FormStructure,
    FormDepth,
    FormClarity,
    FormSoundButStructure,
    FormSoundButDepth,
    FormSoundButClarity,
    Rushed,
    None,
}

fn main_gap(g: &Graded) -> Gap {
    if g.empty() {
        return Gap::Empty;
    }
    if g.too_short() {
        return Gap::TooShort;
    }
    if g.list_like {
        return Gap::KeywordList;
    }
    let rushed = g.timing.is_some_and(|t| t.verdict == Timing::Rushed);
    if g.profile == Profile::FreeForm {
        let worst = [
            (g.structure, Gap::FormStructure),
            (g.depth, Gap::FormDepth),
            (g.clarity.score, Gap::FormClarity),
        ]
        .into_iter()
        .min_by(|a, b| a.0.total_cmp(&b.0));
        return match worst {
            Some((s, gap)) if s < 0.5 => gap,
            _ if rushed => Gap::Rushed,
            Some((s, gap)) if s < 0.75 => match gap {
                Gap::FormStructure => Gap::FormSoundButStructure,
                Gap::FormDepth => Gap::FormSoundButDepth,
                _ => Gap::FormSoundButClarity,
            },
            _ => Gap::None,
        };
    }
    let coverage = g.coverage.unwrap_or(1.0);
    if coverage < 0.25 {
        return Gap::MissingMost;
    }
    if g.profile == Profile::Design {
        let requirements = !g.has_phase("requirements");
        let estimates = g.quantities.is_empty();
        if requirements || estimates {
            return Gap::SkippedScoping {
                requirements,
                estimates,
            };
        }
    }
    if let Some(story) = &g.story {
        if story.result == 0.0 {
            return Gap::NoResult;
        }
        if !story.measurable {
            return Gap::UnmeasuredResult;
        }
        if story.i_actions < 2 && story.we_count > 2 {
            return Gap::WeNotI;
        }
    }
    if g.depth < 0.4 {
        return Gap::Shallow;
    }
    if g.trade_offs == Some(0.0) {
        return Gap::NoTradeOffs;
    }
    if g.story.is_some() && !g.has_phase("reflection") {
        return Gap::NoReflection;
    }
    if !g.missing().is_empty() {
        return Gap::MissingCriteria;
    }
    if rushed {
        return Gap::Rushed;
    }
    Gap::None
}

/// Criterion labels in running text; labels that contain "and" themselves are joined
/// with "as well as" so the list stays readable.
fn labels(criteria: &[&CriterionEval], max: usize) -> String {
    let names: Vec<String> = criteria.iter().take(max).map(|c| lower_first(&c.label)).collect();
    match names.as_slice() {
        [init @ .., last] if names.len() > 1 && names.iter().any(|n| n.contains(" and ")) => {
            format!("{}, as well as {last}", init.join(", "))
        }
        _ => join_and(&names),
    }
}

/// Quotes from the best-covered criteria, in the candidate's own words.
/// Content criteria (not requirements, estimates or trade-offs) come first: they are the
/// "building blocks" an opening sentence praises.
fn best_quotes(g: &Graded, max: usize) -> Vec<String> {
    let mut quotes: Vec<String> = Vec::new();
    let strongest = g.strongest(0.5);
    let content = strongest
        .iter()
        .filter(|c| criterion_area(g, c) == Area::Knowledge);
    let form = strongest
        .iter()
        .filter(|c| criterion_area(g, c) != Area::Knowledge);
    for c in content.chain(form) {
        for q in &c.quotes {
            if quotes.len() < max && !quotes.iter().any(|x| x.eq_ignore_ascii_case(q)) {
                quotes.push(q.clone());
            }
        }
    }
    quotes
}

/// The checks' verdict on an answer, most serious first: it leads the feedback and
/// replaces any praise when it caps the score.
fn check_summary(g: &Graded) -> Option<String> {
    use coherence::Issue;
    let c = &g.checks;
    if let Some(other) = &c.off_topic {
        return Some(match other {
            Some(prompt) => format!(
                "This answer does not address the question: it fits another one (\"{}\") far better, so it \
                 cannot earn credit here.",
                prompt.trim_end_matches('.')
            ),
            None => "This answer barely touches what the question is about, so it cannot earn credit here."
                .to_owned(),
        });
    }
    if let Some(issue) = c
        .issues
        .iter()
        .find(|i| matches!(i, Issue::ImplausibleSpeed(_) | Issue::Repeated(_)))
    {
        return Some(format!("{}.", issue.describe()));
    }
    if let Some(m) = c.misconceptions.first() {
        return Some(format!(
            "The answer states something wrong: {}.",
            lower_first(&m.claim)
        ));
    }
    c.issues.first().map(|i| format!("{}.", i.describe()))
}

/// Sentences naming everything the checks found, with the correction for each
/// misconception.
fn check_sentences(g: &Graded) -> Vec<String> {
    let c = &g.checks;
    let mut out = Vec::new();
    if c.off_topic.is_some() {
        out.push(
            "Whatever its quality, an answer to a different question scores as not ready: re-read the prompt and \
             answer what it asks."
                .to_owned(),
        );
    }
    for m in &c.misconceptions {
        out.push(format!(
            "You wrote \"{}\", which says that {}; that is not right. {}",
            m.quote,
            lower_first(&m.claim),
            m.correction
        ));
    }
    for issue in &c.issues {
        out.push(format!("{}.", issue.describe()));
    }
    if !c.heavy_missing.is_empty() && c.before_checks > HEAVY_MISSING_CAP && c.off_topic.is_none() {
        out.push(format!(
            "A strong verdict needs every heavy part of the rubric covered, and I couldn't find enough on {}.",
            join_and(&c.heavy_missing.iter().map(|l| lower_first(l)).collect::<Vec<_>>())
        ));
    }
    out
}

fn feedback_summary(g: &Graded, gap: Gap) -> String {
    if let Some(summary) = check_summary(g) {
        return summary;
    }
    let quotes = best_quotes(g, 3);
    let has_positive = !quotes.is_empty();
    let opener = match (g.shape, g.profile) {
        _ if !has_positive => String::new(),
        (Shape::Design, _) => format!("You chose sensible building blocks ({})", quoted(&quotes, 3)),
        (Shape::Approach, Profile::Technical) => {
            format!("You named the right techniques ({})", quoted(&quotes, 3))
        }
        (Shape::Approach, _) => format!("You brought the right ideas ({})", quoted(&quotes, 3)),
        (Shape::Story, _) => format!("The story has real substance ({})", quoted(&quotes, 3)),
        (Shape::Free, _) => String::new(),
    };
    let joined = |positive: &str, negative: &str| {
        if opener.is_empty() {
            upper_first(negative)
        } else {
            format!("{opener}, {positive}{negative}")
        }
    };
    let minutes = g.item.expected_minutes.filter(|&m| m > 0);
    let missing = g.missing();
    let sentence = match gap {
        Gap::Empty => "No answer was recorded, so there is nothing to credit here".to_owned(),
        Gap::TooShort => match minutes {
            Some(m) => format!(
                "At {} words the answer is too short to assess for {} question",
                g.words,
                minutes_adjective(m)
            ),
            None => format!("At {} words the answer is too short to assess", g.words),
        },
        Gap::KeywordList => joined(
            "but ",
            "the answer is a list of terms rather than an explanation of how they fit together",
        ),
        Gap::MissingMost => {
            let what = if missing.is_empty() {
                String::new()
            } else {
                format!(", notably {}", labels(&missing, 2))
            };
            format!("The answer misses most of what this question is about{what}")
        }
        Gap::SkippedScoping {
            requirements,
            estimates,
        } => {
            let what = match (requirements, estimates) {
                (true, true) => {
                    "skipped requirements and scale estimation, the opening phases that give every later \
                     choice its justification"
                }
                (true, false) => "never stated the requirements the design has to meet",
                _ => {
                    "never put a number on the load, so nobody can check the design against the stated \
                     scale"
                }
            };
            if opener.is_empty() {
                format!("You {what}")
            } else {
                format!("{opener}, but {what}")
            }
        }
        Gap::Shallow => joined(
            "but ",
            "each idea is stated in a line, without the reasoning or the cost behind it",
        ),
        Gap::NoResult => joined(
            "but ",
            "the story never reaches a result, so the interviewer can't tell what changed",
        ),
        Gap::UnmeasuredResult => joined(
            "but ",
            "the result is described without a single number to show what changed",
        ),
        Gap::WeNotI => joined("but ", "it is told as \"we\", so your own part stays unclear"),
        Gap::NoReflection => joined(
            "but ",
            "it ends without saying what you learned or would do differently",
        ),
        Gap::NoTradeOffs => joined(
            "but ",
            "you never stated a trade-off, so the interviewer can't see how you weigh alternatives",
        ),
        Gap::MissingCriteria => joined("but ", &format!("the answer leaves out {}", labels(&missing, 2))),
        Gap::FormStructure => {
            "Judged on structure, depth and clarity, the answer has substance but no visible shape: lead \
             with the answer, then number your points"
                .to_owned()
        }
        Gap::FormDepth => {
            "Judged on structure, depth and clarity, the answer stays on the surface: it says what, \
             rarely why"
                .to_owned()
        }
        Gap::FormClarity => {
            "Judged on structure, depth and clarity, the answer is hard to follow: long or hedged sentences \
             bury the point"
                .to_owned()
        }
        Gap::FormSoundButStructure | Gap::FormSoundButDepth | Gap::FormSoundButClarity => {
            let weakest = match gap {
                Gap::FormSoundButStructure => "its shape: lead with the answer and close with a summary",
                Gap::FormSoundButDepth => "its depth: one more step of reasoning or an example",
                _ => "its wording: shorter, plainer sentences",
            };
            format!(
                "Judged on structure, depth and clarity, this is a sound answer; it would gain most from \
                 {weakest}"
            )
        }
        Gap::Rushed => {
            let spent = g
                .timing
                .map_or(String::new(), |t| minutes_phrase(t.spent_seconds));
            let range = minutes.map_or(String::new(), expected_range);
            if g.profile == Profile::FreeForm {
                format!("A clear, well-shaped answer, but rushed: {spent} where {range} is expected")
            } else {
                joined(
                    "but ",
                    &format!("the answer is rushed: {spent} where {range} is expected"),
                )
            }
        }
        Gap::None => {
            if g.profile == Profile::FreeForm {
                "Judged on structure, depth and clarity, this is a clear, well-organised answer with real \
                 reasoning"
                    .to_owned()
            } else {
                match g.shape {
                    Shape::Design => "A complete design: scoped, sized with numbers, explained in depth and \
                                      closed with explicit trade-offs"
                        .to_owned(),
                    Shape::Story => "A complete story: the situation, your own actions, a measured result \
                                     and a reflection all came through"
                        .to_owned(),
                    _ => format!(
                        "A complete answer: all {} rubric points came through, with the reasoning and the \
                         trade-offs stated",
                        g.criteria.len()
                    ),
                }
            }
        }
    };
    format!("{sentence}.")
}

fn criteria_sentences(g: &Graded) -> Vec<String> {
    let mut out = Vec::new();
    let full: Vec<&CriterionEval> = g.strongest(COVERED);
    let partial: Vec<&CriterionEval> = g
        .strongest(MISSING_BELOW)
        .into_iter()
        .filter(|c| c.score < COVERED)
        .collect();
    let describe =
        |c: &CriterionEval, n: usize| format!("{} ({})", lower_first(&c.label), quoted(&c.quotes, n));
    let full_text: Vec<String> = full
        .iter()
        .enumerate()
        .map(|(i, c)| describe(c, if i == 0 { 3 } else { 2 }))
        .collect();
    let partial_text: Vec<String> = partial.iter().map(|c| describe(c, 2)).collect();
    match (full_text.is_empty(), partial_text.is_empty()) {
        (false, false) => out.push(format!(
            "You covered {}, and partly covered {}.",
            join_and(&full_text),
            join_and(&partial_text)
        )),
        (false, true) => out.push(format!("You covered {}.", join_and(&full_text))),
        (true, false) => out.push(format!("You partly covered {}.", join_and(&partial_text))),
        (true, true) => {}
    }
    let missing = g.missing();
    for c in missing.iter().take(3) {
        if c.quotes.is_empty() {
            out.push(format!(
                "I couldn't find anything on {}: a strong answer {}.",
                lower_first(&c.label),
                lower_first(&c.covers)
            ));
        } else {
            out.push(format!(
                "On {}, only {} came up; a strong answer {}.",
                lower_first(&c.label),
                quoted(&c.quotes, 2),
                lower_first(&c.covers)
            ));
        }
    }
    if missing.len() > 3 {
        let rest: Vec<&CriterionEval> = missing[3..].to_vec();
        out.push(format!("Also thin: {}.", labels(&rest, 5)));
    }
    out
}

fn structure_sentence(g: &Graded) -> Option<String> {
    let missing = g.missing_phases();
    match g.shape {
        Shape::Design => {
            let req = g.has_phase("requirements");
            let est = g.has_phase("scale estimates");
            let design = g
                .phase("high-level design")
                .filter(|p| p.present())
                .and_then(|p| p.pos);
            if !req && !est && design.is_some() {
                let numbers = if g.quantities.is_empty() {
                    " (there isn't a single number in it)"
                } else {
                    ""
                };
                return Some(format!(
                    "You went straight to components without stating requirements or estimating the \
                     load{numbers}, so there is nothing to check the design against."
                ));
            }
            if missing.is_empty() && g.order >= 0.99 {
                return Some(
                    "The answer follows the expected flow, from requirements through to trade-offs."
                        .to_owned(),
                );
            }
            let mut s = String::new();
            if !missing.is_empty() {
                let names: Vec<String> = missing.iter().map(|m| (*m).to_owned()).collect();
                s.push_str(&format!(
                    "Of the expected flow ({}), the answer skipped {}.",
                    g.shape.flow(),
                    join_and(&names)
                ));
            }
            let pos = |n: &str| g.phase(n).filter(|p| p.present()).and_then(|p| p.pos);
            if let (Some(r), Some(d)) = (pos("requirements"), design)
                && r > d
            {
                s.push_str(" Requirements came only after the design; state them first so they shape it.");
            } else if let (Some(e), Some(d)) = (pos("scale estimates"), design)
                && e > d
            {
                s.push_str(" Your numbers arrived after the design instead of driving it.");
            }
            (!s.is_empty()).then(|| s.trim().to_owned())
        }
        Shape::Approach => {
            if missing.is_empty() {
                return None;
            }
            let names: Vec<String> = missing
                .iter()
                .filter(|m| **m != "trade-offs")
                .map(|m| (*m).to_owned())
                .collect();
            (!names.is_empty()).then(|| {
                format!(
                    "The answer skips parts of the usual shape ({}): {}.",
                    g.shape.flow(),
                    join_and(&names)
                )
            })
        }
        Shape::Story => {
            let story = g.story.as_ref()?;
            let mut s = Vec::new();
            // Parts already named as missing rubric criteria are not repeated.
            let criterion_missing = |words: &[&str]| {
                g.missing()
                    .iter()
                    .any(|c| words.iter().any(|w| c.key.contains(w)))
            };
            if story.result == 0.0 && criterion_missing(&["result", "outcome"]) {
                s.push(
                    "The story never reaches a result, which is the part interviewers remember.".to_owned(),
                );
            } else if story.result == 0.0 {
                s.push(
                    "The story never reaches a result: say what changed afterwards, ideally in numbers (time \
                     saved, incidents avoided, a metric that moved)."
                        .to_owned(),
                );
            } else if !story.measurable {
                s.push(
                    "You describe the outcome but never measure it; one number (a percentage, a duration, a \
                     count) would make it credible."
                        .to_owned(),
                );
            }
            if story.i_actions < 2 && story.we_count > 2 {
                s.push(format!(
                    "Most of it is told as \"we\" ({} times) with little on what you personally did; \
                     interviewers grade your actions, not the team's.",
                    story.we_count
                ));
            }
            let other: Vec<String> = missing
                .iter()
                .filter(|m| **m != "measurable result" && !(**m == "your actions" && s.len() > 1))
                .filter(|m| match **m {
                    "reflection" => !criterion_missing(&["reflection"]),
                    "situation" => !criterion_missing(&["situation", "context"]),
                    "your actions" => !criterion_missing(&["action"]),
                    _ => true,
                })
                .map(|m| (*m).to_owned())
                .collect();
            if !other.is_empty() {
                s.push(format!(
                    "It also lacks {} ({}).",
                    join_and(&other),
                    g.shape.flow()
                ));
            }
            (!s.is_empty()).then(|| s.join(" "))
        }
        Shape::Free => None,
    }
}

fn numbers_sentence(g: &Graded) -> Option<String> {
    if g.profile != Profile::Design || g.empty() {
        return None;
    }
    let quantities = &g.quantities;
    if quantities.is_empty() {
        // Already said by the structure sentence when the whole scoping phase is missing.
        if !g.has_phase("requirements") && g.phase("high-level design").is_some_and(Phase::present) {
            return None;
        }
        return Some(
            "There isn't a single number in the answer: without throughput, storage or ratio estimates the \
             interviewer cannot tell whether the design holds at the stated scale."
                .to_owned(),
        );
    }
    let shown = quoted(quantities, 3);
    if quantities.len() >= 3 {
        Some(format!("You sized the problem with real figures ({shown})."))
    } else {
        Some(format!(
            "You gave {} ({shown}), but a design of this size needs a few more figures: throughput, storage \
             and the ratios that drive the design.",
            if quantities.len() == 1 {
                "one figure"
            } else {
                "two figures"
            }
        ))
    }
}

fn trade_off_sentence(g: &Graded) -> Option<String> {
    let score = g.trade_offs?;
    if g.empty() {
        return None;
    }
    if score == 0.0 {
        if g.trade_off_criterion_missing() {
            return None;
        }
        return Some(
            "No trade-off was stated: every choice is presented as if it were free, so say what each one \
             costs and when you would pick the alternative."
                .to_owned(),
        );
    }
    (score >= 0.6).then(|| {
        format!(
            "You weighed alternatives explicitly ({}).",
            quoted(&g.trade_markers, 3)
        )
    })
}

fn depth_sentence(g: &Graded) -> Option<String> {
    if g.empty() || g.too_short() {
        return None;
    }
    let short = g.words * 2 < g.depth_target_words;
    if g.depth < 0.4 && short {
        Some(format!(
            "At {} words for {} question, the ideas are named rather than explained; say why each one \
             works here (\"because…\", \"so that…\") and what it costs.",
            g.words,
            minutes_adjective(g.minutes())
        ))
    } else if g.connectors == 0 && g.shape == Shape::Story {
        Some(
            "Say why you made each call (\"because…\", \"so that…\"): interviewers listen for your \
             judgement, not just the sequence of events."
                .to_owned(),
        )
    } else if g.connectors == 0 {
        Some(
            "None of your points says why: add the reasoning (\"because…\", \"which means…\") that links a \
             choice to the problem."
                .to_owned(),
        )
    } else {
        None
    }
}

fn timing_sentence(g: &Graded, level: Option<&str>) -> Option<String> {
    let t = g.timing?;
    if g.empty() {
        return None;
    }
    let spent = minutes_phrase(t.spent_seconds);
    let range = expected_range(t.expected_minutes);
    let noun = question_noun(g, level);
    match t.verdict {
        Timing::Rushed => {
            let room = match g.profile {
                Profile::Design => "time that belongs to scoping, estimates and a deep dive",
                Profile::Technical => "time to explain the mechanism, its failure modes and its costs",
                Profile::Behavioral => "time to walk through the result and what you learned",
                Profile::FreeForm => "time to develop the answer",
            };
            Some(format!(
                "You spent {spent} on this; {noun} deserves {range}, {room}."
            ))
        }
        Timing::Long => Some(format!(
            "You took {spent} against an expected {range}; in a real loop that time comes out of later \
             questions, so land the main points sooner."
        )),
        Timing::OnTime => None,
    }
}

fn feedback(g: &Graded, level: Option<&str>) -> String {
    if g.empty() {
        return "No answer was recorded for this question, so it scores 0. Even a rough outline of your \
                approach would have earned partial credit."
            .to_owned();
    }
    let mut s: Vec<String> = check_sentences(g);
    if g.checks.off_topic.is_some() {
        s.extend(timing_sentence(g, level));
        return s.join(" ");
    }
    if g.too_short() {
        s.push(format!(
            "The answer is only {} word{}, which is not enough to assess.",
            g.words,
            if g.words == 1 { "" } else { "s" }
        ));
    }
    if g.list_like {
        s.push(
            "The answer reads as a list of terms rather than an explanation, so everything in it earns half \
             credit: put the ideas into sentences that say how they fit together and why."
                .to_owned(),
        );
    }
    if g.profile == Profile::FreeForm {
        s.push(
            "There is no rubric for this question, so the answer was judged on structure, depth and clarity \
             alone."
                .to_owned(),
        );
        s.extend(free_form_sentences(g));
        if !g.criteria.is_empty() {
            s.extend(criteria_sentences(g));
        }
    } else {
        if g.criteria.is_empty() {
            s.push("This question has no rubric, so the content itself was not scored.".to_owned());
        }
        s.extend(criteria_sentences(g));
        s.extend(structure_sentence(g));
        s.extend(numbers_sentence(g));
        s.extend(trade_off_sentence(g));
        s.extend(depth_sentence(g));
    }
    s.extend(timing_sentence(g, level));
    s.join(" ")
}

fn free_form_sentences(g: &Graded) -> Vec<String> {
    let mut s = Vec::new();
    if g.too_short() {
        return s;
    }
    if g.structure >= 0.7 {
        s.push("Structure: the points are signposted and easy to follow.".to_owned());
    } else if !g.signposts.is_empty() {
        s.push(format!(
            "Structure: some signposting ({}), but no clear opening answer or closing summary to frame it.",
            quoted(&g.signposts, 3)
        ));
    } else {
        s.push(
            "Structure: there is little visible shape; open with a one-line answer, then give numbered \
             points and close with a conclusion."
                .to_owned(),
        );
    }
    if g.depth >= 0.6 {
        s.push(format!(
            "Depth: {} words with the reasoning spelled out ({}).",
            g.words,
            quoted(&g.connector_words, 3)
        ));
    } else if g.connectors == 0 {
        s.push(format!(
            "Depth: at {} words, the answer says what but not why; explain the reasoning behind each point.",
            g.words
        ));
    } else {
        s.push(format!(
            "Depth: at {} words it stays brief; develop the main point with an example or a consequence.",
            g.words
        ));
    }
    let c = &g.clarity;
    if c.score >= 0.75 {
        s.push(format!(
            "Clarity: direct sentences of about {:.0} words on average.",
            c.avg_sentence
        ));
    } else if c.avg_sentence > 24.0 {
        s.push(format!(
            "Clarity: sentences average {:.0} words (the longest {}); split them so each makes one point.",
            c.avg_sentence, c.longest
        ));
    } else if c.hedge_count > 0 {
        s.push(format!(
            "Clarity: hedges such as {} weaken the answer; state your position plainly.",
            quoted(&c.hedges, 3)
        ));
    } else {
        s.push(
            "Clarity: the wording is understandable but loose; lead each sentence with its point.".to_owned(),
        );
    }
    s
}

// ---------------------------------------------------------------------------
// The interview as a whole.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Area {
    Unanswered,
    DesignStructure,
    TechnicalStructure,
    BehavioralStructure,
    FreeFormStructure,
    Results,
    TradeOffs,
    Estimation,
    Depth,
    Knowledge,
    Communication,
    Timing,
}

struct Improvement {
    area: Area,
    /// Points of the interview score lost to this gap: the ranking key.
    points: f64,
    text: String,
    /// A clause naming the gap, for the summary ("no trade-off is ever stated (Q1)").
    gist: String,
}

/// Which improvement area a missing criterion belongs to when it is a matter of form
/// already counted there (requirements and estimates in a design, trade-offs anywhere).
fn criterion_area(g: &Graded, c: &CriterionEval) -> Area {
    let key = c.key.as_str();
    if key.contains("trade") && g.trade_offs.is_some() {
        Area::TradeOffs
    } else if g.shape == Shape::Design && key.contains("requirement") {
        Area::DesignStructure
    } else if g.shape == Shape::Design && (key.contains("estimat") || key.contains("scale")) {
        Area::Estimation
    } else if g.shape == Shape::Story && (key.contains("result") || key.contains("outcome")) {
        Area::Results
    } else {
        Area::Knowledge
    }
}

/// Improvement advice, ranked by the points each gap cost, 2–4 items; advice on pacing
/// is always kept when a question was rushed or ran long.
fn improvements(graded: &[Graded]) -> Vec<Improvement> {
    let mut out: Vec<Improvement> = Vec::new();
    let answered: Vec<&Graded> = graded.iter().filter(|g| !g.empty()).collect();
    let assessable: Vec<&Graded> = answered.iter().copied().filter(|g| !g.too_short()).collect();

    let blank: Vec<&Graded> = graded.iter().filter(|g| g.empty()).collect();
    if !blank.is_empty() {
        out.push(Improvement {
            area: Area::Unanswered,
            points: blank.iter().map(|g| g.share * 100.0).sum(),
            text: format!(
                "Give every question an answer, even a rough outline: {} {} left blank.",
                qrefs(&blank),
                if blank.len() == 1 { "was" } else { "were" }
            ),
            gist: format!("{} went unanswered", qrefs(&blank)),
        });
    }

    for (area, shape) in [
        (Area::DesignStructure, Shape::Design),
        (Area::TechnicalStructure, Shape::Approach),
        (Area::BehavioralStructure, Shape::Story),
        (Area::FreeFormStructure, Shape::Free),
    ] {
        let qs: Vec<&Graded> = assessable
            .iter()
            .copied()
            .filter(|g| g.shape == shape && g.structure < 0.7)
            .collect();
        let Some(worst) = qs.iter().min_by(|a, b| a.structure.total_cmp(&b.structure)) else {
            continue;
        };
        let missing: Vec<String> = worst
            .missing_phases()
            .into_iter()
            .filter(|p| !(shape == Shape::Story && *p == "measurable result"))
            .map(str::to_owned)
            .collect();
        if missing.is_empty() && worst.order >= 0.99 && shape != Shape::Free {
            continue;
        }
        let detail = if missing.is_empty() {
            format!("{} had the parts but not in that order", worst.qref())
        } else {
            format!("{} skipped {}", worst.qref(), join_and(&missing))
        };
        let (text, gist) = match shape {
            Shape::Design => (
                format!("Structure design answers as {}; {detail}.", shape.flow()),
                if worst.has_phase("requirements") {
                    detail.clone()
                } else {
                    format!(
                        "{} jumped into the design without first scoping the problem",
                        worst.qref()
                    )
                },
            ),
            Shape::Approach => (
                format!("Shape technical answers as {}; {detail}.", shape.flow()),
                format!(
                    "{} lacked the frame (example, failure modes) that makes an answer convincing",
                    qrefs(&qs)
                ),
            ),
            Shape::Story => (
                format!("Tell stories in order: {}; {detail}.", shape.flow()),
                detail.clone(),
            ),
            Shape::Free => (
                format!(
                    "Give open answers a visible shape: {} ({}).",
                    shape.flow(),
                    worst.qref()
                ),
                format!("the open answers ({}) are hard to follow", qrefs(&qs)),
            ),
        };
        out.push(Improvement {
            area,
            points: qs.iter().map(|g| g.loss(Component::Structure)).sum(),
            text,
            gist,
        });
    }

    let unmeasured: Vec<&Graded> = assessable
        .iter()
        .copied()
        .filter(|g| g.story.as_ref().is_some_and(|s| !s.measurable))
        .collect();
    if !unmeasured.is_empty() {
        let none = unmeasured
            .iter()
            .all(|g| g.story.as_ref().is_some_and(|s| s.result == 0.0));
        let how = match (none, unmeasured.len() > 1) {
            (true, false) => "stops before any result",
            (true, true) => "stop before any result",
            (false, false) => "gives no number for its result",
            (false, true) => "give no number for their results",
        };
        out.push(Improvement {
            area: Area::Results,
            points: unmeasured
                .iter()
                .map(|g| g.share * RESULT_EMPHASIS * (1.0 - g.story.as_ref().map_or(0.0, |s| s.result)))
                .sum(),
            text: format!(
                "End every story with a measurable result (a metric that moved, time saved, incidents \
                 avoided); {} {how}.",
                qrefs(&unmeasured)
            ),
            gist: format!("{} {how}", qrefs(&unmeasured)),
        });
    }

    let no_trade: Vec<&Graded> = assessable
        .iter()
        .copied()
        .filter(|g| g.trade_offs.is_some_and(|t| t < 0.5))
        .collect();
    if !no_trade.is_empty() {
        out.push(Improvement {
            area: Area::TradeOffs,
            points: no_trade.iter().map(|g| g.loss(Component::TradeOffs)).sum(),
            text: format!(
                "Make trade-offs explicit: after each choice, say what it costs and when you would pick the \
                 alternative (\"this works because…, but the downside is…\"); {} had {}.",
                qrefs(&no_trade),
                if no_trade.iter().all(|g| g.trade_offs == Some(0.0)) {
                    "none"
                } else {
                    "almost none"
                }
            ),
            gist: format!("no trade-off is ever stated ({})", qrefs(&no_trade)),
        });
    }

    let few_numbers: Vec<&Graded> = assessable
        .iter()
        .copied()
        .filter(|g| g.estimates.is_some_and(|e| e < 0.5))
        .collect();
    if !few_numbers.is_empty() {
        let detail: Vec<String> = few_numbers
            .iter()
            .map(|g| match g.quantities.first() {
                None => format!("{} had none", g.qref()),
                Some(q) => format!("{} had only \"{q}\"", g.qref()),
            })
            .collect();
        out.push(Improvement {
            area: Area::Estimation,
            points: few_numbers.iter().map(|g| g.loss(Component::Estimates)).sum(),
            text: format!(
                "Put numbers on your estimates before designing: requests per second, storage over the \
                 retention period, the read/write ratio; {}.",
                join_and(&detail)
            ),
            gist: format!("{} never sized the problem with numbers", qrefs(&few_numbers)),
        });
    }

    let shallow: Vec<&Graded> = assessable.iter().copied().filter(|g| g.depth < 0.45).collect();
    if let Some(worst) = shallow.iter().min_by(|a, b| a.depth.total_cmp(&b.depth)) {
        out.push(Improvement {
            area: Area::Depth,
            points: shallow.iter().map(|g| g.loss(Component::Depth)).sum(),
            text: format!(
                "Go a level deeper: after naming a technique, explain why it fits and what it costs; {} was \
                 {} words for {} question.",
                worst.qref(),
                worst.words,
                minutes_adjective(worst.minutes())
            ),
            gist: format!("ideas are named rather than explained ({})", qrefs(&shallow)),
        });
    }

    // Missing criteria: those that are a matter of form add to the areas above; the rest
    // are gaps in content.
    let mut gaps: Vec<(f64, &Graded, &CriterionEval)> = Vec::new();
    for g in &assessable {
        let (w_cov, _) = g.part(Component::Coverage).unwrap_or((0.0, 0.0));
        let total = g.total_weight();
        for c in g.missing() {
            let points = g.share * w_cov * f64::from(c.weight) / total * (1.0 - c.score);
            let area = criterion_area(g, c);
            match out.iter_mut().find(|i| i.area == area && area != Area::Knowledge) {
                Some(improvement) => improvement.points += points,
                None => gaps.push((points, g, c)),
            }
        }
    }
    gaps.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(a.1.item.position.cmp(&b.1.item.position))
    });
    if let Some((_, g, c)) = gaps.first() {
        let others: Vec<String> = gaps
            .iter()
            .skip(1)
            .take(2)
            .map(|(_, g, c)| format!("{} in {}", lower_first(&c.label), g.qref()))
            .collect();
        let also = if others.is_empty() {
            String::new()
        } else {
            format!(" Then {}.", join_and(&others))
        };
        out.push(Improvement {
            area: Area::Knowledge,
            points: gaps.iter().take(3).map(|x| x.0).sum(),
            text: format!(
                "Cover {} in {}: a strong answer {}.{also}",
                lower_first(&c.label),
                g.qref(),
                lower_first(&c.covers)
            ),
            gist: format!("{} left out {}", g.qref(), lower_first(&c.label)),
        });
    }

    let unclear: Vec<&Graded> = answered
        .iter()
        .copied()
        .filter(|g| g.clarity.score < 0.55 && g.words >= 25)
        .collect();
    if let Some(worst) = unclear
        .iter()
        .min_by(|a, b| a.clarity.score.total_cmp(&b.clarity.score))
    {
        let c = &worst.clarity;
        let detail = if c.avg_sentence > 24.0 {
            format!("{} averaged {:.0} words a sentence", worst.qref(), c.avg_sentence)
        } else if c.hedge_count > 0 {
            format!("{} leaned on {}", worst.qref(), quoted(&c.hedges, 3))
        } else {
            format!("{} was hard to follow", worst.qref())
        };
        out.push(Improvement {
            area: Area::Communication,
            points: unclear
                .iter()
                .map(|g| g.share * 5.0 * (1.0 - g.clarity.score))
                .sum(),
            text: format!("Say it plainly: short sentences, one point each, no hedging; {detail}."),
            gist: format!(
                "the answers are harder to follow than they should be ({})",
                qrefs(&unclear)
            ),
        });
    }

    let off_time: Vec<&Graded> = answered
        .iter()
        .copied()
        .filter(|g| g.timing.is_some_and(|t| t.verdict != Timing::OnTime))
        .collect();
    if !off_time.is_empty() {
        // The two longest questions are named; the rest are counted.
        let spent = |verdict: Timing| -> Vec<String> {
            let mut qs: Vec<(&Graded, TimingEval)> = off_time
                .iter()
                .filter_map(|g| g.timing.filter(|t| t.verdict == verdict).map(|t| (*g, t)))
                .collect();
            let count = qs.len();
            qs.sort_by(|a, b| {
                b.1.expected_minutes
                    .cmp(&a.1.expected_minutes)
                    .then(a.0.item.position.cmp(&b.0.item.position))
            });
            qs.truncate(2);
            qs.sort_by_key(|(g, _)| g.item.position);
            let mut named: Vec<String> = qs
                .iter()
                .map(|(g, t)| {
                    format!(
                        "{} on {} ({} expected)",
                        minutes_phrase(t.spent_seconds),
                        g.qref(),
                        expected_range(t.expected_minutes)
                    )
                })
                .collect();
            if count > named.len() {
                named.push(format!(
                    "{} more question{} like that",
                    count - 2,
                    if count == 3 { "" } else { "s" }
                ));
            }
            named
        };
        let rushed = spent(Timing::Rushed);
        let long = spent(Timing::Long);
        let rushed_design = off_time
            .iter()
            .any(|g| g.shape == Shape::Design && g.timing.is_some_and(|t| t.verdict == Timing::Rushed));
        let mut text = String::new();
        if !rushed.is_empty() {
            let advice = if rushed_design {
                "spend the first few minutes on requirements and estimates before any design"
            } else {
                "use the time to explain your reasoning and the edge cases"
            };
            text.push_str(&format!(
                "Slow down and use the time: you spent {}; {advice}.",
                join_and(&rushed)
            ));
        }
        if !long.is_empty() {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&format!(
                "Keep an eye on the clock: you spent {}.",
                join_and(&long)
            ));
        }
        let gist = if rushed.is_empty() {
            format!("answers ran long ({})", join_and(&long))
        } else {
            format!("answers were rushed ({})", join_and(&rushed))
        };
        out.push(Improvement {
            area: Area::Timing,
            points: off_time.iter().map(|g| g.loss(Component::Timing)).sum(),
            text,
            gist,
        });
    }

    out.retain(|i| i.points > 0.05 || matches!(i.area, Area::Timing | Area::Unanswered));
    out.sort_by(|a, b| b.points.total_cmp(&a.points));
    let timing = out
        .iter()
        .position(|i| i.area == Area::Timing)
        .map(|i| out.remove(i));
    out.truncate(if timing.is_some() { 3 } else { 4 });
    out.extend(timing);
    if out.len() < 2 {
        out.extend(stretch_goals(graded).into_iter().take(2 - out.len()));
    }
    out
}

/// Next steps for an interview with (almost) nothing left to fix.
fn stretch_goals(graded: &[Graded]) -> Vec<Improvement> {
    let has = |shape: Shape| graded.iter().any(|g| g.shape == shape && !g.too_short());
    let mut goals: Vec<&str> = Vec::new();
    if has(Shape::Design) {
        goals.push(
            "Stretch the deep dive: pick the component most likely to break at ten times the load and walk \
             through how you would detect and contain that failure.",
        );
    }
    if has(Shape::Approach) {
        goals.push(
            "Anchor technical answers in a system you actually ran: first-hand detail is what separates a \
             strong answer from an outstanding one.",
        );
    }
    if has(Shape::Story) {
        goals.push(
            "Prepare a second story for each theme, with a different kind of result, so follow-up questions \
             never leave you without material.",
        );
    }
    goals.push(
        "Rehearse against the clock: cover the same ground in about 80% of the expected time to leave room \
         for the interviewer's follow-ups.",
    );
    goals
        .into_iter()
        .map(|text| Improvement {
            area: Area::Knowledge,
            points: 0.0,
            text: text.to_owned(),
            gist: String::new(),
        })
        .collect()
}

fn minutes_adjective(minutes: u32) -> String {
    with_article(&format!("{minutes}-minute"))
}

struct Strength {
    points: f64,
    text: String,
    label: String,
    quotes: Vec<String>,
}

fn strengths(graded: &[Graded], dims: &[Dimension]) -> Vec<Strength> {
    let mut by_criterion: Vec<(u32, Strength)> = Vec::new();
    for g in graded.iter().filter(|g| !g.too_short()) {
        let (w_cov, _) = g.part(Component::Coverage).unwrap_or((0.0, 0.0));
        let total = g.total_weight();
        for c in g.strongest(0.67) {
            let points = g.share * w_cov * f64::from(c.weight) / total * c.score;
            let quotes = quoted(&c.quotes, 3);
            let text = match (g.shape, criterion_area(g, c)) {
                (Shape::Story, _) => format!(
                    "{} ({}): concrete and in your own words ({quotes}).",
                    c.label,
                    g.qref()
                ),
                (_, Area::Knowledge) => {
                    format!(
                        "{} ({}): you reached for the right concepts, {quotes}.",
                        c.label,
                        g.qref()
                    )
                }
                _ => format!("{} ({}): well covered, with {quotes}.", c.label, g.qref()),
            };
            by_criterion.push((
                g.item.position,
                Strength {
                    points,
                    text,
                    label: c.label.clone(),
                    quotes: c.quotes.clone(),
                },
            ));
        }
    }
    by_criterion.sort_by(|a, b| b.1.points.total_cmp(&a.1.points).then(a.0.cmp(&b.0)));
    // The best of each question first, so the list reflects the whole interview; then
    // the next best, at most two per question.
    let mut picked: Vec<usize> = Vec::new();
    let mut positions: Vec<u32> = Vec::new();
    for (i, (position, _)) in by_criterion.iter().enumerate() {
        if picked.len() < 3 && !positions.contains(position) {
            picked.push(i);
            positions.push(*position);
        }
    }
    for (i, (position, _)) in by_criterion.iter().enumerate() {
        if picked.len() < 3 && !picked.contains(&i) && positions.iter().filter(|&p| p == position).count() < 2
        {
            picked.push(i);
            positions.push(*position);
        }
    }
    picked.sort_unstable();
    let mut out: Vec<Strength> = by_criterion
        .into_iter()
        .enumerate()
        .filter(|(i, _)| picked.contains(i))
        .map(|(_, (_, s))| s)
        .collect();

    let dim = |key: &str| dims.iter().find(|d| d.key == key).map(|d| d.score);
    let answered: Vec<&Graded> = graded.iter().filter(|g| !g.too_short()).collect();
    if dim("structure").is_some_and(|s| s >= 75)
        && let Some(best) = answered.iter().max_by(|a, b| a.structure.total_cmp(&b.structure))
    {
        out.push(Strength {
            points: 1.0,
            text: format!(
                "Well-organised answers: {} in particular followed the order interviewers expect ({}).",
                best.qref(),
                best.shape.flow()
            ),
            label: "structure".to_owned(),
            quotes: Vec::new(),
        });
    }
    if dim("estimation").is_some_and(|s| s >= 75) {
        let figures: Vec<String> = answered
            .iter()
            .flat_map(|g| g.quantities.iter().cloned())
            .collect();
        out.push(Strength {
            points: 1.0,
            text: format!("You size problems with real numbers ({}).", quoted(&figures, 3)),
            label: "estimation".to_owned(),
            quotes: Vec::new(),
        });
    }
    if dim("trade_offs").is_some_and(|s| s >= 75) {
        let markers: Vec<String> = answered
            .iter()
            .flat_map(|g| g.trade_markers.iter().cloned())
            .collect();
        let mut distinct: Vec<String> = Vec::new();
        for m in markers {
            if !distinct.iter().any(|d| d.eq_ignore_ascii_case(&m)) {
                distinct.push(m);
            }
        }
        out.push(Strength {
            points: 1.0,
            text: format!(
                "You make trade-offs explicit ({}), which is exactly what interviewers probe for.",
                quoted(&distinct, 3)
            ),
            label: "trade-offs".to_owned(),
            quotes: Vec::new(),
        });
    }
    let timed = answered.iter().filter(|g| g.timing.is_some()).count();
    if timed >= 2 && dim("time_management").is_some_and(|s| s >= 95) {
        out.push(Strength {
            points: 0.5,
            text: "Good pacing: every answer used about the time its question deserves.".to_owned(),
            label: "pacing".to_owned(),
            quotes: Vec::new(),
        });
    }
    out.truncate(4);

    if out.len() < 2 {
        // A start is still worth naming when nothing was fully covered.
        let mut partial: Vec<Strength> = Vec::new();
        for g in graded.iter().filter(|g| !g.too_short()) {
            for c in g.strongest(0.3).into_iter().filter(|c| c.score < 0.67) {
                if out.iter().any(|s| s.label == c.label) {
                    continue;
                }
                partial.push(Strength {
                    points: g.share * c.score,
                    text: format!(
                        "A start on {} ({}): you mentioned {}.",
                        lower_first(&c.label),
                        g.qref(),
                        quoted(&c.quotes, 2)
                    ),
                    label: c.label.clone(),
                    quotes: c.quotes.clone(),
                });
            }
        }
        partial.sort_by(|a, b| b.points.total_cmp(&a.points));
        let room = 2 - out.len();
        out.extend(partial.into_iter().take(room));
    }
    if out.len() < 2
        && let Some(g) = graded
            .iter()
            .filter(|g| !g.too_short() && g.clarity.score >= 0.6)
            .max_by(|a, b| a.clarity.score.total_cmp(&b.clarity.score))
    {
        out.push(Strength {
            points: 0.1,
            text: format!(
                "Readable answers: in {}, direct sentences of about {:.0} words that are easy to follow.",
                g.qref(),
                g.clarity.avg_sentence
            ),
            label: "clarity".to_owned(),
            quotes: Vec::new(),
        });
    }
    out
}

/// Overall dimensions, weighted by expected minutes, in a fixed order.
fn dimensions(graded: &[Graded]) -> Vec<Dimension> {
    let mean = |pairs: Vec<(f64, f64)>| -> Option<u8> {
        let total: f64 = pairs.iter().map(|p| p.0).sum();
        (total > 0.0).then(|| pct(pairs.iter().map(|p| p.0 * p.1).sum::<f64>() / total))
    };
    let weight = |g: &Graded| f64::from(g.minutes());
    let gated = |g: &Graded, c: Component| g.part(c).map(|p| p.1);
    let specs: [(&str, &str, Option<u8>); 7] = [
        (
            "knowledge",
            "Knowledge",
            mean(
                graded
                    .iter()
                    .filter_map(|g| g.coverage.map(|c| (weight(g), c)))
                    .collect(),
            ),
        ),
        (
            "structure",
            "Structure",
            mean(
                graded
                    .iter()
                    .filter_map(|g| gated(g, Component::Structure).map(|s| (weight(g), s)))
                    .collect(),
            ),
        ),
        (
            "estimation",
            "Estimation",
            mean(
                graded
                    .iter()
                    .filter_map(|g| gated(g, Component::Estimates).map(|s| (weight(g), s)))
                    .collect(),
            ),
        ),
        (
            "trade_offs",
            "Trade-offs",
            mean(
                graded
                    .iter()
                    .filter_map(|g| gated(g, Component::TradeOffs).map(|s| (weight(g), s)))
                    .collect(),
            ),
        ),
        (
            "depth",
            "Depth",
            mean(
                graded
                    .iter()
                    .filter_map(|g| gated(g, Component::Depth).map(|s| (weight(g), s)))
                    .collect(),
            ),
        ),
        (
            "communication",
            "Communication",
            mean(graded.iter().map(|g| (weight(g), g.clarity.score)).collect()),
        ),
        (
            "time_management",
            "Time management",
            mean(
                graded
                    .iter()
                    .filter_map(|g| gated(g, Component::Timing).map(|s| (weight(g), s)))
                    .collect(),
            ),
        ),
    ];
    specs
        .into_iter()
        .filter_map(|(key, label, score)| {
            score.map(|score| Dimension {
                key: key.to_owned(),
                label: label.to_owned(),
                score,
            })
        })
        .collect()
}

fn summary(
    verdict: Verdict,
    graded: &[Graded],
    strengths: &[Strength],
    improvements: &[Improvement],
) -> String {
    let named: Vec<String> = strengths
        .iter()
        .filter(|s| !s.quotes.is_empty())
        .take(2)
        .map(|s| lower_first(&s.label))
        .collect();
    let mut quotes: Vec<String> = Vec::new();
    for q in strengths.iter().flat_map(|s| s.quotes.iter().take(2)) {
        if quotes.len() < 3 && !quotes.iter().any(|x| x.eq_ignore_ascii_case(q)) {
            quotes.push(q.clone());
        }
    }
    let ground = if named.is_empty() {
        String::new()
    } else {
        format!("{} ({})", join_and(&named), quoted(&quotes, 3))
    };
    let across = if graded.len() > 1 {
        format!(" across {} answers", graded.len())
    } else {
        String::new()
    };
    let first = match (verdict, ground.is_empty()) {
        (Verdict::Outstanding, false) => {
            format!("An outstanding interview{across}, with a sure command of {ground}.")
        }
        (Verdict::Outstanding, true) => format!("An outstanding interview{across}."),
        (Verdict::Strong, false) => {
            format!("A strong interview overall, built on solid handling of {ground}.")
        }
        (Verdict::Strong, true) => "A strong interview overall, with well-reasoned answers.".to_owned(),
        (Verdict::Acceptable, false) => {
            format!(
                "Close to the bar: you showed real knowledge of {ground}, but not consistently enough to \
                 pass."
            )
        }
        (Verdict::Acceptable, true) => "Close to the bar, but not consistently enough to pass.".to_owned(),
        (Verdict::NeedsWork, false) => {
            format!("Your knowledge shows in {ground}, but the answers have clear gaps.")
        }
        (Verdict::NeedsWork, true) => "The answers show promise but have clear gaps.".to_owned(),
        (Verdict::NotReady, false) => {
            format!("Not ready yet: {ground} came through, but most of what these questions test did not.")
        }
        (Verdict::NotReady, true) => {
            "Not ready yet: the answers don't yet show what these questions test.".to_owned()
        }
    };
    let major: Vec<&Improvement> = improvements
        .iter()
        .filter(|i| i.points >= 2.0 || i.area == Area::Unanswered)
        .take(2)
        .collect();
    let second = match major.as_slice() {
        [one] => format!("What holds the score back most: {}.", one.gist),
        [one, two, ..] => format!("What holds the score back most: {}, and {}.", one.gist, two.gist),
        [] => match improvements.first() {
            Some(i) => format!("What remains is polish: {}", lower_first(&i.text)),
            None => "There is no significant gap to point to; keep rehearsing to stay sharp.".to_owned(),
        },
    };
    format!("{first} {second}")
}

fn general_feedback(
    level: Option<&str>,
    graded: &[Graded],
    score: u8,
    improvements: &[Improvement],
    strengths: &[Strength],
) -> String {
    let who = match level {
        Some(l) => format!("At {l} level"),
        None => "At any level".to_owned(),
    };
    let asset = strengths.iter().find(|s| !s.quotes.is_empty()).map(|s| {
        format!(
            "Your work on {} shows the knowledge is there; ",
            lower_first(&s.label)
        )
    });
    if graded.iter().all(Graded::empty) {
        return "There is nothing to assess yet: no question was answered. Run the interview again and talk \
                through each question, even roughly; a partial answer always beats silence, and it gives \
                this report something to work with."
            .to_owned();
    }
    let main = improvements
        .iter()
        .find(|i| i.points >= 2.0 || i.area == Area::Unanswered);
    let body = match main.map(|i| i.area) {
        _ if score >= 85 => format!(
            "{who}, this is what interviewers hope to see: the content is right and you show how you think. \
             Keep rehearsing under time pressure and vary the questions so the structure stays automatic."
        ),
        Some(Area::DesignStructure) => format!(
            "{who}, interviewers want to watch you drive an open problem, not recall components. Jumping \
             into the implementation hides the judgement they are scoring: the opening minutes on \
             requirements and estimates count as much as the boxes, because they are what make every later \
             choice defensible."
        ),
        Some(Area::TradeOffs) => format!(
            "{who}, a design or technique without its cost sounds recited. Interviewers push on trade-offs \
             because real systems are built from them; naming the alternative you rejected, and why, is what \
             separates a considered answer from a memorised one."
        ),
        Some(Area::Estimation) => format!(
            "{who}, you are expected to size the problem yourself. Throughput, storage and ratios are what \
             justify the components you pick; without them the interviewer has to take the design on trust."
        ),
        Some(Area::Depth) => format!(
            "{who}, every technique you name will be probed. Get there first: say how it works, why it fits \
             this problem and what it costs, before the interviewer has to ask."
        ),
        Some(Area::Results | Area::BehavioralStructure) => format!(
            "{who}, behavioral answers are judged on what you personally did and what changed because of it. \
             Keep the situation brief, spend most of the time on your actions, and close with a result you \
             can measure and an honest lesson."
        ),
        Some(Area::TechnicalStructure) => format!(
            "{who}, a technical answer should start from the core idea and then prove you have used it: a \
             real example, the ways it fails and what it costs. Facts without that frame are hard to score."
        ),
        Some(Area::Knowledge) => format!(
            "{who}, the gaps are mostly in content, and interviewers expect these topics to come up \
             unprompted. Work through the ideal answers below and practise explaining them in your own words \
             until the key terms come naturally."
        ),
        Some(Area::Timing) => format!(
            "{who}, pacing matters: an answer that ends early leaves the interviewer too little to score. \
             Use the full time to scope, answer and then test your own solution for weaknesses."
        ),
        Some(Area::Communication | Area::FreeFormStructure) => format!(
            "{who}, how you say it is part of the grade. Lead with the answer, give your points in order, \
             and keep each sentence to one idea so the interviewer can follow your reasoning live."
        ),
        Some(Area::Unanswered) => format!(
            "{who}, an unanswered question scores nothing, while a rough but honest attempt earns partial \
             credit and shows how you think under pressure. Always say something: your assumptions, a first \
             approach, what you would check."
        ),
        None => format!(
            "{who}, the fundamentals are in place. The remaining points come from polish: sharper structure, \
             explicit trade-offs and concrete numbers in every answer."
        ),
    };
    let content_gap = main.is_some_and(|i| i.area == Area::Knowledge);
    match asset {
        Some(a) if score < 85 && !content_gap => format!("{}{}", upper_first(&a), lower_first(&body)),
        _ => body,
    }
}

// ---------------------------------------------------------------------------

/// Grades an interview against its rubrics. Pure: the same input gives the same output.
pub fn grade(input: &GradingInput) -> Assessment {
    grade_with(input, FIT)
}

/// One line per question of what the checks saw (the calibration bench prints it).
pub fn diagnostics(input: &GradingInput) -> Vec<String> {
    graded_items(input, level_of(input).as_deref(), FIT)
        .iter()
        .map(|g| {
            let c = &g.checks;
            format!(
                "before checks {:.0}; relevance own {:.1}, density {:.3}, best other {:.1}; off-topic {}; \
                 misconceptions [{}]; issues [{}]; heavy missing [{}]",
                c.before_checks * 100.0,
                c.relevance.own,
                c.relevance.density,
                c.relevance.best_other,
                c.off_topic.is_some(),
                c.misconceptions
                    .iter()
                    .map(|m| m.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                c.issues
                    .iter()
                    .map(|i| format!("{i:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                c.heavy_missing.join(", "),
            )
        })
        .collect()
}

fn graded_items<'a>(input: &'a GradingInput, level: Option<&str>, fit: Fit) -> Vec<Graded<'a>> {
    let tokens: Vec<Vec<String>> = input.items.iter().map(|i| matching::tokens(&i.answer)).collect();
    let keyed: Vec<(u32, &[String])> = input
        .items
        .iter()
        .zip(&tokens)
        .map(|(i, t)| (i.position, t.as_slice()))
        .collect();
    let repeats = coherence::repeated(&keyed);
    input
        .items
        .iter()
        .zip(repeats)
        .map(|(item, repeats)| grade_item(item, level, repeats, fit))
        .collect()
}

/// [`grade`] with another score mapping (the calibration bench fits it).
pub fn grade_with(input: &GradingInput, fit: Fit) -> Assessment {
    let level = level_of(input);
    let level = level.as_deref();
    let mut graded: Vec<Graded> = graded_items(input, level, fit);
    let total_minutes: f64 = graded.iter().map(|g| f64::from(g.minutes())).sum();
    for g in &mut graded {
        g.share = if total_minutes > 0.0 {
            f64::from(g.minutes()) / total_minutes
        } else {
            0.0
        };
    }
    let overall = graded.iter().map(|g| g.share * g.score).sum::<f64>();
    let score = pct(overall);
    let verdict = Verdict::from_score(score);
    let dims = dimensions(&graded);
    let improvements = improvements(&graded);
    let strengths = strengths(&graded, &dims);

    let questions: Vec<QuestionReport> = graded
        .iter()
        .map(|g| {
            let gap = main_gap(g);
            QuestionReport {
                position: g.item.position,
                question: g.item.prompt.clone(),
                kind: g.item.kind,
                is_follow_up: g.item.is_follow_up,
                answer: g.item.answer.clone(),
                time_spent_seconds: g.item.time_spent_seconds,
                expected_minutes: g.item.expected_minutes,
                score: pct(g.score),
                feedback_summary: feedback_summary(g, gap),
                feedback: feedback(g, level),
                ideal_answer: g.item.ideal_answer.clone(),
                tips: g.item.tips.clone(),
                timing: g.timing.map(|t| t.verdict),
                criteria: g
                    .criteria
                    .iter()
                    .map(|c| CriterionResult {
                        key: c.key.clone(),
                        label: c.label.clone(),
                        weight: c.weight,
                        score: pct(c.score),
                        evidence: c.evidence.clone(),
                    })
                    .collect(),
            }
        })
        .collect();

    let (summary_text, general) = if graded.is_empty() {
        (
            "No questions were answered, so there is nothing to grade yet. Run the interview and answer at \
             least one question to get feedback."
                .to_owned(),
            "There is nothing to assess yet. Answer each question, even roughly; a partial answer always \
             beats silence."
                .to_owned(),
        )
    } else {
        (
            summary(verdict, &graded, &strengths, &improvements),
            general_feedback(level, &graded, score, &improvements, &strengths),
        )
    };
    let answered = graded.iter().filter(|g| !g.empty()).count();
    let strength_texts: Vec<String> = if strengths.is_empty() && answered > 0 {
        // Nothing earned credit yet: say honestly what there is to build on.
        let attempted = if answered == graded.len() {
            "every question".to_owned()
        } else {
            format!("{answered} of {} questions", graded.len())
        };
        vec![format!(
            "You attempted {attempted}; the next step is to turn each attempt into a full answer."
        )]
    } else {
        strengths.into_iter().map(|s| s.text).collect()
    };

    Assessment {
        verdict,
        score,
        dimensions: dims,
        summary: summary_text,
        strengths: strength_texts,
        improvements: improvements.into_iter().map(|i| i.text).collect(),
        general_feedback: general,
        questions,
        grader: GraderInfo {
            kind: "rubric".to_owned(),
            model: None,
            prompt_version: RUBRIC_VERSION.to_owned(),
            prompt_tokens: 0,
            completion_tokens: 0,
            cost_usd: 0.0,
            latency_ms: 0,
            fallback: false,
            flags: Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn criterion(key: &str, label: &str, weight: u32, covers: &str, signals: &[&str], min: u32) -> Criterion {
        Criterion {
            key: key.to_owned(),
            label: label.to_owned(),
            weight,
            covers: covers.to_owned(),
            signals: signals.iter().map(|s| (*s).to_owned()).collect(),
            min_signals: min,
            core: Vec::new(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn item(
        position: u32,
        prompt: &str,
        kind: Option<QuestionKind>,
        is_follow_up: bool,
        answer: &str,
        seconds: Option<u32>,
        minutes: Option<u32>,
        rubric: Vec<Criterion>,
    ) -> GradingItem {
        GradingItem {
            position,
            prompt: prompt.to_owned(),
            kind,
            is_follow_up,
            answer: answer.to_owned(),
            time_spent_seconds: seconds,
            expected_minutes: minutes,
            rubric,
            ideal_answer: Some(format!("An ideal answer to: {prompt}")),
            tips: vec!["A tip.".to_owned()],
        }
    }

    fn input(items: Vec<GradingItem>) -> GradingInput {
        GradingInput {
            track: None,
            level: Some("senior".to_owned()),
            items,
        }
    }

    const URL_PROMPT: &str = "Design a URL shortener like bit.ly that handles 100 million new URLs per day.";

    fn url_rubric() -> Vec<Criterion> {
        vec![
            criterion(
                "requirements",
                "Requirements",
                3,
                "Pins down the functional scope (shorten, redirect, custom aliases, expiry, click analytics) \
                 and the non-functional targets (redirect latency, availability, read-heavy traffic) before \
                 designing anything.",
                &[
                    "functional requirement",
                    "non-functional",
                    "custom alias",
                    "expiry",
                    "expiration",
                    "analytics",
                    "latency",
                    "availability",
                    "read-heavy",
                    "read/write ratio",
                ],
                3,
            ),
            criterion(
                "scale_estimation",
                "Scale estimation",
                3,
                "Turns 100M/day into writes per second, redirects per second and multi-year storage, and \
                 uses those numbers to choose the short-code length and the storage tier.",
                &[
                    "per second",
                    "qps",
                    "1,160",
                    "1,200",
                    "TB",
                    "bytes",
                    "storage",
                    "100:1",
                    "5 years",
                    "62^7",
                ],
                3,
            ),
            criterion(
                "high_level_design",
                "High-level design",
                3,
                "Lays out the write path (API, ID generation, encoding, persistence) and the read path \
                 (redirect service, cache, CDN, datastore), with a key-value store partitioned by short \
                 code.",
                &[
                    "key-value",
                    "kv store",
                    "dynamodb",
                    "cassandra",
                    "base62",
                    "shard",
                    "sharded",
                    "sharding",
                    "load balancer",
                    "redirect service",
                ],
                3,
            ),
            criterion(
                "code_generation_deep_dive",
                "Deep dive: code generation and caching",
                3,
                "Goes deep on short-code generation (counter ranges or Snowflake-style IDs versus hashing \
                 with collision handling) and on keeping redirects fast with cache sizing and eviction.",
                &[
                    "counter",
                    "counter range",
                    "id range",
                    "snowflake",
                    "zookeeper",
                    "collision",
                    "md5",
                    "hashing",
                    "lru",
                    "cache hit",
                ],
                2,
            ),
            criterion(
                "trade_offs",
                "Trade-offs",
                2,
                "States the cost of each choice: 301 versus 302 (cacheability versus accurate click counts), \
                 guessable sequential codes, cross-region consistency of the mapping, and the price of the \
                 cache tier.",
                &[
                    "trade-off",
                    "tradeoff",
                    "301",
                    "302",
                    "guessable",
                    "predictable",
                    "eventual consistency",
                    "downside",
                    "at the cost of",
                    "versus",
                ],
                2,
            ),
        ]
    }

    fn hot_keys_rubric() -> Vec<Criterion> {
        vec![
            criterion(
                "detection",
                "Detection",
                3,
                "Explains how a hot key is noticed (per-key request sampling, top-K tracking, or one shard's \
                 load diverging from the rest) before choosing a fix.",
                &[
                    "detect",
                    "detection",
                    "top-k",
                    "count-min sketch",
                    "per-key",
                    "sample",
                    "sampling",
                    "hot shard",
                    "monitor",
                    "alert",
                ],
                2,
            ),
            criterion(
                "mitigation",
                "Mitigation techniques",
                4,
                "Describes concrete mitigations such as CDN edge caching, an in-process cache with a short \
                 TTL, replicating the key across shards, and request coalescing to prevent stampedes.",
                &[
                    "local cache",
                    "in-process",
                    "replicate",
                    "replica",
                    "suffix",
                    "cdn",
                    "request coalescing",
                    "single-flight",
                    "l1 cache",
                    "stampede",
                ],
                2,
            ),
            criterion(
                "trade_offs",
                "Trade-offs",
                3,
                "Names what each mitigation costs (stale redirects after edits or takedowns, extra memory, \
                 invalidation complexity) and how short TTLs or explicit purges contain it.",
                &[
                    "stale",
                    "staleness",
                    "ttl",
                    "invalidation",
                    "invalidate",
                    "purge",
                    "memory",
                    "trade-off",
                    "tradeoff",
                    "consistency",
                ],
                2,
            ),
        ]
    }

    /// A weak, rushed answer: the right components, no requirements, numbers or trade-offs.
    const WEAK_URL: &str = "Short codes come from a counter that we encode in base62. The mapping from code \
                            to long URL lives in a key-value store such as DynamoDB, with a CDN in front to \
                            take the redirect traffic. Click analytics are published to a queue and \
                            processed asynchronously.";

    const WEAK_HOT_KEYS: &str = "Spread the load with consistent hashing, and maybe keep a small local cache \
        in front of the shared cache for the hottest entries. We could also replicate popular keys to a few \
        extra nodes.";

    const STRONG_URL: &str = "Let me start with requirements. Functional: shorten a URL, redirect, optional \
        custom alias and expiry, and click analytics. Non-functional: redirect latency under 50 ms at p99, \
        high availability for reads, and a read-heavy workload.\n\n\
        Estimates: 100 million new URLs per day is about 1,160 writes per second, peaking near 3,500. With a \
        100:1 read/write ratio that is roughly 116K redirects per second. Over 5 years we store 182 billion \
        links at about 500 bytes each, so around 90 TB before replication, which means 7 base62 characters \
        (62^7 is about 3.5 trillion codes).\n\n\
        High-level design: a stateless write API behind a load balancer, an ID generator that hands out \
        counter ranges to each node, base62 encoding, and a key-value store such as Cassandra sharded by \
        short code. Reads go through a redirect service behind a CDN and a Redis cache.\n\n\
        Deep dive: counter ranges versus hashing. Hashing with MD5 needs collision checks on every insert, \
        while counter ranges from ZooKeeper never collide, so I prefer them. I would size the cache for the \
        hottest 20% of links with LRU eviction, because traffic is heavily skewed.\n\n\
        Trade-offs: a 301 lets browsers cache the redirect and saves load, but we lose click counts, so I \
        would use 302. Sequential codes are guessable, so shuffle them; the downside is a little extra \
        complexity. Analytics go to Kafka asynchronously so they never sit on the redirect path.";

    fn weak_interview() -> GradingInput {
        input(vec![
            item(
                1,
                URL_PROMPT,
                Some(QuestionKind::SystemDesign),
                false,
                WEAK_URL,
                Some(4 * 60),
                Some(30),
                url_rubric(),
            ),
            item(
                2,
                "How would you handle hot keys in your cache layer?",
                Some(QuestionKind::SystemDesign),
                true,
                WEAK_HOT_KEYS,
                Some(150),
                Some(8),
                hot_keys_rubric(),
            ),
        ])
    }

    fn all_scores(a: &Assessment) -> Vec<u8> {
        let mut scores = vec![a.score];
        scores.extend(a.dimensions.iter().map(|d| d.score));
        for q in &a.questions {
            scores.push(q.score);
            scores.extend(q.criteria.iter().map(|c| c.score));
        }
        scores
    }

    #[test]
    fn weak_rushed_url_shortener_gets_specific_feedback() {
        let a = grade(&weak_interview());
        let q = &a.questions[0];
        assert_eq!(q.timing, Some(Timing::Rushed));
        assert!(
            a.verdict != Verdict::Outstanding && a.verdict != Verdict::Strong,
            "{:?}",
            a.verdict
        );
        assert!(a.score < 70, "{}", a.score);
        assert!(q.score < 55, "{}", q.score);
        assert!(q.feedback.contains("\"base62\""), "{}", q.feedback);
        assert!(q.feedback.contains("scale estimation"), "{}", q.feedback);
        assert!(q.feedback.contains("requirements"), "{}", q.feedback);
        assert!(
            q.feedback.contains("4 minutes") && q.feedback.contains("25–30 minutes"),
            "{}",
            q.feedback
        );
        assert!(
            q.feedback_summary.contains("requirements and scale estimation"),
            "{}",
            q.feedback_summary
        );
        let improvements = a.improvements.join("\n");
        assert!(
            improvements.contains("Structure design answers as requirements →"),
            "{improvements}"
        );
        assert!(improvements.contains("4 minutes on Q1"), "{improvements}");
        let hdd = a.questions[0]
            .criteria
            .iter()
            .find(|c| c.key == "high_level_design")
            .unwrap();
        assert_eq!(hdd.score, 100);
        assert_eq!(hdd.evidence, ["key-value", "dynamodb", "base62"]);
        assert!(
            a.strengths.iter().any(|s| s.contains("\"DynamoDB\"")),
            "{:?}",
            a.strengths
        );
        assert!(a.general_feedback.starts_with("Your ") || a.general_feedback.contains("senior"));
    }

    #[test]
    fn strong_structured_answer_on_time_scores_high() {
        let a = grade(&input(vec![item(
            1,
            URL_PROMPT,
            Some(QuestionKind::SystemDesign),
            false,
            STRONG_URL,
            Some(28 * 60),
            Some(30),
            url_rubric(),
        )]));
        let q = &a.questions[0];
        assert!(a.score >= 80, "{} {}", a.score, q.feedback);
        assert!(matches!(a.verdict, Verdict::Outstanding | Verdict::Strong));
        assert_eq!(q.timing, Some(Timing::OnTime));
        assert!(q.criteria.iter().all(|c| c.score == 100), "{:?}", q.criteria);
        assert!(q.feedback.contains("1,160 writes per second"), "{}", q.feedback);
        let keys: Vec<&str> = a.dimensions.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "knowledge",
                "structure",
                "estimation",
                "trade_offs",
                "depth",
                "communication",
                "time_management"
            ]
        );
    }

    #[test]
    fn empty_answer_scores_near_zero_and_says_so() {
        for answer in ["", "   ", "Not sure."] {
            let a = grade(&input(vec![item(
                1,
                URL_PROMPT,
                Some(QuestionKind::SystemDesign),
                false,
                answer,
                Some(30),
                Some(30),
                url_rubric(),
            )]));
            let q = &a.questions[0];
            assert!(q.score <= 10 && a.score <= 10, "{answer:?}: {}", q.score);
            assert_eq!(a.verdict, Verdict::NotReady);
            assert!(
                q.feedback.starts_with("No answer was recorded")
                    || q.feedback.contains("not enough to assess"),
                "{}",
                q.feedback
            );
        }
    }

    #[test]
    fn behavioral_story_without_a_measurable_result_is_called_out() {
        let rubric = vec![
            criterion(
                "situation",
                "Situation and impact",
                2,
                "Sets up the system, how the incident was detected, and its impact.",
                &[
                    "alert",
                    "paged",
                    "on-call",
                    "customers",
                    "impact",
                    "outage",
                    "detected",
                ],
                2,
            ),
            criterion(
                "own_actions",
                "Your actions",
                4,
                "Describes what the candidate personally did.",
                &[
                    "I decided",
                    "I led",
                    "I rolled back",
                    "I took",
                    "I paused",
                    "incident lead",
                ],
                2,
            ),
            criterion(
                "result_and_follow_up",
                "Result and follow-up",
                3,
                "Shows the measurable outcome and the concrete follow-ups.",
                &["root cause", "postmortem", "action item", "never happened again"],
                2,
            ),
        ];
        let answer = "Last year I was on-call for our payments service when I got paged at 2am: an alert \
                      showed card payments failing for customers after a deploy. I took the incident lead \
                      role, I paused the deploy pipeline and I rolled back the migration that had changed an \
                      index. I decided to keep support updated in the incident channel while we checked the \
                      data.";
        let a = grade(&input(vec![item(
            1,
            "Tell me about a production incident you owned.",
            Some(QuestionKind::Behavioral),
            false,
            answer,
            Some(7 * 60),
            Some(8),
            rubric,
        )]));
        let q = &a.questions[0];
        assert!(q.feedback.contains("never reaches a result"), "{}", q.feedback);
        assert!(q.feedback_summary.contains("result"), "{}", q.feedback_summary);
        assert!(
            a.improvements.iter().any(|i| i.contains("measurable result")),
            "{:?}",
            a.improvements
        );
        assert!(
            !a.dimensions
                .iter()
                .any(|d| d.key == "estimation" || d.key == "trade_offs")
        );
    }

    #[test]
    fn free_form_question_is_judged_on_structure_depth_and_clarity() {
        let answer = "First, I would clarify what success means for the team, because priorities drive \
                      everything else.\nThen I would pick two or three measures and review them every month, \
                      so that we notice drift early.\nFinally, I would share the results openly. In summary: \
                      agree on the goal, measure it, and keep it visible.";
        let a = grade(&GradingInput {
            track: None,
            level: None,
            items: vec![item(
                1,
                "How do you keep a team focused?",
                None,
                false,
                answer,
                None,
                None,
                vec![],
            )],
        });
        let q = &a.questions[0];
        assert!(q.criteria.is_empty());
        assert!(
            q.feedback.contains("judged on structure, depth and clarity"),
            "{}",
            q.feedback
        );
        assert!(q.score > 40, "{}", q.score);
        assert_eq!(q.timing, None);
        let keys: Vec<&str> = a.dimensions.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(keys, ["structure", "depth", "communication"]);
    }

    #[test]
    fn grading_is_deterministic_and_bounded() {
        let mut items = weak_interview().items;
        items.push(item(
            3,
            URL_PROMPT,
            Some(QuestionKind::SystemDesign),
            false,
            STRONG_URL,
            Some(100 * 60),
            Some(30),
            url_rubric(),
        ));
        items.push(item(4, "Anything else?", None, false, "", Some(5), None, vec![]));
        let input = input(items);
        let first = grade(&input);
        let second = grade(&input);
        assert_eq!(first, second);
        assert!(all_scores(&first).iter().all(|&s| s <= 100));
        assert_eq!(first.questions[2].timing, Some(Timing::Long));
        assert_eq!(first.grader.kind, "rubric");
        assert_eq!(first.grader.prompt_version, RUBRIC_VERSION);
        assert!(!first.grader.fallback && first.grader.model.is_none());
        assert!((2..=4).contains(&first.improvements.len()));
        assert!((1..=4).contains(&first.strengths.len()));
        assert_eq!(first.questions[0].ideal_answer, input.items[0].ideal_answer);
        assert_eq!(first.questions[1].tips, input.items[1].tips);
        assert!(first.questions[1].is_follow_up);
    }

    #[test]
    fn longer_questions_weigh_more_in_the_overall_score() {
        let strong = |minutes| {
            item(
                1,
                URL_PROMPT,
                Some(QuestionKind::SystemDesign),
                false,
                STRONG_URL,
                None,
                Some(minutes),
                url_rubric(),
            )
        };
        let weak = |minutes| {
            item(
                2,
                URL_PROMPT,
                Some(QuestionKind::SystemDesign),
                true,
                WEAK_URL,
                None,
                Some(minutes),
                url_rubric(),
            )
        };
        let long_strong = grade(&input(vec![strong(30), weak(5)]));
        let long_weak = grade(&input(vec![strong(5), weak(30)]));
        assert!(
            long_strong.score > long_weak.score + 20,
            "{} vs {}",
            long_strong.score,
            long_weak.score
        );
        let q = &long_strong.questions;
        let expected = (30.0 * f64::from(q[0].score) + 5.0 * f64::from(q[1].score)) / 35.0;
        assert!((f64::from(long_strong.score) - expected).abs() <= 1.0);
    }

    #[test]
    fn quantities_are_found_with_units_rates_and_ratios() {
        let a = Answer::new(
            "About 1,200 writes/sec and ~116K reads per second; 90 TB over 5 years, a 100:1 ratio, 62^7 \
             codes, p99 under 50ms, (1) step one, in 2021, and 12% errors.",
        );
        let q: Vec<String> = quantities(&a).into_iter().map(|q| q.text).collect();
        assert_eq!(
            q,
            [
                "1,200 writes/sec",
                "116K reads per second",
                "90 TB",
                "5 years",
                "100:1",
                "62^7",
                "50ms",
                "12%"
            ]
        );
    }

    #[test]
    fn a_list_of_keywords_earns_half_credit() {
        let stuffed: Vec<String> = url_rubric().iter().flat_map(|c| c.signals.clone()).collect();
        let listed = grade(&input(vec![item(
            1,
            URL_PROMPT,
            Some(QuestionKind::SystemDesign),
            false,
            &stuffed.join(", "),
            Some(28 * 60),
            Some(30),
            url_rubric(),
        )]));
        let q = &listed.questions[0];
        assert!(q.criteria.iter().all(|c| c.score == 100));
        assert!(q.score <= 50, "{}", q.score);
        assert!(q.feedback.contains("list of terms"), "{}", q.feedback);
    }

    #[test]
    fn behavioral_follow_up_may_take_the_shape_of_an_approach() {
        let rubric = vec![criterion(
            "checks",
            "Check types",
            3,
            "Names freshness, volume and schema checks.",
            &["freshness", "volume", "schema", "row counts"],
            2,
        )];
        let answer = "The key is to check data before it is published. For example, freshness checks fail \
                      when no new rows arrive in two hours, and volume checks compare row counts with last \
                      week. They run in a staging table first, so a failure blocks publishing; the trade-off \
                      is that too many blocking checks make the pipeline brittle.";
        let a = grade(&input(vec![item(
            2,
            "Which automated checks would have caught it?",
            Some(QuestionKind::Behavioral),
            true,
            answer,
            Some(6 * 60),
            Some(7),
            rubric,
        )]));
        let q = &a.questions[0];
        assert!(!q.feedback.contains("never reaches a result"), "{}", q.feedback);
        assert!(q.score >= 70, "{} {}", q.score, q.feedback);
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let mut heavy = url_rubric();
        heavy[0].weight = u32::MAX;
        heavy[1].min_signals = 0;
        let answers = [
            "İstanbul ÄÖÜ ß 東京 😀 — (1) (2) 1,2,3 3.5.6 100:1:2 62^ ^7 $ % ~ 9999999999999999999999 GB/",
            "\n\n\n- \n* \n1.\n(99)\n",
            "I I I we we we. So so so because because.",
        ];
        for answer in answers {
            let a = grade(&input(vec![
                item(
                    1,
                    URL_PROMPT,
                    Some(QuestionKind::SystemDesign),
                    false,
                    answer,
                    Some(u32::MAX),
                    Some(u32::MAX),
                    heavy.clone(),
                ),
                item(
                    2,
                    "",
                    Some(QuestionKind::Behavioral),
                    true,
                    answer,
                    Some(0),
                    Some(0),
                    vec![],
                ),
                item(3, "", None, false, answer, Some(1), Some(1), vec![]),
            ]));
            assert!(all_scores(&a).iter().all(|&s| s <= 100));
        }
    }

    #[test]
    fn timing_bands_and_remarks() {
        let t = |s, m| timing_of(&item(1, "q", None, false, "a", s, m, vec![])).map(|t| t.verdict);
        assert_eq!(t(Some(4 * 60), Some(30)), Some(Timing::Rushed));
        assert_eq!(t(Some(20 * 60), Some(30)), Some(Timing::OnTime));
        assert_eq!(t(Some(60 * 60), Some(30)), Some(Timing::Long));
        assert_eq!(t(None, Some(30)), None);
        assert_eq!(t(Some(60), None), None);
        assert_eq!(expected_range(30), "25–30 minutes");
        assert_eq!(expected_range(8), "7–8 minutes");
        assert_eq!(minutes_phrase(4 * 60 + 10), "4 minutes");
        assert_eq!(minutes_phrase(20), "under a minute");
    }

    #[test]
    fn no_items_gives_an_empty_but_valid_assessment() {
        let a = grade(&input(vec![]));
        assert_eq!(a.score, 0);
        assert_eq!(a.verdict, Verdict::NotReady);
        assert!(a.questions.is_empty() && a.dimensions.is_empty());
    }
}
