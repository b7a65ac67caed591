// Package vm controls running QEMU guests: Status and Stop speak QMP
// (github.com/digitalocean/go-qemu/qmp) on a VM unit's socket, and Prepare
// makes the boot disk of an image-sourced VM before it starts. The
// bootstage command line uses it (`bootstage vm status|stop|prepare`, which
// VM units run as ExecStartPre= and ExecStop=); the generator never links
// it. Where a VM unit keeps its socket and files is runtimes/qemu's to say.
package vm
