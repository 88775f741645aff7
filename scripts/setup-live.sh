#!/usr/bin/env bash
# Prepare this machine for `ftsim live` (the local-ray adapter).
#
#   1. Debian's redis-server (only if no `redis-server` is on PATH). The package's
#      system service is stopped and disabled: ftsim starts its own Redis instances.
#   2. A virtualenv (default: <repo>/.venv-live, override with FTSIM_LIVE_VENV)
#      with the pinned python/requirements-live.txt (ray[serve]==2.60.0 + deps).
#
# Idempotent: the venv carries a stamp file with the sha256 of requirements-live.txt and
# the Python version; when it matches and `import ray, ray.serve` works, nothing is
# reinstalled. Rerun after editing requirements-live.txt and only the venv is refreshed.
#
# Environment:
#   FTSIM_LIVE_VENV   virtualenv path (default: <repo>/.venv-live)
#   FTSIM_PYTHON      interpreter used to create the venv (default: python3; 3.10-3.13)
#
# Exit status: 0 ready, 1 on any failure (with a message on stderr).
set -euo pipefail

log() { printf 'setup-live: %s\n' "$*"; }
die() { printf 'setup-live: error: %s\n' "$*" >&2; exit 1; }
POLICY=/usr/sbin/policy-rc.d
POLICY_CREATED=0
on_exit() {
    rc=$?
    if [ "$POLICY_CREATED" -eq 1 ]; then rm -f "$POLICY" 2>/dev/null || sudo -n rm -f "$POLICY" 2>/dev/null || true; fi
    [ "$rc" -eq 0 ] || printf 'setup-live: failed (exit %s)\n' "$rc" >&2
}
trap on_exit EXIT

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQS="$REPO_ROOT/python/requirements-live.txt"
VENV="${FTSIM_LIVE_VENV:-$REPO_ROOT/.venv-live}"
PYTHON="${FTSIM_PYTHON:-python3}"
STAMP="$VENV/.ftsim-requirements.sha256"

[ -f "$REQS" ] || die "requirements file not found: $REQS"
[ "$(uname -s)" = "Linux" ] || die "live mode needs Linux (found $(uname -s))"

# Run a command as root (directly, or through sudo when available).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@" || die "'sudo $*' failed (needs passwordless sudo, or run this script as root)"
    else
        die "need root to run '$*' (not root, no sudo)"
    fi
}

# --- 1. redis-server ---------------------------------------------------------------
# Stop and disable the packaged service if one exists: ftsim only uses Redis
# instances that it starts itself (own port, own config, own data dir).
disable_system_redis() {
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        log "stopping and disabling the system redis-server service (systemd)"
        as_root systemctl disable --now redis-server.service >/dev/null 2>&1 || true
    else
        if [ -x /etc/init.d/redis-server ]; then
            log "stopping and disabling the system redis-server service (init script)"
            as_root /etc/init.d/redis-server stop >/dev/null 2>&1 || true
            if command -v update-rc.d >/dev/null 2>&1; then
                as_root update-rc.d redis-server disable >/dev/null 2>&1 || true
            fi
        fi
        # systemd not running (container): still drop the unit's enable links.
        if command -v systemctl >/dev/null 2>&1; then
            as_root systemctl disable redis-server.service >/dev/null 2>&1 || true
        fi
    fi
}

if command -v redis-server >/dev/null 2>&1; then
    log "redis-server present: $(command -v redis-server) ($(redis-server --version | awk '{print $3}'))"
else
    command -v apt-get >/dev/null 2>&1 || die "redis-server is missing and apt-get is not available; install Redis (>= 6) yourself"
    log "installing redis-server with apt-get (its service will not be started)"
    # policy-rc.d exit 101 = "action forbidden": keeps the package's postinst from
    # starting the service. Only created (and removed again) if none exists.
    if [ ! -e "$POLICY" ]; then
        POLICY_CREATED=1
        as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $POLICY && chmod 755 $POLICY"
    fi
    install_rc=0
    {
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server
    } || install_rc=$?
    if [ "$POLICY_CREATED" -eq 1 ]; then as_root rm -f "$POLICY"; POLICY_CREATED=0; fi
    [ "$install_rc" -eq 0 ] || die "apt-get install redis-server failed (exit $install_rc)"
    command -v redis-server >/dev/null 2>&1 || die "redis-server still not on PATH after installing the package"
    disable_system_redis
    log "installed redis-server $(redis-server --version | awk '{print $3}')"
fi

# --- 2. virtualenv with the pinned requirements ------------------------------------
command -v "$PYTHON" >/dev/null 2>&1 || die "python interpreter not found: $PYTHON (set FTSIM_PYTHON)"
"$PYTHON" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)' ||
    die "$PYTHON is $("$PYTHON" -V 2>&1); the helper needs Python 3.10-3.13 (ray 2.60 wheels: 3.9-3.13)"

want="$(sha256sum "$REQS" | awk '{print $1}') $("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -x "$VENV/bin/python" ] &&
    "$VENV/bin/python" -c 'import ray, ray.serve; assert ray.__version__ == "2.60.0"' >/dev/null 2>&1; then
    log "virtualenv up to date: $VENV (ray $("$VENV/bin/python" -c 'import ray; print(ray.__version__)'))"
    log "ready"
    exit 0
fi

if [ -x "$VENV/bin/python" ]; then
    log "refreshing virtualenv $VENV (requirements changed or stamp missing)"
else
    [ ! -e "$VENV" ] || [ -d "$VENV" ] || die "$VENV exists and is not a directory"
    log "creating virtualenv $VENV with $("$PYTHON" -V 2>&1)"
    "$PYTHON" -m venv "$VENV" || die "could not create the virtualenv (on Debian: apt-get install python3-venv)"
fi
rm -f "$STAMP"
log "upgrading pip in the virtualenv"
"$VENV/bin/python" -m pip install --disable-pip-version-check -q --upgrade pip ||
    die "pip upgrade failed (no access to PyPI?)"
log "installing $REQS (about 500 MB on first install)"
"$VENV/bin/python" -m pip install --disable-pip-version-check -q --require-virtualenv -r "$REQS" ||
    die "pip install -r $REQS failed"
"$VENV/bin/python" -c 'import ray, ray.serve; assert ray.__version__ == "2.60.0", ray.__version__' ||
    die "ray is not importable from $VENV after the install"
printf '%s\n' "$want" > "$STAMP"
log "virtualenv ready: $VENV (ray $("$VENV/bin/python" -c 'import ray; print(ray.__version__)'))"
log "ready"
