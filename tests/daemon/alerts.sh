#!/bin/sh
# Alerts end to end (docs/alerts.md): batchd on a real SQLite file under a virtual clock
# (60 simulated seconds per real second), failing jobs, a real SMTP server
# (tests/tools/smtp_sink.py, aiosmtpd, with AUTH) and a webhook receiver
# (tests/tools/webhook_sink.py) on 127.0.0.1. What arrived is parsed with Python's email
# and json packages and the webhook signature verified with hmac.
#
# Expected, from docs/alerts.md:
# - job bad fails at 01:00, 01:05 and 01:12: the first alert is sent (one e-mail, one
#   signed webhook), the second (5 minutes later, same job and kind) is recorded with
#   its deliveries suppressed by the first, the third (12 minutes after the first) is
#   sent and says "(1 suppressed since alert A1)", its webhook suppressed_count 1;
#   the first names job kid, whose instance waits on it, and grandkid, which waits on
#   kid (one alert for the chain);
# - job imp (the SDK example customer_import, estimate 1 minute) runs 2.5 minutes at 01:07
#   and skips one of two records: a partial_failure and a long_run alert (warnings);
# - job flip fails at 01:02 and succeeds at 01:04: a failure alert, then "recovered"
#   (severity info);
# - tenant quiet's job fails at 01:01 inside its alert pause: recorded, deliveries
#   paused, nothing received;
# - the SMTP server answering 451 to DATA: deliveries stay pending with the server's
#   answer and attempts counted; batchd stopped and started again while they are
#   pending, the server recovered: each arrives exactly once (Message-IDs counted);
# - tenant esc escalates after 60 minutes: e1's unacknowledged critical alert goes to the
#   second list once (after the restart), e2's, acknowledged, does not;
# - explain says why for a suppressed, a paused, a failing, an escalated and a sent alert; ack by CLI and API,
#   a second ack refused; the SMTP password never in the logs, outputs or repository;
# - on PostgreSQL (a throwaway server, scripts/pg-test-server.sh): a failure is sent once
#   with the Message-ID its delivery records, the next within 10 minutes suppressed.
# Closes with "alerts: N passed, M failed".
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
daemon_b_pid=""
pgs="$(cd "$(dirname "$0")/../.." && pwd)/scripts/pg-test-server.sh"
pgroot=""
cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
    [ -n "$daemon_b_pid" ] && kill "$daemon_b_pid" 2>/dev/null
    for p in $pids; do kill "$p" 2>/dev/null; done
    if [ -n "$pgroot" ]; then "$pgs" stop "$pgroot/pg" 2>/dev/null; rm -rf "$pgroot"; fi
    [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
. "$(dirname "$0")/../lib.sh"

DB="$tmp/r.db"
PASSWORD='smtp-Pw-71c3e9!a'
SECRET='whsec-alerts-5d2a90'
printf '%s\n' "$PASSWORD" >"$tmp/smtp.pw"
printf '%s\n' "$SECRET" >"$tmp/hook.key"
chmod 600 "$tmp/smtp.pw" "$tmp/hook.key"

# start_sink NAME TOOL ARGS...: starts a sink writing to $tmp/NAME, its port in
# $tmp/NAME.port. Not to be called in $(...): its pid must reach $pids, which cleanup
# kills (called so, the sinks outlived every run of this test).
start_sink() {
    name=$1 tool=$2
    shift 2
    mkdir -p "$tmp/$name"
    "$PY" "$TOOLS/$tool" --dir "$tmp/$name" --port-file "$tmp/$name.port" "$@" \
        >"$tmp/$name.log" 2>&1 &
    pids="$pids $!"
    wait_for "$WAIT" test -s "$tmp/$name.port" || { echo "Bail out! $tool did not start"; cat "$tmp/$name.log"; exit 1; }
}
start_sink smtp smtp_sink.py --user alerts --password-file "$tmp/smtp.pw"
start_sink hook webhook_sink.py
SMTP_PORT=$(cat "$tmp/smtp.port")
HOOK_PORT=$(cat "$tmp/hook.port")

sql() { sqlite3 -cmd '.timeout 5000' "$DB" "$@"; }

# pycheck NAME <<'EOF' python EOF: the program (with $tmp as argv[1]) exits 0 for a pass.
pycheck() {
    name=$1
    "$PY" - "$tmp" "$SECRET" >"$tmp/py.out" 2>&1
    if [ $? -eq 0 ]; then pass "$name"; else fail "$name" "$tmp/py.out"; fi
}

start_daemon() {
    "$D" --db "$DB" --clock-start "$1" --clock-rate 60 --listen 127.0.0.1:0 \
        2>>"$tmp/daemon.log" &
    daemon_pid=$!
}
stop_daemon() {
    kill "$daemon_pid" 2>/dev/null
    wait "$daemon_pid" 2>/dev/null
    daemon_pid=""
}

printf 'id,name,email,age\n1,Ann,ann@example.com,30\n2,Bob,no-email,40\n' >"$tmp/customers.csv"
mkdir -p "$tmp/defs"
cat >"$tmp/defs/all.yaml" <<EOF
kind: settings
tenant: default
alerts:
  email: [ops@example.com, oncall@example.com]
  webhook: ["http://127.0.0.1:$HOOK_PORT/hook?token=t0k3n"]
  webhook_secret_file: $tmp/hook.key
  smtp: {url: "smtp://127.0.0.1:$SMTP_PORT", user: alerts, password_file: $tmp/smtp.pw,
         from: batchd@example.com}
---
kind: settings
tenant: quiet
alerts:
  email: [quiet@example.com]
  smtp: {url: "smtp://127.0.0.1:$SMTP_PORT", user: alerts, password_file: $tmp/smtp.pw,
         from: batchd@example.com}
  pause: [{from: "2026-03-02T00:00:00Z", to: "2026-03-03T00:00:00Z"}]
---
kind: settings
tenant: esc
alerts:
  email: [esc-ops@example.com]
  smtp: {url: "smtp://127.0.0.1:$SMTP_PORT", user: alerts, password_file: $tmp/smtp.pw,
         from: batchd@example.com}
  escalate: {after_minutes: 60, email: [boss@example.com]}
---
kind: job
tenant: esc
name: e1
trigger: {cron: "3 1 * * *", timezone: UTC}
executor: {exec: {command: [/bin/false]}}
---
kind: job
tenant: esc
name: e2
trigger: {cron: "3 1 * * *", timezone: UTC}
executor: {exec: {command: [/bin/false]}}
---
kind: job
name: bad
trigger: {cron: "0,5,12 1 * * *", timezone: UTC}
executor: {exec: {command: [/bin/sh, -c, 'echo failing; exit 3']}}
---
kind: job
name: kid
trigger: {cron: "0 1 * * *", timezone: UTC}
depends_on: [{job: bad, mode: success}]
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: grandkid
trigger: {cron: "0 1 * * *", timezone: UTC}
depends_on: [{job: kid, mode: success}]
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: imp
trigger: {cron: "7 1 * * *", timezone: UTC}
estimated_minutes: 1
parameters: {input: $tmp/customers.csv}
alerts: {on: [failure, partial_failure, long_run]}
executor: {exec: {command: [/bin/sh, -c, 'sleep 2.5; exec $BIN/sdk/examples/customer_import']}}
---
kind: job
name: flip
trigger: {cron: "2,4 1 * * *", timezone: UTC}
executor: {exec: {command: [/bin/sh, -c, 'if [ -e $tmp/flip-ok ]; then exit 0; fi; touch $tmp/flip-ok; exit 1']}}
---
kind: job
tenant: quiet
name: q
trigger: {cron: "1 1 * * *", timezone: UTC}
executor: {exec: {command: [/bin/false]}}
---
kind: job
name: later
trigger: {cron: "0 5 * * *", timezone: UTC}
executor: {exec: {command: [/bin/sh, -c, 'exit 4']}}
---
kind: job
name: later2
trigger: {cron: "1 5 * * *", timezone: UTC}
executor: {exec: {command: [/bin/sh, -c, 'exit 5']}}
EOF
"$B" apply "$tmp/defs" --db "$DB" >"$tmp/apply.out" 2>&1 ||
    { echo "Bail out! apply failed"; cat "$tmp/apply.out"; exit 1; }

# ---- phase 1: failures, suppression, recovery, pause --------------------------------------
start_daemon 2026-03-02T00:59:50Z
alerts_of() { sql "SELECT count(*) FROM alerts WHERE job = '$1' AND kind = '$2'"; }
phase1_done() {
    [ "$(alerts_of bad failed)" -ge 3 ] && [ "$(alerts_of flip recovered)" -ge 1 ] &&
        [ "$(alerts_of q failed)" -ge 1 ] && [ "$(alerts_of e1 failed)" -ge 1 ] &&
        [ "$(alerts_of e2 failed)" -ge 1 ] && [ "$(alerts_of imp partial_failure)" -ge 1 ] &&
        [ "$(alerts_of imp long_run)" -ge 1 ] &&
        [ "$(sql "SELECT count(*) FROM alert_deliveries WHERE state = 'pending'")" -eq 0 ]
}
wait_for "$WAIT" phase1_done && pass "phase 1: the alerts were raised and delivered" ||
    fail "phase 1: the alerts were raised and delivered" "$tmp/daemon.log"
stop_daemon

sql "SELECT id, job, kind, severity, coalesce(suppressed_by, 0), message FROM alerts ORDER BY id" >"$tmp/alerts.txt"
sql "SELECT d.id, d.alert_id, d.channel, d.state, d.attempts, d.message_id FROM alert_deliveries d ORDER BY d.id" >"$tmp/deliveries.txt"
A1=$(sql "SELECT min(id) FROM alerts WHERE job = 'bad'")
A2=$(sql "SELECT id FROM alerts WHERE job = 'bad' ORDER BY id LIMIT 1 OFFSET 1")
A3=$(sql "SELECT max(id) FROM alerts WHERE job = 'bad'")
AQ=$(sql "SELECT id FROM alerts WHERE job = 'q'")
export A1 A2 A3 AQ

[ "$(sql "SELECT coalesce(suppressed_by, 0) FROM alerts WHERE id = $A2")" = "$A1" ] &&
    [ "$(sql "SELECT group_concat(state) FROM alert_deliveries WHERE alert_id = $A2")" = "suppressed,suppressed" ] &&
    [ "$(sql "SELECT coalesce(suppressed_by, 0) FROM alerts WHERE id = $A3")" = "0" ] &&
    pass "a second failure within 10 minutes is recorded, suppressed by the first" ||
    fail "a second failure within 10 minutes is recorded, suppressed by the first" "$tmp/alerts.txt"
sql "SELECT message FROM alerts WHERE id = $A3" | grep -qF "(1 suppressed since alert $A1)" &&
    pass "the next alert after 10 minutes carries the count" ||
    fail "the next alert after 10 minutes carries the count" "$tmp/alerts.txt"
[ "$(sql "SELECT group_concat(state) FROM alert_deliveries WHERE alert_id = $AQ")" = "paused" ] &&
    pass "an alert inside the tenant's alert pause: recorded, delivery paused" ||
    fail "an alert inside the tenant's alert pause: recorded, delivery paused" "$tmp/deliveries.txt"

pycheck "e-mails: one per sent alert, with subject, Message-ID, recipients and body" <<'EOF'
import email, glob, json, os, subprocess, sys
from email import policy
tmp = sys.argv[1]
def sql(q):
    return subprocess.run(["sqlite3", "-cmd", ".timeout 5000", tmp + "/r.db", q],
                          capture_output=True, text=True, check=True).stdout.split("\n")[:-1]
mails = []
for p in sorted(glob.glob(tmp + "/smtp/*.eml")):
    m = email.message_from_bytes(open(p, "rb").read(), policy=policy.default)
    meta = json.load(open(p[:-4] + ".json"))
    if " default/" in str(m["Subject"]):  # tenant esc's are checked later
        mails.append((m, meta))
subjects = [str(m["Subject"]) for m, _ in mails]
want = {"[batchd] critical default/bad: failed": 2,
        "[batchd] critical default/flip: failed": 1,
        "[batchd] info default/flip: recovered": 1,
        "[batchd] warning default/imp: partial_failure": 1,
        "[batchd] warning default/imp: long_run": 1}
got = {s: subjects.count(s) for s in set(subjects)}
if got != want:
    sys.exit("subjects %r, expected %r" % (got, want))
ids = {m["Message-ID"] for m, _ in mails}
sent = set(sql("SELECT d.message_id FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id "
               "WHERE a.tenant = 'default' AND d.channel = 'email' AND d.state = 'sent'"))
if ids != sent or len(ids) != len(mails):
    sys.exit("Message-IDs %r, the repository's sent ones %r" % (ids, sent))
for m, meta in mails:
    if sorted(meta["rcpt_tos"]) != ["oncall@example.com", "ops@example.com"]:
        sys.exit("recipients %r" % meta["rcpt_tos"])
    if meta["auth_user"] != "alerts":
        sys.exit("not authenticated: %r" % meta)
    if m["From"] != "batchd@example.com":
        sys.exit("From %r" % m["From"])
a1, a3 = os.environ["A1"], os.environ["A3"]
bodies = {}
for m, _ in mails:
    body = m.get_body(("plain",)).get_content()
    for line in body.splitlines():
        if line.startswith("Alert:"):
            bodies[line.split()[1]] = body
for a in (a1, a3):
    if a not in bodies:
        sys.exit("no e-mail for alert %s: %r" % (a, list(bodies)))
b3 = bodies[a3]
if "(1 suppressed since alert %s)" % a1 not in b3 or "Suppressed: 1 since alert %s" % a1 not in b3:
    sys.exit("alert %s lacks the count:\n%s" % (a3, b3))
if "State:     6 Failed" not in bodies[a1] or "Instance:" not in bodies[a1] \
        or "exit status 3; waiting on it: kid, grandkid" not in bodies[a1]:
    sys.exit("alert %s body:\n%s" % (a1, bodies[a1]))
EOF

pycheck "webhooks: one per sent alert, signed with the secret, JSON with the count" <<'EOF'
import glob, hashlib, hmac, json, os, sys
tmp, secret = sys.argv[1], sys.argv[2].encode()
posts = []
for p in sorted(glob.glob(tmp + "/hook/*.json")):
    meta = json.load(open(p))
    body = open(p[:-5] + ".body", "rb").read()
    h = {k.lower(): v for k, v in meta["headers"]}
    mac = hmac.new(secret, h["x-batchd-timestamp"].encode() + b"." + body, hashlib.sha256).hexdigest()
    if h.get("x-batchd-signature") != "sha256=" + mac:
        sys.exit("bad signature on %s" % p)
    if meta["path"] != "/hook?token=t0k3n":
        sys.exit("path %r" % meta["path"])
    posts.append((h, json.loads(body)))
kinds = sorted((b["job"], b["kind"]) for _, b in posts)
if kinds != [("bad", "failed"), ("bad", "failed"), ("flip", "failed"), ("flip", "recovered"),
             ("imp", "long_run"), ("imp", "partial_failure")]:
    sys.exit("webhooks %r" % kinds)
by_id = {str(b["alert_id"]): b for _, b in posts}
a1, a3 = os.environ["A1"], os.environ["A3"]
b3 = by_id.get(a3)
if not b3 or b3["suppressed_count"] != 1 or str(b3["suppressed_since"]) != a1:
    sys.exit("alert %s: %r" % (a3, b3))
if by_id[a1]["severity"] != "critical" or by_id[a1]["state_name"] != "Failed":
    sys.exit("alert %s: %r" % (a1, by_id[a1]))
if len({h["x-batchd-delivery"] for h, _ in posts}) != len(posts):
    sys.exit("a delivery id was used twice")
EOF
ls "$tmp"/smtp/*.eml >/dev/null 2>&1
grep -l 'quiet@example.com' "$tmp"/smtp/*.json >/dev/null 2>&1 &&
    fail "the paused alert was not sent" || pass "the paused alert was not sent"

[ "$(sql "SELECT count(*) FROM alert_deliveries WHERE escalation = 1")" -eq 0 ] &&
    pass "no escalation before its time" || fail "no escalation before its time" "$tmp/deliveries.txt"
AE1=$(sql "SELECT id FROM alerts WHERE job = 'e1'")
AE2=$(sql "SELECT id FROM alerts WHERE job = 'e2'")
"$B" alerts ack "$AE2" --db "$DB" --tenant esc --actor carol >"$tmp/ack-e2.out" 2>&1 ||
    fail "ack of e2's alert" "$tmp/ack-e2.out"

# ---- phase 2: the SMTP server fails, batchd restarts, the server recovers -----------------
# (and e1's critical alert, unacknowledged for more than 60 minutes, is escalated)
echo "451 4.3.0 mailbox busy, try later" >"$tmp/smtp/fail-data"
n_before=$(ls "$tmp"/smtp/*.eml | wc -l)
start_daemon 2026-03-02T04:59:50Z
failing_twice() {
    [ "$(sql "SELECT count(*) FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id WHERE a.job IN ('later', 'later2') AND d.channel = 'email' AND d.state = 'pending' AND d.attempts >= 2")" -eq 2 ]
}
wait_for "$WAIT" failing_twice && pass "SMTP failing: deliveries stay pending, attempts counted" ||
    fail "SMTP failing: deliveries stay pending, attempts counted" "$tmp/daemon.log"
sql "SELECT last_answer FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id WHERE a.job IN ('later', 'later2') AND d.channel = 'email'" >"$tmp/answers.txt"
grep -q '451 4.3.0 mailbox busy' "$tmp/answers.txt" &&
    pass "the server's answer is recorded" || fail "the server's answer is recorded" "$tmp/answers.txt"
AL=$(sql "SELECT id FROM alerts WHERE job = 'later'")
"$B" alerts explain "$AL" --db "$DB" >"$tmp/explain-pending.out" 2>&1
grep -q "^e-mail to ops@example.com,oncall@example.com: pending: [0-9]* attempt(s) failed, the last at .*the server said: .*451 4.3.0 mailbox busy.*; next attempt at 2026-03-02T" "$tmp/explain-pending.out" &&
    pass "explain: a failing delivery, with the server's answer and the next attempt" ||
    fail "explain: a failing delivery, with the server's answer and the next attempt" "$tmp/explain-pending.out"
stop_daemon
[ "$(ls "$tmp"/smtp/*.eml | wc -l)" -eq "$n_before" ] &&
    pass "nothing arrived while the server failed" || fail "nothing arrived while the server failed"
rm -f "$tmp/smtp/fail-data"
# Later than every pending retry (at most 30 minutes after its last attempt).
start_daemon 2026-03-02T08:00:00Z
all_sent() {
    [ "$(sql "SELECT count(*) FROM alert_deliveries WHERE state = 'pending'")" -eq 0 ] &&
        [ "$(sql "SELECT count(*) FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id WHERE a.job IN ('later', 'later2') AND d.state = 'sent'")" -eq 4 ]
}
wait_for "$WAIT" all_sent && pass "after a restart and the server's recovery the pending deliveries are sent" ||
    fail "after a restart and the server's recovery the pending deliveries are sent" "$tmp/daemon.log"
pycheck "every e-mail alert arrived exactly once (Message-IDs counted)" <<'EOF'
import collections, email, glob, subprocess, sys
tmp = sys.argv[1]
ids = collections.Counter()
for p in glob.glob(tmp + "/smtp/*.eml"):
    ids[email.message_from_bytes(open(p, "rb").read())["Message-ID"]] += 1
sent = subprocess.run(["sqlite3", "-cmd", ".timeout 5000", tmp + "/r.db",
                       "SELECT message_id FROM alert_deliveries WHERE channel = 'email' AND state = 'sent'"],
                      capture_output=True, text=True, check=True).stdout.split()
twice = [i for i, n in ids.items() if n != 1]
# default: bad x2, flip x2, imp x2, later, later2; esc: e1, e2, and e1's escalation
if twice or set(ids) != set(sent) or len(sent) != 11:
    sys.exit("received %r, sent %r" % (dict(ids), sent))
EOF
pycheck "escalation: e1's unacknowledged critical alert went to the second list once; e2's (acknowledged) not" <<'EOF'
import email, glob, json, sys
tmp = sys.argv[1]
esc = []
for p in sorted(glob.glob(tmp + "/smtp/*.eml")):
    m = email.message_from_bytes(open(p, "rb").read())
    if m["Subject"].startswith("[batchd] ESCALATED"):
        esc.append((m["Subject"], json.load(open(p[:-4] + ".json"))["rcpt_tos"]))
if len(esc) != 1 or esc[0][0] != "[batchd] ESCALATED critical esc/e1: failed" or esc[0][1] != ["boss@example.com"]:
    sys.exit("escalations: %r" % esc)
EOF
"$B" alerts explain "$AE1" --db "$DB" --tenant esc >"$tmp/explain-esc.out" 2>&1
grep -q "^escalation e-mail to boss@example.com: sent at 2026-03-02T" "$tmp/explain-esc.out" &&
    grep -q "^e-mail to esc-ops@example.com: sent at 2026-03-02T01:0" "$tmp/explain-esc.out" &&
    pass "explain: the escalation" || fail "explain: the escalation" "$tmp/explain-esc.out"

# ---- explain, list and ack: batchctl on the repository, and the API -----------------------
"$B" alerts explain "$A2" --db "$DB" >"$tmp/explain-suppressed.out" 2>&1
grep -q "^not sent: suppressed by alert $A1 (the same job and kind alerted less than 10 minutes before)" "$tmp/explain-suppressed.out" &&
    pass "explain: a suppressed alert names the alert that suppressed it" ||
    fail "explain: a suppressed alert names the alert that suppressed it" "$tmp/explain-suppressed.out"
"$B" alerts explain "$AQ" --db "$DB" --tenant quiet >"$tmp/explain-paused.out" 2>&1
grep -q "^e-mail to quiet@example.com: not sent: held back by the tenant's alert pause" "$tmp/explain-paused.out" &&
    pass "explain: a paused alert says so" || fail "explain: a paused alert says so" "$tmp/explain-paused.out"
"$B" alerts explain "$A1" --db "$DB" >"$tmp/explain-sent.out" 2>&1
grep -q "^e-mail to ops@example.com,oncall@example.com: sent at 2026-03-02T01:0.*(attempt 1); the server said: 250" "$tmp/explain-sent.out" &&
    grep -q "^webhook http://127.0.0.1:$HOOK_PORT/...: sent at 2026-03-02T01:0" "$tmp/explain-sent.out" &&
    ! grep -q t0k3n "$tmp/explain-sent.out" &&
    pass "explain: a sent alert says when, and hides the webhook's path" ||
    fail "explain: a sent alert says when, and hides the webhook's path" "$tmp/explain-sent.out"
"$B" alerts explain "$AQ" --db "$DB" >"$tmp/explain-other.out" 2>&1
[ $? -eq 1 ] && grep -q "no alert $AQ" "$tmp/explain-other.out" &&
    pass "another tenant's alert is not found" || fail "another tenant's alert is not found" "$tmp/explain-other.out"
"$B" alerts list --db "$DB" --job bad -o json >"$tmp/list.json" 2>&1
"$B" alerts list --db "$DB" --severity info >"$tmp/list-info.out" 2>&1
$PY -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if [a['id'] for a in d['items']] == [int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])] else 1)" \
    "$tmp/list.json" "$A3" "$A2" "$A1" && [ "$(grep -c recovered "$tmp/list-info.out")" -eq 1 ] &&
    pass "alerts list: filters by job and severity, newest first" ||
    fail "alerts list: filters by job and severity, newest first" "$tmp/list.json"
check_ack() { "$B" alerts ack "$A1" --db "$DB" --actor alice >"$tmp/ack.out" 2>&1; }
check_ack && grep -q "alert $A1 acknowledged by alice" "$tmp/ack.out" &&
    pass "alerts ack (batchctl)" || fail "alerts ack (batchctl)" "$tmp/ack.out"
check_ack
[ $? -eq 1 ] && grep -q "already been acknowledged" "$tmp/ack.out" &&
    pass "a second ack is refused" || fail "a second ack is refused" "$tmp/ack.out"
api_port() { port=$(sed -n 's/.*API listening on [^ ]* (port \([0-9]*\)).*/\1/p' "$tmp/daemon.log" | tail -n 1); [ -n "$port" ]; }
api_port
tok=$("$D" token create --name op --role operator --db "$DB" 2>/dev/null | head -n 1)
base="http://127.0.0.1:$port/api/v1"
api() { curl -s -o "$tmp/api.out" -w '%{http_code}' -H "Authorization: Bearer $tok" "$@"; }
code=$(api "$base/alerts?job=bad&limit=2")
[ "$code" = 200 ] && $PY -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if [a['id'] for a in d['items']] == [int(sys.argv[2]), int(sys.argv[3])] and d['next_cursor'] == sys.argv[3] else 1)" "$tmp/api.out" "$A3" "$A2" &&
    pass "GET /alerts: paginated, newest first" || fail "GET /alerts: paginated, newest first" "$tmp/api.out"
