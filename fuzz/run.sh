#!/usr/bin/env bash
# Runs every libFuzzer harness built in BUILD_DIR for SECONDS each, starting from the seed corpus in
# fuzz/corpus/<harness> (new inputs go to BUILD_DIR/corpus, never into the repository). Prints how
# long each ran and how many inputs it executed; exits non-zero on the first crash, leaving the input
# in BUILD_DIR/artifacts.
set -euo pipefail
BUILD_DIR=${1:?build dir}
SECONDS_EACH=${2:?seconds per harness}
HARNESSES=(typestr pep3118 dtype wrap dlpack views copy arrow)
cd "$(dirname "$0")/.."
mkdir -p "$BUILD_DIR/artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
summary=()
for h in "${HARNESSES[@]}"; do
  mkdir -p "$BUILD_DIR/corpus/$h" "fuzz/corpus/$h"
  log="$BUILD_DIR/fuzz_$h.log"
  start=$(date +%s)
  if ! "$BUILD_DIR/fuzz/fuzz_$h" -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=4096 -max_len=1024 \
       -print_final_stats=1 -artifact_prefix="$BUILD_DIR/artifacts/$h-" "$BUILD_DIR/corpus/$h" "fuzz/corpus/$h" >"$log" 2>&1; then
    tail -60 "$log"
    echo "fuzz_$h: CRASH after $(( $(date +%s) - start )) s; input in $BUILD_DIR/artifacts/"
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  line="fuzz_$h: $(( $(date +%s) - start )) s, $runs inputs, 0 crashes"
  echo "$line"
  summary+=("$line")
done
echo "fuzz: ${#HARNESSES[@]} passed, 0 failed"
