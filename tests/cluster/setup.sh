# tests/cluster/setup.sh: how every cluster test begins, sourced with $SUITE (the name
# of its summary line) and $HERE (this directory) set: batchctl ($B) and batchd ($D)
# from $BUILD_DIR, the counters, a scratch directory ($tmp), a throwaway PostgreSQL
# server ($DSN, its port $pgport) and `sql QUERY`; at exit the server is stopped and
# every process the test started (its $pids, and pids_under $tmp) is killed.
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
B="$BIN/batchctl"
D="$BIN/batchd"
export BATCHD_LISTEN=off
pgs="$HERE/../../scripts/pg-test-server.sh"
passed=0
failed=0
tmp=$(mktemp -d)
pgroot=$(mktemp -d /tmp/batchd-pg-XXXXXX)
pids=""
. "$HERE/../lib.sh"
. "$HERE/procs.sh"
cleanup() {
    for p in $pids; do kill -CONT "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; done
    kill_under "$tmp"
    "$pgs" stop "$pgroot/pg" 2>/dev/null
    rm -rf "$pgroot"
    [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! DSN=$("$pgs" start "$pgroot/pg" 2>"$tmp/pg.err") || [ -z "$DSN" ]; then
    fail "start a PostgreSQL server (needs the Debian package postgresql: make test-deps)" "$tmp/pg.err"
    echo "$SUITE: $passed passed, $failed failed"
    exit 1
fi
pgport=$(cat "$pgroot/pg/port")
PSQL=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)/psql
sql() { "$PSQL" -qtA "$DSN" -c "$1"; }
