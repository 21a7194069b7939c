#!/bin/sh
# The fresh-machine test (issue 19): a fresh `git clone` of this repository, built with
# `make -j2` and tested in a minimal Debian 12 (bookworm) made by debootstrap, so that
# what the build needs is exactly what scripts/install-deps.sh installs and nothing the
# developer's machine happens to hold. As root (debootstrap, chroot and mounts need it).
#
#   tests/packaging/fresh.sh        (make test-fresh; not part of `make test`: it
#                                    downloads a base system and takes minutes)
#
# Steps: the base system (debootstrap --variant=minbase, or the cached tarball of an
# earlier one: FRESH_CACHE, default /var/tmp/batchd-fresh); a clone of the last commit of
# this checkout (uncommitted edits are not in it) at /src/batchd in the chroot, with
# ../shared beside it; `make` itself (minbase has none: the one package installed by
# hand); then `make -j2`, `make unit-run`, `make test-cli` and `make run` (its UI address
# printed, a run of the example job hello gone green in the repository, then stopped);
# `make deb`, and the three packages installed with apt-get into a second, clean base
# system (what a user of the packages has: no build tools), where the batchd user must
# exist and `batchd --config /etc/batchd/batchd.yaml` must start as that user and answer
# /healthz (no systemd in a chroot: run as the unit would, with runuser).
# Every step's time, and the packages the build installed, are printed at the end.
# FRESH_MIRROR: the Debian mirror (default http://deb.debian.org/debian). FRESH_KEEP=1
# keeps the chroot (its path is printed). Closes with "fresh: N passed, M failed".
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/tests/lib.sh"
passed=0
failed=0
[ "$(id -u)" -eq 0 ] || { echo "fresh.sh: run as root (debootstrap, chroot and mount need it)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "fresh.sh: debootstrap is missing (scripts/install-deps.sh fresh)" >&2; exit 2; }
mirror=${FRESH_MIRROR:-http://deb.debian.org/debian}
cache=${FRESH_CACHE:-/var/tmp/batchd-fresh}
arch=$(dpkg --print-architecture)
tarball="$cache/bookworm-minbase-$arch.tar.gz"
work=$(mktemp -d /tmp/batchd-fresh.XXXXXX) # the chroot in root/, the logs beside it
root="$work/root"
clean="$work/clean" # the second base system, for the packages
mkdir "$root"
run_pid=""
t0=$(date +%s)
step_times=""

# Everything below $root that is mounted, deepest first.
mounts_below() { awk -v r="$work/" 'index($2 "/", r) == 1 { print $2 }' /proc/mounts | sort -r; }
# kill_in DIR SIGNAL: signals every process whose root directory is DIR (what the test
# started in that chroot).
kill_in() {
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$1" ] && kill "-$2" "${p#/proc/}" 2>/dev/null
    done
}
cleanup() {
    [ -n "$run_pid" ] && kill -TERM "-$run_pid" 2>/dev/null
    # What this test started in the chroot and is still there (make run's supervisors,
    # which outlive their daemon by design): the processes whose root is $root.
    kill_in "$root" KILL
    kill_in "$clean" KILL
    for m in $(mounts_below); do umount "$m" 2>/dev/null || umount -l "$m"; done
    if [ -n "$(mounts_below)" ]; then
        echo "fresh.sh: still mounted below $root, left in place:" >&2
        mounts_below >&2
    elif [ -n "${FRESH_KEEP:-}" ]; then
        echo "kept $work"
    else
        rm -rf --one-file-system "$work"
    fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# step NAME: records the time since the previous step under NAME.
last=$t0
step() { now=$(date +%s); step_times="$step_times$1: $((now - last)) s
"; last=$now; }
# in_root COMMAND: runs the shell command in the chroot as root with a clean environment;
# in_clean COMMAND: the same in the clean base system.
in_dir() {
    chroot "$1" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin sh -c "$2"
}
in_root() { in_dir "$root" "$1"; }
in_clean() { in_dir "$clean" "$1"; }

# --- the base system -------------------------------------------------------------------
if [ -f "$tarball" ]; then
    echo "== base system: the cached $tarball"
    tar -xzf "$tarball" -C "$root" || { echo "fresh.sh: cannot unpack $tarball" >&2; exit 1; }
else
    echo "== base system: debootstrap --variant=minbase bookworm from $mirror"
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
        { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
    mkdir -p "$cache"
    tar -czf "$tarball.tmp" -C "$root" . && mv "$tarball.tmp" "$tarball"
fi
step "base system"
before="$work/packages.before"
in_root 'dpkg-query -W -f="\${Package}\n"' | sort >"$before"
echo "   $(wc -l <"$before") packages"

# The chroot's own /proc, a fresh /dev (never the host's, which a removal of $root could
# reach), its own pseudo-terminals and shared memory (PostgreSQL's). Services that
# packages would start are refused (policy-rc.d), as in any image build.
# setup_root DIR: mounts DIR's own /proc, /dev, /dev/pts and /dev/shm and refuses services.
setup_root() {
    r=$1
    mount -t proc proc "$r/proc"
    mount -t tmpfs -o mode=0755,nosuid dev "$r/dev"
    for n in "null 1 3" "zero 1 5" "full 1 7" "random 1 8" "urandom 1 9" "tty 5 0"; do
        set -- $n
        mknod -m 0666 "$r/dev/$1" c "$2" "$3"
    done
    mkdir -p "$r/dev/pts" "$r/dev/shm"
    mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$r/dev/pts"
    ln -s pts/ptmx "$r/dev/ptmx"
    mount -t tmpfs -o mode=1777,nosuid,nodev shm "$r/dev/shm"
    ln -s /proc/self/fd "$r/dev/fd"
    cp /etc/resolv.conf "$r/etc/resolv.conf"
    printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
    chmod 0755 "$r/usr/sbin/policy-rc.d"
}
setup_root "$root"

# --- a fresh clone ---------------------------------------------------------------------
commit=$(git -C "$here" rev-parse HEAD)
[ -z "$(git -C "$here" status --porcelain --untracked-files=no)" ] ||
    echo "   (the checkout has uncommitted edits: the clone builds the commit $commit without them)"
mkdir -p "$root/src"
git clone -q --no-hardlinks "$here" "$root/src/batchd" && git -C "$root/src/batchd" checkout -q "$commit" &&
    pass "a fresh clone of $commit" || { fail "a fresh clone of $commit"; exit 1; }
[ -d "$here/../shared" ] && cp -r "$here/../shared/." "$root/src/shared"
step "clone"

# --- make, then make -j2 ---------------------------------------------------------------
echo "== apt-get install make (minbase has no make)"
in_root 'apt-get -qq update && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends make' \
    >"$work/make.log" 2>&1 && pass "make installed" || { fail "make installed" "$work/make.log"; exit 1; }
step "apt-get install make"
echo "== make -j2"
in_root 'cd /src/batchd && make -j2' >"$work/build.log" 2>&1
rc=$?
grep '^install-deps: ' "$work/build.log"
[ $rc = 0 ] && [ -x "$root/src/batchd/build/batchd" ] && [ -x "$root/src/batchd/build/batchctl" ] &&
    pass "make -j2 from a fresh clone installs what it misses and builds" ||
    { tail -n 40 "$work/build.log" >"$work/build.tail"; fail "make -j2 from a fresh clone installs what it misses and builds" "$work/build.tail"; exit 1; }
step "make -j2 (build packages and build)"

# --- tests -----------------------------------------------------------------------------
for t in unit-run test-cli; do
    echo "== make $t"
    in_root "cd /src/batchd && make $t" >"$work/$t.log" 2>&1
    rc=$?
    grep '^install-deps: ' "$work/$t.log"
    summary=$(grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' "$work/$t.log" | tail -n 1)
    [ $rc = 0 ] && pass "make $t ($summary)" ||
        { tail -n 40 "$work/$t.log" >"$work/$t.tail"; fail "make $t ($summary)" "$work/$t.tail"; }
    step "make $t"
done

# --- make run --------------------------------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "== make run (on 127.0.0.1:$port)"
setsid chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    BATCHD_LISTEN="127.0.0.1:$port" BATCHD_RUN_DB=/tmp/run.db \
    sh -c 'cd /src/batchd && exec make run' >"$work/run.log" 2>&1 &
run_pid=$!
ui_shown() { grep -q "http://127.0.0.1:$port/#/monitor?job=hello" "$work/run.log"; }
wait_for 300 ui_shown && pass "make run prints the UI's address (after $(($(date +%s) - last)) s)" ||
    fail "make run prints the UI's address" "$work/run.log"
# hello is due at the start of every minute: one run within a minute and a half, given
# generously for a loaded machine.
green() {
    in_root '/src/batchd/build/batchctl instances list --job hello --db /tmp/run.db -o json' 2>/dev/null |
        grep -q '"state_name": "Success"'
}
wait_for 240 green && pass "make run: a run of hello goes green (Success in the repository, after $(($(date +%s) - last)) s)" ||
    { in_root '/src/batchd/build/batchctl instances list --job hello --db /tmp/run.db' >>"$work/run.log" 2>&1
      fail "make run: a run of hello goes green (Success in the repository)" "$work/run.log"; }
# make run's session (make, batchd, its spawner) stopped as an operator's Ctrl-C would.
kill -TERM "-$run_pid" 2>/dev/null
wait "$run_pid" 2>/dev/null
run_pid=""
step "make run until a green run"

# --- the packages, on a clean system ---------------------------------------------------
echo "== make deb"
in_root 'cd /src/batchd && make deb' >"$work/deb.log" 2>&1
rc=$?
grep '^install-deps: ' "$work/deb.log"
# the three packages (debhelper may add -dbgsym ones beside them, which are not installed)
debs=0
for p in batchd_ libbatch0_ libbatch-dev_; do
    [ -f "$(ls "$root"/src/batchd/build/deb/"$p"*.deb 2>/dev/null | head -n 1)" ] && debs=$((debs + 1))
done
[ $rc = 0 ] && [ "$debs" = 3 ] && pass "make deb: the three packages" ||
    { tail -n 40 "$work/deb.log" >"$work/deb.tail"; fail "make deb: the three packages ($debs of 3 built)" "$work/deb.tail"; }
step "make deb"
echo "== the packages installed with apt-get on a clean base system"
mkdir "$clean"
tar -xzf "$tarball" -C "$clean" && setup_root "$clean" && mkdir "$clean/debs" &&
    cp "$root"/src/batchd/build/deb/*.deb "$clean/debs/" &&
    in_clean 'apt-get -qq update && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ./debs/batchd_*.deb ./debs/libbatch0_*.deb ./debs/libbatch-dev_*.deb' \
        >"$work/install.log" 2>&1 &&
    pass "apt-get install of the three packages on a clean Debian 12" ||
    { tail -n 40 "$work/install.log" >"$work/install.tail"; fail "apt-get install of the three packages on a clean Debian 12" "$work/install.tail"; }
in_clean 'getent passwd batchd' >"$work/user" 2>&1
grep -q '^batchd:x:[0-9]*:[0-9]*:[^:]*:/var/lib/batchd:/usr/sbin/nologin$' "$work/user" &&
    pass "the package created the batchd system user" || fail "the package created the batchd system user" "$work/user"
cport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# As batchd.service runs it (User=batchd, StateDirectory=batchd), with the listen address
# moved to a free port; the installed config file as it is otherwise.
in_clean "install -d -o batchd -g batchd /var/lib/batchd && exec runuser -u batchd -- /usr/sbin/batchd --config /etc/batchd/batchd.yaml --listen 127.0.0.1:$cport" \
    >"$work/clean-batchd.log" 2>&1 &
healthy() { curl -fsS "http://127.0.0.1:$cport/healthz" >/dev/null 2>&1; }
wait_for 60 healthy && pass "the installed batchd starts as the batchd user and answers /healthz" ||
    fail "the installed batchd starts as the batchd user and answers /healthz" "$work/clean-batchd.log"
kill_in "$clean" TERM
in_clean 'dpkg-query -W -f="\${Package}\n"' | sort >"$work/packages.clean"
echo "   the clean system took $(comm -13 "$before" "$work/packages.clean" | wc -l) packages with the three"
step "the packages on a clean system"

# --- what was installed ----------------------------------------------------------------
in_root 'dpkg-query -W -f="\${Package}\n"' | sort >"$work/packages.after"
added=$(comm -13 "$before" "$work/packages.after" | wc -l)
echo "== packages: $(wc -l <"$before") in the base system, $added added (make and what install-deps.sh installed, with their dependencies)"
du -sh --one-file-system --exclude="$root/src" "$root" 2>/dev/null | cut -f1 | sed 's/^/   size of the system without the clone: /'
printf '== times\n%s' "$step_times"
echo "   total: $(($(date +%s) - t0)) s"
echo "fresh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
