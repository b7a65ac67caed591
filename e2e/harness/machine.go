package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Paths inside every machine.
const (
	// Image is the busybox container image, imported at boot.
	Image = "localhost/bootstage-busybox:latest"
	// Fixtures is the read-only directory of fixtures in the machine.
	Fixtures = "/fixtures"
	// GuestKernel and GuestInitrd boot a qemu guest that serves
	// "hello from qemu guest" over HTTP on port 80 (10.0.2.15: qemu user
	// networking) and prints GUEST-READY on its serial console. Run it with
	// TCG (-accel tcg): this machine's /dev/kvm cannot boot a stock kernel.
	GuestKernel = Fixtures + "/vmlinuz"
	GuestInitrd = Fixtures + "/initrd.gz"
)

// Options shape a machine. The zero value is a good machine.
type Options struct {
	// Hostname of the machine (what `nodes =` is matched against);
	// default "bootstage-e2e".
	Hostname string
	// NoImage skips importing Image at boot.
	NoImage bool
	// NoKVM hides /dev/kvm, which is otherwise bound in when the host has it.
	NoKVM bool
	// NspawnArgs are more systemd-nspawn arguments, e.g. "--bind-ro=/src:/dst".
	NspawnArgs []string
	// CmdTimeout bounds every Run; default 5 minutes.
	CmdTimeout time.Duration
	// Logf receives progress lines; default: discarded (Boot uses t.Logf).
	Logf func(format string, args ...any)
}

// Machine is a running systemd (PID 1) in systemd-nspawn. Its root is the
// cached root with a tmpfs overlay (--volatile=overlay) and a fresh podman
// storage, so nothing a test does survives Close.
type Machine struct {
	opts    Options
	cache   *cache
	state   string // per-machine directory, removed by Close
	nspawn  *exec.Cmd
	exited  chan struct{}
	leader  int
	closed  bool
	tb      failer // nil when started with Start
	console string
}

