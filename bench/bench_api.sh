#!/bin/sh
# bench_api.sh: the REST API under load: authenticated GET /api/v1/instances requests per
# second and their latency (wrk), with a repository of INSTANCES historical instances,
# while the scheduler keeps launching jobs on the real clock.
# The repository: 10,000 daily jobs jNNNNN as in bench_daemon_memory.sh (job jNNNNN due
# at second 8 * NNNNN of the day, UTC) with INSTANCES / 10,000 days of history (one
# instance per job and day, each with an execution and four transitions; one in 50
# Failed, the rest Success), written with sqlite3 before the start; plus RATE jobs
# pNNN due every second (6-field cron) running /bin/true, so the daemon launches RATE
# jobs each second throughout (env BENCH_API_RATE, default 10).
# The daemon starts with the API on a free port and a viewer token made offline. Each
# request mix runs SECONDS under wrk (BENCH_API_THREADS threads, default 2, and
# BENCH_API_CONNS connections, default 16, on the same 2 cores as the daemon); we print
# requests per second, p50/p90/p99/max as wrk measured them, non-2xx answers, and the
# CPU the daemon used. Rows: an idle window; "mixed, cold" (the first run, while the API
# opens its repository connections); each mix flat out (closed loop); the mixed load paced
# to BENCH_API_TARGET requests per second (default 5000); an idle window. The scheduler's trigger latency (histogram
# batchd_trigger_latency_seconds of GET /metrics) is read before and after an idle
# window and before and after each mix; p50/p99 are estimated from the histogram's
# buckets (linear within a bucket), so they are only as fine as the buckets.
# Asserts nothing about time (docs/performance.md, "REST API load").
# Usage: bench/bench_api.sh BATCHCTL [INSTANCES] [SECONDS]
set -eu
B=${1:?batchctl}
D=$(dirname "$B")/batchd
INST=${2:-1000000}
SECS=${3:-20}
RATE=${BENCH_API_RATE:-10}
THREADS=${BENCH_API_THREADS:-2}
CONNS=${BENCH_API_CONNS:-16}
TARGET=${BENCH_API_TARGET:-5000}
N=10000
DAYS=$(((INST + N - 1) / N))
if ! command -v wrk >/dev/null; then
    "$(dirname "$0")/../scripts/install-deps.sh" bench
fi
for tool in sqlite3 bc curl wrk; do
    command -v "$tool" >/dev/null || { echo "bench_api: needs $tool" >&2; exit 1; }
done
tmp=$(mktemp -d)
pid=""
trap '[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
awk -v n="$N" -v rate="$RATE" 'BEGIN {
    for (j = 0; j < n; j++) {
        t = (j * 8) % 86400
        printf "kind: job\nname: j%05d\ntrigger: {cron: \"%d %d %d * * *\"}\n", j, t % 60, int(t / 60) % 60, int(t / 3600)
        printf "executor: {exec: {command: [/bin/true]}}\n---\n"
    }
    for (j = 0; j < rate; j++) {
        printf "kind: job\nname: p%03d\ntrigger: {cron: \"* * * * * *\"}\nallow_multiple_instances: true\n", j
        printf "executor: {exec: {command: [/bin/true]}}\n---\n"
    }
}' >"$tmp/jobs.yaml"
"$B" apply "$tmp/jobs.yaml" --db "$tmp/r.db" >/dev/null
t0=$(date +%s.%N)
sqlite3 "$tmp/r.db" >/dev/null <<EOF
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
        FROM days d, jobs j ORDER BY due DESC LIMIT $INST) AS j ORDER BY due;
UPDATE instances SET state = 6, reason = 'exit status 1' WHERE id % 50 = 0;
INSERT INTO executions(instance_id, attempt, node, pid, log_path, started_at, finished_at,
                       exit_status, error)
  SELECT id, 1, NULL, 4242, 'logs/' || id || '-4242.log', due_time, due_time + 1,
         CASE state WHEN 5 THEN 0 ELSE 1 END, NULL FROM instances;
INSERT INTO instance_transitions(instance_id, at, from_state, to_state, actor, reason)
  SELECT id, due_time, NULL, 0, 'scheduler', NULL FROM instances
  UNION ALL SELECT id, due_time, 0, 2, 'scheduler', NULL FROM instances
  UNION ALL SELECT id, due_time, 2, 4, 'scheduler', NULL FROM instances
  UNION ALL SELECT id, due_time + 2, 4, state, 'scheduler', NULL FROM instances;
COMMIT;
EOF
t1=$(date +%s.%N)
ninst=$(sqlite3 "$tmp/r.db" "select count(*) from instances")
oldest=$(sqlite3 "$tmp/r.db" "select min(due_time) from instances")
newest=$(sqlite3 "$tmp/r.db" "select max(due_time) from instances")
size=$(du -m "$tmp/r.db" | cut -f1)
. "$(dirname "$0")/lib/api_daemon.sh"
api_daemon_start bench_api "$D" "$tmp/r.db" "$tmp"
hz=$(getconf CLK_TCK)

# cpu: the daemon's CPU seconds so far (all threads).
cpu() { awk -v hz="$hz" '{print ($14 + $15) / hz}' "/proc/$pid/stat"; }
# hist FILE: the cumulative trigger-latency buckets "le count" from GET /metrics.
hist() {
    curl -sf -H "Authorization: Bearer $token" "$url/metrics" |
        sed -n 's/^batchd_trigger_latency_seconds_bucket{le="\([^"]*\)"} \([0-9]*\)$/\1 \2/p' >"$1"
}
# quant A B: p50, p99 and the count of the observations between snapshots A and B.
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

