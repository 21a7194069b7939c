#!/bin/sh
# Integration tests of batchd: the real daemon on a temporary repository with the virtual
# clock, real child processes, and batchctl as the operator. Expected outcomes come from
# DESIGN §2-§5. Closes with "daemon: N passed, M failed".
set -u
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
B="$BIN/batchctl"
D="$BIN/batchd"
export BATCHD_LISTEN=off # these runs need no API (tests/api covers it)
passed=0
failed=0
tmp=$(mktemp -d)
daemon_pid=""
cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
    pkill -f "$tmp/" 2>/dev/null
    [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

REPO="$tmp/r.db"
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/instances.sh"

# start_daemon CLOCK_START RATE: batchd on $tmp/r.db with a virtual clock.
start_daemon() {
    "$D" --db "$tmp/r.db" --clock-start "$1" --clock-rate "$2" 2>>"$tmp/daemon.log" &
    daemon_pid=$!
}
stop_daemon() {
    kill "$daemon_pid" 2>/dev/null
    wait "$daemon_pid" 2>/dev/null
    daemon_pid=""
}

# The jobs write to their own run's log, which the tests read with `batchctl instance log`
# (a run's log is its own, unlike a file other runs also write). A job that must still be
# running when the test acts waits for a file the test creates ($tmp/*.go), not a sleep.
mkdir -p "$tmp/defs"
cat >"$tmp/defs/jobs.yaml" <<EOF2
kind: job
name: child
trigger: {cron: "0 1 * * *"}
depends_on: [{job: parent, mode: success}]
executor: {exec: {command: [/bin/sh, -c, 'echo "child \$BATCH_DUE_TIME"']}}
---
kind: job
name: parent
trigger: {cron: "0 1 * * *"}
executor: {exec: {command: [/bin/sh, -c, 'sleep 1; echo "parent \$BATCH_FIRST_DUE_TIME \$BATCH_DUE_TIME"']}}
---
kind: job
name: flaky
trigger: {cron: "2 1 * * *"}
retry: {attempts: 2, backoff_seconds: 60, factor: 1}
executor: {exec: {command: [/bin/sh, -c, 'echo flaky; exit 3']}}
---
kind: job
name: hung
trigger: {cron: "4 1 * * *"}
max_minutes: 1
executor: {exec: {command: [/bin/sleep, "600"]}}
---
kind: job
name: daytime
trigger: {cron: "10 1 * * *"}
window: only_in_window
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: manual
type: manual
parameters: {region: US, mode: full}
executor: {exec: {command: [/bin/sh, -c, 'echo "manual \$BATCH_PARAM_REGION \$BATCH_PARAM_MODE \$BATCH_JOB"']}}
---
kind: job
name: long
type: manual
executor: {exec: {command: [/bin/sh, -c, 'echo long-start; until [ -e $tmp/long.go ]; do sleep 0.1; done; echo long-end']}}
---
kind: job
name: stubborn
type: manual
executor: {exec: {command: [/bin/sh, -c, 'trap "" TERM; sleep 600']}}
---
kind: job
name: silent
type: manual
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: nightlong
trigger: {cron: "6 1 * * *"}
window: only_in_window
on_window_end: terminate
executor: {exec: {command: [/bin/sleep, "600"]}}
---
kind: job
name: inwd
type: manual
executor: {exec: {command: [/bin/pwd], workdir: $tmp/wd}}
---
kind: job
name: nowd
type: manual
executor: {exec: {command: [/bin/pwd], workdir: $tmp/no-such-dir}}
---
kind: job
name: nocmd
type: manual
executor: {exec: {command: [$tmp/no-such-command]}}
---
kind: job
name: asnobody
type: manual
executor: {exec: {command: [/usr/bin/id], user: nobody}}
---
kind: job
name: asnoone
type: manual
executor: {exec: {command: [/usr/bin/id, -un], user: no-such-user-x}}
---
kind: job
name: leaver
type: manual
executor: {exec: {command: [/bin/sh, -c, '(until [ -e $tmp/leaver.go ]; do sleep 0.1; done; echo late) & echo early']}}
---
kind: job
name: chatty
type: manual
executor: {exec: {command: [/bin/sh, -c, 'seq 1 300000; echo "to stderr" >&2']}}
---
kind: settings
tenant: default
batch_window: {start: "23:00", end: "01:08"}
EOF2
"$B" apply "$tmp/defs" --db "$tmp/r.db" >/dev/null || fail "apply the test jobs"

# The day from 00:59:50, 60 simulated seconds per real second.
start_daemon 2026-03-02T00:59:50Z 60

# A dependency chain (DESIGN §2.3): parent and child are both due at 01:00; both end
# Success, each run saw its due parameters, and the child's run started only once the
# parent's had ended, by the times the repository recorded (the parent's run lasts about
# 60 s of the virtual clock).
wait_for "$WAIT" due_state child 2026-03-02T01:00:00Z Success
pi=$(id_of parent 2026-03-02T01:00:00Z) ci=$(id_of child 2026-03-02T01:00:00Z)
is_state "$pi" Success && is_state "$ci" Success && ran_after "$ci" "$pi" &&
    [ "$("$B" instance log "$pi" --db "$REPO")" = "parent 2026-03-02T01:00:00Z 2026-03-02T01:00:00Z" ] &&
    [ "$("$B" instance log "$ci" --db "$REPO")" = "child 2026-03-02T01:00:00Z" ] &&
    pass "chain: parent, then child, both Success" ||
    { dump_inst "$pi" "$ci"; fail "chain: parent, then child, both Success" "$tmp/inst"; }

# The spawner is its own small program beside batchd (docs/daemon.md), not a copy of the
# daemon with its libraries: what it forks stays small.
sp=$(pgrep -P "$daemon_pid" -x bdspawn | head -n 1)
[ -n "$sp" ] && [ "$(readlink "/proc/$sp/exe")" = "$(readlink -f "$BIN/bdspawn")" ] &&
    ! grep -q -e libsqlite3 -e libmicrohttpd "/proc/$sp/maps" &&
    pass "the spawner runs its own small program (libc only)" ||
    fail "the spawner runs its own small program (libc only)" "$tmp/daemon.log"
[ -n "$sp" ] && [ "$(tr '\0' ' ' <"/proc/$sp/cmdline")" = "bdspawn $(sed -n 's/^VERSION *:= *//p' "$(dirname "$0")/../../Makefile") $tmp/r.db.d json " ] &&
    pass "ps names the spawner's daemon by its state directory" ||
    fail "ps names the spawner's daemon by its state directory"

# A failing job with retries (attempts 2, backoff 60 s): three runs, each at least 60 s
# after the previous one ended, each exit 3, then Failed. (Between runs the instance is
# Failed with a retry pending: wait for the third run to have ended.)
fl=""
third_ended() {
    fl=$(id_of flaky 2026-03-02T01:02:00Z)
    [ -n "$fl" ] && [ "$(inst_jq "$fl" '[.executions[] | select(.finished_at != null)] | length')" -ge 3 ]
}
wait_for "$WAIT" third_ended && is_state "$fl" Failed &&
    [ "$(inst_jq "$fl" '[.executions[] | "\(.attempt):\(.exit_status)"] | join(" ")')" = "1:3 2:3 3:3" ] &&
    [ "$(inst_jq "$fl" '[.executions | range(1; length) as $i
            | (.[$i].started_at | fromdate) - (.[$i - 1].finished_at | fromdate) >= 60] | all')" = true ] &&
    pass "retries: three runs, then Failed with exit status 3" ||
    { dump_inst "$fl"; fail "retries: three runs, then Failed with exit status 3" "$tmp/inst"; }

# Timeout Failed: max_minutes 1 stops the run.
wait_for "$WAIT" due_state hung 2026-03-02T01:04:00Z "Timeout Failed" &&
    "$B" instance get "$(id_of hung 2026-03-02T01:04:00Z)" --db "$tmp/r.db" | grep -q 'ran past max_minutes (1)' &&
    pass "timeout: Timeout Failed after max_minutes" || fail "timeout: Timeout Failed after max_minutes" "$tmp/daemon.log"

# A manual submit with parameters visible to the child (a -p overrides the job's own).
"$B" submit manual -p region=EU --db "$tmp/r.db" >"$tmp/submit" 2>&1
sid=$(sed -n 's/^submitted instance \([0-9]*\) .*/\1/p' "$tmp/submit")
wait_for "$WAIT" is_state "$sid" Success && [ "$("$B" instance log "$sid" --db "$REPO")" = 'manual EU full manual' ] &&
    pass "submit: parameters reach the child as BATCH_PARAM_*" ||
    { dump_inst "$sid"; fail "submit: parameters reach the child as BATCH_PARAM_*" "$tmp/inst"; }

# The log: stdout and stderr in one file, all of it (far beyond a pipe's 64 KiB); a run
# that writes nothing has no file and an empty log (docs/daemon.md).
"$B" submit chatty --db "$tmp/r.db" >"$tmp/submit" 2>&1
cid=$(sed -n 's/^submitted instance \([0-9]*\) .*/\1/p' "$tmp/submit")
{ seq 1 300000; echo "to stderr"; } >"$tmp/chatty.expected"
wait_for "$WAIT" is_state "$cid" Success && "$B" instance log "$cid" --db "$tmp/r.db" >"$tmp/chatty.log" &&
    cmp -s "$tmp/chatty.log" "$tmp/chatty.expected" &&
    pass "log: all of a run's stdout and stderr, in order" || fail "log: all of a run's stdout and stderr, in order"
"$B" submit silent --db "$tmp/r.db" >"$tmp/submit" 2>&1
slid=$(sed -n 's/^submitted instance \([0-9]*\) .*/\1/p' "$tmp/submit")
wait_for "$WAIT" is_state "$slid" Success && "$B" instance log "$slid" --db "$tmp/r.db" >"$tmp/silent.log" 2>&1 &&
    [ ! -s "$tmp/silent.log" ] && "$B" instance log "$slid" -f --db "$tmp/r.db" >"$tmp/silent.log" 2>&1 &&
    [ ! -s "$tmp/silent.log" ] && ! ls "$tmp/r.db.d/logs/$slid-"*.log >/dev/null 2>&1 &&
    ls "$tmp/r.db.d/logs/$cid-"*.log >/dev/null 2>&1 &&
    pass "log: a silent run creates no file; its log is empty" ||
    fail "log: a silent run creates no file; its log is empty" "$tmp/silent.log"

# Where and as whom a job runs (DESIGN §4), and a start that fails: 3 Start Failed with
# a reason that names what failed.
mkdir -p "$tmp/wd"
reason_of() { "$B" instance get "$1" --db "$tmp/r.db" -o json | jq -r .reason; }
wid=$(submit_id inwd)
wait_for "$WAIT" is_state "$wid" Success && [ "$("$B" instance log "$wid" --db "$tmp/r.db")" = "$tmp/wd" ] &&
    pass "workdir: the job runs in it" || fail "workdir: the job runs in it"
nid=$(submit_id nowd)
wait_for "$WAIT" is_state "$nid" "Start Failed" &&
    reason_of "$nid" | grep -qx "cannot enter the working directory $tmp/no-such-dir: No such file or directory" &&
    pass "workdir missing: Start Failed, naming the directory" ||
    fail "workdir missing: Start Failed, naming the directory"
cid=$(submit_id nocmd)
wait_for "$WAIT" is_state "$cid" "Start Failed" &&
    reason_of "$cid" | grep -qx "$tmp/no-such-command: No such file or directory" &&
    pass "a command that does not exist: Start Failed with the error" ||
    fail "a command that does not exist: Start Failed with the error"
if [ "$(id -u)" -eq 0 ]; then
    uid=$(submit_id asnobody)
    # Its uid, primary group and supplementary groups, as the user database gives them
    # (`id nobody`), none of the daemon's (root's) left.
    want=$(id nobody)
    wait_for "$WAIT" is_state "$uid" Success && [ "$("$B" instance log "$uid" --db "$tmp/r.db")" = "$want" ] &&
        pass "user: the job runs as that user, with its groups ($want)" ||
        fail "user: the job runs as that user, with its groups ($want; got: $("$B" instance log "$uid" --db "$tmp/r.db"))"
    xid=$(submit_id asnoone)
    wait_for "$WAIT" is_state "$xid" "Start Failed" &&
        reason_of "$xid" | grep -qx 'user "no-such-user-x": no such user' &&
        pass "user unknown: Start Failed, naming the user" || fail "user unknown: Start Failed, naming the user"
else
    echo "ok - user: # SKIP not root (switching users needs root)"
fi

# A process the job leaves behind keeps its output: the run ends with the job's main
# process, and what the leftover writes later still reaches the log (docs/daemon.md). The
# leftover writes only once the test creates $tmp/leaver.go, after the run was seen ended.
lvid=$(submit_id leaver)
wait_for "$WAIT" is_state "$lvid" Success && [ "$("$B" instance log "$lvid" --db "$tmp/r.db")" = "early" ] &&
    pass "log: the run ends with the job's main process" || fail "log: the run ends with the job's main process"
touch "$tmp/leaver.go"
late() { [ "$("$B" instance log "$lvid" --db "$tmp/r.db" | tr '\n' ' ')" = "early late " ]; }
wait_for "$WAIT" late && pass "log: a leftover process's later output still reaches the log" ||
    fail "log: a leftover process's later output still reaches the log"

# A cooperative stop: SIGTERM ends the run, the instance is Canceled. (long runs until
# $tmp/long.go exists, so only the stop can end it here.)
stid=$(submit_id stubborn)
lid=$(submit_id long)
wait_for "$WAIT" is_state "$lid" Running || fail "stop: the long job runs"
"$B" instance stop "$lid" --reason "wrong input" --db "$tmp/r.db" >"$tmp/stop" 2>&1
wait_for "$WAIT" is_state "$lid" Canceled && ! "$B" instance log "$lid" --db "$REPO" | grep -q long-end &&
    pass "stop: cooperative stop ends as Canceled" || fail "stop: cooperative stop ends as Canceled" "$tmp/stop"
# A forced stop: the job ignores SIGTERM; SIGKILL after the grace period (30 s = 0.5 s here).
wait_for "$WAIT" is_state "$stid" Running || fail "stop: the stubborn job runs"
"$B" instance stop "$stid" --db "$tmp/r.db" >/dev/null 2>&1
wait_for "$WAIT" is_state "$stid" Canceled &&
    "$B" instance get "$stid" --db "$tmp/r.db" | grep -q 'killed by signal 9' &&
    pass "stop: a run that ignores SIGTERM is killed" || fail "stop: a run that ignores SIGTERM is killed" "$tmp/daemon.log"

# A rerun of the stopped instance runs it again (a second execution, which is let finish);
# mark-success is refused for a Success.
touch "$tmp/long.go"
"$B" instance rerun "$lid" --db "$tmp/r.db" >/dev/null 2>&1
wait_for "$WAIT" is_state "$lid" Success && [ "$(inst_jq "$lid" '.executions | length')" -eq 2 ] &&
    [ "$("$B" instance log "$lid" --db "$REPO" | tr '\n' ' ')" = "long-start long-end " ] &&
    pass "rerun: the instance runs again and succeeds" ||
    { dump_inst "$lid"; fail "rerun: the instance runs again and succeeds" "$tmp/inst"; }
rm -f "$tmp/long.go"
"$B" instance mark-success "$lid" --db "$tmp/r.db" >"$tmp/ms" 2>&1
msrc=$?
# batchctl waits a few seconds for batchd's answer, then says the request is queued: then
# the answer is read from the repository when it comes.
rq=$(sed -n 's/.* queued as request \([0-9]*\);.*/\1/p' "$tmp/ms")
refused() {
    [ "$(sqlite3 -cmd '.timeout 5000' "$REPO" "SELECT result <> 0, message FROM requests WHERE id = $rq AND done_at IS NOT NULL")" = \
        "1|not allowed in the instance's state" ]
}
{ { [ $msrc -eq 1 ] && grep -q "not allowed" "$tmp/ms"; } || { [ -n "$rq" ] && wait_for "$WAIT" refused; }; } &&
    is_state "$lid" Success && pass "mark-success of a Success is refused" ||
    fail "mark-success of a Success is refused" "$tmp/ms"

# The window 23:00-01:08: an only-in-window job due 01:10 is skipped.
wait_for "$WAIT" due_state daytime 2026-03-02T01:10:00Z "Timeout Skip" &&
    "$B" instance get "$(id_of daytime 2026-03-02T01:10:00Z)" --db "$tmp/r.db" | grep -q 'outside batch window' &&
    pass "window: Timeout Skip outside the batch window" || fail "window: Timeout Skip outside the batch window"
# on_window_end: terminate: the run due 01:06 is stopped when the window closes at 01:08.
wait_for "$WAIT" due_state nightlong 2026-03-02T01:06:00Z Canceled &&
    "$B" instance get "$(id_of nightlong 2026-03-02T01:06:00Z)" --db "$tmp/r.db" | grep -q 'batch window closed' &&
    pass "window end with terminate: the run is stopped, Canceled" ||
    fail "window end with terminate: the run is stopped, Canceled" "$tmp/daemon.log"

# Crash: kill -9 the daemon while a run goes on; the run goes on, and the next daemon
# finds it and records its end. (long runs until $tmp/long.go exists: it is created once
# the next daemon has started, so the run is still going when that daemon looks.)
cid=$(submit_id long)
wait_for "$WAIT" is_state "$cid" Running || fail "crash: the long job runs"
kill -9 "$daemon_pid"; wait "$daemon_pid" 2>/dev/null; daemon_pid=""
starts=$(grep -c '"batchd started' "$tmp/daemon.log")
start_daemon 2026-03-02T20:00:00Z 60
restarted() { [ "$(grep -c '"batchd started' "$tmp/daemon.log")" -gt "$starts" ]; }
wait_for "$WAIT" restarted && pgrep -f "until \[ -e $tmp/long.go \]" >/dev/null && is_state "$cid" Running &&
    pass "crash: the run outlives the killed daemon" || fail "crash: the run outlives the killed daemon" "$tmp/daemon.log"
touch "$tmp/long.go"
wait_for "$WAIT" is_state "$cid" Success && [ "$(inst_jq "$cid" '.executions | length')" -eq 1 ] &&
    [ "$("$B" instance log "$cid" --db "$REPO" | tr '\n' ' ')" = "long-start long-end " ] &&
    pass "crash: the next daemon records the run's real end, run once" ||
    { dump_inst "$cid"; fail "crash: the next daemon records the run's real end, run once" "$tmp/inst"; }
stop_daemon

# Catch-up: the daemon was down from 20:00 on the 2nd until 03:30 on the 4th. With
# catchup: latest (DESIGN §2.4, docs/scheduler.md) the parent has one instance for the
# 3rd and 4th, due on the 4th, whose FirstDueTime is the missed 3rd (the 2nd succeeded);
# its run gets those due parameters; the child's instance of the 4th covers the same days
# and runs after it.
dues() { "$B" instances list --job "$1" --db "$REPO" -o json | jq -r '[.items[].due] | sort | join(" ")'; }
start_daemon 2026-03-04T03:30:00Z 60
wait_for "$WAIT" due_state child 2026-03-04T01:00:00Z Success
pi=$(id_of parent 2026-03-04T01:00:00Z) ci=$(id_of child 2026-03-04T01:00:00Z)
[ "$(dues parent)" = "2026-03-02T01:00:00Z 2026-03-04T01:00:00Z" ] && is_state "$pi" Success &&
    [ "$(inst_jq "$pi" '"\(.first_due) \(.last_due)"')" = "2026-03-03T01:00:00Z 2026-03-04T01:00:00Z" ] &&
    [ "$("$B" instance log "$pi" --db "$REPO")" = "parent 2026-03-03T01:00:00Z 2026-03-04T01:00:00Z" ] &&
    [ "$(dues child)" = "2026-03-02T01:00:00Z 2026-03-04T01:00:00Z" ] && is_state "$ci" Success &&
    [ "$(inst_jq "$ci" .first_due)" = 2026-03-03T01:00:00Z ] && ran_after "$ci" "$pi" &&
    pass "catch-up: one instance covering the missed day" ||
    { dump_inst "$pi" "$ci"; fail "catch-up: one instance covering the missed day" "$tmp/inst"; }
stop_daemon

# --defs DIR: applied at start exactly like `batchctl apply DIR` (same stored definitions,
# same versions), then scheduled; a bad directory changes nothing and batchd does not
# start; SIGHUP applies the directory again.
mkdir -p "$tmp/ddefs/sub"
dout="$tmp/defs-out"
cat >"$tmp/ddefs/a.yaml" <<EOF2
kind: job
name: tick
trigger: {cron: "0 1 * * *"}
executor: {exec: {command: [/bin/sh, -c, 'echo "tick \$BATCH_DUE_TIME" >>$dout']}}
---
kind: job
name: after-tick
trigger: {cron: "0 1 * * *"}
depends_on: [{job: tick, mode: success}]
executor: {exec: {command: [/bin/sh, -c, 'echo after >>$dout']}}
EOF2
cat >"$tmp/ddefs/sub/b.yaml" <<EOF2
kind: calendar
name: plain
workdays: [MON, TUE, WED, THU, FRI]
---
kind: settings
tenant: default
batch_window: {start: "22:00", end: "06:00"}
EOF2
"$B" apply "$tmp/ddefs" --db "$tmp/ref.db" >/dev/null 2>&1
"$D" --db "$tmp/d.db" --defs "$tmp/ddefs" --clock-start 2026-03-02T00:59:50Z --clock-rate 60 \
    2>>"$tmp/defs.log" &
dpid=$!
ddue() { [ "$("$B" instances list --job "$1" --status Success --db "$tmp/d.db" 2>/dev/null | grep -c 2026-03-02T01:00:00Z)" -ge 1 ]; }
wait_for "$WAIT" ddue after-tick && grep -qx 'tick 2026-03-02T01:00:00Z' "$dout" &&
    pass "--defs: the directory's jobs are applied and run" || fail "--defs: the directory's jobs are applied and run" "$tmp/defs.log"
"$B" jobs list --db "$tmp/d.db" -o yaml >"$tmp/d.list" 2>&1
"$B" jobs list --db "$tmp/ref.db" -o yaml >"$tmp/ref.list" 2>&1
"$B" export "$tmp/d.exp" --db "$tmp/d.db" >/dev/null 2>&1
"$B" export "$tmp/ref.exp" --db "$tmp/ref.db" >/dev/null 2>&1
[ -s "$tmp/d.list" ] && cmp -s "$tmp/d.list" "$tmp/ref.list" && diff -r "$tmp/d.exp" "$tmp/ref.exp" >/dev/null &&
    "$B" jobs history tick --db "$tmp/d.db" | grep -q '^ *1 .* batchd  *created' &&
    pass "--defs: the repository holds what batchctl apply stores (actor batchd)" ||
    fail "--defs: the repository holds what batchctl apply stores (actor batchd)" "$tmp/d.list"
# SIGHUP: a changed file is applied again (a new version naming the changed key).
sed 's/0 1 \* \* \*/30 2 * * */' "$tmp/ddefs/a.yaml" >"$tmp/a2" && cat "$tmp/a2" >"$tmp/ddefs/a.yaml"
kill -HUP "$dpid"
v2() { "$B" jobs history tick --db "$tmp/d.db" 2>/dev/null | grep -q '^ *2 .* batchd  *trigger'; }
wait_for "$WAIT" v2 && kill -0 "$dpid" 2>/dev/null &&
    pass "--defs: SIGHUP applies the directory again" || fail "--defs: SIGHUP applies the directory again" "$tmp/defs.log"
kill "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null
# A directory with a problem: batchd refuses to start and the repository is unchanged.
"$B" jobs list --db "$tmp/d.db" -o yaml >"$tmp/d.before" 2>&1
printf 'kind: job\nname: broken\nestimated_minuts: 3\nexecutor: {exec: {command: [/bin/true]}}\n' >"$tmp/ddefs/c.yaml"
timeout "$WAIT" "$D" --db "$tmp/d.db" --defs "$tmp/ddefs" 2>"$tmp/defs-bad.log"
rc=$?
"$B" jobs list --db "$tmp/d.db" -o yaml >"$tmp/d.after" 2>&1
[ "$rc" -eq 1 ] && grep -q 'c.yaml:3:1: estimated_minuts' "$tmp/defs-bad.log" &&
    cmp -s "$tmp/d.before" "$tmp/d.after" &&
    pass "--defs: a bad directory changes nothing and batchd does not start" ||
    fail "--defs: a bad directory changes nothing and batchd does not start" "$tmp/defs-bad.log"
"$D" --db "$tmp/d.db" --defs "$tmp/nonexistent" 2>"$tmp/defs-missing.log"
[ $? -eq 1 ] && pass "--defs: a missing directory is refused" ||
    fail "--defs: a missing directory is refused" "$tmp/defs-missing.log"

# The virtual clock starts at batchd's first reading of it, once it has started (docs/
# daemon.md): a slow start loses no due time after --clock-start. Here --defs waits for a
# write lock another process holds for 2 s (120 s of the clock); early is due 30 s after
# the clock's start. (It was lost when the clock started with the process.)
mkdir -p "$tmp/slowdefs"
printf 'kind: job\nname: early\ntrigger: {cron: "0 1 * * *"}\nexecutor: {exec: {command: [/bin/true]}}\n' \
    >"$tmp/slowdefs/a.yaml"
{ echo 'BEGIN EXCLUSIVE;'; echo "SELECT 'locked';"; sleep 2; echo 'COMMIT;'; } |
    sqlite3 "$tmp/s.db" >"$tmp/lock.out" 2>&1 &
lkpid=$!
locked() { grep -q '^locked$' "$tmp/lock.out"; }
wait_for "$WAIT" locked
"$D" --db "$tmp/s.db" --defs "$tmp/slowdefs" --clock-start 2026-03-02T00:59:30Z --clock-rate 60 \
    2>"$tmp/s.log" &
dpid=$!
early_ran() { "$B" instances list --job early --status Success --db "$tmp/s.db" 2>/dev/null | grep -q ' 2026-03-02T01:00:00Z '; }
wait_for "$WAIT" early_ran && pass "virtual clock: a slow start loses no due time after --clock-start" ||
    fail "virtual clock: a slow start loses no due time after --clock-start" "$tmp/s.log"
kill "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null; wait "$lkpid" 2>/dev/null

# The unit `make install` writes: our paths (the config file it installs, which batchd
# accepts), Type=notify, and KillMode=process, so that a restart leaves the runs to the
# next batchd; systemd-analyze accepts it (when there; it looks for the pages the unit's
# Documentation= names, installed beside it).
root=$(cd "$(dirname "$0")/../.." && pwd)
unit="$tmp/usr/lib/systemd/system/batchd.service"
make -s -C "$root" BUILD="$BIN" PREFIX="$tmp/usr" install >"$tmp/install.log" 2>&1 &&
    grep -qx "ExecStart=$tmp/usr/sbin/batchd --config $tmp/usr/etc/batchd/batchd.yaml" "$unit" &&
    "$tmp/usr/sbin/batchd" config check --config "$tmp/usr/etc/batchd/batchd.yaml" >>"$tmp/install.log" 2>&1 &&
    grep -qx 'Type=notify' "$unit" && grep -qx 'KillMode=process' "$unit" &&
    { ! command -v systemd-analyze >/dev/null || MANPATH="$tmp/usr/share/man:" systemd-analyze verify "$unit" >>"$tmp/install.log" 2>&1; } &&
    pass "install: the systemd unit (Type=notify, KillMode=process)" ||
    fail "install: the systemd unit (Type=notify, KillMode=process)" "$tmp/install.log"
# The installed batchd finds its spawner in ../libexec/batchd/.
"$tmp/usr/sbin/batchd" --db "$tmp/i.db" 2>"$tmp/i.log" &
ipid=$!
ispawner() { isp=$(pgrep -P "$ipid" -x bdspawn | head -n 1); [ -n "$isp" ]; }
wait_for "$WAIT" ispawner && [ "$(readlink "/proc/$isp/exe")" = "$tmp/usr/libexec/batchd/bdspawn" ] &&
    pass "install: the installed batchd runs the installed spawner" ||
    fail "install: the installed batchd runs the installed spawner" "$tmp/i.log"
kill "$ipid"; wait "$ipid" 2>/dev/null
make -s -C "$root" BUILD="$BIN" PREFIX="$tmp/usr" uninstall >>"$tmp/install.log" 2>&1 && [ ! -e "$unit" ] &&
    [ ! -e "$tmp/usr/libexec/batchd/bdspawn" ] && [ ! -e "$tmp/usr/sbin/batchd" ] &&
    pass "uninstall removes the unit, the spawner and batchd" ||
    fail "uninstall removes the unit, the spawner and batchd" "$tmp/install.log"
# batchd copied alone: it says so, and its runs still run (a copy of batchd forks them);
# a spawner of another version refuses to serve.
mkdir -p "$tmp/solo"
cp "$D" "$tmp/solo/batchd"
"$tmp/solo/batchd" --db "$tmp/solo.db" 2>"$tmp/solo.log" &
spid=$!
solo_started() { grep -q 'batchd started' "$tmp/solo.log"; }
wait_for "$WAIT" solo_started
"$B" apply "$tmp/defs" --db "$tmp/solo.db" >/dev/null 2>&1
soid=$("$B" submit manual --db "$tmp/solo.db" 2>&1 | sed -n 's/^submitted instance \([0-9]*\) .*/\1/p')
solo_done() { "$B" instance get "$soid" --db "$tmp/solo.db" -o json | grep -q '"state_name": "Success"'; }
grep -q 'the spawner program could not be started' "$tmp/solo.log" && wait_for "$WAIT" solo_done &&
    pass "batchd alone: a warning, and runs still run" || fail "batchd alone: a warning, and runs still run" "$tmp/solo.log"
kill "$spid"; wait "$spid" 2>/dev/null
"$BIN/bdspawn" 0.0.0-other "$tmp/state" 2>"$tmp/v.err" 3>/dev/null
[ $? -eq 2 ] && grep -q 'serves batchd' "$tmp/v.err" && pass "a spawner of another version refuses to serve" ||
    fail "a spawner of another version refuses to serve" "$tmp/v.err"

# systemd (Type=notify with a watchdog, packaging/batchd.service): READY=1 once started,
# WATCHDOG=1 every half WATCHDOG_USEC, RELOADING=1 then READY=1 around a SIGHUP,
# STOPPING=1 at SIGTERM (sd_notify(3)); a test listener stands in for systemd.
"$BIN/tests/daemon/notify_listen" "$tmp/notify.sock" 600 >"$tmp/notify.out" 2>&1 &
lpid=$!
wait_for "$WAIT" test -S "$tmp/notify.sock"
NOTIFY_SOCKET="$tmp/notify.sock" WATCHDOG_USEC=300000 "$D" --db "$tmp/n.db" 2>"$tmp/n.log" &
npid=$!
notified() { grep -q "$1" "$tmp/notify.out"; }
wait_for "$WAIT" notified '^READY=1 STATUS=' &&
    pass "systemd: READY=1 once batchd has started" || fail "systemd: READY=1 once batchd has started" "$tmp/n.log"
# The pings keep coming (how regularly depends on the machine's load: not asserted).
pings() { [ "$(grep -c '^WATCHDOG=1$' "$tmp/notify.out")" -ge 3 ]; }
wait_for "$WAIT" pings && pass "systemd: WATCHDOG=1 again and again (0.3 s period)" ||
    fail "systemd: WATCHDOG=1 again and again (0.3 s period)" "$tmp/notify.out"
kill -HUP "$npid"
reloaded() { grep -v WATCHDOG "$tmp/notify.out" | grep -A1 '^RELOADING=1 MONOTONIC_USEC=[0-9]*$' | grep -q '^READY=1'; }
wait_for "$WAIT" reloaded && pass "systemd: RELOADING=1, then READY=1 around a SIGHUP" ||
    fail "systemd: RELOADING=1, then READY=1 around a SIGHUP" "$tmp/notify.out"
kill "$npid"; wait "$npid" 2>/dev/null
wait_for "$WAIT" notified '^STOPPING=1' && pass "systemd: STOPPING=1 at SIGTERM" ||
    fail "systemd: STOPPING=1 at SIGTERM" "$tmp/notify.out"
kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null
# A value that is not a socket address: said in the log, and batchd runs without telling.
NOTIFY_SOCKET=relative/path "$D" --db "$tmp/n.db" 2>"$tmp/n2.log" &
npid=$!
started() { grep -q 'batchd started' "$tmp/n2.log"; }
wait_for "$WAIT" started && grep -q 'NOTIFY_SOCKET is neither a path nor an abstract name' "$tmp/n2.log" &&
    pass "systemd: an unusable NOTIFY_SOCKET is logged and batchd runs" ||
    fail "systemd: an unusable NOTIFY_SOCKET is logged and batchd runs" "$tmp/n2.log"
kill "$npid"; wait "$npid" 2>/dev/null

# --log-file and rotation: after the file is moved away, SIGUSR1 makes batchd write to a
# new one at the same path (logrotate's postrotate), and it goes on running.
"$D" --db "$tmp/n.db" --log-file "$tmp/rot.log" 2>"$tmp/rot.err" &
npid=$!
started() { grep -q 'batchd started' "$tmp/rot.log" 2>/dev/null; }
wait_for "$WAIT" started && mv "$tmp/rot.log" "$tmp/rot.log.1" && kill -USR1 "$npid"
reopened() { grep -q 'SIGUSR1: log file reopened' "$tmp/rot.log" 2>/dev/null; }
wait_for "$WAIT" reopened && kill -0 "$npid" 2>/dev/null && grep -q 'batchd started' "$tmp/rot.log.1" &&
    ! grep -q 'reopened' "$tmp/rot.log.1" && [ ! -s "$tmp/rot.err" ] &&
    pass "--log-file: SIGUSR1 reopens the file after a rotation" ||
    fail "--log-file: SIGUSR1 reopens the file after a rotation" "$tmp/rot.err"
kill "$npid"; wait "$npid" 2>/dev/null
grep -q 'batchd stopping' "$tmp/rot.log" && pass "--log-file: the rest of the log goes to the new file" ||
    fail "--log-file: the rest of the log goes to the new file" "$tmp/rot.log"

# A timeout warning (DESIGN §5): past max(estimated_minutes x estimate_multiple,
# min_execute_minutes) an alert row is recorded and the run goes on (no max_minutes). The
# run lasts until the test creates $tmp/slow.go, once the warning is there.
mkdir -p "$tmp/tw"
cat >"$tmp/tw/defs.yaml" <<EOF2
kind: settings
tenant: default
timeouts: {estimate_multiple: 2, min_execute_minutes: 1}
---
kind: job
name: slow
type: manual
estimated_minutes: 1
executor: {exec: {command: [/bin/sh, -c, 'until [ -e $tmp/slow.go ]; do sleep 0.1; done']}}
EOF2
"$B" apply "$tmp/tw" --db "$tmp/t.db" >/dev/null 2>&1
"$D" --db "$tmp/t.db" --clock-start 2026-03-02T10:00:00Z --clock-rate 60 2>"$tmp/t.log" &
npid=$!
twid=$("$B" submit slow --db "$tmp/t.db" 2>&1 | sed -n 's/^submitted instance \([0-9]*\) .*/\1/p')
tw_state() { [ "$("$B" instance get "$twid" --db "$tmp/t.db" -o json | jq -r .state_name)" = "$1" ]; }
warnings() { sqlite3 -cmd '.timeout 5000' "$tmp/t.db" "SELECT count(*) FROM alerts WHERE instance_id = $twid AND kind = 'timeout_warning'"; }
warned() { [ "$(warnings)" -ge 1 ]; }
wait_for "$WAIT" warned && tw_state Running && touch "$tmp/slow.go" && wait_for "$WAIT" tw_state Success &&
    [ "$(warnings)" = 1 ] &&
    pass "timeout warning: one alert row, and the run goes on to Success" ||
    fail "timeout warning: one alert row, and the run goes on to Success" "$tmp/t.log"
kill "$npid"; wait "$npid" 2>/dev/null

# Every daemon log line is one JSON object.
grep -v '^{.*}$' "$tmp/daemon.log" >"$tmp/bad" || true
[ ! -s "$tmp/bad" ] && grep -q '"execution_id"' "$tmp/daemon.log" &&
    pass "logs: JSON lines with execution ids" || fail "logs: JSON lines with execution ids" "$tmp/bad"

# Every log line about an instance (started, ended, retried, stopped, restarted, requests)
# carries the instance's trace id, the one the repository holds (BATCH_TRACE_ID of its runs).
jq -r 'select(.instance_id != null) | "\(.instance_id) \(.trace_id // "none") \(.msg)"' \
    "$tmp/daemon.log" >"$tmp/traced"
sqlite3 -cmd '.timeout 5000' "$tmp/r.db" 'SELECT id, trace_id FROM instances' | tr '|' ' ' >"$tmp/traces"
awk 'NR == FNR { t[$1] = $2; next } $2 != t[$1] { print "instance " $1 ": logged " $2 ", stored " t[$1] ": " $0 }' \
    "$tmp/traces" "$tmp/traced" >"$tmp/untraced"
ended=$(grep -c '^[0-9]* [0-9a-f]\{32\} ended: ' "$tmp/traced")
[ ! -s "$tmp/untraced" ] && [ "$ended" -ge 10 ] && grep -q ' started attempt ' "$tmp/traced" &&
    grep -q ' request [0-9]* (stop by ' "$tmp/traced" &&
    pass "logs: each of the $(wc -l <"$tmp/traced") lines about an instance ($ended ended) carries its trace id" ||
    { cat "$tmp/untraced" >>"$tmp/traced.bad"; echo "ended lines: $ended" >>"$tmp/traced.bad";
      fail "logs: every line about an instance carries its trace id" "$tmp/traced.bad"; }

# A waiting child's reason follows its parent (docs/scheduler.md "Wait reasons"): once
# the parent has failed for good, the child's reason in the repository names the failure
# and what releases it (no history row: the state did not change); marking the parent
# Manual Success then releases the child.
mkdir -p "$tmp/wr"
cat >"$tmp/wr/defs.yaml" <<EOF2
kind: job
name: wr-parent
trigger: {cron: "0 1 * * *"}
executor: {exec: {command: [/bin/sh, -c, 'sleep 1; exit 3']}}
---
kind: job
name: wr-child
trigger: {cron: "0 1 * * *"}
depends_on: [{job: wr-parent, mode: success}]
executor: {exec: {command: [/bin/true]}}
EOF2
"$B" apply "$tmp/wr" --db "$tmp/wr.db" >/dev/null 2>&1
"$D" --db "$tmp/wr.db" --state-dir "$tmp/wr.state" --clock-start 2026-03-02T00:59:55Z \
    --clock-rate 1 2>"$tmp/wr.log" &
npid=$!
wr_reason='waiting for wr-parent (due 2026-03-02T01:00:00Z, Failed: rerun it or mark it Manual Success)'
wr_id() { REPO="$tmp/wr.db" id_of "$1" 2026-03-02T01:00:00Z; }
wr_child_reason() {
    c=$(wr_id wr-child)
    [ -n "$c" ] &&
        [ "$("$B" instance get "$c" --db "$tmp/wr.db" -o json | jq -r .reason)" = "$wr_reason" ]
}
if wait_for 60 wr_child_reason; then
    c=$(wr_id wr-child)
    "$B" instances list --job wr-child --db "$tmp/wr.db" -o json >"$tmp/wr.list"
    "$B" instance get "$c" --db "$tmp/wr.db" -o json >"$tmp/wr.get"
    [ "$(jq -r '.items[0].reason' "$tmp/wr.list")" = "$wr_reason" ] &&
        [ "$(jq -r .state_name "$tmp/wr.get")" = "Dependency Wait" ] &&
        [ "$(jq '[.history[] | select(.to == 1)] | length' "$tmp/wr.get")" = 1 ] &&
        [ "$(jq '[.history[] | select(.from == 1)] | length' "$tmp/wr.get")" = 0 ] &&
        pass "reasons: the waiting child's reason names its parent's failure" ||
        fail "reasons: the waiting child's reason names its parent's failure" "$tmp/wr.get"
else
    "$B" instances list --db "$tmp/wr.db" >"$tmp/wr.list" 2>&1
    fail "reasons: the waiting child's reason names its parent's failure" "$tmp/wr.list"
fi
"$B" instance mark-success "$(wr_id wr-parent)" --db "$tmp/wr.db" >/dev/null 2>&1
wr_child_done() { c=$(wr_id wr-child); [ -n "$c" ] && REPO="$tmp/wr.db" is_state "$c" Success; }
wait_for 60 wr_child_done &&
    pass "reasons: Manual Success of the parent releases the child" ||
    fail "reasons: Manual Success of the parent releases the child" "$tmp/wr.log"
kill "$npid"; wait "$npid" 2>/dev/null

# One clock for an instance's whole history (docs/daemon.md "The virtual clock"): under
# a virtual clock years away from real time, instances submitted through the REST API,
# the seed's submitJob and an offline `batchctl submit --db` have every time of their
# history (creation, due times, transitions, executions) on the virtual clock.
mkdir -p "$tmp/vc"
cat >"$tmp/vc/defs.yaml" <<EOF2
kind: job
name: vc
type: manual
allow_multiple_instances: true
executor: {exec: {command: [/bin/true]}}
EOF2
"$B" apply "$tmp/vc" --db "$tmp/vc.db" >/dev/null 2>&1
vtok=$("$D" token create --name vc-op --role operator --db "$tmp/vc.db" 2>/dev/null | head -n 1)
BATCHD_LISTEN=127.0.0.1:0 "$D" --db "$tmp/vc.db" --state-dir "$tmp/vc.state" \
    --clock-start 2031-01-01T00:00:00Z --clock-rate 60 --log-file "$tmp/vc.log" 2>"$tmp/vc.err" &
npid=$!
vc_port() {
    vport=$(sed -n 's/.*API listening on [^ ]* (port \([0-9]*\)).*/\1/p' "$tmp/vc.log" \
        2>/dev/null | head -n 1)
    [ -n "$vport" ]
}
if [ -n "$vtok" ] && wait_for 60 vc_port; then
    vbase="http://127.0.0.1:$vport"
    v1=$(curl -s -X POST -H "Authorization: Bearer $vtok" -H 'Content-Type: application/json' \
        -d '{}' "$vbase/api/v1/jobs/vc/submit" | jq -r .id)
    v2=$(curl -s -X POST -H "Authorization: Bearer $vtok" -H 'Content-Type: application/json' \
        -d '{}' "$vbase/batchRuntime/v2/submitJob?jobName=vc" | jq -r .id)
    v3=$(REPO="$tmp/vc.db" submit_id vc)
    vc_done() { for v in "$v1" "$v2" "$v3"; do REPO="$tmp/vc.db" is_state "$v" Success || return 1; done; }
    if wait_for 60 vc_done; then
        for v in "$v1" "$v2" "$v3"; do
            "$B" instance get "$v" --db "$tmp/vc.db" -o json >"$tmp/vc.$v"
            # Every time, and at least creation, due, two transitions and one execution.
            jq -e '[.created_at, .updated_at, .due, .first_due, .last_due, (.history[].at),
                    (.executions[] | .started_at, .finished_at)] | map(select(. != null)) |
                   length >= 10 and
                   all(. >= "2031-01-01T00:00:00Z" and . < "2031-01-02T00:00:00Z")' \
                "$tmp/vc.$v" >/dev/null &&
                pass "one clock: instance $v's whole history is on the virtual clock" ||
                fail "one clock: instance $v's whole history is on the virtual clock" "$tmp/vc.$v"
        done
    else
        "$B" instances list --db "$tmp/vc.db" >"$tmp/vc.list" 2>&1
        fail "one clock: the three submits ran ($v1 $v2 $v3)" "$tmp/vc.list"
    fi
else
    fail "one clock: batchd with the API and a token" "$tmp/vc.log"
fi
kill "$npid"; wait "$npid" 2>/dev/null
[ "$(sqlite3 -cmd '.timeout 5000' "$tmp/vc.db" 'SELECT count(*) FROM clock')" = 0 ] &&
    pass "one clock: batchd withdraws its clock when it stops" ||
    fail "one clock: batchd withdraws its clock when it stops"

echo "daemon: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
