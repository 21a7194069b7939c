# tests/cluster/procs.sh: the processes a cluster test started, sourced by the scripts
# of tests/cluster. batchd's supervisors and the jobs outlive batchd (and are not its
# children): they are found by the test's scratch directory on their command line
# (supervisors carry the spawner's, which names the state directory; jobs name files
# under it), each checked before it is killed, by pid.

# pids_under DIR: the pids of the processes whose command line names DIR/.
pids_under() {
    for f in /proc/[0-9]*/cmdline; do
        p=${f#/proc/}; p=${p%/cmdline}
        [ "$p" = "$$" ] && continue
        { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -qF "$1/" && echo "$p"
    done
}
# kill_under DIR: SIGKILL (after SIGCONT) to every process pids_under DIR finds.
kill_under() {
    for p in $(pids_under "$1"); do kill -CONT "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; done
}
