#!/bin/sh
# bench_ui.sh: the web UI's budget of issue 16 (docs/performance.md, "The web UI"):
# the monitor with 100,000 instances in its range, from a repository of INSTANCES
# (default 1,000,000) instances: 10,000 daily jobs jNNNNN (due at second 8 * NNNNN of
# the day, UTC, one in 50 Failed, each with an execution) over INSTANCES / 10,000 days up
# to now, written with sqlite3 as in bench_api.sh. batchd runs on the real clock.
#   1. The monitor's data: GET /api/v1/instances?from=(10 days ago)&to=now&order=due
#      &limit=50 (the 100,000 instances of the last 10 days, the latest due first, as the
#      monitor asks), its first page and REQS pages deeper by their cursors, then with a
#      state filter (failed) and a job filter; and the first page by id (order=newest)
#      for comparison. Each request timed by curl (time_total) on loopback, one at a
#      time, REQS of each kind: p50, p95, max.
#   2. The grid: GET /api/v1/grid?days=14&limit=50 (a page of 50 of the 10,000 jobs x
#      14 days, as the UI asks), pages deeper by cursor, and a group's 100 jobs x 7 days
#      in one page: timed the same way.
#   3. The UI's page and script as served (curl, the same way; the script also
#      gzip-encoded, as a browser gets it), then the first page load
#      in headless Chromium (Debian's, driven by playwright-core from
#      ui/node_modules): a fresh browser context (empty cache) opens the monitor
#      (#/monitor, last 10 days) with the token in sessionStorage: the navigation's
#      timings (DOMContentLoaded, load), when the last of the page's files (/ui/...)
#      had arrived, and the time until the 50 rows are drawn, LOADS
#      times: p50, p95, max; the monitor drawn (its table: the page's module has run);
#      and three floors in the same rounds: the same fresh context loading a page of a
#      few bytes as a data: URL, over HTTP from a loopback server in Node, and batchd's
#      own page with JavaScript off (the page and its CSS from the same server), and
#      the DOMContentLoaded above that last floor round by round (the script's share).
# BEFORE=PATH (a batchd built from another commit, e.g. main's): a second batchd on a
# copy of the repository, whose first loads alternate with this one's load by load
# (A B, B A, ...), each reported apart, and their differences paired by round: a
# before/after measured in the same minutes.
# Asserts nothing about time. Usage: [BEFORE=BATCHD] bench/bench_ui.sh BATCHCTL [INSTANCES] [REQS] [LOADS]
set -eu
B=${1:?batchctl}
D=$(dirname "$B")/batchd
INST=${2:-1000000}
REQS=${3:-200}
LOADS=${4:-20}
N=10000
DAYS=$(((INST + N - 1) / N))
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
for tool in sqlite3 curl jq gzip; do
    command -v "$tool" >/dev/null || { echo "bench_ui: needs $tool" >&2; exit 1; }
done
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ] || [ ! -d "$SRC/ui/node_modules/playwright-core" ] || ! command -v node >/dev/null; then
    "$SRC/scripts/install-deps.sh" ui >/dev/null
    (cd "$SRC/ui" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    CHROMIUM=$(command -v chromium || command -v chromium-browser)
fi
tmp=$(mktemp -d)
pid=""
pid_before=""
trap 'for p in $pid $pid_before; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
awk -v n="$N" 'BEGIN {
    for (j = 0; j < n; j++) {
        t = (j * 8) % 86400
        printf "kind: job\nname: j%05d\ngroup: g%02d\ntrigger: {cron: \"%d %d %d * * *\"}\n", j, j % 100, t % 60, int(t / 60) % 60, int(t / 3600)
        printf "executor: {exec: {command: [/bin/true]}}\n---\n"
    }
}' >"$tmp/jobs.yaml"
"$B" apply "$tmp/jobs.yaml" --db "$tmp/r.db" >/dev/null
t0=$(date +%s.%N)
sqlite3 "$tmp/r.db" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
BEGIN;
CREATE TEMP TABLE jobs AS
  WITH RECURSIVE j(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM j WHERE k < $N - 1)
  SELECT k, printf('j%05d', k) AS name, (k * 8) % 86400 AS tod FROM j;
