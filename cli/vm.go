package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/runtimes/qemu"
	"github.com/bootstage/bootstage/vm"
)

// vmStopMargin is how much longer than the guest's power-down timeout the
// whole stop may take: connecting, the quit, qemu's exit.
const vmStopMargin = 10 * time.Second

func (a *app) vmCommand() *ucli.Command {
	subs := []*ucli.Command{
		{
			Name:      "status",
			Usage:     "show a guest's run state as QEMU reports it over QMP",
			UsageText: "bootstage vm status [--json] SERVICE/COMPONENT | UNIT | SOCKET",
			Description: "Asks QEMU for its run state (query-status) through the VM unit's QMP socket.\n" +
				"Exit 0 when the guest runs, 1 when it does not, 2 on error, 4 without permission.",
			Flags:        []ucli.Flag{&ucli.BoolFlag{Name: "json", Usage: "print JSON"}, configFlag()},
			BashComplete: a.completeVMs,
			Action:       a.vmStatus,
		},
		{
			Name:      "stop",
			Usage:     "power a guest down (ACPI), then quit QEMU if it does not",
			UsageText: "bootstage vm stop [--timeout DURATION] SERVICE/COMPONENT | UNIT | SOCKET",
			Description: "Presses the guest's power button over QMP, waits --timeout for it to shut down,\n" +
				"then tells QEMU to quit. VM units run this as their ExecStop=. A guest that is not\n" +
				"running is not an error. Exit 0 when the guest is down, 2 on error, 4 without\n" +
				"permission.",
			Flags: []ucli.Flag{
				&ucli.DurationFlag{Name: "timeout", Value: config.DefaultVMStopTimeout, Usage: "wait `DURATION` for the guest to power down"},
				configFlag(),
			},
			BashComplete: a.completeVMs,
			Action:       a.vmStop,
		},
		{
			Name:  "prepare",
			Usage: "make a VM's boot disk, or build a unikernel's image (run by the VM unit's ExecStartPre=)",
			UsageText: "bootstage vm prepare --podman PATH --image REF --path FILE --link LINK\n" +
				"bootstage vm prepare --nanos --state DIR --kernel F --boot F --mkfs F (--program ELF |\n" +
				"    --podman PATH --image REF (--path FILE | --entrypoint [--image-cmd])) [--arg A]... [--env K=V]... [--mount TAG:PATH[:ro]]...",
			Hidden: true,
			// Its command lines are written by the qemu runtime, and a
			// unikernel's arguments may look like flags: parsed here.
			SkipFlagParsing: true,
			Action:          a.vmPrepare,
		},
	}
	return &ucli.Command{
		Name:         "vm",
		Usage:        "look at or stop a QEMU guest through its QMP socket",
		Subcommands:  subs,
		BashComplete: a.completeCommands(subs),
	}
}

// vmSocket resolves the NAME argument: a socket path as it is, otherwise a
// name checked against the config's QEMU components (with a did-you-mean)
// when the config can be read. A config directory the user named must
// exist all the same.
func (a *app) vmSocket(c *ucli.Context) (string, string, error) {
	if c.NArg() != 1 {
		return "", "", fail(ExitError, "vm %s takes one SERVICE/COMPONENT, unit or socket", c.Command.Name)
	}
	name := c.Args().First()
	if !strings.HasPrefix(name, "/") {
		if _, _, err := a.configPath(configDirs(c)); err != nil {
			return "", "", err
		}
		if vms, err := a.vmNames(c); err == nil && !knownVM(name, vms) {
			var names []string
			for _, v := range vms {
				names = append(names, v.Name)
			}
			return "", "", unknownName("QEMU component", name, names)
		}
	}
	socket, err := vm.SocketFor(name)
	if err != nil {
		return "", "", fail(ExitError, "vm %s %s: %v", c.Command.Name, name, err)
	}
	return name, socket, nil
}

func knownVM(name string, vms []*componentView) bool {
	for _, v := range vms {
		if name == v.Name || name == v.Unit || name+".service" == v.Unit {
			return true
		}
	}
	return false
}

// vmNames lists the QEMU components of the config.
func (a *app) vmNames(c *ucli.Context) ([]*componentView, error) {
	out, err := a.generate(configDirs(c))
	if err != nil {
		return nil, err
	}
	st := buildStack(out)
	var vms []*componentView
	for _, s := range st.Stages {
		for _, cv := range s.Components {
			if cv.Runtime == string(config.QEMU) {
				vms = append(vms, cv)
			}
		}
	}
	return vms, nil
}

