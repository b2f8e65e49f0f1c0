#!/usr/bin/env bash
# Installs what the test suites need on a fresh machine that has only the .NET SDK:
# Debian packages (iproute2 and iptables for network-namespace tests, Node.js and npm for the
# js-libp2p interop peer) and the pinned npm trees (npm ci from each lockfile under tests/).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v ip >/dev/null || need+=(iproute2)
command -v iptables >/dev/null || need+=(iptables)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-deps: missing ${need[*]}; run as root or install them" >&2
    exit 1
  fi
  echo "test-deps: installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

for lock in $(find tests -name package-lock.json -not -path '*/node_modules/*'); do
  dir=$(dirname "$lock")
  stamp="$dir/node_modules/.pluginmesh-lock.sha256"
  sum=$(sha256sum "$lock" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then continue; fi
  echo "test-deps: npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$sum" > "$stamp"
done
