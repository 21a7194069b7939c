#!/bin/sh
# Remote (http executor) jobs end to end (docs/remote-jobs.md): batchd on a real SQLite
# file under a virtual clock (60 simulated seconds per real second) with jobs in the
# example remote service (examples/remote-service), a real HTTP server on 127.0.0.1.
#
# Expected, from docs/remote-jobs.md:
# - r-imp: started with its parameters, the due parameters and the trace id, with the
#   service's bearer token (the service refuses requests without it); step counts arrive
#   while it runs (read_count > 0 in state 4 Running); ends 5 Success with the final
#   counts (80 read, 80 written, 8 commits); the token is in no log, output or file;
# - r-bad: the service reports failed: 6 Failed with the service's message;
# - r-long: a stop is accepted (202), the service confirms: 9 Canceled;
# - r-stubborn: the service refuses the stop (409): 11 Stop Failed;
# - r-unknown: the service has no such job: 3 Start Failed with its NoSuchJobException text;
# - r-lost: the final callback is lost: the poll (every 120 s of the clock) finds the end: 5
#   Success;
# - r-twice: the final report is sent twice: one transition to 5, the second report
#   changes nothing (200 "already reported" or 409);
# - r-probe: a report with its token on another instance's callback URL: 403;
# - r-down: the service is down (Start Failed, retried by the job's retry policy), then
#   up: 5 Success on a later attempt;
# - a callback without or with an unknown token: 401.
# Closes with "remote: N passed, M failed".
set -u
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
B="$BIN/batchctl"
D="$BIN/batchd"
SVC="$BIN/examples/remote-service"
passed=0
failed=0
tmp=$(mktemp -d)
pids=""
daemon_pid=""
cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
    for p in $pids; do kill "$p" 2>/dev/null; done
    [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
. "$(dirname "$0")/../lib.sh"

DB="$tmp/r.db"
SVC_TOKEN='svc-Bearer-9f31c07a5e'
printf '%s\n' "$SVC_TOKEN" >"$tmp/svc.token"
chmod 600 "$tmp/svc.token"
sql() { sqlite3 -cmd '.timeout 5000' "$DB" "$@"; }

# start_service NAME PORT ARGS...: the example service on 127.0.0.1:PORT (0: any); sets
# svc_port and svc_pid.
start_service() {
    name=$1 port=$2
    shift 2
    rm -f "$tmp/$name.port"
    "$SVC" --port "$port" --port-file "$tmp/$name.port" --context-path /policy \
        --log "$tmp/$name.log" "$@" >/dev/null 2>>"$tmp/$name.err" &
    svc_pid=$!
    pids="$pids $!"
    wait_for "$WAIT" test -s "$tmp/$name.port" || { echo "Bail out! $name did not start"; cat "$tmp/$name.err"; exit 1; }
    svc_port=$(cat "$tmp/$name.port")
}
start_service svc 0 --bearer-file "$tmp/svc.token" \
    --job imp:ms=4000,steps=8 --job bad:ms=300,steps=1,fail \
    --job long:ms=120000,steps=1000 --job stubborn:ms=120000,steps=1000,refuse_stop \
    --job lost:ms=300,steps=2,lose_final --job twice:ms=300,steps=1,repeat_final \
    --job probe:ms=2000,steps=1,probe_other
SPORT=$svc_port
# A port where nothing listens yet: the second service comes up there later.
start_service down 0 --job imp:ms=300,steps=1
DPORT=$svc_port
kill "$svc_pid"; wait "$svc_pid" 2>/dev/null

job() { # job NAME REMOTE_JOB PORT [EXTRA HTTP KEYS] [MORE YAML]
    cat <<EOF
---
kind: job
name: $1
type: manual
executor:
  http: {service: "http://127.0.0.1:$3", context_path: /policy, remote_job: $2,
         credentials: {bearer_file: $tmp/svc.token}${4:+, $4}}
${5:-}
EOF
}
mkdir -p "$tmp/defs"
{
    job r-imp imp "$SPORT" "" "parameters: {region: EU}"
    job r-bad bad "$SPORT"
    job r-long long "$SPORT" "stop_timeout_seconds: 3600"
    job r-stubborn stubborn "$SPORT"
    job r-unknown nosuch "$SPORT"
    job r-lost lost "$SPORT" "poll_seconds: 120"
    job r-twice twice "$SPORT"
    job r-probe probe "$SPORT"
    job r-down imp "$DPORT" "timeout_seconds: 5" "retry: {attempts: 8, backoff_seconds: 120, factor: 1}"
    job r-max long "$SPORT" "" "max_minutes: 1"
} >"$tmp/defs/jobs.yaml"
"$B" apply "$tmp/defs" --db "$DB" >"$tmp/apply.out" 2>&1 || { echo "Bail out! apply failed"; cat "$tmp/apply.out"; exit 1; }

"$D" --db "$DB" --clock-start 2026-03-02T00:00:00Z --clock-rate 60 --listen 127.0.0.1:0 \
    2>>"$tmp/daemon.log" &
daemon_pid=$!
api_port() { port=$(sed -n 's/.*API listening on [^ ]* (port \([0-9]*\)).*/\1/p' "$tmp/daemon.log" | tail -n 1); [ -n "$port" ]; }
wait_for "$WAIT" api_port || { echo "Bail out! batchd did not start"; cat "$tmp/daemon.log"; exit 1; }

submit() {
    "$B" submit "$1" --db "$DB" >"$tmp/submit" 2>&1
    sed -n 's/^submitted instance \([0-9]*\) .*/\1/p' "$tmp/submit"
}
state() { sql "SELECT state FROM instances WHERE id = $1"; }
state_is() { [ "$(state "$1")" = "$2" ]; }
show() { # show ID: the instance, its history and executions, for a failure
    {
        sql "SELECT id, job, state, reason FROM instances WHERE id = $1"
        sql "SELECT from_state, to_state, actor, reason FROM instance_transitions WHERE instance_id = $1"
        sql "SELECT id, exit_status, error FROM executions WHERE instance_id = $1"
        tail -n 30 "$tmp/daemon.log"
        tail -n 20 "$tmp/svc.log"
    } >"$tmp/show"
}
# expect NAME ID STATE: waits for the instance to reach STATE.
expect() {
    if wait_for "$WAIT" state_is "$2" "$3"; then pass "$1"; else show "$2"; fail "$1 (state $(state "$2"), expected $3)" "$tmp/show"; fi
}
steps_of() { sql "SELECT s.read_count || ' ' || s.write_count || ' ' || s.commit_count FROM step_executions s JOIN executions e ON e.id = s.execution_id WHERE e.instance_id = $1 ORDER BY e.id DESC LIMIT 1"; }

imp=$(submit r-imp)
bad=$(submit r-bad)
long=$(submit r-long)
stubborn=$(submit r-stubborn)
unknown=$(submit r-unknown)
lost=$(submit r-lost)
twice=$(submit r-twice)
probe=$(submit r-probe)
down=$(submit r-down)
max=$(submit r-max)
[ -n "$imp" ] && [ -n "$down" ] || { echo "Bail out! submit failed"; cat "$tmp/submit"; exit 1; }

# Step counts while it runs.
running_with_counts() { state_is "$imp" 4 && c=$(steps_of "$imp") && [ -n "$c" ] && [ "${c%% *}" -gt 0 ]; }
if wait_for "$WAIT" running_with_counts; then pass "step counts arrive while the remote run is Running ($(steps_of "$imp"))"
else show "$imp"; fail "step counts arrive while the remote run is Running" "$tmp/show"; fi

expect "a remote success is 5 Success" "$imp" 5
[ "$(steps_of "$imp")" = "80 80 8" ] && pass "the final step counts are recorded (80 80 8)" ||
    { show "$imp"; fail "the final step counts are recorded (got '$(steps_of "$imp")')" "$tmp/show"; }
ex=$(sql "SELECT id FROM executions WHERE instance_id = $imp")
tr=$(sql "SELECT trace_id FROM instances WHERE id = $imp")
line=$(grep "^start imp $ex " "$tmp/svc.log")
case "$line" in
*"trace=$tr "*'"#DueTime":"2026-03-02T'*'"#FirstDueTime":"2026-03-02T'*'"#LastDueTime":"2026-03-02T'*'"region":"EU"'*)
    pass "the start carries the trace id, the parameters and the due parameters" ;;
