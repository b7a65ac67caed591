package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	ucli "github.com/urfave/cli/v2"
)

func (a *app) validateCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "validate",
		Usage:     "check the config and print every problem as file:line:column",
		UsageText: "bootstage validate [--config-path DIRS]",
		Description: "Reads stages.toml and services/*.toml as the generator does and prints every\n" +
			"problem, one per line, as FILE:LINE:COLUMN: MESSAGE (a hint follows where one helps).\n" +
			"Exit 0 when the config is clean, 1 when it has problems, 2 when it cannot be read:\n" +
			"a directory named by --config-path or BOOTSTAGE_CONFIG_PATH that does not exist,\n" +
			"or no directory of the search path at all.",
		Flags:  []ucli.Flag{configFlag()},
		Action: func(c *ucli.Context) error { return a.validate(configDirs(c)) },
	}
}

func (a *app) generateCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "generate",
		Usage:     "print or write the units the generator would write",
		UsageText: "bootstage generate --dry-run | --output DIR [--config-path DIRS]",
		Description: "--dry-run prints every file under a `==> NAME <==` heading (links as\n" +
			"`==> NAME -> TARGET <==`), byte for byte what the generator writes. --output DIR\n" +
			"writes them into DIR as the generator does. Exit 1 when the config has problems\n" +
			"(their units are still written, as units that fail and say why), 2 on error.",
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "print the files instead of writing them"},
			&ucli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the files into `DIR`"},
			configFlag(),
		},
		Action: func(c *ucli.Context) error {
			return a.generateCmd(configDirs(c), c.Bool("dry-run"), c.String("output"))
		},
	}
}

func (a *app) planCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "plan",
		Usage:     "show what systemctl daemon-reload would change",
		UsageText: "bootstage plan [--against DIR] [--config-path DIRS]",
		Description: "Compares the generator output systemd runs with (" + "/run/systemd/generator, or\n" +
			"--against DIR) with what the config produces now: units added, removed and\n" +
			"changed, with a unified diff per changed unit, and which unikernels build a new\n" +
			"image at their next start.\n" +
			"Exit 0 when nothing changes, 1 when something does, 2 on error.",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "against", Usage: "compare with the generator output in `DIR`"},
			configFlag(),
		},
		Action: func(c *ucli.Context) error {
			out, err := a.generate(configDirs(c))
			if err != nil {
				return err
			}
			dir := c.String("against")
			if dir == "" {
				dir = a.env.LiveDir
			}
			return a.plan(c.Context, out, dir)
		},
	}
}

func (a *app) graphCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "graph",
		Usage:     "draw the stages, their order and policies, and their components",
		UsageText: "bootstage graph [--format dot|mermaid] [--render png|svg --output FILE] [--config-path DIRS]",
		Description: "Prints the stage graph as Graphviz DOT (default) or Mermaid: a box per stage in\n" +
			"boot order with its timeout policy, its components with runtime and health check,\n" +
			"and its gate; an arrow to the next stage, solid where the next stage requires this\n" +
			"one (block, fail) and dashed where it only wants it (proceed). --render draws the\n" +
			"picture with Graphviz's dot, when installed. Exit 0, or 2 on error.",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "dot", Usage: "`dot` or mermaid"},
			&ucli.StringFlag{Name: "render", Usage: "render to `FORMAT` (png or svg) with Graphviz"},
			&ucli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "-", Usage: "write the rendered picture to `FILE`"},
			configFlag(),
		},
		Action: func(c *ucli.Context) error {
			st, err := a.stack(configDirs(c))
			if err != nil {
				return err
			}
			var b bytes.Buffer
			switch f := c.String("format"); f {
			case "dot":
				writeDOT(&b, st)
			case "mermaid":
				if c.String("render") != "" {
					return fail(ExitError, "--render works with --format dot only")
				}
				writeMermaid(&b, st)
			default:
				return fail(ExitError, "--format %s: want dot or mermaid", f)
			}
			if r := c.String("render"); r != "" {
				return a.render(c.Context, b.Bytes(), r, c.String("output"))
			}
			_, err = a.env.Stdout.Write(b.Bytes())
			return err
		},
	}
}

func (a *app) statusCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "status",
		Usage:     "show stages, gates, components and health, as systemd sees them",
		UsageText: "bootstage status [--json] [STAGE]",
		Description: "Asks systemd over D-Bus for each stage's target and gate (with the gate's status\n" +
			"text) and each component's unit: state, since when, and health as the gate reports\n" +
			"it. --json prints the same for scripts (states in systemd's words, as systemctl show).\n" +
			"Exit 0 when every stage shown is open and no component is failed or unhealthy,\n" +
			"1 otherwise (an invalid stages.toml, where no stage runs, included), 2 on error,\n" +
			"3 when systemd is unreachable.",
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "json", Usage: "print JSON"},
			configFlag(),
		},
		BashComplete: a.completeStages,
		Action: func(c *ucli.Context) error {
			name, err := oneArg(c, "STAGE")
			if err != nil {
				return err
			}
			return a.status(c.Context, configDirs(c), name, c.Bool("json"))
		},
	}
}

func upDownFlags(verb string) []ucli.Flag {
	return []ucli.Flag{
		&ucli.BoolFlag{Name: "no-block", Usage: "queue the " + verb + " job and return at once"},
		&ucli.DurationFlag{Name: "timeout", Usage: "stop watching after `DURATION` (exit 1); the job goes on"},
		configFlag(),
	}
}

