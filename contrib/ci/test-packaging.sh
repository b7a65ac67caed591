#!/bin/sh
# The packaging test (issue 6). Run as root on Debian 12 from anywhere:
#
#   contrib/ci/test-packaging.sh            # all but the e2e part
#   BOOTSTAGE_E2E=1 contrib/ci/test-packaging.sh   # also dpkg -i/-r in the e2e machine
#
# 1. meson setup/compile/test/install --destdir, prefix /usr: the installed
#    tree is compared file by file (path, type, mode) with the expected one,
#    then used: the CLI runs, the generator turns an example into units that
#    name the installed healthd, the man pages render without warnings.
# 2. The same with --prefix=/opt/bootstage --libexecdir=lib: everything moves,
#    and the units the generator writes follow (paths come from meson).
# 3. The .deb (contrib/ci/build-deb.sh) and lintian: any error or warning
#    that contrib/debian/bootstage.lintian-overrides does not explain fails.
# 4. rpmspec -P of contrib/rpm/bootstage.spec with stand-in Fedora macros,
#    then rpmbuild -bb with them (Debian's rpm; Fedora's dependencies and
#    macros are not here), and the RPM's file list against the meson install.
# 5. With BOOTSTAGE_E2E=1: contrib/ci/packaging_test.go installs the .deb in
#    the e2e harness's systemd machine, runs the example, upgrades, removes.
#
# BOOTSTAGE_PKG_DIR (default /tmp/bootstage-packaging) holds everything it
# makes. BOOTSTAGE_PKG_SKIP_GO_TEST=1 skips `meson test` (the whole Go suite).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
work=${BOOTSTAGE_PKG_DIR:-/tmp/bootstage-packaging}
export PATH="$PATH:/usr/local/go/bin"
GOCACHE=$(go env GOCACHE)
export GOCACHE

rm -rf "$work"
mkdir -p "$work"
timings="$work/timings.txt"
failures=0
t0=$(date +%s.%N)
tphase=$t0

