#!/usr/bin/env bash
# Records which functions the release window runs while it starts and shows the inbox, and
# writes platforms/linux/startup-order.txt: the order build.rs gives the linker, so that
# start-up code shares pages (benches/README.md, "startup", run 6). Run it before a release,
# and after a Rust or dependency update; a stale list costs memory, never correctness.
#
#   scripts/startup-order.sh DATA_DIR [SECONDS]
#
# DATA_DIR: a data folder with a mail cache, as for scripts/bench-startup.sh. SECONDS (15):
# how long the window runs under the tracer. Needs gcc, python3 and Xvfb; x86-64 Linux, lld.
# Builds the release binaries once with a link map; build them again afterwards to use the
# new list. Both builds recompile this crate (not its dependencies): the link map's option,
# then its absence, change what build.rs tells the linker.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:?usage: scripts/startup-order.sh DATA_DIR [SECONDS]}
seconds=${2:-15}
target=${CARGO_TARGET_DIR:-target}
work=$(mktemp -d)
xvfb=
cleanup() {
  [ -n "$xvfb" ] && kill "$xvfb" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# As scripts/package-deb.sh builds it: the symbols' names depend on the features, and a build
# with examples or tests would have the dev-dependencies' ones.
LIBREOLLAMA_LINK_MAP=$work/app.map cargo build --release --bins
gcc -O2 -Wall -o "$work/firstcall" scripts/startup-order/firstcall.c
python3 scripts/startup-order/order.py read-map "$work/app.map" "$work/entries" "$work/sections"

display=:$(( 500 + RANDOM % 100 ))
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
sleep 1
kill -0 "$xvfb" 2>/dev/null || { echo "Xvfb did not start on $display" >&2; exit 1; }
# As scripts/bench-startup.sh runs it: software rendering, the file vault.
DISPLAY=$display WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 \
  LIBGL_ALWAYS_SOFTWARE=1 GTK_OVERLAY_SCROLLING=0 LIBREOLLAMA_VAULT_BACKEND=file \
  "$work/firstcall" "$work/entries" "$work/hits" "$seconds" libreollama-app -- \
  "$target/release/libreollama-app" --data-dir "$data" >/dev/null
python3 scripts/startup-order/order.py ordering-file "$work/sections" "$work/hits" > "$work/order"
# A window that did not get far (no display, no data) would leave a list of its first steps.
found=$(wc -l < "$work/order")
[ "$found" -ge 2000 ] || { echo "only $found functions ran: did the window show the inbox?" >&2; exit 1; }
mv "$work/order" platforms/linux/startup-order.txt
echo "wrote platforms/linux/startup-order.txt; rebuild (cargo build --release --bins) to use it" >&2
