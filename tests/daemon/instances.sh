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
submit_id() { "$B" submit "$@" --db "$REPO" 2>&1 | sed -n 's/^submitted instance \([0-9]*\) .*/\1/p'; }
