//! What a run records besides its requests and its events log: the component levels at each
//! change and the injected faults with the time each was detected.

use crate::engine::SimTime;
use crate::journal::Component;
use crate::metrics::observations::{FaultRecord, Levels};

use super::k8s::{PodPhase, Raylet};
use super::serve::controller::ControllerState;
use super::world::World;

/// The observation records of a run and their bookkeeping.
#[derive(Clone, Debug)]
pub struct Observed {
    /// Component levels at each change, in time order.
    pub levels: Vec<(SimTime, Levels)>,
    /// Injected faults, in injection order.
    pub faults: Vec<FaultRecord>,
    /// Index into `faults` for each scenario fault, once injected.
    pub fault_records: Vec<Option<usize>>,
    /// Some level may have changed since they were last recorded.
    pub levels_dirty: bool,
    /// Something a fault window may start or end at happened now (see
    /// [`crate::metrics::observations::RequestSink::mark`]).
    pub mark_now: bool,
}

impl Observed {
    /// Nothing recorded yet, for a scenario of `fault_count` faults.
    pub fn new(fault_count: usize) -> Self {
        Observed {
            levels: Vec::new(),
            faults: Vec::new(),
            fault_records: vec![None; fault_count],
            levels_dirty: true,
            mark_now: false,
        }
    }
}

impl World {
    /// Marks injected fault `i` as detected now (first detection wins).
    pub(super) fn detect(&mut self, fault: usize) {
        if let Some(rec) = self.observed.fault_records.get(fault).copied().flatten()
            && self.observed.faults[rec].detected_at.is_none()
        {
            self.observed.faults[rec].detected_at = Some(self.now);
            self.observed.mark_now = true;
            self.log(Component::Fault, &format!("#{fault}"), format_args!("detected"));
        }
    }

    /// Starts the observation record of fault `i` and logs its injection.
    pub(super) fn record_fault(&mut self, fault: usize, target: Option<String>) {
        let kind = self.scenario.faults[fault].kind.name().to_string();
        self.log(Component::Fault, &format!("#{fault}"), format_args!("{kind} injected"));
        self.observed.fault_records[fault] = Some(self.observed.faults.len());
        self.observed.faults.push(FaultRecord { kind, target, injected_at: self.now, detected_at: None });
        self.observed.mark_now = true;
    }

    /// The component levels now.
    pub(super) fn levels(&self) -> Levels {
        let pods_ready = self
            .k8s
            .pods
            .iter()
            .filter(|p| p.phase == PodPhase::Running && matches!(p.raylet, Raylet::Alive { .. }))
            .count() as u32;
        let pods_desired = 1 + self.k8s.group_target.iter().sum::<u32>();
        Levels {
            replicas_running: self.serve.index.replicas_running(),
            replicas_target: self.total_target_replicas(),
            proxies_up: self.serve.index.proxies_up(),
            proxies_expected: self.expected_proxy_count(),
            pods_ready,
            pods_desired,
            gcs_up: self.gcs_up(),
            redis_up: !self.scenario.cluster.gcs_fault_tolerance || self.redis_up(),
            controller_up: self.serve.controller.state == ControllerState::Running,
        }
    }

    /// Appends the levels now if they changed (one entry per instant).
    pub(super) fn record_levels(&mut self) {
        self.observed.levels_dirty = false;
        let levels = self.levels();
        match self.observed.levels.last_mut() {
            Some((t, l)) if *t == self.now => *l = levels,
            Some((_, l)) if *l == levels => {}
            _ => {
                self.observed.levels.push((self.now, levels));
                self.observed.mark_now = true;
            }
        }
    }
}
