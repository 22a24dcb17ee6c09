#!/usr/bin/env bash
# Writing mail end to end, as a person sees it: the `emulate` Google emulator, Ada signed in
# through the Accounts page, mail synced; then Reply (r) to a message, type, Send → the undo
# toast → sent and threaded at the emulator; a new mail with a typo'd address → the error and
# the kept draft; Send later → the outbox; Snooze from the reader → the Snoozed page.
# Saves a screenshot of each step. Pages and actions are reached by keys and the command palette
# (Ctrl+K), as a keyboard user would; the only clicks are Accounts → Add account and the file
# picker's OK, at the default 1280×800 window's coordinates.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/screenshots}
mkdir -p "$out"
bin=${LIBREOLLAMA_BIN:-${CARGO_TARGET_DIR:-target}/debug/libreollama}
[ -n "${LIBREOLLAMA_BIN:-}" ] || cargo build
node=tests/peers/node_modules/.bin/node
[ -x "$node" ] || scripts/setup.sh test
work=$(mktemp -d)
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free); redirect=$(free)
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
  messages:
    - id: msg_1
      thread_id: thr_1
      user_email: ada@example.com
      from: Grace Hopper <grace@example.com>
      to: ada@example.com
      cc: Charles Babbage <charles@example.com>
      subject: Plans for Thursday
      message_id: "<plans-1@example.com>"
      body_text: "Hallo Ada, shall we meet on Thursday at ten? Grace"
      label_ids: [INBOX, UNREAD]
    - id: msg_2
      thread_id: thr_2
      user_email: ada@example.com
      from: Charles Babbage <charles@example.com>
      to: ada@example.com
      subject: The difference engine, part two
      body_text: "Ada, the new gears arrived."
      label_ids: [INBOX]
YAML
"$node" tests/peers/node_modules/emulate/dist/index.js start --service google --host 127.0.0.1 --port "$port" --seed "$work/seed.yaml" >"$work/emulate.log" 2>&1 &
emu=$!
display=:$(( 200 + RANDOM % 100 ))
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill ${app:-} $emu $xvfb 2>/dev/null || true; rm -rf "$work" "${pick:-}"' EXIT
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/.well-known/openid-configuration" && break; sleep 0.2; done

export LIBREOLLAMA_GOOGLE_BASE="http://127.0.0.1:$port" LIBREOLLAMA_OAUTH_PORT=$redirect
export LIBREOLLAMA_VAULT_BACKEND=file BROWSER="$PWD/scripts/person-browser.py"
export DISPLAY=$display WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 LIBGL_ALWAYS_SOFTWARE=1
cli() { "$bin" --data-dir "$work/data" "$@"; }
echo GOCSPX-e2e | cli accounts client --id e2e.apps.googleusercontent.com --secret-stdin
"$bin" --data-dir "$work/data" >"$work/app.log" 2>&1 &
app=$!
for _ in $(seq 60); do xdotool search --name 'LibreOllama$' >/dev/null 2>&1 && break; sleep 0.5; done
sleep 3
shot() { import -window root "$out/e2e-compose-$1.png"; }
palette() { xdotool key ctrl+k; sleep 1; xdotool type --delay 30 "$1"; sleep 1; xdotool key Return; sleep 2; }
fail() { echo "FAILED: $*"; tail -20 "$work/app.log"; exit 1; }
# Sign in (Accounts → Add account), then Mail → Sync now.
palette "go to accounts"
# Add account, top right of the page's 1040-px column.
xdotool mousemove 1075 46 click 1
for _ in $(seq 40); do cli accounts list 2>/dev/null | grep -q ada@example.com && break; sleep 0.5; done
palette "go to mail"
palette "sync now"; sleep 2
# Find the message (both arrive at the same second, so their order in the list is not fixed),
# open it, reply with r.
# Typed at 100 keys a second (issue 16: a fast typist lost characters); the box's text is
# copied out through the clipboard and compared.
xdotool key slash; sleep 0.5
xdotool type --delay 10 "difference engine"
xdotool key ctrl+a ctrl+c; sleep 0.3
[ "$(xclip -o -selection clipboard)" = "difference engine" ] || fail "the search box holds '$(xclip -o -selection clipboard)'"
xdotool key End Return; sleep 2
# Out of the box to the list (Tab), then open its first row (o).
xdotool key Tab o; sleep 3
shot 1-open
xdotool key r; sleep 3
shot 2-reply
xdotool type --delay 10 "Thursday at ten works. See you then! The gears, the cards and the coffee: all ready."
sleep 2.5
shot 3-typed
# Saved two seconds after the last key (a slow machine takes longer): wait for it.
for _ in $(seq 20); do cli mail drafts | grep -q "Re: The difference engine" && break; sleep 0.5; done
sleep 1
body=$(python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute("SELECT body_text FROM mail_drafts WHERE subject LIKE ? ORDER BY updated_at DESC", ("Re: The difference engine%",)).fetchone()[0])' "$work/data/libreollama.db")
case "$body" in
  "Thursday at ten works. See you then! The gears, the cards and the coffee: all ready."*) ;;
  *) fail "the editor saved '${body:0:100}'" ;;
