//! Serve autoscaling (`serve.autoscaling`): the routers' ongoing-request samples, their push to
//! the controller, and the controller's decision, applied to the target replica count.
//!
//! Every [`AUTOSCALING_METRIC_RECORD_INTERVAL`] the routers record the deployment's ongoing
//! requests (in service at its replicas plus queued at the routers, as Ray 2.x's handles report
//! them); every `metrics_interval_s` they push them, and the controller's metric becomes their
//! mean over the last `look_back_period_s`. The controller runs the policy of
//! [`crate::policy::autoscaling`] at every record tick (Ray runs it every control-loop
//! iteration, 0.1 s, but its metric only moves at a push): a new target applies once the
//! decision has held for the upscale or downscale delay. Nothing is decided while the
//! controller is not running (or the GCS is down), and a restarted controller has neither metric
//! nor delay count (both live in its memory): it decides again from the next push on. A higher target is met by the control loop's replica
//! replacement (new replicas, placed where there is room, pending where there is none); a lower
//! one stops the surplus at once, pending and starting replicas first, then running ones on the
//! pods with the fewest replicas, newest first.

use crate::engine::SimTime;
use crate::journal::Component;
use crate::policy::autoscaling::{self, Trend};
use crate::scenario::AutoscalingConfig;
use crate::scenario::defaults::AUTOSCALING_METRIC_RECORD_INTERVAL;
use crate::sim::event::Event;
use crate::sim::ids::{DeploymentId, ReplicaId};
use crate::sim::serve::replica::ReplicaState;
use crate::sim::world::World;

/// The autoscaling state of the deployment.
#[derive(Clone, Debug)]
pub struct Autoscaler {
    /// The policy's settings.
    pub config: AutoscalingConfig,
    /// The target replica count the control loop reconciles to.
    pub target: u32,
    /// Samples `(time, ongoing requests)` not yet older than the look-back window.
    samples: Vec<(SimTime, u32)>,
    /// The mean the controller received at the last push; `None` before the first.
    pub metric: Option<f64>,
    /// The next push.
    next_push: SimTime,
    /// The delay logic's trend.
    trend: Trend,
}

impl Autoscaler {
    /// The autoscaler of a deployment that starts with `config.initial_replicas`.
    pub fn new(config: AutoscalingConfig) -> Self {
        Autoscaler {
            config,
            target: config.initial_replicas,
            samples: Vec::new(),
            metric: None,
            next_push: SimTime::ZERO + config.metrics_interval,
            trend: Trend::Steady,
        }
    }
}

impl World {
    /// The replica count the controller aims at for deployment `d`: its autoscaler's target, or
    /// its `num_replicas`.
    pub(crate) fn target_replicas(&self, d: DeploymentId) -> u32 {
        let fixed = self.scenario.serve.applications[d.ix()].deployment.num_replicas;
        self.serve.autoscalers[d.ix()].as_ref().map_or(fixed, |a| a.target)
    }

    /// Every deployment's target, summed (the `replicas_target` level).
    pub(crate) fn total_target_replicas(&self) -> u32 {
        self.serve.deployment_ids().map(|d| self.target_replicas(d)).sum()
    }

    /// Starts the record ticks when some deployment autoscales (one tick serves them all).
    pub(crate) fn start_autoscaler(&mut self) {
        for (d, app) in self.scenario.serve.applications.iter().enumerate() {
            self.serve.autoscalers[d] = app.deployment.autoscaling.map(Autoscaler::new);
        }
        if self.serve.autoscalers.iter().any(Option::is_some) {
            self.schedule_in(AUTOSCALING_METRIC_RECORD_INTERVAL, Event::AutoscalerTick);
        }
    }

    /// One record tick: for each autoscaled deployment, a sample, a push when one is due, and
    /// the controller's decision.
    pub(crate) fn on_autoscaler_tick(&mut self) {
        self.schedule_in(AUTOSCALING_METRIC_RECORD_INTERVAL, Event::AutoscalerTick);
        for d in self.serve.deployment_ids() {
            if self.serve.autoscalers[d.ix()].is_some() {
                self.autoscale(d);
            }
        }
    }

