#!/usr/bin/env bash
# Times cold builds (ccache off) of the Release configuration, in unity batches and file by file,
# each in a fresh folder under ${TMPDIR:-/tmp}; prints one line per build. CI's time is mostly these.
#   tests/bench/build_time.sh [ON|OFF ...]      (default: ON OFF; about 12 and 24 min on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/../.."
modes=("$@")
[ ${#modes[@]} -eq 0 ] && modes=(ON OFF)
for unity in "${modes[@]}"; do
  dir=$(mktemp -d "${TMPDIR:-/tmp}/fbnet-build-time.XXXXXX")
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFBNET_BUILD_TESTS=ON "-DCMAKE_UNITY_BUILD=$unity" > "$dir.configure.log"
  start=$(date +%s)
  CCACHE_DISABLE=1 cmake --build "$dir" -j "$(nproc)" > "$dir.build.log"
  echo "unity $unity: $(( $(date +%s) - start )) s cold on $(nproc) cores ($dir)"
done
