//! Pod names between the orchestrator and the adapter. The adapter has one head pod, `head`,
//! which it starts again after a crash; KubeRay's replacement heads are `head-2`, `head-3`, ...
//! (as in the simulator), and events, fault targets and reports use those names. So actions
//! name any head `head` on the way to the adapter, and snapshots name the adapter's `head`
//! after the head pod it was last started for.

use crate::live::adapter::Action;
use crate::live::snapshot::Snapshot;
use crate::names;

/// The name the adapter knows `pod` by.
pub(super) fn adapter_pod(pod: &str) -> &str {
    if names::is_head_pod(pod) { names::HEAD_POD } else { pod }
}

/// `action` with its pod named as the adapter knows it.
pub(super) fn adapter_action(action: &Action) -> Action {
    let rename = |pod: &String| adapter_pod(pod).to_string();
    match action {
        Action::KillProxy { pod } => Action::KillProxy { pod: rename(pod) },
        Action::TerminatePod { pod } => Action::TerminatePod { pod: rename(pod) },
        Action::KillPod { pod } => Action::KillPod { pod: rename(pod) },
        Action::FreezePod { pod } => Action::FreezePod { pod: rename(pod) },
        other => other.clone(),
    }
}

/// Names the adapter's head pod `head` in `snap` (its pod, replicas and proxies).
pub(super) fn rename_head(snap: &mut Snapshot, head: &str) {
    if head == names::HEAD_POD {
        return;
    }
    let rename = |pod: &mut String| {
        if pod == names::HEAD_POD {
            *pod = head.to_string();
        }
    };
    snap.pods.iter_mut().for_each(|p| rename(&mut p.name));
    snap.replicas.iter_mut().filter_map(|r| r.pod.as_mut()).for_each(rename);
    snap.proxies.iter_mut().filter_map(|p| p.pod.as_mut()).for_each(rename);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::snapshot::{PodView, ProxyView};

    #[test]
    fn a_replacement_head_is_the_adapters_head_and_back() {
        assert_eq!(adapter_action(&Action::KillPod { pod: "head-2".into() }), Action::KillPod { pod: "head".into() });
        assert_eq!(adapter_pod("small-group-2"), "small-group-2");
        let mut snap = Snapshot {
            pods: vec![PodView { name: "head".into(), ..PodView::default() }],
            proxies: vec![ProxyView { pod: Some("head".into()), ..ProxyView::default() }],
            ..Snapshot::default()
        };
        rename_head(&mut snap, "head-3");
        assert_eq!(snap.pods[0].name, "head-3");
        assert_eq!(snap.proxies[0].pod.as_deref(), Some("head-3"));
    }
}
