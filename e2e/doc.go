// Package e2e holds bootstage's end-to-end tests: the built binaries and
// an example stack installed into a real systemd (see package harness),
// started through bootstage.target and checked the way an operator would,
// with systemctl, journalctl, podman and curl. They run with
// BOOTSTAGE_E2E=1 as root (make check); otherwise they are skipped.
package e2e
