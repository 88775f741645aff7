//! Shared helpers for the integration tests: a small scenario builder over the bundled files,
//! and accessors for run outputs.

#![allow(dead_code)]

use ftsim::metrics::Metrics;
use ftsim::metrics::observations::FailureCause;
use ftsim::metrics::stream::MetricsStream;
use ftsim::scenario::{self, Scenario, bundled};
use ftsim::sim::{SimOutput, SimRun};

/// A bundled scenario as JSON, to tweak before running.
pub struct Build {
    pub json: serde_json::Value,
}

impl Build {
    /// Starts from bundled scenario `name`.
    pub fn bundled(name: &str) -> Self {
        let (_, text) = bundled::by_name(name).unwrap_or_else(|| panic!("no bundled scenario {name}"));
        Build { json: serde_json::from_str(text).unwrap() }
    }

    /// Sets a value at a dotted path (`faults.0.at_s`); objects are created as needed, a
    /// numeric part indexes an array.
    pub fn set(mut self, path: &str, value: serde_json::Value) -> Self {
        let mut cur = &mut self.json;
        for p in path.split('.') {
            cur = match (cur.is_array(), p.parse::<usize>()) {
                (true, Ok(i)) => &mut cur[i],
                _ => {
                    if cur.get(p).is_none() {
                        cur[p] = serde_json::Value::Null;
                    }
                    &mut cur[p]
                }
            };
        }
        *cur = value;
        self
    }

    /// The validated scenario.
    pub fn scenario(&self) -> Scenario {
        scenario::parse(&self.json.to_string(), "test").unwrap_or_else(|e| panic!("{e:?}")).scenario
    }

    /// Runs it.
    pub fn run(&self) -> Run {
        let sc = self.scenario();
        let out = ftsim::sim::run(&sc).expect("run");
        let metrics = Metrics::compute(&sc, &out.observations);
        Run { scenario: sc, out, metrics }
    }
}

/// A finished run.
pub struct Run {
    pub scenario: Scenario,
    pub out: SimOutput,
    pub metrics: Metrics,
}

impl Run {
    /// Times (seconds) of events.log lines containing `needle`.
    pub fn log_times(&self, needle: &str) -> Vec<f64> {
        self.out
            .events_log
            .lines()
            .filter(|l| l.contains(needle))
            .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
            .collect()
    }

    /// Time of the first events.log line containing `needle`.
    pub fn first(&self, needle: &str) -> f64 {
        *self
            .log_times(needle)
            .first()
            .unwrap_or_else(|| panic!("no log line with {needle:?}\n{}", self.out.events_log))
    }

    /// Fault `i`: (injected, detected, recovered) in seconds.
    pub fn fault(&self, i: usize) -> (f64, Option<f64>, Option<f64>) {
        let f = &self.metrics.faults[i];
        (
            f.record.injected_at.as_secs_f64(),
            f.record.detected_at.map(|t| t.as_secs_f64()),
            f.recovered_at.map(|t| t.as_secs_f64()),
        )
    }

    /// Detection delay of fault `i` [s].
    pub fn time_to_detect(&self, i: usize) -> f64 {
        let (inj, det, _) = self.fault(i);
        det.expect("fault detected") - inj
    }

    /// Recovery delay of fault `i` [s].
    pub fn time_to_recover(&self, i: usize) -> f64 {
        let (inj, _, rec) = self.fault(i);
        rec.expect("fault recovered") - inj
    }

    pub fn failures(&self) -> u64 {
        self.metrics.failures()
    }

    pub fn failures_of(&self, c: FailureCause) -> u64 {
        self.metrics.failures_of(c)
    }

    pub fn success_ratio(&self) -> f64 {
        self.metrics.success_ratio()
    }

    /// Failed requests that arrived in [from, to) seconds.
    pub fn failures_between(&self, from: f64, to: f64) -> u64 {
        self.out
            .observations
            .requests
            .iter()
            .filter(|r| {
                let t = r.arrival.as_secs_f64();
                t >= from && t < to && r.outcome != ftsim::metrics::observations::Outcome::Success
            })
            .count() as u64
    }

    /// Requests that arrived in [from, to) seconds.
    pub fn requests_between(&self, from: f64, to: f64) -> u64 {
        self.out.observations.requests.iter().filter(|r| (from..to).contains(&r.arrival.as_secs_f64())).count() as u64
    }

    /// Minimum of a level over [from, to) seconds (from the change points).
    pub fn min_level(&self, from: f64, to: f64, f: impl Fn(&ftsim::metrics::observations::Levels) -> u32) -> u32 {
        let levels = &self.out.observations.levels;
        let at_from = levels.iter().rev().find(|(t, _)| t.as_secs_f64() <= from).map(|(_, l)| f(l));
        levels
            .iter()
            .filter(|(t, _)| (from..to).contains(&t.as_secs_f64()))
            .map(|(_, l)| f(l))
            .chain(at_from)
            .min()
            .unwrap()
    }
}

/// A run of `sc` as `ftsim run` makes it: streamed in the scenario's own traffic mode
/// ([`ftsim::sim::run_streaming`]) with its events log to `events_log` and its requests to a
/// [`MetricsStream`]; the run (levels and faults) and the metrics the stream computed.
pub fn streamed(sc: &Scenario, events_log: &mut dyn std::io::Write) -> (SimRun, Metrics) {
    let mut requests = MetricsStream::new(sc);
    let run = ftsim::sim::run_streaming(sc, events_log, &mut requests).expect("the simulation runs");
    let metrics = requests.finish(&run.levels, &run.faults, &run.entry_points);
    (run, metrics)
}

/// Seeds used by tests that check a distribution.
pub fn seeds() -> impl Iterator<Item = u64> {
    1..=40
}

/// Command lines of every process now that contain `needle`.
pub fn command_lines_with(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains(needle) {
            found.push(cmdline);
        }
    }
    found
}

/// The two-sample KS statistic of `a` and `b`.
pub fn ks(a: &[f64], b: &[f64]) -> f64 {
    let sorted = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v
    };
    let (a, b) = (sorted(a), sorted(b));
    let cdf = |v: &[f64], x: f64| v.partition_point(|&y| y <= x) as f64 / v.len() as f64;
    a.iter().chain(&b).map(|&x| (cdf(&a, x) - cdf(&b, x)).abs()).fold(0.0, f64::max)
}
