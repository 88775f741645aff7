//! `cargo bench`: prints the engine's event rate (a hold model) and the wall time of every
//! bundled scenario. Plain harness: each figure is the median of several repetitions, so a noisy
//! shared machine skews it less; figures are printed, never asserted.

use std::hint::black_box;
use std::time::Instant;

use ftsim::engine::{EventQueue, RngStream, SimDuration, SimTime};

/// Median of `reps` timings of `f`, in seconds.
fn median_secs(reps: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(|a, b| a.total_cmp(b));
    t[reps / 2]
}

/// The hold model: `pending` events in the queue; each step pops the earliest and schedules one
/// new event a random (exponential, mean 100 us) time later. The increments are drawn before
/// timing starts, so the figure is the engine's queue alone, not the random-number generator.
fn hold(pending: usize, steps: u64, increments: &[SimDuration]) -> u64 {
    let mut q = EventQueue::new();
    for i in 0..pending {
        q.push(SimTime::ZERO + increments[i % increments.len()], i as u64);
    }
    let mut sum = 0u64;
    for k in 0..steps as usize {
        let (now, ev) = q.pop().expect("never empty");
        sum = sum.wrapping_add(ev);
        q.push(now + increments[k % increments.len()], ev);
    }
    sum
}

fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    println!("ftsim {} benchmarks (median of repetitions; release build)", env!("CARGO_PKG_VERSION"));
    println!();
    println!("engine hold model");
    let mut rng = RngStream::new(1, "bench");
    let increments: Vec<SimDuration> =
        (0..4096).map(|_| SimDuration::from_micros(rng.exponential_micros(100))).collect();
    for pending in [100usize, 10_000] {
        let steps = 5_000_000u64;
        let secs = median_secs(7, || {
            black_box(hold(pending, steps, &increments));
        });
        println!(
            "  {pending:>6} pending: {:>6.1} M events/s ({steps} events in {:.1} ms)",
            steps as f64 / secs / 1e6,
            secs * 1e3
        );
    }
    println!();
    println!("bundled scenarios (simulation + metrics, no file output)");
    println!("  {:<38} {:>10} {:>10} {:>12} {:>14}", "scenario", "wall ms", "events", "requests", "sim req/s");
    for (name, text) in ftsim::scenario::bundled::BUNDLED {
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let sc = ftsim::scenario::parse(text, name).expect("bundled scenario is valid").scenario;
        let mut events = 0;
        let mut requests = 0;
        let secs = median_secs(11, || {
            let out = ftsim::sim::run(&sc).expect("runs");
            let m = ftsim::metrics::Metrics::compute(&sc, &out.observations);
            events = out.events_processed;
            requests = m.requests;
            black_box(m);
        });
        println!("  {name:<38} {:>10.2} {events:>10} {requests:>12} {:>14.0}", secs * 1e3, requests as f64 / secs);
    }
}
