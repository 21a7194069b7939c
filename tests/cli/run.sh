#!/bin/sh
# End-to-end tests of the batchctl binary: real processes, checked output and exit
# status. Expected values come from DESIGN.md §2.1 and the issue's CLI contract.
# Closes with "cli: N passed, M failed".
set -u
B=${BATCHCTL:?set BATCHCTL to the batchctl binary}
passed=0
failed=0
tmp=$(mktemp -d)
pgs="$(dirname "$0")/../../scripts/pg-test-server.sh"
pgroot=""  # set while a throwaway PostgreSQL server may be running (see the PostgreSQL section)
cleanup() {
    if [ -n "$pgroot" ]; then
        "$pgs" stop "$pgroot/pg"
        rm -rf "$pgroot"
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
. "$(dirname "$0")/../lib.sh"


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

check "json output" 0 '{"items": [
  {"local": "2026-03-29T03:00:00+02:00", "utc": "2026-03-29T01:00:00Z", "unix": 1774746000}
], "next_cursor": null}' - -- cron next "30 2 * * *" --tz Europe/Berlin --from 2026-03-28T12:00:00Z -n 1 -o json

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

# Every noun with verbs: `batchctl NOUN --help` lists its verbs and exits 0; `batchctl NOUN`
# alone is a usage error (2) that lists them on stderr.
for noun in cron jobs instances instance dlq alerts tokens calendars settings; do
    check "$noun --help lists its verbs" 0 - "" -- "$noun" --help
    head -n 1 "$tmp/out" | grep -qFx "usage: batchctl $noun <verb> [options]" &&
        [ "$(grep -c "^  batchctl $noun [a-z-]* " "$tmp/out")" -ge 1 ] &&
        pass "$noun --help: usage line and one line per verb" || fail "$noun --help: usage line and one line per verb" "$tmp/out"
    check "$noun -h is --help" 0 "$(cat "$tmp/out")" "" -- "$noun" -h
    check "$noun without a verb: exit 2, verbs on stderr" 2 "" "batchctl $noun " -- "$noun"
done
check "jobs --help names every verb" 0 - "" -- jobs --help
[ "$(sed -n 's/^  batchctl jobs \([a-z-]*\) .*/\1/p' "$tmp/out" | tr '\n' ' ')" = \
    "list get history create replace delete enable disable " ] &&
    pass "jobs verbs: list get history create replace delete enable disable" ||
    fail "jobs verbs: list get history create replace delete enable disable" "$tmp/out"
# Nouns without verbs take --help themselves.
for noun in validate apply export submit deps metrics health openapi report plan why; do
    check "$noun --help: exit 0, its usage" 0 - "" -- "$noun" --help
    grep -q "^usage: batchctl $noun" "$tmp/out" && pass "$noun --help prints its usage" ||
        fail "$noun --help prints its usage" "$tmp/out"
done

# validate
check "validate the examples" 0 "ok: 8 jobs, 1 calendar, 1 settings in 5 files" "" -- \
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
grep -qF "apply: 10 created, 0 changed, 0 unchanged, 0 deleted (dry run: nothing written)" "$tmp/out" &&
    { passed=$((passed + 1)); echo "ok - dry-run summary"; } || { failed=$((failed + 1)); echo "not ok - dry-run summary"; }
check "nothing stored after the dry run" 0 "NAME                             DISPLAY NAME                   TYPE      VERSION  UPDATED              TRIGGER" "" -- \
    jobs list --db "$db"
check "apply creates" 0 - "" -- apply "$ex" --db "$db" --actor ci
grep -qF "apply: 10 created, 0 changed, 0 unchanged, 0 deleted" "$tmp/out" &&
    { passed=$((passed + 1)); echo "ok - apply summary"; } || { failed=$((failed + 1)); echo "not ok - apply summary"; }
check "apply again: all unchanged" 0 - "" -- apply "$ex" --db "$db"
grep -qF "apply: 0 created, 0 changed, 10 unchanged, 0 deleted" "$tmp/out" &&
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
check "export" 0 "export: 10 definitions written to $tmp/exp1" "" -- export "$tmp/exp1" --db "$db"
check "apply of an export is a no-op" 0 - "" -- apply "$tmp/exp1" --db "$db"
grep -qF "apply: 0 created, 0 changed, 10 unchanged, 0 deleted" "$tmp/out" &&
    { passed=$((passed + 1)); echo "ok - export round trip"; } || { failed=$((failed + 1)); echo "not ok - export round trip"; }
