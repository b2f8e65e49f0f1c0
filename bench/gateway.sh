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
#   yarp     `PluginMesh.Bench yarp-serve`: YARP's direct forwarding with no gateway code (Kestrel with
#            the gateway's transport options, IHttpForwarder to a fixed prefix, the empty transformer):
#            the library's own floor, so the gateway's cost above it can be read apart from YARP's
#   agent    the built agent, `pluginmesh up` (profile none: cache.litedb, catalog.file holding the
#            backend Service and an Istio Gateway + VirtualService under `resources:`, proxy.iptables
#            in listen mode, gateway.istio with accessLog off): what users run, the request going
#            through the proxy's real IServiceConnector. AGENT=0 leaves it out.
# Load: `PluginMesh.Bench http-load` (HttpClient, one keep-alive connection per worker, GETs back to
# back); it runs on the same 2 cores as what it measures, for every variant alike.
#
# Needs haproxy (apt-get install -y haproxy), the bench built and (for `agent`) the agent and its plugins:
#   dotnet build -c Release bench/PluginMesh.Bench
#   for p in src/Cli plugins/Cache.LiteDb plugins/Catalog.File plugins/Proxy.Iptables plugins/Gateway.Istio; do dotnet build -c Release $p; done
# GATEWAY_ENV / AGENT_ENV: NAME=value words for the gateway-serve / agent process (runtime knobs).
# Uses 127.0.0.1 ports 18181-18185. Results: a table on stdout, raw rows in $OUT/results.tsv.
set -euo pipefail
{
cd "$(dirname "$0")/.."
root=$(pwd)
REPS=${REPS:-3}
CONNECTIONS=${CONNECTIONS:-64}
SECONDS_EACH=${SECONDS_EACH:-10}
WARMUP=${WARMUP:-5}                    # seconds of unmeasured load per variant first (JIT tiers, pools)
AGENT=${AGENT:-1}
HOST_DLL=${HOST_DLL:-$root/src/Cli/bin/Release/net10.0/pluginmesh.dll}
PLUGINS_DIR=${PLUGINS_DIR:-$root/artifacts/plugins/Release}
bench="dotnet $root/bench/PluginMesh.Bench/bin/Release/net10.0/PluginMesh.Bench.dll"
[ -f "$root/bench/PluginMesh.Bench/bin/Release/net10.0/PluginMesh.Bench.dll" ] || { echo "gateway bench: dotnet build -c Release bench/PluginMesh.Bench first" >&2; exit 1; }
command -v haproxy >/dev/null || { echo "gateway bench: haproxy missing (apt-get install -y haproxy)" >&2; exit 1; }
if [ "$AGENT" = 1 ]; then
  [ -f "$HOST_DLL" ] || { echo "gateway bench: $HOST_DLL not found; build src/Cli -c Release (see the header) or AGENT=0" >&2; exit 1; }
  for p in Cache.LiteDb Catalog.File Proxy.Iptables Gateway.Istio; do
    [ -d "$PLUGINS_DIR/$p" ] || { echo "gateway bench: $PLUGINS_DIR/$p not found; build plugins/$p -c Release (see the header) or AGENT=0" >&2; exit 1; }
  done
fi
work=${OUT:-$(mktemp -d /tmp/pm-gateway.XXXXXX)}
mkdir -p "$work"
pids=()
cleanup() {
  # Closing the fifos ends the .NET servers (they serve until stdin closes); TERM the rest, and KILL
  # whatever is still there after 5 s (yarp-serve once sat in its host's SIGTERM handler, and the
  # script waited for it for good).
  exec 8>&- 9>&- 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 50); do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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
mkfifo "$work/yarp.stdin"
env ${GATEWAY_ENV:-} $bench yarp-serve 18185 18181 < "$work/yarp.stdin" > "$work/yarp.log" 2>&1 &
pids+=($!)
exec 8>"$work/yarp.stdin"

variants="direct:18181 haproxy:18182 yarp:18185 gateway:18183"
if [ "$AGENT" = 1 ]; then
  variants+=" agent:18184"
  # The backend as a Service whose one endpoint is the HAProxy backend frontend; the Gateway opens
  # 18184 on loopback and its VirtualService routes every request to that Service.
  cat > "$work/catalog.yaml" <<CAT
services:
  - name: backend
    namespace: bench
    clusterIP: 10.96.0.80
    ports: [{name: http, port: 80, targetPort: 18181}]
    endpoints: [{ip: 127.0.0.1}]
resources:
  - apiVersion: networking.istio.io/v1
    kind: Gateway
    metadata: {name: bench, namespace: bench}
    spec:
      selector: {istio: ingressgateway}
      servers:
        - port: {number: 18184, name: http, protocol: HTTP}
          hosts: ["*"]
  - apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata: {name: bench, namespace: bench}
    spec:
      hosts: ["*"]
      gateways: [bench]
      http:
        - route:
            - destination: {host: backend.bench.svc.cluster.local, port: {number: 80}}
CAT
  cat > "$work/pluginmesh.yaml" <<CFG
profile: none
node:
  name: bench
  dataDir: $work/agent
  policiesDir: $root/policies
admin:
  listen: unix:$work/admin.sock
logging:
  level: Warning
plugins:
  cache.litedb: {}
  catalog.file:
    path: $work/catalog.yaml
  proxy.iptables:
    mode: listen
    listenAddress: 127.0.0.1
  gateway.istio:
    includeInterfaces: [lo]
    accessLog: off
CFG
  mkdir -p "$work/agent"
  # shellcheck disable=SC2086 # AGENT_ENV is a list of NAME=value words
  env ${AGENT_ENV:-} dotnet "$HOST_DLL" up --config "$work/pluginmesh.yaml" --no-default-plugins --plugins-dir "$PLUGINS_DIR" > "$work/agent.log" 2>&1 &
  pids+=($!)
  agent_pid=$!
fi

for variant in $variants; do
  port=${variant#*:}
  for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || { echo "gateway bench: process $p exited; see $work/*.log" >&2; exit 1; }; done
    sleep 0.2
  done
  curl -fs "http://127.0.0.1:$port/" >/dev/null || { echo "gateway bench: ${variant%%:*} not serving on $port; see $work/*.log" >&2; exit 1; }
done

run() { # variant url
  local row
  row=$($bench http-load "$2" "$CONNECTIONS" "$SECONDS_EACH")
  printf '%s\t%s\n' "$1" "$row" | tee -a "$work/results.tsv"
}
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

: > "$work/results.tsv"
for variant in $variants; do
  $bench http-load "http://127.0.0.1:${variant#*:}/" "$CONNECTIONS" "$WARMUP" > /dev/null
done
for rep in $(seq 1 "$REPS"); do
  for variant in $variants; do run "${variant%%:*}" "http://127.0.0.1:${variant#*:}/"; done
done
echo "gateway process VmRSS after the runs: $(( $(rss "$gateway_pid") / 1024 )) MiB" | tee -a "$work/rss.txt"
[ "$AGENT" != 1 ] || echo "agent process VmRSS after the runs: $(( $(rss "$agent_pid") / 1024 )) MiB" | tee -a "$work/rss.txt"
python3 - "$work/results.tsv" <<'PY'
import statistics, sys
by = {}
for line in open(sys.argv[1]):
    variant, *fields = line.rstrip('\n').split('\t')
    row = dict(f.split('=') for f in fields)
    by.setdefault(variant, []).append(row)
print(f"\nmedians over {len(by['gateway'])} runs:")
rps = lambda v: statistics.median(float(r['rps']) for r in by[v])
# Repetitions are interleaved: a ratio taken within each repetition cancels the machine's drift between them.
paired = lambda v, base: statistics.median(float(a['rps']) / float(b['rps']) for a, b in zip(by[v], by[base]))
print(f"  {'variant':<8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'/haproxy':>9} {'paired':>7}  runs req/s")
for v in by:
    rows = by[v]
    med = lambda k: statistics.median(float(r[k]) for r in rows)
    ratio = '' if v == 'direct' else f"{rps(v) / rps('haproxy'):.2f}"
    pair = '' if v == 'direct' else f"{paired(v, 'haproxy'):.2f}"
    runs = ' '.join(f"{float(r['rps']):.0f}" for r in rows)
    print(f"  {v:<8} {rps(v):9.0f} {med('p50_ms'):8.3f} {med('p99_ms'):8.3f} {sum(int(r['errors']) for r in rows):7d} {ratio:>9} {pair:>7}  {runs}")
if 'yarp' in by:
    for v in ('gateway', 'agent'):
        if v in by: print(f"  {v} / yarp (paired): {paired(v, 'yarp'):.2f}")
PY
echo "raw rows and logs: $work"
}
