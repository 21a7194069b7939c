#!/bin/sh
# Retention (docs/daemon.md, "Retention"): a repository with a year of history (a job
# run every 30 minutes: 17,520 instances with their transitions, executions, step
# executions, alerts with deliveries, dead letters) and batchd --retention-days 30 on it,
# while a job due every second keeps running: everything that ended more than 30 days ago
# goes, with no orphan row left; what is younger stays; the purged runs' log files in the
# state directory go, a file elsewhere stays; the scheduler goes on running its job all
# along. Its latency while purging is measured in bench/bench_retention.sh, not asserted here.
# Closes with "retention: N passed, M failed".
set -u
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
B="$BIN/batchctl"
D="$BIN/batchd"
export BATCHD_LISTEN=off
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
. "$(dirname "$0")/../lib.sh"
db="$tmp/r.db"
q() { sqlite3 -cmd '.timeout 30000' "$db" "$1"; }

check_bad() { "$D" --db "$db" --retention-days "$1" >"$tmp/out" 2>&1; [ $? = 2 ] && grep -q "must be a number of days" "$tmp/out"; }
check_bad x && check_bad -1 && check_bad 36501 && pass "--retention-days: bad values refused (2)" ||
    fail "--retention-days: bad values refused (2)" "$tmp/out"

mkdir -p "$tmp/defs"
cat >"$tmp/defs/jobs.yaml" <<'EOF2'
kind: job
name: old
type: manual
allow_multiple_instances: true
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: tick
trigger: {cron: "* * * * * *", timezone: UTC}
executor: {exec: {command: [/bin/true]}}
EOF2
"$B" apply "$tmp/defs" --db "$db" >"$tmp/out" 2>&1 && pass "apply" || fail "apply" "$tmp/out"

# A year of history, every 30 minutes, up to a day ago; every 10th run failed with an
# alert (and a delivery) and two dead letters.
now=$(date +%s)
start=$((now - 365 * 86400))
n=17520
mkdir -p "$db.d/logs"
q "BEGIN;
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $n)
INSERT INTO instances(id, tenant, job, scheduled, due_time, first_due, last_due, state, trace_id, created_at, updated_at)
SELECT i, 'default', 'old', 0, $start + i * 1800 - 86400, $start + i * 1800 - 86400, $start + i * 1800 - 86400,
       CASE WHEN i % 10 = 0 THEN 6 ELSE 5 END, printf('%032x', i), $start + i * 1800 - 86400, $start + i * 1800 - 86400 + 60 FROM k;
INSERT INTO instance_transitions(instance_id, at, from_state, to_state, actor)
SELECT id, created_at, NULL, 0, 'scheduler' FROM instances WHERE job = 'old'
UNION ALL SELECT id, created_at, 0, 2, 'scheduler' FROM instances WHERE job = 'old'
UNION ALL SELECT id, created_at, 2, 4, 'scheduler' FROM instances WHERE job = 'old'
UNION ALL SELECT id, updated_at, 4, state, 'scheduler' FROM instances WHERE job = 'old';
INSERT INTO executions(id, instance_id, attempt, pid, log_path, started_at, finished_at, exit_status)
SELECT id, id, 1, 100, '$db.d/logs/' || id || '-100.log', created_at, updated_at, CASE state WHEN 6 THEN 3 ELSE 0 END
FROM instances WHERE job = 'old';
INSERT INTO step_executions(execution_id, name, status, read_count, write_count, commit_count, rollback_count,
       read_skip_count, process_skip_count, write_skip_count, filter_count, started_at, updated_at)
SELECT id, 'load', 'COMPLETED', 100, 100, 1, 0, 0, 0, 0, 0, started_at, finished_at FROM executions;
INSERT INTO alerts(tenant, instance_id, kind, message, created_at, job, severity)
SELECT 'default', id, 'failure', 'old failed', updated_at, 'old', 'critical' FROM instances WHERE state = 6;
INSERT INTO alert_deliveries(alert_id, channel, target, state, message_id, created_at)
SELECT id, 'email', 'ops@example.com', 'sent', '<' || id || '@batchd>', created_at FROM alerts;
INSERT INTO dead_letters(instance_id, step, item, error, created_at)
SELECT id, 'load', 'row ' || id, 'bad', updated_at FROM instances WHERE state = 6
UNION ALL SELECT id, 'load', 'row ' || id || 'b', 'bad', updated_at FROM instances WHERE state = 6;
COMMIT;" && pass "a year of history: $(q 'SELECT count(*) FROM instances') instances" || fail "a year of history"
# Log files: ten purged runs', three of runs that stay, and one purged run whose log path
# lies outside the state directory (it must not be touched).
for i in 1 2 3 4 5 6 7 8 9 10 $((n - 3)) $((n - 2)) $((n - 1)); do echo run "$i" >"$db.d/logs/$i-100.log"; done
echo outside >"$tmp/outside.log"
q "UPDATE executions SET log_path = '$tmp/outside.log' WHERE id = 11"
cutoff0=$((now - 30 * 86400))
young=$(q "SELECT count(*) FROM instances WHERE job = 'old' AND updated_at >= $cutoff0 + 3600")
old=$(q "SELECT count(*) FROM instances WHERE job = 'old' AND updated_at < $cutoff0")
[ "$old" -gt 16000 ] && [ "$young" -gt 1300 ] && pass "$old instances older than 30 days, $young younger" ||
    fail "$old instances older than 30 days, $young younger"