cp "$tmp/api.out" "$tmp/api-list.out"
code=$(api "$base/alerts/$A2?explain=true")
[ "$code" = 200 ] && grep -q "suppressed by alert $A1" "$tmp/api.out" && grep -q '"state": "suppressed"' "$tmp/api.out" &&
    pass "GET /alerts/{id}?explain=true" || fail "GET /alerts/{id}?explain=true" "$tmp/api.out"
cp "$tmp/api.out" "$tmp/api-get.out"
code=$(api -X POST "$base/alerts/$A3/ack")
[ "$code" = 200 ] && grep -q '"acknowledged": true' "$tmp/api.out" && grep -q '"acknowledged_by": "token:op"' "$tmp/api.out" &&
    pass "POST /alerts/{id}/ack" || fail "POST /alerts/{id}/ack ($code)" "$tmp/api.out"
code=$(api -X POST "$base/alerts/$A3/ack")
[ "$code" = 409 ] && pass "a second ack by the API: 409" || fail "a second ack by the API: 409 ($code)" "$tmp/api.out"
code=$(api "$base/alerts?job=bad&unacknowledged=true")
[ "$code" = 200 ] && $PY -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if [a['id'] for a in d['items']] == [int(sys.argv[2])] else 1)" "$tmp/api.out" "$A2" &&
    pass "GET /alerts?unacknowledged=true" || fail "GET /alerts?unacknowledged=true" "$tmp/api.out"
