#!/bin/sh
# SDK benchmarks (make bench): the in-memory pipeline, the multi-threaded step, then a 1M-row CSV -> SQLite import
# with the example program against `sqlite3 .import` of the same file in the same run,
# alternated BENCH_SDK_PAIRS times (default 3; a ratio table, bench/lib/ratio.sh) and the
# allocations per row of each (bench/sdk/malloc_count.c), then the crash test at
# 1,000,000 items. SDK_BUILD: the SDK build directory.
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
. "$(dirname "$0")/../lib/ratio.sh"
PAIRS=${BENCH_SDK_PAIRS:-3}
SCHEMA="CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, age INTEGER NOT NULL)"
# plain DB: sqlite3's own import into the same schema, one transaction, with the
# repository's durability (WAL, synchronous=FULL).
plain() { sqlite3 "$1" "PRAGMA journal_mode=WAL" "PRAGMA synchronous=FULL" "$SCHEMA" ".mode csv" \
        ".import --skip 1 $T/in.csv customers" >/dev/null; }
# sdk DB: the SDK import: CSV reader, validating processor, SQLite writer in the chunk's
# transaction, commit interval 1000 (1000 checkpoints), WAL + synchronous=FULL.
sdk() { CUSTOMER_IMPORT_COMMIT=1000 "$B/examples/customer_import" --db "$1" input="$T/in.csv" 2>"$T/err" ||
        { cat "$T/err" >&2; exit 1; }; }
count() { n=$(sqlite3 "$1" "SELECT count(*) FROM customers"); [ "$n" = "$ROWS" ] ||
        { echo "bench sdk: $1 holds $n rows, not $ROWS" >&2; exit 1; }; }
# Alternated: sdk, sqlite3, sdk, sqlite3, ... each into a new file; the wall time of each
# and its CPU time (user + system, GNU time), which the disk's fsync latency moves less.
[ -x /usr/bin/time ] || { echo "bench sdk: needs GNU time (apt-get install time)" >&2; exit 1; }
timed() { /usr/bin/time -f "%e %U %S" -o "$T/time" "$@"; }
a=""; b=""; ca=""; cb=""; i=0
while [ "$i" -lt "$PAIRS" ]; do
        rm -f "$T"/*.db*
        CUSTOMER_IMPORT_COMMIT=1000 timed "$B/examples/customer_import" --db "$T/repo.db" \
                input="$T/in.csv" 2>"$T/err" || { cat "$T/err" >&2; exit 1; }
        a="$a $(cut -d' ' -f1 "$T/time")"; ca="$ca $(awk '{ print $2 + $3 }' "$T/time")"
        timed sqlite3 "$T/plain.db" "PRAGMA journal_mode=WAL" "PRAGMA synchronous=FULL" "$SCHEMA" \
                ".mode csv" ".import --skip 1 $T/in.csv customers" >/dev/null
        b="$b $(cut -d' ' -f1 "$T/time")"; cb="$cb $(awk '{ print $2 + $3 }' "$T/time")"
        count "$T/repo.db"; count "$T/plain.db"
        i=$((i + 1))
done
# Allocations per item, counted once more each (bench/sdk/malloc_count.c; not timed).
${CC:-cc} -O2 -shared -fPIC -DMALLOC_COUNT_REPORT -o "$T/malloc_count.so" "$(dirname "$0")/malloc_count.c"
rm -f "$T"/*.db*
ma=$(export LD_PRELOAD="$T/malloc_count.so"; sdk "$T/repo.db"; sed -n 's/^malloc_count: //p' "$T/err" 2>/dev/null)
mb=$( (export LD_PRELOAD="$T/malloc_count.so"; plain "$T/plain.db") 2>&1 | sed -n 's/^malloc_count: //p')
echo "CSV -> SQLite, $ROWS rows, $PAIRS pairs alternated, $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
ratio_header
ratio_row "CSV import, libbatch (1,000 exactly-once commits) vs sqlite3 .import (one transaction), WAL, synchronous=FULL" \
        "seconds" "$a" "$b" "≤ 1.2x"
ratio_row "the same, CPU time (user + system)" "CPU seconds" "$ca" "$cb"
awk -v a="$ma" -v b="$mb" -v n="$ROWS" 'BEGIN {
        printf "allocations (malloc, calloc, realloc) per row: libbatch %.2f (%d), sqlite3 .import %.2f (%d)\n",
               a / n, a, b / n, b }'
SDK_BUILD=$B "$(dirname "$0")/../../tests/sdk/crash.sh" "$ROWS" 50
