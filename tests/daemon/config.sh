#!/bin/sh
# The config file (docs/daemon.md, "The config file"): every option of batchd --help has a
# key; a bad file is refused at start with each problem as FILE:LINE: KEY: reason (status
# 2); command line > environment > file > default; a real batchd started from a config
# file alone; SIGHUP with a changed file applies log_level, retention and max_runs, logs
# each change and leaves listen for the next start; SIGHUP with an invalid file is refused
# and the settings in force are kept. Closes with "config: N passed, M failed".
set -u
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
B="$BIN/batchctl"
D="$BIN/batchd"
. "$(dirname "$0")/../lib.sh"
scratch_daemon_test
db="$tmp/r.db"
q() { sqlite3 -cmd '.timeout 30000' "$db" "$1"; }

# --- every option has a key (one table) ------------------------------------------------
"$D" config keys >"$tmp/keys"
missing=""
for opt in $("$D" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    case $opt in --config | --help | --version | --name | --role | --tenant | --expires-days) continue ;; esac
    grep -q -- " $opt " "$tmp/keys" || missing="$missing $opt"
done
[ -z "$missing" ] && pass "batchd config keys has every option of batchd --help" ||
    fail "batchd config keys lacks:$missing" "$tmp/keys"
grep -Eq '^retention_days +--retention-days +BATCHD_RETENTION_DAYS +0 +applied +delete what ended more than N days ago' "$tmp/keys" &&
    grep -Eq '^listen +--listen +BATCHD_LISTEN +127\.0\.0\.1:8080 +next start +the REST API' "$tmp/keys" &&
    pass "config keys: key, option, variable, default, SIGHUP" || fail "config keys: key, option, variable, default, SIGHUP" "$tmp/keys"

# --- a bad file: every problem at once, FILE:LINE: KEY: reason, status 2 ---------------
cat >"$tmp/bad.yaml" <<'EOF'
# a config file with one problem per line from line 2
retention-days: 3
log_level: debug
max_runs: 0
state_dir: relative/dir
defs: [a, b]
listen: localhost
callback_url: ftp://x
db: /tmp/x.db
db: /tmp/y.db
retension_interval: 5
clock_rate: fast
log_format: logfmt
EOF
"$D" --config "$tmp/bad.yaml" >"$tmp/out" 2>"$tmp/err"
rc=$?
cat >"$tmp/want" <<EOF
batchd: $tmp/bad.yaml:2: retention-days: unknown key (did you mean retention_days?)
batchd: $tmp/bad.yaml:3: log_level: "debug" must be info, warn or error
batchd: $tmp/bad.yaml:4: max_runs: "0" must be 1 to 100000
batchd: $tmp/bad.yaml:5: state_dir: "relative/dir" must be an absolute path
batchd: $tmp/bad.yaml:6: defs: must be a single value, not a list
batchd: $tmp/bad.yaml:7: listen: "localhost" must be ADDR:PORT (port 0 to 65535) or off
batchd: $tmp/bad.yaml:8: callback_url: "ftp://x" must begin with http:// or https://
batchd: $tmp/bad.yaml:10: db: given twice (first on line 9)
batchd: $tmp/bad.yaml:11: retension_interval: unknown key (did you mean retention_interval?)
batchd: $tmp/bad.yaml:12: clock_rate: "fast" must be a number in (0, 1000000]
batchd: $tmp/bad.yaml:13: log_format: "logfmt" must be json or text
EOF
[ "$rc" = 2 ] && cmp -s "$tmp/want" "$tmp/err" && [ ! -e /tmp/x.db ] &&
    pass "a bad file: every problem as FILE:LINE: KEY: reason, status 2, nothing started" ||
    { diff "$tmp/want" "$tmp/err" >"$tmp/diff"; echo "status $rc" >>"$tmp/diff"; fail "a bad file: every problem as FILE:LINE: KEY: reason, status 2, nothing started" "$tmp/diff"; }

