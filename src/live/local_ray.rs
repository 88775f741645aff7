//! The `local-ray` adapter: a real Ray cluster on this machine, every "pod" a `ray start`
//! process tree on its own loopback address, driven through the Python helper.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::LiveError;
use super::adapter::{Action, ClusterAdapter};
use super::deploy::{self, custom};
use super::helper::Helper;
use super::protocol::{self as p, PodStartReply};
use super::snapshot::Snapshot;
use crate::scenario::resources::UNIT;
use crate::scenario::secret::Secret;
use crate::scenario::{Manager, Resources, Scenario, Timings};

/// The helper package (`python/ftsim_helper`), built into the binary: each module's file name
/// and text. [`LocalRay::new`] writes it into the run directory.
pub const HELPER_PACKAGE: &[(&str, &str)] = &[
    ("__init__.py", include_str!("../../python/ftsim_helper/__init__.py")),
    ("__main__.py", include_str!("../../python/ftsim_helper/__main__.py")),
    ("checking.py", include_str!("../../python/ftsim_helper/checking.py")),
    ("cleanup.py", include_str!("../../python/ftsim_helper/cleanup.py")),
    ("commands.py", include_str!("../../python/ftsim_helper/commands.py")),
    ("driver.py", include_str!("../../python/ftsim_helper/driver.py")),
    ("fault_cmds.py", include_str!("../../python/ftsim_helper/fault_cmds.py")),
    ("helper.py", include_str!("../../python/ftsim_helper/helper.py")),
    ("layout.py", include_str!("../../python/ftsim_helper/layout.py")),
    ("logs.py", include_str!("../../python/ftsim_helper/logs.py")),
    ("netns.py", include_str!("../../python/ftsim_helper/netns.py")),
    ("observe.py", include_str!("../../python/ftsim_helper/observe.py")),
    ("partition_cmds.py", include_str!("../../python/ftsim_helper/partition_cmds.py")),
    ("pod_cmds.py", include_str!("../../python/ftsim_helper/pod_cmds.py")),
    ("pod_launch.py", include_str!("../../python/ftsim_helper/pod_launch.py")),
    ("pods.py", include_str!("../../python/ftsim_helper/pods.py")),
    ("procs.py", include_str!("../../python/ftsim_helper/procs.py")),
    ("protocol.py", include_str!("../../python/ftsim_helper/protocol.py")),
    ("redis_client.py", include_str!("../../python/ftsim_helper/redis_client.py")),
    ("redis_cmds.py", include_str!("../../python/ftsim_helper/redis_cmds.py")),
    ("replies.py", include_str!("../../python/ftsim_helper/replies.py")),
    ("serve_cmds.py", include_str!("../../python/ftsim_helper/serve_cmds.py")),
    ("serve_driver.py", include_str!("../../python/ftsim_helper/serve_driver.py")),
    ("serve_view.py", include_str!("../../python/ftsim_helper/serve_view.py")),
    ("setup_cmds.py", include_str!("../../python/ftsim_helper/setup_cmds.py")),
    ("sleepy.py", include_str!("../../python/ftsim_helper/sleepy.py")),
    ("state.py", include_str!("../../python/ftsim_helper/state.py")),
    ("teardown.py", include_str!("../../python/ftsim_helper/teardown.py")),
    ("wrappers.py", include_str!("../../python/ftsim_helper/wrappers.py")),
];

/// The name of the helper's package (`python -m ftsim_helper`).
const PACKAGE: &str = "ftsim_helper";

/// Writes the Python package `package`, whose modules (file name, text) are `files`, under
/// `root` (as `root/<package>/*.py`), where `python -m <package>` with `root` on its path finds
/// it: the helper's, and the Ray driver of `ftsim mc --ray`.
pub fn write_package(root: &Path, package: &str, files: &[(&str, &str)]) -> Result<(), LiveError> {
    let dir = root.join(package);
    std::fs::create_dir_all(&dir).map_err(|e| LiveError::Io(format!("{}: {e}", dir.display())))?;
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| LiveError::Io(format!("{}: {e}", path.display())))?;
    }
    Ok(())
}

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
    /// Give each pod a network namespace of its own (a scenario that partitions pods).
    pub pod_netns: bool,
    /// Set by Ctrl-C: the helper's calls give up at once.
    pub stop: Arc<AtomicBool>,
}

/// The adapter.
pub struct LocalRay {
    helper: Helper,
    scenario: Option<Scenario>,
    endpoints: BTreeMap<String, String>,
}