func (a *app) vmStatus(c *ucli.Context) error {
	name, socket, err := a.vmSocket(c)
	if err != nil {
		return err
	}
	st, err := a.env.VMStatus(c.Context, socket)
	if errors.Is(err, vm.ErrNotRunning) {
		st = vm.VMStatus{Status: "not running"}
	} else if err != nil {
		return vmError("asking", name, socket, err)
	}
	if c.Bool("json") {
		if err := writeJSON(a.env.Stdout, struct {
			Name   string `json:"name"`
			Socket string `json:"socket"`
			vm.VMStatus
		}{name, socket, st}); err != nil {
			return err
		}
	} else {
		t := toneNone
		if st.Running {
			t = toneGood
		}
		s := a.env.style()
		fmt.Fprintf(a.env.Stdout, "%s%s: %s (QMP %s)\n", s.mark(t), name, s.paint(t, st.Status), socket)
	}
	if !st.Running {
		return errSilent(ExitFailure)
	}
	return nil
}

func (a *app) vmStop(c *ucli.Context) error {
	name, socket, err := a.vmSocket(c)
	if err != nil {
		return err
	}
	timeout := c.Duration("timeout")
	ctx, cancel := context.WithTimeout(c.Context, timeout+vmStopMargin)
	defer cancel()
	r, err := a.env.VMStop(ctx, socket, timeout)
	if err != nil {
		return vmError("stopping", name, socket, err)
	}
	switch {
	case r.NotRunning:
		fmt.Fprintf(a.env.Stdout, "%s was not running\n", name)
	case r.PoweredDown:
		fmt.Fprintf(a.env.Stdout, "%s powered down after %s\n", name, r.Waited.Round(100*time.Millisecond))
	case r.Quit:
		fmt.Fprintf(a.env.Stdout, "%s did not power down within %s; QEMU quit\n", name, timeout)
	}
	return nil
}

func vmError(doing, name, socket string, err error) error {
	if isPermission(err) {
		return fail(ExitPermission, "permission denied on the QMP socket %s (try sudo)", socket)
	}
	return fmt.Errorf("%s %s over QMP (%s): %w", doing, name, socket, err)
}

// completeVMs prints the QEMU components of the config.
func (a *app) completeVMs(c *ucli.Context) {
	if a.completingFlag(c) || c.NArg() > 0 {
		return
	}
	vms, err := a.vmNames(c)
	if err != nil {
		return
	}
	for _, v := range vms {
		fmt.Fprintln(a.env.Stdout, v.Name)
	}
}

// vmPrepare runs either form of `bootstage vm prepare`.
func (a *app) vmPrepare(c *ucli.Context) error {
	args := c.Args().Slice()
	if len(args) > 0 && args[0] == qemu.NanosFlag {
		b, err := qemu.ParseNanosBuild(args[1:])
		if err != nil {
			return fail(ExitError, "vm prepare --nanos: %v", err)
		}
		r, err := a.env.VMPrepareNanos(c.Context, b)
		if err != nil {
			return fmt.Errorf("building the unikernel's image: %w", err)
		}
		if r.Built {
			fmt.Fprintf(a.env.Stdout, "Nanos image %s built (inputs %s)\n", r.Image, r.Digest[:16])
		} else {
			fmt.Fprintf(a.env.Stdout, "Nanos image %s reused (inputs %s unchanged)\n", r.Image, r.Digest[:16])
		}
		return nil
	}
	o, err := parsePrepare(args)
	if err != nil {
		return fail(ExitError, "vm prepare: %v", err)
	}
	file, err := a.env.VMPrepare(c.Context, o)
	if err != nil {
		return fmt.Errorf("preparing the boot disk: %w", err)
	}
	fmt.Fprintln(a.env.Stdout, file)
	return nil
}

// parsePrepare reads the flags of an image-sourced VM's prepare, all
// four required: --podman, --image, --path, --link, each with a value.
func parsePrepare(args []string) (vm.PrepareOptions, error) {
	var o vm.PrepareOptions
	flags := map[string]*string{"--podman": &o.Podman, "--image": &o.Image, "--path": &o.Path, "--link": &o.Link}
	for i := 0; i < len(args); i += 2 {
		p, ok := flags[args[i]]
		if !ok {
			return o, fmt.Errorf("unknown flag %q", args[i])
		}
		if i+1 >= len(args) {
			return o, fmt.Errorf("%s needs a value", args[i])
		}
		*p = args[i+1]
	}
	for _, f := range []string{"--podman", "--image", "--path", "--link"} {
		if *flags[f] == "" {
			return o, fmt.Errorf("%s is required", f)
		}
	}
	return o, nil
}
