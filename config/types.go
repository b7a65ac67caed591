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
	// BrokenStages is stages.toml when it failed validation (Name is ""):
	// then no service has a place in the boot order, so Stages is empty
	// and every service is in Broken.
	BrokenStages *Broken
	// Inactive names services whose file says active = false: nothing is
	// generated for them.
	Inactive []string
	// Node is the node-wide settings (bootstage.toml).
	Node Node
	// Resources are the declared networks, volumes, images and secrets
	// (DESIGN §2.1), by name; images also by reference.
	Resources Resources
}

// Resources are the files under networks/, volumes/, images/ and
// secrets/ that were read without error.
type Resources struct {
	Networks map[string]*Network
	Volumes  map[string]*NamedVolume
	Images   map[string]*Image // by file name
	Secrets  map[string]*Secret
	// Broken are the resource files that failed to load, by kind and name
	// ("networks/mcpnet"): what uses one gets a failing unit, not defaults.
	Broken map[string]*Broken
}

// ImageFor returns the options for image reference ref: those of the
// images/ file whose name or ref is ref, else the defaults.
func (r Resources) ImageFor(ref string) *Image {
	if im := r.Images[ref]; im != nil {
		return im
	}
	for _, im := range r.Images {
		if im.Ref == ref {
			return im
		}
	}
	return DefaultImage(ref)
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
	Active     bool // false: active = false, nothing is generated
	Components []*Component
	Source     string   // absolute path of the TOML file
	DropIns    []string // services/NAME.toml.d/*.toml merged over it, in order
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
	Routes       []Route // [[components.routes]], in file order
	Memory       int64   // bytes; 0: none (a VM: memory_mb)
	CPUs         float64 // 0: no limit
	PidsLimit    int     // 0: podman's default
	Secrets      []SecretRef

	// Podman only.
	Network    string
	User       string
	PodmanArgs []string // extra `podman run` arguments, after ours
	Init       bool     // run an init as PID 1 (podman run --init)
	EnvFiles   []string // podman run --env-file, in order
	AutoUpdate AutoUpdate

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
