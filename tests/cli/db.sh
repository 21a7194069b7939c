#!/bin/sh
# batchctl db backup|restore|vacuum (docs/schema.md, "Backup, restore, vacuum") on a real
# SQLite repository with a real batchd writing to it: a backup taken while batchd runs is
# whole; backup + restore gives back an identical `batchctl export` (and the same
# instances); restore and vacuum refuse while batchd runs; bad input changes nothing;
# PostgreSQL gets the pg_dump advice. Closes with "cli-db: N passed, M failed".
set -u
B=${BATCHCTL:?set BATCHCTL to the batchctl binary}
D=$(dirname "$B")/batchd
root=$(cd "$(dirname "$0")/../.." && pwd)
passed=0
failed=0
tmp=$(mktemp -d)
dpid=""
cleanup() {
    [ -z "$dpid" ] || { kill "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null; }
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
unset BATCHD_URL BATCHD_TOKEN BATCHD_DB XDG_CONFIG_HOME
export HOME="$tmp/home" BATCHD_LISTEN=off
mkdir -p "$HOME"
. "$(dirname "$0")/../lib.sh"

db="$tmp/r.db"
q() { sqlite3 -cmd '.timeout 10000' "$1" "$2"; }
"$B" apply "$root/examples/jobs" --db "$db" >"$tmp/out" 2>&1 && pass "apply the examples" || fail "apply the examples" "$tmp/out"
# batchd on a fast virtual clock: hello (every minute) runs every 0.1 s of real time.
"$D" --db "$db" --clock-start 2026-12-07T08:00:00Z --clock-rate 600 --log-file "$tmp/d.log" &
dpid=$!
runs() { q "$db" "SELECT count(*) FROM instances WHERE state = 5"; }
some_runs() { [ "$(runs)" -ge 20 ]; }
wait_for "$WAIT" some_runs && pass "batchd runs hello again and again" || fail "batchd runs hello again and again" "$tmp/d.log"

# Backups while batchd writes: each is a whole, consistent repository.
for i in 1 2 3; do
    if "$B" db backup "$tmp/b$i.db" --db "$db" >"$tmp/out" 2>&1 &&
        [ "$(q "$tmp/b$i.db" 'PRAGMA integrity_check')" = ok ] &&
        [ "$(q "$tmp/b$i.db" 'PRAGMA journal_mode')" = delete ] &&
        [ ! -e "$tmp/b$i.db-wal" ] && grep -q "^backup: [0-9]* pages .* written to $tmp/b$i.db; integrity check ok$" "$tmp/out"; then
        pass "backup $i while batchd writes: one self-contained file, integrity ok"
    else
        fail "backup $i while batchd writes: one self-contained file, integrity ok" "$tmp/out"
    fi
done
n1=$(q "$tmp/b1.db" 'SELECT count(*) FROM instances') n3=$(q "$tmp/b3.db" 'SELECT count(*) FROM instances')
[ "$n1" -ge 20 ] && [ "$n3" -ge "$n1" ] && pass "the backups hold the runs so far ($n1, then $n3)" ||
    fail "the backups hold the runs so far ($n1, then $n3)"
# Every instance in a backup is whole: its creation transition is there too.
[ "$(q "$tmp/b3.db" 'SELECT count(*) FROM instances i WHERE NOT EXISTS (SELECT 1 FROM instance_transitions t WHERE t.instance_id = i.id)')" = 0 ] &&
    pass "no half-recorded instance in the backup" || fail "no half-recorded instance in the backup"

cp "$db" "$tmp/before.db" 2>/dev/null
check "restore refused while batchd runs" 1 "" "a batchd is running on this repository" -- \
    db restore "$tmp/b1.db" --db "$db"
check "vacuum refused while batchd runs" 1 "" "a batchd is running on this repository" -- \
    db vacuum --db "$db"
kill "$dpid"; wait "$dpid" 2>/dev/null; dpid=""
# A batchd on the real clock publishes no clock; its flock on the repository file tells.
"$D" --db "$db" --log-file "$tmp/d2.log" &
dpid=$!
started() { grep -q '"batchd started' "$tmp/d2.log" 2>/dev/null; }
wait_for "$WAIT" started && [ "$(q "$db" 'SELECT count(*) FROM clock')" = 0 ] &&
    pass "a batchd on the real clock runs (no clock published)" || fail "a batchd on the real clock runs" "$tmp/d2.log"
check "restore refused while a real-clock batchd runs" 1 "" "a batchd is running on this repository" -- \
    db restore "$tmp/b1.db" --db "$db"
check "vacuum refused while a real-clock batchd runs" 1 "" "a batchd is running on this repository" -- \
    db vacuum --db "$db"
kill "$dpid"; wait "$dpid" 2>/dev/null; dpid=""

# backup, change, restore: the same export as at the backup.
check "backup of the stopped repository" 0 - "" -- db backup "$tmp/base.db" --db "$db"
check "export at the backup" 0 - "" -- export "$tmp/e1" --db "$db"
"$B" instances list --db "$db" --limit 10000 -o json >"$tmp/i1.json"
mkdir -p "$tmp/changed"
sed 's/^estimated_minutes: 20$/estimated_minutes: 25/' "$root/examples/jobs/nightly.yaml" >"$tmp/changed/nightly.yaml"
"$B" apply "$tmp/changed" "$root/examples/jobs/settings.yaml" --prune --db "$db" >"$tmp/out" 2>&1
"$B" submit policy-reprice --db "$db" >/dev/null 2>&1
"$B" export "$tmp/e2" --db "$db" >/dev/null 2>&1
! diff -r "$tmp/e1" "$tmp/e2" >/dev/null && pass "the definitions changed after the backup" ||
    fail "the definitions changed after the backup" "$tmp/out"
check "restore the backup" 0 "restore: $(q "$tmp/base.db" 'PRAGMA page_count') pages from $tmp/base.db; the repository is that backup now" "" -- \
    db restore "$tmp/base.db" --db "$db" --actor ops
check "export after the restore" 0 - "" -- export "$tmp/e3" --db "$db"
diff -r "$tmp/e1" "$tmp/e3" >"$tmp/diff" 2>&1 && pass "backup + restore: an identical batchctl export" ||
    fail "backup + restore: an identical batchctl export" "$tmp/diff"
"$B" instances list --db "$db" --limit 10000 -o json >"$tmp/i3.json"
cmp -s "$tmp/i1.json" "$tmp/i3.json" && pass "backup + restore: the same instances" ||
    fail "backup + restore: the same instances"
[ "$(q "$db" "SELECT actor || ' ' || action FROM audit_log ORDER BY id DESC LIMIT 1")" = "ops db-restore" ] &&
    pass "the restore is audited" || fail "the restore is audited"
# A backup taken while batchd ran holds its clock; the restored repository does not.
check "restore a backup taken while batchd ran" 0 - "" -- db restore "$tmp/b2.db" --db "$db"
[ "$(q "$tmp/b2.db" 'SELECT count(*) FROM clock')" = 1 ] && [ "$(q "$db" 'SELECT count(*) FROM clock')" = 0 ] &&
    pass "the restored repository has no clock of a batchd that is not running" ||
    fail "the restored repository has no clock of a batchd that is not running"
[ "$(q "$db" 'SELECT count(*) FROM instances')" = "$(q "$tmp/b2.db" 'SELECT count(*) FROM instances')" ] &&
    pass "its instances are the backup's" || fail "its instances are the backup's"
check "restore base again" 0 - "" -- db restore "$tmp/base.db" --db "$db"

# Bad input: a clear error, the repository unchanged.
"$B" export "$tmp/e4" --db "$db" >/dev/null 2>&1
check "backup never overwrites" 1 "" "exists: a backup goes to a new file" -- db backup "$tmp/base.db" --db "$db"
head -c 100000 /dev/urandom >"$tmp/junk.db"
check "restore of a file that is not a database" 1 "" "is not a usable backup" -- db restore "$tmp/junk.db" --db "$db"
check "restore of a missing file" 1 "" "cannot read $tmp/none.db" -- db restore "$tmp/none.db" --db "$db"
sqlite3 "$tmp/other.db" 'CREATE TABLE t(x); INSERT INTO t VALUES (1);'
check "restore of a SQLite file that is not a repository" 1 "" "is not a batchd repository" -- \
    db restore "$tmp/other.db" --db "$db"
cp "$tmp/base.db" "$tmp/newer.db"
sqlite3 "$tmp/newer.db" 'INSERT INTO schema_migrations VALUES (999)'
check "restore of a newer schema" 1 "" "schema version 999, newer than this batchctl's" -- \
    db restore "$tmp/newer.db" --db "$db"
check "backup without FILE: usage" 2 "" "one FILE is needed" -- db backup --db "$db"
"$B" export "$tmp/e5" --db "$db" >/dev/null 2>&1
diff -r "$tmp/e4" "$tmp/e5" >/dev/null && pass "the refused restores changed nothing" ||
    fail "the refused restores changed nothing"

# vacuum gives deleted space back: 3,000 dead letters of 2 KiB each, then everything deleted.
q "$db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
         INSERT INTO dead_letters(instance_id, step, item, error, created_at)
         SELECT (SELECT min(id) FROM instances), 'x', hex(randomblob(1024)), 'e', 0 FROM n"
q "$db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
q "$db" "DELETE FROM instance_transitions; DELETE FROM executions; DELETE FROM step_executions; DELETE FROM dead_letters; DELETE FROM alert_deliveries; DELETE FROM alerts; DELETE FROM requests; DELETE FROM instances"
before=$(stat -c %s "$db")
check "vacuum" 0 - "" -- db vacuum --db "$db" --actor ops
after=$(stat -c %s "$db")
[ "$after" -lt "$before" ] && grep -q "^vacuum: $db from [0-9]* KiB to [0-9]* KiB$" "$tmp/out" &&
    [ "$(q "$db" "SELECT actor || ' ' || action FROM audit_log ORDER BY id DESC LIMIT 1")" = "ops db-vacuum" ] &&
    [ "$(q "$db" 'PRAGMA integrity_check')" = ok ] &&
    pass "vacuum: the file shrank ($before -> $after bytes), audited, intact" ||
    fail "vacuum: the file shrank ($before -> $after bytes), audited, intact" "$tmp/out"

# PostgreSQL: what its own tools do, and no password repeated.
for verb in backup restore vacuum; do
    arg=$([ "$verb" = vacuum ] || echo "$tmp/x.dump")
    check "db $verb on PostgreSQL: advice, exit 2" 2 "" "whose own tools do it" -- \
        db "$verb" $arg --db "postgresql://ops:s3cret@127.0.0.1:1/batchd"
    ! grep -q s3cret "$tmp/err" && grep -qE 'pg_dump|pg_restore|vacuumdb' "$tmp/err" &&
        pass "db $verb on PostgreSQL: names the tool, not the password" ||
        fail "db $verb on PostgreSQL: names the tool, not the password" "$tmp/err"
done

echo "cli-db: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
