#!/usr/bin/env bash
# Desktop start-up benchmark (not a test): time to a painted inbox and memory (PSS) of the
# release app on a large mail cache, beside a bare Dioxus window (examples/bare_window.rs) in the
# same run, alternating. See benches/README.md, "startup".
#
#   scripts/bench-startup.sh DATA_DIR [RUNS]
#
# DATA_DIR: a data folder with a mail cache, e.g. the one `MAIL_BENCH_DIR=DIR cargo bench --bench
# mail_search` keeps (100,000 messages, file vault). It is opened read-write by the app (as a
# person would); nothing is deleted. RUNS defaults to 5.
# Binaries: APP (default $target/release/libreollama, the terminal command, which execs
# libreollama-app) and BARE (default $target/release/examples/bare_window), built with
#   cargo build --release --bins && cargo build --release --example bare_window
# (two commands: building an example turns on the dev-dependencies, whose features change the
# symbols' names, so the recorded platforms/linux/startup-order.txt would mostly go unused;
# `cargo bench` does the same to the binaries, so build them after it).
# What is measured, per start:
#   window   — from spawning the process until the X window exists (xdotool);
#   painted  — until the screen last changed before it settled: every root-window capture (xwd,
#              about every 20–40 ms) from then on equals the final one (SETTLE seconds after
#              the start) within 0.2 % of sampled pixels;
#   PSS      — after SETTLE seconds, the sum of `Pss:` in /proc/PID/smaps_rollup over the process
#              and all its descendants (WebKitWebProcess, WebKitNetworkProcess, …), also
#              printed per process name.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:?usage: scripts/bench-startup.sh DATA_DIR [RUNS]}
runs=${2:-5}
target=${CARGO_TARGET_DIR:-target}
app=${APP:-$target/release/libreollama}
bare=${BARE:-$target/release/examples/bare_window}
for f in "$app" "$bare"; do
  [ -x "$f" ] || { echo "missing $f: cargo build --release --bins && cargo build --release --example bare_window" >&2; exit 1; }
done
for tool in Xvfb xdotool xwd python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install xvfb xdotool x11-apps python3" >&2; exit 1; }
done
display=:$(( 200 + RANDOM % 100 ))
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
sleep 1
export DISPLAY=$display
# WebKitGTK under Xvfb has no GPU: software rendering, no DMA-BUF (as scripts/screenshot-desktop.sh).
export WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 LIBGL_ALWAYS_SOFTWARE=1
# Scrollbars that stay: overlay ones fade out seconds after the page is drawn, which would read
# as a late repaint.
export GTK_OVERLAY_SCROLLING=0
export LIBREOLLAMA_VAULT_BACKEND=${LIBREOLLAMA_VAULT_BACKEND:-file}
APP_BIN=$app BARE_BIN=$bare DATA=$data RUNS=$runs SETTLE=${SETTLE:-12} python3 - <<'EOF'
import os, signal, statistics, subprocess, time

app, bare, data = os.environ["APP_BIN"], os.environ["BARE_BIN"], os.environ["DATA"]
runs, settle = int(os.environ["RUNS"]), float(os.environ["SETTLE"])
STEP = 61  # sample every 61st byte of the capture (about 67,000 samples of 4 MB)

def capture():
    raw = subprocess.run(["xwd", "-root", "-silent"], capture_output=True).stdout
    return raw[-1280 * 800 * 4:][::STEP]

def differs(a, b):
    if len(a) != len(b):
        return 1.0
    return sum(x != y for x, y in zip(a, b)) / len(a)

def window(title):
    r = subprocess.run(["xdotool", "search", "--name", title], capture_output=True, text=True)
    return r.stdout.split()[:1]

def descendants(pid):
    kids = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(p))
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out

def pss_kb(pid):
    """Total PSS in kB of the process and its descendants, and each one's by process name."""
    total, each = 0, {}
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        kb = int(line.split()[1])
                        total += kb
                        each[name] = each.get(name, 0) + kb
        except OSError:
            pass
    return total, each

def start(cmd, title):
    blank = capture()
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    t_window, frames = None, []
    while time.monotonic() - t0 < settle:
        t = time.monotonic() - t0
        if t_window is None and window(title):
            t_window = t
        frames.append((t, capture()))
        if proc.poll() is not None:
            raise SystemExit(f"{cmd[0]} exited with {proc.returncode}")
    final = capture()
    painted = None
    for t, f in reversed(frames):
        if differs(f, final) > 0.002:
            break
        painted = t
    pss, each = pss_kb(proc.pid)
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    time.sleep(1)
    changed = differs(blank, final)
    return dict(window=t_window, painted=painted, pss=pss / 1024, each=each,
                frames=len(frames), changed=changed)

results = {"app": [], "bare": []}
for i in range(runs):
    for name, cmd, title in (("bare", [bare], "^bare_window$"),
                             ("app", [app, "--data-dir", data], "^LibreOllama$")):
        r = start(cmd, title)
        results[name].append(r)
        print(f"run {i + 1} {name:4}: window {r['window'] * 1000 if r['window'] else float('nan'):7.0f} ms"
              f"  painted {r['painted'] * 1000 if r['painted'] else float('nan'):7.0f} ms"
              f"  PSS {r['pss']:6.1f} MB  ({', '.join(f'{n} {kb / 1024:.1f}' for n, kb in sorted(r['each'].items()))};"
              f" {r['frames']} captures; {r['changed'] * 100:.0f} % of the screen changed)", flush=True)

def med(name, key):
    xs = [r[key] for r in results[name] if r[key] is not None]
    return statistics.median(xs) if xs else float("nan")

print(f"\nmedians of {runs} runs    window ms   painted ms   PSS MB")
for name in ("bare", "app"):
    each = {n: statistics.median(r["each"].get(n, 0) for r in results[name]) / 1024
            for n in sorted({n for r in results[name] for n in r["each"]})}
    print(f"{name:22} {med(name, 'window') * 1000:9.0f} {med(name, 'painted') * 1000:12.0f} {med(name, 'pss'):8.1f}"
          f"   ({', '.join(f'{n} {mb:.1f}' for n, mb in each.items())})")
EOF
