//! Environment checks before anything starts, each failing with the one command that fixes it;
//! the single-run lock; the Redis password.

use std::fs::File;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

use super::LiveError;
use rand::RngCore;

use crate::scenario::secret::{Secret, check_password};
use crate::scenario::{FailureKind, FaultKind, Manager, Scenario};

/// The Ray version live mode is built and tested against.
pub const RAY_VERSION: &str = "2.60.0";

/// Where the lock of the single concurrent live run lives.
pub const LOCK_PATH: &str = "/tmp/ftsim-live.lock";

const SETUP: &str = "bash scripts/setup-live.sh";

/// The live virtualenv: `FTSIM_LIVE_VENV`, or `.venv-live` in the current directory.
pub fn venv() -> PathBuf {
    venv_at(std::env::var_os("FTSIM_LIVE_VENV"))
}

/// The virtualenv `var` names (`.venv-live` when unset), made absolute against the current
/// directory: the helper runs in another working directory, where a relative path to its python
/// would name nothing. Symbolic links are kept, not resolved: a venv's `bin/python` is a link
/// out of the venv, and resolving it would lose the venv's packages.
fn venv_at(var: Option<std::ffi::OsString>) -> PathBuf {
    let path = var.map(PathBuf::from).unwrap_or_else(|| PathBuf::from(".venv-live"));
    std::path::absolute(&path).unwrap_or(path)
}

/// Checks the virtualenv, Ray's version, `redis-server` and the ports; returns the python to use.
pub fn check(sc: &Scenario, base_port: u16) -> Result<PathBuf, LiveError> {
    let python = python_with_ray()?;
    if sc.cluster.gcs_fault_tolerance && which("redis-server").is_none() {
        return Err(LiveError::Environment(format!("redis-server is not installed; install it with: {SETUP}")));
    }
    check_ports(sc, base_port)?;
    check_plain(sc)?;
    Ok(python)
}

/// Live mode runs every Ray node under `ray start --block`, which stops the head when its GCS
/// process dies, as under KubeRay; a plain Ray head has no such supervisor, so the faults that
/// kill the GCS alone (`gcs_crash`, and a `redis_outage`, which makes the GCS exit) are
/// simulated only on plain Ray.
fn check_plain(sc: &Scenario) -> Result<(), LiveError> {
    if sc.cluster.manager != Manager::Plain {
        return Ok(());
    }
    let faults = sc.faults.iter().map(|f| &f.kind);
    let processes = sc.failures.iter().flat_map(|p| match &p.kind {
        FailureKind::Renewal { faults, .. } => faults.iter().collect(),
        FailureKind::RollingRestart { .. } => Vec::new(),
    });
    match faults.chain(processes).find(|k| matches!(k, FaultKind::GcsCrash | FaultKind::RedisOutage { .. })) {
        Some(k) => Err(LiveError::Environment(format!(
            "cluster.manager is plain: live mode runs each Ray node under `ray start --block`, which stops the \
             head when its GCS dies, as under KubeRay; a {} on plain Ray can only be simulated (ftsim run)",
            k.name()
        ))),
        None => Ok(()),
    }
}

/// The live virtualenv's python, checked to have Ray [`RAY_VERSION`].
pub fn python_with_ray() -> Result<PathBuf, LiveError> {
    let venv = venv();
    let python = venv.join("bin/python");
    if !python.is_file() {
        return Err(LiveError::Environment(format!(
            "no live virtualenv at {} (set FTSIM_LIVE_VENV to use another); create it with: {SETUP}",
            venv.display()
        )));
    }
    let out = Command::new(&python).args(["-c", "import ray; print(ray.__version__)"]).output().map_err(|e| {
        LiveError::Environment(format!("cannot run {}: {e}; recreate it with: {SETUP}", python.display()))
    })?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() {
        return Err(LiveError::Environment(format!(
            "Ray is not installed in {}; install it with: {SETUP}",
            venv.display()
        )));
    }
    if version != RAY_VERSION {
        return Err(LiveError::Environment(format!(
            "{} has Ray {version}, live mode needs {RAY_VERSION}; reinstall with: {SETUP}",
            venv.display()
        )));
    }
    Ok(python)
}

fn which(cmd: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?.to_str()?.split(':').map(|d| PathBuf::from(d).join(cmd)).find(|p| p.is_file())
}

/// The ports the helper's layout gives Redis, the GCS and the first pods (see the helper's
/// docstring) must be free.
fn check_ports(sc: &Scenario, base: u16) -> Result<(), LiveError> {
    let pods = sc.initial_ray_pods().len() as u32 + 8;
    let top = u32::from(base) + 100 * (pods + 1);
    if base < 1024 || top > 32_767 {
        return Err(LiveError::Environment(format!(
            "--base-port {base}: the cluster needs ports {base}..{top}, which must lie within 1024..32767"
        )));
    }
    let mut ports = vec![(base, "127.0.0.1"), (base + 1, "127.0.0.2")];
    for slot in 0..pods {
        let s = base as u32 + 100 * (slot + 1);
        for off in [0u32, 1, 10] {
            ports.push(((s + off) as u16, "127.0.0.2"));
        }
    }
    for (port, ip) in ports {
        if TcpListener::bind((ip, port)).is_err() || TcpListener::bind(("0.0.0.0", port)).is_err() {
            return Err(LiveError::Environment(format!(
                "port {port} is taken (another program, or a live run that crashed: see \"Cleaning up after a killed run\" in docs/live-mode.md); \
                 choose another range with --base-port"
            )));
        }
    }
    Ok(())
}

/// Takes the machine-wide live-run lock; released when the file is dropped.
pub fn lock() -> Result<File, LiveError> {
    let f = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(LOCK_PATH)
        .map_err(|e| LiveError::Io(format!("cannot open {LOCK_PATH}: {e}")))?;
    f.try_lock().map_err(|_| {
        LiveError::Busy(format!("another ftsim live run is in progress (it holds {LOCK_PATH}); wait for it to finish"))
    })?;
    Ok(f)
}

/// The variable that sets the Redis password (it overrides the scenario's).
pub const PASSWORD_VAR: &str = "FTSIM_REDIS_PASSWORD";

/// The Redis password: `FTSIM_REDIS_PASSWORD` if set, else the scenario's
/// `cluster.redis.password`, else 32 hex digits from the operating system's random source.
pub fn redis_password(sc: &Scenario) -> Result<Secret, LiveError> {
    match std::env::var_os(PASSWORD_VAR) {
        Some(v) => {
            let v = v.into_string().map_err(|_| {
                LiveError::Environment(format!(
                    "{PASSWORD_VAR}: not valid UTF-8 (the value is a secret and is not shown)"
                ))
            })?;
            check_password(&v).map_err(|m| LiveError::Environment(format!("{PASSWORD_VAR}: {m}")))?;
            Ok(Secret::new(v))
        }
        None => Ok(sc.cluster.redis_password.clone().unwrap_or_else(|| {
            let mut bytes = [0u8; 16];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            Secret::new(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::venv_at;

    /// Regression: `ftsim live` with the default `.venv-live` failed with "cannot start
    /// .venv-live/bin/python" because the helper starts in the package's directory.
    #[test]
    fn the_virtualenv_is_an_absolute_path_whatever_the_helper_s_working_directory() {
        let here = std::env::current_dir().unwrap();
        assert_eq!(venv_at(None), here.join(".venv-live"));
        assert_eq!(venv_at(Some("envs/live".into())), here.join("envs/live"));
        assert_eq!(venv_at(Some("/opt/venv".into())), std::path::PathBuf::from("/opt/venv"));
    }
}
