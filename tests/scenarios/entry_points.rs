//! Proxies and entry points: proxy crashes, head-only proxies, pinned pods and a cloud load balancer.

use super::*;

mod proxy_crash {
    use super::*;

    /// ray-defaults §6: a dead proxy is replaced after 3 failed checks (20-30 s); every request
    /// that enters through that pod fails meanwhile, and nothing else does.
    #[test]
    fn only_traffic_pinned_to_that_proxy_fails_until_replaced() {
        for seed in seeds().take(10) {
            let run = Build::bundled("proxy-crash").set("seed", json!(seed)).run();
            let d = run.time_to_detect(0);
            assert!((19.9..=30.1).contains(&d), "seed {seed}: replaced after {d} s");
            let (inj, _, rec) = run.fault(0);
            let rec = rec.unwrap();
            assert_eq!(run.failures(), run.failures_of(FailureCause::ProxyUnavailable));
            assert_eq!(run.failures_between(inj, rec), run.requests_between(inj, rec), "all pinned traffic fails");
            assert_eq!(run.failures_between(rec, 180.0), 0);
        }
    }

    /// With a Service in front, the pod leaves the endpoints at its next readiness probe
    /// (period 5 s, failureThreshold 1), so little traffic is lost.
    #[test]
    fn a_service_sheds_the_pod_within_one_readiness_period() {
        let run = Build::bundled("proxy-crash").set("ingress", json!({"kind": "service"})).run();
        let removed = run.first("endpoint small-group-1: removed");
        assert!(removed - 60.0 <= 5.0 + 1e-6);
        let pinned = Build::bundled("proxy-crash").run();
        assert!(run.failures() * 5 < pinned.failures(), "{} vs {}", run.failures(), pinned.failures());
    }
}

mod head_only_proxies {
    use super::*;

    /// Ray 2.60 `ProxyLocation.HeadOnly`: only the head runs a proxy, so traffic goes to the
    /// head by default; with no fault every request succeeds.
    #[test]
    fn default_ingress_is_the_head_and_serves() {
        let run = custom(json!({"serve": {"proxy_location": "HeadOnly"}})).run();
        assert_eq!(run.scenario.ingress, ftsim::scenario::Ingress::Pinned { pod: "head".to_string() });
        assert_eq!(run.failures(), 0);
    }

    /// A worker pod never runs a proxy with HeadOnly: pinning traffic to it is refused, with the
    /// JSON path.
    #[test]
    fn pinning_a_worker_is_refused() {
        let json =
            json!({"serve": {"proxy_location": "HeadOnly"}, "ingress": {"kind": "pinned", "pod": "small-group-1"}});
        let Err(errors) = ftsim::scenario::parse(&json.to_string(), "t.json") else { panic!("accepted") };
        let text = format!("{errors:?}");
        assert!(text.contains("ingress") && text.contains("HeadOnly"), "{text}");
    }
}

mod pinned_pod_without_proxy {
    use super::*;

    /// With EveryNode, a worker pod runs a proxy only while it hosts a replica (Ray 2.60
    /// `_update_proxy_nodes`): a pod with fewer CPUs than a replica needs never does. It is not
    /// the default pinned pod, and pinning it is refused.
    #[test]
    fn a_worker_too_small_for_a_replica_is_never_the_pinned_pod() {
        let cluster = json!({"head_num_cpus": 20, "worker_groups": [
            {"name": "tiny", "replicas": 1, "num_cpus": 1}, {"name": "big", "replicas": 1, "num_cpus": 4}]});
        let run = custom(json!({"serve": {"num_cpus_per_replica": 2}, "cluster": cluster.clone()})).run();
        assert_eq!(run.scenario.ingress, ftsim::scenario::Ingress::Pinned { pod: "big-1".to_string() });
        assert_eq!(run.failures(), 0);
        let pinned = json!({"serve": {"num_cpus_per_replica": 2}, "cluster": cluster,
            "ingress": {"kind": "pinned", "pod": "tiny-1"}});
        let Err(errors) = ftsim::scenario::parse(&pinned.to_string(), "t.json") else { panic!("accepted") };
        assert!(format!("{errors:?}").contains("never hosts a replica"), "{errors:?}");
    }
}

mod worker_failures_behind_load_balancer {
    use super::*;

    const NAME: &str = "worker-failures-behind-load-balancer";

