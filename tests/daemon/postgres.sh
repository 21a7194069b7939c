#!/bin/sh
# batchd on PostgreSQL: the real daemon against a throwaway server (scripts/pg-test-server.sh:
# initdb + pg_ctl on a loopback port) with the virtual clock and real child processes: a
# dependency chain, a submit with parameters, a definition applied while it runs, and a
# run that outlives a kill -9 of the daemon, and the REST API on it. Expected outcomes
# from DESIGN §2-§4.
# Closes with "daemon-pg: N passed, M failed".
set -u
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
B="$BIN/batchctl"
D="$BIN/batchd"
export BATCHD_LISTEN=off
# On PostgreSQL batchd is a node of a cluster (docs/cluster.md): a run whose node's lease
# passed is killed by its supervisor. The crash check below restarts the node (same name,
# the host's) and needs it back before that, also on a loaded machine: a long lease.
export BATCHD_LEASE_TTL=60
pgs="$(cd "$(dirname "$0")/../.." && pwd)/scripts/pg-test-server.sh"
passed=0
failed=0
tmp=$(mktemp -d)
pgroot=$(mktemp -d /tmp/batchd-pg-XXXXXX)
daemon_pid=""
cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
    pkill -f "$tmp/" 2>/dev/null
    "$pgs" stop "$pgroot/pg" 2>/dev/null
    rm -rf "$pgroot"
    [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
. "$(dirname "$0")/../lib.sh"

if ! DSN=$("$pgs" start "$pgroot/pg" 2>"$tmp/pg.err") || [ -z "$DSN" ]; then
    fail "start a PostgreSQL server (needs the Debian package postgresql: make test-deps)" "$tmp/pg.err"
    echo "daemon-pg: $passed passed, $failed failed"
    exit 1
fi

REPO=$DSN
. "$(dirname "$0")/instances.sh"
start_daemon() {
    "$D" --db "$DSN" --state-dir "$tmp/state" --clock-start "$1" --clock-rate 60 2>>"$tmp/daemon.log" &
    daemon_pid=$!
}

# The jobs write to their own run's log (read with `batchctl instance log`); the long job
# runs until the test creates $tmp/long.go.
mkdir -p "$tmp/defs"
cat >"$tmp/defs/jobs.yaml" <<EOF2
kind: job
name: child
trigger: {cron: "0 1 * * *"}
depends_on: [{job: parent, mode: success}]
executor: {exec: {command: [/bin/sh, -c, 'echo "child \$BATCH_DUE_TIME"']}}
---
kind: job
name: parent
trigger: {cron: "0 1 * * *"}
executor: {exec: {command: [/bin/sh, -c, 'sleep 1; echo "parent \$BATCH_DUE_TIME"']}}
---
kind: job
name: manual
type: manual
parameters: {region: US}
executor: {exec: {command: [/bin/sh, -c, 'echo "manual \$BATCH_PARAM_REGION"']}}
---
kind: job
name: long
type: manual
executor: {exec: {command: [/bin/sh, -c, 'echo long-start; until [ -e $tmp/long.go ]; do sleep 0.1; done; echo long-end']}}
EOF2
"$B" apply "$tmp/defs" --db "$DSN" >"$tmp/apply.out" 2>&1 && pass "apply the test jobs to PostgreSQL" ||
    fail "apply the test jobs to PostgreSQL" "$tmp/apply.out"

# The chain: both Success with their due time, the child's run started once the parent's
# had ended (the times the repository recorded).
start_daemon 2026-03-02T00:59:50Z
wait_for "$WAIT" due_state child 2026-03-02T01:00:00Z Success
pi=$(id_of parent 2026-03-02T01:00:00Z) ci=$(id_of child 2026-03-02T01:00:00Z)
is_state "$pi" Success && is_state "$ci" Success && ran_after "$ci" "$pi" &&
    [ "$("$B" instance log "$pi" --db "$DSN")" = "parent 2026-03-02T01:00:00Z" ] &&
    [ "$("$B" instance log "$ci" --db "$DSN")" = "child 2026-03-02T01:00:00Z" ] &&
    pass "chain: parent, then child, both Success" ||
    { dump_inst "$pi" "$ci"; fail "chain: parent, then child, both Success" "$tmp/inst"; }

mid=$(submit_id manual -p region=EU)
wait_for "$WAIT" is_state "$mid" Success && [ "$("$B" instance log "$mid" --db "$DSN")" = "manual EU" ] &&
    pass "submit: the parameter reaches the child; its log" || fail "submit: the parameter reaches the child; its log" "$tmp/daemon.log"

# A definition applied while batchd runs is picked up (the one-second check).
printf 'kind: job\nname: later\ntype: manual\nexecutor: {exec: {command: [/bin/echo, later]}}\n' >"$tmp/later.yaml"
"$B" apply "$tmp/later.yaml" --db "$DSN" >/dev/null 2>&1
lid=$(submit_id later)
wait_for "$WAIT" is_state "$lid" Success && pass "a job applied while batchd runs runs" ||
    fail "a job applied while batchd runs runs" "$tmp/daemon.log"

# kill -9 of the daemon while a run goes on: the run goes on, the next daemon records
# its real end, and it ran once. The run ends when $tmp/long.go is created, once the next
# daemon has started.
gid=$(submit_id long)
wait_for "$WAIT" is_state "$gid" Running || fail "crash: the long job runs"
kill -9 "$daemon_pid"; wait "$daemon_pid" 2>/dev/null; daemon_pid=""
starts=$(grep -c '"batchd started' "$tmp/daemon.log")
start_daemon 2026-03-02T02:00:00Z
restarted() { [ "$(grep -c '"batchd started' "$tmp/daemon.log")" -gt "$starts" ]; }
wait_for "$WAIT" restarted && pgrep -f "until \[ -e $tmp/long.go \]" >/dev/null && is_state "$gid" Running &&
    pass "crash: the run outlives the killed daemon" || fail "crash: the run outlives the killed daemon" "$tmp/daemon.log"
touch "$tmp/long.go"
wait_for "$WAIT" is_state "$gid" Success && [ "$(inst_jq "$gid" '.executions | length')" -eq 1 ] &&
    [ "$("$B" instance log "$gid" --db "$DSN" | tr '\n' ' ')" = "long-start long-end " ] &&
    pass "crash: the next daemon records the run's real end, run once" ||
    { dump_inst "$gid"; fail "crash: the next daemon records the run's real end, run once" "$tmp/inst"; }
kill "$daemon_pid"; wait "$daemon_pid" 2>/dev/null; daemon_pid=""

# The REST API on PostgreSQL: its connection pool, a token made offline, a submit, the
# instance and its log (tests/api covers every route on SQLite).
tok=$("$D" token create --name pg-admin --role admin --db "$DSN" 2>"$tmp/tok.err" | head -n 1)
"$D" --db "$DSN" --state-dir "$tmp/state" --listen 127.0.0.1:0 2>>"$tmp/daemon.log" &
daemon_pid=$!
api_port() { port=$(sed -n 's/.*API listening on [^ ]* (port \([0-9]*\)).*/\1/p' "$tmp/daemon.log" | tail -n 1); [ -n "$port" ]; }
if [ -n "$tok" ] && wait_for "$WAIT" api_port; then
    api() { curl -s --max-time "$WAIT" -H "Authorization: Bearer $tok" "$@"; }
    base="http://127.0.0.1:$port/api/v1"
    aid=$(api -X POST -H 'Content-Type: application/json' -d '{"params": {"region": "APAC"}}' \
        "$base/jobs/manual/submit" | jq -r .id)
    api_done() { [ "$(api "$base/instances/$aid" | jq -r .state_name)" = Success ]; }
    wait_for "$WAIT" api_done && [ "$(api "$base/instances/$aid/log")" = "manual APAC" ] &&
        [ "$(api "$base/jobs?limit=2" | jq -r '.items | length')" = 2 ] &&
        [ "$(api "$base/instances?job=manual" | jq -r '.items | length')" = 2 ] &&
        pass "API on PostgreSQL: submit, instance, log, lists" ||
        fail "API on PostgreSQL: submit, instance, log, lists" "$tmp/daemon.log"
else
    fail "API on PostgreSQL: batchd listens, with a token made offline" "$tmp/tok.err"
fi
kill "$daemon_pid"; wait "$daemon_pid" 2>/dev/null; daemon_pid=""

grep -v '^{.*}$' "$tmp/daemon.log" >"$tmp/bad" || true
[ ! -s "$tmp/bad" ] && pass "logs: JSON lines" || fail "logs: JSON lines" "$tmp/bad"

echo "daemon-pg: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
