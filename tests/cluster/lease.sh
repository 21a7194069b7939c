#!/bin/sh
# The planner lease (docs/cluster.md) with real batchd nodes on a throwaway PostgreSQL
# server (scripts/pg-test-server.sh): two nodes, one plans; kill -9 of the planner: the
# other takes the lease over with the next epoch, records the lost node's run as Failed
# "node lost" once that node's own lease has passed, and retries it by the job's policy,
# and the lost node's supervisor kills the job once past its lease, so the run never
# goes on beside its retry; a node whose lease was taken over while it was stopped
# (SIGSTOP) stops planning when continued; a draining planner claims nothing while the
# other node runs what is offered, and hands the lease over once its run has ended.
# Expected outcomes from DESIGN §9, §11.2, issue 22.
# Closes with "cluster-lease: N passed, M failed".
set -u
SUITE=cluster-lease
HERE="$(cd "$(dirname "$0")" && pwd)"
TTL=3
. "$HERE/setup.sh"
REPO=$DSN
. "$HERE/../daemon/instances.sh"

# node NAME: starts batchd as node NAME (its own state directory and log); $pid_NAME.
node() {
    "$D" --db "$DSN" --node-name "$1" --lease-ttl "$TTL" --heartbeat-interval 1 \
        --state-dir "$tmp/state-$1" --clock-start 2026-03-02T00:00:00Z 2>>"$tmp/$1.log" &
    eval "pid_$1=$!"
    pids="$pids $!"
}
# exec_node ID N: the node of the instance's Nth execution (1 the first).
exec_node() { sql "SELECT node FROM executions WHERE instance_id = $1 AND attempt = $2"; }
holder() { [ "$(sql "SELECT holder || ' ' || epoch FROM leases WHERE name = 'planner'")" = "$1" ]; }
logged() { grep -q "$2" "$tmp/$1.log" 2>/dev/null; }

# The job: it writes its node's marker, then runs until $tmp/go exists; one retry.
mkdir -p "$tmp/defs"
cat >"$tmp/defs/jobs.yaml" <<EOF2
kind: job
name: long
type: manual
retry: {attempts: 1, backoff_seconds: 1}
executor: {exec: {command: [/bin/sh, -c, 'echo "\$BATCH_EXECUTION_ID \$\$" >>$tmp/started; until [ -e $tmp/go ]; do sleep 0.1; done; echo "\$BATCH_EXECUTION_ID" >>$tmp/ended']}}
---
kind: job
name: quick
type: manual
executor: {exec: {command: [/bin/true]}}
EOF2
"$B" apply "$tmp/defs" --db "$DSN" >"$tmp/apply.out" 2>&1 || fail "apply the job" "$tmp/apply.out"

# One planner: a first, at epoch 1; b waits.
node a
wait_for "$WAIT" holder "a 1" && wait_for "$WAIT" logged a 'holds the planner lease' &&
    pass "the first node takes the planner lease at epoch 1" || fail "the first node takes the planner lease at epoch 1" "$tmp/a.log"
gid=$(submit_id long)
wait_for "$WAIT" is_state "$gid" Running && [ "$(exec_node "$gid" 1)" = a ] &&
    pass "the planner runs the instance, its execution on node a" ||
    { dump_inst "$gid"; fail "the planner runs the instance, its execution on node a" "$tmp/inst"; }
node b
holder "a 1" && ! logged b 'holds the planner lease' &&
    pass "the standby does not take a held lease" || fail "the standby does not take a held lease" "$tmp/b.log"

# kill -9 of the planner: b takes over (epoch 2); the run on a is lost, retried on b.
kill -9 "$pid_a"; wait "$pid_a" 2>/dev/null
wait_for "$WAIT" holder "b 2" && pass "after kill -9 of the planner the standby takes the lease at epoch 2" ||
    fail "after kill -9 of the planner the standby takes the lease at epoch 2" "$tmp/b.log"
lost() { [ "$(inst_jq "$gid" '.executions[0].error')" = "node lost" ] && [ "$(inst_jq "$gid" '.executions | length')" = 2 ]; }
wait_for "$WAIT" lost && [ "$(exec_node "$gid" 2)" = b ] &&
    [ "$(inst_jq "$gid" '[.history[] | select(.to == 6 and .reason == "node lost")] | length')" = 1 ] &&
    pass "the lost node's run is recorded as node lost, the instance Failed, then retried on b" ||
    { dump_inst "$gid"; fail "the lost node's run is recorded as node lost, the instance Failed, then retried on b" "$tmp/inst"; }
