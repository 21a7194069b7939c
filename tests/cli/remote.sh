#!/bin/sh
# End-to-end tests of batchctl as a client of batchd's REST API (docs/cli.md): a real
# daemon on a free port, tokens made with `batchd token create`, definitions applied
# with `batchctl apply --db`. The server is named by BATCHD_URL/BATCHD_TOKEN, by
# --url/--token and by a config file in a temporary XDG_CONFIG_HOME. Expected values
# come from the definitions written below, not from what batchctl printed.
# Closes with "cli-remote: N passed, M failed".
set -u
B=${BATCHCTL:-$(dirname "$0")/../../build/batchctl}
D=${BATCHD:-$(dirname "$0")/../../build/batchd}
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

# No settings of the user leak in: no environment, no config file.
unset BATCHD_URL BATCHD_TOKEN BATCHD_DB XDG_CONFIG_HOME BATCHCTL_PAGE_SIZE
unset LANGUAGE LC_ALL LC_MESSAGES LANG # display names untranslated unless a test asks
export HOME="$tmp/home"
mkdir -p "$HOME"
. "$(dirname "$0")/../lib.sh"


# ---- definitions: what every expectation below is derived from ------------------------------
mkdir -p "$tmp/defs"
cat >"$tmp/defs/jobs.yaml" <<'EOF'
kind: job
name: hello
group: adhoc
type: manual
allow_multiple_instances: true
executor: {exec: {command: [/bin/sh, -c, "echo hello $BATCH_PARAM_WHO; sleep 2; echo bye"]}}
parameters: {who: nobody}
---
kind: job
name: sleeper
group: adhoc
type: manual
executor: {exec: {command: [/bin/sleep, "60"]}}
---
kind: job
name: after_sleeper
group: adhoc
type: manual
depends_on: [{job: sleeper, mode: completion}]
executor: {exec: {command: [/bin/echo, "after the sleeper"]}}
---
kind: job
name: broken
group: adhoc
type: manual
executor: {exec: {command: [/bin/false]}}
---
kind: job
name: extract
display_name: Policy extract
display_names: {de: Policenauszug, zh-CN: 保单提取}
group: nightly
type: scheduled
trigger: {cron: "0 23 * * *", timezone: UTC}
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: load
group: nightly
type: scheduled
trigger: {cron: "0 23 * * *", timezone: UTC}
depends_on: [{job: extract, mode: success}]
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: report
group: nightly
type: scheduled
trigger: {cron: "0 23 * * *", timezone: UTC}
depends_on: [{job: load, mode: completion}]
executor: {exec: {command: [/bin/true]}}
---
kind: job
name: retired
group: old
type: manual
enabled: false
executor: {exec: {command: [/bin/true]}}
---
kind: calendar
name: workdays
workdays: [MON, TUE, WED, THU, FRI]
holidays: [2026-12-25]
EOF
# The expected job names (sorted), by group, by type, and the disabled ones.
all_jobs="after_sleeper
broken
extract
hello
load
report
retired
sleeper"
nightly_jobs="extract
load
report"
manual_jobs="after_sleeper
broken
hello
retired
sleeper"

db="$tmp/r.db"
"$B" apply "$tmp/defs" --db "$db" >"$tmp/apply" 2>&1 && pass "apply the definitions" ||
    fail "apply the definitions" "$tmp/apply"

# ---- the daemon -----------------------------------------------------------------------------
"$D" --db "$db" --listen 127.0.0.1:0 --log-file "$tmp/d.log" >"$tmp/d.out" 2>&1 &
dpid=$!
port=""
listening() {
    port=$(sed -n 's/.*API listening on .*(port \([0-9]*\)).*/\1/p' "$tmp/d.log" 2>/dev/null | head -n 1)
    [ -n "$port" ]
}
if ! wait_for "$WAIT" listening; then
    fail "the daemon listens" "$tmp/d.log"
    echo "cli-remote: $passed passed, $((failed)) failed"
    exit 1
fi
pass "the daemon listens on port $port"
url="http://127.0.0.1:$port"

token() { "$D" token create --name "$1" --role "$2" --db "$db" 2>/dev/null | head -n 1; }
admin=$(token admin1 admin)
viewer=$(token viewer1 viewer)
operator=$(token operator1 operator)
[ -n "$admin" ] && [ -n "$viewer" ] && [ -n "$operator" ] && pass "tokens created" ||
    fail "tokens created"

# ---- through BATCHD_URL / BATCHD_TOKEN ------------------------------------------------------
export BATCHD_URL="$url" BATCHD_TOKEN="$admin"

check "jobs list: exit 0" 0 - "" -- jobs list
sed 1d "$tmp/out" | awk '{print $1}' | cmp -s - "$(printf '%s\n' "$all_jobs" >"$tmp/want"; echo "$tmp/want")" &&
    pass "jobs list: every job applied, by name" || fail "jobs list: every job applied, by name" "$tmp/out"
head -n 1 "$tmp/out" | grep -qE '^NAME +DISPLAY NAME +TYPE +VERSION +UPDATED +TRIGGER$' &&
    grep -qE '^extract +Policy extract +scheduled +1 +[0-9TZ:-]+ +\{cron: "0 23 \* \* \*", timezone: UTC\}$' "$tmp/out" &&
    grep -qE '^hello +- +manual +1 +[0-9TZ:-]+ +-$' "$tmp/out" &&
    pass "jobs list: type, version and trigger columns" || fail "jobs list: type, version and trigger columns" "$tmp/out"
