#!/bin/sh
# Installs the Debian 12 packages batchd needs to build and test, and only those missing.
# Usage: scripts/install-deps.sh [build|test|fuzz|bench|deb|ui|fresh]  (default: test, which includes build)
# deb: what `make deb` needs (debhelper, lintian). fresh: what `make test-fresh` needs
# (debootstrap; it builds nothing here itself).
# ui: what `make ui` and `make test-ui` need: Node and npm (Debian's, unless a node and an npm
# are already on PATH), Chromium for the headless browser tests, a font with the state glyphs.
# As root it runs apt-get itself; otherwise it prints the exact command to run and fails.
set -eu

profile=${1:-test}
build_pkgs="gcc make pkg-config tzdata libyaml-dev libsqlite3-dev libpq-dev libmicrohttpd-dev libjansson-dev libsodium-dev libcurl4-openssl-dev libxlsxwriter-dev libxml2-dev"
test_pkgs="libcmocka-dev postgresql curl jq sqlite3 python3-aiosmtpd python3-openpyxl python3-yaml man-db openssl zsh"
fuzz_pkgs="clang libclang-rt-14-dev"
bench_pkgs="wrk bc time"
deb_pkgs="build-essential debhelper dpkg-dev lintian"
fresh_pkgs="debootstrap git python3"
ui_pkgs="chromium fonts-dejavu-core"
# Node 18 (Debian 12) or later does; one already on PATH (e.g. another packaging) is kept.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    ui_pkgs="$ui_pkgs nodejs npm"
fi

case "$profile" in
build) want="$build_pkgs" ;;
test) want="$build_pkgs $test_pkgs" ;;
fuzz) want="$build_pkgs $test_pkgs $fuzz_pkgs" ;;
bench) want="$build_pkgs $test_pkgs $bench_pkgs" ;;
deb) want="$build_pkgs $deb_pkgs" ;;
ui) want="$build_pkgs $ui_pkgs" ;;
fresh) want="$fresh_pkgs" ;;
*) echo "install-deps: unknown profile '$profile' (build, test, fuzz, bench, deb, ui or fresh)" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "batchd needs these Debian packages:$missing" >&2
    echo "run as root:  apt-get update && apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Another apt-get (a second checkout's make, unattended upgrades) may hold dpkg's lock:
# wait for it (up to 10 minutes) rather than fail the build.
lock="-o DPkg::Lock::Timeout=600"
# shellcheck disable=SC2086
apt-get $lock update -qq || true
# shellcheck disable=SC2086
apt-get $lock install -y -qq --no-install-recommends $missing >/dev/null
