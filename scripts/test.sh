#!/usr/bin/env bash
# The test command of the README and of CI: installs what the tests need, then runs them all.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step's heading says how long the command has run so far, to see where CI's time goes.
step() { printf '\n==> %s (at %d min %02d s)\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }

step "toolchain"
cargo --version
rustup component add rustfmt clippy >/dev/null 2>&1 || true

step "format and lints"
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
echo "== cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked --quiet

step "Python helper and Ray driver: ruff, mypy --strict, pytest (no Ray needed)"
bash scripts/check-python.sh

step "unit, scenario, property and CLI tests"
cargo test --locked

step "determinism: debug and release builds write identical bytes"
cargo build --release --locked
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for s in head-pod-crash-no-gcs-ft worker-node-loss redis-outage-during-head-crash; do
  ./target/debug/ftsim run "$s" --out "$tmp/debug-$s" -q || [ $? -eq 1 ]
  ./target/release/ftsim run "$s" --out "$tmp/release-$s" -q || [ $? -eq 1 ]
  diff -r "$tmp/debug-$s" "$tmp/release-$s"
done
echo "identical"

step "notebooks: every bundled scenario, then the notebook executed headless"
bash notebooks/run.sh

step "live mode: Python virtualenv (ray[serve]==2.60.0) and redis-server"
bash scripts/setup-live.sh

step "live mode against a real local Ray cluster; ftsim mc --ray against a local multi-node one"
cargo test --locked --test live -- --ignored --test-threads=1
cargo test --locked --test ray -- --ignored --test-threads=1
step "done"
