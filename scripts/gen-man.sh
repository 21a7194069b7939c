#!/bin/sh
# gen-man.sh BUILD_DIR OUT_DIR VERSION: writes batchctl.1 and batchd.8 into OUT_DIR, made
# from the programs' own --help texts (one source: what --help says is what the page
# says), with the sections a manual page has around them. `make man` runs it; `make
# install` installs the pages. docs/cli.md, "Manual pages and completion".
set -eu
build=${1:?build dir}
out=${2:?output dir}
version=${3:?version}
ctl="$build/batchctl"
d="$build/batchd"
mkdir -p "$out"

# roff TEXT on stdin: escapes backslashes and lines roff would take as requests.
roff() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }
# pre: a block shown as it is (no filling, no adjusting).
pre() { printf '.PP\n.nf\n'; roff; printf '.fi\n'; }

{
    printf '.TH BATCHCTL 1 "" "batchd %s" "User Commands"\n' "$version"
    printf '.SH NAME\nbatchctl \\- the command-line client of batchd, the batch scheduler\n'
    printf '.SH SYNOPSIS\n.B batchctl\n.I noun\n.RI [ verb ]\n.RI [ options ]\n'
    printf '.br\n.B batchctl\n.BR \\-\\-help " | " \\-\\-version\n'
    printf '.SH DESCRIPTION\n'
    printf 'batchctl works with batchd through its REST API (a server named by \\-\\-url, BATCHD_URL\n'
    printf 'or the config file) or directly on a repository (\\-\\-db).\n'
    printf 'Every read command takes \\-o table|wide|json|yaml.\n'
    printf 'What follows is the text of batchctl \\-\\-help and of batchctl NOUN \\-\\-help for each noun.\n'
    "$ctl" --help | pre
    printf '.SH COMMANDS\n'
    for noun in $("$ctl" --help | sed -n 's/^\([a-z][a-z-]*\): .*/\1/p' | grep -vx usage); do
        printf '.SS %s\n' "$noun"
        "$ctl" "$noun" --help 2>&1 | pre
    done
    printf '.SH EXIT STATUS\n0: done; 1: a failure (also an error answer of the server, or a server that cannot be reached); 2: a usage error.\n'
    printf '.SH ENVIRONMENT\n.TP\n.B BATCHD_URL\nthe server (remote mode)\n.TP\n.B BATCHD_TOKEN\nthe API token\n'
    printf '.TP\n.B BATCHD_DB\nthe repository (local mode, when no server is named)\n'
    printf '.TP\n.BR LANGUAGE ", " LC_ALL ", " LC_MESSAGES ", " LANG\nthe language of display names\n'
    printf '.SH FILES\n.TP\n.I $XDG_CONFIG_HOME/batchd/config\n(default ~/.config/batchd/config): url = URL and token = T\n'
    printf '.SH SEE ALSO\n.BR batchd (8)\n'
} >"$out/batchctl.1"

{
    printf '.TH BATCHD 8 "" "batchd %s" "System Administration"\n' "$version"
    printf '.SH NAME\nbatchd \\- the batch scheduler daemon\n'
    printf '.SH SYNOPSIS\n'
    "$d" --help | pre
    printf '.SH DESCRIPTION\n'
    printf 'batchd runs the jobs of its repository (SQLite or PostgreSQL) on schedule under\n'
    printf 'supervisors that outlive it, and serves the REST API and the web UI.\n'
    printf '.SH SIGNALS\n.TP\n.BR SIGTERM ", " SIGINT\nstop planning and exit; runs go on\n'
    printf '.TP\n.B SIGHUP\nreload the definitions (applying \\-\\-defs again)\n'
    printf '.TP\n.B SIGUSR1\nreopen \\-\\-log\\-file\n'
    printf '.SH ENVIRONMENT\n.TP\n.B BATCHD_DB\nthe repository when \\-\\-db is not given\n'
    printf '.TP\n.B BATCHD_LISTEN\nthe API'"'"'s address when \\-\\-listen is not given\n'
    printf '.TP\n.B BATCHD_RETENTION_DAYS\nas \\-\\-retention\\-days\n'
    printf '.TP\n.B BATCHD_RETENTION_INTERVAL\nseconds between two retention passes (default 3600)\n'
    printf '.TP\n.B BATCHD_SECRETS_KEY\nthe secrets key file\n'
    printf '.SH FILES\n.TP\n.I DB.d/\nthe state directory of a SQLite repository: run logs, status files, the secrets key\n'
    printf '.SH SEE ALSO\n.BR batchctl (1)\n'
} >"$out/batchd.8"
