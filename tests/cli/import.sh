#!/bin/sh
# Tests of `batchctl import` (docs/import.md) on real-looking inputs written from each
# format's documentation (tests/data/import/): the definitions written are compared with
# ones written by hand from the formats' rules (tests/tools/import_compare.py), the
# report with what must not translate, and each imported set is validated and planned
# with `batchctl plan`, its due times written from the schedules by hand.
# Closes with "import: N passed, M failed".
set -u
B=${BATCHCTL:?set BATCHCTL to the batchctl binary}
here=$(cd "$(dirname "$0")" && pwd)
data=$here/../data/import
compare=$here/../tools/import_compare.py
pgs=$here/../../scripts/pg-test-server.sh
passed=0
failed=0
tmp=$(mktemp -d)
pgroot=""  # set while a throwaway PostgreSQL server may be running
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
. "$here/../lib.sh"

# defs_match NAME DIR EXPECTED: the definitions in DIR are the expected ones.
defs_match() {
    if python3 "$compare" "$2" "$3" >"$tmp/cmp" 2>&1; then pass "$1"; else fail "$1" "$tmp/cmp"; fi
}

# report_has NAME FILE LINE...: every LINE is the start of a line of FILE, in that order,
# and FILE has no other report line (lines with ": error: ", ": refused: ", ": note: ").
report_has() {
    r_name=$1 r_file=$2
    shift 2
    grep -E '^[^ ]+: (error|refused|note): ' "$r_file" >"$tmp/rep.got"
    : >"$tmp/rep.want"
    for l in "$@"; do printf '%s\n' "$l" >>"$tmp/rep.want"; done
    r_ok=1
    [ "$(wc -l <"$tmp/rep.got")" -eq "$#" ] || r_ok=0
    i=1
    for l in "$@"; do
        got=$(sed -n "${i}p" "$tmp/rep.got")
        case $got in "$l"*) ;; *) r_ok=0 ;; esac
        i=$((i + 1))
    done
    if [ $r_ok -eq 1 ]; then pass "$r_name"; else
        fail "$r_name"; echo "  expected lines starting with:"; sed 's/^/    /' "$tmp/rep.want"
        echo "  got:"; sed 's/^/    /' "$r_file"
    fi
}

# plan_dues NAME DIR JOB FROM TO EXPECTED: the due times `plan` gives JOB, one a line.
plan_dues() {
    "$B" plan "$2" --from "$4" --to "$5" >"$tmp/plan" 2>"$tmp/plan.err"
    awk -v j="$3" '$1 == j { print $2 }' "$tmp/plan" >"$tmp/plan.dues"
    if printf '%s\n' "$6" | cmp -s - "$tmp/plan.dues"; then pass "$1"; else
        fail "$1"; echo "  expected:"; printf '%s\n' "$6" | sed 's/^/    /'
        echo "  got:"; sed 's/^/    /' "$tmp/plan.dues" "$tmp/plan.err"
    fi
}

# ---- crontab ------------------------------------------------------------------------
cd "$data" || exit 1
out=$tmp/cron
check "crontab: 40-line crontab imports, 3 entries refused" 0 - "" -- \
    import crontab crontab.txt -d "$out" --tz Europe/London
tail -n 1 "$tmp/out" | grep -qx "import: 19 jobs written to $out, 3 refused, 3 notes" &&
    pass "crontab: summary line" || fail "crontab: summary line" "$tmp/out"
report_has "crontab: the report says what did not translate and why" "$tmp/out" \
    "crontab.txt:12: refused: @reboot: @reboot runs a command when cron starts, and batchd has no start-up trigger" \
    "crontab.txt:27: refused: an unescaped % makes the rest of the command its standard input" \
    "crontab.txt:28: refused: 0 12 30 2 *: the schedule never fires" \
    "crontab.txt: note: a user's crontab runs as its owner" \
    "crontab.txt:5: note: MAILTO: cron mails each run's output to MAILTO" \
    "crontab.txt:22: note: TZ: TZ is passed to the commands' environment only"
defs_match "crontab: definitions as written by hand" "$out" crontab.expected.yaml
check "crontab: the imported set validates" 0 "ok: 19 jobs, 0 calendars, 0 settings in 19 files" - -- \
    validate "$out"
