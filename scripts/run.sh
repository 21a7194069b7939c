#!/bin/sh
# `make run`: batchd on the example jobs: validates and applies examples/jobs/ to
# ./batchd.db, prints the plan of the next 24 hours (or, when nothing is due in them, each
# job's next due time), then runs batchd in the foreground with its REST API and web UI on
# 127.0.0.1:8080 (Ctrl-C stops it; runs go on and the next batchd supervises them). The
# example job `hello` is due every minute, so a first run goes green within a minute.
# BATCHD_LISTEN (ADDR:PORT) and BATCHD_RUN_DB (the repository, default ./batchd.db) change
# where; tests/cli/firstrun.sh runs this script with both.
set -eu
batchctl=${1:-build/batchctl}
batchd=$(dirname "$batchctl")/batchd
cd "$(dirname "$0")/.."
db=${BATCHD_RUN_DB:-./batchd.db}
listen=${BATCHD_LISTEN:-127.0.0.1:8080}
export BATCHD_LISTEN="$listen"
url="http://$listen"
# The token's name: who runs this, as the system knows them (USER may be unset, e.g. in a
# container or under sudo -i), so that the printed command works as shown.
me=${USER:-$(id -un 2>/dev/null || echo admin)}
echo "batchd $("$batchctl" --version | cut -d' ' -f2): the example jobs (examples/jobs/)"
"$batchctl" validate examples/jobs
echo
echo "Applying them to the embedded repository $db (SQLite):"
"$batchctl" apply examples/jobs --db "$db" --actor make-run | tail -n 1
"$batchctl" jobs list --db "$db"
echo
from=$(date -u +%Y-%m-%dT%H:%M:00Z)
to=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:00Z)
echo "The plan for the next 24 hours (the scheduler on a simulated clock; every run takes its"
echo "estimated_minutes and succeeds; hello (every minute) and the 30-minute interest-accrual"
echo "are left out here):"
"$batchctl" plan --db "$db" --from "$from" --to "$to" --exclude hello --exclude interest-accrual
echo
echo "Starting batchd on $db (logs below, one JSON object per line; Ctrl-C stops it)."
echo "The job hello is due at the start of every minute: its first run goes green within a"
echo "minute. Watch it in a browser, in the web UI's job monitor (docs/ui.md):"
echo "     $url/#/monitor?job=hello"
echo "To log in, create a token and paste it on the login page:"
echo "     $batchd token create --name $me-$(date +%Y%m%d-%H%M%S) --role admin --db $db   # prints it once"
echo "or watch from another terminal:"
echo "     $batchctl instances list --job hello --db $db"
echo "     $batchctl submit policy-reprice -p region=EU --db $db"
echo "     $batchctl instance get ID --db $db; $batchctl instance log ID --db $db"
echo "     $batchctl plan --db $db --from $from --to $to --outcome nightly-extract=failed"
echo "or through the REST API on $url/api/v1 (docs/api.md), with the same token:"
echo "     export BATCHD_URL=$url BATCHD_TOKEN=<the token>"
echo "     $batchctl instances list; $batchctl deps --date $(date -u +%Y-%m-%d)"
echo "     curl -H \"Authorization: Bearer \$BATCHD_TOKEN\" $url/api/v1/jobs"
echo
exec "$batchd" --db "$db"
