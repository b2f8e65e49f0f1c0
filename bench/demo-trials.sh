#!/usr/bin/env bash
# Repeats `pluginmesh demo --netns` (root) to measure what one run cannot:
#   - hole-punch success over N runs with DCUtR on (edges behind port-preserving NATs that drop
#     unsolicited SYNs), and the relay-kill recovery time when the path is hole-punched;
#   - failover time over M runs with DCUtR off: relay-1 is SIGKILLed while carrying edge-a <-> edge-b
#     and the time until edge-b answers edge-a again through relay-2.
# Usage: bench/demo-trials.sh [N=20] [M=10]        (from the repository root, after a build)
# (only the summary table's lines are counted: each figure also appears once in the progress lines)
# Env: PLUGINMESH="dotnet src/Cli/bin/Debug/net10.0/pluginmesh.dll" to choose the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
punch_runs=${1:-20}
failover_runs=${2:-10}
pm=${PLUGINMESH:-"dotnet src/Cli/bin/Debug/net10.0/pluginmesh.dll"}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() { # kind index args...
  local kind=$1 i=$2; shift 2
  if $pm demo --netns --requests 6 "$@" >"$out/$kind-$i.txt" 2>&1; then echo ok; else echo failed; fi
}

stats() { # numbers on stdin -> "median X max Y" (seconds)
  sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "median %.2f s, max %.2f s (n=%d)\n", m, a[NR], NR }'
}

punched=0
for i in $(seq 1 "$punch_runs"); do
  result=$(run punch "$i")
  if grep -qE '^hole punch +ok' "$out/punch-$i.txt"; then punched=$((punched + 1)); fi
  echo "hole-punch run $i: demo $result, $(grep -E '^hole punch ' "$out/punch-$i.txt" | awk '{print $3}')"
done

for i in $(seq 1 "$failover_runs"); do
  result=$(run failover "$i" --no-hole-punch)
  echo "failover run $i: demo $result, $(grep -E '^recovery ' "$out/failover-$i.txt" | sed -E 's/ +/ /g' | cut -c1-120)"
done

echo
echo "hole punch: $punched of $punch_runs runs upgraded edge-a <-> edge-b to a direct connection"
echo -n "recovery after relay kill, hole-punched path: "
grep -hE '^recovery ' "$out"/punch-*.txt | grep -oE 'again [0-9.]+ s after the kill' | awk '{print $2}' | stats
echo -n "failover to the other relay (DCUtR off): "
grep -hE '^recovery ' "$out"/failover-*.txt | grep -oE 'again [0-9.]+ s after the kill' | awk '{print $2}' | stats
echo -n "failed requests during failover: "
grep -hE '^recovery ' "$out"/failover-*.txt | grep -oE '[0-9]+ of [0-9]+ requests failed' | awk '{f += $1; n += $3} END {print f " of " n}'
