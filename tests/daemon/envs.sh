#!/bin/sh
# The process date and the scheduler user of real runs (issue 23): batchd on a real
# SQLite file under a virtual clock (120 simulated seconds per real second), real child
# processes, a remote (http) job in the example service on 127.0.0.1, and the REST API.
#
# Expected, from DESIGN.md §8 and the issue (window 22:00-06:00, zone UTC):
# - a run due at 23:35 on the 2nd gets BATCH_PROCESS_DATE=2026-03-02, one due at 00:05
#   on the 3rd gets 2026-03-02 too (the previous day); a remote run due 00:06 gets
#   "#ProcessDate": "2026-03-02" in its parameters;
# - a submit with -p ProcessDate=2026-01-15 gets that date (an operator's choice);
# - the API shows process_date on instances (list and detail), and submitted_by: the
#   tenant's scheduler user (settings scheduler_user) for scheduled instances, the
#   token for a submit through the API ("token:NAME"); the instance history names them.
# - a runtime batchd (--environment runtime) refuses definition edits through the API
#   with 403 and the reason, accepts an applied export, lets an admin change a definition
#   for troubleshooting (X-Batchd-Troubleshooting: REASON), audited with the reason and
#   shown as drift until the export is applied again; a master takes the edit plainly;
# - an overlay (--overlay) turns a job off in the runtime environment only, is never
#   stored (the runtime's export is byte-identical to the master's), and one naming a
#   job the repository does not hold stops batchd at the start;
# - the process date is stored with each instance when it is created, shown by
#   `batchctl instance get|list` and in the daily report, and kept when the window
#   changes later.
# Closes with "envs-daemon: N passed, M failed".
set -u
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
B="$BIN/batchctl"
D="$BIN/batchd"
SVC="$BIN/examples/remote-service"
passed=0
failed=0
tmp=$(mktemp -d)
daemon_pid=""
svc_pid=""
rt_pid=""
cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
    [ -n "$rt_pid" ] && kill "$rt_pid" 2>/dev/null
    [ -n "$svc_pid" ] && kill "$svc_pid" 2>/dev/null
    [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
. "$(dirname "$0")/../lib.sh"

DB="$tmp/r.db"
sql() { sqlite3 -cmd '.timeout 5000' "$DB" "$@"; }

"$SVC" --port 0 --port-file "$tmp/svc.port" --context-path /policy --log "$tmp/svc.log" \
    --job imp:ms=200,steps=1 >/dev/null 2>>"$tmp/svc.err" &
svc_pid=$!
wait_for "$WAIT" test -s "$tmp/svc.port" || { echo "Bail out! the service did not start"; cat "$tmp/svc.err"; exit 1; }
SPORT=$(cat "$tmp/svc.port")

mkdir -p "$tmp/defs"
cat >"$tmp/defs/jobs.yaml" <<EOF2
kind: job
name: pd-late
trigger: {cron: "35 23 * * *"}
executor: {exec: {command: [/bin/sh, -c, 'echo "pd \$BATCH_PROCESS_DATE \$BATCH_DUE_TIME"']}}
---
kind: job
name: pd-early
trigger: {cron: "5 0 * * *"}
executor: {exec: {command: [/bin/sh, -c, 'echo "pd \$BATCH_PROCESS_DATE \$BATCH_DUE_TIME"']}}
---
kind: job
name: pd-remote
trigger: {cron: "6 0 * * *"}
executor: {http: {service: "http://127.0.0.1:$SPORT", context_path: /policy, remote_job: imp}}
---
kind: job
name: pd-manual
type: manual
executor: {exec: {command: [/bin/sh, -c, 'echo "pd \$BATCH_PROCESS_DATE"']}}
---
kind: job
name: ov-tick
trigger: {cron: "* * * * *"}
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: ov-tock
trigger: {cron: "* * * * *"}
executor: {exec: {command: [/bin/true]}}
---
kind: settings
tenant: default
batch_window: {start: "22:00", end: "06:00"}
scheduler_user: batch.night
EOF2
"$B" apply "$tmp/defs" --db "$DB" >"$tmp/apply.out" 2>&1 || { echo "Bail out! apply failed"; cat "$tmp/apply.out"; exit 1; }
tok=$("$D" token create --name ops --role operator --db "$DB" 2>"$tmp/tok.err" | head -n 1)
madm=$("$D" token create --name madm --role admin --db "$DB" 2>>"$tmp/tok.err" | head -n 1)
[ -n "$tok" ] && [ -n "$madm" ] || { echo "Bail out! token create failed"; cat "$tmp/tok.err"; exit 1; }

"$D" --db "$DB" --clock-start 2026-03-02T23:30:00Z --clock-rate 120 --listen 127.0.0.1:0 \
    2>>"$tmp/daemon.log" &
daemon_pid=$!
api_port() { port=$(sed -n 's/.*API listening on [^ ]* (port \([0-9]*\)).*/\1/p' "$tmp/daemon.log" | tail -n 1); [ -n "$port" ]; }
wait_for "$WAIT" api_port || { echo "Bail out! batchd did not start"; cat "$tmp/daemon.log"; exit 1; }
base="http://127.0.0.1:$port/api/v1"
api() { curl -s -o "$tmp/api.out" -w '%{http_code}' -H "Authorization: Bearer $tok" "$@"; }

# The instance of JOB in state 5 Success, by id.
done_id() { sql "SELECT id FROM instances WHERE job = '$1' AND state = 5 ORDER BY id LIMIT 1"; }
has_done() { [ -n "$(done_id "$1")" ]; }
for j in pd-late pd-early pd-remote; do
    wait_for "$WAIT" has_done "$j" || { fail "$j ran to 5 Success" "$tmp/daemon.log"; }
done
late=$(done_id pd-late)
early=$(done_id pd-early)
remote=$(done_id pd-remote)

[ -n "$late" ] && [ "$("$B" instance log "$late" --db "$DB")" = "pd 2026-03-02 2026-03-02T23:35:00Z" ] &&
    pass "due 23:35 on the 2nd: BATCH_PROCESS_DATE=2026-03-02" ||
    fail "due 23:35 on the 2nd: BATCH_PROCESS_DATE=2026-03-02 (got: $("$B" instance log "$late" --db "$DB" 2>&1))"
[ -n "$early" ] && [ "$("$B" instance log "$early" --db "$DB")" = "pd 2026-03-02 2026-03-03T00:05:00Z" ] &&
    pass "due 00:05 on the 3rd: BATCH_PROCESS_DATE=2026-03-02 (the previous day)" ||
    fail "due 00:05 on the 3rd: BATCH_PROCESS_DATE=2026-03-02 (got: $("$B" instance log "$early" --db "$DB" 2>&1))"
ex=$(sql "SELECT id FROM executions WHERE instance_id = ${remote:-0}")
grep "^start imp $ex " "$tmp/svc.log" | grep -qF '"#ProcessDate":"2026-03-02"' &&
    pass "remote run due 00:06 on the 3rd: #ProcessDate 2026-03-02 in its parameters" ||
    fail "remote run due 00:06 on the 3rd: #ProcessDate 2026-03-02 in its parameters" "$tmp/svc.log"

# An operator's choice of the process date.
"$B" submit pd-manual -p ProcessDate=2026-01-15 --db "$DB" >"$tmp/submit" 2>&1
chosen=$(sed -n 's/^submitted instance \([0-9]*\) .*/\1/p' "$tmp/submit")
is_success() { [ "$(sql "SELECT state FROM instances WHERE id = ${1:-0}")" = 5 ]; }
wait_for "$WAIT" is_success "$chosen" && [ "$("$B" instance log "$chosen" --db "$DB")" = "pd 2026-01-15" ] &&
    pass "a submit's ProcessDate parameter is the run's process date" ||
    fail "a submit's ProcessDate parameter is the run's process date" "$tmp/submit"

# The scheduler user and the API.
[ "$(sql "SELECT actor FROM instance_transitions WHERE instance_id = $late AND from_state IS NULL")" = batch.night ] &&
    pass "a scheduled instance is created by the tenant's scheduler user" ||
    fail "a scheduled instance is created by the tenant's scheduler user"
code=$(api "$base/instances/$early")
[ "$code" = 200 ] && jq -e '.process_date == "2026-03-02" and .submitted_by == "batch.night" and .history[0].actor == "batch.night"' "$tmp/api.out" >/dev/null &&
    pass "GET /instances/ID: process_date 2026-03-02, submitted_by batch.night" ||
    fail "GET /instances/ID: process_date 2026-03-02, submitted_by batch.night ($code)" "$tmp/api.out"
code=$(api -X POST -H 'Content-Type: application/json' -d '{}' "$base/jobs/pd-manual/submit")
sub=$(jq -r '.id' "$tmp/api.out" 2>/dev/null)
[ "$code" = 201 ] && jq -e '.process_date | test("^2026-03-0[23]$")' "$tmp/api.out" >/dev/null &&
    pass "POST submit: 201 with the instance's process_date" ||
    fail "POST submit: 201 with the instance's process_date ($code)" "$tmp/api.out"
code=$(api "$base/instances/$sub")
[ "$code" = 200 ] && jq -e '.submitted_by == "token:ops"' "$tmp/api.out" >/dev/null &&
    pass "a submit through the API is by the token (token:ops)" ||
    fail "a submit through the API is by the token (token:ops) ($code)" "$tmp/api.out"
# The submit's process date is its submit time's: the clock is past 00:06 on the 3rd and
# before 06:00 (the window of the 2nd) for the first few real minutes of this test.
due=$(jq -r '.due' "$tmp/api.out")
case "$due" in
2026-03-03T0[0-5]:*) want=2026-03-02 ;;
*) want=2026-03-03 ;;
esac
jq -e --arg w "$want" '.process_date == $w' "$tmp/api.out" >/dev/null &&
    pass "a submit's process date follows its due time ($due -> $want)" ||
    fail "a submit's process date follows its due time ($due -> $want)" "$tmp/api.out"
