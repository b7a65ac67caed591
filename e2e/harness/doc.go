// Package harness boots a real systemd as PID 1 in systemd-nspawn, for
// bootstage's end-to-end tests: generator, units, podman containers, qemu
// guests and health gates, under the systemd that will run them.
//
// The machine's root is a Debian root built once with mmdebstrap (systemd,
// podman, crun, netavark, qemu-system-x86, busybox, curl) and cached in
// CacheDir; it is rebuilt when its recipe (recipe/) changes. Each machine
// runs that root with a tmpfs overlay and its own podman storage, on a
// private network, so a test starts from a clean system and leaves nothing
// behind but the cache. The machine has:
//
//   - Image, a busybox container image (every applet in /bin, httpd, nc,
//     /www/index.html saying "hello from podman container"), imported at boot;
//   - GuestKernel and GuestInitrd, a qemu guest serving HTTP on port 80;
//   - the cgroup-v1 controllers writable, so crun can place containers.
//
// Nanos's kernel.img, boot.img and mkfs, which unikernels need, are not in
// the root: InstallNanos puts them into a tree from shared/nanos beside the
// checkout (or $BOOTSTAGE_NANOS_DIR), and fails when they are not there.
// An example stack may carry a build.sh for programs of its own, which
// BuildTree runs (see exampleBuild).
//
// Commands run in the machine through nsenter (all its namespaces, a clean
// environment), so ports published there are reachable from Run("curl", ...).
//
// Tests are skipped unless BOOTSTAGE_E2E=1 is set (make check sets it); when
// it is set, anything missing fails the test instead. It needs root,
// systemd-container and mmdebstrap (scripts/install-deps.sh). The first run
// builds the cache (about a minute); later boots take about a second.
//
// A test (e2e/minimal_test.go):
//
//	func TestHello(t *testing.T) {
//		m := harness.Boot(t, harness.Options{})
//		tree := harness.Tree(t, "minimal") // binaries + contrib/examples/minimal
//		m.MustInstall(tree)
//		m.DaemonReload()
//		m.MustRun("systemctl", "start", "bootstage.target")
//		if got := m.MustRun("curl", "-fsS", "http://127.0.0.1:8080/"); !strings.Contains(got, "hello") {
//			t.Errorf("curl: %q", got)
//		}
//		err := harness.Eventually(10*time.Second, func() error { // journald writes a moment later
//			if j := m.Journal("hello.service"); !strings.Contains(j, "response:200") { // httpd -v
//				return fmt.Errorf("journal lacks the container's output:\n%s", j)
//			}
//			return nil
//		})
//		if err != nil {
//			t.Error(err)
//		}
//	}
//
// Files can also be written straight into the running machine through
// Root(), e.g. a hand-written unit under Root()+"/etc/systemd/system".
package harness
