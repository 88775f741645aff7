//! `ftsim mc --ray` against a real local multi-node Ray cluster: a head and two worker nodes
//! started with the live helper (`ray start` per node, loopback addresses, in a private network
//! namespace, stopped by process group and recorded PID). Slow (a minute to start the cluster)
//! and needing the live environment, the test is `#[ignore]`d in a plain `cargo test`;
//! `scripts/test.sh` runs it with the live tests, one live run at a time (the lock
//! /tmp/ftsim-live.lock, waited for).
//!
//! What it checks: replications run as Ray tasks are the same numbers, to the bit, as the same
//! replications run locally; an unreachable address, a binary of another version and a task
//! whose worker dies fail with their own error; and nothing is left behind: no driver process,
//! no temporary directory, and the cluster's teardown leaves no process and no bound port.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use ftsim::live::helper::Helper;
use ftsim::live::local_ray::{HELPER_PACKAGE, write_package};
use ftsim::live::protocol as p;
use ftsim::scenario::Loaded;
use ftsim::study::ray::{RayError, RayOptions, RayStudy};
use ftsim::study::run::run_replications;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// First port of the cluster's range (away from tests/live/'s).
const BASE_PORT: u16 = 26000;

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> PathBuf {
    manifest().join(".venv-live/bin/python")
}

/// A local Ray cluster of a head and two workers, one CPU each.
struct Cluster {
    helper: Helper,
    address: String,
    _dir: tempfile::TempDir,
    _lock: std::fs::File,
}

impl Cluster {
    fn start() -> Cluster {
        let lock = std::fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(ftsim::live::env::LOCK_PATH)
            .unwrap();
        lock.lock().expect("the live-run lock");
        ftsim::live::netns::isolate().expect("a private network namespace (run as root)");
        let dir = tempfile::Builder::new().prefix("ftsim-live-raytest-").tempdir().unwrap();
        let root = dir.path().join("python");
        write_package(&root, "ftsim_helper", HELPER_PACKAGE).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let mut helper = Helper::spawn(&python(), &root, &dir.path().join("helper.log"), vec![], stop).unwrap();
        let init = p::Init {
            run_dir: dir.path().join("cluster").display().to_string(),
            base_port: BASE_PORT,
            redis_password: None,
            namespace: "ftsim".into(),
            keep_logs: None,
            pod_netns: None,
        };
        helper.request(&init, Duration::from_secs(30)).unwrap();
        // The binary (about 120 MB in a debug build) goes through each node's object store.
        let (cpus, store, timeout) = (Some(1), Some(400), Some(180.0));
        let head = p::StartHead { num_cpus: cpus, object_store_mb: store, timeout_s: timeout, ..Default::default() };
        helper.request(&head, Duration::from_secs(200)).unwrap();
        for name in ["worker-1", "worker-2"] {
            let w = p::StartWorker {
                name: name.into(),
                num_cpus: cpus,
                object_store_mb: store,
                timeout_s: timeout,
                ..Default::default()
            };
            helper.request(&w, Duration::from_secs(200)).unwrap();
        }
        Cluster { helper, address: format!("127.0.0.2:{}", BASE_PORT + 1), _dir: dir, _lock: lock }
    }

    /// Tears the cluster down and checks that nothing is left.
    fn stop(self) {
        let verdict = self.helper.shutdown().unwrap().expect("an orderly teardown");
        assert!(verdict.leftover_pids.is_empty(), "left processes: {:?}", verdict.leftover_pids);
        assert!(verdict.ports_still_bound.is_empty(), "left ports: {:?}", verdict.ports_still_bound);
    }
}

fn scenario() -> Loaded {
    let (_, text) = ftsim::scenario::bundled::by_name("head-pod-crash-no-gcs-ft").unwrap();
    ftsim::scenario::parse(text, "head-pod-crash-no-gcs-ft").unwrap()
}

fn options(address: &str, binary: &Path) -> RayOptions {
    RayOptions { address: address.into(), binary: binary.into(), python: python() }
}

fn ftsim_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ftsim"))
}

