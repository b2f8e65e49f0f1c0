#!/usr/bin/env bash
# Idle cost of mDNS discovery in a real agent: CPU (% of one core) and RSS of `pluginmesh up` with
# dns.mdns's discovery on, against the same configuration with `mdns: {enabled: false}`.
#
#   sudo bench/mdns-idle.sh                      # 60 s idle window, mDNS at its default 10 s interval
#   sudo DURATION=120 INTERVAL_MS=1000 bench/mdns-idle.sh
#
# Both agents run at the same time, each in its own network namespace whose veth leads to an empty
# peer namespace (a LAN with nobody else on it, multicast routed to the veth, nothing reaching the
# real network), so background load on a shared machine hits both alike. Each agent runs
# tunnel.libp2p (so mDNS has an address to advertise) and dns.mdns serving DNS on its LAN address;
# the only difference is the mDNS half. After both are ready and SETTLE seconds have passed
# (start-up, JIT tiering, first announcements), utime+stime (/proc/<pid>/stat) and VmRSS
# (/proc/<pid>/status) are read, again after DURATION seconds. Needs root (namespaces), the agent
# built (dotnet build src/Cli), curl and python3. Namespaces, processes and files are removed on
# exit, failure and Ctrl-C included.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

DURATION=${DURATION:-60}
SETTLE=${SETTLE:-20}
INTERVAL_MS=${INTERVAL_MS:-10000}
CONFIGURATION=${CONFIGURATION:-Debug}
HOST_DLL=${HOST_DLL:-$root/src/Cli/bin/$CONFIGURATION/net10.0/pluginmesh.dll}
PLUGINS_DIR=${PLUGINS_DIR:-$root/artifacts/plugins/$CONFIGURATION}
DOTNET=${DOTNET:-dotnet}

[ "$(id -u)" -eq 0 ] || { echo "mdns-idle: needs root (network namespaces)" >&2; exit 1; }
[ -f "$HOST_DLL" ] || { echo "mdns-idle: $HOST_DLL not found; run: dotnet build src/Cli" >&2; exit 1; }
for tool in ip curl python3; do command -v "$tool" >/dev/null || { echo "mdns-idle: $tool is needed" >&2; exit 1; }; done

tag="pm-idle-$$"
work=$(mktemp -d /tmp/pm-mdns-idle.XXXXXX)
pids=()
namespaces=()
sleeper=

# A signal interrupts `wait` at once (a foreground sleep would delay the trap to its end).
pause() {
  sleep "$1" &
  sleeper=$!
  wait "$sleeper"
  sleeper=
}