code=$(api "$base/instances?job=pd-late")
[ "$code" = 200 ] && jq -e '.items[0].process_date == "2026-03-02"' "$tmp/api.out" >/dev/null &&
    pass "GET /instances: each item has its process_date" ||
    fail "GET /instances: each item has its process_date ($code)" "$tmp/api.out"
code=$(api "$base/instances?submitted_by=batch.night&job=pd-early")
[ "$code" = 200 ] && jq -e "[.items[].id] | index($early) != null" "$tmp/api.out" >/dev/null &&
    pass "GET /instances?submitted_by=batch.night finds the scheduled instances" ||
    fail "GET /instances?submitted_by=batch.night finds the scheduled instances ($code)" "$tmp/api.out"

# ---- a runtime environment (docs/environments.md) ----------------------------------------
# The master's definitions are exported; a runtime batchd on its own repository refuses
# edits through the API (403 with the reason), takes the export by apply, and lets an
# admin change a definition for troubleshooting (audited, shown as drift) until the next
# apply of the export.
RT="$tmp/rt.db"
rsql() { sqlite3 -cmd '.timeout 5000' "$RT" "$@"; }
"$B" export "$tmp/export" --db "$DB" >"$tmp/export.out" 2>&1 || fail "export the master's definitions" "$tmp/export.out"
"$B" apply "$tmp/export" --db "$RT" >"$tmp/rt-apply.out" 2>&1 &&
    grep -q '^apply: 7 created' "$tmp/rt-apply.out" && pass "runtime: the export is applied (7 definitions)" ||
    fail "runtime: the export is applied (7 definitions)" "$tmp/rt-apply.out"
