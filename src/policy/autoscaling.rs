//! Ray Serve's default autoscaling policy (`replica_queue_length_autoscaling_policy`), written
//! once as pure functions: the desired replica count from the averaged ongoing requests, and the
//! upscale and downscale delays that turn it into a new target.
//!
//! Sources (ray-project/ray): `python/ray/serve/autoscaling_policy.py`
//! (`_core_replica_queue_length_policy`, `_apply_scaling_factors`, `_apply_bounds`,
//! `_apply_delay_logic`, `_get_cold_start_scale_up_replicas`; in older 2.x releases the same rule
//! is `_calculate_desired_num_replicas` with a smoothed error ratio, which is the same number) and
//! `python/ray/serve/config.py` (`AutoscalingConfig`). The arithmetic is Ray's, in the same
//! order on the same 64-bit floats, so that the counts match Ray's to the replica.
//!
//! Ray counts the delays in control-loop iterations (a decision held for more than
//! `delay / CONTROL_LOOP_INTERVAL_S` iterations in a row); here they are times: a direction held
//! since `since` applies once `now - since >= delay`.

use crate::engine::{SimDuration, SimTime};
use crate::scenario::AutoscalingConfig;

/// The replica count the load asks for, within `[min_replicas, max_replicas]`.
///
/// `total_ongoing` is the deployment's ongoing requests (running at replicas plus queued at
/// routers) averaged over the look-back window; `running` the replicas RUNNING; `target` the
/// current target. With no running replica Ray's cold-start path keeps the target (or asks for
/// `ceil(upscaling_factor)` when requests wait and the target is lower).
pub fn desired_replicas(config: &AutoscalingConfig, total_ongoing: f64, running: u32, target: u32) -> u32 {
    if running == 0 {
        return if total_ongoing > 0.0 { (config.upscaling_factor.ceil() as u32).max(target) } else { target };
    }
    let current = f64::from(running);
    let target_num_requests = config.target_ongoing_requests * current;
    let error_ratio = total_ongoing / target_num_requests;
    let desired = current * error_ratio;
    let delta = desired - current;
    let factor = if delta > 0.0 { config.upscaling_factor } else { config.downscaling_factor };
    let mut scaled = (current + factor * delta).ceil();
    // A downscale stuck at the current count by a small factor still removes one replica.
    if desired.ceil() < current && scaled == current {
        scaled -= 1.0;
    }
    let bounded = scaled.clamp(f64::from(config.min_replicas), f64::from(config.max_replicas));
    bounded as u32
}

/// Which way the last decisions went, and since when.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Trend {
    /// The desired count equals the target.
    #[default]
    Steady,
    /// The desired count has been above the target since this instant.
    Up(SimTime),
    /// The desired count has been below the target since this instant.
    Down(SimTime),
}

/// One decision of the delay logic: the trend to keep, and the new target when one applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The trend after this decision.
    pub trend: Trend,
    /// The new target, when the delay has passed.
    pub new_target: Option<u32>,
}

/// Ray's `_apply_delay_logic`: `desired` becomes the target once the decision has pointed the
/// same way for the upscale (or downscale) delay; a change of direction restarts the wait, and
/// an applied change resets it.
pub fn apply_delay(config: &AutoscalingConfig, trend: Trend, desired: u32, target: u32, now: SimTime) -> Decision {
    let (since, delay, next) = if desired > target {
        let since = match trend {
            Trend::Up(since) => since,
            _ => now,
        };
        (since, config.upscale_delay, Trend::Up(since))
    } else if desired < target {
        let since = match trend {
            Trend::Down(since) => since,
            _ => now,
        };
        (since, config.downscale_delay, Trend::Down(since))
    } else {
        return Decision { trend: Trend::Steady, new_target: None };
    };
    if now.saturating_since(since) >= delay {
        Decision { trend: Trend::Steady, new_target: Some(desired) }
    } else {
        Decision { trend: next, new_target: None }
    }
}

