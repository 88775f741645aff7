#!/usr/bin/env bash
# Run every bundled scenario and execute the notebooks headless: the notebooks' CI check.
#
#   1. A virtualenv (default: <repo>/.venv-notebooks, override with FTSIM_NOTEBOOK_VENV) with the
#      pinned notebooks/requirements.txt. It carries a stamp with the sha256 of the requirements
#      and the Python version; when the stamp matches, nothing is reinstalled.
#   2. `cargo run --release -- run NAME -q` for every bundled scenario (`ftsim scenarios`), into
#      output/NAME/. Exit code 1 (SLO violated) is expected for some scenarios; 2 or any other
#      failure stops the script.
#   3. `ftsim mc month-of-node-failures --runs 40` into output/month-of-node-failures-mc/ (the
#      notebook's month of availability).
#   4. `jupyter nbconvert --to notebook --execute` of each notebooks/*.ipynb into
#      output/notebooks/; an error in any cell fails the script.
#
# Environment:
#   FTSIM_NOTEBOOK_VENV   virtualenv path (default: <repo>/.venv-notebooks)
#   FTSIM_PYTHON          interpreter used to create the venv (default: python3)
#
# Exit status: 0 every notebook ran, 1 on any failure (with a message on stderr).
set -euo pipefail

log() { printf 'notebooks: %s\n' "$*"; }
die() { printf 'notebooks: error: %s\n' "$*" >&2; exit 1; }

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
REQS="notebooks/requirements.txt"
VENV="${FTSIM_NOTEBOOK_VENV:-$REPO_ROOT/.venv-notebooks}"
PYTHON="${FTSIM_PYTHON:-python3}"
STAMP="$VENV/.ftsim-requirements.sha256"
OUT="output"

command -v "$PYTHON" >/dev/null || die "no $PYTHON on PATH"
want="$( { sha256sum "$REQS" | cut -d' ' -f1; "$PYTHON" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -x "$VENV/bin/jupyter" ]; then
    log "venv $VENV is up to date"
else
    log "creating venv $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" || die "cannot create venv $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQS" \
        || die "pip install -r $REQS failed"
    printf '%s\n' "$want" > "$STAMP"
fi

log "building ftsim (release)"
cargo build --release --quiet || die "cargo build failed"
mapfile -t scenarios < <(cargo run --release --quiet -- scenarios | awk 'NF { print $1 }')
[ "${#scenarios[@]}" -gt 0 ] || die "ftsim scenarios listed nothing"
for name in "${scenarios[@]}"; do
    rc=0
    cargo run --release --quiet -- run "$name" -q --out "$OUT/$name" || rc=$?
    case "$rc" in
        0) log "$name: SLO holds" ;;
        1) log "$name: SLO violated (expected for some scenarios)" ;;
        *) die "ftsim run $name failed with exit code $rc" ;;
    esac
done

log "month-of-node-failures: 40 simulated months (ftsim mc)"
cargo run --release --quiet -- mc month-of-node-failures --runs 40 -q --out "$OUT/month-of-node-failures-mc" \
    || die "ftsim mc month-of-node-failures failed"

mkdir -p "$OUT/notebooks"
shopt -s nullglob
notebooks=(notebooks/*.ipynb)
[ "${#notebooks[@]}" -gt 0 ] || die "no notebooks/*.ipynb"
for nb in "${notebooks[@]}"; do
    log "executing $nb"
    FTSIM_OUTPUT="$REPO_ROOT/$OUT" "$VENV/bin/jupyter" nbconvert --to notebook --execute \
        --ExecutePreprocessor.timeout=600 --output-dir "$OUT/notebooks" "$nb" \
        || die "$nb failed"
done
log "done: executed notebooks in $OUT/notebooks/"
