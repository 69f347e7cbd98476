//! Parsing and validation of one track file. Every error names the field, as a path
//! like `questions[2].rubric[1].weight`.

use std::collections::HashSet;

use super::CatalogError;
use super::matching::tokens;
use super::model::{Criterion, Track};

const LEVELS: &[&str] = &["junior", "mid", "senior", "staff", "manager"];

struct Checker<'a> {
    file: &'a str,
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

    fn rubric(&self, path: &str, rubric: &[Criterion]) -> Result<(), CatalogError> {
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
            }
            let max = u32::try_from(c.signals.len()).unwrap_or(u32::MAX);
            self.range(&format!("{at}.min_signals"), c.min_signals, 1, max)?;
        }
        Ok(())
    }
}

pub(super) fn parse_track(file: &str, contents: &str) -> Result<Track, CatalogError> {
    let check = Checker { file };
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
        check.rubric(&format!("{at}.rubric"), &q.rubric)?;
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
            check.rubric(&format!("{at}.rubric"), &f.rubric)?;
        }
    }
    Ok(track)
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
        let track = parse_track("t.toml", &minimal()).unwrap();
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

    #[test]
    fn the_id_must_match_the_file_name() {
        let err = parse_track("other.toml", &minimal()).unwrap_err().to_string();
        assert!(err.contains("id:"), "{err}");
    }
}
