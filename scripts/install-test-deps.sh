#!/usr/bin/env bash
# System packages the test suite needs (Debian). Idempotent; safe to run again.
set -euo pipefail
need=()
# (browser, broker and container tests add their packages here as they arrive)
# tests/docker: rootful podman (runc: crun refuses this kernel's hybrid cgroups) and debootstrap
# for the stand-in base image (../shared/recipes/container-tests.md)
# tests/webui: Debian's chromium, driven by Playwright with executable_path (never
# `playwright install`; ../shared/recipes/browser-tests.md)
for pkg in podman runc debootstrap chromium mosquitto; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends "${need[@]}"
fi
