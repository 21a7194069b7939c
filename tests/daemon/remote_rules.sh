#!/bin/sh
# Windows, dependencies and alerts treat remote (http executor) runs like local ones
# (issue 18: "Timeouts, windows, dependencies, the monitor, step counts in the UI/API and
# alerts treat remote runs exactly like local ones"). batchd on a real SQLite file under a
# virtual clock (60 simulated seconds per real second), remote jobs in the example
# service (examples/remote-service, a real HTTP server on 127.0.0.1), local jobs beside
# them as the reference. Tenant batch window 23:00-00:20.
#
# Expected (DESIGN §2, §3, docs/scheduler.md, docs/alerts.md):
# - dependencies: kid (local, due 00:02, depends on rp with mode success) waits in
#   1 Dependency Wait while its remote parent rp (due 00:02) runs, and starts only after
#   rp ended 5 Success (its execution starts no earlier than rp's ended); kid 5 Success;
# - a failed parent: rf (remote, fails) and lf (local, exits 3), both due 00:04, are
#   6 Failed; their children kidr and kidl (mode success) do not run and stay in
#   1 Dependency Wait alike, the reason "waiting for P (due …, Failed: rerun it or mark
#   it Manual Success)";
# - alerts: rf and lf each raise one alert of kind failed, severity critical, whose
#   message is "JOB: instance ID ended in Failed: REASON; waiting on it: CHILD"; the
#   waiting children raise none;
# - windows: rw (remote) and lw (local), only_in_window, due 00:25 (outside the window)
#   are 8 Timeout Skip with the same reason, and the service never gets a start for rw;
#   rwin (remote, only_in_window, due 00:06, inside) runs: 5 Success.
# Closes with "remote-rules: N passed, M failed".
set -u
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
B="$BIN/batchctl"
D="$BIN/batchd"
SVC="$BIN/examples/remote-service"
passed=0
failed=0
. "$(dirname "$0")/../lib.sh"
scratch_dir

DB="$tmp/r.db"
sql() { sqlite3 -cmd '.timeout 5000' "$DB" "$@"; }

"$SVC" --port 0 --port-file "$tmp/svc.port" --context-path /policy --log "$tmp/svc.log" \
    --job imp:ms=6000,steps=3 --job bad:ms=300,steps=1,fail --job win:ms=300,steps=1 \
    >/dev/null 2>>"$tmp/svc.err" &
pids="$pids $!"
wait_for "$WAIT" test -s "$tmp/svc.port" || { echo "Bail out! the service did not start"; cat "$tmp/svc.err"; exit 1; }
SPORT=$(cat "$tmp/svc.port")

remote() { # remote NAME REMOTE_JOB CRON [MORE YAML]
    cat <<EOF
---
kind: job
name: $1
trigger: {cron: "$3"}
executor:
  http: {service: "http://127.0.0.1:$SPORT", context_path: /policy, remote_job: $2}
${4:-}
EOF
}
local_job() { # local_job NAME CRON COMMAND [MORE YAML]
    cat <<EOF
---
kind: job
name: $1
trigger: {cron: "$2"}
executor: {exec: {command: [/bin/sh, -c, '$3']}}
${4:-}
EOF
}
mkdir -p "$tmp/defs"
{
    cat <<EOF
kind: settings
tenant: default
batch_window: {start: "23:00", end: "00:20"}
EOF
    remote rp imp "2 0 * * *"
    local_job kid "2 0 * * *" "true" "depends_on: [{job: rp, mode: success}]"
    remote rf bad "4 0 * * *"
    local_job kidr "4 0 * * *" "true" "depends_on: [{job: rf, mode: success}]"
    local_job lf "4 0 * * *" "echo failing; exit 3"
    local_job kidl "4 0 * * *" "true" "depends_on: [{job: lf, mode: success}]"
    remote rwin win "6 0 * * *" "window: only_in_window"
    remote rw win "25 0 * * *" "window: only_in_window"
    local_job lw "25 0 * * *" "true" "window: only_in_window"
} >"$tmp/defs/jobs.yaml"
"$B" apply "$tmp/defs" --db "$DB" >"$tmp/apply.out" 2>&1 || { echo "Bail out! apply failed"; cat "$tmp/apply.out"; exit 1; }

"$D" --db "$DB" --clock-start 2026-03-01T23:59:50Z --clock-rate 60 --listen 127.0.0.1:0 \
    2>>"$tmp/daemon.log" &
daemon_pid=$!

# inst JOB: the id of the job's instance (each job is due once in this test).
inst() { sql "SELECT id FROM instances WHERE job = '$1' ORDER BY id LIMIT 1"; }
state() { sql "SELECT state FROM instances WHERE job = '$1' ORDER BY id LIMIT 1"; }
state_is() { [ "$(state "$1")" = "$2" ]; }
reason() { sql "SELECT reason FROM instances WHERE job = '$1' ORDER BY id LIMIT 1"; }
runs() { sql "SELECT count(*) FROM executions e JOIN instances i ON i.id = e.instance_id WHERE i.job = '$1'"; }
show() { # show JOB...: the instances, their history, executions and alerts, for a failure
    for sj in "$@"; do
        sql "SELECT id, job, state, reason FROM instances WHERE job = '$sj'"
        sql "SELECT t.from_state, t.to_state, t.actor, t.reason FROM instance_transitions t JOIN instances i ON i.id = t.instance_id WHERE i.job = '$sj'"
        sql "SELECT e.id, e.started_at, e.finished_at, e.exit_status, e.error FROM executions e JOIN instances i ON i.id = e.instance_id WHERE i.job = '$sj'"
        sql "SELECT id, job, kind, severity, message FROM alerts WHERE job = '$sj'"
    done >"$tmp/show"
    tail -n 20 "$tmp/daemon.log" >>"$tmp/show"
}
expect() { # expect NAME JOB STATE
    if wait_for "$WAIT" state_is "$2" "$3"; then pass "$1"; else show "$2"; fail "$1 (state $(state "$2"), expected $3)" "$tmp/show"; fi
}

