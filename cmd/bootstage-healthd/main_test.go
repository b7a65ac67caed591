package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as bootstage-healthd, so the tests
// below run the real main in a child process and signal it.
func TestMain(m *testing.M) {
	if os.Getenv("BE_BOOTSTAGE_HEALTHD") == "1" {
		os.Exit(run(os.Args[1:]))
	}
	os.Exit(m.Run())
}

func command(t *testing.T, notify string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "BE_BOOTSTAGE_HEALTHD=1", "NOTIFY_SOCKET="+notify)
	return cmd
}

func listenNotify(t *testing.T) (string, *net.UnixConn) {
	path := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return path, conn
}

func read(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("read notify socket: %v", err)
	}
	return string(buf[:n])
}

func TestSIGTERM(t *testing.T) {
	path, conn := listenNotify(t)
	cmd := command(t, path, "gate", "--stage", "s", "--timeout", "0", "--on-timeout", "block",
		"--probe", "a", "--unit", "a.service", "--check", "none")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if got := read(t, conn); got != "READY=1\nSTATUS=1/1 healthy" {
		t.Fatalf("got %q", got)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if got := read(t, conn); got != "STOPPING=1\nSTATUS=stopping" {
		t.Fatalf("got %q", got)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}

func TestExitCodes(t *testing.T) {
	path, _ := listenNotify(t)
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"gate", "--stage", "s", "--timeout", "10ms", "--on-timeout", "fail",
			"--probe", "a", "--unit", "a.service", "--check", "exec", "--command", "/bin/false"}, 1, "stage timed out"},
		{[]string{"gate", "--stage", "s", "--probe", "a"}, 2, "--unit is required"},
		{[]string{"frobnicate"}, 2, "usage:"},
		{[]string{"--version"}, 0, "bootstage-healthd dev\n"},
	} {
		out, err := command(t, path, tc.args...).CombinedOutput()
		code := 0
		if e, ok := err.(*exec.ExitError); ok {
			code = e.ExitCode()
		}
		if code != tc.code || !strings.Contains(string(out), tc.out) {
			t.Errorf("%q: exit %d, output %q; want %d and %q", tc.args, code, out, tc.code, tc.out)
		}
	}
}
