//! `ftsim validate`.

use std::path::PathBuf;

use super::run::{read_file, scenario_failure};
use super::{EXIT_BAD_INPUT, EXIT_OK, Failure, print_stdout};
use crate::scenario;

pub(super) fn validate(files: &[PathBuf]) -> Result<u8, Failure> {
    let mut lines = Vec::new();
    let mut ok = String::new();
    for f in files {
        let label = f.display().to_string();
        let result = read_file(f).and_then(|text| scenario::parse(&text, &label).map_err(scenario_failure));
        match result {
            Ok(l) => ok.push_str(&format!("{label}: ok ({}, {} faults)\n", l.scenario.name, l.scenario.faults.len())),
            Err(e) => lines.extend(e.lines),
        }
    }
    print_stdout(&ok);
    if lines.is_empty() { Ok(EXIT_OK) } else { Err(Failure { lines, code: EXIT_BAD_INPUT }) }
}
