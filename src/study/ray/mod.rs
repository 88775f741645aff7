//! Replications as Ray tasks (`ftsim mc --ray ADDRESS`): a Python driver (the live
//! virtualenv's Ray) joins the cluster at ADDRESS, puts the ftsim binary into the object store
//! once, and runs ranges of replication indices as tasks; each task writes the binary and the
//! scenario to a private temporary directory on its worker, checks `ftsim --version`, runs the
//! hidden `ftsim mc-batch SCENARIO --indices A..B` and returns its rows. The rows are merged
//! here, checked (every index once, each with its own seed) and returned in index order: the
//! same [`Replication`]s, to the bit, as [`super::run::run_replications`] computes locally.
//!
//! [`process`] runs the driver, [`protocol`] holds the messages, [`package`] the driver's Python.

pub mod package;
pub mod process;
pub mod protocol;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::replication::Replication;
use super::seed::replication_seed;
use crate::scenario::Loaded;
use process::Driver;
use protocol::{ErrorKind, Event, Run, Start};

/// Why a study on Ray failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RayError {
    /// Something needed on this machine is missing: the live virtualenv, the binary, a
    /// scenario that does not survive its JSON form.
    Environment(String),
    /// The cluster cannot be reached or joined.
    Connect(String),
    /// The shipped binary does not run on a worker or reports another version.
    Binary(String),
    /// `ftsim mc-batch` failed on a worker (as a local replication would have).
    Batch(String),
    /// A task failed in Ray: its worker or node died and the retries ran out.
    Task(String),
    /// The driver failed: it exited, or sent something unreadable or inconsistent.
    Driver(String),
    /// Ctrl-C.
    Interrupted,
}

impl RayError {
    /// A failure at run time (a task or the driver), rather than input or an environment that
    /// cannot work.
    pub fn is_runtime(&self) -> bool {
        matches!(self, RayError::Task(_) | RayError::Driver(_))
    }
}

impl std::fmt::Display for RayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RayError::Environment(m)
            | RayError::Connect(m)
            | RayError::Binary(m)
            | RayError::Batch(m)
            | RayError::Task(m)
            | RayError::Driver(m) => f.write_str(m),
            RayError::Interrupted => f.write_str("interrupted; the Ray driver was stopped"),
        }
    }
}

impl std::error::Error for RayError {}

/// What `ftsim --version` prints: what the shipped binary must print on every worker.
pub fn version() -> String {
    format!("ftsim {}", env!("CARGO_PKG_VERSION"))
}

/// Where and what to run.
#[derive(Clone, Debug)]
pub struct RayOptions {
    /// The cluster's Ray address.
    pub address: String,
    /// The ftsim binary to ship (normally the running one).
    pub binary: PathBuf,
    /// The Python with Ray to run the driver with.
    pub python: PathBuf,
}