"$B" export "$tmp/exp2" --db "$db" >/dev/null
diff -r "$tmp/exp1" "$tmp/exp2" >/dev/null && { passed=$((passed + 1)); echo "ok - export is byte-stable"; } ||
    { failed=$((failed + 1)); echo "not ok - export is byte-stable"; }
check "export refuses a non-empty directory" 1 "" "not an empty directory" -- export "$tmp/exp1" --db "$db"
check "prune deletes what the files no longer hold" 0 - "" -- apply "$ex/manual.yaml" "$ex/settings.yaml" --db "$db" --prune
grep -qF "apply: 0 created, 0 changed, 2 unchanged, 8 deleted" "$tmp/out" && grep -qF "deleted   job default/nightly-load" "$tmp/out" &&
    { passed=$((passed + 1)); echo "ok - prune"; } || { failed=$((failed + 1)); echo "not ok - prune"; sed 's/^/    /' "$tmp/out"; }
check "jobs get of a deleted job: exit 1" 1 "" "no job named" -- jobs get nightly-load --db "$db"
# Prune deletes only in the tenants the files hold, and tells a job from a calendar of the
# same name (each stored definition is looked up among the files by kind, tenant and name).
mkdir -p "$tmp/tn"
for t in acme default; do
    for j in a b; do
        printf 'kind: job\ntenant: %s\nname: %s\ntrigger: {cron: "0 3 * * *"}\nexecutor: {exec: {command: [/bin/true]}}\n' \
            "$t" "$j" >"$tmp/tn/$t-$j.yaml"
    done
done
printf 'kind: calendar\ntenant: acme\nname: b\nworkdays: [MON]\n' >"$tmp/tn/acme-cal.yaml"
check "apply of two tenants" 0 - "" -- apply "$tmp/tn" --db "$tmp/tn.db"
grep -qF "apply: 5 created, 0 changed, 0 unchanged, 0 deleted" "$tmp/out" &&
    { passed=$((passed + 1)); echo "ok - two tenants applied"; } || { failed=$((failed + 1)); echo "not ok - two tenants applied"; sed 's/^/    /' "$tmp/out"; }
check "prune of one tenant's files" 0 - "" -- apply "$tmp/tn/acme-a.yaml" "$tmp/tn/acme-cal.yaml" --prune --db "$tmp/tn.db"
grep -qF "apply: 0 created, 0 changed, 2 unchanged, 1 deleted" "$tmp/out" && grep -qF "deleted   job acme/b" "$tmp/out" &&
    { passed=$((passed + 1)); echo "ok - prune keeps other tenants and the calendar"; } || { failed=$((failed + 1)); echo "not ok - prune keeps other tenants and the calendar"; sed 's/^/    /' "$tmp/out"; }
check "the other tenant's jobs stay" 0 - "" -- jobs get b --tenant default --db "$tmp/tn.db"
check "jobs list -o json" 0 - "" -- jobs list --db "$db" -o json
jq -e '.next_cursor == null and ([.items[] | select(.name == "policy-reprice" and .version == 1)] | length) == 1' \
    "$tmp/out" >/dev/null && { passed=$((passed + 1)); echo "ok - json list"; } ||
    { failed=$((failed + 1)); echo "not ok - json list"; sed 's/^/    /' "$tmp/out"; }
check "bad -o: exit 2" 2 "" "not a known output format" -- jobs list --db "$db" -o xml

# ---- node_labels: the labels a node must have (docs/definitions.md) ----
# Expected texts are the rule's: labels_parse's canonical text, sorted, no blanks.
nl="$tmp/nl"
mkdir -p "$nl/defs"
cat >"$nl/defs/gpu.yaml" <<'EOF_NL'
kind: job
name: gpu-train
type: manual
executor: {exec: {command: [/bin/true]}}
node_labels: [zone=eu-1, gpu]
EOF_NL
check "node_labels: apply a job with a list" 0 - "" -- apply "$nl/defs" --db "$nl/r.db"
grep -qF "created   job default/gpu-train" "$tmp/out" && pass "node_labels: created" ||
    fail "node_labels: created" "$tmp/out"
