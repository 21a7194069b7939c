#!/bin/sh
# The one output convention (docs/cli.md, "Output"): every read command takes
# -o table|wide|json|yaml, in local mode (--db) and with a server; json is the API's
# document in both (lists {"items": [...], "next_cursor": ...}), yaml is that document as
# YAML (definitions: their own YAML), the table is the same in both modes, and any other
# -o is a usage error (2). A table of commands x formats, on one repository with jobs,
# runs, an alert and dead letters, and a real batchd serving it.
# Closes with "cli-output: N passed, M failed".
set -u
B=${BATCHCTL:?set BATCHCTL to the batchctl binary}
BIN=$(cd "$(dirname "$B")" && pwd)
D="$BIN/batchd"
passed=0
failed=0
tmp=$(mktemp -d)
dpid=""
cleanup() {
    [ -z "$dpid" ] || { kill "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null; }
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
unset BATCHD_URL BATCHD_TOKEN BATCHD_DB XDG_CONFIG_HOME BATCHCTL_PAGE_SIZE
unset LANGUAGE LC_ALL LC_MESSAGES LANG
export HOME="$tmp/home"
mkdir -p "$HOME"
. "$(dirname "$0")/../lib.sh"

db="$tmp/r.db"
mkdir -p "$tmp/defs"
printf 'id,name,email,age\n1,Ann,ann@example.com,34\n2,Bob,not-an-email,40\n3,Cy,cy@example.com,300\n' \
    >"$tmp/customers.csv"
cat >"$tmp/defs/jobs.yaml" <<EOF2
kind: job
name: ok
display_name: Always fine
display_names: {de: Immer gut}
group: demo
type: manual
executor: {exec: {command: [/bin/echo, fine]}}
---
kind: job
name: bad
group: demo
type: manual
alerts: {on: [failure]}
executor: {exec: {command: [/bin/sh, -c, 'exit 3']}}
---
kind: job
name: nightly
group: night
trigger: {cron: "0 23 * * *", timezone: UTC}
depends_on: [{job: ok, mode: completion}]
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: imp
type: manual
parameters: {input: $tmp/customers.csv}
executor: {exec: {command: [$BIN/sdk/examples/customer_import]}}
---
kind: calendar
name: workdays
workdays: [MON, TUE, WED, THU, FRI]
---
kind: settings
tenant: default
timezone: UTC
EOF2
"$B" apply "$tmp/defs" --db "$db" >"$tmp/apply" 2>&1 && pass "apply" || fail "apply" "$tmp/apply"

"$D" --db "$db" --listen 127.0.0.1:0 --log-file "$tmp/d.log" >"$tmp/d.out" 2>&1 &
dpid=$!
port=""
listening() {
    port=$(sed -n 's/.*API listening on .*(port \([0-9]*\)).*/\1/p' "$tmp/d.log" 2>/dev/null | head -n 1)
    [ -n "$port" ]
}
wait_for "$WAIT" listening && pass "batchd listens" || { fail "batchd listens" "$tmp/d.log"; exit 1; }
url="http://127.0.0.1:$port"
token=$("$D" token create --name t --role admin --db "$db" 2>/dev/null | head -n 1)

sub() { "$B" submit "$1" --db "$db" | sed -n 's/^submitted instance \([0-9]*\) .*/\1/p'; }
iok=$(sub ok) ibad=$(sub bad) iimp=$(sub imp)
final() { for i in "$iok" "$ibad" "$iimp"; do
        "$B" instance get "$i" --db "$db" -o json | jq -e '.state_name | IN("Success", "Failed")' >/dev/null || return 1
    done; }
alert_id() { sqlite3 -cmd '.timeout 5000' "$db" "SELECT min(id) FROM alerts WHERE instance_id = $ibad"; }
have_alert() { [ -n "$(alert_id)" ]; }
dead() { [ "$(sqlite3 -cmd '.timeout 5000' "$db" 'SELECT count(*) FROM dead_letters')" -ge 2 ]; }
if wait_for "$WAIT" final && wait_for "$WAIT" have_alert && wait_for "$WAIT" dead; then
    pass "the runs ended; an alert and dead letters exist"
else
    "$B" instances list --db "$db" >"$tmp/il" 2>&1; fail "the runs ended; an alert and dead letters exist" "$tmp/il"
fi
aid=$(alert_id)
day=$(date -u +%Y-%m-%d)

# The read commands: "local" ones take --db, "remote" ones a server, "both" either.
cat >"$tmp/cmds" <<EOF2
both|jobs list|list defs
both|jobs get ok|one defs
both|jobs history ok|list
both|instances list|list
both|instance get $iok|one
both|dlq list|list
both|alerts list|list
both|alerts get $aid|one
both|alerts explain $aid|one
both|report runs --from $day --to $day|one
both|report daily --date $day|one
remote|tokens list|list
remote|calendars list|list
remote|calendars get workdays|one defs
remote|settings get|one defs
remote|deps --date $day|one
both|why nightly --at 2026-03-02T23:00:00Z|one
local|plan --db $db --from 2026-03-02T00:00:00Z --to 2026-03-03T00:00:00Z|list
local|cron next 0_1_*_*_* --from 2026-01-01T00:00:00Z|list
local|cron explain 0_1_*_*_*|one
EOF2
# run MODE ARGS...: batchctl in that mode (cron's expression is written with _ for spaces)
run() {
    mode=$1; shift
    set -- $(printf '%s\n' "$@")
    args=""
    if [ "$1" = cron ]; then
        expr=$(printf '%s' "$3" | tr _ ' '); a1=$1 a2=$2; shift 3
        set -- "$a1" "$a2" "$expr" "$@"
    fi
    if [ "$mode" = local ]; then
        case $1 in plan|cron) "$B" "$@" ;; *) "$B" "$@" --db "$db" ;; esac
    else
        BATCHD_URL=$url BATCHD_TOKEN=$token "$B" "$@"
    fi
}
# yaml_as_json / json_norm: a YAML or JSON document as one canonical JSON line
yaml_as_json() { python3 -c 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin), sort_keys=True))'; }
json_norm() { python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))'; }
yaml_docs() { python3 -c 'import sys, yaml; d = list(yaml.safe_load_all(sys.stdin)); assert d and all(isinstance(x, dict) and "kind" in x for x in d); print(len(d))'; }

