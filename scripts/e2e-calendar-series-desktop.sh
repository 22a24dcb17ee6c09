#!/usr/bin/env bash
# "This and following events" as a person does it, in the desktop app under Xvfb, with
# examples/calendar_series_peer as Google Calendar (emulate has no recurrence): a daily
# "Standup" at 08:00 UTC from two days ago to four days on. Calendar → week view → today's
# Standup → new title, "this and following events" → Save. Then `calendar agenda --json` must
# list the new title only, five times, from today on; the screenshots show the two earlier days
# keeping the old one. The push waits in the queue (the peer answers it 503, Retry-After 1 h).
# Usage: scripts/e2e-calendar-series-desktop.sh [OUT] — screenshots e2e-series-week, -edit,
# -scope and -saved in OUT (default target/screenshots). Needs Xvfb, xdotool and ImageMagick's
# `import` (scripts/setup.sh test installs them); honours CARGO_TARGET_DIR and LIBREOLLAMA_BIN.
# Clicks assume the app's 1280×800 window at the screen's corner (no window manager), the
# sidebar as its icon rail and the week view scrolled to 07:00 on opening (y=142 is 08:00).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/screenshots}
mkdir -p "$out"
target=${CARGO_TARGET_DIR:-target}
bin=${LIBREOLLAMA_BIN:-$target/debug/libreollama}
cargo build -q --bins --example calendar_series_peer
work=$(mktemp -d)
export TZ=UTC
"$target/debug/examples/calendar_series_peer" "$work/data" >"$work/peer.out" 2>"$work/peer.log" &
peer=$!
display=:$(( 300 + RANDOM % 100 ))
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill ${app:-} $peer $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/peer.out" ] && break; sleep 0.2; done
base=$(head -1 "$work/peer.out")
[ -n "$base" ] || { echo "the Calendar peer did not start"; cat "$work/peer.log"; exit 1; }
export LIBREOLLAMA_GOOGLE_BASE=$base LIBREOLLAMA_VAULT_BACKEND=file
export DISPLAY=$display WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1
"$bin" --data-dir "$work/data" >"$work/app.log" 2>&1 &
app=$!
for i in $(seq 61); do
  [ "$i" = 61 ] && { echo "no window after 30 s"; cat "$work/app.log"; exit 1; }
  xdotool search --name 'LibreOllama$' >/dev/null 2>&1 && break; sleep 0.5
done
sleep 3
palette() { xdotool key ctrl+k; sleep 1; xdotool type --delay 30 "$1"; sleep 1; xdotool key Return; sleep 2; }
palette "go to calendar"
# The series arrives with the first Calendar sync; the week view shows it.
for i in $(seq 41); do
  [ "$i" = 41 ] && { echo "the series did not arrive within 20 s"; cat "$work/app.log"; exit 1; }
  "$bin" --data-dir "$work/data" calendar agenda 2>/dev/null | grep -q Standup && break
  sleep 0.5
done
xdotool key w; sleep 2
import -window root "$out/e2e-series-week.png"
# Today's instance: the column of today's date in the week header.
col=$(python3 - <<'PY'
import datetime
# Week view columns: Monday first, 7 columns from x=140 to x=1256 (1280-wide window).
d = datetime.datetime.now(datetime.timezone.utc).weekday()
print(140 + (1256 - 140) * (2 * d + 1) // 14)
PY
)
xdotool mousemove "$col" 142 click 1; sleep 2
import -window root "$out/e2e-series-edit.png"
# The title is focused and selected: typing replaces it. Then the scope, then Save.
xdotool type --delay 20 "Standup (room 4)"; sleep 0.5
# The panel's "this and following events" option, then Save; then the pointer out of the way
# (its tooltip would hide an event).
xdotool mousemove 990 468 click 1; sleep 0.5
import -window root "$out/e2e-series-scope.png"
xdotool mousemove 1087 538 click 1; sleep 2
xdotool mousemove 640 700; sleep 1
import -window root "$out/e2e-series-saved.png"
# From today on (today and the next four days): the new title only, the old series ended.
agenda=$("$bin" --data-dir "$work/data" calendar agenda --json)
python3 - "$agenda" <<'PY'
import json, sys
events = [e for e in json.loads(sys.argv[1])["events"] if "Standup" in e["summary"]]
titles = sorted({e["summary"] for e in events})
print("from today:", len(events), "events:", titles)
assert titles == ["Standup (room 4)"], titles
assert len(events) == 5, events
PY
echo "this and following events: split and shown; screenshots in $out"
