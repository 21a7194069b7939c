#!/bin/sh
# bench_fence_pg.sh: `bench_store fence` (the cost of the planner's fence, docs/cluster.md) on a
# throwaway PostgreSQL server (scripts/pg-test-server.sh, fsync off as in the tests).
# Prints its lines; asserts nothing (docs/performance.md).
# Usage: bench/bench_fence_pg.sh BATCHCTL [ROUNDS]
set -eu
B=${1:?batchctl}
F=$(dirname "$B")/bench/bench_store
pgs="$(cd "$(dirname "$0")/.." && pwd)/scripts/pg-test-server.sh"
pgroot=$(mktemp -d /tmp/batchd-pg-XXXXXX)
trap '"$pgs" stop "$pgroot/pg" 2>/dev/null; rm -rf "$pgroot"' EXIT
DSN=$("$pgs" start "$pgroot/pg")
"$F" fence "$DSN" "${2:-5}"