adm=$("$D" token create --name adm --role admin --db "$RT" 2>"$tmp/tok.err" | head -n 1)
[ -n "$adm" ] || { echo "Bail out! token create (runtime) failed"; cat "$tmp/tok.err"; exit 1; }
# This environment's overlay turns ov-tick off here only.
printf 'kind: job\nname: ov-tick\nenabled: false\n' >"$tmp/rt-overlay.yaml"
"$D" --db "$RT" --environment runtime --overlay "$tmp/rt-overlay.yaml" \
    --clock-start 2026-03-03T10:00:00Z --clock-rate 60 \
    --listen 127.0.0.1:0 --state-dir "$tmp/rt-state" 2>>"$tmp/rt.log" &
rt_pid=$!
rt_port() { rport=$(sed -n 's/.*API listening on [^ ]* (port \([0-9]*\)).*/\1/p' "$tmp/rt.log" | tail -n 1); [ -n "$rport" ]; }
wait_for "$WAIT" rt_port || { echo "Bail out! the runtime batchd did not start"; cat "$tmp/rt.log"; exit 1; }
rbase="http://127.0.0.1:$rport/api/v1"
ra() { curl -s -o "$tmp/ra.out" -w '%{http_code}' -H "Authorization: Bearer $adm" "$@"; }
code=$(ra "$rbase/whoami")
[ "$code" = 200 ] && jq -e '.environment == "runtime"' "$tmp/ra.out" >/dev/null &&
    pass "runtime: whoami says environment runtime" || fail "runtime: whoami says environment runtime ($code)" "$tmp/ra.out"
