#!/bin/sh
# tests/http/alert.sh: the seed's alert "token refresh fails more than twice in a single
# batch job". batchd runs workorder-sync against the work-order API with access tokens of
# 1 s and every refresh refused (--refuse-refresh), over 400 work orders at 10 ms each on
# one thread (at least 4 s, so at least 3 proactive refreshes are due and refused, each
# followed by a re-login): the run succeeds, its stored metrics say refresh_failures > 2,
# and batchd records one token_refresh_failures alert for the instance. (The negative
# case — no alert for a run with at most 2 — is checked by tests/http/e2e.sh.)
# Env: BUILD_DIR, WO_SERVER, WO_SYNC.
set -eu
B=${BUILD_DIR:?}
C=$B/batchctl
T=$(mktemp -d /tmp/batch-wo-alert-XXXXXX)
spid=""
dpid=""
trap '[ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null;
      [ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "http alert: FAIL: $*" >&2; exit 1; }
q() { sqlite3 -cmd ".timeout 60000" "$T/r.db" "$1" 2>/dev/null || true; }
WO_S=alert-secret "${WO_SERVER:?}" --port-file "$T/port" --workorders 400 --access-ttl 1 \
    --refuse-refresh --leeway 0 --latency-ms 10 --client-id batch --client-secret-env WO_S \
    2>"$T/server.log" &
spid=$!
n=0
until [ -s "$T/port" ]; do n=$((n + 1)); [ $n -lt 600 ] || fail "server start"; sleep 0.1; done
API="http://127.0.0.1:$(cat "$T/port")"
mkdir -p "$T/defs"
cat > "$T/defs/sync.yaml" <<EOF
kind: job
name: sync-long
type: manual
executor:
  exec:
    command: ["${WO_SYNC:?}"]
    env: {WO_CLIENT_SECRET: alert-secret}
parameters: {api: "$API", threads: "1"}
EOF
"$C" apply "$T/defs" --db "$T/r.db" >/dev/null || fail "apply"
BATCHD_LISTEN=off "$B/batchd" --db "$T/r.db" --state-dir "$T/state" --log-file "$T/d.log" &
dpid=$!
"$C" submit sync-long --db "$T/r.db" >/dev/null || fail "submit"
n=0
until [ "$(q "SELECT state FROM instances WHERE id = 1")" = 5 ]; do
    n=$((n + 1)); [ $n -lt 1200 ] || fail "sync-long did not succeed within 120 s"
    sleep 0.1
done
rf=$(q "SELECT json_extract(metrics, '\$.refresh_failures') FROM step_executions")
[ "$rf" -gt 2 ] || fail "the stored metrics show $rf refresh failures"
[ "$(q "SELECT count(*) FROM alerts WHERE kind = 'token_refresh_failures' AND instance_id = 1")" = 1 ] ||
    fail "no token_refresh_failures alert: $(q "SELECT kind, message FROM alerts")"
q "SELECT message FROM alerts WHERE kind = 'token_refresh_failures'" |
    grep -q "sync-long: instance 1: the run's API token refresh failed $rf times (more than 2)" ||
    fail "alert message: $(q "SELECT message FROM alerts")"
echo "http alert: sync-long: $rf refresh failures, one token_refresh_failures alert"
