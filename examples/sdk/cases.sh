#!/bin/sh
# Checks the partitioned example (seed 002): one partition's data source fails, the other
# partitions finish, the job fails; the rerun processes only what was left.
# Usage: cases.sh BINARY TMPDIR
set -eu
BIN=$1
T=$2
db="$T/cases.db"
fail() { echo "cases: FAIL: $*" >&2; exit 1; }
set +e
CASES_SETUP=400 "$BIN" --db "$db" --extra fail_partition=2 2>"$T/cases.err"
rc=$?
set -e
[ "$rc" = 1 ] || { cat "$T/cases.err" >&2; fail "the run with a failing partition exited $rc"; }
# Partitions 0, 1, 3 processed all their 100 cases; partition 2 stopped after 20 (two
# chunks of 10 before the failure at its 26th read).
got=$(sqlite3 "$db" "SELECT group_concat(n, ' ') FROM (SELECT id % 4 AS p, sum(processed) AS n FROM cases GROUP BY p ORDER BY p)")
[ "$got" = "100 100 20 100" ] || fail "processed per partition: $got"
st=$(sqlite3 "$db" "SELECT group_concat(name || '=' || status, ' ') FROM (SELECT name, status FROM step_executions WHERE name LIKE 'process%' ORDER BY name)")
[ "$st" = "process=FAILED process:0=COMPLETED process:1=COMPLETED process:2=FAILED process:3=COMPLETED" ] ||
        fail "step executions: $st"
sqlite3 "$db" "SELECT exit_message FROM step_executions WHERE name = 'process'" |
        grep -q 'partition 2: FAILED, written 20, skipped 0, filtered 0 (data source unavailable' ||
        fail "the summary does not name partition 2's failure"
"$BIN" --db "$db" 2>"$T/cases.err" || { cat "$T/cases.err" >&2; fail "the rerun failed"; }
[ "$(sqlite3 "$db" "SELECT count(*), sum(processed), count(result) FROM cases")" = "400|400|400" ] ||
        fail "not every case processed after the rerun"
# The rerun ran only partition 2, and only its 80 remaining cases.
rerun=$(sqlite3 "$db" "SELECT group_concat(name || ':' || write_count, ' ') FROM (SELECT name, write_count FROM step_executions WHERE execution_id = 2 AND name LIKE 'process%' ORDER BY name)")
[ "$rerun" = "process:80 process:2:80" ] ||
        fail "rerun steps: $rerun"