cp "$tmp/out" "$tmp/remote-list"
"$B" jobs list --db "$db" >"$tmp/local-list" 2>&1
cmp -s "$tmp/remote-list" "$tmp/local-list" && pass "jobs list: the same table as local mode (--db)" ||
    fail "jobs list: the same table as local mode (--db)" "$tmp/local-list"

# Display names (docs/definitions.md, "Display names"): translated by LANG (batchctl sends
# it as Accept-Language) or by the request's Accept-Language; otherwise display_name.
LANG=de_DE.UTF-8 "$B" jobs list >"$tmp/remote-de" 2>&1
LANG=de_DE.UTF-8 "$B" jobs list --db "$db" >"$tmp/local-de" 2>&1
grep -qE '^extract +Policenauszug +scheduled ' "$tmp/remote-de" && cmp -s "$tmp/remote-de" "$tmp/local-de" &&
    pass "display name: LANG=de_DE.UTF-8 shows the de one, remote and local alike" ||
    { cat "$tmp/remote-de" "$tmp/local-de" >"$tmp/both"; fail "display name: LANG=de_DE.UTF-8 shows the de one, remote and local alike" "$tmp/both"; }
LANG=C.UTF-8 LANGUAGE=de "$B" jobs list >"$tmp/out" 2>&1
grep -qE '^extract +Policy extract +scheduled ' "$tmp/out" && pass "display name: the C locale shows display_name" ||
    fail "display name: the C locale shows display_name" "$tmp/out"
LC_ALL=zh_CN.UTF-8 LANG=de_DE.UTF-8 "$B" jobs list -o json >"$tmp/out" 2>&1
[ "$(jq -r '.items[] | select(.name == "extract") | .display_name' "$tmp/out")" = "保单提取" ] &&
    [ "$(jq -r '.items[] | select(.name == "hello") | .display_name' "$tmp/out")" = null ] &&
    pass "display name: LC_ALL wins over LANG; null when a job has none" ||
    fail "display name: LC_ALL wins over LANG; null when a job has none" "$tmp/out"
dn() { # dn ACCEPT-LANGUAGE PATH: the display_name the API answers
    curl -s -D "$tmp/dn.h" -H "Authorization: Bearer $admin" ${1:+-H "Accept-Language: $1"} "$url$2" |
        jq -r 'if .items then (.items[] | select(.name == "extract")) else . end | .display_name'
}
[ "$(dn 'fr-CH, de;q=0.8, en;q=0.5' /api/v1/jobs)" = Policenauszug ] &&
    grep -qi '^Vary: Accept-Language' "$tmp/dn.h" &&
    [ "$(dn 'zh-cn' /api/v1/jobs/extract)" = "保单提取" ] &&
    [ "$(dn 'zh' /api/v1/jobs/extract)" = "保单提取" ] &&
    [ "$(dn 'ja' /api/v1/jobs/extract)" = "Policy extract" ] &&
    [ "$(dn 'de;q=0, zh-CN;q=0.1' /api/v1/jobs/extract)" = "保单提取" ] &&
    [ "$(dn '*' /api/v1/jobs/extract)" = "Policy extract" ] &&
    [ "$(dn '' /api/v1/jobs/extract)" = "Policy extract" ] &&
    [ "$(dn 'de' /api/v1/jobs/extract/versions)" = Policenauszug ] &&
    pass "display name: the API picks by Accept-Language (q, lookup, *, none) and says Vary" ||
    fail "display name: the API picks by Accept-Language (q, lookup, *, none) and says Vary" "$tmp/dn.h"

check "jobs list --group nightly" 0 - "" -- jobs list --group nightly
sed 1d "$tmp/out" | awk '{print $1}' | cmp -s - "$(printf '%s\n' "$nightly_jobs" >"$tmp/want"; echo "$tmp/want")" &&
    pass "jobs list --group: only that group" || fail "jobs list --group: only that group" "$tmp/out"
check "jobs list --type manual" 0 - "" -- jobs list --type manual
sed 1d "$tmp/out" | awk '{print $1}' | cmp -s - "$(printf '%s\n' "$manual_jobs" >"$tmp/want"; echo "$tmp/want")" &&
    pass "jobs list --type: only manual jobs" || fail "jobs list --type: only manual jobs" "$tmp/out"
check "jobs list --enabled false" 0 - "" -- jobs list --enabled false
[ "$(sed 1d "$tmp/out" | awk '{print $1}')" = "retired" ] && pass "jobs list --enabled false: the disabled job" ||
    fail "jobs list --enabled false: the disabled job" "$tmp/out"
check "jobs list --enabled maybe: usage error" 2 "" "--enabled must be true or false" -- jobs list --enabled maybe
check "jobs list -o json" 0 - "" -- jobs list -o json
[ "$(grep -c '"kind": "job"' "$tmp/out")" -eq 8 ] && grep -q '"next_cursor": null' "$tmp/out" &&
    grep -q '"name": "retired"' "$tmp/out" && grep -q '"enabled": false' "$tmp/out" &&
    pass "jobs list -o json: the API's items" || fail "jobs list -o json: the API's items" "$tmp/out"
BATCHCTL_PAGE_SIZE=2 "$B" jobs list >"$tmp/out" 2>&1
cmp -s "$tmp/out" "$tmp/remote-list" && pass "jobs list: follows next_cursor over pages of 2" ||
    fail "jobs list: follows next_cursor over pages of 2" "$tmp/out"

check "jobs get" 0 - "" -- jobs get load
grep -qx 'name: load' "$tmp/out" && grep -qx 'group: nightly' "$tmp/out" &&
    grep -q 'depends_on: \[{job: extract, mode: success}\]' "$tmp/out" &&
    pass "jobs get: the definition as YAML" || fail "jobs get: the definition as YAML" "$tmp/out"
