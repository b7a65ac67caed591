// Package cli is the `bootstage` command: each subcommand's logic, with
// everything it touches outside its arguments in an Env, so the commands
// are tested without a main, a terminal or a running systemd.
// cmd/bootstage only wires DefaultEnv to Main.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/config/load"
	"github.com/bootstage/bootstage/generator"
)

// Version is the program version, set at build time with
// -ldflags "-X github.com/bootstage/bootstage/cli.Version=...".
var Version = "dev"

// app is one run of the command in its environment.
type app struct {
	env  *Env
	argv []string // the command line, for shell completion
}

// Main runs the command line args (os.Args) in env and returns the exit
// code; every error is printed as one line on env.Stderr.
func Main(ctx context.Context, args []string, env *Env) int {
	if n := len(args); n > 1 && args[n-1] == "--generate-bash-completion" && slices.Contains(args, "--") {
		// urfave/cli would run the command with the marker as an argument.
		return ExitOK
	}
	if file := env.Getenv(RecordEnv); file != "" {
		record(env, file)
	}
	a := newApp(env, args)
	err := a.RunContext(ctx, flagsFirst(a, args))
	code, msg := exitCode(err)
	if msg != "" {
		fmt.Fprintln(env.Stderr, "bootstage: "+msg)
	}
	return code
}

// NewApp builds the urfave/cli application around env, for os.Args.
func NewApp(env *Env) *ucli.App { return newApp(env, os.Args) }

func newApp(env *Env, argv []string) *ucli.App {
	a := &app{env: env, argv: argv}
	cmds := []*ucli.Command{
		a.validateCommand(), a.generateCommand(), a.planCommand(), a.graphCommand(),
		a.statusCommand(), a.upCommand(), a.downCommand(), a.logsCommand(), a.vmCommand(), a.importCommand(),
	}
	for _, c := range cmds {
		polish(c)
	}
	return &ucli.App{
		Name:    "bootstage",
		Usage:   "see, change and drive a node's boot stages",
		Version: Version,
		Description: "bootstage turns one TOML file per service into systemd units that run podman\n" +
			"containers and QEMU guests in ordered, health-gated boot stages. This command\n" +
			"checks and previews that config and drives the stages over D-Bus.\n\n" +
			"Config is read from BOOTSTAGE_CONFIG_PATH (colon-separated directories), else\n" +
			"from /etc/bootstage, /run/bootstage, /usr/local/lib/bootstage, /usr/lib/bootstage.",
		Commands:              cmds,
		EnableBashCompletion:  true,
		BashComplete:          a.completeCommands(cmds),
		Suggest:               true,
		Writer:                env.Stdout,
		ErrWriter:             env.Stderr,
		CustomAppHelpTemplate: ucli.AppHelpTemplate + "\n" + exitCodesHelp + "\n",
		ExitErrHandler:        func(*ucli.Context, error) {},
		OnUsageError: func(c *ucli.Context, err error, _ bool) error {
			return usageError(c.App.Flags, "", err)
		},
		Action: func(c *ucli.Context) error {
			if c.Args().Present() {
				var names []string
				for _, cmd := range cmds {
					names = append(names, cmd.Name)
				}
				return unknownName("command", c.Args().First(), names)
			}
			return ucli.ShowAppHelp(c)
		},
	}
}

// configFlag is --config-path, on every command that reads the config.
func configFlag() ucli.Flag {
	return &ucli.StringFlag{
		Name:    "config-path",
		Aliases: []string{"C"},
		Usage:   "read the config from `DIRS` (colon-separated) instead of BOOTSTAGE_CONFIG_PATH or the search path",
	}
}

// configDirs is --config-path as a list: nil when the flag is not given,
// empty (not nil) when it is given but names no directory, which
// configPath refuses: `-C "$DIR"` with DIR unset must not read
// /etc/bootstage instead.
func configDirs(c *ucli.Context) []string {
	if !c.IsSet("config-path") {
		return nil
	}
	return append([]string{}, load.SplitPath(c.String("config-path"))...)
}

// configPath is where the config is read from: flagDirs (--config-path)
// when given, else BOOTSTAGE_CONFIG_PATH when set, else the search path.
// Every directory the user named must be one; in the search path any may
// be missing, as on most machines some are. from says what named them,
// "" for the search path.
func (a *app) configPath(flagDirs []string) (dirs []string, from string, err error) {
	switch {
	case flagDirs != nil:
		dirs, from = flagDirs, "--config-path"
	case a.env.Getenv(load.ConfigPathEnv) != "":
		dirs, from = load.SplitPath(a.env.Getenv(load.ConfigPathEnv)), load.ConfigPathEnv
	default:
		return a.searchPath(), "", nil
	}
	if len(dirs) == 0 {
		return nil, from, fail(ExitError, "%s names no directory", from)
	}
	for _, d := range dirs {
		if err := configDir(d, from); err != nil {
			return nil, from, err
		}
	}
	return dirs, from, nil
}

// searchPath is the default search path of this environment.
func (a *app) searchPath() []string {
	if a.env.SearchPath != nil {
		return a.env.SearchPath
	}
	return load.DefaultSearchPath
}

