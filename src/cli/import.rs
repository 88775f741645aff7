//! `ftsim import`: a scenario from a RayService's or a RayCluster's Kubernetes YAML.

use std::path::{Path, PathBuf};

use super::run::{read_file, scenario_failure};
use super::{EXIT_OK, Failure, print_stdout};
use crate::scenario::{self, import::Level};

/// The format of the scenario written to `out`, from its extension.
fn is_yaml_out(out: &Path) -> Result<bool, Failure> {
    match out.extension().and_then(|e| e.to_str()) {
        Some("json") => Ok(false),
        Some("yaml" | "yml") => Ok(true),
        _ => Err(Failure::bad_input(format!("{}: expected a .json, .yaml or .yml file name", out.display()))),
    }
}

pub(super) fn import(file: &Path, out: Option<PathBuf>, force: bool) -> Result<u8, Failure> {
    let yaml_out = out.as_deref().map(is_yaml_out).transpose()?;
    let label = file.display().to_string();
    let text = read_file(file)?;
    let imported = scenario::import::import(&text, &label).map_err(scenario_failure)?;
    let mut stderr = String::new();
    for n in &imported.notices {
        stderr.push_str(&format!("ftsim: {}\n", n.render(&label)));
    }
    eprint!("{stderr}");
    let body = if yaml_out == Some(true) {
        scenario::yaml::to_yaml(&imported.scenario)
    } else {
        format!("{}\n", serde_json::to_string_pretty(&imported.scenario).expect("a JSON value serializes"))
    };
    let Some(out) = out else {
        print_stdout(&body);
        return Ok(EXIT_OK);
    };
    crate::report::output::write_new_file(&out, body.as_bytes(), force).map_err(Failure::bad_input)?;
    let count = |level| imported.notices.iter().filter(|n| n.level == level).count();
    print_stdout(&format!(
        "wrote {} ({} warnings, {} notes above); next: ftsim validate {0}\n",
        out.display(),
        count(Level::Warning),
        count(Level::Note)
    ));
    Ok(EXIT_OK)
}
