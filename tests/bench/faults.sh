#!/usr/bin/env bash
# Faults as benchmarks: what a user's run store goes through, measured on the real CLI.
#   tests/bench/faults.sh [KILLS]        (default 10; needs build/app/cli/fbnet and sqlite3)
# 1. KILLS SIGKILLs at random moments of one search (each resume killed again), then a final
#    resume: theta, every epoch row and every step row must equal an uninterrupted reference run
#    bit for bit, PRAGMA integrity_check must say ok and no temporary file may be left.
# 2. A full disk during a checkpoint write (a tmpfs filled up to less than one checkpoint; needs
#    root for mount, skipped otherwise): the search must stop with an error naming the file, the
#    previous checkpoint and the store must be intact, and after space is freed the resume must
#    finish with the reference theta.
# 3. A corrupted checkpoint (4 KB of random bytes in the middle): the resume must be refused with
#    the path, and the run's epochs and steps kept.
# Prints one line per case and exits 1 when any check fails. Set FBNET_CLI to use another binary.
set -uo pipefail
cd "$(dirname "$0")/../.."
cli="${FBNET_CLI:-$PWD/build/app/cli/fbnet}"
kills="${1:-10}"
[ -x "$cli" ] || { echo "faults.sh: $cli not built (scripts/build.sh)"; exit 2; }
command -v sqlite3 > /dev/null || { echo "faults.sh: needs sqlite3 (apt-get install sqlite3)"; exit 2; }
work="$(mktemp -d /tmp/fbnet-faults.XXXXXX)"
trap 'mountpoint -q "$work/disk" && umount "$work/disk"; rm -rf "$work"' EXIT
failures=0
check() {  # check DESCRIPTION CONDITION...
  local what="$1"; shift
  if "$@"; then echo "  ok    $what"; else echo "  FAIL  $what"; failures=$((failures + 1)); fi
}
q() { sqlite3 "$1" "$2"; }
# Waits until run NAME in DB has completed EPOCHS epochs while process PID lives (60 s at most).
wait_epochs() {  # DB NAME EPOCHS PID
  local i
  for i in $(seq 1 1200); do
    [ -f "$1" ] && [ "$(q "$1" "SELECT epochs_completed >= $3 FROM runs WHERE name='$2'" 2> /dev/null)" = 1 ] && return 0
    kill -0 "$4" 2> /dev/null || return 1
    sleep 0.05
  done
  return 1
}
# Everything a resume must reproduce: theta, every epoch, step and theta snapshot (times excepted).
fingerprint() {  # DB NAME
  q "$1" "SELECT theta, epochs_completed FROM runs WHERE name='$2';
          SELECT epoch, temperature, weights_loss, weights_acc, theta_loss, theta_acc, theta_trained, expected_ms, argmax, argmax_ms
            FROM epochs WHERE run_id=(SELECT id FROM runs WHERE name='$2') ORDER BY epoch;
          SELECT epoch, phase, step, loss, ce, acc, expected_ms, temperature
            FROM steps WHERE run_id=(SELECT id FROM runs WHERE name='$2') ORDER BY rowid;
          SELECT epoch, probabilities FROM theta_snapshots WHERE run_id=(SELECT id FROM runs WHERE name='$2') ORDER BY epoch;" | sha256sum | cut -c1-16
}
# A small space (two searchable layers) so that one search takes seconds and kills land anywhere in it.
cat > "$work/tiny-space.json" << 'JSON'
{"name": "tiny", "input": {"size": 16, "channels": 3}, "num_classes": 10,
 "stem": {"channels": 8, "kernel": 3, "stride": 1},
 "stages": [{"channels": 8, "repeats": 1, "stride": 1}, {"channels": 16, "repeats": 1, "stride": 2}],
 "head": {"channels": 32}, "candidates": ["skip", "k3_e1", "k3_e3", "k5_e3"],
 "blocks": {"k3_e1": {"type": "irf", "kernel": 3, "expansion": 1}, "k3_e3": {"type": "irf", "kernel": 3, "expansion": 3},
            "k5_e3": {"type": "irf", "kernel": 5, "expansion": 3}, "skip": {"type": "skip"}}}
JSON
args=(--space "$work/tiny-space.json" --lut flops --dataset synthetic:2400 --subset 0 --epochs 10 --warmup-epochs 1
      --batch-size 16 --samples 2 --threads 1 --seed 7)

echo "== reference: one uninterrupted search"
db="$work/kill/runs.sqlite"; mkdir -p "$work/kill"
t0=$(date +%s.%N)
"$cli" search --runs "$db" "${args[@]}" --name ref > "$work/ref.log" 2>&1 || { cat "$work/ref.log"; exit 1; }
secs=$(echo "$(date +%s.%N) - $t0" | bc)
ref=$(fingerprint "$db" ref)
ckpt=$(ls -1 "$db-checkpoints" | head -1)
printf '  %.1f s, fingerprint %s, checkpoint %s bytes\n' "$secs" "$ref" "$(stat -c %s "$db-checkpoints/$ckpt" 2>/dev/null || echo '?')"

