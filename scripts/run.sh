#!/usr/bin/env bash
# Installs what is missing, then opens the desktop app: the optimised build, the one people use
# (tests use the fast-to-build debug build). Extra arguments go to the app
# (e.g. `scripts/run.sh --data-dir /tmp/lo` or `scripts/run.sh doctor`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
exec cargo run --release -- "$@"