/// The mean of the samples `(time, ongoing)` taken in the look-back window ending at `now`
/// (times in `(now - look_back, now]`); zero when there is none. Ray averages each replica's and
/// each handle's recorded values over `look_back_period_s` and adds them up.
pub fn look_back_mean(samples: &[(SimTime, u32)], now: SimTime, look_back: SimDuration) -> f64 {
    let in_window: Vec<u32> =
        samples.iter().filter(|(t, _)| *t <= now && now.saturating_since(*t) < look_back).map(|&(_, v)| v).collect();
    if in_window.is_empty() {
        return 0.0;
    }
    in_window.iter().map(|&v| f64::from(v)).sum::<f64>() / in_window.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> AutoscalingConfig {
        AutoscalingConfig {
            min_replicas: 2,
            max_replicas: 10,
            initial_replicas: 2,
            target_ongoing_requests: 2.0,
            metrics_interval: SimDuration::from_secs(10),
            look_back_period: SimDuration::from_secs(30),
            upscaling_factor: 1.0,
            downscaling_factor: 1.0,
            upscale_delay: SimDuration::from_secs(30),
            downscale_delay: SimDuration::from_secs(600),
        }
    }

    #[test]
    fn the_desired_count_is_the_ongoing_requests_over_the_target_per_replica_rounded_up() {
        // 3 running, 13 ongoing, target 2: ratio 13 / 6, desired 3 x 13/6 = 6.5 -> 7.
        assert_eq!(desired_replicas(&rule(), 13.0, 3, 3), 7);
        // Exactly on target: no change.
        assert_eq!(desired_replicas(&rule(), 6.0, 3, 3), 3);
        // 5 running, 4.2 ongoing: desired 2.1 -> 3.
        assert_eq!(desired_replicas(&rule(), 4.2, 5, 5), 3);
    }

    #[test]
    fn the_desired_count_stays_within_min_and_max() {
        assert_eq!(desired_replicas(&rule(), 100.0, 4, 4), 10, "50 wanted, max 10");
        assert_eq!(desired_replicas(&rule(), 0.0, 4, 4), 2, "0 wanted, min 2");
    }

    #[test]
    fn scaling_factors_take_part_of_the_step_and_a_stuck_downscale_still_removes_one() {
        let r = AutoscalingConfig { upscaling_factor: 0.5, downscaling_factor: 0.1, ..rule() };
        // Up: 4 running, 16 ongoing -> desired 8; ceil(4 + 0.5 x 4) = 6.
        assert_eq!(desired_replicas(&r, 16.0, 4, 4), 6);
        // Down: 8 running, 8 ongoing -> desired 4; ceil(8 - 0.1 x 4) = ceil(7.6) = 8 = current,
        // stuck: one less.
        assert_eq!(desired_replicas(&r, 8.0, 8, 8), 7);
    }

    #[test]
    fn with_no_running_replica_the_cold_start_path_keeps_the_target() {
        assert_eq!(desired_replicas(&rule(), 5.0, 0, 4), 4);
        assert_eq!(desired_replicas(&rule(), 0.0, 0, 4), 4);
        let r = AutoscalingConfig { upscaling_factor: 2.5, ..rule() };
        assert_eq!(desired_replicas(&r, 5.0, 0, 2), 3, "ceil(1 x 2.5) when requests wait");
    }

    #[test]
    fn an_upscale_applies_after_the_upscale_delay_of_the_same_decision() {
        let r = rule();
        let t = |s: u64| SimTime::ZERO + SimDuration::from_secs(s);
        let d = apply_delay(&r, Trend::Steady, 5, 3, t(100));
        assert_eq!(d, Decision { trend: Trend::Up(t(100)), new_target: None });
        let d = apply_delay(&r, d.trend, 6, 3, t(129));
        assert_eq!(d.new_target, None, "29 s < 30 s");
        let d = apply_delay(&r, d.trend, 6, 3, t(130));
        assert_eq!(d, Decision { trend: Trend::Steady, new_target: Some(6) }, "the latest desired count applies");
    }

    #[test]
    fn a_change_of_direction_restarts_the_wait_and_no_change_resets_it() {
        let r = rule();
        let t = |s: u64| SimTime::ZERO + SimDuration::from_secs(s);
        let up = apply_delay(&r, Trend::Steady, 5, 3, t(0)).trend;
        let down = apply_delay(&r, up, 2, 3, t(20)).trend;
        assert_eq!(down, Trend::Down(t(20)));
        assert_eq!(apply_delay(&r, down, 2, 3, t(619)).new_target, None);
        assert_eq!(apply_delay(&r, down, 2, 3, t(620)).new_target, Some(2));
        assert_eq!(apply_delay(&r, down, 3, 3, t(30)).trend, Trend::Steady);
        let zero = AutoscalingConfig { upscale_delay: SimDuration::ZERO, ..r };
        assert_eq!(apply_delay(&zero, Trend::Steady, 4, 3, t(5)).new_target, Some(4), "no delay: at once");
    }

    #[test]
    fn the_look_back_mean_averages_the_samples_of_the_window() {
        let t = |ms: u64| SimTime::ZERO + SimDuration::from_millis(ms);
        let samples = [(t(0), 100), (t(500), 2), (t(1000), 4), (t(1500), 6)];
        // A 1.2 s window ending at 1.5 s holds the samples at 0.5, 1.0 and 1.5 s.
        assert_eq!(look_back_mean(&samples, t(1500), SimDuration::from_millis(1200)), 4.0);
        assert_eq!(look_back_mean(&samples, t(1000), SimDuration::from_millis(600)), 3.0, "later samples excluded");
        assert_eq!(look_back_mean(&[], t(0), SimDuration::from_secs(30)), 0.0);
    }
}
