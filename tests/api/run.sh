#!/bin/sh
# Integration tests of the REST API: a real batchd on a temporary repository, spoken to over
# real HTTP with curl, answers checked with jq. Expected values come from DESIGN.md §3 and §10,
# docs/definitions.md and the API contract (every route authenticated but /healthz and the
# OpenAPI document, roles viewer < operator < admin, errors as application/problem+json).
# Closes with "api: N passed, M failed"; exit status 1 when anything failed.
#   BUILD_DIR=$PWD/build tests/api/run.sh        KEEP=1 keeps the temporary directory
set -u
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
B="$BIN/batchctl"
D="$BIN/batchd"
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
for tool in curl jq; do
    command -v "$tool" >/dev/null || { echo "api: $tool is needed" >&2; exit 1; }
done
# sqlite3 (the CLI) reads the audit log and ages a token; without it those checks are skipped.
if command -v sqlite3 >/dev/null; then HAVE_SQ=true; else HAVE_SQ=false; fi
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

. "$(dirname "$0")/../lib.sh" # pass, wait_for (fail is this file's own, below)
skipped=0
skip() { skipped=$((skipped + 1)); echo "ok - $1 # SKIP no sqlite3"; }
# fail NAME: prints the last request and its answer (status, headers, body).
fail() {
    failed=$((failed + 1))
    echo "not ok - $1"
    echo "    request: $last_req"
    echo "    answer:  HTTP $code"
    [ -f "$tmp/hdr" ] && grep -i '^\(content-type\|allow\|content-range\|location\):' "$tmp/hdr" |
        tr -d '\r' | sed 's/^/             /'
    [ -f "$tmp/body" ] && head -c 1500 "$tmp/body" | sed 's/^/    | /'
    echo
}
section() { echo "# $1"; }


# ---- HTTP ---------------------------------------------------------------------------------
# req METHOD PATH TOKEN [CURL ARGS...]: the answer's status in $code, body in $tmp/body,
# headers in $tmp/hdr; every body is also appended to $tmp/all (the secrets check reads it).
# TOKEN "-" sends no Authorization header.
code=000
last_req=""
req() {
    m=$1 p=$2 t=$3
    shift 3
    last_req="$m $p (token ${t_name:-?})"
    if [ "$t" = "-" ]; then
        code=$(curl -sS -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' --max-time "$WAIT" \
            -X "$m" "$base$p" "$@" 2>"$tmp/curl.err")
    else
        code=$(curl -sS -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' --max-time "$WAIT" \
            -X "$m" -H "Authorization: Bearer $t" "$base$p" "$@" 2>"$tmp/curl.err")
    fi
    [ -f "$tmp/body" ] || : >"$tmp/body"
    { echo "== $m $p -> $code"; cat "$tmp/body"; echo; } >>"$tmp/all"
}
# json METHOD PATH TOKEN BODY: a request with a JSON body.
json() {
    m=$1 p=$2 t=$3 b=$4
    shift 4
    req "$m" "$p" "$t" -H 'Content-Type: application/json' --data-binary "$b" "$@"
    last_req="$last_req body: $(printf %s "$b" | head -c 300)"
}
header() { tr -d '\r' <"$tmp/hdr" | sed -n "s/^$1: *//Ip" | tail -n 1; }
# jqb FILTER: FILTER over the last body is true.
jqb() { jq -e "$@" "$tmp/body" >/dev/null 2>&1; }
# is_problem STATUS: the last answer is a problem+json document with that status.
is_problem() {
    [ "$code" = "$1" ] && header Content-Type | grep -q '^application/problem+json' &&
        jqb --argjson s "$1" '(.type|type)=="string" and (.title|type)=="string" and .status==$s
                              and (.detail|type)=="string" and (.detail|length)>0'
}
# expect NAME STATUS [JQ ARGS... FILTER]: the last answer had STATUS (and FILTER holds).
expect() {
    e_name=$1 e_status=$2
    shift 2
    if [ "$code" = "$e_status" ] && { [ $# -eq 0 ] || jqb "$@"; }; then pass "$e_name"; else fail "$e_name"; fi
}
# expect_problem NAME STATUS [JQ ARGS... FILTER]: the last answer is a problem with STATUS.
expect_problem() {
    e_name=$1 e_status=$2
    shift 2
    if is_problem "$e_status" && { [ $# -eq 0 ] || jqb "$@"; }; then pass "$e_name"; else fail "$e_name"; fi
}
# check NAME COMMAND...: a pass when COMMAND succeeds (no HTTP answer to show).
check() {
    name=$1; shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}

# ---- instances ------------------------------------------------------------------------------
# state_of ID: the instance's state_name, read through the API as the admin.
state_of() {
    curl -s --max-time "$WAIT" -H "Authorization: Bearer $ADMIN" "$base/api/v1/instances/$1" |
        jq -r '.state_name // empty' 2>/dev/null
}
is_state() { [ "$(state_of "$1")" = "$2" ]; }
is_final() {
    case $(state_of "$1") in
        "Start Failed" | Success | Failed | "Timeout Failed" | "Timeout Skip" | Canceled | \
            "Manual Success") return 0 ;;
    esac
    return 1
}
count_instances() {
    curl -s --max-time "$WAIT" -H "Authorization: Bearer $ADMIN" "$base/api/v1/instances?limit=1000" |
        jq '.items | length'
}
count_audit() { sqlite3 "$tmp/r.db" "SELECT count(*) FROM audit_log" 2>/dev/null; }

# ---- the repository and the daemon -----------------------------------------------------------
mkdir -p "$tmp/defs" "$tmp/state"
SECRET_DEF=Def-Secret-7f3a91
SECRET_SUBMIT=Submit-Secret-c0ffee
cat >"$tmp/defs/jobs.yaml" <<EOF
kind: job
name: echo-job
group: g1
type: manual
executor: {exec: {command: [/bin/sh, -c, 'echo "hello \$BATCH_PARAM_GREETING"']}}
parameters: {greeting: default}
---
kind: job
name: secret-job
group: g1
type: manual
executor: {exec: {command: [/bin/sh, -c, 'echo "region \$BATCH_PARAM_REGION"']}}
parameters: {region: EU, db_password: $SECRET_DEF}
---
kind: job
name: sleeper
group: g2
type: manual
allow_multiple_instances: false
executor: {exec: {command: [/bin/sh, -c, 'while [ -d "\$0" ]; do sleep 0.2; done', $tmp]}}
---
kind: job
name: disabled-job
group: g2
type: manual
enabled: false
executor: {exec: {command: [/bin/echo, never]}}
---
kind: job
name: fail-job
group: g2
type: manual
executor: {exec: {command: [/bin/sh, -c, 'echo failing; exit 3']}}
---
kind: job
name: ticker
group: g2
type: manual
executor: {exec: {command: [/bin/sh, -c, 'sleep 0.5; for i in 1 2 3 4; do echo tick\$i; sleep 0.4; done']}}
---
kind: job
name: parent
group: chain
trigger: {cron: "0 0 29 2 *"}
executor: {exec: {command: [/bin/echo, parent]}}
---
kind: job
name: child
group: chain
trigger: {cron: "0 0 29 2 *"}
depends_on: [{job: parent, mode: success}]
executor: {exec: {command: [/bin/echo, child]}}
EOF
for i in 1 2 3 4 5 6 7; do
    printf 'kind: job\nname: page-%s\ngroup: paging\ntype: manual\nexecutor: {exec: {command: [/bin/true]}}\n---\n' "$i"
done | sed '$d' >"$tmp/defs/paging.yaml"

# The definitions go in with batchctl apply; without a batchctl, batchd --defs applies them
# the same way at its first start.
defs_opt=""
if [ -x "$B" ]; then
    if ! "$B" apply "$tmp/defs" --db "$tmp/r.db" --actor api-test >"$tmp/apply.out" 2>&1; then
        echo "Bail out! batchctl apply failed:"; cat "$tmp/apply.out"; exit 1
    fi
else
    echo "# no $B: the definitions are applied by batchd --defs"
    defs_opt="--defs $tmp/defs"
fi
mk_token() { "$D" token create --name "$1" --role "$2" --db "$tmp/r.db" 2>/dev/null | head -n 1; }
VIEWER=$(mk_token viewer1 viewer)
OPERATOR=$(mk_token operator1 operator)
ADMIN=$(mk_token admin1 admin)
OPERATOR2=$(mk_token operator2 operator)
if [ -z "$VIEWER" ] || [ -z "$OPERATOR" ] || [ -z "$ADMIN" ] || [ -z "$OPERATOR2" ]; then
    echo "Bail out! batchd token create failed"; exit 1
fi

# start_daemon: batchd with the API on a free port; its log in $tmp/d.N.log (N-th start).
starts=0
port_of_log() {
    port=$(sed -n 's/.*API listening on [^ ]* (port \([0-9]*\)).*/\1/p' "$tmp/d.$starts.log" \
        2>/dev/null | head -n 1)
    [ -n "$port" ]
}
start_daemon() {
    starts=$((starts + 1))
    # shellcheck disable=SC2086 # defs_opt is empty or two words
    "$D" --db "$tmp/r.db" --listen 127.0.0.1:0 --state-dir "$tmp/state" $defs_opt \
        --log-file "$tmp/d.$starts.log" 2>>"$tmp/d.err" &
    daemon_pid=$!
    defs_opt="" # only at the first start
    if ! wait_for "$WAIT" port_of_log; then
        echo "Bail out! batchd did not report its API port"
        cat "$tmp/d.$starts.log" "$tmp/d.err" 2>/dev/null
        exit 1
    fi
    base="http://127.0.0.1:$port"
    echo "# batchd pid $daemon_pid, API on $base"
}
# alive: after a request, batchd must still be running; when it died, that is a failure
# (with the request that killed it), and it is started again so the other checks still run.
alive() {
    if kill -0 "$daemon_pid" 2>/dev/null; then
        pass "batchd still running after $last_req"
        return 0
    fi
    wait "$daemon_pid" 2>/dev/null
    echo "exit status $?; stderr:" >"$tmp/body"
    tail -n 5 "$tmp/d.err" >>"$tmp/body"
    fail "batchd still running after $last_req"
    start_daemon
}
start_daemon

# as NAME METHOD PATH [CURL ARGS]: a request with the token of NAME (viewer, operator,
# operator2, admin, none).
as() {
    who=$1; shift
    case $who in
        viewer) t=$VIEWER ;; operator) t=$OPERATOR ;; operator2) t=$OPERATOR2 ;;
        admin) t=$ADMIN ;; none) t=- ;; *) t=$who ;;
    esac
    t_name=$who
    m=$1 p=$2
    shift 2
    req "$m" "$p" "$t" "$@"
}
# asj NAME METHOD PATH BODY [CURL ARGS]: the same with a JSON body.
asj() {
    who=$1; shift
    case $who in
        viewer) t=$VIEWER ;; operator) t=$OPERATOR ;; operator2) t=$OPERATOR2 ;;
        admin) t=$ADMIN ;; none) t=- ;; *) t=$who ;;
    esac
    t_name=$who
    m=$1 p=$2 b=$3
    shift 3
    json "$m" "$p" "$t" "$b" "$@"
}

# =============================================================================================
section "health, metrics, OpenAPI"
as none GET /healthz
expect "GET /healthz without a token: 200 {status: ok}" 200 '.status == "ok"'
header Content-Type | grep -q '^application/json' && pass "GET /healthz: Content-Type application/json" ||
    fail "GET /healthz: Content-Type application/json"

as none GET /api/v1/openapi.json
expect "GET /api/v1/openapi.json: 200, JSON with an \"openapi\" key" 200 'has("openapi") and has("paths")'
cp "$tmp/body" "$tmp/openapi.json"
# routes.c: "every route is in docs/api.md and in api/openapi.json; tests/api checks the table
# against the document". Each {"METHOD", "/pattern"} of the table must be a path+method there.
sed -n 's/^ *{"\([A-Z]*\)", "\([^"]*\)",.*/\1 \2/p' "$SRC/src/api/routes.c" >"$tmp/routes.txt"
missing=""
while read -r m p; do
    jq -e --arg m "$(echo "$m" | tr 'A-Z' 'a-z')" --arg p "$p" \
        '.paths | to_entries | map(select((.key | gsub("\\{[^}]*\\}"; "{}")) == $p))
         | any(.value | has($m))' "$tmp/openapi.json" >/dev/null 2>&1 || missing="$missing $m:$p"
