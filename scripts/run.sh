#!/usr/bin/env bash
# README command 1: installs what is missing, builds, and runs the main job on the embedded default:
# an FBNet search on Fashion-MNIST (fbnet-cifar space, shipped Pixel 3 latency table). Extra
# arguments go to `fbnet search`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
exec ./build/app/cli/fbnet search "$@"
