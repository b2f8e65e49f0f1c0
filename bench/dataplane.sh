#!/usr/bin/env bash
# Data-plane benchmark (issue 5): L4 throughput and added latency of the proxy against direct,
# iptables DNAT and HAProxy; DNS QPS against dnsmasq; rule sync time for 5 000 services. Every
# figure comes with its baseline from the same run.
#
#   sudo bench/dataplane.sh                          # everything, 3 interleaved repetitions
#   sudo SECTIONS="l4" REPS=5 bench/dataplane.sh     # one part
#   sudo BYTES=256M TUNNEL_BYTES=256M bench/dataplane.sh
#   sudo SECTIONS=udp bench/dataplane.sh              # the UDP soak (= bench/udp-soak.sh; not in the default)
#   (with pluginmesh-tunnel, `bench tunnel` runs once per repetition when bench/PluginMesh.Bench is built
#    with -c $CONFIGURATION: the tunnel targets are ratios to it; TUNNEL_BENCH=0 skips it)
#   sudo AGENT_BIN=out/linux-x64/pluginmesh SECTIONS=l4 VARIANTS="pluginmesh pluginmesh-tunnel" COMPARE_COPY=0 bench/dataplane.sh
#                                                    # the published single file (its embedded plugins); the agents' memory under load
#
# Topology (namespaces made here, all removed on exit, failure and Ctrl-C included):
#
#   cli 10.77.1.2 ── 10.77.1.1 node 10.77.2.1 ── 10.77.2.2 be      iperf3 :5201, echo :7000
#                    (router; DNAT; HAProxy;
#                     agent node-a, iptables mode)
#                    10.77.3.1 ── lanb ── 10.77.3.2 nodeb           agent node-b, iperf3 :5201, echo :7000
#   dns: loopback only, agent (dns.mdns, 1 000 services) and dnsmasq, dnsperf
#   sync: agent with a 5 000-service catalog, iptables mode
#
# L4 variants, all from cli: direct (10.77.2.2), dnat (10.96.1.1 DNAT'd in node), haproxy
# (10.77.1.1:15201 / :17000, mode tcp, defaults) and haproxy-splice (:15202 / :17001, option
# splice-auto), pm-listen-copy / pm-listen-splice (COMPARE_COPY=1: two listen-mode agents on
# 10.77.1.1 with zeroCopy false / true, the before/after of the splice path), pluginmesh (ClusterIP 10.96.0.10, endpoint 10.77.2.2 on
# node-a: REDIRECT to the agent, spliced locally), direct-remote (10.77.3.2, the baseline path for
# the next one) and pluginmesh-tunnel (ClusterIP 10.96.0.11, endpoint on node-b: the agent opens a
# libp2p stream to node-b's agent, found by mDNS on lanb and directory.p2p, which dials it there).
#
# Needs root, the agent and plugins built (CONFIGURATION, default Release:
#   dotnet build -c Release src/Cli; for p in Catalog.File Proxy.Iptables Tunnel.Libp2p
#   Directory.P2p Dns.Mdns; do dotnet build -c Release plugins/$p; done),
# iperf3, haproxy, dnsperf, dnsmasq, iptables, taskset, curl, python3 (apt-get install -y iperf3
# haproxy dnsperf dnsmasq). Results: a table on stdout; raw rows in $OUT/results.tsv (OUT defaults
# to a fresh /tmp/pm-dataplane.XXXXXX, kept).
set -euo pipefail
# The whole script is one compound command, parsed before it runs: editing this file during a run
# cannot change what the run does.
{
cd "$(dirname "$0")/.."
root=$(pwd)

SECTIONS=${SECTIONS:-"l4 dns sync"}
VARIANTS=${VARIANTS:-}                 # L4 subset, e.g. "direct haproxy pluginmesh"
AGENT_ENV=${AGENT_ENV:-}               # extra environment for the agents, e.g. DOTNET_gcServer=1
AGENT_LOG_LEVEL=${AGENT_LOG_LEVEL:-Warning}  # the agents' logging.level; their logs end up in $OUT/<agent>.log
COMPARE_COPY=${COMPARE_COPY:-1}        # also run two listen-mode agents, zeroCopy false / true
REPS=${REPS:-3}
BYTES=${BYTES:-1G}
TUNNEL_BYTES=${TUNNEL_BYTES:-$BYTES}
TUNNEL_BENCH=${TUNNEL_BENCH:-auto}     # with pluginmesh-tunnel: `bench tunnel` (1 stream, TUNNEL_BYTES) per rep; 0: skip
KEPT_N=${KEPT_N:-2000}
FRESH_N=${FRESH_N:-500}
CPS_SECONDS=${CPS_SECONDS:-5}          # connections-per-second loop per variant and rep (0: skip)
DNS_RUNS=${DNS_RUNS:-3}
DNS_SECONDS=${DNS_SECONDS:-8}
DNS_SERVICES=${DNS_SERVICES:-1000}
SYNC_SERVICES=${SYNC_SERVICES:-5000}
UDP_N=${UDP_N:-1000000}                # udp soak: datagrams
UDP_WINDOW=${UDP_WINDOW:-64}           # at most this many unanswered
UDP_SESSIONS=${UDP_SESSIONS:-20}       # client source ports, one after the other
UDP_IDLE_MS=${UDP_IDLE_MS:-5000}       # the agents' udpIdleTimeoutMs in the soak
RSS_EVERY=${RSS_EVERY:-2}              # seconds between memory samples of the agents (l4, udp)
AGENT_BIN=${AGENT_BIN:-}               # a published single-file pluginmesh: the agents run it with its embedded plugins
CONFIGURATION=${CONFIGURATION:-Release}
HOST_DLL=${HOST_DLL:-$root/src/Cli/bin/$CONFIGURATION/net10.0/pluginmesh.dll}
PLUGINS_DIR=${PLUGINS_DIR:-$root/artifacts/plugins/$CONFIGURATION}
DOTNET=${DOTNET:-$(command -v dotnet)}
PY=$(command -v python3 || true)
HELPER=$root/bench/dataplane.py
# `bench tunnel` for the tunnel's same-run baseline (issue 16): auto = when it is built
tunnel_bench=
bench_dll=$root/bench/PluginMesh.Bench/bin/$CONFIGURATION/net10.0/PluginMesh.Bench.dll
case "$TUNNEL_BENCH" in
  0) ;;
  auto) [ ! -f "$bench_dll" ] || tunnel_bench=$bench_dll ;;
  *) [ -f "$bench_dll" ] || { echo "dataplane: TUNNEL_BENCH=$TUNNEL_BENCH but $bench_dll is not built (dotnet build -c $CONFIGURATION bench/PluginMesh.Bench)" >&2; exit 1; }
     tunnel_bench=$bench_dll ;;