impl LocalRay {
    /// Writes the helper package, starts the helper and initialises its run directory.
    pub fn new(cfg: &LocalRayConfig) -> Result<Self, LiveError> {
        std::fs::create_dir_all(&cfg.run_dir).map_err(|e| LiveError::Io(format!("{}: {e}", cfg.run_dir.display())))?;
        // Absolute: the helper runs in the package's directory, not in ours.
        let run_dir =
            std::path::absolute(&cfg.run_dir).map_err(|e| LiveError::Io(format!("{}: {e}", cfg.run_dir.display())))?;
        let package_root = run_dir.join("python");
        write_package(&package_root, PACKAGE, HELPER_PACKAGE)?;
        let log = run_dir.join("helper.log");
        let mut helper = Helper::spawn(
            &cfg.python,
            &package_root,
            &log,
            vec![cfg.redis_password.expose().to_string()],
            cfg.stop.clone(),
        )?;
        let init = p::Init {
            run_dir: run_dir.join("cluster").display().to_string(),
            base_port: cfg.base_port,
            redis_password: Some(cfg.redis_password.expose().to_string()),
            namespace: "ftsim".into(),
            keep_logs: Some(cfg.keep_logs),
            pod_netns: cfg.pod_netns.then_some(true),
        };
        helper.request(&init, Duration::from_secs(30))?;
        Ok(LocalRay { helper, scenario: None, endpoints: BTreeMap::new() })
    }

    fn scenario(&self) -> &Scenario {
        self.scenario.as_ref().expect("start() comes first")
    }

    /// Starts a pod; its elapsed seconds.
    fn start_pod(&mut self, pod: &str) -> Result<f64, LiveError> {
        let sc = self.scenario().clone();
        let ft = sc.cluster.gcs_fault_tolerance;
        let timeout = Duration::from_secs(200);
        let res = NodeResources::of_pod(&sc, pod);
        let r = if pod == "head" {
            let cpus = (sc.cluster.head_resources.cpus / UNIT).max(1);
            let args = p::StartHead {
                gcs_ft: ft,
                num_cpus: Some(cpus),
                timeout_s: Some(180.0),
                exit_ok: Some(true),
                env: Some(serve_env(&sc.timings).into_iter().chain(gcs_health_check_env(&sc.timings)).collect()),
                num_gpus: res.num_gpus,
                memory: res.memory,
                resources: res.custom,
                ..p::StartHead::default()
            };
            self.helper.request(&args, timeout)?
        } else {
            let mut env = serve_env(&sc.timings);
            if sc.cluster.manager == Manager::Plain {
                // Plain `ray start` keeps Ray's own reconnect timeout: the helper's KubeRay 600 s
                // (with GCS FT) is overridden by the scenario's (60 s by default).
                let timeout = sc.timings.worker_gcs_reconnect_timeout.as_secs_f64().round();
                env.insert("RAY_gcs_rpc_server_reconnect_timeout_s".to_string(), format!("{timeout}"));
            }
            let args = p::StartWorker {
                name: pod.to_string(),
                gcs_ft: ft,
                num_cpus: Some(1),
                timeout_s: Some(180.0),
                env: Some(env),
                num_gpus: res.num_gpus,
                memory: res.memory,
                resources: res.custom,
                ..p::StartWorker::default()
            };
            self.helper.request(&args, timeout)?
        };
        match r {
            PodStartReply::Started(started) => {
                self.endpoints.insert(started.pod, started.proxy_url);
                Ok(started.elapsed_s)
            }
            PodStartReply::Exited(exited) => {
                Err(LiveError::ContainerExited(format!("ray start --head exited with {}", exited.exit_code)))
            }
        }
    }

    /// Submits every application ([`super::deploy::requests`]); with `start_only`,
    /// `serve.start` alone (a new controller that recovers the applications from its
    /// checkpoints, as after RayService's re-submission of an unchanged config: a `serve.run` of
    /// the same application would replace every replica). Returns the seconds it took.
    fn deploy(&mut self, start_only: bool) -> Result<f64, LiveError> {
        let mut took = 0.0;
        for args in deploy::requests(self.scenario(), start_only) {
            took += self.helper.request(&args, Duration::from_secs(90))?.elapsed_s;
        }
        Ok(took)
    }

