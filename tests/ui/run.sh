#!/bin/sh
# End-to-end tests of the web UI (docs/ui.md): a real batchd on a real SQLite file with a
# virtual clock, driven through Debian's headless Chromium by playwright-core (e2e.mjs),
# plus the server's side of the security model checked over HTTP with curl. Screenshots
# of every page go to $SCREENS (default build/ui-screens/). e2e.mjs tests the first pages
# on one batchd, pages.mjs the later ones (report, cron, dependencies, definitions,
# settings) on a second, drift.mjs drift on the definitions pages on a third (a runtime
# environment), why.mjs the "Why?" panels and the impact preview on a fourth. Closes with
# "ui: N passed, M failed"; exit status 1 when anything failed.
#   BUILD_DIR=$PWD/build tests/ui/run.sh        KEEP=1 keeps the temporary directory
set -u
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
B="$BIN/batchctl"
D="$BIN/batchd"
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
SCREENS=${SCREENS:-$BIN/ui-screens}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
for tool in curl jq node npm; do
    command -v "$tool" >/dev/null || { echo "ui: $tool is needed (scripts/install-deps.sh ui)" >&2; exit 1; }
done
[ -x "$CHROMIUM" ] || { echo "ui: $CHROMIUM is needed (scripts/install-deps.sh ui)" >&2; exit 1; }
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
trap 'exit 141' PIPE # output cut short (| head): still stop batchd
. "$HERE/../lib.sh" # pass, fail, wait_for, WAIT

# playwright-core from the committed lockfile (ui/package-lock.json), into ui/node_modules.
if [ ! -f "$SRC/ui/node_modules/playwright-core/package.json" ] ||
    [ "$SRC/ui/package-lock.json" -nt "$SRC/ui/node_modules/.package-lock.json" ]; then
    (cd "$SRC/ui" && npm ci --no-audit --no-fund --loglevel=error) >"$tmp/npm.log" 2>&1 || {
        echo "Bail out! npm ci in ui/ failed:"; cat "$tmp/npm.log"; exit 1; }
fi

# The committed bundle is what the sources build to (make ui, docs/ui.md).
if (cd "$SRC/ui" && OUT="$tmp/dist" node build.mjs) >"$tmp/build.log" 2>&1; then
    # The same files, none more or fewer (batchd embeds every file of ui/dist/), each the same.
    stale=$(cd "$tmp" && diff -rq dist "$SRC/ui/dist" 2>&1 | sed "s|$SRC/||g" | tr '\n' ';')
    if [ -z "$stale" ]; then pass "ui/dist/ is what ui/src/ builds to"; else
        fail "ui/dist/ is what ui/src/ builds to ($stale run make ui and commit ui/dist/)"; fi
else
    fail "ui/src/ builds with esbuild" "$tmp/build.log"
fi

# ---- the repository: a chain, manual jobs, one carrying markup in its data ---------------
mkdir -p "$tmp/defs" "$tmp/state" "$tmp/alive"
XSS_PARAM='<img src=x onerror="window.__xss=1">'
cat >"$tmp/defs/jobs.yaml" <<YAML
kind: job
name: extract
group: nightly
trigger: {cron: "0 1 * * *", timezone: UTC}
executor: {exec: {command: [/bin/sh, -c, 'echo extracted']}}
---
kind: job
name: load
group: nightly
trigger: {cron: "0 1 * * *", timezone: UTC}
depends_on: [{job: extract, mode: success}]
executor: {exec: {command: [/bin/sh, -c, 'echo loaded']}}
---
kind: job
name: greet
group: adhoc
type: manual
parameters: {who: world}
executor: {exec: {command: [/bin/sh, -c, 'echo "hello \$BATCH_PARAM_WHO"']}}
---
kind: job
name: sleeper
group: adhoc
type: manual
estimated_minutes: 600
executor: {exec: {command: [/bin/sh, -c, 'while [ -d "\$0" ]; do sleep 0.2; done', $tmp/alive]}}
---
kind: job
name: markup
group: adhoc
type: manual
parameters: {note: '$XSS_PARAM'}
executor: {exec: {command: [/bin/sh, -c, 'echo "<script>window.__xss=2</script> note: \$BATCH_PARAM_NOTE"']}}
---
kind: job
name: many
group: adhoc
type: manual
allow_multiple_instances: true
parameters: {who: nobody}
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: import
group: data
type: manual
parameters: {input: $tmp/customers.csv}
executor: {exec: {command: [$BIN/sdk/examples/customer_import]}}
YAML
# trickle: the same SDK program fed one row every 0.3 s (commit interval 1, ids from
# 1001 so that none is in the table already) while $tmp/trickling exists, each row also
# logged as "fed row N": its counts and log move while it runs (pushed, docs/ui.md).
mkdir -p "$tmp/trickling"
cat >>"$tmp/defs/jobs.yaml" <<YAML
---
kind: job
name: trickle
group: data
type: manual
parameters: {input: /dev/stdin}
executor: {exec: {command: [/bin/sh, -c, '{ echo id,name,email,age; i=0; while [ -d "\$0" ]; do i=\$((i+1)); echo "\$((1000+i)),N\$i,n\$i@example.com,30"; echo "fed row \$i" >&2; sleep 0.3; done; } | CUSTOMER_IMPORT_COMMIT=1 "\$1"', $tmp/trickling, $BIN/sdk/examples/customer_import]}}
YAML
# The SDK's chunk example on 5 rows, 2 of them invalid (docs/sdk.md): 5 read, 2 skipped
# in processing, 3 written: a Success with a data failure.
printf 'id,name,email,age\n1,Ann,ann@example.com,34\n2,Bob,no-email,41\n3,Cy,cy@example.com,200\n4,Di,di@example.com,20\n5,Eve,eve@example.com,29\n' \
    >"$tmp/customers.csv"
