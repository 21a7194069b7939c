#!/bin/sh
# bench_retention.sh: the scheduler's trigger latency while retention purges a year of
# history (docs/daemon.md, "Retention"). The repository: a manual job with one instance
# every 5 minutes over a year up to a day ago (105,120 instances, each with four
# transitions, an execution and a step execution; one in ten Failed, with an alert, a
# delivery and two dead letters), written with sqlite3, plus RATE jobs pNN due every
# second (6-field cron) running /bin/true (env BENCH_RETENTION_RATE, default 5).
# Two runs of batchd on the real clock with its API on a free port: first without
# retention for SECONDS (the baseline), then with --retention-days 30, from its start
# until the first pass has logged what it purged. For each: p50/p99 of
# batchd_trigger_latency_seconds (due -> start) from GET /metrics, estimated from the
# histogram's buckets (linear within a bucket), and the count. Asserts nothing about time
# (docs/performance.md, "Retention").
# Usage: bench/bench_retention.sh BATCHCTL [SECONDS]
set -eu
B=${1:?batchctl}
D=$(dirname "$B")/batchd
SECS=${2:-40}
RATE=${BENCH_RETENTION_RATE:-5}
tmp=$(mktemp -d)
pid=""
cleanup() {
    [ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; } || true
    rm -rf "$tmp"
}
trap cleanup EXIT
db="$tmp/r.db"
q() { sqlite3 -cmd '.timeout 30000' "$db" "$1"; }
{
    printf 'kind: job\nname: old\ntype: manual\nallow_multiple_instances: true\nexecutor: {exec: {command: [/bin/true]}}\n'
    i=0
    while [ "$i" -lt "$RATE" ]; do
        printf -- '---\nkind: job\nname: p%02d\ntrigger: {cron: "* * * * * *", timezone: UTC}\nexecutor: {exec: {command: [/bin/true]}}\n' "$i"
        i=$((i + 1))
    done
} >"$tmp/jobs.yaml"
"$B" apply "$tmp/jobs.yaml" --db "$db" >/dev/null
now=$(date +%s)
start=$((now - 365 * 86400))
n=105120
q "BEGIN;
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $n)
INSERT INTO instances(id, tenant, job, scheduled, due_time, first_due, last_due, state, trace_id, created_at, updated_at)
SELECT i, 'default', 'old', 0, $start + i * 300 - 86400, $start + i * 300 - 86400, $start + i * 300 - 86400,
       CASE WHEN i % 10 = 0 THEN 6 ELSE 5 END, printf('%032x', i), $start + i * 300 - 86400, $start + i * 300 - 86400 + 60 FROM k;
INSERT INTO instance_transitions(instance_id, at, from_state, to_state, actor)
SELECT id, created_at, NULL, 0, 's' FROM instances UNION ALL SELECT id, created_at, 0, 2, 's' FROM instances
UNION ALL SELECT id, created_at, 2, 4, 's' FROM instances UNION ALL SELECT id, updated_at, 4, state, 's' FROM instances;
INSERT INTO executions(id, instance_id, attempt, pid, started_at, finished_at, exit_status)
SELECT id, id, 1, 100, created_at, updated_at, CASE state WHEN 6 THEN 3 ELSE 0 END FROM instances;
INSERT INTO step_executions(execution_id, name, status, read_count, write_count, commit_count, rollback_count,
       read_skip_count, process_skip_count, write_skip_count, filter_count, started_at, updated_at)
SELECT id, 'load', 'COMPLETED', 100, 100, 1, 0, 0, 0, 0, 0, started_at, finished_at FROM executions;
INSERT INTO alerts(tenant, instance_id, kind, message, created_at, job, severity)
SELECT 'default', id, 'failure', 'old failed', updated_at, 'old', 'critical' FROM instances WHERE state = 6;
INSERT INTO alert_deliveries(alert_id, channel, target, state, message_id, created_at)
SELECT id, 'email', 'ops@example.com', 'sent', '<' || id || '@b>', created_at FROM alerts;
INSERT INTO dead_letters(instance_id, step, item, error, created_at)
SELECT id, 'load', 'row', 'bad', updated_at FROM instances WHERE state = 6
UNION ALL SELECT id, 'load', 'row b', 'bad', updated_at FROM instances WHERE state = 6;
COMMIT;"
token=$("$D" token create --name bench --role viewer --db "$db" | head -n 1)

# start [ARGS]: batchd on the repository with the API on a free port; sets pid and url.
start() {
    : >"$tmp/d.log"
    BATCHD_RETENTION_INTERVAL=3600 "$D" --db "$db" --listen 127.0.0.1:0 --log-file "$tmp/d.log" "$@" &
    pid=$!
    k=0
    until grep -q '"batchd started' "$tmp/d.log" 2>/dev/null || [ "$k" -ge 1200 ]; do sleep 0.05; k=$((k + 1)); done
    port=$(sed -n 's/.*API listening on .* (port \([0-9]*\)).*/\1/p' "$tmp/d.log" | head -n 1)
    url="http://127.0.0.1:$port"
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
hist() {
    curl -sf -H "Authorization: Bearer $token" "$url/metrics" |
        sed -n 's/^batchd_trigger_latency_seconds_bucket{le="\([^"]*\)"} \([0-9]*\)$/\1 \2/p' >"$1"
}
quant() {
    paste -d' ' "$1" "$2" | awk '{
        le[NR] = ($1 == "+Inf") ? 1e9 : $1; c[NR] = $4 - $2; n = NR }
    END {
        total = c[n]
        if (total == 0) { printf "%8s %8s %6d", "-", "-", 0; exit }
        split("0.5 0.99", qs, " ")
        for (k = 1; k <= 2; k++) {
            want = qs[k] * total; prev = 0; lo = 0
            for (i = 1; i <= n; i++) {
                if (c[i] >= want) {
                    if (le[i] >= 1e9) { v = "> " lo * 1000; break }
                    v = sprintf("%.1f", (lo + (le[i] - lo) * (want - prev) / (c[i] - prev)) * 1000)
                    break
                }
                prev = c[i]; lo = le[i]
            }
            printf "%8s ", v
        }
        printf "%6d", total
    }'
}
printf '%-34s %8s %8s %6s\n' window "p50 ms" "p99 ms" runs
start
sleep 3
hist "$tmp/a"
sleep "$SECS"
hist "$tmp/b"
printf '%-34s %s\n' "no retention, ${SECS} s" "$(quant "$tmp/a" "$tmp/b")"
stop
start --retention-days 30
hist "$tmp/a"
k=0
until grep -q 'retention: purged' "$tmp/d.log" || [ "$k" -ge 6000 ]; do sleep 0.1; k=$((k + 1)); done
hist "$tmp/b"
pass=$(sed -n 's/.*"retention: purged older than 30 days: \([0-9]*\) instances.* in \([0-9]*\) steps (\([0-9]*\) ms)".*/\1 instances, \2 steps, \3 ms/p' "$tmp/d.log")
printf '%-34s %s\n' "retention pass (from the start)" "$(quant "$tmp/a" "$tmp/b")"
echo "the pass: $pass"
stop