check "jobs get -o json" 0 - "" -- jobs get load -o json
grep -q '"name": "load"' "$tmp/out" && grep -q '"group": "nightly"' "$tmp/out" &&
    pass "jobs get -o json: the API's object" || fail "jobs get -o json: the API's object" "$tmp/out"
check "jobs get of an unknown job: 404" 1 "" "(HTTP 404)" -- jobs get nosuch
check "jobs history" 0 - "" -- jobs history load
[ "$(sed 1d "$tmp/out" | wc -l)" -eq 1 ] && grep -qE '^ +1 +[0-9TZ:-]+ +[^ ]+ +created$' "$tmp/out" &&
    pass "jobs history: version 1, created" || fail "jobs history: version 1, created" "$tmp/out"
"$B" jobs history load --db "$db" >"$tmp/local-hist" 2>&1
cmp -s "$tmp/out" "$tmp/local-hist" && pass "jobs history: the same table as local mode" ||
    fail "jobs history: the same table as local mode" "$tmp/local-hist"

# ---- submit, instances, log ----------------------------------------------------------------
check "submit hello -p who=world" 0 - "" -- submit hello -p who=world
id1=$(sed -n 's/^submitted instance \([0-9]*\) of hello$/\1/p' "$tmp/out")
[ -n "$id1" ] && pass "submit: prints the new instance id" || fail "submit: prints the new instance id" "$tmp/out"
check "instance log -f: streams until the run ends" 0 "hello world
bye" "" -- instance log "$id1" -f
check "instance get" 0 - "" -- instance get "$id1"
head -n 1 "$tmp/out" | grep -qE "^instance $id1 of hello: Success$" &&
    grep -qE '^  #1 \(id [0-9]+\) started .*, ended .*, exit 0$' "$tmp/out" &&
    grep -qE '^  .*\(created\) +-> Init +by token:admin1$' "$tmp/out" &&
    pass "instance get: state, history, execution" || fail "instance get: state, history, execution" "$tmp/out"
"$B" instance get "$id1" --db "$db" >"$tmp/local-get" 2>&1
cmp -s "$tmp/out" "$tmp/local-get" && pass "instance get: the same text as local mode" ||
    fail "instance get: the same text as local mode" "$tmp/local-get"
check "instance get -o json" 0 - "" -- instance get "$id1" -o json
grep -q "\"id\": $id1, \"job\": \"hello\"" "$tmp/out" && grep -q '"params": {"who": "world"}' "$tmp/out" &&
    grep -q '"executions": \[' "$tmp/out" && pass "instance get -o json: the API's object" ||
    fail "instance get -o json: the API's object" "$tmp/out"
check "instance log (finished)" 0 "hello world
bye" "" -- instance log "$id1"
check "submit -o json" 0 - "" -- submit hello -o json
id2=$(sed -n 's/^{"id": \([0-9]*\), "job": "hello".*/\1/p' "$tmp/out")
[ -n "$id2" ] && grep -q '"params": {}' "$tmp/out" && pass "submit -o json: the new instance" ||
    fail "submit -o json: the new instance" "$tmp/out"
check "submit of the disabled job: 409" 1 "" 'job "retired" is disabled (HTTP 409)' -- submit retired
check "submit of an unknown job: exit 1" 1 "" "(HTTP 404)" -- submit nosuch
check "submit -p without =: usage" 2 "" 'expected KEY=VALUE' -- submit hello -p who

BATCHD_TOKEN="$operator" "$B" submit broken >"$tmp/out" 2>&1
idb=$(sed -n 's/^submitted instance \([0-9]*\) of broken$/\1/p' "$tmp/out")
[ -n "$idb" ] && pass "submit with an operator token" || fail "submit with an operator token" "$tmp/out"
# in_state ID STATE: the instance is in STATE (its state_name).
in_state() { [ "$("$B" instance get "$1" -o json 2>/dev/null | jq -r .state_name)" = "$2" ]; }
# The three submits have ended (the second runs for 2 s), so the lists below are the same
# whenever they are read.
wait_for "$WAIT" in_state "$idb" Failed && wait_for "$WAIT" in_state "$id2" Success ||
    fail "the broken submit ends Failed, the second hello Success"
check "instances list" 0 - "" -- instances list
head -n 1 "$tmp/out" | grep -qE '^ +ID +JOB +DUE +PROCESS DATE +STATE +HAS FAILURE +REASON$' &&
    grep -qE "^ +$id1  hello +[0-9TZ:-]+ +[0-9]{4}-[0-9]{2}-[0-9]{2} +Success +no" "$tmp/out" &&
    grep -qE "^ +$idb  broken +[0-9TZ:-]+ +[0-9]{4}-[0-9]{2}-[0-9]{2} +Failed +no" "$tmp/out" &&
    [ "$(sed 1d "$tmp/out" | wc -l)" -eq 3 ] &&
    pass "instances list: the three submits" || fail "instances list: the three submits" "$tmp/out"
cp "$tmp/out" "$tmp/remote-inst"
"$B" instances list --db "$db" >"$tmp/local-inst" 2>&1
cmp -s "$tmp/remote-inst" "$tmp/local-inst" && pass "instances list: the same table as local mode" ||
    fail "instances list: the same table as local mode" "$tmp/local-inst"
BATCHCTL_PAGE_SIZE=1 "$B" instances list >"$tmp/out" 2>&1
cmp -s "$tmp/out" "$tmp/remote-inst" && pass "instances list: follows next_cursor over pages of 1" ||
    fail "instances list: follows next_cursor over pages of 1" "$tmp/out"
