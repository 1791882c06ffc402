#!/usr/bin/env bash
# Runs every libFuzzer harness (tests/fuzz) for SECONDS each (default 600) and prints, per harness,
# the executions, the coverage and the findings. Builds build-sanitize/ first if needed.
#   tests/bench/fuzz.sh [SECONDS] [HARNESS...]     e.g. tests/bench/fuzz.sh 20 lut store
# Seeds: the repository's own files (spaces, architectures, tables, calibration CSVs) and
# tests/fuzz/seeds/. Corpora grow in build-sanitize/fuzz-corpus/NAME; crashes are written to
# build-sanitize/fuzz-findings/NAME/ and make the script exit 1. FBNET_FUZZ_JOBS=N runs N at a time.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
seconds="${1:-600}"
shift || true
# The harness list has one home, tests/fuzz/CMakeLists.txt (build-sanitized.sh reads it too).
read -r -a all <<< "$(sed -n 's/^set(FBNET_FUZZ_HARNESSES \(.*\))$/\1/p' tests/fuzz/CMakeLists.txt)"
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=("${all[@]}")
[ -x build-sanitize/tests/fuzz/fuzz_store ] || bash scripts/build-sanitized.sh > /dev/null
source tests/sanitizers/env.sh
# A harness's own leaks are findings; libFuzzer checks them when -detect_leaks=1.
export FBNET_RESOURCE_DIR="$root/resources"

seeds_for() {
  case "$1" in
    space) echo "$root/resources/spaces" ;;
    architecture) echo "$root/resources/architectures" ;;
    lut) echo "$root/lut" ;;
    measurements) echo "$root/resources/calibration $root/tests/fuzz/seeds/measurements" ;;
    store)
      local d=build-sanitize/fuzz-seeds/store
      if [ ! -f "$d/current.sqlite" ]; then
        mkdir -p "$d"
        build-sanitize/app/cli/fbnet runs list --runs "$d/current.sqlite" > /dev/null
        rm -f "$d"/current.sqlite-wal "$d"/current.sqlite-shm
        rm -rf "$d"/current.sqlite-checkpoints
      fi
      echo "$root/$d $root/tests/fuzz/seeds/store" ;;
    *) echo "$root/tests/fuzz/seeds/$1" ;;
  esac
}

# One harness: its log in build-sanitize/fuzz-NAME.log, its table row in build-sanitize/fuzz-NAME.row.
run_one() {
  local h="$1" corpus="build-sanitize/fuzz-corpus/$1" findings="build-sanitize/fuzz-findings/$1"
  local log="build-sanitize/fuzz-$1.log" rc
  mkdir -p "$corpus" "$findings"
  # shellcheck disable=SC2046
  (cd "$findings" && "$root/build-sanitize/tests/fuzz/fuzz_$h" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$root/$findings/" "$root/$corpus" $(seeds_for "$h")) > "$log" 2>&1
  rc=$?
  local execs speed last cov ft nfind
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo "?")
  speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo "?")
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*' || echo "?")
  ft=$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*' || echo "?")
  nfind=$(find "$findings" -type f | wc -l)
  printf '%-13s %12s %8s %8s %8s  %s\n' "$h" "$execs" "$speed" "$cov" "$ft" "$nfind" > "build-sanitize/fuzz-$h.row"
  if [ "$rc" -ne 0 ] || [ "$nfind" -ne 0 ]; then
    { echo "--- fuzz_$h exited $rc; the end of $log:"; tail -40 "$log"; } >> "build-sanitize/fuzz-$h.row"
  fi
}

# The store seed is made once, before harnesses run side by side.
seeds_for store > /dev/null
# FBNET_FUZZ_JOBS harnesses at a time (default 1: a 10-minute figure is one core's).
jobs="${FBNET_FUZZ_JOBS:-1}"
set +e
for h in "${harnesses[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  run_one "$h" &
done
wait
set -e
failed=0
printf '%-13s %12s %8s %8s %8s  %s\n' harness executions exec/s cov features findings
for h in "${harnesses[@]}"; do
  cat "build-sanitize/fuzz-$h.row"
  [ "$(wc -l < "build-sanitize/fuzz-$h.row")" -gt 1 ] && failed=1
done
exit "$failed"
