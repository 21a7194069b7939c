#!/bin/sh
# Builds every SDK example (examples/sdk/*.c) out of the tree against an installed SDK,
# exactly as docs/sdk.md says: `cc prog.c $(pkg-config --cflags --libs batch)` with the
# shared library, and `pkg-config --static` against libbatch.a alone; then runs each set
# through examples/sdk/run.sh (their outcomes checked there).
# Usage: pkgconfig.sh PREFIX   (a `make install PREFIX=...`; BATCHCTL names batchctl)
# Closes with "sdk-pkgconfig: N passed, M failed".
set -u
prefix=${1:?usage: pkgconfig.sh PREFIX}
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${BATCHCTL:?set BATCHCTL to the batchctl binary}"
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
. "$root/tests/lib.sh"

# The static set sees a copy of the installed SDK without libbatch.so, so that -lbatch can
# only be libbatch.a.
cp -a "$prefix" "$tmp/static-prefix"
rm -f "$tmp/static-prefix"/lib/libbatch.so*
sed -i "s|$prefix|$tmp/static-prefix|g" "$tmp/static-prefix/lib/pkgconfig/batch.pc"

mkdir -p "$tmp/src" "$tmp/shared/examples" "$tmp/static/examples"
n=0
for src in "$root"/examples/sdk/*.c; do
    name=$(basename "$src" .c)
    cp "$src" "$tmp/src/"
    n=$((n + 1))
    # Out of the tree: the source alone in a directory of its own, no -I or -L of ours.
    # The prefix is not in the dynamic linker's path: an rpath, as docs/sdk.md says (batchd
    # runs jobs with a clean environment, so LD_LIBRARY_PATH would not reach them).
    pc="env PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config"
    if (cd "$tmp/src" &&
        cc -std=c17 -Wall -Wextra -Werror "$name.c" $($pc --cflags --libs batch) \
            -Wl,-rpath,"$($pc --variable=libdir batch)" -o "$tmp/shared/examples/$name") \
        >"$tmp/cc.err" 2>&1; then
        pass "$name: cc $name.c \$(pkg-config --cflags --libs batch)"
    else
        fail "$name: cc $name.c \$(pkg-config --cflags --libs batch)" "$tmp/cc.err"
    fi
    ldd "$tmp/shared/examples/$name" 2>&1 | grep -qF "$prefix/lib/libbatch.so.0" &&
        pass "$name: uses the installed libbatch.so.0" ||
        { ldd "$tmp/shared/examples/$name" >"$tmp/ldd" 2>&1; fail "$name: uses the installed libbatch.so.0" "$tmp/ldd"; }
    if (cd "$tmp/src" &&
        cc -std=c17 -Wall -Wextra -Werror "$name.c" \
            $(PKG_CONFIG_PATH="$tmp/static-prefix/lib/pkgconfig" pkg-config --static --cflags --libs batch) \
            -o "$tmp/static/examples/$name") >"$tmp/cc.err" 2>&1; then
        pass "$name: cc $name.c \$(pkg-config --static --cflags --libs batch) (libbatch.a)"
    else
        fail "$name: cc $name.c \$(pkg-config --static --cflags --libs batch) (libbatch.a)" "$tmp/cc.err"
    fi
    ! ldd "$tmp/static/examples/$name" 2>&1 | grep -q libbatch && pass "$name: static build needs no libbatch.so" ||
        { ldd "$tmp/static/examples/$name" >"$tmp/ldd" 2>&1; fail "$name: static build needs no libbatch.so" "$tmp/ldd"; }
done
[ "$n" -ge 2 ] && pass "$n examples found" || fail "examples found: $n"

SDK_BUILD="$tmp/shared" "$root/examples/sdk/run.sh" >"$tmp/run.out" 2>&1 &&
    pass "the shared builds pass examples/sdk/run.sh" || fail "the shared builds pass examples/sdk/run.sh" "$tmp/run.out"
SDK_BUILD="$tmp/static" "$root/examples/sdk/run.sh" >"$tmp/run.out" 2>&1 &&
    pass "the static builds pass examples/sdk/run.sh" || fail "the static builds pass examples/sdk/run.sh" "$tmp/run.out"

echo "sdk-pkgconfig: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
