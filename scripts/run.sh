#!/usr/bin/env bash
# README command 1: installs what is missing, builds, and launches the studio. Its New Search dialog
# starts on the embedded default: Fashion-MNIST, the fbnet-cifar space, the shipped Pixel 3 table.
# `scripts/run.sh --cli [ARGS]` runs the same search headless (`fbnet search ARGS`) instead;
# without a display the studio is not started and the headless search runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
if [ "${1:-}" = "--cli" ]; then
  shift
  exec ./build/app/cli/fbnet search "$@"
fi
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "No display: running the default search headless (fbnet search) instead of the studio."
  exec ./build/app/cli/fbnet search "$@"
fi
exec ./build/app/studio/fbnet-studio "$@"
