//! `ftsim live`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::run::{Finished, Print, close_events_log, finish, load_with, read_timings};
use super::{EXIT_BAD_INPUT, Failure, print_stdout};
use crate::live::{self, LiveError, LiveOptions};
use crate::metrics::Metrics;
use crate::report::{self, output::RunDirWriter};

/// Arguments of `ftsim live`.
pub(super) struct LiveArgs {
    pub scenario: Option<String>,
    pub seed: Option<u64>,
    pub timings: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub dry_run: bool,
    pub base_port: u16,
    pub keep_logs: Option<PathBuf>,
    pub shared_network: bool,
    pub quiet: bool,
    pub print: Print,
}

pub(super) fn live(a: LiveArgs) -> Result<u8, Failure> {
    let (source, loaded) = load_with(a.scenario.as_deref(), a.seed, &read_timings(a.timings.as_deref())?)?;
    let sc = &loaded.scenario;
    let fail = |e: LiveError| {
        let code = if matches!(e, LiveError::Interrupted) { 130 } else { EXIT_BAD_INPUT };
        Failure { lines: vec![format!("live run of {}: {e}", source.label)], code }
    };
    live::check_supported(sc).map_err(fail)?;
    live::check_network(sc, a.shared_network).map_err(fail)?;
    if a.dry_run {
        print_stdout(&live::plan::render(sc, a.base_port, a.shared_network));
        return Ok(super::EXIT_OK);
    }
    let out_dir = a.out.unwrap_or_else(|| PathBuf::from("output").join(format!("{}-live", sc.name)));
    if a.shared_network {
        if !a.quiet {
            eprintln!("ftsim: warning: --shared-network: Ray's servers will listen on every interface of this host");
        }
    } else {
        // Before any thread exists (the Ctrl-C handler's): a user namespace needs a lone thread.
        live::netns::isolate().map_err(fail)?;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    // Ctrl-C: the run stops at its next step and tears the cluster down.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    if !a.quiet {
        eprintln!("ftsim: starting a local Ray cluster for {} (this takes a minute)...", sc.name);
    }
    let opts = LiveOptions { base_port: a.base_port, keep_logs: a.keep_logs };
    let dir = RunDirWriter::create(&out_dir).map_err(Failure::bad_input)?;
    let mut events_log = dir.create_file(report::EVENTS_LOG).map_err(Failure::bad_input)?;
    let out = live::run(sc, &opts, &stop, &mut events_log).map_err(fail)?;
    close_events_log(events_log, &out_dir)?;
    if !a.quiet {
        eprintln!("ftsim: {}", out.teardown);
    }
    let finished = Finished {
        source: &source,
        loaded: &loaded,
        mode: "live",
        metrics: Metrics::compute(sc, &out.observations),
        events_processed: None,
    };
    finish(finished, dir, a.print)
}