*) echo "$line" >"$tmp/line"; fail "the start carries the trace id, the parameters and the due parameters" "$tmp/line" ;;
esac
grep '"msg": "remote POST http://127.0.0.1:'"$SPORT"'/policy: 202' "$tmp/daemon.log" | grep -q "\"trace_id\": \"$tr\"" &&
    pass "the start call is logged with its trace id" ||
    fail "the start call is logged with its trace id" "$tmp/daemon.log"
grep -q '^unauthorized' "$tmp/svc.log" && fail "every call carried the service's bearer token" "$tmp/svc.log" ||
    pass "every call carried the service's bearer token"

expect "a remote failure is 6 Failed" "$bad" 6
sql "SELECT reason FROM instances WHERE id = $bad" | grep -q "1 item could not be written" &&
    pass "the failure's reason is the service's message" ||
    { show "$bad"; fail "the failure's reason is the service's message" "$tmp/show"; }

expect "an unknown remote job is 3 Start Failed" "$unknown" 3
sql "SELECT reason FROM instances WHERE id = $unknown" | grep -qF 'No job configuration with the name [nosuch] was registered.' &&
    pass "the Start Failed reason is the remote's NoSuchJobException message" ||
    { show "$unknown"; fail "the Start Failed reason is the remote's NoSuchJobException message" "$tmp/show"; }

