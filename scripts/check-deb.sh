#!/usr/bin/env bash
# Installs the package from scripts/package-deb.sh on this machine as a person would, checks
# what it installed (the binaries on PATH, `libreollama doctor`, the desktop entry and icon,
# the declared dependencies), then removes it again. Needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
# Never touch a LibreOllama someone installed: any dpkg state of the package (even half-installed
# or config-files) or a binary in /usr/bin that no package owns.
status=$(dpkg-query -W -f='${db:Status-Abbrev}' libreollama 2>/dev/null || true)
if [ -n "${status// /}" ] && [ "${status:0:2}" != "un" ]; then
  echo "FAIL: a libreollama package is on this machine (dpkg: $status); remove it first (sudo dpkg -P libreollama)" >&2; exit 1
fi
for f in /usr/bin/libreollama /usr/bin/libreollama-app; do
  [ ! -e "$f" ] || { echo "FAIL: $f exists and belongs to no package; not overwriting it" >&2; exit 1; }
done
deb=${1:-$(scripts/package-deb.sh)}
work=$(mktemp -d)
installed=
trap '[ -z "$installed" ] || $sudo_cmd dpkg -P libreollama >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
echo "package: $deb ($(du -h "$deb" | cut -f1))"
depends=$(dpkg-deb -f "$deb" Depends)
# libdbus is built into the binaries (keyring's `vendored`), so it is not among them.
for lib in libwebkit2gtk-4.1 libgtk-3; do
  grep -q "$lib" <<<"$depends" || fail "Depends does not name $lib: $depends"
done
dpkg-deb -c "$deb" | awk '{print $6}' | grep -v '/$' | grep -vE '^\./usr/(bin|share)/' \
  && fail "the package puts files outside /usr/bin and /usr/share"
installed=1
$sudo_cmd dpkg -i "$deb" >/dev/null
[ -x /usr/bin/libreollama ] || fail "/usr/bin/libreollama is missing"
[ -x /usr/bin/libreollama-app ] || fail "the window binary /usr/bin/libreollama-app is missing"
entry=/usr/share/applications/org.libreollama.app.desktop
desktop-file-validate "$entry" || fail "the desktop entry does not validate"
grep -qx 'Name=LibreOllama' "$entry" || fail "the desktop entry's name is not LibreOllama"
exec_cmd=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$entry")
[ -x "/usr/bin/$exec_cmd" ] || fail "the desktop entry runs $exec_cmd, which the package does not install"
icon=$(sed -n 's/^Icon=//p' "$entry")
ls /usr/share/icons/hicolor/*/apps/"$icon".* >/dev/null 2>&1 || fail "no icon named $icon installed"
LIBREOLLAMA_VAULT_BACKEND=file /usr/bin/libreollama --data-dir "$work/data" doctor >"$work/doctor.txt" 2>&1 \
  || { cat "$work/doctor.txt" >&2; fail "the installed libreollama doctor failed"; }
head -5 "$work/doctor.txt"
/usr/bin/libreollama --version
$sudo_cmd dpkg -P libreollama >/dev/null
installed=
[ ! -e /usr/bin/libreollama ] || fail "dpkg -r left /usr/bin/libreollama behind"
echo "package ok: installed, doctor ran, desktop entry valid, removed"