job_yaml='kind: job
name: rt-new
type: manual
executor: {exec: {command: [/bin/true]}}'
code=$(ra -X POST -H 'Content-Type: application/yaml' --data-binary "$job_yaml" "$rbase/jobs")
[ "$code" = 403 ] && jq -e '.detail | test("runtime environment: definitions change only by applying an export")' "$tmp/ra.out" >/dev/null &&
    pass "runtime: POST /jobs is refused with 403 and the reason" ||
    fail "runtime: POST /jobs is refused with 403 and the reason ($code)" "$tmp/ra.out"
code=$(ra -X PUT -H 'Content-Type: application/json' -d '{"kind": "settings", "timezone": "Europe/Berlin"}' "$rbase/settings")
[ "$code" = 403 ] && pass "runtime: PUT /settings is refused (403)" || fail "runtime: PUT /settings is refused (403, got $code)" "$tmp/ra.out"
[ "$(rsql "SELECT count(*) FROM definitions")" = 7 ] && [ "$(rsql "SELECT count(*) FROM definitions WHERE name = 'rt-new'")" = 0 ] &&
    [ "$(rsql "SELECT spec FROM definitions WHERE kind = 'settings'")" = "$(sql "SELECT spec FROM definitions WHERE kind = 'settings'")" ] &&
    pass "runtime: the refused edits changed nothing" || fail "runtime: the refused edits changed nothing"
code=$(ra -X POST "$rbase/jobs/pd-manual/disable")
[ "$code" = 403 ] && pass "runtime: disabling a job without saying why is refused (403)" ||
    fail "runtime: disabling a job without saying why is refused (403, got $code)" "$tmp/ra.out"
code=$(ra -X POST -H 'X-Batchd-Troubleshooting: INC-42 stop the manual job' "$rbase/jobs/pd-manual/disable")
[ "$code" = 200 ] && jq -e '.enabled == false and .drift == true and .updated_by == "token:adm (troubleshooting)"' "$tmp/ra.out" >/dev/null &&
    pass "runtime: an admin's troubleshooting change is made and shown as drift" ||
    fail "runtime: an admin's troubleshooting change is made and shown as drift ($code)" "$tmp/ra.out"
[ "$(rsql "SELECT actor || ' | ' || action || ' | ' || detail FROM audit_log WHERE object = 'job/default/pd-manual' ORDER BY id DESC LIMIT 1")" = \
    "token:adm (troubleshooting) | changed | troubleshooting: INC-42 stop the manual job; enabled" ] &&
    pass "runtime: the troubleshooting change is audited with its reason" ||
    { rsql "SELECT * FROM audit_log" >"$tmp/audit"; fail "runtime: the troubleshooting change is audited with its reason" "$tmp/audit"; }
# The list's drift filter (the web UI's banner): the drifted job only, or every other one.
code=$(ra "$rbase/jobs?drift=true")
[ "$code" = 200 ] && jq -e '[.items[].name] == ["pd-manual"] and .next_cursor == null' "$tmp/ra.out" >/dev/null &&
    pass "runtime: GET /jobs?drift=true lists the drifted job only" ||
    fail "runtime: GET /jobs?drift=true lists the drifted job only ($code)" "$tmp/ra.out"
code=$(ra "$rbase/jobs?drift=false&limit=1000")
n_jobs=$(rsql "SELECT count(*) FROM definitions WHERE kind = 'job'")
[ "$code" = 200 ] && jq -e --argjson n "$n_jobs" '(.items | length) == $n - 1 and all(.items[]; .drift == false and .name != "pd-manual")' "$tmp/ra.out" >/dev/null &&
    pass "runtime: GET /jobs?drift=false lists every other job" ||
    fail "runtime: GET /jobs?drift=false lists every other job ($code, $n_jobs jobs)" "$tmp/ra.out"
