#!/bin/sh
# The Debian packages (docs/packaging.md) that `make deb` left in DEB_DIR: their metadata
# and contents (dpkg-deb -I / -c), lintian without error or warning, then the three
# installed with dpkg into a throwaway root (maintainer scripts run outside a chroot with
# DPKG_ROOT, so the batchd user is created in that root's /etc/passwd and nothing is
# enabled), batchd started there as `batchd --config ROOT/etc/batchd/batchd.yaml`
# without systemd, a job run through the installed batchctl, and the SDK examples built
# with pkg-config against the installed libbatch-dev. Nothing outside the throwaway root
# and a scratch directory is touched.
# Usage: deb.sh DEB_DIR VERSION. Closes with "deb: N passed, M failed".
set -u
dir=${1:?usage: deb.sh DEB_DIR VERSION}
version=${2:?usage: deb.sh DEB_DIR VERSION}
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$src/tests/lib.sh"
scratch_daemon_test
arch=$(dpkg --print-architecture)
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
deb_d="$dir/batchd_${version}_$arch.deb"
deb_l="$dir/libbatch0_${version}_$arch.deb"
deb_dev="$dir/libbatch-dev_${version}_$arch.deb"

# has FILE LINE...: every LINE is a whole line of FILE
has() { f=$1; shift; for l in "$@"; do grep -qxF -- "$l" "$f" || { echo "missing: $l" >>"$tmp/why"; return 1; }; done; }
field() { dpkg-deb -f "$1" "$2"; }

for d in "$deb_d" "$deb_l" "$deb_dev"; do
    [ -f "$d" ] && pass "built: $(basename "$d")" || fail "built: $(basename "$d")"
done

# --- batchd ------------------------------------------------------------------------
: >"$tmp/why"
[ "$(field "$deb_d" Package) $(field "$deb_d" Version) $(field "$deb_d" Architecture)" = "batchd $version $arch" ] &&
    field "$deb_d" Depends | tr ',' '\n' | sed 's/^ *//; s/ (.*//' >"$tmp/deps" &&
    has "$tmp/deps" libc6 libsqlite3-0 libyaml-0-2 libsodium23 libmicrohttpd12 libjansson4 libcurl4 libxlsxwriter4 tzdata \
        'systemd | systemd-standalone-sysusers | systemd-sysusers' &&
    [ "$(field "$deb_d" Recommends)" = libpq5 ] &&
    pass "batchd: control (version, library dependencies, sysusers, libpq5 recommended)" ||
    { field "$deb_d" Depends >>"$tmp/why"; fail "batchd: control (version, library dependencies, sysusers, libpq5 recommended)" "$tmp/why"; }
dpkg-deb -c "$deb_d" | awk '{print $1, $2, $6}' | sed 's| \./| /|; s|/$||' >"$tmp/c.batchd"
: >"$tmp/why"
has "$tmp/c.batchd" \
    "-rwxr-xr-x root/root /usr/sbin/batchd" \
    "-rwxr-xr-x root/root /usr/bin/batchctl" \
    "-rwxr-xr-x root/root /usr/libexec/batchd/bdspawn" \
    "-rw-r--r-- root/root /usr/share/man/man1/batchctl.1.gz" \
    "-rw-r--r-- root/root /usr/share/man/man5/batchd.yaml.5.gz" \
    "-rw-r--r-- root/root /usr/share/man/man8/batchd.8.gz" \
    "-rw-r--r-- root/root /usr/share/bash-completion/completions/batchctl" \
    "-rw-r--r-- root/root /usr/share/zsh/vendor-completions/_batchctl" \
    "-rw-r--r-- root/root /etc/batchd/batchd.yaml" \
    "-rw-r--r-- root/root /lib/systemd/system/batchd.service" \
    "-rw-r--r-- root/root /usr/lib/sysusers.d/batchd.conf" \
    "-rw-r--r-- root/root /usr/share/doc/batchd/copyright" \
    "-rw-r--r-- root/root /usr/share/doc/batchd/README.md.gz" &&
    ! grep -q -e '/include/' -e 'libbatch' "$tmp/c.batchd" &&
    pass "batchd: programs, spawner, man pages, completions, config, unit, sysusers (no SDK files)" ||
    { cat "$tmp/c.batchd" >>"$tmp/why"; fail "batchd: programs, spawner, man pages, completions, config, unit, sysusers (no SDK files)" "$tmp/why"; }
dpkg-deb --ctrl-tarfile "$deb_d" | tar -xOf - ./conffiles >"$tmp/conffiles"
[ "$(cat "$tmp/conffiles")" = /etc/batchd/batchd.yaml ] && pass "batchd: /etc/batchd/batchd.yaml is a conffile" ||
    fail "batchd: /etc/batchd/batchd.yaml is a conffile" "$tmp/conffiles"
