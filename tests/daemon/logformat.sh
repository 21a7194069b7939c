#!/bin/sh
# The log's two formats (docs/daemon.md, "Logs"): a real batchd started from a config file
# with log_format: json runs a job that succeeds (with a secret in its environment) and one
# that fails; every line of the log is then one JSON object with time (RFC 3339 UTC with
# milliseconds), level and msg, and every line about an instance carries the trace id the
# repository holds for it. SIGHUP with log_format: text logs the change (still as JSON) and
# the lines from then on are text with the same fields. Command line > environment > file,
# and a bad value is refused with where and why (status 2). No secret in either format.
# Closes with "logformat: N passed, M failed".
set -u
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
B="$BIN/batchctl"
D="$BIN/batchd"
. "$(dirname "$0")/../lib.sh"
scratch_daemon_test
db="$tmp/r.db"
REPO=$db
. "$(dirname "$0")/instances.sh"
SECRET=Lf-Tok-5e71c9   # the job's API_TOKEN, a secret (docs/security.md)
log="$tmp/d.log"

mkdir -p "$tmp/defs"
cat >"$tmp/defs/jobs.yaml" <<EOF
kind: job
name: lf
type: manual
allow_multiple_instances: true
executor: {exec: {command: [/bin/sh, -c, 'test -n "\$API_TOKEN"'], env: {API_TOKEN: $SECRET}}}
---
kind: job
name: lf_fails
type: manual
executor: {exec: {command: [/bin/sh, -c, 'exit 3']}}
EOF
"$B" apply "$tmp/defs" --db "$db" >"$tmp/out" 2>&1 || fail "apply" "$tmp/out"
conf="$tmp/batchd.yaml"
write_conf() { # write_conf FORMAT
    printf 'db: %s\nlisten: "127.0.0.1:0"\nlog_file: %s\nlog_format: %s\n' "$db" "$log" "$1" >"$conf.new"
    mv "$conf.new" "$conf"
}
trace_of() { sqlite3 -cmd '.timeout 30000' "$db" "SELECT trace_id FROM instances WHERE id = $1"; }

# check_log FORMAT FIRST_LINE ID...: every line of the log from FIRST_LINE on is a line
# of FORMAT; each line naming an instance carries that instance's trace id from the
# repository; each ID has at least two lines (its run's start and end) with its
# execution. Problems go to $tmp/problems.
check_log() {
    fmt=$1 first=$2; shift 2
    map=""
    for id in "$@"; do map="$map $id=$(trace_of "$id")"; done
    # shellcheck disable=SC2086
    tail -n "+$first" "$log" | python3 -c '
import json, re, sys
fmt, want = sys.argv[1], dict(a.split("=", 1) for a in sys.argv[2:])
TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
seen = {i: 0 for i in want}
bad = []
for n, line in enumerate(sys.stdin, 1):
    line = line.rstrip("\n")
    if fmt == "json":
        try:
            o = json.loads(line)
        except ValueError as e:
            bad.append("line %d is not JSON (%s): %s" % (n, e, line))
            continue
        if not isinstance(o, dict) or not re.fullmatch(TIME, str(o.get("time"))) or \
                o.get("level") not in ("info", "warn", "error") or not isinstance(o.get("msg"), str):
            bad.append("line %d lacks time/level/msg: %s" % (n, line))
            continue
        inst, ex, trace = o.get("instance_id"), o.get("execution_id"), o.get("trace_id")
        inst = None if inst is None else str(inst)
    else:
        m = re.fullmatch(TIME + r" (INFO |WARN |ERROR) (.*)", line)
        if not m:
            bad.append("line %d is not a text line: %s" % (n, line))
            continue
        f = dict(re.findall(r" (job|instance_id|execution_id|trace_id)=(\"(?:[^\"\\]|\\.)*\"|\S+)", m.group(2)))
        inst, ex, trace = f.get("instance_id"), f.get("execution_id"), f.get("trace_id")
    if inst is None:
        continue
    if inst in want and trace != want[inst]:
        bad.append("line %d: instance %s with trace %s, the repository says %s" % (n, inst, trace, want[inst]))
    if inst in want and ex is not None:
        seen[inst] += 1
for i, c in seen.items():
    if c < 2:
        bad.append("instance %s: %d lines with its execution, want at least 2 (start, end)" % (i, c))
print("\n".join(bad), end="")
' "$fmt" $map >"$tmp/problems"
    [ ! -s "$tmp/problems" ]
}