BATCHCTL_PAGE_SIZE=1 "$B" instances list --limit 2 >"$tmp/out" 2>&1
[ "$(sed 1d "$tmp/out" | wc -l)" -eq 2 ] && grep -qE "^ +$id1  hello" "$tmp/out" &&
    pass "instances list --limit 2: two rows, oldest first" || fail "instances list --limit 2: two rows, oldest first" "$tmp/out"
check "instances list --job broken" 0 - "" -- instances list --job broken
[ "$(sed 1d "$tmp/out" | awk '{print $1 " " $2}')" = "$idb broken" ] && pass "instances list --job: that job only" ||
    fail "instances list --job: that job only" "$tmp/out"
check "instances list --status Success" 0 - "" -- instances list --status Success
[ "$(sed 1d "$tmp/out" | grep -vc ' hello ')" -eq 0 ] && pass "instances list --status: only Success" ||
    fail "instances list --status: only Success" "$tmp/out"
check "instances list --status bogus: usage" 2 "" "is not a state" -- instances list --status bogus
# "Has failure" is a data failure (skipped items); broken failed without skipping any.
check "instances list --has-failure" 0 - "" -- instances list --has-failure
[ "$(wc -l <"$tmp/out")" -eq 1 ] && pass "instances list --has-failure: none (nothing skipped items)" ||
    fail "instances list --has-failure: none (nothing skipped items)" "$tmp/out"
check "instances list --failed" 0 - "" -- instances list --failed
[ "$(sed 1d "$tmp/out" | awk '{print $1}')" = "$idb" ] && pass "instances list --failed: the failed one" ||
    fail "instances list --failed: the failed one" "$tmp/out"
check "instances list --mine (operator)" 0 - "" -- instances list --mine --token "$operator"
[ "$(sed 1d "$tmp/out" | awk '{print $1}')" = "$idb" ] && pass "instances list --mine: the operator's submit" ||
    fail "instances list --mine: the operator's submit" "$tmp/out"
check "instances list --from --to" 0 - "" -- instances list --from 2000-01-01T00:00:00Z --to 2000-01-02T00:00:00Z
[ "$(wc -l <"$tmp/out")" -eq 1 ] && pass "instances list --from --to: none in 2000" ||
    fail "instances list --from --to: none in 2000" "$tmp/out"
check "instances list -o json" 0 - "" -- instances list -o json
[ "$(grep -c '"job": ' "$tmp/out")" -eq 3 ] && grep -q '"next_cursor": null' "$tmp/out" &&
    pass "instances list -o json: the API's items" || fail "instances list -o json: the API's items" "$tmp/out"
if command -v jq >/dev/null 2>&1; then
    jq -e '.items | length == 3' "$tmp/out" >/dev/null && pass "instances list -o json: valid JSON" ||
        fail "instances list -o json: valid JSON" "$tmp/out"
fi

# ---- instance stop / rerun / mark-success, roles ------------------------------------------
check "mark-success of the failed instance" 0 - "" -- instance mark-success "$idb"
grep -qE "^mark-success instance $idb: " "$tmp/out" && pass "mark-success: the daemon's answer" ||
    fail "mark-success: the daemon's answer" "$tmp/out"
# (The answer may be "queued" when batchd took longer than the API waits: then the state
# changes when it has carried it out.)
wait_for "$WAIT" in_state "$idb" "Manual Success" && pass "mark-success: now Manual Success" ||
    { "$B" instance get "$idb" >"$tmp/out" 2>&1; fail "mark-success: now Manual Success" "$tmp/out"; }
check "rerun of a finished instance" 0 - "" -- instance rerun "$id1"
grep -qE "^rerun instance $id1: " "$tmp/out" && pass "rerun: the daemon's answer" || fail "rerun: the daemon's answer" "$tmp/out"
"$B" submit sleeper >"$tmp/out" 2>&1
ids=$(sed -n 's/^submitted instance \([0-9]*\) of sleeper$/\1/p' "$tmp/out")
wait_for "$WAIT" in_state "$ids" Running || fail "the sleeper runs"
# after_sleeper waits for the sleeper (Dependency Wait): `instance log -f` of it waits for
# its run rather than answering "has not run yet" (docs/cli.md), then prints its output and
# ends with the run.
"$B" submit after_sleeper >"$tmp/out" 2>&1
ids2=$(sed -n 's/^submitted instance \([0-9]*\) of after_sleeper$/\1/p' "$tmp/out")
cp "$tmp/out" "$tmp/submit2.out"
"$B" instance log "$ids2" -f >"$tmp/follow.out" 2>"$tmp/follow.err" &
follow_pid=$!
check "a viewer's instance stop: 403" 1 "" "(HTTP 403)" -- instance stop "$ids" --token "$viewer"
grep -qF "needs the operator role" "$tmp/err" && pass "403 names the role needed" || fail "403 names the role needed" "$tmp/err"
check "instance stop --reason (operator)" 0 - "" -- instance stop "$ids" --reason "test stop" --token "$operator"
grep -qE "^stop instance $ids: " "$tmp/out" && pass "stop: the daemon's answer" || fail "stop: the daemon's answer" "$tmp/out"
follow_done() { ! kill -0 "$follow_pid" 2>/dev/null; }
wait_for "$WAIT" follow_done && wait "$follow_pid" && [ ! -s "$tmp/follow.err" ] &&
    [ "$(cat "$tmp/follow.out")" = "after the sleeper" ] &&
    pass "instance log -f of a waiting instance waits for its run and ends with it" ||
    { kill "$follow_pid" 2>/dev/null; cat "$tmp/submit2.out" "$tmp/follow.err" >>"$tmp/follow.out"
      fail "instance log -f of a waiting instance waits for its run and ends with it" "$tmp/follow.out"; }
