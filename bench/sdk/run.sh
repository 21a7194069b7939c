#!/bin/sh
# SDK benchmarks (make bench): the in-memory pipeline, the multi-threaded step, then a 1M-row CSV -> SQLite import
# with the example program against `sqlite3 .import` of the same file in the same run,
# then the crash test at 1,000,000 items. SDK_BUILD: the SDK build directory.
# BENCH_SDK_ROWS (default 1000000) sizes the import and the crash test.
set -eu
B=${SDK_BUILD:?}
ROWS=${BENCH_SDK_ROWS:-1000000}
T=$(mktemp -d /tmp/bench-sdk-XXXXXX)
trap 'rm -rf "$T"' EXIT
"$B/bench/bench_sdk_memory"
"$B/bench/bench_sdk_threads"

awk -v n="$ROWS" 'BEGIN { print "id,name,email,age";
        for (i = 1; i <= n; i++) printf "%d,\"Name, %d\",user%d@example.com,%d\n", i, i, i, i % 90 }' > "$T/in.csv"
now() { date +%s.%N; }
# sqlite3's own import into the same schema (one transaction, its default journal).
t0=$(now)
sqlite3 "$T/plain.db" "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, age INTEGER NOT NULL)" \
        ".mode csv" ".import --skip 1 $T/in.csv customers"
t1=$(now)
# The SDK import: CSV reader, validating processor, SQLite writer in the chunk's
# transaction, commit interval 1000 (1000 checkpoints), WAL + synchronous=FULL.
CUSTOMER_IMPORT_COMMIT=1000 "$B/examples/customer_import" --db "$T/repo.db" input="$T/in.csv" 2>"$T/err" ||
        { cat "$T/err" >&2; exit 1; }
t2=$(now)
n1=$(sqlite3 "$T/plain.db" "SELECT count(*) FROM customers")
n2=$(sqlite3 "$T/repo.db" "SELECT count(*) FROM customers")
[ "$n1" = "$ROWS" ] && [ "$n2" = "$ROWS" ] || { echo "row counts $n1 / $n2" >&2; exit 1; }
awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$ROWS" 'BEGIN {
        s = b - a; k = c - b;
        printf "CSV -> SQLite, %d rows: sqlite3 .import %.2f s (%.0f rows/s); libbatch import %.2f s (%.0f rows/s); ratio %.2fx\n",
               n, s, n / s, k, n / k, k / s }'
SDK_BUILD=$B "$(dirname "$0")/../../tests/sdk/crash.sh" "$ROWS" 50
