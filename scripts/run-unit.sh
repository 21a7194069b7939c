#!/bin/sh
# Runs the given unit-test binaries (cmocka), each in its own process with a time
# limit, and closes with one summary line "unit: N passed, M failed".
# Usage: scripts/run-unit.sh BINARY...
set -u
passed=0
failed=0
bad=""
for t in "$@"; do
    out=$(timeout 300 "$t" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -E '^\[  (PASSED|FAILED|  OK  |  ERROR )|^\[  FAILED  \]|FAIL|ERROR|runtime error|Sanitizer' || true
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' | awk '{s+=$1} END {print s+0}')
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' | awk '{s+=$1} END {print s+0}')
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "$(basename "$t"): exited with status $rc" >&2
        printf '%s\n' "$out" | tail -n 30 >&2
        failed=$((failed + 1))
    fi
    [ "$rc" -ne 0 ] && bad="$bad $(basename "$t")"
done
[ -n "$bad" ] && echo "failing:$bad"
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