remote() { BATCHD_URL="http://127.0.0.1:$port" BATCHD_TOKEN="$tok" "$B" "$@"; }
remote alerts explain "$A2" >"$tmp/rexplain.out" 2>&1
cmp -s "$tmp/rexplain.out" "$tmp/explain-suppressed.out" &&
    pass "batchctl alerts explain with a server prints what it prints locally" ||
    fail "batchctl alerts explain with a server prints what it prints locally" "$tmp/rexplain.out"
remote alerts list --job bad -o json >"$tmp/rlist.json" 2>&1
$PY -c "import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(0 if [x['id'] for x in a['items']] == [x['id'] for x in b['items']] else 1)" "$tmp/rlist.json" "$tmp/list.json" &&
    pass "batchctl alerts list with a server" || fail "batchctl alerts list with a server" "$tmp/rlist.json"
remote alerts ack "$A2" >"$tmp/rack.out" 2>&1 && grep -q "alert $A2 acknowledged by token:op" "$tmp/rack.out" &&
    pass "batchctl alerts ack with a server" || fail "batchctl alerts ack with a server" "$tmp/rack.out"
[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'alert-ack'")" -eq 4 ] &&
    pass "acknowledgements are audited" || fail "acknowledgements are audited"
stop_daemon

# ---- the same on PostgreSQL: raised in the scheduler's transaction, sent by the worker ----
# Two batchd nodes share the database (docs/cluster.md): one plans, and both nodes' alert
# workers look for pending deliveries, so each is sent once only because it is claimed
# first (docs/alerts.md, "One sender per delivery").
pgroot=$(mktemp -d /tmp/batchd-pg-XXXXXX)
if DSN=$("$pgs" start "$pgroot/pg" 2>"$tmp/pg.err") && [ -n "$DSN" ]; then
    mkdir -p "$tmp/pgdefs"
    cat >"$tmp/pgdefs/all.yaml" <<EOF