    /// Deployment `d`'s share of a record tick.
    fn autoscale(&mut self, d: DeploymentId) {
        let ongoing = self.ongoing_requests(d);
        let (now, running) = (self.now, self.serve.index.deployment_running(d));
        let deciding = self.controller_running() && self.gcs_up();
        let Some(a) = self.serve.autoscalers[d.ix()].as_mut() else { return };
        a.samples.push((now, ongoing));
        if now >= a.next_push {
            a.next_push += a.config.metrics_interval;
            let look_back = a.config.look_back_period;
            a.samples.retain(|&(t, _)| now.saturating_since(t) < look_back);
            a.metric = Some(autoscaling::look_back_mean(&a.samples, now, look_back));
        }
        if !deciding {
            // The controller's metrics and delay count live in its memory.
            (a.metric, a.trend) = (None, Trend::Steady);
            return;
        }
        let Some(metric) = a.metric else { return };
        let desired = autoscaling::desired_replicas(&a.config, metric, running, a.target);
        let decision = autoscaling::apply_delay(&a.config, a.trend, desired, a.target, now);
        a.trend = decision.trend;
        if let Some(new) = decision.new_target {
            let old = std::mem::replace(&mut a.target, new);
            let name = self.application_label("autoscaler", d);
            self.log(
                Component::Serve,
                &name,
                format_args!("target {old} -> {new} replicas ({metric:.2} ongoing requests, {running} running)"),
            );
            self.observed.levels_dirty = true;
            if new < old {
                self.stop_surplus_replicas(d);
            }
            self.request_reconcile();
        }
    }

    /// Deployment `d`'s ongoing requests: in service at its replicas plus queued at the routers.
    fn ongoing_requests(&self, d: DeploymentId) -> u32 {
        let serving: usize = self
            .serve
            .replicas
            .iter()
            .filter(|r| r.deployment == d && r.state != ReplicaState::Dead)
            .map(|r| r.ongoing.len())
            .sum();
        let queued: usize = self.serve.proxies.iter().map(|p| p.queues[d.ix()].len()).sum();
        (serving + queued) as u32
    }

    /// Stops deployment `d`'s replicas above its target: pending and starting ones first
    /// (newest first), then running ones on the pods with the fewest replicas of `d`, newest
    /// first.
    fn stop_surplus_replicas(&mut self, d: DeploymentId) {
        let surplus = self.serve.index.replicas_active(d).saturating_sub(self.target_replicas(d) as usize);
        let generation = self.serve.controller.generation;
        let mut candidates: Vec<(u8, usize, std::cmp::Reverse<ReplicaId>)> = (0..self.serve.replicas.len())
            .map(|i| ReplicaId(i as u32))
            .filter_map(|r| {
                let rep = &self.serve.replicas[r.ix()];
                let rank = match rep.state {
                    ReplicaState::PendingAllocation => 0,
                    ReplicaState::Starting => 1,
                    ReplicaState::Running => 2,
                    ReplicaState::Stopping | ReplicaState::Dead => return None,
                };
                let on_pod = rep.pod.map_or(0, |p| self.serve.index.replicas_of_on(d, p));
                let ours = rep.deployment == d && rep.generation == generation && !rep.migrating;
                ours.then_some((rank, on_pod, std::cmp::Reverse(r)))
            })
            .collect();
        candidates.sort();
        for (_, _, std::cmp::Reverse(r)) in candidates.into_iter().take(surplus) {
            self.stop_replica(r, "autoscaler: above the target");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::testing::{TestWorld, secs};

    /// Constant arrivals of 1 s requests: 4 req/s until 100 s, 10 req/s until 300 s, then 4 again
    /// (4, 10 and 4 requests in service); no router queue (100 slots per replica).
    fn stepped_load(autoscaling: &str) -> TestWorld {
        TestWorld::new(&format!(
            r#"{{ "duration_s": 600,
                 "serve": {{ "max_ongoing_requests": 100, "autoscaling": {autoscaling} }}, "ingress": {{ "kind": "service" }},
                 "traffic": {{ "arrivals": "constant", "rate_per_s": 4,
                              "service_time": {{ "kind": "constant", "s": 1 }},
                              "shape": {{ "kind": "steps", "steps": [{{ "at_s": 100, "rate_per_s": 10 }},
                                                                     {{ "at_s": 300, "rate_per_s": 4 }}] }} }} }}"#
        ))
    }

