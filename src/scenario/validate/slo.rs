//! `slo`: the steady-state hypothesis.

use super::check::Checker;
use super::f;
use crate::scenario::model::Slo;
use crate::scenario::raw::RawScenario;

pub(super) fn validate(ck: &mut Checker, raw: &RawScenario) -> Slo {
    ck.section(raw, "slo");
    Slo {
        min_success_ratio: f::MIN_SUCCESS_RATIO.f64(raw),
        max_downtime: f::MAX_DOWNTIME_S.secs_opt(raw),
        max_failed_requests: f::MAX_FAILED_REQUESTS.get_u64(raw),
        brownout_merge_gap: f::BROWNOUT_MERGE_GAP_S.secs(raw),
    }
}
