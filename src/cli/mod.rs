//! The command line: argument parsing (clap), dispatch, exit codes.
//!
//! Exit codes: 0 the SLO holds (or the command succeeded), 1 the SLO is violated, 2 bad input or
//! an I/O error. Errors are printed as one `ftsim: ...` line each on stderr.

mod calibrate;
mod compare;
mod import;
mod json_summary;
mod live;
mod mc;
mod mc_batch;
mod mc_ray;
mod plot;
mod run;
mod scenarios;
mod sweep;
mod validate;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

/// Exit code: success, or the SLO holds.
pub const EXIT_OK: u8 = 0;
/// Exit code: the SLO is violated.
pub const EXIT_SLO_VIOLATED: u8 = 1;
/// Exit code: bad input or I/O error.
pub const EXIT_BAD_INPUT: u8 = 2;

const EXAMPLES: &str = "\
Examples:
  ftsim run                                      # the guide's working example, built in
  ftsim run scenarios/head-pod-crash-gcs-ft.json # a bundled scenario file
  ftsim run head-pod-crash-no-gcs-ft --seed 7    # a bundled scenario by name, another seed
  ftsim run my.json --out /tmp/my-run            # choose the run directory
  ftsim validate scenarios/*.json                # check files without running them
  ftsim import rayservice.yaml --out my.yaml     # a scenario from your RayService or RayCluster
  ftsim scenarios                                # list the bundled scenarios
  ftsim scenarios --show redis-outage            # print one as JSON, to start your own
  ftsim schema > ftsim-scenario.schema.json      # the format as a JSON Schema, for editors
  ftsim plot output/head-pod-crash-gcs-ft        # redraw a saved run's plots and report.html
  ftsim compare output/head-pod-crash-gcs-ft output/head-pod-crash-no-gcs-ft
                                                 # side by side: table, overlay, compare.html
  ftsim run redis-outage --format json           # the summary as JSON, for CI
  ftsim mc head-pod-crash-no-gcs-ft --runs 100   # 100 seeds in parallel: means, 95 % CIs, percentiles
  ftsim mc redis-outage --runs 1000 --until-ci 0.0005
                                                 # stop once availability is known to +-0.05 %
  ftsim run replica-crash --set serve.num_replicas=4
                                                 # set a field of the scenario
  ftsim sweep head-pod-crash-no-gcs-ft --set cluster.gcs_fault_tolerance=false,true --runs 20
                                                 # which setting buys the most nines
  ftsim completions bash > ~/.local/share/bash-completion/completions/ftsim

Exit codes: 0 SLO holds, 1 SLO violated, 2 bad input or I/O error.";

/// ftsim: what happens to your Ray Serve traffic when the cluster breaks?
///
/// A deterministic discrete-event simulator of failures of Ray Serve applications on Kubernetes
/// with KubeRay: replica, controller and proxy crashes, pod and node loss, head crashes with and
/// without GCS fault tolerance, Redis outages. Same scenario and seed, same bytes out.
#[derive(Parser, Debug)]
#[command(name = "ftsim", version, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Simulate a scenario; write report.json, timeseries.csv, events.log, the availability
    /// plots (PNG, SVG) and report.html; print a summary.
    #[command(after_help = EXAMPLES)]
    Run {
        /// Scenario file (JSON, or YAML if it ends in .yaml or .yml), or the name of a bundled scenario. Default: the guide's working
        /// example (`working-example`).
        scenario: Option<String>,
        /// Seed of every random stream (overrides the file's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Set a scenario field before the scenario is read: a field path as in
        /// docs/scenario-format.md, and a JSON value (a bare word is a string). Repeatable.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// A timings file (as `ftsim calibrate` writes): its overrides are set before the
        /// `--set` ones, with the same checks.
        #[arg(long, value_name = "FILE")]
        timings: Option<PathBuf>,
        /// Run directory to write; an existing one is replaced only if ftsim wrote it (its
        /// .ftsim-manifest.json lists every file in it). Default: output/<scenario name>/.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
        /// How to print the summary: a table, or one JSON object (report.json's summary, slo and
        /// faults, with the scenario name, seed, run directory and verdict).
        #[arg(long, value_enum, default_value_t = Format::Text, conflicts_with = "quiet")]
        format: Format,
    },
    /// Run a scenario against a real local Ray cluster (Ray 2.60, Redis) and write the same
    /// report from real measurements. Needs `bash scripts/setup-live.sh` once.
    Live {
        /// Scenario file (JSON or YAML), or the name of a bundled scenario.
        scenario: Option<String>,
        /// Seed of the arrival, routing and fault streams (overrides the file's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// A timings file (as `ftsim calibrate` writes): its overrides are set before the
        /// `--set` ones, with the same checks.
        #[arg(long, value_name = "FILE")]
        timings: Option<PathBuf>,
        /// Run directory to write. Default: output/<scenario name>-live/.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print the plan (topology, each fault's real action and time) and start nothing.
        #[arg(long)]
        dry_run: bool,
        /// First port of the range the cluster uses (4,100 ports, within 1024..32767).
        #[arg(long, default_value_t = 20000, value_name = "PORT")]
        base_port: u16,
        /// Keep Ray's and the helper's logs in this directory.
        #[arg(long, value_name = "DIR")]
        keep_logs: Option<PathBuf>,
        /// Run the cluster in the host's network instead of a private one (needed where network
        /// namespaces are not allowed); Ray's servers then listen on every interface.
        #[arg(long)]
        shared_network: bool,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
        /// How to print the summary (as for `ftsim run`).
        #[arg(long, value_enum, default_value_t = Format::Text, conflicts_with = "quiet")]
        format: Format,
    },
    /// Monte Carlo: simulate a scenario with many seeds in parallel; write mc.json, mc.csv (one
    /// row per replication), mc.html and distribution plots; print each figure's mean with its
    /// 95 % confidence interval and percentiles. Same scenario, seed and runs, same bytes,
    /// whatever the thread count.
    #[command(after_help = EXAMPLES)]
    Mc {
        /// Scenario file (JSON or YAML), or the name of a bundled scenario. Default: the guide's working
        /// example (`working-example`).
        scenario: Option<String>,
        /// Set a scenario field before the scenario is read (as for `ftsim run`). Repeatable.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// A timings file (as `ftsim calibrate` writes): its overrides are set before the
        /// `--set` ones, with the same checks.
        #[arg(long, value_name = "FILE")]
        timings: Option<PathBuf>,
        /// Replications to run (with --until-ci: at most this many).
        #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(u64).range(1..=mc::MAX_RUNS))]
        runs: u64,
        /// Worker threads. Default: the machine's cores. No number depends on it.
        #[arg(long, value_name = "T", allow_negative_numbers = true, value_parser = clap::value_parser!(u64).range(1..=mc::MAX_THREADS))]
        threads: Option<u64>,
        /// Seed of replication 0 (overrides the file's `seed`); the others' seeds derive from it.
        #[arg(long)]
        seed: Option<u64>,
        /// Run batches of 20 replications until the 95 % confidence interval of the
        /// request-based availability is narrower than W on each side (0 < W < 1), or --runs
        /// is reached.
        #[arg(long, value_name = "W", allow_negative_numbers = true, value_parser = mc::parse_until_ci)]
        until_ci: Option<f64>,
        /// Output directory; an existing one is replaced only if ftsim mc wrote it. Default:
        /// output/<scenario name>-mc/.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print nothing but errors (and no progress bar).
        #[arg(long, short)]
        quiet: bool,
        /// Run the replications as tasks on the Ray cluster at ADDRESS (its GCS's host:port,
        /// or `auto`) instead of this machine's threads: the same numbers. This machine must be
        /// a node of the cluster, with the live virtualenv (see docs/ray-cluster.md).
        #[arg(long, value_name = "ADDRESS", conflicts_with = "threads")]
        ray: Option<String>,
        /// The ftsim binary to ship to the Ray workers (default: this one), e.g. a static
        /// build; it must print the same `ftsim --version`.
        #[arg(long, value_name = "PATH", requires = "ray")]
        ray_binary: Option<PathBuf>,
    },
    /// Replications A..B of a scenario file, one JSON line each: what a Ray task of
    /// `ftsim mc --ray` runs on a worker.
    #[command(hide = true)]
    McBatch {
        /// Scenario JSON file (resolved).
        scenario: String,
        /// Replication indices A..B (B excluded).
        #[arg(long, value_name = "A..B", value_parser = mc_batch::parse_indices)]
        indices: std::ops::Range<u64>,
        /// Worker threads.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1024))]
        threads: u64,
    },
    /// Run the same replications (the same seeds) at every point of a grid of scenario settings
    /// and say which point buys the most nines; write sweep.csv, sweep.json, sweep.html and
    /// plots.
    Sweep {
        /// Scenario file (JSON or YAML), or the name of a bundled scenario. Default: the guide's working
        /// example.
        scenario: Option<String>,
        /// A swept field and its values, `PATH=V1,V2,...` (a field path as in
        /// docs/scenario-format.md, JSON values, bare words as strings). Repeat for a cartesian
        /// product (at most 1,000 points); the first is the plots' x axis.
        #[arg(long = "set", value_name = "PATH=V1,V2,...", required = true)]
        set: Vec<String>,
        /// A timings file (as `ftsim calibrate` writes): its overrides are set before the
        /// `--set` ones, with the same checks.
        #[arg(long, value_name = "FILE")]
        timings: Option<PathBuf>,
        /// Replications per point (1 to 100,000), seeded by (seed, index) at every point.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=mc::MAX_RUNS))]
        runs: u64,
        /// Worker threads (default: the available cores). No result depends on it.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=mc::MAX_THREADS))]
        threads: Option<u64>,
        /// Seed of the replications (overrides the file's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Output directory. Default: output/<scenario name>-sweep/.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Fit the model's timing parameters (actor start, `ray start`, head start, controller
    /// recovery, proxy start, GCS exit after Redis loss) to live run directories, judge the fit
    /// leaving each scenario out in turn, and write a timings file for `--timings`.
    Calibrate {
        /// Live run directories (`ftsim live` wrote them).
        #[arg(required = true, value_name = "LIVE_DIR")]
        dirs: Vec<PathBuf>,
        /// The timings file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Replace --out if it exists.
        #[arg(long)]
        force: bool,
        /// Seeds 1 to N of each simulation the evaluation compares with.
        #[arg(long, default_value_t = 20, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1000))]
        seeds: u64,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Write a scenario from the Kubernetes YAML of a RayService or a RayCluster (with its Redis
    /// objects): every field the model has is mapped, every other is listed on stderr.
    Import {
        /// The YAML file (one or more documents).
        file: PathBuf,
        /// Write the scenario to this file (.json, .yaml or .yml) instead of printing its JSON.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace the --out file if it exists.
        #[arg(long, requires = "out")]
        force: bool,
    },
    /// Check scenario files (syntax, fields, values) without running them.
    Validate {
        /// Scenario files (JSON, or YAML when they end in .yaml or .yml).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Redraw the availability plots and report.html of saved run directories.
    Plot {
        /// Run directories (each holds report.json and timeseries.csv).
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Compare two or more saved runs: print a side-by-side table of the headline metrics and
    /// write an overlay plot and compare.html.
    Compare {
        /// Run directories; the first is the baseline the others are compared with.
        #[arg(required = true, num_args = 2.., value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Output directory. Default: output/compare-<a>-vs-<b>/.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// How to print: the table, or one JSON object (the output directory and each run's
        /// summary as `ftsim run --format json` prints it).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// List the bundled scenarios, or print one.
    Scenarios {
        /// Print this bundled scenario's JSON.
        #[arg(long, value_name = "NAME")]
        show: Option<String>,
    },
    /// Print the scenario format as a JSON Schema (draft 2020-12), for editors; or, with
    /// `--markdown`, as the reference document docs/scenario-format.md.
    Schema {
        /// Print the reference document (Markdown) instead of the JSON Schema.
        #[arg(long)]
        markdown: bool,
    },
    /// Print a shell completion script (see the examples for where to put it).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// How `run` and `live` print their summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// The summary table.
    Text,
    /// One JSON object.
    Json,
}

/// What to print, from `--quiet` and `--format` (which clap keeps apart).
fn print_mode(quiet: bool, format: Format) -> run::Print {
    match (quiet, format) {
        (true, _) => run::Print::Nothing,
        (false, Format::Text) => run::Print::Text,
        (false, Format::Json) => run::Print::Json,
    }
}

/// `ftsim completions SHELL`: the script, generated into memory, then printed.
fn completions(shell: clap_complete::Shell) -> Result<u8, Failure> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "ftsim", &mut script);
    print_stdout(&String::from_utf8_lossy(&script));
    Ok(EXIT_OK)
}

/// `ftsim schema [--markdown]`: the scenario format, from its field table.
fn schema(markdown: bool) -> Result<u8, Failure> {
    use crate::scenario::fields;
    let text = if markdown {
        fields::markdown::markdown()
    } else {
        let schema = fields::schema::schema();
        format!("{}\n", serde_json::to_string_pretty(&schema).expect("a JSON value serializes"))
    };
    print_stdout(&text);
    Ok(EXIT_OK)
}

/// A command's failure: its message lines and exit code.
pub struct Failure {
    /// One or more lines, printed after `ftsim: `.
    pub lines: Vec<String>,
    /// Exit code.
    pub code: u8,
}

impl Failure {
    /// Bad input or I/O (exit code 2).
    pub fn bad_input(line: impl Into<String>) -> Self {
        Failure { lines: vec![line.into()], code: EXIT_BAD_INPUT }
    }
}

/// Writes to stdout; a closed pipe (e.g. `| head`) is not an error.
pub fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Parses the arguments, runs the command, returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_BAD_INPUT } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Run { scenario, seed, set, timings, out, quiet, format } => {
            run::run(scenario.as_deref(), seed, &set, timings.as_deref(), out, print_mode(quiet, format))
        }
        Command::Live {
            scenario,
            seed,
            timings,
            out,
            dry_run,
            base_port,
            keep_logs,
            shared_network,
            quiet,
            format,
        } => {
            let print = print_mode(quiet, format);
            live::live(live::LiveArgs {
                scenario,
                seed,
                timings,
                out,
                dry_run,
                base_port,
                keep_logs,
                shared_network,
                quiet,
                print,
            })
        }
        Command::Mc { scenario, set, timings, runs, threads, seed, until_ci, out, quiet, ray, ray_binary } => {
            mc::mc(mc::McArgs {
                scenario,
                seed,
                sets: set,
                timings,
                runs,
                threads,
                until_ci,
                out,
                quiet,
                ray,
                ray_binary,
            })
        }
        Command::Sweep { scenario, set, timings, runs, threads, seed, out, quiet } => {
            sweep::sweep(sweep::SweepArgs { scenario, sets: set, timings, runs, threads, seed, out, quiet })
        }
        Command::Calibrate { dirs, out, force, seeds, quiet } => {
            calibrate::calibrate(calibrate::CalibrateArgs { dirs, out, force, seeds, quiet })
        }
        Command::McBatch { scenario, indices, threads } => mc_batch::mc_batch(&scenario, indices, threads as usize),
        Command::Import { file, out, force } => import::import(&file, out, force),
        Command::Validate { files } => validate::validate(&files),
        Command::Scenarios { show } => scenarios::scenarios(show.as_deref()),
        Command::Plot { dirs, quiet } => plot::plot(&dirs, quiet),
        Command::Compare { dirs, out, format } => compare::compare(&dirs, out, format == Format::Json),
        Command::Schema { markdown } => schema(markdown),
        Command::Completions { shell } => completions(shell),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            let mut err = std::io::stderr().lock();
            for line in &f.lines {
                let _ = writeln!(err, "ftsim: {line}");
            }
            ExitCode::from(f.code)
        }
    }
}