# --- JSON -----------------------------------------------------------------------------
write_conf json
"$D" --config "$conf" >"$tmp/stdout" 2>&1 &
dpid=$!
started() { grep -q '"msg": "batchd started on ' "$log" 2>/dev/null; }
wait_for "$WAIT" started || fail "batchd starts" "$log"
ok=$(submit_id lf)
ko=$(submit_id lf_fails)
wait_for "$WAIT" is_state "$ok" Success && wait_for "$WAIT" is_state "$ko" Failed &&
    pass "two runs: Success and Failed" || fail "two runs: Success and Failed ($(state_of "$ok"), $(state_of "$ko"))" "$log"
ended() { [ "$(grep -c '"msg": "ended: ' "$log")" -ge 2 ]; }
wait_for "$WAIT" ended
check_log json 1 "$ok" "$ko" && pass "json: every line one object (time with ms, level, msg); each run's lines carry its trace id" ||
    { { echo; echo "the log:"; cat "$log"; } >>"$tmp/problems"; fail "json: every line one object (time with ms, level, msg); each run's lines carry its trace id" "$tmp/problems"; }

# --- SIGHUP to text -------------------------------------------------------------------
write_conf text
kill -HUP "$dpid"
# The change and the reload's summary are the last JSON lines; the definitions' reload
# that follows is logged as text.
switched() { grep -q ' INFO  loaded 1 tenant(s) from the repository$' "$log"; }
wait_for "$WAIT" switched && grep -qF "\"msg\": \"SIGHUP: log_format: text ($conf:4), was json\"" "$log" &&
    grep -qF "\"msg\": \"SIGHUP: settings reloaded from $conf (1 changed)\"" "$log" &&
    pass "SIGHUP: log_format text applied, the change logged as JSON" || fail "SIGHUP: log_format text applied, the change logged as JSON" "$log"
from=$(($(grep -n '"SIGHUP: settings reloaded from ' "$log" | head -n 1 | cut -d: -f1) + 1))
again=$(submit_id lf)
wait_for "$WAIT" is_state "$again" Success || fail "a run after the switch" "$log"
ended_text() { grep -q " INFO  ended: success .*instance_id=$again " "$log"; }
wait_for "$WAIT" ended_text
check_log text "$from" "$again" && pass "text: every line after the switch a text line; the run's lines carry its trace id" ||
    { { echo; echo "the log:"; cat "$log"; } >>"$tmp/problems"; fail "text: every line after the switch a text line; the run's lines carry its trace id" "$tmp/problems"; }
grep -q -- "$SECRET" "$log" && fail "no secret in the log (json nor text)" "$log" || pass "no secret in the log (json nor text)"
kill "$dpid"; wait "$dpid" 2>/dev/null; dpid=""

# --- precedence and bad values --------------------------------------------------------
val() { grep '^log_format: ' "$tmp/out"; }
BATCHD_LOG_FORMAT=text "$D" config check --config "$conf" --log-format json >"$tmp/out" 2>&1 &&
    [ "$(val)" = "log_format: json  # --log-format" ] && pass "the command line wins" || fail "the command line wins" "$tmp/out"
write_conf json
BATCHD_LOG_FORMAT=text "$D" config check --config "$conf" >"$tmp/out" 2>&1 &&
    [ "$(val)" = "log_format: text  # BATCHD_LOG_FORMAT" ] && pass "then the environment" || fail "then the environment" "$tmp/out"
"$D" config check --config "$conf" >"$tmp/out" 2>&1 &&
    [ "$(val)" = "log_format: json  # $conf:4" ] && pass "then the file" || fail "then the file" "$tmp/out"
"$D" config check --config /dev/null >"$tmp/out" 2>&1 && [ "$(val)" = "log_format: json  # default" ] &&
    pass "json by default" || fail "json by default" "$tmp/out"
write_conf XML
"$D" --config "$conf" >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] && [ "$(cat "$tmp/err")" = "batchd: $conf:4: log_format: \"XML\" must be json or text" ] &&
    pass "a bad log_format in the file: FILE:LINE: KEY: reason, status 2" || fail "a bad log_format in the file: FILE:LINE: KEY: reason, status 2" "$tmp/err"
"$D" --db "$db" --log-format logfmt >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] && grep -qx 'batchd: --log-format: "logfmt" must be json or text' "$tmp/err" &&
    pass "a bad --log-format: refused (2)" || fail "a bad --log-format: refused (2)" "$tmp/err"
BATCHD_LOG_FORMAT=yaml "$D" --db "$db" >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] && [ "$(cat "$tmp/err")" = 'batchd: BATCHD_LOG_FORMAT: "yaml" must be json or text' ] &&
    pass "a bad BATCHD_LOG_FORMAT: refused (2)" || fail "a bad BATCHD_LOG_FORMAT: refused (2)" "$tmp/err"

echo "logformat: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
