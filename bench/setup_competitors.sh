#!/usr/bin/env bash
# Install the competitors the benchmarks compare plua2 with, each in its own virtualenv.
# Idempotent: re-running it only installs what is missing.
#   bench/.venv-plua   plua (PyPI)          -> bench/.venv-plua/bin/plua
#   bench/.venv-flua   fibaro-flua (PyPI)   -> bench/.venv-flua/bin/...
#   wrk                HTTP load generator (Debian package), used by bench/http_api.py when present
set -u
here="$(cd "$(dirname "$0")" && pwd)"
py="${PYTHON:-python3}"

make_venv() { # name package
    local venv="$here/$1" pkg="$2"
    if [ ! -x "$venv/bin/python" ]; then
        "$py" -m venv "$venv" || return 1
    fi
    if "$venv/bin/python" -m pip show "$pkg" >/dev/null 2>&1; then
        echo "$pkg: already in $venv ($("$venv/bin/python" -m pip show "$pkg" | sed -n 's/^Version: //p'))"
    else
        "$venv/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
        "$venv/bin/python" -m pip install --quiet "$pkg" || { echo "$pkg: install failed" >&2; return 1; }
        echo "$pkg: installed in $venv"
    fi
}

status=0
make_venv .venv-plua plua || status=1
make_venv .venv-flua fibaro-flua || echo "fibaro-flua: not installed (optional)" >&2

if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        (apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y wrk >/dev/null 2>&1; }) \
            && echo "wrk: installed" || echo "wrk: not installed (the Python load generator is used)" >&2
    else
        echo "wrk: not found and cannot apt-get it (the Python load generator is used)" >&2
    fi
else
    echo "wrk: $(command -v wrk)"
fi
exit $status