if ! "$B" apply "$tmp/defs" --db "$tmp/r.db" --actor ui-test >"$tmp/apply.out" 2>&1; then
    echo "Bail out! batchctl apply failed:"; cat "$tmp/apply.out"; exit 1
fi
mk_token() { "$D" token create --name "$1" --role "$2" --db "$tmp/r.db" 2>/dev/null | head -n 1; }
ADMIN=$(mk_token ada admin)
OPERATOR=$(mk_token oscar operator)
VIEWER=$(mk_token vera viewer)
if [ -z "$ADMIN" ] || [ -z "$OPERATOR" ] || [ -z "$VIEWER" ]; then
    echo "Bail out! batchd token create failed"; exit 1
fi

# The chain is due at 01:00 of the virtual clock, 10 s after it starts (at real speed).
"$D" --db "$tmp/r.db" --listen 127.0.0.1:0 --state-dir "$tmp/state" \
    --clock-start 2026-03-02T00:59:50Z --clock-rate 1 --log-file "$tmp/d.log" 2>"$tmp/d.err" &
daemon_pid=$!
port_of_log() {
    port=$(sed -n 's/.*API listening on [^ ]* (port \([0-9]*\)).*/\1/p' "$tmp/d.log" 2>/dev/null | head -n 1)
    [ -n "$port" ]
}
if ! wait_for "$WAIT" port_of_log; then
    echo "Bail out! batchd did not report its API port"; cat "$tmp/d.log" "$tmp/d.err"; exit 1
fi
base="http://127.0.0.1:$port"
echo "# batchd pid $daemon_pid on $base"

# ---- the server's side, over HTTP ----------------------------------------------------------
# hdr NAME: a header of the last answer ($tmp/hdr).
hdr() { tr -d '\r' <"$tmp/hdr" | sed -n "s/^$1: *//Ip" | tail -n 1; }
# get PATH [CURL ARGS]: status in $code, body in $tmp/body, headers in $tmp/hdr.
get() {
    p=$1; shift
    : >"$tmp/body"
    code=$(curl -sS -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' --max-time "$WAIT" "$@" "$base$p")
}
# check NAME COMMAND...: a pass when COMMAND succeeds, else a failure showing the answer.
check() {
    name=$1; shift
    if "$@"; then pass "$name"; else
        fail "$name"; echo "    HTTP $code"; sed 's/^/    | /' "$tmp/hdr" | head -n 20; head -c 600 "$tmp/body" | sed 's/^/    | /'
    fi
}
csp_strict() {
    c=$(hdr Content-Security-Policy)
    case $c in *"default-src 'self'"*"frame-ancestors 'none'"*) ;; *) return 1 ;; esac
    case $c in *unsafe-inline* | *unsafe-eval*) return 1 ;; esac
}
get /
check "GET / is the UI's page, text/html, no token needed" \
    sh -c '[ "$1" = 200 ] && grep -q "<script type=\"module\" src=\"/ui/app.js\"" "$2"' - "$code" "$tmp/body"
