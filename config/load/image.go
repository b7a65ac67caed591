package load

import (
	"strings"

	"github.com/bootstage/bootstage/config"
)

// parseImage reads images/NAME.toml: the options of the unit that makes
// image ref present.
func parseImage(t table, name string) *config.Image {
	im := config.DefaultImage(t.str("ref", ""))
	im.Name = name
	im.Line, _ = t.d.locator().key("ref")
	if im.Ref == "" {
		t.d.errAt("", `add ref = "registry.example/name:tag"`, "an image file needs ref, the image reference it configures")
	}
	im.Pull = enum(t, "pull", config.DefaultPull, config.PullPolicies)
	im.Archive = absPath(t, "archive")
	im.Retries = t.integer("retries", config.DefaultPullRetries, 0, 100)
	im.RetryDelay = t.duration("retry_delay", config.DefaultPullRetryDelay)
	im.AuthFile = absPath(t, "auth_file")
	if t.has("tls_verify") {
		v := t.boolean("tls_verify")
		im.TLSVerify = &v
	}
	if im.Pull == config.PullNever && im.Archive == "" && im.AuthFile != "" {
		t.d.errAtKey(t.key("auth_file"), "drop it, or choose another pull policy", "auth_file has no effect with pull = \"never\"")
	}
	return im
}

// absPath reads a string that must be an absolute path.
func absPath(t table, k string) string {
	p := t.str(k, "")
	if p != "" && !strings.HasPrefix(p, "/") {
		t.d.errAt(t.key(k), "", "expected an absolute path, got %q", p)
	}
	return p
}
