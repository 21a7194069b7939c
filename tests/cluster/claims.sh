#!/bin/sh
# Claims (docs/cluster.md, "Claims"; DESIGN §9, issue 22) with three real batchd nodes on
# a throwaway PostgreSQL server: the planner offers each exec run and every node claims
# offered runs up to its slots, so the runs of a burst are spread over the nodes, each
# run once; a job that requires labels runs only on a node that has them, and one that
# no node has waits in 2 Starting saying so; a stop reaches a run on a node that does
# not plan; a node killed with a run in flight loses it once its own lease has passed
# (`node lost`), its supervisor kills the job, and the retry runs on another node; every
# node listens for its peers' news (LISTEN).
# Closes with "cluster-claims: N passed, M failed".
set -u
SUITE=cluster-claims
HERE="$(cd "$(dirname "$0")" && pwd)"
TTL=3
. "$HERE/setup.sh"
REPO=$DSN
. "$HERE/../daemon/instances.sh"

# node NAME [LABELS]: starts batchd as node NAME (with LABELS; 4 run slots; its clock at
# 10 times real time, so a stop's grace period is 3 s); $pid_NAME.
node() {
    "$D" --db "$DSN" --node-name "$1" ${2:+--labels "$2"} --max-runs 4 --lease-ttl "$TTL" --heartbeat-interval 1 \
        --state-dir "$tmp/state-$1" --clock-start 2026-03-02T00:00:00Z --clock-rate 10 2>>"$tmp/$1.log" &
    eval "pid_$1=$!"
    pids="$pids $!"
}
exec_node() { sql "SELECT node FROM executions WHERE instance_id = $1 AND attempt = $2"; }
holder() { [ "$(sql "SELECT holder FROM leases WHERE name = 'planner' AND expires_at > extract(epoch FROM now())")" = "$1" ]; }
logged() { grep -q "$2" "$tmp/$1.log" 2>/dev/null; }

mkdir -p "$tmp/defs"
cat >"$tmp/defs/jobs.yaml" <<EOF2
kind: job
name: burst
type: manual
allow_multiple_instances: true
executor: {exec: {command: [/bin/sh, -c, 'echo "B \$BATCH_EXECUTION_ID \$(date +%s%3N)" >>$tmp/burst; sleep 1; echo "E \$BATCH_EXECUTION_ID \$(date +%s%3N)" >>$tmp/burst']}}
---
kind: job
name: gpu
type: manual
allow_multiple_instances: true
node_labels: [gpu]
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: tpu
type: manual
node_labels: tpu
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: sleeper
type: manual
node_labels: [w3]
executor: {exec: {command: [/bin/sh, -c, 'trap "echo term >>$tmp/term; exit 143" TERM; echo \$\$ >>$tmp/sleeper; while :; do sleep 0.1; done']}}
---
kind: job
name: stubborn
type: manual
node_labels: [w3]
executor: {exec: {command: [/bin/sh, -c, 'trap "" TERM; while :; do sleep 0.1; done']}}
---
kind: job
name: long
type: manual
retry: {attempts: 1, backoff_seconds: 1}
executor: {exec: {command: [/bin/sh, -c, 'echo "\$BATCH_EXECUTION_ID \$\$" >>$tmp/started; until [ -e $tmp/go ]; do sleep 0.1; done']}}
EOF2
"$B" apply "$tmp/defs" --db "$DSN" >"$tmp/apply.out" 2>&1 || fail "apply the jobs" "$tmp/apply.out"

node n1 gpu
wait_for "$WAIT" holder n1 || fail "n1 takes the planner lease" "$tmp/n1.log"
node n2
node n3 w3
nodes_up() { [ "$(sql "SELECT count(*) FROM nodes WHERE lease_expires_at > extract(epoch FROM now())")" = 3 ]; }
wait_for "$WAIT" nodes_up || fail "three nodes heartbeat" "$tmp/n2.log"

