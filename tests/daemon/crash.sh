#!/bin/sh
# Crash test of batchd: a busy schedule (hundreds of short jobs with dependencies) during
# which the daemon is killed with SIGKILL and restarted at random moments, at least 20
# times. Afterwards every due instance exists exactly once, none ran twice (each run
# appends a line to a file), none is left in a non-final state, and every child process
# was accounted for (docs/daemon.md, "Restart and crash recovery").
# Closes with "crash: N passed, M failed".
#
# Knobs (environment): SEED (random seed, printed), JOBS (200), KILLS (22), RATE (60
# simulated seconds per real second), MIN_SECONDS (35: real seconds of schedule at least),
# KEEP (keep the temporary directory).
set -u
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
B="$BIN/batchctl"
D="$BIN/batchd"
SEED=${SEED:-$(($$ + $(date +%s) % 100000))}
JOBS=${JOBS:-200}
KILLS=${KILLS:-22}
RATE=${RATE:-60}
MIN_SECONDS=${MIN_SECONDS:-35}
START=2026-03-02T00:00:00Z
passed=0
failed=0
tmp=$(mktemp -d)
daemon_pid=""
cleanup() {
    [ -n "$daemon_pid" ] && kill -9 "$daemon_pid" 2>/dev/null
    # Supervisors carry the daemon's command line (they are forked, not exec'd) and the
    # jobs' command lines name $tmp: this finds every process the test started.
    pkill -9 -f "$tmp/" 2>/dev/null
    [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "not ok - $1"; [ ! -f "${2:-}" ] || sed 's/^/    /' "$2" | head -n 20; }

db="$tmp/r.db"
out="$tmp/out"
echo "# seed $SEED, $JOBS jobs, at least $KILLS kills, rate $RATE"

# ---- the jobs ----------------------------------------------------------------------------
# jNNN, due every 5 minutes (every third job every 10), about half depending on one
# earlier job with mode completion (chains of at most 4 jobs); each run appends "JOB DUE
# EXECUTION INSTANCE" to $out and sleeps 0.2-0.8 s, so that most kills find runs in
# flight, while every wave of runs still ends well before the next due time (5 real
# seconds later): no instance is superseded.
mkdir -p "$tmp/defs"
awk -v n="$JOBS" -v seed="$SEED" -v out="$out" 'BEGIN {
    srand(seed)
    for (i = 0; i < n; i++) {
        name = sprintf("j%03d", i)
        sleep = sprintf("%.1f", 0.2 + int(rand() * 4) * 0.2)
        printf "%skind: job\nname: %s\n", i ? "---\n" : "", name
        printf "trigger: {cron: \"*/%d * * * *\"}\ncatchup: all\n", i % 3 == 2 ? 10 : 5
        depth[i] = 0
        if (i > 0 && rand() < 0.5) {
            do p = int(rand() * i); while (depth[p] >= 3)
            depth[i] = depth[p] + 1
            printf "depends_on: [{job: j%03d, mode: completion}]\n", p
        }
        printf "executor: {exec: {command: [/bin/sh, -c, %s]}}\n",
            "'\''echo \"" name " $BATCH_DUE_TIME $BATCH_EXECUTION_ID $BATCH_INSTANCE_ID\" >>" out "; sleep " sleep "'\''"
    }
}' >"$tmp/defs/jobs.yaml"
"$B" apply "$tmp/defs" --db "$db" >"$tmp/apply" 2>&1 || { fail "apply the jobs" "$tmp/apply"; exit 1; }

# ---- the virtual clock, continued across restarts ------------------------------------------
# Virtual time = START + RATE * (real time since the first start): each daemon is started at
# the virtual time of its start, so time never goes back and no due time is skipped.
now_ms() { t=$(date +%s%N); echo "${t%??????}"; }
start_s=$(date -u -d "$START" +%s)
vnow() { # the virtual time now, ISO
    date -u -d "@$((start_s + ($(now_ms) - t0_ms) * RATE / 1000))" +%Y-%m-%dT%H:%M:%SZ
}
start_daemon() { # RATE
    "$D" --db "$db" --clock-start "$(vnow)" --clock-rate "$1" 2>>"$tmp/daemon.log" &
    daemon_pid=$!
}

