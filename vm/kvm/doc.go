// Package kvm tells whether hardware-assisted KVM really works on this
// machine, which is what accel = "auto" resolves with: the generator puts
// the answer of Detect in runtimes.Host.KVM. It imports only the standard
// library, so the generator can link it.
//
// A /dev/kvm that opens, answers KVM_GET_API_VERSION with 12 and even
// creates VMs and vCPUs is not proof: on the build
// machines /dev/kvm belongs to kvm_pvm, a paravirtual backend that accepts
// every ioctl and then hangs a stock kernel. What tells is the hardware
// path, so Detect says yes only when all three hold:
//
//  1. the CPU advertises vmx or svm in /proc/cpuinfo (a VM without nested
//     virtualization shows the "hypervisor" flag and neither);
//  2. the matching vendor module, kvm_intel or kvm_amd, is loaded
//     (/sys/module/kvm_intel or /sys/module/kvm_amd);
//  3. /dev/kvm opens read-write, speaks KVM API 12 and creates a VM.
//
// The reason it returns names what failed, for the generator to log.
package kvm
