#!/usr/bin/env bash
# README command 2: installs what is missing, builds everything, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh -DFBNET_BUILD_TESTS=ON
cd build
ctest -j "$(nproc)" --output-on-failure --timeout 600