check "GET /: Content-Type text/html; charset=utf-8" [ "$(hdr Content-Type)" = "text/html; charset=utf-8" ]
check "GET /: strict CSP (default-src 'self', frame-ancestors 'none', nothing unsafe-inline)" csp_strict
check "GET /: X-Content-Type-Options nosniff" [ "$(hdr X-Content-Type-Options)" = nosniff ]
check "GET /: no inline script in the page" sh -c '! grep -Eq "<script>|<script [^>]*>[^<]|<style|style=|onload=|onclick=" "$1"' - "$tmp/body"
get /ui/app.js
check "GET /ui/app.js: 200 text/javascript" sh -c '[ "$1" = 200 ] && [ "$2" = "text/javascript; charset=utf-8" ]' - "$code" "$(hdr Content-Type)"
etag=$(hdr ETag)
check "GET /ui/app.js: an ETag and Cache-Control no-cache" sh -c '[ -n "$1" ] && [ "$2" = no-cache ]' - "$etag" "$(hdr Cache-Control)"
check "GET /ui/app.js is the committed ui/dist/app.js" cmp -s "$tmp/body" "$SRC/ui/dist/app.js"
get /ui/app.js -H "If-None-Match: $etag"
check "GET /ui/app.js with its ETag in If-None-Match: 304, no body" sh -c '[ "$1" = 304 ] && [ ! -s "$2" ]' - "$code" "$tmp/body"
# Content coding (RFC 9110 §8.4, §12.5.3): gzip when the request accepts it, identity
# otherwise; "Vary: Accept-Encoding" on both and on the 304 (§12.5.5, §15.4.5), and each
# representation its own ETag (§8.8.3).
check "GET /ui/app.js without Accept-Encoding: identity, Vary: Accept-Encoding" \
    sh -c '[ -z "$1" ] && [ "$2" = Accept-Encoding ]' - "$(hdr Content-Encoding)" "$(hdr Vary)"
get /ui/app.js -H "Accept-Encoding: gzip, deflate, br, zstd"
gzetag=$(hdr ETag)
check "GET /ui/app.js accepting gzip: 200, Content-Encoding gzip, Vary: Accept-Encoding" \
    sh -c '[ "$1" = 200 ] && [ "$2" = gzip ] && [ "$3" = Accept-Encoding ] && [ "$4" = "text/javascript; charset=utf-8" ]' - \
    "$code" "$(hdr Content-Encoding)" "$(hdr Vary)" "$(hdr Content-Type)"
check "GET /ui/app.js gzip: decompresses to ui/dist/app.js, under half its size" \
    sh -c 'gzip -dc <"$1" | cmp -s - "$2" && [ $(($(wc -c <"$1") * 2)) -lt "$(wc -c <"$2")" ]' - "$tmp/body" "$SRC/ui/dist/app.js"
check "GET /ui/app.js gzip: an ETag of its own (not the identity one)" \
    sh -c '[ -n "$1" ] && [ "$1" != "$2" ]' - "$gzetag" "$etag"
get /ui/app.js -H "Accept-Encoding: gzip" -H "If-None-Match: $gzetag"
check "GET /ui/app.js gzip with its ETag: 304, no body, Vary kept, no Content-Encoding" \
    sh -c '[ "$1" = 304 ] && [ ! -s "$2" ] && [ "$3" = Accept-Encoding ] && [ -z "$4" ]' - \
    "$code" "$tmp/body" "$(hdr Vary)" "$(hdr Content-Encoding)"
get /ui/app.js -H "If-None-Match: $gzetag"
check "GET /ui/app.js, gzip's ETag but no Accept-Encoding: 200 identity (another representation)" \
    sh -c '[ "$1" = 200 ] && [ -z "$2" ] && cmp -s "$3" "$4"' - "$code" "$(hdr Content-Encoding)" "$tmp/body" "$SRC/ui/dist/app.js"
for ae in "gzip;q=0" "br" "*;q=0" "gzip;q=2"; do
    get /ui/app.js -H "Accept-Encoding: $ae"
    check "GET /ui/app.js, Accept-Encoding: $ae: identity" \
        sh -c '[ "$1" = 200 ] && [ -z "$2" ] && cmp -s "$3" "$4"' - "$code" "$(hdr Content-Encoding)" "$tmp/body" "$SRC/ui/dist/app.js"
