"""Benchmark models run by `cargo bench` (benches/throughput.rs), not part of the helper."""
