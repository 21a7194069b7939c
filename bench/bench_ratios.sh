#!/bin/sh
# bench_ratios.sh: batchd's figures beside the machine's own limit or a peer measured in
# the same run, alternated A B A B ... (PAIRS times, default 3), as a table of ratios
# (bench/lib/ratio.sh; docs/performance.md, "Ratios"). Absolute figures on a shared
# machine move by 2-5x from run to run; a ratio of neighbours moves much less.
#  - runs per second of /bin/true through batchd (overloaded: more fall due than it can
#    start) with --max-runs 1 and 16, against bench/spawn_rate.c starting /bin/true with
#    posix_spawn serially and 16 in flight;
#  - transitions per second through the store against SQLite alone on a file beside it
#    (bench_store ratio);
#  - GET /api/v1/jobs/NAME per second (wrk, 2 threads, 16 connections) against the same
#    bytes served by bench/static_httpd.c (the same HTTP library, the same flags, at nice
#    19 as batchd's API threads).
# The SDK's CSV import against `sqlite3 .import` is in bench/sdk/run.sh. Asserts nothing.
# Usage: bench/bench_ratios.sh BATCHCTL [PAIRS] [SECONDS]   (SECONDS: each batchd window, 5)
set -eu
B=${1:?batchctl}
BUILD=$(dirname "$B")
D=$BUILD/batchd
PAIRS=${2:-3}
SECS=${3:-5}
CC=${CC:-cc}
here=$(dirname "$0")
. "$here/lib/ratio.sh"
if ! command -v wrk >/dev/null; then
    "$here/../scripts/install-deps.sh" bench
fi
for tool in sqlite3 bc curl wrk; do
    command -v "$tool" >/dev/null || { echo "bench_ratios: needs $tool" >&2; exit 1; }
done
tmp=$(mktemp -d)
pid=""
spid=""
trap '[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
      [ -z "$spid" ] || { kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; }; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
"$CC" -O2 -Wall -Werror -o "$tmp/spawn_rate" "$here/spawn_rate.c"
"$CC" -O2 -Wall -Werror -o "$tmp/static_httpd" "$here/static_httpd.c" -lmicrohttpd

# batchd_rate MAXRUNS N: instances of /bin/true reaching Success per second, N jobs falling
# due each second (every virtual minute, the clock at 60x), over SECS after a 2 s warm-up.
batchd_rate() {
    rm -rf "$tmp/r.db"* "$tmp/logs"
    awk -v n="$2" 'BEGIN { for (i = 0; i < n; i++) {
        printf "kind: job\nname: t%04d\ntrigger: {cron: \"* * * * *\"}\nallow_multiple_instances: true\n", i
        printf "executor: {exec: {command: [/bin/true]}}\n---\n" } }' >"$tmp/jobs.yaml"
    "$B" apply "$tmp/jobs.yaml" --db "$tmp/r.db" >/dev/null
    BATCHD_LISTEN=off "$D" --db "$tmp/r.db" --max-runs "$1" --clock-start 2026-03-02T00:00:00Z \
        --clock-rate 60 2>/dev/null &
    pid=$!
    sleep 2
    c0=$(sqlite3 -cmd ".timeout 10000" "$tmp/r.db" "select count(*) from instances where state = 5")
    t0=$(date +%s.%N)
    sleep "$SECS"
    c1=$(sqlite3 -cmd ".timeout 10000" "$tmp/r.db" "select count(*) from instances where state = 5")
    t1=$(date +%s.%N)
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    echo "($c1 - $c0) / ($t1 - $t0)" | bc -l | xargs printf '%.1f\n'
}

echo "ratios, $PAIRS pairs alternated, $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
ratio_header
for inflight in 1 16; do
    a=""; b=""
    offered=$([ "$inflight" = 1 ] && echo 1000 || echo 2000)
    i=0
    while [ "$i" -lt "$PAIRS" ]; do
        a="$a $(batchd_rate "$inflight" "$offered")"
        b="$b $("$tmp/spawn_rate" "$inflight" "$SECS")"
        i=$((i + 1))
    done
    ratio_row "batchd runs of /bin/true, --max-runs $inflight ($offered due/s) vs posix_spawn, $inflight in flight" \
        "runs/s" "$a" "$b" "$([ "$inflight" = 16 ] && echo "≥ 0.8x")"
done

"$BUILD/bench/bench_store" ratio "$PAIRS" >"$tmp/store"
ratio_row "store transitions, 1 per transaction vs bare SQLite commits (one-row insert)" "per s" \
    "$(sed -n 1p "$tmp/store")" "$(sed -n 2p "$tmp/store")"
ratio_row "store transitions, 1,000 per transaction vs SQLite update+insert, 1,000 per transaction" \
    "per s" "$(sed -n 3p "$tmp/store")" "$(sed -n 4p "$tmp/store")"

# The API: 100 jobs never due during the run, a viewer token, batchd on a free port.
rm -rf "$tmp/r.db"*
awk 'BEGIN { for (i = 0; i < 100; i++) {
    printf "kind: job\nname: j%05d\ntrigger: {cron: \"0 0 1 1 *\"}\n", i
    printf "executor: {exec: {command: [/bin/true]}}\n---\n" } }' >"$tmp/jobs.yaml"
"$B" apply "$tmp/jobs.yaml" --db "$tmp/r.db" >/dev/null
. "$here/lib/api_daemon.sh"
api_daemon_start bench_ratios "$D" "$tmp/r.db" "$tmp"
path=/api/v1/jobs/j00042
curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path" >"$tmp/body.json"
# At batchd's API priority (API_NICE, src/api/server.c), so that wrk gets the same share.
nice -n 19 "$tmp/static_httpd" "$tmp/body.json" >"$tmp/sport" &
spid=$!
n=0
until [ -s "$tmp/sport" ] || [ "$n" -ge 100 ]; do sleep 0.05; n=$((n + 1)); done
sport=$(cat "$tmp/sport")
curl -sf "http://127.0.0.1:$sport$path" >"$tmp/static.json"
cmp -s "$tmp/body.json" "$tmp/static.json" || { echo "bench_ratios: the static server's answer differs" >&2; exit 1; }
rps() { wrk -t2 -c16 -d3s "$@" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p'; }
a=""; b=""; i=0
while [ "$i" -lt "$PAIRS" ]; do
    a="$a $(rps -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path")"
    b="$b $(rps "http://127.0.0.1:$sport$path")"
    i=$((i + 1))
done
ratio_row "API GET $path ($(wc -c <"$tmp/body.json") bytes) vs the same bytes, static, same library" \
    "req/s" "$a" "$b"
