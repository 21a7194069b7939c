#!/bin/sh
# `make run`: what batchd can do today, on the example jobs: for every scheduled job
# in examples/jobs/, its trigger in plain English and its next fire times.
# Reads each job's flow-style `trigger: {cron: "...", timezone: ...}` line.
set -eu
batchctl=${1:-build/batchctl}
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
echo "Try: $batchctl cron next '30 2 * * *' --tz Europe/Berlin --from 2026-03-28T00:00:00Z"
echo "     $batchctl plan --db ./batchd.db --from $from --to $to --outcome nightly-extract=failed"
echo "     $batchctl jobs history nightly-load --db ./batchd.db"
echo "     $batchctl export /tmp/batchd-export --db ./batchd.db"
