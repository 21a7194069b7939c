#!/bin/sh
# Runs the SDK examples against a temporary repository and checks their outcome
# (part of `make test`). SDK_BUILD is the build directory holding examples/.
set -eu
B=${SDK_BUILD:?}/examples
T=$(mktemp -d /tmp/batch-sdk-ex-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "sdk examples: FAIL: $*" >&2; exit 1; }

# customer_import: 10 valid rows, 3 invalid (email, age, missing field), 1 duplicate id.
cat > "$T/customers.csv" <<'CSV'
id,name,email,age
1,Ann,ann@example.com,34
2,"Bob, Jr.",bob@example.com,41
3,Cy,no-email,20
4,Di,di@example.com,200
5,"Eve ""E""",eve@example.com,29
6,Fay,fay@example.com
7,Gus,gus@example.com,50
8,Hal,hal@example.com,61
9,Ida,"ida@example.com",18
10,Joe,joe@example.com,77
11,Kim,kim@example.com,45
12,Lou,"lou
@example.com",33
1,Ann again,ann2@example.com,35
CSV
CUSTOMER_IMPORT_COMMIT=4 "$B/customer_import" --db "$T/repo.db" input="$T/customers.csv" 2>"$T/err" ||
        { cat "$T/err" >&2; fail "customer_import did not complete"; }
got=$(sqlite3 "$T/repo.db" "SELECT group_concat(id, ' ') FROM (SELECT id FROM customers ORDER BY id)")
[ "$got" = "1 2 5 7 8 9 10 11 12" ] || fail "customers table holds ids '$got'"
[ "$(sqlite3 "$T/repo.db" "SELECT email FROM customers WHERE id = 12")" = "lou
@example.com" ] || fail "a quoted line end was not kept"
dl=$(sqlite3 "$T/repo.db" "SELECT count(*) FROM dead_letters WHERE step = 'import'")
[ "$dl" = 4 ] || fail "expected 4 dead letters, got $dl"
sqlite3 "$T/repo.db" "SELECT error FROM dead_letters ORDER BY id" | grep -q 'email: not an address: no-email' ||
        fail "the invalid email's dead letter lacks its reason"
counts=$(sqlite3 "$T/repo.db" "SELECT read_count, write_count, read_skip_count, process_skip_count, write_skip_count, status FROM step_executions WHERE name = 'import'")
[ "$counts" = "12|9|1|2|1|COMPLETED" ] || fail "import step counts are $counts"
# A completed instance is refused (exit 3) unless asked to run anew.
set +e
"$B/customer_import" --db "$T/repo.db" input="$T/customers.csv" 2>/dev/null
rc=$?
set -e
[ "$rc" = 3 ] || fail "a completed instance was not refused (exit $rc)"
# Another input file is another instance.
head -3 "$T/customers.csv" > "$T/small.csv"
"$B/customer_import" --db "$T/repo.db" input="$T/small.csv" 2>/dev/null || fail "second instance"
[ "$(sqlite3 "$T/repo.db" "SELECT count(*) FROM instances WHERE job = 'customer-import'")" = 2 ] ||
        fail "expected two instances"
# batchctl dlq: the first instance's four dead letters are listed with their reasons; the
# second instance added two (ids 1 and 2 again: duplicates); all six are purged, audited.
C=${BATCHCTL:?}
[ "$("$C" dlq list --db "$T/repo.db" --instance 1 -o json | grep -c '{"id": ')" = 4 ] ||
        fail "batchctl dlq list does not show the 4 dead letters"
"$C" dlq list --db "$T/repo.db" | grep -q 'email: not an address: no-email' ||
        fail "batchctl dlq list lacks the reason"
set +e
"$C" dlq purge --db "$T/repo.db" 2>/dev/null
rc=$?
set -e
[ "$rc" = 2 ] || fail "dlq purge without a selection was not a usage error (exit $rc)"
[ "$("$C" dlq purge --db "$T/repo.db" --job customer-import --actor ops)" = "purged 6 dead letters" ] ||
        fail "dlq purge"
[ "$(sqlite3 "$T/repo.db" "SELECT count(*) FROM dead_letters")" = 0 ] || fail "dead letters left after purge"
[ "$(sqlite3 "$T/repo.db" "SELECT count(*) FROM audit_log WHERE action = 'dlq-purge' AND actor = 'ops'")" = 1 ] ||
        fail "the purge was not audited"
echo "sdk examples: customer_import ok"

if [ -x "$B/cases_partitioned" ]; then
        "$(dirname "$0")/cases.sh" "$B/cases_partitioned" "$T" || fail "cases_partitioned"
        echo "sdk examples: cases_partitioned ok"
fi
