#!/bin/sh
# Builds the unikernel example's program, a static Go server (src/), and
# lays out what its service file expects, under DESTDIR (default /):
#   DESTDIR/var/lib/bootstage/elf/unikernel-echo   the program
#   DESTDIR/srv/echo/data                          its writable volume
#   DESTDIR/srv/echo/motd/motd.txt                 its read-only volume
# Needs Go (GO=..., else go on PATH, else /usr/local/go/bin/go). Nanos runs
# the program without a dynamic loader: CGO_ENABLED=0 makes it static.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-${DESTDIR:-/}}
go=${GO:-$(command -v go || echo /usr/local/go/bin/go)}

mkdir -p "$dest/var/lib/bootstage/elf" "$dest/srv/echo/data" "$dest/srv/echo/motd"
(cd "$here/src" && CGO_ENABLED=0 "$go" build -trimpath -ldflags='-s -w' \
	-o "$dest/var/lib/bootstage/elf/unikernel-echo" .)
echo "the motd, read through a read-only 9p share" >"$dest/srv/echo/motd/motd.txt"
echo "built $dest/var/lib/bootstage/elf/unikernel-echo"
