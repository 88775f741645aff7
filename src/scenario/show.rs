//! How user values appear in error messages: short, whatever the input.
//!
//! A scenario file may hold a 300-digit number, a megabyte-long name or ten thousand replicas;
//! an error message quotes each of them in a line a person can read.

/// Longest quoted string, in characters, before it is cut.
const MAX_TEXT_CHARS: usize = 60;
/// Most names listed in an "expected one of" message.
const MAX_LISTED: usize = 8;

/// A number as written in a message: plain up to 1e15, scientific beyond (`1e300`).
pub fn num(v: f64) -> String {
    if v.is_finite() && v.abs() >= 1e15 { format!("{v:e}") } else { format!("{v}") }
}

/// A string quoted as in Rust (`"abc"`), cut after `MAX_TEXT_CHARS` characters.
pub fn text(s: &str) -> String {
    match s.char_indices().nth(MAX_TEXT_CHARS) {
        Some((cut, _)) => format!("{:?}... ({} characters)", &s[..cut], s.chars().count()),
        None => format!("{s:?}"),
    }
}

/// The names of a list, comma-separated; a long list shows its first names and its length.
pub fn list(names: &[String]) -> String {
    if names.len() <= MAX_LISTED {
        return names.join(", ");
    }
    format!("{}, ... ({} in all, up to {})", names[..MAX_LISTED].join(", "), names.len(), names[names.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_values_stay_short() {
        assert_eq!(num(1e300), "1e300");
        assert_eq!(num(-2.5), "-2.5");
        assert_eq!(num(18446744073709.6), "18446744073709.6");
        let long = "x".repeat(1000);
        assert_eq!(text(&long), format!("{:?}... (1000 characters)", "x".repeat(60)));
        assert_eq!(text("ab"), "\"ab\"");
        let names: Vec<String> = (1..=100).map(|i| format!("r#{i}")).collect();
        assert_eq!(list(&names[..2]), "r#1, r#2");
        assert_eq!(list(&names), "r#1, r#2, r#3, r#4, r#5, r#6, r#7, r#8, ... (100 in all, up to r#100)");
    }
}
