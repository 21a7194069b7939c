#!/bin/sh
# bench/http/run.sh: updates per second through the SDK's HTTP client against the example
# work-order API on loopback, with 8 threads (and 1 and 4 for comparison); the figures go
# to docs/performance.md by hand. Env: WO_SERVER, BENCH_HTTP (the bench binary).
set -eu
ITEMS=${BENCH_HTTP_ITEMS:-100000}
T=$(mktemp -d /tmp/batch-bench-http-XXXXXX)
spid=""
trap '[ -n "$spid" ] && kill "$spid" 2>/dev/null; rm -rf "$T"' EXIT
for threads in 1 4 8; do
    rm -f "$T/port"
    WO_SECRET=bench "${WO_SERVER:?}" --port-file "$T/port" --workorders "$ITEMS" \
        --access-ttl 600 --client-id batch --client-secret-env WO_SECRET 2>/dev/null &
    spid=$!
    n=0
    until [ -s "$T/port" ]; do n=$((n + 1)); [ $n -lt 600 ] || exit 1; sleep 0.1; done
    WO_SECRET=bench "${BENCH_HTTP:?}" "http://127.0.0.1:$(cat "$T/port")" "$threads" "$ITEMS"
    kill "$spid"; wait "$spid" 2>/dev/null || true; spid=""
done
