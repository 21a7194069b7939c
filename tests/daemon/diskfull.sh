#!/bin/sh
# batchd when the repository's disk fills up (DESIGN §11, docs/daemon.md "When the
# repository refuses writes"): the SQLite file lives on a small tmpfs of its own, which
# the test fills with a file while batchd schedules a job due every simulated minute.
# While the disk is full: GET /healthz answers 503 with the reason, /metrics counts the
# failed transactions and says degraded, the log says so once (not once a turn), and no
# run is reported lost. Once space is freed: health is 200 again, scheduling goes on, and
# every due instance exists exactly once and ran exactly once.
# Needs root (mount); says so and passes nothing otherwise.
# Closes with "diskfull: N passed, M failed".
set -u
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
D="$BIN/batchd"
B="$BIN/batchctl"
. "$(dirname "$0")/../lib.sh"
passed=0
failed=0
tmp=$(mktemp -d)
fs="$tmp/fs"
daemon_pid=""
cleanup() {
    [ -n "$daemon_pid" ] && kill -9 "$daemon_pid" 2>/dev/null
    pkill -9 -f "$tmp/" 2>/dev/null
    umount "$fs" 2>/dev/null
    [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$fs"
if [ "$(id -u)" -ne 0 ] || ! mount -t tmpfs -o size=3m tmpfs "$fs" 2>"$tmp/mount.err"; then
    echo "# skipped: mounting a small tmpfs needs root ($(cat "$tmp/mount.err" 2>/dev/null))"
    echo "diskfull: 0 passed, 0 failed"
    exit 0
fi

db="$fs/r.db"
out="$tmp/out"
: >"$out"
mkdir -p "$tmp/defs"
cat >"$tmp/defs/job.yaml" <<EOF
kind: job
name: every-minute
trigger: {cron: "* * * * *"}
catchup: all
executor: {exec: {command: [/bin/sh, -c, 'echo "\$BATCH_DUE_TIME" >>$out']}}
EOF
"$B" apply "$tmp/defs" --db "$db" >"$tmp/apply" 2>&1 || { fail "apply" "$tmp/apply"; exit 1; }

# 30 simulated seconds per real second: a due time every 2 s. The state directory (logs,
# status files) is not on the full disk: this is about the repository.
tok=$("$D" token create --name diskfull --role viewer --db "$db" 2>"$tmp/tok.err" | head -n 1)
[ -n "$tok" ] || { fail "batchd token create" "$tmp/tok.err"; exit 1; }
"$D" --db "$db" --state-dir "$tmp/state" --listen 127.0.0.1:0 \
    --clock-start 2026-03-02T00:00:30Z --clock-rate 30 2>"$tmp/daemon.log" &
daemon_pid=$!
api_port() { port=$(sed -n 's/.*API listening on [^ ]* (port \([0-9]*\)).*/\1/p' "$tmp/daemon.log" | tail -n 1); [ -n "$port" ]; }
wait_for 60 api_port || { fail "batchd serves the API" "$tmp/daemon.log"; exit 1; }
base="http://127.0.0.1:$port"
health() { curl -s --max-time 10 -o "$tmp/health" -w '%{http_code}' "$base/healthz"; }
metric() { curl -s --max-time 10 -H "Authorization: Bearer $tok" "$base/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
successes() { "$B" instances list --db "$db" --status success --limit 10000 -o json 2>/dev/null | grep -c '"id": '; }
two_successes() { [ "$(successes)" -ge 2 ]; }

wait_for 60 two_successes && [ "$(health)" = 200 ] &&
    pass "before: runs succeed and /healthz is 200" ||
    fail "before: runs succeed and /healthz is 200" "$tmp/daemon.log"

# Fill the disk (dd stops at ENOSPC).
dd if=/dev/zero of="$fs/fill" bs=16k >/dev/null 2>&1
degraded() { [ "$(health)" = 503 ]; }
if wait_for 60 degraded; then
    pass "while the disk is full: /healthz is 503"
    grep -q 'refuses the scheduler' "$tmp/health" && grep -qi 'full' "$tmp/health" &&
        pass "the 503 says the repository refuses writes, and why" ||
        fail "the 503 says the repository refuses writes, and why" "$tmp/health"
else
    fail "while the disk is full: /healthz is 503" "$tmp/health"
fi
sleep 6 # several failed attempts (1 s, 2 s, 4 s apart)
errs=$(metric batchd_repository_errors_total)
[ "${errs:-0}" -ge 2 ] && [ "$(metric batchd_repository_degraded)" = 1 ] &&
    pass "/metrics: $errs failed transactions, degraded 1" ||
    fail "/metrics: failed transactions counted and degraded 1 (errors ${errs:-none})"
n=$(grep -c 'refused this turn' "$tmp/daemon.log")
[ "$n" -eq 1 ] && pass "the failure is logged once, not once a turn" ||
    fail "the failure is logged once, not once a turn ($n times)" "$tmp/daemon.log"

# Free the space: writes work again.
rm -f "$fs/fill"
healthy() { [ "$(health)" = 200 ]; }
wait_for 60 healthy && pass "after space is freed: /healthz is 200 again" ||
    fail "after space is freed: /healthz is 200 again" "$tmp/health"
grep -q 'accepts writes again' "$tmp/daemon.log" && pass "the recovery is logged" ||
    fail "the recovery is logged" "$tmp/daemon.log"
[ "$(metric batchd_repository_degraded)" = 0 ] && pass "/metrics: degraded 0" ||
    fail "/metrics: degraded 0"
before=$(successes)
more() { [ "$(successes)" -ge $((before + 2)) ]; }
wait_for 60 more && pass "scheduling goes on" || fail "scheduling goes on" "$tmp/daemon.log"
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
daemon_pid=""

grep -q 'ended: lost' "$tmp/daemon.log" && fail "no run reported lost" "$tmp/daemon.log" ||
    pass "no run reported lost"
# Every due time from the first to the last exists once (catch-up all covers the time the
# repository refused writes), every instance is final, and each Success ran once.
"$B" instances list --db "$db" --limit 10000 -o json 2>"$tmp/list.err" |
    sed -n 's/.*"due": "\([^"]*\)".*"state": \([0-9]*\),.*/\1 \2/p' | sort >"$tmp/inst"
awk 'BEGIN { bad = 0 }
    { t = substr($1, 12, 2) * 3600 + substr($1, 15, 2) * 60 + substr($1, 18, 2)
      if (seen[t]++) { print "twice: " $1; bad = 1 }
      if (NR == 1 || t < min) min = t
      if (t > max) max = t
      if ($2 != 5) { print "not Success: " $0; bad = 1 } }
    END { for (t = min; t <= max; t += 60) if (!(t in seen)) { print "missing: " t; bad = 1 }
          exit bad }' "$tmp/inst" >"$tmp/check" 2>&1 && [ -s "$tmp/inst" ] &&
    pass "every due instance exists once and succeeded ($(wc -l <"$tmp/inst"))" ||
    fail "every due instance exists once and succeeded" "$tmp/check"
sort "$out" | uniq -d >"$tmp/check"
[ ! -s "$tmp/check" ] && [ "$(wc -l <"$out")" -eq "$(wc -l <"$tmp/inst")" ] &&
    pass "each instance ran exactly once" ||
    fail "each instance ran exactly once ($(wc -l <"$out") runs)" "$tmp/check"

echo "diskfull: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
