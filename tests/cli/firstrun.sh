#!/bin/sh
# The first ten minutes (issue 19): `make run` (scripts/run.sh) as a newcomer meets it, with
# USER unset: it applies the examples, starts batchd, prints a token command that works as
# shown and the web UI's address; the example job `hello` (every minute) goes green within
# the deadline. Also `batchd --version` and `batchctl --version`.
# Closes with "first-run: N passed, M failed".
set -u
B=${BATCHCTL:?set BATCHCTL to the batchctl binary}
D=$(dirname "$B")/batchd
root=$(cd "$(dirname "$0")/../.." && pwd)
passed=0
failed=0
tmp=$(mktemp -d)
rpid=""
cleanup() {
    [ -z "$rpid" ] || { kill "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null; }
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
unset BATCHD_URL BATCHD_TOKEN BATCHD_DB XDG_CONFIG_HOME
export HOME="$tmp/home"
mkdir -p "$HOME"
. "$(dirname "$0")/../lib.sh"

ver=$(sed -n 's/^VERSION *:= *//p' "$root/Makefile")
[ "$("$D" --version)" = "batchd $ver" ] && pass "batchd --version prints batchd $ver" ||
    { "$D" --version >"$tmp/v" 2>&1; fail "batchd --version prints batchd $ver" "$tmp/v"; }
[ "$("$B" --version)" = "batchctl $ver" ] && pass "batchctl --version prints batchctl $ver" ||
    { "$B" --version >"$tmp/v" 2>&1; fail "batchctl --version prints batchctl $ver" "$tmp/v"; }

db="$tmp/run.db"
# run.sh execs batchd: $! is the daemon once it runs.
env -u USER BATCHD_LISTEN=127.0.0.1:0 BATCHD_RUN_DB="$db" "$root/scripts/run.sh" "$B" \
    >"$tmp/out" 2>"$tmp/err" &
rpid=$!
port=""
listening() {
    port=$(sed -n 's/.*API listening on .*(port \([0-9]*\)).*/\1/p' "$tmp/err" 2>/dev/null | head -n 1)
    [ -n "$port" ]
}
if wait_for "$WAIT" listening; then
    pass "make run starts batchd (API and UI on port $port)"
else
    cat "$tmp/out" "$tmp/err" >"$tmp/both"
    fail "make run starts batchd" "$tmp/both"
fi
grep -qFx "ok: 8 jobs, 1 calendar, 1 settings in 5 files" "$tmp/out" &&
    pass "make run validates the examples" || fail "make run validates the examples" "$tmp/out"
grep -qE '^(JOB +DUE|nothing is due from )' "$tmp/out" &&
    pass "make run shows the plan, or that nothing is due and when" ||
    fail "make run shows the plan, or that nothing is due and when" "$tmp/out"
grep -qFx "     http://127.0.0.1:0/#/monitor?job=hello" "$tmp/out" &&
    pass "the UI's address to watch hello is printed" || fail "the UI's address to watch hello is printed" "$tmp/out"
code=$(curl -s -o "$tmp/ui.html" -w '%{http_code}' "http://127.0.0.1:$port/")
[ "$code" = 200 ] && grep -qi '<html' "$tmp/ui.html" && pass "the web UI answers at /" ||
    fail "the web UI answers at / (HTTP $code)" "$tmp/ui.html"

# The printed token command, run as printed, with USER unset.
cmd=$(sed -n 's/^ *\(.*batchd token create .*\)   # prints it once$/\1/p' "$tmp/out")
case $cmd in
*'$'*|'') fail "the token command is literal (no variable left to expand): '$cmd'" ;;
*) pass "the token command is literal" ;;
esac
if [ -n "$cmd" ] && env -u USER sh -c "$cmd" >"$tmp/tok" 2>"$tmp/tok.err"; then
    pass "the printed token command works with USER unset"
else
    fail "the printed token command works with USER unset" "$tmp/tok.err"
fi
token=$(grep -o 'bdt_[A-Za-z0-9_-]*' "$tmp/tok" | head -n 1)
code=$(curl -s -o "$tmp/jobs.json" -w '%{http_code}' -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$port/api/v1/jobs")
[ "$code" = 200 ] && grep -qF '"hello"' "$tmp/jobs.json" && pass "the token reads the jobs over the API" ||
    fail "the token reads the jobs over the API (HTTP $code)" "$tmp/jobs.json"

# hello is due at the start of every minute: a run goes green within a minute or so.
green() { "$B" instances list --job hello --db "$db" 2>/dev/null | grep -q ' Success '; }
if wait_for 150 green; then
    pass "hello's first run ends in Success"
else
    "$B" instances list --job hello --db "$db" >"$tmp/il" 2>&1
    fail "hello's first run ends in Success" "$tmp/il"
fi

kill "$rpid" 2>/dev/null
wait "$rpid" 2>/dev/null
rpid=""
echo "first-run: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
