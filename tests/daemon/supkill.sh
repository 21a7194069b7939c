#!/bin/sh
# A run whose supervisor alone is killed (issue 14; docs/daemon.md, "Runs and their
# supervisors" and the recovery list): the job (its own process group) must not run on
# beside the retry. batchd on a real SQLite file, real supervisors and jobs; the test
# SIGKILLs a supervisor (`bdrun-<execution id>`, its pid from the execution's record):
#
# - while batchd runs: the run is lost (execution exit status -1, "lost: ..."), batchd
#   kills what is left of the job (the shell and its `sleep`), and only then is the
#   instance retried (retry: attempts 2); the retry ends Success;
# - while no batchd runs (stopped with SIGTERM, the supervisor then killed): the next
#   batchd finds the supervisor gone without a status, kills the job the same way, and
#   retries it.
#
# Each run of the job appends "start PID EXEC" to a file of its instance, looks at every
# earlier start of that instance and appends "overlap PID" when that process is still
# alive (not a zombie) with the earlier execution's BATCH_EXECUTION_ID in its
# environment (so a recycled pid is not mistaken for it), waits for a go file, then
# appends "end PID". Expected (DESIGN §3, §4, docs/daemon.md): no overlap, the lost run
# never reaches its end, no process of its group is left once the retry has started,
# the instance Success with two executions, the first lost. And a job file naming a
# process outside the supervisor's session (as a recycled pid would) kills nothing.
# Closes with
# "supkill: N passed, M failed".
set -u
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
B="$BIN/batchctl"
D="$BIN/batchd"
export BATCHD_LISTEN=off # these runs need no API
passed=0
failed=0
. "$(dirname "$0")/../lib.sh"
scratch_dir # $pids: job processes left when a check failed, ended at exit
REPO="$tmp/r.db"
. "$(dirname "$0")/instances.sh"

start_daemon() {
    "$D" --db "$REPO" 2>>"$tmp/daemon.log" &
    daemon_pid=$!
}
stop_daemon() {
    kill "$daemon_pid" 2>/dev/null
    wait "$daemon_pid" 2>/dev/null
    daemon_pid=""
}

cat >"$tmp/job.sh" <<EOF
f=$tmp/runs.\$BATCH_INSTANCE_ID
if [ -f "\$f" ]; then
    while read -r what pid exec; do
        [ "\$what" = start ] || continue
        st=\$(sed 's/.*) //' /proc/\$pid/stat 2>/dev/null | cut -c1)
        case "\$st" in ''|Z|X) continue ;; esac
        tr '\0' '\n' </proc/\$pid/environ 2>/dev/null | grep -qx "BATCH_EXECUTION_ID=\$exec" &&
            echo "overlap \$pid" >>"\$f"
    done <"\$f"
fi
echo "start \$\$ \$BATCH_EXECUTION_ID" >>"\$f"
until [ -e $tmp/go.\$BATCH_INSTANCE_ID ]; do sleep 0.1; done
echo "end \$\$" >>"\$f"
EOF
cat >"$tmp/jobs.yaml" <<EOF
kind: job
name: once
type: manual
allow_multiple_instances: true
retry: {attempts: 2, backoff_seconds: 1, factor: 1}
executor: {exec: {command: [/bin/sh, $tmp/job.sh]}}
EOF
"$B" apply "$tmp/jobs.yaml" --db "$REPO" >/dev/null || { echo "supkill: apply failed"; exit 1; }

# starts ID: how many runs of instance ID have started (lines "start").
starts() { cat "$tmp/runs.$1" 2>/dev/null | grep -c '^start '; }
started() { [ "$(starts "$1")" -ge "$2" ]; }
# alive PID: the process exists and is not a zombie.
alive() {
    a_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
    [ -n "$a_st" ] && [ "$a_st" != Z ] && [ "$a_st" != X ]
}
# group_left PGID: the live processes of process group PGID (none: empty output).
group_left() { ps -eo pid=,pgid=,stat= | awk -v g="$1" '$2 == g && $3 !~ /^Z/ { print $1 }'; }
# supervisor ID: the pid of the supervisor of instance ID's first execution, once it is
# named after its execution (it got its go).
supervisor() {
    s_pid=$(inst_jq "$1" '.executions[0].pid // empty')
    s_exec=$(inst_jq "$1" '.executions[0].id // empty')
    [ -n "$s_pid" ] && [ "$(cat "/proc/$s_pid/comm" 2>/dev/null)" = "bdrun-$s_exec" ] &&
        echo "$s_pid"
}

