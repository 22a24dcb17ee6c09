#!/usr/bin/env bash
# End to end, as a person sees it: the desktop app under Xvfb over an imported mailbox. Opens
# the newest message (HTML, with a remote image and a link), clicks the link inside the
# sandboxed frame, then "Show images", and checks that the link went to the system browser ($BROWSER,
# here a recorder) and not into the app's window. Saves screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/screenshots}
mkdir -p "$out"
bin=${LIBREOLLAMA_BIN:-${CARGO_TARGET_DIR:-target}/debug/libreollama}
[ -x "$bin" ] || cargo build
work=$(mktemp -d)
display=:$(( 300 + RANDOM % 100 ))
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill ${app:-} $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
cat > "$work/browser.sh" <<SH
#!/bin/sh
echo "\$1" >> "$work/opened.txt"
SH
chmod +x "$work/browser.sh"
python3 scripts/demo-mbox.py "$work/demo.mbox" 12 >/dev/null
export LIBREOLLAMA_VAULT_BACKEND=file BROWSER="$work/browser.sh"
"$bin" --data-dir "$work/data" mail import "$work/demo.mbox" >/dev/null 2>&1
export DISPLAY=$display WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 LIBGL_ALWAYS_SOFTWARE=1
"$bin" --data-dir "$work/data" >"$work/app.log" 2>&1 &
app=$!
for _ in $(seq 60); do xdotool search --name 'LibreOllama$' >/dev/null 2>&1 && break; sleep 0.5; done
sleep 4
xdotool mousemove 640 120 click 1; sleep 3
import -window root "$out/e2e-mail-html.png"
# The link inside the frame, then "Show images" in the notice above it.
xdotool mousemove 949 503 click 1; sleep 3
import -window root "$out/e2e-mail-after-link.png"
xdotool mousemove 924 289 click 1; sleep 3
import -window root "$out/e2e-mail-images.png"
cat "$work/opened.txt" 2>/dev/null || true
grep -q "https://example.com/agenda" "$work/opened.txt" 2>/dev/null || { echo "FAIL: the link did not reach the system browser"; tail -20 "$work/app.log"; exit 1; }
echo "links in mail open in the system browser; screenshots in $out"