    fn target(t: &TestWorld) -> u32 {
        t.world().total_target_replicas()
    }

    #[test]
    fn the_target_rises_within_the_upscale_delay_and_a_metrics_interval_of_the_load_crossing_it() {
        let mut t = stepped_load(r#"{ "min_replicas": 2, "max_replicas": 8, "downscale_delay_s": 60 }"#);
        t.run_until(secs(100));
        assert_eq!((target(&t), t.world().serve.index.replicas_running()), (2, 2), "4 in service / 2 per replica");
        // The push at 110 s averages 10 s of the new load into the 30 s window: the policy asks
        // for more from then on, and the upscale delay (30 s) later the target rises.
        let rose = t.run_until_true(|w| w.total_target_replicas() > 2);
        assert_eq!(rose, secs(140), "100 s + metrics interval 10 s + upscale delay 30 s");
        // By then the whole window holds the new load: 10 or 11 in service / 2 per replica.
        assert!((5..=6).contains(&target(&t)), "target {}", target(&t));
        assert!(t.log().contains("serve autoscaler: target 2 -> "), "{}", t.log());
        let running = t.run_until_true(|w| w.serve.index.replicas_running() == w.total_target_replicas());
        assert_eq!(running, secs(152), "the new replicas run after actor start (2 s) and the constructor (10 s)");
    }

    #[test]
    fn the_target_falls_after_the_downscale_delay_and_stays_within_min_and_max() {
        let mut t = stepped_load(r#"{ "min_replicas": 2, "max_replicas": 4, "downscale_delay_s": 60 }"#);
        t.run_until(secs(300));
        assert_eq!(target(&t), 4, "capped at max_replicas (10 in service would ask for 5)");
        // The push at 310 s averages 20 s of 10 and 10 s of 4 in service: 8, still 4 replicas
        // (the max). The push at 320 s (6: 3 replicas) asks for fewer; 60 s later the target
        // falls, stopping the surplus replicas at once.
        let fell = t.run_until_true(|w| w.total_target_replicas() < 4);
        assert_eq!(fell, secs(380));
        assert_eq!(target(&t), 2, "back to 4 in service / 2 per replica");
        assert_eq!(
            t.world().serve.index.replicas_active(crate::sim::ids::DeploymentId(0)),
            2,
            "the surplus is stopped in the same instant"
        );
        t.run_until(secs(600));
        assert_eq!((target(&t), t.world().serve.index.replicas_running()), (2, 2), "no lower than min_replicas");
    }

    #[test]
    fn a_dead_controller_decides_nothing_and_a_restarted_one_starts_its_delay_afresh() {
        let mut t = TestWorld::new(
            r#"{ "duration_s": 300,
                 "serve": { "max_ongoing_requests": 100, "autoscaling": { "min_replicas": 2, "max_replicas": 8 } }, "ingress": { "kind": "service" },
                 "traffic": { "arrivals": "constant", "rate_per_s": 4, "service_time": { "kind": "constant", "s": 1 },
                              "shape": { "kind": "steps", "steps": [{ "at_s": 100, "rate_per_s": 10 }] } },
                 "faults": [{ "kind": "controller_crash", "at_s": 125 }] }"#,
        );
        // Without the crash the target would rise at 140 s (see above); the controller is down
        // from 125 s to 128 s (actor start 2 s + recovery 1 s) and gets its first metric at the
        // push of 130 s: the upscale delay runs from there.
        let rose = t.run_until_true(|w| w.total_target_replicas() > 2);
        assert_eq!(rose, secs(160));
    }
}
