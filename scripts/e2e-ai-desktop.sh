#!/usr/bin/env bash
# Local AI end to end, as a person sees it: two llama.cpp servers (chat, embeddings) from the
# test peers, a small imported mailbox, and the desktop app under Xvfb. Streams a chat reply,
# summarises a mail, drafts a reply, finds tasks and adds them, asks the mailbox and opens a
# cited source; saves a screenshot of each step and checks the results with the CLI.
# Pages and actions go by the command palette (Ctrl+K) and keys; the AI bar's Draft reply and
# Find tasks, which have no keys, are clicked beside the bar's ✦, found by its colour.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/screenshots}
mkdir -p "$out"
bin=${LIBREOLLAMA_BIN:-${CARGO_TARGET_DIR:-target}/debug/libreollama}
# Always build: scripts/check-fullstack-server.sh leaves a server-only binary at the same path.
[ -n "${LIBREOLLAMA_BIN:-}" ] || cargo build
peers=${XDG_CACHE_HOME:-$HOME/.cache}/libreollama/peers
model=$peers/models/SmolLM2-135M-Instruct.Q4_1.gguf
[ -f "$model" ] || scripts/setup.sh test
work=$(mktemp -d)
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
chat_port=$(free); embed_port=$(free)
"$peers/venv/bin/python" tests/peers/llama_server.py "$model" "$chat_port" >"$work/chat.log" 2>&1 &
chat_pid=$!
"$peers/venv/bin/python" tests/peers/llama_server.py "$model" "$embed_port" --embedding >"$work/embed.log" 2>&1 &
embed_pid=$!
display=:$(( 90 + RANDOM % 100 ))
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
cleanup() { kill "${app:-}" "$chat_pid" "$embed_pid" "$xvfb" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for p in "$chat_port" "$embed_port"; do
  for _ in $(seq 1 150); do curl -sf -o /dev/null "http://127.0.0.1:$p/health" && break; sleep 0.2; done
done

export LIBREOLLAMA_VAULT_BACKEND=file
cli() { "$bin" --data-dir "$work/data" "$@"; }
python3 - "$work/seed.mbox" <<'PY'
import sys
mails = [
    ("Signed contract", "Bob Stone <bob@example.com>", "Hi Ada,\n\nplease send me the signed contract by 1 December and book the meeting room for our review on Thursday.\n\nThanks, Bob"),
    ("Dentist appointment", "Clinic Desk <desk@dentist.example>", "Your dentist appointment for a check-up is on Tuesday 8 December at 14:30 with Dr. Lee."),
    ("Football training", "Coach Kim <coach@club.example>", "Football training moves to the north pitch this week. Bring boots."),
    ("Invoice 4711", "Billing <billing@power.example>", "Your electricity invoice 4711 of 82.40 EUR is due on 15 December."),
    ("Garden party", "Eve Park <eve@example.com>", "We are having a garden party on Saturday afternoon. Bring a salad!"),
]
with open(sys.argv[1], "w") as f:
    for i, (s, fr, b) in enumerate(mails):
        f.write(f"From x Mon Nov 16 09:00:00 2026\nFrom: {fr}\nTo: Ada <ada@example.com>\nSubject: {s}\n"
                f"Date: Mon, {20 + i} Nov 2026 09:00:00 +0000\nMessage-ID: <m{i}@example.com>\n\n{b}\n\n")
PY
cli mail import "$work/seed.mbox" >/dev/null
chat_ep=$(cli ai add-server --name "llama.cpp (chat)" --kind openai --url "http://127.0.0.1:$chat_port" | sed -n 's/.*(\(ep-[0-9a-f]*\)).*/\1/p')
embed_ep=$(cli ai add-server --name "llama.cpp (embeddings)" --kind openai --url "http://127.0.0.1:$embed_port" | sed -n 's/.*(\(ep-[0-9a-f]*\)).*/\1/p')
cli ai use-server "$chat_ep" >/dev/null
cli ai mail on local-archive >/dev/null
cli ai embed-model --server "$embed_ep" --model "$model" >/dev/null
cli ai index local-archive 2>/dev/null

export DISPLAY=$display WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 LIBGL_ALWAYS_SOFTWARE=1
"$bin" --data-dir "$work/data" >"$work/app.log" 2>&1 &
app=$!
for _ in $(seq 1 120); do
  win=$(xdotool search --name 'LibreOllama$' 2>/dev/null | head -n1 || true)
  [ -n "$win" ] && break
  sleep 0.5
done
[ -n "${win:-}" ] || { cat "$work/app.log" >&2; kill -0 "$xvfb" 2>/dev/null || echo "Xvfb $display is not running" >&2; kill -0 "$app" 2>/dev/null || echo "the app has exited" >&2; echo "FAIL: no window" >&2; exit 1; }
sleep 4
click() { xdotool mousemove "$1" "$2" click 1; sleep "${3:-1}"; }
shot() { import -window root "$out/ai-$1.png"; echo "saved $out/ai-$1.png"; }

palette() { xdotool key ctrl+k; sleep 1; xdotool type --delay 30 "$1"; sleep 1; xdotool key Return; sleep 2; }
# Chat: a new conversation, a streamed reply.
palette "new chat"
shot chat-new
xdotool type --delay 10 "Name three colours, then three fruits."
xdotool key Return
sleep 1.5
shot chat-streaming
sleep 15
shot chat-done
# Typed at 100 keys a second: the message stored is exactly what was typed.
asked=$(python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute("SELECT content FROM chat_messages WHERE role = ? ORDER BY id LIMIT 1", ("user",)).fetchone()[0])' "$work/data/libreollama.db")
[ "$asked" = "Name three colours, then three fruits." ] || { echo "FAIL: the chat sent '$asked'" >&2; exit 1; }
# Mail: the contract, then a summary, a drafted reply, tasks.
palette "go to mail"
xdotool key slash; sleep 0.5
xdotool type --delay 10 "Signed contract"; xdotool key Return; sleep 2
xdotool key Tab o; sleep 3
palette "summarise"; sleep 15
shot mail-summary
# The AI bar's buttons (Draft reply, Find tasks) have no keys: found by the bar's accent ✦,
# whose row moves with the reader's toolbar above it; the buttons follow it at fixed offsets.
import -window root "$work/now.png"
read -r ai_x ai_y < <(convert "$work/now.png" -crop 600x400+670+100 +repage txt:- | python3 -c '
import re, sys
pts = [(int(m.group(1)), int(m.group(2))) for m in re.finditer(r"^(\d+),(\d+): .*#3559D6", sys.stdin.read(), re.I | re.M)]
pts = [p for p in pts if p[0] < 40]
print(670 + (min(p[0] for p in pts) + max(p[0] for p in pts)) // 2, 100 + (min(p[1] for p in pts) + max(p[1] for p in pts)) // 2) if pts else print("", "")')
[ -n "$ai_y" ] || { echo "FAIL: no AI bar in the reader" >&2; exit 1; }
click $((ai_x + 164)) "$ai_y" 1
xdotool type --delay 30 "yes, by Monday"
xdotool key Return
sleep 15
# The drafted reply opens in the mail editor.
shot mail-draft
cli mail drafts | grep -q "Re: Signed contract" || { echo "FAIL: no drafted reply in the drafts" >&2; exit 1; }
palette "go to mail"
xdotool key slash; sleep 0.5
xdotool type --delay 10 "Signed contract"; xdotool key Return; sleep 2
xdotool key Tab o; sleep 3
click $((ai_x + 261)) "$ai_y" 25
shot mail-tasks
# The "Add N tasks" button moves with N: find the accent-blue button under the task rows.
import -window root "$work/now.png"
y=$(convert "$work/now.png" -crop 20x500+$((ai_x + 20))+200 +repage txt:- | python3 -c '
import re, sys
ys = [int(m.group(1)) for m in re.finditer(r"^\d+,(\d+): .*#3559D6", sys.stdin.read(), re.I | re.M)]
print(200 + ys[0] + 6 if ys else "")')
[ -n "$y" ] || { echo "FAIL: no Add tasks button" >&2; exit 1; }
click $((ai_x + 50)) "$y" 2
shot mail-tasks-added
# Ask the mailbox.
palette "go to ask mail"; sleep 1
# (The question box has the focus when the page opens.)
xdotool type --delay 30 "When is my dentist appointment?"
xdotool key Return
sleep 20
shot ask

tasks=$(cli tasks list)
echo "$tasks"
grep -q "from mail" <<<"$tasks" || { echo "FAIL: no task was added from the mail" >&2; exit 1; }
echo "e2e AI desktop ok"
