# Sourced by scripts that run the sanitized build: fatal reports with stacks, the suppressions
# beside this file. detect_odr_violation=0: libtorch and protobuf are linked as shared libraries
# built without instrumentation, whose globals ASan cannot tell apart from ours.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export ASAN_OPTIONS="abort_on_error=1:detect_odr_violation=0:detect_leaks=1:strict_init_order=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$here/ubsan.supp:${UBSAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0:${LSAN_OPTIONS:-}"
