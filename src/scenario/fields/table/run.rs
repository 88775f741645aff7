//! The fields of the top level: the run's name, length, seed and buckets.

use super::*;

fields! {
    RUN_FIELDS;

    SCHEMA = Field::new("$schema", Kind::Text { pattern: None, check: None }, Slot::Other)
        .default(Absent("no schema"))
        .means("the JSON Schema this file follows (`ftsim schema` prints it), for editors; ftsim ignores it");
    NAME = Field::new("name", Kind::Text { pattern: Some(NAME_PATTERN), check: Some(check_name) }, Slot::Other)
        .default(Derived("the file's stem, other characters made `_` (`scenario` for input without one)"))
        .means("names the output directory");
    DESCRIPTION = Field::new("description", Kind::Text { pattern: None, check: None }, Slot::Other)
        .default(Text(""))
        .means("what the scenario shows");
    DURATION_S = Field::new("duration_s", Kind::RUN_SECS, slot!(F64, duration_s))
        .default(s(180))
        .means("arrival window; the run then drains open requests; at most 604800 (7 days) per request")
        .source(Ftsim("long enough for every bundled fault to recover"));
    SEED = Field::new("seed", Kind::Count, slot!(U64, seed))
        .default(Int(1))
        .means("seed of every random stream (`--seed` overrides)")
        .source(Ftsim(""));
    BUCKET_S = Field::new("bucket_s", Kind::POSITIVE_SECS, slot!(F64, bucket_s))
        .default(Derived("1 s; for runs over 100000 s, `duration_s` / 100000 rounded up to a whole second"))
        .means("time-series bucket; at most `duration_s`, and at most 1000000 buckets")
        .source(Ftsim(""));
}