done
get / -H "Accept-Encoding: gzip"
check "GET / accepting gzip: the page gzip-encoded" \
    sh -c '[ "$1" = 200 ] && [ "$2" = gzip ] && gzip -dc <"$3" | cmp -s - "$4"' - "$code" "$(hdr Content-Encoding)" "$tmp/body" "$SRC/ui/dist/index.html"
# Priority (src/api/server.c): one keep-alive connection's thread answers a UI file at
# batchd's own priority, then drops to the API's nice 19 with its first API request
# (priority.mjs reads /proc/PID/task after each answer).
prio=$(PID=$daemon_pid BASE=$base node "$HERE/priority.mjs" 2>&1)
if [ "$(echo "$prio" | jq -r .base 2>/dev/null)" = 19 ]; then
    echo "ok - a connection's thread's priority # SKIP batchd itself runs at nice 19: nothing to tell apart"
else
    check "a connection's thread answers /ui/app.js at batchd's priority, not nice 19 ($prio)" \
        sh -c 'echo "$1" | jq -e ".status1 == 200 and .threads1 >= .threads0 + 1 and .nice19_1 == .nice19_0" >/dev/null' - "$prio"
    check "the same connection's thread answers the API at nice 19" \
        sh -c 'echo "$1" | jq -e ".status2 == 200 and .nice19_2 == .nice19_1 + 1" >/dev/null' - "$prio"
fi
get /ui/app.css
check "GET /ui/app.css: 200 text/css" sh -c '[ "$1" = 200 ] && [ "$2" = "text/css; charset=utf-8" ]' - "$code" "$(hdr Content-Type)"
# The page modules and the libraries, loaded by the pages that need them: every other
# file of ui/dist/ is served under /ui/, as it is (the page is / alone).
for f in "$SRC"/ui/dist/*.js; do
    f=${f##*/}
    [ "$f" = app.js ] && continue
    get "/ui/$f"
    check "GET /ui/$f: 200 text/javascript, the committed ui/dist/$f" \
        sh -c '[ "$1" = 200 ] && [ "$2" = "text/javascript; charset=utf-8" ] && cmp -s "$3" "$4"' - \
        "$code" "$(hdr Content-Type)" "$tmp/body" "$SRC/ui/dist/$f"
done
get /ui/index.html
check "GET /ui/index.html: 404 (the page is / and /index.html)" [ "$code" = 404 ]
get /ui/nope.js
check "GET /ui/nope.js: 404" [ "$code" = 404 ]
get / -X POST
check "POST /: 405 (the UI's files are read-only)" [ "$code" = 405 ]
get /api/v1/whoami -H "Authorization: Bearer $VIEWER"
jqb() { jq -e "$@" "$tmp/body" >/dev/null 2>&1; } # jqb FILTER: FILTER holds on the last body
check "GET /api/v1/whoami: the token's name, role and batchd's clock" \
    jqb '.name == "vera" and .role == "viewer" and .tenant == "default" and .actor == "token:vera" and (.now | startswith("2026-03-02T"))'
get /api/v1/whoami
check "GET /api/v1/whoami without a token: 401" [ "$code" = 401 ]
get /api/v1/instances -H "Authorization: Bearer $VIEWER"
etag=$(hdr ETag)
get /api/v1/instances -H "Authorization: Bearer $VIEWER" -H "If-None-Match: $etag"
check "GET /api/v1/instances with its ETag: 304 while nothing changed" sh -c '[ -n "$1" ] && [ "$2" = 304 ]' - "$etag" "$code"
count_greet() { curl -s -H "Authorization: Bearer $ADMIN" "$base/api/v1/instances?job=greet&limit=1000" | jq '.items | length'; }
before=$(count_greet)
get /api/v1/jobs/greet/submit -X POST -H "Authorization: Bearer $OPERATOR" -H 'Content-Type: application/json' \
    -H 'Origin: http://evil.example' -d '{"params": {"who": "evil"}}'
check "a cross-origin POST (Origin: http://evil.example) with a valid operator token: 403" \
    sh -c '[ "$1" = 403 ] && jq -e ".detail | test(\"cross-origin\")" "$2" >/dev/null' - "$code" "$tmp/body"
