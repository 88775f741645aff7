//! `ftsim mc --ray ADDRESS`: the replications run as Ray tasks ([`crate::study::ray`]); this
//! file joins the cluster, wires Ctrl-C and maps the failures to exit codes.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{EXIT_BAD_INPUT, Failure};
use crate::live::env::python_with_ray;
use crate::scenario::Loaded;
use crate::study::ray::{RayError, RayOptions, RayStudy};

/// Exit code when a task or the driver failed at run time (a worker died, ...).
const EXIT_RUNTIME: u8 = 1;

/// Exit code after Ctrl-C (128 + SIGINT), as for `ftsim live`.
const EXIT_INTERRUPTED: u8 = 130;

/// Joins the Ray cluster at `address` to run `loaded`'s replications there, shipping `binary`
/// (default: this very ftsim). Ctrl-C from now on stops the driver and fails the study.
pub(super) fn connect(
    loaded: &Loaded,
    address: &str,
    binary: Option<PathBuf>,
    quiet: bool,
) -> Result<RayStudy, Failure> {
    let fail = |e: RayError| failure(address, e);
    let python = python_with_ray().map_err(|e| fail(RayError::Environment(e.to_string())))?;
    let binary = match binary {
        Some(b) => b,
        None => std::env::current_exe()
            .map_err(|e| fail(RayError::Environment(format!("cannot find the running ftsim binary: {e}"))))?,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    if !quiet {
        eprintln!("ftsim: joining the Ray cluster at {address}...");
    }
    let opts = RayOptions { address: address.to_string(), binary, python };
    let study = RayStudy::connect(loaded, &opts, stop).map_err(fail)?;
    if !quiet {
        eprintln!("ftsim: joined: {} nodes, {} CPUs", study.nodes(), study.cpus());
    }
    Ok(study)
}

/// A study's failure on the cluster at `address`: exit code 1 when a task or the driver failed
/// at run time, 130 after Ctrl-C, 2 otherwise (the address, the environment, the binary, the
/// scenario).
pub(super) fn failure(address: &str, e: RayError) -> Failure {
    let code = match &e {
        RayError::Interrupted => EXIT_INTERRUPTED,
        e if e.is_runtime() => EXIT_RUNTIME,
        _ => EXIT_BAD_INPUT,
    };
    Failure { lines: vec![format!("ray study at {address}: {e}")], code }
}