kind: settings
tenant: default
alerts:
  email: [pg-ops@example.com]
  smtp: {url: "smtp://127.0.0.1:$SMTP_PORT", user: alerts, password_file: $tmp/smtp.pw,
         from: batchd@example.com}
---
kind: job
name: pgbad
trigger: {cron: "0,3 1 * * *", timezone: UTC}
executor: {exec: {command: [/bin/sh, -c, 'exit 7']}}
EOF
    "$B" apply "$tmp/pgdefs" --db "$DSN" >"$tmp/pgapply.out" 2>&1 || fail "apply to PostgreSQL" "$tmp/pgapply.out"
    "$D" --db "$DSN" --state-dir "$tmp/pgstate" --node-name pg-a \
        --clock-start 2026-03-02T00:59:50Z --clock-rate 60 --listen off 2>>"$tmp/daemon.log" &
    daemon_pid=$!
    "$D" --db "$DSN" --state-dir "$tmp/pgstate-b" --node-name pg-b \
        --clock-start 2026-03-02T00:59:50Z --clock-rate 60 --listen off 2>>"$tmp/daemon-b.log" &
    daemon_b_pid=$!
    pg_done() {
        "$B" alerts list --db "$DSN" --job pgbad -o json >"$tmp/pglist.json" 2>/dev/null &&
            $PY -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if len(d['items']) == 2 else 1)" "$tmp/pglist.json" &&
            [ "$(grep -l 'pg-ops@example.com' "$tmp"/smtp/*.json 2>/dev/null | wc -l)" -ge 1 ]
    }
    wait_for "$WAIT" pg_done && pass "PostgreSQL, two nodes: two failures, two alert rows, an e-mail" ||
        fail "PostgreSQL, two nodes: two failures, two alert rows, an e-mail" "$tmp/daemon.log"
    # Both workers had the time to send it: a second send would be in the sink by now.
    sleep 3
    kill -0 "$daemon_b_pid" 2>/dev/null && pass "PostgreSQL: the second node ran beside the first" ||
        fail "PostgreSQL: the second node ran beside the first" "$tmp/daemon-b.log"
    kill "$daemon_b_pid" 2>/dev/null
    wait "$daemon_b_pid" 2>/dev/null
    stop_daemon
    PG1=$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))['items'][1]['id'])" "$tmp/pglist.json")
    PG2=$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))['items'][0]['id'])" "$tmp/pglist.json")
    "$B" alerts get "$PG1" --db "$DSN" -o json >"$tmp/pgget.json" 2>&1
    "$B" alerts explain "$PG2" --db "$DSN" >"$tmp/pgexplain.out" 2>&1
    pycheck "PostgreSQL, two nodes: the first sent once with its recorded Message-ID, the second suppressed" <<'EOF'