code=$(ra "$rbase/jobs?drift=maybe")
[ "$code" = 400 ] && jq -e '.detail | test("drift=\"maybe\": true or false")' "$tmp/ra.out" >/dev/null &&
    pass "runtime: GET /jobs?drift=maybe is a 400 that says what is allowed" ||
    fail "runtime: GET /jobs?drift=maybe is a 400 that says what is allowed ($code)" "$tmp/ra.out"
code=$(ra "$rbase/jobs/pd-late")
[ "$code" = 200 ] && jq -e '.drift == false' "$tmp/ra.out" >/dev/null &&
    pass "runtime: an applied definition is not drift" || fail "runtime: an applied definition is not drift ($code)" "$tmp/ra.out"
"$B" apply "$tmp/export" --db "$RT" >"$tmp/rt-apply.out" 2>&1
code=$(ra "$rbase/jobs/pd-manual")
[ "$code" = 200 ] && jq -e '.enabled == true and .drift == false' "$tmp/ra.out" >/dev/null &&
    pass "runtime: applying the export again ends the drift" ||
    fail "runtime: applying the export again ends the drift ($code)" "$tmp/ra.out"
# The runtime batchd runs what was applied.
code=$(ra -X POST -H 'Content-Type: application/json' -d '{}' "$rbase/jobs/pd-manual/submit")
rid=$(jq -r '.id' "$tmp/ra.out" 2>/dev/null)
rt_success() { [ "$(rsql "SELECT state FROM instances WHERE id = ${rid:-0}")" = 5 ]; }
[ "$code" = 201 ] && wait_for "$WAIT" rt_success && pass "runtime: a submit of an applied job runs to 5 Success" ||
    fail "runtime: a submit of an applied job runs to 5 Success ($code)" "$tmp/rt.log"
# The overlay: ov-tick runs on the master and not here, ov-tock runs in both.
tock_ran() { [ "$(rsql "SELECT count(*) FROM instances WHERE job = 'ov-tock' AND state = 5")" -ge 2 ]; }
wait_for "$WAIT" tock_ran && [ "$(rsql "SELECT count(*) FROM instances WHERE job = 'ov-tick'")" = 0 ] &&
    [ "$(sql "SELECT count(*) FROM instances WHERE job = 'ov-tick' AND state = 5")" -gt 0 ] &&
    pass "overlay: ov-tick is off in the runtime environment only (ov-tock runs there)" ||
    fail "overlay: ov-tick is off in the runtime environment only (ov-tock runs there)" "$tmp/rt.log"
code=$(ra "$rbase/jobs/ov-tick")
[ "$code" = 200 ] && jq -e '.enabled == true' "$tmp/ra.out" >/dev/null &&
    pass "overlay: never stored (the API shows the applied definition)" ||
    fail "overlay: never stored (the API shows the applied definition) ($code)" "$tmp/ra.out"
"$B" export "$tmp/rt-export" --db "$RT" >/dev/null 2>&1
diff -r "$tmp/export" "$tmp/rt-export" >"$tmp/exports.diff" 2>&1 &&
    pass "overlay: the runtime's export is byte-identical to the master's" ||
    fail "overlay: the runtime's export is byte-identical to the master's" "$tmp/exports.diff"
kill "$rt_pid" 2>/dev/null
wait "$rt_pid" 2>/dev/null
rt_pid=""
# An overlay naming a job the repository does not hold stops batchd at the start.
printf 'kind: job\nname: no-such-job\nenabled: false\n' >"$tmp/bad-overlay.yaml"
"$D" --db "$RT" --environment runtime --overlay "$tmp/bad-overlay.yaml" --listen off \
    --state-dir "$tmp/rt-state2" >"$tmp/bad-ov.out" 2>&1 &
bad_pid=$!
bad_done() { ! kill -0 "$bad_pid" 2>/dev/null; }
if wait_for "$WAIT" bad_done; then
    wait "$bad_pid"; rc=$?
    [ "$rc" = 1 ] && grep -q 'problem with the repository' "$tmp/bad-ov.out" &&
        pass "overlay: a job the repository does not hold stops batchd (status 1)" ||
        fail "overlay: a job the repository does not hold stops batchd (status $rc)" "$tmp/bad-ov.out"