# crontab(5): both day fields restricted, a day matching either fires: 1-7 Feb and the
# Mondays (Feb 2, Feb 9); New York is on EST (UTC-5) in February.
plan_dues "crontab: plan, day-of-month OR day-of-week (first-week)" "$out" first-week \
    2026-02-01T00:00:00Z 2026-02-11T00:00:00Z "2026-02-01T12:00:00+00:00
2026-02-02T12:00:00+00:00
2026-02-03T12:00:00+00:00
2026-02-04T12:00:00+00:00
2026-02-05T12:00:00+00:00
2026-02-06T12:00:00+00:00
2026-02-07T12:00:00+00:00
2026-02-09T12:00:00+00:00"
# CRON_TZ=Europe/Berlin (CET, UTC+1): 23:30 on Friday 23 Jan and on 28-31 Jan.
plan_dues "crontab: plan, CRON_TZ zone (close-month)" "$out" close-month \
    2026-01-22T00:00:00Z 2026-02-01T00:00:00Z "2026-01-23T22:30:00+00:00
2026-01-28T22:30:00+00:00
2026-01-29T22:30:00+00:00
2026-01-30T22:30:00+00:00
2026-01-31T22:30:00+00:00"
# America/New_York moves to EDT on 8 March 2026: 17:00 is 22:00Z before, 21:00Z after.
plan_dues "crontab: plan, the zone's DST (eod-report)" "$out" eod-report \
    2026-03-06T00:00:00Z 2026-03-10T00:00:00Z "2026-03-06T22:00:00+00:00
2026-03-09T21:00:00+00:00"
# --tz Europe/London for entries before any CRON_TZ: 01:00 GMT; on 29 March 01:00 does
# not exist (clocks go from 01:00 to 02:00), so it fires at the first instant after the
# gap, 02:00 BST (DESIGN.md 2.1); then 01:00 BST.
plan_dues "crontab: plan, --tz for entries without CRON_TZ (rotate-logs)" "$out" rotate-logs \
    2026-03-28T00:00:00Z 2026-03-30T12:00:00Z "2026-03-28T01:00:00+00:00
2026-03-29T01:00:00+00:00
2026-03-30T00:00:00+00:00"

# Without -d: the definitions on stdout (a YAML stream that validates), the report on
# stderr; without --tz the report says the zone changed.
check "crontab: to stdout" 0 - "import: 19 jobs, 3 refused, 4 notes" -- import crontab crontab.txt
cp "$tmp/out" "$tmp/stream.yaml"
grep -q "^crontab.txt:8: note: rotate-logs: cron ran this entry (and the others without CRON_TZ) in the machine's local zone" "$tmp/err" &&
    pass "crontab: without --tz the report names the zone change" ||
    fail "crontab: without --tz the report names the zone change" "$tmp/err"
check "crontab: the stream validates" 0 "ok: 19 jobs, 0 calendars, 0 settings in 1 file" - -- \
    validate "$tmp/stream.yaml"

# /etc/crontab form (Debian's, as crontab(5) shows it): the user field becomes exec.user.
out=$tmp/system
check "crontab --system: imports" 0 - "" -- \
    import crontab system-crontab.txt --system -d "$out" --tz Europe/Berlin
defs_match "crontab --system: definitions as written by hand" "$out" system-crontab.expected.yaml
check "crontab --system: the user field is required" 1 "" \
    "bad-system.txt:2: error: a system crontab entry needs a user field and a command" -- \
    import crontab bad-system.txt --system -d "$tmp/bad1"

# Bad input: the error names file and line, exit 1, nothing written.
printf 'PATH=/bin\n0 1 * *\n61 * * * * /bin/true\n' >"$tmp/bad.txt"
check "crontab: malformed lines are errors with file:line" 1 "" \
    "$tmp/bad.txt:2: error: an entry needs five time fields and a command; this line has 4 fields" -- \
    import crontab "$tmp/bad.txt" -d "$tmp/bad2"
grep -qF "$tmp/bad.txt:3: error: 61 * * * *: minute: \"61\" is out of range 0-59" "$tmp/err" &&
    pass "crontab: a bad field names the field and the reason" ||
    fail "crontab: a bad field names the field and the reason" "$tmp/err"
[ ! -e "$tmp/bad2" ] && pass "crontab: nothing written after an error" ||
    fail "crontab: nothing written after an error"
printf '0 1 * * * /bin/echo caf\351\n' >"$tmp/latin1.txt"
check "crontab: text that is not UTF-8 is an error at its line" 1 "" \
    "$tmp/latin1.txt:1: error: not UTF-8 text" -- import crontab "$tmp/latin1.txt"