echo "== 1. $kills SIGKILLs at random moments of one run, then a final resume"
landed=0; attempts=0; started=0
while [ "$landed" -lt "$kills" ] && [ "$attempts" -lt $((kills * 6)) ]; do
  attempts=$((attempts + 1))
  if [ "$started" = 0 ]; then
    "$cli" search --runs "$db" "${args[@]}" --name victim > /dev/null 2>&1 &
  else
    "$cli" search --runs "$db" --resume victim --threads 1 > /dev/null 2>&1 &
  fi
  pid=$!
  # Uniform in [0.3 s, T / 6], T the reference's time (10 epochs): a life advances less than one
  # epoch on average, so the kills spread over the whole run.
  sleep "$(awk -v r="$RANDOM" -v s="$secs" 'BEGIN { printf "%.2f", 0.3 + (r / 32767) * s / 6 }')"
  kill -9 "$pid" 2> /dev/null && killed=1 || killed=0
  wait "$pid" 2> /dev/null
  status=$(q "$db" "SELECT status || ' epoch ' || epochs_completed FROM runs WHERE name='victim'")
  [ -n "$status" ] && started=1
  if [ "$killed" = 1 ] && [ -n "$status" ]; then
    landed=$((landed + 1))
    echo "  kill $landed: at ${status}, integrity $(q "$db" 'PRAGMA integrity_check')"
  fi
  case "$status" in finished*) break ;; esac
done
"$cli" search --runs "$db" --resume victim --threads 1 > "$work/final.log" 2>&1
[ "$(q "$db" "SELECT status FROM runs WHERE name='victim'")" = finished ] || tail -5 "$work/final.log"
"$cli" runs list --runs "$db" > /dev/null  # opening the store removes dead writers' temporaries
check "$landed kills landed mid-run" test "$landed" -ge "$kills"
check "status finished" test "$(q "$db" "SELECT status FROM runs WHERE name='victim'")" = finished
check "final theta, epochs, steps equal the reference ($(fingerprint "$db" victim))" test "$(fingerprint "$db" victim)" = "$ref"
check "integrity_check ok" test "$(q "$db" 'PRAGMA integrity_check')" = ok
check "no temporary file left" test -z "$(find "$work/kill" -name '*.tmp.*')"

echo "== 2. a full disk during a checkpoint write"
if [ "$(id -u)" = 0 ] && mkdir -p "$work/disk" && mount -t tmpfs -o size=64m tmpfs "$work/disk" 2> /dev/null; then
  ddb="$work/disk/runs.sqlite"
  # Two epochs written normally, then the disk is filled to less than one checkpoint.
  "$cli" search --runs "$ddb" "${args[@]}" --name full > /dev/null 2>&1 &
  pid=$!
  wait_epochs "$ddb" full 2 "$pid" || { echo "  FAIL  the search did not reach epoch 2"; exit 1; }
  kill -9 "$pid"; wait "$pid" 2> /dev/null
  before=$(q "$ddb" "SELECT count(*) FROM steps") ; ck="$ddb-checkpoints/$(ls -1 "$ddb-checkpoints" | head -1)"
  cksum_before=$(sha256sum < "$ck")
  size=$(stat -c %s "$ck"); free=$(df -B1 --output=avail "$work/disk" | tail -1)
  fallocate -l $((free - size / 2)) "$work/disk/filler" 2> /dev/null || dd if=/dev/zero of="$work/disk/filler" bs=1M count=$(((free - size / 2) / 1048576)) 2> /dev/null
  out=$("$cli" search --runs "$ddb" --resume full --threads 1 2>&1); rc=$?
  echo "  resume on a full disk exited $rc: $(echo "$out" | grep -i -m1 'error')"
  check "the search stopped with an error" test "$rc" -ne 0
  check "the error names the checkpoint or the store" grep -q -E 'checkpoint|runs.sqlite' <<< "$out"
  check "the previous checkpoint is untouched" test "$(sha256sum < "$ck")" = "$cksum_before"
  check "integrity_check ok" test "$(q "$ddb" 'PRAGMA integrity_check')" = ok
  check "no temporary file left" test -z "$(find "$work/disk" -name '*.tmp.*')"
  check "steps recorded before the fault kept ($before)" test "$(q "$ddb" "SELECT count(*) FROM steps")" -ge "$before"
  rm -f "$work/disk/filler"
  "$cli" search --runs "$ddb" --resume full --threads 1 > "$work/full.log" 2>&1
  check "after freeing space the resume finishes with the reference theta" \
    test "$(q "$ddb" "SELECT theta FROM runs WHERE name='full'")" = "$(q "$db" "SELECT theta FROM runs WHERE name='ref'")"
  umount "$work/disk"
else
  echo "  skipped: mounting a tmpfs needs root"
fi

echo "== 3. a corrupted checkpoint"
cdb="$work/corrupt/runs.sqlite"; mkdir -p "$work/corrupt"
"$cli" search --runs "$cdb" "${args[@]}" --name bad > /dev/null 2>&1 &
pid=$!
wait_epochs "$cdb" bad 2 "$pid" || { echo "  FAIL  the search did not reach epoch 2"; exit 1; }
kill -9 "$pid"; wait "$pid" 2> /dev/null
ck="$cdb-checkpoints/$(ls -1 "$cdb-checkpoints" | head -1)"
size=$(stat -c %s "$ck")
head -c 4096 /dev/urandom | dd of="$ck" bs=1 seek=$((size / 2)) conv=notrunc 2> /dev/null
before=$(fingerprint "$cdb" bad)
out=$("$cli" search --runs "$cdb" --resume bad --threads 1 2>&1); rc=$?
echo "  resume exited $rc: $(echo "$out" | grep -i -m1 'error')"
check "the resume is refused" test "$rc" -ne 0
check "the error names the checkpoint file" grep -q -F "$(basename "$ck")" <<< "$out"
check "epochs, steps and theta kept" test "$(fingerprint "$cdb" bad)" = "$before"
echo "  the run now reads: $(q "$cdb" "SELECT status || ' after ' || epochs_completed || ' epochs: ' || coalesce(error, '') FROM runs WHERE name='bad'" | cut -c1-100)"
check "integrity_check ok" test "$(q "$cdb" 'PRAGMA integrity_check')" = ok

echo "== $failures failed checks"
[ "$failures" = 0 ]