check "node_labels: jobs get shows the canonical text" 0 - "" -- jobs get gpu-train --db "$nl/r.db"
grep -qxF 'node_labels: "gpu,zone=eu-1"' "$tmp/out" && pass "node_labels: stored canonical" ||
    fail "node_labels: stored canonical" "$tmp/out"
check "node_labels: jobs get -o json" 0 - "" -- jobs get gpu-train --db "$nl/r.db" -o json
jq -e '.node_labels == "gpu,zone=eu-1"' "$tmp/out" >/dev/null &&
    pass "node_labels: in the job's JSON" || fail "node_labels: in the job's JSON" "$tmp/out"
# The same labels as one text, in another order: no change.
sed -i 's/^node_labels: .*/node_labels: " gpu , zone=eu-1"/' "$nl/defs/gpu.yaml"
check "node_labels: the text form of the same labels" 0 - "" -- apply "$nl/defs" --db "$nl/r.db"
grep -qF "apply: 0 created, 0 changed, 1 unchanged, 0 deleted" "$tmp/out" &&
    pass "node_labels: list and text are the same" || fail "node_labels: list and text are the same" "$tmp/out"
"$B" export "$nl/exp" --db "$nl/r.db" >/dev/null 2>&1 || fail "node_labels: export"
sed -i 's/^node_labels: .*/node_labels: "gpu,zone=eu-2"/' "$nl/exp/default/jobs/gpu-train.yaml"
check "node_labels: diff shows the changed key" 0 \
"changed job default/gpu-train: node_labels
  - node_labels: \"gpu,zone=eu-1\"
  + node_labels: \"gpu,zone=eu-2\"
diff: 1 changed, 0 only in DIR, 0 only in the repository, 0 the same" "" -- diff "$nl/exp" --db "$nl/r.db"
check "node_labels: apply of the change" 0 - "" -- apply "$nl/exp" --db "$nl/r.db"
grep -qF "changed   job default/gpu-train (node_labels)" "$tmp/out" &&
    pass "node_labels: the changed key" || fail "node_labels: the changed key" "$tmp/out"
printf 'kind: job\nname: bad-labels\ntype: manual\nexecutor: {exec: {command: [/bin/true]}}\nnode_labels: "gpu, zone=eu 1"\n' \
    >"$nl/bad.yaml"
check "node_labels: a bad label at its file:line:column" 1 "" \
    "$nl/bad.yaml:5:14: node_labels: label \"zone=eu 1\": byte 0x20 in its value" -- validate "$nl/bad.yaml"
printf 'kind: job\nname: remote\ntype: manual\nexecutor: {http: {service: "http://fx.example/", remote_job: fx}}\nnode_labels: gpu\n' \
    >"$nl/http.yaml"
check "node_labels: refused on an http job" 1 "" \
    "$nl/http.yaml:5:1: node_labels: node_labels applies to exec jobs only" -- apply "$nl/http.yaml" --db "$nl/r.db"

# ---- batchctl plan: the seed's chain and a window skip, forecast on a simulated clock ----
mkdir -p "$tmp/plan"
cat >"$tmp/plan/chain.yaml" <<'EOF_PLAN'
kind: job
name: a
trigger: {cron: "30 18 * * *"}
depends_on: [{job: b, mode: success}]
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: b
trigger: {cron: "30 18 * * *"}
depends_on: [{job: c, mode: success}]
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: c
trigger: {cron: "30 18 * * *"}
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: afternoon
trigger: {cron: "0 14 * * *"}
window: only_in_window
executor: {exec: {command: [/bin/true]}}
---
kind: settings
tenant: default
batch_window: {start: "23:00", end: "11:00"}
EOF_PLAN
check "plan: C, then B, then A; the 14:00 only-in-window job is skipped" 0 '{"items": [
 {"job": "afternoon", "due": "2026-03-02T14:00:00+00:00", "first_due": "2026-03-02T14:00:00+00:00", "last_due": "2026-03-02T14:00:00+00:00", "process_date": "2026-03-02", "start": null, "end": "2026-03-02T14:00:00+00:00", "state": 8, "state_name": "Timeout Skip", "reason": "outside batch window"},
 {"job": "c", "due": "2026-03-02T18:30:00+00:00", "first_due": "2026-03-02T18:30:00+00:00", "last_due": "2026-03-02T18:30:00+00:00", "process_date": "2026-03-02", "start": "2026-03-02T18:30:00+00:00", "end": "2026-03-02T18:31:00+00:00", "state": 5, "state_name": "Success", "reason": null},
 {"job": "b", "due": "2026-03-02T18:30:00+00:00", "first_due": "2026-03-02T18:30:00+00:00", "last_due": "2026-03-02T18:30:00+00:00", "process_date": "2026-03-02", "start": "2026-03-02T18:31:00+00:00", "end": "2026-03-02T18:32:00+00:00", "state": 5, "state_name": "Success", "reason": null},
 {"job": "a", "due": "2026-03-02T18:30:00+00:00", "first_due": "2026-03-02T18:30:00+00:00", "last_due": "2026-03-02T18:30:00+00:00", "process_date": "2026-03-02", "start": "2026-03-02T18:32:00+00:00", "end": "2026-03-02T18:33:00+00:00", "state": 5, "state_name": "Success", "reason": null}
], "next_cursor": null}' - -- plan "$tmp/plan" --from 2026-03-02T12:00:00Z --to 2026-03-02T20:00:00Z -o json
check "plan: a failed parent keeps success-mode children waiting" 0 - "" -- \
    plan "$tmp/plan" --from 2026-03-02T12:00:00Z --to 2026-03-02T20:00:00Z --outcome c=failed,minutes:5
