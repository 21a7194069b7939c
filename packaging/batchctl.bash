# bash completion for batchctl (docs/cli.md, "Manual pages and completion"): nouns and
# verbs from batchctl's own --help, -o formats, and job names from the repository or the
# server the command line names (--db, --url, --token, or the environment), as
# `batchctl jobs list` shows them. Installed by `make install` into
# share/bash-completion/completions/batchctl.

# _batchctl_where: the --db/--url/--token words of the current command line, for the
# batchctl calls that list nouns' verbs and job names.
_batchctl_where() {
    local i w
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        case $w in
        --db | --url | --token) printf '%s\n%s\n' "$w" "${COMP_WORDS[i + 1]}" ;;
        --db=* | --url=* | --token=*) printf '%s\n' "$w" ;;
        esac
    done
}

_batchctl() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    local cmd=${COMP_WORDS[0]}
    local -a where
    mapfile -t where < <(_batchctl_where)
    case $prev in
    -o | --output)
        local f="table wide json yaml"
        [[ ${COMP_WORDS[1]} == report ]] && f="$f csv xlsx"
        mapfile -t COMPREPLY < <(compgen -W "$f" -- "$cur")
        return ;;
    --db | --state-dir | --log-file)
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        return ;;
    --job)
        mapfile -t COMPREPLY < <(compgen -W "$("$cmd" jobs list "${where[@]}" 2>/dev/null | awk 'NR > 1 {print $1}')" -- "$cur")
        return ;;
    esac
    # The words before the cursor that are not options (nor an option's value).
    local -a pos=()
    local i w
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        case $w in
        --db | --url | --token | --tenant | -o | --output | --job | --status | --from | --to | \
            --actor | --reason | --group | --type | --enabled | --name | --role | --date | \
            --instance | --kind | --severity | --limit | --before | --tz | -n | -p | --outcome | \
            --exclude | --expires-days)
            ((i++)) ;;
        -*) ;;
        *) pos+=("$w") ;;
        esac
    done
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "--db --url --token --tenant --help -o" -- "$cur")
        return
    fi
    if ((${#pos[@]} == 0)); then
        mapfile -t COMPREPLY < <(compgen -W "$("$cmd" --help 2>/dev/null | sed -n 's/^\([a-z][a-z-]*\): .*/\1/p' | grep -vx usage) --help --version" -- "$cur")
        return
    fi
    local noun=${pos[0]}
    if ((${#pos[@]} == 1)); then
        local verbs
        verbs=$("$cmd" "$noun" --help 2>/dev/null | sed -n "s/^  batchctl $noun \\([a-z][a-z-]*\\) .*/\\1/p")
        if [[ -n $verbs ]]; then
            mapfile -t COMPREPLY < <(compgen -W "$verbs" -- "$cur")
            return
        fi
    fi
    # a job NAME: submit NAME, jobs get|history|replace|delete|enable|disable NAME
    local verb=${pos[1]:-}
    if [[ $noun == submit && ${#pos[@]} == 1 ]] ||
        [[ $noun == jobs && ${#pos[@]} == 2 && $verb =~ ^(get|history|replace|delete|enable|disable)$ ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$("$cmd" jobs list "${where[@]}" 2>/dev/null | awk 'NR > 1 {print $1}')" -- "$cur")
        return
    fi
    # a node NAME: nodes get|drain|undrain NAME
    if [[ $noun == nodes && ${#pos[@]} == 2 && $verb =~ ^(get|drain|undrain)$ ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$("$cmd" nodes list "${where[@]}" 2>/dev/null | awk 'NR > 1 {print $1}')" -- "$cur")
        return
    fi
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}
complete -F _batchctl batchctl
