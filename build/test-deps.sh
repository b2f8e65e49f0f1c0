#!/usr/bin/env bash
# Installs what the test suites need on a fresh machine that has only the .NET SDK:
# Debian packages (iproute2 and iptables for network-namespace tests, dnsutils for dig as a
# third-party DNS client, strace for the cache's fsync tests, curl and OpenBSD netcat as third-party
# SOCKS5 clients, Node.js and npm for the js-libp2p interop peer) and the pinned npm trees (npm ci
# from each lockfile under tests/).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v ip >/dev/null || need+=(iproute2)
command -v iptables >/dev/null || need+=(iptables)
command -v dig >/dev/null || need+=(dnsutils)
command -v strace >/dev/null || need+=(strace)
command -v curl >/dev/null || need+=(curl)
# The OpenBSD netcat: it speaks SOCKS5 (-X 5 -x), the traditional one does not.
{ command -v nc >/dev/null && [[ "$(nc -h 2>&1 || true)" == *"-X proto"* ]]; } || need+=(netcat-openbsd)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-deps: missing ${need[*]}; run as root or install them" >&2
    exit 1
  fi
  echo "test-deps: installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}" >/dev/null
fi

# The packaging test runs the linux-arm64 binary under qemu-user (binfmt is not mounted here, so
# qemu is called explicitly), with the arm64 C runtime and OpenSSL from Debian's multiarch packages.
if [ ! -x /usr/bin/qemu-aarch64-static ] || [ ! -e /usr/lib/aarch64-linux-gnu/libssl.so.3 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "test-deps: installing qemu-user-static and arm64 runtime libraries"
    dpkg --add-architecture arm64
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
      qemu-user-static libc6:arm64 libstdc++6:arm64 libssl3:arm64 zlib1g:arm64 >/dev/null
  fi
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
