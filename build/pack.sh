#!/usr/bin/env bash
# Packs the libraries plugins are built against into NuGet packages in out/packages/:
# PluginMesh.Abstractions.<version>.nupkg and PluginMesh.P2p.<version>.nupkg (the shared libp2p core
# the contracts use; Abstractions depends on it at the same version). build/publish.sh runs it too.
#
#   build/pack.sh                        # out/packages/
#   OUT=/tmp/rel build/pack.sh           # /tmp/rel/packages/
#   VERSION=0.1.1-dev.3 build/pack.sh    # another package version (default: <Version> in Directory.Build.props)
#
# A plugin references a package with ExcludeAssets="runtime": the host supplies these assemblies at
# run time and shares them across plugin load contexts (see docs/plugins.md).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=${OUT:-$root/out}

# Every packable project, one per line. Each carries its own <Description> and README.md.
packable=(
  src/P2p/PluginMesh.P2p.csproj
  src/Abstractions/PluginMesh.Abstractions.csproj
)

version=()
[ -n "${VERSION:-}" ] && version=(-p:Version="$VERSION")
mkdir -p "$out/packages"
for proj in "${packable[@]}"; do
  # Restore on its own first, once more if it fails: a restore has failed once in CI without saying
  # why (NuGet's MSB4181 "RestoreTask returned false but did not log an error", while the machine was
  # busy with other test suites); the second attempt logs in detail, so a real failure says what it is.
  if ! dotnet restore "$proj" --nologo -v q "${version[@]}"; then
    echo "pack.sh: restoring $proj failed; trying once more with a detailed log" >&2
    dotnet restore "$proj" --nologo -v n "${version[@]}"
  fi
  dotnet pack "$proj" -c Release -o "$out/packages" --nologo -v q --no-restore "${version[@]}"
done
echo "packages: $(cd "$out/packages" && ls -- *.nupkg | tr '\n' ' ')"
