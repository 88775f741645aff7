//! "Did you mean ...?": the known word closest to a mistyped one, for field names, enum values
//! and bundled scenario names.

/// Least Jaro-Winkler similarity (0 to 1) for a word to be suggested: close enough to catch a
/// typo, a missing or an extra letter, far enough not to suggest something unrelated.
const MIN_SIMILARITY: f64 = 0.8;

/// The candidate most similar to `word`, if one is similar enough; the first on ties.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(&str, f64)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(word, c);
        if score >= MIN_SIMILARITY && best.is_none_or(|(_, s)| score > s) {
            best = Some((c, score));
        }
    }
    best.map(|(c, _)| c)
}

/// serde's message for an unknown field or enum value (``unknown field `x`, expected one of
/// `a`, `b` ``) with ``; did you mean `a`?`` added when one of the expected names is close.
/// Other messages come back unchanged.
pub fn serde_message(msg: &str) -> String {
    let Some((head, list)) = msg.split_once(", expected one of ").or_else(|| msg.split_once(", expected ")) else {
        return msg.to_string();
    };
    if !(head.starts_with("unknown field `") || head.starts_with("unknown variant `")) {
        return msg.to_string();
    }
    let (Some(word), expected) = (quoted(head).first().copied(), quoted(list)) else {
        return msg.to_string();
    };
    match closest(word, expected) {
        Some(c) => format!("{msg}; did you mean `{c}`?"),
        None => msg.to_string(),
    }
}

/// The words between backticks in `s`.
fn quoted(s: &str) -> Vec<&str> {
    s.split('`').skip(1).step_by(2).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_name_and_nothing_unrelated() {
        let names = ["num_replicas", "max_ongoing_requests", "deployment"];
        assert_eq!(closest("num_replica", names), Some("num_replicas"));
        assert_eq!(closest("nmu_replicas", names), Some("num_replicas"));
        assert_eq!(closest("colour", names), None);
        assert_eq!(closest("replica-crsh", ["replica-crash", "redis-outage"]), Some("replica-crash"));
    }

    #[test]
    fn adds_a_suggestion_to_serdes_unknown_field_and_variant_messages() {
        assert_eq!(
            serde_message("unknown field `num_replica`, expected one of `deployment`, `num_replicas`"),
            "unknown field `num_replica`, expected one of `deployment`, `num_replicas`; did you mean `num_replicas`?"
        );
        assert_eq!(
            serde_message("unknown variant `HeadOnyl`, expected `EveryNode` or `HeadOnly`"),
            "unknown variant `HeadOnyl`, expected `EveryNode` or `HeadOnly`; did you mean `HeadOnly`?"
        );
        let far = "unknown field `colour`, expected one of `deployment`, `num_replicas`";
        assert_eq!(serde_message(far), far);
        assert_eq!(serde_message("invalid type: string, expected a number"), "invalid type: string, expected a number");
    }
}