esac
cli mail drafts | grep -q "Re: The difference engine" || fail "the reply was not saved as a draft"
xdotool key ctrl+Return; sleep 1.5
shot 4-toast
for _ in $(seq 30); do cli mail outbox | grep -q " sent .*Re: The difference engine" && break; sleep 0.5; done
sleep 1
shot 5-sent
cli mail outbox | grep " sent .*Re: The difference engine" || fail "the reply was not sent"
echo "ok: reply sent"
# A new mail with a typo'd address: the error, and the draft is kept.
palette "new mail"; sleep 0.5
xdotool type --delay 15 "grace@"
xdotool key Tab Tab; xdotool type --delay 15 "Slides for Thursday"
xdotool key Tab; xdotool type --delay 15 "Here are the slides."
xdotool key ctrl+Return; sleep 2
shot 6-bad-address
cli mail drafts | grep -q "Slides for Thursday" || fail "the draft was not kept"
# Fix the address, then Send later → tomorrow morning: it waits in the outbox.
# (By keyboard from the text: back to To, then forward to Send later and its first choice.)
xdotool key shift+Tab shift+Tab shift+Tab ctrl+a; xdotool type --delay 15 "Grace Hopper <grace@example.com>"
sleep 0.5
xdotool key Escape Tab Tab Tab Tab Tab Return; sleep 1
shot 7-later
xdotool key Return; sleep 2.5
shot 8-outbox
cli mail outbox | grep "scheduled for .*Slides for Thursday" || fail "not scheduled"
sleep 3
cli mail outbox | grep -q "scheduled for .*Slides for Thursday" || fail "a scheduled mail went early"
# Undo within the window: back in the editor, never sent.
palette "go to mail"
palette "new mail"; sleep 0.5
xdotool type --delay 15 "charles@example.com"
xdotool key Tab Tab; xdotool type --delay 15 "Oops, not this one"
xdotool key Tab; xdotool type --delay 15 "Draft text"
xdotool key ctrl+Return; sleep 1.5
shot 9-undo-toast
# z takes it back (as in Gmail), from the page the editor closed to.
xdotool key z; sleep 2.5
shot 10-undone
cli mail outbox | grep -q "Oops, not this one" && fail "undo left it in the outbox"
cli mail drafts | grep -q "Oops, not this one" || fail "undo lost the draft"
# Attach a file through the file picker (zenity): the chip shows its name and size.
# In a folder of its own whose name no other entry of /tmp starts like: the picker completes
# each typed letter against what exists (`/tmp/tmp` matches every mktemp folder).
pick=$(mktemp -d /tmp/zq-e2e-XXXXXX)
printf 'Agenda: gears, cards, coffee.\n' > "$pick/agenda.txt"
# From the text: Send, Send later…, then Attach files (its file input), opened with Space.
xdotool key Tab Tab Tab space; sleep 3
# The picker completes paths inline as they are typed: each completion is deleted.
xdotool key ctrl+l; sleep 0.5
path="$pick/agenda.txt"
for ((i = 0; i < ${#path}; i++)); do xdotool type -- "${path:i:1}"; sleep 0.08; xdotool key Delete; sleep 0.04; done
sleep 1
# (The picker's OK button; Enter in its location field only completes the path.)
xdotool mousemove 1046 795 click 1; sleep 3
shot 10b-attached
cli mail drafts | grep "Oops, not this one" | grep -q "1 attachment" || fail "the file was not attached"
echo "ok: bad address kept the draft, scheduled mail waits, undo brought the mail back"
# Snooze the other conversation from the reader: out of the inbox, listed under Snoozed.
palette "go to mail"
xdotool key slash; sleep 0.5
xdotool type --delay 10 "Plans for Thursday"; xdotool key Return; sleep 2
xdotool key Tab o; sleep 3
shot 11-reader
palette "snooze until tomorrow"; sleep 0.5
shot 12-snoozed
cli mail snoozed | grep "Plans for Thursday" || fail "not snoozed"
cli mail search "in:inbox" | grep -q "Plans for Thursday" && fail "still in the inbox"
palette "go to snoozed"
shot 13-snoozed-page
echo "ok: snoozed"
if [ -n "${KEEP:-}" ]; then echo "app running; data in $work (Ctrl-C to stop)"; wait $app; fi