# check_case NAME ID: after the supervisor of ID's first run was killed.
check_case() {
    c=$1 id=$2
    first=$(sed -n 's/^start \([0-9]*\) .*/\1/p' "$tmp/runs.$id" | head -n 1)
    if wait_for "$WAIT" started "$id" 2; then
        pass "$c: the instance is retried after its supervisor was killed"
    else
        fail "$c: the instance is retried after its supervisor was killed" "$tmp/daemon.log"
    fi
    # The retry looked for the first run when it started ("overlap" lines); now.
    if ! grep -q '^overlap ' "$tmp/runs.$id" && ! alive "$first"; then
        pass "$c: the first run's process is gone when the retry starts"
    else
        pids="$pids $first"
        fail "$c: the first run's process is gone when the retry starts" "$tmp/runs.$id"
    fi
    rest=$(group_left "$first")
    if [ -z "$rest" ]; then
        pass "$c: nothing is left of the first run's process group"
    else
        pids="$pids $rest"
        echo "  left of group $first: $rest"
        fail "$c: nothing is left of the first run's process group"
    fi
    touch "$tmp/go.$id"
    wait_for "$WAIT" is_state "$id" Success
    second=$(sed -n 's/^start \([0-9]*\) .*/\1/p' "$tmp/runs.$id" | sed -n 2p)
    got=$(sed 's/^\(start [0-9]*\) .*/\1/' "$tmp/runs.$id" | tr '\n' ' ')
    if is_state "$id" Success && [ "$got" = "start $first start $second end $second " ] &&
        [ "$(inst_jq "$id" '.executions | length')" = 2 ] &&
        [ "$(inst_jq "$id" '.executions[0].exit_status')" = -1 ] &&
        inst_jq "$id" '.executions[0].error // ""' | grep -q '^lost: ' &&
        [ "$(inst_jq "$id" '.executions[1].exit_status')" = 0 ]; then
        pass "$c: one run at a time; Success after a lost first run and its retry"
    else
        dump_inst "$id"
        cat "$tmp/runs.$id" >>"$tmp/inst"
        fail "$c: one run at a time; Success after a lost first run and its retry" "$tmp/inst"
    fi
}

start_daemon

# 1. The supervisor killed while batchd runs.
id1=$(submit_id once)
wait_for "$WAIT" started "$id1" 1 && sup=$(wait_for "$WAIT" supervisor "$id1") && [ -n "$sup" ] ||
    { fail "live: the first run starts" "$tmp/daemon.log"; exit 1; }
kill -9 "$sup"
check_case live "$id1"

# 2. The supervisor killed while no batchd runs: batchd stopped (its runs go on), the
# supervisor killed once it has recorded its job for the next daemon (the go pipe closed:
# runs/<instance>-<supervisor pid>.job, docs/daemon.md), then batchd started again.
id2=$(submit_id once)
wait_for "$WAIT" started "$id2" 1 && sup=$(wait_for "$WAIT" supervisor "$id2") && [ -n "$sup" ] ||
    { fail "restart: the first run starts" "$tmp/daemon.log"; exit 1; }
stop_daemon
if wait_for "$WAIT" test -f "$REPO.d/runs/$id2-$sup.job"; then
    pass "restart: the supervisor records its job once batchd is gone"
else
    fail "restart: the supervisor records its job once batchd is gone"
fi
kill -9 "$sup"
start_daemon
check_case restart "$id2"

# 3. A job file that names a process outside the supervisor's session (here one of the
# test's own, leading a session and group of its own, with its real start time: what a
# recycled pid would look like) kills nothing: the process lives on (the job then runs
# on beside its retry, as nothing names it).
setsid sleep 600 &
other=$!
pids="$pids $other"
id3=$(submit_id once)
wait_for "$WAIT" started "$id3" 1 && sup=$(wait_for "$WAIT" supervisor "$id3") && [ -n "$sup" ] ||
    { fail "foreign: the first run starts" "$tmp/daemon.log"; exit 1; }
stop_daemon
wait_for "$WAIT" test -f "$REPO.d/runs/$id3-$sup.job"
job3=$(sed -n 's/^start \([0-9]*\) .*/\1/p' "$tmp/runs.$id3" | head -n 1)
pids="$pids $job3"
read -r _ _ boot <"$REPO.d/runs/$id3-$sup.job"
echo "$other $(sed 's/.*) //' "/proc/$other/stat" | cut -d' ' -f20) $boot" >"$REPO.d/runs/$id3-$sup.job"
kill -9 "$sup"
start_daemon
if wait_for "$WAIT" started "$id3" 2 && alive "$other" && alive "$job3" &&
    ! grep '"instance_id": '"$id3"',' "$tmp/daemon.log" | grep -q 'killed'; then
    pass "foreign: a process outside the supervisor's session is never killed"
else
    fail "foreign: a process outside the supervisor's session is never killed" "$tmp/daemon.log"
fi
touch "$tmp/go.$id3"
kill "$other"
wait_for "$WAIT" is_state "$id3" Success
stop_daemon
ls "$REPO.d/runs" | grep -q '\.job' &&
    fail "no job file is left in runs/ at the end" || pass "no job file is left in runs/ at the end"

echo "supkill: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
