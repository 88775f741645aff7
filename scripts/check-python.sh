#!/usr/bin/env bash
# The Python checks (python/ftsim_helper, python/ftsim_ray, python/bench), none of which needs Ray:
#   ruff (lint and format check), mypy --strict (python/pyproject.toml), pytest (python/tests).
# With --venv-only, only creates or refreshes the virtualenv and prints its interpreter's path
# (benches/throughput.rs runs the SimPy model of python/bench/ with it).
#
# The pinned tools of python/requirements-dev.txt live in a small virtualenv (default:
# <repo>/.venv-dev, override with FTSIM_DEV_VENV), created or refreshed only when that file
# or the Python version changed (a stamp file records both), so reruns install nothing.
#
# Environment:
#   FTSIM_DEV_VENV   virtualenv path (default: <repo>/.venv-dev)
#   FTSIM_PYTHON     interpreter used to create the venv (default: python3; 3.10 or newer)
#
# Exit status: 0 when every check passes (or, with --venv-only, the virtualenv is ready), 1 otherwise.
set -euo pipefail

VENV_ONLY=false
case "${1:-}" in
    "") ;;
    --venv-only) VENV_ONLY=true ;;
    *) printf 'check-python: error: unknown argument %s (usage: check-python.sh [--venv-only])\n' "$1" >&2; exit 1 ;;
esac

# With --venv-only, standard output is the interpreter's path alone: progress goes to stderr.
log() { if $VENV_ONLY; then printf 'check-python: %s\n' "$*" >&2; else printf 'check-python: %s\n' "$*"; fi; }
die() { printf 'check-python: error: %s\n' "$*" >&2; exit 1; }

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQS="$REPO_ROOT/python/requirements-dev.txt"
VENV="${FTSIM_DEV_VENV:-$REPO_ROOT/.venv-dev}"
PYTHON="${FTSIM_PYTHON:-python3}"
STAMP="$VENV/.ftsim-requirements.sha256"

command -v "$PYTHON" >/dev/null 2>&1 || die "python interpreter not found: $PYTHON (set FTSIM_PYTHON)"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 10) else 1)' ||
    die "$PYTHON is $("$PYTHON" -V 2>&1); the helper needs Python 3.10 or newer"

want="$(sha256sum "$REQS" | awk '{print $1}') $("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want" ] || [ ! -x "$VENV/bin/python" ]; then
    if [ ! -x "$VENV/bin/python" ]; then
        log "creating virtualenv $VENV with $("$PYTHON" -V 2>&1)"
        "$PYTHON" -m venv "$VENV" || die "could not create the virtualenv (on Debian: apt-get install python3-venv)"
    fi
    rm -f "$STAMP"
    log "installing $REQS"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q --require-virtualenv -r "$REQS" >&2 ||
        die "pip install -r $REQS failed (no access to PyPI?)"
    printf '%s\n' "$want" > "$STAMP"
fi
if $VENV_ONLY; then
    printf '%s\n' "$VENV/bin/python"
    exit 0
fi

cd "$REPO_ROOT/python"
log "ruff check"
"$VENV/bin/ruff" check --no-cache .
log "ruff format --check"
"$VENV/bin/ruff" format --no-cache --check .
log "mypy --strict"
"$VENV/bin/mypy" --strict --no-incremental
log "pytest"
"$VENV/bin/python" -m pytest -p no:cacheprovider