check "stop of an unknown instance: 404" 1 "" "(HTTP 404)" -- instance stop 999999
check "stop without an id: usage" 2 "" "an instance ID is required" -- instance stop

# ---- dead letters: list and purge through the API; retry stays local ------------------------
if command -v sqlite3 >/dev/null; then
    sqlite3 -cmd ".timeout 10000" "$db" "INSERT INTO dead_letters(instance_id, step, item, error, created_at)
        VALUES ($id1, 'import', 'a,1', 'bad a', 1764547200), ($id1, 'import', 'b,2', 'bad b', 1764547201),
               ($idb, 'load', 'c,3', 'bad c', 1764547202)"
    check "dlq list" 0 - "" -- dlq list
    cp "$tmp/out" "$tmp/remote-dlq"
    "$B" dlq list --db "$db" >"$tmp/local-dlq" 2>&1
    [ "$(wc -l <"$tmp/remote-dlq")" -eq 4 ] && cmp -s "$tmp/remote-dlq" "$tmp/local-dlq" &&
        pass "dlq list: the same table as local mode" || fail "dlq list: the same table as local mode" "$tmp/local-dlq"
    check "dlq list --instance -o json" 0 - "" -- dlq list --instance "$idb" -o json
    [ "$(jq -r '[.items[].item] | join(" ")' "$tmp/out")" = "c,3" ] &&
        pass "dlq list --instance: that instance's letters" || fail "dlq list --instance: that instance's letters" "$tmp/out"
    check "dlq list --instance abc: usage" 2 "" 'is not an instance id' -- dlq list --instance abc
    check "dlq purge as a viewer: 403" 1 "" "(HTTP 403)" -- dlq purge --all --token "$viewer"
    check "dlq purge without a selection: usage" 2 "" "say what to purge" -- dlq purge
    check "dlq purge --instance (operator)" 0 "purged 1 dead letters" "" -- dlq purge --instance "$idb" --token "$operator"
    "$B" dlq list --db "$db" -o json >"$tmp/out" 2>&1
    [ "$(jq '.items | length' "$tmp/out")" = 2 ] && pass "dlq purge: the other letters stay" ||
        fail "dlq purge: the other letters stay" "$tmp/out"
else
    echo "ok - dead letters # SKIP no sqlite3"
fi

# ---- has failure (items skipped) vs failed (the state) --------------------------------------
# import runs the SDK example customer_import on 2 valid rows and 3 invalid ones (process
# skips): it succeeds with a data failure. broken fails without skipping anything. (After the
# dead-letter checks: the skipped rows are dead letters too.)
imp="$(cd "$(dirname "$B")" && pwd)/sdk/examples/customer_import"
printf 'kind: job\nname: import\ntype: manual\nexecutor: {exec: {command: ["%s"]}}\n' "$imp" >"$tmp/import.yaml"
printf 'id,name,email,age\n1,Ann,ann@example.com,34\n2,Bob,no-email,41\n3,Cy,cy@example.com,200\n4,,di@example.com,20\n5,Eve,eve@example.com,29\n' \
    >"$tmp/customers.csv"
check "jobs create import" 0 - "" -- jobs create "$tmp/import.yaml"
check "submit import" 0 - "" -- submit import -p input="$tmp/customers.csv"
idi=$(sed -n 's/^submitted instance \([0-9]*\) of import$/\1/p' "$tmp/out")
check "submit broken again" 0 - "" -- submit broken
idb2=$(sed -n 's/^submitted instance \([0-9]*\) of broken$/\1/p' "$tmp/out")
final_state() { "$B" instance get "$1" 2>/dev/null | head -n 1 | grep -qE ': (Success|Failed)( |$)'; }
wait_for 60 final_state "$idi" && wait_for 60 final_state "$idb2" &&
    pass "import and broken have ended" || fail "import and broken have ended"
check "instances list --has-failure (import)" 0 - "" -- instances list --has-failure
[ "$(sed 1d "$tmp/out" | awk '{print $1 " " $2 " " $5 " " $6}')" = "$idi import Success yes" ] &&
    pass "instances list --has-failure: exactly the import, Success, HAS FAILURE yes" ||
    fail "instances list --has-failure: exactly the import, Success, HAS FAILURE yes" "$tmp/out"
"$B" instances list --has-failure --db "$db" >"$tmp/local-hf" 2>&1
cmp -s "$tmp/out" "$tmp/local-hf" && pass "instances list --has-failure: the same table as local mode" ||
    fail "instances list --has-failure: the same table as local mode" "$tmp/local-hf"
# idb was marked successful above: the one failed instance now is the second broken run.
check "instances list --failed (broken)" 0 - "" -- instances list --failed
[ "$(sed 1d "$tmp/out" | awk '{print $1 " " $2 " " $5 " " $6}')" = "$idb2 broken Failed no" ] &&
    pass "instances list --failed: exactly the second broken run, HAS FAILURE no" ||
    fail "instances list --failed: exactly the second broken run, HAS FAILURE no" "$tmp/out"
"$B" instances list --failed --db "$db" >"$tmp/local-failed" 2>&1
cmp -s "$tmp/out" "$tmp/local-failed" && pass "instances list --failed: the same table as local mode" ||
    fail "instances list --failed: the same table as local mode" "$tmp/local-failed"
check "instances list --failed --has-failure: none" 0 - "" -- instances list --failed --has-failure
[ "$(wc -l <"$tmp/out")" -eq 1 ] && pass "instances list --failed --has-failure: header only" ||
    fail "instances list --failed --has-failure: header only" "$tmp/out"
