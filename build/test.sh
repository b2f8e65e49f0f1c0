#!/usr/bin/env bash
# The test command (README, and what .ci/run calls): installs what the tests need, builds the
# solution and runs every test suite, slow end-to-end ones included.
#
#   build/test.sh                       # everything
#   build/test.sh --filter Category!=E2E   # extra arguments go to `dotnet test`
set -euo pipefail
cd "$(dirname "$0")/.."

build/test-deps.sh

dotnet build PluginMesh.sln -c Debug --nologo -v q -clp:ErrorsOnly

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test PluginMesh.sln -c Debug --no-build --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line over all test assemblies.
awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { gsub(",", "", p); printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
