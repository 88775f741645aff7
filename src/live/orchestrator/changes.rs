//! The events.log lines for what changed between two snapshots of the cluster.

use crate::engine::SimTime;
use crate::journal::{Component, Journal};
use crate::live::snapshot::Snapshot;

fn yes_no(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

/// Records at `at` one line per change from `prev` to `snap` of a pod, replica, proxy, the
/// controller, the GCS or Redis.
pub(super) fn log_changes(log: &mut Journal, at: SimTime, prev: &Snapshot, snap: &Snapshot) {
    for p in &snap.pods {
        let before = prev.pods.iter().find(|q| q.name == p.name);
        let (bp, bn) = before.map_or(("-", "-"), |q| (q.process.as_str(), q.node_state.as_deref().unwrap_or("-")));
        let (np, nn) = (p.process.as_str(), p.node_state.as_deref().unwrap_or("-"));
        if (bp, bn) != (np, nn) {
            log.record(at, Component::Pod, &p.name, format_args!("process {bp} -> {np}, node {bn} -> {nn}"));
        }
    }
    for r in &snap.replicas {
        let before = prev.replicas.iter().find(|q| q.replica_id == r.replica_id).and_then(|q| q.state.clone());
        if before != r.state {
            let (b, n) = (before.as_deref().unwrap_or("-"), r.state.as_deref().unwrap_or("?"));
            let pod = r.pod.as_deref().unwrap_or("-");
            log.record(at, Component::Replica, &r.replica_id, format_args!("{b} -> {n} on {pod}"));
        }
    }
    if snap.ray_view.available && snap.controller.answering == Some(true) {
        for r in &prev.replicas {
            if !snap.replicas.iter().any(|q| q.replica_id == r.replica_id) {
                let b = r.state.as_deref().unwrap_or("-");
                log.record(at, Component::Replica, &r.replica_id, format_args!("{b} -> gone"));
            }
        }
    }
    for p in &snap.proxies {
        let pod = p.pod.as_deref().unwrap_or("-");
        let before = prev.proxies.iter().find(|q| q.pod == p.pod).and_then(|q| q.status.clone());
        if before != p.status {
            let (b, n) = (before.as_deref().unwrap_or("-"), p.status.as_deref().unwrap_or("?"));
            log.record(at, Component::Proxy, &format!("proxy@{pod}"), format_args!("{b} -> {n}"));
        }
    }
    let ctl = |s: &Snapshot| (s.controller.actor_state.clone(), s.controller.answering);
    if ctl(prev) != ctl(snap) {
        let state = snap.controller.actor_state.as_deref().unwrap_or("-");
        let answering = yes_no(snap.controller.answering);
        log.record(at, Component::Controller, "serve-controller", format_args!("actor {state}, answering {answering}"));
    }
    if (prev.gcs.port_open, prev.gcs.answering) != (snap.gcs.port_open, snap.gcs.answering) {
        let (open, ans) = (yes_no(Some(snap.gcs.port_open)), yes_no(snap.gcs.answering));
        log.record(at, Component::Gcs, "gcs", format_args!("port open {open}, answering {ans}"));
    }
    if prev.redis.answering != snap.redis.answering {
        let ans = yes_no(Some(snap.redis.answering));
        log.record(at, Component::Redis, "redis", format_args!("answering {ans}"));
    }
}