cleanup() {
  local status=$?
  [ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Namespaces of an earlier run that was SIGKILLed (its pid is gone) are removed first.
for ns in $(ip netns list | awk '/^pm-idle-[0-9]+-/ { print $1 }'); do
  owner=${ns#pm-idle-}; owner=${owner%%-*}
  kill -0 "$owner" 2>/dev/null || ip netns del "$ns" 2>/dev/null || true
done

# lan <variant> <third octet>: namespace $tag-<variant> (10.88.N.1 on veth "lan") wired to an empty
# namespace $tag-<variant>-peer (10.88.N.2), 224.0.0.0/4 routed to the veth.
lan() {
  local ns="$tag-$1" peer="$tag-$1-peer" n=$2
  namespaces+=("$ns" "$peer")
  ip netns add "$ns"
  ip netns add "$peer"
  ip link add lan netns "$ns" type veth peer name lan netns "$peer"
  ip -n "$ns" addr add "10.88.$n.1/24" dev lan
  ip -n "$peer" addr add "10.88.$n.2/24" dev lan
  for x in "$ns" "$peer"; do
    ip -n "$x" link set lo up
    ip -n "$x" link set lan up
    ip -n "$x" route add 224.0.0.0/4 dev lan
  done
}

# agent <variant> <third octet> <mdns enabled>: writes the config, starts the agent, prints its pid.
agent() {
  local name=$1 n=$2 mdns=$3 dir="$work/$1"
  mkdir -p "$dir"
  cat > "$dir/pluginmesh.yaml" <<EOF
profile: none
node:
  name: idle-$name
  dataDir: $dir
  policiesDir: $root/policies
admin:
  listen: unix:$dir/admin.sock
logging:
  level: Warning
plugins:
  tunnel.libp2p:
    listen: [/ip4/10.88.$n.1/tcp/4001]
  dns.mdns:
    listen: [10.88.$n.1:53]
    createInterface: false
    upstreams: [10.88.$n.2]
    mdns:
      enabled: $mdns
      intervalMs: $INTERVAL_MS
EOF
  ip netns exec "$tag-$name" "$DOTNET" "$HOST_DLL" up --config "$dir/pluginmesh.yaml" --no-default-plugins --plugins-dir "$PLUGINS_DIR" \
    > "$dir/agent.log" 2>&1 &
  echo $!
}

wait_ready() {
  local dir="$work/$1" pid=$2
  for _ in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || { echo "mdns-idle: agent $1 exited:" >&2; tail -20 "$dir/agent.log" >&2; exit 1; }
    if curl -sf --unix-socket "$dir/admin.sock" http://agent/readyz >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "mdns-idle: agent $1 not ready in 60 s" >&2
  tail -20 "$dir/agent.log" >&2
  exit 1
}

# sample <pid>: "<utime+stime ticks> <VmRSS kB>"
sample() {
  local stat rest
  stat=$(cat "/proc/$1/stat")
  rest=${stat##*) }               # the fields after "(comm) ", from field 3 (state)
  read -r -a f <<< "$rest"
  echo "$(( f[11] + f[12] )) $(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status")"
}

mdns_packets() {
  curl -sf --unix-socket "$work/$1/admin.sock" http://agent/status | python3 -c '
import json, sys
m = json.load(sys.stdin)["dns"]["mdns"]
p = m.get("packets", {})
print(" ".join(f"{k}={v}" for k, v in sorted(p.items())) or "none", "| advertised:", len(m.get("advertised", [])), "| interfaces:", ",".join(m.get("interfaces", [])) or "-")'
}

lan on 1
lan off 2
on_pid=$(agent on 1 true)
pids+=("$on_pid")
off_pid=$(agent off 2 false)
pids+=("$off_pid")
wait_ready on "$on_pid"
wait_ready off "$off_pid"
echo "mdns-idle: both agents ready (pids $on_pid mdns on, $off_pid mdns off); settling ${SETTLE}s, then ${DURATION}s idle, mDNS interval ${INTERVAL_MS} ms"
pause "$SETTLE"

read -r on_t0 on_r0 <<< "$(sample "$on_pid")"
read -r off_t0 off_r0 <<< "$(sample "$off_pid")"
start=$(date +%s.%N)
load0=$(cut -d' ' -f1 /proc/loadavg)
pause "$DURATION"
read -r on_t1 on_r1 <<< "$(sample "$on_pid")"
read -r off_t1 off_r1 <<< "$(sample "$off_pid")"
end=$(date +%s.%N)
load1=$(cut -d' ' -f1 /proc/loadavg)

hz=$(getconf CLK_TCK)
echo "mdns-on  packets: $(mdns_packets on)"
echo "mdns-off packets: $(mdns_packets off)"
python3 - "$start" "$end" "$hz" "$on_t0" "$on_t1" "$on_r0" "$on_r1" "$off_t0" "$off_t1" "$off_r0" "$off_r1" "$load0" "$load1" <<'EOF'
import sys
start, end, hz = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
on = [int(x) for x in sys.argv[4:8]]
off = [int(x) for x in sys.argv[8:12]]
load0, load1 = sys.argv[12], sys.argv[13]
secs = end - start
def row(name, t0, t1, r0, r1):
    cpu = (t1 - t0) / hz / secs * 100
    print(f"{name:9} {cpu:9.3f} {t1 - t0:7d} {r0 / 1024:10.1f} {r1 / 1024:10.1f} {(r1 - r0):+11d}")
    return cpu, r1
print(f"idle window {secs:.1f} s, clock ticks of 1/{hz} s, load average {load0} -> {load1}")
print(f"{'variant':9} {'cpu%core':>9} {'ticks':>7} {'rss0 MiB':>10} {'rss1 MiB':>10} {'drss KiB':>11}")
c_on, r_on = row("mdns-on", on[0], on[1], on[2], on[3])
c_off, r_off = row("mdns-off", off[0], off[1], off[2], off[3])
print(f"on - off: cpu {c_on - c_off:+.3f} % of a core, rss at end {(r_on - r_off) / 1024:+.1f} MiB")
print(f"RESULT cpu_on={c_on:.3f} cpu_off={c_off:.3f} rss_on_kib={r_on} rss_off_kib={r_off} drss_on_kib={on[3] - on[2]} drss_off_kib={off[3] - off[2]} secs={secs:.1f}")
EOF
