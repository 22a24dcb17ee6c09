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
python3 scripts/demo-mbox.py "$data/demo.mbox" 40 >/dev/null
LIBREOLLAMA_VAULT_BACKEND=file "$bin" --data-dir "$data" mail import "$data/demo.mbox" >/dev/null
# A real model server (the test peer) for chat over HTTP, when scripts/setup.sh test installed it.
peers=${XDG_CACHE_HOME:-$HOME/.cache}/libreollama/peers
llama_pid=
if [ -x "$peers/venv/bin/python" ] && [ -f "$peers/models/SmolLM2-135M-Instruct.Q4_1.gguf" ]; then
  lport=$((port + 1))
  "$peers/venv/bin/python" tests/peers/llama_server.py "$peers/models/SmolLM2-135M-Instruct.Q4_1.gguf" "$lport" >"$data/llama.log" 2>&1 &
  llama_pid=$!
  for _ in $(seq 1 150); do curl -sf -o /dev/null "http://127.0.0.1:$lport/health" && break; sleep 0.2; done
  ep=$(LIBREOLLAMA_VAULT_BACKEND=file "$bin" --data-dir "$data" ai add-server --name llama.cpp --kind openai --url "http://127.0.0.1:$lport" | sed -n 's/.*(\(ep-[0-9a-f]*\)).*/\1/p')
  LIBREOLLAMA_VAULT_BACKEND=file "$bin" --data-dir "$data" ai use-server "$ep" >/dev/null
fi
# No wasm client here: an empty public dir lets the server render the shell and answer the API.
# LIBREOLLAMA_TEST_HOOKS=1 adds the command that panics on purpose (checked below).
DIOXUS_PUBLIC_PATH="$data/public" IP=127.0.0.1 PORT=$port LIBREOLLAMA_VAULT_BACKEND=file LIBREOLLAMA_TEST_HOOKS=1 \
  "$bin" --data-dir "$data" >"$data/server.log" 2>&1 &
pid=$!
trap 'kill $pid $llama_pid 2>/dev/null || true; rm -rf "$data"' EXIT
base="http://127.0.0.1:$port"
# The server prints the one link that unlocks it; everything else is refused.
url=
for _ in $(seq 1 100); do
  url=$(grep -o "http://127.0.0.1:$port/?key=[A-Za-z0-9_-]*" "$data/server.log" | head -1 || true)
  [ -n "$url" ] && break
  kill -0 $pid 2>/dev/null || { cat "$data/server.log" >&2; echo "FAIL: server exited" >&2; exit 1; }
  sleep 0.2
