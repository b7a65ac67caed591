// Package spec is the gate command line shared by bootstage-generator, which
// writes it into each stage's gate unit, and bootstage-healthd, which reads it.
//
// The grammar is stage options first, then one group per probe:
//
//	gate --stage NAME [--timeout D] [--on-timeout block|proceed|fail]
//	     --probe COMPONENT --unit UNIT --check CHECK [--target T]
//	            [--grpc-service NAME] [--http-status N] [--command ARG]...
//	            [--interval D] [--probe-timeout D]
//	            [--on-unhealthy restart] [--unhealthy-threshold N]
//	     --probe ...
//
// Every option and its value are separate argv words. Its words and
// defaults are the configuration model's (package config); like config, it
// imports nothing heavier than the standard library, because
// bootstage-healthd links it and must stay small.
package spec

import (
	"fmt"

	"github.com/bootstage/bootstage/config"
	"net"
	"net/url"
	"strconv"
	"time"
)

// Defaults that Parse fills in when an option is omitted: the
// configuration's.
const (
	DefaultTimeout      = config.DefaultStageTimeout
	DefaultOnTimeout    = config.DefaultOnTimeout
	DefaultInterval     = config.DefaultInterval
	DefaultProbeTimeout = config.DefaultProbeTimeout
	DefaultThreshold    = config.DefaultThreshold
)

// Gate is one stage's gate: what to probe and what to do when time runs out.
type Gate struct {
	Stage     string
	Timeout   time.Duration // 0 = no timeout
	OnTimeout config.OnTimeout
	Probes    []Probe
}

// Probe is the health check of one component.
type Probe struct {
	Component   string // "service/component", or "service"
	Unit        string // the component's systemd unit
	Check       config.Check
	Target      string // tcp/grpc: HOST:PORT; http/https: URL; else ""
	GRPCService string // grpc.health.v1 service name
	HTTPStatus  int    // expected status; 0 = any 2xx/3xx
	Command     []string
	Interval    time.Duration // between probes after the gate opened
	Timeout     time.Duration // of one attempt
	OnUnhealthy config.Action // "" only logs
	Threshold   int           // consecutive failures before a restart
}

// Args renders g as argv groups for units.Section.Exec: the first group is
// "gate" and the stage options, then one group per probe. Flattened, the
// groups parse back to g. Stage options, interval and probe timeout are
// always written; other defaults are omitted.
func (g Gate) Args() [][]string {
	groups := [][]string{{
		"gate", "--stage", g.Stage,
		"--timeout", FormatDuration(g.Timeout),
		"--on-timeout", string(g.OnTimeout),
	}}
	for _, p := range g.Probes {
		groups = append(groups, p.args())
	}
	return groups
}

func (p Probe) args() []string {
	a := []string{"--probe", p.Component, "--unit", p.Unit, "--check", string(p.Check)}
	if p.Target != "" {
		a = append(a, "--target", p.Target)
	}
	if p.GRPCService != "" {
		a = append(a, "--grpc-service", p.GRPCService)
	}
	if p.HTTPStatus != 0 {
		a = append(a, "--http-status", strconv.Itoa(p.HTTPStatus))
	}
	for _, c := range p.Command {
		a = append(a, "--command", c)
	}
	a = append(a, "--interval", FormatDuration(p.Interval), "--probe-timeout", FormatDuration(p.Timeout))
	if p.OnUnhealthy != "" {
		a = append(a, "--on-unhealthy", string(p.OnUnhealthy))
	}
	if p.OnUnhealthy != "" || p.Threshold != DefaultThreshold {
		a = append(a, "--unhealthy-threshold", strconv.Itoa(p.Threshold))
	}
	return a
}

// Name is the probe's display name: its component.
func (p Probe) Name() string { return p.Component }

