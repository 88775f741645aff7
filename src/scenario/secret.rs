//! A secret in a scenario (the Redis password): handed to live mode, never shown. Its `Debug`
//! and its serialization (the resolved scenario recorded in every report) print `[REDACTED]`, and
//! the errors about it never quote it.

use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a secret prints as, everywhere.
pub const REDACTED: &str = "[REDACTED]";

/// Longest Redis password accepted, in characters.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// A value that must never be displayed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for Secret {
    /// A string; anything else is refused without quoting it (serde would quote a number).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(Secret(s)),
            _ => Err(D::Error::custom("expected a string (the value is a secret and is not shown)")),
        }
    }
}

/// Checks a Redis password: 1 to 128 printable ASCII characters without spaces, quotes or
/// backslashes (it goes into Redis' config file and Ray's flags). The message never quotes it.
pub fn check_password(value: &str) -> Result<(), String> {
    let n = value.chars().count();
    let expected =
        format!("expected 1 to {MAX_PASSWORD_CHARS} printable ASCII characters without spaces, quotes or backslashes");
    if n == 0 || n > MAX_PASSWORD_CHARS {
        return Err(format!("{expected}, found {n} characters (the value is a secret and is not shown)"));
    }
    if let Some(bad) = value.chars().find(|c| !c.is_ascii_graphic() || matches!(c, '"' | '\'' | '\\')) {
        let what = match bad {
            '"' | '\'' => "a quote",
            '\\' => "a backslash",
            ' ' | '\t' | '\n' | '\r' => "whitespace",
            c if c.is_ascii_control() => "a control character",
            _ => "a non-ASCII character",
        };
        return Err(format!("{expected}, found {what} (the value is a secret and is not shown)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shown_by_debug_or_serialization() {
        let s = Secret::new("hunter2-xyz");
        assert_eq!(format!("{s:?}"), REDACTED);
        assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{REDACTED}\""));
        assert_eq!(s.expose(), "hunter2-xyz");
    }

    #[test]
    fn a_non_string_is_refused_without_quoting_it() {
        let e = serde_json::from_str::<Secret>("123456789").unwrap_err().to_string();
        assert!(!e.contains("123456789"), "{e}");
        assert!(e.contains("expected a string"), "{e}");
    }

    #[test]
    fn passwords_are_checked_without_being_quoted() {
        assert!(check_password("S3cret_pass-word!").is_ok());
        for (bad, why) in [
            ("", "found 0 characters"),
            ("has space", "whitespace"),
            ("new\nline", "whitespace"),
            ("quo\"te", "a quote"),
            ("back\\slash", "a backslash"),
            ("ctl\u{7}x", "a control character"),
            ("pässword", "a non-ASCII character"),
        ] {
            let e = check_password(bad).unwrap_err();
            assert!(e.contains(why), "{bad:?}: {e}");
            assert!(bad.is_empty() || !e.contains(bad), "{e}");
        }
        assert!(check_password(&"x".repeat(129)).unwrap_err().contains("129 characters"));
    }
}