/// Entries of the temporary directory named `ftsim-ray-*` (the driver's and the tasks').
fn ray_temp_dirs() -> usize {
    std::fs::read_dir(std::env::temp_dir())
        .map(|d| d.flatten().filter(|e| e.file_name().to_string_lossy().starts_with("ftsim-ray-")).count())
        .unwrap_or(0)
}

/// A stand-in binary: prints `version` for `--version`, runs `body` for anything else.
fn fake_binary(dir: &Path, version: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("fake-ftsim");
    let script = format!("#!/bin/sh\nif [ \"$1\" = --version ]; then echo \"{version}\"; exit 0; fi\n{body}\n");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// `ftsim ARGS` run in the repository (its default `.venv-live`, a relative path, is the live
/// virtualenv).
fn ftsim(args: &[&str]) -> Command {
    let mut c = Command::new(ftsim_binary());
    c.args(args).current_dir(manifest()).env_remove("FTSIM_LIVE_VENV");
    c
}

/// `mc.json`, and apart the two fields that say how a study ran rather than what it found:
/// `threads` and `ray_address`.
fn mc_json(dir: &Path) -> (serde_json::Value, (serde_json::Value, serde_json::Value)) {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("mc.json")).unwrap()).unwrap();
    let ran = v.as_object_mut().unwrap();
    let how = (ran.remove("threads").unwrap(), ran.remove("ray_address").unwrap());
    (v, how)
}

/// `ftsim mc --runs 40 --ray` and a local `ftsim mc --runs 40`: mc.csv the same bytes, mc.json
/// the same numbers.
fn cli_study_equals_a_local_one(addr: &str) {
    let out = tempfile::tempdir().unwrap();
    let (on_ray, local) = (out.path().join("ray"), out.path().join("local"));
    let common = ["mc", "head-pod-crash-no-gcs-ft", "--runs", "40", "--seed", "5"];
    let r = ftsim(&common).args(["--ray", addr, "--out"]).arg(&on_ray).output().unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains(&format!("ftsim: joining the Ray cluster at {addr}...")), "{stderr}");
    assert!(stderr.contains("ftsim: joined: 3 nodes, 3 CPUs"), "{stderr}");
    let l = ftsim(&common).args(["--threads", "2", "--out"]).arg(&local).output().unwrap();
    assert_eq!(l.status.code(), Some(0), "{}", String::from_utf8_lossy(&l.stderr));
    assert_eq!(std::fs::read(on_ray.join("mc.csv")).unwrap(), std::fs::read(local.join("mc.csv")).unwrap());
    let ((ray_json, ray_how), (local_json, local_how)) = (mc_json(&on_ray), mc_json(&local));
    assert_eq!(ray_json, local_json);
    assert_eq!(ray_how, (serde_json::Value::Null, serde_json::Value::from(addr)));
    assert_eq!(local_how, (serde_json::Value::from(2), serde_json::Value::Null));
    assert_eq!(
        String::from_utf8_lossy(&r.stdout).replace(&*on_ray.to_string_lossy(), "DIR"),
        String::from_utf8_lossy(&l.stdout).replace(&*local.to_string_lossy(), "DIR"),
        "the same summary"
    );
}

/// Ctrl-C during a long study: exit 130, no output directory, no driver and no batch left.
fn ctrl_c_stops_the_study(addr: &str) {
    use std::io::{BufRead, BufReader};
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("stopped");
    let mut child = ftsim(&["mc", "head-pod-crash-no-gcs-ft", "--runs", "3000", "--ray", addr, "--out"])
        .arg(&dir)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.starts_with("ftsim: joined") {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "ftsim exited before joining the cluster");
    }
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(status.code(), Some(130), "{rest}");
    assert!(rest.contains("interrupted; the Ray driver was stopped"), "{rest}");
    assert!(!dir.exists(), "nothing written");
    assert_eq!(common::command_lines_with("-m ftsim_ray"), Vec::<String>::new(), "no driver left running");
    // The batches' ftsim stop at their next replication once Ray has stopped their workers.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while !common::command_lines_with("mc-batch").is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "batches left running: {:?}",
            common::command_lines_with("mc-batch")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Runs a study of `indices` on the cluster at `address`, shipping `binary`.