printf 'CRON_TZ=Mars/Olympus\n0 1 * * * /bin/true\n' >"$tmp/badtz.txt"
check "crontab: an unknown CRON_TZ fails validation at its entry's line" 1 "" \
    "$tmp/badtz.txt:2:1: trigger.timezone:" -- import crontab "$tmp/badtz.txt" -d "$tmp/bad3"
[ ! -e "$tmp/bad3" ] && pass "crontab: nothing written after a validation problem" ||
    fail "crontab: nothing written after a validation problem"

# ---- Quartz -----------------------------------------------------------------------------
out=$tmp/quartz
svc=http://policy.internal:8080
check "quartz: 10 jobs import, 3 triggers refused" 0 - "" -- \
    import quartz quartz_jobs.xml --service "$svc" --tz Europe/London -d "$out"
tail -n 1 "$tmp/out" | grep -qx "import: 11 jobs written to $out, 3 refused, 11 notes" &&
    pass "quartz: summary line" || fail "quartz: summary line" "$tmp/out"
report_has "quartz: the report says what did not translate and why" "$tmp/out" \
    "quartz_jobs.xml:123: refused: once: fires once (repeat-count 0) at 2026-02-01T06:00:00+01:00, and batchd has no one-off trigger" \
    "quartz_jobs.xml:145: refused: every7min: an interval of 420 s does not divide a minute, an hour or a day evenly" \
    "quartz_jobs.xml:188: refused: everyTwoWeeks: calendar-interval triggers" \
    "quartz_jobs.xml: note: Quartz runs a job while its previous run goes on unless the class has @DisallowConcurrentExecution" \
    "quartz_jobs.xml:10: note: delete-jobs-in-group: not carried out" \
    "quartz_jobs.xml:32: note: nightlyReportTrigger: Quartz calendar \"bankHolidays\"" \
    "quartz_jobs.xml:32: note: nightlyReportTrigger: priority 7 is not translated" \
    "quartz_jobs.xml:118: note: initial-load: none of the job's triggers translated: it is a manual job" \
    "quartz_jobs.xml:154: note: fx-rates-saturday: a batchd job has one trigger: Quartz trigger \"saturday\" of job \"fxRates\" became this copy of job fx-rates" \
    "quartz_jobs.xml:168: note: every2h: <start-time> has no zone" \
    "quartz_jobs.xml:168: note: every2h: Quartz stops after 11 runs (repeat-count 10)" \
    "quartz_jobs.xml:168: note: every2h: batchd has no end time: disable the job after 2026-12-31T23:59:59" \
    "quartz_jobs.xml:179: note: archive-purge: none of the job's triggers translated" \
    "quartz_jobs.xml:179: note: archivePurge: <recovery>true</recovery> re-ran a job a crash interrupted"
defs_match "quartz: definitions as written by hand" "$out" quartz.expected.yaml
check "quartz: the imported set validates" 0 "ok: 11 jobs, 0 calendars, 0 settings in 11 files" - -- \
    validate "$out"
# 6L = the last Friday: 30 Jan and 27 Feb 2026, 18:00 EST = 23:00Z.
plan_dues "quartz: plan, 6L is the last Friday (month-end-close)" "$out" month-end-close \
    2026-01-01T00:00:00Z 2026-03-01T00:00:00Z "2026-01-30T23:00:00+00:00
2026-02-27T23:00:00+00:00"
# 6#3 = the third Friday: 16 Jan and 20 Feb 2026.
plan_dues "quartz: plan, 6#3 is the third Friday (third-friday-audit)" "$out" third-friday-audit \
    2026-01-01T00:00:00Z 2026-03-01T00:00:00Z "2026-01-16T10:15:00+00:00
2026-02-20T10:15:00+00:00"
# 2-6 = Monday to Friday: 5-9 Jan 2026, 02:00 in London (GMT).
plan_dues "quartz: plan, 2-6 is Monday to Friday (invoice-run)" "$out" invoice-run \
    2026-01-03T00:00:00Z 2026-01-10T12:00:00Z "2026-01-05T02:00:00+00:00
