#!/bin/sh
# batchctl and the tenant settings of issue 23: the process date `plan` shows, the
# minimum schedule interval refused at validate time, the scheduler user's name; overlays
# in plan, diff and validate.
# Expected values come from DESIGN.md §8 (the process date: "a run due at 00:30 in a
# 22:00-06:00 window gets the previous day"; outside the window, the next occurrence's,
# docs/scheduler.md) and the issue (the seed's 5-minute minimum, default off).
# Closes with "envs-cli: N passed, M failed".
set -u
B=${BATCHCTL:?set BATCHCTL to the batchctl binary}
passed=0
failed=0
tmp=$(mktemp -d)
cleanup() { [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
. "$(dirname "$0")/../lib.sh"

# ---- the process date in `batchctl plan` -------------------------------------------
mkdir -p "$tmp/pd"
cat >"$tmp/pd/jobs.yaml" <<'EOF_PD'
kind: job
name: late
trigger: {cron: "30 23 * * *"}
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: early
trigger: {cron: "30 0 * * *"}
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: noon
trigger: {cron: "0 12 * * *"}
executor: {exec: {command: [/bin/true]}}
---
kind: settings
tenant: default
timezone: Europe/Berlin
batch_window: {start: "22:00", end: "06:00"}
EOF_PD
# Berlin, 2026-03-28 to 2026-03-30: the spring-forward night (02:00 CET -> 03:00 CEST)
# lies inside the window of the 28th.
check "plan: process dates across midnight and the DST night" 0 - "" -- \
    plan "$tmp/pd" --from 2026-03-28T00:00:00+01:00 --to 2026-03-30T01:00:00+02:00 -o json
want='early 2026-03-28T00:30:00+01:00 2026-03-27
noon 2026-03-28T12:00:00+01:00 2026-03-28
late 2026-03-28T23:30:00+01:00 2026-03-28
early 2026-03-29T00:30:00+01:00 2026-03-28
noon 2026-03-29T12:00:00+02:00 2026-03-29
late 2026-03-29T23:30:00+02:00 2026-03-29
early 2026-03-30T00:30:00+02:00 2026-03-29'
got=$(sed -n 's/.*"job": "\([a-z]*\)", "due": "\([^"]*\)".*"process_date": "\([0-9-]*\)".*/\1 \2 \3/p' "$tmp/out")
[ "$got" = "$want" ] && pass "plan -o json: 00:30 is the previous day's, 12:00 and 23:30 the same day's" ||
    { printf '%s\n' "$got" >"$tmp/got"; fail "plan -o json: process dates (expected: $want)" "$tmp/got"; }
check "plan: the table has a PROCESS_DATE column" 0 - "" -- \
    plan "$tmp/pd" --from 2026-03-29T00:00:00+01:00 --to 2026-03-29T01:00:00+01:00
grep -qE '^JOB +DUE +PROCESS_DATE +FIRST_DUE ' "$tmp/out" &&
    grep -qE '^early +2026-03-29T00:30:00\+01:00 +2026-03-28 ' "$tmp/out" &&
    pass "plan table: early due 00:30 on the 29th processes the 28th" ||
    fail "plan table: early due 00:30 on the 29th processes the 28th" "$tmp/out"

# ---- the minimum schedule interval ---------------------------------------------------
mkdir -p "$tmp/mi"
cat >"$tmp/mi/jobs.yaml" <<'EOF_MI'
kind: job
name: every2
trigger: {cron: "*/2 * * * *"}
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: every5
trigger: {cron: "*/5 * * * *"}
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: midnight-pair
trigger: {cron: "0,57 0,23 * * *"}
executor: {exec: {command: [/bin/true]}}
EOF_MI
check "min interval: off by default, every 2 minutes is valid" 0 "ok: 3 jobs, 0 calendars, 0 settings in 1 file" "" -- \
    validate "$tmp/mi"
printf 'kind: settings\ntenant: default\nmin_schedule_interval_minutes: 5\n' >"$tmp/mi/settings.yaml"
check "min interval 5: a cron firing every 2 minutes is refused, naming where and its interval" 1 "" \
    "$tmp/mi/jobs.yaml:3:11: trigger.cron: \"*/2 * * * *\" fires every 2 minutes at its most frequent; tenant \"default\" allows a schedule no more often than every 5 minutes (settings min_schedule_interval_minutes)" -- \
    validate "$tmp/mi"
grep -qF 'trigger.cron: "0,57 0,23 * * *" fires every 3 minutes' "$tmp/err" &&
    pass "min interval: 23:57 -> 00:00 on the next day counts (3 minutes)" ||
    fail "min interval: 23:57 -> 00:00 on the next day counts (3 minutes)" "$tmp/err"
grep -q 'every5' "$tmp/err" && fail "min interval: every 5 minutes is allowed" "$tmp/err" ||
    pass "min interval: every 5 minutes is allowed"
grep -qF "2 problems found" "$tmp/err" && pass "min interval: exactly the two offenders" ||
    fail "min interval: exactly the two offenders" "$tmp/err"
# Raising the minimum in a repository that holds a job firing more often is refused too,
# and changes nothing.
rm "$tmp/mi/settings.yaml"
"$B" apply "$tmp/mi" --db "$tmp/mi.db" >/dev/null 2>&1 || fail "apply without a minimum"
printf 'kind: settings\ntenant: default\nmin_schedule_interval_minutes: 5\n' >"$tmp/mi-settings.yaml"
check "min interval: setting it over stored jobs that fire more often is refused" 1 "" \
    'fires every 2 minutes at its most frequent' -- apply "$tmp/mi-settings.yaml" --db "$tmp/mi.db"
check "min interval: the refused settings were not stored" 0 - "" -- export "$tmp/mi-export" --db "$tmp/mi.db"
! grep -rq min_schedule_interval "$tmp/mi-export" && pass "min interval: repository unchanged" ||
    fail "min interval: repository unchanged" "$tmp/out"
printf 'kind: settings\ntenant: default\nmin_schedule_interval_minutes: 1441\n' >"$tmp/mi-bad.yaml"
check "min interval: more than a day is refused" 1 "" "min_schedule_interval_minutes" -- \
    validate "$tmp/mi-bad.yaml"

# ---- the scheduler user ----------------------------------------------------------------
printf 'kind: settings\ntenant: default\nscheduler_user: "token:ci"\n' >"$tmp/su-bad.yaml"
check "scheduler_user: a name that could pose as a token is refused" 1 "" \
    "$tmp/su-bad.yaml:3:1: scheduler_user: \"token:ci\" is not a valid user name" -- validate "$tmp/su-bad.yaml"
printf 'kind: settings\ntenant: default\nscheduler_user: batch.night\nmin_schedule_interval_minutes: 5\n' >"$tmp/su.yaml"
check "scheduler_user: a plain name is valid" 0 "ok: 0 jobs, 0 calendars, 1 settings in 1 file" "" -- validate "$tmp/su.yaml"
"$B" apply "$tmp/su.yaml" --db "$tmp/su.db" >/dev/null 2>&1
check "settings: scheduler_user and the minimum are exported" 0 - "" -- export "$tmp/su-export" --db "$tmp/su.db"
grep -rqx 'scheduler_user: batch.night' "$tmp/su-export" &&
    grep -rqx 'min_schedule_interval_minutes: 5' "$tmp/su-export" &&
    pass "settings: exported as written" || { cat "$tmp/su-export"/* >"$tmp/x" 2>&1; fail "settings: exported as written" "$tmp/x"; }

# ---- overlays and `batchctl diff` (docs/environments.md) ------------------------------------
mkdir -p "$tmp/env/defs"
cat >"$tmp/env/defs/jobs.yaml" <<'EOF_ENV'
kind: job
name: load
trigger: {cron: "30 23 * * *"}
executor: {exec: {command: [/bin/true], env: {DB_PASSWORD: s3cret-in-the-file}}}
---
kind: job
name: extract
trigger: {cron: "0 23 * * *"}
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: old
type: manual
executor: {exec: {command: [/bin/true]}}
EOF_ENV
"$B" apply "$tmp/env/defs" --db "$tmp/env/r.db" >/dev/null 2>&1 || fail "apply the environment's definitions"
"$B" export "$tmp/env/exp" --db "$tmp/env/r.db" >/dev/null 2>&1 || fail "export them"
check "diff: an export against its own repository" 0 \
    "diff: 0 changed, 0 only in DIR, 0 only in the repository, 3 the same" "" -- diff "$tmp/env/exp" --db "$tmp/env/r.db"
# The other environment's checkout: load's trigger changed, old removed, fresh added.
sed -i 's/30 23 \* \* \*/0 2 * * */' "$tmp/env/exp/default/jobs/load.yaml"
rm "$tmp/env/exp/default/jobs/old.yaml"
printf 'kind: job\nname: fresh\ntype: manual\nexecutor: {exec: {command: [/bin/false]}}\n' \
    >"$tmp/env/exp/default/jobs/fresh.yaml"
check "diff: a changed job, its keys with the repository's (-) and the directory's (+) values" 0 \
"only in DIR: job default/fresh
changed job default/load: trigger
  - trigger: {cron: \"30 23 * * *\"}
  + trigger: {cron: \"0 2 * * *\"}
only in the repository: job default/old
diff: 1 changed, 1 only in DIR, 1 only in the repository, 1 the same" "" -- diff "$tmp/env/exp" --db "$tmp/env/r.db"
check "diff -o json" 0 - "" -- diff "$tmp/env/exp" --db "$tmp/env/r.db" -o json
jq -e '[.items[] | .name + ":" + .status] == ["fresh:only_in_dir", "load:changed", "old:only_in_repository"]
       and (.items[1].keys == ["trigger"]) and (.items[1].dir.trigger == "{cron: \"0 2 * * *\"}")' "$tmp/out" >/dev/null &&
    pass "diff -o json: the same three differences" || fail "diff -o json: the same three differences" "$tmp/out"
grep -q 's3cret' "$tmp/out" && fail "diff never shows a secret value" "$tmp/out" || pass "diff never shows a secret value"
# An overlay turns load off in this environment only: applied to both sides, it is no
# difference; plan leaves load out with it and keeps it without.
printf 'kind: job\nname: load\nenabled: false\n' >"$tmp/env/prod.yaml"
check "diff --overlay: the overlay applies to both sides" 0 - "" -- \
    diff "$tmp/env/exp" --db "$tmp/env/r.db" --overlay "$tmp/env/prod.yaml"
grep -qx 'diff: 1 changed, 1 only in DIR, 1 only in the repository, 1 the same' "$tmp/out" &&
    ! grep -q enabled "$tmp/out" && pass "diff --overlay: enabled is no difference" ||
    fail "diff --overlay: enabled is no difference" "$tmp/out"
check "plan --overlay: the overlaid job has no runs" 0 - "" -- \
    plan --db "$tmp/env/r.db" --from 2026-03-02T00:00:00Z --to 2026-03-03T00:00:00Z --overlay "$tmp/env/prod.yaml"
grep -q '^extract ' "$tmp/out" && ! grep -q '^load ' "$tmp/out" && pass "plan --overlay: extract runs, load does not" ||
    fail "plan --overlay: extract runs, load does not" "$tmp/out"
check "plan without the overlay: load runs" 0 - "" -- \
    plan --db "$tmp/env/r.db" --from 2026-03-02T00:00:00Z --to 2026-03-03T00:00:00Z
grep -q '^load ' "$tmp/out" && pass "plan without the overlay: load runs" || fail "plan without the overlay: load runs" "$tmp/out"
# Overlays are validated like definitions: a key they may not change, an unknown job, a
# bad cron, each at the overlay's file:line:column.
printf 'kind: job\nname: load\nmax_minutes: 5\n---\nkind: job\nname: lod\nenabled: false\n---\nkind: job\nname: extract\ntrigger: {cron: "0 25 * * *"}\n' \
    >"$tmp/env/bad.yaml"
check "overlay problems: named at the overlay's lines" 1 "" \
    "$tmp/env/bad.yaml:3:1: max_minutes: an overlay may change a job's enabled, trigger, executor and alerts" -- \
    plan --db "$tmp/env/r.db" --from 2026-03-02T00:00:00Z --to 2026-03-03T00:00:00Z --overlay "$tmp/env/bad.yaml"
grep -qF "$tmp/env/bad.yaml:6:1: name: the overlay names job \"lod\" of tenant \"default\", which the definitions do not hold" "$tmp/err" &&
    grep -qF "$tmp/env/bad.yaml:11:11: trigger.cron: hour: \"25\" is out of range 0-23" "$tmp/err" &&
    grep -qF "3 problems found" "$tmp/err" && pass "overlay problems: the unknown job and the bad cron too" || fail "overlay problems: the unknown job and the bad cron too" "$tmp/err"
# `validate --overlay`: the definitions with the overlay applied, checked offline; the
# overlay's problems at its own file:line:column, as plan reports them, nothing printed
# on stdout; exit status 1 for problems, 2 for a usage error.
check "validate --overlay: the definitions with the overlay" 0 \
    "ok: 3 jobs, 0 calendars, 0 settings in 1 file, with the overlay $tmp/env/prod.yaml (1 document)" "" -- \
    validate --overlay "$tmp/env/prod.yaml" "$tmp/env/defs"
check "validate --overlay=PATH after the paths" 0 \
    "ok: 3 jobs, 0 calendars, 0 settings in 1 file, with the overlay $tmp/env/prod.yaml (1 document)" "" -- \
    validate "$tmp/env/defs" --overlay="$tmp/env/prod.yaml"
check "validate --overlay: a key an overlay may not change, at the overlay's line" 1 "" \
    "$tmp/env/bad.yaml:3:1: max_minutes: an overlay may change a job's enabled, trigger, executor and alerts" -- \
    validate --overlay "$tmp/env/bad.yaml" "$tmp/env/defs"
grep -qF "$tmp/env/bad.yaml:6:1: name: the overlay names job \"lod\" of tenant \"default\", which the definitions do not hold" "$tmp/err" &&
    grep -qF "$tmp/env/bad.yaml:11:11: trigger.cron: hour: \"25\" is out of range 0-23" "$tmp/err" &&
    grep -qF "batchctl: --overlay $tmp/env/bad.yaml: 3 problems found" "$tmp/err" &&
    pass "validate --overlay: the unknown job and the bad cron, at the overlay's file:line:column" ||
    fail "validate --overlay: the unknown job and the bad cron, at the overlay's file:line:column" "$tmp/err"
# The definitions' own problems come first, as without an overlay.
printf 'kind: job\nname: broken\ntrigger: {cron: "0 0 30 2 *"}\nexecutor: {exec: {command: [/bin/true]}}\n' >"$tmp/env/broken.yaml"
check "validate --overlay: the definitions' problem, as validate prints it" 1 "" \
    "$tmp/env/broken.yaml:3:" -- validate --overlay "$tmp/env/prod.yaml" "$tmp/env/broken.yaml"
check "validate --overlay of a file that does not exist" 1 "" "$tmp/env/none.yaml" -- \
    validate --overlay "$tmp/env/none.yaml" "$tmp/env/defs"
check "validate --overlay without PATH: usage" 2 "" "--overlay needs a PATH" -- validate "$tmp/env/defs" --overlay
check "validate --overlay twice: usage" 2 "" "--overlay is given once" -- \
    validate --overlay "$tmp/env/prod.yaml" --overlay "$tmp/env/bad.yaml" "$tmp/env/defs"
check "validate --overlay without a definitions PATH: usage" 2 "" "no PATH to check" -- \
    validate --overlay "$tmp/env/prod.yaml"
check "diff of a directory that does not exist" 1 "" "cannot read" -- diff "$tmp/none" --db "$tmp/env/r.db"
check "diff without DIR" 2 "" "usage: batchctl diff DIR" -- diff --db "$tmp/env/r.db"

echo "envs-cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
