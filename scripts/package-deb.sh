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
# PACKAGE_PROFILE=dev packs the debug build instead (CI's package check: what it checks is the
# package — files, dependencies, desktop entry, the installed doctor — and the debug build is
# already there from the tests, where a cold release build takes 16 minutes of CI's budget).
profile=${PACKAGE_PROFILE:-release}
if [ "$profile" = release ]; then
  cargo build --release --bins >&2
  out=$(cargo deb --no-build --no-strip | tail -1)
else
  cargo build --profile "$profile" --bins >&2
  out=$(cargo deb --no-build --profile "$profile" --strip | tail -1)
fi
[ -f "$out" ] || { echo "cargo deb made no package (it printed: $out)" >&2; exit 1; }
echo "$out"