    /// Every Ray pod that can host a replica hosts at least one (the simulator's spread steady
    /// state)? A pod can host one when it has the GPUs, memory and custom resources a replica of
    /// some application asks for (CPUs are not asked for live).
    fn spread_ok(&mut self, pods: &[String]) -> Result<bool, LiveError> {
        let snap = self.observe()?;
        let sc = self.scenario();
        let n = sc.serve.total_replicas() as usize;
        let needs: Vec<Resources> =
            sc.serve.deployments().map(|d| Resources { cpus: 0, ..d.replica_resources.clone() }).collect();
        let hosts: Vec<&String> = pods
            .iter()
            .filter(|p| needs.iter().any(|need| sc.cluster.resources_of_group(sc.cluster.group_of_pod(p)).fits(need)))
            .collect();
        if n < hosts.len() {
            return Ok(true);
        }
        Ok(hosts.iter().all(|p| snap.running_replicas().iter().any(|r| r.pod.as_deref() == Some(p.as_str()))))
    }
}

impl ClusterAdapter for LocalRay {
    fn start(&mut self, scenario: &Scenario) -> Result<(), LiveError> {
        self.scenario = Some(scenario.clone());
        if scenario.cluster.gcs_fault_tolerance {
            self.helper.request(&p::StartRedis {}, Duration::from_secs(30))?;
        }
        let pods = scenario.initial_ray_pods();
        for pod in &pods {
            self.start_pod(pod)?;
        }
        // Real SPREAD placement of num_cpus=0 replicas is often lopsided (4/2/0 was seen); the
        // simulator's steady state has a replica on every pod. Redeploy until it matches.
        for attempt in 1..=4 {
            self.deploy(false)?;
            let n = scenario.serve.total_replicas();
            let route_prefix = Some(scenario.serve.applications[0].route_prefix.clone());
            let wait = p::WaitReady { timeout_s: 240.0, num_replicas: n, route_prefix };
            self.helper.request(&wait, Duration::from_secs(260))?;
            if self.spread_ok(&pods)? || attempt == 4 {
                break;
            }
            for undeploy in deploy::undeploys(scenario) {
                self.helper.request(&undeploy, Duration::from_secs(90))?;
            }
        }
        Ok(())
    }

    fn act(&mut self, action: &Action) -> Result<String, LiveError> {
        let t = Duration::from_secs(60);
        let h = &mut self.helper;
        let elapsed_s = match action {
            Action::KillReplica { replica_id } => {
                let args = p::KillReplica { replica: Some(replica_id.clone()), pod: None, method: None };
                Some(h.request(&args, t)?.elapsed_s)
            }
            Action::FailHealth { pid, on } => {
                h.request(&p::FailHealth { pid: *pid, on: *on }, t)?;
                None
            }
            Action::FailConstructorsCount(n) => {
                h.request(&p::FailConstructors { count: Some(*n), probability: None }, t)?;
                None
            }
            Action::FailConstructorsProbability(prob) => {
                h.request(&p::FailConstructors { count: None, probability: Some(*prob) }, t)?;
                None
            }
            Action::KillController { restart } => {
                Some(h.request(&p::KillController { no_restart: Some(!restart), method: None }, t)?.elapsed_s)
            }
            Action::KillProxy { pod: name } => {
                let args = p::KillProxy { pod: Some(name.clone()), node_ip: None, method: None };
                Some(h.request(&args, t)?.elapsed_s)
            }
            Action::TerminatePod { pod: name } => {
                h.request(&p::TerminatePod { name: name.clone() }, t)?;
                None
            }
            Action::KillPod { pod: name } => Some(h.request(&p::KillPod { name: name.clone() }, t)?.elapsed_s),
            Action::FreezePod { pod: name } => Some(h.request(&p::FreezePod { name: name.clone() }, t)?.elapsed_s),
            Action::KillGcs => Some(h.request(&p::KillGcs {}, t)?.elapsed_s),
            Action::PartitionPod { pod: name, on } => {
                Some(h.request(&p::PartitionPod { name: name.clone(), on: *on }, t)?.elapsed_s)
            }
            Action::StartWorker { pod: name } => Some(self.start_pod(name)?),
            Action::StartHead => Some(self.start_pod("head")?),
            Action::StopRedis => Some(h.request(&p::StopRedis::default(), t)?.elapsed_s),
            Action::StartRedis => Some(h.request(&p::StartRedis {}, t)?.elapsed_s),
            Action::Deploy => Some(self.deploy(false)?),
            Action::StartServe => Some(self.deploy(true)?),
        };
        let took = elapsed_s.map(|s| format!(" in {s:.1} s")).unwrap_or_default();
        Ok(format!("{action:?} done{took}"))
    }

    fn observe(&mut self) -> Result<Snapshot, LiveError> {
        let reply = self.helper.request(&p::Observe { timeout_s: Some(1.5) }, Duration::from_secs(15))?;
        Ok(Snapshot::from(reply))
    }

    fn endpoints(&self) -> BTreeMap<String, String> {
        self.endpoints.clone()
    }

