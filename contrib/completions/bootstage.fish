# fish completion for bootstage(1). Commands, flags, stage names and
# service/component names come from bootstage itself (urfave/cli's
# --generate-bash-completion protocol), so they follow the local config.

function __bootstage_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    # After "--" everything is an argument: bootstage would run the command.
    contains -- -- $words[2..-1]; and return
    switch $words[-1]
        case -C --config-path --against
            __fish_complete_directories $cur
            return
        case -o --output
            __fish_complete_path $cur
            return
        case -f --format
            if test "$words[2]" = graph
                printf '%s\n' dot mermaid
                return
            end
        case --render
            printf '%s\n' png svg
            return
        case -s --stage
            $words[1] status --generate-bash-completion 2>/dev/null
            return
        case -n --lines --timeout
            return
    end
    if string match -q -- '-*' $cur
        set -a words -
    end
    $words --generate-bash-completion 2>/dev/null
end

complete -c bootstage -f -a '(__bootstage_complete)'
