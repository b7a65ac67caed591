package cli

import (
	ucli "github.com/urfave/cli/v2"
)

func (a *app) vmCommand() *ucli.Command {
	sub := func(name, usage string) *ucli.Command {
		return &ucli.Command{
			Name:         name,
			Usage:        usage,
			UsageText:    "bootstage vm " + name + " SERVICE[/COMPONENT]",
			Flags:        []ucli.Flag{configFlag()},
			BashComplete: a.completeComponents,
			Action: func(c *ucli.Context) error {
				return fail(ExitError, "vm %s is not available in this build: the QEMU control functions are not wired yet", name)
			},
		}
	}
	subs := []*ucli.Command{
		sub("status", "show a guest's run state as QEMU reports it"),
		sub("stop", "power a guest down gracefully (ACPI), then quit QEMU"),
	}
	return &ucli.Command{
		Name:         "vm",
		Usage:        "look at or stop a QEMU guest through its QMP socket",
		Subcommands:  subs,
		BashComplete: a.completeCommands(subs),
	}
}
