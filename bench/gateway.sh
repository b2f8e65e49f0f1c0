#!/usr/bin/env bash
# Ingress gateway benchmark (issue 17): HTTP requests per second and p50/p99 with keep-alive through
# gateway.istio's runtime (Kestrel + YARP + the retry handler, one route) against HAProxy in HTTP
# mode, in the same run, to the same backend, with the same load generator.
#
#   bench/gateway.sh                              # 5 s warm-up, then 3 interleaved repetitions, 64 connections, 10 s each
#   REPS=5 CONNECTIONS=128 SECONDS_EACH=20 bench/gateway.sh
#
# Backend: an HAProxy frontend that answers every request itself (`http-request return`, 200, a
# 13-byte body), so that neither side of the comparison waits on a slow origin. Variants:
#   direct   the load generator straight to the backend (the ceiling of this machine and client)
#   haproxy  HAProxy, mode http, keep-alive both ways (http-reuse safe), nbthread 2
#   gateway  `PluginMesh.Bench gateway-serve`: the gateway's listener, route match, YARP forwarding
#            over pooled connections opened by an IServiceConnector that dials the backend
#            (the proxy's own connector adds its endpoint choice on new connections only)
# Load: `PluginMesh.Bench http-load` (HttpClient, one keep-alive connection per worker, GETs back to
# back); it runs on the same 2 cores as what it measures, for every variant alike.
#
# Needs haproxy (apt-get install -y haproxy) and the bench built:
#   dotnet build -c Release bench/PluginMesh.Bench
# Uses 127.0.0.1 ports 18181-18183. Results: a table on stdout, raw rows in $OUT/results.tsv.
set -euo pipefail
{
cd "$(dirname "$0")/.."
root=$(pwd)
REPS=${REPS:-3}
CONNECTIONS=${CONNECTIONS:-64}
SECONDS_EACH=${SECONDS_EACH:-10}
WARMUP=${WARMUP:-5}                    # seconds of unmeasured load per variant first (JIT tiers, pools)
bench="dotnet $root/bench/PluginMesh.Bench/bin/Release/net10.0/PluginMesh.Bench.dll"
[ -f "$root/bench/PluginMesh.Bench/bin/Release/net10.0/PluginMesh.Bench.dll" ] || { echo "gateway bench: dotnet build -c Release bench/PluginMesh.Bench first" >&2; exit 1; }
command -v haproxy >/dev/null || { echo "gateway bench: haproxy missing (apt-get install -y haproxy)" >&2; exit 1; }
work=${OUT:-$(mktemp -d /tmp/pm-gateway.XXXXXX)}
mkdir -p "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

cat > "$work/haproxy.cfg" <<CFG
global
  nbthread 2
  maxconn 4000
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
  option http-keep-alive
frontend backend
  bind 127.0.0.1:18181
  http-request return status 200 content-type text/plain string "hello, world\n"
frontend proxy
  bind 127.0.0.1:18182
  default_backend origin
backend origin
  http-reuse safe
  server origin 127.0.0.1:18181
CFG
haproxy -f "$work/haproxy.cfg" -db > "$work/haproxy.log" 2>&1 &
pids+=($!)
# The gateway reads stdin until it closes: a fifo held open by this script.
mkfifo "$work/gateway.stdin"
env ${GATEWAY_ENV:-} $bench gateway-serve 18183 18181 < "$work/gateway.stdin" > "$work/gateway.log" 2>&1 &
pids+=($!)
gateway_pid=$!
exec 9>"$work/gateway.stdin"

for _ in $(seq 1 100); do
  curl -fs http://127.0.0.1:18182/ >/dev/null 2>&1 && curl -fs http://127.0.0.1:18183/ >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs http://127.0.0.1:18183/ >/dev/null || { echo "gateway bench: not serving; see $work/*.log" >&2; exit 1; }

run() { # variant url
  local row
  row=$($bench http-load "$2" "$CONNECTIONS" "$SECONDS_EACH")
  printf '%s\t%s\n' "$1" "$row" | tee -a "$work/results.tsv"
}
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

: > "$work/results.tsv"
for url in http://127.0.0.1:18181/ http://127.0.0.1:18182/ http://127.0.0.1:18183/; do
  $bench http-load "$url" "$CONNECTIONS" "$WARMUP" > /dev/null
done
for rep in $(seq 1 "$REPS"); do
  run direct http://127.0.0.1:18181/
  run haproxy http://127.0.0.1:18182/
  run gateway http://127.0.0.1:18183/
done
echo "gateway process VmRSS after the runs: $(( $(rss "$gateway_pid") / 1024 )) MiB" | tee -a "$work/rss.txt"
python3 - "$work/results.tsv" <<'PY'
import statistics, sys
by = {}
for line in open(sys.argv[1]):
    variant, *fields = line.rstrip('\n').split('\t')
    row = dict(f.split('=') for f in fields)
    by.setdefault(variant, []).append(row)
print(f"\nmedians over {len(by['gateway'])} runs:")
print(f"  {'variant':<8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
for v in ('direct', 'haproxy', 'gateway'):
    rows = by[v]
    med = lambda k: statistics.median(float(r[k]) for r in rows)
    print(f"  {v:<8} {med('rps'):9.0f} {med('p50_ms'):8.3f} {med('p99_ms'):8.3f} {sum(int(r['errors']) for r in rows):7d}")
g, h = statistics.median(float(r['rps']) for r in by['gateway']), statistics.median(float(r['rps']) for r in by['haproxy'])
print(f"\ngateway / haproxy requests/s: {g / h:.2f}")
PY
echo "raw rows and logs: $work"
}
