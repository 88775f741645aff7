//! Live mode against a real local Ray cluster (Ray 2.60 + Redis). Slow (minutes each) and
//! needing the live environment, these tests are `#[ignore]`d in a plain `cargo test`;
//! `scripts/test.sh` (the README's test command, and CI) installs the environment with
//! `scripts/setup-live.sh` and runs them with `--ignored`: a missing environment fails them.
//!
//! Each test runs a bundled scenario, shortened, with `ftsim live`, asserts the guide's
//! documented behaviour on the real measurements, and checks that nothing was left behind:
//! no process, no listening port in the run's range, no temporary directory; that the cluster
//! never listened in the host's network (it runs in a private network namespace); and that the
//! Redis password showed up in no command line during the run, and in no output, message or log
//! after.

#[path = "../common/mod.rs"]
mod common;

/// Fails the enclosing check (a closure returning `Result<(), String>`) with a message.
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        let holds: bool = $cond;
        if !holds {
            return Err(format!($($msg)+));
        }
    };
}

mod cluster;
mod guide;
mod harness;
mod lifecycle;
