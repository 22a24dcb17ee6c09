#!/usr/bin/env bash
# End to end, as a person sees it: the desktop app under Xvfb, the `emulate` Google emulator as
# Google, and scripts/person-browser.py as the system browser. Clicks Accounts → Add account,
# waits for the account to appear, then Mail → Sync now → the first message, and saves
# screenshots of each step. Where dunst is installed it is the desktop's notification service
# on the same screen: mail that arrives at the emulator afterwards is announced by the next
# sync (one bubble, in e2e-notification-new-mail.png), then Preferences is shown.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/screenshots}
mkdir -p "$out"
bin=${LIBREOLLAMA_BIN:-${CARGO_TARGET_DIR:-target}/debug/libreollama}
node=tests/peers/node_modules/.bin/node
[ -x "$node" ] || scripts/setup.sh test
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redirect=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/seed.yaml" <<YAML
google:
  users:
    - email: ada@example.com
      name: Ada Lovelace
  oauth_clients:
    - client_id: e2e.apps.googleusercontent.com
      client_secret: GOCSPX-e2e
      name: LibreOllama
      redirect_uris:
        - http://127.0.0.1:$redirect/
  labels:
    - id: Label_ops
      user_email: ada@example.com
      name: Ops
  messages:
    - id: msg_1
      user_email: ada@example.com
      from: Grace Hopper <grace@example.com>
      to: ada@example.com
      subject: Grüße und Pläne für Donnerstag
      body_text: "Hallo Ada,\n\nanbei der Plan für Donnerstag. Bring the punch cards.\n\nGrace"
      label_ids: [INBOX, UNREAD, Label_ops]
    - id: msg_2
      user_email: ada@example.com
      from: Charles Babbage <charles@example.com>
      to: ada@example.com
      subject: The difference engine, part two
      body_text: "Ada, the new gears arrived. Shall we meet on Friday?"
      label_ids: [INBOX, STARRED]
    - id: msg_3
      user_email: ada@example.com
      from: ops@example.com
      to: ada@example.com
      subject: Nightly build passed
      body_text: All 61 tests passed.
      label_ids: [INBOX, UNREAD]
YAML
"$node" tests/peers/node_modules/emulate/dist/index.js start --service google --host 127.0.0.1 --port "$port" --seed "$work/seed.yaml" >"$work/emulate.log" 2>&1 &
emu=$!
display=:$(( 200 + RANDOM % 100 ))
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill ${app:-} ${dunst:-} ${bus:-} $emu $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/.well-known/openid-configuration" && break; sleep 0.2; done

export LIBREOLLAMA_GOOGLE_BASE="http://127.0.0.1:$port" LIBREOLLAMA_OAUTH_PORT=$redirect
export LIBREOLLAMA_VAULT_BACKEND=file BROWSER="$PWD/scripts/person-browser.py"
export DISPLAY=$display WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1
if command -v dunst >/dev/null && command -v dbus-daemon >/dev/null; then
  dbus-daemon --session --nofork --print-address=1 >"$work/bus" 2>/dev/null &
  bus=$!
  for _ in $(seq 50); do [ -s "$work/bus" ] && break; sleep 0.1; done
  export DBUS_SESSION_BUS_ADDRESS=$(head -1 "$work/bus")
  dunst >"$work/dunst.log" 2>&1 &
  dunst=$!
fi
echo GOCSPX-e2e | "$bin" --data-dir "$work/data" accounts client --id e2e.apps.googleusercontent.com --secret-stdin
"$bin" --data-dir "$work/data" >"$work/app.log" 2>&1 &
app=$!
for _ in $(seq 60); do xdotool search --name 'LibreOllama$' >/dev/null 2>&1 && break; sleep 0.5; done
sleep 3
# Pages are reached through the command palette (Ctrl+K), as a keyboard user would: no
# coordinates that move when the sidebar changes.
palette() { xdotool key ctrl+k; sleep 1; xdotool type --delay 30 "$1"; sleep 1; xdotool key Return; sleep 2; }
palette "go to accounts"
import -window root "$out/e2e-accounts-before.png"
# Add account, top right of the page's 1040-px column.
xdotool mousemove 1075 46 click 1
for _ in $(seq 40); do
  "$bin" --data-dir "$work/data" accounts list 2>/dev/null | grep -q ada@example.com && break
  sleep 0.5
done
sleep 2
import -window root "$out/e2e-accounts-after.png"
"$bin" --data-dir "$work/data" accounts list
"$bin" --data-dir "$work/data" accounts list | grep -q "ada@example.com.*Active" || { cat "$work/app.log"; exit 1; }
# Mail → Sync now → open the first message.
palette "go to mail"
palette "sync now"; sleep 2
import -window root "$out/e2e-mail-synced.png"
xdotool mousemove 640 120 click 1; sleep 3
import -window root "$out/e2e-mail-open.png"
"$bin" --data-dir "$work/data" mail search "in:inbox" | tee "$work/inbox.txt"
grep -q "Nightly build passed" "$work/inbox.txt" || { echo "the sync did not store the inbox"; cat "$work/app.log"; exit 1; }
# Keyboard: star the open message (s), move down (j), archive that one (e), show the list (?).
xdotool key s; sleep 1
xdotool key j; sleep 1
xdotool key e; sleep 2
xdotool key shift+slash; sleep 1
import -window root "$out/e2e-mail-keys.png"
xdotool key Escape
"$bin" --data-dir "$work/data" mail search "is:starred" | grep -q "Nightly build passed" || { echo "s did not star"; exit 1; }
if "$bin" --data-dir "$work/data" mail search "in:inbox" | grep -q "difference engine"; then echo "j, e did not archive"; exit 1; fi
if [ -n "${dunst:-}" ]; then
  # New mail at Google, then Sync now: one notification for it, drawn by dunst.
  raw=$(python3 - <<'PY'
import base64, email.utils
m = ("From: Grace Hopper <grace@example.com>\r\nTo: ada@example.com\r\n"
     "Subject: The compiler works\r\nDate: " + email.utils.formatdate() + "\r\n"
     "Message-ID: <compiler@example.com>\r\n\r\nIt compiled on the first try.\r\n")
print(base64.urlsafe_b64encode(m.encode()).decode())
PY
)
  curl -sf -o /dev/null -X POST -H 'authorization: Bearer e2e' -H 'content-type: application/json' \
    -d "{\"raw\":\"$raw\",\"labelIds\":[\"INBOX\",\"UNREAD\"]}" \
    "http://127.0.0.1:$port/gmail/v1/users/me/messages" || { echo "the emulator took no new mail"; exit 1; }
  palette "sync now"; sleep 2
  import -window root "$out/e2e-notification-new-mail.png"
  # Preferences (through the command palette) → Show a sample notification.
  palette "preferences"
  import -window root "$out/e2e-preferences.png"
fi
echo "account added and mail synced through the desktop UI; screenshots in $out"