CREATE TEMP TABLE days AS
  WITH RECURSIVE d(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM d WHERE k < $DAYS - 1)
  SELECT k FROM d;
INSERT INTO instances(tenant, job, scheduled, due_time, first_due, last_due, state, reason,
                      params, trace_id, created_at, updated_at)
  SELECT 'default', j.name, 1, due, due, due, 5, NULL, NULL, lower(hex(randomblob(16))), due, due + 2
  FROM (SELECT j.name AS name,
               (CAST(strftime('%s', 'now') AS INTEGER) - 120 -
                ((CAST(strftime('%s', 'now') AS INTEGER) - 120 - j.tod) % 86400)) - d.k * 86400 AS due
        FROM days d, jobs j ORDER BY due DESC LIMIT $INST) AS j ORDER BY due;
UPDATE instances SET state = 6, reason = 'exit status 1' WHERE id % 50 = 0;
INSERT INTO executions(instance_id, attempt, node, pid, log_path, started_at, finished_at,
                       exit_status, error)
  SELECT id, 1, NULL, 4242, 'logs/' || id || '-4242.log', due_time, due_time + 1,
         CASE state WHEN 5 THEN 0 ELSE 1 END, NULL FROM instances;
COMMIT;
SQL
t1=$(date +%s.%N)
ninst=$(sqlite3 "$tmp/r.db" "select count(*) from instances")
now=$(date -u +%s)
from=$((now - 10 * 86400))
inrange=$(sqlite3 "$tmp/r.db" "select count(*) from instances where due_time >= $from")
size=$(du -m "$tmp/r.db" | cut -f1)
. "$(dirname "$0")/lib/api_daemon.sh"
targets=""
if [ -n "${BEFORE:-}" ]; then
    sqlite3 "$tmp/r.db" ".backup '$tmp/before.db'"
    mkdir -p "$tmp/before"
    api_daemon_start bench_ui "$BEFORE" "$tmp/before.db" "$tmp/before"
    pid_before=$pid
    targets="before $url $token;"
    pid=""
fi
api_daemon_start bench_ui "$D" "$tmp/r.db" "$tmp"
[ -z "$targets" ] || targets="${targets}this $url $token"
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
FROM=$(iso "$from")
TO=$(iso $((now + 120)))
printf 'bench_ui: %s instances (%s in the last 10 days) in %s MB, written in %.1f s; batchd on %s\n' \
    "$ninst" "$inrange" "$size" "$(echo "$t1 - $t0" | bc)" "$url"

# stats FILE: p50 p95 max of the seconds in FILE, as milliseconds.
stats() {
    sort -n "$1" | awk '{ v[NR] = $1 } END {
        p50 = v[int(NR * 0.50 + 0.5)]; p95 = v[int(NR * 0.95 + 0.5)]; if (!p50) p50 = v[1]
        printf "%8.1f %8.1f %8.1f %5d", p50 * 1000, p95 * 1000, v[NR] * 1000, NR }'
}
# timed NAME URLS_FILE [HEADER]: each URL once, one at a time (with HEADER too, when
# given); a row of the table.
timed() {
    : >"$tmp/t"
    while read -r u; do
        curl -s -o "$tmp/body" -w '%{time_total} %{http_code}\n' -H "Authorization: Bearer $token" \
            ${3:+-H "$3"} "$url$u" >>"$tmp/t.raw"
        tail -n 1 "$tmp/t.raw" | { read -r s c; [ "$c" = 200 ] || echo "bench_ui: $u: HTTP $c" >&2; echo "$s"; } >>"$tmp/t"
    done <"$2"
    printf '%-44s %s\n' "$1" "$(stats "$tmp/t")"
}
base="/api/v1/instances?from=$FROM&to=$TO&order=due&limit=50"
# URLs: the first page REQS times; pages deeper by following cursors (REQS pages, in
# order); failed only; one job; the first page by id.
: >"$tmp/u.first"; : >"$tmp/u.deep"; : >"$tmp/u.failed"; : >"$tmp/u.job"; : >"$tmp/u.id"
i=0
while [ "$i" -lt "$REQS" ]; do
    echo "$base" >>"$tmp/u.first"
    echo "$base&failed=true" >>"$tmp/u.failed"
    printf '%s&job=j%05d\n' "$base" $(( (i * 7919) % N )) >>"$tmp/u.job"
    echo "/api/v1/instances?from=$FROM&to=$TO&order=newest&limit=50" >>"$tmp/u.id"
    i=$((i + 1))
