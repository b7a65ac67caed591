#!/bin/sh
# Build the Debian package of the work tree, offline, and run lintian on it.
#
#   contrib/ci/build-deb.sh [OUTDIR]      (default OUTDIR: /tmp/bootstage-deb)
#
# The tree (tracked and untracked-but-not-ignored files) is copied to
# OUTDIR/src/bootstage-VERSION, contrib/debian becomes its debian/, and the
# Go modules are vendored into the copy from the local module cache
# (GOPROXY=off: nothing is downloaded). The work tree is left untouched.
# Prints the path of the .deb on its last line; lintian's output goes to
# OUTDIR/lintian.txt and to stderr. DEB_BUILD_OPTIONS and GOCACHE pass
# through (test-packaging.sh, which runs the tests itself, sets nocheck
# and the host's warm build cache).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-/tmp/bootstage-deb}
export PATH="$PATH:/usr/local/go/bin"

need() { command -v "$1" >/dev/null 2>&1; }
missing=
for tool in dpkg-buildpackage:dpkg-dev dh:debhelper meson:meson go-md2man:go-md2man lintian:lintian; do
	need "${tool%%:*}" || missing="$missing ${tool#*:}"
done
if [ -n "$missing" ]; then
	echo "build-deb: installing$missing" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >&2
fi

# Version: meson's project version; an untagged git checkout adds the commit,
# the same way meson.build stamps the binaries.
version=$(sed -n "s/^ *version: '\([^']*\)'.*/\1/p" "$top/meson.build" | head -n1)
if described=$(git -C "$top" describe --tags --match 'v[0-9]*' 2>/dev/null); then
	version=${described#v}
elif head=$(git -C "$top" rev-parse --short HEAD 2>/dev/null); then
	version="$version+git$head"
fi
version=$(printf %s "$version" | tr - .)

src="$out/src/bootstage-$version"
rm -rf "$out"
mkdir -p "$src"
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
	xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	xargs -0 cp --parents -t "$src" --)
cp -r "$top/contrib/debian" "$src/debian"
sed -i "1s/^bootstage ([^)]*)/bootstage ($version-1)/" "$src/debian/changelog"

echo "build-deb: vendoring modules from $(go env GOMODCACHE)" >&2
(cd "$src" && GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local go mod vendor)

# bookworm has no golang-go >= 1.26 (the toolchain is /usr/local/go):
# check every other build dependency, then build without dpkg's check.
deps=$(cd "$src" && sed -n '/^Build-Depends:/,/^[A-Z]/p' debian/control |
	sed '$d' | sed 's/^Build-Depends://' | tr -d '\n' | sed 's/golang-go[^,]*,//')
(cd "$src" && dpkg-checkbuilddeps -d "$deps")
(cd "$src" && dpkg-buildpackage -us -uc -b -d) >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed, see $out/build.log" >&2
	exit 1
}

deb=$(ls "$out"/src/bootstage_*_*.deb | head -n1)
changes=$(ls "$out"/src/bootstage_*.changes | head -n1)
lintian --info --display-info --pedantic --show-overrides "$changes" >"$out/lintian.txt" 2>&1 || true
cat "$out/lintian.txt" >&2
echo "$deb"
