//! The fields of `failures`: failure processes.

use super::*;

fields! {
    FAILURES_FIELDS;

    FAILURES = Field::new("failures", Kind::TaggedList(FAILURE_KINDS), Slot::Other)
        .default(Json("[]"))
        .means("failure processes, at most 100; they may generate at most 100000 faults in expectation");
    FAILURE_NAME = Field::new(
        "failures[].name",
        Kind::Text { pattern: Some(NAME_PATTERN), check: Some(check_name) },
        Slot::Other,
    )
    .default(Derived("the `kind`"))
    .means("names the process's random streams (`failure-<name>-...`): unique among the processes");
    FAILURE_TTF = Field::new("failures[].ttf", Kind::Tagged(DISTS), Slot::Other)
        .means("time to failure of one instance");
    TTF_MEAN = Field::new("failures[].ttf.mean", Kind::Positive, Slot::Other).means("exponential mean (MTBF)");
    TTF_SHAPE = Field::new("failures[].ttf.shape", Kind::Positive, Slot::Other).means("Weibull shape");
    TTF_SCALE = Field::new("failures[].ttf.scale", Kind::Positive, Slot::Other).means("Weibull scale");
    TTF_MEDIAN = Field::new("failures[].ttf.median", Kind::Positive, Slot::Other).means("lognormal median");
    TTF_MU = Field::new("failures[].ttf.mu", Kind::Number, Slot::Other).means("lognormal mean of ln T (T in `unit`)");
    TTF_SIGMA = Field::new("failures[].ttf.sigma", Kind::Positive, Slot::Other).means("lognormal deviation of ln T");
    TTF_CSV = Field::new("failures[].ttf.csv", Kind::Text { pattern: None, check: None }, Slot::Other)
        .means("CSV file of observed intervals, relative to the scenario file");
    TTF_UNIT = Field::new("failures[].ttf.unit", Kind::Choice(TIME_UNITS), Slot::Other)
        .means("unit of the distribution's times: seconds, minutes, hours or days");
    FAILURE_TTR = Field::new("failures[].ttr", Kind::Tagged(DISTS), Slot::Other)
        .default(Absent("for good (`replica_health_check_failure`); required by `redis_outage`"))
        .means("time to repair, where the cluster does not model the repair");
    TTR_MEAN = Field::new("failures[].ttr.mean", Kind::Positive, Slot::Other).means("exponential mean (MTTR)");
    TTR_SHAPE = Field::new("failures[].ttr.shape", Kind::Positive, Slot::Other).means("Weibull shape");
    TTR_SCALE = Field::new("failures[].ttr.scale", Kind::Positive, Slot::Other).means("Weibull scale");
    TTR_MEDIAN = Field::new("failures[].ttr.median", Kind::Positive, Slot::Other).means("lognormal median");
    TTR_MU = Field::new("failures[].ttr.mu", Kind::Number, Slot::Other).means("lognormal mean of ln T (T in `unit`)");
    TTR_SIGMA = Field::new("failures[].ttr.sigma", Kind::Positive, Slot::Other).means("lognormal deviation of ln T");
    TTR_CSV = Field::new("failures[].ttr.csv", Kind::Text { pattern: None, check: None }, Slot::Other)
        .means("CSV file of observed repair times, relative to the scenario file");
    TTR_UNIT = Field::new("failures[].ttr.unit", Kind::Choice(TIME_UNITS), Slot::Other)
        .means("unit of the distribution's times: seconds, minutes, hours or days");
    FAILURE_MIN_GAP_S = Field::new("failures[].min_gap_s", Kind::SECS, Slot::Other)
        .default(s(0))
        .means("two injections of this process are at least this far apart: one due sooner waits")
        .source(Ftsim("per process, so that adding a process never moves another's faults"));
    FAILURE_NETWORK = Field::new("failures[].network", Kind::Choice(&["unreachable", "refused"]), Slot::Other)
        .default(Text("unreachable"))
        .means("how a lost node looks, as `faults[].network`");
    FAILURE_MODE = Field::new("failures[].mode", Kind::Choice(&["raise", "hang"]), Slot::Other)
        .default(Text("raise"))
        .means("how a failing `check_health` fails, as `faults[].mode`");
    FAILURE_EVERY_S = Field::new("failures[].every_s", Kind::POSITIVE_SECS, Slot::Other)
        .means("cadence of the rolling restarts");
    FAILURE_START_S = Field::new("failures[].start_s", Kind::SECS, Slot::Other)
        .default(s(0))
        .means("first rolling restart");
    FAILURE_GAP_S = Field::new("failures[].gap_s", Kind::SECS, Slot::Other)
        .default(s(60))
        .means("between two pod deletions of a rolling restart")
        .source(Guess("time for a recreated pod to be ready, by default about 40 s"));
    FAILURE_NODES = Field::new("failures[].nodes", Kind::TextList, Slot::Other)
        .means("the nodes of the zone, `node-1` to `node-<k8s_nodes>`, each once");
    FAILURE_POOL = Field::new("failures[].pool", Kind::Text { pattern: None, check: None }, Slot::Other)
        .default(Absent("every node"))
        .means("`node_loss`: only the nodes of this pool fail");
    FAILURE_ZONE = Field::new("failures[].zone", Kind::Text { pattern: None, check: None }, Slot::Other)
        .default(Absent("every node"))
        .means("`node_loss`: only the nodes of this zone fail; `zone_loss`: the zone that fails");
}