// Start boots a machine. Most tests use Boot instead; Start is for
// programs (the demo) and for tests that want to handle errors themselves.
func Start(o Options) (*Machine, error) {
	if o.Hostname == "" {
		o.Hostname = "bootstage-e2e"
	}
	if o.CmdTimeout == 0 {
		o.CmdTimeout = 5 * time.Minute
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if err := checkHost(); err != nil {
		return nil, err
	}
	c, err := openCache(CacheDir(), o.Logf)
	if err != nil {
		return nil, err
	}
	m := &Machine{opts: o, cache: c, exited: make(chan struct{})}
	if err := m.boot(); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// checkHost reports what the host lacks to run a machine.
func checkHost() error {
	if os.Geteuid() != 0 {
		return errors.New("e2e machines need root")
	}
	var missing []string
	for _, p := range []string{"systemd-nspawn", "mmdebstrap", "nsenter", "apt-get", "dpkg-deb"} {
		if _, err := exec.LookPath(p); err != nil {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("e2e host lacks %s: run scripts/install-deps.sh", strings.Join(missing, ", "))
	}
	return nil
}

func (m *Machine) boot() error {
	storage, hostname, err := m.makeState()
	if err != nil {
		return err
	}
	t0 := time.Now()
	if err := m.startNspawn(storage, hostname); err != nil {
		return err
	}
	if err := m.findLeader(); err != nil {
		return err
	}
	st, err := m.waitRunning()
	if err != nil {
		return err
	}
	m.opts.Logf("harness: %s booted in %v (%s)", m.opts.Hostname, time.Since(t0).Round(time.Millisecond), st)
	if !m.opts.NoImage {
		if out, err := m.Run("podman", "import", "-q", "--change", `CMD ["/bin/sh"]`,
			Fixtures+"/busybox.tar", Image); err != nil {
			return fmt.Errorf("import %s: %w\n%s", Image, err, out)
		}
	}
	return nil
}

// makeState creates the machine's own directory under the cache's run/:
// its podman storage (overlayfs cannot hold podman's overlay storage) and
// its /etc/hostname (the root's is the build host's).
func (m *Machine) makeState() (storage, hostname string, err error) {
	run := filepath.Join(m.cache.dir, "run")
	if err := os.MkdirAll(run, 0o755); err != nil {
		return "", "", err
	}
	removeStale(run)
	if m.state, err = os.MkdirTemp(run, "machine-"); err != nil {
		return "", "", fmt.Errorf("create machine state: %w", err)
	}
	storage = filepath.Join(m.state, "containers")
	if err := os.Mkdir(storage, 0o700); err != nil {
		return "", "", err
	}
	hostname = filepath.Join(m.state, "hostname")
	if err := os.WriteFile(hostname, []byte(m.opts.Hostname+"\n"), 0o644); err != nil {
		return "", "", err
	}
	m.console = filepath.Join(m.state, "console.log")
	return storage, hostname, nil
}

func (m *Machine) startNspawn(storage, hostname string) error {
	out, err := os.Create(m.console)
	if err != nil {
		return err
	}
	defer out.Close()
	m.nspawn = exec.Command("systemd-nspawn", m.nspawnArgs(storage, hostname)...)
	m.nspawn.Stdout, m.nspawn.Stderr = out, out
	// Its own session: a ^C in the terminal reaches the test, not the
	// machine. And if the test process dies (a go test timeout), nspawn
	// gets SIGTERM and powers the machine off instead of living on.
	m.nspawn.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGTERM}
	if err := m.nspawn.Start(); err != nil {
		return fmt.Errorf("start systemd-nspawn: %w", err)
	}
	go func() { m.nspawn.Wait(); close(m.exited) }()
	pid := strconv.Itoa(m.nspawn.Process.Pid)
	return os.WriteFile(filepath.Join(m.state, "nspawn.pid"), []byte(pid), 0o644)
}

// nspawnArgs are the facts of shared/harness: no host systemd to register
// with, a private network (netavark writes sysctls), every capability, the
// keyring syscalls crun uses, and SIGRTMIN+3 to power off cleanly.
func (m *Machine) nspawnArgs(storage, hostname string) []string {
	a := []string{"--quiet", "--directory=" + m.cache.root(), "--volatile=overlay",
		"--machine=" + m.opts.Hostname, "--hostname=" + m.opts.Hostname,
		"--register=no", "--keep-unit", "--console=pipe", "--private-network",
		"--capability=all", "--system-call-filter=@keyring", "--kill-signal=SIGRTMIN+3",
		"--bind-ro=" + m.cache.fixtures() + ":" + Fixtures,
		"--bind=" + storage + ":/var/lib/containers", "--bind-ro=" + hostname + ":/etc/hostname"}
	if _, err := os.Stat("/dev/kvm"); err == nil && !m.opts.NoKVM {
		a = append(a, "--bind=/dev/kvm")
	}
	a = append(a, m.opts.NspawnArgs...)
	return append(a, "/usr/local/sbin/bootstage-e2e-init")
}

// findLeader finds the container's PID 1 as the host sees it: the child of
// nspawn that became systemd.
func (m *Machine) findLeader() error {
	parent := strconv.Itoa(m.nspawn.Process.Pid)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		select {
		case <-m.exited:
			return m.failure("systemd-nspawn exited during boot")
		default:
		}
		procs, _ := filepath.Glob("/proc/[0-9]*/stat")
		for _, p := range procs {
			b, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			// pid (comm) state ppid ...
			s := string(b)
			i := strings.LastIndexByte(s, ')')
			f := strings.Fields(s[i+1:])
			if len(f) > 1 && f[1] == parent && strings.HasSuffix(s[:i], "(systemd") {
				m.leader, _ = strconv.Atoi(strings.Fields(s)[0])
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return m.failure("systemd did not start in the machine")
}

func (m *Machine) waitRunning() (string, error) {
	var st string
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); {
		out, _ := m.Run("systemctl", "is-system-running", "--wait")
		st = strings.TrimSpace(out)
		switch st {
		case "running":
			return st, nil
		case "degraded":
			failed, _ := m.Run("systemctl", "--failed", "--no-legend")
			m.opts.Logf("harness: machine is degraded:\n%s", failed)
			return st, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return st, m.failure("machine did not reach running (last state: " + st + ")")
}

// failure is an error with the end of the console log.
func (m *Machine) failure(what string) error {
	b, _ := os.ReadFile(m.console)
	return fmt.Errorf("%s; console:\n%s", what, tail(b, 30))
}

// Leader is the host PID of the machine's systemd.
func (m *Machine) Leader() int { return m.leader }

// Root is the machine's root directory as the host can reach it while the
// machine runs (/proc/LEADER/root): write files there, then DaemonReload.
func (m *Machine) Root() string { return fmt.Sprintf("/proc/%d/root", m.leader) }

// Run runs argv inside the machine, in all its namespaces, with a clean
// environment (PATH, TERM=dumb, SYSTEMD_PAGER=cat, no colours), and returns
// its stdout and stderr together. The error says how it exited.
func (m *Machine) Run(argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), m.opts.CmdTimeout)
	defer cancel()
	return m.RunContext(ctx, argv...)
}

// RunContext is Run bounded by ctx instead of Options.CmdTimeout.
func (m *Machine) RunContext(ctx context.Context, argv ...string) (string, error) {
	if m.leader == 0 {
		return "", errors.New("machine is not running")
	}
	a := []string{"-t", strconv.Itoa(m.leader), "-a", "--", "env", "-i",
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"TERM=dumb", "LANG=C.UTF-8", "SYSTEMD_PAGER=cat", "SYSTEMD_COLORS=0", "SYSTEMD_LOG_COLOR=0"}
	cmd := exec.CommandContext(ctx, "nsenter", append(a, argv...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	return out.String(), err
}

// Shell runs a sh -c script inside the machine, as Run does.
func (m *Machine) Shell(script string) (string, error) { return m.Run("sh", "-c", script) }

// Install copies the tree destdir (a DESTDIR: usr/..., etc/...) over the
// machine's root. Directories that exist keep their owner and mode.
func (m *Machine) Install(destdir string) error {
	pack := exec.Command("tar", "-C", destdir, "-cf", "-", ".")
	unpack := exec.Command("nsenter", "-t", strconv.Itoa(m.leader), "-a", "--",
		"tar", "-xf", "-", "--no-overwrite-dir", "-C", "/")
	pipe, err := pack.StdoutPipe()
	if err != nil {
		return err
	}
	unpack.Stdin = pipe
	var errs bytes.Buffer
	pack.Stderr, unpack.Stdout, unpack.Stderr = &errs, &errs, &errs
	if err := pack.Start(); err != nil {
		return fmt.Errorf("install %s: %w", destdir, err)
	}
	uerr := unpack.Run()
	perr := pack.Wait()
	if err := errors.Join(perr, uerr); err != nil {
		return fmt.Errorf("install %s: %w\n%s", destdir, err, errs.String())
	}
	return nil
}

// Close powers the machine off (SIGKILL if it takes over 30 s), releases
// the cache and removes the machine's state. It is safe to call twice.
func (m *Machine) Close() error {
	if m.closed {
		return nil
	}
	m.closed = true
	var err error
	if m.nspawn != nil && m.nspawn.Process != nil {
		err = m.powerOff()
	}
	m.leader = 0
	if m.state != "" {
		if rerr := os.RemoveAll(m.state); rerr != nil && err == nil {
			err = fmt.Errorf("remove machine state: %w", rerr)
		}
	}
	m.cache.close()
	return err
}

func (m *Machine) powerOff() error {
	select {
	case <-m.exited:
		return nil
	default:
	}
	m.nspawn.Process.Signal(syscall.SIGTERM) // nspawn turns it into SIGRTMIN+3 for systemd
	select {
	case <-m.exited:
		return nil
	case <-time.After(30 * time.Second):
	}
	m.nspawn.Process.Kill()
	<-m.exited
	return errors.New("machine did not power off in 30 s: killed")
}

// Dial connects to the TCP address "IP:PORT" inside the machine's network
// namespace (where published ports live) and reports whether it could.
func (m *Machine) Dial(addr string) error {
	ip, port, ok := strings.Cut(addr, ":")
	if !ok {
		return fmt.Errorf("dial %q: want IP:PORT", addr)
	}
	out, err := m.Run("timeout", "5", "bash", "-c", `exec 3<>"/dev/tcp/$0/$1"`, ip, port)
	if err != nil {
		return fmt.Errorf("dial %s in the machine: %w %s", addr, err, strings.TrimSpace(out))
	}
	return nil
}

// removeStale removes the state of machines whose nspawn is gone (a test
// process that was killed before its Close), so the cache does not grow.
func removeStale(run string) {
	dirs, _ := filepath.Glob(filepath.Join(run, "machine-*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "nspawn.pid"))
		if err != nil {
			continue // being created right now, or not ours to judge
		}
		comm, err := os.ReadFile("/proc/" + strings.TrimSpace(string(b)) + "/comm")
		if err != nil || strings.TrimSpace(string(comm)) != "systemd-nspawn" {
			os.RemoveAll(d)
		}
	}
}
