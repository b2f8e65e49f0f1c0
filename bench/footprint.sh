#!/usr/bin/env bash
# Footprint of the published agent (issue 15): file size raw and gzipped, start → ready cold and
# warm, and memory after `pluginmesh up` has idled on its embedded defaults, each against its target.
#
#   sudo bench/footprint.sh                         # publishes linux-x64 (build/publish.sh) into a temp dir
#   sudo bench/footprint.sh out/linux-x64/pluginmesh   # measures that binary
#   sudo IDLE=60 WARM=5 bench/footprint.sh BIN
#   sudo EXTRA_ENV="DOTNET_TieredPGO=0 DOTNET_GCgen0size=0x200000" bench/footprint.sh BIN   # try a runtime knob
#
# Each agent runs in a network namespace of its own (unshare -n, loopback only): the default
# profile's proxy.iptables writes real rules, and they must not reach this machine's tables; no API
# server and no peers are reachable, as the issue's target says. The data directory is a fresh temp
# directory (removed on exit).
#
# - cold: a fresh data directory (the embedded bundle is unpacked) and the binary dropped from the
#   page cache (posix_fadvise DONTNEED) — a new pod's first start. After /readyz answers, the agent
#   idles IDLE seconds, then VmRSS / RssAnon / RssFile (/proc/<pid>/status) are read, with the
#   largest file-backed mappings (smaps) and the agent's `process` status section (GC heap, loaded
#   assemblies per load context).
# - warm: WARM more starts on the same data directory with the binary in the page cache; start →
#   ready of each, the median is the figure.
#
# start → ready: from exec to the first 200 from /readyz (every plugin of the profile running),
# polled every 10 ms. Needs root (namespaces), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

IDLE=${IDLE:-60}
WARM=${WARM:-5}
EXTRA_ENV=${EXTRA_ENV:-}

[ "$(id -u)" -eq 0 ] || { echo "footprint: needs root (network namespaces)" >&2; exit 1; }
for tool in unshare ip python3 gzip; do command -v "$tool" >/dev/null || { echo "footprint: $tool is needed" >&2; exit 1; }; done

work=$(mktemp -d /tmp/pm-footprint.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

bin=${1:-}
if [ -z "$bin" ]; then
  echo "footprint: publishing linux-x64 into $work/out" >&2
  OUT=$work/out nice -n 10 build/publish.sh linux-x64 >&2
  bin=$work/out/linux-x64/pluginmesh
fi
[ -x "$bin" ] || { echo "footprint: $bin is not an executable" >&2; exit 1; }
bin=$(readlink -f "$bin")

raw=$(stat -c %s "$bin")
gz=$(gzip -c -6 "$bin" | wc -c)

# The measuring runs inside the namespace: the agent is its child and dies with it.
unshare -n -- env BIN="$bin" DATA="$work/data" IDLE="$IDLE" WARM="$WARM" EXTRA_ENV="$EXTRA_ENV" RAW="$raw" GZ="$gz" \
  python3 - <<'PY'
import json, os, re, signal, statistics, subprocess, time, urllib.request

subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
BIN, DATA = os.environ["BIN"], os.environ["DATA"]
IDLE, WARM = int(os.environ["IDLE"]), int(os.environ["WARM"])
RAW, GZ = int(os.environ["RAW"]), int(os.environ["GZ"])
MiB = 1024 * 1024
env = dict(os.environ, PLUGINMESH__NODE__DATADIR=DATA, PLUGINMESH__LOGGING__LEVEL="Warning")
for kv in os.environ["EXTRA_ENV"].split():
    k, _, v = kv.partition("=")
    env[k] = v

def get(path, timeout=1.0):
    with urllib.request.urlopen("http://127.0.0.1:9464" + path, timeout=timeout) as r:
        return r.status, r.read()

def start():
    t0 = time.monotonic()
    p = subprocess.Popen([BIN, "up"], env=env, stdout=subprocess.DEVNULL, stderr=open(DATA + ".log", "ab"))
    while True:
        if p.poll() is not None:
            raise SystemExit(f"footprint: the agent exited with {p.returncode} before ready; see its log:\n" + open(DATA + ".log").read()[-4000:])
        try:
            if get("/readyz", 0.5)[0] == 200:
                return p, time.monotonic() - t0
        except OSError:
            pass
        if time.monotonic() - t0 > 120:
            p.kill()
            raise SystemExit("footprint: not ready within 120 s")
        time.sleep(0.01)

def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(30)
    except subprocess.TimeoutExpired:
        p.kill(); p.wait()

def status_kib(pid):
    out = {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":")
        if k in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM"):
            out[k] = int(v.split()[0])
    return out

def mappings(pid):
    """Rss per mapped file and for anonymous memory (heap, stacks, GC, JIT code)."""
    per, name = {}, None
    for line in open(f"/proc/{pid}/smaps"):
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            parts = line.split(None, 5)
            name = parts[5].strip() if len(parts) > 5 else "[anon]"
        elif line.startswith("Rss:"):
            per[name] = per.get(name, 0) + int(line.split()[1])
    return sorted(per.items(), key=lambda kv: -kv[1])

# cold: fresh data directory, binary out of the page cache
os.makedirs(DATA, exist_ok=True)
fd = os.open(BIN, os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
os.close(fd)
p, cold = start()
status = json.loads(get("/status")[1])
time.sleep(IDLE)
mem = status_kib(p.pid)
maps = mappings(p.pid)
try:
    process = json.loads(get("/status")[1]).get("process")
except OSError:
    process = None
plugins = [(x["id"], x["state"]) for x in status["plugins"] if x.get("enabled")]
stop(p)

warm = []
for _ in range(WARM):
    p, t = start()
    warm.append(t)
    stop(p)

print(f"binary         {BIN}")
print(f"plugins        " + ", ".join(f"{i} {s}" for i, s in plugins))
print(f"idle           {IDLE} s after ready (cold start)")
print("memory (KiB)   " + "  ".join(f"{k} {v}" for k, v in mem.items()))
print("largest mappings (Rss KiB):")
for n, kib in maps[:8]:
    print(f"  {kib:8d}  {n}")
if process:
    print("process status section: " + json.dumps(process))
print(f"start→ready    cold {cold:.2f} s; warm " + ", ".join(f"{t:.2f}" for t in warm) + " s")
wmed = statistics.median(warm) if warm else float("nan")
rows = [
    ("VmRSS idle", f"{mem['VmRSS'] / 1024:.1f} MiB", "≤ 64 MiB", mem["VmRSS"] <= 64 * 1024),
    ("RssAnon idle", f"{mem['RssAnon'] / 1024:.1f} MiB", "≤ 40 MiB", mem["RssAnon"] <= 40 * 1024),
    ("RssFile idle", f"{mem['RssFile'] / 1024:.1f} MiB", "-", None),
    ("file size", f"{RAW / 1e6:.1f} MB ({RAW / MiB:.1f} MiB)", "-", None),
    ("gzipped (-6)", f"{GZ / 1e6:.1f} MB", "≤ 45 MB", GZ <= 45e6),
    ("start→ready cold", f"{cold:.2f} s", "-", None),
    ("start→ready warm", f"{wmed:.2f} s (median of {len(warm)})", "≤ 1 s", wmed <= 1.0),
]
print()
print("| figure | measured | target | met |")
print("|---|---|---|---|")
for name, value, target, met in rows:
    print(f"| {name} | {value} | {target} | {'' if met is None else ('yes' if met else 'NO')} |")
PY
