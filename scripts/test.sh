#!/usr/bin/env bash
# Installs what is missing, then runs every check CI runs: format, lints, the dioxus-free backend
# build, all tests, the wasm client, the Android check of the
# mobile build, the fullstack server answering the command layer over HTTP, the web preview
# served by dx and walked in Chromium against the real peers (with axe-core on every page), and
# the Linux package built, installed, checked and removed.
set -euo pipefail
cd "$(dirname "$0")/.."

# A persistent target dir makes repeat runs fast; nothing depends on it being there.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/libreollama/target}
scripts/free-disk.sh "$CARGO_TARGET_DIR"
scripts/setup.sh test
export CARGO_TERM_COLOR=never
step() { printf '\n==> %s\n' "$*"; }

step "format"
cargo fmt --all -- --check

step "backend has no dioxus in its dependency tree"
if cargo tree --no-default-features --features backend -e normal,build --prefix none | grep -i '^dioxus'; then
  echo "FAIL: the backend feature pulls in dioxus" >&2; exit 1
fi

step "clippy (backend, then desktop)"
# The backend-only build's library and the terminal command; its tests are the same files as
# the desktop build's, linted there.
cargo clippy --lib --bins --no-default-features --features backend -- -D warnings
cargo clippy --all-targets -- -D warnings

# The backend's tests run once, in the full build below (they are the same tests): the
# backend-only build is proven by the tree check and its clippy of every target, and the time a
# second test build took now goes to the browser walk and the package.
step "tests: everything (backend and desktop features, headless UI)"
cargo nextest run --no-fail-fast

step "wasm client"
cargo build --target wasm32-unknown-unknown --no-default-features --features web

step "android: the whole mobile build type-checks"
# No reachable registry has the Android NDK. `cargo check` compiles (but never links) the C in
# ring and the bundled SQLite, so Debian's aarch64 GNU cross compiler stands in for NDK clang.
CC_aarch64_linux_android=aarch64-linux-gnu-gcc AR_aarch64_linux_android=aarch64-linux-gnu-ar \
  cargo check --target aarch64-linux-android --no-default-features --features mobile

step "fullstack server answers the command layer over HTTP"
scripts/check-fullstack-server.sh

step "web preview through dx serve, walked in Chromium: sign-in, every area, axe-core, phone and tablet"
tools="${XDG_CACHE_HOME:-$HOME/.cache}/libreollama/tools"
PATH="$tools/bin:$tools/node_modules/.bin:$PATH" NO_DOWNLOADS=1 DX_TELEMETRY_ENABLED=false \
  scripts/web-preview.sh target/screenshots/walk

step "Linux package: build the .deb, install it, run the installed doctor, check the desktop entry, remove it"
# From the debug build the tests made (scripts/package-deb.sh alone builds the shipping release).
PACKAGE_PROFILE=dev scripts/check-deb.sh

echo
echo "all checks passed"
