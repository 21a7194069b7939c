#!/bin/sh
# Manual pages and completion (docs/cli.md, "Manual pages and completion"): the pages
# generated from the --help texts render with `man -l` without a warning, and hold every
# noun of batchctl --help and every option of batchd --help; the bash completion passes
# `bash -n`, completes nouns, verbs, -o formats, and job names from a repository; the zsh
# completion passes `zsh -n`, is registered by compinit and offers the same words.
# batchd.yaml(5) has every key of `batchd config keys`.
# Usage: manpages.sh MAN_DIR (holding batchctl.1, batchd.8 and batchd.yaml.5). Closes with
# "man-completion: N passed, M failed".
set -u
B=${BATCHCTL:?set BATCHCTL to the batchctl binary}
D=$(dirname "$B")/batchd
man=${1:?usage: manpages.sh MAN_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$root/tests/lib.sh"
unset BATCHD_URL BATCHD_TOKEN BATCHD_DB

for page in batchctl.1 batchd.8 batchd.yaml.5; do
    if MANWIDTH=100 man --warnings=all -l "$man/$page" >"$tmp/$page.txt" 2>"$tmp/$page.err" &&
        [ ! -s "$tmp/$page.err" ] && [ -s "$tmp/$page.txt" ]; then
        pass "man -l $page renders, no warning"
    else
        fail "man -l $page renders, no warning" "$tmp/$page.err"
    fi
done
missing=""
for noun in $("$B" --help | sed -n 's/^\([a-z][a-z-]*\): .*/\1/p' | grep -vx usage); do
    grep -q "^   $noun\$" "$tmp/batchctl.1.txt" || missing="$missing $noun"
done
[ -z "$missing" ] && pass "batchctl(1) has a section for every noun" || fail "batchctl(1) lacks:$missing"
# Every line of each noun's --help is in the page (the one source).
"$B" jobs --help | sed 's/^ *//' | grep . >"$tmp/want"
sed 's/^ *//' "$tmp/batchctl.1.txt" >"$tmp/have"
grep -vxFf "$tmp/have" "$tmp/want" >"$tmp/absent" || true
[ ! -s "$tmp/absent" ] && pass "batchctl(1) holds batchctl jobs --help word for word" ||
    fail "batchctl(1) holds batchctl jobs --help word for word" "$tmp/absent"
missing=""
for opt in $("$D" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    grep -q -- "$opt" "$tmp/batchd.8.txt" || missing="$missing $opt"
done
[ -z "$missing" ] && pass "batchd(8) has every option of batchd --help" || fail "batchd(8) lacks:$missing"
missing=""
for key in $("$D" config keys | awk 'NR > 1 {print $1}'); do
    grep -q "^       $key\( \|\$\)" "$tmp/batchd.yaml.5.txt" || missing="$missing $key"
done
[ -z "$missing" ] && [ "$("$D" config keys | wc -l)" -gt 10 ] && pass "batchd.yaml(5) has every key of batchd config keys" ||
    fail "batchd.yaml(5) lacks:$missing" "$tmp/batchd.yaml.5.txt"
grep -q 'BATCHD_RETENTION_DAYS' "$tmp/batchd.8.txt" && grep -q 'SIGHUP' "$tmp/batchd.8.txt" &&
    pass "batchd(8): environment and signals" || fail "batchd(8): environment and signals"

comp="$root/packaging/batchctl.bash"
bash -n "$comp" && pass "bash -n of the completion" || fail "bash -n of the completion"
"$B" apply "$root/examples/jobs" --db "$tmp/r.db" >/dev/null 2>&1
# complete WORDS...: what the completion offers for the last word, on one line
complete_words() {
    PATH="$(dirname "$B"):$PATH" bash -c '. "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _batchctl
        printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$comp" "$@"
}
t() { want=$1; shift; got=$(complete_words "$@"); [ "$got" = "$want" ] && pass "complete '$*': $want" ||
    { printf 'got: %s\n' "$got" >"$tmp/got"; fail "complete '$*': $want" "$tmp/got"; }; }
# cases CHECK: the command lines both completions are checked on, each with CHECK.
cases() {
    $1 "jobs " batchctl j
    $1 "get " batchctl jobs g
    $1 "json " batchctl instances list -o j
    $1 "csv " batchctl report daily -o c
    $1 "nightly-extract nightly-load nightly-report " batchctl jobs get --db "$tmp/r.db" nightly
    $1 "nightly-extract nightly-load nightly-report " batchctl --db "$tmp/r.db" jobs history nig
    $1 "hello " batchctl submit --db "$tmp/r.db" he
    $1 "hello " batchctl instances list --db "$tmp/r.db" --job he
    BATCHD_DB="$tmp/r.db" $1 "policy-reprice " batchctl submit po
}
cases t

# The zsh completion offers the same words: its candidates function run in zsh.
zcomp="$root/packaging/_batchctl"
zsh -n "$zcomp" && pass "zsh -n of the completion" || fail "zsh -n of the completion"
mkdir -p "$tmp/zfunc" && cp "$zcomp" "$tmp/zfunc/"
got=$(HOME="$tmp" zsh -f -c 'fpath=("$1" $fpath); autoload -U compinit; compinit -u -D; print -r -- $_comps[batchctl]' _ "$tmp/zfunc" 2>&1)
[ "$got" = _batchctl ] && pass "compinit registers _batchctl for batchctl (#compdef)" ||
    { printf 'got: %s\n' "$got" >"$tmp/got"; fail "compinit registers _batchctl for batchctl (#compdef)" "$tmp/got"; }
zt() { want=$1; shift
    got=$(PATH="$(dirname "$B"):$PATH" zsh -f -c '. "$1"; shift; _batchctl_candidates "$@" | sort | tr "\n" " "; exit ${pipestatus[1]}' _ "$zcomp" "$@")
    [ "$got" = "$want" ] && pass "zsh: complete '$*': $want" ||
        { printf 'got: %s\n' "$got" >"$tmp/got"; fail "zsh: complete '$*': $want" "$tmp/got"; }; }
cases zt
zt "--db " batchctl jobs list --d
PATH="$(dirname "$B"):$PATH" zsh -f -c '. "$1"; shift; _batchctl_candidates "$@" >/dev/null' _ "$zcomp" batchctl jobs list --db r
[ $? = 2 ] && pass "zsh: a file name after --db" || fail "zsh: a file name after --db"

echo "man-completion: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
