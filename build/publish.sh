#!/usr/bin/env bash
# Builds the release artifacts: one self-contained single-file `pluginmesh` per platform that
# carries the default plugins and policies (unpacked into the data directory on first run),
# plus SHA-256 checksums, and the NuGet packages plugin authors build against (build/pack.sh).
#
#   build/publish.sh                  # linux-x64 and linux-arm64 into out/, packages into out/packages/
#   build/publish.sh linux-x64        # one platform
#   OUT=/tmp/rel build/publish.sh     # elsewhere
#   COMPRESS=1 build/publish.sh       # compressed single file: half the size on disk, ~60 MiB more RSS per agent
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=${OUT:-$root/out}
rids=("$@")
# Uncompressed by default: the runtime maps an uncompressed bundle's assemblies from the file, while a
# compressed one is inflated into anonymous memory in every agent (measured with `pluginmesh demo`:
# 126-129 MiB resident per agent uncompressed vs 184-186 MiB compressed; 109 vs 59 MiB on disk).
compress=false
[ "${COMPRESS:-0}" = 1 ] && compress=true
[ ${#rids[@]} -gt 0 ] || rids=(linux-x64 linux-arm64)

# Plugins are portable assemblies (their native libraries sit under runtimes/<rid>/), so one build
# serves every platform; each platform's bundle carries only its own native libraries.
for proj in plugins/*/*.csproj; do
  dotnet build "$proj" -c Release --nologo -v q
done
# Assemblies the single file carries from the shared frameworks (those Framework.targets leaves out
# excepted). A plugin's own copy of one of them is never loaded: the plugin loader prefers the host's
# (PreferSharedTypes), and the plugins' Microsoft.Extensions packages are the same major version as the
# framework (Directory.Packages.props), so the copies only cost bundle size (~1.6 MB deflated).
# shellcheck disable=SC2046 # one directory per word
host_has=$(python3 - "$root/src/Cli/Framework.targets" $(dotnet --list-runtimes | awk '/^Microsoft\.(NETCore|AspNetCore)\.App 10\./ { gsub(/[][]/, "", $3); print $3 "/" $2 }') <<'PY'
import os, re, sys
left_out = re.search(r"<_PmLeftOutOfFramework>(.*?)</_PmLeftOutOfFramework>", open(sys.argv[1]).read()).group(1)
names = {f for d in sys.argv[2:] for f in os.listdir(d) if f.endswith(".dll") and not re.match(left_out, f[:-4])}
print("\n".join(sorted(n for n in names if n.startswith("Microsoft.Extensions."))))
PY
)
[ -n "$host_has" ] || { echo "publish: no .NET 10 shared framework found (dotnet --list-runtimes)" >&2; exit 1; }

# The host's own NuGet dependencies (YamlDotNet, …) are in the single file too, and for the same reason
# a plugin's copy of one is never loaded; a copy is left out only when it is the very same file (same
# package version), so a plugin built against another version keeps its own.
dotnet build src/Cli/PluginMesh.Cli.csproj -c Release --nologo -v q
host_deps=$root/src/Cli/bin/Release/net10.0

# bundle_for <rid>: stages plugins/ and policies/ for that platform and zips them into $out/bundle-<rid>.zip.
bundle_for() {
  local rid=$1 stage=$out/bundle-$1 name f
  rm -rf "$stage" && mkdir -p "$stage/plugins" "$stage/policies"
  for dir in artifacts/plugins/Release/*/; do
    name=$(basename "$dir")
    mkdir -p "$stage/plugins/$name"
    # Debug symbols and a second copy of the host's shared assemblies are not needed at run time.
    for f in "$dir"*; do
      [ -f "$f" ] && [[ "$f" != *.pdb ]] || continue
      grep -qxF "$(basename "$f")" <<< "$host_has" && continue
      [[ "$f" == *.dll ]] && cmp -s "$f" "$host_deps/$(basename "$f")" && continue
      cp "$f" "$stage/plugins/$name/"
    done
    if [ -d "${dir}runtimes/$rid" ]; then
      mkdir -p "$stage/plugins/$name/runtimes" && cp -r "${dir}runtimes/$rid" "$stage/plugins/$name/runtimes/"
    fi
  done
  cp policies/*.js policies/README.md "$stage/policies/" 2>/dev/null || true
  rm -f "$out/bundle-$rid.zip"
  (cd "$stage" && python3 -c 'import shutil,sys; shutil.make_archive(sys.argv[1], "zip", ".")' "$out/bundle-$rid")
}

for rid in "${rids[@]}"; do
  dest=$out/$rid
  rm -rf "$dest"
  bundle_for "$rid"
  bundle=$out/bundle-$rid.zip
  dotnet publish src/Cli/PluginMesh.Cli.csproj -c Release -r "$rid" --self-contained \
    -p:PublishSingleFile=true -p:EnableCompressionInSingleFile="$compress" -p:DebugType=none \
    -p:PluginMeshBundleZip="$bundle" -p:PublishDocumentationFile=false -p:PublishReferencesDocumentationFiles=false -o "$dest" --nologo -v q
  (cd "$dest" && sha256sum pluginmesh > pluginmesh.sha256)
  size=$(stat -c %s "$dest/pluginmesh")
  echo "$rid: $dest/pluginmesh ($((size / 1024 / 1024)) MiB) sha256 $(cut -c1-16 "$dest/pluginmesh.sha256")…"
done

OUT=$out build/pack.sh
