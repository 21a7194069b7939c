#!/bin/sh
# Chaos test of a cluster (docs/cluster.md, issue 22): a PostgreSQL server, three batchd
# nodes (separate processes, each with its own state directory and its own TCP relay to
# the database, tests/cluster/relay.py), a busy schedule with dependencies on the virtual
# clock, and faults injected at random (from SEED): kill -9 of the planner, kill -9 of any
# node, SIGSTOP of the planner past its lease then SIGCONT, and a node cut off from the
# database (its relay closes its connections and refuses new ones). Killed nodes are
# restarted; stopped and cut ones come back by themselves. The jobs append what they do (begin, ticks every 0.1 s, end, with the
# real time) to one file; afterwards tests/cluster/check.py proves, from that file, the
# repository and the nodes' logs: no due slot has two instances, none is missed, every run
# is accounted for (each execution's end recorded, as its outcome or `node lost`; every
# job process that began has its execution), no instance was executed on two nodes at
# once for longer than the lease ttl, and each loss of the planner was followed by a
# takeover within ttl + one check interval (+ SLACK s for a loaded machine).
# Closes with "cluster-chaos: N passed, M failed".
#
# Environment: SEED (printed; replay with SEED=...), FAULT_SECONDS (40: real seconds of
# faults; `make soak` runs 600), JOBS (24), RATE (60 simulated seconds per real second),
# TTL (3: the lease ttl, s), SLACK (3 s), KEEP=1 (keep the scratch directory).
set -u
SUITE=cluster-chaos
HERE="$(cd "$(dirname "$0")" && pwd)"
SEED=${SEED:-$(($$ + $(date +%s) % 100000))}
FAULT_SECONDS=${FAULT_SECONDS:-40}
JOBS=${JOBS:-24}
RATE=${RATE:-60}
TTL=${TTL:-3}
SLACK=${SLACK:-3}
START=2026-03-02T00:00:00Z
. "$HERE/setup.sh"
echo "# seed $SEED, $JOBS jobs, $FAULT_SECONDS s of faults, rate $RATE, lease ttl $TTL s"
rnd() { awk -v s="$SEED" -v k="$1" -v lo="$2" -v hi="$3" 'BEGIN { srand(s * 1000 + k); printf "%.2f", lo + (hi - lo) * rand() }'; }
rndi() { awk -v s="$SEED" -v k="$1" -v n="$2" 'BEGIN { srand(s * 1000 + k); printf "%d", int(n * rand()) }'; }
now_ms() { t=$(date +%s%N); echo "${t%??????}"; }

# ---- the jobs ---------------------------------------------------------------------------
# jNN due every 5 minutes (every third every 10), catch-up all, about half depending on an
# earlier job (completion, chains of at most 3), 5 retries. Each run appends
# "B EXEC INSTANCE MS", a "T EXEC INSTANCE MS" line every 0.1 s, then "E EXEC INSTANCE MS"
# (real milliseconds), and lasts 0 to 1.4 s.
out="$tmp/out"
: >"$out"
mkdir -p "$tmp/defs"
awk -v n="$JOBS" -v seed="$SEED" -v out="$out" 'BEGIN {
    srand(seed)
    for (i = 0; i < n; i++) {
        printf "%skind: job\nname: j%02d\n", i ? "---\n" : "", i
        printf "trigger: {cron: \"*/%d * * * *\"}\ncatchup: all\n", i % 3 == 2 ? 10 : 5
        printf "retry: {attempts: 5, backoff_seconds: 1}\n"
        depth[i] = 0
        if (i > 0 && rand() < 0.5) {
            do p = int(rand() * i); while (depth[p] >= 2)
            depth[i] = depth[p] + 1
            printf "depends_on: [{job: j%02d, mode: completion}]\n", p
        }
        w = "$BATCH_EXECUTION_ID $BATCH_INSTANCE_ID $(date +%s%3N)\" >>" out
        cmd = "echo \"B " w "; i=0; while [ $i -lt " int(rand() * 15) " ]; do sleep 0.1; echo \"T " w "; i=$((i + 1)); done; echo \"E " w
        printf "executor: {exec: {command: [/bin/sh, -c, '\''%s'\'']}}\n", cmd
    }
}' >"$tmp/defs/jobs.yaml"
"$B" apply "$tmp/defs" --db "$DSN" >"$tmp/apply" 2>&1 || { fail "apply the jobs" "$tmp/apply"; exit 1; }

# ---- relays and nodes -------------------------------------------------------------------
for n in 1 2 3; do
    python3 "$HERE/relay.py" "$pgport" "$tmp/cut-n$n" "$tmp/relay-n$n" 2>>"$tmp/relay.log" &
    pids="$pids $!"
