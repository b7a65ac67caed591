package config

import "time"

// Image is one images/NAME.toml file: options for the unit that makes an
// image present. An image a component uses that no file names gets the
// defaults (Source "").
type Image struct {
	Name       string // the file's stem; "" for an undeclared image
	Ref        string
	Pull       PullPolicy
	Archive    string // loaded with `podman load` when the image is absent
	Retries    int
	RetryDelay time.Duration
	AuthFile   string
	TLSVerify  *bool // nil: podman's default (verify)
	Source     string
	DropIns    []string // KIND/NAME.toml.d/*.toml merged over it
	Line       int
}

// DefaultImage is the options of an image no file declares.
func DefaultImage(ref string) *Image {
	return &Image{Ref: ref, Pull: DefaultPull, Retries: DefaultPullRetries, RetryDelay: DefaultPullRetryDelay}
}
