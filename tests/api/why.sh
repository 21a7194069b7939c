#!/bin/sh
# Integration tests of `why` and the impact of a change (issue 24, docs/why.md): a real batchd
# on a temporary repository and a virtual clock starting just before 2026-12-01T01:00Z, a
# parent p (estimated 38 minutes) held running by the test and a child c in Dependency Wait;
# spoken to over HTTP with curl (answers checked with jq) and with batchctl, remotely and on
# the repository (--db). Expected values come from DESIGN.md §2.3 and the issue.
# Closes with "why: N passed, M failed"; exit status 1 when anything failed.
#   BUILD_DIR=$PWD/build tests/api/why.sh        KEEP=1 keeps the temporary directory
set -u
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
B="$BIN/batchctl"
D="$BIN/batchd"
for tool in curl jq; do
    command -v "$tool" >/dev/null || { echo "why: $tool is needed" >&2; exit 1; }
done
passed=0
failed=0
tmp=$(mktemp -d)
daemon_pid=""
cleanup() {
    rmdir "$tmp/hold" 2>/dev/null
    if [ -n "$daemon_pid" ]; then
        kill "$daemon_pid" 2>/dev/null
        wait "$daemon_pid" 2>/dev/null
    fi
    [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
. "$(dirname "$0")/../lib.sh" # pass, fail, wait_for

code=000
# req METHOD PATH TOKEN [CURL ARGS...]: status in $code, body in $tmp/body.
req() {
    m=$1 p=$2 t=$3
    shift 3
    code=$(curl -sS -o "$tmp/body" -w '%{http_code}' --max-time "$WAIT" -X "$m" \
        -H "Authorization: Bearer $t" "$base$p" "$@" 2>"$tmp/curl.err")
}
jqb() { jq -e "$@" "$tmp/body" >/dev/null 2>&1; }
# expect NAME STATUS [JQ ARGS... FILTER]: the last answer had STATUS (and FILTER holds).
expect() {
    e_name=$1 e_status=$2
    shift 2
    if [ "$code" = "$e_status" ] && { [ $# -eq 0 ] || jqb "$@"; }; then
        pass "$e_name"
    else
        echo "    HTTP $code"; head -c 3000 "$tmp/body" | sed 's/^/    | /'; echo
        fail "$e_name"
    fi
}

mkdir -p "$tmp/defs" "$tmp/state" "$tmp/hold"
cat >"$tmp/defs/jobs.yaml" <<DEFS
name: p
trigger: {cron: "0 1 * * *"}
estimated_minutes: 38
executor: {exec: {command: [/bin/sh, -c, 'while [ -d "\$0" ]; do sleep 0.2; done', $tmp/hold]}}
---
name: c
trigger: {cron: "0 1 * * *"}
depends_on: [{job: p, mode: success}]
executor: {exec: {command: [/bin/true]}}
DEFS
if ! "$B" apply "$tmp/defs" --db "$tmp/r.db" >"$tmp/apply.out" 2>&1; then
    echo "Bail out! batchctl apply failed:"; cat "$tmp/apply.out"; exit 1
fi
mk_token() { "$D" token create --name "$1" --role "$2" --db "$tmp/r.db" 2>/dev/null | head -n 1; }
VIEWER=$(mk_token viewer1 viewer)
OPERATOR=$(mk_token operator1 operator)
[ -n "$VIEWER" ] && [ -n "$OPERATOR" ] || { echo "Bail out! batchd token create failed"; exit 1; }

"$D" --db "$tmp/r.db" --listen 127.0.0.1:0 --state-dir "$tmp/state" \
    --clock-start 2026-12-01T00:59:58Z --clock-rate 1 --log-file "$tmp/d.log" 2>>"$tmp/d.err" &
daemon_pid=$!
wait_for "$WAIT" log_api_port "$tmp/d.log" || { echo "Bail out! batchd did not start"; cat "$tmp/d.err"; exit 1; }
base="http://127.0.0.1:$port"

# id_of JOB STATE: the id of the job's instance in that state (empty when none).
id_of() {
    curl -s --max-time "$WAIT" -H "Authorization: Bearer $VIEWER" \
        "$base/api/v1/instances?job=$1" |
        jq -r --arg s "$2" '[.items[] | select(.state_name == $s)][0].id // empty'
}
waiting() { c_id=$(id_of c "Dependency Wait"); [ -n "$c_id" ]; }
running() { p_id=$(id_of p Running); [ -n "$p_id" ]; }
if ! wait_for "$WAIT" running || ! wait_for "$WAIT" waiting; then
    echo "Bail out! p did not run with c waiting"; cat "$tmp/d.log"; exit 1
fi
req GET "/api/v1/instances/$p_id" "$VIEWER"
utc='sub("\\+00:00$"; "Z") | fromdateiso8601'
p_start=$(jq -r ".executions[0].started_at | $utc | todate" "$tmp/body")
p_end=$(jq -r ".executions[0].started_at | $utc + 38 * 60 | todate" "$tmp/body")
echo "# p (instance $p_id) started $p_start, expected end $p_end; c is instance $c_id"

# ---- a live instance in Dependency Wait -----------------------------------------------------
req GET "/api/v1/jobs/c/why?instance=$c_id" "$VIEWER"
expect "why instance: the recorded wait, then the running parent with its expected end" 200 \
    --arg s "$p_start" --arg e "$p_end" --argjson id "$c_id" '
    .job == "c" and .instance == $id and .basis == "forecast" and
    .due == "2026-12-01T01:00:00+00:00" and
    (.steps[0] | .rule == "record" and .section == "3" and .state_name == "Dependency Wait"
        and (.text | startswith("instance \($id), scheduled due 2026-12-01T01:00:00Z: Dependency Wait, waiting for p"))) and
    ([.steps[] | select(.rule == "dependency" and .verdict == "wait" and .section == "2.3"
        and (.text | contains("p (success): governing instance due 2026-12-01T01:00:00Z"))
        and (.text | contains("Running since \($s), expected end \($e) from its estimate (38 min)")))] | length == 1)'
expect "why instance: forecast, the parent ends at its estimate and the child starts then" 200 \
    --arg e "$p_end" "
    .outcome.state_name == \"Success\" and (.outcome.start | $utc | todate) == \$e and
    ([.steps[] | select(.rule == \"start\" and .verdict == \"run\")] | length == 1)"

# ---- a due time that has come: replayed, with the record --------------------------------------
req GET "/api/v1/jobs/c/why?at=2026-12-01T01:00:00Z" "$VIEWER"
expect "why at a past due time: a replay, and the repository's instance" 200 --argjson id "$c_id" '
    .basis == "replay" and .at_is_due == true and .recorded.id == $id and
    .recorded.state_name == "Dependency Wait" and
    ([.steps[] | select(.rule == "record" and (.text | contains("instance \($id) recorded: Dependency Wait")))] | length == 1)'
req GET "/api/v1/jobs/c/why?at=2026-12-01T12:00:00Z" "$VIEWER"
expect "why when nothing is due: the next due time and why not earlier" 200 '
    .at_is_due == false and .due == "2026-12-02T01:00:00+00:00" and .basis == "forecast" and
    .steps[0].rule == "next due" and .steps[0].verdict == "none" and
    (.steps[0].text | contains("fired last at 2026-12-01T01:00:00Z and fires next at 2026-12-02T01:00:00Z")) and
    .steps[1].text == "the next due time after 2026-12-01T12:00:00Z is 2026-12-02T01:00:00Z"'

# ---- bad requests ----------------------------------------------------------------------------
req GET "/api/v1/jobs/nope/why" "$VIEWER"
expect "why of an unknown job: 404 naming it" 404 '.detail == "no job named \"nope\" in tenant default"'
req GET "/api/v1/jobs/c/why?at=2026-13-01" "$VIEWER"
expect "why at a malformed time: 400" 400 '.detail | startswith("at: ")'
req GET "/api/v1/jobs/c/why?at=2026-12-01T01:00:00Z&instance=$c_id" "$VIEWER"
expect "why with at and instance: 400" 400 '.detail == "give either a time (at) or an instance, not both"'
req GET "/api/v1/jobs/p/why?instance=$c_id" "$VIEWER"
expect "why of another job's instance: 404" 404 ".detail == \"job p has no instance $c_id\""
req GET "/api/v1/jobs/c/why?instance=x" "$VIEWER"
expect "why with a malformed instance id: 400" 400
req GET "/api/v1/jobs/c/why?when=now" "$VIEWER"
expect "why with an unknown parameter: 400" 400
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time "$WAIT" "$base/api/v1/jobs/c/why")
expect "why without a token: 401" 401

# ---- batchctl, with the server and on the repository ---------------------------------------------
if BATCHD_URL=$base BATCHD_TOKEN=$VIEWER "$B" why c --instance "$c_id" >"$tmp/remote.out" 2>"$tmp/remote.err" &&
    grep -q "^why c instance $c_id: due 2026-12-01T01:00:00+00:00 (forecast from " "$tmp/remote.out" &&
    grep -q " dependency  *2.3  wait    p (success): governing instance due 2026-12-01T01:00:00Z .*Running since $p_start, expected end $p_end from its estimate (38 min)" "$tmp/remote.out"; then
    pass "batchctl why --instance with a server: the table"
else
    fail "batchctl why --instance with a server: the table" "$tmp/remote.out"; cat "$tmp/remote.err"
fi
if "$B" why c --instance "$c_id" --db "$tmp/r.db" -o json >"$tmp/local.json" 2>"$tmp/local.err" &&
    jq -e --arg s "$p_start" '[.steps[] | select(.rule == "dependency" and (.text | contains("Running since \($s)")))] | length == 1' "$tmp/local.json" >/dev/null; then
    pass "batchctl why --instance --db: the same explanation from the repository"
else
    fail "batchctl why --instance --db: the same explanation from the repository" "$tmp/local.json"; cat "$tmp/local.err"
fi
BATCHD_URL=$base BATCHD_TOKEN=$VIEWER "$B" why c --at 2026-13-01 >"$tmp/o" 2>"$tmp/e"
rc=$?
if [ $rc -eq 1 ] && grep -q "at: " "$tmp/e"; then pass "batchctl why --at malformed, remote: exit 1 with the server's reason"; else fail "batchctl why --at malformed, remote (status $rc)" "$tmp/e"; fi
"$B" why c --at 2026-13-01 --db "$tmp/r.db" >"$tmp/o" 2>"$tmp/e"
rc=$?
if [ $rc -eq 2 ] && grep -q "at: " "$tmp/e"; then pass "batchctl why --at malformed, --db: exit 2"; else fail "batchctl why --at malformed, --db (status $rc)" "$tmp/e"; fi

# ---- impact of a change --------------------------------------------------------------------------
printf 'name: c\ntrigger: {cron: "30 1 * * *"}\ndepends_on: [{job: p, mode: success}]\nexecutor: {exec: {command: [/bin/true]}}\n' >"$tmp/change.yaml"
req POST "/api/v1/impact?days=2&from=2026-12-02T00:00:00Z" "$OPERATOR" \
    -H 'Content-Type: application/yaml' --data-binary @"$tmp/change.yaml"
expect "impact of a cron edit: c's runs at 01:00 removed, at 01:30 added" 200 '
    (.changes | length == 1) and .changes[0].what == "changed" and .changes[0].keys == "trigger" and
    (.impact | length == 1) and .impact[0].tenant == "default" and .impact[0].days == 2 and
    .impact[0].counts == {"added": 2, "removed": 2, "newly_skipped": 0, "new_wait": 0, "moved": 0, "state": 0} and
    ([.impact[0].items[] | "\(.kind) \(.job) \(.due)"] == [
        "removed c 2026-12-02T01:00:00+00:00", "added c 2026-12-02T01:30:00+00:00",
        "removed c 2026-12-03T01:00:00+00:00", "added c 2026-12-03T01:30:00+00:00"])'
req GET "/api/v1/jobs/c" "$VIEWER"
expect "impact writes nothing: c keeps its cron" 200 '.spec | contains("0 1 * * *")'
req POST "/api/v1/impact?days=2" "$VIEWER" -H 'Content-Type: application/yaml' \
    --data-binary @"$tmp/change.yaml"
expect "impact needs the operator role: 403 for a viewer" 403
req POST "/api/v1/impact?days=40" "$OPERATOR" -H 'Content-Type: application/yaml' \
    --data-binary @"$tmp/change.yaml"
expect "impact of more than 31 days: 400" 400
printf 'name: c\ntrigger: {cron: "61 1 * * *"}\nexecutor: {exec: {command: [/bin/true]}}\n' >"$tmp/bad.yaml"
req POST "/api/v1/impact" "$OPERATOR" -H 'Content-Type: application/yaml' --data-binary @"$tmp/bad.yaml"
expect "impact of an invalid definition: 422 naming the problem" 422 '.errors[0].key == "trigger.cron"'
printf 'tenant: other\nname: c\ntype: manual\nexecutor: {exec: {command: [/bin/true]}}\n' >"$tmp/other.yaml"
req POST "/api/v1/impact" "$OPERATOR" -H 'Content-Type: application/yaml' --data-binary @"$tmp/other.yaml"
expect "impact of another tenant's definition: 403" 403

"$B" apply "$tmp/change.yaml" --db "$tmp/r.db" --dry-run --impact 2 --from 2026-12-02T00:00:00Z \
    >"$tmp/apply.out" 2>"$tmp/apply.err"
rc=$?
if [ $rc -eq 0 ] && grep -q "^changed   job default/c (trigger)$" "$tmp/apply.out" &&
    grep -q "^impact on tenant default from 2026-12-02T00:00:00+00:00 to 2026-12-04T00:00:00+00:00: 2 added, 2 removed, 0 newly skipped, 0 new waits, 0 moved, 0 in another state$" "$tmp/apply.out" &&
    [ "$(grep -c '^removed  *c  *2026-12-0[23]T01:00:00+00:00 ' "$tmp/apply.out")" -eq 2 ] &&
    [ "$(grep -c '^added  *c  *2026-12-0[23]T01:30:00+00:00 ' "$tmp/apply.out")" -eq 2 ]; then
    pass "batchctl apply --dry-run --impact: the diff, then the impact table"
else
    fail "batchctl apply --dry-run --impact (status $rc)" "$tmp/apply.out"; cat "$tmp/apply.err"
fi
"$B" apply "$tmp/change.yaml" --db "$tmp/r.db" --dry-run --impact 2 --from 2026-12-02T00:00:00Z \
    -o json >"$tmp/apply.json" 2>"$tmp/apply.err"
cp "$tmp/apply.json" "$tmp/body"
code=200
expect "batchctl apply --dry-run --impact -o json: the API's document" 200 '
    .impact[0].counts.added == 2 and .impact[0].counts.removed == 2 and .changes[0].name == "c"'
"$B" apply "$tmp/change.yaml" --db "$tmp/r.db" --impact 2 >"$tmp/o" 2>"$tmp/e"
rc=$?
if [ $rc -eq 2 ] && grep -q "go with --dry-run" "$tmp/e"; then pass "batchctl apply --impact without --dry-run: exit 2"; else fail "apply --impact without --dry-run (status $rc)" "$tmp/e"; fi

rmdir "$tmp/hold"
done_c() { [ -n "$(id_of c Success)" ]; }
if wait_for "$WAIT" done_c; then pass "c ran once p ended (what the explanation said would happen)"; else fail "c did not run after p"; fi

echo "why: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
