package generator

import (
	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/units"
)

// secrets has systemd load each secret of c as a credential of the
// unit: systemd reads the file (decrypting `systemd-creds encrypt` output)
// into the unit's credentials directory, %d, readable by the unit alone,
// and the runtime hands it on from there. The content is never in the
// unit, an argument or the environment.
func (b *builder) secrets(f *units.File, c *config.Component) {
	if len(c.Secrets) == 0 {
		return
	}
	s := f.Section("Service")
	for _, ref := range c.Secrets {
		sec := b.out.Tree.Resources.Secrets[ref.Name]
		if sec == nil {
			// an invalid secrets/ file: reported, and the unit fails at
			// start, as systemd finds no such credential
			s.Text("LoadCredential", config.CredentialID(ref.Name)+":"+"/nonexistent/bootstage/invalid-secret-file")
			continue
		}
		id := config.CredentialID(ref.Name)
		// A system credential is found by its name when the path is not
		// absolute (systemd.exec(5), LoadCredential=).
		src := sec.File
		if src == "" {
			src = sec.Credential
		}
		key := "LoadCredential"
		if sec.Encrypted {
			key = "LoadCredentialEncrypted"
		}
		s.Text(key, id+":"+src)
	}
}
