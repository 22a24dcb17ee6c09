#!/usr/bin/env bash
# Builds the fullstack server (the services the web preview talks to), starts it on loopback with
# a throwaway data dir, and checks that the command layer answers over HTTP with real results.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
cargo build --no-default-features --features server
bin="$target/debug/libreollama"
data=$(mktemp -d)
# Below the ephemeral range, so no outgoing connection takes the port before the server binds it.
port=$(python3 -c '
import random, socket
for _ in range(500):
    p = random.randint(20000, 31999)
    try:
        socket.socket().bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass')
mkdir -p "$data/public"
# No wasm client here: an empty public dir lets the server render the shell and answer the API.
DIOXUS_PUBLIC_PATH="$data/public" IP=127.0.0.1 PORT=$port LIBREOLLAMA_VAULT_BACKEND=file "$bin" --data-dir "$data" >"$data/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -sf -o /dev/null "$base/api/about" && break
  kill -0 $pid 2>/dev/null || { cat "$data/server.log" >&2; echo "FAIL: server exited" >&2; exit 1; }
  sleep 0.2
done
fail() { echo "FAIL: $*" >&2; cat "$data/server.log" >&2; exit 1; }

diag=$(curl -sf "$base/api/diagnostics") || fail "GET /api/diagnostics"
python3 - "$diag" "$data" <<'PY' || fail "diagnostics content"
import json, sys
r = json.loads(sys.argv[1])
assert r["data_dir"] == sys.argv[2], r["data_dir"]
assert [m["version"] for m in r["applied_migrations"]] == [m["version"] for m in r["embedded_migrations"]]
assert r["db"]["integrity"] == ["ok"], r["db"]
names = {c["name"]: c["status"] for c in r["checks"]}
assert names["Vault self-test"] == "Ok", names
assert all(s != "Failed" for s in names.values()), names
print("diagnostics over HTTP: %d checks, %d migrations, vault %s" % (len(names), len(r["applied_migrations"]), r["vault"]["backend"]))
PY

about=$(curl -sf "$base/api/about") || fail "GET /api/about"
grep -q '"runtime":"server"' <<<"$about" || fail "about: $about"

curl -sf -X POST -H 'content-type: application/json' -d '{"theme":"dark"}' "$base/api/settings/theme" >/dev/null || fail "POST theme"
curl -sf "$base/api/settings" | grep -q '"theme":"dark"' || fail "theme not stored"

code=$(curl -s -o "$data/err.json" -w '%{http_code}' -X POST -H 'content-type: application/json' -d '{"level":"loud"}' "$base/api/settings/log-level")
[ "$code" = 400 ] || fail "bad log level gave HTTP $code: $(cat "$data/err.json")"
grep -q "is not one of" "$data/err.json" || fail "bad log level message: $(cat "$data/err.json")"

page=$(curl -sf "$base/") || fail "GET /"
grep -q "LibreOllama" <<<"$page" && grep -q "Diagnostics" <<<"$page" || fail "server-rendered shell: $page"
echo "fullstack server ok on $base"
