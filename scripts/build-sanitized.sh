#!/usr/bin/env bash
# Configures and builds build-sanitize/: Clang, AddressSanitizer + UndefinedBehaviorSanitizer
# (fatal), libFuzzer coverage; the core, the CLI, their tests and the fuzz harnesses (no studio).
# Used by scripts/test.sh (the sanitized test run and the short fuzz run) and tests/bench/fuzz.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# Test discovery runs the instrumented test programs at build time: same options as the tests.
source tests/sanitizers/env.sh
# -O1 with line tables only: the instrumented torch translation units are the slow part of CI, and
# reports still name file and line. Only the targets the sanitized run needs are built (no benches).
cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_COMPILER=clang++ \
  "-DCMAKE_CXX_FLAGS_SANITIZE=-O1 -gline-tables-only" "-DCMAKE_UNITY_BUILD=${FBNET_UNITY:-ON}" \
  -DFBNET_BUILD_STUDIO=OFF -DFBNET_BUILD_TESTS=ON -DFBNET_BUILD_FUZZERS=ON -DFBNET_SANITIZE=address,undefined \
  "$@" > build-sanitize-configure.log || { cat build-sanitize-configure.log; exit 1; }
rm -f build-sanitize-configure.log
fuzzers=$(sed -n 's/^set(FBNET_FUZZ_HARNESSES \(.*\))$/\1/p' tests/fuzz/CMakeLists.txt)
cmake --build build-sanitize -j "$(nproc)" --target fbnet test_core_model test_core_torch test_cli \
  $(for h in $fuzzers; do echo "fuzz_$h"; done)