# Every node listens for its peers' news.
listening() { [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'")" -ge 3 ]; }
wait_for "$WAIT" listening && pass "every node has a LISTEN session for its peers' news" ||
    { sql "SELECT application_name, query FROM pg_stat_activity" >"$tmp/act"; fail "every node has a LISTEN session for its peers' news" "$tmp/act"; }

# A burst of 18 one-second runs: each runs once, spread over the nodes, none running more
# at once than its 4 slots.
ids=""
for i in $(seq 18); do ids="$ids $(submit_id burst)"; done
all_success() { for i in $ids; do is_state "$i" Success || return 1; done; }
wait_for "$WAIT" all_success && pass "a burst of 18 submits all end Success" ||
    { dump_inst $ids; fail "a burst of 18 submits all end Success" "$tmp/inst"; }
once=$(sql "SELECT count(*) FROM executions e JOIN instances i ON i.id = e.instance_id WHERE i.job = 'burst'")
[ "$once" = 18 ] && pass "each of them ran exactly once (18 executions)" ||
    fail "each of them ran exactly once (18 executions, got $once)" "$tmp/n1.log"
spread=$(sql "SELECT count(DISTINCT e.node) FROM executions e JOIN instances i ON i.id = e.instance_id WHERE i.job = 'burst'")
[ "$spread" -ge 2 ] && pass "the burst's runs were claimed by $spread nodes" ||
    { sql "SELECT e.node, count(*) FROM executions e GROUP BY e.node" >"$tmp/spread"; fail "the burst's runs were claimed by more than one node" "$tmp/spread"; }
sql "COPY (SELECT id, node FROM executions) TO STDOUT WITH CSV" >"$tmp/exec-nodes.csv"
most=$(python3 - "$tmp/burst" "$tmp/exec-nodes.csv" <<'EOF2'
import csv, sys
node = {r[0]: r[1] for r in csv.reader(open(sys.argv[2]))}
events = []
for line in open(sys.argv[1]):
    kind, ex, ms = line.split()
    events.append((int(ms), 1 if kind == "B" else -1, node[ex]))
now, most = {}, 0
for ms, step, n in sorted(events, key=lambda e: (e[0], e[1])):
    now[n] = now.get(n, 0) + step
    most = max(most, now[n])
print(most)
EOF2
)
[ -n "$most" ] && [ "$most" -le 4 ] && pass "no node ran more of them at once than its 4 slots (at most $most)" ||
    fail "no node ran more of them at once than its 4 slots (at most ${most:-?})" "$tmp/burst"

# Labels: gpu runs only on n1 (the only node with the label); tpu waits, saying so.
gids=""
for i in 1 2 3 4; do gids="$gids $(submit_id gpu)"; done
gpu_done() { for i in $gids; do is_state "$i" Success || return 1; done; }
on_n1=$(wait_for "$WAIT" gpu_done && sql "SELECT count(*) FROM executions e JOIN instances i ON i.id = e.instance_id WHERE i.job = 'gpu' AND e.node = 'n1'")
[ "$on_n1" = 4 ] && pass "a job requiring label gpu runs on the node that has it (4 of 4 on n1)" ||
    { dump_inst $gids; fail "a job requiring label gpu runs on the node that has it" "$tmp/inst"; }
tid=$(submit_id tpu)
tpu_waits() { is_state "$tid" Starting && [ "$(inst_jq "$tid" '.reason')" = "waiting for a node with labels tpu" ]; }
wait_for "$WAIT" tpu_waits && sleep 3 && tpu_waits && [ "$(inst_jq "$tid" '.executions | length')" = 0 ] &&
    pass "a job requiring a label no node has waits in Starting, saying which labels" ||
    { dump_inst "$tid"; fail "a job requiring a label no node has waits in Starting, saying which labels" "$tmp/inst"; }
"$B" instance stop "$tid" --db "$DSN" >"$tmp/stop.out" 2>&1
wait_for "$WAIT" is_state "$tid" Canceled && [ "$(inst_jq "$tid" '.executions | length')" = 0 ] &&
    pass "a stop withdraws an offer nobody claimed: Canceled, never run" ||
    { dump_inst "$tid"; fail "a stop withdraws an offer nobody claimed: Canceled, never run" "$tmp/inst"; }

# A stop reaches a run on a node that does not plan (n3, the only one with w3).
sid=$(submit_id sleeper)
wait_for "$WAIT" is_state "$sid" Running && [ "$(exec_node "$sid" 1)" = n3 ] ||
    { dump_inst "$sid"; fail "the sleeper runs on n3" "$tmp/inst"; }
"$B" instance stop "$sid" --db "$DSN" >"$tmp/stop.out" 2>&1
wait_for "$WAIT" is_state "$sid" Canceled && [ "$(grep -c term "$tmp/term" 2>/dev/null)" = 1 ] &&
    [ "$(inst_jq "$sid" '.executions[0].exit_status')" = 143 ] &&
    pass "a stop reaches the run on a node that does not plan: SIGTERM to the job, Canceled" ||
    { dump_inst "$sid"; fail "a stop reaches the run on a node that does not plan: SIGTERM to the job, Canceled" "$tmp/inst"; }

# Stop Failed on a node that does not plan: the job ignores SIGTERM and its supervisor is
# stopped (SIGSTOP), so the SIGKILL after the grace period cannot take effect: n3 records
# the failed stop and the planner moves the instance to Stop Failed; once the supervisor
# continues, the job is killed and the instance ends Canceled.
fid=$(submit_id stubborn)
wait_for "$WAIT" is_state "$fid" Running && [ "$(exec_node "$fid" 1)" = n3 ] ||
    { dump_inst "$fid"; fail "the stubborn job runs on n3" "$tmp/inst"; }
spid=$(sql "SELECT pid FROM executions WHERE instance_id = $fid")
"$B" instance stop "$fid" --db "$DSN" >"$tmp/stop.out" 2>&1
wait_for "$WAIT" is_state "$fid" Stopping && kill -STOP "$spid"
wait_for "$WAIT" is_state "$fid" "Stop Failed" &&
    [ "$(inst_jq "$fid" '.executions[0].error')" = "the run did not end after SIGKILL" ] &&
    pass "a stop that does not take effect on a node that does not plan is recorded Stop Failed" ||
    { dump_inst "$fid"; fail "a stop that does not take effect on a node that does not plan is recorded Stop Failed" "$tmp/inst"; }
kill -CONT "$spid"
wait_for "$WAIT" is_state "$fid" Canceled && pass "once the kill takes effect the instance ends Canceled" ||
    { dump_inst "$fid"; fail "once the kill takes effect the instance ends Canceled" "$tmp/inst"; }

# kill -9 of a node with a run in flight (n1 and n2 drained, so n3 takes it): the run is
# lost once n3's lease has passed, its job killed by its supervisor, and retried elsewhere.
"$B" nodes drain n1 --db "$DSN" >/dev/null 2>&1
"$B" nodes drain n2 --db "$DSN" >/dev/null 2>&1
sleep 2
lid=$(submit_id long)
wait_for "$WAIT" is_state "$lid" Running && [ "$(exec_node "$lid" 1)" = n3 ] ||
    { dump_inst "$lid"; fail "the long run goes to n3" "$tmp/inst"; }
"$B" nodes undrain n1 --db "$DSN" >/dev/null 2>&1
"$B" nodes undrain n2 --db "$DSN" >/dev/null 2>&1
kill -9 "$pid_n3"; wait "$pid_n3" 2>/dev/null
lost() { [ "$(inst_jq "$lid" '.executions[0].error')" = "node lost" ] && [ "$(inst_jq "$lid" '.executions | length')" = 2 ]; }
wait_for "$WAIT" lost && [ "$(exec_node "$lid" 2)" != n3 ] &&
    [ "$(inst_jq "$lid" '[.history[] | select(.to == 6 and .reason == "node lost")] | length')" = 1 ] &&
    pass "a killed node's run is recorded node lost once its lease passed, and retried on another node" ||
    { dump_inst "$lid"; fail "a killed node's run is recorded node lost once its lease passed, and retried on another node" "$tmp/inst"; }
first_pid=$(head -n 1 "$tmp/started" | cut -d' ' -f2)
first_gone() { ! kill -0 "$first_pid" 2>/dev/null; }
wait_for "$WAIT" first_gone && grep -q 'lease ran out: the job is killed' "$tmp/n3.log" &&
    pass "the killed node's job was killed by its supervisor past the node's lease" ||
    fail "the killed node's job was killed by its supervisor past the node's lease" "$tmp/n3.log"
touch "$tmp/go"
wait_for "$WAIT" is_state "$lid" Success && pass "the retry ends Success" ||
    { dump_inst "$lid"; fail "the retry ends Success" "$tmp/inst"; }

echo "cluster-claims: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
