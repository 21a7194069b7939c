# tests/daemon/instances.sh: reading instances with batchctl in the daemon tests, sourced
# after tests/lib.sh. The sourcing script sets $B (batchctl) and $REPO (the repository).

# state_of ID: the instance's state name.
state_of() {
    "$B" instance get "$1" --db "$REPO" -o json 2>/dev/null |
        sed -n 's/.*"state_name": "\([^"]*\)".*/\1/p' | head -n 1
}
is_state() { [ "$(state_of "$1")" = "$2" ]; }
# id_of JOB DUE: the id of the job's instance due then.
id_of() {
    "$B" instances list --job "$1" --db "$REPO" -o json |
        grep "\"due\": \"$2\"" | sed -n 's/.*"id": \([0-9]*\),.*/\1/p' | head -n 1
}
# due_state JOB DUE STATE: the job's instance due then exists and is in STATE.
due_state() { id=$(id_of "$1" "$2"); [ -n "$id" ] && is_state "$id" "$3"; }
# submit_id JOB [ARGS...]: submits JOB and prints the new instance's id.
# A refused submit prints nothing on stdout and batchctl's answer on stderr.
submit_id() {
    si_out=$("$B" submit "$@" --db "$REPO" 2>&1)
    si_id=$(printf '%s\n' "$si_out" | sed -n 's/^submitted instance \([0-9]*\) .*/\1/p')
    [ -n "$si_id" ] || printf 'submit_id %s: %s\n' "$1" "$si_out" >&2
    printf '%s\n' "$si_id"
}
# inst_jq ID FILTER: FILTER (jq -r) applied to the instance as `instance get -o json` shows it.
inst_jq() { "$B" instance get "$1" --db "$REPO" -o json 2>/dev/null | jq -r "$2"; }
# ran_after ID PARENT_ID: ID's first execution started when or after PARENT_ID's last one
# had ended, by the times the repository recorded (whole seconds of the daemon's clock).
ran_after() {
    r_start=$(inst_jq "$1" '.executions[0].started_at // empty')
    r_end=$(inst_jq "$2" '.executions[-1].finished_at // empty')
    [ -n "$r_start" ] && [ -n "$r_end" ] &&
        jq -en --arg s "$r_start" --arg e "$r_end" '$s >= $e' >/dev/null
}
# dump_inst ID...: the instances as JSON into $tmp/inst, for fail to show.
dump_inst() { for i in "$@"; do "$B" instance get "$i" --db "$REPO" -o json; done >"$tmp/inst" 2>&1; }
