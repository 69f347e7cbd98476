//! Whole numbers in JSON bodies. JSON Schema's `integer` is any number with no
//! fractional part, so `60.0` is as valid as `60` against the OpenAPI document; serde's
//! integer types refuse it. This reads both.

use serde::{Deserialize, Deserializer, de::Error};

#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Integer(u64),
    Float(f64),
}

/// An optional `u32` given as an integer or as a number with no fractional part.
pub fn optional_whole_u32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    let Some(number) = Option::<Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    let whole = match number {
        Number::Integer(n) => n,
        Number::Float(f) if f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&f) => {
            // In range and whole: the conversion is exact.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let n = f as u64;
            n
        }
        Number::Float(_) => {
            return Err(D::Error::custom("expected a whole number of seconds"));
        }
    };
    u32::try_from(whole)
        .map(Some)
        .map_err(|_| D::Error::custom("expected a whole number of seconds"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[derive(serde::Deserialize)]
    struct Item {
        #[serde(default, deserialize_with = "super::optional_whole_u32")]
        seconds: Option<u32>,
    }

    fn read(json: &str) -> Result<Option<u32>, serde_json::Error> {
        serde_json::from_str::<Item>(json).map(|i| i.seconds)
    }

    #[test]
    fn whole_numbers_are_read_whatever_their_notation() {
        assert_eq!(read(r#"{"seconds": 60}"#).unwrap(), Some(60));
        assert_eq!(read(r#"{"seconds": 60.0}"#).unwrap(), Some(60));
        assert_eq!(read(r#"{"seconds": 6e1}"#).unwrap(), Some(60));
        assert_eq!(read(r#"{"seconds": null}"#).unwrap(), None);
        assert_eq!(read("{}").unwrap(), None);
    }

    #[test]
    fn fractions_negatives_and_huge_numbers_are_refused() {
        for json in [
            r#"{"seconds": 60.5}"#,
            r#"{"seconds": -1}"#,
            r#"{"seconds": -1.0}"#,
            r#"{"seconds": 4294967296}"#,
            r#"{"seconds": 1e300}"#,
            r#"{"seconds": "60"}"#,
        ] {
            assert!(read(json).is_err(), "{json}");
        }
    }
}
