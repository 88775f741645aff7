//! The scenario format, said once: every field with its JSON path, type, default, limits, unit,
//! meaning and source, in one table ([`table::FIELDS`]), the way ripgrep declares its flags.
//!
//! Derived from the table: the defaults ([`super::resolve`]), the limits every value is checked
//! against ([`super::validate`]), `docs/scenario-format.md` ([`markdown`]) and the JSON Schema
//! that `ftsim schema` prints ([`schema`]).
//!
//! To add a field: its entry in [`table`] (path, kind with limits, default, meaning, source; a
//! [`Slot`] when it is a plain number or boolean of an object), its storage in [`super::raw`]
//! and [`super::model`], and the line of its section in [`super::validate`] that reads it into
//! the model. Its default, limit checks, documentation and schema then follow; regenerate
//! `docs/scenario-format.md` with `FTSIM_BLESS=1 cargo test --test format_docs`.

pub mod kinds;
pub mod markdown;
pub mod schema;
pub mod table;

use super::raw::RawScenario;
use super::show;
use crate::engine::SimDuration;

pub use kinds::*;
pub use table::*;

/// One field of the scenario format.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// JSON path: keys joined by `.`, `[]` after an array (`faults[].at_s`).
    pub path: &'static str,
    /// Type and limits.
    pub kind: Kind,
    /// The value when the field is absent.
    pub default: Default,
    /// What the field means.
    pub meaning: &'static str,
    /// Where the default comes from.
    pub source: Source,
    /// Where the value lives in [`RawScenario`]; array items and tagged variants have none.
    pub slot: Slot,
}

/// Type and limits of a field.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// A span in seconds, rounded to the microsecond: from 0 (or from one microsecond unless
    /// `zero`) to `max` ([`super::defaults::MAX_DURATION`] but for `duration_s`).
    Secs {
        /// Whether zero is allowed.
        zero: bool,
        /// The longest span.
        max: SimDuration,
    },
    /// An integer from `lo` to `hi`.
    Int {
        /// Smallest value.
        lo: u64,
        /// Largest value.
        hi: u64,
    },
    /// Any unsigned integer.
    Count,
    /// A CPU count from 0 to 100000, rounded to Ray's 1/10000.
    Cpus,
    /// A GPU count from 0 to 100000, rounded to Ray's 1/10000: a whole number or a fraction
    /// below 1 (Ray's rule for GPUs).
    Gpus,
    /// Memory: bytes, or a Kubernetes quantity (`"8Gi"`).
    Memory,
    /// Custom Ray resources: an object of names to amounts from 0 to 100000, rounded to Ray's
    /// 1/10000.
    ResourceMap,
    /// A ratio from 0 to 1.
    Ratio,
    /// A probability from 0 to 1.
    Probability,
    /// Requests per second, from one per longest run to [`super::defaults::MAX_RATE_PER_S`].
    Rate,
    /// Requests per second of a traffic shape, from 0 to [`super::defaults::MAX_RATE_PER_S`].
    ShapeRate,
    /// An hour of the day, from 0 to 24 (excluded).
    Hour,
    /// A number greater than 0.
    Positive,
    /// Any number.
    Number,
    /// `true` or `false`.
    Bool,
    /// A string matching `pattern` (a regular expression), checked by `check`.
    Text {
        /// The rule as a regular expression, for the JSON Schema.
        pattern: Option<&'static str>,
        /// The rule as ftsim applies it, with the message of a value that breaks it.
        check: Option<TextRule>,
    },
    /// One of these strings.
    Choice(&'static [&'static str]),
    /// An array of strings.
    TextList,
    /// An array of objects whose fields are the table's `<path>[].*`.
    Objects,
    /// An object tagged by its `kind`: one of these variants.
    Tagged(&'static [Variant]),
    /// An array of objects tagged by their `kind`.
    TaggedList(&'static [Variant]),
}

/// A rule on a string: `Err` says what was expected and found.
pub type TextRule = fn(&str) -> Result<(), String>;

/// One variant of a tagged object (a fault kind, a service-time distribution).
#[derive(Clone, Copy, Debug)]
pub struct Variant {
    /// The value of `kind`.
    pub tag: &'static str,
    /// Its fields (the last segment of their paths), `true` when required.
    pub fields: &'static [(&'static str, bool)],
    /// What it means.
    pub meaning: &'static str,
}

