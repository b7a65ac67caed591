package config

import "strings"

// Secret is one secrets/NAME.toml file: where its content comes from,
// exactly one source.
type Secret struct {
	Name       string
	File       string // a host file, read by systemd (LoadCredential=)
	Credential string // a systemd credential of the system, encrypted or not
	Encrypted  bool   // the source is `systemd-creds encrypt` output (LoadCredentialEncrypted=)
	Source     string
	DropIns    []string // KIND/NAME.toml.d/*.toml merged over it
	Line       int
}

// SecretRef is one entry of a component's secrets: the secret and where
// it appears in the container.
type SecretRef struct {
	Name   string
	Target string // default /run/secrets/NAME
	Mode   uint32 // default 0400
	UID    int
	GID    int
	// Key is the reference's key path in the service file, where a
	// cross-file error is reported.
	Key string
}

// CredentialID is the systemd credential a secret is loaded as
// (LoadCredential=ID:..., read back at %d/ID): the secret's name, with
// ":" (systemd's separator there) written as "_".
func CredentialID(name string) string { return strings.ReplaceAll(name, ":", "_") }
