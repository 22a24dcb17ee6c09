#!/usr/bin/env bash
# Typing at 100 keys a second (xdotool --delay 10) into the window's text fields, under Xvfb:
# what each field holds afterwards is copied out through the clipboard and compared with what
# was typed (issue 16: a fast typist's "newer" arrived as "nwer"). Fields: the mail search box,
# the command palette, the chat search box (the mail editor and the chat message box are in
# e2e-compose-desktop.sh and e2e-ai-desktop.sh). No Google account is needed (an imported archive gives the mail page its rows). Screenshots go to $1.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/screenshots}
mkdir -p "$out"
bin=${LIBREOLLAMA_BIN:-${CARGO_TARGET_DIR:-target}/debug/libreollama}
[ -n "${LIBREOLLAMA_BIN:-}" ] || cargo build -q
work=$(mktemp -d)
display=:$(( 300 + RANDOM % 100 ))
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill ${app:-} $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
printf 'From a@example.com Tue Jan 30 10:00:00 2024\nFrom: Ada <a@example.com>\nSubject: Newer engines\n\nBody.\n\n' > "$work/a.mbox"
"$bin" --data-dir "$work/data" mail import "$work/a.mbox" >/dev/null 2>&1
export DISPLAY=$display LIBREOLLAMA_VAULT_BACKEND=file WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 LIBGL_ALWAYS_SOFTWARE=1
"$bin" --data-dir "$work/data" >"$work/app.log" 2>&1 &
app=$!
for _ in $(seq 60); do xdotool search --name 'LibreOllama$' >/dev/null 2>&1 && break; sleep 0.5; done
sleep 4
failed=0
# Types $2 at 100 keys/s into the focused field, then compares what the field holds.
check() {
  local what=$1 text=$2
  xdotool type --delay 10 "$text"; sleep 0.5
  xdotool key ctrl+a ctrl+c; sleep 0.5
  local got; got=$(xclip -o -selection clipboard 2>/dev/null || true)
  import -window root "$out/typing-$what.png"
  if [ "$got" = "$text" ]; then echo "ok: $what holds the ${#text} characters typed"; else echo "FAILED: $what holds '$got'"; failed=1; fi
}
# The mail search box.
xdotool mousemove 610 27 click 1; sleep 0.5
check search "newer than two weeks from:ada subject:engines"
xdotool key Escape Escape; sleep 0.5
# The command palette: Ctrl+K.
xdotool key ctrl+k; sleep 1
check palette "go to tasks and then calendar"
xdotool key Escape; sleep 0.5
# The chat page's search box (the message box needs a model server: e2e-ai-desktop.sh).
xdotool mousemove 67 257 click 1; sleep 1.5
xdotool mousemove 363 74 click 1; sleep 0.5
check chat-search "analytical engine notes from last winter"
exit $failed