fn study(
    address: &str,
    binary: &Path,
    indices: &[u64],
) -> Result<Vec<ftsim::study::replication::Replication>, RayError> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut s = RayStudy::connect(&scenario(), &options(address, binary), stop)?;
    assert_eq!((s.nodes(), s.cpus()), (3, 3), "a head and two workers, one CPU each");
    let rows = s.run(indices, &|_| {})?;
    s.close();
    Ok(rows)
}

#[test]
#[ignore = "needs the live environment (scripts/setup-live.sh) and starts a Ray cluster"]
fn replications_on_ray_are_the_local_numbers_and_failures_are_clean() {
    let temp_before = ray_temp_dirs();
    let cluster = Cluster::start();
    let addr = cluster.address.clone();

    // The same numbers: 40 replications on three nodes, then twice more in two runs of the same
    // session (as --until-ci sends them), against the same replications computed here.
    let indices: Vec<u64> = (0..40).collect();
    let local = run_replications(&scenario().scenario, &indices, 2, &|_| {}).unwrap();
    let remote = study(&addr, &ftsim_binary(), &indices).unwrap();
    assert_eq!(remote, local, "Ray's rows are the local rows");
    assert_eq!(serde_json::to_string(&remote).unwrap(), serde_json::to_string(&local).unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let mut s = RayStudy::connect(&scenario(), &options(&addr, &ftsim_binary()), stop).unwrap();
    assert_eq!(s.run(&indices[..20], &|_| {}).unwrap(), local[..20]);
    let done = std::sync::atomic::AtomicU64::new(0);
    let count = |_: &ftsim::study::replication::Replication| {
        done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    };
    assert_eq!(s.run(&indices[20..], &count).unwrap(), local[20..]);
    assert_eq!(done.into_inner(), 20, "progress once per replication");
    s.close();

    // An address where no cluster listens.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let e = study(&closed.to_string(), &ftsim_binary(), &[0]).unwrap_err();
    assert!(
        matches!(&e, RayError::Connect(m) if m.starts_with(&format!("cannot reach a Ray cluster at {closed}"))),
        "{e:?}"
    );

    // A binary of another version.
    let tmp = tempfile::tempdir().unwrap();
    let other = fake_binary(tmp.path(), "ftsim 0.0.0-other", "exit 0");
    let e = study(&addr, &other, &[0, 1]).unwrap_err();
    assert!(matches!(&e, RayError::Binary(m) if m.contains("reports 'ftsim 0.0.0-other'")), "{e:?}");

    // A task whose worker dies (each time Ray retries it).
    let version = ftsim::study::ray::version();
    let killer = fake_binary(tmp.path(), &version, "kill -9 $PPID; sleep 30");
    let e = study(&addr, &killer, &[0]).unwrap_err();
    assert!(matches!(&e, RayError::Task(m) if m.starts_with("the task of replications 0..1: ")), "{e:?}");
    assert!(e.is_runtime());

    cli_study_equals_a_local_one(&addr);
    ctrl_c_stops_the_study(&addr);

    assert_eq!(common::command_lines_with("-m ftsim_ray"), Vec::<String>::new(), "no driver left running");
    cluster.stop();
    assert_eq!(ray_temp_dirs(), temp_before, "no temporary directory left");
}

#[test]
#[ignore = "needs the live environment (scripts/setup-live.sh)"]
fn an_unreachable_address_exits_2_and_writes_nothing() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("never");
    let r = ftsim(&["mc", "proxy-crash", "--runs", "4", "--ray", &closed, "--out"]).arg(&dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{stderr}");
    let want = format!("ftsim: ray study at {closed}: cannot reach a Ray cluster at {closed}: ");
    assert!(stderr.lines().any(|l| l.starts_with(&want)), "{stderr}");
    assert!(!dir.exists());
}
