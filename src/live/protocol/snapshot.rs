//! The result of `observe` (a snapshot of the cluster) and `shutdown`'s report of what it killed.

use super::*;

reply!(
    /// Redis as seen from outside.
    RedisState { running: bool, #[serde(deserialize_with = "nullable")] pid: Option<u32>, answering: bool }
);
reply!(
    /// The GCS as seen from outside (`answering`: unknown when `None`).
    GcsState { port_open: bool, #[serde(deserialize_with = "nullable")] answering: Option<bool> }
);

/// A pod's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The head pod.
    Head,
    /// A worker pod.
    Worker,
}

/// The state of a pod's `ray start`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessState {
    /// Not started.
    Absent,
    /// Running.
    Running,
    /// Exited by itself.
    Exited,
    /// Killed by the helper.
    Killed,
    /// Stopped (SIGSTOP).
    Frozen,
}

/// The GCS's view of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum NodeState {
    /// Alive.
    Alive,
    /// Dead.
    Dead,
}

/// The helper's Ray driver's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriverStateName {
    /// Not running.
    Absent,
    /// Connecting.
    Starting,
    /// Connected.
    Ready,
    /// Lost; restarted on the next observation.
    Dead,
}

reply!(
    /// One pod in an `observe` result.
    PodState {
        name: String,
        role: Role,
        incarnation: u32,
        slot: u32,
        #[serde(deserialize_with = "nullable")] pid: Option<u32>,
        node_ip: String,
        proxy_port: u16,
        process: ProcessState,
        #[serde(deserialize_with = "nullable")] exit_code: Option<i32>,
        live_processes: u32,
        #[serde(deserialize_with = "nullable")] node_state: Option<NodeState>,
        #[serde(deserialize_with = "nullable")] node_id: Option<String>,
    }
);
reply!(
    /// The helper's Ray driver.
    DriverState {
        state: DriverStateName,
        #[serde(deserialize_with = "nullable")] pid: Option<u32>,
        #[serde(deserialize_with = "nullable")] busy_s: Option<f64>,
        #[serde(deserialize_with = "nullable")] error: Option<String>,
    }
);
reply!(
    /// Whether the Ray-level view (through the driver) is in this snapshot, and why not.
    RayViewState { available: bool, #[serde(deserialize_with = "nullable")] error: Option<String>, driver: DriverState }
);
reply!(
    /// The Serve controller actor.
    ControllerState {
        #[serde(deserialize_with = "nullable")] actor_state: Option<String>,
        #[serde(deserialize_with = "nullable")] answering: Option<bool>,
        #[serde(deserialize_with = "nullable")] pid: Option<u32>,
        #[serde(deserialize_with = "nullable")] pod: Option<String>,
    }
);
reply!(
    /// The Serve application (with several, the first not RUNNING, else the first), and the
    /// replica count every deployment targets, summed (Serve's autoscaler's decision).
    AppState {
        name: String,
        #[serde(deserialize_with = "nullable")] status: Option<String>,
        deployment_status: String,
        #[serde(deserialize_with = "nullable")] message: Option<String>,
        #[serde(deserialize_with = "nullable")] target_replicas: Option<u32>,
    }
);
reply!(
    /// The result of `observe`.
    ObserveReply {
        time_unix_s: f64,
        elapsed_s: f64,
        redis: RedisState,
        gcs: GcsState,
        pods: Vec<PodState>,
        ray_view: RayViewState,
        controller: ControllerState,
        #[serde(deserialize_with = "nullable")] app: Option<AppState>,
        replicas: Vec<ReplicaInfo>,
        proxies: Vec<ProxyInfo>,
        constructors_raised: u64,
    }
);
reply!(
    /// A process killed at teardown, with the child (pod, `redis`, `driver`) it belonged to.
    KilledProcess { child: String, pid: u32, comm: String }
);
reply!(
    /// The result of `shutdown`.
    ShutdownReply {
        killed: Vec<KilledProcess>,
        leftover_pids: Vec<u32>,
        ports_still_bound: Vec<u16>,
        kept: Vec<String>,
        elapsed_s: f64,
    }
);
