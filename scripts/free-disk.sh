#!/usr/bin/env bash
# Keeps a persistent cargo target dir from filling the disk: every build leaves its incremental
# state and a new copy of each changed artifact behind, and a full disk fails the run half way
# (it did once in CI). Below NEED_GB free, the incremental state goes first (a rebuild then
# costs a little more), then the whole dir (a cold build, still correct).
set -euo pipefail
target=${1:?usage: free-disk.sh TARGET_DIR}
need_gb=${NEED_GB:-25}

free_gb() {
  local at=$target
  while [ ! -d "$at" ]; do at=$(dirname "$at"); done
  df -Pk "$at" | awk 'NR == 2 { print int($4 / 1048576) }'
}

printf '\n==> disk: %s GiB free, %s wanted\n' "$(free_gb)" "$need_gb"
[ "$(free_gb)" -ge "$need_gb" ] && exit 0
[ -d "$target" ] || { echo "the target dir is not there; nothing of ours to free" >&2; exit 0; }

find "$target" -mindepth 2 -maxdepth 2 -name incremental -type d -exec rm -rf {} +
echo "removed incremental build state: $(free_gb) GiB free"
[ "$(free_gb)" -ge "$need_gb" ] && exit 0

rm -rf "$target"
echo "removed the target dir: $(free_gb) GiB free"
if [ "$(free_gb)" -lt "$need_gb" ]; then
  echo "warning: the build may run out of disk; free space outside $target" >&2
fi
