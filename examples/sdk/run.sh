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

# batchctl dlq retry under batchd: the job is defined in the repository and run by the
# daemon. The first run leaves 4 dead letters (3 invalid rows, the duplicate id 1); the
# duplicate's cause is then removed (customer 1 deleted, as an operator would fix the
# target) and the letters retried: the new instance imports "Ann again", re-skips the 3
# invalid rows as its own dead letters, succeeds, and the 4 old letters are deleted.
D=$(dirname "$C")/batchd
R=$T/retry.db
mkdir -p "$T/defs"
cat > "$T/defs/import.yaml" <<EOF
kind: job
name: customer-import
type: manual
executor: {exec: {command: ["$B/customer_import"]}}
EOF
"$C" apply "$T/defs" --db "$R" >/dev/null || fail "apply the customer-import job"
BATCHD_LISTEN=off "$D" --db "$R" --state-dir "$T/retry.d" --log-file "$T/retry.log" &
dpid=$!
trap 'kill $dpid 2>/dev/null; rm -rf "$T"' EXIT
"$C" submit customer-import -p input="$T/customers.csv" --db "$R" >/dev/null || fail "submit"
n=0
until [ "$(sqlite3 "$R" "SELECT state FROM instances WHERE id = 1" 2>/dev/null)" = 5 ]; do
        n=$((n + 1)); [ $n -lt 150 ] || fail "the first customer-import run did not succeed"
        sleep 0.2
done
[ "$(sqlite3 "$R" "SELECT count(*) FROM dead_letters")" = 4 ] || fail "expected 4 dead letters before the retry"
sqlite3 "$R" "DELETE FROM customers WHERE id = 1"
set +e
"$C" dlq retry --db "$R" --job customer-import --param input --header "id,name,email,age" \
        --file "$T/retry.csv" --timeout 60 --actor ops > "$T/retry.out" 2>&1
rc=$?
set -e
[ "$rc" = 0 ] || { cat "$T/retry.out" >&2; fail "dlq retry exit $rc"; }
grep -qF "submitted instance 2 of customer-import on 4 items of dead letters 1 to 4 ($T/retry.csv)" "$T/retry.out" ||
        { cat "$T/retry.out" >&2; fail "dlq retry did not say what it submitted"; }
[ "$(head -1 "$T/retry.csv")" = "id,name,email,age" ] || fail "the retry file lacks the header"
[ "$(sqlite3 "$R" "SELECT name FROM customers WHERE id = 1")" = "Ann again" ] ||
        fail "the retried duplicate was not imported"
[ "$(sqlite3 "$R" "SELECT count(*) FROM customers")" = 9 ] || fail "customers after the retry"
[ "$(sqlite3 "$R" "SELECT group_concat(instance_id) FROM dead_letters")" = "2,2,2" ] ||
        fail "after the retry the dead letters should be the 3 invalid rows of instance 2"
[ "$(sqlite3 "$R" "SELECT count(*) FROM audit_log WHERE action = 'dlq-retry' AND actor = 'ops'")" = 1 ] ||
        fail "the retry was not audited"
# The same again: the 3 invalid rows fail again, so the letters move to instance 3.
"$C" dlq retry --db "$R" --instance 2 --param input --header "id,name,email,age" \
        --file "$T/retry2.csv" --timeout 60 >/dev/null 2>&1 || fail "second dlq retry"
[ "$(sqlite3 "$R" "SELECT group_concat(instance_id) FROM dead_letters")" = "3,3,3" ] ||
        fail "after the second retry the letters should be instance 3's"
# Nothing selected: exit 1; no --param: usage error; an existing --file is not overwritten.
set +e
"$C" dlq retry --db "$R" --instance 1 --param input --file "$T/none.csv" >/dev/null 2>&1; rc1=$?
"$C" dlq retry --db "$R" --instance 3 >/dev/null 2>&1; rc2=$?
"$C" dlq retry --db "$R" --instance 3 --param input --file "$T/retry.csv" >/dev/null 2>&1; rc3=$?
set -e
[ "$rc1" = 1 ] && [ ! -e "$T/none.csv" ] || fail "dlq retry of nothing: exit $rc1"
[ "$rc2" = 2 ] || fail "dlq retry without --param: exit $rc2"
[ "$rc3" = 1 ] && [ "$(sqlite3 "$R" "SELECT count(*) FROM instances")" = 3 ] ||
        fail "dlq retry onto an existing file: exit $rc3, or something was submitted"
kill $dpid
wait $dpid 2>/dev/null || true
trap 'rm -rf "$T"' EXIT
echo "sdk examples: dlq retry ok"

if [ -x "$B/cases_partitioned" ]; then
        "$(dirname "$0")/cases.sh" "$B/cases_partitioned" "$T" || fail "cases_partitioned"
        echo "sdk examples: cases_partitioned ok"
fi
