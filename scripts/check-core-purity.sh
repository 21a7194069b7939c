#!/bin/sh
# The scheduling rules in src/core/ are pure (STYLE.md §A): they include only the
# C library's pure headers and other core/common headers, and call no clock, file
# or process function. This fails the build when one slips in.
set -u
cd "$(dirname "$0")/.."
status=0
bad_headers='<(unistd|fcntl|time|pthread|sys/[a-z_]+|dirent|signal|errno)\.h>'
if grep -nE "#include $bad_headers" src/core/*.[ch]; then
    echo "check-core-purity: src/core includes an I/O header (above)" >&2
    status=1
fi
bad_calls='\b(time|clock_gettime|gettimeofday|localtime|localtime_r|gmtime|mktime|tzset|getenv|setenv|fopen|open|read|write|printf|fprintf|puts|malloc_stats|system|fork|exit|abort)[[:space:]]*\('
# String literals and comment lines are blanked first, so only code is searched.
found=0
for f in src/core/*.c; do
    hits=$(sed -e 's/"\([^"\\]\|\\.\)*"/""/g' -e 's|^[[:space:]]*/\?\*.*||' "$f" |
        grep -nE "$bad_calls")
    if [ -n "$hits" ]; then
        printf '%s\n' "$hits" | sed "s|^|$f:|"
        found=1
    fi
done
if [ $found -eq 1 ]; then
    echo "check-core-purity: src/core calls a clock, I/O or process function (above)" >&2
    status=1
fi
[ $status -eq 0 ] && echo "core purity: ok"
exit $status
