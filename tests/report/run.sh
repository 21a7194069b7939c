#!/bin/sh
# The daily inspection report and the runs figures (docs/report.md) end to end: a real
# SQLite repository with definitions applied by batchctl and runs written through the
# store by tests/report/seed.c (its comment lists the scenario); the report from
# batchctl --db, from the API of a real batchd on loopback, and from batchctl against
# that server; then the same on a PostgreSQL server started by the test, which must give
# the same answers byte for byte. The .xlsx is read back with openpyxl (cells, header, frozen pane), not
# compared as bytes.
#
# Expected values, worked out from the scenario and docs/report.md: on 2026-12-02
# (Asia/Tokyo) four rows by name: adhoc (manual, not checked, 1 run of 0.5 min,
# information), daily (ok, 1 run, avg 10.0 min, read 100 write 90 commit 10 rollback 1,
# information), hourly3 (expected 3, found 2: missing 03:00; 2 runs avg 1.5 min, 1
# failed, read 15 write 10 commit 1 rollback 2: error, Frequency Issues; Execution
# Failures), partial (ok, 1 run of 5.0 min, 3 write skips: warning, Partial Data
# Failures); the day: error with all three findings. The seeded instances have no stored
# process date (as from before schema 11): each row's is computed from its due times in
# the default noon-to-noon window, all before noon on the 2nd: 2026-12-01. Closes with
# "report: N passed, M failed".
set -u
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
B="$BIN/batchctl"
D="$BIN/batchd"
PY=/usr/bin/python3
passed=0
failed=0
tmp=$(mktemp -d)
daemon_pid=""
pgroot=""
pgs="$(cd "$(dirname "$0")/../.." && pwd)/scripts/pg-test-server.sh"
cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
    [ -n "$pgroot" ] && { "$pgs" stop "$pgroot/pg" 2>/dev/null; rm -rf "$pgroot"; }
    [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
. "$(dirname "$0")/../lib.sh"
unset BATCHD_DB BATCHD_URL BATCHD_TOKEN
export TMPDIR="$tmp"
db=$tmp/r.db

mkdir -p "$tmp/defs"
cat >"$tmp/defs/all.yaml" <<'YAML'
kind: settings
tenant: default
timezone: Asia/Tokyo
---
kind: job
name: daily
display_name: Daily load
type: scheduled
executor: {exec: {command: [/bin/true]}}
trigger: {cron: "0 2 * * *"}
estimated_minutes: 5
---
kind: job
name: hourly3
display_name: "=cmd|' /C calc'!A0"
type: scheduled
executor: {exec: {command: [/bin/true]}}
trigger: {cron: "0 1,2,3 * * *"}
estimated_minutes: 1
---
kind: job
name: partial
display_name: Partial, "quoted"
type: scheduled
executor: {exec: {command: [/bin/true]}}
trigger: {cron: "30 5 * * *"}
estimated_minutes: 4
---
kind: job
name: adhoc
type: manual
executor: {exec: {command: [/bin/true]}}
YAML
"$B" apply --db "$db" "$tmp/defs" >"$tmp/apply.out" 2>&1 && "$BIN/tests/report/seed" "$db" 2>"$tmp/seed.err" &&
    pass "definitions applied, runs seeded" || { fail "definitions applied, runs seeded" "$tmp/apply.out"; cat "$tmp/seed.err"; }

# ---- the figures, as JSON ------------------------------------------------------------
# check_json NAME FILE: the daily report of 2026-12-02 in FILE has the expected figures.
check_json() {
    if "$PY" - "$2" >"$tmp/py.out" 2>&1 <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
def eq(what, got, want):
    if got != want:
        raise SystemExit(f"{what}: got {got!r}, want {want!r}")
eq("date", r["date"], "2026-12-02")
eq("timezone", r["timezone"], "Asia/Tokyo")
eq("severity", r["severity"], "error")
eq("finding", r["finding"], "Frequency Issues; Execution Failures; Partial Data Failures")
eq("summary", r["summary"], {"jobs": 4, "information": 2, "warning": 1, "error": 1})
jobs = {j["job"]: j for j in r["jobs"]}
eq("order", [j["job"] for j in r["jobs"]], ["adhoc", "daily", "hourly3", "partial"])
cols = ["total", "success", "fail", "has_failure", "read", "write", "commit", "write_skip", "rollback"]
want = {
    "adhoc":   ([1, 1, 0, 0, 0, 0, 0, 0, 0], None, 0.5, "information", "All Successful"),
    "daily":   ([1, 1, 0, 0, 100, 90, 10, 0, 1], 5, 10.0, "information", "All Successful"),
    "hourly3": ([2, 1, 1, 0, 15, 10, 1, 0, 2], 1, 1.5, "error", "Frequency Issues; Execution Failures"),
    "partial": ([1, 1, 0, 1, 50, 47, 5, 3, 0], 4, 5.0, "warning", "Partial Data Failures"),
}
for name, (counts, est, avg, sev, finding) in want.items():
    j = jobs[name]
    eq(name + " counts", [j[c] for c in cols], counts)
    eq(name + " estimated", j["estimated_minutes"], est)
    eq(name + " average", j["average_minutes"], avg)
    eq(name + " severity", j["severity"], sev)
    eq(name + " finding", j["finding"], finding)
eq("daily schedule", jobs["daily"]["schedule"], "at 02:00, every day (Asia/Tokyo)")
eq("daily check", jobs["daily"]["frequency_check"]["text"], "ok (1 run)")
f = jobs["hourly3"]["frequency_check"]
eq("hourly3 check", (f["ok"], f["expected"], f["found"], f["missing"], f["text"]),
   (False, 3, 2, 1, "expected 3, found 2: missing 03:00"))
eq("adhoc check", (jobs["adhoc"]["frequency_check"]["checked"], jobs["adhoc"]["frequency_check"]["text"]),
   (False, "not checked (manual job)"))
eq("display name", jobs["partial"]["display_name"], 'Partial, "quoted"')
eq("process dates", [jobs[j]["process_date"] for j in ("adhoc", "daily", "hourly3", "partial")],
   ["2026-12-01"] * 4)
PY
    then pass "$1"; else fail "$1" "$tmp/py.out"; fi
}
"$B" report daily --db "$db" --date 2026-12-02 -o json >"$tmp/local.json" 2>"$tmp/err"
check_json "batchctl --db: the daily report's figures" "$tmp/local.json"

# ---- CSV -----------------------------------------------------------------------------------
"$B" report daily --db "$db" --date 2026-12-02 -o csv >"$tmp/local.csv" 2>"$tmp/err"
cr=$(printf '\r')
{
    head -n 1 "$tmp/local.csv" | grep -qx "job,display_name,service,schedule,frequency_check,expected_runs,estimated_minutes,average_minutes,total,success,fail,has_failure,read,write,commit,write_skip,rollback,severity,finding,process_date$cr" &&
    grep -qxF "hourly3,'=cmd|' /C calc'!A0,,\"at minute 0 past hours 1-3, every day (Asia/Tokyo)\",\"expected 3, found 2: missing 03:00\",3,1,1.5,2,1,1,0,15,10,1,0,2,error,Frequency Issues; Execution Failures,2026-12-01$cr" "$tmp/local.csv" &&
    grep -qxF "partial,\"Partial, \"\"quoted\"\"\",,\"at 05:30, every day (Asia/Tokyo)\",ok (1 run),1,4,5.0,1,1,0,1,50,47,5,3,0,warning,Partial Data Failures,2026-12-01$cr" "$tmp/local.csv" &&
    [ "$(wc -l <"$tmp/local.csv")" -eq 5 ]
} && pass "CSV: header, RFC 4180 quoting, the formula defused with ', CRLF" || fail "CSV: header, RFC 4180 quoting, the formula defused with ', CRLF" "$tmp/local.csv"

# ---- XLSX, read back -------------------------------------------------------------------------
# check_xlsx NAME FILE
check_xlsx() {
    if "$PY" - "$2" >"$tmp/py.out" 2>&1 <<'PY'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb.worksheets[0]
def eq(what, got, want):
    if got != want:
        raise SystemExit(f"{what}: got {got!r}, want {want!r}")
eq("sheet", ws.title, "2026-12-02")
eq("frozen", ws.freeze_panes, "A2")
head = [c.value for c in ws[1]]
eq("header", head, ["job", "display_name", "service", "schedule", "frequency_check", "expected_runs",
                    "estimated_minutes", "average_minutes", "total", "success", "fail", "has_failure",
                    "read", "write", "commit", "write_skip", "rollback", "severity", "finding",
                    "process_date"])
eq("bold header", all(c.font.b for c in ws[1]), True)
eq("rows", ws.max_row, 5)
rows = {r[0].value: [c.value for c in r] for r in ws.iter_rows(min_row=2)}
eq("hourly3", rows["hourly3"][4:], ["expected 3, found 2: missing 03:00", 3, 1, 1.5, 2, 1, 1, 0, 15, 10, 1, 0, 2,
                                     "error", "Frequency Issues; Execution Failures", "2026-12-01"])
eq("hourly3 name kept as text", rows["hourly3"][1], "=cmd|' /C calc'!A0")
eq("daily", rows["daily"][5:], [1, 5, 10, 1, 1, 0, 0, 100, 90, 10, 0, 1, "information", "All Successful",
                                "2026-12-01"])
eq("adhoc average", rows["adhoc"][7], 0.5)
eq("adhoc estimated empty", rows["adhoc"][6], None)
sev = {r[0].value: r[17].fill.fgColor.rgb for r in ws.iter_rows(min_row=2)}
eq("severity colours", (sev["hourly3"][-6:], sev["partial"][-6:], sev["daily"][-6:]),
   ("FFC7CE", "FFEB9C", "C6EFCE"))
eq("column width", ws.column_dimensions["A"].width > 20, True)
s = wb["Summary"]
eq("summary", [[c.value for c in r] for r in s.iter_rows()][:4],
   [["tenant", "default"], ["date", "2026-12-02"], ["timezone", "Asia/Tokyo"], ["severity", "error"]])
PY
    then pass "$1"; else fail "$1" "$tmp/py.out"; fi
}
"$B" report daily --db "$db" --date 2026-12-02 -o xlsx --output "$tmp/local.xlsx" 2>"$tmp/err"
check_xlsx "batchctl --db -o xlsx --output: the workbook read back with openpyxl" "$tmp/local.xlsx"
ls "$tmp" | grep -q '^batchd-report-' && fail "the temporary workbook is removed" || pass "the temporary workbook is removed"

# ---- bad input -------------------------------------------------------------------------------
check "a bad date is refused, naming it" 2 "" 'date "2026-02-30": day 30 is out of range 1-28' -- \
    report daily --db "$db" --date 2026-02-30
check "runs over more than 366 days is refused" 2 "" "is 367 days, more than 366" -- \
    report runs --db "$db" --from 2026-01-01 --to 2027-01-02
check "runs with to before from is refused" 2 "" "to 2026-12-01 is before from 2026-12-03" -- \
    report runs --db "$db" --from 2026-12-03 --to 2026-12-01
check "an unknown -o is refused" 2 "" "is not a known output format; this command takes table, wide, json, yaml, csv, xlsx" -- \
    report daily --db "$db" -o pdf
# An .xlsx is not written to a terminal (script(1) gives batchctl one).
script -qec "$B report daily --db $db --date 2026-12-02 -o xlsx" /dev/null >"$tmp/tty.out" 2>&1
grep -q 'give --output FILE' "$tmp/tty.out" && ! grep -q 'PK' "$tmp/tty.out" &&
    pass "-o xlsx to a terminal is refused" || fail "-o xlsx to a terminal is refused" "$tmp/tty.out"
# Jobs x days over 100,000 rows: 300 jobs over 334 days is 100,200.
mkdir -p "$tmp/many"
i=0
while [ $i -lt 300 ]; do
    printf 'kind: job\nname: m%03d\ntype: scheduled\nexecutor: {exec: {command: [/bin/true]}}\ntrigger: {cron: "0 3 * * *"}\n---\n' $i
    i=$((i + 1))
done >"$tmp/many/jobs.yaml"
"$B" apply --db "$tmp/many.db" "$tmp/many" >/dev/null 2>&1
# Over 100,000 day-and-job rows the answer has no items, only the sums per day and job
# and the first 1,000 of the runs that did not happen (docs/api.md): every job expects
# one run a day at 03:00 UTC and none ran, so each day and job misses one.
"$B" report runs --db "$tmp/many.db" --from 2026-01-01 --to 2026-11-30 -o json >"$tmp/many.json" 2>"$tmp/err"
if "$PY" - "$tmp/many.json" >"$tmp/py.out" 2>&1 <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
def eq(what, got, want):
    if got != want:
        raise SystemExit(f"{what}: got {got!r}, want {want!r}")
eq("items", r["items"], None)
eq("days", len(r["days"]), 334)
eq("first day", r["days"][0], {"date": "2026-01-01", "runs": {"total": 0, "success": 0, "failed": 0,
   "skipped": 0, "canceled": 0, "live": 0}, "not_run": 300})
eq("jobs", [j["job"] for j in r["jobs"]], ["m%03d" % i for i in range(300)])
eq("m007", (r["jobs"][7]["not_run"], r["jobs"][7]["runs"]["total"], r["jobs"][7]["duration_p50_s"]), (334, 0, None))
eq("not_run_total", r["not_run_total"], 300 * 334)
eq("not_run listed", len(r["not_run"]), 1000)
eq("not_run first and last listed", (r["not_run"][0], r["not_run"][-1]),
   ({"date": "2026-01-01", "job": "m000", "not_run": 1}, {"date": "2026-01-04", "job": "m099", "not_run": 1}))
PY
then pass "runs over more than 100,000 day-and-job rows: sums per day and job, no items"
else fail "runs over more than 100,000 day-and-job rows: sums per day and job, no items" "$tmp/py.out"; fi
check "... and one job over those days is answered" 0 - "" -- \
    report runs --db "$tmp/many.db" --from 2026-01-01 --to 2026-11-30 --job m007 -o json

# ---- the runs figures ------------------------------------------------------------------------
check_runs() {
    if "$PY" - "$2" >"$tmp/py.out" 2>&1 <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
def eq(what, got, want):
    if got != want:
        raise SystemExit(f"{what}: got {got!r}, want {want!r}")
items = {(i["date"], i["job"]): i for i in r["items"]}
eq("rows", sorted(items), sorted([("2026-12-01", "daily"), ("2026-12-01", "hourly3"), ("2026-12-01", "partial"),
    ("2026-12-02", "adhoc"), ("2026-12-02", "daily"), ("2026-12-02", "hourly3"), ("2026-12-02", "partial"),
    ("2026-12-03", "daily"), ("2026-12-03", "hourly3"), ("2026-12-03", "partial")]))
def row(d, j):
    i = items[(d, j)]
    return (i["runs"]["total"], i["runs"]["success"], i["runs"]["failed"], i["duration_p50_s"],
            i["duration_max_s"], i["over_estimate"], i["not_run"])
eq("12-01 daily", row("2026-12-01", "daily"), (1, 1, 0, 400.0, 400, True, 0))
eq("12-01 hourly3", row("2026-12-01", "hourly3"), (0, 0, 0, None, None, False, 3))
eq("12-02 hourly3", row("2026-12-02", "hourly3"), (2, 1, 1, 90.0, 120, True, 1))
eq("12-02 daily", row("2026-12-02", "daily"), (1, 1, 0, 600.0, 600, True, 0))
eq("12-02 partial", row("2026-12-02", "partial"), (1, 1, 0, 300.0, 300, True, 0))  # 300 s > 4 min
eq("12-03 partial", row("2026-12-03", "partial"), (0, 0, 0, None, None, False, 1))
# The sums (docs/api.md): per day the items' runs and not_run added up; per job its
# runs added up, its highest daily median, its longest run, the days over its estimate.
keys = ["total", "success", "failed", "skipped", "canceled", "live"]
eq("days", [d["date"] for d in r["days"]], ["2026-12-01", "2026-12-02", "2026-12-03"])
for d in r["days"]:
    its = [i for i in r["items"] if i["date"] == d["date"]]
    eq(d["date"] + " sums", (d["runs"], d["not_run"]),
       ({k: sum(i["runs"][k] for i in its) for k in keys}, sum(i["not_run"] for i in its)))
eq("jobs", [j["job"] for j in r["jobs"]], ["adhoc", "daily", "hourly3", "partial"])
daily = [j for j in r["jobs"] if j["job"] == "daily"][0]
eq("daily over the days", (daily["duration_p50_s"], daily["duration_max_s"], daily["over_estimate_days"]),
   (800.0, 800, 3))  # 400, 600 and 800 s runs (tests/report/seed.c), each over its estimate
hourly3 = [j for j in r["jobs"] if j["job"] == "hourly3"][0]
eq("hourly3 runs", hourly3["runs"], {k: sum(i["runs"][k] for i in r["items"] if i["job"] == "hourly3") for k in keys})
eq("hourly3 not run", hourly3["not_run"], sum(i["not_run"] for i in r["items"] if i["job"] == "hourly3"))
eq("not_run list", [(m["date"], m["job"], m["not_run"]) for m in r["not_run"]],
   sorted((i["date"], i["job"], i["not_run"]) for i in r["items"] if i["not_run"] > 0))
eq("not_run_total", r["not_run_total"], sum(i["not_run"] for i in r["items"]))
PY
    then pass "$1"; else fail "$1" "$tmp/py.out"; fi
}
"$B" report runs --db "$db" --from 2026-12-01 --to 2026-12-03 -o json >"$tmp/runs.json" 2>"$tmp/err"
check_runs "batchctl --db: runs per day and job" "$tmp/runs.json"
"$B" report runs --db "$db" --from 2026-12-02 --to 2026-12-02 --job daily -o json >"$tmp/runs1.json"
"$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if [(i["date"], i["job"]) for i in r["items"]] == [("2026-12-02", "daily")] else 1)' "$tmp/runs1.json" &&
    pass "runs --job: one job" || fail "runs --job: one job" "$tmp/runs1.json"

# ---- over HTTP -------------------------------------------------------------------------------
"$D" --db "$db" --listen 127.0.0.1:0 2>>"$tmp/d.log" &
daemon_pid=$!
api_port() { port=$(sed -n 's/.*API listening on [^ ]* (port \([0-9]*\)).*/\1/p' "$tmp/d.log" | tail -n 1); [ -n "$port" ]; }
tok=$("$D" token create --name viewer --role viewer --db "$db" 2>/dev/null | head -n 1)
wait_for "$WAIT" api_port || fail "batchd listens" "$tmp/d.log"
base="http://127.0.0.1:$port/api/v1"
api() { curl -s --max-time 30 -H "Authorization: Bearer $tok" "$@"; }

api "$base/reports/daily?date=2026-12-02" >"$tmp/http.json"
check_json "GET /reports/daily: the same figures" "$tmp/http.json"
api "$base/reports/daily?date=2026-12-02&format=csv" >"$tmp/http.csv"
cmp -s "$tmp/http.csv" "$tmp/local.csv" && pass "GET /reports/daily?format=csv: the same CSV" ||
    fail "GET /reports/daily?format=csv: the same CSV" "$tmp/http.csv"
api -H "Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" \
    -D "$tmp/h.hdr" "$base/reports/daily?date=2026-12-02" >"$tmp/http.xlsx"
grep -qi '^content-type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' "$tmp/h.hdr" &&
    pass "Accept: xlsx gives the xlsx content type" || fail "Accept: xlsx gives the xlsx content type" "$tmp/h.hdr"
check_xlsx "GET /reports/daily (Accept: xlsx): the workbook read back" "$tmp/http.xlsx"
code=$(api -o "$tmp/bad.json" -w '%{http_code}' "$base/reports/daily?date=2026-13-01")
[ "$code" = 400 ] && grep -q 'month 13 is out of range 1-12' "$tmp/bad.json" &&
    pass "a bad date: 400 naming it" || fail "a bad date: 400 naming it ($code)" "$tmp/bad.json"
code=$(api -o "$tmp/bad2.json" -w '%{http_code}' "$base/reports/runs?from=2026-01-01&to=2027-01-02")
[ "$code" = 400 ] && grep -q 'more than 366' "$tmp/bad2.json" &&
    pass "runs over 367 days: 400" || fail "runs over 367 days: 400 ($code)" "$tmp/bad2.json"
code=$(api -o "$tmp/bad3.json" -w '%{http_code}' "$base/reports/daily?tenant=other")
[ "$code" = 403 ] && pass "another tenant: 403" || fail "another tenant: 403 ($code)" "$tmp/bad3.json"
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/reports/daily")
[ "$code" = 401 ] && pass "no token: 401" || fail "no token: 401 ($code)"
api "$base/reports/runs?from=2026-12-01&to=2026-12-03" >"$tmp/http-runs.json"
check_runs "GET /reports/runs: the same figures" "$tmp/http-runs.json"

# ---- batchctl against the server ---------------------------------------------------------
"$B" --url "http://127.0.0.1:$port" --token "$tok" report daily --date 2026-12-02 -o json >"$tmp/remote.json" 2>"$tmp/err"
check_json "batchctl report daily (server): the same figures" "$tmp/remote.json"
"$B" --url "http://127.0.0.1:$port" --token "$tok" report daily --date 2026-12-02 -o xlsx --output "$tmp/remote.xlsx" 2>"$tmp/err"
check_xlsx "batchctl report daily -o xlsx --output (server): the workbook read back" "$tmp/remote.xlsx"
"$B" --url "http://127.0.0.1:$port" --token "$tok" report daily --date 2026-12-02 >"$tmp/table.out" 2>"$tmp/err"
grep -q '^hourly3 .* error .* expected 3, found 2: missing 03:00$' "$tmp/table.out" &&
    pass "batchctl report daily (server): the table" || fail "batchctl report daily (server): the table" "$tmp/table.out"
"$B" --url "http://127.0.0.1:$port" --token "$tok" report runs --from 2026-12-01 --to 2026-12-03 -o json >"$tmp/remote-runs.json" 2>"$tmp/err"
check_runs "batchctl report runs (server): the same figures" "$tmp/remote-runs.json"

# ---- PostgreSQL: the same scenario gives the same report ---------------------------------
pgroot=$(mktemp -d /tmp/batchd-pg-XXXXXX)
if ! DSN=$("$pgs" start "$pgroot/pg" 2>"$tmp/pg.err") || [ -z "$DSN" ]; then
    fail "start a PostgreSQL server (needs the Debian package postgresql: make test-deps)" "$tmp/pg.err"
else
    "$B" apply --db "$DSN" "$tmp/defs" >"$tmp/pgapply.out" 2>&1 && "$BIN/tests/report/seed" "$DSN" 2>"$tmp/pgseed.err" &&
        pass "PostgreSQL: definitions applied, runs seeded" || fail "PostgreSQL: definitions applied, runs seeded" "$tmp/pgapply.out"
    "$B" report daily --db "$DSN" --date 2026-12-02 -o json >"$tmp/pg.json" 2>"$tmp/err"
    check_json "PostgreSQL: the daily report's figures" "$tmp/pg.json"
    cmp -s "$tmp/pg.json" "$tmp/local.json" && pass "PostgreSQL and SQLite give the same JSON, byte for byte" ||
        fail "PostgreSQL and SQLite give the same JSON, byte for byte" "$tmp/pg.json"
    "$B" report runs --db "$DSN" --from 2026-12-01 --to 2026-12-03 -o json >"$tmp/pg-runs.json" 2>"$tmp/err"
    check_runs "PostgreSQL: runs per day and job" "$tmp/pg-runs.json"
    cmp -s "$tmp/pg-runs.json" "$tmp/runs.json" && pass "PostgreSQL and SQLite give the same runs JSON" ||
        fail "PostgreSQL and SQLite give the same runs JSON" "$tmp/pg-runs.json"
fi

echo "report: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
