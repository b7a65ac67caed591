package config

import "time"

// Defaults of the configuration: what a key that is not set means.
const (
	// DefaultStage is the one stage of a tree without stages.toml.
	DefaultStage = "default"
	// DefaultStageTimeout is how long a stage's gate waits for health.
	DefaultStageTimeout = 60 * time.Second
	// DefaultOnTimeout is a stage's policy when on_timeout is not set.
	DefaultOnTimeout = Proceed

	// DefaultRuntime runs a component that names none.
	DefaultRuntime = Podman
	// DefaultRestart is a component's restart policy when restart is not set.
	DefaultRestart = RestartOnFailure
	// RestartDelay is RestartSec= of every unit that restarts. systemd's
	// 100ms default would burn through StartLimitBurst= (5 starts in 10s)
	// in half a second and leave a crash-looping unit failed for good; at
	// 5s the limit is never reached, so "always" means always, as in podman.
	RestartDelay = 5 * time.Second

	// DefaultCheck is the health check when neither the component nor its
	// stage names one.
	DefaultCheck = CheckTCP
	// DefaultHealthHost is where a network check goes when neither
	// health.host nor a specific published address says.
	DefaultHealthHost = "127.0.0.1"
	// DefaultHealthPath is the request path of an http(s) check.
	DefaultHealthPath = "/"
	// DefaultInterval is how often the gate probes once it opened.
	DefaultInterval = 10 * time.Second
	// DefaultProbeTimeout bounds one probe attempt.
	DefaultProbeTimeout = 2 * time.Second
	// DefaultThreshold is how many failures in a row make a component
	// unhealthy enough for on_unhealthy = "restart".
	DefaultThreshold = 3

	// DefaultAccel is a VM's accel when it is not set.
	DefaultAccel = AccelAuto
	// DefaultVCPUs is a VM's vcpus when it is not set.
	DefaultVCPUs = 1
)

// Nanos's files, which a unikernel is built and booted with (DESIGN §8):
// the names they have in every directory of NanosDirs.
const (
	NanosKernel = "kernel.img" // the kernel, put into each image's boot partition
	NanosBoot   = "boot.img"   // the BIOS boot loader each image begins with
	NanosMkfs   = "mkfs"       // the tool that writes an image from a manifest
)

// NanosDirs are where Nanos's files are looked for when bootstage.toml's
// [unikernel] does not name them, in order: a distribution's package
// first, then a local install.
var NanosDirs = []string{"/usr/lib/nanos", "/usr/local/lib/nanos"}

// Defaults of the runtimes' unit keys.
const (
	// DefaultContainerStartTimeout is a container's TimeoutStartSec= when
	// it sets no start_timeout. The start job covers `podman run` up to
	// conmon's READY=1, which includes pulling the image; systemd's own 90s
	// default is too short for a large image on a slow link. Health is the
	// gate's business, not this.
	DefaultContainerStartTimeout = 5 * time.Minute
	// DefaultVMStopTimeout is how long `bootstage vm stop` waits for a
	// guest to power down before it tells qemu to quit, when the component
	// sets no stop_timeout.
	DefaultVMStopTimeout = 30 * time.Second
)

// Defaults of routes (DESIGN §2.4): the host ports they are given, the
// range the agent bootstage replaces used.
const (
	DefaultRouteLow  = 10000
	DefaultRouteHigh = 60000
)

// Resource defaults (DESIGN §2.1).
const (
	DefaultPull           = PullMissing
	DefaultPullRetries    = 3
	DefaultPullRetryDelay = 5 * time.Second
	DefaultSecretDir      = "/run/secrets/"
	DefaultSecretMode     = 0o400
)
