package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootstage/bootstage/generator"
)

// TestDryRunIsTheGeneratorsOutput splits `generate --dry-run` at its
// headings and compares each file with what the generator writes.
func TestDryRunIsTheGeneratorsOutput(t *testing.T) {
	host := testHost
	out, err := generator.Generate(generator.Options{ConfigPath: []string{"testdata/stack"}, Hostname: "node1", Host: &host})
	if err != nil {
		t.Fatal(err)
	}
	te := newTestEnv(t, nil)
	if _, code := te.run("generate", "--dry-run", "-C", "testdata/stack"); code != 0 {
		t.Fatalf("exit %d: %s", code, te.err.String())
	}
	links := map[string]string{}
	for _, l := range out.Links {
		links[l.Name] = l.Target
	}
	got := map[string]string{}
	var name string
	for _, line := range strings.SplitAfter(te.out.String(), "\n") {
		if h, ok := strings.CutPrefix(line, "==> "); ok {
			name = strings.TrimSuffix(h, " <==\n")
			if n, target, ok := strings.Cut(name, " -> "); ok {
				got[n], name = "-> "+target, ""
			}
			continue
		}
		if name != "" {
			got[name] += line
		}
	}
	for n, b := range out.Files() {
		want := string(b)
		if target, ok := links[n]; ok {
			want = "-> " + target
		} else if n != lastFile(out) {
			want += "\n" // the blank line before the next heading
		}
		if got[n] != want {
			t.Errorf("%s: dry-run shows\n%q\nthe generator writes\n%q", n, got[n], want)
		}
		delete(got, n)
	}
	for n := range got {
		t.Errorf("dry-run shows %s, which the generator does not write", n)
	}
}

func lastFile(out *generator.Output) string {
	last := ""
	for n := range out.Files() {
		last = max(last, n)
	}
	return last
}

// TestGenerateOutputWritesTheGeneratorsFiles compares --output DIR with
// the generator's own Write.
func TestGenerateOutputWritesTheGeneratorsFiles(t *testing.T) {
	te := newTestEnv(t, nil)
	dir := t.TempDir()
	if _, code := te.run("generate", "--output", dir, "-C", "testdata/stack"); code != 0 {
		t.Fatalf("exit %d: %s", code, te.err.String())
	}
	want := liveDir(t, func(string) {})
	a, err := readLive(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := readLive(want)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Errorf("%d files, the generator writes %d", len(a), len(b))
	}
	for n, c := range b {
		if a[n] != c {
			t.Errorf("%s differs from the generator's", filepath.Join(dir, n))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "multi-user.target.wants", "bootstage.target")); err != nil {
		t.Error(err)
	}
}
