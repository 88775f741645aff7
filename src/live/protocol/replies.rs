//! The results of the commands that act (start, stop, kill, deploy, wait).

use super::*;

reply!(
    /// The result of `ping`.
    PingReply { pid: u32, protocol_version: u32, #[serde(deserialize_with = "nullable")] ray_version: Option<String>, initialised: bool }
);
reply!(
    /// The port layout, as `init` describes it.
    LayoutInfo {
        redis: u16,
        gcs: u16,
        port_block: u16,
        slot_base: String,
        slot_ip: String,
        slot_offsets: BTreeMap<String, u16>,
        max_slots: u16,
        range: [u16; 2],
    }
);
reply!(
    /// The result of `init`.
    InitReply {
        run_dir: String,
        ray_temp_root: String,
        base_port: u16,
        port_span: u16,
        redis_port: u16,
        gcs_address: String,
        head_ip: String,
        max_pods: u16,
        layout: LayoutInfo,
    }
);
reply!(
    /// The result of `start_redis`.
    StartRedisReply { pid: u32, port: u16, elapsed_s: f64 }
);
reply!(
    /// The result of `stop_redis`.
    StopRedisReply { pid: u32, how: String, elapsed_s: f64 }
);
reply!(
    /// The result of `restart_redis`.
    RestartRedisReply { #[serde(deserialize_with = "nullable")] stopped: Option<StopRedisReply>, started: StartRedisReply }
);
reply!(
    /// A pod that started: where it runs.
    PodStarted {
        pod: String,
        #[serde(deserialize_with = "nullable")] pid: Option<u32>,
        #[serde(deserialize_with = "nullable")] pgid: Option<u32>,
        node_ip: String,
        proxy_port: u16,
        proxy_url: String,
        gcs_address: String,
        incarnation: u32,
        slot: u32,
        temp_dir: String,
        log: String,
        elapsed_s: f64,
    }
);
reply!(
    /// A pod whose `ray start` exited while starting (with `exit_ok`).
    PodExited { pod: String, exit_code: i32, elapsed_s: f64 }
);

/// The result of `start_head` and `start_worker`, told apart by its `"started"` field.
#[derive(Clone, Debug, PartialEq)]
pub enum PodStartReply {
    /// `"started": true`.
    Started(PodStarted),
    /// `"started": false`: the container exited.
    Exited(PodExited),
}

impl Serialize for PodStartReply {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (started, value) = match self {
            PodStartReply::Started(p) => (true, serde_json::to_value(p)),
            PodStartReply::Exited(p) => (false, serde_json::to_value(p)),
        };
        let mut value = value.map_err(serde::ser::Error::custom)?;
        if let Value::Object(map) = &mut value {
            map.insert("started".into(), Value::Bool(started));
        }
        value.serialize(s)
    }
}

impl<'de> Deserialize<'de> for PodStartReply {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut value = Value::deserialize(d)?;
        let started = match value.as_object_mut().map(|m| m.remove("started")) {
            Some(Some(Value::Bool(b))) => b,
            Some(Some(other)) => return Err(D::Error::custom(format!("started: expected a boolean, found {other}"))),
            _ => return Err(D::Error::missing_field("started")),
        };
        if started {
            serde_json::from_value(value).map(PodStartReply::Started).map_err(D::Error::custom)
        } else {
            serde_json::from_value(value).map(PodStartReply::Exited).map_err(D::Error::custom)
        }
    }
}