    /// GCP's health checks (5 s apart, out after 2 failures): a crashed worker's backend gets
    /// traffic for at most 2 x 5 s, and only its requests fail; the other backends lose nothing.
    #[test]
    fn a_crashed_worker_s_backend_fails_only_until_the_load_balancer_takes_it_out() {
        for seed in seeds().take(10) {
            let run = Build::bundled(NAME).set("seed", json!(seed)).run();
            let failed = arrivals(&run, "small-group-2", true);
            assert!(!failed.is_empty(), "seed {seed}: the crash cost requests");
            assert!(failed.iter().all(|&t| (60.0..70.0).contains(&t)), "seed {seed}: {failed:?}");
            assert_eq!(run.failures(), failed.len() as u64, "seed {seed}: only small-group-2's backend fails");
            // Unless the restarted container passes a probe first, its backend leaves the rotation.
            let removed = run.log_times("lb-backend small-group-2: HEALTHY -> UNHEALTHY");
            assert!(removed.iter().all(|&t| !(70.0..120.0).contains(&t)), "seed {seed}: {removed:?}");
        }
    }

    /// The pod KubeRay creates in place of the deleted one takes its backend once its probes
    /// pass, and gets its share of the traffic again.
    #[test]
    fn the_recreated_pod_takes_the_deleted_pod_s_backend_once_healthy() {
        let run = Build::bundled(NAME).run();
        let replaced = run.first("lb-backend small-group-2: now pod small-group-3");
        let healthy = *run.log_times("lb-backend small-group-2: UNHEALTHY -> HEALTHY").last().unwrap();
        assert!(healthy > replaced, "{}", run.out.events_log);
        let served = arrivals(&run, "small-group-2", false);
        assert!(served.iter().any(|&t| t > healthy), "the backend gets traffic again");
        assert!(served.iter().all(|&t| !(replaced..healthy).contains(&t)), "none while it is unhealthy");
        // The drain fails its health check before its proxy goes: the deletion costs nothing.
        assert_eq!(run.failures_between(120.0, 200.0), 0);
    }

    /// Without health checks every backend gets traffic, dead or alive: the crashed worker's
    /// requests fail until its container is back, and the deleted pod's until its replacement
    /// serves.
    #[test]
    fn without_health_checks_failures_last_until_the_pod_is_back() {
        let checked = Build::bundled(NAME).run();
        let run = Build::bundled(NAME).set("ingress.health_check", json!({"enabled": false})).run();
        let failed = arrivals(&run, "small-group-2", true);
        let crash_recovered = 60.0 + run.time_to_recover(0);
        let last_crash_failure = failed.iter().copied().filter(|&t| t < 120.0).fold(0.0, f64::max);
        let checked_out = checked.first("lb-backend small-group-2: HEALTHY -> UNHEALTHY");
        assert!(last_crash_failure > checked_out && last_crash_failure <= crash_recovered, "{failed:?}");
        assert!(failed.iter().any(|&t| t > 150.0), "the recreated pod's backend fails until it serves");
        assert_eq!(run.failures(), failed.len() as u64, "other backends lose nothing");
        assert!(run.failures() > 2 * checked.failures(), "{} vs {}", run.failures(), checked.failures());
        assert!(run.log_times("UNHEALTHY").is_empty(), "no health checks: {}", run.out.events_log);
    }

    /// Round robin (GCP backend services' default) gives each healthy backend its turn; random
    /// spread draws from the load balancer's own stream, so arrivals and service times are those
    /// of a pinned run of the same seed.
    #[test]
    fn round_robin_shares_evenly_and_the_load_balancer_moves_no_other_random_stream() {
        let steady = |ingress: serde_json::Value| {
            custom(json!({"duration_s": 60, "ingress": ingress,
                "traffic": {"rate_per_s": 2, "service_time": {"kind": "exponential", "mean_s": 0.05}}}))
            .run()
        };
        let rr = steady(json!({"kind": "load_balancer"}));
        let shares: Vec<u64> = rr.metrics.entry_points.iter().map(|e| e.requests).collect();
        assert_eq!(shares.len(), 3, "{:?}", rr.metrics.entry_points);
        assert!(shares.iter().max().unwrap() - shares.iter().min().unwrap() <= 1, "{shares:?}");
        let random = steady(json!({"kind": "load_balancer", "spread": "random"}));
        let pinned = steady(json!({"kind": "pinned"}));
        let timing = |run: &common::Run| -> Vec<(u64, u64)> {
            let reqs = &run.out.observations.requests;
            reqs.iter().map(|r| (r.arrival.as_micros(), r.end.saturating_since(r.arrival).as_micros())).collect()
        };
        assert_eq!(timing(&random), timing(&pinned));
        assert_eq!(timing(&rr), timing(&pinned));
        assert_eq!(random.failures(), 0);
    }
}
