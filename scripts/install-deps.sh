#!/usr/bin/env bash
# Installs the Debian 12 packages FBNet Studio needs, only those missing. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libtorch-dev libopenblas0-pthread      # libtorch, and a fast BLAS behind it (the reference BLAS is ~60x slower)
  libgloo-dev                            # c10d's Gloo process group headers (data-parallel runs)
  libcli11-dev nlohmann-json3-dev libsqlite3-dev zlib1g-dev
  libturbojpeg0-dev libpng-dev           # folder data sets: JPEG and PNG decoding
  libonnx-dev python3-onnx libopencv-dnn-dev  # ONNX export, its checker, and OpenCV dnn as an independent ONNX runtime
  qt6-base-dev qt6-svg-dev libqcustomplot-dev  # the studio (Qt 6 Widgets + QCustomPlot, Qt 6 flavour; SVG export)
  xvfb xauth fonts-dejavu-core          # the studio's screenshot test runs the real window under Xvfb
  libgtest-dev googletest
  dataset-fashion-mnist                  # the default data set, /usr/share/datasets/fashion-mnist
  clang libclang-rt-14-dev libomp-dev    # the sanitized build (ASan + UBSan) and the libFuzzer harnesses
)
[ "${FBNET_WITH_BENCH_REFERENCE:-0}" = 1 ] && packages+=(python3-torch)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "Installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