bad() { # bad NAME TEXT EXPECTED_STDERR_LINE
    printf '%s' "$2" >"$tmp/b.yaml"
    "$D" config check --config "$tmp/b.yaml" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ "$rc" = 2 ] && [ "$(cat "$tmp/err")" = "$3" ] && pass "$1" ||
        { echo "status $rc" >>"$tmp/err"; fail "$1 (want: $3)" "$tmp/err"; }
}
bad "not YAML" 'db: /x
a: [
' "batchd: $tmp/b.yaml:3: not YAML: did not find expected node content"
bad "a list, not a mapping" '- db
' "batchd: $tmp/b.yaml:1: the config file must be a mapping of keys to values"
bad "two documents" 'db: /x
---
db: /y
' "batchd: $tmp/b.yaml:3: a second document: the config file is one mapping"
bad "a key without a value" 'max_runs:
' "batchd: $tmp/b.yaml:1: max_runs: has no value (remove the line to take the default)"
bad "an unknown key far from any" 'colour: blue
' "batchd: $tmp/b.yaml:1: colour: unknown key (the keys are listed in batchd.yaml(5) and by batchd config keys)"
"$D" --config "$tmp/none.yaml" >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] && [ "$(cat "$tmp/err")" = "batchd: $tmp/none.yaml: cannot read the config file: No such file or directory" ] &&
    pass "--config naming a missing file: refused (2)" || fail "--config naming a missing file: refused (2)" "$tmp/err"
BATCHD_CONFIG="$tmp/none.yaml" "$D" >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] && grep -qF "$tmp/none.yaml: cannot read the config file" "$tmp/err" &&
    pass "BATCHD_CONFIG naming a missing file: refused (2)" || fail "BATCHD_CONFIG naming a missing file: refused (2)" "$tmp/err"
BATCHD_MAX_RUNS=many "$D" config check >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] && [ "$(cat "$tmp/err")" = 'batchd: BATCHD_MAX_RUNS: "many" must be 1 to 100000' ] &&
    pass "a bad BATCHD_ variable: refused (2)" || fail "a bad BATCHD_ variable: refused (2)" "$tmp/err"
"$D" --max-runs 0 >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] && grep -qx 'batchd: --max-runs: "0" must be 1 to 100000' "$tmp/err" &&
    pass "a bad option: refused (2)" || fail "a bad option: refused (2)" "$tmp/err"

# --- precedence: command line > environment > file > default ---------------------------
printf 'db: %s\nmax_runs: 12\nlog_level: warn\n' "$db" >"$tmp/p.yaml"
val() { grep "^$1: " "$tmp/out"; }
BATCHD_MAX_RUNS=7 "$D" config check --config "$tmp/p.yaml" --max-runs 5 >"$tmp/out" 2>&1 &&
    [ "$(val max_runs)" = "max_runs: 5  # --max-runs" ] && pass "the command line wins" || fail "the command line wins" "$tmp/out"
BATCHD_MAX_RUNS=7 "$D" config check --config "$tmp/p.yaml" >"$tmp/out" 2>&1 &&
    [ "$(val max_runs)" = "max_runs: 7  # BATCHD_MAX_RUNS" ] && pass "then the environment" || fail "then the environment" "$tmp/out"
BATCHD_CONFIG="$tmp/p.yaml" "$D" config check >"$tmp/out" 2>&1 &&
    [ "$(val max_runs)" = "max_runs: 12  # $tmp/p.yaml:2" ] && [ "$(val log_level)" = "log_level: warn  # $tmp/p.yaml:3" ] &&
    pass "then the file (named by BATCHD_CONFIG)" || fail "then the file (named by BATCHD_CONFIG)" "$tmp/out"
"$D" config check --config "$tmp/p.yaml" >"$tmp/out" 2>&1 &&
    [ "$(val retention_days)" = "retention_days: 0  # default" ] && [ "$(val listen)" = 'listen: "127.0.0.1:8080"  # default' ] &&
    pass "then the defaults" || fail "then the defaults" "$tmp/out"

