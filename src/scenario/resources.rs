//! Ray resources of a pod or a replica: CPUs, GPUs, memory and custom resources, in Ray's fixed
//! point (no floats in the model).
//!
//! Ray keeps every resource quantity as an integer count of 1/10000 units
//! (`kResourceUnitScaling` = 10000, `src/ray/common/constants.h`; `MIN_RESOURCE_GRANULARITY` =
//! 0.0001, `ray_constants.py`); memory is counted in bytes (`MEMORY_RESOURCE_UNIT_BYTES` = 1).

use std::collections::BTreeMap;

use super::show;

/// Fixed-point units in one CPU, GPU or custom resource (Ray's `kResourceUnitScaling`).
pub const UNIT: u64 = 10_000;

/// What a pod has or a replica needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    /// CPUs, in 1/10000.
    pub cpus: u64,
    /// GPUs, in 1/10000.
    pub gpus: u64,
    /// Memory, bytes.
    pub memory: u64,
    /// Custom resources by name, in 1/10000; no zero amounts.
    pub custom: BTreeMap<String, u64>,
}

/// One resource of a [`Resources`], for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shortfall {
    /// The resource's name as Ray spells it (`CPU`, `GPU`, `memory`, or the custom name).
    pub name: String,
    /// What there is.
    pub have: u64,
    /// What is needed.
    pub need: u64,
    /// Whether the amounts are bytes (memory) rather than 1/10000 units.
    pub bytes: bool,
}

impl Shortfall {
    /// `2 GPUs`, `1073741824 bytes of memory`, `0.5 of "accel"`.
    pub fn show(&self, amount: u64) -> String {
        match self.name.as_str() {
            _ if self.bytes => format!("{amount} bytes of memory"),
            "CPU" | "GPU" => format!("{} {}s", show_units(amount), self.name),
            custom => format!("{} of {}", show_units(amount), show::text(custom)),
        }
    }
}

/// An amount of fixed-point units as a decimal number (`15000` -> `1.5`).
pub fn show_units(units: u64) -> String {
    show::num(units as f64 / UNIT as f64)
}

/// A decimal amount in fixed-point units, rounded to the nearest unit.
pub fn units_of(v: f64) -> u64 {
    (v * UNIT as f64).round() as u64
}

impl Resources {
    /// Only CPUs, `cpus` in 1/10000.
    pub fn cpus(cpus: u64) -> Resources {
        Resources { cpus, ..Resources::default() }
    }

    /// Every resource as (Ray's name, amount, whether in bytes), custom ones in name order.
    pub fn amounts(&self) -> impl Iterator<Item = (&str, u64, bool)> {
        [("CPU", self.cpus, false), ("GPU", self.gpus, false), ("memory", self.memory, true)]
            .into_iter()
            .chain(self.custom.iter().map(|(k, v)| (k.as_str(), *v, false)))
    }

    /// What this has of resource `name` (Ray's name: `CPU`, `GPU`, `memory` or a custom one).
    pub fn amount(&self, name: &str) -> u64 {
        match name {
            "CPU" => self.cpus,
            "GPU" => self.gpus,
            "memory" => self.memory,
            _ => self.custom.get(name).copied().unwrap_or(0),
        }
    }

    /// The first resource `need` asks for more of than this has, if any.
    pub fn shortfall(&self, need: &Resources) -> Option<Shortfall> {
        need.amounts().find(|&(name, n, _)| n > self.amount(name)).map(|(name, n, bytes)| Shortfall {
            name: name.to_string(),
            have: self.amount(name),
            need: n,
            bytes,
        })
    }

    /// Whether `need` fits in this: every resource it asks for is here in that amount.
    pub fn fits(&self, need: &Resources) -> bool {
        self.shortfall(need).is_none()
    }

    /// Adds `other` to this.
    pub fn add(&mut self, other: &Resources) {
        self.cpus += other.cpus;
        self.gpus += other.gpus;
        self.memory += other.memory;
        for (k, v) in &other.custom {
            *self.custom.entry(k.clone()).or_default() += v;
        }
    }

    /// Takes `other` from this (none goes below zero).
    pub fn sub(&mut self, other: &Resources) {
        self.cpus = self.cpus.saturating_sub(other.cpus);
        self.gpus = self.gpus.saturating_sub(other.gpus);
        self.memory = self.memory.saturating_sub(other.memory);
        for (k, v) in &other.custom {
            if let Some(have) = self.custom.get_mut(k) {
                *have = have.saturating_sub(*v);
            }
        }
    }

    /// How many of `each` fit in this; `usize::MAX` when `each` asks for nothing.
    pub fn how_many(&self, each: &Resources) -> usize {
        each.amounts()
            .filter(|&(_, n, _)| n > 0)
            .map(|(name, n, _)| usize::try_from(self.amount(name) / n).unwrap_or(usize::MAX))
            .min()
            .unwrap_or(usize::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(cpus: u64, gpus: u64, memory: u64, custom: &[(&str, u64)]) -> Resources {
        Resources { cpus, gpus, memory, custom: custom.iter().map(|(k, v)| (k.to_string(), *v)).collect() }
    }

    #[test]
    fn fits_needs_every_resource() {
        let pod = res(40_000, 10_000, 1 << 30, &[("accel", 20_000)]);
        assert!(pod.fits(&res(10_000, 5_000, 1 << 29, &[("accel", 20_000)])));
        assert!(pod.fits(&Resources::default()));
        assert!(!pod.fits(&res(0, 10_001, 0, &[])));
        assert!(!pod.fits(&res(0, 0, 0, &[("other", 1)])));
        let short = pod.shortfall(&res(0, 0, 1 << 31, &[])).unwrap();
        assert_eq!((short.name.as_str(), short.have, short.need, short.bytes), ("memory", 1 << 30, 1 << 31, true));
        assert_eq!(short.show(short.need), "2147483648 bytes of memory");
    }

    #[test]
    fn add_sub_and_how_many() {
        let mut pod = res(40_000, 20_000, 0, &[("accel", 30_000)]);
        let each = res(10_000, 5_000, 0, &[("accel", 10_000)]);
        assert_eq!(pod.how_many(&each), 3);
        pod.sub(&each);
        assert_eq!(pod, res(30_000, 15_000, 0, &[("accel", 20_000)]));
        assert_eq!(pod.how_many(&each), 2);
        pod.add(&each);
        assert_eq!(pod.how_many(&each), 3);
        assert_eq!(pod.how_many(&Resources::default()), usize::MAX);
        pod.sub(&res(0, 100_000, 0, &[("missing", 1)]));
        assert_eq!(pod.gpus, 0);
        assert_eq!(pod.how_many(&each), 0);
    }

    #[test]
    fn units_are_ten_thousandths() {
        assert_eq!(units_of(0.5), 5_000);
        assert_eq!(units_of(0.0001), 1);
        assert_eq!(show_units(15_000), "1.5");
        assert_eq!(Shortfall { name: "GPU".into(), have: 0, need: 10_000, bytes: false }.show(10_000), "1 GPUs");
        assert_eq!(
            Shortfall { name: "accel".into(), have: 0, need: 5_000, bytes: false }.show(5_000),
            "0.5 of \"accel\""
        );
    }
}
