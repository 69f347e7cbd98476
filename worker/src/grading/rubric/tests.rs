//! Unit tests of the rubric grader.
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
            q.feedback.starts_with("No answer was recorded") || q.feedback.contains("not enough to assess"),
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

fn catalog_item(id: &str, answer: &str, seconds: u32) -> GradingItem {
    let catalog = api::catalog::Catalog::embedded().unwrap();
    let (_, q) = catalog.question(id).unwrap();
    GradingItem {
        position: 1,
        prompt: q.prompt.clone(),
        kind: Some(q.kind),
        is_follow_up: false,
        answer: answer.to_owned(),
        time_spent_seconds: Some(seconds),
        expected_minutes: Some(q.expected_minutes),
        rubric: q.rubric.clone(),
        ideal_answer: Some(q.ideal_answer.clone()),
        tips: q.tips.clone(),
    }
}

fn ideal(id: &str) -> String {
    let catalog = api::catalog::Catalog::embedded().unwrap();
    catalog.question(id).unwrap().1.ideal_answer.clone()
}

#[test]
fn an_answer_to_another_catalog_question_is_off_topic_and_said_plainly() {
    let answer = ideal("senior-backend-fintech/wallet-ledger");
    let a = grade(&input(vec![catalog_item(
        "senior-backend-fintech/url-shortener",
        &answer,
        20 * 60,
    )]));
    let q = &a.questions[0];
    assert!(q.score <= 25, "{} {}", q.score, q.feedback_summary);
    assert_eq!(a.verdict, Verdict::NotReady);
    assert!(
        q.feedback_summary.contains("does not address the question"),
        "{}",
        q.feedback_summary
    );
    assert!(
        a.strengths.iter().all(|s| !s.contains("Q1):")),
        "{:?}",
        a.strengths
    );
    // Its own ideal answer is on topic and scores well.
    let own = ideal("senior-backend-fintech/url-shortener");
    let a = grade(&input(vec![catalog_item(
        "senior-backend-fintech/url-shortener",
        &own,
        28 * 60,
    )]));
    assert!(!a.questions[0].feedback_summary.contains("does not address"));
    assert!(a.questions[0].score >= 55, "{}", a.questions[0].score);
}

#[test]
fn a_pasted_answer_is_named_once_capped_and_not_praised() {
    let answer = ideal("senior-backend-fintech/url-shortener");
    let a = grade(&input(vec![catalog_item(
        "senior-backend-fintech/url-shortener",
        &answer,
        20,
    )]));
    let q = &a.questions[0];
    assert!(q.score <= 45, "{}", q.score);
    assert!(
        q.feedback_summary.contains("arrived in under a minute"),
        "{}",
        q.feedback_summary
    );
    assert!(
        !q.feedback.contains("arrived in under a minute"),
        "said twice: {}",
        q.feedback
    );
    assert!(
        a.strengths.iter().all(|s| !s.contains("(Q1)")),
        "{:?}",
        a.strengths
    );
}

#[test]
fn the_same_answer_to_two_questions_is_named_in_both() {
    let answer = "I believe in transparency and open communication. I'd start by listening to everyone \
                  involved, set clear expectations, align with stakeholders on the goals, follow up \
                  regularly and measure the outcomes.";
    let mut second = catalog_item("engineering-manager-scaleup/too-slow", answer, 120);
    second.position = 2;
    let a = grade(&input(vec![
        catalog_item("engineering-manager-scaleup/underperformer", answer, 120),
        second,
    ]));
    for (q, other) in [(&a.questions[0], "Q2"), (&a.questions[1], "Q1")] {
        let said = format!("{} {}", q.feedback_summary, q.feedback);
        assert!(
            said.contains(&format!("same answer as the one given to {other}")),
            "{said}"
        );
        assert_eq!(said.matches("same answer as the one given").count(), 1, "{said}");
    }
}

#[test]
fn numbered_steps_shuffled_cost_points_and_are_named() {
    let ordered = "1. Requirements: shorten, redirect, analytics, custom alias, expiry; redirects under 50 ms.\n\
                   2. Estimates: 100M/day is about 1,160 writes per second and 116K redirects per second at 100:1.\n\
                   3. Design: a counter range per node, base62 codes, a key-value store sharded by code, a cache and a CDN.\n\
                   4. Trade-offs: 302 keeps click counts while 301 saves load; sequential codes are guessable.";
    let lines: Vec<&str> = ordered.lines().collect();
    let shuffled = [lines[2], lines[0], lines[3], lines[1]].join("\n");
    let score = |text: &str| {
        grade(&input(vec![catalog_item(
            "senior-backend-fintech/url-shortener",
            text,
            25 * 60,
        )]))
        .questions[0]
            .clone()
    };
    let (fine, broken) = (score(ordered), score(&shuffled));
    assert!(broken.score < fine.score, "{} vs {}", broken.score, fine.score);
    assert!(
        broken.feedback_summary.contains("out of order"),
        "{}",
        broken.feedback_summary
    );
    assert!(!fine.feedback.contains("out of order"));
}
