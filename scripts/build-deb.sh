#!/bin/sh
# build-deb.sh VERSION OUT_DIR: builds the Debian packages batchd, libbatch0 and
# libbatch-dev with debhelper (docs/packaging.md) from a copy of the source tree in
# OUT_DIR/batchd-VERSION (removed afterwards), so that the checkout is left as it is; the .deb files, the
# .changes and lintian's report (OUT_DIR/lintian.txt) end up in OUT_DIR. Fails when a
# package does not build or lintian reports an error.
set -eu
version=${1:?version}
out=${2:?output dir}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
src="$out/batchd-$version"
rm -rf "$src" "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo "$out"/*.ddeb
mkdir -p "$src"
# The files git tracks or would (edits and new files included, ignored ones not), or, outside git,
# everything but the build directories.
cd "$root"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$src"
else
    tar --exclude=./build --exclude=./ui/node_modules -cf - . | tar -xf - -C "$src"
fi
cp -R packaging/debian "$src/debian"
# The changelog names the Makefile's VERSION; its date is the last commit's, so that
# two builds of one commit give the same packages.
when=$(git log -1 --format=%cD 2>/dev/null || date -R)
cat >"$src/debian/changelog" <<EOC
batchd ($version) unstable; urgency=medium

  * Package built by make deb from the batchd repository.

 -- batchd maintainers <maintainers@batchd.invalid>  $when
EOC
cd "$src"
DEB_BUILD_OPTIONS="parallel=${DEB_JOBS:-2}" dpkg-buildpackage -b -us -uc >"$out/build.log" 2>&1 || {
    tail -n 40 "$out/build.log" >&2
    echo "build-deb: dpkg-buildpackage failed; the whole log is $out/build.log" >&2
    exit 1
}
cd "$out"
rm -rf "$src" # the copy and its objects: the packages and build.log stay
changes=$(ls batchd_"$version"_*.changes)
# --fail-on error: a warning is reported (and explained in docs/packaging.md), not fatal.
lintian --fail-on error --info --display-info "$changes" >lintian.txt 2>&1 || {
    cat lintian.txt >&2
    echo "build-deb: lintian reports an error (above)" >&2
    exit 1
}
ls -1 "$out"/*.deb