# --- a real batchd from a config file alone -------------------------------------------
mkdir -p "$tmp/defs" "$tmp/state"
cat >"$tmp/defs/jobs.yaml" <<'EOF'
kind: job
name: old
type: manual
allow_multiple_instances: true
executor: {exec: {command: [/bin/true]}}
EOF
"$B" apply "$tmp/defs" --db "$db" >"$tmp/out" 2>&1 || fail "apply" "$tmp/out"
# Two instances of old that ended 40 and 39 days ago: retention (30 days) deletes the
# first; the second, the job's latest, is always kept.
now=$(date +%s)
q "INSERT INTO instances(id, tenant, job, scheduled, due_time, first_due, last_due, state, trace_id, created_at, updated_at)
   VALUES (1, 'default', 'old', 0, $now - 40 * 86400, $now - 40 * 86400, $now - 40 * 86400, 5, printf('%032x', 1), $now - 40 * 86400, $now - 40 * 86400),
          (2, 'default', 'old', 0, $now - 39 * 86400, $now - 39 * 86400, $now - 39 * 86400, 5, printf('%032x', 2), $now - 39 * 86400, $now - 39 * 86400)"
conf="$tmp/batchd.yaml"
write_conf() { # write_conf LOG_LEVEL RETENTION_DAYS MAX_RUNS LISTEN
    cat >"$conf.new" <<EOF
# batchd's settings for tests/daemon/config.sh
db: $db
state_dir: $tmp/state
log_file: $tmp/d.log
defs: $tmp/defs
log_level: $1
retention_days: $2
retention_interval: 3600
max_runs: $3
listen: "$4"
EOF
    mv "$conf.new" "$conf"
}
write_conf info 0 256 127.0.0.1:0
# retention_interval: the environment (1 s) beats the file's 3600.
BATCHD_RETENTION_INTERVAL=1 "$D" --config "$conf" >"$tmp/stdout" 2>&1 &
dpid=$!
started() { grep -q '"batchd started on ' "$tmp/d.log" 2>/dev/null; }
wait_for "$WAIT" started && grep -qF "\"batchd started on $db (state in $tmp/state, real clock, master environment)\"" "$tmp/d.log" &&
    pass "batchd --config FILE: repository, state directory and log file from the file" ||
    fail "batchd --config FILE: repository, state directory and log file from the file" "$tmp/d.log"
port=$(sed -n 's/.*API listening on 127.0.0.1:0 (port \([0-9]*\)).*/\1/p' "$tmp/d.log" | head -n 1)
[ -n "$port" ] && curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null &&
    pass "the API listens where the file says (port $port)" || fail "the API listens where the file says" "$tmp/d.log"
[ -d "$tmp/state/logs" ] && pass "the state directory is the file's" || fail "the state directory is the file's"
[ "$(q 'SELECT count(*) FROM instances WHERE id IN (1, 2)')" = 2 ] && pass "retention off: the old instances stay" ||
    fail "retention off: the old instances stay"

# SIGHUP with a changed file.
reloads() { grep -c '"SIGHUP: reloading"' "$tmp/d.log"; }
write_conf warn 30 3 127.0.0.1:1
kill -HUP "$dpid"
reloaded() { grep -q '"SIGHUP: settings reloaded from ' "$tmp/d.log"; }
wait_for "$WAIT" reloaded && pass "SIGHUP: the changed file is read" || fail "SIGHUP: the changed file is read" "$tmp/d.log"
grep -qF "\"SIGHUP: log_level: warn ($conf:6), was info\"" "$tmp/d.log" &&
    grep -qF "\"SIGHUP: retention_days: 30 ($conf:7), was 0\"" "$tmp/d.log" &&
    grep -qF "\"SIGHUP: max_runs: 3 ($conf:9), was 256\"" "$tmp/d.log" &&
    grep -qF "\"SIGHUP: settings reloaded from $conf (3 changed)\"" "$tmp/d.log" &&
    pass "SIGHUP: each change logged with its line" || fail "SIGHUP: each change logged with its line" "$tmp/d.log"
