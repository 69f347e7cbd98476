//! Parsing and validation of one track file. Every error names the field, as a path
//! like `questions[2].rubric[1].weight`.

use std::collections::HashSet;

use super::CatalogError;
use super::matching::tokens;
use super::model::{Criterion, Misconception, Track, split_alternatives};

const LEVELS: &[&str] = &["junior", "mid", "senior", "staff", "manager"];

struct Checker<'a> {
    file: &'a str,
    /// Prompt echoes found so far (see [`prompt_echo`]); the caller decides whether
    /// they are errors.
    echoes: std::cell::RefCell<Vec<CatalogError>>,
}

/// Whether every word of `phrase` already appears in `prompt` (a plural `s`/`es` either
/// way counts as the same word): such a phrase is said by anyone who repeats the
/// question, so it cannot show understanding.
pub(super) fn prompt_echo(prompt: &[String], phrase: &str) -> bool {
    let same = |a: &str, b: &str| {
        a == b
            || a.strip_prefix(b).is_some_and(|r| r == "s" || r == "es")
            || b.strip_prefix(a).is_some_and(|r| r == "s" || r == "es")
    };
    let words = tokens(phrase);
    !words.is_empty() && words.iter().all(|w| prompt.iter().any(|p| same(p, w)))
}

impl Checker<'_> {
    fn fail(&self, path: &str, message: impl std::fmt::Display) -> CatalogError {
        CatalogError {
            file: self.file.to_owned(),
            message: format!("{path}: {message}"),
        }
    }

    fn text(&self, path: &str, value: &str) -> Result<(), CatalogError> {
        if value.trim().is_empty() {
            return Err(self.fail(path, "must not be empty"));
        }
        Ok(())
    }

    fn range(&self, path: &str, value: u32, min: u32, max: u32) -> Result<(), CatalogError> {
        if !(min..=max).contains(&value) {
            return Err(self.fail(path, format!("must be between {min} and {max}, found {value}")));
        }
        Ok(())
    }

    fn count<T>(&self, path: &str, items: &[T], min: usize, max: usize) -> Result<(), CatalogError> {
        if !(min..=max).contains(&items.len()) {
            return Err(self.fail(
                path,
                format!("needs {min} to {max} entries, found {}", items.len()),
            ));
        }
        Ok(())
    }

    fn kebab(&self, path: &str, id: &str) -> Result<(), CatalogError> {
        let ok = !id.is_empty()
            && !id.starts_with('-')
            && !id.ends_with('-')
            && !id.contains("--")
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            return Err(self.fail(path, format!("{id:?} is not kebab-case")));
        }
        Ok(())
    }

    fn tips(&self, path: &str, tips: &[String]) -> Result<(), CatalogError> {
        self.count(path, tips, 2, 4)?;
        for (i, tip) in tips.iter().enumerate() {
            self.text(&format!("{path}[{i}]"), tip)?;
        }
        Ok(())
    }

    fn phrase(&self, path: &str, phrase: &str) -> Result<(), CatalogError> {
        if tokens(phrase).is_empty() {
            return Err(self.fail(path, format!("{phrase:?} has no letters or digits")));
        }
        Ok(())
    }

    fn echo(&self, path: &str, prompt: &[String], phrase: &str) {
        if prompt_echo(prompt, phrase) {
            self.echoes.borrow_mut().push(self.fail(
                path,
                format!("{phrase:?} only repeats words of the prompt, so it shows nothing"),
            ));
        }
    }

    fn misconceptions(
        &self,
        path: &str,
        items: &[Misconception],
        ids: &mut HashSet<String>,
    ) -> Result<(), CatalogError> {
        self.count(path, items, 0, 12)?;
        for (i, m) in items.iter().enumerate() {
            let at = format!("{path}[{i}]");
            self.kebab(&format!("{at}.id"), &m.id)?;
            if !ids.insert(m.id.clone()) {
                return Err(self.fail(
                    &format!("{at}.id"),
                    format!("{:?} is already used in this question", m.id),
                ));
            }
            self.text(&format!("{at}.claim"), &m.claim)?;
            self.text(&format!("{at}.correction"), &m.correction)?;
            self.count(&format!("{at}.when"), &m.when, 1, 12)?;
            for (j, pattern) in m.patterns().enumerate() {
                for part in pattern {
                    for alternative in part {
                        self.phrase(&format!("{at}.when[{j}]"), alternative)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn rubric(&self, path: &str, rubric: &[Criterion], prompt: &str) -> Result<(), CatalogError> {
        let prompt = tokens(prompt);
        self.count(path, rubric, 2, 8)?;
        let mut keys = HashSet::new();
        for (i, c) in rubric.iter().enumerate() {
            let at = format!("{path}[{i}]");
            let snake = !c.key.is_empty()
                && c.key
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
            if !snake {
                return Err(self.fail(&format!("{at}.key"), format!("{:?} is not snake_case", c.key)));
            }
            if !keys.insert(c.key.as_str()) {
                return Err(self.fail(&format!("{at}.key"), format!("{:?} is used twice", c.key)));
            }
            self.text(&format!("{at}.label"), &c.label)?;
            self.text(&format!("{at}.covers"), &c.covers)?;
            self.range(&format!("{at}.weight"), c.weight, 1, 10)?;
            if c.signals.is_empty() {
                return Err(self.fail(&format!("{at}.signals"), "must list at least one phrase"));
            }
            for (j, signal) in c.signals.iter().enumerate() {
                if tokens(signal).is_empty() {
                    return Err(self.fail(&format!("{at}.signals[{j}]"), "has no letters or digits"));
                }
                self.echo(&format!("{at}.signals[{j}]"), &prompt, signal);
            }
            if !c.core.is_empty() {
                self.count(&format!("{at}.core"), &c.core, 2, 6)?;
            }
            for (j, concept) in c.core.iter().enumerate() {
                for alternative in split_alternatives(concept) {
                    self.phrase(&format!("{at}.core[{j}]"), alternative)?;
                    self.echo(&format!("{at}.core[{j}]"), &prompt, alternative);
                }
            }
            let max = u32::try_from(c.signals.len()).unwrap_or(u32::MAX);
            self.range(&format!("{at}.min_signals"), c.min_signals, 1, max)?;
        }
        Ok(())
    }
}

/// A parsed, valid track and its prompt echoes (errors only once the whole catalog
/// carries core concepts; see `Catalog::from_files`).
pub(super) fn parse_track(file: &str, contents: &str) -> Result<(Track, Vec<CatalogError>), CatalogError> {
    let check = Checker {
        file,
        echoes: std::cell::RefCell::default(),
    };
    // toml's message carries the line, the column and the offending key.
    let track: Track =
        toml::from_str(contents).map_err(|e| check.fail("(file)", e.to_string().trim_end()))?;

    if track.schema != 1 {
        return Err(check.fail("schema", format!("only schema 1 exists, found {}", track.schema)));
    }
    check.kebab("id", &track.id)?;
    if file.strip_suffix(".toml") != Some(track.id.as_str()) {
        return Err(check.fail("id", format!("{:?} must match the file name", track.id)));
    }
    check.range("version", track.version, 1, u32::MAX)?;
    if !LEVELS.contains(&track.level.as_str()) {
        return Err(check.fail(
            "level",
            format!("must be one of {LEVELS:?}, found {:?}", track.level),
        ));
    }
    check.text("title", &track.title)?;
    check.text("company_context", &track.company_context)?;
    check.text("description", &track.description)?;
    check.count("questions", &track.questions, 1, 30)?;

    let mut ids = HashSet::new();
    for q in &track.questions {
        if !ids.insert(q.id.as_str()) {
            return Err(check.fail("questions", format!("id {:?} is used twice", q.id)));
        }
    }
    for (i, q) in track.questions.iter().enumerate() {
        let at = format!("questions[{i}]");
        check.kebab(&format!("{at}.id"), &q.id)?;
        check.text(&format!("{at}.prompt"), &q.prompt)?;
        check.range(&format!("{at}.expected_minutes"), q.expected_minutes, 1, 90)?;
        check.text(&format!("{at}.ideal_answer"), &q.ideal_answer)?;
        check.tips(&format!("{at}.tips"), &q.tips)?;
        check.rubric(&format!("{at}.rubric"), &q.rubric, &q.prompt)?;
        let mut misconception_ids = HashSet::new();
        check.misconceptions(
            &format!("{at}.misconceptions"),
            &q.misconceptions,
            &mut misconception_ids,
        )?;
        check.count(&format!("{at}.follow_ups"), &q.follow_ups, 0, 3)?;
        for (j, f) in q.follow_ups.iter().enumerate() {
            let at = format!("{at}.follow_ups[{j}]");
            check.kebab(&format!("{at}.id"), &f.id)?;
            if !ids.insert(f.id.as_str()) {
                return Err(check.fail(
                    &format!("{at}.id"),
                    format!("{:?} is already used in this track", f.id),
                ));
            }
            if f.trigger.is_empty() || f.trigger.iter().any(|t| tokens(t).is_empty()) {
                return Err(check.fail(
                    &format!("{at}.trigger"),
                    "needs at least one phrase with letters or digits",
                ));
            }
            check.text(&format!("{at}.prompt"), &f.prompt)?;
            check.range(&format!("{at}.expected_minutes"), f.expected_minutes, 1, 90)?;
            check.text(&format!("{at}.ideal_answer"), &f.ideal_answer)?;
            check.tips(&format!("{at}.tips"), &f.tips)?;
            check.rubric(&format!("{at}.rubric"), &f.rubric, &f.prompt)?;
            check.misconceptions(
                &format!("{at}.misconceptions"),
                &f.misconceptions,
                &mut misconception_ids,
            )?;
        }
    }
    let echoes = check.echoes.into_inner();
    Ok((track, echoes))
}

/// Whether every criterion of the track (follow-ups included) lists core concepts.
pub(super) fn carries_core(track: &Track) -> bool {
    track.questions.iter().all(|q| {
        q.rubric.iter().all(|c| !c.core.is_empty())
            && q.follow_ups
                .iter()
                .all(|f| f.rubric.iter().all(|c| !c.core.is_empty()))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn minimal() -> String {
        r#"
schema = 1
id = "t"
version = 1
title = "T"
level = "mid"
company_context = "c"
description = "d"

[[questions]]
id = "q"
kind = "technical"
prompt = "p"
expected_minutes = 10
ideal_answer = "a"
tips = ["one", "two"]

[[questions.rubric]]
key = "a"
label = "A"
weight = 1
covers = "c"
signals = ["x"]
min_signals = 1

[[questions.rubric]]
key = "b"
label = "B"
weight = 2
covers = "c"
signals = ["y", "z"]
min_signals = 2
"#
        .to_owned()
    }

    #[test]
    fn a_minimal_track_parses() {
        let (track, echoes) = parse_track("t.toml", &minimal()).unwrap();
        assert!(echoes.is_empty());
        assert_eq!(track.questions[0].rubric.len(), 2);
    }

    #[test]
    fn errors_name_the_file_and_the_field() {
        let cases = [
            (
                minimal().replace("weight = 2", "weight = 11"),
                "questions[0].rubric[1].weight",
            ),
            (
                minimal().replace("min_signals = 2", "min_signals = 3"),
                "questions[0].rubric[1].min_signals",
            ),
            (
                minimal().replace("tips = [\"one\", \"two\"]", "tips = [\"one\"]"),
                "questions[0].tips",
            ),
            (
                minimal().replace("level = \"mid\"", "level = \"wizard\""),
                "level",
            ),
            (
                minimal().replace("kind = \"technical\"", "kind = \"trivia\""),
                "kind",
            ),
            (
                minimal().replace("expected_minutes = 10", "expected_minutes = 0"),
                "questions[0].expected_minutes",
            ),
            (
                minimal().replace("key = \"b\"", "key = \"a\""),
                "questions[0].rubric[1].key",
            ),
            (minimal().replace("id = \"q\"", "id = \"Q q\""), "questions[0].id"),
            (
                minimal().replace("prompt = \"p\"", "prompt = \"p\"\nsurprise = 1"),
                "surprise",
            ),
            (minimal().replace("ideal_answer = \"a\"\n", ""), "ideal_answer"),
        ];
        for (contents, field) in cases {
            let err = parse_track("t.toml", &contents).unwrap_err().to_string();
            assert!(err.starts_with("catalog t.toml: "), "{err}");
            assert!(err.contains(field), "{field} not named in: {err}");
        }
    }

    fn with_core_and_misconceptions() -> String {
        minimal()
            .replace(
                "signals = [\"x\"]",
                "signals = [\"x\"]\ncore = [\"alpha|alfa\", \"beta gamma\"]",
            )
            .replace(
                "tips = [\"one\", \"two\"]",
                "tips = [\"one\", \"two\"]\n\n[[questions.misconceptions]]\nid = \"m-one\"\n\
                 claim = \"Wrong.\"\nwhen = [\"retry|retries + always\", \"never fail\"]\n\
                 correction = \"Right.\"\n",
            )
    }

    #[test]
    fn core_concepts_and_misconceptions_parse() {
        let (track, _) = parse_track("t.toml", &with_core_and_misconceptions()).unwrap();
        let q = &track.questions[0];
        let core: Vec<Vec<&str>> = q.rubric[0].core_concepts().collect();
        assert_eq!(core, vec![vec!["alpha", "alfa"], vec!["beta gamma"]]);
        assert!(q.rubric[1].core.is_empty());
        let patterns: Vec<_> = q.misconceptions[0].patterns().collect();
        assert_eq!(
            patterns,
            vec![
                vec![vec!["retry", "retries"], vec!["always"]],
                vec![vec!["never fail"]]
            ]
        );
    }

    #[test]
    fn core_and_misconception_errors_name_the_field() {
        let base = with_core_and_misconceptions();
        let cases = [
            (base.replace("\"alpha|alfa\", ", ""), "questions[0].rubric[0].core"),
            (base.replace("alpha|alfa", "alpha||alfa"), "questions[0].rubric[0].core[0]"),
            (base.replace("retry|retries + always", "retry + "), "questions[0].misconceptions[0].when[0]"),
            (base.replace("claim = \"Wrong.\"", "claim = \" \""), "questions[0].misconceptions[0].claim"),
            (base.replace("id = \"m-one\"", "id = \"M one\""), "questions[0].misconceptions[0].id"),
            (
                base.replace("correction = \"Right.\"\n", "correction = \"Right.\"\n\n[[questions.misconceptions]]\nid = \"m-one\"\nclaim = \"c\"\nwhen = [\"w\"]\ncorrection = \"r\"\n"),
                "questions[0].misconceptions[1].id",
            ),
            (base.replace("when = [\"retry|retries + always\", \"never fail\"]", "when = []"), "questions[0].misconceptions[0].when"),
        ];
        for (contents, field) in cases {
            let err = parse_track("t.toml", &contents).unwrap_err().to_string();
            assert!(err.contains(field), "{field} not named in: {err}");
        }
    }

    #[test]
    fn phrases_that_only_repeat_the_prompt_are_reported() {
        let prompt = tokens("Design a URL shortener that handles 100 million URLs per day.");
        assert!(prompt_echo(&prompt, "url shortener"));
        assert!(prompt_echo(&prompt, "URL"));
        assert!(prompt_echo(&prompt, "per day"));
        assert!(!prompt_echo(&prompt, "per second"));
        assert!(!prompt_echo(&prompt, "base62"));

        let echoing =
            with_core_and_misconceptions().replace("prompt = \"p\"", "prompt = \"Explain alpha and x.\"");
        let (_, echoes) = parse_track("t.toml", &echoing).unwrap();
        let named: Vec<String> = echoes.iter().map(ToString::to_string).collect();
        assert_eq!(named.len(), 2, "{named:?}");
        assert!(
            named[0].contains("questions[0].rubric[0].signals[0]"),
            "{named:?}"
        );
        assert!(named[1].contains("questions[0].rubric[0].core[0]"), "{named:?}");
    }

    #[test]
    fn prompt_echoes_are_errors_once_every_track_carries_core() {
        let echoing =
            with_core_and_misconceptions().replace("prompt = \"p\"", "prompt = \"Explain alpha and x.\"");
        // Only the first criterion has core: a warning, the catalog loads.
        assert!(super::super::Catalog::from_files([("t.toml".to_owned(), echoing.clone())]).is_ok());
        let all_core = echoing.replace(
            "signals = [\"y\", \"z\"]",
            "signals = [\"y\", \"z\"]\ncore = [\"delta\", \"epsilon\"]",
        );
        let err = super::super::Catalog::from_files([("t.toml".to_owned(), all_core)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("repeats words of the prompt"), "{err}");
    }

    #[test]
    fn converted_embedded_tracks_have_no_prompt_echo() {
        // Tracks still being converted only warn; a track whose every criterion carries
        // core concepts must not list a phrase that merely repeats its prompt.
        for (name, contents) in super::super::embedded::FILES {
            let (track, echoes) = parse_track(name, contents).unwrap();
            if carries_core(&track) {
                let named: Vec<String> = echoes.iter().map(ToString::to_string).collect();
                assert!(named.is_empty(), "{named:#?}");
            }
        }
    }

    #[test]
    fn the_id_must_match_the_file_name() {
        let err = parse_track("other.toml", &minimal()).unwrap_err().to_string();
        assert!(err.contains("id:"), "{err}");
    }
}
