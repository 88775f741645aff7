//! `ftsim scenarios`.

use super::{EXIT_OK, Failure, print_stdout};
use crate::scenario::{self, bundled};

pub(super) fn scenarios(show: Option<&str>) -> Result<u8, Failure> {
    if let Some(name) = show {
        let (_, text) = bundled::by_name(name).ok_or_else(|| {
            let hint = super::run::did_you_mean_bundled(name);
            Failure::bad_input(format!("no bundled scenario named {name:?}{hint} (see `ftsim scenarios`)"))
        })?;
        print_stdout(text);
        return Ok(EXIT_OK);
    }
    let mut out = String::new();
    for (name, text) in bundled::BUNDLED {
        let description = scenario::parse(text, name).map(|l| l.scenario.description).unwrap_or_default();
        let first = description.split(". ").next().unwrap_or("").trim_end_matches('.');
        out.push_str(&format!("{name:<40} {first}\n"));
    }
    print_stdout(&out);
    Ok(EXIT_OK)
}
