#!/usr/bin/env bash
# Fetches, on a Debian 12 machine with a package registry, the .deb files that scripts/gpu-check.sh
# unpacks on a GPU machine that has PyTorch, CMake, ninja and a compiler but no registry: the build's
# libraries beyond PyTorch (headers and the shared libraries they need at run time, ~20 MB in all).
# Usage: scripts/gpu-debs.sh DIR
set -euo pipefail
dir=${1:?usage: scripts/gpu-debs.sh DIR}
mkdir -p "$dir"
cd "$dir"
# Build: CLI11, nlohmann-json, GoogleTest, SQLite, zlib, libpng, TurboJPEG, ONNX + protobuf, OpenCV's
# dnn module (the independent ONNX runtime) and gloo's headers (c10d's Gloo process group).
# Run time: what those libraries load (OpenCV's core needs BLAS/LAPACK, TBB and libGLX; libGLX
# needs X11's client library). libc, libstdc++, libgomp come with the compiler.
packages=(googletest libgtest-dev libcli11-dev nlohmann-json3-dev libsqlite3-dev libsqlite3-0 zlib1g-dev zlib1g
  libpng-dev libpng16-16 libturbojpeg0-dev libturbojpeg0 libonnx-dev libonnx1 libonnxifi libprotobuf-dev libprotobuf32
  libprotobuf-lite32 libopencv-dnn-dev libopencv-dnn406 libopencv-core-dev libopencv-core406 libopencv-imgproc406
  libtbb12 libtbbmalloc2 libblas3 liblapack3 libgfortran5 libquadmath0 libglx0 libglvnd0 libx11-6 libxcb1 libxau6
  libxdmcp6 libbsd0 libmd0 libgloo-dev)
apt-get download "${packages[@]}"
du -ch ./*.deb | tail -1