    fn probe_proxy_health(&mut self, pod: &str, timeout: Duration) -> bool {
        self.endpoints.get(pod).is_some_and(|url| super::healthz::answers_200(url, timeout))
    }

    fn teardown(self: Box<Self>) -> Result<String, LiveError> {
        let Some(v) = self.helper.shutdown()? else {
            return Ok("torn down after Ctrl-C: none left".into());
        };
        let (leftover, ports) = (v.leftover_pids.len(), v.ports_still_bound.len());
        if leftover > 0 || ports > 0 {
            let v = serde_json::to_string(&v).expect("a result serializes");
            return Err(LiveError::Helper(format!("teardown left {leftover} processes and {ports} bound ports: {v}")));
        }
        Ok(format!("torn down: {} processes stopped, none left, no port bound", v.killed.len()))
    }
}

/// The logical resources a pod's `ray start` offers besides its CPUs: its group's GPUs, memory
/// and custom resources, as the protocol's options (left out when the helper's default is
/// right: no GPU, no custom resource). Memory is given only when the scenario uses it somewhere
/// (else Ray measures the machine, as before resources were modelled).
struct NodeResources {
    num_gpus: Option<u64>,
    memory: Option<u64>,
    custom: Option<BTreeMap<String, f64>>,
}

impl NodeResources {
    fn of_pod(sc: &Scenario, pod: &str) -> Self {
        let c = &sc.cluster;
        let have = c.resources_of_group(c.group_of_pod(pod));
        NodeResources {
            num_gpus: (have.gpus > 0).then_some(have.gpus / UNIT),
            memory: uses_memory(sc).then_some(have.memory),
            custom: custom(have),
        }
    }
}

/// Whether any pod or replica of `sc` has or asks for memory.
fn uses_memory(sc: &Scenario) -> bool {
    let c = &sc.cluster;
    std::iter::once(&c.head_resources)
        .chain(c.worker_groups.iter().map(|g| &g.resources))
        .chain(sc.serve.applications.iter().map(|a| &a.deployment.replica_resources))
        .any(|r| r.memory > 0)
}

/// The Serve environment variables of every pod's `ray start`, which its raylet's workers (the
/// controller, proxies and replicas) inherit: the KV timeout and the long-poll bounds.
fn serve_env(t: &Timings) -> BTreeMap<String, String> {
    let secs = |d: crate::engine::SimDuration| d.as_secs_f64().to_string();
    BTreeMap::from([
        ("RAY_SERVE_KV_TIMEOUT_S".to_string(), secs(t.serve_kv_timeout)),
        ("LISTEN_FOR_CHANGE_REQUEST_TIMEOUT_S_LOWER_BOUND".to_string(), secs(t.long_poll_timeout_min)),
        ("LISTEN_FOR_CHANGE_REQUEST_TIMEOUT_S_UPPER_BOUND".to_string(), secs(t.long_poll_timeout_max)),
    ])
}

/// The GCS's health checks of the raylets as the scenario times them (Ray's defaults unless it
/// sets `timings.gcs_health_check_*`), for the head, whose `gcs_server` runs them.
fn gcs_health_check_env(t: &Timings) -> BTreeMap<String, String> {
    let ms = |d: crate::engine::SimDuration| (d.as_micros() / 1000).to_string();
    BTreeMap::from([
        ("RAY_health_check_period_ms".to_string(), ms(t.gcs_health_check_period)),
        ("RAY_health_check_timeout_ms".to_string(), ms(t.gcs_health_check_timeout)),
        ("RAY_health_check_failure_threshold".to_string(), t.gcs_health_check_failure_threshold.to_string()),
    ])
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Asserts that `files` lists every module of `python/<package>`, in file-name order.
    pub(crate) fn assert_embeds_every_module(package: &str, files: &[(&str, &str)]) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("python").join(package);
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".py"))
            .collect();
        on_disk.sort();
        let embedded: Vec<&str> = files.iter().map(|(name, _)| *name).collect();
        assert_eq!(embedded, on_disk);
    }

    #[test]
    fn the_binary_embeds_every_module_of_the_helper_package() {
        assert_embeds_every_module(PACKAGE, HELPER_PACKAGE);
    }

    #[test]
    fn the_package_is_written_where_python_finds_it() {
        let root = tempfile::tempdir().unwrap();
        write_package(root.path(), PACKAGE, HELPER_PACKAGE).unwrap();
        for (name, text) in HELPER_PACKAGE {
            assert_eq!(std::fs::read_to_string(root.path().join(PACKAGE).join(name)).unwrap(), *text);
        }
    }
}