get /api/v1/jobs/greet/submit -X POST -H "Authorization: Bearer $OPERATOR" -H 'Content-Type: application/json' \
    -H 'Sec-Fetch-Site: cross-site' -d '{"params": {"who": "evil"}}'
check "a POST with Sec-Fetch-Site: cross-site: 403" [ "$code" = 403 ]
check "the refused cross-origin POSTs submitted nothing" [ "$(count_greet)" = "$before" ]
get /api/v1/jobs/greet/submit -X POST -H "Authorization: Bearer $VIEWER" -H 'Content-Type: application/json' -d '{}'
check "a submit with the viewer token: 403" [ "$code" = 403 ]
# The event stream's instance= (docs/api.md, "Events"): refused with the reason.
ticket() { curl -s -X POST -H "Authorization: Bearer $VIEWER" "$base/api/v1/events/ticket" | jq -r .ticket; }
get "/api/v1/events?ticket=$(ticket)&instance=x"
check "GET /api/v1/events?instance=x: 400 naming the parameter" \
    sh -c '[ "$1" = 400 ] && jq -e ".detail == \"instance=\\\"x\\\" is not an instance id\"" "$2" >/dev/null' - "$code" "$tmp/body"
get "/api/v1/events?ticket=$(ticket)&instance=999999"
check "GET /api/v1/events?instance=999999 (no such instance): 404" \
    sh -c '[ "$1" = 404 ] && jq -e ".detail | test(\"instance=999999\")" "$2" >/dev/null' - "$code" "$tmp/body"

# ---- the browser ----------------------------------------------------------------------------
rm -rf "$SCREENS"
mkdir -p "$SCREENS"
if [ -n "${PAGES_ONLY:-}" ]; then # PAGES_ONLY=1: only pages.mjs (while working on those pages)
    : >"$tmp/e2e.out"; rc=0
else
BASE=$base ADMIN=$ADMIN OPERATOR=$OPERATOR VIEWER=$VIEWER CHROMIUM=$CHROMIUM SCREENS=$SCREENS \
    ALIVE="$tmp/alive" TRICKLING="$tmp/trickling" XSS_PARAM=$XSS_PARAM UI_DIR="$SRC/ui" \
    node "$HERE/e2e.mjs" >"$tmp/e2e.out" 2>"$tmp/e2e.err"
rc=$?
fi
cat "$tmp/e2e.out"
n_ok=$(grep -c '^ok - ' "$tmp/e2e.out")
n_bad=$(grep -c '^not ok - ' "$tmp/e2e.out")
passed=$((passed + n_ok))
failed=$((failed + n_bad))
if [ "$rc" -ne 0 ] && [ "$n_bad" -eq 0 ]; then
    failed=$((failed + 1))
    echo "not ok - the browser tests ran to their end (exit status $rc)"
    sed 's/^/    /' "$tmp/e2e.err" | tail -n 30
fi
[ "$n_bad" -eq 0 ] || { echo "# batchd's log:"; tail -n 20 "$tmp/d.log" | sed 's/^/    /'; }