grep -qF "\"SIGHUP: listen: 127.0.0.1:1 ($conf:10) takes effect at the next start; 127.0.0.1:0 stays in force until then\"" "$tmp/d.log" &&
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null &&
    pass "SIGHUP: listen is for the next start (logged; the API stays where it was)" ||
    fail "SIGHUP: listen is for the next start (logged; the API stays where it was)" "$tmp/d.log"
! grep -q 'retention_interval' "$tmp/d.log" && pass "SIGHUP: the environment still beats the file (retention_interval unchanged)" ||
    fail "SIGHUP: the environment still beats the file (retention_interval unchanged)" "$tmp/d.log"
purged() { [ "$(q 'SELECT count(*) FROM instances WHERE id = 1')" = 0 ]; }
wait_for "$WAIT" purged && [ "$(q 'SELECT count(*) FROM instances WHERE id = 2')" = 1 ] &&
    pass "SIGHUP: retention_days 30 applied (the 40-day-old instance deleted, the latest kept)" ||
    fail "SIGHUP: retention_days 30 applied (the 40-day-old instance deleted, the latest kept)" "$tmp/d.log"

# SIGHUP with an invalid file: refused, the settings in force kept.
r0=$(reloads)
cp "$conf" "$tmp/good.yaml"
sed 's/^max_runs: 3$/max_runs: lots/' "$tmp/good.yaml" >"$conf"
echo 'log_levle: info' >>"$conf"
kill -HUP "$dpid"
refused() { grep -qF "\"SIGHUP: $conf refused (2 problems); the settings in force are kept\"" "$tmp/d.log"; }
wait_for "$WAIT" refused && grep -qF "\"SIGHUP: $conf:9: max_runs: \\\"lots\\\" must be 1 to 100000\"" "$tmp/d.log" &&
    grep -qF "\"SIGHUP: $conf:11: log_levle: unknown key (did you mean log_level?)\"" "$tmp/d.log" &&
    pass "SIGHUP: an invalid file is refused, each problem logged as FILE:LINE: KEY: reason" ||
    fail "SIGHUP: an invalid file is refused, each problem logged as FILE:LINE: KEY: reason" "$tmp/d.log"
[ "$(reloads)" = "$r0" ] && kill -0 "$dpid" && curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null &&
    pass "log_level warn still in force (no info line), batchd and its API still up" ||
    fail "log_level warn still in force (no info line), batchd and its API still up" "$tmp/d.log"
# Back to a valid file with log_level info: the change is from warn (the value kept),
# max_runs stays 3 (unchanged from the one in force).
sed 's/^log_level: warn$/log_level: info/' "$tmp/good.yaml" >"$conf"
kill -HUP "$dpid"
back() { grep -qF "\"SIGHUP: settings reloaded from $conf (1 changed)\"" "$tmp/d.log"; }
wait_for "$WAIT" back && grep -qF "\"SIGHUP: log_level: info ($conf:6), was warn\"" "$tmp/d.log" &&
    pass "SIGHUP: a valid file again: log_level info, was warn (the one kept)" ||
    fail "SIGHUP: a valid file again: log_level info, was warn (the one kept)" "$tmp/d.log"
kill -HUP "$dpid"
info_again() { [ "$(reloads)" = $((r0 + 1)) ]; }
wait_for "$WAIT" info_again && pass "info lines are written again" || fail "info lines are written again" "$tmp/d.log"
grep '"level": "error"' "$tmp/d.log" | grep -v '"msg": "SIGHUP: ' >"$tmp/errors"
[ ! -s "$tmp/errors" ] && pass "no error logged but the refused file's" || fail "no error logged but the refused file's" "$tmp/errors"
kill "$dpid"; wait "$dpid" 2>/dev/null; dpid=""

echo "config: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