reply!(
    /// A process the helper stopped or killed.
    ProcessRef { pid: u32, comm: String }
);
reply!(
    /// The result of `kill_pod`.
    KillPodReply { pod: String, killed: Vec<ProcessRef>, elapsed_s: f64 }
);
reply!(
    /// The result of `freeze_pod`.
    FreezePodReply { pod: String, frozen: Vec<ProcessRef>, elapsed_s: f64 }
);
reply!(
    /// The result of `terminate_pod` (`pid` only when a signal was sent).
    TerminatePodReply { pod: String, signalled: bool, #[serde(default, skip_serializing_if = "Option::is_none")] pid: Option<u32> }
);
reply!(
    /// The result of `partition_pod`: the pods it was cut off from (or reconnected to).
    PartitionPodReply { pod: String, peers: Vec<String>, elapsed_s: f64 }
);
reply!(
    /// The result of `kill_gcs`: the process killed.
    KillGcsReply { pod: String, pid: u32, elapsed_s: f64 }
);
reply!(
    /// The result of `undeploy`.
    UndeployReply { app_name: String, elapsed_s: f64 }
);
reply!(
    /// The result of `deploy`.
    DeployReply { app_name: String, route_prefix: String, submitted: bool, elapsed_s: f64 }
);
reply!(
    /// One replica: Serve's state (`None` when the controller did not answer) and the GCS
    /// actor table's.
    ReplicaInfo {
        replica_id: String,
        actor_name: String,
        #[serde(deserialize_with = "nullable")] state: Option<String>,
        #[serde(deserialize_with = "nullable")] actor_state: Option<String>,
        #[serde(deserialize_with = "nullable")] pid: Option<u32>,
        #[serde(deserialize_with = "nullable")] node_ip: Option<String>,
        #[serde(deserialize_with = "nullable")] pod: Option<String>,
    }
);
reply!(
    /// One Serve proxy.
    ProxyInfo {
        #[serde(deserialize_with = "nullable")] pod: Option<String>,
        #[serde(deserialize_with = "nullable")] node_ip: Option<String>,
        #[serde(deserialize_with = "nullable")] status: Option<String>,
        #[serde(deserialize_with = "nullable")] actor_state: Option<String>,
        actor_name: String,
        #[serde(deserialize_with = "nullable")] pid: Option<u32>,
        #[serde(deserialize_with = "nullable")] url: Option<String>,
    }
);
reply!(
    /// One proxy with the answer to `GET /` that `wait_ready` checked.
    ProxyAnswer {
        #[serde(deserialize_with = "nullable")] pod: Option<String>,
        #[serde(deserialize_with = "nullable")] node_ip: Option<String>,
        #[serde(deserialize_with = "nullable")] status: Option<String>,
        #[serde(deserialize_with = "nullable")] actor_state: Option<String>,
        actor_name: String,
        #[serde(deserialize_with = "nullable")] pid: Option<u32>,
        #[serde(deserialize_with = "nullable")] url: Option<String>,
        #[serde(deserialize_with = "nullable")] http_status: Option<u16>,
        body: String,
    }
);
reply!(
    /// The result of `wait_ready`.
    WaitReadyReply { elapsed_s: f64, replicas: Vec<ReplicaInfo>, proxies: Vec<ProxyAnswer> }
);
reply!(
    /// The result of `kill_replica`.
    KillReplicaReply {
        replica: String,
        actor_name: String,
        #[serde(deserialize_with = "nullable")] pod: Option<String>,
        #[serde(deserialize_with = "nullable")] node_ip: Option<String>,
        #[serde(deserialize_with = "nullable")] pid: Option<u32>,
        method: Method,
        elapsed_s: f64,
    }
);
reply!(
    /// The result of `kill_controller`.
    KillControllerReply {
        actor_name: String,
        #[serde(deserialize_with = "nullable")] pod: Option<String>,
        #[serde(deserialize_with = "nullable")] pid: Option<u32>,
        method: Method,
        no_restart: bool,
        elapsed_s: f64,
    }
);
reply!(
    /// The result of `kill_proxy`.
    KillProxyReply {
        actor_name: String,
        #[serde(deserialize_with = "nullable")] pod: Option<String>,
        node_ip: String,
        #[serde(deserialize_with = "nullable")] pid: Option<u32>,
        method: Method,
        elapsed_s: f64,
    }
);
reply!(
    /// The result of `fail_health`.
    FailHealthReply { pid: u32, on: bool, flag_file: String }
);
reply!(
    /// The result of `fail_constructors`: the settings now in force.
    FailConstructorsReply { count: u32, probability: f64 }
);