2026-01-06T02:00:00+00:00
2026-01-07T02:00:00+00:00
2026-01-08T02:00:00+00:00
2026-01-09T02:00:00+00:00"
# Every 15 minutes from 00:05.
plan_dues "quartz: plan, a simple trigger keeps its start time's phase (cache-warmer)" "$out" \
    cache-warmer 2026-01-01T00:00:00Z 2026-01-01T00:59:00Z "2026-01-01T00:05:00+00:00
2026-01-01T00:20:00+00:00
2026-01-01T00:35:00+00:00
2026-01-01T00:50:00+00:00"
# Every 2 hours from 01:30.
plan_dues "quartz: plan, every 2 h from 01:30 (statement-print)" "$out" statement-print \
    2026-03-01T00:00:00Z 2026-03-01T06:00:00Z "2026-03-01T01:30:00+00:00
2026-03-01T03:30:00+00:00
2026-03-01T05:30:00+00:00"

check "quartz: --service is required" 2 "" "quartz needs --service URL" -- \
    import quartz quartz_jobs.xml
printf '<job-scheduling-data><schedule><job><name>a</name>\n</schedule></job-scheduling-data>\n' >"$tmp/bad.xml"
check "quartz: XML that does not parse is an error with its line" 1 "" \
    "$tmp/bad.xml:2: error: XML: Opening and ending tag mismatch" -- \
    import quartz "$tmp/bad.xml" --service "$svc" -d "$tmp/bad4"
[ ! -e "$tmp/bad4" ] && pass "quartz: nothing written after an error" ||
    fail "quartz: nothing written after an error"
cat >"$tmp/bad2.xml" <<'XML'
<job-scheduling-data><schedule>
<job><name>a</name><job-class>A</job-class></job>
<trigger><cron><name>t1</name><job-name>a</job-name><cron-expression>0 0 12 ? * 8</cron-expression></cron></trigger>
<trigger><cron><name>t2</name><job-name>b</job-name><cron-expression>0 0 12 * * ?</cron-expression></cron></trigger>
<trigger><cron><name>t3</name><job-name>a</job-name><misfire-instruction>MISFIRE_INSTRUCTION_FIRE_NOW</misfire-instruction><cron-expression>0 0 12 * * ?</cron-expression></cron></trigger>
</schedule></job-scheduling-data>
XML
check "quartz: a bad day of week, an unknown job and a wrong misfire instruction are errors" 1 "" \
    "$tmp/bad2.xml:3: error: t1: day-of-week: \"8\": days are 1-7 (Quartz counts from 1 = Sunday)" -- \
    import quartz "$tmp/bad2.xml" --service "$svc"
grep -qF "$tmp/bad2.xml:4: error: t2: trigger for job \"b\" (group DEFAULT), which the file does not define" "$tmp/err" &&
    grep -qF "$tmp/bad2.xml:5: error: t3: \"MISFIRE_INSTRUCTION_FIRE_NOW\" is not a misfire instruction of a cron trigger" "$tmp/err" &&
    pass "quartz: every error is listed" || fail "quartz: every error is listed" "$tmp/err"
printf '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<job-scheduling-data/>\n' >"$tmp/dtd.xml"
check "quartz: a DOCTYPE (entities) is refused" 1 "" "a <!DOCTYPE> is not accepted" -- \
    import quartz "$tmp/dtd.xml" --service "$svc"

# ---- Kubernetes CronJob -------------------------------------------------------------------
out=$tmp/k8s
check "k8s: 3 CronJob manifests import, the ConfigMap is refused" 0 - "" -- \
    import k8s k8s/db-backup.yaml k8s/hello.yaml k8s/reports.yaml --tz Europe/London -d "$out"
tail -n 1 "$tmp/out" | grep -qx "import: 3 jobs written to $out, 1 refused, 9 notes" &&
    pass "k8s: summary line" || fail "k8s: summary line" "$tmp/out"
report_has "k8s: the report says what did not translate and why" "$tmp/out" \
    "k8s/reports.yaml:1: refused: ConfigMap: only CronJob manifests are translated" \
    "k8s/db-backup.yaml:11: note: db-backup: Forbid skipped a run while the previous one went on" \
    "k8s/db-backup.yaml:12: note: db-backup: startingDeadlineSeconds 600: Kubernetes skipped a run that could not start within it" \
    "k8s/db-backup.yaml:23: note: db-backup: ran in a container of image registry.example.com/tools/pg-backup:15.4" \
    "k8s/db-backup.yaml:31: note: db-backup: env PGPASSWORD comes from valueFrom" \
    "k8s/hello.yaml:13: note: hello: ran in a container of image busybox:1.28" \
    "k8s/reports.yaml:17: note: weekly-report-export: Replace stopped the running job" \
    "k8s/reports.yaml:21: note: weekly-report-export: activeDeadlineSeconds 5430 rounded up to 91 minutes" \
    "k8s/reports.yaml:22: note: weekly-report-export: parallelism 2" \
    "k8s/reports.yaml:27: note: weekly-report-export: ran in a container of image registry.example.com/analytics/export:2.3.1"
