//! Free text from requests: the one place that decides which characters a stored,
//! displayed or forwarded string may hold.
//!
//! Control characters (the C0 block, DEL and the C1 block: Unicode's `Cc` category)
//! are refused everywhere, except that long text (answers, questions) may hold line
//! feeds and tabs. They would otherwise be stored, returned in responses and webhooks
//! and rendered in emails and pages, where NUL, ESC or a C1 CSI can truncate text or
//! drive a terminal. A clear 422 naming the field beats silently stripping them.

use super::ValidationError;

/// Which characters a field may hold besides printable text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// One line: names, ids, references, URLs. No control character at all.
    Line,
    /// Paragraphs: answers and questions. Line feeds and tabs allowed.
    Long,
}

/// Refuses `value` when it holds a control character `kind` does not allow; the error
/// names the first one by code point (never echoing it).
pub fn check_text(value: &str, kind: TextKind) -> Result<(), ValidationError> {
    let allowed = |c: char| kind == TextKind::Long && (c == '\n' || c == '\t');
    match value.chars().find(|&c| c.is_control() && !allowed(c)) {
        None => Ok(()),
        Some(c) => Err(ValidationError::new(match kind {
            TextKind::Line => format!(
                "must not contain control characters (found U+{:04X})",
                u32::from(c)
            ),
            TextKind::Long => format!(
                "must not contain control characters other than line feeds and tabs (found U+{:04X})",
                u32::from(c)
            ),
        })),
    }
}

/// [`check_text`] for an optional value.
pub fn check_optional_text(value: Option<&str>, kind: TextKind) -> Result<(), ValidationError> {
    value.map_or(Ok(()), |v| check_text(v, kind))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn printable_text_of_any_script_passes() {
        for text in [
            "Ada Lovelace",
            "Zoë Ñúñez",
            "李小龍",
            "emoji 🎉",
            "a\u{00A0}b",
            "",
        ] {
            assert_eq!(check_text(text, TextKind::Line), Ok(()), "{text:?}");
            assert_eq!(check_text(text, TextKind::Long), Ok(()), "{text:?}");
        }
    }

    #[test]
    fn long_text_keeps_line_feeds_and_tabs_but_nothing_else_of_c0() {
        assert_eq!(check_text("first\n\tsecond", TextKind::Long), Ok(()));
        for c in (0u32..0x20).filter(|&c| c != 0x0A && c != 0x09) {
            let text = format!("a{}b", char::from_u32(c).unwrap_or('?'));
            assert!(check_text(&text, TextKind::Long).is_err(), "U+{c:04X}");
        }
    }

    #[test]
    fn one_line_text_refuses_every_c0_character_including_line_feeds() {
        for c in 0u32..0x20 {
            let text = format!("a{}b", char::from_u32(c).unwrap_or('?'));
            assert!(check_text(&text, TextKind::Line).is_err(), "U+{c:04X}");
        }
    }

    #[test]
    fn del_and_c1_are_refused_in_both_kinds() {
        for c in std::iter::once(0x7Fu32).chain(0x80..0xA0) {
            let text = format!("a{}b", char::from_u32(c).unwrap_or('?'));
            for kind in [TextKind::Line, TextKind::Long] {
                let error = check_text(&text, kind).unwrap_err();
                assert!(error.message.contains(&format!("U+{c:04X}")), "{error}");
            }
        }
    }
}
