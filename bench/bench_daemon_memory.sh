#!/bin/sh
# bench_daemon_memory.sh: batchd's resident memory with N defined jobs and a history of
# N * DAYS instances (default 10,000 jobs, 100 days: 1 million instances).
# Job jNNNNN runs /bin/true daily at second 8 * NNNNN of the day (UTC), so about one
# job falls due every 8 seconds; the repository holds, for each job, one Success
# instance for each of its last DAYS due times, with an execution and four state
# transitions each (written with sqlite3, as the daemon would have). The daemon runs on
# the real clock for SECONDS; we print its start-up time, its resident memory after the
# start and at the end, and its peak (VmHWM). Asserts nothing (docs/performance.md).
# Usage: bench/bench_daemon_memory.sh BATCHCTL [N] [DAYS] [SECONDS]
set -eu
B=${1:?batchctl}
D=$(dirname "$B")/batchd
# The daemon as it runs by default: with its API (on a free port here; BATCHD_LISTEN=off
# measures it without).
export BATCHD_LISTEN=${BATCHD_LISTEN:-127.0.0.1:0}
N=${2:-10000}
DAYS=${3:-100}
SECS=${4:-30}
for tool in sqlite3 bc; do
    command -v "$tool" >/dev/null || { echo "bench_daemon_memory: needs $tool" >&2; exit 1; }
done
tmp=$(mktemp -d)
pid=""
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; sleep 0.5; rm -rf "$tmp"' EXIT
awk -v n="$N" 'BEGIN {
    for (j = 0; j < n; j++) {
        t = (j * 8) % 86400
        printf "kind: job\nname: j%05d\ntrigger: {cron: \"%d %d %d * * *\"}\n", j, t % 60, int(t / 60) % 60, int(t / 3600)
        printf "executor: {exec: {command: [/bin/true]}}\n---\n"
    }
}' >"$tmp/jobs.yaml"
"$B" apply "$tmp/jobs.yaml" --db "$tmp/r.db" >/dev/null
t0=$(date +%s.%N)
# Each job's last DAYS due times at or before now (so nothing is missed at the start).
sqlite3 "$tmp/r.db" <<EOF
PRAGMA journal_mode=WAL;
BEGIN;
CREATE TEMP TABLE jobs AS
  WITH RECURSIVE j(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM j WHERE k < $N - 1)
  SELECT k, printf('j%05d', k) AS name, (k * 8) % 86400 AS tod FROM j;
CREATE TEMP TABLE days AS
  WITH RECURSIVE d(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM d WHERE k < $DAYS - 1)
  SELECT k FROM d;
INSERT INTO instances(tenant, job, scheduled, due_time, first_due, last_due, state, reason,
                      params, trace_id, created_at, updated_at)
  SELECT 'default', j.name, 1, due, due, due, 5, NULL, NULL, lower(hex(randomblob(16))), due, due + 2
  FROM (SELECT j.name AS name,
               (CAST(strftime('%s', 'now') AS INTEGER) -
                ((CAST(strftime('%s', 'now') AS INTEGER) - j.tod) % 86400)) - d.k * 86400 AS due
        FROM days d, jobs j ORDER BY due) AS j;
INSERT INTO executions(instance_id, attempt, node, pid, log_path, started_at, finished_at,
                       exit_status, error)
  SELECT id, 1, NULL, 4242, 'logs/' || id || '-4242.log', due_time, due_time + 1, 0, NULL FROM instances;
INSERT INTO instance_transitions(instance_id, at, from_state, to_state, actor, reason)
  SELECT id, due_time, NULL, 0, 'scheduler', NULL FROM instances
  UNION ALL SELECT id, due_time, 0, 2, 'scheduler', NULL FROM instances
  UNION ALL SELECT id, due_time, 2, 4, 'scheduler', NULL FROM instances
  UNION ALL SELECT id, due_time + 2, 4, 5, 'scheduler', NULL FROM instances;
COMMIT;
EOF
t1=$(date +%s.%N)
ninst=$(sqlite3 "$tmp/r.db" "select count(*) from instances")
size=$(du -m "$tmp/r.db" | cut -f1)
"$D" --db "$tmp/r.db" 2>"$tmp/daemon.log" &
pid=$!
ts=$(date +%s.%N)
n=0
until grep -q '"batchd started' "$tmp/daemon.log" || [ "$n" -ge 1200 ]; do sleep 0.05; n=$((n + 1)); done
te=$(date +%s.%N)
sleep 2
rss0=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
sleep "$SECS"
rss1=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
ran=$(sqlite3 -cmd ".timeout 10000" "$tmp/r.db" "select count(*) from instances" )
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
printf 'history: %s instances (%s MiB repository) written in %.1f s\n' "$ninst" "$size" \
    "$(echo "$t1 - $t0" | bc -l)"
printf '%-44s %10s\n' "$N jobs, $ninst historical instances" "measured"
printf '%-44s %10.2f s\n' "daemon start-up (to \"batchd started\")" "$(echo "$te - $ts" | bc -l)"
printf '%-44s %10.1f MiB\n' "resident after start-up" "$(echo "$rss0 / 1024" | bc -l)"
printf '%-44s %10.1f MiB\n' "resident after ${SECS} s (${N} jobs scheduled)" "$(echo "$rss1 / 1024" | bc -l)"
printf '%-44s %10.1f MiB\n' "peak resident (VmHWM)" "$(echo "$hwm / 1024" | bc -l)"
printf '%-44s %10d\n' "instances created meanwhile" "$((ran - ninst))"