defs_match "k8s: definitions as written by hand" "$out" k8s.expected.yaml
check "k8s: the imported set validates" 0 "ok: 3 jobs, 0 calendars, 0 settings in 3 files" - -- \
    validate "$out"
plan_dues "k8s: plan, every minute (hello)" "$out" hello \
    2026-01-01T00:00:30Z 2026-01-01T00:03:30Z "2026-01-01T00:01:00+00:00
2026-01-01T00:02:00+00:00
2026-01-01T00:03:00+00:00"
# timeZone Europe/Berlin: 02:30 CEST is 00:30Z; on 25 Oct 2026 02:30 happens twice and
# fires on its first pass (DESIGN.md 2.1); then 02:30 CET is 01:30Z.
plan_dues "k8s: plan, timeZone across the fall-back night (db-backup)" "$out" db-backup \
    2026-10-24T00:00:00Z 2026-10-26T12:00:00Z "2026-10-24T00:30:00+00:00
2026-10-25T00:30:00+00:00
2026-10-26T01:30:00+00:00"
"$B" plan "$out" --from 2026-01-01T00:00:00Z --to 2026-01-31T00:00:00Z >"$tmp/plan" 2>&1
! grep -q '^weekly-report-export ' "$tmp/plan" && grep -q '^hello ' "$tmp/plan" &&
    pass "k8s: plan, a suspended CronJob is a disabled job and plans no run" ||
    fail "k8s: plan, a suspended CronJob is a disabled job and plans no run" "$tmp/plan"