grep -qE '^c +2026-03-02T18:30:00\+00:00 .* 2026-03-02T18:35:00\+00:00 +Failed' "$tmp/out" &&
    grep -qE '^b .* Dependency Wait +waiting for c \(due 2026-03-02T18:30:00Z, Failed: rerun it or mark it Manual Success\)$' "$tmp/out" &&
    grep -qE '^a .* Dependency Wait +waiting for b' "$tmp/out" &&
    pass "plan: c failed, b and a wait" || fail "plan: c failed, b and a wait" "$tmp/out"
check "plan: a run-specific outcome applies to that run only" 0 - "" -- \
    plan "$tmp/plan" --from 2026-03-02T12:00:00Z --to 2026-03-03T20:00:00Z \
    --outcome c@2026-03-03T18:30:00Z=minutes:30 -o json
grep -qF '"job": "c", "due": "2026-03-02T18:30:00+00:00", "first_due": "2026-03-02T18:30:00+00:00", "last_due": "2026-03-02T18:30:00+00:00", "process_date": "2026-03-02", "start": "2026-03-02T18:30:00+00:00", "end": "2026-03-02T18:31:00+00:00"' "$tmp/out" &&
    grep -qF '"job": "c", "due": "2026-03-03T18:30:00+00:00", "first_due": "2026-03-03T18:30:00+00:00", "last_due": "2026-03-03T18:30:00+00:00", "process_date": "2026-03-03", "start": "2026-03-03T18:30:00+00:00", "end": "2026-03-03T19:00:00+00:00"' "$tmp/out" &&
    pass "plan: c took 30 minutes on the 3rd only" || fail "plan: c took 30 minutes on the 3rd only" "$tmp/out"
"$B" apply "$tmp/plan" --db "$tmp/plan.db" >/dev/null 2>&1
"$B" plan "$tmp/plan" --from 2026-03-02T00:00:00Z --to 2026-03-04T00:00:00Z >"$tmp/plan-files" 2>&1
check "plan: from a repository" 0 - "" -- plan --db "$tmp/plan.db" --from 2026-03-02T00:00:00Z \
    --to 2026-03-04T00:00:00Z
cmp -s "$tmp/out" "$tmp/plan-files" && [ "$(wc -l <"$tmp/out")" -eq 9 ] &&
    pass "plan: the repository's plan equals the files' plan" ||
    fail "plan: the repository's plan equals the files' plan" "$tmp/out"
mkdir -p "$tmp/plan-offset"
sed '/^kind: settings$/,$d' "$tmp/plan/chain.yaml" >"$tmp/plan-offset/chain.yaml"
printf 'kind: settings\ntenant: default\nbatch_window: {start: "23:00", end: "11:00"}\ntime_offset: {enabled: true, days: 1}\n' \
    >>"$tmp/plan-offset/chain.yaml"
check "plan: with a time offset of one day" 0 - "" -- \
    plan "$tmp/plan-offset" --from 2026-03-01T12:00:00Z --to 2026-03-01T20:00:00Z -o json
