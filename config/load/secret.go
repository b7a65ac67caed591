package load

import (
	"fmt"
	"strconv"

	"github.com/bootstage/bootstage/config"
)

// parseSecret reads secrets/NAME.toml: exactly one source.
func parseSecret(t table, name string) *config.Secret {
	s := &config.Secret{Name: name}
	s.File = absPath(t, "file")
	s.Credential = t.str("credential", "")
	s.Encrypted = t.boolean("encrypted")
	switch {
	case s.File == "" && s.Credential == "":
		t.d.errAt("", `add file = "/etc/bootstage/secrets/NAME" or credential = "NAME"`, "a secret needs a source: file or credential")
	case s.File != "" && s.Credential != "":
		t.d.errAtKey(t.key("credential"), "keep one of file and credential", "a secret has exactly one source, and file is set too")
	}
	if s.Credential != "" && !config.ValidName(s.Credential) {
		t.d.errAt(t.key("credential"), config.NameHint, "invalid credential name %q", s.Credential)
	}
	return s
}

// parseSecrets reads a component's secrets: names, or tables with name,
// target, mode, uid and gid.
func parseSecrets(t table) []config.SecretRef {
	v, ok := t.get("secrets")
	if !ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		t.d.errAt(t.key("secrets"), `secrets = ["name", { name = "other", target = "/run/secrets/x" }]`, "expected an array, got %s", typeName(v))
		return nil
	}
	var out []config.SecretRef
	for i, e := range arr {
		key := join(t.key("secrets"), strconv.Itoa(i))
		ref := config.SecretRef{Mode: config.DefaultSecretMode, Key: key}
		switch e := e.(type) {
		case string:
			ref.Name = e
		case map[string]any:
			st := t.d.table(key, e)
			ref.Name = st.str("name", "")
			ref.Target = st.str("target", "")
			ref.UID = st.integer("uid", 0, 0, 1<<31-1)
			ref.GID = st.integer("gid", 0, 0, 1<<31-1)
			ref.Mode = secretMode(st)
			if ref.Name == "" {
				t.d.errAt(key, `add name = "..."`, "a secret needs a name")
			}
			if ref.Target != "" && ref.Target[0] != '/' {
				t.d.errAt(st.key("target"), "", "expected an absolute path, got %q", ref.Target)
			}
			st.done()
			key = st.key("name")
		default:
			t.d.errAt(key, "", "expected a secret name or a table, got %s", typeName(e))
			continue
		}
		if ref.Name != "" && !config.ValidName(ref.Name) {
			t.d.errAt(key, config.NameHint, "invalid secret name %q", ref.Name)
		}
		if ref.Target == "" {
			ref.Target = config.DefaultSecretDir + ref.Name
		}
		ref.Key = key
		out = append(out, ref)
	}
	seen := map[string]bool{}
	for _, r := range out {
		if seen[r.Target] {
			t.d.errAt(r.Key, "give one of them another target", "two secrets at %s", r.Target)
		}
		seen[r.Target] = true
	}
	return out
}

// secretMode reads mode as an octal string ("0440") or an integer.
func secretMode(t table) uint32 {
	v, ok := t.get("mode")
	if !ok {
		return config.DefaultSecretMode
	}
	s := fmt.Sprint(v)
	if n, isInt := v.(int64); isInt {
		s = strconv.FormatInt(n, 10)
	}
	m, err := strconv.ParseUint(s, 8, 32)
	if err != nil || m > 0o777 {
		t.d.errAt(t.key("mode"), `an octal mode such as "0400"`, "invalid mode: %s", typeName(v))
		return config.DefaultSecretMode
	}
	return uint32(m)
}
