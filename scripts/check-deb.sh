#!/usr/bin/env bash
# Installs the package from scripts/package-deb.sh on this machine as a person would, checks
# what it installed (the binaries on PATH, `libreollama doctor`, the desktop entry and icon,
# the declared dependencies), then removes it again. Needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
deb=${1:-$(scripts/package-deb.sh)}
sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
if dpkg-query -W -f='${Status}' libreollama 2>/dev/null | grep -q "install ok installed"; then
  echo "FAIL: libreollama is already installed here; not touching it" >&2; exit 1
fi
work=$(mktemp -d)
trap '$sudo_cmd dpkg -r libreollama >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
echo "package: $deb ($(du -h "$deb" | cut -f1))"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libwebkit2gtk-4.1 libgtk-3 libdbus-1; do
  grep -q "$lib" <<<"$depends" || fail "Depends does not name $lib: $depends"
done
dpkg-deb -c "$deb" | awk '{print $6}' | grep -vE '^\./(usr/(bin|share)/|$)' && fail "the package puts files outside /usr/bin and /usr/share"
$sudo_cmd dpkg -i "$deb" >/dev/null
[ "$(command -v libreollama)" = /usr/bin/libreollama ] || fail "libreollama is not on PATH at /usr/bin"
[ -x /usr/bin/libreollama-app ] || fail "the window binary /usr/bin/libreollama-app is missing"
entry=/usr/share/applications/org.libreollama.app.desktop
desktop-file-validate "$entry" || fail "the desktop entry does not validate"
grep -qx 'Name=LibreOllama' "$entry" || fail "the desktop entry's name is not LibreOllama"
exec_cmd=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$entry")
command -v "$exec_cmd" >/dev/null || fail "the desktop entry runs $exec_cmd, which is not installed"
icon=$(sed -n 's/^Icon=//p' "$entry")
ls /usr/share/icons/hicolor/*/apps/"$icon".* >/dev/null 2>&1 || fail "no icon named $icon installed"
LIBREOLLAMA_VAULT_BACKEND=file libreollama --data-dir "$work/data" doctor >"$work/doctor.txt" 2>&1 \
  || { cat "$work/doctor.txt" >&2; fail "the installed libreollama doctor failed"; }
head -5 "$work/doctor.txt"
libreollama --version
$sudo_cmd dpkg -r libreollama >/dev/null
[ ! -e /usr/bin/libreollama ] || fail "dpkg -r left /usr/bin/libreollama behind"
echo "package ok: installed, doctor ran, desktop entry valid, removed"