// Validate reports the first thing wrong with g, as Parse would.
func (g Gate) Validate() error {
	if g.Stage == "" {
		return fmt.Errorf("--stage is required")
	}
	if g.Timeout < 0 {
		return fmt.Errorf("--timeout %s: must not be negative", g.Timeout)
	}
	switch g.OnTimeout {
	case config.Block, config.Proceed, config.Fail:
	default:
		return fmt.Errorf("--on-timeout %q: want block, proceed or fail", g.OnTimeout)
	}
	seen := map[string]bool{}
	for _, p := range g.Probes {
		if err := p.Validate(); err != nil {
			return fmt.Errorf("probe %q: %w", p.Component, err)
		}
		if seen[p.Component] {
			return fmt.Errorf("probe %q: given twice", p.Component)
		}
		seen[p.Component] = true
	}
	return nil
}

// Validate reports the first thing wrong with p.
func (p Probe) Validate() error {
	if p.Component == "" {
		return fmt.Errorf("--probe needs a component name")
	}
	if p.Unit == "" {
		return fmt.Errorf("--unit is required")
	}
	if err := p.validateTarget(); err != nil {
		return err
	}
	if p.GRPCService != "" && p.Check != config.CheckGRPC {
		return fmt.Errorf("--grpc-service is only for --check grpc")
	}
	if p.HTTPStatus != 0 && p.Check != config.CheckHTTP && p.Check != config.CheckHTTPS {
		return fmt.Errorf("--http-status is only for --check http or https")
	}
	if p.HTTPStatus != 0 && (p.HTTPStatus < 100 || p.HTTPStatus > 599) {
		return fmt.Errorf("--http-status %d: want 100..599", p.HTTPStatus)
	}
	if (p.Check == config.CheckExec) != (len(p.Command) > 0) {
		return fmt.Errorf("--command is required for --check exec and only for it")
	}
	if len(p.Command) > 0 && p.Command[0] == "" {
		return fmt.Errorf("--command: the program name is empty")
	}
	if p.Interval <= 0 {
		return fmt.Errorf("--interval %s: must be positive", p.Interval)
	}
	if p.Timeout <= 0 {
		return fmt.Errorf("--probe-timeout %s: must be positive", p.Timeout)
	}
	if p.OnUnhealthy != "" && p.OnUnhealthy != config.ActionRestart {
		return fmt.Errorf("--on-unhealthy %q: want restart", p.OnUnhealthy)
	}
	if p.Threshold < 1 {
		return fmt.Errorf("--unhealthy-threshold %d: must be at least 1", p.Threshold)
	}
	return nil
}

func (p Probe) validateTarget() error {
	switch p.Check {
	case config.CheckTCP, config.CheckGRPC:
		if p.Target == "" {
			return fmt.Errorf("--target HOST:PORT is required for --check %s", p.Check)
		}
		return validateHostPort(p.Target)
	case config.CheckHTTP, config.CheckHTTPS:
		if p.Target == "" {
			return fmt.Errorf("--target URL is required for --check %s", p.Check)
		}
		u, err := url.Parse(p.Target)
		if err != nil {
			return fmt.Errorf("--target: %w", err)
		}
		if u.Scheme != string(p.Check) || u.Host == "" {
			return fmt.Errorf("--target %q: want a %s://HOST[:PORT]/PATH URL", p.Target, p.Check)
		}
		return nil
	case config.CheckExec, config.CheckSystemd, config.CheckNone:
		if p.Target != "" {
			return fmt.Errorf("--target is not used by --check %s", p.Check)
		}
		return nil
	case "":
		return fmt.Errorf("--check is required")
	default:
		return fmt.Errorf("--check %q: want tcp, grpc, http, https, exec, systemd or none", p.Check)
	}
}

func validateHostPort(t string) error {
	host, port, err := net.SplitHostPort(t)
	if err != nil {
		return fmt.Errorf("--target %q: want HOST:PORT: %w", t, err)
	}
	n, err := strconv.Atoi(port)
	if host == "" || err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("--target %q: want HOST:PORT with a port in 1..65535", t)
	}
	return nil
}

// FormatDuration is config.FormatDuration, the product's one duration
// format.
func FormatDuration(d time.Duration) string { return config.FormatDuration(d) }
