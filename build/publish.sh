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
# serves every platform.
stage=$out/bundle
rm -rf "$stage" && mkdir -p "$stage/plugins" "$stage/policies"
for proj in plugins/*/*.csproj; do
  dotnet build "$proj" -c Release --nologo -v q
done
for dir in artifacts/plugins/Release/*/; do
  name=$(basename "$dir")
  mkdir -p "$stage/plugins/$name"
  # Debug symbols and a second copy of the host's shared assemblies are not needed at run time.
  find "$dir" -maxdepth 1 -type f ! -name '*.pdb' -exec cp {} "$stage/plugins/$name/" \;
  # Native libraries: only the Linux ones this binary can run on.
  for native in "$dir"runtimes/linux-*; do
    [ -d "$native" ] || continue
    mkdir -p "$stage/plugins/$name/runtimes" && cp -r "$native" "$stage/plugins/$name/runtimes/"
  done
done
cp policies/*.js policies/README.md "$stage/policies/" 2>/dev/null || true
bundle=$out/bundle.zip
rm -f "$bundle"
(cd "$stage" && python3 -c 'import shutil,sys; shutil.make_archive(sys.argv[1], "zip", ".")' "${bundle%.zip}")

for rid in "${rids[@]}"; do
  dest=$out/$rid
  rm -rf "$dest"
  dotnet publish src/Cli/PluginMesh.Cli.csproj -c Release -r "$rid" --self-contained \
    -p:PublishSingleFile=true -p:EnableCompressionInSingleFile="$compress" -p:DebugType=none \
    -p:PluginMeshBundleZip="$bundle" -p:PublishDocumentationFile=false -p:PublishReferencesDocumentationFiles=false -o "$dest" --nologo -v q
  (cd "$dest" && sha256sum pluginmesh > pluginmesh.sha256)
  size=$(stat -c %s "$dest/pluginmesh")
  echo "$rid: $dest/pluginmesh ($((size / 1024 / 1024)) MiB) sha256 $(cut -c1-16 "$dest/pluginmesh.sha256")…"
done

OUT=$out build/pack.sh