esac

[ "$(id -u)" -eq 0 ] || { echo "dataplane: needs root (network namespaces, iptables)" >&2; exit 1; }
[ -n "$AGENT_BIN" ] || [ -f "$HOST_DLL" ] || { echo "dataplane: $HOST_DLL not found; build with -c $CONFIGURATION (see the header)" >&2; exit 1; }
tools="ip iptables curl taskset"
[[ " $SECTIONS " != *" l4 "* ]] || tools+=" iperf3 haproxy"
[[ " $SECTIONS " != *" dns "* ]] || tools+=" dnsperf dnsmasq"
for tool in $tools; do
  command -v "$tool" >/dev/null || { echo "dataplane: $tool is needed (apt-get install -y iperf3 haproxy dnsperf dnsmasq)" >&2; exit 1; }
done
[ -n "$PY" ] || { echo "dataplane: python3 is needed" >&2; exit 1; }

tag="pm-dp-$$"
OUT=${OUT:-$(mktemp -d /tmp/pm-dataplane.XXXXXX)}
mkdir -p "$OUT"
work=$(mktemp -d /tmp/pm-dataplane-work.XXXXXX)
results=$OUT/results.tsv
: > "$results"
pids=()
namespaces=()
sleeper=

pause() {
  sleep "$1" &
  sleeper=$!
  wait "$sleeper"
  sleeper=
}

stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null || true
  # Agents first (a clean stop removes their rules), then everything else.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  # Deleting a namespace drops its rules, conntrack entries and veths; any process we missed
  # still inside one is killed by pid first.
  for ns in "${namespaces[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  for log in "$work"/*/agent.log; do [ ! -f "$log" ] || cp "$log" "$OUT/$(basename "$(dirname "$log")").log"; done
  rm -rf "$work"
  [ "$status" -eq 0 ] || echo "dataplane: failed (status $status); partial results in $results" >&2
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Namespaces of an earlier run that was SIGKILLed (its pid is gone) are removed first.
for ns in $(ip netns list | awk '/^pm-dp-[0-9]+-/ { print $1 }'); do
  owner=${ns#pm-dp-}; owner=${owner%%-*}
  kill -0 "$owner" 2>/dev/null || ip netns del "$ns" 2>/dev/null || true
done

load() { cut -d' ' -f1 /proc/loadavg; }
row() { printf '%s\n' "$(IFS=$'\t'; echo "$*")" >> "$results"; }
# kinds JSON -> the helper's error kinds, e.g. {"timeout": 1}
kinds() { "$PY" -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1]).get("error_kinds", {})))' "$1"; }
# gib 512M -> 0.5: an iperf3-style size in GiB, for `bench tunnel --gib`
gib() { "$PY" -c 'import sys; t=sys.argv[1]; m={"K":2**10,"M":2**20,"G":2**30}; print(int(t[:-1])*m[t[-1]]/2**30 if t[-1] in m else int(t)/2**30)' "$1"; }
nsx() { local ns="$tag-$1"; shift; ip netns exec "$ns" "$@"; }
mkns() { namespaces+=("$tag-$1"); ip netns add "$tag-$1"; ip -n "$tag-$1" link set lo up; }
# link <ns1> <if1> <addr1/len> <ns2> <if2> <addr2/len>
link() {
  ip link add "$2" netns "$tag-$1" type veth peer name "$5" netns "$tag-$4"
  ip -n "$tag-$1" addr add "$3" dev "$2"; ip -n "$tag-$1" link set "$2" up
  ip -n "$tag-$4" addr add "$6" dev "$5"; ip -n "$tag-$4" link set "$5" up
}
# bg <ns> <log> <cmd...>: starts in the background, records the pid in $bgpid and for cleanup.
bg() {
  local ns=$1 log=$2; shift 2
  ip netns exec "$tag-$ns" "$@" > "$log" 2>&1 &
  bgpid=$!
  pids+=("$bgpid")
}
# ticks <pid...>: utime+stime of all of them, in clock ticks
ticks() {
  local total=0 stat rest
  for pid in "$@"; do
    stat=$(cat "/proc/$pid/stat")
    rest=${stat##*) }
    read -r -a f <<< "$rest"
    total=$(( total + f[11] + f[12] ))
  done
  echo "$total"
}
hz=$(getconf CLK_TCK)

# agent <name> <ns> <yaml body of plugins:> [node name]: starts `pluginmesh up`, sets $bgpid
agent() {
  local name=$1 ns=$2 body=$3 dir="$work/$1" node=${4:-$1}
  mkdir -p "$dir"
  cat > "$dir/pluginmesh.yaml" <<EOF
profile: none
node:
  name: $node
  dataDir: $dir
  policiesDir: $root/policies
admin:
  listen: unix:$dir/admin.sock
logging:
  level: $AGENT_LOG_LEVEL
plugins:
$body
EOF
  local run=("$DOTNET" "$HOST_DLL" up --config "$dir/pluginmesh.yaml" --no-default-plugins --plugins-dir "$PLUGINS_DIR")
  [ -z "$AGENT_BIN" ] || run=("$AGENT_BIN" up --config "$dir/pluginmesh.yaml")
  # shellcheck disable=SC2086 # AGENT_ENV is a list of NAME=value words
  bg "$ns" "$dir/agent.log" env $AGENT_ENV ${AGENT_TASKSET:+taskset -c "$AGENT_TASKSET"} "${run[@]}"
}
# mem_sampler <file> <pid-a> <pid-b>: in the background, every RSS_EVERY s a line "seconds VmRSS-a VmRSS-b
# RssAnon-a RssAnon-b" (KiB, from /proc/<pid>/status); sets $sampler.
mem_sampler() {
  local file=$1 a=$2 b=$3
  kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$2/status" 2>/dev/null || echo 0; }
  ( while :; do echo "$(date +%s) $(kib VmRSS "$a") $(kib VmRSS "$b") $(kib RssAnon "$a") $(kib RssAnon "$b")"; sleep "$RSS_EVERY"; done ) > "$file" &
  sampler=$!
  pids+=("$sampler")
}
stop_sampler() { kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true; }
# gc_line <agent>: the agent's GC heap and committed bytes, VmRSS and its parts (its /status process section)
gc_line() {
  status "$1" | "$PY" -c 'import json, sys
d = json.load(sys.stdin)
p, M = d["process"], 2**20
g, r = p["gc"], p["rss"]
print("VmRSS %.1f MiB (anon %.1f, file %.1f, shmem %.1f); GC heap %.1f MiB, committed %.1f MiB, collections %s" % (
    r["residentBytes"] / M, r["anonymousBytes"] / M, r["fileBytes"] / M, r["sharedMemoryBytes"] / M,
    g["heapSizeBytes"] / M, g["committedBytes"] / M, g["collections"]))
if "generations" in g:
    print("  after the last GC, MiB: " + ", ".join("%s %.1f" % (x["name"], x["sizeBytes"] / M) for x in g["generations"])
          + "; allocated since start %.0f MiB" % (g["allocatedBytes"] / M))
b = d.get("libp2p", {}).get("receiveBudget")
if b:
    print("  tunnel receive buffer: peak %.1f MiB unread (cap %.0f MiB, %s)" % (b["peakBufferedBytes"] / M, b["capBytes"] / M, b["source"]))' 2>/dev/null || echo '?'
}
wait_ready() {
  local dir="$work/$1" pid=$2
  for _ in $(seq 1 1200); do
    kill -0 "$pid" 2>/dev/null || { echo "dataplane: agent $1 exited:" >&2; tail -30 "$dir/agent.log" >&2; exit 1; }
    if curl -sf --unix-socket "$dir/admin.sock" http://agent/readyz >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "dataplane: agent $1 not ready in 120 s" >&2; tail -30 "$dir/agent.log" >&2; exit 1
}
status() { curl -sf --unix-socket "$work/$1/admin.sock" http://agent/status; }

# tunnel_topology: namespaces cli, node (agent node-a) and nodeb (agent node-b), as in the header.
tunnel_topology() {
  mkns cli; mkns node; mkns nodeb
  link cli eth0 10.77.1.2/24 node toc 10.77.1.1/24
  link node lanb 10.77.3.1/24 nodeb lanb 10.77.3.2/24
  ip -n "$tag-cli" route add default via 10.77.1.1
  ip -n "$tag-nodeb" route add default via 10.77.3.1
  for ns in node nodeb; do ip -n "$tag-$ns" route add 224.0.0.0/4 dev lanb; done
  nsx node sysctl -qw net.ipv4.ip_forward=1
  # The connections-per-second loop opens thousands of connections a second; whoever closes first
  # keeps a TIME_WAIT port for 60 s (the client towards the proxy, the proxy towards the backend),
  # so with the default 28 000 ports later measurements would wait for a free one.
  for ns in cli node nodeb; do
    nsx "$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1
  done
}
# tunnel_agents <catalog file> [extra proxy.iptables settings, "key: value, ..."]: node-a (iptables mode) in node, node-b (listen mode) in nodeb,
# joined by the libp2p tunnel over lanb (mDNS + directory.p2p); sets $agent_a and $agent_b.
tunnel_agents() {
  local spec name ns addr proxy
  for spec in "node-a node 10.77.3.1 mode: iptables, tcpPort: 15001" "node-b nodeb 10.77.3.2 mode: listen, listenAddress: 127.0.0.1"; do
    read -r name ns addr proxy <<< "$spec"
    agent "$name" "$ns" "  dns.mdns:
    dns: {enabled: false}
    mdns: {enabled: true, intervalMs: 1000, interfaces: [lanb]}
  directory.p2p: {}
  catalog.file:
    path: $1
  tunnel.libp2p:
    listen: [/ip4/$addr/tcp/4001]
  proxy.iptables: {$proxy${2:+, $2}}"
    if [ "$name" = node-a ]; then agent_a=$bgpid; else agent_b=$bgpid; fi
  done
}

echo "dataplane: $(nproc) CPUs; $(uptime)"
echo "dataplane: results in $results"

# ---------------------------------------------------------------------------------------------
# 1. L4
# ---------------------------------------------------------------------------------------------
if [[ " $SECTIONS " == *" l4 "* ]]; then
  tunnel_topology
  mkns be
  link node tob 10.77.2.1/24 be eth0 10.77.2.2/24
  ip -n "$tag-be" route add default via 10.77.2.1

  # Backends: iperf3 and the echo server, in be and in nodeb.
  for spec in be:10.77.2.2 nodeb:10.77.3.2; do
    ns=${spec%%:*} addr=${spec#*:}
    bg "$ns" "$work/iperf3-$ns.log" iperf3 -s -B "$addr" -p 5201
    bg "$ns" "$work/echo-$ns.log" "$PY" "$HELPER" echo "$addr" 7000
  done

  # (b) plain DNAT in the router namespace.
  nsx node iptables -t nat -A PREROUTING -d 10.96.1.1/32 -p tcp -j DNAT --to-destination 10.77.2.2

  # (c) HAProxy, mode tcp.
  cat > "$work/haproxy.cfg" <<EOF
global
  maxconn 4096
defaults
  mode tcp
  timeout connect 5s
  timeout client 120s
  timeout server 120s
frontend iperf
  bind 10.77.1.1:15201
  default_backend iperf
backend iperf
  server be 10.77.2.2:5201
frontend echo
  bind 10.77.1.1:17000
  default_backend echo
backend echo
  server be 10.77.2.2:7000
# The same with kernel splicing where HAProxy thinks it pays (not the default).
frontend iperf-splice
  bind 10.77.1.1:15202
  option splice-auto
  default_backend iperf-splice
backend iperf-splice
  option splice-auto
  server be 10.77.2.2:5201
frontend echo-splice
  bind 10.77.1.1:17001
  option splice-auto
  default_backend echo-splice
backend echo-splice
  option splice-auto
  server be 10.77.2.2:7000
EOF
  bg node "$work/haproxy.log" haproxy -db -f "$work/haproxy.cfg"
  haproxy_pid=$bgpid

  # (d)/(e) two agents sharing one catalog.
  cat > "$work/catalog.yaml" <<EOF
services:
  - name: bench-local
    namespace: bench
    clusterIP: 10.96.0.10
    ports: [{name: iperf, port: 5201}, {name: echo, port: 7000}]
    endpoints: [{ip: 10.77.2.2, node: node-a}]
  - name: bench-remote
    namespace: bench
    clusterIP: 10.96.0.11
    ports: [{name: iperf, port: 5201}, {name: echo, port: 7000}]
    endpoints: [{ip: 10.77.3.2, node: node-b}]
nodes:
  - {name: node-a, addresses: [10.77.3.1]}
  - {name: node-b, addresses: [10.77.3.2]}
EOF
  tunnel_agents "$work/catalog.yaml"
  # The same splice code with zeroCopy off and on, side by side: two more agents on node, listen
  # mode (no rules; one port per service port on 10.77.1.1), endpoint local as for node-a.
  if [ "$COMPARE_COPY" = 1 ]; then
    for zc in copy:false splice:true; do
      agent "listen-${zc%%:*}" node "  catalog.file:
    path: $work/catalog.yaml
  proxy.iptables:
    mode: listen
    listenAddress: 10.77.1.1
    zeroCopy: ${zc#*:}" node-a
      eval "agent_${zc%%:*}=\$bgpid"
    done
  fi
  wait_ready node-a "$agent_a"
  wait_ready node-b "$agent_b"
  # listen_port <agent> <service port>
  listen_port() {
    status "$1" | "$PY" -c '
import json, sys
for s in json.load(sys.stdin)["proxy"]["services"]:
    if s["service"].endswith("bench-local"):
        print([p["listenPort"] for p in s["ports"] if p["port"] == int(sys.argv[1])][0])' "$2"
  }
  if [ "$COMPARE_COPY" = 1 ]; then
    wait_ready listen-copy "$agent_copy"
    wait_ready listen-splice "$agent_splice"
    for a in copy splice; do
      for _ in $(seq 1 100); do p=$(listen_port "listen-$a" 5201 2>/dev/null || true); [ -z "$p" ] || break; sleep 0.2; done
      eval "iperf_$a=$p"
      eval "echo_$a=$(listen_port "listen-$a" 7000)"
    done
  fi

  # Every path must answer before anything is measured (the tunnel needs mDNS + directory first).
  probes="10.77.2.2:7000 10.96.1.1:7000 10.77.1.1:17000 10.77.1.1:17001 10.96.0.10:7000 10.77.3.2:7000 10.96.0.11:7000"
  [ "$COMPARE_COPY" != 1 ] || probes+=" 10.77.1.1:$echo_copy 10.77.1.1:$echo_splice"
  for target in $probes; do
    ok=
    for _ in $(seq 1 240); do
      if nsx cli "$PY" "$HELPER" rr "${target%:*}" "${target#*:}" kept 1 > /dev/null 2>&1; then ok=1; break; fi
      pause 0.5
    done
    [ -n "$ok" ] || { echo "dataplane: $target does not answer" >&2; tail -20 "$work"/node-a/agent.log "$work"/node-b/agent.log >&2; exit 1; }
  done
  # Memory of node-a and node-b from the warm-up through every variant (those that do not pass them: their idle level).
  mem_sampler "$work/l4-mem.txt" "$agent_a" "$agent_b"
  echo "dataplane: all paths answer; warming up (256 MiB through each agent path)"
  warm="10.96.0.10:5201 10.96.0.11:5201"
  [ "$COMPARE_COPY" != 1 ] || warm+=" 10.77.1.1:$iperf_copy 10.77.1.1:$iperf_splice"
  for t in $warm; do
    nsx cli iperf3 -c "${t%:*}" -p "${t#*:}" -n 256M -J > "$work/warm.json" || true
  done

  # variant -> "iperf-host iperf-port echo-host echo-port pids-to-charge"
  declare -A target=(
    [direct]="10.77.2.2 5201 10.77.2.2 7000"
    [dnat]="10.96.1.1 5201 10.96.1.1 7000"
    [haproxy]="10.77.1.1 15201 10.77.1.1 17000 $haproxy_pid"
    [haproxy-splice]="10.77.1.1 15202 10.77.1.1 17001 $haproxy_pid"
    [pluginmesh]="10.96.0.10 5201 10.96.0.10 7000 $agent_a"
    [direct-remote]="10.77.3.2 5201 10.77.3.2 7000"
    [pluginmesh-tunnel]="10.96.0.11 5201 10.96.0.11 7000 $agent_a $agent_b"
  )
  if [ "$COMPARE_COPY" = 1 ]; then
    target[pm-listen-copy]="10.77.1.1 $iperf_copy 10.77.1.1 $echo_copy $agent_copy"
    target[pm-listen-splice]="10.77.1.1 $iperf_splice 10.77.1.1 $echo_splice $agent_splice"
  fi
  # lanb_packets: packets through node's lanb (both directions) so far
  lanb_packets() { nsx node cat /proc/net/dev | awk '/lanb:/ { print $3 + $11 }'; }
  all="direct dnat haproxy haproxy-splice pluginmesh direct-remote pluginmesh-tunnel"
  [ "$COMPARE_COPY" != 1 ] || all="direct dnat haproxy haproxy-splice pm-listen-copy pm-listen-splice pluginmesh direct-remote pluginmesh-tunnel"
  read -r -a variants <<< "${VARIANTS:-$all}"
  for rep in $(seq 1 "$REPS"); do
    for v in "${variants[@]}"; do
      read -r ihost iport ehost eport charged <<< "${target[$v]}"
      read -r -a charged <<< "$charged"
      bytes=$BYTES
      [ "$v" != pluginmesh-tunnel ] || bytes=$TUNNEL_BYTES
      line="rep $rep $v (load $(load)):"
      for par in 1 8; do
        t0=0; [ ${#charged[@]} -eq 0 ] || t0=$(ticks "${charged[@]}")
        nsx cli timeout 600 iperf3 -c "$ihost" -p "$iport" -n "$bytes" -P "$par" -J > "$work/iperf.json" \
          || { echo "dataplane: iperf3 $v -P $par failed:" >&2; head -c 2000 "$work/iperf.json" >&2; exit 1; }
        t1=0; [ ${#charged[@]} -eq 0 ] || t1=$(ticks "${charged[@]}")
        read -r mibs secs got <<< "$("$PY" "$HELPER" iperf "$work/iperf.json")"
        row l4 "$rep" "$v" "tput$par" "$mibs" "$secs s, $got B"
        if [ ${#charged[@]} -gt 0 ]; then
          row l4 "$rep" "$v" "cpu$par" "$("$PY" -c "print(f'{($t1 - $t0) / $hz / ($got / 2**30):.3f}')")"
        fi
        line+=" ${par}conn ${mibs} MiB/s"
      done
      for mode in kept fresh; do
        n=$KEPT_N; [ "$mode" = kept ] || n=$FRESH_N
        # Tunnel traffic alone crosses lanb while this runs: its packets per connection count the
        # exchanges between the agents (issue 16: a fresh connection must not add round trips).
        lanb0=$(lanb_packets)
        json=$(nsx cli "$PY" "$HELPER" rr "$ehost" "$eport" "$mode" "$n")
        if [ "$v" = pluginmesh-tunnel ]; then
          # per fresh connection / per kept round trip, the helper's warm-up (max(50, n/10)) included
          per=$(( n + (n / 10 > 50 ? n / 10 : 50) ))
          row l4 "$rep" "$v" "${mode}_lanb_packets" "$("$PY" -c "print(f'{($(lanb_packets) - $lanb0) / $per:.1f}')")"
        fi
        read -r p50 p99 errs <<< "$("$PY" -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["p50"], r["p99"], r["errors"])' "$json")"
        row l4 "$rep" "$v" "${mode}_p50" "$p50"
        row l4 "$rep" "$v" "${mode}_p99" "$p99"
        [ "$errs" = 0 ] || { row l4 "$rep" "$v" "${mode}_errors" "$errs"; line+=" $mode errors $(kinds "$json")"; }
        line+=" $mode p50/p99 ${p50%.*}/${p99%.*} us"
      done
      # Connections per second: connect, 1 byte each way, close, for CPS_SECONDS.
      if [ "$CPS_SECONDS" != 0 ]; then
        json=$(nsx cli "$PY" "$HELPER" cps "$ehost" "$eport" "$CPS_SECONDS")
        read -r cps errs <<< "$("$PY" -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["cps"], r["errors"])' "$json")"
        row l4 "$rep" "$v" cps "$cps"
        [ "$errs" = 0 ] || { row l4 "$rep" "$v" cps_errors "$errs"; line+=" (errors $(kinds "$json"))"; }
        line+=" ${cps%.*} conn/s"
      fi
      row l4 "$rep" "$v" load "$(load)"
      echo "  $line"
      if [ "$v" = pluginmesh-tunnel ] && [ -n "$tunnel_bench" ]; then
        # The same bytes through the libp2p tunnel alone (and raw TCP) on loopback, in this repetition.
        "$DOTNET" "$tunnel_bench" tunnel --only raw,libp2p --gib "$(gib "$TUNNEL_BYTES")" --reps 1 --samples 100 --idle 0 --no-js \
          --json "$work/bench-tunnel.json" > "$work/bench-tunnel.txt" 2>&1 \
          || { echo "dataplane: bench tunnel failed:" >&2; tail -20 "$work/bench-tunnel.txt" >&2; exit 1; }
        "$PY" "$HELPER" benchrows "$work/bench-tunnel.json" "$rep" >> "$results"
        echo "  rep $rep bench tunnel (load $(load)): $(grep -E '^    (C# libp2p|raw TCP), 1 stream' "$work/bench-tunnel.txt" | sed 's/^ *//' | paste -sd ';')"
      fi
    done
  done
  stop_sampler
  mem=$("$PY" "$HELPER" rss "$work/l4-mem.txt")
  cp "$work/l4-mem.txt" "$OUT/l4-mem.txt"
  "$PY" "$HELPER" memrows l4mem "$mem" >> "$results"
  echo "dataplane: l4 agents' memory MiB (VmRSS first, after warm-up, halfway, max, last; RssAnon max): $mem"
  for a in node-a node-b; do echo "dataplane: $a after the load: $(gc_line "$a")"; done
  echo "dataplane: agent node-a proxy status: $(status node-a | "$PY" -c 'import json,sys; p=json.load(sys.stdin).get("proxy",{}); print({k: p.get(k) for k in ("mode","activeConnections")}, [(s["service"], [(q["port"], q.get("connections"), q.get("bytesIn")) for q in s["ports"]]) for s in p.get("services",[])])' 2>/dev/null || echo '?')"
  stop_pid "$agent_b"; stop_pid "$agent_a"; stop_pid "$haproxy_pid"
  [ "$COMPARE_COPY" != 1 ] || { stop_pid "$agent_copy"; stop_pid "$agent_splice"; }
fi

# ---------------------------------------------------------------------------------------------
# UDP soak (issue 16; bench/udp-soak.sh): UDP_N datagrams from cli to ClusterIP 10.96.0.12:7001,
# endpoint 10.77.3.2:7001 on node-b: node-a's UDP listener, a libp2p stream with framed datagrams,
# node-b's tunnel server, a UDP echo server, and back. Not in the default SECTIONS.
# ---------------------------------------------------------------------------------------------
if [[ " $SECTIONS " == *" udp "* ]]; then
  # After the l4 section the namespaces are there already (its agents are stopped).
  [[ " ${namespaces[*]} " == *" $tag-nodeb "* ]] || tunnel_topology
  bg nodeb "$work/udpecho.log" "$PY" "$HELPER" udpecho 10.77.3.2 7001
  cat > "$work/udp-catalog.yaml" <<EOF
services:
  - name: bench-udp
    namespace: bench
    clusterIP: 10.96.0.12
    ports: [{name: echo, port: 7001, protocol: UDP}]
    endpoints: [{ip: 10.77.3.2, node: node-b}]
nodes:
  - {name: node-a, addresses: [10.77.3.1]}
  - {name: node-b, addresses: [10.77.3.2]}
EOF
  tunnel_agents "$work/udp-catalog.yaml" "udpIdleTimeoutMs: $UDP_IDLE_MS"
  wait_ready node-a "$agent_a"
  wait_ready node-b "$agent_b"
  ok=
  for _ in $(seq 1 240); do
    if nsx cli "$PY" "$HELPER" udpsoak 10.96.0.12 7001 1 1 1 0.5 2>/dev/null | grep -q '"received": 1,'; then ok=1; break; fi
    pause 0.5
  done
  [ -n "$ok" ] || { echo "dataplane: 10.96.0.12:7001 (udp) does not answer" >&2; tail -n 20 "$work"/node-a/agent.log "$work"/node-b/agent.log >&2; exit 1; }
  # Memory of both agents every RSS_EVERY seconds while the soak runs.
  mem_sampler "$work/rss.txt" "$agent_a" "$agent_b"
  echo "dataplane: udp soak: $UDP_N datagrams, window $UDP_WINDOW, $UDP_SESSIONS client sessions in turn (load $(load))"
  soak=$(nsx cli "$PY" "$HELPER" udpsoak 10.96.0.12 7001 "$UDP_N" "$UDP_WINDOW" "$UDP_SESSIONS")
  stop_sampler
  mem=$("$PY" "$HELPER" rss "$work/rss.txt")
  cp "$work/rss.txt" "$OUT/rss.txt"
  echo "dataplane: udp soak: $soak"
  echo "dataplane: udp soak VmRSS MiB (first, after warm-up, halfway, max, last): $mem"
  "$PY" "$HELPER" udprows "$soak" "$mem" >> "$results"
  # Every session is freed once idle: no connection left open on either agent.
  active() { status "$1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["proxy"]["activeConnections"])'; }
  idle_s=$(( UDP_IDLE_MS * 3 / 1000 + 1 ))
  pause "$idle_s"
  a_open=$(active node-a); b_open=$(active node-b)
  row udp 1 node-a open_after_idle "$a_open"
  row udp 1 node-b open_after_idle "$b_open"
  echo "dataplane: udp sessions still open $idle_s s after the soak: node-a $a_open, node-b $b_open"
  stop_pid "$agent_b"; stop_pid "$agent_a"
  mismatched=$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["mismatched"])' "$soak")
  [ "$mismatched" = 0 ] || { echo "dataplane: udp soak: $mismatched answers were not exactly one sent datagram (merged, split or corrupted)" >&2; exit 1; }
fi

# ---------------------------------------------------------------------------------------------
# 2. DNS
# ---------------------------------------------------------------------------------------------
if [[ " $SECTIONS " == *" dns "* ]]; then
  mkns dns
  "$PY" "$HELPER" catalog dns "$DNS_SERVICES" "$work/dns-catalog.yaml"
  : > "$work/queries.txt"
  : > "$work/dnsmasq.conf"
  for i in $(seq 0 $(( DNS_SERVICES - 1 ))); do
    echo "svc-$i.bench.svc.cluster.local A" >> "$work/queries.txt"
    echo "host-record=svc-$i.bench.svc.cluster.local,10.$(( 100 + i / 62500 )).$(( (i / 250) % 250 )).$(( i % 250 + 1 ))" >> "$work/dnsmasq.conf"
  done
  cat >> "$work/dnsmasq.conf" <<EOF
port=5301
listen-address=127.0.0.1
bind-interfaces
no-resolv
no-hosts
no-negcache
EOF
  AGENT_TASKSET=1 agent dns-node dns "  catalog.file:
    path: $work/dns-catalog.yaml
  dns.mdns:
    listen: [127.0.0.1:5300]
    createInterface: false
    upstreams: [127.0.0.1:5301]
    mdns: {enabled: false}"
  agent_dns=$bgpid
  bg dns "$work/dnsmasq.log" taskset -c 1 dnsmasq -k --conf-file="$work/dnsmasq.conf" --pid-file="$work/dnsmasq.pid" --log-facility="$work/dnsmasq-own.log"
  dnsmasq_pid=$bgpid
  wait_ready dns-node "$agent_dns"
  # dnsperf: the same query file for both; -c 4 -q 200 as in the earlier measurement.
  perf() {
    nsx dns taskset -c 0 dnsperf -s 127.0.0.1 -p "$1" -d "$work/queries.txt" -c 4 -q 200 -l "$2" 2>&1
  }
  ok=
  for _ in $(seq 1 100); do
    if perf 5300 1 | grep -q 'Queries completed: *[1-9]'; then ok=1; break; fi
    pause 0.5
  done
  [ -n "$ok" ] || { echo "dataplane: dns.mdns does not answer" >&2; tail -20 "$work/dns-node/agent.log" >&2; exit 1; }
  perf 5301 2 | grep -q 'Queries completed: *[1-9]' || { echo "dataplane: dnsmasq does not answer" >&2; cat "$work/dnsmasq.log" >&2; exit 1; }
  perf 5300 3 > /dev/null   # JIT warm-up
  for rep in $(seq 1 "$DNS_RUNS"); do
    for server in dnsmasq:5301 dns.mdns:5300; do
      name=${server%%:*} port=${server#*:}
      l0=$(load)
      out=$(perf "$port" "$DNS_SECONDS")
      echo "$out" > "$OUT/dnsperf-$name-$rep.txt"
      qps=$(awk '/Queries per second:/ { print $4 }' <<< "$out")
      lat=$(awk '/Average Latency/ { print $4 * 1000 }' <<< "$out")
      lost=$(awk '/Queries lost:/ { print $3 }' <<< "$out")
      row dns "$rep" "$name" qps "$qps"
      row dns "$rep" "$name" lat_ms "$lat"
      row dns "$rep" "$name" lost "$lost"
      row dns "$rep" "$name" load "$l0"
      echo "  dns rep $rep $name: $qps q/s, avg latency $lat ms, lost $lost (load $l0)"
    done
  done
  stop_pid "$agent_dns"; stop_pid "$dnsmasq_pid"
fi

# ---------------------------------------------------------------------------------------------
# 3. Rule sync for SYNC_SERVICES services
# ---------------------------------------------------------------------------------------------
if [[ " $SECTIONS " == *" sync "* ]]; then
  mkns sync
  "$PY" "$HELPER" catalog sync "$SYNC_SERVICES" "$work/sync-catalog.yaml"
  agent node-s sync "  catalog.file:
    path: $work/sync-catalog.yaml
    pollIntervalSeconds: 1
  proxy.iptables:
    mode: iptables
    tcpPort: 15001"
  agent_sync=$bgpid
  wait_ready node-s "$agent_sync"
  # rules_state: "<rules> <lastSync> <lastSyncMs> <kind> <binary>"
  rules_state() {
    status node-s | "$PY" -c '
import json, sys
r = (json.load(sys.stdin).get("proxy") or {}).get("rules") or {}
print(r.get("rules"), r.get("lastSync"), r.get("lastSyncMs"), r.get("lastSyncKind"), str(r.get("binary")) + "/" + str(r.get("backend")), r.get("lastError") or "")' 2>/dev/null || echo "? ? ? ? ?"
  }
  # wait_rules <count> <previous lastSync>: until the agent reports <count> rules from a newer sync
  wait_rules() {
    local state
    for _ in $(seq 1 1200); do
      state=$(rules_state)
      read -r n when ms kind binary _ <<< "$state"
      if [ "$n" = "$1" ] && [ "$when" != "$2" ]; then echo "$state"; return 0; fi
      sleep 0.1
    done
    echo "dataplane: no sync to $1 rules; last state: $state" >&2; tail -20 "$work/node-s/agent.log" >&2; exit 1
  }
  step() {  # step <label> <expected rules> <previous lastSync>
    local state l0
    l0=$(load)
    state=$(wait_rules "$2" "$3")
    read -r n when ms kind binary _ <<< "$state"
    row sync 1 "$1" ms "$ms" "$kind, $n rules, $binary, load $l0"
    echo "  sync $1: $ms ms ($kind, $n rules, $binary, load $l0)" >&2
    echo "$when"
  }
  last=$(step "install $SYNC_SERVICES" "$SYNC_SERVICES" none)
  cp "$work/sync-catalog.yaml" "$work/sync-full.yaml"
  for round in 1 2 3; do
    # +1 service, -1 service (incremental), half the services (rewrite), all again (rewrite)
    { cat "$work/sync-full.yaml" | sed '/^nodes:/,$d'; cat <<EOF; sed -n '/^nodes:/,$p' "$work/sync-full.yaml"; } > "$work/next.yaml"
  - name: extra
    namespace: bench
    clusterIP: 10.99.0.1
    ports: [{name: http, port: 80}]
    endpoints: [{ip: 10.244.255.1, node: node-s}]
EOF
    mv "$work/next.yaml" "$work/sync-catalog.yaml"
    last=$(step "incremental +1 (round $round)" $(( SYNC_SERVICES + 1 )) "$last")
    cp "$work/sync-full.yaml" "$work/sync-catalog.yaml.tmp" && mv "$work/sync-catalog.yaml.tmp" "$work/sync-catalog.yaml"
    last=$(step "incremental -1 (round $round)" "$SYNC_SERVICES" "$last")
    "$PY" "$HELPER" catalog sync $(( SYNC_SERVICES / 2 )) "$work/sync-catalog.yaml.tmp" && mv "$work/sync-catalog.yaml.tmp" "$work/sync-catalog.yaml"
    last=$(step "rewrite to $(( SYNC_SERVICES / 2 )) (round $round)" $(( SYNC_SERVICES / 2 )) "$last")
    cp "$work/sync-full.yaml" "$work/sync-catalog.yaml.tmp" && mv "$work/sync-catalog.yaml.tmp" "$work/sync-catalog.yaml"
    last=$(step "rewrite to $SYNC_SERVICES (round $round)" "$SYNC_SERVICES" "$last")
  done
  stop_pid "$agent_sync"
  left=$(nsx sync iptables-save -t nat 2>/dev/null | grep -c PLUGINMESH || true)
  echo "  sync: PLUGINMESH lines left in the namespace's nat table after the agent stopped: $left"
fi

echo
echo "dataplane: $(uptime)"
echo
"$PY" "$HELPER" summary "$results" | tee "$OUT/summary.txt"
exit
}