dpkg-deb --ctrl-tarfile "$deb_d" | tar -xOf - ./postinst >"$tmp/postinst"
# No start (deb-systemd-invoke); whether it enables is seen by installing it, below.
grep -q 'systemd-sysusers .*batchd.conf' "$tmp/postinst" && ! grep -q 'deb-systemd-invoke' "$tmp/postinst" &&
    pass "batchd: postinst creates the user (systemd-sysusers) and does not start batchd" ||
    fail "batchd: postinst creates the user (systemd-sysusers) and does not start batchd" "$tmp/postinst"

# --- libbatch0, libbatch-dev ---------------------------------------------------------
dpkg-deb -c "$deb_l" | awk '{print $1, $6}' | sed 's| \./| /|' | grep -v '/$' >"$tmp/c.lib"
[ "$(field "$deb_l" Section) $(field "$deb_l" Multi-Arch)" = "libs same" ] &&
    [ "$(grep -c "^-" "$tmp/c.lib")" = 3 ] && grep -qx -- "-rw-r--r-- /usr/lib/$ma/libbatch.so.0" "$tmp/c.lib" &&
    field "$deb_l" Depends | grep -q 'libsqlite3-0' &&
    pass "libbatch0: libbatch.so.0 (and its copyright, changelog), Multi-Arch: same" ||
    { dpkg-deb -I "$deb_l" >>"$tmp/c.lib"; fail "libbatch0: libbatch.so.0, Multi-Arch: same" "$tmp/c.lib"; }
dpkg-deb -c "$deb_dev" | awk '{print $1, $6, $7, $8}' | sed 's| \./| /|; s/ *$//' >"$tmp/c.dev"
: >"$tmp/why"
has "$tmp/c.dev" "-rw-r--r-- /usr/include/batch.h" "-rw-r--r-- /usr/include/batch_errors.h" \
    "-rw-r--r-- /usr/lib/$ma/libbatch.a" "-rw-r--r-- /usr/lib/$ma/pkgconfig/batch.pc" \
    "lrwxrwxrwx /usr/lib/$ma/libbatch.so -> libbatch.so.0" &&
    field "$deb_dev" Depends | grep -qF "libbatch0 (= $version)" &&
    pass "libbatch-dev: headers, libbatch.a, the .so link, batch.pc; depends on libbatch0 (= $version)" ||
    { cat "$tmp/c.dev" >>"$tmp/why"; fail "libbatch-dev: headers, libbatch.a, the .so link, batch.pc" "$tmp/why"; }

# --- lintian (make deb ran it on the .changes) ----------------------------------------
grep -E '^[EW]: ' "$dir/lintian.txt" >"$tmp/lintian" || true
[ -s "$dir/lintian.txt" ] && [ ! -s "$tmp/lintian" ] && pass "lintian: no error, no warning" ||
    fail "lintian: no error, no warning" "$tmp/lintian"

# --- installed into a throwaway root -----------------------------------------------
root="$tmp/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/etc"
: >"$root/var/lib/dpkg/status"
# --force-depends: the root holds no libc; the programs run with the host's libraries.
dpkg --root="$root" --log="$tmp/dpkg.log" --force-script-chrootless --force-depends \
    -i "$deb_d" "$deb_l" "$deb_dev" >"$tmp/dpkg.out" 2>&1 &&
    [ "$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f '${Package}:${Status}\n' | sort | tr '\n' ' ')" = \
        "batchd:install ok installed libbatch-dev:install ok installed libbatch0:install ok installed " ] &&
    pass "dpkg -i of the three into a throwaway root" || fail "dpkg -i of the three into a throwaway root" "$tmp/dpkg.out"
grep -q '^batchd:x:[0-9]*:[0-9]*:[^:]*:/var/lib/batchd:/usr/sbin/nologin$' "$root/etc/passwd" &&
    grep -q '^batchd:x:' "$root/etc/group" &&
    pass "the batchd system user and group, home /var/lib/batchd, no login shell" ||
    { cat "$root/etc/passwd" "$tmp/dpkg.out" >"$tmp/why" 2>&1; fail "the batchd system user and group" "$tmp/why"; }
[ -z "$(find "$root/etc" -name '*.wants' 2>/dev/null)" ] && [ ! -e "$root/etc/systemd/system/multi-user.target.wants/batchd.service" ] &&
    pass "nothing enabled: no .wants link" || { find "$root/etc" >"$tmp/why"; fail "nothing enabled: no .wants link" "$tmp/why"; }
unit="$root/lib/systemd/system/batchd.service"
: >"$tmp/why"
has "$unit" "ExecStart=/usr/sbin/batchd --config /etc/batchd/batchd.yaml" "User=batchd" "Group=batchd" \
    "StateDirectory=batchd" "Type=notify" "KillMode=process" "NoNewPrivileges=yes" "ProtectSystem=full" \
    "PrivateTmp=yes" "CapabilityBoundingSet=" &&
    pass "the unit: the config file, user batchd, state in /var/lib/batchd, hardening" ||
    fail "the unit: the config file, user batchd, state in /var/lib/batchd, hardening" "$tmp/why"