cells=0
while IFS='|' read -r where cmd shape; do
    for mode in local remote; do
        [ "$where" = both ] || [ "$where" = "$mode" ] || continue
        for f in table wide json yaml; do
            cells=$((cells + 1))
            name="$mode: $cmd -o $f"
            if ! run "$mode" $cmd -o "$f" >"$tmp/out" 2>"$tmp/err" || [ ! -s "$tmp/out" ] || [ -s "$tmp/err" ]; then
                cat "$tmp/err" >>"$tmp/out"; fail "$name: exit 0, output, no error" "$tmp/out"; continue
            fi
            case $f in
            json)
                cp "$tmp/out" "$tmp/$mode.json"
                case $shape in
                list*) jq -e '(.items | type) == "array" and has("next_cursor")' "$tmp/out" >/dev/null ;;
                *) jq -e 'type == "object"' "$tmp/out" >/dev/null ;;
                esac && pass "$name: the ${shape%% *} document" || fail "$name: the ${shape%% *} document" "$tmp/out" ;;
            yaml)
                case $shape in
                *defs) n=$(yaml_docs <"$tmp/out" 2>&1) && pass "$name: the definitions' YAML ($n documents)" ||
                        fail "$name: the definitions' YAML" "$tmp/out" ;;
                *) yaml_as_json <"$tmp/out" >"$tmp/y" 2>&1 && json_norm <"$tmp/$mode.json" | cmp -s - "$tmp/y" &&
                        pass "$name: the json document as YAML" ||
                        { cat "$tmp/y" >>"$tmp/out"; fail "$name: the json document as YAML" "$tmp/out"; } ;;
                esac ;;
            *)
                cp "$tmp/out" "$tmp/$mode.$f"
                ! head -n 1 "$tmp/out" | grep -q '^[{[]' && pass "$name: text" || fail "$name: text" "$tmp/out" ;;
            esac
        done
        run "$mode" $cmd -o xml >"$tmp/out" 2>"$tmp/err"
        rc=$?
        [ "$rc" = 2 ] && [ ! -s "$tmp/out" ] && grep -q '"xml" is not a known output format' "$tmp/err" &&
            pass "$mode: $cmd -o xml: usage error (2)" || { cat "$tmp/err" >>"$tmp/out"; fail "$mode: $cmd -o xml: usage error (2), got $rc" "$tmp/out"; }
    done
    if [ "$where" = both ]; then
        for f in json table wide; do
            # The same document and table in both modes (the JSON compared parsed).
            if [ "$f" = json ]; then jq -S . "$tmp/local.json" >"$tmp/a"; jq -S . "$tmp/remote.json" >"$tmp/b"
            else cp "$tmp/local.$f" "$tmp/a"; cp "$tmp/remote.$f" "$tmp/b"; fi
            cmp -s "$tmp/a" "$tmp/b" && pass "$cmd -o $f: the same in local and remote mode" ||
                { diff "$tmp/a" "$tmp/b" >"$tmp/d" 2>&1; fail "$cmd -o $f: the same in local and remote mode" "$tmp/d"; }
        done
    fi
done <"$tmp/cmds"
[ "$cells" -ge 100 ] && pass "$cells command x format cells" || fail "only $cells command x format cells"

# wide adds columns where a command has more to show (jobs list: GROUP, ENABLED).
run local jobs list -o wide >"$tmp/out" 2>&1
head -n 1 "$tmp/out" | grep -qE '^NAME +DISPLAY NAME +TYPE +VERSION +UPDATED +GROUP +ENABLED +TRIGGER$' &&
    grep -qE '^nightly +- +scheduled +1 +[0-9TZ:-]+ +night +yes ' "$tmp/out" &&
    pass "jobs list -o wide: GROUP and ENABLED" || fail "jobs list -o wide: GROUP and ENABLED" "$tmp/out"
# report daily keeps its csv; the other commands refuse it.
run local report daily --date "$day" -o csv >"$tmp/out" 2>&1 && head -n 1 "$tmp/out" | grep -q '^job,display_name,' &&
    pass "report daily -o csv" || fail "report daily -o csv" "$tmp/out"
run local jobs list -o csv >"$tmp/out" 2>&1
[ $? = 2 ] && grep -q 'takes table, wide, json, yaml' "$tmp/out" && pass "jobs list -o csv: usage error naming the formats" ||
    fail "jobs list -o csv: usage error naming the formats" "$tmp/out"

kill "$dpid"; wait "$dpid" 2>/dev/null; dpid=""
echo "cli-output: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
