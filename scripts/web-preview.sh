#!/usr/bin/env bash
# The web preview: `dx serve --platform web` builds the wasm client and the fullstack server
# (services run in the server process) over a data dir holding a small imported mailbox, then
# headless Chromium loads the mail page (screenshot) and the diagnostics page, and we check that
# both show what the server computed.
# Needs dx 0.7.10 (`cargo install dioxus-cli@0.7.10 --locked`), wasm-bindgen-cli at the version
# in Cargo.lock, and esbuild (npm) on PATH; dx's own downloads are switched off.
# Usage: scripts/web-preview.sh [OUT.png]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/screenshots/web-preview.png}
mkdir -p "$(dirname "$out")"
command -v dx >/dev/null || { echo "dx is missing: cargo install dioxus-cli@0.7.10 --locked" >&2; exit 1; }
command -v wasm-bindgen >/dev/null || { echo "wasm-bindgen is missing: cargo install wasm-bindgen-cli --version <Cargo.lock's>" >&2; exit 1; }
command -v esbuild >/dev/null || { echo "esbuild is missing: npm install esbuild@0.27.3 and put node_modules/.bin on PATH" >&2; exit 1; }
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export NO_DOWNLOADS=1 DX_TELEMETRY_ENABLED=false
export LIBREOLLAMA_DATA_DIR="$work/data" LIBREOLLAMA_VAULT_BACKEND=file
python3 scripts/demo-mbox.py "$work/demo.mbox" 40 >/dev/null
cargo run -q -- mail import "$work/demo.mbox" >/dev/null
dx serve --platform web --interactive false --open false --hot-reload false --addr 127.0.0.1 --port "$port" >"$work/dx.log" 2>&1 &
dx=$!
trap 'kill $dx 2>/dev/null; pkill -P $dx 2>/dev/null || true; rm -rf "$work"' EXIT
echo "building and serving on http://127.0.0.1:$port (log: $work/dx.log)"
# The server answers only through the link it prints (a per-launch key); until then: 401.
for _ in $(seq 1 900); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/about")" = 401 ] && break
  kill -0 $dx 2>/dev/null || { tail -40 "$work/dx.log" >&2; exit 1; }
  sleep 1
done
# dx relays the server's output a moment later than the server answers.
key=
for _ in $(seq 1 30); do
  key=$(grep -o "?key=[A-Za-z0-9_-]*" "$work/dx.log" | tail -1 | cut -d= -f2 || true)
  [ -n "$key" ] && break
  sleep 1
done
[ -n "$key" ] || { echo "FAIL: the server printed no link with a key" >&2; tail -40 "$work/dx.log" >&2; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'content-type: application/json' -d '{}' "http://127.0.0.1:$port/api/mail/accounts")" = 401 ] \
  || { echo "FAIL: the API answered a request without the key" >&2; exit 1; }
chrome=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --user-data-dir="$work/chrome" --window-size=1280,800 --virtual-time-budget=15000)
"${chrome[@]}" --dump-dom "http://127.0.0.1:$port/?key=$key" >"$work/mail.html" 2>/dev/null
"${chrome[@]}" --screenshot="$out" "http://127.0.0.1:$port/?key=$key" 2>/dev/null
"${chrome[@]}" --dump-dom "http://127.0.0.1:$port/diagnostics?key=$key" >"$work/dom.html" 2>/dev/null
"${chrome[@]}" --dump-dom "http://127.0.0.1:$port/mail/outbox?key=$key" >"$work/outbox.html" 2>/dev/null
"${chrome[@]}" --screenshot="${out%.png}-settings.png" "http://127.0.0.1:$port/settings?key=$key" 2>/dev/null
grep -q "Quarterly planning notes" "$work/mail.html" || { echo "FAIL: the mail page did not list the imported mail" >&2; head -c 3000 "$work/mail.html" >&2; exit 1; }
grep -q "Everything checks out" "$work/dom.html" || { echo "FAIL: the page did not show server-computed diagnostics" >&2; head -c 3000 "$work/dom.html" >&2; exit 1; }
grep -q "$work/data" "$work/dom.html" || { echo "FAIL: the data dir shown is not the server's" >&2; exit 1; }
grep -q "The outbox is empty." "$work/outbox.html" || { echo "FAIL: the outbox page did not read the server's outbox" >&2; head -c 3000 "$work/outbox.html" >&2; exit 1; }
echo "web preview ok: mail and diagnostics computed by the server; screenshot $out"