# The request mixes, one Lua script each (random parameters per request).
cat >"$tmp/common.lua" <<EOF
wrk.headers["Authorization"] = "Bearer $token"
local oldest, newest, njobs = $oldest, $newest, $N
local threads = {}
function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end
function init(args)
    math.randomseed(os.time() * 100 + tid)
end
local function iso(t) return os.date("!%Y-%m-%dT%H:%M:%SZ", t) end
function q_job()
    return string.format("/api/v1/instances?job=j%05d&limit=20", math.random(0, njobs - 1))
end
function q_job_newest()
    return string.format("/api/v1/instances?job=j%05d&limit=20&order=newest",
                         math.random(0, njobs - 1))
end
function q_newest()
    return "/api/v1/instances?limit=50&order=newest"
end
function q_state()
    if math.random(2) == 1 then return "/api/v1/instances?state=5&limit=20" end
    return "/api/v1/instances?state=failed&limit=20&order=newest"
end
function q_range()
    local from = math.random(oldest, newest - 3600)
    return string.format("/api/v1/instances?from=%s&to=%s&limit=50", iso(from), iso(from + 3600))
end
local all = {q_job, q_job_newest, q_newest, q_state, q_range}
-- Pacing (the "paced" mix): this thread's requests go out at fixed slots, $THREADS threads
-- sharing $TARGET requests per second; a slot missed is sent at once (no sleep).
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk, bench_timespec *ts);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
    ffi.C.clock_gettime(1, ts)
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end
local interval, slot = 1000 * $THREADS / $TARGET, nil
function paced_delay()
    local now = now_ms()
    if not slot then slot = now end
    slot = slot + interval
    if slot < now then return 0 end
    return math.floor(slot - now)
end
function q_mixed() return all[math.random(#all)]() end
function done(summary, latency, requests)
    local s = summary.duration / 1e6
    local e = summary.errors
    io.write(string.format("RESULT %.0f %.2f %.2f %.2f %.2f %d %d\n",
        summary.requests / s, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000,
        e.status, e.connect + e.read + e.write + e.timeout))
end
EOF
for mix in job job_newest newest state range mixed; do
    { cat "$tmp/common.lua"; printf 'request = function() return wrk.format(nil, q_%s()) end\n' "$mix"; } \
        >"$tmp/$mix.lua"
done
{ cat "$tmp/mixed.lua"; echo 'delay = paced_delay'; } >"$tmp/paced.lua"
# A check that the requests are answered (and are what we think) before measuring.
curl -sf -H "Authorization: Bearer $token" "$url/api/v1/instances?job=j00001&limit=2" >/dev/null ||
    { echo "bench_api: GET /api/v1/instances failed" >&2; exit 1; }

printf 'history: %s instances (%s MiB repository, %s days x %s jobs) written in %.1f s\n' \
    "$ninst" "$size" "$DAYS" "$N" "$(echo "$t1 - $t0" | bc -l)"
printf 'scheduler: %s jobs due every second (/bin/true); wrk -t%s -c%s, %s s per mix; %s\n' \
    "$RATE" "$THREADS" "$CONNS" "$SECS" "$(uptime | sed 's/.*load/load/')"
sleep 3 # the daemon settles after its start
hist "$tmp/h0"
c0=$(cpu)
sleep "$SECS"
hist "$tmp/h1"
c1=$(cpu)
printf '\n%-14s %8s %8s %8s %8s %8s %6s %7s | %-21s\n' mix "req/s" "p50 ms" "p90 ms" "p99 ms" \
    "max ms" non2xx "daemon" "trigger p50 p99 ms (n)"
printf '%-14s %8s %8s %8s %8s %8s %6s %6.0f%% | %s\n' "(no load)" - - - - - - \
    "$(echo "($c1 - $c0) * 100 / $SECS" | bc -l)" "$(quant "$tmp/h0" "$tmp/h1")"
# run LABEL MIX [wrk options]: one wrk run of SECS and its row.
run() {
    label=$1 mix=$2
    shift 2
    hist "$tmp/ha"
    ca=$(cpu)
    wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency "$@" -s "$tmp/$mix.lua" "$url" \
        >"$tmp/wrk.$mix" 2>&1 || { cat "$tmp/wrk.$mix" >&2; exit 1; }
    cb=$(cpu)
    hist "$tmp/hb"
    set -- $(sed -n 's/^RESULT //p' "$tmp/wrk.$mix")
    [ $# -eq 7 ] || { cat "$tmp/wrk.$mix" >&2; exit 1; }
    printf '%-14s %8s %8s %8s %8s %8s %6s %6.0f%% | %s\n' "$label" "$1" "$2" "$3" "$4" "$5" \
        "$(($6 + $7))" "$(echo "($cb - $ca) * 100 / $SECS" | bc -l)" "$(quant "$tmp/ha" "$tmp/hb")"
}
# The first run meets a cold pool: each new connection thread opens its own repository
# connection (with its checks), so it is its own row.
run "mixed, cold" mixed --timeout 30s
cp "$tmp/hb" "$tmp/hl0"
for mix in job job_newest newest state range mixed; do
    run "$mix" "$mix"
done
printf '%-14s %62s | %s\n' "(all 6 above)" "" "$(quant "$tmp/hl0" "$tmp/hb")"
run "mixed, $TARGET/s" paced
hist "$tmp/h2"
c2=$(cpu)
sleep "$SECS"
hist "$tmp/h3"
c3=$(cpu)
printf '%-14s %8s %8s %8s %8s %8s %6s %6.0f%% | %s\n' "(no load)" - - - - - - \
    "$(echo "($c3 - $c2) * 100 / $SECS" | bc -l)" "$(quant "$tmp/h2" "$tmp/h3")"
echo "($(uptime | sed 's/.*load/load/'); daemon CPU: % of one core over the window)"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
