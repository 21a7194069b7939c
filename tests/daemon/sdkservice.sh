#!/bin/sh
# libbatch jobs as remote jobs (docs/sdk.md "Serving jobs to batchd"): batchd on a real
# SQLite file runs http-executor jobs served by examples/remote-service/sdk-service.c, a
# program built on batch_service (include/batch.h) with its own job repository, on
# 127.0.0.1, requests authorised by a bearer token.
#
# Expected, from docs/remote-jobs.md and docs/sdk.md:
# - s-count (count, 1000 items in chunks of 10, 40 ms a chunk): step counts arrive while
#   it runs (read_count > 0 in 4 Running); 5 Success with 1000 read, 1000 written, 100
#   commits;
# - s-fail (count-fail): 6 Failed, the reason is the step's error ("item 55 cannot be
#   read"), the counts of the committed chunks (50 read);
# - s-resume (count-fail failing once, retry {attempts: 1}): the first execution fails at
#   item 55 after 5 committed chunks; batchd's retry is a new execution of the same
#   instance, which the service resumes from the checkpoint: 5 Success, and the second
#   execution reads only items 51 to 200 (150 read, 15 commits);
# - s-stop (count, 100000 items): a stop is accepted and the run ends after its chunk:
#   9 Canceled;
# - s-unknown (no such job in the service): 3 Start Failed with its NoSuchJobException
#   message;
# - the service's bearer token is in no log or output of batchd.
# Closes with "sdkservice: N passed, M failed".
set -u
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
B="$BIN/batchctl"
D="$BIN/batchd"
SVC="$BIN/examples/sdk-service"
passed=0
failed=0
tmp=$(mktemp -d)
daemon_pid=""
svc_pid=""
cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
    [ -n "$svc_pid" ] && kill "$svc_pid" 2>/dev/null
    [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
. "$(dirname "$0")/../lib.sh"

DB="$tmp/b.db"
TOKEN='sdk-svc-Bearer-61c2e0'
printf '%s\n' "$TOKEN" >"$tmp/svc.token"
chmod 600 "$tmp/svc.token"
sql() { sqlite3 -cmd '.timeout 5000' "$DB" "$@"; }

"$SVC" --db "$tmp/svc.db" --port-file "$tmp/svc.port" --context-path /batch \
    --bearer-file "$tmp/svc.token" --progress-ms 200 2>"$tmp/svc.err" &
svc_pid=$!
wait_for "$WAIT" test -s "$tmp/svc.port" || { echo "Bail out! sdk-service did not start"; cat "$tmp/svc.err"; exit 1; }
SPORT=$(cat "$tmp/svc.port")

job() { # job NAME REMOTE_JOB PARAMETERS [MORE YAML]
    cat <<EOF
---
kind: job
name: $1
type: manual
executor:
  http: {service: "http://127.0.0.1:$SPORT", context_path: /batch, remote_job: $2,
         credentials: {bearer_file: $tmp/svc.token}}
parameters: $3
${4:-}
EOF
}
mkdir -p "$tmp/defs"
{
    job s-count count '{items: "1000", chunk_ms: "40"}'
    job s-fail count-fail '{items: "200", chunk_ms: "0"}'
    job s-stop count '{items: "100000", chunk_ms: "50"}'
    job s-unknown nosuch '{}'
    job s-resume count-fail "{items: \"200\", chunk_ms: \"0\", fail_once_file: \"$tmp/failed-once\"}" \
        'retry: {attempts: 1, backoff_seconds: 1, factor: 1}'
} >"$tmp/defs/jobs.yaml"
"$B" apply "$tmp/defs" --db "$DB" >"$tmp/apply.out" 2>&1 || { echo "Bail out! apply failed"; cat "$tmp/apply.out"; exit 1; }

"$D" --db "$DB" --listen 127.0.0.1:0 2>>"$tmp/daemon.log" &
daemon_pid=$!
api_port() { port=$(sed -n 's/.*API listening on [^ ]* (port \([0-9]*\)).*/\1/p' "$tmp/daemon.log" | tail -n 1); [ -n "$port" ]; }
wait_for "$WAIT" api_port || { echo "Bail out! batchd did not start"; cat "$tmp/daemon.log"; exit 1; }

submit() {
    "$B" submit "$1" --db "$DB" >"$tmp/submit" 2>&1
    sed -n 's/^submitted instance \([0-9]*\) .*/\1/p' "$tmp/submit"
}
state() { sql "SELECT state FROM instances WHERE id = $1"; }
state_is() { [ "$(state "$1")" = "$2" ]; }
show() {
    {
        sql "SELECT id, job, state, reason FROM instances WHERE id = $1"
        sql "SELECT from_state, to_state, actor, reason FROM instance_transitions WHERE instance_id = $1"
        tail -n 30 "$tmp/daemon.log"
        cat "$tmp/svc.err"
    } >"$tmp/show"
}
expect() {
    if wait_for "$WAIT" state_is "$2" "$3"; then pass "$1"; else show "$2"; fail "$1 (state $(state "$2"), expected $3)" "$tmp/show"; fi
}
steps_of() { sql "SELECT s.read_count || ' ' || s.write_count || ' ' || s.commit_count FROM step_executions s JOIN executions e ON e.id = s.execution_id WHERE e.instance_id = $1 ORDER BY e.id DESC LIMIT 1"; }

count=$(submit s-count)
fail_=$(submit s-fail)
stop=$(submit s-stop)
unknown=$(submit s-unknown)
resume=$(submit s-resume)
[ -n "$count" ] && [ -n "$unknown" ] || { echo "Bail out! submit failed"; cat "$tmp/submit"; exit 1; }

running_with_counts() { state_is "$count" 4 && c=$(steps_of "$count") && [ -n "$c" ] && [ "${c%% *}" -gt 0 ]; }
if wait_for "$WAIT" running_with_counts; then pass "step counts arrive while the libbatch job runs ($(steps_of "$count"))"
else show "$count"; fail "step counts arrive while the libbatch job runs" "$tmp/show"; fi
expect "s-count ends 5 Success" "$count" 5
[ "$(steps_of "$count")" = "1000 1000 100" ] && pass "s-count's final counts: 1000 read, 1000 written, 100 commits" ||
    { show "$count"; fail "s-count's final counts (got '$(steps_of "$count")')" "$tmp/show"; }

expect "s-fail ends 6 Failed" "$fail_" 6
sql "SELECT reason FROM instances WHERE id = $fail_" | grep -q 'item 55 cannot be read' &&
    pass "the failure's reason is the step's error" ||
    { show "$fail_"; fail "the failure's reason is the step's error" "$tmp/show"; }
[ "$(steps_of "$fail_")" = "50 50 5" ] && pass "s-fail's counts are its committed chunks (50 50 5)" ||
    { show "$fail_"; fail "s-fail's counts are its committed chunks (got '$(steps_of "$fail_")')" "$tmp/show"; }

expect "s-stop runs" "$stop" 4
"$B" instance stop "$stop" --db "$DB" >/dev/null 2>&1
expect "a stop ends the libbatch job after its chunk: 9 Canceled" "$stop" 9

expect "an unknown job: 3 Start Failed" "$unknown" 3
sql "SELECT reason FROM instances WHERE id = $unknown" | grep -qF 'No job configuration with the name [nosuch] was registered.' &&
    pass "the Start Failed reason is the service's NoSuchJobException message" ||
    { show "$unknown"; fail "the Start Failed reason is the service's NoSuchJobException message" "$tmp/show"; }

expect "s-resume: the retry succeeds (5 Success)" "$resume" 5
n=$(sql "SELECT count(*) FROM executions WHERE instance_id = $resume")
[ "$n" = 2 ] && [ -f "$tmp/failed-once" ] && [ "$(steps_of "$resume")" = "150 150 15" ] &&
    pass "s-resume: the second execution resumed from the checkpoint (items 51-200: 150 150 15)" ||
    { show "$resume"; fail "s-resume: the second execution resumed from the checkpoint ($n executions, counts '$(steps_of "$resume")')" "$tmp/show"; }

code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"job":"count","execution_id":999,"instance_id":999}' "http://127.0.0.1:$SPORT/batch")
[ "$code" = 401 ] && pass "the service refuses a start without its bearer token (401)" ||
    fail "the service refuses a start without its bearer token (got $code)"

if grep -qF "$TOKEN" "$tmp/daemon.log" "$tmp/svc.err" "$DB"; then
    fail "the service's token is in no log and not in the repository"
else pass "the service's token is in no log and not in the repository"; fi

kill "$daemon_pid"; wait "$daemon_pid" 2>/dev/null; daemon_pid=""
kill "$svc_pid"; wait "$svc_pid" 2>/dev/null; svc_pid=""
echo "sdkservice: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