else
    kill "$bad_pid"; fail "overlay: a job the repository does not hold stops batchd (still running)" "$tmp/bad-ov.out"
fi
# The master (the default environment) takes the same edit from an admin without a reason.
code=$(curl -s -o "$tmp/api.out" -w '%{http_code}' -H "Authorization: Bearer $madm" -X POST "$base/jobs/pd-manual/disable")
[ "$code" = 200 ] && jq -e '.enabled == false and .drift == false' "$tmp/api.out" >/dev/null &&
    pass "master: an admin disables a job through the API, no drift" ||
    fail "master: an admin disables a job through the API, no drift ($code)" "$tmp/api.out"

# ---- the process date is stored with the instance (docs/scheduler.md) -------------------
# Computed once when the instance was created; the daily report of 3 March shows it per
# job; after the window moves to 01:00-09:00 (00:05 would then process the 3rd) the
# instances keep the date they were created with: a change does not rewrite history.
[ "$(sql "SELECT process_date FROM instances WHERE id IN ($late, $early, $remote) ORDER BY id" | sort -u)" = 2026-03-02 ] &&
    pass "the repository stores each instance's process date (2026-03-02 for 23:35, 00:05, 00:06)" ||
    fail "the repository stores each instance's process date (2026-03-02 for 23:35, 00:05, 00:06)"
# report_dates: the daily report of 2026-03-03 shows process date 2026-03-02 for pd-early
# and pd-remote (both due on the 3rd), in JSON and CSV.
report_dates() {
    code=$(api "$base/reports/daily?date=2026-03-03")
    [ "$code" = 200 ] &&
        jq -e '[.jobs[] | select(.job == "pd-early" or .job == "pd-remote") | .process_date] == ["2026-03-02", "2026-03-02"]' "$tmp/api.out" >/dev/null &&
        code=$(api "$base/reports/daily?date=2026-03-03&format=csv") && [ "$code" = 200 ] &&
        head -n 1 "$tmp/api.out" | tr -d '\r' | grep -q ',finding,process_date$' &&
        grep -q '^pd-early,.*,2026-03-02.$' "$tmp/api.out"
}
report_dates && pass "daily report of 2026-03-03: process_date 2026-03-02 for the runs due after midnight (JSON, CSV)" ||
    fail "daily report of 2026-03-03: process_date 2026-03-02 for the runs due after midnight (JSON, CSV)" "$tmp/api.out"
mkdir -p "$tmp/window2"
printf 'kind: settings\ntenant: default\nbatch_window: {start: "01:00", end: "09:00"}\nscheduler_user: batch.night\n' >"$tmp/window2/settings.yaml"
"$B" apply "$tmp/window2" --db "$DB" >"$tmp/apply2.out" 2>&1 &&
    [ "$(sql "SELECT count(*) FROM definitions WHERE kind = 'settings' AND spec LIKE '%01:00%'")" = 1 ] &&
    pass "the batch window moves to 01:00-09:00" || fail "the batch window moves to 01:00-09:00" "$tmp/apply2.out"
code=$(api "$base/instances/$early")
[ "$code" = 200 ] && jq -e '.process_date == "2026-03-02"' "$tmp/api.out" >/dev/null &&
    pass "after the window changed: GET /instances/ID still shows 2026-03-02" ||
    fail "after the window changed: GET /instances/ID still shows 2026-03-02 ($code)" "$tmp/api.out"
"$B" instance get "$early" --db "$DB" >"$tmp/get.out" 2>&1
grep -qx 'process date 2026-03-02' "$tmp/get.out" &&
    "$B" instances list --job pd-early --db "$DB" >"$tmp/list.out" 2>&1 &&
    grep -qE "^ +$early  pd-early +2026-03-03T00:05:00Z +2026-03-02 +Success " "$tmp/list.out" &&
    pass "after the window changed: instance get and instances list show 2026-03-02" ||
    { cat "$tmp/list.out" >>"$tmp/get.out" 2>/dev/null; fail "after the window changed: instance get and instances list show 2026-03-02" "$tmp/get.out"; }
report_dates && pass "after the window changed: the daily report still shows 2026-03-02" ||
    fail "after the window changed: the daily report still shows 2026-03-02" "$tmp/api.out"

echo "envs-daemon: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
