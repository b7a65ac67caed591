package cli

import (
	"bytes"
	"context"
	"os/exec"
	"testing"
)

// TestDOTRenders feeds the DOT of the test stack to Graphviz, when it is
// installed, so a syntax slip cannot hide behind a golden file.
func TestDOTRenders(t *testing.T) {
	bin, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("Graphviz dot is not installed")
	}
	te := newTestEnv(t, nil)
	a := &app{env: te.Env}
	st, err := a.stack([]string{"testdata/stack"})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	writeDOT(&b, st)
	cmd := exec.CommandContext(context.Background(), bin, "-Tsvg")
	cmd.Stdin = &b
	if out, err := cmd.CombinedOutput(); err != nil || bytes.Contains(out, []byte("Warning")) {
		t.Errorf("dot -Tsvg: %v\n%s", err, out)
	}
}

func TestRenderRunsDot(t *testing.T) {
	te := newTestEnv(t, nil)
	te.LookPath = func(string) (string, error) { return "/usr/bin/dot", nil }
	if out, code := te.run("graph", "-C", "testdata/stack", "--render", "svg"); code != 0 || te.out.String() != "IMAGE" {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if len(te.ran) != 1 || te.ran[0][0] != "/usr/bin/dot" || te.ran[0][1] != "-Tsvg" {
		t.Errorf("ran %v", te.ran)
	}
	if _, code := te.run("graph", "-C", "testdata/stack", "--render", "gif"); code != ExitError {
		t.Errorf("--render gif: exit %d", code)
	}
}