done
[ -n "$url" ] || { cat "$data/server.log" >&2; echo "FAIL: the server printed no link" >&2; exit 1; }
key=${url##*key=}
export COOKIE="libreollama_preview=$key"
fail() { echo "FAIL: $*" >&2; cat "$data/server.log" >&2; exit 1; }

# The gate: only the person who started the server gets in (see src/api/web_preview/mod.rs).
status() { curl -s -o "$data/gate.txt" -w '%{http_code}' "$@"; }
body='{"account":null,"query":"","after":null,"limit":3,"conversations":false}'
expect() { # expect CODE WHAT curl-args...
  local want=$1 what=$2; shift 2
  local got; got=$(status "$@")
  [ "$got" = "$want" ] || fail "$what: HTTP $got, expected $want: $(head -c 300 "$data/gate.txt")"
  echo "  HTTP $want as expected: $what"
}
expect 401 "API call without the cookie" -X POST -H 'content-type: application/json' -d "$body" "$base/api/mail/list"
expect 401 "page without the cookie" "$base/"
expect 401 "a wrong key in the link" "$base/?key=guess"
expect 403 "foreign Origin (another web page)" -H "Cookie: $COOKIE" -H 'Origin: http://evil.example' -X POST -H 'content-type: application/json' -d "$body" "$base/api/mail/list"
expect 403 "text/plain from another page, no preflight" -H "Cookie: $COOKIE" -H 'Origin: http://evil.example' -X POST -H 'content-type: text/plain' -d "$body" "$base/api/mail/list"
expect 415 "text/plain from our own origin" -H "Cookie: $COOKIE" -H "Origin: $base" -X POST -H 'content-type: text/plain' -d "$body" "$base/api/mail/list"
expect 415 "a form post" -H "Cookie: $COOKIE" -X POST -d "account=x" "$base/api/accounts/remove"
expect 403 "DNS rebinding (Host is another name)" -H "Cookie: $COOKIE" -H "Host: rebind.example:$port" "$base/api/about"
expect 403 "Host with another port" -H "Cookie: $COOKIE" -H "Host: 127.0.0.1:1" "$base/api/about"
expect 403 "cross-site fetch metadata" -H "Cookie: $COOKIE" -H 'Sec-Fetch-Site: cross-site' "$base/api/about"
expect 403 "a page on another port of this host (same-site fetch metadata)" -H "Cookie: $COOKIE" -H 'Sec-Fetch-Site: same-site' "$base/api/about"
expect 403 "Origin null (a sandboxed or file page)" -H "Cookie: $COOKIE" -H 'Origin: null' -X POST -H 'content-type: application/json' -d "$body" "$base/api/mail/list"
expect 200 "a planted cookie of the same name does not lock the owner out" -H "Cookie: libreollama_preview=x; $COOKIE" -X POST -H 'content-type: application/json' -d "$body" "$base/api/mail/list"
curl -s -D "$data/headers.txt" -o /dev/null -H "Cookie: $COOKIE" "$base/"
grep -qi "^x-frame-options: DENY" "$data/headers.txt" && grep -qi "^content-security-policy: frame-ancestors 'none'" "$data/headers.txt" \
  || fail "pages may be framed by other sites: $(cat "$data/headers.txt")"
echo "  pages refuse to be framed (X-Frame-Options, frame-ancestors)"
# The printed link: a redirect that sets the HttpOnly, SameSite=Strict cookie and drops the key.
curl -s -o /dev/null -D "$data/unlock.txt" "$url"
grep -qi '^location: /$' <(tr -d '\r' <"$data/unlock.txt") || fail "the link did not redirect to /: $(cat "$data/unlock.txt")"
grep -qi "^set-cookie: libreollama_preview=$key; HttpOnly; SameSite=Strict; Path=/" <(tr -d '\r' <"$data/unlock.txt") || fail "no strict cookie: $(cat "$data/unlock.txt")"
expect 200 "the client's own call (cookie, same Origin, JSON)" -H "Cookie: $COOKIE" -H "Origin: $base" -X POST -H 'content-type: application/json' -d "$body" "$base/api/mail/list"
echo "web preview gate: 12 kinds of foreign request refused, the owner's accepted"

# A panic inside a command is an error the client can show; the server keeps answering.
expect 500 "a command that panics" -H "Cookie: $COOKIE" -X POST -H 'content-type: application/json' -d '{}' "$base/api/debug/panic"
grep -q "Something went wrong inside LibreOllama; it is in the log" "$data/gate.txt" || fail "panic answer: $(cat "$data/gate.txt")"
curl -sf -H "Cookie: $COOKIE" "$base/api/about" >/dev/null || fail "the server stopped answering after a panic"
grep -rq "test panic requested" "$data" --include='*.log' || fail "the panic is not in the log"
echo "panic in a command: HTTP 500 with a sentence, in the log, server still answering"

# An address other than loopback is only used when asked for, and then loudly.
wport=$((port + 2))
IP=0.0.0.0 PORT=$wport DIOXUS_PUBLIC_PATH="$data/public" LIBREOLLAMA_VAULT_BACKEND=file "$bin" --data-dir "$data" >"$data/wide.log" 2>&1 &
wide=$!
for _ in $(seq 1 100); do grep -q "key=" "$data/wide.log" && break; sleep 0.2; done
kill $wide 2>/dev/null || true
grep -q "WARNING: the LibreOllama web preview listens on 0.0.0.0:$wport" "$data/wide.log" || fail "no warning for a network address: $(cat "$data/wide.log")"
echo "network address: warned"

diag=$(curl -sf -H "Cookie: $COOKIE" "$base/api/diagnostics") || fail "GET /api/diagnostics"
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

about=$(curl -sf -H "Cookie: $COOKIE" "$base/api/about") || fail "GET /api/about"
grep -q '"runtime":"server"' <<<"$about" || fail "about: $about"

curl -sf -H "Cookie: $COOKIE" -X POST -H 'content-type: application/json' -d '{"theme":"dark"}' "$base/api/settings/theme" >/dev/null || fail "POST theme"
curl -sf -H "Cookie: $COOKIE" "$base/api/settings" | grep -q '"theme":"dark"' || fail "theme not stored"

code=$(curl -s -H "Cookie: $COOKIE" -o "$data/err.json" -w '%{http_code}' -X POST -H 'content-type: application/json' -d '{"level":"loud"}' "$base/api/settings/log-level")
[ "$code" = 400 ] || fail "bad log level gave HTTP $code: $(cat "$data/err.json")"
grep -q "is not one of" "$data/err.json" || fail "bad log level message: $(cat "$data/err.json")"

# Mail over HTTP: a page of search results, then the conversation with its framed HTML.
list=$(curl -sf -H "Cookie: $COOKIE" -X POST -H 'content-type: application/json' \
  -d '{"account":null,"query":"subject:quarterly","after":null,"limit":3,"conversations":false}' "$base/api/mail/list") || fail "POST /api/mail/list"
python3 - "$list" "$base" <<'PY' || fail "mail over HTTP"
import json, os, sys, urllib.request
page = json.loads(sys.argv[1])
rows = page["rows"]
assert rows and all(r["subject"] == "Quarterly planning notes" for r in rows), rows
assert len(rows) == 3 and page["next"] is not None, "3 of 4 shown: a next page"
req = urllib.request.Request(sys.argv[2] + "/api/mail/thread", method="POST",
    data=json.dumps({"account": rows[0]["account_id"], "thread_id": rows[0]["thread_id"], "show_images": False}).encode(),
    headers={"content-type": "application/json", "cookie": os.environ["COOKIE"]})
t = json.load(urllib.request.urlopen(req))
html = t["messages"][0]["html"]
assert html and "Content-Security-Policy" in html["srcdoc"] and html["blocked_images"] == 1, html
assert "tracker.example" not in html["srcdoc"]
print("mail over HTTP: %d rows, conversation framed with %d remote image blocked" % (len(rows), html["blocked_images"]))
PY
curl -sf -H "Cookie: $COOKIE" "$base/api/mail/status" | grep -q '"poll_minutes":5' || fail "mail status"

# AI over HTTP: the server list, a clear 404 for an unknown conversation, and (with the peer)
# a streamed reply followed by polling, as the wasm client does.
curl -sf -H "Cookie: $COOKIE" "$base/api/ai/endpoints" | grep -q '"ollama-local"' || fail "ai endpoints"
code=$(curl -s -H "Cookie: $COOKIE" -o "$data/err.json" -w '%{http_code}' -X POST -H 'content-type: application/json' -d '{"id":"nope","text":"hi","edit":null}' "$base/api/chat/send")
[ "$code" = 404 ] || fail "unknown conversation gave HTTP $code: $(cat "$data/err.json")"
if [ -n "$llama_pid" ]; then
  python3 - "$base" <<'PY' || fail "chat over HTTP"
import json, os, sys, time, urllib.request
base = sys.argv[1]
def post(path, body):
    req = urllib.request.Request(base + path, method="POST", data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "cookie": os.environ["COOKIE"]})
    return json.load(urllib.request.urlopen(req, timeout=120))
conv = post("/api/chat/create", {"endpoint_id": None, "model": None})
live = post("/api/chat/send", {"id": conv["id"], "text": "Name a colour.", "edit": None})
polls, grew, deadline = 0, 0, time.time() + 180
last = ""
while True:
    v = post("/api/ai/live", {"id": live})
    polls += 1
    if v["text"] != last:
        grew += 1
        last = v["text"]
    if v["done"]:
        break
    assert time.time() < deadline, "no end to the reply"
    time.sleep(0.05)
assert v["error"] is None, v
reply = v["result"]["Reply"]
assert reply["content"] == v["text"] and reply["content"].strip(), v
msgs = post("/api/chat/messages", {"id": conv["id"]})
assert [m["role"] for m in msgs] == ["user", "assistant"] and msgs[1]["content"] == reply["content"], msgs
print("chat over HTTP: %d chars streamed in %d polls (%d with new text), stored" % (len(reply["content"]), polls, grew))
PY
fi

page=$(curl -sf -H "Cookie: $COOKIE" "$base/") || fail "GET /"
grep -q "LibreOllama" <<<"$page" && grep -q "Mail" <<<"$page" || fail "server-rendered shell: $page"
echo "fullstack server ok on $base"
