#!/usr/bin/env bash
# Hostile input over the real CLI (issue 36): each case must end, within its timeout, with the
# expected exit status and a message that names the cause; nothing may crash, hang or be left
# half-written. Prints one line per case; exits 1 if any case fails.
#   tests/bench/hostile.sh [FBNET]    (default build/app/cli/fbnet)
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${1:-build/app/cli/fbnet}
W=$(mktemp -d /tmp/fbnet-hostile.XXXXXX)
trap 'chmod -R u+w "$W"; rm -rf "$W"' EXIT
fails=0
# check NAME EXPECTED_RC PATTERN CMD...: run CMD (60 s at most), compare its status and output.
check() {
  local name=$1 want=$2 pattern=$3
  shift 3
  local out rc
  out=$(timeout 60 "$@" 2>&1 < /dev/null)
  rc=$?
  if [ "$rc" = "$want" ] && grep -qE -- "$pattern" <<< "$out"; then
    echo "ok    $name"
  else
    echo "FAIL  $name (exit $rc, expected $want; output did not match '$pattern'):"
    tail -5 <<< "$out" | sed 's/^/      /'
    fails=$((fails + 1))
  fi
}
png() {  # an 8x8 grey PNG at $1 (Python's zlib and struct: no image library needed)
  python3 - "$1" <<'PY'
import struct, sys, zlib
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
raw = b"".join(b"\0" + bytes([i * 30 % 256] * 8) for i in range(8))
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0))
                              + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
}
R="--threads 1 --epochs 2 --warmup-epochs 1 --max-steps 1 --batch-size 2 --subset 0 --samples 0"
S="--runs $W/runs.sqlite --threads 1 --epochs 2 --warmup-epochs 1 --max-steps 1 --batch-size 2 --subset 0 --samples 0"

# Folders: loops, links to themselves, FIFOs, dangling links; the listing ends and names them.
mkdir -p "$W/photos/a" "$W/photos/b"
for i in 1 2 3 4 5 6 7 8; do png "$W/photos/a/$i.png"; png "$W/photos/b/$i.png"; done
ln -s . "$W/photos/a/self"; ln -s .. "$W/photos/b/up"; ln -s nowhere "$W/photos/a/dangling"; mkfifo "$W/photos/b/fifo.png"
check "folder with loops, a FIFO and a dangling link" 0 "ignored" $B search $S --dataset folder:$W/photos --name loops --lut flops --input-size 8
# Sizes: a decompression bomb, an absurd synthetic set, a huge candidate list.
mkdir -p "$W/cifar"; head -c 300000000 /dev/zero | gzip -1 > "$W/cifar/train.bin"
check "a gzip bomb as CIFAR-100" 1 "bytes|too large|inflates" env FBNET_MAX_DATA_BYTES=1000000 $B search $S --dataset cifar100:$W/cifar --name bomb
check "synthetic:10000000" 1 "synthetic" $B search $S --dataset synthetic:10000000 --name huge
python3 - "$W/many.json" <<'PY'
import json, sys
s = json.load(open("resources/spaces/fbnet-cifar.json"))
s["blocks"].update({"k3_x%d" % i: {"type": "irf", "kernel": 3, "expansion": 1, "groups": 1} for i in range(100)})
s["candidates"] = ["k3_x%d" % i for i in range(100)]
json.dump(s, open(sys.argv[1], "w"))
PY
check "100 candidates per layer" 1 "at most 64" $B space info "$W/many.json"
# Options that would be ignored, names that break tables, an existing folder as a file.
check "--targets ''" 1 "--targets" $B search $S --targets '' --name empty
$B search $S --dataset synthetic:64 --name r > /dev/null 2>&1
check "--resume with --epochs" 1 "--epochs.*--resume" $B search --runs "$W/runs.sqlite" --resume r --epochs 9
check "a run name with a newline" 1 "one line" $B runs rename r $'a\nb' --runs "$W/runs.sqlite"
mkdir -p "$W/out.onnx"
check "an ONNX export onto a folder" 1 "is a folder" $B export --run r --format onnx --random-weights --no-check --out "$W/out.onnx" --runs "$W/runs.sqlite"
check "an ONNX export of random weights, unasked" 1 "random-weights" $B export --run r --format onnx --no-check --out "$W/r.onnx" --runs "$W/runs.sqlite"
# Damaged weights.
$B train --arch r:argmax --runs "$W/runs.sqlite" --dataset synthetic:64 --subset 0 --epochs 1 --max-steps 1 --batch-size 8 --threads 1 --out "$W/trained" > /dev/null 2>&1
python3 -c "import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); b[len(b)//3:len(b)//3+2048]=bytes(2048); open(p,'wb').write(b)" "$W/trained/weights.pt"
check "weights with 2 KB overwritten" 1 "damaged" $B export --run r --format onnx --weights "$W/trained/weights.pt" --no-check --out "$W/d.onnx" --runs "$W/runs.sqlite"
# A read-only store is read.
mkdir -p "$W/ro" && cp "$W/runs.sqlite" "$W/ro/" && chmod 0444 "$W/ro/runs.sqlite" && chmod 0555 "$W/ro"
AS=""; [ "$(id -u)" = 0 ] && AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
chmod o+rx "$W"
if [ -z "$AS" ] || $AS /bin/sh -c "test -x $B" 2> /dev/null; then
  check "runs list on a read-only store" 0 " r " $AS $B runs list --runs "$W/ro/runs.sqlite"
else
  echo "skip  runs list on a read-only store (root, and an unprivileged user cannot reach $B)"
fi
# Ranks that disagree.
P=$((20000 + RANDOM % 20000))
MASTER_ADDR=127.0.0.1 MASTER_PORT=$P WORLD_SIZE=2 RANK=1 FBNET_DIST_TIMEOUT=30 $B search $R --dataset synthetic:64 --seed 5 --runs "$W/d.sqlite" > /dev/null 2>&1 &
check "ranks that disagree" 1 "seed: rank 0 has 1, rank 1 has 5" env MASTER_ADDR=127.0.0.1 MASTER_PORT=$P WORLD_SIZE=2 RANK=0 FBNET_DIST_TIMEOUT=30 $B search $R --dataset synthetic:64 --runs "$W/d.sqlite"
wait
echo "$fails case(s) failed"
[ "$fails" = 0 ]
