package config

import "time"

// Tree is a whole configuration: every stage in boot order and every
// service that applies to this node. Services whose file failed validation
// are kept in Broken so their units can still report the error.
type Tree struct {
	Stages   []*Stage
	Services []*Service // sorted by Name
	Broken   []*Broken  // sorted by Name
	// Skipped names services whose nodes= list excludes this host.
	Skipped []string
}

// Stage is one boot stage, from stages.toml or the implicit "default".
type Stage struct {
	Name      string
	Timeout   time.Duration // how long the gate waits for health
	OnTimeout OnTimeout
	Health    Check // default check for the stage's components ("" = DefaultCheck)
	Services  []*Service
	Source    string // stages.toml path, or "" for the implicit stage
	Line      int
}

// Service is one services/NAME.toml file.
type Service struct {
	Name       string
	Stage      string
	Nodes      []string
	Components []*Component
	Source     string // absolute path of the TOML file
}

// Broken is a service file that failed validation. Name is known when the
// file name gives it; Errors are the problems found, already positioned.
type Broken struct {
	Name   string
	Stage  string // "" when unknown
	Source string
	Errors []error
}

// Component is one [[components]] table: a container or a VM.
type Component struct {
	Name    string // "" for a single unnamed component: its unit is SERVICE.service
	Runtime Runtime

	// Shared by both runtimes.
	Image string
	// Cmd is a container's command, or a unikernel's arguments after its
	// argv[0]. nil (not set) lets an image source use the image's CMD.
	Cmd          []string
	Entrypoint   []string
	Env          []EnvVar // sorted by key
	Ports        []Port
	Volumes      []Volume
	Restart      Restart
	StartTimeout time.Duration // 0: the runtime's default
	StopTimeout  time.Duration // 0: the runtime's default
	Health       Health

	// Podman only.
	Network    string
	User       string
	PodmanArgs []string // extra `podman run` arguments, after ours
	Init       bool     // run an init as PID 1 (podman run --init)

	// QEMU only.
	Kernel    string
	Initrd    string
	Append    string
	Disk      string
	Snapshot  bool
	ImagePath string
	// Nanos is runtime = "unikernel": the component's program, an ELF on
	// the host (Program) or in its image (ImagePath, or the image's
	// entrypoint), is built into a Nanos image with its Cmd, Env and
	// Volumes.
	Nanos    bool
	Program  string // unikernel only: a static ELF on the host
	MemoryMB int
	VCPUs    int
	Accel    Accel
	QEMUArgs []string
}

// EnvVar is one environment variable of a component.
type EnvVar struct{ Key, Value string }

// Port is one podman-style publish spec: [[ip:]hostPort:]containerPort[/proto].
type Port struct {
	HostIP        string // "" = all addresses
	HostPort      int    // 0 = chosen by podman (qemu: not allowed)
	ContainerPort int
	Proto         string // tcp | udp
}

// Volume is one bind mount: host:container[:options].
type Volume struct {
	Host, Container string
	Options         []string // ro, rw, z, Z, ...
}

// FieldError is a problem with one key of a component ("memory_mb",
// "ports.0"), found by a rule of this package or by a runtime; the loader
// reports it at that key's position.
type FieldError struct{ Key, Msg, Hint string }

// RuntimeCheck validates what only a runtime knows of a component.
type RuntimeCheck func(*Component) []FieldError
