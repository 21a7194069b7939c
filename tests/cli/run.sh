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
head -c 5000000 /dev/zero | tr '\0' '#' >"$tmp/huge.yaml"
check "validate a file over the 4 MiB limit" 1 "" "larger than the 4 MiB limit" -- validate "$tmp/huge.yaml"
head -c 3000 /dev/urandom >"$tmp/garbage.yaml"
check "validate binary garbage" 1 "" "garbage.yaml:" -- validate "$tmp/garbage.yaml"
check "validate without paths: exit 2" 2 "" "usage: batchctl validate" -- validate

# apply, export, jobs: a real SQLite repository in the temporary directory
ex="$(dirname "$0")/../../examples/jobs"
db="$tmp/repo.db"
check "apply --dry-run writes nothing" 0 - "" -- apply "$ex" --db "$db" --dry-run
grep -qF "apply: 9 created, 0 changed, 0 unchanged, 0 deleted (dry run: nothing written)" "$tmp/out" &&
    { passed=$((passed + 1)); echo "ok - dry-run summary"; } || { failed=$((failed + 1)); echo "not ok - dry-run summary"; }
check "nothing stored after the dry run" 0 "NAME                             TYPE      VERSION  UPDATED              TRIGGER" "" -- \
    jobs list --db "$db"
check "apply creates" 0 - "" -- apply "$ex" --db "$db" --actor ci
grep -qF "apply: 9 created, 0 changed, 0 unchanged, 0 deleted" "$tmp/out" &&
    { passed=$((passed + 1)); echo "ok - apply summary"; } || { failed=$((failed + 1)); echo "not ok - apply summary"; }
check "apply again: all unchanged" 0 - "" -- apply "$ex" --db "$db"
grep -qF "apply: 0 created, 0 changed, 9 unchanged, 0 deleted" "$tmp/out" &&
    { passed=$((passed + 1)); echo "ok - idempotent apply"; } || { failed=$((failed + 1)); echo "not ok - idempotent apply"; }
mkdir -p "$tmp/v2"
sed -e 's/^estimated_minutes: 5$/estimated_minutes: 7/' -e 's/^group: nightly$/group: night/' \
    "$ex/nightly.yaml" >"$tmp/v2/nightly.yaml"
check "a changed job lists its changed keys" 0 - "" -- apply "$tmp/v2/nightly.yaml" --db "$db"
grep -qF "changed   job default/nightly-report (estimated_minutes, group)" "$tmp/out" &&
    { passed=$((passed + 1)); echo "ok - changed keys"; } || { failed=$((failed + 1)); echo "not ok - changed keys"; sed 's/^/    /' "$tmp/out"; }
check "history of a job" 0 - "" -- jobs history nightly-report --db "$db"
grep -qE "^ +2 .* estimated_minutes, group$" "$tmp/out" && grep -qE "^ +1 .* ci +created$" "$tmp/out" &&
    { passed=$((passed + 1)); echo "ok - history rows"; } || { failed=$((failed + 1)); echo "not ok - history rows"; sed 's/^/    /' "$tmp/out"; }
check "a bad file changes nothing" 1 "" "unknown key" -- apply "$tmp/bad.yaml" "$ex" --db "$db"
check "jobs get" 0 - "" -- jobs get nightly-report --db "$db"
grep -qx "group: night" "$tmp/out" && { passed=$((passed + 1)); echo "ok - stored value"; } ||
    { failed=$((failed + 1)); echo "not ok - stored value"; }
check "export" 0 "export: 9 definitions written to $tmp/exp1" "" -- export "$tmp/exp1" --db "$db"
check "apply of an export is a no-op" 0 - "" -- apply "$tmp/exp1" --db "$db"
grep -qF "apply: 0 created, 0 changed, 9 unchanged, 0 deleted" "$tmp/out" &&
    { passed=$((passed + 1)); echo "ok - export round trip"; } || { failed=$((failed + 1)); echo "not ok - export round trip"; }
"$B" export "$tmp/exp2" --db "$db" >/dev/null
diff -r "$tmp/exp1" "$tmp/exp2" >/dev/null && { passed=$((passed + 1)); echo "ok - export is byte-stable"; } ||
    { failed=$((failed + 1)); echo "not ok - export is byte-stable"; }
check "export refuses a non-empty directory" 1 "" "not an empty directory" -- export "$tmp/exp1" --db "$db"
check "prune deletes what the files no longer hold" 0 - "" -- apply "$ex/manual.yaml" "$ex/settings.yaml" --db "$db" --prune
grep -qF "apply: 0 created, 0 changed, 2 unchanged, 7 deleted" "$tmp/out" && grep -qF "deleted   job default/nightly-load" "$tmp/out" &&
    { passed=$((passed + 1)); echo "ok - prune"; } || { failed=$((failed + 1)); echo "not ok - prune"; sed 's/^/    /' "$tmp/out"; }
check "jobs get of a deleted job: exit 1" 1 "" "no job named" -- jobs get nightly-load --db "$db"
check "jobs list -o json" 0 - "" -- jobs list --db "$db" -o json
grep -qF '"name": "policy-reprice", "version": 1' "$tmp/out" && { passed=$((passed + 1)); echo "ok - json list"; } ||
    { failed=$((failed + 1)); echo "not ok - json list"; sed 's/^/    /' "$tmp/out"; }
check "bad -o: exit 2" 2 "" "not a known output format" -- jobs list --db "$db" -o xml

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