done <"$tmp/routes.txt"
last_req="GET /api/v1/openapi.json (compared with src/api/routes.c)"
code=200
[ -s "$tmp/routes.txt" ] && [ -z "$missing" ] &&
    pass "OpenAPI document lists every route of src/api/routes.c" ||
    { echo "$missing" | tr ' ' '\n' | sed '/^$/d' >"$tmp/body"; fail "OpenAPI document lists every route of src/api/routes.c (missing below)"; }

as viewer GET /metrics
if [ "$code" = 200 ] && header Content-Type | grep -q '^text/plain'; then
    pass "GET /metrics as viewer: 200 text/plain"
else
    fail "GET /metrics as viewer: 200 text/plain"
fi
for metric in batchd_runs_started_total batchd_trigger_latency_seconds_bucket batchd_queue_depth \
    batchd_repository_latency_seconds batchd_instances_live; do
    grep -q "^$metric" "$tmp/body" && pass "/metrics has $metric" || fail "/metrics has $metric"
done
grep -q '^# TYPE batchd_trigger_latency_seconds histogram' "$tmp/body" &&
    grep -q '^batchd_trigger_latency_seconds_bucket{le="+Inf"}' "$tmp/body" &&
    pass "/metrics: trigger latency is a histogram with a +Inf bucket" ||
    fail "/metrics: trigger latency is a histogram with a +Inf bucket"

# =============================================================================================
section "authentication: 401 on every route but /healthz and the OpenAPI document"
# Every route with a sample path (including the routes being added).
cat >"$tmp/authroutes.txt" <<'EOF'
GET /metrics
GET /api/v1/jobs
GET /api/v1/jobs/echo-job
GET /api/v1/jobs/echo-job/versions
POST /api/v1/jobs/echo-job/submit
GET /api/v1/instances
GET /api/v1/instances/1
GET /api/v1/instances/1/log
POST /api/v1/instances/1/stop
POST /api/v1/instances/1/rerun
POST /api/v1/instances/1/mark-success
GET /api/v1/tokens
POST /api/v1/tokens
DELETE /api/v1/tokens/1
POST /batchRuntime/v2/submitJob?jobName=echo-job
POST /api/v1/jobs
PUT /api/v1/jobs/echo-job
DELETE /api/v1/jobs/echo-job
POST /api/v1/jobs/echo-job/enable
POST /api/v1/jobs/echo-job/disable
GET /api/v1/calendars
GET /api/v1/calendars/cal1
PUT /api/v1/calendars/cal1
DELETE /api/v1/calendars/cal1
GET /api/v1/settings
PUT /api/v1/settings
GET /api/v1/deps?date=2026-01-01
GET /api/v1/grid
POST /api/v1/events/ticket
EOF
# Requests without a token are answered before the body is looked at; still send a valid one.
while read -r m p; do
    as none "$m" "$p" -H 'Content-Type: application/json' --data-binary '{}'
    [ "$m" = GET ] && as none "$m" "$p"
    is_problem 401 && header WWW-Authenticate | grep -qi '^Bearer' &&
        pass "$m $p without a token: 401 problem+json (type, title, status, detail), WWW-Authenticate" ||
        fail "$m $p without a token: 401 problem+json (type, title, status, detail), WWW-Authenticate"
done <"$tmp/authroutes.txt"
as bdt_not-a-real-token GET /api/v1/jobs
expect_problem "wrong token: 401" 401
as none GET /api/v1/jobs -H "Authorization: Basic dXNlcjpwYXNz"
expect_problem "Basic instead of Bearer: 401" 401
as none GET /api/v1/jobs -H "Authorization: Bearer "
expect_problem "empty bearer token: 401" 401

# =============================================================================================
section "tokens (admin)"
as admin GET /api/v1/tokens
expect "GET /api/v1/tokens as admin: 200, the four tokens" 200 \
    '[.items[].name] as $n | (["viewer1","operator1","admin1","operator2"] - $n) == []'
asj admin POST /api/v1/tokens '{"name": "temp1", "role": "viewer"}'
expect "POST /api/v1/tokens: 201 with id and a bdt_ secret" 201 \
    '(.id|type)=="number" and (.secret|startswith("bdt_"))'
TEMP_SECRET=$(jq -r .secret "$tmp/body")
TEMP_ID=$(jq -r .id "$tmp/body")
as "$TEMP_SECRET" GET /api/v1/jobs
expect "the new token authenticates (viewer can GET)" 200
as "$TEMP_SECRET" POST /api/v1/jobs/echo-job/submit
expect_problem "the new viewer token cannot submit: 403" 403
as admin GET /api/v1/tokens
expect "token list: the new token, with role and no secret or hash field" 200 \
    '(.items[] | select(.name=="temp1") | .role=="viewer" and .revoked==false)
     and ([.items[] | keys[]] | map(select(test("secret|hash"))) | length == 0)'
grep -q "$TEMP_SECRET" "$tmp/body" && fail "token list never shows a secret" ||
    pass "token list never shows a secret"
if $HAVE_SQ; then
    hash_prefix=$(sqlite3 "$tmp/r.db" "SELECT substr(hash,1,16) FROM api_tokens WHERE name='temp1'")
    [ -n "$hash_prefix" ] && ! grep -q "$hash_prefix" "$tmp/body" &&
        pass "token list never shows a hash" || fail "token list never shows a hash"
else
    skip "token list never shows a hash"
fi
asj admin POST /api/v1/tokens '{"name": "temp1", "role": "viewer"}'
expect_problem "POST /api/v1/tokens with an existing name: 409" 409
asj admin POST /api/v1/tokens '{"name": "bad-role", "role": "superuser"}'
expect_problem "POST /api/v1/tokens with an unknown role: 400" 400
asj admin POST /api/v1/tokens '{"name": 5, "role": "viewer"}'
expect_problem "POST /api/v1/tokens with a number as name: 400" 400
asj admin POST /api/v1/tokens '{"name": "x", "role": "viewer", "colour": "red"}'
expect_problem "POST /api/v1/tokens with an unknown field: 400" 400
as admin DELETE "/api/v1/tokens/$TEMP_ID"
expect "DELETE /api/v1/tokens/ID: 204" 204
[ ! -s "$tmp/body" ] && pass "204 has an empty body" || fail "204 has an empty body"
alive
as "$TEMP_SECRET" GET /api/v1/jobs
expect_problem "a revoked token: 401" 401
as admin DELETE /api/v1/tokens/999999
expect_problem "DELETE an unknown token: 404" 404
# Expiry: the API takes expires_days (1 or more), so an expired token is made by moving the
# expiry of a fresh one into the past in the repository.
asj admin POST /api/v1/tokens '{"name": "short-lived", "role": "admin", "expires_days": 1}'
expect "POST /api/v1/tokens with expires_days 1: 201" 201
EXP_SECRET=$(jq -r .secret "$tmp/body")
as admin GET /api/v1/tokens
expect "token list shows expires_at of the expiring token" 200 \
    '.items[] | select(.name=="short-lived") | .expires_at | type == "string"'
as "$EXP_SECRET" GET /api/v1/jobs
expect "the expiring token works before its expiry" 200
if $HAVE_SQ; then
    sqlite3 "$tmp/r.db" "PRAGMA busy_timeout=5000; UPDATE api_tokens SET expires_at = strftime('%s','now') - 60 WHERE name='short-lived'" >/dev/null
    as "$EXP_SECRET" GET /api/v1/jobs
    expect_problem "an expired token: 401" 401 '.detail | test("expired")'
else
    skip "an expired token: 401"
fi
asj admin POST /api/v1/tokens '{"name": "neg", "role": "viewer", "expires_days": -1}'
expect_problem "POST /api/v1/tokens with expires_days -1: 400" 400
for who in viewer operator; do
    as $who GET /api/v1/tokens
    expect_problem "GET /api/v1/tokens as $who: 403" 403
    asj $who POST /api/v1/tokens '{"name": "sneaky", "role": "admin"}'
    expect_problem "POST /api/v1/tokens as $who: 403" 403
    as $who DELETE "/api/v1/tokens/1"
    expect_problem "DELETE /api/v1/tokens/1 as $who: 403" 403
done
as admin GET /api/v1/tokens
expect "403s created no token" 200 '[.items[].name] | index("sneaky") == null'

# =============================================================================================
section "jobs: list, filters, pagination, get, versions"
as viewer GET "/api/v1/jobs?limit=1000"
expect "GET /api/v1/jobs as viewer: all 15 jobs" 200 '(.items | length) == 15 and .next_cursor == null'
jq -r '.items[].name' "$tmp/body" | sort >"$tmp/alljobs"
as viewer GET "/api/v1/jobs?group=paging"
expect "jobs ?group=paging: the 7 page-N jobs only" 200 \
    '(.items|length)==7 and all(.items[]; .group=="paging" and (.name|startswith("page-")))'
as viewer GET "/api/v1/jobs?type=scheduled"
expect "jobs ?type=scheduled: parent and child" 200 '[.items[].name] == ["child","parent"]'
as viewer GET "/api/v1/jobs?type=manual&limit=1000"
expect "jobs ?type=manual: the 13 others" 200 '(.items|length)==13 and all(.items[]; .type=="manual")'
as viewer GET "/api/v1/jobs?enabled=false"
expect "jobs ?enabled=false: disabled-job only" 200 '[.items[].name] == ["disabled-job"] and .items[0].enabled == false'
as viewer GET "/api/v1/jobs?enabled=true&group=g2"
expect "jobs ?enabled=true&group=g2: filters combine" 200 \
    '[.items[].name] == ["fail-job","sleeper","ticker"]'
as viewer GET "/api/v1/jobs?type=weekly"
expect_problem "jobs ?type=weekly: 400" 400
as viewer GET "/api/v1/jobs?enabled=yes"
expect_problem "jobs ?enabled=yes: 400" 400
as viewer GET "/api/v1/jobs?limit=0"
expect_problem "jobs ?limit=0: 400" 400
as viewer GET "/api/v1/jobs?limit=abc"
expect_problem "jobs ?limit=abc: 400" 400
as viewer GET "/api/v1/jobs?bogus=1"
expect_problem "jobs ?bogus=1 (unknown query parameter): 400" 400
# Walk every page of 2.
: >"$tmp/walked"
cursor=""
pages=0
walk_ok=true
while :; do
    if [ -n "$cursor" ]; then as viewer GET "/api/v1/jobs?limit=2&cursor=$cursor"; else as viewer GET "/api/v1/jobs?limit=2"; fi
    [ "$code" = 200 ] && jqb '(.items|length) <= 2' || { walk_ok=false; break; }
    jq -r '.items[].name' "$tmp/body" >>"$tmp/walked"
    cursor=$(jq -r '.next_cursor // empty' "$tmp/body")
    pages=$((pages + 1))
    [ -z "$cursor" ] || [ $pages -gt 20 ] && break
done
$walk_ok && [ "$(sort "$tmp/walked")" = "$(cat "$tmp/alljobs")" ] && [ "$(wc -l <"$tmp/walked")" -eq 15 ] &&
    [ $pages -eq 8 ] &&
    pass "jobs limit=2 + cursor: 8 pages, every job exactly once" ||
    { sort "$tmp/walked" | uniq -c >"$tmp/body"; fail "jobs limit=2 + cursor: 8 pages, every job exactly once (walked: $pages pages)"; }
as viewer GET "/api/v1/jobs?group=paging&limit=3"
c1=$(jq -r '.next_cursor // empty' "$tmp/body")
as viewer GET "/api/v1/jobs?group=paging&limit=3&cursor=$c1"
expect "filtered pagination: second page of group=paging continues after the cursor" 200 \
    '[.items[].name] == ["page-4","page-5","page-6"]'

