#!/bin/sh
# The daily inspection report by e-mail (docs/report.md, "The e-mail") end to end: batchd
# on a real SQLite file under a virtual clock (60 simulated seconds per real second), the
# repository seeded with the report test's day 2026-12-02 (tests/report/seed.c, Asia/Tokyo),
# and a real SMTP server on 127.0.0.1 (tests/tools/smtp_sink.py, aiosmtpd).
#
# Expected, from docs/report.md and the seed's scenario:
# - started at 07:50 on 2026-12-03 (Tokyo), report.time 08:00: one e-mail, recorded at or
#   after 08:00 (23:00Z), to report.email, subject "[batchd] daily inspection default
#   2026-12-02: error (...)", an HTML part naming the jobs and an .xlsx attachment whose
#   sheet "2026-12-02" has hourly3 "expected 3, found 2: missing 03:00" with 2 runs, 1
#   failed, and daily's 1 run of 10.0 minutes, and Summary severity error; its Message-ID
#   the one its delivery records; a daily_report row of severity info;
# - batchctl alerts list shows it, explain says what it is;
# - batchd restarted at 07:58 the same day, past 08:00 again: no second e-mail;
# - on 2026-12-04 the SMTP server answers 451 at 08:00, then recovers: the report of
#   2026-12-03 arrives exactly once, on a later attempt, with the same Message-ID;
# - batchd down from then until 09:30 on 2026-12-07: only 2026-12-06's report is sent;
# - on a PostgreSQL server started by the test (scripts/pg-test-server.sh): one e-mail
#   with the same figures, none more after a restart passing 08:00 again.
# Closes with "report-mail: N passed, M failed".
set -u
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
B="$BIN/batchctl"
D="$BIN/batchd"
TOOLS="$(cd "$(dirname "$0")/../tools" && pwd)"
PY=/usr/bin/python3
passed=0
failed=0
tmp=$(mktemp -d)
pids=""
daemon_pid=""
pgroot=""
pgs="$(cd "$(dirname "$0")/../.." && pwd)/scripts/pg-test-server.sh"
cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
    for p in $pids; do kill "$p" 2>/dev/null; done
    [ -n "$pgroot" ] && { "$pgs" stop "$pgroot/pg" 2>/dev/null; rm -rf "$pgroot"; }
    [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
. "$(dirname "$0")/../lib.sh"
unset BATCHD_DB BATCHD_URL BATCHD_TOKEN
export TMPDIR="$tmp"
DB=$tmp/r.db
sql() { sqlite3 -cmd '.timeout 5000' "$DB" "$@"; }

mkdir -p "$tmp/smtp"
"$PY" "$TOOLS/smtp_sink.py" --dir "$tmp/smtp" --port-file "$tmp/smtp.port" >"$tmp/smtp.log" 2>&1 &
pids="$pids $!"
wait_for "$WAIT" test -s "$tmp/smtp.port" || { echo "Bail out! smtp_sink.py did not start"; cat "$tmp/smtp.log"; exit 1; }
SMTP_PORT=$(cat "$tmp/smtp.port")

mkdir -p "$tmp/defs"
cat >"$tmp/defs/all.yaml" <<YAML
kind: settings
tenant: default
timezone: Asia/Tokyo
alerts:
  email: [ops@example.com]
  smtp: {url: "smtp://127.0.0.1:$SMTP_PORT", from: batchd@example.com}
report: {enabled: true, time: "08:00", email: [boss@example.com, ops@example.com]}
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
type: scheduled
executor: {exec: {command: [/bin/true]}}
trigger: {cron: "0 1,2,3 * * *"}
estimated_minutes: 1
---
kind: job
name: partial
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
"$B" apply --db "$DB" "$tmp/defs" >"$tmp/apply.out" 2>&1 && "$BIN/tests/report/seed" "$DB" 2>>"$tmp/apply.out" &&
    pass "definitions applied, the day seeded" || { fail "definitions applied, the day seeded" "$tmp/apply.out"; exit 1; }

start_daemon() {
    "$D" --db "${2:-$DB}" --state-dir "$tmp/state${2:+-pg}" --clock-start "$1" --clock-rate 60 \
        --listen off 2>>"$tmp/daemon.log" &
    daemon_pid=$!
}
stop_daemon() {
    kill "$daemon_pid" 2>/dev/null
    wait "$daemon_pid" 2>/dev/null
    daemon_pid=""
}
mails() { ls "$tmp/smtp" | grep -c '\.json$'; }
# clock_past ISO [DSN]: the running batchd's published (virtual) clock, read from the
# repository's clock row (SQLite, or PostgreSQL with DSN), has passed ISO.
clock_past() {
    if [ -n "${2:-}" ]; then
        row=$(psql "$2" -Atc "SELECT real_at_us, clock_at_us, rate FROM clock" 2>/dev/null)
    else
        row=$(sql "SELECT real_at_us, clock_at_us, rate FROM clock")
    fi
    [ -n "$row" ] || return 1
    "$PY" - "$row" "$1" <<'PY'
import sys, time, datetime
real, clock, rate = sys.argv[1].split("|")
now = int(clock) + (time.time() * 1e6 - int(real)) * float(rate)
want = datetime.datetime.fromisoformat(sys.argv[2].replace("Z", "+00:00")).timestamp() * 1e6
sys.exit(0 if now >= want else 1)
PY
}

# clock_plus SECONDS: the running batchd's (SQLite) clock SECONDS from now, as ISO.
clock_plus() {
    "$PY" - "$(sql "SELECT real_at_us, clock_at_us, rate FROM clock")" "$1" <<'PY'
import sys, time, datetime
real, clock, rate = sys.argv[1].split("|")
now = int(clock) / 1e6 + (time.time() - int(real) / 1e6) * float(rate)
at = datetime.datetime.fromtimestamp(now + int(sys.argv[2]), datetime.timezone.utc)
print(at.strftime("%Y-%m-%dT%H:%M:%SZ"))
PY
}

# ---- 1. 07:50 on 2026-12-03 in Tokyo (22:50Z), passing 08:00 -------------------------------
start_daemon 2026-12-02T22:50:00Z
wait_for "$WAIT" test -e "$tmp/smtp/0001.json" && pass "the report arrives after 08:00 tenant time" ||
    fail "the report arrives after 08:00 tenant time" "$tmp/daemon.log"
wait_for "$WAIT" clock_past 2026-12-02T23:05:00Z
[ "$(mails)" -eq 1 ] && pass "exactly one e-mail" || fail "exactly one e-mail"
sql "SELECT kind, severity, message, job IS NULL, instance_id IS NULL, created_at >= strftime('%s','2026-12-02T23:00:00') FROM alerts WHERE kind = 'daily_report'" >"$tmp/rows"
[ "$(cat "$tmp/rows")" = "daily_report|info|daily inspection report for 2026-12-02|1|1|1" ] &&
    pass "one daily_report row (info, the date, recorded at or after 08:00 Tokyo)" ||
    fail "one daily_report row (info, the date, recorded at or after 08:00 Tokyo)" "$tmp/rows"
sql "SELECT d.channel, d.target, d.state, d.attempts, d.message_id FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id WHERE a.kind = 'daily_report'" >"$tmp/dv"
MID1=$(cut -d'|' -f5 "$tmp/dv")
[ "$(cut -d'|' -f1-4 "$tmp/dv")" = "email|boss@example.com,ops@example.com|sent|1" ] &&
    pass "its delivery: e-mail to report.email, sent on the first attempt" ||
    fail "its delivery: e-mail to report.email, sent on the first attempt" "$tmp/dv"

# check_mail NAME FILE DATE MESSAGE-ID: the e-mail FILE is the report of DATE (HTML part,
# .xlsx read back); for 2026-12-02 the seeded figures are checked.
check_mail() {
    if "$PY" - "$2" "$3" "$4" "$tmp" >"$tmp/py.out" 2>&1 <<'PY'
import sys, json, email, io, openpyxl
from email import policy
path, date, mid, tmp = sys.argv[1:5]
def eq(what, got, want):
    if got != want:
        raise SystemExit(f"{what}: got {got!r}, want {want!r}")
m = email.message_from_bytes(open(path, "rb").read(), policy=policy.default)
meta = json.load(open(path[:-4] + ".json"))
eq("recipients", sorted(meta["rcpt_tos"]), ["boss@example.com", "ops@example.com"])
eq("Message-ID", m["Message-ID"], mid)
subj = str(m["Subject"])
if not subj.startswith(f"[batchd] daily inspection default {date}: "):
    raise SystemExit(f"subject: {subj!r}")
html = m.get_body(preferencelist=("html",))
if html is None:
    raise SystemExit("no HTML part")
body = html.get_content()
atts = [p for p in m.iter_attachments()]
eq("attachments", [(a.get_filename(), a.get_content_type()) for a in atts],
   [(f"batchd-report-default-{date}.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")])
wb = openpyxl.load_workbook(io.BytesIO(atts[0].get_content()))
ws = wb.worksheets[0]
eq("sheet", ws.title, date)
summary = {r[0].value: r[1].value for r in wb["Summary"].iter_rows()}
eq("summary tenant/date/zone", (summary["tenant"], summary["date"], summary["timezone"]),
   ("default", date, "Asia/Tokyo"))
if date == "2026-12-02":
    eq("subject", subj, "[batchd] daily inspection default 2026-12-02: error "
       "(Frequency Issues; Execution Failures; Partial Data Failures)")
    for job in ("hourly3", "partial", "daily", "adhoc"):
        if job not in body:
            raise SystemExit(f"{job} not in the HTML summary")
    eq("summary severity", summary["severity"], "error")
    rows = {r[0].value: [c.value for c in r] for r in ws.iter_rows(min_row=2)}
    eq("jobs", sorted(rows), ["adhoc", "daily", "hourly3", "partial"])
    # hourly3: 01:00 ok, 02:00 failed, 03:00 missing; 120 s and 60 s: 1.5 min
    eq("hourly3", rows["hourly3"][4:12], ["expected 3, found 2: missing 03:00", 3, 1, 1.5, 2, 1, 1, 0])
    eq("hourly3 severity", rows["hourly3"][17], "error")
    # daily: one run of 600 s = 10.0 min, read 100 write 90 commit 10, rollback 1
    eq("daily", rows["daily"][7:17], [10, 1, 1, 0, 0, 100, 90, 10, 0, 1])
    # partial: 3 write skips, a warning
    eq("partial", (rows["partial"][11], rows["partial"][15], rows["partial"][17]), (1, 3, "warning"))
PY
    then pass "$1"; else fail "$1" "$tmp/py.out"; fi
}
check_mail "the e-mail: subject, HTML summary, the .xlsx with the seeded day's figures" \
    "$tmp/smtp/0001.eml" 2026-12-02 "$MID1"

ID1=$(sql "SELECT id FROM alerts WHERE kind = 'daily_report'")
"$B" alerts list --db "$DB" >"$tmp/list.out" 2>&1
grep -q "daily_report" "$tmp/list.out" && grep "daily_report" "$tmp/list.out" | grep -q "info" &&
    pass "batchctl alerts list shows the daily_report row" || fail "batchctl alerts list shows the daily_report row" "$tmp/list.out"
"$B" alerts explain "$ID1" --db "$DB" >"$tmp/explain.out" 2>&1
grep -q "the daily inspection report of 2026-12-02" "$tmp/explain.out" &&
    grep -q "e-mail to boss@example.com,ops@example.com: sent at" "$tmp/explain.out" &&
    pass "batchctl alerts explain says what it is and that it was sent" ||
    fail "batchctl alerts explain says what it is and that it was sent" "$tmp/explain.out"

# ---- 2. restarted at 07:58 the same day: 08:00 passes again ----------------------------------
stop_daemon
start_daemon 2026-12-02T22:58:00Z
wait_for "$WAIT" clock_past 2026-12-02T23:10:00Z && pass "restarted batchd passed 08:00 again" ||
    fail "restarted batchd passed 08:00 again" "$tmp/daemon.log"
sleep 2
[ "$(mails)" -eq 1 ] && [ "$(sql "SELECT count(*) FROM alerts WHERE kind = 'daily_report'")" -eq 1 ] &&
    pass "after the restart: still one e-mail and one row" || fail "after the restart: still one e-mail and one row"
stop_daemon

# ---- 3. 2026-12-04: the server fails at 08:00, then recovers --------------------------------
echo "451 4.3.0 mailbox busy, try later" >"$tmp/smtp/fail-data"
start_daemon 2026-12-03T22:58:00Z
failed_once() {
    [ "$(sql "SELECT d.state || ' ' || (d.attempts >= 1) || ' ' || (d.last_answer LIKE '%451%') FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id WHERE a.kind = 'daily_report' AND a.message LIKE '%2026-12-03'")" = "pending 1 1" ]
}
wait_for "$WAIT" failed_once && pass "the server answers 451: the delivery stays pending with its answer" ||
    fail "the server answers 451: the delivery stays pending with its answer" "$tmp/daemon.log"
[ "$(mails)" -eq 1 ] && pass "nothing arrived while the server refused" || fail "nothing arrived while the server refused"
rm -f "$tmp/smtp/fail-data"
wait_for "$WAIT" test -e "$tmp/smtp/0002.json" && pass "the server recovered: the report arrives" ||
    fail "the server recovered: the report arrives" "$tmp/daemon.log"
# A second e-mail would be a further attempt of the sent delivery: after attempt n it
# comes 30 * 2^(n-1) s later (docs/alerts.md); 10 minutes cover five attempts.
wait_for "$WAIT" clock_past "$(clock_plus 600)"
sql "SELECT d.state, d.attempts >= 2, d.message_id FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id WHERE a.kind = 'daily_report' AND a.message LIKE '%2026-12-03'" >"$tmp/dv3"
MID3=$(cut -d'|' -f3 "$tmp/dv3")
[ "$(mails)" -eq 2 ] && [ "$(cut -d'|' -f1-2 "$tmp/dv3")" = "sent|1" ] &&
    pass "delivered exactly once, after a failed attempt" || fail "delivered exactly once, after a failed attempt" "$tmp/dv3"
check_mail "the retried e-mail is 2026-12-03's report with its delivery's Message-ID" \
    "$tmp/smtp/0002.eml" 2026-12-03 "$MID3"
stop_daemon

# ---- 4. down until 09:30 on 2026-12-07: only the latest day ----------------------------------
start_daemon 2026-12-07T00:30:00Z
wait_for "$WAIT" test -e "$tmp/smtp/0003.json" && pass "catch-up: started at 09:30, the report is sent" ||
    fail "catch-up: started at 09:30, the report is sent" "$tmp/daemon.log"
wait_for "$WAIT" clock_past 2026-12-07T00:45:00Z
sql "SELECT group_concat(substr(message, -10), ' ') FROM (SELECT message FROM alerts WHERE kind = 'daily_report' ORDER BY id)" >"$tmp/days"
[ "$(mails)" -eq 3 ] && [ "$(cat "$tmp/days")" = "2026-12-02 2026-12-03 2026-12-06" ] &&
    pass "after days down only the latest day (2026-12-06) is sent" ||
    fail "after days down only the latest day (2026-12-06) is sent" "$tmp/days"
grep -q "Subject: \[batchd\] daily inspection default 2026-12-06" "$tmp/smtp/0003.eml" &&
    pass "... and it is 2026-12-06's report" || fail "... and it is 2026-12-06's report" "$tmp/smtp/0003.eml"
stop_daemon

# ---- 5. the same on PostgreSQL: once across a restart ------------------------------------------
pgroot=$(mktemp -d /tmp/batchd-pg-XXXXXX)
if DSN=$("$pgs" start "$pgroot/pg" 2>"$tmp/pg.err") && [ -n "$DSN" ]; then
    "$B" apply --db "$DSN" "$tmp/defs" >"$tmp/pgapply.out" 2>&1 && "$BIN/tests/report/seed" "$DSN" 2>>"$tmp/pgapply.out" &&
        pass "PostgreSQL: definitions applied, the day seeded" || fail "PostgreSQL: definitions applied, the day seeded" "$tmp/pgapply.out"
    start_daemon 2026-12-02T22:55:00Z "$DSN"
    wait_for "$WAIT" test -e "$tmp/smtp/0004.json" && pass "PostgreSQL: the report arrives after 08:00" ||
        fail "PostgreSQL: the report arrives after 08:00" "$tmp/daemon.log"
    stop_daemon
    start_daemon 2026-12-02T22:58:00Z "$DSN"
    wait_for "$WAIT" clock_past 2026-12-02T23:10:00Z "$DSN" && pass "PostgreSQL: restarted batchd passed 08:00 again" ||
        fail "PostgreSQL: restarted batchd passed 08:00 again" "$tmp/daemon.log"
    sleep 2
    stop_daemon
    psql "$DSN" -Atc "SELECT a.severity, a.message, d.state, d.attempts, d.message_id FROM alerts a JOIN alert_deliveries d ON d.alert_id = a.id WHERE a.kind = 'daily_report'" >"$tmp/pgrows" 2>&1
    [ "$(mails)" -eq 4 ] && [ "$(cut -d'|' -f1-4 "$tmp/pgrows")" = "info|daily inspection report for 2026-12-02|sent|1" ] &&
        pass "PostgreSQL: one row, one e-mail across a restart passing 08:00 again" ||
        fail "PostgreSQL: one row, one e-mail across a restart passing 08:00 again" "$tmp/pgrows"
    check_mail "PostgreSQL: the e-mail and its .xlsx, the same figures" "$tmp/smtp/0004.eml" 2026-12-02 \
        "$(cut -d'|' -f5 "$tmp/pgrows")"
else
    fail "start a PostgreSQL server (needs the Debian package postgresql: make test-deps)" "$tmp/pg.err"
fi

echo "report-mail: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
