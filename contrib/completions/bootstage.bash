# bash completion for bootstage(1)
#
# Commands, flags, stage names and service/component names come from
# bootstage itself (`bootstage ... --generate-bash-completion`, urfave/cli's
# protocol), so they follow the config of the machine it runs on; values of
# flags that name files, formats or stages are completed here.

_bootstage() {
    local cur prev words cword
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion -n =: || return
    else
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
    fi

    local w
    for w in "${words[@]:1:cword-1}"; do
        # After "--" everything is an argument: bootstage would run the
        # command rather than complete it.
        [[ $w == -- ]] && return
    done

    case $prev in
        -C|--config-path|--against)
            compopt -o dirnames 2>/dev/null
            COMPREPLY=($(compgen -d -- "$cur"))
            return ;;
        -o|--output)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        -f|--format)
            if [[ ${words[1]} == graph ]]; then
                COMPREPLY=($(compgen -W 'dot mermaid' -- "$cur"))
                return
            fi ;;
        --render)
            COMPREPLY=($(compgen -W 'png svg' -- "$cur"))
            return ;;
        -s|--stage)
            COMPREPLY=($(compgen -W "$("${words[0]}" status --generate-bash-completion 2>/dev/null)" -- "$cur"))
            return ;;
        -n|--lines|--timeout)
            return ;;
    esac

    local -a request=("${words[@]:0:cword}")
    # A lone "-" asks for every flag; compgen keeps those matching $cur.
    [[ $cur == -* ]] && request+=(-)
    COMPREPLY=($(compgen -W "$("${request[@]}" --generate-bash-completion 2>/dev/null)" -- "$cur"))
}
complete -F _bootstage bootstage