as viewer GET /api/v1/jobs/echo-job
expect "GET /api/v1/jobs/echo-job: 200 with name, group, type, enabled, version, spec" 200 \
    '.name=="echo-job" and .group=="g1" and .type=="manual" and .enabled==true
     and .version==1 and (.spec|type)=="string" and .tenant=="default"'
cp "$tmp/body" "$tmp/echo-job.json"
as viewer GET /api/v1/jobs/no-such-job
expect_problem "GET an unknown job: 404" 404
as viewer GET "/api/v1/jobs/echo-job?x=1"
expect_problem "GET a job with an unknown query parameter: 400" 400
as viewer GET /api/v1/jobs/echo-job/versions
expect "GET /api/v1/jobs/echo-job/versions: one version, by the applier" 200 \
    '(.items|length)==1 and .items[0].version==1 and (.items[0].changed_by|type)=="string"'
as viewer GET /api/v1/jobs/no-such-job/versions
expect_problem "versions of an unknown job: 404" 404

# =============================================================================================
section "secrets"
as viewer GET /api/v1/jobs/secret-job
expect "job JSON shows db_password as ***" 200 '.spec | test("db_password: \"?\\*\\*\\*")'
grep -q "$SECRET_DEF" "$tmp/body" && fail "job JSON never shows the secret value" ||
    pass "job JSON never shows the secret value"
as viewer GET /api/v1/jobs/secret-job/versions
grep -q "$SECRET_DEF" "$tmp/body" && fail "job versions never show the secret value" ||
    pass "job versions never show the secret value"

# =============================================================================================
section "submit"
n_before=$(count_instances)
asj viewer POST /api/v1/jobs/echo-job/submit '{"params": {"greeting": "viewer"}}'
expect_problem "submit as viewer: 403" 403
asj operator POST /api/v1/jobs/echo-job/submit '{"params": {"greeting": "world-from-api"}}'
expect "submit as operator: 201 with the instance (job, state, params)" 201 \
    '.job=="echo-job" and (.id|type)=="number" and .params.greeting=="world-from-api"
     and (.state|type)=="number" and (.state_name|type)=="string" and .scheduled==false'
ECHO_ID=$(jq -r .id "$tmp/body")
wait_for "$WAIT" is_final "$ECHO_ID"
check "the submitted echo-job instance ends Success" is_state "$ECHO_ID" Success
as viewer GET "/api/v1/instances/$ECHO_ID/log"
expect "instance log as viewer: 200" 200
grep -q 'hello world-from-api' "$tmp/body" &&
    pass "the submitted parameter reached the job (BATCH_PARAM_GREETING in its output)" ||
    fail "the submitted parameter reached the job (BATCH_PARAM_GREETING in its output)"
header Content-Type | grep -q '^text/plain' && pass "instance log: Content-Type text/plain" ||
    fail "instance log: Content-Type text/plain"
cp "$tmp/body" "$tmp/echo.log"
as admin POST /api/v1/jobs/echo-job/submit
expect "submit with an empty body as admin: 201" 201 '.job=="echo-job"'
ADMIN_ECHO_ID=$(jq -r .id "$tmp/body")
wait_for "$WAIT" is_final "$ADMIN_ECHO_ID"
as viewer GET "/api/v1/instances/$ADMIN_ECHO_ID/log"
expect "a submit without parameters runs with the definition's (hello default)" 200
grep -q 'hello default' "$tmp/body" && pass "the log of that run has hello default" ||
    fail "the log of that run has hello default"
asj operator POST /api/v1/jobs/echo-job/submit '{"params": {"n": 5, "flag": true}}'
expect "submit with number and boolean parameters: 201, as text" 201 '.params.n=="5" and .params.flag=="true"'
asj operator POST /api/v1/jobs/disabled-job/submit '{}'
expect_problem "submit of a disabled job: 409" 409
asj operator POST /api/v1/jobs/no-such-job/submit '{}'
expect_problem "submit of an unknown job: 404" 404
# The legacy endpoint: the body is the parameters object itself.
asj operator POST "/batchRuntime/v2/submitJob?jobName=echo-job" '{"greeting": "legacy"}'
expect "legacy POST /batchRuntime/v2/submitJob?jobName=echo-job: 201, params from the body" 201 \
    '.job=="echo-job" and .params.greeting=="legacy"'
LEGACY_ID=$(jq -r .id "$tmp/body")
asj viewer POST "/batchRuntime/v2/submitJob?jobName=echo-job" '{}'
expect_problem "legacy submit as viewer: 403" 403
asj operator POST "/batchRuntime/v2/submitJob" '{}'
expect_problem "legacy submit without jobName: 400" 400
asj operator POST "/batchRuntime/v2/submitJob?jobName=echo-job" '[1]'
expect_problem "legacy submit with an array body: 400" 400
# Secrets on submit.
asj operator POST /api/v1/jobs/secret-job/submit "{\"params\": {\"db_password\": \"$SECRET_SUBMIT\", \"region\": \"US\"}}"
expect "submit of secret-job: 201 with db_password shown as ***" 201 \
    '.params.db_password=="***" and .params.region=="US"'
SECRET_ID=$(jq -r .id "$tmp/body")
wait_for "$WAIT" is_final "$SECRET_ID"
as viewer GET "/api/v1/instances/$SECRET_ID"
expect "instance JSON of secret-job shows db_password as ***" 200 '.params.db_password=="***"'
as viewer GET "/api/v1/instances/$SECRET_ID/log"
expect "secret-job log: the non-secret parameter is there" 200
grep -q 'region US' "$tmp/body" && pass "secret-job ran with region US" || fail "secret-job ran with region US"

# Single instance: sleeper (allow_multiple_instances false; it runs until it is stopped, or
# until this test's directory is removed).
asj operator POST /api/v1/jobs/sleeper/submit '{}'
expect "submit sleeper: 201" 201
SLEEP_ID=$(jq -r .id "$tmp/body")
wait_for "$WAIT" is_state "$SLEEP_ID" Running
check "sleeper reaches Running" is_state "$SLEEP_ID" Running
asj operator POST /api/v1/jobs/sleeper/submit '{}'
expect_problem "a second submit of a live single-instance job: 409 with a reason" 409 \
    '.detail | test("multiple instances|live|running|Running"; "i")'

# Request errors on submit (none may create anything).
n_mid=$(count_instances)
asj operator POST /api/v1/jobs/echo-job/submit '{"params": {'
expect_problem "submit with bad JSON: 400" 400
asj operator POST /api/v1/jobs/echo-job/submit '[{"params": {}}]'
expect_problem "submit with an array instead of an object: 400" 400
asj operator POST /api/v1/jobs/echo-job/submit '{"params": 5}'
expect_problem "submit with params a number: 400" 400
asj operator POST /api/v1/jobs/echo-job/submit '{"params": {"greeting": ["a"]}}'
expect_problem "submit with a list as a parameter value: 400" 400
asj operator POST /api/v1/jobs/echo-job/submit '{"parameters": {}}'
expect_problem "submit with an unknown field: 400" 400
asj operator POST /api/v1/jobs/echo-job/submit '{"params": {}, "params": {}}'
expect_problem "submit with a duplicate key: 400" 400
# Found by fuzz/api_body: a control character in a key, which the repository's parameter
# parser refuses, must be refused at the door, not stored unreadable.
asj operator POST /api/v1/jobs/echo-job/submit '{"params": {"\u007fk": "v"}}'
expect_problem "submit with a control character in a parameter key: 400" 400
as operator POST /api/v1/jobs/echo-job/submit -H 'Content-Type: text/plain' --data-binary 'greeting=x'
{ is_problem 415 || is_problem 400; } && pass "submit with a text/plain body: 415 (or 400)" ||
    fail "submit with a text/plain body: 415 (or 400)"
head -c 1100000 /dev/zero | tr '\0' 'a' | sed 's/^/{"params": {"big": "/; s/$/"}}/' >"$tmp/big.json"
as operator POST /api/v1/jobs/echo-job/submit -H 'Content-Type: application/json' --data-binary "@$tmp/big.json"
expect_problem "submit with a body over 1 MiB (Content-Length): 413" 413
as operator POST /api/v1/jobs/echo-job/submit -H 'Content-Type: application/json' \
    -H 'Transfer-Encoding: chunked' --data-binary "@$tmp/big.json"
expect_problem "submit with a chunked body over 1 MiB: 413" 413
as operator POST "/api/v1/jobs/echo-job/submit?now=1" -H 'Content-Type: application/json' --data-binary '{}'
expect_problem "submit with an unknown query parameter: 400" 400
n_after=$(count_instances)
last_req="GET /api/v1/instances?limit=1000 (count before and after the 4xx requests)"
[ "$n_mid" = "$n_after" ] && pass "4xx submits created no instance ($n_mid before, $n_after after)" ||
    fail "4xx submits created no instance ($n_mid before, $n_after after)"

# =============================================================================================
section "instances: list, filters, pagination, get, log"
as viewer GET "/api/v1/instances?limit=1000"
expect "GET /api/v1/instances as viewer: 200 with items and next_cursor" 200 \
    '(.items|type)=="array" and has("next_cursor") and (.items|length) >= 6'
jq -r '.items[].id' "$tmp/body" >"$tmp/allinst"
as viewer GET "/api/v1/instances?job=echo-job&limit=1000"
expect "instances ?job=echo-job: only echo-job, 4 of them" 200 \
    'all(.items[]; .job=="echo-job") and (.items|length)==4'
as viewer GET "/api/v1/instances?state=Success&limit=1000"
expect "instances ?state=Success: only Success" 200 \
    '(.items|length)>=1 and all(.items[]; .state==5 and .state_name=="Success")'
as viewer GET "/api/v1/instances?state=4"
expect "instances ?state=4 (code): the running sleeper" 200 \
    --argjson id "$SLEEP_ID" '[.items[].id] | index($id) != null'
as viewer GET "/api/v1/instances?state=Sleeping"
expect_problem "instances ?state=Sleeping: 400" 400
today=$(date -u +%Y-%m-%d)
tomorrow=$(date -u -d tomorrow +%Y-%m-%d 2>/dev/null || date -u -v+1d +%Y-%m-%d)
as viewer GET "/api/v1/instances?from=${today}T00:00:00Z&to=${tomorrow}T00:00:00Z&limit=1000"
expect "instances ?from=today&to=tomorrow: every instance (all submitted today)" 200 \
    --argjson n "$(wc -l <"$tmp/allinst")" '(.items|length)==$n'
as viewer GET "/api/v1/instances?from=2001-01-01T00:00:00Z&to=2001-01-02T00:00:00Z"
expect "instances ?from&to in 2001: none" 200 '(.items|length)==0 and .next_cursor==null'
as viewer GET "/api/v1/instances?from=${today}T00:00:00Z"
expect_problem "instances ?from without to: 400" 400
as viewer GET "/api/v1/instances?from=yesterday&to=today"
expect_problem "instances ?from=yesterday (not ISO-8601): 400" 400
as viewer GET "/api/v1/instances?order=newest&limit=1000"
expect "instances ?order=newest: ids descending" 200 '[.items[].id] == ([.items[].id] | sort | reverse)'
as viewer GET "/api/v1/instances?order=oldest&limit=1000"
expect "instances ?order=oldest: ids ascending" 200 '[.items[].id] == ([.items[].id] | sort)'
as viewer GET "/api/v1/instances?order=random"
expect_problem "instances ?order=random: 400" 400
as viewer GET "/api/v1/instances?cursor=abc"
expect_problem "instances ?cursor=abc: 400" 400
as viewer GET "/api/v1/instances?limit=1001"
expect_problem "instances ?limit=1001: 400" 400
as viewer GET "/api/v1/instances?jobname=x"
expect_problem "instances ?jobname=x (unknown query parameter): 400" 400
for order in oldest newest; do
    : >"$tmp/walked"
    cursor=""
    pages=0
    while :; do
        q="/api/v1/instances?limit=2&order=$order"
        [ -n "$cursor" ] && q="$q&cursor=$cursor"
        as viewer GET "$q"
        [ "$code" = 200 ] || break
        jq -r '.items[].id' "$tmp/body" >>"$tmp/walked"
        cursor=$(jq -r '.next_cursor // empty' "$tmp/body")
        pages=$((pages + 1))
        [ -z "$cursor" ] || [ $pages -gt 50 ] && break
    done
    [ "$(sort -n "$tmp/walked")" = "$(sort -n "$tmp/allinst")" ] &&
        pass "instances limit=2 + cursor, order=$order: every instance exactly once ($pages pages)" ||
        { sort -n "$tmp/walked" | uniq -c >"$tmp/body"; fail "instances limit=2 + cursor, order=$order: every instance exactly once"; }
