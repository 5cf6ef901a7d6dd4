#!/usr/bin/env bash
# Builds a libFuzzer target with clang++ and runs it.
#   fuzz/run.sh [SECONDS=60] [TARGET=amqp_frame_fuzz] [extra libFuzzer flags...]
# Build directory: $POLYMQ_FUZZ_BUILD_DIR (default build/fuzz). New inputs accumulate in
# <build>/corpus/<TARGET>; the committed seeds in fuzz/corpus/<TARGET> are only read. A crash
# leaves crash-* / leak-* / timeout-* files in the current directory: reproduce one with
#   <build>/fuzz/<TARGET> crash-...
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
target=${2:-amqp_frame_fuzz}
shift $(($# > 2 ? 2 : $#))
build=${POLYMQ_FUZZ_BUILD_DIR:-$root/build/fuzz}
jobs=${POLYMQ_FUZZ_BUILD_JOBS:-2}

cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ \
  -DPOLYMQ_FUZZ=ON -DPOLYMQ_TESTS=OFF -DPOLYMQ_WERROR=ON >/dev/null
ninja -C "$build" -j "$jobs" "$target"

corpus=$build/corpus/$target
mkdir -p "$corpus"
seeds=()
[[ -d $root/fuzz/corpus/$target ]] && seeds+=("$root/fuzz/corpus/$target")
dict=()
[[ -f $root/fuzz/amqp.dict && $target == amqp_* ]] && dict+=("-dict=$root/fuzz/amqp.dict")

exec "$build/fuzz/$target" -max_total_time="$seconds" -print_final_stats=1 "${dict[@]}" "$@" \
  "$corpus" "${seeds[@]}"
