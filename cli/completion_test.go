package cli

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompletionProtocol is what the scripts in contrib/completions ask
// bootstage: names from the config, flags for a word starting with "-",
// nothing after "--".
func TestCompletionProtocol(t *testing.T) {
	cases := [][2]string{
		{"--generate-bash-completion", "validate generate plan graph status up down logs vm import"},
		{"up -C testdata/stack --generate-bash-completion", "foundation core"},
		{"logs -C testdata/stack --generate-bash-completion", "dns vault vault/vm web web/api web/worker"},
		{"up -C testdata/stack - --generate-bash-completion", "--no-block --timeout --config-path --help"},
		{"vm --generate-bash-completion", "status stop"},
		{"up -- --generate-bash-completion", ""},
	}
	for _, c := range cases {
		te := newTestEnv(t, nil)
		if _, code := te.run(strings.Fields(c[0])...); code != 0 {
			t.Errorf("%s: exit %d: %s", c[0], code, te.err.String())
		}
		if got := strings.Join(strings.Fields(te.out.String()), " "); got != c[1] {
			t.Errorf("%s:\n got %q\nwant %q", c[0], got, c[1])
		}
	}
}

// TestCompletionScriptsParse checks the scripts' syntax with the shells
// that are installed.
func TestCompletionScriptsParse(t *testing.T) {
	dir := filepath.Join("..", "contrib", "completions")
	for shell, file := range map[string]string{"bash": "bootstage.bash", "zsh": "_bootstage", "fish": "bootstage.fish"} {
		bin, err := exec.LookPath(shell)
		if err != nil {
			t.Logf("%s not installed: %s not checked", shell, file)
			continue
		}
		if out, err := exec.Command(bin, "-n", filepath.Join(dir, file)).CombinedOutput(); err != nil {
			t.Errorf("%s -n %s: %v\n%s", shell, file, err, out)
		}
	}
}