done

as viewer GET "/api/v1/instances/$ECHO_ID"
expect "GET /api/v1/instances/ID: state, history, executions with steps" 200 \
    '.id != null and .state==5 and .state_name=="Success"
     and (.history|length)>=3 and (.history|last|.to)==5
     and all(.history[]; has("at") and has("from") and has("to") and has("actor"))
     and (.executions|length)==1 and .executions[0].finished==true
     and .executions[0].exit_status==0 and (.executions[0].steps|type)=="array"'
as viewer GET /api/v1/instances/999999
expect_problem "GET an unknown instance: 404" 404
as viewer GET /api/v1/instances/abc
expect_problem "GET /api/v1/instances/abc: 404" 404

# Log: whole, ranges, follow.
size=$(wc -c <"$tmp/echo.log")
as viewer GET "/api/v1/instances/$ECHO_ID/log" -H 'Range: bytes=0-4'
expect "log Range bytes=0-4: 206 with the first 5 bytes" 206
[ "$(cat "$tmp/body")" = "$(head -c 5 "$tmp/echo.log")" ] && [ "$(wc -c <"$tmp/body")" -eq 5 ] &&
    header Content-Range | grep -q "^bytes 0-4/$size" && pass "log Range bytes=0-4: body and Content-Range" ||
    fail "log Range bytes=0-4: body and Content-Range"
as viewer GET "/api/v1/instances/$ECHO_ID/log" -H 'Range: bytes=6-'
expect "log Range bytes=6-: 206" 206
[ "$(cat "$tmp/body")" = "$(tail -c +7 "$tmp/echo.log")" ] && pass "log Range bytes=6-: the rest of the log" ||
    fail "log Range bytes=6-: the rest of the log"
as viewer GET "/api/v1/instances/$ECHO_ID/log" -H "Range: bytes=$((size + 100))-"
expect_problem "log Range past the end: 416" 416
as viewer GET "/api/v1/instances/$ECHO_ID/log" -H "Range: lines=1-2"
expect_problem "log Range in lines: 416" 416
as viewer GET "/api/v1/instances/$ECHO_ID/log?follow=maybe"
expect_problem "log ?follow=maybe: 400" 400
as viewer GET "/api/v1/instances/$ECHO_ID/log?tail=1"
expect_problem "log ?tail=1 (unknown query parameter): 400" 400
as viewer GET /api/v1/instances/999999/log
expect_problem "log of an unknown instance: 404" 404
asj operator POST /api/v1/jobs/ticker/submit '{}'
TICK_ID=$(jq -r .id "$tmp/body")
has_exec() { curl -s -H "Authorization: Bearer $ADMIN" "$base/api/v1/instances/$1" | jq -e '.executions | length > 0' >/dev/null 2>&1; }
wait_for "$WAIT" has_exec "$TICK_ID"
t0=$(date +%s)
curl -sS -N --max-time "$WAIT" -H "Authorization: Bearer $VIEWER" \
    "$base/api/v1/instances/$TICK_ID/log?follow=true" >"$tmp/follow.out" 2>"$tmp/follow.err"
rc=$?
t1=$(date +%s)
last_req="GET /api/v1/instances/$TICK_ID/log?follow=true (curl --max-time $WAIT, exit $rc, $((t1 - t0)) s)"
code=200
cp "$tmp/follow.out" "$tmp/body"
[ $rc -eq 0 ] && grep -q tick1 "$tmp/follow.out" && grep -q tick4 "$tmp/follow.out" &&
    pass "log ?follow=true streams the lines as they come and ends with the execution" ||
    fail "log ?follow=true streams the lines as they come and ends with the execution"
as viewer GET "/api/v1/instances/$ECHO_ID/log?follow=true"
expect "log ?follow=true of a finished execution: the whole log at once" 200
[ "$(cat "$tmp/body")" = "$(cat "$tmp/echo.log")" ] && pass "follow of a finished log equals the log" ||
    fail "follow of a finished log equals the log"

# A run that wrote nothing has no log file (docs/daemon.md): its log is empty, not an error.
asj operator POST /api/v1/jobs/page-1/submit '{}'
SILENT_ID=$(jq -r .id "$tmp/body")
wait_for "$WAIT" is_final "$SILENT_ID"
as viewer GET "/api/v1/instances/$SILENT_ID/log"
expect "log of a run that wrote nothing: 200" 200
[ ! -s "$tmp/body" ] && pass "log of a run that wrote nothing: empty" ||
    fail "log of a run that wrote nothing: empty"
as viewer GET "/api/v1/instances/$SILENT_ID/log?follow=true"
expect "follow of a finished run that wrote nothing: 200" 200
[ ! -s "$tmp/body" ] && pass "follow of a finished run that wrote nothing: empty" ||
    fail "follow of a finished run that wrote nothing: empty"
as viewer GET "/api/v1/instances/$SILENT_ID/log" -H 'Range: bytes=0-'
expect_problem "log Range of an empty log: 416" 416

# =============================================================================================
section "dead letters"
# Letters as an SDK program records them (store_dead_letter_add), written with sqlite3.
if $HAVE_SQ; then
    sqlite3 -cmd ".timeout 10000" "$tmp/r.db" "INSERT INTO dead_letters(instance_id, step, item, error, created_at)
        VALUES ($ECHO_ID, 'import', 'a,1', 'bad a', 1764547200), ($ECHO_ID, 'import', 'b,2', 'bad b', 1764547201),
               ($SILENT_ID, 'load', 'c,3', 'bad c', 1764547202)"
    as viewer GET /api/v1/dead-letters
    expect "dead letters as viewer: 200, all three, oldest first, with job and time" 200 \
        --argjson e "$ECHO_ID" '(.items|length)==3 and .next_cursor==null
         and .items[0].instance==$e and .items[0].job=="echo-job" and .items[0].step=="import"
         and .items[0].item=="a,1" and .items[0].error=="bad a" and .items[0].created_at=="2025-12-01T00:00:00Z"
         and .items[2].item=="c,3" and .items[2].job=="page-1"'
    as viewer GET "/api/v1/dead-letters?instance=$SILENT_ID"
    expect "dead letters ?instance=: that instance's" 200 '(.items|length)==1 and .items[0].item=="c,3"'
    as viewer GET "/api/v1/dead-letters?job=echo-job"
    expect "dead letters ?job=: that job's" 200 '(.items|length)==2 and all(.items[]; .job=="echo-job")'
    as viewer GET "/api/v1/dead-letters?limit=2"
    expect "dead letters ?limit=2: a full page with a cursor" 200 \
        '(.items|length)==2 and .next_cursor==(.items[1].id|tostring)'
    cur=$(jq -r .next_cursor "$tmp/body")
    as viewer GET "/api/v1/dead-letters?limit=2&cursor=$cur"
    expect "dead letters ?cursor=: the rest" 200 '(.items|length)==1 and .items[0].item=="c,3" and .next_cursor==null'
    as viewer GET "/api/v1/dead-letters?instance=abc"
    expect_problem "dead letters ?instance=abc: 400" 400
    as viewer GET "/api/v1/dead-letters?step=import"
    expect_problem "dead letters ?step= (unknown query parameter): 400" 400
    asj viewer POST /api/v1/dead-letters/purge '{"all": true}'
    expect_problem "purge as viewer: 403" 403
    for body in '{}' '{"all": false}' '{"job": 3}' '{"instance": 0}' '{"steps": "x"}'; do
        asj operator POST /api/v1/dead-letters/purge "$body"
        expect_problem "purge $body: 400" 400
    done
    as viewer GET /api/v1/dead-letters
    expect "a refused purge deletes nothing" 200 '(.items|length)==3'
    asj operator POST /api/v1/dead-letters/purge "{\"instance\": $SILENT_ID}"
    expect "purge one instance's letters as operator: 200 {purged: 1}" 200 '.purged==1'
    check "purge: audited as dlq-purge by token:operator1" sh -c \
        "[ \$(sqlite3 -cmd '.timeout 10000' '$tmp/r.db' \"SELECT count(*) FROM audit_log WHERE actor='token:operator1' AND action='dlq-purge'\") -eq 1 ]"
    as viewer GET /api/v1/dead-letters
    expect "after it: the other two are left" 200 '(.items|length)==2 and all(.items[]; .job=="echo-job")'
    asj operator POST /api/v1/dead-letters/purge '{"all": true}'
    expect "purge all: 200 {purged: 2}" 200 '.purged==2'
    as viewer GET /api/v1/dead-letters
    expect "after it: none" 200 '(.items|length)==0 and .next_cursor==null'
else
    skip "dead letters (they are written with sqlite3)"
fi

# =============================================================================================
section "stop, rerun, mark-success"
for who in viewer; do
    for action in stop rerun mark-success; do
        as $who POST "/api/v1/instances/$SLEEP_ID/$action"
        expect_problem "POST instances/ID/$action as $who: 403" 403
    done
done
check "the 403s left the sleeper Running" is_state "$SLEEP_ID" Running
asj operator POST "/api/v1/instances/$SLEEP_ID/stop" '{"reason": "api test"}' -H 'X-Unused: 1'
if [ "$code" = 200 ] || [ "$code" = 202 ]; then
    jqb --argjson id "$SLEEP_ID" '.instance==$id and .action=="stop"' && pass "POST stop as operator: 200/202 with the request" ||
        fail "POST stop as operator: 200/202 with the request"
else
    fail "POST stop as operator: 200/202 with the request"
fi
wait_for "$WAIT" is_final "$SLEEP_ID"
check "the stopped sleeper ends Canceled" is_state "$SLEEP_ID" Canceled
as viewer GET "/api/v1/instances/$SLEEP_ID"
expect "the Canceled instance's history has the stop by token:operator1" 200 \
    'any(.history[]; .to==9) and any(.history[]; (.actor // "") | test("operator1"))'
asj operator POST "/api/v1/instances/$SLEEP_ID/stop" '{"reason": 5}'
expect_problem "stop with a number as reason: 400" 400
asj operator POST "/api/v1/instances/$SLEEP_ID/stop" '{"why": "x"}'
expect_problem "stop with an unknown field: 400" 400
as operator POST /api/v1/instances/999999/stop
expect_problem "stop of an unknown instance: 404" 404
as operator POST "/api/v1/instances/$ECHO_ID/stop"
expect_problem "stop of a finished instance: 409" 409

as operator POST "/api/v1/instances/$ECHO_ID/rerun"
{ [ "$code" = 200 ] || [ "$code" = 202 ]; } && jqb '.action=="rerun"' &&
    pass "POST rerun of a Success instance as operator: 200/202" || fail "POST rerun of a Success instance as operator: 200/202"
has_two_execs() { curl -s -H "Authorization: Bearer $ADMIN" "$base/api/v1/instances/$1" | jq -e '(.executions|length)>=2 and (.executions|last|.finished)' >/dev/null 2>&1; }
wait_for "$WAIT" has_two_execs "$ECHO_ID"
as viewer GET "/api/v1/instances/$ECHO_ID"
expect "the rerun instance ran again (two executions) and ended Success" 200 \
    '(.executions|length)==2 and .state_name=="Success"'

