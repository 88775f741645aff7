//! `ftsim plot`: redraws the plots and report.html of saved runs from their report.json and
//! timeseries.csv. Every directory is loaded, drawn and checked first; files are written only
//! when all of them succeeded, so a bad directory among good ones changes nothing.

use std::path::PathBuf;

use super::{EXIT_BAD_INPUT, EXIT_OK, Failure, print_stdout};
use crate::report::{self, output, run_data::RunData};

/// A directory's redrawn files, as (file name, bytes).
type Drawn = Vec<(&'static str, Vec<u8>)>;

/// Loads `dir`, draws its files and checks that ftsim may replace them.
fn draw(dir: &std::path::Path) -> Result<Drawn, String> {
    let files = report::derived_files(&RunData::load(dir)?)?;
    let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
    output::check_replace_files(dir, &names)?;
    Ok(files)
}

pub(super) fn plot(dirs: &[PathBuf], quiet: bool) -> Result<u8, Failure> {
    let mut drawn = Vec::new();
    let mut errors = Vec::new();
    for dir in dirs {
        match draw(dir) {
            Ok(files) => drawn.push((dir, files)),
            Err(e) => errors.push(format!("{}: {e}", dir.display())),
        }
    }
    if !errors.is_empty() {
        errors.push(format!("nothing was written ({} of {} directories failed)", errors.len(), dirs.len()));
        return Err(Failure { lines: errors, code: EXIT_BAD_INPUT });
    }
    for (dir, files) in drawn {
        for (name, bytes) in &files {
            output::replace_file(dir, name, bytes)
                .map_err(|e| Failure::bad_input(format!("{}: {e}", dir.display())))?;
        }
        if !quiet {
            let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
            print_stdout(&format!("{}: wrote {}\n", dir.display(), names.join(", ")));
        }
    }
    Ok(EXIT_OK)
}
