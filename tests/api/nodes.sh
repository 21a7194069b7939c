#!/bin/sh
# Integration tests of the nodes routes and of draining (issue 22, docs/daemon.md "Nodes",
# docs/api.md "Nodes"): a real batchd on a temporary SQLite repository, spoken to over real
# HTTP with curl (answers checked with jq) and with batchctl, remotely and on the repository
# (--db). Expected values come from the issue and the docs: the node's row (its name, labels,
# capacity = max_runs, clock offset 0 on SQLite), viewers read, only an admin of tenant
# "default" drains, every change audited, a draining node starts no new run.
# Closes with "nodes-api: N passed, M failed"; exit status 1 when anything failed.
#   BUILD_DIR=$PWD/build tests/api/nodes.sh        KEEP=1 keeps the temporary directory
set -u
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
B="$BIN/batchctl"
D="$BIN/batchd"
for tool in curl jq sqlite3; do
    command -v "$tool" >/dev/null || { echo "nodes-api: $tool is needed" >&2; exit 1; }
done
passed=0
failed=0
tmp=$(mktemp -d)
daemon_pid=""
cleanup() {
    if [ -n "$daemon_pid" ]; then
        kill "$daemon_pid" 2>/dev/null
        wait "$daemon_pid" 2>/dev/null
    fi
    [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
. "$(dirname "$0")/../lib.sh" # pass, fail, wait_for

code=000
# req METHOD PATH TOKEN [CURL ARGS...]: status in $code, body in $tmp/body.
req() {
    m=$1 p=$2 t=$3
    shift 3
    code=$(curl -sS -o "$tmp/body" -w '%{http_code}' --max-time "$WAIT" -X "$m" \
        -H "Authorization: Bearer $t" "$base$p" "$@" 2>"$tmp/curl.err")
}
jqb() { jq -e "$@" "$tmp/body" >/dev/null 2>&1; }
# expect NAME STATUS [JQ ARGS... FILTER]: the last answer had STATUS (and FILTER holds).
expect() {
    e_name=$1 e_status=$2
    shift 2
    if [ "$code" = "$e_status" ] && { [ $# -eq 0 ] || jqb "$@"; }; then
        pass "$e_name"
    else
        echo "    HTTP $code"; head -c 3000 "$tmp/body" | sed 's/^/    | /'; echo
        fail "$e_name"
    fi
}
audit_count() {
    sqlite3 "$tmp/r.db" "SELECT count(*) FROM audit_log WHERE action = '$1' AND object = 'node n-api'"
}

mkdir -p "$tmp/defs" "$tmp/state"
cat >"$tmp/defs/jobs.yaml" <<DEFS
name: quick
type: manual
executor: {exec: {command: [/bin/echo, done]}}
DEFS
"$B" apply "$tmp/defs" --db "$tmp/r.db" --actor nodes-test >"$tmp/apply.out" 2>&1 ||
    { echo "Bail out! batchctl apply failed"; cat "$tmp/apply.out"; exit 1; }
mk_token() { "$D" token create --name "$1" --role "$2" ${3:+--tenant "$3"} --db "$tmp/r.db" 2>/dev/null | head -n 1; }
VIEWER=$(mk_token v1 viewer)
OPERATOR=$(mk_token o1 operator)
ADMIN=$(mk_token a1 admin)
OTHER_ADMIN=$(mk_token a2 admin other)
[ -n "$VIEWER" ] && [ -n "$OPERATOR" ] && [ -n "$ADMIN" ] && [ -n "$OTHER_ADMIN" ] ||
    { echo "Bail out! batchd token create failed"; exit 1; }

"$D" --db "$tmp/r.db" --listen 127.0.0.1:0 --state-dir "$tmp/state" --node-name n-api \
    --labels " zone=eu-1, gpu" --max-runs 3 --heartbeat-interval 1 --log-file "$tmp/d.log" \
    2>>"$tmp/d.err" &
daemon_pid=$!
port_of_log() {
    port=$(sed -n 's/.*API listening on [^ ]* (port \([0-9]*\)).*/\1/p' "$tmp/d.log" 2>/dev/null |
        head -n 1)
    [ -n "$port" ]
}
wait_for "$WAIT" port_of_log || { echo "Bail out! batchd did not start"; cat "$tmp/d.log" "$tmp/d.err"; exit 1; }
base="http://127.0.0.1:$port"
listed() { req GET /api/v1/nodes "$VIEWER"; jqb '.items | length == 1'; }
wait_for "$WAIT" listed

# ---- the list and one node ------------------------------------------------------------------
req GET /api/v1/nodes "$VIEWER"
expect "GET /api/v1/nodes as viewer: this node with its name, labels (sorted), capacity = max_runs" 200 \
    --arg url "$base" '.next_cursor == null and (.items[0] | .name == "n-api" and .state == "active"
        and .status == "active" and .capacity == 3 and .running == 0
        and .labels == ["gpu", "zone=eu-1"] and .api_url == $url and .may_plan == true
        and .clock_offset_seconds == 0 and .heartbeat_age_seconds >= 0
        and (.heartbeat_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"))
        and (.lease_expires_at > .heartbeat_at))'
req GET /api/v1/nodes/n-api "$VIEWER"
expect "GET /api/v1/nodes/n-api: the node" 200 '.name == "n-api" and .capacity == 3'
req GET /api/v1/nodes/nope "$VIEWER"
expect "GET /api/v1/nodes/nope: 404 naming it" 404 '.detail | contains("nope")'
req GET "/api/v1/nodes?state=active" "$VIEWER"
expect "GET /api/v1/nodes?state=...: 400 (unknown parameter)" 400
req GET "/api/v1/nodes?cursor=zzz" "$VIEWER"
expect "GET /api/v1/nodes?cursor=zzz: 400 (not a cursor of the list)" 400
req GET /api/v1/nodes -
[ "$code" = 401 ] && pass "GET /api/v1/nodes without a token: 401" || fail "GET /api/v1/nodes without a token: 401"

# ---- health and metrics ---------------------------------------------------------------------
req GET /healthz -
expect "/healthz: ok, with this node (state, offset 0, may plan)" 200 '.status == "ok"
    and .node.name == "n-api" and .node.state == "active" and .node.clock_offset_seconds == 0
    and .node.may_plan == true and .node.max_clock_skew_seconds == 2'
req GET /metrics "$VIEWER"
grep -qx 'batchd_node_may_plan 1' "$tmp/body" && grep -qx 'batchd_node_draining 0' "$tmp/body" &&
    grep -qx 'batchd_node_clock_offset_seconds 0.000000' "$tmp/body" &&
    grep -qx 'batchd_node_max_clock_skew_seconds 2.000000' "$tmp/body" &&
    pass "/metrics: batchd_node_may_plan 1, draining 0, offset 0, bound 2" ||
    fail "/metrics: batchd_node_may_plan 1, draining 0, offset 0, bound 2" "$tmp/body"

# ---- drain: roles, audit, effect --------------------------------------------------------------
req POST /api/v1/nodes/n-api/drain "$VIEWER"
expect "drain as viewer: 403" 403
req POST /api/v1/nodes/n-api/drain "$OPERATOR"
expect "drain as operator: 403" 403
req POST /api/v1/nodes/n-api/drain "$OTHER_ADMIN"
expect "drain as an admin of another tenant: 403 saying why" 403 '.detail | contains("tenant \"default\"")'
req POST /api/v1/nodes/n-api/drain "$ADMIN" -H 'Content-Type: application/json' --data '{"x":1}'
expect "drain with a body: 400" 400
[ "$(audit_count node-drain)" = 0 ] && pass "refused drains changed nothing (no audit row)" ||
    fail "refused drains changed nothing (no audit row)"
req POST /api/v1/nodes/nope/drain "$ADMIN"
expect "drain of an unknown node: 404" 404 '.detail | contains("nope")'
req POST /api/v1/nodes/n-api/drain "$ADMIN"
expect "drain as admin: 200, the node draining; with no run it is drained" 200 \
    '.name == "n-api" and .state == "draining" and .status == "drained"'
req POST /api/v1/nodes/n-api/drain "$ADMIN"
expect "drain again: 200, still draining" 200 '.state == "draining"'
[ "$(audit_count node-drain)" = 1 ] &&
    [ "$(sqlite3 "$tmp/r.db" "SELECT actor FROM audit_log WHERE action = 'node-drain'")" = token:a1 ] &&
    pass "audit: one node-drain row by token:a1 (the repeated drain changed nothing)" ||
    fail "audit: one node-drain row by token:a1 (the repeated drain changed nothing)"
draining_seen() { req GET /healthz -; jqb '.node.state == "draining"'; }
wait_for "$WAIT" draining_seen && pass "the daemon sees its drain (/healthz node.state draining)" ||
    fail "the daemon sees its drain (/healthz node.state draining)" "$tmp/body"
req GET /metrics "$VIEWER"
grep -qx 'batchd_node_draining 1' "$tmp/body" && pass "/metrics: batchd_node_draining 1" ||
    fail "/metrics: batchd_node_draining 1" "$tmp/body"

# A submit while draining: the instance waits for a slot (the queue holds it) and no run
# starts, though 3 slots are free; after undrain it runs.
req POST /api/v1/jobs/quick/submit "$OPERATOR" -H 'Content-Type: application/json' --data '{}'
id=$(jq -r '.id // empty' "$tmp/body")
[ -n "$id" ] && pass "submit while draining: 201 with an id" || fail "submit while draining: 201 with an id"
queued() { req GET /metrics "$VIEWER"; grep -qx 'batchd_queue_depth 1' "$tmp/body"; }
if wait_for "$WAIT" queued && grep -qx 'batchd_runs_started_total 0' "$tmp/body"; then
    pass "draining: the instance waits in the queue, no run started"
else
    fail "draining: the instance waits in the queue, no run started" "$tmp/body"
fi
req GET "/api/v1/instances/$id" "$VIEWER"
expect "draining: the instance is not final and has no execution" 200 \
    '(.state_name | IN("Success", "Failed", "Start Failed") | not) and (.executions | length == 0)'

"$B" --url "$base" --token "$ADMIN" nodes undrain n-api -o json >"$tmp/out" 2>"$tmp/err" &&
    jq -e '.state == "active"' "$tmp/out" >/dev/null &&
    pass "batchctl nodes undrain (server): the node active" ||
    fail "batchctl nodes undrain (server): the node active" "$tmp/err"
ran() { req GET "/api/v1/instances/$id" "$VIEWER"; jqb '.state_name == "Success"'; }
wait_for "$WAIT" ran && pass "after undrain the waiting instance runs to Success" ||
    fail "after undrain the waiting instance runs to Success" "$tmp/body"
[ "$(audit_count node-undrain)" = 1 ] && pass "audit: one node-undrain row" ||
    fail "audit: one node-undrain row"

# ---- batchctl, remote and on the repository ----------------------------------------------------
"$B" --url "$base" --token "$VIEWER" nodes -o json >"$tmp/remote.json" 2>"$tmp/err" &&
    "$B" nodes list --db "$tmp/r.db" -o json >"$tmp/local.json" 2>>"$tmp/err" &&
    [ "$(jq -c '.items[] | [.name, .state, .capacity, .labels, .clock_offset_seconds]' "$tmp/remote.json")" = \
      '["n-api","active",3,["gpu","zone=eu-1"],0]' ] &&
    [ "$(jq -c '.items[] | [.name, .state, .capacity, .labels, .clock_offset_seconds]' "$tmp/local.json")" = \
      '["n-api","active",3,["gpu","zone=eu-1"],0]' ] &&
    pass "batchctl nodes -o json: the same node from the server and from --db" ||
    fail "batchctl nodes -o json: the same node from the server and from --db" "$tmp/err"
"$B" --url "$base" --token "$VIEWER" nodes >"$tmp/out" 2>"$tmp/err" &&
    head -n 1 "$tmp/out" | grep -q '^NAME  *STATUS  *SLOTS  *RUNS  *AGE  *OFFSET  *PLAN  *LABELS$' &&
    sed -n 2p "$tmp/out" | grep -q '^n-api  *active  *3  *0 .* +0\.000s  *yes  *gpu,zone=eu-1$' &&
    pass "batchctl nodes: the table" || { cat "$tmp/out"; fail "batchctl nodes: the table" "$tmp/err"; }
"$B" nodes list --db "$tmp/r.db" -o wide >"$tmp/out" 2>"$tmp/err" &&
    head -n 1 "$tmp/out" | grep -q '^NAME  *STATUS  *SLOTS  *RUNS  *AGE  *OFFSET  *PLAN  *API  *LEASE-EXPIRES  *STARTED  *LABELS$' &&
    sed -n 2p "$tmp/out" | grep -qF " $base " &&
    pass "batchctl nodes -o wide: API address, lease, start" || fail "batchctl nodes -o wide: API address, lease, start" "$tmp/out"
"$B" nodes --db "$tmp/r.db" -o xml >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q '"xml" is not a known output format' "$tmp/err" &&
    pass "batchctl nodes -o xml: usage error 2" || fail "batchctl nodes -o xml: usage error 2" "$tmp/err"
"$B" --url "$base" --token "$VIEWER" nodes get n-api -o yaml >"$tmp/out" 2>"$tmp/err" &&
    grep -q '^name: n-api$' "$tmp/out" && pass "batchctl nodes get -o yaml" ||
    fail "batchctl nodes get -o yaml" "$tmp/err"
"$B" --url "$base" --token "$VIEWER" nodes drain n-api >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q '403' "$tmp/err" && pass "batchctl nodes drain as viewer: status 1, the 403" ||
    fail "batchctl nodes drain as viewer: status 1, the 403" "$tmp/err"
"$B" nodes drain --db "$tmp/r.db" --actor ops-alice n-api -o json >"$tmp/out" 2>"$tmp/err" &&
    jq -e '.state == "draining"' "$tmp/out" >/dev/null &&
    [ "$(sqlite3 "$tmp/r.db" "SELECT count(*) FROM audit_log WHERE action = 'node-drain' AND actor = 'ops-alice'")" = 1 ] &&
    pass "batchctl nodes drain --db --actor: draining, audited as ops-alice" ||
    fail "batchctl nodes drain --db --actor: draining, audited as ops-alice" "$tmp/err"
"$B" nodes undrain --db "$tmp/r.db" n-api >/dev/null 2>"$tmp/err" &&
    pass "batchctl nodes undrain --db" || fail "batchctl nodes undrain --db" "$tmp/err"
"$B" nodes get --db "$tmp/r.db" nope >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q 'no node "nope"' "$tmp/err" && pass "batchctl nodes get NAME: unknown node, status 1" ||
    fail "batchctl nodes get NAME: unknown node, status 1" "$tmp/err"
"$B" nodes get --db "$tmp/r.db" 'bad name' >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q 'is not a node name' "$tmp/err" && pass "batchctl nodes get 'bad name': usage error 2" ||
    fail "batchctl nodes get 'bad name': usage error 2" "$tmp/err"
"$B" nodes frobnicate --db "$tmp/r.db" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && pass "batchctl nodes frobnicate: usage error 2" || fail "batchctl nodes frobnicate: usage error 2" "$tmp/err"
"$B" nodes drain --db "$tmp/r.db" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q 'needs a node NAME' "$tmp/err" && pass "batchctl nodes drain without NAME: usage error 2" ||
    fail "batchctl nodes drain without NAME: usage error 2" "$tmp/err"

kill -0 "$daemon_pid" 2>/dev/null && pass "batchd still running" || fail "batchd still running" "$tmp/d.err"
echo "nodes-api: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