cat >"$tmp/bad.yaml" <<'YAML'
apiVersion: batch/v1
kind: CronJob
metadata: {name: a}
spec:
  schedule: "0 0 * * * *"
  jobTemplate: {spec: {template: {spec: {containers: [{name: a, image: x, command: [a]}]}}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: b}
spec:
  schedule: "0 25 * * *"
  jobTemplate: {spec: {template: {spec: {containers: [{name: a, image: x, command: [a]}]}}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec:
  schedule: "0 1 * * *"
  concurrencyPolicy: Sometimes
  jobTemplate: {spec: {template: {spec: {containers: [{name: a, image: x, command: [a]}]}}}}
YAML
check "k8s: a 6-field schedule is an error with its line" 1 "" \
    "$tmp/bad.yaml:5: error: a: spec.schedule: a CronJob's schedule has 5 fields (or a macro)" -- \
    import k8s "$tmp/bad.yaml" -d "$tmp/bad5"
grep -qF "$tmp/bad.yaml:12: error: b: spec.schedule: hour: \"25\" is out of range 0-23" "$tmp/err" &&
    grep -qF "$tmp/bad.yaml:20: error: c: spec.concurrencyPolicy: is Allow, Forbid or Replace" "$tmp/err" &&
    pass "k8s: every error is listed" || fail "k8s: every error is listed" "$tmp/err"
[ ! -e "$tmp/bad5" ] && pass "k8s: nothing written after an error" ||
    fail "k8s: nothing written after an error"
cat >"$tmp/two.yaml" <<'YAML'
apiVersion: batch/v1
kind: CronJob
metadata: {name: two}
spec:
  schedule: "CRON_TZ=Asia/Tokyo 0 9 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - {name: a, image: x, command: [a]}
            - {name: b, image: y, command: [b]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: entry}
spec:
  schedule: "CRON_TZ=Asia/Tokyo 0 9 * * *"
  jobTemplate: {spec: {template: {spec: {containers: [{name: a, image: x}]}}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: tokyo}
spec:
  schedule: "CRON_TZ=Asia/Tokyo 0 9 * * *"
  jobTemplate: {spec: {template: {spec: {containers: [{name: a, image: x, command: [/bin/true]}]}}}}
YAML
check "k8s: two containers and an entrypoint-only container are refused; a TZ prefix is the zone" \
    0 - "import: 1 job, 2 refused, 2 notes" -- import k8s "$tmp/two.yaml"
grep -qF "$tmp/two.yaml:11: refused: two: the pod has 2 containers" "$tmp/err" &&
    grep -qF "$tmp/two.yaml:19: refused: entry: the container runs its image's entrypoint" "$tmp/err" &&
    grep -qF "trigger: {cron: \"0 9 * * *\", timezone: Asia/Tokyo}" "$tmp/out" &&
    pass "k8s: the refusals name the manifest's line" || fail "k8s: the refusals name the manifest's line" "$tmp/err"
printf 'kind: CronJob\nmetadata: {name: x\n' >"$tmp/broken.yaml"
check "k8s: YAML that does not parse is an error with its line" 1 "" \
    "$tmp/broken.yaml:3: error: YAML:" -- import k8s "$tmp/broken.yaml"
check "usage: --system is for crontab only" 2 "" "--system applies to crontab only" -- \
    import k8s k8s/hello.yaml --system

# ---- Spring Batch -------------------------------------------------------------------------
# The job repository made with Spring Batch's own DDL (spring-batch/schema-*.sql) and a
# week of history (spring-batch/history.sql; wall-clock times of Europe/Berlin, UTC+1 in
# December). Expected, from docs/import.md: instance 1 completed with 2 write skips (has
# failure); instance 2 failed, was restarted and completed (two executions); instance 3
# stopped (Canceled); instance 4 (STARTED, no end) not imported; instance 5 abandoned
# (Canceled). Each run's process date is the one of its start time in the default
# whole-day window (noon to noon UTC, docs/scheduler.md): 01:00 belongs to the day before.
sb=spring-batch
svc=http://policy.internal:8080
want_list="      ID  JOB                      DUE                   PROCESS DATE STATE           HAS FAILURE REASON
       1  import-policies          2026-12-01T01:00:00Z  2026-11-30   Success         yes         imported from Spring Batch: COMPLETED
       2  import-policies          2026-12-02T01:00:00Z  2026-12-01   Success         no          imported from Spring Batch: COMPLETED
       3  billing-run              2026-12-01T21:00:00Z  2026-12-01   Canceled        no          imported from Spring Batch: STOPPED
       4  import-policies          2026-12-03T01:00:00Z  2026-12-02   Canceled        no          imported from Spring Batch: ABANDONED (not to be restarted)"
want_inst2="history:
  2026-12-02T01:00:00Z  (created)       -> Init            by import:spring-batch
  2026-12-02T01:00:01Z  Init            -> Starting        by import:spring-batch
  2026-12-02T01:00:01Z  Starting        -> Running         by import:spring-batch
  2026-12-02T01:03:00Z  Running         -> Failed          by import:spring-batch: failed in Spring Batch
  2026-12-02T08:15:00Z  Failed          -> Init            by import:spring-batch: restarted in Spring Batch
  2026-12-02T08:15:00Z  Init            -> Starting        by import:spring-batch
  2026-12-02T08:15:00Z  Starting        -> Running         by import:spring-batch
  2026-12-02T08:20:00Z  Running         -> Success         by import:spring-batch: imported from Spring Batch: COMPLETED
executions:
  #1 (id 2) started 2026-12-02T01:00:01Z, ended 2026-12-02T01:03:00Z, exit 1: org.springframework.dao.DataAccessResourceFailureException: connection refused
    step readPolicies: FAILED, read 400, written 400, skipped 0
  #2 (id 3) started 2026-12-02T08:15:00Z, ended 2026-12-02T08:20:00Z, exit 0
    step readPolicies: COMPLETED, read 800, written 800, skipped 0
    step publishReport: COMPLETED, read 1, written 1, skipped 0"
# spring_checks NAME SOURCE SOURCE_NAME TARGET: the import of SOURCE into TARGET and what
# the repository then shows.
spring_checks() {
    n=$1 src=$2 srcname=$3 target=$4 out=$tmp/spring-$1
    check "$n: the history imports, the STARTED instance is refused" 0 - "" -- \
        import spring-batch "$src" --db "$target" --service "$svc" --tz Europe/Berlin -d "$out"
    grep -qx "import: history of 4 instances (5 executions, 6 step executions) written to the repository" "$tmp/out" &&
        tail -n 1 "$tmp/out" | grep -qx "import: 2 jobs written to $out, 1 refused, 0 notes" &&
        pass "$n: summary lines" || fail "$n: summary lines" "$tmp/out"
    report_has "$n: the report names the instance not imported" "$tmp/out" \
        "$srcname: refused: billingRun instance 4: execution 5 is STARTED: it is still running in the old system"
    defs_match "$n: definitions as written by hand" "$out" spring-batch.expected.yaml
    check "$n: the definitions validate" 0 "ok: 2 jobs, 0 calendars, 0 settings in 2 files" - -- \
        validate "$out"
    check "$n: plan: manual jobs plan no run" 0 - "" -- \
        plan "$out" --from 2026-12-01T00:00:00Z --to 2026-12-08T00:00:00Z
    [ "$(grep -c -E '^(import-policies|billing-run) ' "$tmp/out")" -eq 0 ] &&
        pass "$n: plan lists no run of the imported jobs" || fail "$n: plan lists no run of the imported jobs" "$tmp/out"
    check "$n: apply the definitions" 0 - "" -- apply "$out" --db "$target"
    check "$n: the monitor lists the old instances" 0 "$want_list" "" -- instances list --db "$target"
    "$B" instance get 2 --db "$target" >"$tmp/inst2" 2>&1
    sed -n '/^history:/,$p' "$tmp/inst2" >"$tmp/inst2.tail"
    printf '%s\n' "$want_inst2" | cmp -s - "$tmp/inst2.tail" &&
        pass "$n: a restarted instance shows both executions with their steps and counts" ||
        fail "$n: a restarted instance shows both executions with their steps and counts" "$tmp/inst2"
    # The daily report of 1 Dec: importPolicies 02:00:00-02:07:30 Berlin = 7.5 minutes,
    # read 1200+1, written 1195+1, 12+1 commits, 2 write skips, 1 rollback; billingRun
    # 45 minutes, 3000 read and written, 30 commits, stopped (neither success nor fail).
    check "$n: the daily report counts the old history" 0 - "" -- \
        report daily --date 2026-12-01 --db "$target" -o json
    jq -c '[.jobs[] | [.job, .total, .success, .fail, .has_failure, .average_minutes, .read, .write, .commit, .write_skip, .rollback]]' \
        "$tmp/out" >"$tmp/rep.json"
    echo '[["billing-run",1,0,0,0,45,3000,3000,30,0,0],["import-policies",1,1,0,1,7.5,1201,1196,13,2,1]]' |
        cmp -s - "$tmp/rep.json" && pass "$n: report figures" || fail "$n: report figures" "$tmp/rep.json"
    check "$n: a second import is refused, nothing written" 1 "" \
        "already holds an imported history of job import-policies; nothing was written" -- \
        import spring-batch "$src" --db "$target" --service "$svc" --tz Europe/Berlin
    check "$n: still four instances" 0 "$want_list" "" -- instances list --db "$target"
}

sqlite3 "$tmp/sb.db" <"$sb/schema-sqlite.sql" && sqlite3 "$tmp/sb.db" <"$sb/history.sql" &&
    pass "spring-batch sqlite: the schema loads with its DDL" ||
    fail "spring-batch sqlite: the schema loads with its DDL"
spring_checks "spring-batch sqlite" "$tmp/sb.db" "$tmp/sb.db" "$tmp/target.db"
# -o json: the same report as one document on stdout (docs/import.md): the two jobs, the
# refused STARTED instance with its subject and reason, the history written (4 instances,
# 5 executions, 6 step executions, as above).
check "spring-batch -o json: the report as JSON" 0 - "" -- \
    import spring-batch "$tmp/sb.db" --db "$tmp/target-json.db" --service "$svc" --tz Europe/Berlin \
    -d "$tmp/spring-json" -o json
jq -e --arg src "$tmp/sb.db" --arg dir "$tmp/spring-json" '
    .format == "spring-batch" and .written_to == $dir and (.jobs | sort) == ["billing-run", "import-policies"]
    and .refused == 1 and .notes == 0 and (.report | length) == 1
    and .report[0].kind == "refused" and .report[0].file == $src and .report[0].line == null
    and .report[0].subject == "billingRun instance 4"
    and (.report[0].message | startswith("execution 5 is STARTED: it is still running in the old system"))
    and .history == {"instances": 4, "executions": 5, "step_executions": 6}' "$tmp/out" >/dev/null &&
    [ "$(sqlite3 "$tmp/target-json.db" 'SELECT count(*) FROM instances')" = 4 ] &&
    pass "spring-batch -o json: jobs, the refused instance, the history; 4 instances written" ||
    fail "spring-batch -o json: jobs, the refused instance, the history; 4 instances written" "$tmp/out"
check "-o json needs -d OUTDIR" 2 "" "-o json needs -d OUTDIR" -- \
    import spring-batch "$tmp/sb.db" --db "$tmp/x.db" --service "$svc" -o json
check "-o yaml: usage" 2 "" "-o must be text or json, not yaml" -- \
    import crontab crontab.txt -d "$tmp/o-yaml" -o yaml
[ ! -e "$tmp/x.db" ] && [ ! -e "$tmp/o-yaml" ] && pass "a refused -o writes nothing" ||
    fail "a refused -o writes nothing"
check "spring-batch: --service is required" 2 "" "spring-batch needs --service URL" -- \
    import spring-batch "$tmp/sb.db" --db "$tmp/x.db"
check "spring-batch: --db is required" 2 "" "spring-batch takes one job repository and --db DB" -- \
    import spring-batch "$tmp/sb.db" --service "$svc"
check "--db is for spring-batch only" 2 "" "--db applies to spring-batch only" -- \
    import crontab crontab.txt --db "$tmp/x.db"
sqlite3 "$tmp/empty.db" 'CREATE TABLE t (x INTEGER)'
check "spring-batch: a database without the tables" 1 "" "no such table: BATCH_JOB_INSTANCE" -- \
    import spring-batch "$tmp/empty.db" --db "$tmp/x.db" --service "$svc"
sqlite3 "$tmp/badtime.db" <"$sb/schema-sqlite.sql"
sqlite3 "$tmp/badtime.db" "INSERT INTO BATCH_JOB_INSTANCE VALUES (1, 0, 'j', 'k');
    INSERT INTO BATCH_JOB_EXECUTION VALUES (1, 0, 1, 'yesterday', NULL, NULL, 'FAILED', '', '', NULL);"
check "spring-batch: a timestamp that is not one" 1 "" \
    "CREATE_TIME of execution 1: \"yesterday\" is not a timestamp" -- \
    import spring-batch "$tmp/badtime.db" --db "$tmp/x.db" --service "$svc"
[ ! -e "$tmp/x.db" ] && pass "spring-batch: no repository written after an error" ||
    fail "spring-batch: no repository written after an error"

# The same with Spring Batch's tables in PostgreSQL, imported into a PostgreSQL repository.
pgroot=$(mktemp -d /tmp/batchd-pg-XXXXXX)
if ! DSN=$("$pgs" start "$pgroot/pg" 2>"$tmp/pg.err") || [ -z "$DSN" ]; then
    fail "spring-batch pg: start a PostgreSQL server (make test-deps)" "$tmp/pg.err"
else
    base=${DSN%/*}
    psql -q -v ON_ERROR_STOP=1 "$DSN" -c "CREATE DATABASE springbatch" -c "CREATE DATABASE batchd" \
        >"$tmp/psql" 2>&1 &&
        psql -q -v ON_ERROR_STOP=1 "$base/springbatch" -f "$sb/schema-postgresql.sql" >>"$tmp/psql" 2>&1 &&
        psql -q -v ON_ERROR_STOP=1 "$base/springbatch" -f "$sb/history.sql" >>"$tmp/psql" 2>&1 &&
        pass "spring-batch pg: the schema loads with its DDL" ||
        fail "spring-batch pg: the schema loads with its DDL" "$tmp/psql"
    spring_checks "spring-batch pg" "$base/springbatch" "postgresql://${base#*@}/springbatch" "$base/batchd"
fi

# ---- usage ----------------------------------------------------------------------------
check "usage: no format" 2 "" "missing the FORMAT" -- import
check "usage: unknown format" 2 "" "unknown FORMAT (crontab, quartz, k8s, spring-batch)" -- import airflow x.py
check "usage: no file" 2 "" "missing the FILE" -- import crontab
check "usage: unknown option" 2 "" "unknown option --bogus" -- import crontab crontab.txt --bogus
mkdir -p "$tmp/full" && : >"$tmp/full/x"
check "an OUTDIR that is not empty is refused" 1 "" "is not an empty directory" -- \
    import crontab crontab.txt -d "$tmp/full"
check "a missing file" 1 "" "nope.txt: No such file or directory" -- import crontab nope.txt

echo "import: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
