package spec

import (
	"fmt"

	"github.com/bootstage/bootstage/config"
	"strconv"
	"strings"
	"time"
)

// Parse reads the arguments that follow "gate". It is strict: unknown or
// repeated options, missing values, bad durations and options that do not
// fit the probe's check are errors that name the option. Omitted options
// get the Default* values, so Parse of a flattened Gate.Args() returns the
// same Gate.
func Parse(args []string) (Gate, error) {
	g := Gate{Timeout: DefaultTimeout, OnTimeout: DefaultOnTimeout}
	r := &reader{args: args}
	seen := map[string]bool{}
	for !r.done() && r.peek() != "--probe" {
		opt, val, err := r.option()
		if err != nil {
			return Gate{}, err
		}
		if seen[opt] {
			return Gate{}, fmt.Errorf("%s given twice", opt)
		}
		seen[opt] = true
		if err := g.set(opt, val); err != nil {
			return Gate{}, err
		}
	}
	for !r.done() {
		p, err := parseProbe(r)
		if err != nil {
			return Gate{}, err
		}
		g.Probes = append(g.Probes, p)
	}
	if err := g.Validate(); err != nil {
		return Gate{}, err
	}
	return g, nil
}

func (g *Gate) set(opt, val string) error {
	var err error
	switch opt {
	case "--stage":
		g.Stage = val
	case "--timeout":
		g.Timeout, err = duration(opt, val)
	case "--on-timeout":
		g.OnTimeout = config.OnTimeout(val)
	default:
		return fmt.Errorf("unknown stage option %s (stage options are --stage, --timeout, --on-timeout; probes start with --probe)", opt)
	}
	return err
}

// parseProbe reads one --probe group, up to the next --probe.
func parseProbe(r *reader) (Probe, error) {
	_, comp, err := r.option() // r.peek() == "--probe"
	if err != nil {
		return Probe{}, err
	}
	p := Probe{Component: comp, Interval: DefaultInterval, Timeout: DefaultProbeTimeout, Threshold: DefaultThreshold}
	seen := map[string]bool{}
	for !r.done() && r.peek() != "--probe" {
		opt, val, err := r.option()
		if err != nil {
			return Probe{}, fmt.Errorf("probe %q: %w", comp, err)
		}
		if seen[opt] && opt != "--command" {
			return Probe{}, fmt.Errorf("probe %q: %s given twice", comp, opt)
		}
		seen[opt] = true
		if err := p.set(opt, val); err != nil {
			return Probe{}, fmt.Errorf("probe %q: %w", comp, err)
		}
	}
	return p, nil
}

func (p *Probe) set(opt, val string) error {
	var err error
	switch opt {
	case "--unit":
		p.Unit = val
	case "--check":
		p.Check = config.Check(val)
	case "--target":
		p.Target = val
	case "--grpc-service":
		p.GRPCService = val
	case "--http-status":
		p.HTTPStatus, err = integer(opt, val)
	case "--command":
		p.Command = append(p.Command, val)
	case "--interval":
		p.Interval, err = duration(opt, val)
	case "--probe-timeout":
		p.Timeout, err = duration(opt, val)
	case "--on-unhealthy":
		p.OnUnhealthy = config.Action(val)
	case "--unhealthy-threshold":
		p.Threshold, err = integer(opt, val)
	case "--stage", "--timeout", "--on-timeout":
		return fmt.Errorf("%s is a stage option: put it before the first --probe", opt)
	default:
		return fmt.Errorf("unknown probe option %s", opt)
	}
	return err
}

func duration(opt, val string) (time.Duration, error) {
	d, err := time.ParseDuration(val)
	if err != nil {
		return 0, fmt.Errorf("%s %q: want a duration like 500ms, 10s or 2m", opt, val)
	}
	return d, nil
}

func integer(opt, val string) (int, error) {
	n, err := strconv.Atoi(val)
	if err != nil {
		return 0, fmt.Errorf("%s %q: want a whole number", opt, val)
	}
	return n, nil
}

// reader walks argv as (option, value) pairs.
type reader struct {
	args []string
	i    int
}

func (r *reader) done() bool   { return r.i >= len(r.args) }
func (r *reader) peek() string { return r.args[r.i] }

// option consumes "--name VALUE". Values may start with "-" (a command's
// own flags), so whatever follows an option is its value.
func (r *reader) option() (string, string, error) {
	opt := r.args[r.i]
	if !strings.HasPrefix(opt, "--") {
		return "", "", fmt.Errorf("unexpected argument %q: want an --option", opt)
	}
	if name, _, ok := strings.Cut(opt, "="); ok {
		return "", "", fmt.Errorf("%s: write the value as a separate argument, not with =", name)
	}
	if r.i+1 >= len(r.args) {
		return "", "", fmt.Errorf("%s needs a value", opt)
	}
	val := r.args[r.i+1]
	r.i += 2
	return opt, val, nil
}
