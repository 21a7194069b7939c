#!/bin/sh
# gen-man.sh BUILD_DIR OUT_DIR VERSION: writes batchctl.1, batchd.8 and batchd.yaml.5 into
# OUT_DIR, made from the programs' own --help texts and batchd's table of settings
# (`batchd config keys`; one source: what the program says is what the page says), with
# the sections a manual page has around them. `make man` runs it; `make
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
    printf '.TP\n.B SIGHUP\nread the config file again and apply what may change at run time (see\n.BR batchd.yaml (5));\nreload the definitions (applying \\-\\-defs again)\n'
    printf '.TP\n.B SIGUSR1\nreopen \\-\\-log\\-file\n'
    printf '.SH ENVIRONMENT\nEach setting has a variable (see\n.BR batchd.yaml (5)),\nbetween the command line and the config file in precedence.\n.TP\n.B BATCHD_CONFIG\nthe config file when \\-\\-config is not given\n.TP\n.B BATCHD_DB\nthe repository when \\-\\-db is not given\n'
    printf '.TP\n.B BATCHD_LISTEN\nthe API'"'"'s address when \\-\\-listen is not given\n'
    printf '.TP\n.B BATCHD_RETENTION_DAYS\nas \\-\\-retention\\-days\n'
    printf '.TP\n.B BATCHD_RETENTION_INTERVAL\nseconds between two retention passes (default 3600)\n'
    printf '.TP\n.B BATCHD_SECRETS_KEY\nthe secrets key file\n'
    printf '.SH FILES\n.TP\n.I /etc/batchd/batchd.yaml\nthe config file, read when it exists and no other is named\n.TP\n.I DB.d/\nthe state directory of a SQLite repository: run logs, status files, the secrets key\n'
    printf '.SH SEE ALSO\n.BR batchctl (1),\n.BR batchd.yaml (5)\n'
} >"$out/batchd.8"

# batchd.yaml(5): the table of `batchd config keys`, whose columns have fixed widths.
{
    printf '.TH BATCHD.YAML 5 "" "batchd %s" "File Formats"\n' "$version"
    printf '.SH NAME\nbatchd.yaml \\- the config file of batchd, the batch scheduler daemon\n'
    printf '.SH SYNOPSIS\n.I /etc/batchd/batchd.yaml\n'
    printf '.SH DESCRIPTION\n'
    printf 'batchd reads its settings from, in this order: its command line, its BATCHD_*\n'
    printf 'variables, this file, and the defaults. The file is the one named by\n'
    printf '.B \\-\\-config\nor\n.BR BATCHD_CONFIG ,\n'
    printf 'else /etc/batchd/batchd.yaml when it exists.\n'
    printf '.PP\nIt is one YAML mapping of the keys below to single values. Paths must be\n'
    printf 'absolute. An unknown key, a key given twice, a list or mapping as a value or a\n'
    printf 'value its key does not take is refused, each problem reported as\n'
    printf '.IR FILE : LINE ": " KEY ": " reason ;\n'
    printf 'batchd then does not start (status 2).\n'
    printf '.B batchd config check\nreports the same problems, or prints the settings in force with where each came from.\n'
    printf '.SH KEYS\n'
    "$d" config keys | tail -n +2 | while IFS= read -r line; do
        key=$(printf '%s' "$line" | cut -c1-19 | sed 's/ *$//')
        opt=$(printf '%s' "$line" | cut -c21-41 | sed 's/ *$//')
        var=$(printf '%s' "$line" | cut -c43-68 | sed 's/ *$//')
        def=$(printf '%s' "$line" | cut -c70-84 | sed 's/ *$//')
        hup=$(printf '%s' "$line" | cut -c86-95 | sed 's/ *$//')
        what=$(printf '%s' "$line" | cut -c97-)
        printf '.TP\n.B %s\n' "$key"
        printf '%s\n' "$what" | roff
        printf '.br\nOption %s, variable %s' "$opt" "$var" | sed 's/-/\\-/g'
        [ "$def" = "-" ] || printf '; default %s' "$def"
        if [ "$hup" = applied ]; then printf '; SIGHUP applies a change.\n'; else printf '; a change takes effect at the next start.\n'; fi
    done
    printf '.SH RELOADING\n'
    printf 'On SIGHUP (systemctl reload batchd) batchd reads the file again; the command line and\n'
    printf 'environment still win. A file with a problem is refused: each problem is logged and\n'
    printf 'the settings in force are kept. Otherwise every changed key is logged; the keys marked\n'
    printf 'above take effect at once, the others are logged as waiting for the next start.\n'
    printf '.SH EXAMPLE\n'
    printf 'db: /var/lib/batchd/batchd.db\nlisten: "127.0.0.1:8080"\nlog_level: info\nretention_days: 90\n' | pre
    printf '.SH SEE ALSO\n.BR batchd (8),\n.BR batchctl (1)\n'
} >"$out/batchd.yaml.5"
