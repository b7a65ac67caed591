package harness

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// The recipe of the cached root and fixtures. Whatever changes in it
// changes its hash, and a cache built from another hash is rebuilt.
//
//go:embed recipe
var recipe embed.FS

// recipeVersion is bumped when the Go code below changes what it builds.
const recipeVersion = "1"

// CacheDir is where the root and fixtures are kept between runs:
// $BOOTSTAGE_E2E_DIR, else /var/cache/bootstage-e2e.
func CacheDir() string {
	if d := os.Getenv("BOOTSTAGE_E2E_DIR"); d != "" {
		return d
	}
	return "/var/cache/bootstage-e2e"
}

// recipeHash is the stamp of the recipe: every embedded file and the version.
func recipeHash() string {
	h := sha256.New()
	fmt.Fprintf(h, "version %s\n", recipeVersion)
	_ = fs.WalkDir(recipe, "recipe", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := recipe.ReadFile(p)
		fmt.Fprintf(h, "%s %d\n", p, len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))
}

func recipeFile(name string) []byte {
	b, err := recipe.ReadFile("recipe/" + name)
	if err != nil {
		panic(err) // embedded at build time: cannot happen
	}
	return b
}

// cache is a locked cache directory. The lock is shared while machines use
// the root and exclusive while it is (re)built, so concurrent test
// processes never see a half-built root.
type cache struct {
	dir  string
	lock *os.File
}

func (c *cache) root() string     { return filepath.Join(c.dir, "root") }
func (c *cache) fixtures() string { return filepath.Join(c.dir, "fixtures") }
func (c *cache) stamp() string    { return filepath.Join(c.dir, "recipe.sha256") }

// openCache makes sure dir holds a root and fixtures built from the
// current recipe, building them if not, and returns it share-locked.
func openCache(dir string, logf func(string, ...any)) (*cache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create e2e cache: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open e2e cache lock: %w", err)
	}
	c := &cache{dir: dir, lock: lock}
	// Shared first: machines of other test processes keep running while
	// this one checks. Only a stale cache waits for them all to finish.
	if err := c.flock(syscall.LOCK_SH); err != nil {
		return nil, err
	}
	if c.current() {
		return c, nil
	}
	if err := c.flock(syscall.LOCK_EX); err != nil {
		return nil, err
	}
	if err := c.ensure(logf); err != nil {
		c.close()
		return nil, err
	}
	if err := c.flock(syscall.LOCK_SH); err != nil {
		return nil, err
	}
	return c, nil
}

// current reports whether the cache was built from this recipe.
func (c *cache) current() bool {
	got, _ := os.ReadFile(c.stamp())
	return strings.TrimSpace(string(got)) == recipeHash()
}

func (c *cache) flock(how int) error {
	if err := syscall.Flock(int(c.lock.Fd()), how); err != nil {
		c.lock.Close()
		return fmt.Errorf("lock e2e cache %s: %w", c.dir, err)
	}
	return nil
}

func (c *cache) close() { c.lock.Close() }

func (c *cache) ensure(logf func(string, ...any)) error {
	if c.current() { // built by another process while this one waited
		return nil
	}
	want := recipeHash()
	logf("harness: building the e2e root and fixtures in %s (recipe %.12s); takes about a minute", c.dir, want)
	os.Remove(c.stamp())
	for _, p := range []string{c.root(), c.fixtures()} {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("remove stale %s: %w", p, err)
		}
	}
	if err := c.buildRoot(); err != nil {
		return err
	}
	if err := c.buildFixtures(); err != nil {
		return err
	}
	return os.WriteFile(c.stamp(), []byte(want+"\n"), 0o644)
}

// buildRoot runs mmdebstrap with the host's own apt sources as the mirror
// (no address is written here) and installs the init wrapper.
func (c *cache) buildRoot() error {
	suite, err := hostCodename()
	if err != nil {
		return err
	}
	src := "/etc/apt/sources.list.d/debian.sources"
	if _, err := os.Stat(src); err != nil {
		src = "/etc/apt/sources.list"
	}
	var pkgs []string
	for _, l := range strings.Split(string(recipeFile("packages")), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			pkgs = append(pkgs, l)
		}
	}
	tmp := c.root() + ".new"
	os.RemoveAll(tmp)
	args := []string{"--variant=apt", "--quiet",
		"--dpkgopt=path-exclude=/usr/share/doc/*", "--dpkgopt=path-exclude=/usr/share/man/*",
		"--dpkgopt=path-exclude=/usr/share/locale/*",
		"--include=" + strings.Join(pkgs, ","), suite, tmp, src}
	if err := runLogged(filepath.Join(c.dir, "mmdebstrap.log"), "mmdebstrap", args...); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("build e2e root: %w", err)
	}
	init := filepath.Join(tmp, "usr/local/sbin/bootstage-e2e-init")
	if err := os.WriteFile(init, recipeFile("init"), 0o755); err != nil {
		return fmt.Errorf("install e2e init wrapper: %w", err)
	}
	return os.Rename(tmp, c.root())
}

func (c *cache) buildFixtures() error {
	cmd := exec.Command("bash", "-c", string(recipeFile("fixtures.sh")))
	cmd.Env = append(os.Environ(), "ROOT="+c.root(), "FX="+c.fixtures())
	if err := runCmdLogged(filepath.Join(c.dir, "fixtures.log"), cmd); err != nil {
		return fmt.Errorf("build e2e fixtures: %w", err)
	}
	return nil
}

// hostCodename is the host's release codename: the root is of the same
// release, so the host's apt sources serve it.
func hostCodename() (string, error) {
	f, err := os.Open("/etc/os-release")
	if err != nil {
		return "", fmt.Errorf("read host release: %w", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VERSION_CODENAME="); ok && v != "" {
			return strings.Trim(v, `"`), nil
		}
	}
	return "", fmt.Errorf("read host release: no VERSION_CODENAME in /etc/os-release")
}

func runLogged(log string, name string, args ...string) error {
	return runCmdLogged(log, exec.Command(name, args...))
}

// runCmdLogged runs cmd with its output in the file log, and puts the end
// of that log into the error when cmd fails.
func runCmdLogged(log string, cmd *exec.Cmd) error {
	f, err := os.Create(log)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Run(); err != nil {
		b, _ := os.ReadFile(log)
		return fmt.Errorf("%s: %w (see %s)\n%s", cmd.Path, err, log, tail(b, 20))
	}
	return nil
}

// tail is the last n lines of b.
func tail(b []byte, n int) string {
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