asj operator POST /api/v1/jobs/fail-job/submit '{}'
FAIL_ID=$(jq -r .id "$tmp/body")
wait_for "$WAIT" is_final "$FAIL_ID"
check "fail-job ends Failed" is_state "$FAIL_ID" Failed
asj operator POST "/api/v1/instances/$FAIL_ID/mark-success" '{"reason": "checked by hand"}'
{ [ "$code" = 200 ] || [ "$code" = 202 ]; } && pass "POST mark-success of a Failed instance: 200/202" ||
    fail "POST mark-success of a Failed instance: 200/202"
wait_for "$WAIT" is_state "$FAIL_ID" "Manual Success"
check "mark-success: the instance is Manual Success (12)" is_state "$FAIL_ID" "Manual Success"
as admin POST "/api/v1/instances/$ADMIN_ECHO_ID/mark-success"
{ [ "$code" = 200 ] || [ "$code" = 202 ] || [ "$code" = 409 ]; } &&
    pass "admin may act on instances (mark-success: 200/202, or 409 if refused by state)" ||
    fail "admin may act on instances (mark-success: 200/202, or 409 if refused by state)"

# =============================================================================================
section "errors: routes and methods"
as viewer GET /api/v1/nothing-here
expect_problem "unknown route: 404 problem" 404
as viewer GET /api/v2/jobs
expect_problem "unknown route /api/v2/jobs: 404 problem" 404
as viewer GET /api/v1/jobs/echo-job/submit
expect_problem "GET on POST-only /api/v1/jobs/NAME/submit: 405" 405
header Allow | grep -qw POST && pass "405 Allow header lists POST" || fail "405 Allow header lists POST"
as admin DELETE /api/v1/instances
expect_problem "DELETE /api/v1/instances: 405" 405
header Allow | grep -qw GET && pass "405 Allow header lists GET" || fail "405 Allow header lists GET"
as admin PATCH /api/v1/tokens
expect_problem "PATCH /api/v1/tokens: 405" 405
header Allow | grep -qw GET && header Allow | grep -qw POST && pass "405 Allow: GET, POST for /api/v1/tokens" ||
    fail "405 Allow: GET, POST for /api/v1/tokens"
as none GET /healthz -X POST
expect_problem "POST /healthz: 405" 405

# =============================================================================================
section "definition writes, deps, filters (the contract being implemented)"
# --- POST /api/v1/jobs
a0=$(count_audit)
asj admin POST /api/v1/jobs '{"name": "api-made", "group": "api", "type": "manual", "parameters": {"api_token": "Tok-Secret-55aa"}, "executor": {"exec": {"command": ["/bin/echo", "made by api"]}}}'
expect "POST /api/v1/jobs (JSON) as admin: 201 with the job's JSON" 201 \
    '.name=="api-made" and .group=="api" and .type=="manual" and .enabled==true and .version==1
     and (.spec|type)=="string" and .tenant=="default"'
grep -q 'Tok-Secret-55aa' "$tmp/body" && fail "POST /api/v1/jobs: the secret parameter is redacted" ||
    pass "POST /api/v1/jobs: the secret parameter is redacted"
as viewer GET /api/v1/jobs/api-made
expect "the created job is readable" 200 '.name=="api-made" and .group=="api"'
asj admin POST /api/v1/jobs '{"name": "api-made", "type": "manual", "executor": {"exec": {"command": ["/bin/true"]}}}'
expect_problem "POST /api/v1/jobs of an existing name: 409" 409
asj admin POST /api/v1/jobs '{"kind": "job", "tenant": "default", "name": "api-kind", "type": "manual", "executor": {"exec": {"command": ["/bin/true"]}}}'
expect "POST /api/v1/jobs with kind job and the token's tenant: 201" 201 '.name=="api-kind"'
asj admin POST /api/v1/jobs '{"kind": "calendar", "name": "api-cal", "workdays": ["MON"]}'
{ is_problem 400 || is_problem 422; } && pass "POST /api/v1/jobs with kind calendar: 400 (or 422)" ||
    fail "POST /api/v1/jobs with kind calendar: 400 (or 422)"
asj admin POST /api/v1/jobs '{"tenant": "other", "name": "api-other", "type": "manual", "executor": {"exec": {"command": ["/bin/true"]}}}'
{ is_problem 400 || is_problem 403 || is_problem 422; } &&
    pass "POST /api/v1/jobs for another tenant: refused (400/403/422)" ||
    fail "POST /api/v1/jobs for another tenant: refused (400/403/422)"
as admin POST /api/v1/jobs -H 'Content-Type: application/yaml' --data-binary "$(printf 'kind: job\nname: api-yaml\ngroup: api\ntype: manual\nexecutor: {exec: {command: [/bin/echo, yaml]}}\n')"
expect "POST /api/v1/jobs (application/yaml) as admin: 201" 201 '.name=="api-yaml" and .group=="api"'
n_jobs=$(curl -s -H "Authorization: Bearer $ADMIN" "$base/api/v1/jobs?limit=1000" | jq '.items|length')
a1=$(count_audit)
asj admin POST /api/v1/jobs '{"name": "bad-cron", "trigger": {"cron": "99 * * * *"}, "executor": {"exec": {"command": ["/bin/true"]}}}'
expect_problem "POST /api/v1/jobs with a bad cron expression: 422 with errors [{where, message}]" 422 \
    '(.errors|length)>=1 and all(.errors[]; (.where|type)=="string" and (.message|type)=="string")'
asj admin POST /api/v1/jobs '{"name": "orphan", "trigger": {"cron": "0 0 29 2 *"}, "depends_on": [{"job": "no-such-parent", "mode": "success"}], "executor": {"exec": {"command": ["/bin/true"]}}}'
expect_problem "POST /api/v1/jobs with depends_on an unknown job: 422 with errors" 422 \
    '(.errors|length)>=1 and any(.errors[]; .message | test("no-such-parent"))'
asj admin POST /api/v1/jobs '{"name": "Bad Name!", "type": "manual", "executor": {"exec": {"command": ["/bin/true"]}}}'
{ is_problem 422 || is_problem 400; } && pass "POST /api/v1/jobs with an invalid name: 422 (or 400)" ||
    fail "POST /api/v1/jobs with an invalid name: 422 (or 400)"
asj admin POST /api/v1/jobs '{"name": "typo", "type": "manual", "executr": {"exec": {"command": ["/bin/true"]}}}'
{ is_problem 422 || is_problem 400; } && pass "POST /api/v1/jobs with an unknown key: 422 (or 400)" ||
    fail "POST /api/v1/jobs with an unknown key: 422 (or 400)"
asj admin POST /api/v1/jobs '{"name": 5, "type": "manual"}'
{ is_problem 422 || is_problem 400; } && pass "POST /api/v1/jobs with a number as name: 400 (or 422)" ||
    fail "POST /api/v1/jobs with a number as name: 400 (or 422)"
asj admin POST /api/v1/jobs '["api-made"]'
expect_problem "POST /api/v1/jobs with an array body: 400" 400
asj admin POST /api/v1/jobs '{"name": "x",'
expect_problem "POST /api/v1/jobs with bad JSON: 400" 400
as admin POST /api/v1/jobs -H 'Content-Type: application/yaml' --data-binary "$(printf 'name: [unclosed\n')"
{ is_problem 400 || is_problem 422; } && pass "POST /api/v1/jobs with bad YAML: 400 (or 422)" ||
    fail "POST /api/v1/jobs with bad YAML: 400 (or 422)"
n_jobs2=$(curl -s -H "Authorization: Bearer $ADMIN" "$base/api/v1/jobs?limit=1000" | jq '.items|length')
a2=$(count_audit)
last_req="GET /api/v1/jobs?limit=1000 and audit_log count around the refused creates"
[ "$n_jobs" = "$n_jobs2" ] && [ "$a1" = "$a2" ] &&
    pass "refused creates changed nothing (jobs $n_jobs -> $n_jobs2, audit rows $a1 -> $a2)" ||
    fail "refused creates changed nothing (jobs $n_jobs -> $n_jobs2, audit rows $a1 -> $a2)"
as viewer GET /api/v1/jobs/bad-cron
expect_problem "the refused bad-cron job does not exist: 404" 404
for who in viewer operator; do
    asj $who POST /api/v1/jobs '{"name": "by-'$who'", "type": "manual", "executor": {"exec": {"command": ["/bin/true"]}}}'
    expect_problem "POST /api/v1/jobs as $who: 403" 403
    asj $who PUT /api/v1/jobs/echo-job '{"name": "echo-job", "type": "manual", "executor": {"exec": {"command": ["/bin/true"]}}}'
    expect_problem "PUT /api/v1/jobs/echo-job as $who: 403" 403
    as $who DELETE /api/v1/jobs/page-7
    expect_problem "DELETE /api/v1/jobs/page-7 as $who: 403" 403
    as $who POST /api/v1/jobs/page-7/disable
    expect_problem "POST /api/v1/jobs/page-7/disable as $who: 403" 403
    as $who POST /api/v1/jobs/disabled-job/enable
    expect_problem "POST /api/v1/jobs/disabled-job/enable as $who: 403" 403
    asj $who PUT /api/v1/calendars/cal-$who '{"name": "cal-'$who'", "workdays": ["MON"]}'
    expect_problem "PUT /api/v1/calendars/NAME as $who: 403" 403
    as $who DELETE /api/v1/calendars/cal1
    expect_problem "DELETE /api/v1/calendars/NAME as $who: 403" 403
    asj $who PUT /api/v1/settings '{"timezone": "Europe/Paris"}'
    expect_problem "PUT /api/v1/settings as $who: 403" 403
done
as viewer GET /api/v1/jobs/echo-job
expect "403 writes left echo-job unchanged" 200 --slurpfile old "$tmp/echo-job.json" '.version == $old[0].version and .spec == $old[0].spec'

# --- PUT /api/v1/jobs/{name}
asj admin PUT /api/v1/jobs/api-put '{"name": "api-put", "group": "api", "type": "manual", "executor": {"exec": {"command": ["/bin/echo", "v1"]}}}'
expect "PUT /api/v1/jobs/api-put (new): 201" 201 '.name=="api-put" and .version==1'
asj admin PUT /api/v1/jobs/api-put '{"name": "api-put", "group": "api2", "type": "manual", "executor": {"exec": {"command": ["/bin/echo", "v2"]}}}'
expect "PUT /api/v1/jobs/api-put (existing): 200, replaced" 200 '.name=="api-put" and .group=="api2" and .version==2'
as viewer GET /api/v1/jobs/api-put/versions
expect "api-put has two versions" 200 '(.items|length)==2'
asj admin PUT /api/v1/jobs/api-put '{"name": "other-name", "type": "manual", "executor": {"exec": {"command": ["/bin/true"]}}}'
expect_problem "PUT with a body name different from the path: 400" 400
asj admin PUT /api/v1/jobs/api-put '{"name": "api-put", "trigger": {"cron": "* * * 13 *"}, "executor": {"exec": {"command": ["/bin/true"]}}}'
expect_problem "PUT with a bad cron expression: 422" 422 '(.errors|length)>=1'
# The problem is placed at the line and column of its key in the body as sent (the web
# UI's editor marks that line), not in the canonical text batchd validates.
t_name=admin
req PUT /api/v1/jobs/api-put "$ADMIN" -H 'Content-Type: application/yaml' --data-binary \
    "$(printf '# a comment\nname: api-put\nexecutor: {exec: {command: [/bin/true]}}\ntrigger:\n  timezone: UTC\n  cron: "0 25 * * *"\n')"
expect_problem "PUT YAML with a bad cron on line 6: the error is at request body:6:3 (trigger.cron)" 422 \
    '(.errors|length)==1 and .errors[0].where=="request body:6:3" and .errors[0].key=="trigger.cron"
     and (.errors[0].message|test("hour"))'
