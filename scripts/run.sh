#!/usr/bin/env bash
# Installs what is missing, then opens the desktop app. Extra arguments go to the app
# (e.g. `scripts/run.sh --data-dir /tmp/lo` or `scripts/run.sh doctor`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
exec cargo run -- "$@"
