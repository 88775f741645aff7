//! The fields of `slo`: the steady-state hypothesis.

use super::*;

fields! {
    SLO_FIELDS;

    MIN_SUCCESS_RATIO = Field::new("slo.min_success_ratio", Kind::Ratio, slot!(F64, slo.min_success_ratio))
        .default(Num(0.99))
        .means("minimum overall success ratio")
        .source(Ftsim(""));
    MAX_DOWNTIME_S = Field::new("slo.max_downtime_s", Kind::SECS, slot!(F64, slo.max_downtime_s))
        .default(Absent("no limit"))
        .means("longest acceptable total downtime");
    MAX_FAILED_REQUESTS = Field::new("slo.max_failed_requests", Kind::Count, slot!(U64, slo.max_failed_requests))
        .default(Absent("no limit"))
        .means("most acceptable failed requests");
    BROWNOUT_MERGE_GAP_S = Field::new("slo.brownout_merge_gap_s", Kind::SECS, slot!(F64, slo.brownout_merge_gap_s))
        .default(s(5))
        .means("bad seconds at most this far apart are one brownout episode")
        .source(Ftsim("a dependency that flaps back for a few seconds is one incident to a reviewer, not many"));
}