for page in man1/batchctl.1.gz man5/batchd.yaml.5.gz man8/batchd.8.gz; do
    MANWIDTH=100 man --warnings=all -l "$root/usr/share/man/$page" >"$tmp/page" 2>"$tmp/page.err" &&
        [ ! -s "$tmp/page.err" ] && [ -s "$tmp/page" ] && pass "man -l $page" || fail "man -l $page" "$tmp/page.err"
done
[ "$("$root/usr/sbin/batchd" --version)" = "batchd $version" ] && [ "$("$root/usr/bin/batchctl" --version)" = "batchctl $version" ] &&
    pass "batchd and batchctl --version: $version" || fail "batchd and batchctl --version: $version"
"$root/usr/sbin/batchd" config check --config "$root/etc/batchd/batchd.yaml" >"$tmp/check" 2>&1 &&
    grep -qx "db: /var/lib/batchd/batchd.db  # $root/etc/batchd/batchd.yaml:8" "$tmp/check" &&
    pass "the shipped config file is valid; db /var/lib/batchd/batchd.db" || fail "the shipped config file is valid" "$tmp/check"

# batchd without systemd, from the installed config file; the repository, the API's port
# and the log given on the command line (the file's /var/lib/batchd is the system's).
db="$tmp/r.db"
"$root/usr/sbin/batchd" --config "$root/etc/batchd/batchd.yaml" --db "$db" --listen 127.0.0.1:0 \
    --log-file "$tmp/d.log" 2>"$tmp/d.err" &
dpid=$!
started() { grep -q '"batchd started on ' "$tmp/d.log" 2>/dev/null; }
spawner() { sp=$(pgrep -P "$dpid" -x bdspawn | head -n 1); [ -n "$sp" ]; }
wait_for "$WAIT" started && wait_for "$WAIT" spawner && [ "$(readlink "/proc/$sp/exe")" = "$root/usr/libexec/batchd/bdspawn" ] &&
    pass "batchd --config ROOT/etc/batchd/batchd.yaml starts, with the installed spawner" ||
    fail "batchd --config ROOT/etc/batchd/batchd.yaml starts, with the installed spawner" "$tmp/d.log"
mkdir -p "$tmp/defs"
printf 'kind: job\nname: hello\ntype: manual\nexecutor: {exec: {command: [/bin/echo, hello]}}\n' >"$tmp/defs/hello.yaml"
C="$root/usr/bin/batchctl"
"$C" apply "$tmp/defs" --db "$db" >"$tmp/out" 2>&1
id=$("$C" submit hello --db "$db" 2>&1 | sed -n 's/^submitted instance \([0-9]*\) .*/\1/p')
ran() { "$C" instance get "$id" --db "$db" -o json 2>/dev/null | grep -q '"state_name": "Success"'; }
[ -n "$id" ] && wait_for "$WAIT" ran && pass "a job submitted with the installed batchctl runs (Success)" ||
    { cat "$tmp/out" "$tmp/d.log" >"$tmp/why" 2>&1; fail "a job submitted with the installed batchctl runs (Success)" "$tmp/why"; }
kill "$dpid"; wait "$dpid" 2>/dev/null; dpid=""

# The SDK: every example built out of the tree with pkg-config against the installed
# libbatch-dev (the root as pkg-config's sysroot), linked to the installed libbatch.so.0.
mkdir -p "$tmp/ex/examples" "$tmp/exsrc"
libdir="$root/usr/lib/$ma"
pc="env PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=$libdir/pkgconfig:/usr/lib/$ma/pkgconfig:/usr/share/pkgconfig pkg-config"
n=0
for s in "$src"/examples/sdk/*.c; do
    name=$(basename "$s" .c)
    cp "$s" "$tmp/exsrc/"
    n=$((n + 1))
    if (cd "$tmp/exsrc" && cc -std=c17 -Wall -Wextra -Werror "$name.c" $($pc --cflags --libs batch) \
        -Wl,-rpath,"$libdir" -o "$tmp/ex/examples/$name") >"$tmp/cc.err" 2>&1 &&
        ldd "$tmp/ex/examples/$name" | grep -qF "$libdir/libbatch.so.0"; then
        pass "$name: built with pkg-config against libbatch-dev, linked to the installed libbatch.so.0"
    else
        ldd "$tmp/ex/examples/$name" >>"$tmp/cc.err" 2>&1
        fail "$name: built with pkg-config against libbatch-dev" "$tmp/cc.err"
    fi
done
# run.sh finds batchd beside batchctl: links to the installed ones (in bin/ and sbin/).
mkdir -p "$tmp/bin" && ln -s "$root/usr/bin/batchctl" "$root/usr/sbin/batchd" "$tmp/bin/"
[ "$n" -ge 2 ] && BATCHCTL="$tmp/bin/batchctl" SDK_BUILD="$tmp/ex" "$src/examples/sdk/run.sh" >"$tmp/run.out" 2>&1 &&
    pass "the $n examples pass examples/sdk/run.sh" || fail "the $n examples pass examples/sdk/run.sh" "$tmp/run.out"

echo "deb: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
