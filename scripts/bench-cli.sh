#!/usr/bin/env bash
# CLI benchmark (not a test): `libreollama mail search` against `notmuch search` on the same
# 100,000 messages, each a whole process, with hyperfine -N (no shell); and `libreollama --help`.
# See benches/README.md, "startup".
#
#   scripts/bench-cli.sh DATA_DIR MAILDIR [RUNS]
#
# DATA_DIR and MAILDIR: what `MAIL_BENCH_DIR=DATA_DIR MAIL_BENCH_MAILDIR=MAILDIR cargo bench
# --bench mail_search` writes (the same generated mailbox as a cache and as a maildir). The
# maildir is indexed by `notmuch new` the first time (10–30 minutes for 100,000 messages; the
# config is MAILDIR/../notmuch-config). BIN defaults to $target/release/libreollama; OLD_BIN
# (optional) is a second binary whose `--help` is timed beside it (e.g. a copy of the binary
# before the change). Needs hyperfine and notmuch (Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:?usage: scripts/bench-cli.sh DATA_DIR MAILDIR [RUNS]}
maildir=$(realpath "${2:?usage: scripts/bench-cli.sh DATA_DIR MAILDIR [RUNS]}")
runs=${3:-15}
target=${CARGO_TARGET_DIR:-target}
bin=${BIN:-$target/release/libreollama}
for tool in hyperfine notmuch; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install hyperfine notmuch" >&2; exit 1; }
done
export NOTMUCH_CONFIG=${NOTMUCH_CONFIG:-$(dirname "$maildir")/notmuch-config}
if [ ! -f "$NOTMUCH_CONFIG" ]; then
  printf '[database]\npath=%s\n[user]\nname=Me\nprimary_email=me@example.com\n[new]\ntags=\nignore=\n[search]\nexclude_tags=\n[maildir]\nsynchronize_flags=false\n' "$maildir" >"$NOTMUCH_CONFIG"
fi
if [ ! -d "$maildir/.notmuch" ]; then
  echo "indexing $maildir with notmuch new (once)…" >&2
  /usr/bin/time -f "notmuch new: %e s, peak RSS %M KB" notmuch new --quiet
fi
export LIBREOLLAMA_VAULT_BACKEND=file
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Words of the generated vocabulary (benches/mail_search.rs, seed 42): W0…W31 are its first
# words, the ones that bench's queries use.
W0=${W0:-exzu} W1=${W1:-pika} W2=${W2:-exteralal} W3=${W3:-kage} W4=${W4:-statuda} W6=${W6:-rapista}
W10=${W10:-zuzuse} W11=${W11:-zuneda} W20=${W20:-onmine}
# "ours|notmuch|label": the same search in each tool's syntax, 50 results newest first.
queries=(
  "from:sender7|from:sender7|from:sender7"
  "subject:$W3|subject:$W3|subject:word"
  "$W10 $W11|$W10 and $W11|two words"
  "\"$W0 $W1\"|\"$W0 $W1\"|\"a phrase\""
  "from:sender1 OR from:sender2|from:sender1 or from:sender2|from:a OR from:b"
  "$W20 before:2024/01/01|$W20 and date:..2023-12-31|word before a date"
  "$W4 -$W6|$W4 and not $W6|w -w"
  "after:2025/11/01|date:2025-11-01..|after a date"
  "after:2024/01/01 before:2024/02/01|date:2024-01-01..2024-01-31|a month"
  "subject:\"$W2 $W1\"|subject:\"$W2 $W1\"|subject phrase (few hits)"
  "from:sender7 $W4 $W6|from:sender7 and $W4 and $W6|a sender and two words"
  "zzqxnoword|zzqxnoword|a word no message has"
)
if [ -n "${OLD_BIN:-}" ]; then
  printf '| query | hits (ours / notmuch) | before (`OLD_BIN`) | `libreollama mail search` | `notmuch search` | notmuch ÷ ours |\n|---|---|---|---|---|---|\n'
else
  printf '| query | hits (ours / notmuch) | `libreollama mail search` | `notmuch search` | notmuch ÷ ours |\n|---|---|---|---|---|\n'
fi
for q in "${queries[@]}"; do
  IFS='|' read -r ours theirs label <<<"$q"
  n1=$("$bin" --data-dir "$data" mail search "$ours" --limit 50 2>/dev/null | wc -l)
  n2=$(notmuch search --limit=50 "$theirs" | wc -l)
  before=()
  [ -n "${OLD_BIN:-}" ] && before=(--command-name before "$OLD_BIN --data-dir $data mail search '$ours' --limit 50")
  hyperfine -N --warmup 3 --runs "$runs" --export-json "$out/h.json" --style none \
    "${before[@]}" \
    --command-name ours "$bin --data-dir $data mail search '$ours' --limit 50" \
    --command-name notmuch "notmuch search --limit=50 '$theirs'" >/dev/null 2>&1
  python3 - "$out/h.json" "$label" "$n1" "$n2" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
a, b = r["ours"]["median"] * 1000, r["notmuch"]["median"] * 1000
old = f" {r['before']['median'] * 1000:.1f} ms |" if "before" in r else ""
print(f"| {sys.argv[2]} | {sys.argv[3]} / {sys.argv[4]} |{old} {a:.1f} ms | {b:.1f} ms | {b / a:.1f} |")
EOF
done
echo
help=(--command-name "libreollama --help" "$bin --help")
[ -n "${OLD_BIN:-}" ] && help+=(--command-name "before: libreollama --help" "$OLD_BIN --help")
hyperfine -N --warmup 5 --runs 50 "${help[@]}"