t0_ms=$(now_ms)
start_daemon "$RATE"
kills=0
while :; do
    elapsed=$(($(now_ms) - t0_ms))
    [ "$kills" -ge "$KILLS" ] && [ "$elapsed" -ge $((MIN_SECONDS * 1000)) ] && break
    sleep "$(awk -v s="$SEED" -v k="$kills" 'BEGIN { srand(s * 1000 + k); printf "%.2f", 0.5 + 2.5 * rand() }')"
    kill -9 "$daemon_pid"
    wait "$daemon_pid" 2>/dev/null
    kills=$((kills + 1))
    start_daemon "$RATE"
done
echo "# $kills kills in $(($(now_ms) - t0_ms)) ms, virtual time $(vnow)"

# After the last restart the schedule stops advancing (the clock at real speed: the next
# due time is minutes away) and the daemon finishes what is due.
kill -9 "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
start_daemon 1
list() { "$B" instances list --db "$db" --limit 10000 -o json 2>>"$tmp/batchctl.err"; }
# One instance a line: id job due state reason (tab-separated, reason "null" when none).
table() {
    list | sed -n 's/.*"id": \([0-9]*\), "job": "\([^"]*\)".*"due": "\([^"]*\)".*"state": \([0-9]*\),.*"reason": \(null\|"[^"]*"\).*/\1	\2	\3	\4	\5/p'
}
is_final() { case $1 in 3 | 5 | 6 | 7 | 8 | 9 | 12) return 0 ;; esac; return 1; }
all_final() { table >"$tmp/inst" && [ -s "$tmp/inst" ] && ! awk -F'\t' '$4 !~ /^(3|5|6|7|8|9|12)$/ { f = 1 } END { exit !f }' "$tmp/inst"; }
drain_start=$(now_ms)
n=600
while [ "$n" -gt 0 ] && ! all_final; do sleep 0.1; n=$((n - 1)); done
echo "# drained in $(($(now_ms) - drain_start)) ms"
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
daemon_pid=""
total_ms=$(($(now_ms) - t0_ms))

table >"$tmp/inst"
ninst=$(wc -l <"$tmp/inst")
nlines=$(wc -l <"$out" 2>/dev/null || echo 0)
echo "# $ninst instances, $nlines runs in the output file"
[ "$ninst" -gt 0 ] && [ "$ninst" -lt 10000 ] && pass "the repository lists the instances ($ninst)" ||
    fail "the repository lists the instances ($ninst)" "$tmp/batchctl.err"

# (1) Every due instance exists exactly once: per job, no due twice, and every due time of
# its schedule from START to the latest due the schedule reached.
awk -F'\t' -v start="$start_s" '
    function secs(iso,   c) { # 2026-03-02T00:45:00Z -> seconds since START (same day)
        return (substr(iso, 12, 2) * 3600 + substr(iso, 15, 2) * 60 + substr(iso, 18, 2)) \
            + (substr(iso, 9, 2) - 2) * 86400
    }
    { t = secs($3); if (seen[$2, t]++) { print "duplicate: " $2 " " $3; bad = 1 }
      if (t > last) last = t; jobs[$2] = 1 }
    END {
        if (last < 600) { print "the schedule did not advance (last due " last " s)"; bad = 1 }
        for (j in jobs) {
            step = substr(j, 2) % 3 == 2 ? 600 : 300
            for (t = 0; t <= last; t += step)
                if (!((j, t) in seen)) { printf "missing: %s at +%d s\n", j, t; bad = 1; if (++m > 20) exit 1 }
        }
        n = 0; for (j in jobs) n++
        if (n != '"$JOBS"') { print "jobs with instances: " n; bad = 1 }
        exit bad
    }' "$tmp/inst" >"$tmp/check1" 2>&1 &&
    pass "every due instance exists exactly once (up to $(cut -f3 "$tmp/inst" | sort | tail -n 1))" ||
    fail "every due instance exists exactly once" "$tmp/check1"

# (2) No instance ran twice: the output file has one line per (job, due); every Success
# instance has exactly one line; a line of an instance not Success is an unaccounted run.
awk '{ k = $1 " " $2; if (n[k]++) { print "ran twice: " k; bad = 1 } } END { exit bad }' "$out" \
    >"$tmp/check2" 2>&1 && pass "no instance ran twice" || fail "no instance ran twice" "$tmp/check2"