grep -qF '"job": "c", "due": "2026-03-02T18:30:00+00:00"' "$tmp/out" && [ "$(grep -c '"job"' "$tmp/out")" -eq 4 ] &&
    pass "plan: the shifted clock plans the next day" || fail "plan: the shifted clock plans the next day" "$tmp/out"
# A period with nothing due says so and gives each job's next due time (soonest first;
# excluded jobs left out, manual ones said to run when submitted).
check "plan: nothing due in the period" 0 "nothing is due from 2026-03-02T15:00:00+00:00 to 2026-03-02T17:00:00+00:00 (leaving out afternoon); the next due times:
  a                        2026-03-02T18:30:00+00:00
  b                        2026-03-02T18:30:00+00:00
  c                        2026-03-02T18:30:00+00:00" "" -- \
    plan "$tmp/plan" --from 2026-03-02T15:00:00Z --to 2026-03-02T17:00:00Z --exclude afternoon
check "plan: --exclude leaves a job's runs out" 0 - "" -- \
    plan "$tmp/plan" --from 2026-03-02T12:00:00Z --to 2026-03-02T20:00:00Z --exclude afternoon --exclude b
[ "$(grep -c '^[abc] ' "$tmp/out")" -eq 2 ] && grep -q '^a ' "$tmp/out" && grep -q '^c ' "$tmp/out" &&
    ! grep -q '^afternoon ' "$tmp/out" && pass "plan: a and c shown, b and afternoon left out" ||
    fail "plan: a and c shown, b and afternoon left out" "$tmp/out"
check "plan: --exclude of an unknown job" 2 "" '--exclude: no job named "zz"' -- \
    plan "$tmp/plan" --from 2026-03-02T12:00:00Z --to 2026-03-02T20:00:00Z --exclude zz
check "plan: --to is required" 2 "" "--from and --to are required" -- \
    plan "$tmp/plan" --from 2026-03-02T00:00:00Z
check "plan: an outcome for an unknown job" 2 "" 'no job named "zz"' -- \
    plan "$tmp/plan" --from 2026-03-02T00:00:00Z --to 2026-03-03T00:00:00Z --outcome zz=failed
check "plan: a bad outcome" 2 "" '"slow" is not success, failed or minutes:N' -- \
    plan "$tmp/plan" --from 2026-03-02T00:00:00Z --to 2026-03-03T00:00:00Z --outcome c=slow
check "plan: a bad --from" 2 "" '--from: time: "yesterday"' -- \
    plan "$tmp/plan" --from yesterday --to 2026-03-03T00:00:00Z
check "plan: --to before --from" 2 "" "--to is before --from" -- \
    plan "$tmp/plan" --from 2026-03-03T00:00:00Z --to 2026-03-02T00:00:00Z
# A plan larger than the 64 MiB a text buffer may hold is written as it is made, and
# whole: 300 jobs due every minute over a day are 300 x 1,440 = 432,000 runs (about
# 69 MB of table). Until 2026-12-07 it stopped at 64 MiB, without a word, status 0.
mkdir -p "$tmp/plan-big"
awk 'BEGIN { for (i = 0; i < 300; i++)
    printf "kind: job\nname: m%03d\ntrigger: {cron: \"* * * * *\"}\nexecutor: {exec: {command: [/bin/true]}}\n---\n", i }' \
    >"$tmp/plan-big/jobs.yaml"
"$B" plan "$tmp/plan-big" --from 2026-03-02T00:00:00Z --to 2026-03-02T23:59:59Z \
    >"$tmp/plan-big.txt" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && [ ! -s "$tmp/err" ] && [ "$(wc -c <"$tmp/plan-big.txt")" -gt 67108864 ] &&
    [ "$(awk 'NR > 1 { n[$1]++ } END { for (j in n) if (n[j] == 1440) k++; print k + 0, NR }' \
        "$tmp/plan-big.txt")" = "300 432001" ] &&
    tail -n 1 "$tmp/plan-big.txt" | grep -qE '^m[0-9]{3} +2026-03-02T23:59:00\+00:00 ' &&
    pass "plan: 432,000 runs over 64 MiB, every job's 1,440 there" ||
    { echo "  status $rc, $(wc -lc <"$tmp/plan-big.txt") lines/bytes"; tail -n 2 "$tmp/plan-big.txt";
      fail "plan: 432,000 runs over 64 MiB, every job's 1,440 there" "$tmp/err"; }
