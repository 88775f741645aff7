//! `ftsim mc-batch SCENARIO --indices A..B` (hidden): the replications `A..B` of a scenario,
//! one JSON object a line ([`Replication`]), in index order. What a Ray task of
//! `ftsim mc --ray` runs on a worker (see [`crate::study::ray`]); not meant for people.

use std::ops::Range;

use super::run::load;
use super::{EXIT_OK, Failure, print_stdout};
use crate::study::replication::Replication;
use crate::study::run::run_replications;

/// Parses `A..B` (A < B) into a range of replication indices.
pub(super) fn parse_indices(text: &str) -> Result<Range<u64>, String> {
    let (a, b) = text.split_once("..").ok_or_else(|| format!("`{text}` is not a range A..B"))?;
    let num = |s: &str| s.parse::<u64>().map_err(|_| format!("`{s}` in `{text}` is not an index"));
    let (a, b) = (num(a)?, num(b)?);
    if a >= b {
        return Err(format!("`{text}` is empty: A must be less than B"));
    }
    Ok(a..b)
}

/// Runs the replications and prints their rows. A batch whose parent (the Ray worker) died
/// stops at its next replication instead of running to its end for nobody.
pub(super) fn mc_batch(scenario: &str, indices: Range<u64>, threads: usize) -> Result<u8, Failure> {
    let (source, loaded) = load(Some(scenario), None)?;
    let indices: Vec<u64> = indices.collect();
    let parent = std::os::unix::process::parent_id();
    let orphaned = |_: &Replication| {
        if std::os::unix::process::parent_id() != parent {
            std::process::exit(i32::from(super::EXIT_BAD_INPUT));
        }
    };
    let rows = run_replications(&loaded.scenario, &indices, threads, &orphaned)
        .map_err(|e| Failure::bad_input(format!("{}: {e}", source.label)))?;
    let text: String =
        rows.iter().map(|r| serde_json::to_string(r).expect("a replication serializes") + "\n").collect();
    print_stdout(&text);
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_are_a_non_empty_range() {
        assert_eq!(parse_indices("3..7"), Ok(3..7));
        assert_eq!(parse_indices("3-7").unwrap_err(), "`3-7` is not a range A..B");
        assert_eq!(parse_indices("x..7").unwrap_err(), "`x` in `x..7` is not an index");
        assert_eq!(parse_indices("7..7").unwrap_err(), "`7..7` is empty: A must be less than B");
    }
}
