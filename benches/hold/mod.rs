//! The hold model, the engine beside SimPy in the same run: `pending` events in the queue; each
//! step takes the earliest and schedules one new event an exponential time (mean 100 us) later.
//! The engine runs it twice, with increments drawn beforehand (its queue alone) and drawing each
//! increment in the loop (like for like with SimPy, which draws its own); SimPy runs the model of
//! python/bench/simpy_hold.py in the pinned `.venv-dev` of scripts/check-python.sh, as processes
//! and as callbacks. When Python or SimPy cannot be had, the SimPy rows say why and are skipped.
//! Both sides time the thread's CPU time, not the wall clock (see [`thread_cpu_secs`]).

use std::path::Path;
use std::process::{Command, Stdio};

use ftsim::engine::{EventQueue, RngStream, SimDuration, SimTime};
use serde::Deserialize;

use super::median;

/// Pending counts of the columns.
const PENDING: [usize; 2] = [100, 10_000];
/// Steps (events processed) of every row, engine and SimPy alike.
const STEPS: u64 = 1_000_000;
/// Mean of the exponential increment, in microseconds.
const MEAN_US: u64 = 100;
/// Repetitions of each engine figure and of each SimPy figure (SimPy takes seconds a run).
const ENGINE_REPS: usize = 7;
const SIMPY_REPS: usize = 5;

/// Prints the section: one row per engine variant and SimPy model, one column per pending count,
/// then the ratios of the engine to the faster SimPy model.
pub fn rows() {
    println!(
        "engine hold model beside SimPy ({STEPS} events, exponential increments of mean {MEAN_US} us, thread CPU time)"
    );
    println!("  {:<48} {:>16} {:>16}", "M events/s", "100 pending", "10000 pending");
    let table = increment_table();
    let table = &table;
    let queue_alone = engine_rates(|| {
        let mut k = 0;
        move || {
            k = (k + 1) % table.len();
            table[k]
        }
    });
    print_row("engine, increments drawn beforehand", &queue_alone.map(|r| format!("{:.2}", r / 1e6)));
    let drawing = engine_rates(|| {
        let mut rng = RngStream::new(1, "bench");
        move || SimDuration::from_micros(rng.exponential_micros(MEAN_US))
    });
    print_row("engine, drawing its increments", &drawing.map(|r| format!("{:.2}", r / 1e6)));
    let simpy = match simpy_run() {
        Ok(run) => run,
        Err(why) => {
            println!("  SimPy: skipped ({why})");
            println!();
            return;
        }
    };
    for model in ["process", "callback"] {
        let cells = PENDING.map(|p| {
            let row = simpy.rows.iter().find(|r| r.model == model && r.pending == p);
            row.map_or("-".to_string(), |r| format!("{:.3}", r.events_per_s / 1e6))
        });
        print_row(&format!("SimPy {} (Python {}), {model} model", simpy.simpy, simpy.python), &cells);
    }
    let fastest = PENDING
        .map(|p| simpy.rows.iter().filter(|r| r.pending == p).max_by(|a, b| a.events_per_s.total_cmp(&b.events_per_s)));
    let ratio = |engine: [f64; 2]| -> [String; 2] {
        std::array::from_fn(|i| {
            fastest[i].map_or("-".to_string(), |r| format!("{:.0}x ({})", engine[i] / r.events_per_s, r.model))
        })
    };
    print_row("ratio, engine drawing / faster SimPy", &ratio(drawing));
    print_row("ratio, engine drawn beforehand / faster SimPy", &ratio(queue_alone));
    println!();
}

/// 4,096 increments drawn beforehand, reused cyclically.
fn increment_table() -> Vec<SimDuration> {
    let mut rng = RngStream::new(1, "bench");
    (0..4096).map(|_| SimDuration::from_micros(rng.exponential_micros(MEAN_US))).collect()
}

/// The engine's median rate (events/s) for each pending count, `increments` making a fresh
/// increment source for each run.
fn engine_rates<F: FnMut() -> SimDuration>(mut increments: impl FnMut() -> F) -> [f64; 2] {
    PENDING.map(|pending| {
        let secs = median((0..ENGINE_REPS).map(|_| hold(pending, STEPS, increments())).collect());
        STEPS as f64 / secs
    })
}

/// Runs the hold model on the engine's queue; returns the CPU seconds of the `steps` steps
/// (filling the queue is not timed, as in the SimPy model).
fn hold(pending: usize, steps: u64, mut increment: impl FnMut() -> SimDuration) -> f64 {
    let mut q = EventQueue::new();
    for i in 0..pending {
        q.push(SimTime::ZERO + increment(), i as u64);
    }
    let mut sum = 0u64;
    let start = thread_cpu_secs();
    for _ in 0..steps {
        let (now, ev) = q.pop().expect("never empty");
        sum = sum.wrapping_add(ev);
        q.push(now + increment(), ev);
    }
    let secs = thread_cpu_secs() - start;
    std::hint::black_box(sum);
    secs
}

/// The CPU time this thread has used, in seconds (`CLOCK_THREAD_CPUTIME_ID`; the SimPy side
/// reads the same clock through `time.thread_time`): unlike the wall clock, it does not count
/// the time other processes hold the core, so a loaded machine skews the rates less.
fn thread_cpu_secs() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a live local that clock_gettime fills.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn print_row(name: &str, cells: &[String; 2]) {
    println!("  {name:<48} {:>16} {:>16}", cells[0], cells[1]);
}

/// What python/bench/simpy_hold.py prints.
#[derive(Deserialize)]
struct SimpyRun {
    simpy: String,
    python: String,
    rows: Vec<SimpyRow>,
}

/// One model at one pending count: its median rate.
#[derive(Deserialize)]
struct SimpyRow {
    model: String,
    pending: usize,
    events_per_s: f64,
}

/// Sets up (or reuses) the pinned virtualenv and runs the SimPy model; `Err` says why not.
fn simpy_run() -> Result<SimpyRun, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Progress and errors of the setup (creating the venv, pip) go straight to standard error.
    let venv = Command::new("bash")
        .arg(root.join("scripts/check-python.sh"))
        .arg("--venv-only")
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run bash: {e}"))?;
    if !venv.status.success() {
        return Err("scripts/check-python.sh --venv-only failed, see its message above".to_string());
    }
    let python = String::from_utf8_lossy(&venv.stdout).trim().to_string();
    let out = Command::new(&python)
        .arg(root.join("python/bench/simpy_hold.py"))
        .arg("--pending")
        .args(PENDING.map(|p| p.to_string()))
        .args(["--steps", &STEPS.to_string(), "--reps", &SIMPY_REPS.to_string()])
        .output()
        .map_err(|e| format!("cannot run {python}: {e}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().last().unwrap_or("no message");
        return Err(format!("python/bench/simpy_hold.py failed: {last}"));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("python/bench/simpy_hold.py printed no result: {e}"))
}
