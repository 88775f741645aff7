//! The `local-ray` adapter: a real Ray cluster on this machine, every "pod" a `ray start`
//! process tree on its own loopback address, driven through the Python helper.

use crate::scenario::secret::Secret;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use serde_json::{Value, json};

use super::LiveError;
use super::adapter::{Action, ClusterAdapter};
use super::helper::Helper;
use super::snapshot::Snapshot;
use crate::scenario::{ProxyLocation, Scenario};

/// The helper script, built into the binary and written into the run directory.
pub const HELPER_SCRIPT: &str = include_str!("python/ftsim_ray_helper.py");

/// How to reach the helper's Python and where the run lives.
#[derive(Clone, Debug)]
pub struct LocalRayConfig {
    /// The live virtualenv's python.
    pub python: PathBuf,
    /// The helper's run directory (temporary).
    pub run_dir: PathBuf,
    /// First port of the range the cluster uses.
    pub base_port: u16,
    /// Redis password (never logged: its `Debug` is redacted).
    pub redis_password: Secret,
    /// Keep Ray's logs under the run directory after teardown.
    pub keep_logs: bool,
    /// Set by Ctrl-C: the helper's calls give up at once.
    pub stop: Arc<AtomicBool>,
}

/// The adapter.
pub struct LocalRay {
    helper: Helper,
    scenario: Option<Scenario>,
    endpoints: BTreeMap<String, String>,
}

fn secs(d: crate::engine::SimDuration) -> f64 {
    d.as_secs_f64()
}

impl LocalRay {
    /// Writes the helper script, starts the helper and initialises its run directory.
    pub fn new(cfg: &LocalRayConfig) -> Result<Self, LiveError> {
        std::fs::create_dir_all(&cfg.run_dir).map_err(|e| LiveError::Io(format!("{}: {e}", cfg.run_dir.display())))?;
        let script = cfg.run_dir.join("ftsim_ray_helper.py");
        std::fs::write(&script, HELPER_SCRIPT).map_err(|e| LiveError::Io(format!("{}: {e}", script.display())))?;
        let log = cfg.run_dir.join("helper.log");
        let mut helper =
            Helper::spawn(&cfg.python, &script, &log, vec![cfg.redis_password.expose().to_string()], cfg.stop.clone())?;
        helper.call(
            "init",
            json!({
                "run_dir": cfg.run_dir.join("cluster").display().to_string(),
                "base_port": cfg.base_port,
                "redis_password": cfg.redis_password.expose(),
                "namespace": "ftsim",
                "keep_logs": cfg.keep_logs,
            }),
            Duration::from_secs(30),
        )?;
        Ok(LocalRay { helper, scenario: None, endpoints: BTreeMap::new() })
    }

    fn scenario(&self) -> &Scenario {
        self.scenario.as_ref().expect("start() comes first")
    }

    fn record_endpoint(&mut self, result: &Value) {
        if let (Some(pod), Some(url)) = (result["pod"].as_str(), result["proxy_url"].as_str()) {
            self.endpoints.insert(pod.to_string(), url.to_string());
        }
    }

    fn start_pod(&mut self, pod: &str) -> Result<Value, LiveError> {
        let sc = self.scenario().clone();
        let ft = sc.cluster.gcs_fault_tolerance;
        let timeout = Duration::from_secs(200);
        let r = if pod == "head" {
            let cpus = (sc.cluster.head_cpus_milli / 1000).max(1);
            let args = json!({"gcs_ft": ft, "num_cpus": cpus, "timeout_s": 180.0, "exit_ok": true});
            let r = self.helper.call("start_head", args, timeout)?;
            if r["started"] == json!(false) {
                let code = r["exit_code"].as_i64().unwrap_or(-1);
                return Err(LiveError::ContainerExited(format!("ray start --head exited with {code}")));
            }
            r
        } else {
            self.helper.call(
                "start_worker",
                json!({"name": pod, "gcs_ft": ft, "num_cpus": 1, "timeout_s": 180.0}),
                timeout,
            )?
        };
        self.record_endpoint(&r);
        Ok(r)
    }

    fn deploy(&mut self) -> Result<(), LiveError> {
        let s = self.scenario().serve.clone();
        self.helper.call(
            "deploy",
            json!({
                "num_replicas": s.num_replicas,
                "constructor_s": secs(s.constructor),
                // As in the simulator: a failing constructor raises when its work is done.
                "constructor_fail_delay_s": secs(s.constructor),
                "health_check_period_s": secs(s.health_check_period),
                "health_check_timeout_s": secs(s.health_check_timeout),
                "max_ongoing_requests": s.max_ongoing_requests,
                "max_replicas_per_node": s.max_replicas_per_node,
                "proxy_location": match s.proxy_location { ProxyLocation::EveryNode => "EveryNode", ProxyLocation::HeadOnly => "HeadOnly" },
                "max_constructor_retry_count": s.max_constructor_retry_count,
                "graceful_shutdown_timeout_s": secs(s.graceful_shutdown_timeout),
            }),
            Duration::from_secs(90),
        )?;
        Ok(())
    }