"$B" plan "$tmp/plan-big" --from 2026-03-02T00:00:00Z --to 2026-03-02T23:59:59Z -o json \
    >"$tmp/plan-big.json" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && [ "$(grep -c '^ {"job": "m[0-9]*", "due": "2026-03-02T' "$tmp/plan-big.json")" -eq 432000 ] &&
    [ "$(tail -n 1 "$tmp/plan-big.json")" = '], "next_cursor": null}' ] &&
    pass "plan -o json: the 432,000 runs, and the list closed" ||
    fail "plan -o json: the 432,000 runs, and the list closed" "$tmp/err"
rm -f "$tmp/plan-big.txt" "$tmp/plan-big.json"
# -o yaml converts the list item by item (memory for one item, not the document): 30 of
# those jobs over the day are 43,200 runs, each "- job: mNNN" and nine more members.
head -n 150 "$tmp/plan-big/jobs.yaml" >"$tmp/plan-30.yaml"
"$B" plan "$tmp/plan-30.yaml" --from 2026-03-02T00:00:00Z --to 2026-03-02T23:59:59Z -o yaml \
    >"$tmp/plan-30.out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && [ "$(head -n 1 "$tmp/plan-30.out")" = "items:" ] &&
    [ "$(grep -c '^- job: m0[0-2][0-9]$' "$tmp/plan-30.out")" -eq 43200 ] &&
    [ "$(grep -c '^  [a-z_]*: ' "$tmp/plan-30.out")" -eq 388800 ] &&
    [ "$(tail -n 1 "$tmp/plan-30.out")" = "next_cursor: null" ] &&
    [ "$(wc -l <"$tmp/plan-30.out")" -eq 432002 ] &&
    pass "plan -o yaml: 43,200 runs item by item, and next_cursor" ||
    fail "plan -o yaml: 43,200 runs item by item, and next_cursor (status $rc)" "$tmp/err"
check "plan -o yaml: an empty plan" 0 "items: []
next_cursor: null" "" -- plan "$tmp/plan-30.yaml" --from 2026-03-02T00:00:01Z \
    --to 2026-03-02T00:00:30Z -o yaml
rm -f "$tmp/plan-30.out"
# An output that cannot be written whole is an error, not a success (a full disk here).
if [ -w /dev/full ]; then
    "$B" plan "$tmp/plan-big" --from 2026-03-02T00:00:00Z --to 2026-03-02T01:00:00Z \
        >/dev/full 2>"$tmp/err"
    rc=$?
    [ $rc -eq 1 ] && grep -qF "writing the plan failed: No space left on device; it is incomplete" "$tmp/err" &&
        pass "plan to a full disk: status 1 and why" || fail "plan to a full disk: status 1 and why (status $rc)" "$tmp/err"
    "$B" cron next "*/5 * * * *" >/dev/full 2>"$tmp/err"
    rc=$?
    [ $rc -eq 1 ] && grep -qF "writing the output failed: No space left on device; it is incomplete" "$tmp/err" &&
        pass "any command's output to a full disk: status 1 and why" ||
        fail "any command's output to a full disk: status 1 and why (status $rc)" "$tmp/err"
fi

# The same definitions-as-code commands against PostgreSQL: a throwaway server, as in
# tests/unit/test_store_postgres.c (a /tmp directory the postgres user can reach when
# we run as root). Expected names and counts come from the example files themselves.
# job names in the example files, one per line, sorted: each document's "name:" where its kind is job
awk '/^---/ {kind = ""} /^kind:/ {kind = $2} /^name:/ && kind == "job" {print $2}' "$ex"/*.yaml |
    sort >"$tmp/want-jobs"
ndocs=$(cat "$ex"/*.yaml | grep -c '^kind:')
# job names of a `jobs list -o json` document, sorted
json_jobs() { jq -r '.items[].name' "$1" | sort; }
[ -s "$tmp/want-jobs" ] && [ "$ndocs" -gt "$(wc -l <"$tmp/want-jobs")" ] && pass "pg: expected names from the examples" ||
    fail "pg: expected names from the examples" "$tmp/want-jobs"
pgroot=$(mktemp -d /tmp/batchd-pg-XXXXXX)
if ! DSN=$("$pgs" start "$pgroot/pg" 2>"$tmp/pg.err") || [ -z "$DSN" ]; then
    fail "pg: start a PostgreSQL server (needs the Debian package postgresql: make test-deps)" "$tmp/pg.err"
else
    pass "pg: server started"
    check "pg: apply the examples" 0 - "" -- apply "$ex" --db "$DSN"
    grep -qFx "apply: $ndocs created, 0 changed, 0 unchanged, 0 deleted" "$tmp/out" &&
        [ "$(grep -c '^created ' "$tmp/out")" -eq "$ndocs" ] &&
        sed -n 's|^created   job default/||p' "$tmp/out" | sort | cmp -s - "$tmp/want-jobs" &&
        pass "pg: every example reported created" || fail "pg: every example reported created" "$tmp/out"
    check "pg: apply again" 0 - "" -- apply "$ex" --db "$DSN"
    grep -qFx "apply: 0 created, 0 changed, $ndocs unchanged, 0 deleted" "$tmp/out" &&
        ! grep -qE '^(created|changed|deleted) ' "$tmp/out" &&
        pass "pg: second apply is all unchanged" || fail "pg: second apply is all unchanged" "$tmp/out"
    check "pg: export" 0 "export: $ndocs definitions written to $tmp/pgexp" "" -- export "$tmp/pgexp" --db "$DSN"
    [ "$(find "$tmp/pgexp" -type f -name '*.yaml' | wc -l)" -eq "$ndocs" ] && pass "pg: export wrote one file per definition" ||
        { find "$tmp/pgexp" >"$tmp/found" 2>&1; fail "pg: export wrote one file per definition" "$tmp/found"; }
    check "pg: apply of the export" 0 - "" -- apply "$tmp/pgexp" --db "$DSN"
    grep -qFx "apply: 0 created, 0 changed, $ndocs unchanged, 0 deleted" "$tmp/out" &&
        ! grep -qE '^(created|changed|deleted) ' "$tmp/out" &&
        pass "pg: apply of the export is a no-op" || fail "pg: apply of the export is a no-op" "$tmp/out"
    check "pg: jobs list -o json" 0 - "" -- jobs list --db "$DSN" -o json
    cp "$tmp/out" "$tmp/pg-list1"
    json_jobs "$tmp/pg-list1" | cmp -s - "$tmp/want-jobs" && pass "pg: job names are the examples'" ||
        fail "pg: job names are the examples'" "$tmp/pg-list1"
    "$B" apply "$ex" --db "$tmp/sqlite-cmp.db" >"$tmp/sqlite-list" 2>&1 &&
        "$B" jobs list --db "$tmp/sqlite-cmp.db" -o json >"$tmp/sqlite-list" 2>&1 &&
        json_jobs "$tmp/sqlite-list" >"$tmp/sqlite-jobs" && [ -s "$tmp/sqlite-jobs" ] &&
        json_jobs "$tmp/pg-list1" | cmp -s - "$tmp/sqlite-jobs" &&
        pass "pg: same job names as SQLite" || fail "pg: same job names as SQLite" "$tmp/sqlite-list"
    job1=$(head -n 1 "$tmp/want-jobs")
    check "pg: jobs history" 0 - "" -- jobs history "$job1" --db "$DSN"
    [ "$(grep -cE '^ +[0-9]+ ' "$tmp/out")" -eq 1 ] && grep -qE '^ +1 .* created$' "$tmp/out" &&
        pass "pg: history is version 1, created" || fail "pg: history is version 1, created" "$tmp/out"
    # A bad directory: a new valid job, a change to an existing one, and an unknown key.
    mkdir -p "$tmp/pgbad"
    printf 'kind: job\nname: pg-new\ntype: manual\nexecutor: {exec: {command: [/bin/true]}}\n' \
        >"$tmp/pgbad/a.yaml"
    printf 'kind: job\nname: %s\ntype: manual\nexecutor: {exec: {command: [/bin/true]}}\nestimated_minuts: 3\n' \
        "$job1" >"$tmp/pgbad/b.yaml"
    check "pg: a bad file is refused" 1 "" 'unknown key "estimated_minuts"' -- apply "$tmp/pgbad" --db "$DSN"
    check "pg: jobs list after the refused apply" 0 - "" -- jobs list --db "$DSN" -o json
    cmp -s "$tmp/pg-list1" "$tmp/out" && pass "pg: the refused apply changed nothing" ||
        fail "pg: the refused apply changed nothing" "$tmp/out"
fi

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