awk -F'\t' 'FILENAME == ARGV[1] { split($0, f, " "); runs[f[1] " " f[2]]++; inst_of[f[1] " " f[2]] = f[4]; next }
    { k = $2 " " $3; st[k] = $4
      if ($4 == 5 && runs[k] != 1) { print "Success with " runs[k] + 0 " runs: " k " (id " $1 ")"; bad = 1 }
      if (k in runs && inst_of[k] != $1) { print "ran as instance " inst_of[k] ": " k " (id " $1 ")"; bad = 1 } }
    END { for (k in runs) if (!(k in st)) { print "a run of no instance: " k; bad = 1 }
          else if (st[k] != 5) { print "ran but state " st[k] ": " k; bad = 1 }
          exit bad }' "$out" "$tmp/inst" >"$tmp/check3" 2>&1 &&
    pass "every Success ran exactly once, and every run is a Success" ||
    fail "every Success ran exactly once, and every run is a Success" "$tmp/check3"

# (3) No instance is left in a non-final state.
awk -F'\t' '$4 !~ /^(3|5|6|7|8|9|12)$/ { print; bad = 1 } END { exit bad }' "$tmp/inst" >"$tmp/check4" &&
    pass "no instance in a non-final state" || fail "no instance in a non-final state" "$tmp/check4"

# (4) Every child accounted for: no supervisor or job process is left, and every execution
# the repository recorded is finished, under the id the run saw.
sleep 0.5
pgrep -af "$tmp/" >"$tmp/procs" && fail "no supervisor or job process left" "$tmp/procs" ||
    pass "no supervisor or job process left"
# The executions of every instance: instance, execution, finished (1/0), exit status.
cut -f1 "$tmp/inst" | while read -r id; do
    echo "instance $id {"
    "$B" instance get "$id" --db "$db" -o json 2>>"$tmp/batchctl.err"
done | tr '{' '\n' | awk '/^instance / { i = $2 }
    /^"id": [0-9]+, "attempt"/ { e = $2; sub(/,/, "", e); x = ""
        if (match($0, /"exit_status": -?[0-9]+/)) x = substr($0, RSTART + 15, RLENGTH - 15)
        printf "%s\t%s\t%d\t%s\n", i, e, /"finished_at"/, x }' >"$tmp/exec"
awk -F'\t' 'FILENAME == ARGV[1] { split($0, f, " "); ran[f[3]] = f[4]; next }
    FILENAME == ARGV[2] { st[$1] = $4; next }
    { if (!$3) { print "execution " $2 " of instance " $1 " never finished"; bad = 1 }
      if ($4 == "0" && ran[$2] != $1) { print "execution " $2 " of instance " $1 " exited 0 but did not run"; bad = 1 }
      if ($2 in ran) { if (ran[$2] != $1) { print "execution " $2 " ran as instance " ran[$2] " not " $1; bad = 1 } delete ran[$2] } }
    END { for (e in ran) { print "execution " e " (instance " ran[e] ") ran unrecorded"; bad = 1 } exit bad }' \
    "$out" "$tmp/inst" "$tmp/exec" >"$tmp/check5" 2>&1 &&
    pass "every run is a recorded, finished execution" || fail "every run is a recorded, finished execution" "$tmp/check5"

# (5) Runs lost to a crash: allowed, but few.
lost=$(awk -F'\t' '$4 == 6 && $5 ~ /lost/' "$tmp/inst" | wc -l)
notl=$(awk -F'\t' '$4 == 3 && $5 ~ /not launched/' "$tmp/inst" | wc -l)
other=$(awk -F'\t' '$4 != 5 && !($4 == 6 && $5 ~ /lost/) && !($4 == 3 && $5 ~ /not launched/)' "$tmp/inst" | tee "$tmp/other" | wc -l)
echo "# outcomes: $(awk -F'\t' '$4 == 5' "$tmp/inst" | wc -l) Success, $lost Failed lost, $notl Start Failed not launched, $other other"
[ $((lost + notl)) -le $((ninst / 20)) ] && pass "few runs lost to the crashes ($lost lost, $notl not launched)" ||
    fail "few runs lost to the crashes ($lost lost, $notl not launched)"
[ "$other" -eq 0 ] && pass "no other outcome than Success, lost or not launched" ||
    fail "no other outcome than Success, lost or not launched" "$tmp/other"

echo "# $total_ms ms"
echo "crash: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