# ---- the later pages (pages.mjs): a second batchd on its own repository ---------------------
# A Monday, 2026-03-09, the clock 10x real time: the nightly chain is due at 07:00, 30
# virtual seconds (3 real) after the start. extract waits for $tmp/gate to go, so the test
# sees it running before it lets the chain finish.
kill "$daemon_pid" 2>/dev/null
wait "$daemon_pid" 2>/dev/null
daemon_pid=""
mkdir -p "$tmp/defs2" "$tmp/state2"
: >"$tmp/gate"
XSS_NAME='<img src=x onerror="window.__xss=11">'
XSS_DE='<script>window.__xss=12</script>'
cat >"$tmp/defs2/jobs.yaml" <<YAML
kind: settings
tenant: default
timezone: UTC
batch_window: {start: "22:00", end: "08:00"}
pause: [{from: "2026-12-24T00:00:00Z", to: "2026-12-27T00:00:00Z"}]
time_offset: {enabled: false, days: 0}
timeouts: {estimate_multiple: 4, min_execute_minutes: 45}
---
kind: calendar
name: de-workdays
workdays: [MON, TUE, WED, THU, FRI]
holidays: [2026-12-25, 2026-12-26]
---
kind: job
name: extract
display_name: '$XSS_NAME'
display_names: {de: '$XSS_DE'}
group: nightly
trigger: {cron: "0 7 * * *", timezone: UTC}
executor: {exec: {command: [/bin/sh, -c, 'while [ -e "\$0" ]; do sleep 0.2; done; echo extracted', $tmp/gate]}}
---
kind: job
name: transform
group: nightly
trigger: {cron: "0 7 * * *", timezone: UTC}
depends_on: [{job: extract, mode: success}]
executor: {exec: {command: [/bin/sh, -c, 'echo transformed']}}
---
kind: job
name: load
group: nightly
trigger: {cron: "0 7 * * *", timezone: UTC}
depends_on: [{job: transform, mode: completion}]
executor: {exec: {command: [/bin/sh, -c, 'echo loaded']}}
---
kind: job
name: broken
group: nightly
trigger: {cron: "0 7 * * *", timezone: UTC}
executor: {exec: {command: [/bin/sh, -c, 'echo broken >&2; exit 3']}}
---
kind: job
name: slowpoke
group: nightly
estimated_minutes: 1
trigger: {cron: "0 7 * * *", timezone: UTC}
executor: {exec: {command: [/bin/sh, -c, 'sleep 9; echo slow']}}
---
kind: job
name: weekly
group: nightly
trigger: {cron: "0 7 * * 0", timezone: Europe/Berlin}
workday_only: false
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: berlin
group: other
trigger: {cron: "30 2 * * *", timezone: Europe/Berlin}
executor: {exec: {command: [/bin/true]}}
YAML
if ! "$B" apply "$tmp/defs2" --db "$tmp/r2.db" --actor ui-test >"$tmp/apply2.out" 2>&1; then
    echo "Bail out! batchctl apply (pages) failed:"; cat "$tmp/apply2.out"; exit 1
fi
mk_token2() { "$D" token create --name "$1" --role "$2" --db "$tmp/r2.db" 2>/dev/null | head -n 1; }
ADMIN2=$(mk_token2 ada admin)
VIEWER2=$(mk_token2 vera viewer)
[ -n "$ADMIN2" ] && [ -n "$VIEWER2" ] || { echo "Bail out! batchd token create (pages) failed"; exit 1; }
: >"$tmp/d.log"
"$D" --db "$tmp/r2.db" --listen 127.0.0.1:0 --state-dir "$tmp/state2" \
    --clock-start 2026-03-09T06:59:30Z --clock-rate 10 --log-file "$tmp/d.log" 2>"$tmp/d2.err" &
daemon_pid=$!
if ! wait_for "$WAIT" port_of_log; then
    echo "Bail out! batchd (pages) did not report its API port"; cat "$tmp/d.log" "$tmp/d2.err"; exit 1
fi
base="http://127.0.0.1:$port"
echo "# batchd (pages) pid $daemon_pid on $base"
BASE=$base ADMIN=$ADMIN2 VIEWER=$VIEWER2 CHROMIUM=$CHROMIUM SCREENS=$SCREENS GATE="$tmp/gate" \
    XSS_NAME=$XSS_NAME XSS_DE=$XSS_DE UI_DIR="$SRC/ui" DOWNLOADS="$tmp" \
    node "$HERE/pages.mjs" >"$tmp/pages.out" 2>"$tmp/pages.err"
rc=$?
cat "$tmp/pages.out"
n_ok=$(grep -c '^ok - ' "$tmp/pages.out")
n_bad=$(grep -c '^not ok - ' "$tmp/pages.out")
passed=$((passed + n_ok))
failed=$((failed + n_bad))
if [ "$rc" -ne 0 ] && [ "$n_bad" -eq 0 ]; then
    failed=$((failed + 1))
    echo "not ok - the browser tests of the later pages ran to their end (exit status $rc)"
    sed 's/^/    /' "$tmp/pages.err" | tail -n 30
fi
[ "$n_bad" -eq 0 ] || { echo "# batchd's log:"; tail -n 20 "$tmp/d.log" | sed 's/^/    /'; }
# ---- settings, the grid and pushed updates (live.mjs): the same batchd, after pages.mjs ------
BASE=$base ADMIN=$ADMIN2 VIEWER=$VIEWER2 CHROMIUM=$CHROMIUM SCREENS=$SCREENS UI_DIR="$SRC/ui" \
    node "$HERE/live.mjs" >"$tmp/live.out" 2>"$tmp/live.err"
