#!/usr/bin/env bash
# docs/gpu.md: on a machine with an NVIDIA GPU, PyTorch 2.x, CMake, ninja and a compiler but no
# package registry, builds the core, the CLI and the core tests against that PyTorch's libtorch,
# runs the tests (the Cuda.* ones included), a tiny search and training on cuda, and the supernet
# benchmark beside the plain-PyTorch reference on the same GPU. Prints every figure.
# Usage: scripts/gpu-check.sh DEB_DIR        (DEB_DIR: the .deb files from scripts/gpu-debs.sh)
# Environment:
#   FBNET_TORCH_PREFIX   libtorch's CMake prefix (default: python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
#   FBNET_CUDA_LIB_DIRS  where libcudnn, libnccl, ... live (default: every nvidia/*/lib beside that torch)
#   FBNET_PY_REFERENCE   py_supernet_bench.py (default: ../shared/bench/ or shared/bench/ in the checkout)
#   FBNET_GPU_BUILD      build folder (default: build-gpu)
#   FBNET_GPU_ROUNDS, FBNET_GPU_SOFT_STEPS, FBNET_GPU_HARD_STEPS  benchmark rounds and timed steps (3, 10, 8)
#   FBNET_GPU_QUICK=1    skip the benchmark;  FBNET_GPU_LOGS  keep the logs (at most 7 files) in this folder
set -euo pipefail
cd "$(dirname "$0")/.."
debs=${1:?usage: scripts/gpu-check.sh DEB_DIR (the .deb files of scripts/gpu-debs.sh)}
t0=$(date +%s)
say() { echo "[gpu-check +$(($(date +%s) - t0))s] $*"; }
root=$PWD
build=${FBNET_GPU_BUILD:-build-gpu}
prefix=${FBNET_DEB_PREFIX:-/tmp/fbnet-gpu-prefix}
work=$(mktemp -d)
# Logs go to FBNET_GPU_LOGS as they are written (a lease that ends early still returns them), else to a
# temporary folder.
logs=${FBNET_GPU_LOGS:-$work}
mkdir -p "$logs"

