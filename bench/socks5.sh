#!/usr/bin/env bash
# SOCKS5 node proxy benchmark (issue 17): bulk TCP throughput through proxy.socks5 against the
# same transfer without it, in the same run. Two agents on loopback (node-a, node-b) joined by the
# libp2p tunnel with a swarm key; a netcat server on node-b's allowed port sends BYTES of zeros.
#
#   bench/socks5.sh                      # 3 interleaved repetitions of 1 GiB
#   REPS=5 BYTES=256M bench/socks5.sh
#
# Variants: direct (nc to the server), own-node (nc -X 5 through node-b's own proxy: loopback
# dial, no tunnel), other-node (nc -X 5 through node-a's proxy: a libp2p stream to node-b, pnet +
# Noise + Yamux, then node-b dials the port). The client is OpenBSD nc in every variant, so its
# own cost is in the baseline too.
#
# Needs the agent and plugins built (CONFIGURATION, default Release: dotnet build -c Release src/Cli),
# netcat-openbsd and python3. Uses 127.0.0.1 ports 14101-14102, 10801-10802, 18080, 19501-19502.
set -euo pipefail
{
cd "$(dirname "$0")/.."
root=$(pwd)
REPS=${REPS:-3}
BYTES=${BYTES:-1G}
CONNS_SECONDS=${CONNS_SECONDS:-10}   # then connections for this long per variant: CONNECT, 1 byte each way, close (0: skip)
CONFIGURATION=${CONFIGURATION:-Release}
pm=$root/src/Cli/bin/$CONFIGURATION/net10.0/pluginmesh
[ -x "$pm" ] || { echo "socks5 bench: $pm missing; dotnet build -c $CONFIGURATION src/Cli" >&2; exit 1; }
work=$(mktemp -d /tmp/pm-socks5.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

peer_b=$("$pm" p2p keygen --key "$work/b/libp2p/identity.key" --psk "$work/swarm.key" | python3 -c 'import json,sys; print(json.load(sys.stdin)["peerId"])')
agent() { # name admin-port libp2p-port socks-port extra-yaml
  cat > "$work/$1.yaml" <<YAML
profile: none
node: {name: $1, dataDir: $work/${1#node-}, policiesDir: $root/policies}
admin: {listen: 127.0.0.1:$2}
logging: {level: Warning}
plugins:
  cache.litedb: {}
  tunnel.libp2p: {listen: [/ip4/127.0.0.1/tcp/$3], pskFile: $work/swarm.key}
  directory.p2p: {syncIntervalSeconds: 2}
  proxy.socks5: {listen: 127.0.0.1:$4, allowedPorts: [18080]}
$5
YAML
  "$pm" up --config "$work/$1.yaml" > "$work/$1.log" 2>&1 &
  pids+=($!)
}
agent node-b 19502 14101 10801 "  tunnel.relay: {relay: always, members: psk}"
agent node-a 19501 14102 10802 "  tunnel.relay: {relay: never, autorelay: false, reserve: [/ip4/127.0.0.1/tcp/14101/p2p/$peer_b]}"

# Ready when node-a's proxy reaches node-b (the directory has synced).
ready=no
for _ in $(seq 1 60); do
  printf 'x' | nc -N -l 127.0.0.1 18080 >/dev/null 2>&1 &
  probe=$!
  sleep 0.2
  if [ "$(nc -X 5 -x 127.0.0.1:10802 node-b 18080 </dev/null 2>/dev/null)" = x ]; then ready=yes; fi
  kill "$probe" 2>/dev/null || true
  wait "$probe" 2>/dev/null || true
  [ "$ready" = yes ] && break
  sleep 1
done
[ "$ready" = yes ] || { echo "socks5 bench: node-a never reached node-b; see $work/*.log" >&2; exit 1; }

run() { # label client-command...
  head -c "$BYTES" /dev/zero | nc -N -l 127.0.0.1 18080 >/dev/null 2>&1 &
  local server=$!
  sleep 0.3
  local start end n
  start=$(date +%s.%N)
  n=$("${@:2}" </dev/null 2>/dev/null | wc -c)
  end=$(date +%s.%N)
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  python3 -c "import sys; n=$n; print(f'$1\t{n}\t{n/($end-$start)/1048576:.1f}')"
}

printf 'variant\tbytes\tMiB/s\n' | tee "$work/results.tsv"
for rep in $(seq 1 "$REPS"); do
  run direct nc 127.0.0.1 18080 | tee -a "$work/results.tsv"
  run own-node nc -X 5 -x 127.0.0.1:10801 node-b 18080 | tee -a "$work/results.tsv"
  run other-node nc -X 5 -x 127.0.0.1:10802 node-b 18080 | tee -a "$work/results.tsv"
done
python3 - "$work/results.tsv" <<'PY'
import statistics, sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1])][1:]
by = {}
for v, n, r in rows:
    by.setdefault(v, []).append(float(r))
base = statistics.median(by['direct'])
print('\nmedian MiB/s (ratio to direct):')
for v in ('direct', 'own-node', 'other-node'):
    m = statistics.median(by[v])
    print(f'  {v:<11} {m:8.1f}  ({m / base:.2f})')
PY
if [ "$CONNS_SECONDS" != 0 ]; then
  # Short sessions one after the other (what ssh/nc ProxyCommands do): connections per second and
  # any that failed, by kind, through each proxy to an echo server on node-b's allowed port.
  python3 "$root/bench/dataplane.py" echo 127.0.0.1 18080 &
  pids+=($!)
  sleep 0.5
  echo
  echo "connections (SOCKS5 CONNECT node-b:18080, 1 byte each way, close), $CONNS_SECONDS s each:"
  for v in own-node:10801 other-node:10802; do
    BENCH_DIR=$root/bench python3 - "${v%%:*}" "${v##*:}" "$CONNS_SECONDS" <<'PY'
import os, socket, struct, sys, time
sys.path.insert(0, os.environ["BENCH_DIR"])
from dataplane import _kind  # the error kinds dataplane.sh prints
label, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
def one():
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"\x05\x01\x00")
        if s.recv(2) != b"\x05\x00":
            raise ConnectionError("method refused")
        host = b"node-b"
        s.sendall(b"\x05\x01\x00\x03" + bytes([len(host)]) + host + struct.pack(">H", 18080))
        reply = b""
        while len(reply) < 10:
            chunk = s.recv(10 - len(reply))
            if not chunk:
                raise ConnectionError("closed in the reply")
            reply += chunk
        if reply[1] != 0:
            raise ConnectionError(f"reply {reply[1]}")
        s.sendall(b"x")
        if s.recv(1) != b"x":
            raise ConnectionError("no echo")
done, kinds, worst = 0, {}, 0.0
end = time.monotonic() + seconds
start = time.monotonic()
while time.monotonic() < end:
    t0 = time.monotonic()
    try:
        one()
        done += 1
    except OSError as e:
        kinds[_kind(e)] = kinds.get(_kind(e), 0) + 1
    worst = max(worst, time.monotonic() - t0)
secs = time.monotonic() - start
print(f"  {label:<11} {done / secs:8.1f} conn/s  {done} ok, errors {kinds or 0}, slowest {worst * 1000:.0f} ms")
PY
  done
fi
echo "raw rows and agent logs: $work"
}
