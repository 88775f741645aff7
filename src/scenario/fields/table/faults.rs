//! The fields of `faults`: scripted faults.

use super::*;

fields! {
    FAULTS_FIELDS;

    FAULTS = Field::new("faults", Kind::TaggedList(FAULT_KINDS), Slot::Other)
        .default(Json("[]"))
        .means("injected faults, at most 1000");
    FAULT_AT_S = Field::new("faults[].at_s", Kind::RUN_INSTANT, Slot::Other)
        .means("injection time, before the end of the run (`duration_s`)");
    FAULT_TARGET = Field::new("faults[].target", Kind::Text { pattern: None, check: None }, Slot::Other)
        .default(Absent("drawn with the fault's random stream"))
        .means("what the fault hits: a replica, pod or node name, by kind");
    FAULT_MODE = Field::new("faults[].mode", Kind::Choice(&["raise", "hang"]), Slot::Other)
        .default(Text("raise"))
        .means("how a failing `check_health` fails");
    FAULT_DURATION_S = Field::new("faults[].duration_s", Kind::POSITIVE_SECS, Slot::Other)
        .default(Absent("for good (required by `redis_outage`)"))
        .means("how long the fault lasts");
    FAULT_COUNT = Field::new("faults[].count", Kind::Int { lo: 1, hi: d::MAX_CONSTRUCTOR_FAILURES }, Slot::Other)
        .default(Absent("give `count` or `probability`"))
        .means("constructor attempts that fail; all `constructor_failure` faults may fail at most 10000 attempts");
    FAULT_PROBABILITY = Field::new("faults[].probability", Kind::Probability, Slot::Other)
        .default(Absent("give `count` or `probability`"))
        .means("chance that each constructor attempt fails");
    FAULT_RESTART = Field::new("faults[].restart", Kind::Bool, Slot::Other)
        .default(Default::Bool(true))
        .means("`controller_crash`: whether Ray restarts the killed controller (`false`: `ray.kill(no_restart=True)`)")
        .source(Ray("the controller's `max_restarts=-1` (`serve/_private/default_impl.py`)"));
    FAULT_NETWORK = Field::new("faults[].network", Kind::Choice(&["unreachable", "refused"]), Slot::Other)
        .default(Text("unreachable"))
        .means("how a lost node looks: black-holed calls hang, refused ones fail at once");
    FAULT_ZONE = Field::new("faults[].zone", Kind::Text { pattern: None, check: None }, Slot::Other)
        .means("`zone_outage`: a zone of `cluster.node_pools`");
    FAULT_REASON = Field::new("faults[].reason", Kind::Choice(&["oom_killed", "error"]), Slot::Other)
        .default(Text("oom_killed"))
        .means("why the container died (`OOMKilled`, exit 137, or `Error`): recorded only, both restart alike");
}
