// Package vm controls running QEMU guests: Status and Stop speak QMP
// (github.com/digitalocean/go-qemu/qmp) on a VM unit's socket, Prepare
// makes the boot disk of an image-sourced VM before it starts, and
// PrepareNanos builds a unikernel's Nanos image (PlanNanos says whether the
// next start will). The bootstage command line uses it (`bootstage vm
// status|stop|prepare`, which VM units run as ExecStartPre= and ExecStop=,
// and `bootstage plan`); the generator never links it. Where a VM unit
// keeps its socket and files, and what a unikernel's image holds, is
// runtimes/qemu's to say.
package vm
