#!/usr/bin/env bash
# Simulation vs live, side by side, for the bundled scenarios: runs each with `ftsim run` and
# `ftsim live` (same scenario, same seed) and writes the table to docs/fidelity.md.
#
#   bash scripts/fidelity.sh                 # every bundled scenario (about 5 minutes each)
#   bash scripts/fidelity.sh replica-crash   # only these
#
# Needs the live environment (bash scripts/setup-live.sh). Outputs go to output/fidelity/.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
ftsim=./target/release/ftsim
if [ "$#" -gt 0 ]; then names=("$@"); else mapfile -t names < <("$ftsim" scenarios | awk 'NF { print $1 }'); fi
out=output/fidelity
mkdir -p "$out"
for name in "${names[@]}"; do
  echo "fidelity: $name (simulation)"
  "$ftsim" run "$name" --out "$out/$name-sim" -q || [ $? -eq 1 ]
  echo "fidelity: $name (live)"
  if ! "$ftsim" live "$name" --out "$out/$name-live" -q; then
    [ -f "$out/$name-live/report.json" ] || echo "fidelity: $name: live run failed" >&2
  fi
done
python3 scripts/fidelity_table.py "$out" > docs/fidelity.md
echo "fidelity: table written to docs/fidelity.md"
