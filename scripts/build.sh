#!/usr/bin/env bash
# Configures and builds into build/ (Release, Ninja). Extra arguments go to cmake.
# Unity build (batches of source files compiled as one): a cold build takes about half the time, as
# torch's and nlohmann::json's templates are compiled once per batch instead of once per file.
# FBNET_UNITY=OFF builds file by file (a faster rebuild after editing one file).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "-DCMAKE_UNITY_BUILD=${FBNET_UNITY:-ON}" "$@" > build-configure.log || { cat build-configure.log; exit 1; }
rm -f build-configure.log
cmake --build build -j "$(nproc)"