rc=$?
cat "$tmp/live.out"
n_ok=$(grep -c '^ok - ' "$tmp/live.out")
n_bad=$(grep -c '^not ok - ' "$tmp/live.out")
passed=$((passed + n_ok))
failed=$((failed + n_bad))
if [ "$rc" -ne 0 ] && [ "$n_bad" -eq 0 ]; then
    failed=$((failed + 1))
    echo "not ok - the browser tests of settings, grid and live updates ran to their end (exit status $rc)"
    sed 's/^/    /' "$tmp/live.err" | tail -n 30
fi
[ "$n_bad" -eq 0 ] || { echo "# batchd's log:"; tail -n 20 "$tmp/d.log" | sed 's/^/    /'; }
# ---- drift on the definitions pages (drift.mjs): a runtime batchd ---------------------------
# Its repository holds an export of three manual jobs and 1,197 more, zz-0000 .. zz-1196,
# due once a year (03:00 UTC on 1 January: never during the test) in groups bulk-a,
# bulk-b and bulk-c by i % 3 (399 each): six pages of jobs, more than the dependency view
# draws, more rows than the report's tables draw; an admin disables beta for
# troubleshooting over the API: beta is drift (docs/environments.md) until drift.mjs
# applies the export again.
kill "$daemon_pid" 2>/dev/null
wait "$daemon_pid" 2>/dev/null
daemon_pid=""
mkdir -p "$tmp/defs3" "$tmp/state3"
{
    for j in alpha beta gamma; do
        printf 'kind: job\nname: %s\ntype: manual\nexecutor: {exec: {command: [/bin/true]}}\n---\n' "$j"
    done
    i=0
    while [ "$i" -lt 1197 ]; do
        printf 'kind: job\nname: zz-%04d\ngroup: bulk-%s\ntrigger: {cron: "0 3 1 1 *", timezone: UTC}\nexecutor: {exec: {command: [/bin/true]}}\n---\n' \
            "$i" "$(echo abc | cut -c$((i % 3 + 1)))"
        i=$((i + 1))
    done
} >"$tmp/defs3/jobs.yaml"
"$B" apply "$tmp/defs3" --db "$tmp/r3.db" >"$tmp/apply3.out" 2>&1 &&
    "$B" export "$tmp/export3" --db "$tmp/r3.db" >>"$tmp/apply3.out" 2>&1 || {
    echo "Bail out! apply/export (drift) failed:"; cat "$tmp/apply3.out"; exit 1; }
ADMIN3=$("$D" token create --name ada --role admin --db "$tmp/r3.db" 2>/dev/null | head -n 1)
[ -n "$ADMIN3" ] || { echo "Bail out! batchd token create (drift) failed"; exit 1; }
: >"$tmp/d.log"
"$D" --db "$tmp/r3.db" --environment runtime --listen 127.0.0.1:0 --state-dir "$tmp/state3" \
    --log-file "$tmp/d.log" 2>"$tmp/d3.err" &
daemon_pid=$!
if ! wait_for "$WAIT" port_of_log; then
    echo "Bail out! batchd (drift) did not report its API port"; cat "$tmp/d.log" "$tmp/d3.err"; exit 1
fi
base="http://127.0.0.1:$port"
get /api/v1/jobs/beta/disable -X POST -H "Authorization: Bearer $ADMIN3" -H 'X-Batchd-Troubleshooting: INC-7 stop beta'
check "runtime: an admin's troubleshooting change makes beta drift" jqb '.drift == true and .enabled == false'
BASE=$base ADMIN=$ADMIN3 CHROMIUM=$CHROMIUM SCREENS=$SCREENS UI_DIR="$SRC/ui" \
    BATCHCTL=$B EXPORT="$tmp/export3" DB="$tmp/r3.db" \
    node "$HERE/drift.mjs" >"$tmp/drift.out" 2>"$tmp/drift.err"
rc=$?
cat "$tmp/drift.out"
n_ok=$(grep -c '^ok - ' "$tmp/drift.out")
n_bad=$(grep -c '^not ok - ' "$tmp/drift.out")
passed=$((passed + n_ok))
failed=$((failed + n_bad))
if [ "$rc" -ne 0 ] && [ "$n_bad" -eq 0 ]; then
    failed=$((failed + 1))
    echo "not ok - the browser tests of drift ran to their end (exit status $rc)"
    sed 's/^/    /' "$tmp/drift.err" | tail -n 30
