#!/usr/bin/env bash
# Simulation vs live, side by side, for the bundled scenarios: runs each with `ftsim run` and
# `ftsim live` (same scenario, same seed 1), the simulation also over seeds 1-20 for its range,
# and writes the table into docs/fidelity.md (scripts/fidelity_table.py).
#
#   bash scripts/fidelity.sh                 # every bundled scenario (about 5 minutes each)
#   bash scripts/fidelity.sh replica-crash   # only these (the table keeps the others' last runs)
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
  echo "fidelity: $name (simulation, seeds 1-20)"
  "$ftsim" run "$name" --out "$out/$name-sim" -q || [ $? -eq 1 ]
  for seed in $(seq 1 20); do
    "$ftsim" run "$name" --seed "$seed" --out "$out/$name-seeds/$seed" -q || [ $? -eq 1 ]
  done
  echo "fidelity: $name (live)"
  if ! "$ftsim" live "$name" --out "$out/$name-live" -q; then
    [ -f "$out/$name-live/report.json" ] || echo "fidelity: $name: live run failed" >&2
  fi
done
python3 scripts/fidelity_table.py "$out"
echo "fidelity: table written to docs/fidelity.md"
