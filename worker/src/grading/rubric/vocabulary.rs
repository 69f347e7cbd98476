//! Phrase lists the form checks look for: scoping, estimation, trade-off and reasoning words,
//! story phases, hedges. Phrases follow the shared matcher's rules: whole words, plural s/es.

// Lexicons. Phrases follow the matcher's rules: whole words, plural s/es accepted.

#[rustfmt::skip]
pub(super) const REQUIREMENTS: &[&str] = &[
    "requirement", "functional", "non-functional", "nonfunctional", "scope", "scoping", "use case", "clarify",
    "clarifying", "assume", "assumption", "business goal", "goals", "constraint", "out of scope", "sla",
    "slo", "pain point", "user stories", "must support", "should support", "needs to support",
];
#[rustfmt::skip]
pub(super) const ESTIMATION: &[&str] = &[
    "estimate", "estimation", "back of the envelope", "back-of-envelope", "per second", "qps", "rps",
    "throughput", "capacity", "bandwidth", "headcount", "sizing",
];
#[rustfmt::skip]
pub(super) const HIGH_LEVEL: &[&str] = &[
    "high-level", "high level", "architecture", "component", "load balancer", "api gateway", "database",
    "datastore", "data store", "key-value", "kv store", "write path", "read path", "data model", "schema",
    "queue", "kafka", "cache", "redis", "cdn", "stateless", "service", "microservice", "web server",
    "app server", "object storage", "s3", "pipeline", "ingestion", "worker", "team structure",
    "platform team", "stream-aligned",
];
#[rustfmt::skip]
pub(super) const DEEP_DIVE_EXPLICIT: &[&str] = &[
    "deep dive", "deep-dive", "dive into", "drill into", "zoom in", "in detail", "in more detail", "dig into",
    "digging into", "closer look",
];
#[rustfmt::skip]
pub(super) const DEEP_DIVE_MECHANISMS: &[&str] = &[
    "bottleneck", "hot spot", "hotspot", "hot key", "failure mode", "edge case", "partitioning",
    "replication", "consistency", "collision", "eviction", "concurrency", "race condition", "idempotent",
    "idempotency", "failover", "backpressure", "rate limit", "rebalancing", "consistent hashing",
    "exactly-once", "at-least-once", "dedupe", "retry",
];
#[rustfmt::skip]
pub(super) const TRADE_OFF_STRONG: &[&str] = &[
    "trade-off", "tradeoff", "trade off", "trades off", "downside", "drawback", "at the cost of",
    "the cost is", "it costs", "the price", "versus", "vs", "instead of", "on the other hand",
    "pros and cons", "pros", "cons", "in exchange for", "at the expense of", "rather than", "compared to",
    "compared with", "alternatively", "the alternative", "sacrifice", "more expensive", "cheaper", "give up",
    "trading", "cost", "price", "slower", "more complex",
];
#[rustfmt::skip]
pub(super) const TRADE_OFF_WEAK: &[&str] = &[
    "however", "whereas", "although", "the catch", "the risk", "the problem with", "on the flip side",
    "but it", "but the",
];
#[rustfmt::skip]
pub(super) const CONNECTORS: &[&str] = &[
    "because", "so that", "which means", "this means", "that means", "therefore", "thus", "hence", "since",
    "as a result", "that way", "this way", "in order to", "otherwise", "which lets", "which gives",
    "which keeps", "which avoids", "which is why", "that's why", "so we", "so the", "so it", "so each",
    "so a", "so only", "so nobody", "so readers", "so consumers", "the reason", "due to", "given that",
    "to avoid", "to prevent", "consequently", "in turn", "so", "means", "prevents", "ensures", "guarantees",
    "avoids", "if",
];
#[rustfmt::skip]
pub(super) const SIGNPOSTS: &[&str] = &[
    "first", "firstly", "second", "secondly", "third", "then", "next", "finally", "lastly", "after that",
    "to start", "start with", "to summarize", "to summarise", "in summary", "overall", "step",
];
#[rustfmt::skip]
pub(super) const WRAP_UPS: &[&str] = &[
    "in summary", "to summarize", "to summarise", "to sum up", "overall", "in short", "in conclusion",
    "the bottom line", "ultimately", "for example", "for instance",
];
#[rustfmt::skip]
pub(super) const HEDGES: &[&str] = &[
    "um", "uh", "erm", "maybe", "kind of", "sort of", "basically", "you know", "i guess", "not sure",
    "whatever", "stuff", "or something", "i think", "probably",
];
#[rustfmt::skip]
pub(super) const SITUATION: &[&str] = &[
    "situation", "context", "background", "at my last", "at my previous", "at my current", "in my last",
    "in my previous", "when i was", "last year", "years ago", "we had", "we were", "our team", "my team",
    "there was", "project", "incident", "deadline", "launch", "company", "customers", "the team",
];
#[rustfmt::skip]
pub(super) const OWN_ROLE: &[&str] = &[
    "my role", "my job", "my responsibility", "i was responsible", "responsible for", "i owned", "i was the",
    "i was asked", "i was leading", "as the", "tech lead", "incident lead", "incident commander", "my task",
    "the task", "my goal", "our goal", "the goal", "i needed to", "i had to", "on-call", "on call",
    "i was on", "i managed", "i led", "i took", "i was", "i stepped", "i volunteered", "responsible",
    "accountable", "in charge", "my part", "owner",
];
#[rustfmt::skip]
pub(super) const RESULT: &[&str] = &[
    "result", "as a result", "outcome", "in the end", "ended up", "eventually", "afterwards", "since then",
    "impact", "reduced", "increased", "improved", "cut", "dropped", "saved", "shipped", "launched",
    "delivered", "went from", "down from", "up from", "never happened again", "no repeat", "fell", "grew",
    "succeeded", "adopted",
];
#[rustfmt::skip]
pub(super) const MEASURABLE_WORDS: &[&str] = &[
    "halved", "doubled", "tripled", "by half", "twice", "zero", "no repeat", "percent",
];
#[rustfmt::skip]
pub(super) const REFLECTION: &[&str] = &[
    "i learned", "i learnt", "learned", "lesson", "in hindsight", "looking back", "next time", "differently",
    "i realized", "i realised", "takeaway", "i would", "i'd", "i now", "since then i", "my mistake",
];
/// Tokens after "I" that do not describe an action ("I was", "I think", "I'd"…).
#[rustfmt::skip]
pub(super) const NOT_ACTIONS: &[&str] = &[
    "was", "am", "m", "d", "ve", "ll", "think", "believe", "guess", "feel", "would", "could", "might",
    "should", "mean", "suppose", "don", "didn", "wasn", "wouldn", "can", "will", "have", "had", "e",
    "learned", "learnt", "realized", "realised", "hope", "like", "love", "know", "wanted",
];
#[rustfmt::skip]
pub(super) const CONCEPT: &[&str] = &[
    "means", "is when", "is that", "works by", "the idea", "the key", "the core", "the problem", "the issue",
    "root cause", "essentially", "in short", "definition", "defined", "the goal", "diagnose", "diagnosis",
    "the reason", "never assume", "first", "start by", "start with", "define", "what it is", "why it",
    "the point", "the trick", "in a nutshell", "the answer is",
];
#[rustfmt::skip]
pub(super) const EXAMPLE: &[&str] = &[
    "for example", "for instance", "e g", "such as", "in practice", "in production", "at my", "at our",
    "we used", "i used", "we had", "we did", "in my experience", "in my last", "last year", "real-world",
    "real world", "imagine", "suppose", "say", "consider", "in our case", "we once", "i once", "when we",
];
#[rustfmt::skip]
pub(super) const EDGE_CASES: &[&str] = &[
    "edge case", "corner case", "failure", "fails", "failing", "failure mode", "crash", "crashed", "timeout",
    "retry", "retries", "race", "race condition", "what if", "what happens", "pitfall", "gotcha",
    "worst case", "fallback", "rollback", "roll back", "outage", "stale", "duplicate", "concurrent",
    "partial", "otherwise", "unless", "caveat", "careful", "watch out", "breaks", "error",
];
/// Words that, right after a number, make it a quantity (plural s/es accepted).
#[rustfmt::skip]
pub(super) const UNITS: &[&str] = &[
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
pub(super) const TIME_UNITS: &[&str] = &[
    "second", "sec", "minute", "min", "hour", "day", "week", "month", "year", "quarter",
];
