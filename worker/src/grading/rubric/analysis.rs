//! Answer analysis: the answer tokenised once, the quantities it states, and how clear and
//! well laid out it is.

use super::*;

// The answer, tokenised once.

pub(super) struct Answer<'a> {
    pub(super) raw: &'a str,
    pub(super) text: Text,
    /// Byte ranges of the matcher's tokens in `raw`, index for index.
    pub(super) spans: Vec<(usize, usize)>,
}

impl<'a> Answer<'a> {
    pub(super) fn new(raw: &'a str) -> Self {
        let text = Text::new(raw);
        let mut spans = token_spans(raw);
        if spans.len() != text.word_count() {
            // Cannot happen with the matcher's tokenizer; quoting falls back to phrases.
            spans.clear();
        }
        Self { raw, text, spans }
    }

    pub(super) fn words(&self) -> usize {
        self.text.word_count()
    }

    pub(super) fn tokens(&self) -> &[String] {
        self.text.tokens()
    }

    pub(super) fn mentions(&self, phrase: &str) -> bool {
        self.text.mentions(phrase)
    }

    /// The phrases of `lexicon` the answer mentions, in lexicon order.
    pub(super) fn found<'p>(&self, lexicon: &[&'p str]) -> Vec<&'p str> {
        lexicon
            .iter()
            .copied()
            .filter(|p| self.text.mentions(p))
            .collect()
    }

    /// Total occurrences of the lexicon's phrases.
    pub(super) fn occurrences(&self, lexicon: &[&str]) -> usize {
        lexicon.iter().map(|p| self.text.count(p)).sum()
    }

    pub(super) fn first(&self, lexicon: &[&str]) -> Option<usize> {
        self.text.first_position(lexicon)
    }

    /// The candidate's own wording of the first occurrence of `phrase`.
    pub(super) fn surface(&self, phrase: &str) -> String {
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
pub(super) fn surfaces(a: &Answer, phrases: &[&str]) -> Vec<String> {
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
pub(super) fn token_spans(s: &str) -> Vec<(usize, usize)> {
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

pub(super) struct Quantity {
    pub(super) text: String,
    pub(super) token: usize,
    /// The amount with its magnitude (100M → 1e8); `None` for ratios and powers.
    pub(super) value: Option<f64>,
}

pub(super) fn magnitude(token: &str) -> f64 {
    match token {
        "k" | "thousand" | "thousands" => 1e3,
        "m" | "mm" | "million" | "millions" => 1e6,
        "b" | "bn" | "billion" | "billions" => 1e9,
        "trillion" | "trillions" => 1e12,
        _ => 1.0,
    }
}

pub(super) fn split_number(token: &str) -> (&str, &str) {
    let digits = token.bytes().take_while(u8::is_ascii_digit).count();
    token.split_at(digits)
}

pub(super) fn is_unit(token: &str) -> bool {
    UNITS
        .iter()
        .any(|u| token == *u || token.strip_prefix(u).is_some_and(|r| r == "s" || r == "es"))
}

pub(super) fn is_time_unit(token: &str) -> bool {
    TIME_UNITS
        .iter()
        .any(|u| token == *u || token.strip_prefix(u).is_some_and(|r| r == "s"))
}

/// Distinct quantities of the answer, in order of appearance.
pub(super) fn quantities(a: &Answer) -> Vec<Quantity> {
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
pub(super) struct Clarity {
    pub(super) sentences: usize,
    pub(super) avg_sentence: f64,
    pub(super) longest: usize,
    pub(super) hedges: Vec<String>,
    pub(super) hedge_count: usize,
    pub(super) score: f64,
}

/// Word counts of the sentences (split at . ! ? followed by a space, and at line breaks).
pub(super) fn sentence_lengths(raw: &str) -> Vec<usize> {
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
pub(super) fn phrase_lengths(raw: &str) -> (f64, usize) {
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
pub(super) fn enumerations(raw: &str) -> usize {
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

pub(super) fn paragraphs(raw: &str) -> usize {
    raw.lines().filter(|l| !l.trim().is_empty()).count()
}

pub(super) fn signposting(a: &Answer) -> f64 {
    let markers = a.found(SIGNPOSTS).len() + enumerations(a.raw) + paragraphs(a.raw).saturating_sub(1);
    (markers as f64 / 3.0).min(1.0)
}

pub(super) fn clarity(a: &Answer, signpost: f64) -> Clarity {
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
