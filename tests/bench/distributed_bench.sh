#!/usr/bin/env bash
# Data-parallel figures (issue 13), medians of ROUNDS side-by-side rounds on this machine:
#  - 1 rank x 2 threads (batch 32) against 2 ranks x 1 thread (batch 16 each: the same global batch),
#    fbnet-cifar on Fashion-MNIST: seconds and images/s of the whole search;
#  - the share of the 2-rank search spent in the all-reduce, its time and size per step;
#  - with NETNS=1 (root): the 2 ranks in two network namespaces joined by a veth pair, so the
#    traffic crosses an interface (addresses only inside the namespaces), theta compared.
# Usage: tests/bench/distributed_bench.sh [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
F=$PWD/build/app/cli/fbnet
export FBNET_RESOURCE_DIR=$PWD/resources FBNET_LUT_DIR=$PWD/lut
tmp=$(mktemp -d)
common="search --space fbnet-cifar --dataset fashion-mnist --subset 1280 --epochs 1 --warmup-epochs 0 --samples 1"
port=$((23000 + RANDOM % 5000))
for r in $(seq "$rounds"); do
  rm -rf "$tmp"/*.sqlite*
  "$F" $common --runs "$tmp/one.sqlite" --batch-size 32 --threads 2 > "$tmp/one.log" 2>&1
  echo "round=$r one: $(grep -o "finished after .* in this session" "$tmp/one.log")"
  port=$((port + 1))
  MASTER_ADDR=127.0.0.1 MASTER_PORT=$port WORLD_SIZE=2 RANK=1 "$F" $common --runs "$tmp/two.sqlite" --batch-size 16 --threads 1 \
    > "$tmp/r1.log" 2>&1 &
  MASTER_ADDR=127.0.0.1 MASTER_PORT=$port WORLD_SIZE=2 RANK=0 "$F" $common --runs "$tmp/two.sqlite" --batch-size 16 --threads 1 \
    > "$tmp/r0.log" 2>&1
  wait
  echo "round=$r two: $(grep -o "finished after .* in this session" "$tmp/r0.log") | $(grep "all-reduce:" "$tmp/r0.log")"
  echo "round=$r theta: $(grep -o "theta sum .*" "$tmp/r0.log") / $(grep -o "theta sum .*" "$tmp/r1.log")"
done | tee "$tmp/log"
python3 - "$tmp/log" <<'PY'
import re, statistics, sys
lines = open(sys.argv[1]).read().splitlines()
def secs(kind):
    out = []
    for l in lines:
        if kind in l:
            m = re.search(r'(\d+)m(\d+)s in this session', l)
            if m: out.append(int(m.group(1)) * 60 + int(m.group(2)))
    return out
one, two = secs(' one:'), secs(' two:')
images = 1024 + 256  # one epoch: the weight split's and theta split's steps, batch 32 global
print(f"1 rank x 2 threads: median {statistics.median(one)} s ({images / statistics.median(one):.0f} img/s); "
      f"2 ranks x 1 thread: median {statistics.median(two)} s ({images / statistics.median(two):.0f} img/s); "
      f"ratio {statistics.median(one) / statistics.median(two):.2f}")
share = [float(m.group(1)) for l in lines for m in [re.search(r'\(([0-9.]+)%\)', l)] if m and ' two:' in l]
ms = [float(m.group(1)) for l in lines for m in [re.search(r'([0-9.]+) ms and', l)] if m]
mb = [float(m.group(1)) for l in lines for m in [re.search(r'ms and ([0-9.]+) MB', l)] if m]
print(f"all-reduce: median {statistics.median(share):.2f}% of the 2-rank search, {statistics.median(ms):.1f} ms per step "
      f"for {statistics.median(mb):.2f} MB of gradients")
same = all(l.split('theta sum ')[1].split(' /')[0] == l.split('theta sum ')[2] for l in lines if 'theta:' in l)
print("theta identical on both ranks in every round:", same)
# A model, not a measurement: 8 ranks on a 10 Gbit/s network. A ring all-reduce sends and receives
# 2 (N-1)/N of the bucket per rank; add 2 (N-1) message latencies of 50 us. The compute per step is
# this run's 2-rank step time less its all-reduce (each rank keeps its batch of 16).
n, gbit, alpha = 8, 10.0, 50e-6
bucket = statistics.median(mb) * 1e6
ring = 2 * (n - 1) / n * bucket / (gbit * 1e9 / 8) + 2 * (n - 1) * alpha
steps = 1280 // 32
compute = statistics.median(two) / steps - statistics.median(ms) / 1e3
print(f"model, 8 ranks on 10 Gbit/s: ring all-reduce {ring * 1e3:.0f} ms per step for {bucket / 1e6:.1f} MB, "
      f"compute {compute * 1e3:.0f} ms per step here: all-reduce {100 * ring / (ring + compute):.1f}% of a step, "
      f"speed-up {n * compute / (compute + ring):.1f}x over one rank (a GPU step of 50 ms would spend {100 * ring / (ring + 0.05):.0f}%)")
PY
if [ "${NETNS:-0}" = 1 ]; then
  ip netns add fbnetA; ip netns add fbnetB
  trap 'ip netns del fbnetA; ip netns del fbnetB' EXIT
  ip link add vethA netns fbnetA type veth peer name vethB netns fbnetB
  ip -n fbnetA addr add 10.77.0.1/24 dev vethA; ip -n fbnetB addr add 10.77.0.2/24 dev vethB
  ip -n fbnetA link set vethA up; ip -n fbnetB link set vethB up
  ip -n fbnetA link set lo up; ip -n fbnetB link set lo up
  args="search --runs $tmp/ns.sqlite --dataset synthetic:512 --subset 0 --epochs 2 --warmup-epochs 1 --max-steps 3 --batch-size 16 --threads 1 --samples 1"
  ip netns exec fbnetB env MASTER_ADDR=10.77.0.1 MASTER_PORT=29555 WORLD_SIZE=2 RANK=1 GLOO_SOCKET_IFNAME=vethB "$F" $args > "$tmp/nsB.log" 2>&1 &
  ip netns exec fbnetA env MASTER_ADDR=10.77.0.1 MASTER_PORT=29555 WORLD_SIZE=2 RANK=0 GLOO_SOCKET_IFNAME=vethA "$F" $args > "$tmp/nsA.log" 2>&1
  wait
  echo "two namespaces over veth: rank 0 $(grep -o "theta sum .*" "$tmp/nsA.log"), rank 1 $(grep -o "theta sum .*" "$tmp/nsB.log")"
  echo "veth traffic: $(ip -n fbnetA -s link show vethA | awk '/RX:/{getline; print "rx " $1 " bytes"} /TX:/{getline; print "tx " $1 " bytes"}' | tr '\n' ' ')"
fi
