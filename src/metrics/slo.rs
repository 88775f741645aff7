//! The steady-state hypothesis: a pass/fail verdict with one line per check.

use crate::scenario::Slo;

use super::Metrics;

/// One SLO check.
#[derive(Clone, Debug, PartialEq)]
pub struct SloCheck {
    /// What is checked.
    pub name: &'static str,
    /// The limit, as text with its unit.
    pub limit: String,
    /// The measured value, as text with its unit.
    pub actual: String,
    /// Within the limit.
    pub ok: bool,
}

/// The verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct SloVerdict {
    /// Every check passed.
    pub holds: bool,
    /// The checks, in a fixed order.
    pub checks: Vec<SloCheck>,
}

/// Evaluates `slo` on `m`.
pub fn evaluate(slo: &Slo, m: &Metrics) -> SloVerdict {
    let mut checks = vec![SloCheck {
        name: "success_ratio",
        limit: format!(">= {}", slo.min_success_ratio),
        actual: format!("{:.6}", m.success_ratio()),
        ok: m.success_ratio() >= slo.min_success_ratio,
    }];
    if let Some(max) = slo.max_downtime {
        checks.push(SloCheck {
            name: "downtime",
            limit: format!("<= {max}"),
            actual: format!("{}", m.total_downtime()),
            ok: m.total_downtime() <= max,
        });
    }
    if let Some(max) = slo.max_failed_requests {
        checks.push(SloCheck {
            name: "failed_requests",
            limit: format!("<= {max}"),
            actual: format!("{}", m.failures()),
            ok: m.failures() <= max,
        });
    }
    SloVerdict { holds: checks.iter().all(|c| c.ok), checks }
}