say() { printf '\n=== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; failures=$((failures + 1)); }
lap() {
	now=$(date +%s.%N)
	awk -v a="$tphase" -v b="$now" -v what="$1" 'BEGIN { printf "%-44s %6.1f s\n", what, b - a }' >>"$timings"
	tphase=$now
}

for tool in meson go-md2man lintian rpmspec dpkg-buildpackage; do
	command -v "$tool" >/dev/null || {
		echo "test-packaging: $tool is missing (apt-get install meson go-md2man lintian rpm dpkg-dev debhelper)" >&2
		exit 2
	}
done

pcvar() { pkg-config --variable="$2" "$1" 2>/dev/null || true; }
or() { if [ -n "$1" ]; then echo "$1"; else echo "$2"; fi; }

# expected_tree PREFIX LIBEXECDIR GENDIR TMPFILESDIR: "MODE TYPE PATH" lines
# for every file and directory meson should install, parents included.
expected_tree() {
	prefix=${1#/} libexec=${2#/} gendir=${3#/} tmpfiles=${4#/}
	{
		echo "755 f $gendir/bootstage-generator"
		echo "755 f $prefix/bin/bootstage"
		echo "755 f $libexec/bootstage/bootstage-healthd"
		echo "644 f $tmpfiles/bootstage.conf"
		for page in man1/bootstage.1 man5/bootstage.toml.5 man8/bootstage-generator.8 man8/bootstage-healthd.8; do
			echo "644 f $prefix/share/man/$page"
		done
		etc=etc
		[ "$prefix" = usr ] || etc=$prefix/etc
		echo "755 d $etc/bootstage/services"
		(cd "$top/contrib/examples" && find . -mindepth 1 -type f) | sed 's#^\./##' |
			while read -r f; do # install_subdir keeps a script's execute bits
				mode=644; [ -x "$top/contrib/examples/$f" ] && mode=755
				echo "$mode f $prefix/share/doc/bootstage/examples/$f"
			done
		[ ! -f "$top/contrib/completions/bootstage.bash" ] ||
			echo "644 f $(or "$BASHDIR" "$prefix/share/bash-completion/completions" | sed 's#^/##')/bootstage"
		[ ! -f "$top/contrib/completions/_bootstage" ] ||
			echo "644 f $prefix/share/zsh/site-functions/_bootstage"
		[ ! -f "$top/contrib/completions/bootstage.fish" ] ||
			echo "644 f $(or "$FISHDIR" "$prefix/share/fish/vendor_completions.d" | sed 's#^/##')/bootstage.fish"
	} | while read -r mode type path; do
		echo "$mode $type $path"
		d=$(dirname "$path")
		while [ "$d" != . ]; do
			echo "755 d $d"
			d=$(dirname "$d")
		done
	done | sort -u -k3
}

actual_tree() { (cd "$1" && find . -mindepth 1 -printf '%m %y %P\n' | sort -k3); }

# check_units DESTDIR GENERATOR HEALTHD CLI: run the installed generator on
# a config with a container and a VM; its units must name HEALTHD and CLI.
check_units() {
	cfg="$work/cfg-$$" out="$work/units-$$"
	rm -rf "$cfg" "$out"
	mkdir -p "$cfg/services" "$out"
	cat >"$cfg/services/web.toml" <<-'EOF'
		[[components]]
		name = "app"
		image = "localhost/app:latest"
		ports = ["127.0.0.1:8080:80"]
		[[components]]
		name = "vm"
		runtime = "qemu"
		kernel = "/var/lib/bootstage/images/vmlinuz"
		memory_mb = 64
		ports = ["127.0.0.1:8081:80"]
	EOF
	BOOTSTAGE_CONFIG_PATH=$cfg "$1$2" "$out" || fail "generator exited $? on a valid config"
	grep -q "^ExecStart=$3 gate " "$out/bootstage-default-gate.service" ||
		fail "the gate unit does not run $3: $(grep ExecStart "$out/bootstage-default-gate.service")"
	grep -q "^ExecStop=$4 vm stop " "$out/web-vm.service" ||
		fail "the VM unit does not stop with $4: $(grep ExecStop "$out/web-vm.service")"
	[ -L "$out/multi-user.target.wants/bootstage.target" ] || fail "no multi-user.target.wants/bootstage.target link"
	rm -rf "$cfg" "$out"
}

# ---- 1. meson, prefix /usr ------------------------------------------------
say "meson setup/compile/install, prefix /usr"
build="$work/build" dest="$work/dest"
meson setup "$build" "$top" --prefix=/usr >"$work/meson-setup.log"
lap "meson setup"
meson compile -C "$build" >"$work/meson-compile.log"
lap "meson compile (3 binaries, 4 man pages)"
# meson.build builds with the grpcnotrace tag: without it, x/net/trace
# and html/template come back and bootstage-healthd grows by 3.5 MB.
! go tool nm "$build/bootstage-healthd" | grep -q ' golang.org/x/net/trace\.' ||
	fail "bootstage-healthd links golang.org/x/net/trace: meson.build lost -tags grpcnotrace"
if [ "${BOOTSTAGE_PKG_SKIP_GO_TEST:-}" = 1 ]; then
	echo "meson test: skipped (BOOTSTAGE_PKG_SKIP_GO_TEST=1)"
elif meson test -C "$build" --print-errorlogs >"$work/meson-test.log" 2>&1; then
	echo "meson test: ok"
else
	fail "meson test (go test -short ./...): see $work/meson-test.log"
	grep -E '^(--- FAIL|FAIL|ok )' "$build/meson-logs/testlog.txt" | grep FAIL >&2 || true
fi
lap "meson test (go test -short ./...)"
DESTDIR= meson install -C "$build" --destdir "$dest" >"$work/meson-install.log"
lap "meson install --destdir"

GENDIR=$(or "$(pcvar systemd systemdsystemgeneratordir)" /usr/lib/systemd/system-generators)
TMPFILESDIR=$(or "$(pcvar systemd tmpfilesdir)" /usr/lib/tmpfiles.d)
BASHDIR=$(pcvar bash-completion completionsdir)
FISHDIR=$(pcvar fish completionsdir)
expected_tree /usr /usr/libexec "$GENDIR" "$TMPFILESDIR" >"$work/tree.expected"
actual_tree "$dest" >"$work/tree.actual"
if diff -u "$work/tree.expected" "$work/tree.actual" >"$work/tree.diff"; then
	echo "installed tree: $(wc -l <"$work/tree.actual") entries, as expected"
else
	fail "installed tree differs from the expected one (- expected, + installed):"
	cat "$work/tree.diff" >&2
fi

projver=$(sed -n "s/^ *version: '\([^']*\)'.*/\1/p" "$top/meson.build")
for bin in usr/bin/bootstage "${GENDIR#/}/bootstage-generator" usr/libexec/bootstage/bootstage-healthd; do
	"$dest/$bin" --version | grep -q "$projver" || fail "$bin --version does not carry the project version"
done
check_units "$dest" "$GENDIR/bootstage-generator" /usr/libexec/bootstage/bootstage-healthd /usr/bin/bootstage
BOOTSTAGE_CONFIG_PATH="$dest/usr/share/doc/bootstage/examples/minimal" "$dest/usr/bin/bootstage" validate >/dev/null ||
	fail "bootstage validate rejects the installed minimal example"

for page in "$dest"/usr/share/man/man*/*; do
	warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	[ -z "$warn" ] || fail "$page: groff warnings: $warn"
	lexgrog "$page" >/dev/null 2>&1 || fail "$page: no NAME section whatis can read"
done
lap "installed tree, units, man pages checked"

# ---- 2. meson, another prefix and libexecdir -------------------------------
say "meson with --prefix=/opt/bootstage --libexecdir=lib"
meson setup "$work/build-opt" "$top" --prefix=/opt/bootstage --libexecdir=lib >/dev/null
meson compile -C "$work/build-opt" >/dev/null
DESTDIR= meson install -C "$work/build-opt" --destdir "$work/dest-opt" >/dev/null
BASHDIR='' FISHDIR=''
expected_tree /opt/bootstage /opt/bootstage/lib /opt/bootstage/lib/systemd/system-generators \
	/opt/bootstage/lib/tmpfiles.d >"$work/tree-opt.expected"
actual_tree "$work/dest-opt" >"$work/tree-opt.actual"
if diff -u "$work/tree-opt.expected" "$work/tree-opt.actual" >"$work/tree-opt.diff"; then
	echo "installed tree: $(wc -l <"$work/tree-opt.actual") entries, as expected"
else
	fail "the /opt/bootstage tree differs (- expected, + installed):"
	cat "$work/tree-opt.diff" >&2
fi
check_units "$work/dest-opt" /opt/bootstage/lib/systemd/system-generators/bootstage-generator \
	/opt/bootstage/lib/bootstage/bootstage-healthd /opt/bootstage/bin/bootstage
lap "meson, /opt prefix: build, install, check"

# ---- 3. the .deb and lintian ----------------------------------------------
say "Debian package"
deb=$(DEB_BUILD_OPTIONS=nocheck "$top/contrib/ci/build-deb.sh" "$work/deb" 2>"$work/build-deb.log" | tail -n1) || {
	cat "$work/build-deb.log" >&2
	fail "build-deb.sh"
	deb=
}
lap "dpkg-buildpackage (nocheck, vendored, warm cache)"
if [ -n "$deb" ]; then
	echo "package: $deb"
	sed -n '/^[EWIXPO]:/p' "$work/deb/lintian.txt"
	if grep -q '^[EW]:' "$work/deb/lintian.txt"; then
		fail "lintian reports errors or warnings no override explains"
	fi
	dpkg-deb -I "$deb" | grep -q '^ Depends: systemd' || fail "the package does not depend on systemd"
	dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\./#/#; s#/$##' | grep . | sort >"$work/deb.files"
	(sed 's/^[0-9]* [a-z] /\//' "$work/tree.expected" | sed 's#/$##'
		echo /usr/share/doc/bootstage/changelog.Debian.gz
		echo /usr/share/doc/bootstage/copyright
		echo /usr/share/lintian
		echo /usr/share/lintian/overrides
		echo /usr/share/lintian/overrides/bootstage) |
		sed 's#share/zsh/site-functions#share/zsh/vendor-completions#; s#\.\([158]\)$#.\1.gz#' | sort -u >"$work/deb.expected"
	diff -u "$work/deb.expected" "$work/deb.files" >"$work/deb.diff" ||
		{ fail "the package's files differ from the meson install:"; cat "$work/deb.diff" >&2; }
fi

# ---- 4. the RPM spec ------------------------------------------------------
say "RPM spec"
if rpmspec --load "$top/contrib/ci/rpm-standin.macros" -P "$top/contrib/rpm/bootstage.spec" >"$work/spec.parsed" 2>"$work/spec.err"; then
	grep -q 'meson setup' "$work/spec.parsed" || fail "the spec does not configure with meson"
	grep -q 'daemon-reload' "$work/spec.parsed" || fail "the spec never reloads systemd"
	echo "rpmspec -P: ok ($(wc -l <"$work/spec.parsed") lines)"
else
	fail "rpmspec -P: $(cat "$work/spec.err")"
fi
# Debian's rpmbuild with the stand-in macros: no Fedora dependencies are
# checked (--nodeps) and the tests ran above (--nocheck), but %prep, the
# meson build from vendored modules, %install and %files all run.
rpmtop="$work/rpm" ver=$(sed -n 's/^Version: *//p' "$top/contrib/rpm/bootstage.spec")
mkdir -p "$rpmtop/SOURCES" "$work/rpmsrc/bootstage-$ver"
(cd "$work/deb/src"/bootstage-*/ && cp -r . "$work/rpmsrc/bootstage-$ver/" && rm -rf "$work/rpmsrc/bootstage-$ver/debian" "$work/rpmsrc/bootstage-$ver"/obj-*)
(cd "$work/rpmsrc" && tar czf "$rpmtop/SOURCES/bootstage-$ver-vendor.tar.gz" -C "bootstage-$ver" vendor &&
	rm -rf "bootstage-$ver/vendor" && tar czf "$rpmtop/SOURCES/bootstage-$ver.tar.gz" "bootstage-$ver")
if rpmbuild --load "$top/contrib/ci/rpm-standin.macros" --define "_topdir $rpmtop" \
	--define '_smp_build_ncpus 2' --define 'debug_package %{nil}' \
	--nodeps --nocheck -bb "$top/contrib/rpm/bootstage.spec" >"$work/rpmbuild.log" 2>&1; then
	rpm=$(ls "$rpmtop"/RPMS/*/bootstage-*.rpm)
	echo "rpmbuild: $rpm"
	rpm -qlp "$rpm" 2>/dev/null | grep -v '^/usr/lib/.build-id' | sort >"$work/rpm.files"
	# Directories of the system (filesystem, systemd, the shells) are not ours.
	(sed 's/^[0-9]* [a-z] /\//' "$work/tree.expected"
		echo /usr/share/licenses/bootstage
		echo /usr/share/licenses/bootstage/LICENSE
		echo /var/lib/bootstage
		echo /var/lib/bootstage/images) |
		sed 's#^/lib/systemd#/usr/lib/systemd#' | sort -u |
		grep -v -x -E '/etc|/usr|/usr/(bin|lib|libexec|share|lib/systemd|lib/tmpfiles.d|share/doc|share/man|share/man/man[158])|/lib|/lib/systemd|/var|/var/lib|/usr/lib/systemd/system-generators|/usr/share/(bash-completion|bash-completion/completions|zsh|zsh/site-functions|fish|fish/vendor_completions.d)' \
		>"$work/rpm.expected"
	diff -u "$work/rpm.expected" "$work/rpm.files" >"$work/rpm.diff" ||
		{ fail "the RPM's files differ from the meson install:"; cat "$work/rpm.diff" >&2; }
else
	fail "rpmbuild: see $work/rpmbuild.log"
	tail -n 20 "$work/rpmbuild.log" >&2
fi
lap "lintian, package contents, rpmspec, rpmbuild"

# ---- 5. install, run, upgrade, remove in the e2e machine -------------------
say "dpkg in the e2e machine"
if [ "${BOOTSTAGE_E2E:-0}" != 0 ] && [ -n "$deb" ]; then
	if (cd "$top" && BOOTSTAGE_DEB=$deb go test -count=1 -v -run TestDebInstallRunRemove ./contrib/ci) >"$work/e2e.log" 2>&1; then
		grep -E '^\s+packaging_test.go:[0-9]+: [a-z].* took ' "$work/e2e.log" || true
		echo "e2e: ok"
	else
		fail "e2e dpkg test: see $work/e2e.log"
		grep -v '^        \[' "$work/e2e.log" | tail -n 30 >&2
	fi
	lap "e2e: dpkg -i, example, upgrade, dpkg -r"
else
	echo "skipped (set BOOTSTAGE_E2E=1; needs root and the harness's tools)"
fi

printf '\n=== timings\n'
cat "$timings"
awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%-44s %6.1f s\n", "total", b - a }'
if [ "$failures" -gt 0 ]; then
	echo "test-packaging: $failures failure(s)" >&2
	exit 1
fi
echo "test-packaging: ok"