# 1. The Debian packages, unpacked into a private prefix (no root, nothing installed).
ls "$debs"/*.deb > /dev/null 2>&1 || { echo "gpu-check: no .deb files in $debs (run scripts/gpu-debs.sh $debs where apt works)"; exit 2; }
rm -rf "$prefix" && mkdir -p "$prefix"
for f in "$debs"/*.deb; do dpkg -x "$f" "$prefix"; done
say "unpacked $(ls "$debs"/*.deb | wc -l) packages into $prefix"
multiarch=$prefix/usr/lib/x86_64-linux-gnu

# 2. PyTorch's libtorch and the CUDA libraries it loads (pip's nvidia-* packages).
torch_prefix=${FBNET_TORCH_PREFIX:-$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')}
[ -d "$torch_prefix/Torch" ] || { echo "gpu-check: no libtorch CMake config under $torch_prefix (set FBNET_TORCH_PREFIX)"; exit 2; }
cuda_dirs=${FBNET_CUDA_LIB_DIRS:-$(find "$torch_prefix/../../.." -maxdepth 4 -path '*nvidia*' -type d -name lib 2>/dev/null | tr '\n' ':')}
export LD_LIBRARY_PATH="$multiarch:$multiarch/blas:$multiarch/lapack:$cuda_dirs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
say "libtorch: $torch_prefix ($(python3 -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda)' 2>/dev/null || echo "version unknown"))"
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | sed 's/^/[gpu] /'

# 3. Build: core, CLI, core and CLI tests, benchmarks; no Qt.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFBNET_BUILD_STUDIO=OFF -DFBNET_BUILD_TESTS=ON \
  -DCMAKE_PREFIX_PATH="$torch_prefix;$prefix/usr" -DCMAKE_INCLUDE_PATH="$prefix/usr/include" \
  -DCMAKE_LIBRARY_PATH="$multiarch" -DTORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-9.0}" > "$logs/build.log" 2>&1 \
  || { tail -40 "$logs/build.log"; exit 1; }
say "configured $build"
cmake --build "$build" -j "$(nproc)" >> "$logs/build.log" 2>&1 || { grep -E "error|FAILED" -A5 "$logs/build.log" | head -60; exit 1; }
say "built"
if ldd "$build/app/cli/fbnet" | grep "not found"; then
  echo "gpu-check: the libraries above are missing at run time (add their packages to scripts/gpu-debs.sh)"; exit 1
fi

# 4. The GPU's own tests first, so that a short lease gets them: a GPU layer against the CPU's, a
#    tiny search and training in every precision, a GPU checkpoint resumed, a table timed with events.
#    Each Cuda.* test in its own process, so that a crash hides no other; a crashed one is run again
#    under cuda-gdb (where the machine has it) for its stack and the caller of a null pointer.
export FBNET_RESOURCE_DIR=$root/resources FBNET_LUT_DIR=$root/lut
T=$(cd "$build" && pwd)/tests/test_core_torch
cuda=passed
: > "$logs/cuda.log"
groups="Precision.*:Compute.* $("$T" --gtest_list_tests --gtest_filter='Cuda.*' | awk '/^[^ ]/ {s=$1} /^  / {print s $1}')"
for t in $groups; do
  rc=0; (cd "$work" && timeout 180 "$T" --gtest_filter="$t" >> "$logs/cuda.log" 2>&1) || rc=$?
  [ $rc = 0 ] && continue
  cuda=FAILED; echo "[cuda] $t: exit $rc"
  if [ $rc -gt 128 ] && [ $rc != 137 ] && command -v cuda-gdb > /dev/null; then
    (cd "$work" && timeout 180 cuda-gdb -batch -ex run -ex bt -ex 'x/4a $sp' --args "$T" --gtest_filter="$t" 2>&1 \
      | grep -v -E '^\[New Thread|exited\]$|Cuda Driver error' | tail -40 | sed "s/^/[cuda-gdb $t] /" >> "$logs/cuda.log") || true
  fi
done
grep -E "^\[ +(OK|FAILED|SKIPPED) +\] .*\([0-9]+ ms\)$|^\[cuda-gdb" "$logs/cuda.log" | sed 's/^/[cuda] /' || true
grep -q "SKIPPED.*Cuda\." "$logs/cuda.log" && { echo "[cuda] the Cuda.* tests skipped: libtorch sees no GPU"; cuda=SKIPPED; }
say "GPU tests $cuda"

# 5. Through the CLI on the GPU: a tiny search and training, a latency table timed with CUDA events
#    and validated end to end.
B="$build/app/cli/fbnet"
cli=passed
timeout 120 "$B" search --runs "$work/runs.sqlite" --dataset synthetic:2000 --epochs 2 --warmup-epochs 1 --batch-size 64 --samples 1 \
  --device cuda --name gpu-check > "$logs/cli.log" 2>&1 || cli=FAILED
tail -4 "$logs/cli.log" | sed 's/^/[search] /'
if [ $cli = passed ]; then
  timeout 120 "$B" train --runs "$work/runs.sqlite" --arch gpu-check:argmax --dataset synthetic:2000 --epochs 1 --device cuda \
    >> "$logs/cli.log" 2>&1 || cli=FAILED
  tail -3 "$logs/cli.log" | sed 's/^/[train] /'
fi
timeout 180 "$B" lut build --device cuda --space fbnet-cifar --repeats 20 --warmup 5 --batch 1 --correction-networks 4 \
  --out "$work/local-cuda.json" >> "$logs/cli.log" 2>&1 || cli=FAILED
timeout 120 "$B" lut validate --device cuda --lut "$work/local-cuda.json" --space fbnet-cifar --count 10 --repeats 20 \
  >> "$logs/cli.log" 2>&1 || cli=FAILED
tail -8 "$logs/cli.log" | sed 's/^/[lut] /'
say "CLI on cuda $cli"

# 6. Benchmark: supernet weight steps, ours vs the plain-PyTorch reference on this GPU. Each side runs
#    its rounds in one process per space (start-up and cuDNN's first use of every shape paid once, in
#    the untimed warm-up), the same steps after the same warm-up; the sides alternate which goes first.
if [ "${FBNET_GPU_QUICK:-0}" != 1 ]; then
  ref=${FBNET_PY_REFERENCE:-}
  for c in ../shared/bench/py_supernet_bench.py shared/bench/py_supernet_bench.py; do [ -z "$ref" ] && [ -f "$c" ] && ref=$c; done
  out=$logs/bench.txt
  : > "$out"
  rounds=${FBNET_GPU_ROUNDS:-3} soft=${FBNET_GPU_SOFT_STEPS:-10} hard=${FBNET_GPU_HARD_STEPS:-8}
  ours() { timeout 300 "$build/tests/bench/bench_supernet" "$2" 16 $soft both cl cuda bf16 "$1" $hard $rounds \
    | grep -E "machine|fbnet-studio" | sed "s/^/space=$1 /" | tee -a "$out" || echo "[bench] bench_supernet failed: $1"; }
  theirs() { [ -z "$ref" ] || timeout 300 python3 tests/bench/py_reference_rounds.py "$ref" $rounds soft,hard "$2" 16 $soft $hard \
    cuda cl bf16 eager "$1" | sed "s/^/space=$1 /" | tee -a "$out" || echo "[bench] the reference failed: $1"; }
  theirs cifar 256; ours cifar 256
  ours imagenet 64; theirs imagenet 64
  [ -z "$ref" ] && echo "[bench] no py_supernet_bench.py (set FBNET_PY_REFERENCE): our figures only"
  python3 - "$out" <<'PY'
import re, statistics, sys
rows = [dict(re.findall(r"(\S+)=(\S+)", l)) | {"who": "ref" if "python-reference" in l else "us"} for l in open(sys.argv[1]) if "img_per_s" in l]
for r in rows:
    r["space"] = r["space"].removeprefix("fbnet-")  # our lines name the space (fbnet-cifar) after the prefix
peak = {l.split()[0]: l.split()[-2] for l in open(sys.argv[1]) if "matmul in" in l}
for space in ("cifar", "imagenet"):
    for mode in ("soft", "hard"):
        pick = lambda who: {r["round"]: float(r["img_per_s"]) for r in rows if r["space"] == space and r["mode"] == mode and r["who"] == who}
        us, ref = pick("us"), pick("ref")
        if not us: continue
        share = [r["GFLOP/s"] for r in rows if r["space"] == space and r["mode"] == mode and r["who"] == "us"]
        line = f"[bench] {space} {mode}: fbnet-studio median {statistics.median(us.values()):.0f} img/s over {len(us)} rounds"
        ratios = sorted(us[k] / ref[k] for k in us if k in ref)
        if ratios:
            line += f", reference (channels-last, bf16) median {statistics.median(ref.values()):.0f} img/s, ratio per round " \
                    + ", ".join(f"{x:.2f}" for x in ratios) + f" (median {statistics.median(ratios):.2f}x; goal 1.5x)"
        print(line + f"; GFLOP/s per round {', '.join(share)} against {peak.get('space=' + space, '?')} GFLOP/s of bf16 matmul")
PY
  say "benchmark done"
fi

# 7. Every other core and CLI test of this build (the Cuda.* ones ran above).
(cd "$build" && ctest -j "$(nproc)" --timeout 300 -E '^Cuda\.' --output-on-failure > "$logs/ctest.log" 2>&1) && tests=passed || tests=FAILED
grep -E "tests passed|tests failed|\(Failed\)|\(Timeout\)|\(SEGFAULT\)" "$logs/ctest.log" | sed 's/^/[tests] /' || true
say "tests $tests"

# 8. NCCL: a data-parallel search of two processes on the GPU(s) (cuda:LOCAL_RANK; with one GPU both
#    take cuda:0, which NCCL may refuse: the error is printed, not hidden).
gpus=$( (nvidia-smi -L 2>/dev/null || true) | wc -l)
nccl_local() { [ "$gpus" -ge 2 ] && echo "$1" || echo 0; }
for rank in 0 1; do
  RANK=$rank WORLD_SIZE=2 LOCAL_RANK=$(nccl_local $rank) MASTER_ADDR=127.0.0.1 MASTER_PORT=29517 FBNET_DIST_TIMEOUT=30 \
    timeout 120 "$B" search --runs "$work/nccl.sqlite" --dataset synthetic:1000 --epochs 2 --warmup-epochs 1 --batch-size 32 \
    --samples 1 --device cuda --name nccl > "$logs/nccl-$rank.log" 2>&1 &
  pids[$rank]=$!
done
nccl=passed
for p in "${pids[@]}"; do wait "$p" || nccl=FAILED; done
tail -3 "$logs/nccl-0.log" | sed 's/^/[nccl rank 0] /'; tail -3 "$logs/nccl-1.log" | sed 's/^/[nccl rank 1] /'
say "two NCCL ranks on $gpus GPU(s): $nccl"
rm -rf "$work"
say "finished: GPU tests $cuda, CLI on cuda $cli, all tests $tests, NCCL $nccl"
[ "$cuda" = passed ] && [ "$tests" = passed ] && [ "$cli" = passed ]
