//! Small text helpers shared by the feedback writers.

use super::*;

// Small text helpers.

pub(super) fn pct(x: f64) -> u8 {
    (x.clamp(0.0, 1.0) * 100.0).round() as u8
}

pub(super) fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

pub(super) fn quoted(items: &[String], max: usize) -> String {
    let q: Vec<String> = items.iter().take(max).map(|s| format!("\"{s}\"")).collect();
    join_and(&q)
}

/// Lower-cases the first letter of a label used mid-sentence ("Requirements" →
/// "requirements"), leaving acronyms ("SQL window") alone.
pub(super) fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            a.to_lowercase().chain(s[a.len_utf8()..].chars()).collect()
        }
        _ => s.to_owned(),
    }
}

pub(super) fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(a) => a.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub(super) fn minutes_phrase(seconds: u32) -> String {
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
pub(super) fn expected_range(minutes: u32) -> String {
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

pub(super) fn level_of(input: &GradingInput) -> Option<String> {
    input
        .level
        .clone()
        .or_else(|| input.track.as_ref().map(|t| t.level.clone()))
        .map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty())
}

pub(super) fn with_article(phrase: &str) -> String {
    let digits: String = phrase.chars().take_while(char::is_ascii_digit).collect();
    let vowel = if digits.is_empty() {
        phrase.chars().next().is_some_and(|c| "aeiou".contains(c))
    } else {
        // "an 8-minute", "an 11-minute", "an 18-minute", "an 80-minute"
        digits.starts_with('8') || digits == "11" || digits == "18"
    };
    format!("{} {phrase}", if vowel { "an" } else { "a" })
}

pub(super) fn question_noun(g: &Graded, level: Option<&str>) -> String {
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

pub(super) fn qrefs(qs: &[&Graded]) -> String {
    let mut sorted: Vec<&&Graded> = qs.iter().collect();
    sorted.sort_by_key(|g| g.item.position);
    let refs: Vec<String> = sorted.iter().map(|g| g.qref()).collect();
    join_and(&refs)
}
