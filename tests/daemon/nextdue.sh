#!/bin/sh
# next_due_api triggers end to end (docs/remote-jobs.md "next_due_api triggers"): batchd
# on a real SQLite file under a virtual clock, its jobs' next_due_api URLs served by a
# small HTTP server on 127.0.0.1 (tests/daemon/nextdue_server.py). Job zone Europe/Berlin;
# the clock starts 2026-03-28T23:00:00Z (00:00 CET on 29 March, the night clocks spring
# forward at 02:00 to 03:00).
#
# Expected, from docs/remote-jobs.md:
# - nd-good answers 2026-03-29T00:30:00, then "2026-03-29T00:40:00" (a JSON string), then
#   00:40:00 again (not after the last due: no new due time, asked again later), then
#   02:30:00 (in the gap: the first instant after it, 03:00 CEST = 01:00Z), then
#   2027-01-01T00:00:00: exactly three scheduled instances, due 23:30Z, 23:40Z and 01:00Z,
#   each created before the next GET (5 GETs in all); the last answer is kept and
#   `batchctl plan` shows the job as "due when the API says" with it;
# - nd-flaky answers garbage once, then 00:50:00: the retry (after 10 s of the clock) gets
#   it: one instance due 23:50Z, no Start Failed row;
# - nd-garbage (always "tomorrow"), nd-500 (HTTP 500) and nd-hang (never answers, 1 s
#   timeout) with attempts: 2: each one Start Failed instance (not scheduled) whose
#   reason says what was wrong, and one start_failed alert, however often the GET is
#   repeated afterwards; no scheduled instance;
# - crash: batchd kills itself (BATCHD_FAULT_KILL_AFTER_NEXT_DUE=1) after keeping the
#   answer 00:20:00 and before creating its instance; the next batchd creates it without
#   asking again (one GET before the instance exists), exactly once, and only then asks
#   for the next one.
# - a reload (apply to the running batchd) while the failing triggers wait to be asked
#   again: a trigger disabled by it is asked no more, the others go on; enabled again,
#   it is asked again.
# Closes with "nextdue: N passed, M failed".
set -u
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
B="$BIN/batchctl"
D="$BIN/batchd"
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
passed=0
failed=0
tmp=$(mktemp -d)
daemon_pid=""
srv_pid=""
cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
    [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
    [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
. "$HERE/../lib.sh"

mkdir -p "$tmp/srv"
cat >"$tmp/srv/good.answers" <<'EOF'
2026-03-29T00:30:00
"2026-03-29T00:40:00"
2026-03-29T00:40:00
2026-03-29T02:30:00
2027-01-01T00:00:00
EOF
printf 'oops\n2026-03-29T00:50:00\n2027-01-01T00:00:00\n' >"$tmp/srv/flaky.answers"
printf 'tomorrow\n' >"$tmp/srv/garbage.answers"
printf '2026-03-29T00:20:00\n2027-01-01T00:00:00\n' >"$tmp/srv/crash.answers"
"$PY" "$HERE/nextdue_server.py" "$tmp/srv" 2>"$tmp/srv.err" &
srv_pid=$!
wait_for "$WAIT" test -s "$tmp/srv/port" || { echo "Bail out! the test server did not start"; cat "$tmp/srv.err"; exit 1; }
URL="http://127.0.0.1:$(cat "$tmp/srv/port")"

job() { # job NAME PATH [MORE TRIGGER KEYS]
    cat <<EOF
---
kind: job
name: $1
executor: {exec: {command: [/bin/true]}}
trigger: {next_due_api: "$URL$2", timezone: Europe/Berlin${3:+, $3}}
EOF
}
calls() { grep -c "^$1\$" "$tmp/srv/calls" 2>/dev/null; }

# ---- the answers -------------------------------------------------------------------
DB="$tmp/n.db"
echo "$DB" >"$tmp/srv/db"
sql() { sqlite3 -cmd '.timeout 5000' "$DB" "$@"; }
mkdir -p "$tmp/defs"
{
    job nd-good /seq/good
    job nd-flaky /seq/flaky "attempts: 2"
    job nd-garbage /seq/garbage "attempts: 2"
    job nd-500 /status/500 "attempts: 2"
    job nd-hang /hang "attempts: 2, timeout_seconds: 1"
} >"$tmp/defs/jobs.yaml"
"$B" apply "$tmp/defs" --db "$DB" >"$tmp/apply.out" 2>&1 || { echo "Bail out! apply failed"; cat "$tmp/apply.out"; exit 1; }

"$D" --db "$DB" --listen off --clock-start 2026-03-28T23:00:00Z --clock-rate 600 \
    2>>"$tmp/daemon.log" &
daemon_pid=$!

dues() { sql "SELECT group_concat(strftime('%Y-%m-%dT%H:%M:%SZ', due_time, 'unixepoch'), ' ') FROM (SELECT due_time FROM instances WHERE job = '$1' AND scheduled = 1 ORDER BY due_time)"; }
kept() { sql "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', due_time, 'unixepoch') FROM next_due_answers WHERE job = '$1'"; }
good_done() { [ "$(kept nd-good)" = 2026-12-31T23:00:00Z ] && [ "$(calls /seq/good)" = 5 ]; }
if wait_for "$WAIT" good_done; then pass "nd-good: five GETs, the last answer kept (2027-01-01T00:00:00 Berlin)"
else fail "nd-good: five GETs, the last answer kept (kept $(kept nd-good), $(calls /seq/good) GETs)" "$tmp/daemon.log"; fi
want="2026-03-28T23:30:00Z 2026-03-28T23:40:00Z 2026-03-29T01:00:00Z"
[ "$(dues nd-good)" = "$want" ] && pass "nd-good: instances due 23:30Z, 23:40Z and 01:00Z (the gap's 02:30 is 03:00 CEST), each once" ||
    fail "nd-good: instances due $want (got $(dues nd-good))"
grep -q 'not after the job.s last due time' "$tmp/daemon.log" &&
    pass "nd-good: the repeated 00:40:00 is no new due time" ||
    fail "nd-good: the repeated 00:40:00 is no new due time" "$tmp/daemon.log"
grep -q 'daylight-saving gap' "$tmp/daemon.log" && pass "nd-good: the move out of the gap is logged" ||
    fail "nd-good: the move out of the gap is logged"
# Each GET came only once the instance of the answer before it existed: the server saw
# 0, 1, 2 instances, 2 again (after the repeated answer), then 3.
seen=$(tr '\n' ' ' <"$tmp/srv/good.seen")
[ "$seen" = "0 1 2 2 3 " ] && pass "nd-good: each GET came after the previous answer's instance existed (seen: $seen)" ||
    fail "nd-good: each GET came after the previous answer's instance existed (seen: $seen, want 0 1 2 2 3)"
good_ran() { [ "$(sql "SELECT count(*) FROM instances WHERE job = 'nd-good' AND scheduled = 1 AND state = 5")" = 3 ]; }
wait_for "$WAIT" good_ran && pass "nd-good: its three instances ran (5 Success)" ||
    fail "nd-good: its three instances ran ($(sql "SELECT count(*) FROM instances WHERE job = 'nd-good' AND state = 5") in 5 Success)"

flaky_done() { [ "$(dues nd-flaky)" = 2026-03-28T23:50:00Z ]; }
if wait_for "$WAIT" flaky_done; then pass "nd-flaky: a garbage answer retried; the retry's answer is due 23:50Z"
else fail "nd-flaky: a garbage answer retried (dues $(dues nd-flaky))" "$tmp/daemon.log"; fi
n=$(sql "SELECT count(*) FROM instances WHERE job = 'nd-flaky' AND state = 3")
[ "$n" = 0 ] && pass "nd-flaky: no Start Failed row (the retry succeeded)" || fail "nd-flaky: no Start Failed row ($n)"

# The failing APIs: wait until each was asked again after its Start Failed row.
repeated() { [ "$(calls "$1")" -ge 4 ]; }
for p in /seq/garbage /status/500 /hang; do
    wait_for "$WAIT" repeated "$p" || fail "$p asked at least 4 times ($(calls "$p"))"
done
failrow() { # failrow JOB TEXT: one unscheduled Start Failed row whose reason has TEXT
    rows=$(sql "SELECT scheduled || '|' || state || '|' || reason FROM instances WHERE job = '$1'")
    case "$rows" in
    *"
"*) fail "$1: exactly one row (got: $rows)" ;;
    "0|3|"*"$2"*) pass "$1: one Start Failed row (not scheduled): ${rows#0|3|}" ;;
    *) fail "$1: one Start Failed row saying '$2' (got: $rows)" ;;
    esac
    n=$(sql "SELECT count(*) FROM alerts WHERE job = '$1' AND kind = 'start_failed'")
    [ "$n" = 1 ] && pass "$1: one start_failed alert" || fail "$1: one start_failed alert ($n)"
}
failrow nd-garbage 'answered no due time: '
grep -q 'nd-garbage answered no due time: .*tomorrow' "$tmp/daemon.log" && pass "nd-garbage: the answer is quoted" ||
    fail "nd-garbage: the answer is quoted" "$tmp/daemon.log"