# Stop accepted, stop refused.
expect "r-long runs" "$long" 4
expect "r-stubborn runs" "$stubborn" 4
"$B" instance stop "$long" --db "$DB" >/dev/null 2>&1
"$B" instance stop "$stubborn" --db "$DB" >/dev/null 2>&1
expect "a stop the service accepts ends 9 Canceled" "$long" 9
expect "a stop the service refuses is 11 Stop Failed" "$stubborn" 11
grep -q "^stop $(sql "SELECT id FROM executions WHERE instance_id = $stubborn") -> 409" "$tmp/svc.log" &&
    pass "the refused stop reached the service" || fail "the refused stop reached the service" "$tmp/svc.log"

# max_minutes (DESIGN §5) applies to a remote run as to a local one: past it the run is
# stopped through the service and ends 7 Timeout Failed.
expect "a remote run past its max_minutes is stopped: 7 Timeout Failed" "$max" 7
grep -q "^stop $(sql "SELECT id FROM executions WHERE instance_id = $max") -> 2" "$tmp/svc.log" &&
    pass "the timeout's stop reached the service" || fail "the timeout's stop reached the service" "$tmp/svc.log"

expect "a lost final callback is recovered by the poll: 5 Success" "$lost" 5
lex=$(sql "SELECT id FROM executions WHERE instance_id = $lost")
grep -q "^status $lex success" "$tmp/svc.log" && ! grep -q "^callback $lex success" "$tmp/svc.log" &&
    pass "the end came from a status call, not a callback" || fail "the end came from a status call, not a callback" "$tmp/svc.log"

expect "a repeated final callback: 5 Success" "$twice" 5
tex=$(sql "SELECT id FROM executions WHERE instance_id = $twice")
wait_for "$WAIT" sh -c "[ \$(grep -c '^callback $tex success' '$tmp/svc.log') -eq 2 ]"
n5=$(sql "SELECT count(*) FROM instance_transitions WHERE instance_id = $twice AND to_state = 5")
second=$(grep "^callback $tex success" "$tmp/svc.log" | sed -n 2p)
if [ "$n5" = 1 ] && [ "$(state "$twice")" = 5 ] && { [ "${second##* }" = 200 ] || [ "${second##* }" = 409 ]; }; then
    pass "the repeated report changed nothing (one transition to 5; second answered ${second##* })"
else show "$twice"; fail "the repeated report changed nothing ($n5 transitions to 5, second: $second)" "$tmp/show"; fi

wait_for "$WAIT" grep -q '^probe-other ' "$tmp/svc.log"
grep -q '^probe-other [0-9]* -> 403$' "$tmp/svc.log" && pass "a callback token used for another instance: 403" ||
    fail "a callback token used for another instance: 403" "$tmp/svc.log"
expect "r-probe itself succeeds" "$probe" 5

code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"status":"success"}' "http://127.0.0.1:$port/api/v1/remote/instances/$probe/report")
[ "$code" = 401 ] && pass "a callback without a token: 401" || fail "a callback without a token: 401 (got $code)"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer bdc_nope' \
    -H 'Content-Type: application/json' -d '{"status":"success"}' \
    "http://127.0.0.1:$port/api/v1/remote/instances/$probe/report")
[ "$code" = 401 ] && pass "a callback with an unknown token: 401" || fail "a callback with an unknown token: 401 (got $code)"

# The service down, then up.
expect "the service down: 3 Start Failed" "$down" 3
start_service down "$DPORT" --job imp:ms=300,steps=1
expect "the service up again: a retry ends 5 Success" "$down" 5
n=$(sql "SELECT count(*) FROM executions WHERE instance_id = $down")
[ "$n" -ge 2 ] && pass "r-down needed $n attempts" || { show "$down"; fail "r-down needed more than one attempt ($n)" "$tmp/show"; }

# No secret in the log, the repository or batchctl's output.
"$B" instance get "$imp" --db "$DB" >"$tmp/get.out" 2>&1
if grep -qF "$SVC_TOKEN" "$tmp/daemon.log" "$DB" "$tmp/get.out" || grep -q 'bdc_\|"token"' "$tmp/daemon.log"; then
    fail "no credentials or callback token in the log, the repository or the output"
else pass "no credentials or callback token in the log, the repository or the output"; fi

kill "$daemon_pid"; wait "$daemon_pid" 2>/dev/null; daemon_pid=""
echo "remote: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