check "instance get -o json (import)" 0 - "" -- instance get "$idi" -o json
grep -q '"has_failure": true, "skip_count": 3' "$tmp/out" && pass "instance get -o json: has_failure true, skip_count 3" ||
    fail "instance get -o json: has_failure true, skip_count 3" "$tmp/out"
# The job lists below are of the applied definitions only.
check "jobs delete import" 0 - "" -- jobs delete import

# ---- errors: unreachable, no token, bad token; the token is never printed ------------------
check "unreachable server: exit 1 naming the URL" 1 "" "cannot reach the server at http://127.0.0.1:1" -- \
    jobs list --url http://127.0.0.1:1
grep -qF "$admin" "$tmp/err" && fail "the token is not printed" "$tmp/err" || pass "the token is not printed"
BATCHD_TOKEN= "$B" jobs list >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && grep -qF "bearer token is required" "$tmp/err" && grep -qF "(HTTP 401)" "$tmp/err" &&
    pass "no token: 401 with a clear message" || fail "no token: 401 with a clear message" "$tmp/err"
check "a wrong token: 401" 1 "" "(HTTP 401)" -- jobs list --token bdt_wrong
grep -qF "bdt_wrong" "$tmp/err" && fail "a wrong token is not printed" "$tmp/err" || pass "a wrong token is not printed"

# ---- --db keeps local mode; remote-only commands in local mode ------------------------------
check "--db with a URL set: local mode" 0 - "" -- jobs list --db "$db" --url http://127.0.0.1:1
cmp -s "$tmp/out" "$tmp/local-list" && pass "--db wins over the URL" || fail "--db wins over the URL" "$tmp/out"
BATCHD_URL= "$B" tokens list >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && grep -qF "needs a server" "$tmp/err" && pass "tokens list without a server: needs a server" ||
    fail "tokens list without a server: needs a server" "$tmp/err"
check "deps with --db: needs a server" 2 "" "needs a server" -- deps --date 2026-12-01 --db "$db"
# apply and dlq retry with a server configured but no repository named: refused, and the
# default repository (under a scratch XDG_STATE_HOME) is not created.
XDG_STATE_HOME=$tmp/state "$B" apply "$tmp/defs" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && grep -qF "give --db DB" "$tmp/err" && [ ! -e "$tmp/state/batchd" ] &&
    pass "apply with a server and no --db: refused (2), nothing created" ||
    fail "apply with a server and no --db: refused (2), nothing created" "$tmp/err"
XDG_STATE_HOME=$tmp/state "$B" dlq retry --job hello --param who >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && grep -qF "give --db DB" "$tmp/err" && [ ! -e "$tmp/state/batchd" ] &&
    pass "dlq retry with a server and no --db: refused (2)" ||
    fail "dlq retry with a server and no --db: refused (2)" "$tmp/err"

# ---- flags only -----------------------------------------------------------------------------
(
    unset BATCHD_URL BATCHD_TOKEN
    "$B" --url "$url" --token "$viewer" jobs list --group nightly >"$tmp/out" 2>"$tmp/err"
    echo $? >"$tmp/rc"
)
[ "$(cat "$tmp/rc")" -eq 0 ] && [ "$(sed 1d "$tmp/out" | awk '{print $1}')" = "$nightly_jobs" ] &&
    pass "--url/--token flags" || fail "--url/--token flags" "$tmp/err"
(
    unset BATCHD_URL BATCHD_TOKEN
    "$B" jobs get load -o json --url="$url" --token="$viewer" >"$tmp/out" 2>"$tmp/err"
    echo $? >"$tmp/rc"
)
[ "$(cat "$tmp/rc")" -eq 0 ] && grep -q '"name": "load"' "$tmp/out" && pass "--url=/--token= after the verb" ||
    fail "--url=/--token= after the verb" "$tmp/err"

# ---- the config file ------------------------------------------------------------------------
mkdir -p "$tmp/xdg/batchd"
printf '# batchctl settings\nurl = %s\ntoken = %s   # the viewer\n' "$url" "$viewer" >"$tmp/xdg/batchd/config"
chmod 600 "$tmp/xdg/batchd/config"
(
    unset BATCHD_URL BATCHD_TOKEN
    XDG_CONFIG_HOME="$tmp/xdg" "$B" jobs list --group nightly >"$tmp/out" 2>"$tmp/err"
    echo $? >"$tmp/rc"
)
[ "$(cat "$tmp/rc")" -eq 0 ] && [ "$(sed 1d "$tmp/out" | awk '{print $1}')" = "$nightly_jobs" ] &&
    [ ! -s "$tmp/err" ] && pass "config file (mode 600): url and token, no warning" ||
    fail "config file (mode 600): url and token, no warning" "$tmp/err"
chmod 644 "$tmp/xdg/batchd/config"
(
    unset BATCHD_URL BATCHD_TOKEN
    XDG_CONFIG_HOME="$tmp/xdg" "$B" jobs list >"$tmp/out" 2>"$tmp/err"
    echo $? >"$tmp/rc"
)
[ "$(cat "$tmp/rc")" -eq 0 ] && grep -qF "warning" "$tmp/err" && grep -qF "chmod 600" "$tmp/err" &&
    ! grep -qF "$viewer" "$tmp/err" && pass "config file readable by others: a warning" ||
    fail "config file readable by others: a warning" "$tmp/err"
