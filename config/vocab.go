package config

// The words of the configuration, each with the type of the key that takes
// it. A list beside each set (Runtimes, Checks, ...) is what the loader
// accepts, in the order its messages name them.

// Runtime names how a component runs.
type Runtime string

// The runtimes.
const (
	// Podman runs the component as a podman container.
	Podman Runtime = "podman"
	// QEMU runs the component as a qemu-system-x86_64 guest.
	QEMU Runtime = "qemu"
)

// The words runtime = accepts beside the runtimes' own names.
const (
	// Unikernel is a Nanos guest (DESIGN §8): a QEMU component whose
	// program, one Linux ELF, bootstage builds into a Nanos image
	// (Component.Nanos).
	Unikernel = "unikernel"
	// Container is another word for Podman, as MCP's definitions say it.
	Container = "container"
)

// RuntimeWords are the words runtime = accepts, at a service's top level
// (the default of its components) and in a component.
var RuntimeWords = []string{string(Podman), string(QEMU), Unikernel, Container}

// OnTimeout is what a stage's gate does when its timeout passes.
type OnTimeout string

// The stage timeout policies (DESIGN §2, §3).
const (
	// Block waits for ever: the next stage never starts on an unhealthy one.
	Block OnTimeout = "block"
	// Proceed sends READY=1 at the timeout with a degraded status, so the
	// next stage starts, and keeps monitoring.
	Proceed OnTimeout = "proceed"
	// Fail exits non-zero at the timeout: the stage target fails and the
	// stages after it, which require it, do not start.
	Fail OnTimeout = "fail"
)

// OnTimeouts are the words on_timeout = accepts.
var OnTimeouts = []OnTimeout{Block, Proceed, Fail}

// Holds reports whether a stage under policy p holds back the stages after
// it when it is not healthy: they Require= it rather than Want= it.
func (p OnTimeout) Holds() bool { return p != Proceed }

// Check is a kind of health check.
type Check string

// The health checks (DESIGN §4).
const (
	CheckTCP     Check = "tcp"     // a TCP connect succeeds
	CheckGRPC    Check = "grpc"    // grpc.health.v1 answers SERVING
	CheckHTTP    Check = "http"    // a GET answers 2xx/3xx, or the given status
	CheckHTTPS   Check = "https"   // the same over TLS
	CheckExec    Check = "exec"    // a command exits 0
	CheckSystemd Check = "systemd" // the unit itself is active (it sends its own READY=1)
	CheckNone    Check = "none"    // not checked: healthy once started
)

// Checks are the words check = and a stage's health = accept.
var Checks = []Check{CheckTCP, CheckGRPC, CheckHTTP, CheckHTTPS, CheckExec, CheckSystemd, CheckNone}

// Network reports whether check c talks to a host and port.
func (c Check) Network() bool {
	switch c {
	case CheckTCP, CheckGRPC, CheckHTTP, CheckHTTPS:
		return true
	}
	return false
}

// Action is what the gate does with a component that turned unhealthy
// after the gate opened.
type Action string

// The on_unhealthy actions; the zero Action only logs.
const (
	// ActionRestart restarts the component's unit after Threshold failures.
	ActionRestart Action = "restart"
)

// Actions are the words on_unhealthy = accepts.
var Actions = []Action{ActionRestart}

// Restart is a component's restart policy, in docker's and podman's words.
type Restart string

// The restart policies; Systemd says what each becomes.
const (
	RestartNo            Restart = "no"
	RestartOnFailure     Restart = "on-failure"
	RestartAlways        Restart = "always"
	RestartUnlessStopped Restart = "unless-stopped"
)

// Restarts are the words restart = accepts.
var Restarts = []Restart{RestartNo, RestartOnFailure, RestartAlways, RestartUnlessStopped}

// Systemd is the Restart= value of r, for every runtime. unless-stopped is
// always: systemd never restarts a unit stopped by `systemctl stop`, which
// is exactly the "unless stopped" part. The zero Restart is DefaultRestart.
func (r Restart) Systemd() string {
	switch r {
	case "":
		return DefaultRestart.Systemd()
	case RestartUnlessStopped:
		return string(RestartAlways)
	}
	return string(r)
}

// Accel is how a VM is accelerated.
type Accel string

// The accelerators.
const (
	// AccelAuto is KVM where hardware virtualization really works on the
	// host (see the Host's KVM), else TCG.
	AccelAuto Accel = "auto"
	AccelKVM  Accel = "kvm" // KVM, or the VM fails to start
	AccelTCG  Accel = "tcg" // software emulation
)

// Accels are the words accel = accepts.
var Accels = []Accel{AccelAuto, AccelKVM, AccelTCG}

// Words turns a list of typed words into strings, for messages and enums.
func Words[T ~string](list []T) []string {
	out := make([]string, len(list))
	for i, w := range list {
		out[i] = string(w)
	}
	return out
}

// RouteMode is how the node's proxy forwards a route.
type RouteMode string

// The route modes.
const (
	L4 RouteMode = "l4" // TCP passthrough
	L7 RouteMode = "l7" // HTTP, by hostname
)

// RouteModes are the words a route's mode = accepts.
var RouteModes = []RouteMode{L4, L7}

// PullPolicy says when an image unit pulls its image (images/NAME.toml
// pull): podman's own --pull words.
type PullPolicy string

const (
	PullMissing PullPolicy = "missing" // only when absent (the default)
	PullAlways  PullPolicy = "always"  // at every start
	PullNever   PullPolicy = "never"   // never: the image must be there (or in archive)
	PullNewer   PullPolicy = "newer"   // when the registry has a newer one
)

// PullPolicies are the accepted pull values.
var PullPolicies = []PullPolicy{PullMissing, PullAlways, PullNever, PullNewer}

// AutoUpdate is a component's io.containers.autoupdate label value.
type AutoUpdate string

const (
	AutoUpdateRegistry AutoUpdate = "registry"
	AutoUpdateLocal    AutoUpdate = "local"
)

// AutoUpdates are the accepted auto_update values.
var AutoUpdates = []AutoUpdate{AutoUpdateRegistry, AutoUpdateLocal}