func (a *app) upCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "up",
		Usage:     "start a stage (and the stages before it), or every stage",
		UsageText: "bootstage up [--no-block] [--timeout DURATION] [STAGE]",
		Description: "Starts bootstage-STAGE.target (default: bootstage.target) over D-Bus and prints\n" +
			"each component and gate as it changes, with the time since the start, until the\n" +
			"target is active or a unit fails; then prints the failed unit and its last journal\n" +
			"lines. Exit 0 when the target is active, 1 when a unit or the job failed (or\n" +
			"--timeout passed), 2 on error, 3 when systemd is unreachable, 4 without permission.",
		Flags:        upDownFlags("start"),
		BashComplete: a.completeStages,
		Action: func(c *ucli.Context) error {
			return a.upDown(c, a.up)
		},
	}
}

func (a *app) downCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "down",
		Usage:     "stop a stage (and the stages that require it), or every stage",
		UsageText: "bootstage down [--no-block] [--timeout DURATION] [STAGE]",
		Description: "Stops the stage's target, gate and components (default: every stage and\n" +
			"bootstage.target) over D-Bus and prints each change until all are stopped. Later\n" +
			"stages that require the stage stop with it, as systemd's Requires= says.\n" +
			"Exit 0 when all stopped, 1 when a stop job failed (or --timeout passed), 2 on error,\n" +
			"3 when systemd is unreachable, 4 without permission.",
		Flags:        upDownFlags("stop"),
		BashComplete: a.completeStages,
		Action: func(c *ucli.Context) error {
			return a.upDown(c, a.down)
		},
	}
}

func (a *app) logsCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "logs",
		Usage:     "show the journal of a service, a component or a stage",
		UsageText: "bootstage logs [-f] [-n N] [--stage STAGE] [SERVICE[/COMPONENT]]",
		Description: "Runs journalctl with a -u for each unit: every component of SERVICE, the one unit\n" +
			"of SERVICE/COMPONENT, or, without a name, every unit of --stage STAGE (gate and\n" +
			"target included) or of all stages. Exit status is journalctl's; 2 for an unknown name.",
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep printing new entries"},
			&ucli.IntFlag{Name: "lines", Aliases: []string{"n"}, Value: -1, Usage: "show the last `N` entries"},
			&ucli.StringFlag{Name: "stage", Aliases: []string{"s"}, Usage: "only units of `STAGE`"},
			configFlag(),
		},
		BashComplete: a.completeComponents,
		Action: func(c *ucli.Context) error {
			name, err := oneArg(c, "SERVICE[/COMPONENT]")
			if err != nil {
				return err
			}
			st, err := a.stack(configDirs(c))
			if err != nil {
				return err
			}
			return a.logs(st, logsOptions{Name: name, Stage: c.String("stage"), Follow: c.Bool("follow"), Lines: c.Int("lines")})
		},
	}
}

// upDown runs up or down with the flags and argument of c.
func (a *app) upDown(c *ucli.Context, run func(ctx context.Context, st *stack, o upOptions) error) error {
	name, err := oneArg(c, "STAGE")
	if err != nil {
		return err
	}
	st, err := a.stack(configDirs(c))
	if err != nil {
		return err
	}
	return run(c.Context, st, upOptions{Stage: name, NoBlock: c.Bool("no-block"), Timeout: c.Duration("timeout")})
}

// completeStages prints stage names for shell completion.
func (a *app) completeStages(c *ucli.Context) {
	if a.completingFlag(c) || c.NArg() > 0 {
		return
	}
	if st, err := a.quietStack(c); err == nil {
		for _, n := range st.stageNames() {
			fmt.Fprintln(a.env.Stdout, n)
		}
	}
}

// completeComponents prints service and service/component names.
func (a *app) completeComponents(c *ucli.Context) {
	if a.completingFlag(c) || c.NArg() > 0 {
		return
	}
	st, err := a.quietStack(c)
	if err != nil {
		return
	}
	var known []string
	for _, s := range st.Stages {
		for _, cv := range s.Components {
			known = append(known, cv.Name)
		}
	}
	names := withServices(known)
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintln(a.env.Stdout, n)
	}
}

// quietStack reads the config without warnings: completion output must
// hold names only.
func (a *app) quietStack(c *ucli.Context) (*stack, error) {
	out, err := a.generate(configDirs(c))
	if err != nil {
		return nil, err
	}
	return buildStack(out), nil
}

// completingFlag prints the command's flags when the word being completed
// starts with "-" (the completion scripts pass it before the marker) and
// reports whether it did.
func (a *app) completingFlag(c *ucli.Context) bool {
	n := len(a.argv)
	if n < 2 || !strings.HasPrefix(a.argv[n-2], "-") {
		return false
	}
	if c.Command != nil {
		printFlags(c.App.Writer, c.Command.VisibleFlags())
	} else {
		printFlags(c.App.Writer, c.App.VisibleFlags())
	}
	return true
}

// printFlags lists flag names, long ones first, for completion.
func printFlags(w io.Writer, flags []ucli.Flag) {
	for _, f := range flags {
		for _, n := range f.Names() {
			if len(n) > 1 {
				fmt.Fprintln(w, "--"+n)
			}
		}
	}
}

// completeCommands prints the names of cmds, or the flags of c when the
// word being completed starts with "-". It stands in for urfave/cli's
// default, which reads the process's own arguments.
func (a *app) completeCommands(cmds []*ucli.Command) ucli.BashCompleteFunc {
	return func(c *ucli.Context) {
		if a.completingFlag(c) {
			return
		}
		for _, cmd := range cmds {
			if !cmd.Hidden {
				fmt.Fprintln(c.App.Writer, strings.Join(cmd.Names(), "\n"))
			}
		}
	}
}