as viewer GET /api/v1/jobs/api-put
expect "refused PUTs left api-put at version 2" 200 '.version==2 and .group=="api2"'
# node_labels (docs/definitions.md): a JSON list, shown as its canonical text.
asj admin PUT /api/v1/jobs/api-labels '{"name": "api-labels", "type": "manual", "executor": {"exec": {"command": ["/bin/true"]}}, "node_labels": ["zone=eu-1", "gpu"]}'
expect "PUT a job with node_labels: 201, the canonical text" 201 '.node_labels=="gpu,zone=eu-1"'
as viewer GET /api/v1/jobs/api-labels
expect "GET the job: node_labels and its spec line" 200 \
    '.node_labels=="gpu,zone=eu-1" and (.spec|split("\n")|index("node_labels: \"gpu,zone=eu-1\"")) != null'
as viewer GET /api/v1/jobs/api-put
expect "a job without node_labels has no node_labels member" 200 'has("node_labels")|not'
t_name=admin
req PUT /api/v1/jobs/api-labels "$ADMIN" -H 'Content-Type: application/yaml' --data-binary \
    "$(printf 'name: api-labels\ntype: manual\nexecutor: {exec: {command: [/bin/true]}}\nnode_labels: "gpu, zone=eu 1"\n')"
expect_problem "PUT a bad node label: 422 at request body:4:14 (node_labels)" 422 \
    '(.errors|length)==1 and .errors[0].where=="request body:4:14" and .errors[0].key=="node_labels"
     and (.errors[0].message|test("byte 0x20 in its value"))'
asj admin PUT /api/v1/jobs/api-labels-http '{"name": "api-labels-http", "type": "manual", "executor": {"http": {"service": "http://fx.example/", "remote_job": "fx"}}, "node_labels": "gpu"}'
expect_problem "PUT an http job with node_labels: 422" 422 \
    '(.errors|length)==1 and .errors[0].key=="node_labels" and (.errors[0].message|test("exec jobs only"))'
as admin DELETE /api/v1/jobs/api-labels
expect "DELETE the node_labels job: 204" 204
asj admin PUT /api/v1/jobs/child '{"name": "child", "group": "chain", "trigger": {"cron": "0 0 29 2 *"}, "depends_on": [{"job": "child", "mode": "success"}], "executor": {"exec": {"command": ["/bin/echo", "child"]}}}'
expect_problem "PUT a job depending on itself: 422" 422

# --- enable / disable
as admin POST /api/v1/jobs/page-7/disable
expect "POST /api/v1/jobs/page-7/disable: 200, enabled false" 200 '.name=="page-7" and .enabled==false'
as viewer GET /api/v1/jobs/page-7/versions
expect "disable added a version (2)" 200 '(.items|length)==2'
asj operator POST /api/v1/jobs/page-7/submit '{}'
expect_problem "submit of the disabled page-7: 409" 409
as admin POST /api/v1/jobs/page-7/enable
expect "POST /api/v1/jobs/page-7/enable: 200, enabled true" 200 '.name=="page-7" and .enabled==true'
as viewer GET /api/v1/jobs/page-7/versions
expect "enable added a version (3)" 200 '(.items|length)==3'
as admin POST /api/v1/jobs/no-such-job/enable
expect_problem "enable of an unknown job: 404" 404

# --- DELETE /api/v1/jobs/{name}
as admin DELETE /api/v1/jobs/parent
expect_problem "DELETE a job another job depends on: 422" 422
as viewer GET /api/v1/jobs/parent
expect "parent still exists after the refused delete" 200 '.name=="parent"'
as admin DELETE /api/v1/jobs/api-yaml
expect "DELETE /api/v1/jobs/api-yaml: 204" 204
alive
as viewer GET /api/v1/jobs/api-yaml
expect_problem "the deleted job is gone: 404" 404
as admin DELETE /api/v1/jobs/api-yaml
expect_problem "DELETE an unknown job: 404" 404

# --- calendars
asj admin PUT /api/v1/calendars/cal1 '{"kind": "calendar", "name": "cal1", "workdays": ["MON", "TUE", "WED", "THU", "FRI"], "holidays": ["2026-12-25"]}'
{ [ "$code" = 201 ] || [ "$code" = 200 ]; } && jqb '.name=="cal1"' &&
    pass "PUT /api/v1/calendars/cal1 as admin: 201 (or 200) with the calendar" ||
    fail "PUT /api/v1/calendars/cal1 as admin: 201 (or 200) with the calendar"
as viewer GET /api/v1/calendars
expect "GET /api/v1/calendars as viewer: lists cal1" 200 '[.items[].name] | index("cal1") != null'
as viewer GET /api/v1/calendars/cal1
expect "GET /api/v1/calendars/cal1: the holiday is there" 200 '.name=="cal1" and (tostring | test("2026-12-25"))'
asj admin PUT /api/v1/calendars/cal1 '{"kind": "calendar", "name": "cal1", "workdays": ["MON"], "holidays": ["2026-12-25"], "extra_workdays": ["2026-12-25"]}'
expect_problem "PUT a calendar with a date both holiday and extra workday: 422" 422
asj admin PUT /api/v1/calendars/cal1 '{"kind": "calendar", "name": "cal2", "workdays": ["MON"]}'
expect_problem "PUT a calendar with a body name different from the path: 400" 400
as viewer GET /api/v1/calendars/cal1
expect "refused calendar PUTs left cal1 as it was" 200 'tostring | test("2026-12-25") and test("TUE")'
as admin PUT /api/v1/calendars/cal3 -H 'Content-Type: application/yaml' --data-binary "$(printf 'kind: calendar\nname: cal3\nworkdays: [MON, WED]\n')"
{ [ "$code" = 201 ] || [ "$code" = 200 ]; } && jqb '.name=="cal3"' &&
    pass "PUT /api/v1/calendars/cal3 (application/yaml): 201 (or 200)" ||
    fail "PUT /api/v1/calendars/cal3 (application/yaml): 201 (or 200)"
asj admin PUT /api/v1/calendars/cal1 '{"kind": "job", "name": "cal1", "type": "manual", "executor": {"exec": {"command": ["/bin/true"]}}}'
expect_problem "PUT /api/v1/calendars/NAME with a job document: 400" 400
# The path says it is a calendar: a body without "kind" is a calendar document (as
# POST /api/v1/jobs takes a job without "kind").
asj admin PUT /api/v1/calendars/cal4 '{"name": "cal4", "workdays": ["MON", "TUE"]}'
{ [ "$code" = 201 ] || [ "$code" = 200 ]; } && jqb '.name=="cal4"' &&
    pass "PUT /api/v1/calendars/cal4 without \"kind\": a calendar, 201 (or 200)" ||
    fail "PUT /api/v1/calendars/cal4 without \"kind\": a calendar, 201 (or 200)"
asj admin PUT /api/v1/jobs/cal-user '{"name": "cal-user", "trigger": {"cron": "0 0 29 2 *"}, "workday_only": true, "calendar": "cal1", "executor": {"exec": {"command": ["/bin/true"]}}}'
expect "PUT a job using calendar cal1: 201" 201
as admin DELETE /api/v1/calendars/cal1
expect_problem "DELETE a calendar a job uses: 422" 422
as admin DELETE /api/v1/jobs/cal-user
expect "DELETE the calendar's job: 204" 204
alive
as admin DELETE /api/v1/calendars/cal1
expect "DELETE /api/v1/calendars/cal1: 204" 204
alive
as viewer GET /api/v1/calendars/cal1
expect_problem "the deleted calendar is gone: 404" 404

# --- settings
as viewer GET /api/v1/settings
expect "GET /api/v1/settings as viewer: 200 JSON object" 200 'type=="object"'
asj admin PUT /api/v1/settings '{"kind": "settings", "timezone": "Europe/Berlin", "batch_window": {"start": "23:00", "end": "11:00"}, "timeouts": {"estimate_multiple": 4, "min_execute_minutes": 20}}'
# The settings always exist (GET answers the defaults before any PUT): 200, or 201 for the
# first stored version.
{ [ "$code" = 200 ] || [ "$code" = 201 ]; } && jqb '.kind=="settings" and (.spec | test("Europe/Berlin"))' &&
    pass "PUT /api/v1/settings as admin: 200 (or 201) with the settings" ||
    fail "PUT /api/v1/settings as admin: 200 (or 201) with the settings"
as viewer GET /api/v1/settings
expect "GET /api/v1/settings shows the new timezone and window" 200 \
    'tostring | test("Europe/Berlin") and test("23:00")'
asj admin PUT /api/v1/settings '{"kind": "settings", "timezone": "Mars/Olympus"}'
expect_problem "PUT /api/v1/settings with an unknown time zone: 422" 422 'any(.errors[]; .message | test("Mars"))'
asj admin PUT /api/v1/settings '{"kind": "settings", "timeouts": {"estimate_multiple": 0}}'
expect_problem "PUT /api/v1/settings with estimate_multiple 0: 422" 422 'any(.errors[]; tostring | test("estimate_multiple"))'
asj admin PUT /api/v1/settings '{"kind": "settings", "tenant": "other", "timezone": "UTC"}'
{ is_problem 403 || is_problem 400 || is_problem 422; } &&
    pass "PUT /api/v1/settings for another tenant: refused (403/400/422)" ||
    fail "PUT /api/v1/settings for another tenant: refused (403/400/422)"
as viewer GET /api/v1/settings
expect "refused settings left the timezone" 200 'tostring | test("Europe/Berlin") and (test("Mars") | not)'
# The path says it is the settings: a body without "kind" is a settings document.
asj admin PUT /api/v1/settings '{"timezone": "Europe/Berlin", "batch_window": {"start": "22:00", "end": "11:00"}}'
expect "PUT /api/v1/settings without \"kind\": 200" 200 '.spec | test("22:00")'
# A URL's path or query often is its key: whoever may not edit definitions reads every URL
# in them as its scheme and host only (docs/security.md); an admin, who edits them, in full.
asj admin PUT /api/v1/settings '{"timezone": "Europe/Berlin", "batch_window": {"start": "22:00", "end": "11:00"}, "alerts": {"webhook": ["https://hooks.example.com/services/T0/KEY-9f3a"]}}'
expect "PUT /api/v1/settings with a webhook URL: 200, the URL in full for the admin" 200 \
    '.spec | test("hooks.example.com/services/T0/KEY-9f3a")'
for who in viewer operator; do
    as $who GET /api/v1/settings
    expect "GET /api/v1/settings as $who: the webhook URL as its host only" 200 \
        '(.spec | test("https://hooks.example.com/[.][.][.]")) and (tostring | test("KEY-9f3a") | not)'
done
as admin GET /api/v1/settings
expect "GET /api/v1/settings as admin: the webhook URL in full" 200 '.spec | test("KEY-9f3a")'
asj admin POST /api/v1/jobs '{"name": "url-masked", "type": "manual", "alerts": {"webhook": ["https://u:pw@hooks.example.com/x?key=KEY-77c1"]}, "executor": {"exec": {"command": ["/bin/true"]}}}'
expect "POST /api/v1/jobs with a webhook URL: 201" 201
for path in /api/v1/jobs/url-masked "/api/v1/jobs?limit=1000" /api/v1/jobs/url-masked/versions; do
    as viewer GET "$path"
    expect "GET $path as viewer: the job's webhook URL as its host only" 200 \
        '(tostring | test("https://hooks.example.com/[.][.][.]")) and (tostring | test("KEY-77c1|pw@") | not)'
done
as admin GET /api/v1/jobs/url-masked/versions
expect "GET /api/v1/jobs/url-masked/versions as admin: the URL in full" 200 'tostring | test("u:pw@hooks.example.com/x[?]key=KEY-77c1")'
as admin DELETE /api/v1/jobs/url-masked
expect "DELETE /api/v1/jobs/url-masked: 204" 204
asj admin PUT /api/v1/settings '{"timezone": "Europe/Berlin", "batch_window": {"start": "22:00", "end": "11:00"}}'
expect "PUT /api/v1/settings without the webhook again: 200" 200 '.spec | test("hooks") | not'