import email, glob, json, sys
tmp = sys.argv[1]
a = json.load(open(tmp + "/pgget.json"))
mails = [email.message_from_bytes(open(p[:-5] + ".eml", "rb").read())
         for p in glob.glob(tmp + "/smtp/*.json") if "pg-ops@example.com" in open(p).read()]
ids = [m["Message-ID"] for m in mails]
d = a["deliveries"]
if len(d) != 1 or d[0]["state"] != "sent" or ids != [d[0]["message_id"]]:
    sys.exit("deliveries %r, received %r" % (d, ids))
if mails[0]["Subject"] != "[batchd] critical default/pgbad: failed":
    sys.exit("subject %r" % mails[0]["Subject"])
if "not sent: suppressed by alert %d" % a["id"] not in open(tmp + "/pgexplain.out").read():
    sys.exit(open(tmp + "/pgexplain.out").read())
EOF
else
    fail "start a PostgreSQL server (needs the Debian package postgresql: make test-deps)" "$tmp/pg.err"
fi

# ---- the password stays secret ---------------------------------------------------------------
if grep -qF "$PASSWORD" "$tmp/daemon.log" "$DB" "$DB-wal" "$tmp"/*.txt "$tmp"/*.out \
    "$tmp"/*.json 2>/dev/null; then
    fail "the SMTP password is in no log, output or repository file"
else
    pass "the SMTP password is in no log, output or repository file"
fi

echo "alerts: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