failrow nd-500 'failed: HTTP 500: TestError: the test says 500 (2 attempts)'
failrow nd-hang 'did not answer: '

# A rebuild while the failing triggers wait to be asked again (batchd makes each tenant's
# queue of GETs anew): nd-500, disabled by an apply to the running batchd, is asked no
# more; nd-garbage and nd-hang, unchanged, go on being asked every 300 s of the clock.
{
    job nd-good /seq/good
    job nd-flaky /seq/flaky "attempts: 2"
    job nd-garbage /seq/garbage "attempts: 2"
    job nd-500 /status/500 "attempts: 2"
    echo "enabled: false"
    job nd-hang /hang "attempts: 2, timeout_seconds: 1"
} >"$tmp/defs/jobs.yaml"
"$B" apply "$tmp/defs" --db "$DB" >"$tmp/apply.out" 2>&1 || fail "apply with nd-500 disabled" "$tmp/apply.out"
reloaded() { [ "$(grep -c 'loaded 1 tenant' "$tmp/daemon.log")" -ge 2 ]; }
wait_for "$WAIT" reloaded || fail "batchd reloaded the changed definitions" "$tmp/daemon.log"
# Counted once the reload is logged; a GET of nd-500 under way then may still arrive.
g0=$(calls /seq/garbage); h0=$(calls /hang)
more() { [ "$(calls /seq/garbage)" -ge $((g0 + 3)) ] && [ "$(calls /hang)" -ge $((h0 + 3)) ]; }
wait_for "$WAIT" more || fail "after the reload nd-garbage and nd-hang are asked again (3 more GETs each)"
f0=$(calls /status/500)
g1=$(calls /seq/garbage); h1=$(calls /hang)
more3() { [ "$(calls /seq/garbage)" -ge $((g1 + 2)) ] && [ "$(calls /hang)" -ge $((h1 + 2)) ]; }
if wait_for "$WAIT" more3 && [ "$(calls /status/500)" = "$f0" ]; then
    pass "after the reload the disabled nd-500 is asked no more while nd-garbage and nd-hang are"