/// The value of an absent field.
#[derive(Clone, Copy, Debug)]
pub enum Default {
    /// A span.
    Secs(SimDuration),
    /// An integer.
    Int(u64),
    /// A CPU count in milli-CPUs.
    MilliCpus(u64),
    /// A number.
    Num(f64),
    /// A boolean.
    Bool(bool),
    /// A string or a choice.
    Text(&'static str),
    /// A JSON value (an array or object).
    Json(&'static str),
    /// Computed from other fields, as said.
    Derived(&'static str),
    /// Absent: no value, meaning what is said.
    Absent(&'static str),
    /// The field must be given.
    Required,
}

/// Where a default comes from.
#[derive(Clone, Copy, Debug)]
pub enum Source {
    /// Ray 2.60 (`ray-project/ray`).
    Ray(&'static str),
    /// KubeRay (`ray-project/kuberay`, after v1.7.0).
    KubeRay(&'static str),
    /// A Kubernetes default not verified in those repositories.
    Kubernetes(&'static str),
    /// A cloud provider's documented default (a load balancer's, a managed service's), with its URL.
    Cloud(&'static str),
    /// The guide's working example.
    Guide(&'static str),
    /// ftsim's own choice.
    Ftsim(&'static str),
    /// A number no source gives: the first to override when you know your cluster.
    Guess(&'static str),
    /// Nothing to cite.
    None,
}

/// Accessors of a field's value in a [`RawScenario`].
#[derive(Clone, Copy, Debug)]
pub enum Slot {
    /// A number.
    F64(fn(&RawScenario) -> &Option<f64>, fn(&mut RawScenario) -> &mut Option<f64>),
    /// An unsigned integer.
    U64(fn(&RawScenario) -> &Option<u64>, fn(&mut RawScenario) -> &mut Option<u64>),
    /// A boolean.
    Bool(fn(&RawScenario) -> &Option<bool>, fn(&mut RawScenario) -> &mut Option<bool>),
    /// Elsewhere: array items, tagged variants, strings and choices (resolved and checked by
    /// their section).
    Other,
}

/// [`Slot`] of `$section.$field` (or of a top-level `$field`) of type `$ty` (`F64`, `U64`, `Bool`).
macro_rules! slot {
    ($ty:ident, $($seg:ident).+) => {
        $crate::scenario::fields::Slot::$ty(|r| &r.$($seg).+, |r| &mut r.$($seg).+)
    };
}
pub(crate) use slot;

impl Field {
    /// A field with no default, meaning or source yet.
    pub const fn new(path: &'static str, kind: Kind, slot: Slot) -> Field {
        Field { path, kind, default: Default::Required, meaning: "", source: Source::None, slot }
    }

    /// With this default.
    pub const fn default(self, default: Default) -> Field {
        Field { default, ..self }
    }

    /// With this meaning.
    pub const fn means(self, meaning: &'static str) -> Field {
        Field { meaning, ..self }
    }

    /// With this source.
    pub const fn source(self, source: Source) -> Field {
        Field { source, ..self }
    }

    /// The key of the field's section (one of [`SECTIONS`]): the first of its path, or `""` for
    /// the top level.
    pub fn section(&self) -> &'static str {
        let head = self.path.split(['.', '[']).next().unwrap_or_default();
        if SECTIONS.iter().any(|s| s.key == head) { head } else { "" }
    }

    /// The JSON path of this field in a scenario, when it is not an array item.
    pub fn json_path(&self) -> super::JsonPath {
        self.path.split('.').fold(super::JsonPath::root(), |p, k| p.key(k))
    }

    /// The unit of the value, if any.
    pub fn unit(&self) -> &'static str {
        match self.kind {
            Kind::Secs { .. } => "s",
            Kind::Rate | Kind::ShapeRate => "1/s",
            Kind::Hour => "h",
            Kind::Cpus => "CPUs",
            Kind::Gpus => "GPUs",
            Kind::Memory => "bytes",
            _ => "",
        }
    }

    /// The default as a number, when it is one (a span, a CPU count or a plain number).
    pub fn default_f64(&self) -> Option<f64> {
        match self.default {
            Default::Secs(v) => Some(v.as_secs_f64()),
            Default::MilliCpus(m) => Some(m as f64 / 1000.0),
            Default::Num(v) => Some(v),
            _ => None,
        }
    }

    /// Fills the default into `raw` when the field lives in a slot, is absent and its default is
    /// a plain value.
    pub fn fill_default(&self, raw: &mut RawScenario) {
        match (self.slot, self.default) {
            (Slot::F64(_, slot), _) => fill(slot(raw), self.default_f64()),
            (Slot::U64(_, slot), Default::Int(v)) => fill(slot(raw), Some(v)),
            (Slot::Bool(_, slot), Default::Bool(v)) => fill(slot(raw), Some(v)),
            _ => {}
        }
    }

    /// The default of a boolean field. Panics when it has none (a unit test reads every default).
    pub fn default_bool(&self) -> bool {
        match self.default {
            Default::Bool(v) => v,
            _ => panic!("{} has no boolean default", self.path),
        }
    }

    /// The default of an integer field. Panics when it has none (a unit test reads every default).
    pub fn default_u64(&self) -> u64 {
        match self.default {
            Default::Int(v) => v,
            _ => panic!("{} has no integer default", self.path),
        }
    }

    /// The default of a choice or of a JSON-valued field, as the raw type `T`. Panics when the
    /// table's default does not parse as `T` (a unit test reads every default).
    pub fn default_as<T: serde::de::DeserializeOwned>(&self) -> T {
        let text = match self.default {
            Default::Text(s) => serde_json::Value::String(s.to_string()).to_string(),
            Default::Json(j) => j.to_string(),
            _ => panic!("{} has no text or JSON default", self.path),
        };
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("default of {}: {e}", self.path))
    }

    /// The field's number in `raw`, if given.
    pub fn get_f64(&self, raw: &RawScenario) -> Option<f64> {
        match self.slot {
            Slot::F64(get, _) => *get(raw),
            _ => panic!("{} is not a number", self.path),
        }
    }

    /// The field's integer in `raw`, if given.
    pub fn get_u64(&self, raw: &RawScenario) -> Option<u64> {
        match self.slot {
            Slot::U64(get, _) => *get(raw),
            _ => panic!("{} is not an integer", self.path),
        }
    }

    /// The field's number in a resolved scenario, where it is present.
    pub fn f64(&self, raw: &RawScenario) -> f64 {
        self.get_f64(raw).unwrap_or_default()
    }

    /// The field's span; zero when out of limits (an error is reported for it).
    pub fn secs(&self, raw: &RawScenario) -> SimDuration {
        self.secs_of(self.f64(raw))
    }

    /// The span `v` of this field; zero when out of limits.
    pub fn secs_of(&self, v: f64) -> SimDuration {
        let ok = self.kind.check_f64(v).is_ok();
        SimDuration::from_secs_f64(v).filter(|_| ok).unwrap_or(SimDuration::ZERO)
    }

    /// The field's integer, clamped into its limits (so that checks that depend on it report no
    /// follow-up error), narrowed to u32.
    pub fn int(&self, raw: &RawScenario) -> u32 {
        self.int_of(self.get_u64(raw).unwrap_or_default())
    }

    /// The field's optional span; zero when out of limits.
    pub fn secs_opt(&self, raw: &RawScenario) -> Option<SimDuration> {
        self.get_f64(raw).map(|v| self.secs_of(v))
    }

    /// The integer `v` of this field, clamped into its limits.
    pub fn int_of(&self, v: u64) -> u32 {
        match self.kind {
            Kind::Int { lo, hi } => v.clamp(lo, hi) as u32,
            _ => panic!("{} has no integer limits", self.path),
        }
    }

    /// The CPU or GPU count `v` of this field in Ray's 1/10000 units; zero when out of limits.
    pub fn units_of(&self, v: f64) -> u64 {
        if self.kind.check_f64(v).is_ok() { super::resources::units_of(v) } else { 0 }
    }
}

fn fill<T>(slot: &mut Option<T>, v: Option<T>) {
    if slot.is_none() {
        *slot = v;
    }
}

/// Most CPUs a pod or a replica may be given.
pub(crate) const MAX_CPUS: f64 = 100_000.0;

impl Kind {
    /// A span in seconds that may be zero.
    pub const SECS: Kind = Kind::Secs { zero: true, max: super::defaults::MAX_DURATION };
    /// A span in seconds that must be positive.
    pub const POSITIVE_SECS: Kind = Kind::Secs { zero: false, max: super::defaults::MAX_DURATION };
    /// The length of a run: positive, up to the longest counted run (per-request runs are
    /// checked against [`super::defaults::MAX_DURATION`] once the traffic mode is known).
    pub const RUN_SECS: Kind = Kind::Secs { zero: false, max: super::defaults::MAX_COUNTED_DURATION };
    /// An instant of a run: from 0 to the longest counted run (and before the run's end).
    pub const RUN_INSTANT: Kind = Kind::Secs { zero: true, max: super::defaults::MAX_COUNTED_DURATION };

    /// Checks a number against these limits; the error says what was expected and found.
    pub fn check_f64(&self, v: f64) -> Result<(), String> {
        match *self {
            Kind::Secs { zero, max } => match SimDuration::from_secs_f64(v) {
                _ if v < 0.0 => Err(format!("expected a duration in seconds >= 0, found {}", show::num(v))),
                Some(dur) if dur <= max && (zero || dur.as_micros() > 0) => Ok(()),
                Some(dur) if dur <= max => {
                    Err(format!("expected a positive number of seconds (at least 0.000001), found {v}"))
                }
                _ => {
                    let which = if max == super::defaults::MAX_DURATION { "run" } else { "counted run" };
                    Err(format!(
                        "expected at most {} s (the longest {which}), found {}",
                        max.as_secs_f64(),
                        show::num(v)
                    ))
                }
            },
            Kind::Cpus if !(0.0..=MAX_CPUS).contains(&v) => {
                Err(format!("expected a CPU count between 0 and {MAX_CPUS}, found {}", show::num(v)))
            }
            Kind::Gpus | Kind::ResourceMap if !(0.0..=MAX_CPUS).contains(&v) => {
                Err(format!("expected an amount between 0 and {MAX_CPUS}, found {}", show::num(v)))
            }
            Kind::Gpus if v > 1.0 && v.fract() != 0.0 => Err(format!(
                "expected a whole number of GPUs or a fraction below 1 (Ray's rule for GPUs), found {}",
                show::num(v)
            )),
            Kind::Ratio if !(0.0..=1.0).contains(&v) => {
                Err(format!("expected a ratio from 0 to 1, found {}", show::num(v)))
            }
            Kind::Probability if !(0.0..=1.0).contains(&v) => {
                Err(format!("expected a probability from 0 to 1, found {}", show::num(v)))
            }
            Kind::Rate => check_rate(v),
            Kind::ShapeRate if !(0.0..=super::defaults::MAX_RATE_PER_S).contains(&v) => Err(format!(
                "expected a request rate from 0 to {} per second, found {}",
                super::defaults::MAX_RATE_PER_S,
                show::num(v)
            )),
            Kind::Hour if !(0.0..24.0).contains(&v) => {
                Err(format!("expected an hour of the day from 0 to 24 (excluded), found {}", show::num(v)))
            }
            Kind::Positive if v <= 0.0 => Err(format!("expected a number > 0, found {}", show::num(v))),
            _ => Ok(()),
        }
    }

    /// Checks an integer against these limits.
    pub fn check_u64(&self, v: u64) -> Result<(), String> {
        match *self {
            Kind::Int { lo, hi } if v < lo || v > hi => {
                Err(format!("expected an integer from {lo} to {hi}, found {v}"))
            }
            _ => Ok(()),
        }
    }

    /// Checks a string against its rule.
    pub fn check_str(&self, v: &str) -> Result<(), String> {
        match *self {
            Kind::Text { check: Some(check), .. } => check(v),
            _ => Ok(()),
        }
    }
}

/// Smallest request rate: one request per longest run.
pub fn min_rate() -> f64 {
    1.0 / super::defaults::MAX_DURATION.as_secs_f64()
}

fn check_rate(rate: f64) -> Result<(), String> {
    let max_rate = super::defaults::MAX_RATE_PER_S;
    if !(rate > 0.0 && rate.is_finite()) {
        return Err(format!("expected a request rate > 0 per second, found {}", show::num(rate)));
    }
    if !(min_rate()..=max_rate).contains(&rate) {
        return Err(format!(
            "expected between one request per {} s (the longest run) and {max_rate} requests per second, found {}",
            super::defaults::MAX_DURATION.as_secs_f64(),
            show::num(rate)
        ));
    }
    Ok(())
}

/// Where the format takes an object, as JSON paths with `[]` for "every element" (`$.faults[]`),
/// each with whether `null` (meaning "the default") is accepted there: the document, the objects
/// that hold the table's fields, the items of its arrays of objects and its tagged objects.
pub fn object_places() -> Vec<(String, bool)> {
    let mut places = vec![("$".to_string(), false)];
    let mut add = |path: String, null_ok: bool| {
        if !places.iter().any(|(p, _)| *p == path) {
            places.push((path, null_ok));
        }
    };
    for f in FIELDS {
        // A proper prefix of the path that is neither a field nor an array's items: an object.
        let keys: Vec<&str> = f.path.split('.').collect();
        for n in 1..keys.len() {
            let prefix = keys[..n].join(".");
            if !prefix.ends_with("[]") && find(&prefix).is_none() {
                add(format!("$.{prefix}"), false);
            }
        }
        match f.kind {
            Kind::Objects | Kind::TaggedList(_) => add(format!("$.{}[]", f.path), false),
            Kind::Tagged(_) => add(format!("$.{}", f.path), true),
            _ => {}
        }
    }
    places
}

/// The field at `path`, if the table has one.
pub fn find(path: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_is_declared_once_and_every_variant_field_is_in_the_table() {
        for (i, f) in FIELDS.iter().enumerate() {
            assert!(FIELDS[..i].iter().all(|o| o.path != f.path), "{} declared twice", f.path);
            assert!(!f.meaning.is_empty(), "{} has no meaning", f.path);
        }
        let tagged = [
            ("traffic.service_time.", SERVICE_TIMES),
            ("traffic.shape.", SHAPES),
            ("faults[].", FAULT_KINDS),
            ("failures[].", FAILURE_KINDS),
            ("failures[].ttf.", DISTS),
            ("failures[].ttr.", DISTS),
        ];
        for (prefix, variants) in tagged {
            for v in variants {
                for (name, _) in v.fields {
                    assert!(find(&format!("{prefix}{name}")).is_some(), "{} of {} is not in the table", name, v.tag);
                }
            }
        }
    }

    #[test]
    fn every_text_and_json_default_reads_as_its_raw_type() {
        use crate::scenario::raw::*;
        let _: String = DESCRIPTION.default_as();
        let _: String = DEPLOYMENT.default_as();
        let _: Vec<RawWorkerGroup> = WORKER_GROUPS.default_as();
        assert_eq!(REDIS_MODE.default_as::<RawRedisMode>(), RawRedisMode::Single);
        assert_eq!(MANAGER.default_as::<RawManager>(), RawManager::KubeRay);
        assert_eq!(PROXY_LOCATION.default_as::<RawProxyLocation>(), RawProxyLocation::EveryNode);
        assert_eq!(INGRESS_KIND.default_as::<RawIngressKind>(), RawIngressKind::Pinned);
        assert_eq!(ARRIVALS.default_as::<RawArrivals>(), RawArrivals::Poisson);
        assert_eq!(TRAFFIC_MODE.default_as::<RawTrafficMode>(), RawTrafficMode::Auto);
        let _: RawServiceTime = SERVICE_TIME.default_as();
        let _: Vec<RawFault> = FAULTS.default_as();
        let _: Vec<RawFailure> = FAILURES.default_as();
        assert_eq!(FAILURE_NETWORK.default_as::<RawNetwork>(), RawNetwork::Unreachable);
        assert_eq!(FAILURE_MODE.default_as::<RawHealthMode>(), RawHealthMode::Raise);
        assert_eq!(FAULT_MODE.default_as::<RawHealthMode>(), RawHealthMode::Raise);
        assert_eq!(FAULT_NETWORK.default_as::<RawNetwork>(), RawNetwork::Unreachable);
    }

    #[test]
    fn limits_give_the_messages_ftsim_always_gave() {
        assert_eq!(Kind::SECS.check_f64(0.0), Ok(()));
        assert_eq!(
            Kind::POSITIVE_SECS.check_f64(0.0000001),
            Err("expected a positive number of seconds (at least 0.000001), found 0.0000001".to_string())
        );
        assert_eq!(Kind::SECS.check_f64(-2.0), Err("expected a duration in seconds >= 0, found -2".to_string()));
        assert_eq!(
            Kind::SECS.check_f64(1e300),
            Err("expected at most 604800 s (the longest run), found 1e300".to_string())
        );
        assert_eq!(
            Kind::RUN_SECS.check_f64(1e300),
            Err("expected at most 31622400 s (the longest counted run), found 1e300".to_string())
        );
        assert_eq!(
            Kind::Int { lo: 1, hi: 5 }.check_u64(6),
            Err("expected an integer from 1 to 5, found 6".to_string())
        );
        assert_eq!(Kind::Cpus.check_f64(-1.0), Err("expected a CPU count between 0 and 100000, found -1".to_string()));
        assert_eq!(NUM_REPLICAS.int_of(0), 1, "out of range is clamped, so that no follow-up error is reported");
        assert_eq!(ACTOR_START_S.secs_of(-1.0), SimDuration::ZERO);
    }
}