fi
[ "$n_bad" -eq 0 ] || { echo "# batchd's log:"; tail -n 20 "$tmp/d.log" | sed 's/^/    /'; }
# ---- why and impact (why.mjs): a fourth batchd -------------------------------------------
# 2026-03-09 from 00:59:50 at real speed: p (estimated 38 min) due at 01:00 runs until
# $tmp/gate4 goes, c waits for it; daily is due at 07:00; p2 (estimated 30 min) and its
# child c2 at 04:00.
kill "$daemon_pid" 2>/dev/null
wait "$daemon_pid" 2>/dev/null
daemon_pid=""
mkdir -p "$tmp/defs4" "$tmp/state4"
: >"$tmp/gate4"
XSS_WHY='<img src=x onerror="window.__xss=21">'
cat >"$tmp/defs4/jobs.yaml" <<YAML
kind: job
name: p
group: why
estimated_minutes: 38
trigger: {cron: "0 1 * * *", timezone: UTC}
executor: {exec: {command: [/bin/sh, -c, 'while [ -e "\$0" ]; do sleep 0.2; done', $tmp/gate4]}}
---
kind: job
name: c
display_name: '$XSS_WHY'
group: why
trigger: {cron: "0 1 * * *", timezone: UTC}
depends_on: [{job: p, mode: success}]
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: daily
display_name: '<script>window.__xss=22</script>'
group: why
trigger: {cron: "0 7 * * *", timezone: UTC}
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: p2
group: why
estimated_minutes: 30
trigger: {cron: "0 4 * * *", timezone: UTC}
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: c2
group: why
estimated_minutes: 10
trigger: {cron: "0 4 * * *", timezone: UTC}
depends_on: [{job: p2, mode: success}]
executor: {exec: {command: [/bin/true]}}
YAML
"$B" apply "$tmp/defs4" --db "$tmp/r4.db" --actor ui-test >"$tmp/apply4.out" 2>&1 || {
    echo "Bail out! batchctl apply (why) failed:"; cat "$tmp/apply4.out"; exit 1; }
ADMIN4=$("$D" token create --name ada --role admin --db "$tmp/r4.db" 2>/dev/null | head -n 1)
VIEWER4=$("$D" token create --name vera --role viewer --db "$tmp/r4.db" 2>/dev/null | head -n 1)
[ -n "$ADMIN4" ] && [ -n "$VIEWER4" ] || { echo "Bail out! batchd token create (why) failed"; exit 1; }
: >"$tmp/d.log"
"$D" --db "$tmp/r4.db" --listen 127.0.0.1:0 --state-dir "$tmp/state4" \
    --clock-start 2026-03-09T00:59:50Z --clock-rate 1 --log-file "$tmp/d.log" 2>"$tmp/d4.err" &
daemon_pid=$!
if ! wait_for "$WAIT" port_of_log; then
    echo "Bail out! batchd (why) did not report its API port"; cat "$tmp/d.log" "$tmp/d4.err"; exit 1
fi
base="http://127.0.0.1:$port"
BASE=$base ADMIN=$ADMIN4 VIEWER=$VIEWER4 CHROMIUM=$CHROMIUM SCREENS=$SCREENS UI_DIR="$SRC/ui" \
    GATE="$tmp/gate4" XSS_NAME=$XSS_WHY \
    node "$HERE/why.mjs" >"$tmp/why.out" 2>"$tmp/why.err"
rc=$?
cat "$tmp/why.out"
n_ok=$(grep -c '^ok - ' "$tmp/why.out")
n_bad=$(grep -c '^not ok - ' "$tmp/why.out")
passed=$((passed + n_ok))
failed=$((failed + n_bad))
if [ "$rc" -ne 0 ] && [ "$n_bad" -eq 0 ]; then
    failed=$((failed + 1))
    echo "not ok - the browser tests of why and impact ran to their end (exit status $rc)"
    sed 's/^/    /' "$tmp/why.err" | tail -n 30
fi
[ "$n_bad" -eq 0 ] || { echo "# batchd's log:"; tail -n 20 "$tmp/d.log" | sed 's/^/    /'; }
echo "# screenshots in $SCREENS: $(cd "$SCREENS" && ls | tr '\n' ' ')"
echo "ui: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
