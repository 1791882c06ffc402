#!/usr/bin/env bash
# ThreadSanitizer over the threaded parts: the search's stop and pause from another thread and the
# folder loader's decoder threads inside searches and a training (core),
# the studio's SearchController on its worker thread: a search, stop, pause, resume, bad input.
# Left out: the tests that open a main window (TSan reports races between Qt Gui's own pooled
# threads and the GUI thread, in libQt6Gui frames without symbols), and two whose waits are
# timed for a normal build (measuring a device table, training a run's architectures).
# Builds build-tsan/ (Clang, -fsanitize=thread): the core, the studio's library and the two programs
# made of those tests only (tests/CMakeLists.txt: test_core_threads, test_studio_threads), and runs
# them; step 4 of scripts/test.sh.
#   scripts/test-tsan.sh                 (after scripts/install-deps.sh)
# Qt, libtorch and OpenMP are Debian's, built without TSan: tests/sanitizers/tsan.supp names the
# library frames whose synchronisation TSan cannot see. race:QObject::event also hides a race
# inside the body of a queued slot of ours; no suppression names our code.
set -euo pipefail
cd "$(dirname "$0")/.."
here="$PWD"
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_COMPILER=clang++ \
  "-DCMAKE_CXX_FLAGS_SANITIZE=-O1 -gline-tables-only" "-DCMAKE_UNITY_BUILD=${FBNET_UNITY:-ON}" \
  -DFBNET_BUILD_STUDIO=ON -DFBNET_BUILD_TESTS=ON -DFBNET_SANITIZE=thread > build-tsan-configure.log \
  || { cat build-tsan-configure.log; exit 1; }
rm -f build-tsan-configure.log
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$here/tests/sanitizers/tsan.supp:${TSAN_OPTIONS:-}"
cmake --build build-tsan -j "$(nproc)" --target test_core_threads test_studio_threads
cd build-tsan
# Clang 14's TSan runtime needs the address layout it knows: kernels with more mmap randomisation
# bits (vm.mmap_rnd_bits 32) end it with "unexpected memory mapping". setarch -R turns
# randomisation off for the tests where the container allows it.
norandom=()
setarch "$(uname -m)" -R true 2> /dev/null && norandom=(setarch "$(uname -m)" -R)
"${norandom[@]}" ctest --output-on-failure --timeout 900 -j "$(nproc)" \
  -R '^(Search\.(StopFromAnotherThread|PauseBlocksUntilResumed)|FolderSearch\.|SearchController\.(RunsOnAWorkerThread|AStoppedRun|StopEnds|BadInput))'
