#!/bin/sh
# End-to-end tests of the batchctl binary: real processes, checked output and exit
# status. Expected values come from DESIGN.md §2.1 and the issue's CLI contract.
# Closes with "cli: N passed, M failed".
set -u
B=${BATCHCTL:?set BATCHCTL to the batchctl binary}
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check NAME EXPECTED_STATUS EXPECTED_STDOUT_FILE_OR_- STDERR_SUBSTRING_OR_- -- ARGS...
check() {
    name=$1 want_rc=$2 want_out=$3 want_err=$4
    shift 5
    "$B" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    ok=1
    [ "$rc" -eq "$want_rc" ] || { ok=0; echo "  status $rc, expected $want_rc"; }
    if [ "$want_out" = "" ] && [ -s "$tmp/out" ]; then
        ok=0
        echo "  stdout should be empty; got:"; sed 's/^/    /' "$tmp/out"
    elif [ "$want_out" != "-" ] && [ "$want_out" != "" ] &&
        ! printf '%s\n' "$want_out" | cmp -s - "$tmp/out"; then
        ok=0
        echo "  stdout differs; expected:"; printf '%s\n' "$want_out" | sed 's/^/    /'
        echo "  got:"; sed 's/^/    /' "$tmp/out"
    fi
    if [ "$want_err" != "-" ] && [ -n "$want_err" ] && ! grep -qF -- "$want_err" "$tmp/err"; then
        ok=0
        echo "  stderr lacks '$want_err'; got:"; sed 's/^/    /' "$tmp/err"
    fi
    if [ $ok -eq 1 ]; then
        passed=$((passed + 1)); echo "ok - $name"
    else
        failed=$((failed + 1)); echo "not ok - $name"
    fi
}

check "spring-forward gap fires once at 03:00" 0 "2026-03-28T02:30:00+01:00
2026-03-29T03:00:00+02:00
2026-03-30T02:30:00+02:00" - -- \
    cron next "30 2 * * *" --tz Europe/Berlin --from 2026-03-28T00:00:00Z -n 3

check "fall-back overlap fires on the first pass only" 0 "2026-10-25T02:30:00+02:00
2026-10-26T02:30:00+01:00" - -- \
    cron next "30 2 * * *" --tz Europe/Berlin --from 2026-10-24T12:00:00Z -n 2

check "interval job fires in both passes of the overlap" 0 "2026-10-25T02:30:00+02:00
2026-10-25T02:00:00+01:00
2026-10-25T02:30:00+01:00
2026-10-25T03:00:00+01:00" - -- \
    cron next "*/30 * * * *" --tz Europe/Berlin --from 2026-10-25T00:00:00Z -n 4

check "options may precede the expression; 6-field LW" 0 "2026-11-30T18:30:00+01:00
2026-12-31T18:30:00+01:00" - -- \
    cron next --tz Europe/Berlin -n 2 --from 2026-11-24T00:00:00+01:00 "0 30 18 LW * ?"

check "--from as local time in a gap means the first instant after it" 0 \
    "2026-03-29T04:00:00+02:00" - -- \
    cron next "0 * * * *" --tz Europe/Berlin --from 2026-03-29T02:30:00 -n 1

check "Asia/Kolkata keeps +05:30" 0 "2026-01-01T09:00:00+05:30" - -- \
    cron next "0 9 * * *" --tz Asia/Kolkata --from 2025-12-31T12:00:00Z -n 1

check "default zone is UTC, offset printed" 0 "2028-02-29T00:00:00+00:00" - -- \
    cron next "0 0 29 2 *" --from 2026-01-01T00:00:00Z -n 1

check "json output" 0 '[
  {"local": "2026-03-29T03:00:00+02:00", "utc": "2026-03-29T01:00:00Z", "unix": 1774746000}
]' - -- cron next "30 2 * * *" --tz Europe/Berlin --from 2026-03-28T12:00:00Z -n 1 -o json

check "default count is 5" 0 - - -- cron next "*/5 * * * *"
[ "$(wc -l <"$tmp/out")" -eq 5 ] && { passed=$((passed + 1)); echo "ok - five lines"; } ||
    { failed=$((failed + 1)); echo "not ok - five lines"; }

check "invalid expression: exit 2 naming the field" 2 "" 'day-of-month: "32" is out of range 1-31' -- \
    cron next "0 0 32 * *"
check "unknown zone: exit 2" 2 "" 'Mars/Olympus' -- cron next "0 0 * * *" --tz Mars/Olympus
check "never fires: exit 1, nothing on stdout" 1 "" "never fires" -- cron next "0 0 30 2 *"
check "years run out: exit 1" 1 "" "never fires after" -- \
    cron next "0 0 0 1 1 ? 2027" --from 2027-06-01T00:00:00Z
check "fewer fire times than asked" 0 "2027-01-01T00:00:00+00:00" "fires only 1 more time" -- \
    cron next "0 0 0 1 1 ? 2027" --from 2026-06-01T00:00:00Z -n 3
check "bad --from: exit 2" 2 "" "not an ISO 8601" -- cron next "* * * * *" --from yesterday
check "bad -n: exit 2" 2 "" "-n" -- cron next "* * * * *" -n 0
check "missing expression: exit 2" 2 "" "missing the cron expression" -- cron next
check "unknown verb: exit 2" 2 "" "unknown verb" -- cron nope
check "unknown option: exit 2" 2 "" "unknown or incomplete option" -- cron next "* * * * *" --bogus
check "explain" 0 "at 23:30, on Monday through Friday (time zone Europe/Berlin)" - -- \
    cron explain "30 23 * * MON-FRI" --tz Europe/Berlin
check "explain an invalid expression: exit 2" 2 "" 'minute: "61"' -- cron explain "61 * * * *"
check "version" 0 - - -- --version

# validate
check "validate the examples" 0 "ok: 7 jobs, 1 calendar, 1 settings in 4 files" "" -- \
    validate "$(dirname "$0")/../../examples/jobs"
cat >"$tmp/bad.yaml" <<'YAML'
kind: job
name: load
executor: {exec: {command: [/bin/true]}}
trigger: {cron: "0 0 * * *", timezon: UTC}
depends_on: [{job: extract}]
---
kind: job
name: extract
executor: {exec: {command: [/bin/true]}}
trigger: {cron: "0 0 * * *"}
depends_on: [{job: load, mode: completion}]
YAML
check "validate reports every problem with file:line:column" 1 "" \
    "$tmp/bad.yaml:4:30: trigger.timezon: unknown key \"timezon\"; did you mean \"timezone\"?" -- \
    validate "$tmp/bad.yaml"
grep -qF "dependency cycle: load -> extract -> load" "$tmp/err" &&
    { passed=$((passed + 1)); echo "ok - cycle printed"; } ||
    { failed=$((failed + 1)); echo "not ok - cycle printed"; sed 's/^/    /' "$tmp/err"; }
grep -qF "2 problems found; nothing was changed" "$tmp/err" &&
    { passed=$((passed + 1)); echo "ok - problem count"; } ||
    { failed=$((failed + 1)); echo "not ok - problem count"; }
check "validate a missing file" 1 "" "cannot read $tmp/none.yaml" -- validate "$tmp/none.yaml"
check "validate without paths: exit 2" 2 "" "usage: batchctl validate" -- validate

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
