#!/bin/sh
# tests/http/submit.sh: batch_client_submit (seed 001's submitJob from C) against a real
# batchd with its API on 127.0.0.1: an operator token submits a job with a parameter
# override (the instance exists with it), an unknown job is BATCH_ENOENT, a viewer token
# BATCH_EAUTH (403), a wrong token BATCH_EAUTH (401), a bad job name BATCH_EINVAL without a
# request. Env: BUILD_DIR, SUBMIT_TOOL.
set -eu
B=${BUILD_DIR:?}
TOOL=${SUBMIT_TOOL:?}
T=$(mktemp -d /tmp/batch-submit-XXXXXX)
dpid=""
trap '[ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "client submit: FAIL: $*" >&2; exit 1; }
mkdir -p "$T/defs"
cat > "$T/defs/hello.yaml" <<'YAML'
kind: job
name: hello
type: manual
executor: {exec: {command: ["/bin/true"]}}
parameters: {region: EU, day: "1"}
YAML
"$B/batchctl" apply "$T/defs" --db "$T/r.db" >/dev/null || fail "apply"
OP=$("$B/batchd" token create --name op --role operator --db "$T/r.db" 2>/dev/null | head -n 1)
VW=$("$B/batchd" token create --name vw --role viewer --db "$T/r.db" 2>/dev/null | head -n 1)
[ -n "$OP" ] && [ -n "$VW" ] || fail "token create"
"$B/batchd" --db "$T/r.db" --listen 127.0.0.1:0 --state-dir "$T/state" --log-file "$T/d.log" 2>"$T/d.err" &
dpid=$!
n=0
until port=$(sed -n 's/.*API listening on [^ ]* (port \([0-9]*\)).*/\1/p' "$T/d.log" 2>/dev/null | head -n 1) &&
      [ -n "$port" ]; do
    n=$((n + 1)); [ $n -lt 600 ] || fail "batchd did not report its API port"
    sleep 0.1
done
URL="http://127.0.0.1:$port"

id=$(BATCH_TOKEN=$OP "$TOOL" "$URL" hello region=US 2>"$T/err") || { cat "$T/err" >&2; fail "submit"; }
[ "$id" -ge 1 ] || fail "no instance id: $id"
got=$(sqlite3 "$T/r.db" "SELECT json_extract(params, '\$.region') || ',' || job FROM instances WHERE id = $id")
[ "$got" = "US,hello" ] || fail "instance $id holds $got"

rc=$(BATCH_TOKEN=$OP "$TOOL" "$URL" nosuchjob 2>"$T/err" || true)
[ "$rc" = -2 ] || fail "unknown job: $rc $(cat "$T/err")"
grep -q 'submit nosuchjob: HTTP 404' "$T/err" || fail "unknown job message: $(cat "$T/err")"
rc=$(BATCH_TOKEN=$VW "$TOOL" "$URL" hello 2>"$T/err" || true)
[ "$rc" = -1108 ] || fail "viewer: $rc $(cat "$T/err")"
grep -q 'HTTP 403' "$T/err" || fail "viewer message: $(cat "$T/err")"
rc=$(BATCH_TOKEN=not-a-token "$TOOL" "$URL" hello 2>"$T/err" || true)
[ "$rc" = -1108 ] || fail "wrong token: $rc $(cat "$T/err")"
grep -q 'not-a-token' "$T/err" && fail "the token is in the message"
rc=$(BATCH_TOKEN=$OP "$TOOL" "$URL" 'Bad/Name' 2>"$T/err" || true)
[ "$rc" = -22 ] || fail "bad name: $rc"
[ "$(sqlite3 "$T/r.db" "SELECT count(*) FROM instances")" = 1 ] || fail "more than one instance"
echo "client submit: submit, unknown job, viewer, wrong token, bad name: ok"
