//! The fields of `traffic`: the client load.

use super::*;

fields! {
    TRAFFIC_FIELDS;

    ARRIVALS = Field::new("traffic.arrivals", Kind::Choice(&["poisson", "constant"]), Slot::Other)
        .default(Text("poisson"))
        .means("`poisson` (exponential gaps) or `constant` (one request every 1/rate)");
    TRAFFIC_MODE = Field::new("traffic.mode", Kind::Choice(&["auto", "per_request", "counted"]), Slot::Other)
        .default(Text("auto"))
        .means(
            "`per_request` (one event per request), `counted` (while the cluster is healthy, request outcomes \
             drawn as counts; see docs/model.md) or `auto` (counted beyond 2000000 expected requests or 7 days, \
             when its error bound is negligible); the report says which ran and why",
        )
        .source(Ftsim("measured in docs/performance.md"));
    RATE_PER_S = Field::new("traffic.rate_per_s", Kind::Rate, slot!(F64, traffic.rate_per_s))
        .default(Num(20.0))
        .means(
            "requests per second (with a `shape`, the rate it starts from, or its mean); rate x duration at most \
             20000000 requests per request (no limit counted)",
        )
        .source(Ftsim(""));
    SHAPE = Field::new("traffic.shape", Kind::Tagged(SHAPES), Slot::Other)
        .default(Absent("a constant `rate_per_s`"))
        .means(
            "how the request rate varies with time; arrivals follow it exactly, and the expected requests over the \
             run count against the per-request limit (docs/traffic.md)",
        );
    SHAPE_STEPS = Field::new("traffic.shape.steps", Kind::Objects, Slot::Other)
        .means("the steps, 1 to 10000, in increasing order of `at_s`");
    SHAPE_STEP_AT_S = Field::new("traffic.shape.steps[].at_s", Kind::RUN_INSTANT, Slot::Other)
        .means("when the step's rate starts, before `duration_s`");
    SHAPE_STEP_RATE_PER_S = Field::new("traffic.shape.steps[].rate_per_s", Kind::ShapeRate, Slot::Other)
        .means("the rate from `at_s` on");
    SHAPE_AT_S = Field::new("traffic.shape.at_s", Kind::RUN_INSTANT, Slot::Other)
        .means("when the ramp starts, before `duration_s`");
    SHAPE_SPAN_S = Field::new("traffic.shape.span_s", Kind::RUN_SECS, Slot::Other).means("how long the ramp lasts");
    SHAPE_TO_PER_S =
        Field::new("traffic.shape.to_per_s", Kind::ShapeRate, Slot::Other).means("the rate at the end of the ramp");
    SHAPE_AMPLITUDE_PER_S = Field::new("traffic.shape.amplitude_per_s", Kind::ShapeRate, Slot::Other)
        .means("how far the rate swings above and below `rate_per_s`, at most `rate_per_s`");
    SHAPE_PEAK_HOUR =
        Field::new("traffic.shape.peak_hour", Kind::Hour, Slot::Other).means("the hour of the day of the peak");
    SHAPE_START_HOUR = Field::new("traffic.shape.start_hour", Kind::Hour, Slot::Other)
        .default(Num(0.0))
        .means("the hour of the day at which the run starts");
    SHAPE_CSV = Field::new("traffic.shape.csv", Kind::Text { pattern: None, check: None }, Slot::Other)
        .means("CSV file of the rate of each minute, relative to the scenario file");
    SHAPE_UNIT = Field::new("traffic.shape.unit", Kind::Choice(&["per_s", "per_min"]), Slot::Other)
        .means("the CSV's numbers: requests per second, or requests in the minute");
    SERVICE_TIME = Field::new("traffic.service_time", Kind::Tagged(SERVICE_TIMES), Slot::Other)
        .default(Json(r#"{"kind": "exponential", "mean_s": 0.005}"#))
        .means("service time of one request on a replica")
        .source(Guess("SleepyPid returns its PID"));
    SERVICE_TIME_S = Field::new("traffic.service_time.s", Kind::POSITIVE_SECS, Slot::Other).means("constant time");
    SERVICE_TIME_MEAN_S =
        Field::new("traffic.service_time.mean_s", Kind::POSITIVE_SECS, Slot::Other).means("exponential mean");
    SERVICE_TIME_MIN_S =
        Field::new("traffic.service_time.min_s", Kind::POSITIVE_SECS, Slot::Other).means("uniform lower bound");
    SERVICE_TIME_MAX_S =
        Field::new("traffic.service_time.max_s", Kind::POSITIVE_SECS, Slot::Other).means("uniform upper bound");
    CLIENT_TIMEOUT_S =
        Field::new("traffic.client_timeout_s", Kind::POSITIVE_SECS, slot!(F64, traffic.client_timeout_s))
            .default(Absent("waits forever"))
            .means("the client gives up after this")
            .source(Ftsim("curl's default; Serve's `request_timeout_s` is none too"));
}
