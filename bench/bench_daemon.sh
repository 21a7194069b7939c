#!/bin/sh
# bench_daemon.sh: batchd's sustained throughput of trivial jobs and its memory.
# N jobs run /bin/true every minute of a virtual clock going 60 times real time, so N
# instances fall due every real second; we count the instances that reached Success in a
# measured window and read the daemon's peak RSS. Prints a table; asserts nothing
# (docs/performance.md). Usage: bench/bench_daemon.sh BATCHCTL [N] [SECONDS]
set -eu
B=${1:?batchctl}
D=$(dirname "$B")/batchd
export BATCHD_LISTEN=off # these runs need no API (tests/api covers it)
N=${2:-500}
SECS=${3:-10}
for tool in sqlite3 bc; do
    command -v "$tool" >/dev/null || { echo "bench_daemon: needs $tool (apt-get install sqlite3 bc)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; sleep 1; rm -rf "$tmp"' EXIT
i=0
while [ "$i" -lt "$N" ]; do
    printf 'kind: job\nname: t%04d\ntrigger: {cron: "* * * * *"}\nallow_multiple_instances: true\nexecutor: {exec: {command: [/bin/true]}}\n---\n' "$i"
    i=$((i + 1))
done >"$tmp/jobs.yaml"
"$B" apply "$tmp/jobs.yaml" --db "$tmp/r.db" >/dev/null
"$D" --db "$tmp/r.db" --clock-start 2026-03-02T00:00:00Z --clock-rate 60 2>/dev/null &
pid=$!
count() { sqlite3 -cmd ".timeout 10000" "$tmp/r.db" "select count(*) from instances where state = 5"; }
sleep 3
c0=$(count); t0=$(date +%s.%N)
sleep "$SECS"
c1=$(count); t1=$(date +%s.%N)
rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
printf '%-44s %12s %14s\n' "case" "instances/s" "peak RSS MiB"
printf '%-44s %12.0f %14.1f\n' "$N jobs every virtual minute (/bin/true)" \
    "$(echo "($c1 - $c0) / ($t1 - $t0)" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
