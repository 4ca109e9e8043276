#!/usr/bin/env bash
# System packages the test suite needs (Debian). Idempotent; safe to run again.
set -euo pipefail
need=()
# (browser, broker and container tests add their packages here as they arrive)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends "${need[@]}"
fi
