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
echo "Next fire times of each trigger (the scheduler, which applies calendars, windows and dependencies, is not built yet):"
for f in examples/jobs/*.yaml; do
    awk '
        /^---/ { name = "" }
        /^name:/ { name = $2 }
        /^trigger:/ {
            line = $0
            cron = line; sub(/.*cron: *"/, "", cron); sub(/".*/, "", cron)
            tz = "UTC"
            if (line ~ /timezone:/) { tz = line; sub(/.*timezone: */, "", tz); sub(/[ ,}].*/, "", tz) }
            printf "%s\t%s\t%s\n", name, cron, tz
        }' "$f"
done | while IFS="$(printf '\t')" read -r name cron tz; do
    printf '%s  [%s]  %s\n' "$name" "$cron" "$("$batchctl" cron explain "$cron" --tz "$tz")"
    "$batchctl" cron next "$cron" --tz "$tz" -n 3 | sed 's/^/    /'
done
echo
echo "Try: $batchctl cron next '30 2 * * *' --tz Europe/Berlin --from 2026-03-28T00:00:00Z"
echo "     $batchctl jobs history nightly-load --db ./batchd.db"
echo "     $batchctl export /tmp/batchd-export --db ./batchd.db"
