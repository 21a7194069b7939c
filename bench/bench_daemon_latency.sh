#!/bin/sh
# bench_daemon_latency.sh: batchd's latency, on the real clock, with N defined jobs:
#  - from an instance's due time to its child process's start (p50, p99, max);
#  - from a parent's exit to the start of its child job (the next job of a chain).
# For each case R (pairs due per second): R*600 pairs, parent pK and child cK depending
# on it (mode success), both due every 10 minutes at second K mod 600 of the period, so R
# parents and R waiting children fall due at each second; the other jobs (up to N) are
# daily jobs due 12 hours away (defined, planned, never due during the run). Each job
# runs bench/latency_probe.c, which appends its name, due time and the wall-clock time at
# the top of its main() to one file. Samples are the instances due in a SECONDS-long
# window after a warm-up. Prints a table; asserts nothing (docs/performance.md).
# Usage: bench/bench_daemon_latency.sh BATCHCTL [N] [SECONDS] [R...]   (R: 1 4 8)
set -eu
B=${1:?batchctl}
D=$(dirname "$B")/batchd
export BATCHD_LISTEN=off # these runs need no API (tests/api covers it)
N=${2:-10000}
SECS=${3:-60}
shift $(($# < 3 ? $# : 3))
CASES=${*:-1 4 8}
CC=${CC:-cc}
here=$(dirname "$0")
tmp=$(mktemp -d)
pid=""
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; sleep 0.5; rm -rf "$tmp"' EXIT
"$CC" -O2 -Wall -Werror -o "$tmp/probe" "$here/latency_probe.c"
# pct FILE P: the P-th percentile (nearest rank) of the numbers in FILE, one per line.
pct() { sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END {
    if (NR == 0) { print "-"; exit }
    r = int(p / 100 * NR); if (r < p / 100 * NR) r++; if (r < 1) r = 1
    printf "%.2f", v[r] }'; }
printf '%-34s %8s %8s %8s %8s %10s\n' "latency (ms), $N jobs, ${SECS} s" samples p50 p99 max "RSS MiB"
for R in $CASES; do
    rm -rf "$tmp/r.db"* "$tmp/out"
    mkdir "$tmp/out"
    # %-H: no leading zero, which the shell would read as octal (08 and 09 are not numbers).
    away=$(( ($(date -u +%-H) + 12) % 24 ))
    # Files of at most 2,000 documents: a definition file may hold 4 MiB.
    rm -rf "$tmp/defs"; mkdir "$tmp/defs"
    awk -v n="$N" -v r="$R" -v away="$away" -v probe="$tmp/probe" -v out="$tmp/out/lines" \
        -v dir="$tmp/defs" '
    function doc(text) {
        f = sprintf("%s/j%03d.yaml", dir, int(docs / 2000)); docs++
        if (f != last) { if (last != "") close(last); last = f }
        printf "%s---\n", text >f
    }
    BEGIN {
        pairs = r * 600; if (2 * pairs > n) pairs = int(n / 2)
        for (k = 0; k < pairs; k++) {
            off = k % 600
            cron = sprintf("%d %d-59/10 * * * *", off % 60, int(off / 60))
            doc(sprintf("kind: job\nname: p%05d\ntrigger: {cron: \"%s\"}\nexecutor: {exec: {command: [%s, %s]}}\n", k, cron, probe, out))
            doc(sprintf("kind: job\nname: c%05d\ntrigger: {cron: \"%s\"}\ndepends_on: [{job: p%05d, mode: success}]\nexecutor: {exec: {command: [%s, %s]}}\n", k, cron, k, probe, out))
        }
        for (b = 2 * pairs; b < n; b++)
            doc(sprintf("kind: job\nname: d%06d\ntrigger: {cron: \"%d %d %d * * *\"}\nexecutor: {exec: {command: [/bin/true]}}\n", b, b % 60, int(b / 60) % 60, away))
    }'
    "$B" apply "$tmp/defs" --db "$tmp/r.db" >/dev/null
    "$D" --db "$tmp/r.db" 2>"$tmp/daemon.log" &
    pid=$!
    # Wait until it has loaded the jobs, then warm up.
    n=0
    until grep -q '"batchd started' "$tmp/daemon.log" || [ "$n" -ge 3000 ]; do sleep 0.1; n=$((n + 1)); done
    sleep 3
    from=$(($(date +%s) + 1))
    to=$((from + SECS))
    while [ "$(date +%s)" -lt $((to + 2)) ]; do sleep 0.5; done
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    rm -f "$tmp/due.ms" "$tmp/chain.ms"
    touch "$tmp/due.ms" "$tmp/chain.ms"
    awk -v from="$from" -v to="$to" -v dir="$tmp" '
        $2 >= from && $2 < to {
            k = substr($1, 2) " " $2
            if (substr($1, 1, 1) == "p") { p[k] = $3; print ($3 - $2 * 1e9) / 1e6 > (dir "/due.ms") }
            else c[k] = $3
        }
        END { for (k in c) if (k in p) print (c[k] - p[k]) / 1e6 > (dir "/chain.ms") }
    ' "$tmp/out/lines"
    for m in due chain; do
        [ "$m" = due ] && what="$R/s due -> child start" || what="$R/s parent exit -> child start"
        printf '%-34s %8s %8s %8s %8s %10.1f\n' "$what" "$(wc -l <"$tmp/$m.ms")" \
            "$(pct "$tmp/$m.ms" 50)" "$(pct "$tmp/$m.ms" 99)" "$(pct "$tmp/$m.ms" 100)" \
            "$(echo "$rss / 1024" | bc -l)"
    done
done
