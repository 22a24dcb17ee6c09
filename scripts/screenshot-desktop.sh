#!/usr/bin/env bash
# Starts the desktop app under Xvfb on a throwaway data dir and saves a screenshot.
# Usage: scripts/screenshot-desktop.sh [OUT.png] [XDOTOOL-ARGS]
#   XDOTOOL-ARGS: optional xdotool command run before the shot, e.g. "mousemove 115 725 click 1"
#   (there is no window manager under Xvfb, so clicks are more reliable than keyboard focus).
set -euo pipefail
out=${1:-target/screenshots/desktop.png}
keys=${2:-}
bin=${LIBREOLLAMA_BIN:-target/debug/libreollama}
mkdir -p "$(dirname "$out")"
# Always build: scripts/check-fullstack-server.sh leaves a server-only binary at the same path.
[ -n "${LIBREOLLAMA_BIN:-}" ] || cargo build
for tool in Xvfb xdotool import; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install xvfb xdotool imagemagick" >&2; exit 1; }
done
display=:$(( 90 + RANDOM % 100 ))
# DATA_DIR: an existing data dir to show (kept); else a throwaway one.
data=${DATA_DIR:-$(mktemp -d)}
keep=${DATA_DIR:+1}
Xvfb "$display" -screen 0 ${SCREEN:-1280x800}x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
cleanup() { kill "${app:-}" "$xvfb" 2>/dev/null || true; [ -n "$keep" ] || rm -rf "$data"; }
trap cleanup EXIT
export DISPLAY=$display
# WebKitGTK under Xvfb has no GPU: software rendering, no DMA-BUF.
export WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 LIBGL_ALWAYS_SOFTWARE=1
export LIBREOLLAMA_VAULT_BACKEND=${LIBREOLLAMA_VAULT_BACKEND:-file}
log=$(mktemp)
"$bin" --data-dir "$data" >"$log" 2>&1 &
app=$!
for _ in $(seq 1 60); do
  win=$(xdotool search --name 'LibreOllama$' 2>/dev/null | head -n1 || true)
  [ -n "$win" ] && break
  sleep 0.5
done
[ -n "${win:-}" ] || { echo "the window never appeared; app log:" >&2; cat "$log" >&2; exit 1; }
sleep "${SETTLE:-4}"
if [ -n "$keys" ]; then
  # shellcheck disable=SC2086
  xdotool $keys
  sleep 2
fi
import -window root "$out"
echo "saved $out"