chmod 600 "$tmp/xdg/batchd/config"
(
    unset BATCHD_URL BATCHD_TOKEN
    XDG_CONFIG_HOME="$tmp/xdg" "$B" instance stop "$ids" >"$tmp/out" 2>"$tmp/err"
    echo $? >"$tmp/rc"
)
[ "$(cat "$tmp/rc")" -eq 1 ] && grep -qF "(HTTP 403)" "$tmp/err" && pass "config file: the viewer token is used" ||
    fail "config file: the viewer token is used" "$tmp/err"
(
    unset BATCHD_URL
    XDG_CONFIG_HOME="$tmp/xdg" BATCHD_TOKEN="$admin" "$B" tokens list >"$tmp/out" 2>"$tmp/err"
    echo $? >"$tmp/rc"
)
[ "$(cat "$tmp/rc")" -eq 0 ] && pass "BATCHD_TOKEN wins over the config file" || fail "BATCHD_TOKEN wins over the config file" "$tmp/err"
mkdir -p "$HOME/.config/batchd"
printf 'url = %s\n' "$url" >"$HOME/.config/batchd/config"
(
    unset BATCHD_URL
    "$B" jobs list --group nightly >"$tmp/out" 2>"$tmp/err"
    echo $? >"$tmp/rc"
)
[ "$(cat "$tmp/rc")" -eq 0 ] && [ "$(sed 1d "$tmp/out" | awk '{print $1}')" = "$nightly_jobs" ] &&
    pass "~/.config/batchd/config without XDG_CONFIG_HOME" || fail "~/.config/batchd/config without XDG_CONFIG_HOME" "$tmp/err"
rm -f "$HOME/.config/batchd/config"

# ---- tokens ---------------------------------------------------------------------------------
check "tokens list" 0 - "" -- tokens list
for n in admin1 viewer1 operator1; do
    grep -qE "^ +[0-9]+  $n " "$tmp/out" || { fail "tokens list: $n" "$tmp/out"; continue; }
    pass "tokens list: $n"
done
check "tokens create" 0 - "shown only now" -- tokens create --name ci --role viewer --expires-days 30
new=$(head -n 1 "$tmp/out")
[ "$(wc -l <"$tmp/out")" -eq 1 ] && [ -n "$new" ] && pass "tokens create: the secret on one line" ||
    fail "tokens create: the secret on one line" "$tmp/out"
check "the new token works" 0 - "" -- jobs list --token "$new"
"$B" tokens list >"$tmp/out" 2>&1
grep -qE '^ +[0-9]+  ci +viewer +[0-9TZ:-]+ +20[0-9TZ:-]+ +no$' "$tmp/out" && ! grep -qF "$new" "$tmp/out" &&
    pass "tokens list: ci, viewer, with an expiry, no secret" || fail "tokens list: ci, viewer, with an expiry, no secret" "$tmp/out"
check "tokens revoke ci (by name)" 0 - "" -- tokens revoke ci
grep -qE '^revoked token [0-9]+ \(ci\)$' "$tmp/out" && pass "tokens revoke: by name" || fail "tokens revoke: by name" "$tmp/out"
check "a revoked token: 401" 1 "" "revoked (HTTP 401)" -- jobs list --token "$new"
check "tokens create --role root: usage" 2 "" "--role must be viewer, operator or admin" -- tokens create --name x --role root
check "tokens list as viewer: 403" 1 "" "(HTTP 403)" -- tokens list --token "$viewer"
"$B" tokens create --name tmp --role viewer >/dev/null 2>&1
tid=$("$B" tokens list | awk '$2 == "tmp" {print $1}')
check "tokens revoke ID" 0 "revoked token $tid" "" -- tokens revoke "$tid"
check "tokens revoke of an unknown name" 1 "" 'no token named "nosuch"' -- tokens revoke nosuch

# ---- job definitions ------------------------------------------------------------------------
printf 'kind: job\nname: fresh\ngroup: adhoc\ntype: manual\nexecutor: {exec: {command: [/bin/true]}}\n' >"$tmp/fresh.yaml"
check "jobs create FILE" 0 "created job fresh (version 1)" "" -- jobs create "$tmp/fresh.yaml"
check "jobs create again: 409" 1 "" "(HTTP 409)" -- jobs create "$tmp/fresh.yaml"
printf 'kind: job\nname: bad\ntype: manual\nexecutor: {exec: {command: [/bin/true]}}\nestimated_minuts: 3\nmax_minuts: 9\n' >"$tmp/bad.yaml"
check "jobs create of a bad file: 422" 1 "" "(HTTP 422)" -- jobs create "$tmp/bad.yaml"
grep -qF 'unknown key "estimated_minuts"' "$tmp/err" && [ "$(grep -c '^  ' "$tmp/err")" -ge 2 ] &&
    pass "422: each error on its own line" || fail "422: each error on its own line" "$tmp/err"
check "jobs create as viewer: 403" 1 "" "(HTTP 403)" -- jobs create "$tmp/fresh.yaml" --token "$viewer"
printf 'kind: job\nname: fresh\ngroup: adhoc\ntype: manual\nestimated_minutes: 7\nexecutor: {exec: {command: [/bin/true]}}\n' >"$tmp/fresh2.yaml"
check "jobs replace NAME FILE" 0 "replaced job fresh (version 2)" "" -- jobs replace fresh "$tmp/fresh2.yaml"
"$B" jobs get fresh >"$tmp/out" 2>&1
grep -qx 'estimated_minutes: 7' "$tmp/out" && pass "jobs replace: the new definition" || fail "jobs replace: the new definition" "$tmp/out"
sed 's/^name: fresh$/name: fresh3/' "$tmp/fresh2.yaml" >"$tmp/fresh3.yaml"
check "jobs replace of a new name: created" 0 "created job fresh3 (version 1)" "" -- jobs replace fresh3 "$tmp/fresh3.yaml"
check "jobs replace with another name in the file: 400" 1 "" "(HTTP 400)" -- jobs replace fresh4 "$tmp/fresh2.yaml"
check "jobs disable" 0 "disabled job fresh" "" -- jobs disable fresh
check "submit of a disabled job: 409" 1 "" "(HTTP 409)" -- submit fresh
check "jobs list --enabled false after disable" 0 - "" -- jobs list --enabled false
[ "$(sed 1d "$tmp/out" | awk '{print $1}' | tr '\n' ' ')" = "fresh retired " ] &&
    pass "jobs disable: listed as disabled" || fail "jobs disable: listed as disabled" "$tmp/out"