    /// Every Ray pod hosts at least one replica (the simulator's spread steady state)?
    fn spread_ok(&mut self, pods: &[String]) -> Result<bool, LiveError> {
        let snap = self.observe()?;
        let n = self.scenario().serve.num_replicas as usize;
        if n < pods.len() {
            return Ok(true);
        }
        Ok(pods.iter().all(|p| snap.running_replicas().iter().any(|r| r.pod.as_deref() == Some(p))))
    }
}

impl ClusterAdapter for LocalRay {
    fn start(&mut self, scenario: &Scenario) -> Result<(), LiveError> {
        self.scenario = Some(scenario.clone());
        if scenario.cluster.gcs_fault_tolerance {
            self.helper.call("start_redis", json!({}), Duration::from_secs(30))?;
        }
        let pods = scenario.initial_ray_pods();
        for pod in &pods {
            self.start_pod(pod)?;
        }
        // Real SPREAD placement of num_cpus=0 replicas is often lopsided (4/2/0 was seen); the
        // simulator's steady state has a replica on every pod. Redeploy until it matches.
        for attempt in 1..=4 {
            self.deploy()?;
            let n = scenario.serve.num_replicas;
            self.helper.call("wait_ready", json!({"timeout_s": 240.0, "num_replicas": n}), Duration::from_secs(260))?;
            if self.spread_ok(&pods)? || attempt == 4 {
                break;
            }
            self.helper.call("undeploy", json!({}), Duration::from_secs(90))?;
        }
        Ok(())
    }

    fn act(&mut self, action: &Action) -> Result<String, LiveError> {
        let t = Duration::from_secs(60);
        let r = match action {
            Action::KillReplica { replica_id } => {
                self.helper.call("kill_replica", json!({"replica": replica_id}), t)?
            }
            Action::FailHealth { pid, on } => self.helper.call("fail_health", json!({"pid": pid, "on": on}), t)?,
            Action::FailConstructorsCount(n) => self.helper.call("fail_constructors", json!({"count": n}), t)?,
            Action::FailConstructorsProbability(p) => {
                self.helper.call("fail_constructors", json!({"probability": p}), t)?
            }
            Action::KillController => self.helper.call("kill_controller", json!({"no_restart": false}), t)?,
            Action::KillProxy { pod } => self.helper.call("kill_proxy", json!({"pod": pod}), t)?,
            Action::TerminatePod { pod } => self.helper.call("terminate_pod", json!({"name": pod}), t)?,
            Action::KillPod { pod } => self.helper.call("kill_pod", json!({"name": pod}), t)?,
            Action::FreezePod { pod } => self.helper.call("freeze_pod", json!({"name": pod}), t)?,
            Action::StartWorker { pod } => self.start_pod(pod)?,
            Action::StartHead => self.start_pod("head")?,
            Action::StopRedis => self.helper.call("stop_redis", json!({}), t)?,
            Action::StartRedis => self.helper.call("start_redis", json!({}), t)?,
            Action::Deploy => {
                self.deploy()?;
                json!({"submitted": true})
            }
        };
        let took = r["elapsed_s"].as_f64().map(|s| format!(" in {s:.1} s")).unwrap_or_default();
        Ok(format!("{action:?} done{took}"))
    }

    fn observe(&mut self) -> Result<Snapshot, LiveError> {
        let v = self.helper.call("observe", json!({"timeout_s": 1.5}), Duration::from_secs(15))?;
        serde_json::from_value(v).map_err(|e| LiveError::Helper(format!("observe: unexpected snapshot: {e}")))
    }

    fn endpoints(&self) -> BTreeMap<String, String> {
        self.endpoints.clone()
    }

    fn teardown(self: Box<Self>) -> Result<String, LiveError> {
        let v = self.helper.shutdown()?;
        let leftover = v["leftover_pids"].as_array().map_or(0, Vec::len);
        let ports = v["ports_still_bound"].as_array().map_or(0, Vec::len);
        if leftover > 0 || ports > 0 {
            return Err(LiveError::Helper(format!("teardown left {leftover} processes and {ports} bound ports: {v}")));
        }
        if v["interrupted"] == json!(true) {
            return Ok("torn down after Ctrl-C: none left".into());
        }
        let killed = v["killed"].as_array().map_or(0, Vec::len);
        Ok(format!("torn down: {killed} processes stopped, none left, no port bound"))
    }
}