else
    fail "after the reload the disabled nd-500 is asked no more ($f0 then $(calls /status/500) GETs)" "$tmp/daemon.log"
fi
# Enabled again: asked again at once (its trigger starts anew).
{
    job nd-good /seq/good
    job nd-flaky /seq/flaky "attempts: 2"
    job nd-garbage /seq/garbage "attempts: 2"
    job nd-500 /status/500 "attempts: 2"
    job nd-hang /hang "attempts: 2, timeout_seconds: 1"
} >"$tmp/defs/jobs.yaml"
"$B" apply "$tmp/defs" --db "$DB" >"$tmp/apply.out" 2>&1 || fail "apply with nd-500 enabled" "$tmp/apply.out"
asked_again() { [ "$(calls /status/500)" -gt "$f0" ]; }
wait_for "$WAIT" asked_again && pass "enabled again, nd-500 is asked again" ||
    fail "enabled again, nd-500 is asked again ($(calls /status/500) GETs)" "$tmp/daemon.log"
kill "$daemon_pid"; wait "$daemon_pid" 2>/dev/null; daemon_pid=""

# batchctl plan: the job with its last known time (printed, like every plan time, in the
# tenant's zone, UTC here).
"$B" plan --db "$DB" --from 2026-03-29T00:00:00 --to 2026-03-30T00:00:00 >"$tmp/plan.out" 2>&1
grep -q '^nd-good  *2026-12-31T23:00:00+00:00 .*due when the API says (last known due time)' "$tmp/plan.out" &&
grep -q '^nd-500  *- .*due when the API says (no answer known)' "$tmp/plan.out" &&
    pass "plan: nd-good is due when the API says, last known 2026-12-31T23:00:00+00:00; nd-500 has none" ||
    fail "plan: nd-good is due when the API says, with its last known time" "$tmp/plan.out"
