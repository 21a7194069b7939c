#!/bin/sh
# `make run`: batchd on the example jobs: validates and applies examples/jobs/ to
# ./batchd.db, prints the plan of the next 24 hours, then runs batchd in the foreground
# with its REST API on 127.0.0.1:8080 (Ctrl-C stops it; runs go on and the next batchd
# supervises them).
set -eu
batchctl=${1:-build/batchctl}
batchd=$(dirname "$batchctl")/batchd
cd "$(dirname "$0")/.."
echo "batchd $("$batchctl" --version | cut -d' ' -f2): the example jobs (examples/jobs/)"
"$batchctl" validate examples/jobs
echo
echo "Applying them to the embedded repository ./batchd.db (SQLite):"
"$batchctl" apply examples/jobs --db ./batchd.db --actor make-run | tail -n 1
"$batchctl" jobs list --db ./batchd.db
echo
from=$(date -u +%Y-%m-%dT%H:%M:00Z)
to=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:00Z)
echo "The plan for the next 24 hours (the scheduler on a simulated clock; every run takes its"
echo "estimated_minutes and succeeds; the 30-minute interest-accrual job is left out here):"
"$batchctl" plan --db ./batchd.db --from "$from" --to "$to" | grep -v '^interest-accrual '
echo
echo "Starting batchd on ./batchd.db (logs below, one JSON object per line; Ctrl-C stops it)."
echo "Watch it from another terminal:"
echo "     $batchctl instances list --db ./batchd.db"
echo "     $batchctl submit policy-reprice -p region=EU --db ./batchd.db"
echo "     $batchctl instance get ID --db ./batchd.db; $batchctl instance log ID --db ./batchd.db"
echo "     $batchctl plan --db ./batchd.db --from $from --to $to --outcome nightly-extract=failed"
echo "or in a browser: the web UI on http://127.0.0.1:8080/ (docs/ui.md): create a token, paste it"
echo "on the login page:"
echo "     $batchd token create --name \$USER --role admin --db ./batchd.db   # prints it once"
echo "or through its REST API on http://127.0.0.1:8080/api/v1 (docs/api.md), with the same token:"
echo "     export BATCHD_URL=http://127.0.0.1:8080 BATCHD_TOKEN=<the token>"
echo "     $batchctl instances list; $batchctl deps --date $(date -u +%Y-%m-%d)"
echo "     curl -H \"Authorization: Bearer \$BATCHD_TOKEN\" http://127.0.0.1:8080/api/v1/jobs"
echo
exec "$batchd" --db ./batchd.db
