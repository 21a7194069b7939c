#!/bin/sh
# Secret parameter and environment values at rest (DESIGN §11.7, docs/security.md): the
# real batchd and batchctl on a real SQLite file and on a throwaway PostgreSQL server
# (scripts/pg-test-server.sh), real child processes that write what they received.
#
# Expected, from the specification: no plaintext secret in the repository's files (the
# SQLite file, its WAL and shared memory) nor in any table of PostgreSQL; the stored
# values in the form enc:v1:<8 hex key id>:<base64url>; the child gets the plaintext in
# its environment; the API, batchctl, the audit, the daemon's log and export show no
# plaintext; the key file is created with mode 0600; a missing or wrong key file is
# named in an error at start and runs needing a secret are Start Failed with the reason.
# Closes with "secrets: N passed, M failed".
set -u
BIN=${BUILD_DIR:?set BUILD_DIR to the build directory}
B="$BIN/batchctl"
D="$BIN/batchd"
pgs="$(cd "$(dirname "$0")/../.." && pwd)/scripts/pg-test-server.sh"
passed=0
failed=0
tmp=$(mktemp -d)
pgroot=""
daemon_pid=""
cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
    [ -n "$pgroot" ] && { "$pgs" stop "$pgroot/pg" 2>/dev/null; rm -rf "$pgroot"; }
    [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
. "$(dirname "$0")/../lib.sh"
unset BATCHD_SECRETS_KEY BATCHD_DB

DEF=Def-Pw-7c1e55    # the definition's parameter db_password
ENV=Env-Tok-42aa17   # the definition's exec env API_TOKEN
SUB=Sub-Pw-90bd3f    # a submit's override over the API
CLI=Cli-Pw-e8812c    # a submit's override by batchctl --db
ALL="$DEF $ENV $SUB $CLI"

# job_file FILE OUTDIR: the job `sec`, whose run writes "<db_password>|<API_TOKEN>" to
# OUTDIR/<instance id>.
job_file() {
    cat >"$1" <<EOF
kind: job
name: sec
type: manual
allow_multiple_instances: true # the test submits several at once; a single-instance job refuses a submit while one runs
executor:
  exec:
    command: [/bin/sh, -c, 'printf "%s|%s" "\$BATCH_PARAM_DB_PASSWORD" "\$API_TOKEN" >$2/\$BATCH_INSTANCE_ID']
    env: {API_TOKEN: $ENV}
parameters: {region: EU, db_password: $DEF}
EOF
}
mkdir -p "$tmp/out" "$tmp/defs"
job_file "$tmp/defs/sec.yaml" "$tmp/out"
db=$tmp/r.db
key=$tmp/r.db.d/secrets.key
REPO=$db
. "$(dirname "$0")/instances.sh"
got() { cat "$tmp/out/$1" 2>/dev/null; }
# no_plaintext NAME FILE...: none of the secrets occurs in the files (binary included).
no_plaintext() {
    name=$1; shift
    : >"$tmp/found"
    for s in $ALL; do
        for f in "$@"; do
            [ -f "$f" ] && grep -a -l -- "$s" "$f" >>"$tmp/found" 2>/dev/null
        done
    done
    [ ! -s "$tmp/found" ] && pass "$name" || fail "$name (files holding a secret below)" "$tmp/found"
}
start() { # start LOG [ARGS...]
    log=$1; shift
    "$D" --db "$db" --listen 127.0.0.1:0 "$@" 2>>"$log" &
    daemon_pid=$!
}
stop() { [ -n "$daemon_pid" ] && kill "$daemon_pid" && wait "$daemon_pid" 2>/dev/null; daemon_pid=""; }

# ---- SQLite: the key file is made at first need, 0600, outside the repository -----------
"$B" apply "$tmp/defs" --db "$db" >"$tmp/apply.out" 2>&1 && pass "apply a job with secrets" ||
    fail "apply a job with secrets" "$tmp/apply.out"
[ -f "$key" ] && [ "$(stat -c %a "$key")" = 600 ] &&
    pass "batchctl made the key file <db>.d/secrets.key with mode 0600" ||
    fail "batchctl made the key file <db>.d/secrets.key with mode 0600"
"$B" apply "$tmp/defs" --db "$db" >"$tmp/apply2.out" 2>&1
grep -q '0 changed, 1 unchanged' "$tmp/apply2.out" &&
    [ "$(sqlite3 "$db" "SELECT count(*) FROM definition_versions")" = 1 ] &&
    pass "applying the same secret again changes nothing (no new version)" ||
    fail "applying the same secret again changes nothing (no new version)" "$tmp/apply2.out"

start "$tmp/d1.log"
api_port() { port=$(sed -n 's/.*API listening on [^ ]* (port \([0-9]*\)).*/\1/p' "$tmp/d1.log" | tail -n 1); [ -n "$port" ]; }
tok=$("$D" token create --name adm --role admin --db "$db" 2>/dev/null | head -n 1)
wait_for 60 api_port || fail "batchd listens" "$tmp/d1.log"
base="http://127.0.0.1:$port/api/v1"
api() { curl -s --max-time 10 -H "Authorization: Bearer $tok" "$@"; }
aid=$(api -X POST -H 'Content-Type: application/json' \
    -d "{\"params\": {\"db_password\": \"$SUB\", \"region\": \"US\"}}" "$base/jobs/sec/submit" | jq -r .id)
cid=$(submit_id sec -p "db_password=$CLI")
did=$(submit_id sec)
wait_for 60 is_state "$aid" Success && [ "$(got "$aid")" = "$SUB|$ENV" ] &&
    pass "API submit: the child's environment has the plaintext secrets" ||
    fail "API submit: the child's environment has the plaintext secrets ($(got "$aid"))" "$tmp/d1.log"
wait_for 60 is_state "$cid" Success && [ "$(got "$cid")" = "$CLI|$ENV" ] &&
    pass "batchctl submit -p: the child gets the plaintext override" ||
    fail "batchctl submit -p: the child gets the plaintext override ($(got "$cid"))" "$tmp/d1.log"
wait_for 60 is_state "$did" Success && [ "$(got "$did")" = "$DEF|$ENV" ] &&
    pass "the definition's secret parameter reaches the child in plaintext" ||
    fail "the definition's secret parameter reaches the child in plaintext ($(got "$did"))" "$tmp/d1.log"

# What others see.
api "$base/instances/$aid" >"$tmp/a.json"
api "$base/jobs/sec" >"$tmp/j.json"
api "$base/jobs/sec/versions" >"$tmp/v.json"
jq -e '.params.db_password == "***" and .params.region == "US"' "$tmp/a.json" >/dev/null &&
    pass "API: the instance shows db_password as ***" || fail "API: the instance shows db_password as ***" "$tmp/a.json"
jq -e '.spec | test("db_password: \"?[*]{3}") and test("API_TOKEN: \"?[*]{3}")' "$tmp/j.json" >/dev/null &&
    jq -e '[.items[].spec | test("db_password: \"?[*]{3}")] == [true]' "$tmp/v.json" >/dev/null &&
    pass "API: the job shows its secrets as ***" || fail "API: the job shows its secrets as ***" "$tmp/j.json"
"$B" instance get "$cid" --db "$db" -o json >"$tmp/c.json"
grep -q '"db_password": "\*\*\*"' "$tmp/c.json" && pass "batchctl instance get shows ***" ||
    fail "batchctl instance get shows ***" "$tmp/c.json"
"$B" export "$tmp/export" --db "$db" >/dev/null 2>&1
grep -Eq 'db_password: "?enc:v1:[0-9a-f]{8}:' "$tmp/export/default/jobs/sec.yaml" &&
    pass "export writes the encrypted value" || fail "export writes the encrypted value" "$tmp/export/default/jobs/sec.yaml"
"$B" apply "$tmp/export" --db "$db" >"$tmp/apply3.out" 2>&1
grep -q '0 changed, 1 unchanged' "$tmp/apply3.out" && pass "apply of the export is a no-op" ||
    fail "apply of the export is a no-op" "$tmp/apply3.out"
no_plaintext "no secret in the API's answers, the CLI's output, the export or the daemon's log" \
    "$tmp/a.json" "$tmp/j.json" "$tmp/v.json" "$tmp/c.json" "$tmp/export/default/jobs/sec.yaml" "$tmp/d1.log"
stop

# What the repository holds: the files themselves, then every table.
no_plaintext "no secret in the SQLite file, its WAL or shared memory" "$db" "$db-wal" "$db-shm"
sqlite3 "$db" .dump >"$tmp/dump.sql"
no_plaintext "no secret in any table (instances, definitions, versions, audit)" "$tmp/dump.sql"
p=$(sqlite3 "$db" "SELECT params FROM instances WHERE id = $aid")
echo "$p" | grep -Eq '"db_password": "enc:v1:[0-9a-f]{8}:[A-Za-z0-9_-]{40,}"' &&
    echo "$p" | grep -q '"region": "US"' &&
    pass "instances.params: the secret as enc:v1:<key id>:<base64url>, the rest in clear" ||
    fail "instances.params: the secret as enc:v1:<key id>:<base64url>, the rest in clear ($p)"
kid=$("$D" key list --db "$db" | sed -n 's/ (encrypts)//p')
[ "$(grep -o "enc:v1:[0-9a-f]*" "$tmp/dump.sql" | sort -u)" = "enc:v1:$kid" ] &&
    pass "every stored secret names the key file's key $kid" ||
    fail "every stored secret names the key file's key $kid" "$tmp/dump.sql"

# ---- a missing key file ----------------------------------------------------------------
mv "$key" "$tmp/key.saved"
if "$B" submit sec -p "db_password=x" --db "$db" >"$tmp/s.out" 2>&1; then
    fail "batchctl submit of a secret without the key file is refused" "$tmp/s.out"
else
    grep -q "$key is missing" "$tmp/s.out" && [ ! -f "$key" ] &&
        pass "batchctl submit of a secret without the key file: refused, naming the file" ||
        fail "batchctl submit of a secret without the key file: refused, naming the file" "$tmp/s.out"
fi
start "$tmp/d2.log"
mid=$(submit_id sec)
wait_for 60 is_state "$mid" "Start Failed" && kill -0 "$daemon_pid" 2>/dev/null &&
    "$B" instance get "$mid" --db "$db" | grep -q "cannot decrypt: the key file $key is missing" &&
    pass "missing key file: a run needing a secret is Start Failed, saying the key file is missing" ||
    fail "missing key file: a run needing a secret is Start Failed, saying the key file is missing" "$tmp/d2.log"
grep '"level": "error"' "$tmp/d2.log" | grep -q "the key file $key is missing" && [ ! -f "$key" ] &&
    pass "missing key file: an error at start naming the file; no new key made over it" ||
    fail "missing key file: an error at start naming the file; no new key made over it" "$tmp/d2.log"
[ ! -f "$tmp/out/$mid" ] && pass "missing key file: the job did not run" || fail "missing key file: the job did not run"
stop

# ---- a wrong key file: another key, then a readable-by-others mode -----------------------
"$D" key rotate --secrets-key "$tmp/other.key" >/dev/null 2>&1
cp "$tmp/other.key" "$key"
start "$tmp/d3.log"
wid=$(submit_id sec)
wait_for 60 is_state "$wid" "Start Failed" &&
    "$B" instance get "$wid" --db "$db" | grep -q "key $kid is not in the key file $key" &&
    pass "wrong key file: Start Failed, naming the missing key and the file" ||
    fail "wrong key file: Start Failed, naming the missing key and the file" "$tmp/d3.log"
grep '"level": "error"' "$tmp/d3.log" | grep -q "the key file $key does not hold key $kid" &&
    pass "wrong key file: an error at start naming the file and the key" ||
    fail "wrong key file: an error at start naming the file and the key" "$tmp/d3.log"
stop
cp "$tmp/key.saved" "$key"
chmod 644 "$key"
start "$tmp/d4.log"
wait_for 60 grep -q 'has mode 0644' "$tmp/d4.log" && kill -0 "$daemon_pid" 2>/dev/null &&
    pass "a key file others can read: an error at start naming the file, no crash" ||
    fail "a key file others can read: an error at start naming the file, no crash" "$tmp/d4.log"
stop
chmod 600 "$key"

# ---- rotation: a second key encrypts, the first still decrypts ---------------------------
new=$("$D" key rotate --db "$db" 2>"$tmp/rot.err")
[ "$("$D" key list --db "$db" | tr '\n' ' ')" = "$new (encrypts) $kid " ] &&
    pass "batchd key rotate adds a new key in front of the old one" ||
    fail "batchd key rotate adds a new key in front of the old one" "$tmp/rot.err"
start "$tmp/d5.log"
rid=$(submit_id sec -p "db_password=$CLI")
"$B" export "$tmp/export2" --db "$db" >/dev/null 2>&1
"$B" apply "$tmp/export2" --db "$db" >"$tmp/apply4.out" 2>&1
oid=$(submit_id sec)
wait_for 60 is_state "$rid" Success && [ "$(got "$rid")" = "$CLI|$ENV" ] &&
    wait_for 60 is_state "$oid" Success && [ "$(got "$oid")" = "$DEF|$ENV" ] &&
    pass "after rotation: new and re-encrypted secrets reach the child" ||
    fail "after rotation: new and re-encrypted secrets reach the child" "$tmp/d5.log"
stop
grep -q '1 changed' "$tmp/apply4.out" &&
    [ "$(sqlite3 "$db" "SELECT spec FROM definitions" | grep -o 'enc:v1:[0-9a-f]*' | sort -u)" = "enc:v1:$new" ] &&
    [ "$(sqlite3 "$db" "SELECT params FROM instances WHERE id = $rid" | grep -o 'enc:v1:[0-9a-f]*')" = "enc:v1:$new" ] &&
    pass "export + apply re-encrypts the definition with the new key; new values use it" ||
    fail "export + apply re-encrypts the definition with the new key; new values use it" "$tmp/apply4.out"

# ---- PostgreSQL: the same text form; batchctl finds the key as batchd does --------------
pgroot=$(mktemp -d /tmp/batchd-pg-XXXXXX)
if ! DSN=$("$pgs" start "$pgroot/pg" 2>"$tmp/pg.err") || [ -z "$DSN" ]; then
    fail "start a PostgreSQL server (needs the Debian package postgresql: make test-deps)" "$tmp/pg.err"
else
    export BATCHD_SECRETS_KEY="$tmp/pg-state/secrets.key"
    REPO=$DSN
    mkdir -p "$tmp/pgout"
    job_file "$tmp/pg.yaml" "$tmp/pgout"
    "$B" apply "$tmp/pg.yaml" --db "$DSN" >"$tmp/pgapply.out" 2>&1 ||
        fail "apply to PostgreSQL" "$tmp/pgapply.out"
    "$D" --db "$DSN" --state-dir "$tmp/pg-state" --listen off 2>>"$tmp/pgd.log" &
    daemon_pid=$!
    pid=$(submit_id sec -p "db_password=$CLI")
    wait_for 60 is_state "$pid" Success && [ "$(cat "$tmp/pgout/$pid" 2>/dev/null)" = "$CLI|$ENV" ] &&
        pass "PostgreSQL: the child gets the plaintext secrets" ||
        fail "PostgreSQL: the child gets the plaintext secrets" "$tmp/pgd.log"
    stop
    [ "$(stat -c %a "$BATCHD_SECRETS_KEY")" = 600 ] && pass "PostgreSQL: the key file has mode 0600" ||
        fail "PostgreSQL: the key file has mode 0600"
    PAGER=cat psql -X -q -A -t "$DSN" -c "SELECT params FROM instances" \
        -c "SELECT spec FROM definitions" -c "SELECT spec FROM definition_versions" \
        -c "SELECT coalesce(detail, '') FROM audit_log" >"$tmp/pg.dump" 2>&1
    no_plaintext "PostgreSQL: no secret in instances, definitions, versions or audit" "$tmp/pg.dump"
    grep -Eq '"db_password": "enc:v1:[0-9a-f]{8}:[A-Za-z0-9_-]{40,}"' "$tmp/pg.dump" &&
        grep -Eq 'API_TOKEN: "?enc:v1:[0-9a-f]{8}:' "$tmp/pg.dump" &&
        pass "PostgreSQL: the same enc:v1:<key id>:<base64url> form" ||
        fail "PostgreSQL: the same enc:v1:<key id>:<base64url> form" "$tmp/pg.dump"
fi

echo "secrets: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
