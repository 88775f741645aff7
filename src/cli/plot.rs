//! `ftsim plot`: redraws the plots and report.html of saved runs from their report.json and
//! timeseries.csv.

use std::path::PathBuf;

use super::{EXIT_BAD_INPUT, EXIT_OK, Failure, print_stdout};
use crate::report::{self, output, run_data::RunData};

pub(super) fn plot(dirs: &[PathBuf], quiet: bool) -> Result<u8, Failure> {
    let mut errors = Vec::new();
    for dir in dirs {
        let written = RunData::load(dir).and_then(|run| {
            let files = report::derived_files(&run)?;
            for (name, bytes) in &files {
                output::replace_file(dir, name, bytes)?;
            }
            Ok(files.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "))
        });
        match written {
            Ok(names) if !quiet => print_stdout(&format!("{}: wrote {names}\n", dir.display())),
            Ok(_) => {}
            Err(e) => errors.push(format!("{}: {e}", dir.display())),
        }
    }
    if errors.is_empty() { Ok(EXIT_OK) } else { Err(Failure { lines: errors, code: EXIT_BAD_INPUT }) }
}
