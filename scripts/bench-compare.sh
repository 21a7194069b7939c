#!/bin/sh
# Runs the store and daemon benchmarks of two builds side by side, alternating A, B, A,
# B so that both meet the same machine load: bench_store on SQLite and on a throwaway
# PostgreSQL server (a new database per run), and bench_daemon.sh. For before/after
# figures of a change (docs/performance.md); asserts nothing.
# Usage: scripts/bench-compare.sh BUILD_A BUILD_B [ROUNDS]
set -eu
A=${1:?build directory A (before)}
B=${2:?build directory B (after)}
rounds=${3:-2}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/bench-compare-XXXXXX)
trap '"$here/pg-test-server.sh" stop "$tmp/pg" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
dsn=$("$here/pg-test-server.sh" start "$tmp/pg")
n=0
r=1
while [ "$r" -le "$rounds" ]; do
    for side in A B; do
        build=$A
        [ "$side" = B ] && build=$B
        n=$((n + 1))
        echo "== round $r, $side ($build): bench_store, SQLite"
        "$build/bench/bench_store"
        echo "== round $r, $side ($build): bench_store, PostgreSQL"
        psql -q "$dsn" -c "CREATE DATABASE bench_$n"
        "$build/bench/bench_store" "${dsn%/*}/bench_$n"
        echo "== round $r, $side ($build): bench_daemon"
        "$here/../bench/bench_daemon.sh" "$build/batchctl"
    done
    r=$((r + 1))
done