/// The JSON paths (`$.failures[0].ttf.csv`) of the CSV files that `value`, a resolved scenario,
/// reads: empirical distributions, files of this machine.
fn csv_files(value: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(fields) => {
            for (key, v) in fields {
                let p = format!("{path}.{key}");
                if key == "csv" && v.is_string() {
                    out.push(p);
                } else {
                    csv_files(v, &p, out);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                csv_files(v, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// The scenario as shipped: its resolved JSON, checked to give back the same scenario (a
/// scenario that would not would give other numbers on the workers). A scenario that reads a
/// CSV file (an empirical distribution) is refused: the workers do not have the file.
pub fn shipped_scenario(loaded: &Loaded) -> Result<String, RayError> {
    let value = serde_json::to_value(&loaded.resolved).expect("a resolved scenario serializes");
    let mut csv = Vec::new();
    csv_files(&value, "$", &mut csv);
    if let Some(first) = csv.first() {
        return Err(RayError::Environment(format!(
            "{first}: a distribution read from a CSV file cannot run on Ray workers, which do not have the file; \
             run this study without --ray"
        )));
    }
    let json = value.to_string();
    let again = crate::scenario::parse(&json, "shipped").map_err(|errors| {
        let first = errors.first().map(ToString::to_string).unwrap_or_default();
        RayError::Environment(format!("the scenario does not survive its JSON form: {first}"))
    })?;
    if format!("{:?}", again.scenario) != format!("{:?}", loaded.scenario) {
        return Err(RayError::Environment("the scenario does not survive its JSON form unchanged".into()));
    }
    Ok(json)
}

/// A study connected to a Ray cluster.
pub struct RayStudy {
    driver: Driver,
    seed: u64,
    nodes: u64,
    cpus: u64,
}

impl RayStudy {
    /// Starts the driver and joins the cluster. Ctrl-C (`stop`) interrupts this and every
    /// later call within 0.1 s and stops the driver.
    pub fn connect(loaded: &Loaded, opts: &RayOptions, stop: Arc<AtomicBool>) -> Result<RayStudy, RayError> {
        let scenario = shipped_scenario(loaded)?;
        let binary = std::path::absolute(&opts.binary)
            .ok()
            .filter(|p| p.is_file())
            .ok_or_else(|| RayError::Environment(format!("{}: no such file to ship", opts.binary.display())))?;
        let mut driver = Driver::spawn(&opts.python, stop)?;
        let version = version();
        let binary = binary.to_string_lossy();
        driver.send(&Start { address: &opts.address, binary: &binary, version: &version, scenario: &scenario })?;
        match driver.next_event()? {
            Event::Connected { nodes, cpus } => Ok(RayStudy { driver, seed: loaded.scenario.seed, nodes, cpus }),
            other => Err(unexpected(other)),
        }
    }

    /// The cluster's live nodes when joined.
    pub fn nodes(&self) -> u64 {
        self.nodes
    }

    /// The cluster's CPUs when joined.
    pub fn cpus(&self) -> u64 {
        self.cpus
    }

    /// Runs replications `indices` on the cluster and returns their figures in the order of
    /// `indices`. `on_done` is called for each replication as its batch comes back.
    pub fn run(&mut self, indices: &[u64], on_done: &dyn Fn(&Replication)) -> Result<Vec<Replication>, RayError> {
        let batch = protocol::batch_size(indices.len() as u64, self.cpus);
        let ranges = protocol::ranges(indices, batch);
        self.driver.send(&Run { ranges: ranges.clone() })?;
        let mut rows = Merge::new(self.seed, &ranges);
        loop {
            match self.driver.next_event()? {
                Event::Batch { start, end, node, rows: lines } => {
                    for r in rows.add(start, end, &node, &lines)? {
                        on_done(r);
                    }
                }
                Event::Done => return rows.finish(indices),
                other => return Err(unexpected(other)),
            }
        }
    }

    /// Disconnects from the cluster and ends the driver.
    pub fn close(self) {
        self.driver.close();
    }
}

/// The error an event other than the expected one means.
fn unexpected(event: Event) -> RayError {
    match event {
        Event::Error { kind, message } => match kind {
            ErrorKind::Connect => RayError::Connect(message),
            ErrorKind::Binary => RayError::Binary(message),
            ErrorKind::Batch => RayError::Batch(message),
            ErrorKind::Task => RayError::Task(message),
            ErrorKind::Protocol => RayError::Driver(format!("the Ray driver refused a request: {message}")),
        },
        other => RayError::Driver(format!("unexpected event from the Ray driver: {other:?}")),
    }
}

/// Rows as they come back, checked against the ranges sent.
struct Merge {
    seed: u64,
    /// Each range sent, and whether it came back.
    pending: BTreeMap<(u64, u64), bool>,
    rows: BTreeMap<u64, Replication>,
}

impl Merge {
    fn new(seed: u64, ranges: &[(u64, u64)]) -> Merge {
        Merge { seed, pending: ranges.iter().map(|&r| (r, false)).collect(), rows: BTreeMap::new() }
    }

    /// Adds the rows of range `[start, end)` from `node`; returns them, or an error when the
    /// range was not sent or came twice, or a row is unreadable, of another index or seed.
    fn add(&mut self, start: u64, end: u64, node: &str, lines: &[String]) -> Result<Vec<&Replication>, RayError> {
        let bad = |what: String| RayError::Driver(format!("replications {start}..{end} from {node}: {what}"));
        match self.pending.get_mut(&(start, end)) {
            Some(back @ false) => *back = true,
            Some(true) => return Err(bad("came back twice".into())),
            None => return Err(bad("not asked for".into())),
        }
        if lines.len() as u64 != end - start {
            return Err(bad(format!("{} rows instead of {}", lines.len(), end - start)));
        }
        for (line, index) in lines.iter().zip(start..end) {
            let row: Replication =
                serde_json::from_str(line).map_err(|e| bad(format!("unreadable row ({e}): {line}")))?;
            let seed = replication_seed(self.seed, index);
            if row.index != index || row.seed != seed {
                let got = (row.index, row.seed);
                return Err(bad(format!("row (index, seed) {got:?} where ({index}, {seed}) was due")));
            }
            self.rows.insert(index, row);
        }
        Ok((start..end).map(|i| &self.rows[&i]).collect())
    }

    /// The rows of `indices`, in that order, once every range came back.
    fn finish(mut self, indices: &[u64]) -> Result<Vec<Replication>, RayError> {
        if let Some((&(a, b), _)) = self.pending.iter().find(|(_, back)| !**back) {
            return Err(RayError::Driver(format!("the Ray driver ended the run without replications {a}..{b}")));
        }
        Ok(indices.iter().map(|i| self.rows.remove(i).expect("every range came back")).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::run::run_replications;

    fn loaded() -> Loaded {
        let json = r#"{"duration_s": 60, "faults": [{"kind": "proxy_crash", "at_s": 20}]}"#;
        crate::scenario::parse(json, "test").unwrap()
    }

    fn lines(rows: &[Replication]) -> Vec<String> {
        rows.iter().map(|r| serde_json::to_string(r).unwrap()).collect()
    }

    #[test]
    fn rows_merge_into_index_order_whatever_order_batches_come_back() {
        let l = loaded();
        let local = run_replications(&l.scenario, &[0, 1, 2, 3, 4], 1, &|_| {}).unwrap();
        let mut m = Merge::new(l.scenario.seed, &[(0, 2), (2, 4), (4, 5)]);
        assert_eq!(m.add(4, 5, "b", &lines(&local[4..])).unwrap().len(), 1);
        m.add(0, 2, "a", &lines(&local[..2])).unwrap();
        m.add(2, 4, "a", &lines(&local[2..4])).unwrap();
        assert_eq!(m.finish(&[0, 1, 2, 3, 4]).unwrap(), local);
    }

    #[test]
    fn a_wrong_missing_or_repeated_batch_is_an_error() {
        let l = loaded();
        let local = run_replications(&l.scenario, &[0, 1], 1, &|_| {}).unwrap();
        let seed = l.scenario.seed;
        let mut m = Merge::new(seed, &[(0, 1), (1, 2)]);
        let e = m.add(1, 2, "n", &lines(&local[..1])).unwrap_err();
        assert!(e.to_string().contains(&format!("(0, {seed}) where (1, ")), "{e}");
        let mut m = Merge::new(seed, &[(0, 1), (1, 2)]);
        m.add(0, 1, "n", &lines(&local[..1])).unwrap();
        assert!(m.add(0, 1, "n", &lines(&local[..1])).unwrap_err().to_string().contains("came back twice"));
        assert!(m.add(5, 6, "n", &[]).unwrap_err().to_string().contains("not asked for"));
        assert!(m.add(1, 2, "n", &[]).unwrap_err().to_string().contains("0 rows instead of 1"));
        let m = Merge::new(seed, &[(0, 1)]);
        assert!(m.finish(&[0]).unwrap_err().to_string().contains("without replications 0..1"));
    }

    #[test]
    fn a_row_crosses_json_to_the_bit() {
        // Values that serde_json's default float parser reads back one unit in the last place
        // off (about 1 in 10 uniform draws); its float_roundtrip feature reads them exactly.
        let l = loaded();
        let mut row = run_replications(&l.scenario, &[1], 1, &|_| {}).unwrap().remove(0);
        row.availability = 0.985_690_694_632_869_5;
        row.time_availability = 0.212_918_907_267_134_58;
        row.latency_p99_s = 0.925_933_892_649_635_9;
        let back: Replication = serde_json::from_str(&serde_json::to_string(&row).unwrap()).unwrap();
        assert_eq!(back.availability.to_bits(), row.availability.to_bits());
        assert_eq!(back.time_availability.to_bits(), row.time_availability.to_bits());
        assert_eq!(back.latency_p99_s.to_bits(), row.latency_p99_s.to_bits());
    }

    #[test]
    fn a_scenario_reading_a_csv_file_is_not_shipped() {
        let json = r#"{"failures": [{"kind": "node_loss", "ttf": {"kind": "empirical", "csv": "tests/fixtures/intervals.csv", "unit": "h"}}]}"#;
        let file = format!("{}/scenario.json", env!("CARGO_MANIFEST_DIR"));
        let e = shipped_scenario(&crate::scenario::parse(json, &file).unwrap()).unwrap_err();
        assert!(e.to_string().starts_with("$.failures[0].ttf.csv: a distribution read from a CSV file"), "{e}");
    }

    #[test]
    fn every_bundled_scenario_survives_shipping() {
        for (name, text) in crate::scenario::bundled::BUNDLED {
            let loaded = crate::scenario::parse(text, name).unwrap();
            shipped_scenario(&loaded).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}