done
relay_port() { [ -s "$tmp/relay-n$1" ] && cat "$tmp/relay-n$1"; }
for n in 1 2 3; do wait_for "$WAIT" relay_port "$n" >/dev/null || { fail "relay $n listens" "$tmp/relay.log"; exit 1; }; done
start_s=$(date -u -d "$START" +%s)
t0_ms=$(now_ms)
clock_now() { echo $((start_s - 60 + ($(now_ms) - t0_ms) * RATE / 1000)); }
# start_node N [RATE]: starts node nN on the shared virtual clock (its value now).
start_node() {
    node_dsn=$(echo "$DSN" | sed "s/:$pgport\\//:$(cat "$tmp/relay-n$1")\\//")
    "$D" --db "$node_dsn" --node-name "n$1" --lease-ttl "$TTL" --heartbeat-interval 1 --max-runs 8 \
        --state-dir "$tmp/state-n$1" \
        --clock-start "$(date -u -d "@$(clock_now)" +%Y-%m-%dT%H:%M:%SZ)" \
        --clock-rate "${2:-$RATE}" 2>>"$tmp/n$1.log" &
    eval "pid_n$1=$!"
    pids="$pids $!"
}
kill_node() { eval "kp=\$pid_n$1"; kill -CONT "$kp" 2>/dev/null; kill -9 "$kp" 2>/dev/null; wait "$kp" 2>/dev/null; }
planner() { sql "SELECT substr(holder, 2) FROM leases WHERE name = 'planner' AND expires_at > extract(epoch FROM now())"; }
for n in 1 2 3; do start_node "$n"; done
first_wave() { [ "$(sql "SELECT count(*) FROM instances")" -ge "$JOBS" ]; }
wait_for "$WAIT" first_wave || { fail "the first wave is planned" "$tmp/n1.log"; exit 1; }

# ---- faults -----------------------------------------------------------------------------
# faults: "MS KIND NODE PLANNER_LOST" (PLANNER_LOST 1 when the fault took the planner away).
: >"$tmp/faults"
k=0
while [ $(($(now_ms) - t0_ms)) -lt $((FAULT_SECONDS * 1000)) ]; do
    k=$((k + 1))
    sleep "$(rnd "$k" 1.5 4)"
    p=$(planner)
    kind=$(rndi "$((k + 500))" 4)
    n=$(($(rndi "$((k + 900))" 3) + 1))
    case $kind in
    0) [ -n "$p" ] || continue
       echo "$(now_ms) kill-planner n$p 1" >>"$tmp/faults"
       kill_node "$p"; sleep "$(rnd "$((k + 1300))" 0.5 2)"; start_node "$p" ;;
    1) echo "$(now_ms) kill n$n $([ "$n" = "$p" ] && echo 1 || echo 0)" >>"$tmp/faults"
       kill_node "$n"; sleep "$(rnd "$((k + 1300))" 0.5 2)"; start_node "$n" ;;
    2) [ -n "$p" ] || continue
       eval "pp=\$pid_n$p"
       echo "$(now_ms) stop-planner n$p 1" >>"$tmp/faults"
       kill -STOP "$pp"; sleep "$(rnd "$((k + 1300))" "$((TTL + 1))" "$((TTL + 3))")"; kill -CONT "$pp" ;;
    3) echo "$(now_ms) cut n$n $([ "$n" = "$p" ] && echo 1 || echo 0)" >>"$tmp/faults"
       # Not restarted: the node opens a new connection by itself (docs/cluster.md).
       : >"$tmp/cut-n$n"; sleep "$(rnd "$((k + 1300))" "$((TTL + 1))" "$((TTL + 3))")"; rm -f "$tmp/cut-n$n" ;;
    esac
done
nfaults=$(grep -c . "$tmp/faults")
echo "# $nfaults faults: $(cut -d' ' -f2 "$tmp/faults" | sort | uniq -c | tr -s ' ' | tr '\n' ',')"

# ---- settle: every node restarted at real speed; what is due by then must end -----------
for n in 1 2 3; do kill_node "$n"; done
end_clock=$(clock_now)
for n in 1 2 3; do start_node "$n" 1; done
# One statement, so one snapshot: three queries one after another saw the last slot's
# instances created between the first and the third and called a launch in progress
# settled (under a CPU hog).
settled() {
    [ "$(sql "SELECT NOT EXISTS (SELECT 1 FROM instances WHERE state NOT IN (3, 5, 6, 7, 8, 9, 12))
              AND NOT EXISTS (SELECT 1 FROM executions WHERE finished_at IS NULL)
              AND EXISTS (SELECT 1 FROM instances WHERE due_time = $((end_clock / 300 * 300)))")" = t ]
}
wait_for 180 settled || echo "# not settled after 180 s (the checks below say what is left)"
sleep 1
sql "COPY (SELECT id, job, due_time, state, scheduled FROM instances ORDER BY id) TO STDOUT WITH CSV" >"$tmp/instances.csv"
sql "COPY (SELECT id, instance_id, attempt, coalesce(node, ''), finished_at IS NOT NULL, coalesce(exit_status, -999), coalesce(error, '') FROM executions ORDER BY id) TO STDOUT WITH CSV" >"$tmp/executions.csv"

python3 "$HERE/check.py" --dir "$tmp" --start "$start_s" --end "$end_clock" --jobs "$JOBS" \
    --ttl "$TTL" --slack "$SLACK" >"$tmp/check.out" 2>&1
cat "$tmp/check.out" | grep -v '^ok - \|^not ok - ' | sed 's/^/# /'
while IFS= read -r line; do
    case $line in
    "ok - "*) pass "${line#ok - }" ;;
    "not ok - "*) fail "${line#not ok - }" ;;
    esac
done <"$tmp/check.out"
[ "$failed" -eq 0 ] || echo "# replay with SEED=$SEED"
echo "cluster-chaos: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
