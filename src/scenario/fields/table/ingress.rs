//! The fields of `ingress`: how clients reach the proxies.

use super::*;

fields! {
    INGRESS_FIELDS;

    INGRESS_KIND = Field::new("ingress.kind", Kind::Choice(&["pinned", "service", "load_balancer"]), Slot::Other)
        .default(Text("pinned"))
        .means(
            "`pinned` (`kubectl port-forward` to one pod), `service` (a Kubernetes Service over ready pods) or \
             `load_balancer` (a cloud load balancer over the Ray pods' proxies, with its own health checks)",
        )
        .source(Guide("`kubectl port-forward`"));
    INGRESS_POD = Field::new("ingress.pod", Kind::Text { pattern: None, check: None }, Slot::Other)
        .default(Derived(
            "the first worker pod that can host a replica (`head` if none, or with `HeadOnly`); none with `service`",
        ))
        .means(
            "pinned pod; a port-forward follows neither a recreated pod nor a lost node; with `HeadOnly` only \
             `head` is accepted (no other pod ever runs a proxy)",
        );
    INGRESS_BACKENDS = Field::new("ingress.backends", Kind::TextList, Slot::Other)
        .default(Derived("every Ray pod, head included; `load_balancer` only"))
        .means(
            "the load balancer's backends: initial pod names (`head`, `small-group-1`) or worker-group names (every \
             pod of the group, and every pod the Ray autoscaler adds to it later), one backend per pod; a pod KubeRay \
             recreates takes its predecessor's backend",
        );
    INGRESS_SPREAD = Field::new("ingress.spread", Kind::Choice(&["round_robin", "random"]), Slot::Other)
        .default(Text("round_robin"))
        .means(
            "how new connections spread over the healthy backends: `round_robin` (GCP backend services, AWS ALB) or \
             `random` (the flow hash of passthrough network load balancers); `load_balancer` only",
        )
        .source(Cloud(
            "GCP backend service `localityLbPolicy` `ROUND_ROBIN`, \
             https://cloud.google.com/compute/docs/reference/rest/v1/backendServices",
        ));
    INGRESS_HEALTH_CHECK_ENABLED = Field::new("ingress.health_check.enabled", Kind::Bool, Slot::Other)
        .default(Default::Bool(true))
        .means("`false`: no health checks, every backend gets traffic, dead or alive; `load_balancer` only");
    INGRESS_HEALTH_CHECK_PERIOD_S =
        Field::new("ingress.health_check.period_s", Kind::POSITIVE_SECS, Slot::Other)
            .default(s(5))
            .means("between two probes (HTTP GET of the proxy's `/-/healthz`) of a backend")
            .source(Cloud(HEALTH_CHECK_SOURCE));
    INGRESS_HEALTH_CHECK_TIMEOUT_S =
        Field::new("ingress.health_check.timeout_s", Kind::POSITIVE_SECS, Slot::Other)
            .default(s(5))
            .means("how long a probe waits for its answer; at most `period_s`")
            .source(Cloud(HEALTH_CHECK_SOURCE));
    INGRESS_HEALTH_CHECK_UNHEALTHY_THRESHOLD =
        Field::new("ingress.health_check.unhealthy_threshold", Kind::Int { lo: 1, hi: 100 }, Slot::Other)
            .default(Int(2))
            .means("failed probes in a row before a backend gets no more new connections")
            .source(Cloud(HEALTH_CHECK_SOURCE));
    INGRESS_HEALTH_CHECK_HEALTHY_THRESHOLD =
        Field::new("ingress.health_check.healthy_threshold", Kind::Int { lo: 1, hi: 100 }, Slot::Other)
            .default(Int(2))
            .means("passed probes in a row before an unhealthy (or new) backend gets connections again")
            .source(Cloud(HEALTH_CHECK_SOURCE));
    INGRESS_WHEN_ALL_UNHEALTHY =
        Field::new("ingress.when_all_unhealthy", Kind::Choice(&["fail_open", "reject"]), Slot::Other)
            .default(Text("fail_open"))
            .means(
                "what a new connection meets when no backend passes its health checks: `fail_open` sends it to \
                 any backend, healthy or not (it fails there if that proxy is down), `reject` fails it at once \
                 (`no_endpoint`); `load_balancer` only",
            )
            .source(Cloud(
                "AWS ALB: \"if all targets fail health checks ... the load balancer fails open\" \
                 (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html); \
                 AWS NLB: \"if the load balancer doesn't have enough healthy targets, it automatically sends traffic \
                 to all registered targets (fail open)\" \
                 (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/modify-target-group-health-settings.html); \
                 GCP passthrough network load balancers distribute new connections among all backends when all are \
                 unhealthy (https://cloud.google.com/load-balancing/docs/internal/int-netlb-traffic-distribution); \
                 GCP Application Load Balancers answer 502 `failed_to_pick_backend` instead: `reject` \
                 (https://cloud.google.com/load-balancing/docs/https/https-logging-monitoring)",
            ));
}