BATCHD_RETENTION_INTERVAL=2 "$D" --db "$db" --retention-days 30 --log-file "$tmp/d.log" &
dpid=$!
ticks() { q "SELECT count(*) FROM instances WHERE job = 'tick' AND state = 5"; }
ticking() { [ "$(ticks)" -ge 3 ]; }
wait_for "$WAIT" ticking && pass "tick runs every second" || fail "tick runs every second" "$tmp/d.log"
t0=$(ticks)
# Every pass older than the cutoff of its moment: after the passes, nothing ended more
# than 30 days (and an hour: the cutoff moves on) ago is left.
purged() { [ "$(q "SELECT count(*) FROM instances WHERE job = 'old' AND updated_at < $(($(date +%s) - 30 * 86400 - 3600))")" = 0 ]; }
if wait_for 240 purged; then
    pass "every instance that ended more than 30 days ago is gone"
else
    q "SELECT count(*) FROM instances" >"$tmp/left"; cat "$tmp/d.log" >>"$tmp/left"
    fail "every instance that ended more than 30 days ago is gone" "$tmp/left"
fi
t1=$(ticks)
[ "$t1" -gt "$t0" ] && pass "the scheduler ran tick meanwhile ($t0 -> $t1 runs)" ||
    fail "the scheduler ran tick meanwhile ($t0 -> $t1 runs)" "$tmp/d.log"
[ "$(q "SELECT count(*) FROM instances WHERE job = 'old' AND updated_at >= $cutoff0 + 3600")" = "$young" ] &&
    pass "every instance younger than 30 days stays ($young)" || fail "every instance younger than 30 days stays ($young)"
orphans=$(q "SELECT (SELECT count(*) FROM instance_transitions t WHERE NOT EXISTS (SELECT 1 FROM instances i WHERE i.id = t.instance_id))
 + (SELECT count(*) FROM executions e WHERE NOT EXISTS (SELECT 1 FROM instances i WHERE i.id = e.instance_id))
 + (SELECT count(*) FROM step_executions s WHERE NOT EXISTS (SELECT 1 FROM executions e WHERE e.id = s.execution_id))
 + (SELECT count(*) FROM alerts a WHERE a.instance_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.id = a.instance_id))
 + (SELECT count(*) FROM alert_deliveries d WHERE NOT EXISTS (SELECT 1 FROM alerts a WHERE a.id = d.alert_id))
 + (SELECT count(*) FROM dead_letters d WHERE NOT EXISTS (SELECT 1 FROM instances i WHERE i.id = d.instance_id))")
[ "$orphans" = 0 ] && pass "no orphan row left" || fail "no orphan row left: $orphans"
[ "$(q "SELECT count(*) FROM alerts WHERE created_at < $cutoff0") $(q "SELECT count(*) FROM dead_letters WHERE created_at < $cutoff0")" = "0 0" ] &&
    [ "$(q "SELECT count(*) FROM alerts")" -gt 130 ] && [ "$(q "SELECT count(*) FROM dead_letters")" -gt 260 ] &&
    pass "alerts and dead letters: the old gone, the young kept" || fail "alerts and dead letters: the old gone, the young kept"
gone=0; for i in 1 2 3 4 5 6 7 8 9 10; do [ -e "$db.d/logs/$i-100.log" ] || gone=$((gone + 1)); done
[ "$gone" = 10 ] && [ -e "$db.d/logs/$((n - 1))-100.log" ] && [ -e "$db.d/logs/$((n - 3))-100.log" ] &&
    [ -e "$tmp/outside.log" ] && pass "the purged runs' log files are removed; the others and a file elsewhere stay" ||
    { ls -l "$db.d/logs" "$tmp" >"$tmp/ls" 2>&1; fail "the purged runs' log files are removed; the others and a file elsewhere stay ($gone of 10)" "$tmp/ls"; }
# A pass logs and audits when a step finds nothing more to delete: a pause and a step
# after the last deletion `purged` saw, so wait for it.
logged() {
    grep -q '"retention: purged older than 30 days: [0-9]* instances' "$tmp/d.log" &&
        [ "$(q "SELECT count(*) FROM audit_log WHERE action = 'retention' AND actor = 'batchd'")" -ge 1 ]
}
wait_for "$WAIT" logged && pass "each pass is logged and audited" ||
    fail "each pass is logged and audited" "$tmp/d.log"
! grep -q 'ended: lost' "$tmp/d.log" && ! grep -q '"level": "error"' "$tmp/d.log" &&
    pass "no run lost, no error logged" || fail "no run lost, no error logged" "$tmp/d.log"
kill "$dpid"; wait "$dpid" 2>/dev/null; dpid=""
[ "$(q 'PRAGMA integrity_check')" = ok ] && pass "the repository is intact" || fail "the repository is intact"

echo "retention: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
