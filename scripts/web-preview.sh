#!/usr/bin/env bash
# The web preview as a person uses it, in a real browser: `dx serve --platform web` builds the
# wasm client and the fullstack server (the services run in the server process), against the
# real peers — `emulate` as Google (sign-in, Gmail, Calendar), llama.cpp with a tiny model
# (chat), and the contract-checked Tasks fake (no Tasks emulator exists). Debian's chromium,
# driven by Playwright for Python (scripts/browser-walk.py), opens the printed link, signs in
# and walks every area, runs axe-core on each page and keeps a screenshot of each step.
# Needs what `scripts/setup.sh test` installs (dx 0.7.10, wasm-bindgen, esbuild, the peers).
# Usage: scripts/web-preview.sh [SCREENSHOT_DIR]   (default target/screenshots/walk)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/screenshots/walk}
mkdir -p "$out"
for t in dx wasm-bindgen esbuild; do
  command -v $t >/dev/null || { echo "$t is missing: run scripts/setup.sh test and put its tools on PATH (see scripts/test.sh)" >&2; exit 1; }
done
peers=${XDG_CACHE_HOME:-$HOME/.cache}/libreollama/peers
py=$peers/browser/bin/python
model=$peers/models/SmolLM2-135M-Instruct.Q4_1.gguf
node=tests/peers/node_modules/.bin/node
work=$(mktemp -d)
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free); emu_port=$(free); redirect=$(free); chat_port=$(free)
pids=()
# Each peer runs in its own session (setsid), so everything it starts (dx's cargo and server,
# node's children) goes with it.
cleanup() {
  for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || true; done
  sleep 1
  for p in "${pids[@]}"; do kill -9 -- "-$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export NO_DOWNLOADS=1 DX_TELEMETRY_ENABLED=false
export LIBREOLLAMA_DATA_DIR="$work/data" LIBREOLLAMA_VAULT_BACKEND=file

# Google: one person, two labels, four mails, one calendar with an event today at 15:00 UTC.
today=$(date -u +%F)
cat >"$work/seed.yaml" <<YAML
google:
  users:
    - email: ada@example.com
      name: Ada Lovelace
  oauth_clients:
    - client_id: walk.apps.googleusercontent.com
      client_secret: GOCSPX-walk
      name: LibreOllama
      redirect_uris:
        - http://127.0.0.1:$redirect/
  labels:
    - id: Label_ops
      user_email: ada@example.com
      name: Ops
  messages:
    - id: msg_1
      user_email: ada@example.com
      from: Grace Hopper <grace@example.com>
      to: ada@example.com
      subject: Plans for Thursday
      body_text: "Hello Ada,\n\nhere is the plan for Thursday. Bring the punch cards.\n\nGrace"
      label_ids: [INBOX, UNREAD, Label_ops]
    - id: msg_2
      user_email: ada@example.com
      from: Charles Babbage <charles@example.com>
      to: ada@example.com
      subject: The difference engine, part two
      body_text: "Ada, the new gears arrived. Shall we meet on Friday?"
      label_ids: [INBOX, STARRED]
    - id: msg_3
      user_email: ada@example.com
      from: ops@example.com
      to: ada@example.com
      subject: Nightly build passed
      body_text: All 61 tests passed.
      label_ids: [INBOX, UNREAD]
    - id: msg_4
      user_email: ada@example.com
      from: Mary Somerville <mary@example.com>
      to: ada@example.com
      subject: Lecture notes on the analytical engine
      body_text: "Dear Ada, the notes are ready for your review. Mary"
      label_ids: [INBOX]
  calendars:
    - id: primary
      user_email: ada@example.com
      summary: ada@example.com
      primary: true
      selected: true
      time_zone: Europe/Paris
  calendar_events:
    - id: evt_review
      user_email: ada@example.com
      calendar_id: primary
      summary: Engine design review
      start_date_time: ${today}T15:00:00.000Z
      end_date_time: ${today}T16:00:00.000Z
YAML
setsid "$node" tests/peers/node_modules/emulate/dist/index.js start --service google --host 127.0.0.1 \
  --port "$emu_port" --seed "$work/seed.yaml" >"$work/emulate.log" 2>&1 &
pids+=($!)
setsid "$peers/venv/bin/python" tests/peers/llama_server.py "$model" "$chat_port" >"$work/llama.log" 2>&1 &
pids+=($!)
cargo build -q --example tasks_peer
setsid "${CARGO_TARGET_DIR:-target}/debug/examples/tasks_peer" "My Tasks" >"$work/tasks.url" 2>"$work/tasks.log" &
pids+=($!)

# The app's data folder, set up with the CLI as a person would: the OAuth client, the model
# server, and a small archive so the list is not empty before the first sync.
# The same features as the test build before it: nothing is rebuilt.
cargo build -q --bin libreollama
cli() { "${CARGO_TARGET_DIR:-target}/debug/libreollama" --data-dir "$work/data" "$@"; }
python3 scripts/demo-mbox.py "$work/archive.mbox" 4 >/dev/null
cli mail import "$work/archive.mbox" >/dev/null
echo GOCSPX-walk | cli accounts client --id walk.apps.googleusercontent.com --secret-stdin >/dev/null
ready() { for _ in $(seq 1 150); do "$@" && return 0; sleep 0.2; done; return 1; }
ready curl -sf -o /dev/null "http://127.0.0.1:$chat_port/health" \
  || { tail -20 "$work/llama.log" >&2; echo "FAIL: llama.cpp did not start" >&2; exit 1; }
chat_ep=$(cli ai add-server --name "llama.cpp" --kind openai --url "http://127.0.0.1:$chat_port" | sed -n 's/.*(\(ep-[0-9a-f]*\)).*/\1/p')
cli ai use-server "$chat_ep" >/dev/null
ready curl -sf -o /dev/null "http://127.0.0.1:$emu_port/.well-known/openid-configuration" \
  || { tail -20 "$work/emulate.log" >&2; echo "FAIL: emulate did not start" >&2; exit 1; }
ready test -s "$work/tasks.url" || { cat "$work/tasks.log" >&2; echo "FAIL: the Tasks peer did not start" >&2; exit 1; }

export LIBREOLLAMA_GOOGLE_BASE="http://127.0.0.1:$emu_port" LIBREOLLAMA_OAUTH_PORT=$redirect
export LIBREOLLAMA_GOOGLE_TASKS_URL=$(cat "$work/tasks.url")
# The server must not open a browser of its own: the person's browser follows the link the
# page shows.
export BROWSER=true
setsid dx serve --platform web --interactive false --open false --hot-reload false --addr 127.0.0.1 --port "$port" >"$work/dx.log" 2>&1 &
pids+=($!)
echo "building and serving on http://127.0.0.1:$port (log: $work/dx.log)"
# The server answers only through the link it prints (a per-launch key); until then: 401.
for _ in $(seq 1 900); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/about")" = 401 ] && break
  kill -0 "${pids[-1]}" 2>/dev/null || { tail -40 "$work/dx.log" >&2; exit 1; }
  sleep 1
done
# dx relays the server's output a moment later than the server answers.
link=
for _ in $(seq 1 30); do
  link=$(grep -o "http://[^ ]*?key=[A-Za-z0-9_-]*" "$work/dx.log" | tail -1 || true)
  [ -n "$link" ] && break
  sleep 1
done
[ -n "$link" ] || { echo "FAIL: the server printed no link with a key" >&2; tail -40 "$work/dx.log" >&2; exit 1; }
# The printed address is the server's own; dx proxies it on $port.
link="http://127.0.0.1:$port/?${link#*\?}"
if [ -n "${WALK_SERVE_ONLY:-}" ]; then
  # For writing the walk: keep everything running and print what the walk would get.
  echo "link: $link emulate: http://127.0.0.1:$emu_port"; wait "${pids[-1]}"; exit 0
fi
WALK_EMULATE="http://127.0.0.1:$emu_port" WALK_EVENT_UTC="${today}T15:00:00Z" "$py" scripts/browser-walk.py "$link" "$out" \
  || { echo "--- server log (tail)"; tail -30 "$work/dx.log"; exit 1; } >&2
