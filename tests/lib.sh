# tests/lib.sh: what the shell test scripts share, sourced by them. The sourcing script
# sets passed=0 and failed=0, $tmp (its scratch directory) and, for check, $B (batchctl).

# scratch_dir: makes $tmp, a scratch directory removed at exit (kept with KEEP=1, which
# says its path), and clears $daemon_pid and $pids; the exit trap first stops
# $daemon_pid and every pid in $pids (what the test started, by pid).
scratch_dir() {
    tmp=$(mktemp -d)
    daemon_pid=""
    pids=""
    trap scratch_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}
scratch_cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
    for p in $pids; do kill "$p" 2>/dev/null; done
    [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}

# pass NAME / fail NAME [FILE_TO_SHOW]: record a check made by hand.
pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "not ok - $1"; [ ! -f "${2:-}" ] || sed 's/^/    /' "$2"; }

# WAIT: the deadline, in seconds, of anything a test waits for (wait_for "$WAIT" ...).
WAIT=60
# wait_for SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds (status 0) or
# SECONDS of real time have passed (then COMMAND is tried once more and its status returned).
# A deadline is only an upper bound for a failure: give a generous one (a loaded machine
# runs everything several times slower), never a value an assertion depends on.
wait_for() {
    w_end=$(($(date +%s) + $1)); shift
    while [ "$(date +%s)" -lt "$w_end" ]; do
        "$@" && return 0
        sleep 0.1
    done
    "$@"
}

# log_api_port LOG: sets $port to the API port batchd's log file LOG reports ("API
# listening on ADDR (port N)"); status 1 while it reports none (wait_for "$WAIT"
# log_api_port LOG).
log_api_port() {
    port=$(sed -n 's/.*API listening on [^ ]* (port \([0-9]*\)).*/\1/p' "$1" 2>/dev/null | head -n 1)
    [ -n "$port" ]
}

# check NAME EXPECTED_STATUS EXPECTED_STDOUT_OR_-_OR_EMPTY STDERR_SUBSTRING_OR_- -- ARGS...
# runs batchctl with ARGS; "-" skips a comparison, an empty EXPECTED_STDOUT wants none.
# The output stays in $tmp/out and $tmp/err.
check() {
    name=$1 want_rc=$2 want_out=$3 want_err=$4
    shift 5
    "$B" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    ok=1
    [ "$rc" -eq "$want_rc" ] || { ok=0; echo "  status $rc, expected $want_rc"; }
    if [ "$want_out" = "" ] && [ -s "$tmp/out" ]; then
        ok=0
        echo "  stdout should be empty; got:"; sed 's/^/    /' "$tmp/out"
    elif [ "$want_out" != "-" ] && [ "$want_out" != "" ] &&
        ! printf '%s\n' "$want_out" | cmp -s - "$tmp/out"; then
        ok=0
        echo "  stdout differs; expected:"; printf '%s\n' "$want_out" | sed 's/^/    /'
        echo "  got:"; sed 's/^/    /' "$tmp/out"
    fi
    if [ "$want_err" != "-" ] && [ -n "$want_err" ] && ! grep -qF -- "$want_err" "$tmp/err"; then
        ok=0
        echo "  stderr lacks '$want_err'; got:"; sed 's/^/    /' "$tmp/err"
    fi
    if [ $ok -eq 1 ]; then
        passed=$((passed + 1)); echo "ok - $name"
    else
        failed=$((failed + 1)); echo "not ok - $name"
        [ ! -s "$tmp/err" ] || { echo "  stderr:"; sed 's/^/    /' "$tmp/err"; }
    fi
}

# scratch_daemon_test: the start of a test that runs batchd: passed=0, failed=0, $tmp a
# new scratch directory, and, on exit, the batchd whose pid is in $dpid (if any) stopped
# and $tmp removed; no BATCHD_* variable of the caller's environment is kept.
scratch_daemon_test() {
    passed=0
    failed=0
    tmp=$(mktemp -d)
    dpid=""
    trap '[ -z "$dpid" ] || { kill "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null; }; rm -rf "$tmp"' EXIT
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM
    for v in $(env | sed -n 's/^\(BATCHD_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
}
