#!/bin/sh
# bench_planner_lag.sh: the planner's lag on PostgreSQL with N jobs (issue 22), on the
# real clock. Starts a throwaway PostgreSQL server (scripts/pg-test-server.sh, fsync off
# as in the tests), applies N exec jobs (/bin/true) on one tenant, each due hourly at its
# own second of the hour (6-field cron, job K at second K mod 3600, UTC), so N/3600 due
# instances fall due at every second (27-28 at N = 100,000); runs ONE batchd node there
# (--node-name: cluster mode, it takes the planner lease, docs/cluster.md); after a
# warm-up it measures a SECONDS-long window of due times and prints, per scheduled
# instance due in the window:
#  - due -> created_at and due -> the first execution's started_at, from the repository
#    (whole seconds: they only tell whether the lag crossed a second boundary);
#  - the same two with millisecond resolution: the bench adds AFTER INSERT triggers (its
#    own tables, bench_ins and bench_exe, on its own server) that record
#    clock_timestamp() when batchd inserts the instance row and the execution row (in
#    batchd's transaction, before its commit; the execution row is written just before
#    the run gets its go);
#  - batchd's own histogram batchd_trigger_latency_seconds (due -> run started), read
#    from the node's /metrics at the start and the end of the window; its percentiles
#    are bucket upper bounds;
#  - the due slots of the window that have no instance (should be 0: the check prints
#    "MISSED" otherwise, and the script exits 1);
#  - the node's peak RSS (VmHWM) and its CPU seconds (utime + stime) at start-up and in
#    the window, and /proc/loadavg.
# Asserts no timing (docs/performance.md).
# Usage: bench/bench_planner_lag.sh BATCHCTL [N] [SECONDS] [WARMUP]
#        (defaults 100000 180 15; KEEP=1 keeps the scratch directory)
set -eu
B=${1:?batchctl}
D=$(dirname "$B")/batchd
N=${2:-100000}
SECS=${3:-180}
WARM=${4:-15}
here=$(cd "$(dirname "$0")/.." && pwd)
pgs="$here/scripts/pg-test-server.sh"
PSQL=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)/psql
tmp=$(mktemp -d /tmp/batchd-plag-XXXXXX)
pid=""
cleanup() {
    [ -z "$pid" ] || { kill "$pid" 2>/dev/null; sleep 1; kill -9 "$pid" 2>/dev/null; } || true
    "$pgs" stop "$tmp/pg" 2>/dev/null || true
    [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# The server user (postgres, when run as root) must reach $tmp/pg.
chmod a+x "$tmp"
DSN=$("$pgs" start "$tmp/pg")
sql() { "$PSQL" -qtA -v ON_ERROR_STOP=1 "$DSN" -c "$1"; }
# pct FILE P: the P-th percentile (nearest rank) of the numbers in FILE, one per line.
pct() { sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END {
    if (NR == 0) { print "-"; exit }
    r = int(p / 100 * NR); if (r < p / 100 * NR) r++; if (r < 1) r = 1
    printf "%.1f", v[r] }'; }
# cpu: the node's utime + stime in seconds.
tck=$(getconf CLK_TCK)
cpu() { awk -v t="$tck" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$pid/stat"; }
# pgcpu: the PostgreSQL server's processes' utime + stime in seconds (the postmaster and
# its children now; a backend that ended is not counted).
pgcpu() { pm=$(head -n 1 "$tmp/pg/data/postmaster.pid")
    for p in $pm $(pgrep -P "$pm"); do cat "/proc/$p/stat" 2>/dev/null; done |
        awk -v t="$tck" '{ sub(/.*\) /, ""); s += $12 + $13 } END { printf "%.2f", s / t }'; }
# metrics FILE: the node's /metrics into FILE.
metrics() { curl -s -m 30 -H "Authorization: Bearer $tok" "http://127.0.0.1:$port/metrics" >"$1" || true; }
# hist FILE: batchd_trigger_latency_seconds buckets of FILE (le count, cumulative).
hist() { awk '/^batchd_trigger_latency_seconds_bucket/ { match($0, /le="[^"]*"/)
        print substr($0, RSTART + 4, RLENGTH - 5), $NF }' "$1"; }
# val FILE NAME: a sample's value in FILE (0 when absent).
val() { awk -v n="$2" '$1 == n { v = $2 } END { print v + 0 }' "$1"; }

echo "planner lag: $N jobs ($(awk -v n="$N" 'BEGIN { printf "%.2f", n / 3600 }') due/s), ${SECS} s window, load $(cut -d' ' -f1-3 /proc/loadavg)"
# 1,000 jobs a file (a definition file may not pass 4 MiB).
mkdir "$tmp/defs"
awk -v n="$N" -v dir="$tmp/defs" 'BEGIN {
    for (k = 0; k < n; k++) {
        o = k % 3600
        f = sprintf("%s/j%03d.yaml", dir, int(k / 1000))
        printf "kind: job\nname: j%06d\n", k > f
        printf "trigger: {cron: \"%d %d * * * *\", timezone: UTC}\n", o % 60, int(o / 60) > f
        printf "executor: {exec: {command: [/bin/true]}}\n---\n" > f
        if (k % 1000 == 999) close(f)
    }
}'
t0=$(date +%s.%N)
"$B" apply "$tmp/defs" --db "$DSN" >"$tmp/apply.out" 2>&1 || { tail -n 5 "$tmp/apply.out" >&2; exit 1; }
t1=$(date +%s.%N)
printf 'apply of %d jobs: %.1f s\n' "$N" "$(echo "$t1 - $t0" | bc -l)"
sql "CREATE TABLE bench_ins (id BIGINT PRIMARY KEY, at DOUBLE PRECISION NOT NULL);
     CREATE TABLE bench_exe (id BIGINT PRIMARY KEY, at DOUBLE PRECISION NOT NULL);
     CREATE FUNCTION bench_ins_f() RETURNS trigger LANGUAGE plpgsql AS
       \$\$BEGIN INSERT INTO bench_ins VALUES (NEW.id, extract(epoch FROM clock_timestamp())); RETURN NULL; END\$\$;
     CREATE FUNCTION bench_exe_f() RETURNS trigger LANGUAGE plpgsql AS
       \$\$BEGIN INSERT INTO bench_exe VALUES (NEW.id, extract(epoch FROM clock_timestamp())); RETURN NULL; END\$\$;
     CREATE TRIGGER bench_ins AFTER INSERT ON instances FOR EACH ROW EXECUTE FUNCTION bench_ins_f();
     CREATE TRIGGER bench_exe AFTER INSERT ON executions FOR EACH ROW EXECUTE FUNCTION bench_exe_f();"
tok=$("$D" token create --name bench --role viewer --db "$DSN" 2>"$tmp/token.err" | head -n 1)
[ -n "$tok" ] || { cat "$tmp/token.err" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

t0=$(date +%s.%N)
"$D" --db "$DSN" --node-name bench-planner --state-dir "$tmp/state" \
    --listen "127.0.0.1:$port" 2>"$tmp/node.log" &
pid=$!
n=0
until grep -q 'holds the planner lease' "$tmp/node.log" || [ "$n" -ge 6000 ]; do
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$tmp/node.log" >&2; exit 1; }
    sleep 0.1; n=$((n + 1))
done
[ "$n" -lt 6000 ] || { echo "the node did not take the planner lease in 600 s" >&2; tail -n 20 "$tmp/node.log" >&2; exit 1; }
t1=$(date +%s.%N)
printf 'node start to planner lease: %.1f s (CPU %s s)\n' "$(echo "$t1 - $t0" | bc -l)" "$(cpu)"
# Then to its first instance (it has restored its model and plans).
n=0
until [ "$(sql "SELECT count(*) FROM bench_ins")" != 0 ] || [ "$n" -ge 1200 ]; do
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$tmp/node.log" >&2; exit 1; }
    sleep 0.5; n=$((n + 1))
done
[ "$n" -lt 1200 ] || { echo "the node created no instance in 600 s" >&2; tail -n 20 "$tmp/node.log" >&2; exit 1; }
t1=$(date +%s.%N)
printf 'node start to its first instance: %.1f s (CPU %s s)\n' "$(echo "$t1 - $t0" | bc -l)" "$(cpu)"
sleep "$WARM"
from=$(($(date +%s) + 1))
to=$((from + SECS))
while [ "$(date +%s)" -lt "$from" ]; do sleep 0.05; done
metrics "$tmp/m0"
c0=$(cpu)
p0=$(pgcpu)
while [ "$(date +%s)" -lt "$to" ]; do sleep 0.05; done
metrics "$tmp/m1"
c1=$(cpu)
p1=$(pgcpu)
# Let the last instances of the window launch (or show that they did not), then stop.
sleep 10
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
load=$(cut -d' ' -f1-3 /proc/loadavg)

sql "COPY (SELECT i.due_time, i.created_at, coalesce(b.at, -1), coalesce(e.started_at, -1), coalesce(x.at, -1)
      FROM instances i LEFT JOIN bench_ins b ON b.id = i.id
      LEFT JOIN executions e ON e.instance_id = i.id AND e.attempt = 1
      LEFT JOIN bench_exe x ON x.id = e.id
      WHERE i.scheduled AND i.due_time >= $from AND i.due_time < $to) TO STDOUT" >"$tmp/rows"
awk -v d="$tmp" '{
    print $2 - $1 > (d "/created.s")
    if ($3 >= 0) print ($3 - $1) * 1000 > (d "/created.ms")
    if ($4 >= 0) print $4 - $1 > (d "/started.s"); else none++
    if ($5 >= 0) print ($5 - $1) * 1000 > (d "/started.ms")
} END { print none + 0 > (d "/noexec") }' "$tmp/rows"
for f in created.s created.ms started.s started.ms; do touch "$tmp/$f"; done
expected=$(sql "SELECT count(*) FROM generate_series($from, $to - 1) t, generate_series(t % 3600, $N - 1, 3600) k")
missed=$(sql "SELECT count(*) FROM generate_series($from, $to - 1) t, generate_series(t % 3600, $N - 1, 3600) k
    WHERE NOT EXISTS (SELECT 1 FROM instances i WHERE i.job = 'j' || lpad(k::text, 6, '0')
                      AND i.due_time = t AND i.scheduled)")

printf '%-44s %7s %8s %8s %8s %8s\n' "lag per instance due in the window" count p50 p95 p99 max
row() { printf '%-44s %7s %8s %8s %8s %8s\n' "$1" "$(wc -l <"$2")" "$(pct "$2" 50)" "$(pct "$2" 95)" \
    "$(pct "$2" 99)" "$(pct "$2" 100)"; }
row "due -> instance row inserted (ms, trigger)" "$tmp/created.ms"
row "due -> execution row inserted (ms, trigger)" "$tmp/started.ms"
row "due -> created_at (s, repository)" "$tmp/created.s"
row "due -> started_at (s, repository)" "$tmp/started.s"
# The histogram's difference over the window: the percentiles as bucket upper bounds.
hist "$tmp/m0" >"$tmp/h0"
hist "$tmp/m1" >"$tmp/h1"
awk 'NR == FNR { h0[$1] = $2; next } { print $1, $2 - h0[$1] }' "$tmp/h0" "$tmp/h1" >"$tmp/hd"
awk '{ le[NR] = $1; c[NR] = $2 } END {
    tot = c[NR]; printf "%-44s %7d", "batchd_trigger_latency_seconds (s, <= bucket)", tot
    split("50 95 99 100", ps, " ")
    for (j = 1; j <= 4; j++) {
        want = ps[j] / 100 * tot; b = "-"
        for (i = 1; i <= NR; i++) if (tot > 0 && c[i] >= want) { b = le[i]; break }
        printf " %8s", b
    }
    printf "\n" }' "$tmp/hd"
printf 'due slots in the window: %s expected, %s without an instance%s; %s instances without an execution\n' \
    "$expected" "$missed" "$([ "$missed" = 0 ] || echo ' (MISSED)')" "$(cat "$tmp/noexec")"
# The rest in one awk: the node's memory and CPU, the metrics' differences over the window,
# the server's CPU.
killed=$(grep -c "lease ran out: the job is killed" "$tmp/node.log" || true)
awk -v secs="$SECS" -v n="$N" -v hwm="$hwm" -v rss="$rss" -v c0="$c0" -v c1="$c1" -v p0="$p0" \
    -v p1="$p1" -v killed="$killed" '
    NR == FNR { a[$1] = $2; next }
    { b[$1] = $2 }
    function d(k) { return b["batchd_" k] - a["batchd_" k] }
    END {
        printf "node: VmHWM %.1f MiB, VmRSS %.1f MiB at the end; CPU %.2f s in the %d s window (%.0f %%), %.2f s in all\n",
            hwm / 1024, rss / 1024, c1 - c0, secs, (c1 - c0) * 100 / secs, c1
        tx = d("repository_latency_seconds_count"); ts = d("repository_latency_seconds_sum")
        printf "in the window: %.1f runs started/s (%.2f due/s); %d repository transactions, %.1f ms mean, %.0f %% of the window; %d failed\n",
            d("runs_started_total") / secs, n / 3600, tx, (tx > 0 ? ts * 1000 / tx : 0), ts * 100 / secs,
            d("repository_errors_total")
        printf "PostgreSQL server: CPU %.2f s in the window (%.0f %%)\n", p1 - p0, (p1 - p0) * 100 / secs
        printf "runs killed by their supervisor because the lease file ran out: %d\n", killed
    }' "$tmp/m0" "$tmp/m1"
echo "load at the end: $load"
[ "$missed" = 0 ]