"$B" plan --db "$DB" --from 2026-03-29T00:00:00 --to 2026-03-30T00:00:00 -o json >"$tmp/plan.json" 2>&1
"$PY" - "$tmp/plan.json" <<'EOF' && pass "plan -o json: external_due rows with the last known due" || fail "plan -o json: external_due rows" "$tmp/plan.json"
import json, sys
rows = {r["job"]: r for r in json.load(open(sys.argv[1]))["items"] if r.get("external_due")}
assert rows["nd-good"]["due"] == "2026-12-31T23:00:00+00:00", rows
assert rows["nd-good"]["reason"] == "due when the API says" and rows["nd-good"]["state"] is None
assert rows["nd-500"]["due"] is None, rows
assert len(rows) == 5, rows
EOF

# ---- killed between the answer and its instance ------------------------------------
DB="$tmp/c.db"
echo "$DB" >"$tmp/srv/db"
job nd-crash /seq/crash >"$tmp/defs/jobs.yaml"
"$B" apply "$tmp/defs" --db "$DB" >"$tmp/apply.out" 2>&1 || { echo "Bail out! apply failed"; cat "$tmp/apply.out"; exit 1; }
BATCHD_FAULT_KILL_AFTER_NEXT_DUE=1 "$D" --db "$DB" --listen off --clock-start 2026-03-28T23:00:00Z \
    --clock-rate 60 2>>"$tmp/crash.log" &
daemon_pid=$!
{ wait "$daemon_pid"; } 2>/dev/null
rc=$?
daemon_pid=""
[ "$rc" = 137 ] && grep -q 'BATCHD_FAULT_KILL_AFTER_NEXT_DUE: killed' "$tmp/crash.log" &&
    pass "batchd killed itself (SIGKILL) after keeping the answer" ||
    fail "batchd killed itself (SIGKILL) after keeping the answer (exit $rc)" "$tmp/crash.log"
[ "$(kept nd-crash)" = 2026-03-28T23:20:00Z ] && [ "$(sql "SELECT count(*) FROM instances")" = 0 ] &&
    pass "the answer 23:20Z is kept, no instance yet" ||
    fail "the answer 23:20Z is kept, no instance yet (kept $(kept nd-crash), $(sql "SELECT count(*) FROM instances") instances)"
"$D" --db "$DB" --listen off --clock-start 2026-03-28T23:10:00Z --clock-rate 600 2>>"$tmp/crash.log" &
daemon_pid=$!
crash_done() { [ "$(kept nd-crash)" = 2026-12-31T23:00:00Z ]; }
wait_for "$WAIT" crash_done || fail "the next answer is asked for and kept" "$tmp/crash.log"
[ "$(dues nd-crash)" = 2026-03-28T23:20:00Z ] && pass "after the restart the slot 23:20Z is created exactly once" ||
    fail "after the restart the slot 23:20Z is created exactly once (got $(dues nd-crash))" "$tmp/crash.log"
seen=$(tr '\n' ' ' <"$tmp/srv/crash.seen")
[ "$seen" = "0 1 " ] && pass "one GET before the instance existed, one after (seen: $seen)" ||
    fail "one GET before the instance existed, one after (seen: $seen, want 0 1)" "$tmp/srv/calls"
grep -q 'the kept answer .* has no instance yet' "$tmp/crash.log" && pass "the restart used the kept answer" ||
    fail "the restart used the kept answer" "$tmp/crash.log"
kill "$daemon_pid"; wait "$daemon_pid" 2>/dev/null; daemon_pid=""

echo "nextdue: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
