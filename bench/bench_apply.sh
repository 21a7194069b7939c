#!/bin/sh
# Times `batchctl apply` of N job files (default 10000) into a new SQLite repository,
# the same apply again (all unchanged), and `batchctl jobs list` of them. Prints wall
# times; asserts nothing (docs/performance.md).
set -eu
B=${1:-build/batchctl}
n=${2:-10000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/jobs"
i=0
while [ $i -lt "$n" ]; do
    p=$((i - 1))
    dep=""
    [ $((i % 10)) -ne 0 ] && dep="depends_on: [{job: job-$p}]"
    cat >"$tmp/jobs/job-$i.yaml" <<YAML
name: job-$i
group: g$((i % 50))
executor: {exec: {command: [/bin/true]}}
trigger: {cron: "*/5 * * * *", timezone: Europe/Berlin}
estimated_minutes: 1
$dep
YAML
    i=$((i + 1))
done
now() { date +%s.%N; }
t0=$(now); "$B" apply "$tmp/jobs" --db "$tmp/r.db" >/dev/null; t1=$(now)
"$B" apply "$tmp/jobs" --db "$tmp/r.db" >/dev/null; t2=$(now)
"$B" jobs list --db "$tmp/r.db" >/dev/null; t3=$(now)
"$B" validate "$tmp/jobs" >/dev/null; t4=$(now)
echo "apply of $n new job files:        $(awk "BEGIN { printf \"%.3f\", $t1 - $t0 }") s"
echo "apply again (all unchanged):       $(awk "BEGIN { printf \"%.3f\", $t2 - $t1 }") s"
echo "jobs list of $n jobs:              $(awk "BEGIN { printf \"%.3f\", $t3 - $t2 }") s"
echo "validate of $n job files:          $(awk "BEGIN { printf \"%.3f\", $t4 - $t3 }") s"