# The first attempt's job (its supervisor outlived batchd on a) was killed past a's lease.
first_pid=$(head -n 1 "$tmp/started" | cut -d' ' -f2)
first_gone() { ! kill -0 "$first_pid" 2>/dev/null; }
wait_for "$WAIT" first_gone && grep -q 'lease ran out: the job is killed' "$tmp/a.log" &&
    pass "the lost node's job was killed past its lease" ||
    fail "the lost node's job was killed past its lease" "$tmp/a.log"
touch "$tmp/go"
wait_for "$WAIT" is_state "$gid" Success && [ "$(grep -c . "$tmp/ended")" = 1 ] &&
    [ "$(inst_jq "$gid" '.executions[1].exit_status')" = 0 ] &&
    pass "the retry ends Success; only it reached its end" ||
    { dump_inst "$gid"; fail "the retry ends Success; only it reached its end" "$tmp/inst"; }
rm -f "$tmp/go"

# SIGSTOP of the planner past its lease, then SIGCONT: a (restarted) takes over, b is
# fenced and plans no more; a later submit runs once.
node a
kill -STOP "$pid_b"
wait_for "$WAIT" holder "a 3" && pass "a node takes over from a stopped planner (epoch 3)" ||
    fail "a node takes over from a stopped planner (epoch 3)" "$tmp/a.log"
kill -CONT "$pid_b"
wait_for "$WAIT" logged b 'stops planning' && pass "the continued node stops planning" ||
    fail "the continued node stops planning" "$tmp/b.log"
touch "$tmp/go"
hid=$(submit_id long)
wait_for "$WAIT" is_state "$hid" Success && [ "$(inst_jq "$hid" '.executions | length')" = 1 ] &&
    holder "a 3" &&
    pass "after the takeover a submit runs once, planned by the new planner" ||
    { dump_inst "$hid"; fail "after the takeover a submit runs once, planned by the new planner" "$tmp/inst"; }

# Drain (docs/cluster.md): with b drained, a runs the instance; then a drains: it claims
# nothing more, so b runs the next one at once, while a keeps the lease for its run in
# flight; once that has ended a gives the lease up and b takes it (epoch 4).
rm -f "$tmp/go"
"$B" nodes drain b --db "$DSN" >"$tmp/drain.out" 2>&1 || fail "batchctl nodes drain b" "$tmp/drain.out"
sleep 2 # a node reads its state back every second
iid=$(submit_id long)
wait_for "$WAIT" is_state "$iid" Running && [ "$(exec_node "$iid" 1)" = a ] &&
    pass "a draining node claims nothing: the other node runs the instance" ||
    { dump_inst "$iid"; fail "a draining node claims nothing: the other node runs the instance" "$tmp/inst"; }
"$B" nodes undrain b --db "$DSN" >"$tmp/drain.out" 2>&1 || fail "batchctl nodes undrain b" "$tmp/drain.out"
"$B" nodes drain a --db "$DSN" >"$tmp/drain.out" 2>&1 || fail "batchctl nodes drain a" "$tmp/drain.out"
sleep 2
jid=$(submit_id quick)
wait_for "$WAIT" is_state "$jid" Success && [ "$(exec_node "$jid" 1)" = b ] && holder "a 3" &&
    is_state "$iid" Running &&
    pass "while the draining planner's run goes on, it keeps the lease and the other node runs what is offered" ||
    { dump_inst "$jid" "$iid"; fail "while the draining planner's run goes on, it keeps the lease and the other node runs what is offered" "$tmp/inst"; }
touch "$tmp/go"
wait_for "$WAIT" is_state "$iid" Success && wait_for "$WAIT" holder "b 4" &&
    logged a 'gives the planner lease up: the node is drained' &&
    [ "$(inst_jq "$iid" '.executions | length')" = 1 ] &&
    pass "once its run ended (once) the drained planner hands the lease over (b at epoch 4)" ||
    fail "once its run ended (once) the drained planner hands the lease over (b at epoch 4)" "$tmp/a.log"
sleep $((TTL * 2))
holder "b 4" && pass "a drained node does not take the lease back" ||
    fail "a drained node does not take the lease back" "$tmp/a.log"

echo "cluster-lease: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