// configDir says in one line why d, named by from, is not a config
// directory; nil when it is one.
func configDir(d, from string) error {
	fi, err := os.Stat(d)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fail(ExitError, "%s: no such config directory (from %s)", d, from)
	case errors.Is(err, fs.ErrPermission):
		return fail(ExitPermission, "%s: permission denied (from %s)", d, from)
	case err != nil:
		return fail(ExitError, "%s: %v (from %s)", d, errors.Unwrap(err), from)
	case !fi.IsDir():
		return fail(ExitError, "%s: not a directory (from %s, which names directories holding stages.toml and services/)", d, from)
	}
	return nil
}

// generate runs the generator as the real one runs, on the config path
// (see configPath) that flagDirs and the environment give.
func (a *app) generate(flagDirs []string) (*generator.Output, error) {
	dirs, _, err := a.configPath(flagDirs)
	if err != nil {
		return nil, err
	}
	return a.generateIn(dirs)
}

// generateIn runs the generator on the config directories dirs.
func (a *app) generateIn(dirs []string) (*generator.Output, error) {
	out, err := a.env.Generate(generator.Options{ConfigPath: dirs, Hostname: a.env.Hostname, Host: a.env.Host})
	if err != nil {
		return nil, fmt.Errorf("reading the config: %w", err)
	}
	return out, nil
}

// stack reads the config and names its stages and units.
func (a *app) stack(dirs []string) (*stack, error) {
	out, err := a.generate(dirs)
	if err != nil {
		return nil, err
	}
	st := buildStack(out)
	if len(out.Problems) > 0 {
		fmt.Fprintf(a.env.Stderr, "warning: the config has %d problem(s); bootstage validate lists them\n", len(out.Problems))
	}
	return st, nil
}

// dial connects to systemd, or says in one line why it cannot.
func (a *app) dial(ctx context.Context) (Systemd, error) {
	if _, err := os.Stat(a.env.SystemdRunDir); err != nil {
		return nil, fail(ExitNoSystemd, "systemd is not running on this machine (no %s)", a.env.SystemdRunDir)
	}
	return a.env.Dial(ctx)
}

// oneArg returns the single optional positional argument of c.
func oneArg(c *ucli.Context, what string) (string, error) {
	switch c.NArg() {
	case 0:
		return "", nil
	case 1:
		return c.Args().First(), nil
	}
	return "", fail(ExitError, "%s takes at most one %s, got %s", c.Command.Name, what, strings.Join(c.Args().Slice(), " "))
}

// polish gives c and its subcommands one-line usage errors and keeps the
// "help" subcommand out of their help text.
func polish(c *ucli.Command) {
	c.HideHelpCommand = true
	c.OnUsageError = func(ctx *ucli.Context, err error, _ bool) error {
		return usageError(c.Flags, c.Name, err)
	}
	for _, s := range c.Subcommands {
		polish(s)
	}
}

// usageError is a bad flag in one line, with the nearest flag name.
func usageError(flags []ucli.Flag, cmd string, err error) error {
	msg := oneLine(err.Error())
	if _, bad, ok := strings.Cut(msg, "flag provided but not defined: "); ok {
		var names []string
		for _, f := range flags {
			for _, n := range f.Names() {
				if len(n) > 1 {
					names = append(names, "--"+n)
				}
			}
		}
		bad = "--" + strings.TrimLeft(bad, "-")
		msg = "unknown flag " + bad
		if s := config.Closest(bad, names); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
	}
	if cmd == "" {
		return fail(ExitError, "%s; see bootstage --help", msg)
	}
	return fail(ExitError, "%s: %s; see bootstage %s --help", cmd, msg, cmd)
}

// flagsFirst moves a command's flags before its arguments, so that
// `bootstage logs web -f` works: urfave/cli v2 stops reading flags at the
// first argument. Everything after "--" stays as it is, and so does a
// completion request (whose marker must stay last).
func flagsFirst(a *ucli.App, args []string) []string {
	if len(args) < 2 || args[len(args)-1] == "--generate-bash-completion" {
		return args
	}
	out := []string{args[0]}
	cmds, i := a.Commands, 1
	var cmd *ucli.Command
	for ; i < len(args); i++ {
		c := findCommand(cmds, args[i])
		if c == nil {
			break
		}
		out, cmd, cmds = append(out, args[i]), c, c.Subcommands
	}
	if cmd == nil || len(cmd.Subcommands) > 0 || cmd.SkipFlagParsing {
		return args // a command that reads its own words gets them in order
	}
	var flags, rest []string
	for ; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--":
			rest = append(rest, args[i:]...)
			i = len(args)
		case strings.HasPrefix(arg, "-") && arg != "-":
			flags = append(flags, arg)
			if !strings.Contains(arg, "=") && takesValue(cmd, strings.TrimLeft(arg, "-")) && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		default:
			rest = append(rest, arg)
		}
	}
	return append(append(out, flags...), rest...)
}

func findCommand(cmds []*ucli.Command, name string) *ucli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// takesValue reports whether the flag called name reads the next argument.
func takesValue(cmd *ucli.Command, name string) bool {
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			if n == name {
				_, isBool := f.(*ucli.BoolFlag)
				return !isBool
			}
		}
	}
	return false
}