done
# pages URL_BASE COUNT OUT: COUNT pages following next_cursor, their URLs in OUT.
pages() {
    cur=""
    i=0
    : >"$3"
    while [ "$i" -lt "$2" ]; do
        u="$1${cur:+&cursor=$cur}"
        echo "$u" >>"$3"
        cur=$(curl -s -H "Authorization: Bearer $token" "$url$u" | jq -r '.next_cursor // empty')
        [ -n "$cur" ] || break
        i=$((i + 1))
    done
}
pages "$base" "$REQS" "$tmp/u.deep"
printf '%-44s %8s %8s %8s %5s\n' "request (loopback, one at a time)" "p50 ms" "p95 ms" "max ms" "n"
timed "monitor page 1 (100k in range, order=due)" "$tmp/u.first"
timed "monitor pages 1..$REQS by cursor" "$tmp/u.deep"
timed "monitor, failed only" "$tmp/u.failed"
timed "monitor, one job" "$tmp/u.job"
timed "page 1 by id (order=newest), for comparison" "$tmp/u.id"
: >"$tmp/u.page"; : >"$tmp/u.js"
i=0
while [ "$i" -lt "$REQS" ]; do
    echo "/" >>"$tmp/u.page"
    echo "/ui/app.js" >>"$tmp/u.js"
    i=$((i + 1))
done
timed "GET / (the page, $(wc -c <"$SRC/ui/dist/index.html") bytes)" "$tmp/u.page"
timed "GET /ui/app.js ($((($(wc -c <"$SRC/ui/dist/app.js") + 500) / 1000)) KB)" "$tmp/u.js"
timed "GET /ui/app.js, Accept-Encoding: gzip ($((($(gzip -9 -n -c "$SRC/ui/dist/app.js" | wc -c) + 500) / 1000)) KB)" \
    "$tmp/u.js" "Accept-Encoding: gzip"
pages "/api/v1/grid?days=14&limit=50" 20 "$tmp/u.gpages"
: >"$tmp/u.grid"; : >"$tmp/u.grid7"
i=0
while [ "$i" -lt 20 ]; do
    echo "/api/v1/grid?days=14&limit=50" >>"$tmp/u.grid"
    printf '/api/v1/grid?days=7&limit=100&group=g%02d\n' "$i" >>"$tmp/u.grid7"
    i=$((i + 1))
done
timed "grid page 1: 50 jobs x 14 days" "$tmp/u.grid"
timed "grid pages 1..20 by cursor" "$tmp/u.gpages"
timed "grid: a group's 100 jobs x 7 days" "$tmp/u.grid7"
printf 'grid page answer: %s bytes; monitor page answer: %s bytes\n' \
    "$(curl -s -H "Authorization: Bearer $token" "$url/api/v1/grid?days=14&limit=50" | wc -c)" \
    "$(curl -s -H "Authorization: Bearer $token" "$url$base" | wc -c)"
printf 'load average before the browser: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

# The first page load in Chromium.
BASE=$url TOKEN=$token TARGETS=$targets CHROMIUM=$CHROMIUM LOADS=$LOADS UI_DIR="$SRC/ui" FROM=$FROM TO=$TO \
    node "$HERE/bench_ui_load.mjs"
printf 'load average after the browser: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
