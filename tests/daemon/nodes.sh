#!/bin/sh
# Two batchd nodes on one PostgreSQL (issue 22, docs/daemon.md "Nodes"): a throwaway server
# started by the test (scripts/pg-test-server.sh), node alpha on the real clock and node beta
# on a virtual clock an hour ahead (--clock-start, the daemon's clock facility), each with its
# API on a free loopback port and a heartbeat every second. Checks what the issue asks: both
# appear in `batchctl nodes` (through either node's API and on the repository), paginated;
# beta measures its clock an hour off the database's and reports itself unable to plan
# (/healthz, /metrics, its row, one log line) while alpha may plan; a drain asked on one node
# reaches the other through the repository, audited; the log of a run on alpha is served
# through beta's API (asked of alpha with the caller's token), and a clear 502 once alpha is
# gone; a node that stops is lost after its lease; bad node settings stop batchd at start.
# Closes with "nodes-pg: N passed, M failed".
set -u
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
B="$BIN/batchctl"
D="$BIN/batchd"
pgs="$(cd "$(dirname "$0")/../.." && pwd)/scripts/pg-test-server.sh"
for tool in curl jq psql; do
    command -v "$tool" >/dev/null || { echo "nodes-pg: $tool is needed" >&2; exit 1; }
done
passed=0
failed=0
tmp=$(mktemp -d)
pgroot=$(mktemp -d /tmp/batchd-pg-XXXXXX)
apid="" bpid=""
cleanup() {
    for p in $apid $bpid; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
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
    echo "nodes-pg: $passed passed, $failed failed"
    exit 1
fi
ADMIN=$("$D" token create --name admin1 --role admin --db "$DSN" 2>"$tmp/tok.err" | head -n 1)
VIEWER=$("$D" token create --name viewer1 --role viewer --db "$DSN" 2>>"$tmp/tok.err" | head -n 1)
[ -n "$ADMIN" ] && [ -n "$VIEWER" ] || { fail "tokens on PostgreSQL" "$tmp/tok.err"; exit 1; }

# Bad node settings: status 2, the key and the reason, nothing written.
"$D" --db "$DSN" --listen off --node-name 'no spaces' >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q -- '--node-name: "no spaces" must be 1 to 63 letters' "$tmp/err" &&
    pass "batchd --node-name 'no spaces': status 2 naming the option" ||
    fail "batchd --node-name 'no spaces': status 2 naming the option" "$tmp/err"
BATCHD_LABELS='gpu,,ssd' "$D" --db "$DSN" --listen off >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q 'BATCHD_LABELS: an empty label at byte 5' "$tmp/err" &&
    pass "BATCHD_LABELS='gpu,,ssd': status 2 naming the variable and the byte" ||
    fail "BATCHD_LABELS='gpu,,ssd': status 2 naming the variable and the byte" "$tmp/err"
"$D" --db "$DSN" --listen off --max-clock-skew 0 >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q -- '--max-clock-skew: "0" must be a number of seconds from 0.001 to 3600' "$tmp/err" &&
    pass "batchd --max-clock-skew 0: status 2" || fail "batchd --max-clock-skew 0: status 2" "$tmp/err"
"$D" --db "$DSN" --listen off --heartbeat-interval 301 >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q -- '--heartbeat-interval: "301" must be 1 to 300 seconds' "$tmp/err" &&
    pass "batchd --heartbeat-interval 301: status 2" || fail "batchd --heartbeat-interval 301: status 2" "$tmp/err"
[ "$(psql -At "$DSN" -c 'SELECT count(*) FROM nodes' 2>/dev/null)" = 0 ] &&
    pass "refused starts wrote no node" || fail "refused starts wrote no node"

# port_of LOG: the API port batchd logged.
port_of() { sed -n 's/.*API listening on [^ ]* (port \([0-9]*\)).*/\1/p' "$1" 2>/dev/null | head -n 1; }
mkdir -p "$tmp/a" "$tmp/b" "$tmp/defs"
printf 'name: hello\ntype: manual\nexecutor: {exec: {command: [/bin/sh, -c, "echo first-line; echo second-line"]}}\n' \
    >"$tmp/defs/hello.yaml"
"$B" apply "$tmp/defs" --db "$DSN" >"$tmp/apply.out" 2>&1 || fail "apply the test job" "$tmp/apply.out"
"$D" --db "$DSN" --listen 127.0.0.1:0 --state-dir "$tmp/a" --node-name alpha --labels gpu,zone=eu-1 \
    --max-runs 4 --heartbeat-interval 1 --log-file "$tmp/a.log" 2>>"$tmp/a.err" &
apid=$!
a_port() { [ -n "$(port_of "$tmp/a.log")" ]; }
wait_for "$WAIT" a_port
A="http://127.0.0.1:$(port_of "$tmp/a.log")"
# A run on alpha alone, before beta starts: its log stays in alpha's state directory.
run_id=$(curl -sS -X POST -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    --data '{}' "$A/api/v1/jobs/hello/submit" | jq -r '.id // empty')
ran() {
    curl -sS -H "Authorization: Bearer $VIEWER" "$A/api/v1/instances/$run_id" |
        jq -e '.state_name == "Success"' >/dev/null
}
[ -n "$run_id" ] && wait_for "$WAIT" ran &&
    [ "$(psql -At "$DSN" -c "SELECT node FROM executions WHERE instance_id = $run_id")" = alpha ] &&
    pass "a run on alpha: Success, its execution records node alpha" ||
    fail "a run on alpha: Success, its execution records node alpha" "$tmp/a.log"
ahead=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
printf 'max_clock_skew: 5\n' >"$tmp/b.yaml"
"$D" --config "$tmp/b.yaml" --db "$DSN" --listen 127.0.0.1:0 --state-dir "$tmp/b" --node-name beta \
    --max-runs 2 --heartbeat-interval 1 --clock-start "$ahead" --clock-rate 1 \
    --log-file "$tmp/b.log" 2>>"$tmp/b.err" &
bpid=$!
both_ports() { [ -n "$(port_of "$tmp/a.log")" ] && [ -n "$(port_of "$tmp/b.log")" ]; }
if ! wait_for "$WAIT" both_ports; then
    fail "both nodes start with their API" "$tmp/a.err"
    cat "$tmp/a.log" "$tmp/b.log" "$tmp/b.err"
    echo "nodes-pg: $passed passed, $failed failed"
    exit 1
fi
BB="http://127.0.0.1:$(port_of "$tmp/b.log")"
pass "both nodes start with their API"

# list_ok URL: batchctl nodes through that node's API lists alpha and beta.
list_ok() {
    "$B" --url "$1" --token "$VIEWER" nodes -o json >"$tmp/list.json" 2>"$tmp/err" &&
        [ "$(jq -r '[.items[].name] | join(",")' "$tmp/list.json")" = "alpha,beta" ]
}
wait_for "$WAIT" list_ok "$A" && pass "batchctl nodes through alpha lists alpha and beta" ||
    fail "batchctl nodes through alpha lists alpha and beta" "$tmp/list.json"
list_ok "$BB" && pass "batchctl nodes through beta lists alpha and beta" ||
    fail "batchctl nodes through beta lists alpha and beta" "$tmp/list.json"
"$B" nodes --db "$DSN" -o json >"$tmp/local.json" 2>"$tmp/err" &&
    [ "$(jq -r '[.items[].name] | join(",")' "$tmp/local.json")" = "alpha,beta" ] &&
    pass "batchctl nodes --db (PostgreSQL) lists alpha and beta" ||
    fail "batchctl nodes --db (PostgreSQL) lists alpha and beta" "$tmp/err"
jq -e --arg a "$A" --arg b "$BB" '
    (.items[0] | .capacity == 4 and .labels == ["gpu", "zone=eu-1"] and .api_url == $a
        and .status == "active") and
    (.items[1] | .capacity == 2 and .labels == [] and .api_url == $b)' "$tmp/list.json" >/dev/null &&
    pass "each node's capacity, labels and API address" ||
    fail "each node's capacity, labels and API address" "$tmp/list.json"

# Pagination: one node a page.
code=$(curl -sS -o "$tmp/p1" -w '%{http_code}' -H "Authorization: Bearer $VIEWER" "$A/api/v1/nodes?limit=1")
cur=$(jq -r '.next_cursor // empty' "$tmp/p1")
code2=$(curl -sS -o "$tmp/p2" -w '%{http_code}' -H "Authorization: Bearer $VIEWER" "$A/api/v1/nodes?limit=1&cursor=$cur")
[ "$code" = 200 ] && [ "$code2" = 200 ] && [ "$cur" = alpha ] &&
    jq -e '.items | length == 1 and .[0].name == "alpha"' "$tmp/p1" >/dev/null &&
    jq -e '.next_cursor == null and (.items | length == 1) and .items[0].name == "beta"' "$tmp/p2" >/dev/null &&
    pass "GET /api/v1/nodes?limit=1: alpha, then beta after cursor alpha" ||
    fail "GET /api/v1/nodes?limit=1: alpha, then beta after cursor alpha" "$tmp/p2"

# The clock: beta is an hour ahead of the database (its virtual clock began at $ahead a few
# seconds after it was computed), beyond its max_clock_skew 5 s; alpha shares the machine's
# (its measured offset is off by at most half a round trip, which a loaded machine makes
# long: the bound here only tells it from beta's; its verdict allows for the round trip).
skew_known() {
    "$B" nodes --db "$DSN" -o json >"$tmp/local.json" 2>/dev/null &&
        jq -e '.items[1].may_plan == false' "$tmp/local.json" >/dev/null
}
wait_for "$WAIT" skew_known
jq -e '(.items[1] | .clock_offset_seconds > 3300 and .clock_offset_seconds < 3700 and .may_plan == false)
    and (.items[0] | .clock_offset_seconds > -60 and .clock_offset_seconds < 60 and .may_plan == true)' \
    "$tmp/local.json" >/dev/null &&
    pass "rows: beta about +3600 s off, may not plan; alpha on the database's clock, may plan" ||
    fail "rows: beta about +3600 s off, may not plan; alpha on the database's clock, may plan" "$tmp/local.json"
code=$(curl -sS -o "$tmp/h" -w '%{http_code}' "$BB/healthz")
[ "$code" = 200 ] && jq -e '.status == "degraded" and (.problems[0] | contains("does not plan"))
    and .node.name == "beta" and .node.may_plan == false and .node.max_clock_skew_seconds == 5
    and .node.clock_offset_seconds > 3300' "$tmp/h" >/dev/null &&
    pass "beta's /healthz: 200, degraded, it does not plan, with its offset" ||
    fail "beta's /healthz: 200, degraded, it does not plan, with its offset" "$tmp/h"
code=$(curl -sS -o "$tmp/h" -w '%{http_code}' "$A/healthz")
[ "$code" = 200 ] && jq -e '.status == "ok" and .node.name == "alpha" and .node.may_plan == true' "$tmp/h" >/dev/null &&
    pass "alpha's /healthz: ok, may plan" || fail "alpha's /healthz: ok, may plan" "$tmp/h"
curl -sS -H "Authorization: Bearer $VIEWER" "$BB/metrics" >"$tmp/m" &&
    grep -qx 'batchd_node_may_plan 0' "$tmp/m" &&
    awk '$1 == "batchd_node_clock_offset_seconds" { exit !($2 > 3300 && $2 < 3700) }' "$tmp/m" &&
    pass "beta's /metrics: batchd_node_may_plan 0, the offset in seconds" ||
    fail "beta's /metrics: batchd_node_may_plan 0, the offset in seconds" "$tmp/m"
curl -sS -H "Authorization: Bearer $VIEWER" "$A/metrics" | grep -qx 'batchd_node_may_plan 1' &&
    pass "alpha's /metrics: batchd_node_may_plan 1" || fail "alpha's /metrics: batchd_node_may_plan 1"
# Logged once per change, not at every heartbeat: wait for several more heartbeats of beta.
beats_after() { [ "$(psql -At "$DSN" -c "SELECT heartbeat_at - $1 >= 3 FROM nodes WHERE name = 'beta'")" = t ]; }
hb=$(psql -At "$DSN" -c "SELECT heartbeat_at FROM nodes WHERE name = 'beta'")
wait_for "$WAIT" beats_after "$hb"
[ "$(grep -c 'it does not plan until that is fixed' "$tmp/b.log")" = 1 ] &&
    ! grep -q 'it does not plan' "$tmp/a.log" &&
    pass "beta logged its skew once over several heartbeats; alpha never" ||
    fail "beta logged its skew once over several heartbeats; alpha never" "$tmp/b.log"

# SIGHUP with a bound beyond the hour: beta may plan again, says so once, and back.
printf 'max_clock_skew: 3600\n' >"$tmp/b.yaml"
kill -HUP "$bpid"
b_plans() { curl -sS "$BB/healthz" | jq -e --argjson p "$1" '.node.may_plan == $p' >/dev/null; }
wait_for "$WAIT" b_plans true && curl -sS "$BB/healthz" | jq -e '.status == "ok" and .node.max_clock_skew_seconds == 3600' >/dev/null &&
    [ "$(grep -c 'within max_clock_skew 3600.000 s: it may plan' "$tmp/b.log")" = 1 ] &&
    pass "SIGHUP max_clock_skew 3600: beta may plan, /healthz ok, logged once" ||
    fail "SIGHUP max_clock_skew 3600: beta may plan, /healthz ok, logged once" "$tmp/b.log"
printf 'max_clock_skew: 5\n' >"$tmp/b.yaml"
kill -HUP "$bpid"
wait_for "$WAIT" b_plans false && [ "$(grep -c 'it does not plan until that is fixed' "$tmp/b.log")" = 2 ] &&
    pass "SIGHUP max_clock_skew 5 again: beta does not plan, logged again" ||
    fail "SIGHUP max_clock_skew 5 again: beta does not plan, logged again" "$tmp/b.log"

# Drain beta through alpha's API: beta reads it from the repository.
"$B" --url "$A" --token "$ADMIN" nodes drain beta -o json >"$tmp/out" 2>"$tmp/err" &&
    jq -e '.name == "beta" and .state == "draining"' "$tmp/out" >/dev/null &&
    pass "batchctl nodes drain beta through alpha: draining" ||
    fail "batchctl nodes drain beta through alpha: draining" "$tmp/err"
b_state() { curl -sS "$BB/healthz" | jq -e --arg s "$1" '.node.state == $s' >/dev/null; }
wait_for "$WAIT" b_state draining && pass "beta sees its drain (/healthz node.state)" ||
    fail "beta sees its drain (/healthz node.state)"
grep -q 'node beta: draining: it starts no new runs' "$tmp/b.log" && pass "beta logs its drain" ||
    fail "beta logs its drain" "$tmp/b.log"
[ "$(psql -At "$DSN" -c "SELECT actor || ' ' || object FROM audit_log WHERE action = 'node-drain'")" = "token:admin1 node beta" ] &&
    pass "audit: node-drain of node beta by token:admin1" || fail "audit: node-drain of node beta by token:admin1"
"$B" nodes --db "$DSN" -o json | jq -e '.items[1] | .state == "draining" and .status == "drained"' >/dev/null &&
    "$B" nodes --db "$DSN" -o json | jq -e '.items[0].state == "active"' >/dev/null &&
    pass "batchctl nodes --db: beta drained (no run), alpha active" ||
    fail "batchctl nodes --db: beta drained (no run), alpha active"
"$B" nodes undrain --db "$DSN" --actor ops-bob beta >/dev/null 2>"$tmp/err" &&
    wait_for "$WAIT" b_state active && pass "batchctl nodes undrain --db: beta active again" ||
    fail "batchctl nodes undrain --db: beta active again" "$tmp/err"

# The log of alpha's run, asked of beta: beta forwards to alpha with the caller's token.
code=$(curl -sS -o "$tmp/log" -w '%{http_code}' -H "Authorization: Bearer $VIEWER" \
    "$BB/api/v1/instances/$run_id/log")
[ "$code" = 200 ] && [ "$(cat "$tmp/log")" = "$(printf 'first-line\nsecond-line')" ] &&
    pass "GET .../log through beta: alpha's run's log, 200" ||
    fail "GET .../log through beta: alpha's run's log, 200" "$tmp/log"
code=$(curl -sS -o "$tmp/log" -D "$tmp/hdr" -w '%{http_code}' -H "Authorization: Bearer $VIEWER" \
    -H 'Range: bytes=11-' "$BB/api/v1/instances/$run_id/log")
[ "$code" = 206 ] && [ "$(cat "$tmp/log")" = second-line ] &&
    tr -d '\r' <"$tmp/hdr" | grep -qi '^content-range: bytes 11-22/23$' &&
    pass "a Range through beta: 206, the tail, alpha's Content-Range" ||
    fail "a Range through beta: 206, the tail, alpha's Content-Range" "$tmp/hdr"
"$B" --url "$BB" --token "$VIEWER" instance log "$run_id" >"$tmp/out" 2>"$tmp/err" &&
    [ "$(cat "$tmp/out")" = "$(printf 'first-line\nsecond-line')" ] &&
    pass "batchctl instance log through beta: the same text" ||
    fail "batchctl instance log through beta: the same text" "$tmp/err"
code=$(curl -sS -o "$tmp/log" -w '%{http_code}' "$BB/api/v1/instances/$run_id/log")
[ "$code" = 401 ] && pass "without a token: 401 (beta asks nothing of alpha)" ||
    fail "without a token: 401 (beta asks nothing of alpha)" "$tmp/log"
code=$(curl -sS -o "$tmp/log" -w '%{http_code}' -H "Authorization: Bearer $VIEWER" \
    -H 'Range: bytes=999-' "$BB/api/v1/instances/$run_id/log")
[ "$code" = 416 ] && jq -e '.detail | contains("23 bytes")' "$tmp/log" >/dev/null &&
    pass "a Range past the end through beta: alpha's 416 problem relayed" ||
    fail "a Range past the end through beta: alpha's 416 problem relayed" "$tmp/log"

# A node that stops heartbeating is lost once its lease (three heartbeats) ends; its runs'
# logs are then out of reach, said plainly.
kill "$apid"; wait "$apid" 2>/dev/null; apid=""
a_lost() {
    "$B" --url "$BB" --token "$VIEWER" nodes get alpha -o json 2>/dev/null | jq -e '.status == "lost"' >/dev/null
}
wait_for "$WAIT" a_lost && pass "alpha stopped: lost once its lease ended" || fail "alpha stopped: lost once its lease ended"
code=$(curl -sS -o "$tmp/log" -w '%{http_code}' -H "Authorization: Bearer $VIEWER" \
    "$BB/api/v1/instances/$run_id/log")
[ "$code" = 502 ] && jq -e '.detail | contains("on node \"alpha\"") and contains("does not answer")' "$tmp/log" >/dev/null &&
    pass "the log with alpha gone: 502 naming alpha" ||
    fail "the log with alpha gone: 502 naming alpha" "$tmp/log"

kill -0 "$bpid" 2>/dev/null && pass "beta still running" || fail "beta still running" "$tmp/b.err"
echo "nodes-pg: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