check "jobs enable" 0 "enabled job fresh" "" -- jobs enable fresh
check "jobs delete" 0 "deleted job fresh" "" -- jobs delete fresh
check "jobs get of the deleted job: 404" 1 "" "(HTTP 404)" -- jobs get fresh
check "jobs create without a server: needs a server" 2 "" "needs a server" -- jobs create "$tmp/fresh.yaml" --db "$db"
check "jobs create of a missing file" 1 "" "nosuch.yaml" -- jobs create "$tmp/nosuch.yaml"

# ---- calendars, settings --------------------------------------------------------------------
check "calendars list" 0 - "" -- calendars list
[ "$(sed 1d "$tmp/out" | awk '{print $1 " " $2}')" = "workdays 1" ] && pass "calendars list: the applied calendar" ||
    fail "calendars list: the applied calendar" "$tmp/out"
check "calendars get" 0 - "" -- calendars get workdays
grep -qx 'name: workdays' "$tmp/out" && grep -q '2026-12-25' "$tmp/out" && pass "calendars get: its YAML" ||
    fail "calendars get: its YAML" "$tmp/out"
printf 'kind: calendar\nname: weekend\nworkdays: [SAT, SUN]\n' >"$tmp/cal.yaml"
check "calendars put" 0 "created calendar weekend (version 1)" "" -- calendars put weekend "$tmp/cal.yaml"
check "calendars list after put" 0 - "" -- calendars list
[ "$(sed 1d "$tmp/out" | awk '{print $1}' | tr '\n' ' ')" = "weekend workdays " ] && pass "calendars list: both" ||
    fail "calendars list: both" "$tmp/out"
check "calendars get -o json" 0 - "" -- calendars get weekend -o json
grep -q '"name": "weekend"' "$tmp/out" && pass "calendars get -o json" || fail "calendars get -o json" "$tmp/out"
check "calendars delete" 0 "deleted calendar weekend" "" -- calendars delete weekend
check "calendars get of the deleted one: 404" 1 "" "(HTTP 404)" -- calendars get weekend
printf 'kind: settings\ntenant: default\ntimezone: UTC\nbatch_window: {start: "22:00", end: "06:00"}\n' >"$tmp/settings.yaml"
check "settings put" 0 - "" -- settings put "$tmp/settings.yaml"
check "settings get" 0 - "" -- settings get
grep -qx 'kind: settings' "$tmp/out" && grep -q '22:00' "$tmp/out" && grep -qx 'timezone: UTC' "$tmp/out" &&
    pass "settings get: what was put" || fail "settings get: what was put" "$tmp/out"

# ---- deps, metrics --------------------------------------------------------------------------
today=$(date -u +%Y-%m-%d)
check "deps --date --group nightly" 0 - "" -- deps --date "$today" --group nightly
# Derived from the definitions: extract, then load (<- extract, success), then report
# (<- load, completion); children indented under their parents.
awk 'NR > 1 { sub(/  \[.*$/, ""); print }' "$tmp/out" | sed 's/^\( *<- [a-z]* ([a-z]*\).*/\1)/' >"$tmp/graph"
printf '%s\n' "extract" "  load" "    <- extract (success)" "    report" "      <- load (completion)" >"$tmp/want-graph"
cmp -s "$tmp/graph" "$tmp/want-graph" && pass "deps: parents before children, edges with their mode" ||
    { fail "deps: parents before children, edges with their mode" "$tmp/out"; }
check "deps -o json" 0 - "" -- deps --date "$today" -o json
grep -q '"from": "extract", "to": "load", "mode": "success"' "$tmp/out" && pass "deps -o json: the API's edges" ||
    fail "deps -o json: the API's edges" "$tmp/out"
check "deps without --date: usage" 2 "" "--date YYYY-MM-DD is required" -- deps
check "deps with a bad date: 400" 1 "" "(HTTP 400)" -- deps --date 2026-13-45
check "metrics" 0 - "" -- metrics
grep -q '^batchd_runs_started_total [0-9]' "$tmp/out" && pass "metrics: the Prometheus text" ||
    fail "metrics: the Prometheus text" "$tmp/out"
check "health" 0 - "" -- health
grep -q '"status": "ok"' "$tmp/out" && pass "health: status ok" || fail "health: status ok" "$tmp/out"
check "openapi" 0 - "" -- openapi
jq -e '.openapi and .paths["/api/v1/instances"]' "$tmp/out" >/dev/null &&
    pass "openapi: the document, with /api/v1/instances" || fail "openapi: the document" "$tmp/out"

# ---- help -----------------------------------------------------------------------------------
check "help documents remote mode" 0 - "" -- --help
grep -qF -- "--url URL" "$tmp/out" && grep -qF "BATCHD_URL" "$tmp/out" && grep -qF "no" "$tmp/out" &&
    grep -qF "batchctl tokens create" "$tmp/out" && pass "help: the remote rule and the new commands" ||
    fail "help: the remote rule and the new commands" "$tmp/out"

echo "cli-remote: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