# --- deps
as viewer GET "/api/v1/deps?date=$today"
expect "GET /api/v1/deps?date=today: nodes and edges" 200 \
    '(.date=="'"$today"'") and (.nodes|type)=="array" and (.edges|type)=="array"
     and any(.nodes[]; .job=="parent" and .group=="chain")
     and any(.nodes[]; .job=="child")
     and all(.nodes[]; has("job") and has("group") and has("state") and has("state_code")
                       and has("instance_id") and has("due"))
     and any(.edges[]; ([.from, .to] | sort) == ["child","parent"] and .mode=="success")'
as viewer GET "/api/v1/deps?date=2001-01-01"
expect "deps of a day without instances: every state null" 200 \
    '(.nodes|length)>0 and all(.nodes[]; .state==null and .instance_id==null)'
as viewer GET "/api/v1/deps?date=01/02/2026"
expect_problem "deps ?date=01/02/2026: 400" 400
as viewer GET "/api/v1/deps?date=$today&x=1"
expect_problem "deps with an unknown query parameter: 400" 400

# --- the grid of jobs x days: its last day is the deps view of that day
as viewer GET "/api/v1/deps?date=$today"
cp "$tmp/body" "$tmp/deps-today.json"
as viewer GET "/api/v1/grid?to=$today&days=3"
jq --slurpfile d "$tmp/deps-today.json" -e '
    (.days | length) == 3 and .days[2] == "'"$today"'" and (.days[0] < .days[1]) and
    ([.jobs[].job] == ([.jobs[].job] | sort)) and all(.jobs[]; (.cells | length) == 3) and
    ([.jobs[] | {job, id: (.cells[2].instance_id // null), st: (.cells[2].state // null)}] | sort_by(.job)) ==
    ([$d[0].nodes[] | {job, id: .instance_id, st: .state}] | sort_by(.job)) and
    all(.jobs[].cells[] | select(. != null); .runs >= 1 and (.state_code | type) == "number")' \
    "$tmp/body" >/dev/null && [ "$code" = 200 ] &&
    pass "GET /api/v1/grid?days=3: 3 days, oldest first, its last day the deps view's governing instances" ||
    fail "GET /api/v1/grid?days=3: 3 days, oldest first, its last day the deps view's governing instances ($code)"
as viewer GET "/api/v1/grid"
# "today" is the tenant's (Europe/Berlin, set above), not UTC's: they differ after 23:00 UTC.
berlin_today=$(TZ=Europe/Berlin date +%Y-%m-%d)
expect "GET /api/v1/grid: 14 days ending today (the tenant's zone) by default" 200 '(.days | length) == 14 and .days[13] == "'"$berlin_today"'"'
as viewer GET "/api/v1/grid?to=2001-01-01&days=2"
expect "grid of days without instances: every cell null" 200 '(.jobs|length)>0 and all(.jobs[].cells[]; . == null)'
as viewer GET "/api/v1/grid?days=63"
expect_problem "grid ?days=63: 400" 400
as viewer GET "/api/v1/grid?to=2026-13-45"
expect_problem "grid ?to=2026-13-45: 400" 400
as viewer GET "/api/v1/grid?to=$today&days=1&limit=1000"
cp "$tmp/body" "$tmp/grid-all.json"
as viewer GET "/api/v1/grid?to=$today&days=1&limit=1"
first_job=$(jq -r '.jobs[0].job' "$tmp/body")
expect "grid ?limit=1: one job, next_cursor its name" 200 \
    '(.jobs | length) == 1 and .next_cursor == .jobs[0].job'
as viewer GET "/api/v1/grid?to=$today&days=1&limit=1000&cursor=$first_job"
jq -e --slurpfile all "$tmp/grid-all.json" --arg f "$first_job" \
    '.next_cursor == null and ([$f] + [.jobs[].job]) == [$all[0].jobs[].job] and $all[0].next_cursor == null' \
    "$tmp/body" >/dev/null && pass "grid ?cursor=JOB: the jobs after it, the two pages together are the whole list" ||
    fail "grid ?cursor=JOB: the jobs after it, the two pages together are the whole list"
as viewer GET "/api/v1/grid?limit=0"
expect_problem "grid ?limit=0: 400" 400
as viewer GET "/api/v1/grid?to=$today&days=1&group=chain"
expect "grid ?group=chain: only that group's jobs (parent among them)" 200 \
    '(.jobs | length) > 0 and all(.jobs[]; .group == "chain") and any(.jobs[]; .job == "parent")'

# --- the monitor's order: the latest due first, keyset cursor DUE.ID
as viewer GET "/api/v1/instances?order=due&limit=3"
expect "instances ?order=due: due times descending, next_cursor DUE.ID of the last row" 200 \
    '(.items | length) == 3 and (.items[0].due >= .items[1].due) and (.items[1].due >= .items[2].due)
     and (.next_cursor | test("^-?[0-9]+\\.[0-9]+$"))
     and (.next_cursor | split(".")[1] | tonumber) == .items[2].id'
due_cursor=$(jq -r .next_cursor "$tmp/body")
last_due=$(jq -r '.items[2].due' "$tmp/body")
last_id=$(jq -r '.items[2].id' "$tmp/body")
as viewer GET "/api/v1/instances?order=due&limit=3&cursor=$due_cursor"
expect "instances ?order=due&cursor=DUE.ID: the next rows, each before the cursor's (due, id)" 200 \
    --arg d "$last_due" --argjson i "$last_id" \
    '(.items | length) > 0 and all(.items[]; .due < $d or (.due == $d and .id < $i))'
as viewer GET "/api/v1/instances?order=due&cursor=42"
expect_problem "instances ?order=due with an id cursor: 400" 400

# --- the event stream (Server-Sent Events): a ticket for the token, then the deltas
as none POST /api/v1/events/ticket
expect_problem "POST /api/v1/events/ticket without a token: 401" 401
as viewer POST /api/v1/events/ticket
expect "POST /api/v1/events/ticket as viewer: 201, a 32-hex ticket valid 30 s" 201 \
    '(.ticket | test("^[0-9a-f]{32}$")) and .expires_in == 30'
TICKET=$(jq -r .ticket "$tmp/body")
curl -s -N --max-time 90 "$base/api/v1/events?ticket=$TICKET" >"$tmp/events.out" 2>/dev/null &
events_pid=$!
got_ready() { grep -q '^event: ready' "$tmp/events.out"; }
wait_for "$WAIT" got_ready
check "GET /api/v1/events?ticket=T: the stream starts with a ready event" got_ready
as "$TICKET" GET "/api/v1/events?ticket=$TICKET"
expect_problem "a ticket is single use: the second GET is 401" 401
as none GET "/api/v1/events"
expect_problem "GET /api/v1/events without a ticket: 401" 401
as viewer GET "/api/v1/events?ticket=00000000000000000000000000000000"
expect_problem "GET /api/v1/events with an unknown ticket: 401 (a bearer token is not enough)" 401
asj operator POST /api/v1/jobs/echo-job/submit '{"params": {"greeting": "pushed"}}'
PUSHED_ID=$(jq -r .id "$tmp/body")
# The delta of the submitted instance reaching Success, pushed without a request.
pushed_success() {
    grep '^data: {"changes"' "$tmp/events.out" | sed 's/^data: //' |
        jq -e --argjson id "$PUSHED_ID" 'select(any(.changes[]; .instance_id == $id and .state == "Success"
            and .state_code == 5 and .job == "echo-job" and .from == "Running"))' >/dev/null 2>&1
}
wait_for "$WAIT" pushed_success
check "the stream pushes the submitted instance's changes, ending Running -> Success" pushed_success
# (read again until it holds: the file is written by curl as the stream goes on, and a
# read can meet an event still being written)
pushed_in_order() {
    grep '^data: {"changes"' "$tmp/events.out" | sed 's/^data: //' |
        jq -s -e --argjson id "$PUSHED_ID" '[.[].changes[] | select(.instance_id == $id) | .state] as $s
            | $s[0] == "Init" and $s[-1] == "Success" and ([.[].changes[].id] | . == sort)' >/dev/null 2>&1
}
wait_for "$WAIT" pushed_in_order
check "its changes come in order, from its creation (Init) to Success, ids rising" pushed_in_order
grep -qF -e "$TICKET" -e "$VIEWER" "$tmp/events.out" && fail "the stream shows neither the ticket nor the token" ||
    pass "the stream shows neither the ticket nor the token"
kill "$events_pid" 2>/dev/null
wait "$events_pid" 2>/dev/null
# after=ID: a reconnecting client gets what it missed.
as viewer POST /api/v1/events/ticket
TICKET=$(jq -r .ticket "$tmp/body")
first=$(grep '^data: {"changes"' "$tmp/events.out" | head -n 1 | sed 's/^data: //' | jq '.changes[0].id')
curl -s -N --max-time 90 "$base/api/v1/events?ticket=$TICKET&after=$((first - 1))" >"$tmp/events2.out" 2>/dev/null &
events_pid=$!
missed_first() {
    grep '^data: {"changes"' "$tmp/events2.out" | head -n 1 | sed 's/^data: //' |
        jq -e --argjson f "$first" '.changes[0].id == $f' >/dev/null 2>&1
}
wait_for "$WAIT" missed_first
check "GET /api/v1/events?after=ID: the changes after ID first" missed_first
kill "$events_pid" 2>/dev/null
wait "$events_pid" 2>/dev/null
# A ticket of a token revoked before it is used is refused.
asj admin POST /api/v1/tokens '{"name": "sse-temp", "role": "viewer"}'
SSE_SECRET=$(jq -r .secret "$tmp/body")
SSE_TOKEN_ID=$(jq -r .id "$tmp/body")
as "$SSE_SECRET" POST /api/v1/events/ticket
TICKET=$(jq -r .ticket "$tmp/body")
as admin DELETE "/api/v1/tokens/$SSE_TOKEN_ID"
as none GET "/api/v1/events?ticket=$TICKET"
expect_problem "the ticket of a token revoked meanwhile: 401 (the token is revoked)" 401 '.detail | test("revoked")'

# --- the cron helper (GET /api/v1/cron): the engine of `batchctl cron`, DST marks from
# docs/cron.md (Berlin 2026: 02:00 -> 03:00 on 03-29, 03:00 CEST -> 02:00 CET on 10-25)
as viewer GET "/api/v1/cron?expr=30%202%20*%20*%20*&tz=Europe/Berlin&from=2026-03-28T12:00:00Z&count=3"
expect "cron 30 2 * * * in Berlin: 02:30 of the spring-forward day moved to 03:00+02:00, marked" 200 \
    '.timezone=="Europe/Berlin" and (.explanation|test("02:30")) and .never==false and (.fires|length)==3
     and .fires[0].local=="2026-03-29T03:00:00+02:00" and .fires[0].utc=="2026-03-29T01:00:00Z"
     and .fires[0].dst=="dst_gap_moved" and (.fires[0].dst_note|test("\\+01:00 to \\+02:00"))
     and .fires[1].local=="2026-03-30T02:30:00+02:00" and .fires[1].dst==null and .fires[1].dst_note==null'
as viewer GET "/api/v1/cron?expr=30%20*%20*%20*%20*&tz=Europe/Berlin&from=2026-10-25T00:15:00Z&count=2"
expect "cron 30 * * * * on the fall-back day: 02:30 twice, first and second pass marked" 200 \
    '.fires[0].local=="2026-10-25T02:30:00+02:00" and .fires[0].dst=="dst_overlap_first"
     and .fires[1].local=="2026-10-25T02:30:00+01:00" and .fires[1].dst=="dst_overlap_second"'
as viewer GET "/api/v1/cron?expr=0%209%20*%20*%201-5"
expect "cron without tz: the tenant's zone, 10 fire times after batchd's clock" 200 \
    '.timezone=="Europe/Berlin" and (.fires|length)==10 and all(.fires[]; .local|test("T09:00:00\\+0[12]:00$"))'
as viewer GET "/api/v1/cron?expr=0%200%2030%202%20*"
expect "cron 0 0 30 2 * (never): 200, never true, no fire" 200 '.never==true and .fires==[]'
as viewer GET "/api/v1/cron?expr=0%2025%20*%20*%20*"
expect_problem "cron 0 25 * * *: 400 naming the hour field at column 3" 400 \
    '.field=="hour" and .position==3 and (.detail|test("hour") and test("25"))'
as viewer GET "/api/v1/cron?expr=0%209%20*%20*%20MON-FRX"
expect_problem "cron 0 9 * * MON-FRX: 400 naming day-of-week at column 9 (its field)" 400 \
    '.field=="day-of-week" and .position==9'
as viewer GET "/api/v1/cron?expr=0%209%20*%20*"
expect_problem "cron with 4 fields: 400" 400 '(.detail|test("5 fields"))'
as viewer GET "/api/v1/cron?expr=0%209%20*%20*%20*&tz=Mars/Olympus"
expect_problem "cron tz=Mars/Olympus: 400 naming the zone" 400 '(.detail|test("Mars/Olympus"))'
as viewer GET "/api/v1/cron?expr=0%209%20*%20*%20*&count=101"
expect_problem "cron count=101: 400" 400
as viewer GET "/api/v1/cron"
expect_problem "cron without expr: 400" 400 '(.detail|test("expr"))'
as none GET "/api/v1/cron?expr=0%209%20*%20*%20*"
check "cron without a token: 401" [ "$code" = 401 ]

# --- instance filters: has_failure is a data failure (items skipped, DESIGN §8), failed
# is the state (Start Failed, Failed, Timeout Failed, Stop Failed). import-job runs the SDK
# example customer_import on 3 valid rows and 2 invalid ones (process skips): it succeeds
# with a data failure. A fresh fail-job instance fails without skipping anything.
printf 'id,name,email,age\n1,Ann,ann@example.com,34\n2,Bob,no-email,41\n3,Cy,cy@example.com,200\n4,Di,di@example.com,20\n5,Eve,eve@example.com,29\n' \
    >"$tmp/customers.csv"
asj admin POST /api/v1/jobs '{"name": "import-job", "group": "data", "type": "manual", "executor": {"exec": {"command": ["'"$BIN/sdk/examples/customer_import"'"]}}}'
expect "POST /api/v1/jobs import-job: 201" 201
asj operator POST /api/v1/jobs/import-job/submit '{"params": {"input": "'"$tmp/customers.csv"'"}}'
IMPORT_ID=$(jq -r .id "$tmp/body")
asj operator POST /api/v1/jobs/fail-job/submit '{}'
FAIL2_ID=$(jq -r .id "$tmp/body")
wait_for 60 is_final "$IMPORT_ID"
wait_for 60 is_final "$FAIL2_ID"
check "import-job ends Success" is_state "$IMPORT_ID" Success
check "the second fail-job ends Failed" is_state "$FAIL2_ID" Failed
as viewer GET "/api/v1/instances/$IMPORT_ID"
expect "the import instance: has_failure true, skip_count 2 (the two invalid rows)" 200 \
    '.has_failure == true and .skip_count == 2
     and ([.executions[].steps[] | .read_skip_count + .process_skip_count + .write_skip_count] | add) == 2'
as viewer GET "/api/v1/instances/$FAIL2_ID"
expect "the failed instance: has_failure false, skip_count 0" 200 '.has_failure == false and .skip_count == 0'
as viewer GET "/api/v1/instances?has_failure=true&limit=1000"
expect "instances ?has_failure=true: exactly the import instance" 200 \
    --argjson i "$IMPORT_ID" '[.items[].id] == [$i] and .items[0].has_failure == true'
as viewer GET "/api/v1/instances?limit=1000"
cp "$tmp/body" "$tmp/all-instances.json"
as viewer GET "/api/v1/instances?failed=true&limit=1000"
expect "instances ?failed=true: exactly those in Start Failed, Failed, Timeout Failed, Stop Failed" 200 \
    --argjson f "$FAIL2_ID" --argjson i "$IMPORT_ID" --slurpfile all "$tmp/all-instances.json" \
    '[.items[].id] == [$all[0].items[] | select(.state == 3 or .state == 6 or .state == 7 or .state == 11) | .id]
     and ([.items[].id] | index($f) != null) and ([.items[].id] | index($i) == null)'
as viewer GET "/api/v1/instances?failed=true&has_failure=true&limit=1000"
expect "instances ?failed=true&has_failure=true: none (the import succeeded)" 200 '.items == []'
as viewer GET "/api/v1/instances?has_failure=maybe"
expect_problem "instances ?has_failure=maybe: 400" 400
as viewer GET "/api/v1/instances?failed=yes"
expect_problem "instances ?failed=yes: 400" 400 '.detail | test("failed")'
asj operator2 POST /api/v1/jobs/echo-job/submit '{"params": {"greeting": "op2"}}'
OP2_ID=$(jq -r .id "$tmp/body")
as operator2 GET "/api/v1/instances?submitted_by=me&limit=1000"
expect "instances ?submitted_by=me as operator2: only its instance" 200 \
    --argjson id "$OP2_ID" '[.items[].id] == [$id]'
as admin GET "/api/v1/instances?submitted_by=me&limit=1000"
expect "instances ?submitted_by=me as admin: only the admin's submit" 200 \
    --argjson id "$ADMIN_ECHO_ID" '[.items[].id] == [$id]'
as operator GET "/api/v1/instances?submitted_by=me&limit=1000"
expect "instances ?submitted_by=me as operator1: its submits, not operator2's or admin's" 200 \
    --argjson a "$ADMIN_ECHO_ID" --argjson b "$OP2_ID" --argjson c "$ECHO_ID" \
    '([.items[].id] | index($a) == null and index($b) == null and index($c) != null)'

# --- every read route, every role
for who in viewer operator admin; do
    for p in /metrics "/api/v1/jobs" /api/v1/jobs/echo-job /api/v1/jobs/echo-job/versions \
        /api/v1/instances "/api/v1/instances/$ECHO_ID" "/api/v1/instances/$ECHO_ID/log" \
        /api/v1/calendars /api/v1/calendars/cal3 /api/v1/settings "/api/v1/deps?date=$today" /api/v1/grid; do
        as $who GET "$p"
        expect "GET $p as $who: 200" 200
    done
done
as admin POST /api/v1/jobs -H 'Content-Type: application/json' --data-binary "@$tmp/big.json"
expect_problem "POST /api/v1/jobs with a body over 1 MiB: 413" 413
as admin GET /api/v1/jobs/api-made
expect "after the 413, api-made is unchanged (version 1)" 200 '.version==1'

# --- audit
if $HAVE_SQ; then
audit_has() { # ACTOR OBJECT-LIKE
    [ "$(sqlite3 "$tmp/r.db" "SELECT count(*) FROM audit_log WHERE actor='$1' AND object LIKE '$2'")" -gt 0 ]
}
last_req="sqlite3 r.db 'SELECT actor, action, object FROM audit_log'"
code=-
sqlite3 "$tmp/r.db" "SELECT actor, action, object FROM audit_log ORDER BY id" >"$tmp/body"
check "audit: submit by token:operator1" audit_has token:operator1 echo-job
check "audit: stop by token:operator1" audit_has token:operator1 "%$SLEEP_ID%"
check "audit: token create and revoke by token:admin1" audit_has token:admin1 temp1
check "audit: revoke by token:admin1" audit_has token:admin1 "token $TEMP_ID"
check "audit: job create (POST /api/v1/jobs) by token:admin1" audit_has token:admin1 "%api-made%"
check "audit: job replace (PUT) by token:admin1" audit_has token:admin1 "%api-put%"
check "audit: job delete by token:admin1" audit_has token:admin1 "%api-yaml%"
check "audit: mark-success by token:operator1" audit_has token:operator1 "%$FAIL_ID%"
check "audit: disable/enable by token:admin1" audit_has token:admin1 "%page-7%"
check "audit: calendar by token:admin1" audit_has token:admin1 "%cal1%"
check "audit: settings by token:admin1" sh -c "[ \$(sqlite3 '$tmp/r.db' \"SELECT count(*) FROM audit_log WHERE actor='token:admin1' AND (action LIKE '%setting%' OR object LIKE '%setting%')\") -gt 0 ]"
no_refused_audit() {
    ! sqlite3 "$tmp/r.db" "SELECT object FROM audit_log WHERE object LIKE '%by-viewer%' OR object LIKE '%by-operator%' OR object LIKE '%sneaky%' OR object LIKE '%bad-cron%' OR object LIKE '%orphan%' OR object LIKE '%cal-viewer%' OR object LIKE '%cal-operator%'" | grep -q .
}
check "audit: no row for a refused (403/4xx) write" no_refused_audit
else
    skip "audit: submit by token:operator1"
    skip "audit: stop by token:operator1"
    skip "audit: token create and revoke by token:admin1"
    skip "audit: revoke by token:admin1"
    skip "audit: job create (POST /api/v1/jobs) by token:admin1"
    skip "audit: job replace (PUT) by token:admin1"
    skip "audit: job delete by token:admin1"
    skip "audit: mark-success by token:operator1"
    skip "audit: disable/enable by token:admin1"
    skip "audit: calendar by token:admin1"
    skip "audit: settings by token:admin1"
    skip "audit: no row for a refused (403/4xx) write"
fi

# =============================================================================================
section "pagination of tokens, job versions and calendars"
# walk_list WHO PATH KEY: every page of 1 into $tmp/walked (KEY of each item); the
# number of pages into $pages; false when a page is not a 200 of at most one item.
walk_list() {
    : >"$tmp/walked"
    cursor="" pages=0
    while :; do
        sep='?'; case $2 in *\?*) sep='&' ;; esac
        if [ -n "$cursor" ]; then as "$1" GET "$2${sep}limit=1&cursor=$cursor"; else as "$1" GET "$2${sep}limit=1"; fi
        [ "$code" = 200 ] && jqb '(.items|length) <= 1' || return 1
        jq -r ".items[].$3" "$tmp/body" >>"$tmp/walked"
        cursor=$(jq -r '.next_cursor // empty' "$tmp/body")
        pages=$((pages + 1))
        [ -z "$cursor" ] || [ $pages -gt 100 ] && break
    done
}
for spec in "admin /api/v1/tokens id" "viewer /api/v1/calendars name" \
            "viewer /api/v1/jobs/page-7/versions version"; do
    set -- $spec
    as "$1" GET "$2"
    jq -r ".items[].$3" "$tmp/body" >"$tmp/whole"
    n=$(wc -l <"$tmp/whole")
    if walk_list "$1" "$2" "$3" && [ "$n" -ge 2 ] && cmp -s "$tmp/walked" "$tmp/whole" &&
        [ "$pages" -eq "$n" ]; then
        pass "$2 with limit=1: $n pages, each item once, in the order of the whole list"
    else
        fail "$2 with limit=1: $n pages, each item once, in the order of the whole list (walked $pages pages)"
    fi
done
as viewer GET "/api/v1/calendars?cursor=no-such-calendar"
expect_problem "calendars with a cursor naming nothing: 400" 400
as viewer GET "/api/v1/jobs/page-7/versions?limit=0"
expect_problem "versions with limit=0: 400" 400

# =============================================================================================
section "secrets never in any API output"
last_req="every answer body of this run ($tmp/all)"
code=-
for s in "$SECRET_DEF" "$SECRET_SUBMIT" Tok-Secret-55aa; do
    grep -n "$s" "$tmp/all" | head -n 5 >"$tmp/body"
    [ ! -s "$tmp/body" ] && pass "secret $s appears in no API answer" ||
        fail "secret $s appears in no API answer (lines of the answers below)"
done
for s in "$VIEWER" "$OPERATOR" "$ADMIN"; do
    grep -q -- "$s" "$tmp/all" && fail "a token secret appears in an API answer" ||
        pass "token secret ${s%"${s#????????}"}... appears in no API answer"
done

# =============================================================================================
kill "$daemon_pid" 2>/dev/null
wait "$daemon_pid" 2>/dev/null
daemon_pid=""
[ "$skipped" -gt 0 ] && echo "api: $skipped skipped (no sqlite3)"
echo "api: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
