//! Kubernetes memory quantities (`"8Gi"`, `"512M"`, `"1e9"`, `1073741824`) in bytes, as the
//! scenario's memory fields and `ftsim import` read them.
//!
//! The suffixes are Kubernetes' (`k8s.io/apimachinery` `resource.Quantity`): binary `Ki` `Mi`
//! `Gi` `Ti` `Pi` `Ei`, decimal `k` `M` `G` `T` `P` `E` and `m` (thousandths); a fractional byte
//! count is rounded up, as `Quantity.Value()` does.

/// Largest memory amount accepted, bytes: 1 EiB (fixed point stays far from overflow).
pub const MAX_BYTES: u64 = 1 << 60;

/// The quantities [`bytes_of`] reads, as a regular expression (for the JSON Schema).
pub const PATTERN: &str = "^[0-9]+(\\.[0-9]*)?([eE][0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$";

/// The bytes of quantity `s`, or what was expected.
pub fn bytes_of(s: &str) -> Result<u64, String> {
    let expected = || {
        format!(
            "expected a memory size: bytes or a Kubernetes quantity (\"8Gi\", \"512Mi\", \"1G\"), found {}",
            super::show::text(s)
        )
    };
    let (number, factor) = split_suffix(s.trim());
    let value: f64 = number.parse().map_err(|_| expected())?;
    if !value.is_finite() || value < 0.0 || number.starts_with(['+', '-']) {
        return Err(expected());
    }
    bytes_in_range(value * factor)
}

/// Bytes given as a number, rounded up; an error beyond [`MAX_BYTES`] or below zero.
pub fn bytes_in_range(v: f64) -> Result<u64, String> {
    if (0.0..=MAX_BYTES as f64).contains(&v) {
        Ok(v.ceil() as u64)
    } else {
        Err(format!("expected a memory size from 0 to {MAX_BYTES} bytes (1 EiB), found {}", super::show::num(v)))
    }
}

impl super::raw::RawQuantity {
    /// The bytes this memory amount stands for, or what was expected.
    pub fn bytes(&self) -> Result<u64, String> {
        match self {
            super::raw::RawQuantity::Bytes(v) => bytes_in_range(*v),
            super::raw::RawQuantity::Text(s) => bytes_of(s),
        }
    }
}

/// The number and the factor of its suffix.
fn split_suffix(s: &str) -> (&str, f64) {
    const SUFFIXES: [(&str, f64); 13] = [
        ("Ki", 1024.0),
        ("Mi", 1_048_576.0),
        ("Gi", 1_073_741_824.0),
        ("Ti", 1_099_511_627_776.0),
        ("Pi", 1_125_899_906_842_624.0),
        ("Ei", 1_152_921_504_606_846_976.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
        ("m", 1e-3),
    ];
    SUFFIXES.iter().find_map(|&(suffix, factor)| s.strip_suffix(suffix).map(|n| (n, factor))).unwrap_or((s, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_quantities_in_bytes() {
        assert_eq!(bytes_of("8Gi"), Ok(8 << 30));
        assert_eq!(bytes_of("512Mi"), Ok(512 << 20));
        assert_eq!(bytes_of("1G"), Ok(1_000_000_000));
        assert_eq!(bytes_of("1.5k"), Ok(1500));
        assert_eq!(bytes_of("1e9"), Ok(1_000_000_000));
        assert_eq!(bytes_of("1500m"), Ok(2));
        assert_eq!(bytes_of("42"), Ok(42));
    }

    #[test]
    fn bad_quantities_say_what_was_expected() {
        let msg = bytes_of("8GB").unwrap_err();
        assert!(msg.starts_with("expected a memory size") && msg.ends_with("found \"8GB\""), "{msg}");
        assert!(bytes_of("-1Gi").is_err());
        assert!(bytes_of("").is_err());
        assert!(bytes_of("2Ei").unwrap_err().contains("1 EiB"));
    }
}