# Dependencies: the child waits while the remote parent runs, then runs after it.
waiting_on_running_parent() { state_is rp 4 && state_is kid 1 && [ "$(runs kid)" = 0 ]; }
if wait_for "$WAIT" waiting_on_running_parent; then
    pass "a child waits in Dependency Wait while its remote parent runs"
else show rp kid; fail "a child waits in Dependency Wait while its remote parent runs" "$tmp/show"; fi
expect "the remote parent ends 5 Success" rp 5
expect "then the child runs: 5 Success" kid 5
p_end=$(sql "SELECT e.finished_at FROM executions e JOIN instances i ON i.id = e.instance_id WHERE i.job = 'rp'")
k_start=$(sql "SELECT e.started_at FROM executions e JOIN instances i ON i.id = e.instance_id WHERE i.job = 'kid'")
[ -n "$p_end" ] && [ -n "$k_start" ] && [ "$k_start" -ge "$p_end" ] &&
    pass "the child started when or after its remote parent ended ($k_start >= $p_end)" ||
    { show rp kid; fail "the child started when or after its remote parent ended ('$k_start' >= '$p_end')" "$tmp/show"; }

# A failed parent, remote and local: the children do not run, alike.
expect "a failing remote parent is 6 Failed" rf 6
expect "a failing local parent is 6 Failed" lf 6
# The children stay in 1 Dependency Wait, their reasons saying what comes next
# (docs/scheduler.md, "Wait reasons"): the same for a remote and a local parent.
for pair in rf:kidr lf:kidl; do
    j=${pair%%:*} c=${pair#*:}
    want="waiting for $j (due 2026-03-02T00:04:00Z, Failed: rerun it or mark it Manual Success)"
    if wait_for "$WAIT" sh -c "[ \"\$(sqlite3 -cmd '.timeout 5000' '$DB' \"SELECT state || ' ' || reason FROM instances WHERE job = '$c'\")\" = '1 $want' ]"; then
        pass "$c stays in Dependency Wait: $want"
    else show "$j" "$c"; fail "$c stays in Dependency Wait: $want (got $(state "$c") $(reason "$c"))" "$tmp/show"; fi
done
[ "$(runs kidr)" = 0 ] && [ "$(runs kidl)" = 0 ] &&
    pass "neither child of a failed parent ran" || { show kidr kidl; fail "neither child of a failed parent ran" "$tmp/show"; }

# Alerts: the same alert for a remote failure as for a local one.
alert_of() { sql "SELECT kind || '|' || severity || '|' || message FROM alerts WHERE job = '$1'"; }
has_alert() { [ -n "$(sql "SELECT id FROM alerts WHERE job = '$1'")" ]; }
for pair in rf:kidr lf:kidl; do
    j=${pair%%:*} c=${pair#*:}
    want="failed|critical|$j: instance $(inst "$j") ended in Failed: $(reason "$j"); waiting on it: $c"
    if wait_for "$WAIT" has_alert "$j" && [ "$(alert_of "$j")" = "$want" ]; then
        pass "$j's failure raises one alert: $want"
    else
        show "$j" "$c"
        fail "$j's failure raises one alert: failed, critical, its reason and the waiting child (want '$want', got '$(alert_of "$j")')" "$tmp/show"
    fi
done
sql "SELECT reason FROM instances WHERE job = 'rf'" | grep -q '^remote: ' &&
    pass "the remote failure's reason is the service's (remote: ...)" ||
    { show rf; fail "the remote failure's reason is the service's (remote: ...)" "$tmp/show"; }
[ -z "$(sql "SELECT id FROM alerts WHERE job IN ('kidr', 'kidl')")" ] &&
    pass "the waiting children raise no alert" || { show kidr kidl; fail "the waiting children raise no alert" "$tmp/show"; }

# Windows: inside it a remote job runs; outside it, remote and local are skipped alike.
expect "a remote only_in_window job due inside the window runs: 5 Success" rwin 5
expect "a remote only_in_window job due outside the window is 8 Timeout Skip" rw 8
expect "a local one beside it is 8 Timeout Skip" lw 8
if [ "$(reason rw)" = "$(reason lw)" ] && reason rw | grep -q 'outside batch window'; then
    pass "the same reason for both ($(reason rw))"
else show rw lw; fail "the same reason for both" "$tmp/show"; fi
[ "$(runs rw)" = 0 ] && [ "$(grep -c '^start win ' "$tmp/svc.log")" = 1 ] &&
    pass "the service got no start for the skipped remote job (one start of win: rwin's)" ||
    fail "the service got no start for the skipped remote job" "$tmp/svc.log"

kill "$daemon_pid"; wait "$daemon_pid" 2>/dev/null; daemon_pid=""
echo "remote-rules: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
