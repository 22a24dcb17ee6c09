#!/usr/bin/env bash
# Builds the Linux package: the optimised binaries, then cargo-deb (installed into the tools cache
# by `scripts/setup.sh test`, or `cargo install cargo-deb --locked`) packs them with the desktop
# entry and icon from platforms/linux. Prints the .deb's path.
# Install it with `sudo apt install ./that.deb` (apt pulls in the libraries it depends on).
set -euo pipefail
cd "$(dirname "$0")/.."
tools="${XDG_CACHE_HOME:-$HOME/.cache}/libreollama/tools"
PATH="$tools/bin:$PATH"
command -v cargo-deb >/dev/null || { echo "cargo-deb is missing: scripts/setup.sh test (or cargo install cargo-deb --locked)" >&2; exit 1; }
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/libreollama/target}
cargo build --release --bins >&2
out=$(cargo deb --no-build --no-strip | tail -1)
[ -f "$out" ] || { echo "cargo deb made no package (it printed: $out)" >&2; exit 1; }
echo "$out"
