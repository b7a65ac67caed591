#!/usr/bin/env bash
# install-deps.sh: install what bootstage's tests need on a Debian 12 (or Ubuntu) machine.
# Idempotent and quiet: it runs apt only when a package is missing and prints only on failure.
# Needs root. Go itself is expected at /usr/local/go (or on PATH already).
set -euo pipefail

pkgs=(
	systemd           # systemd-analyze verify (golden files), systemd-escape
	systemd-container # systemd-nspawn: the e2e harness's throwaway systemd
	mmdebstrap        # builds the e2e root
	podman crun conmon uidmap
	qemu-system-x86
	busybox-static    # the e2e fixtures (container image, qemu guest initramfs)
	util-linux        # nsenter
	# the packaging test (contrib/ci/test-packaging.sh): meson build, .deb, lintian, rpmspec
	meson pkgconf go-md2man man-db dpkg-dev debhelper fakeroot lintian rpm
	ca-certificates
)

if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: must run as root" >&2
	exit 1
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

log=$(mktemp)
trap 'rm -f "$log"' EXIT
apt() {
	if ! DEBIAN_FRONTEND=noninteractive "$@" >"$log" 2>&1; then
		echo "install-deps.sh: failed: $*" >&2
		cat "$log" >&2
		exit 1
	fi
}

# The e2e fixtures download a kernel package with apt-get download, which needs package lists.
lists=$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' 2>/dev/null | head -n1)
if [ ${#missing[@]} -gt 0 ] || [ -z "$lists" ]; then
	apt apt-get update -q
fi
if [ ${#missing[@]} -gt 0 ]; then
	apt apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v go >/dev/null && [ ! -x /usr/local/go/bin/go ]; then
	echo "install-deps.sh: Go not found (expected /usr/local/go/bin/go or go on PATH)" >&2
	exit 1
fi
