#!/bin/sh
# Builds every libFuzzer target given (fuzz/<name>/fuzz_<name>.c) with clang,
# ASan and UBSan, and runs each for SECONDS on a scratch copy of its corpus, with
# its dictionary when it has one. Exits non-zero when a target finds a crash; the
# reproducer is left in build/fuzz/<name>/.
# Usage: scripts/fuzz.sh SECONDS fuzz/<name>/fuzz_<name>.c ...
set -eu
seconds=$1
shift
cd "$(dirname "$0")/.."
status=0
# The definition modules without apply.c, which needs the repository.
defs_src=$(ls src/defs/*.c | grep -v '/apply\.c$')
for src in "$@"; do
    dir=$(dirname "$src")
    name=$(basename "$dir")
    out=build/fuzz/$name
    mkdir -p "$out/corpus"
    echo "== fuzz $name: build"
    # A target's further sources and libraries, if any, are listed in its build-extra.
    extra=""
    [ -f "$dir/build-extra" ] && extra=$(cat "$dir/build-extra")
    # shellcheck disable=SC2086
    clang -std=c17 -D_GNU_SOURCE -Isrc -Iinclude -g -O1 -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=all "$src" src/common/*.c src/core/*.c src/sys/*.c $defs_src \
        $extra -lyaml -o "$out/fuzz_$name"
    [ -d "$dir/corpus" ] && cp -R "$dir/corpus/." "$out/corpus/"
    dict=""
    for d in "$dir"/*.dict; do [ -f "$d" ] && dict="-dict=$PWD/$d"; done
    echo "== fuzz $name: run ${seconds}s"
    # shellcheck disable=SC2086
    if ! (cd "$out" && "./fuzz_$name" -max_total_time="$seconds" -max_len=4096 \
        -print_final_stats=1 $dict corpus >log 2>&1); then
        echo "fuzz $name: FOUND A PROBLEM, see $out/log and the crash-* file there" >&2
        tail -n 40 "$out/log" >&2
        status=1
    else
        grep -E '^stat::number_of_executed_units|^Done' "$out/log" || true
    fi
done
exit $status
