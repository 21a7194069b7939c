#!/bin/sh
# Crash test of the SDK (docs/sdk.md): the customer import (examples/sdk) of ITEMS CSV rows
# into SQLite is killed with SIGKILL at random points at least KILLS times, restarted each
# time; then the table must hold every valid input row exactly once and the step counts,
# summed over all executions, must add up to the input.
# Usage: crash.sh ITEMS KILLS   (SDK_BUILD: the SDK build directory)
set -eu
ITEMS=${1:-20000}
KILLS=${2:-50}
B=${SDK_BUILD:?}/examples
T=$(mktemp -d /tmp/batch-sdk-crash-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "sdk crash: FAIL: $*" >&2; exit 1; }

# Every 97th row has a bad email (a process skip); ids are unique.
awk -v n="$ITEMS" 'BEGIN { print "id,name,email,age";
        for (i = 1; i <= n; i++) {
                if (i % 97 == 0) printf "%d,Name %d,bad-email-%d,%d\n", i, i, i, i % 90;
                else printf "%d,\"Name, %d\",user%d@example.com,%d\n", i, i, i, i % 90 } }' > "$T/in.csv"
bad=$((ITEMS / 97))
good=$((ITEMS - bad))
# Commit intervals small enough that a run takes many chunks.
commit=$((ITEMS / 2000))
[ "$commit" -ge 1 ] || commit=1
export CUSTOMER_IMPORT_COMMIT=$commit CUSTOMER_IMPORT_SKIPS=$ITEMS
# Kill points: uniformly random in the first WINDOW ms of a run (longer for bigger runs).
WINDOW=$((ITEMS / 2000))
[ "$WINDOW" -ge 100 ] || WINDOW=100
pause() { sleep "$(awk -v r="$(od -An -N4 -tu4 /dev/urandom)" -v w="$WINDOW" 'BEGIN { printf "%.3f", (r % w + 1) / 1000 }')"; }
check() {
        db=$1
        rows=$(sqlite3 "$db" "SELECT count(*), count(DISTINCT id), coalesce(sum(id % 97 = 0), 0) FROM customers")
        [ "$rows" = "$good|$good|0" ] || fail "instance $instance: customers has (rows|distinct|bad) $rows, want $good|$good|0"
        sums=$(sqlite3 "$db" "SELECT sum(read_count), sum(write_count), sum(process_skip_count), sum(read_skip_count), sum(write_skip_count), sum(filter_count) FROM step_executions WHERE name = 'import'")
        [ "$sums" = "$ITEMS|$good|$bad|0|0|0" ] || fail "instance $instance: summed counts (read|write|process-skip|read-skip|write-skip|filter) $sums, want $ITEMS|$good|$bad|0|0|0"
        dl=$(sqlite3 "$db" "SELECT count(*) FROM dead_letters")
        [ "$dl" = "$bad" ] || fail "instance $instance: $dl dead letters, want $bad"
        st=$(sqlite3 "$db" "SELECT count(*) FROM step_executions WHERE status = 'STARTED'")
        [ "$st" = 0 ] || fail "instance $instance: $st step executions left STARTED"
}
# import LABEL: the kill/restart loop over the customer import.
import() {
        midstep=0
        kills=0
        runs=0
        instance=0
        while :; do
                instance=$((instance + 1))
                db="$T/repo-$1-$instance.db"
                while :; do
                        runs=$((runs + 1))
                        "$B/customer_import" --db "$db" input="$T/in.csv" 2>>"$T/log" &
                        pid=$!
                        if [ "$kills" -lt "$KILLS" ]; then
                                pause
                                if kill -9 "$pid" 2>/dev/null; then
                                        wait "$pid" 2>/dev/null || true
                                        kills=$((kills + 1))
                                        continue
                                fi
                        fi
                        rc=0
                        wait "$pid" || rc=$?
                        # A killed run's successor may find the instance done meanwhile (exit 3).
                        [ "$rc" = 0 ] || [ "$rc" = 3 ] || { tail -5 "$T/log" >&2; fail "run $runs exited $rc"; }
                        break
                done
                check "$db"
                midstep=$((midstep + $(sqlite3 "$db" "SELECT count(*) FROM step_executions WHERE name = 'import' AND status = 'FAILED' AND commit_count > 0")))
                [ "$kills" -lt "$KILLS" ] || break
        done
        echo "sdk crash: $1, $ITEMS items, $kills SIGKILLs over $runs runs ($instance instance(s), $midstep kills after the import had committed chunks); every valid row once, counts add up"
}
import "import"
# The same import as a multi-threaded step (4 threads; commits in order, low-water mark).
CUSTOMER_IMPORT_THREADS=4 import "multi-threaded import"

midstep=0
kills=0
runs=0
instance=0
# The same for the partitioned 4-thread step (examples/sdk/cases_partitioned.c): each
# case's marker is incremented in the chunk's transaction, so a case processed twice
# would show processed = 2.
export CASES_COMMIT=$commit
midstep=0
kills=0
runs=0
instance=0
while :; do
        instance=$((instance + 1))
        db="$T/cases-$instance.db"
        # The cases exist before the job runs (the example's schema).
        sqlite3 "$db" "CREATE TABLE cases (id INTEGER PRIMARY KEY, data TEXT NOT NULL, processed INTEGER NOT NULL DEFAULT 0, result TEXT);
                CREATE VIEW unprocessed_cases AS SELECT id, data FROM cases WHERE processed = 0;
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ITEMS)
                INSERT INTO cases(id, data) SELECT i, 'case-' || i FROM n;"
        while :; do
                runs=$((runs + 1))
                "$B/cases_partitioned" --db "$db" 2>>"$T/log" &
                pid=$!
                if [ "$kills" -lt "$KILLS" ]; then
                        pause
                        if kill -9 "$pid" 2>/dev/null; then
                                wait "$pid" 2>/dev/null || true
                                kills=$((kills + 1))
                                continue
                        fi
                fi
                rc=0
                wait "$pid" || rc=$?
                [ "$rc" = 0 ] || [ "$rc" = 3 ] || { tail -5 "$T/log" >&2; fail "partitioned run $runs exited $rc"; }
                break
        done
        got=$(sqlite3 "$db" "SELECT count(*), sum(processed = 1), max(processed) FROM cases")
        [ "$got" = "$ITEMS|$ITEMS|1" ] || fail "partitioned instance $instance: cases (count|once|max) $got"
        sums=$(sqlite3 "$db" "SELECT sum(read_count), sum(write_count) FROM step_executions WHERE name LIKE 'process:%'")
        [ "$sums" = "$ITEMS|$ITEMS" ] || fail "partitioned instance $instance: partition counts (read|write) $sums"
        st=$(sqlite3 "$db" "SELECT count(*) FROM step_executions WHERE status = 'STARTED'")
        [ "$st" = 0 ] || fail "partitioned instance $instance: $st step executions left STARTED"
        midstep=$((midstep + $(sqlite3 "$db" "SELECT count(*) FROM step_executions WHERE name = 'process' AND status = 'FAILED' AND execution_id IN (SELECT execution_id FROM step_executions WHERE name LIKE 'process:%' AND commit_count > 0)")))
        [ "$kills" -lt "$KILLS" ] || break
done
echo "sdk crash: partitioned, 4 threads, $ITEMS cases, $kills SIGKILLs over $runs runs ($instance instance(s), $midstep kills after partitions had committed chunks); every case processed once, counts add up"
