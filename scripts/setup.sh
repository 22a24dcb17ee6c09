#!/usr/bin/env bash
# Installs what building, running and testing LibreOllama needs on Debian 12, skipping what is
# already there. Usage: scripts/setup.sh run|test
set -euo pipefail
mode=${1:-run}
cd "$(dirname "$0")/.."

apt_pkgs=(pkg-config libssl-dev libdbus-1-dev libwebkit2gtk-4.1-dev libxdo-dev)
if [ "$mode" = test ]; then
  # Screenshots and browser checks.
  apt_pkgs+=(xvfb xauth x11-utils xdotool imagemagick chromium curl)
  # Stand-in C cross compiler for `cargo check --target aarch64-linux-android` (see test.sh).
  apt_pkgs+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
  # A corpus of real-world MIME messages (CPython's email test data) for the parser tests.
  apt_pkgs+=(libpython3.11-testsuite)
fi

missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "setup: Rust is missing; install it from rustup.rs" >&2; exit 1; }
if [ "$mode" = test ]; then
  installed=$(rustup target list --installed)
  for t in wasm32-unknown-unknown aarch64-linux-android; do
    grep -qx "$t" <<<"$installed" || rustup target add "$t"
  done
  rustup component list --installed | grep -q '^clippy' || rustup component add clippy
  rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
  command -v cargo-nextest >/dev/null || cargo install cargo-nextest --locked

  # Test peers from npm (tests/peers/package-lock.json pins them): the emulate Google emulator,
  # Node 22 for it, and oidc-provider. Reinstalled only when the lock file changes.
  command -v npm >/dev/null || { echo "setup: npm is missing (apt-get install npm)" >&2; exit 1; }
  stamp=tests/peers/node_modules/.installed-lock
  if ! cmp -s tests/peers/package-lock.json "$stamp" 2>/dev/null; then
    (cd tests/peers && npm ci --no-audit --no-fund --loglevel=error)
    cp tests/peers/package-lock.json "$stamp"
  fi
fi
