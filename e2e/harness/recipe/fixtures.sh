#!/usr/bin/env bash
# Builds the e2e fixtures into $FX from the cached root $ROOT (its busybox)
# and the host's apt (a Debian kernel for the qemu guest):
#   busybox.tar  a container root: busybox with every applet linked in /bin,
#                /www/index.html; imported as localhost/bootstage-busybox:latest
#   vmlinuz, initrd.gz  a guest that serves HTTP on port 80 (10.0.2.15, qemu
#                user networking) and prints GUEST-READY on its console
set -euo pipefail
: "${ROOT:?}" "${FX:?}"
mkdir -p "$FX"
tmp=$(mktemp -d "$FX/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
bb=$ROOT/bin/busybox

# The container image.
img=$tmp/img
mkdir -p "$img"/{bin,etc,www,tmp,root}
chmod 1777 "$img/tmp"
cp "$bb" "$img/bin/busybox"
for a in $("$bb" --list); do [ "$a" = busybox ] || ln -sf busybox "$img/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$img/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$img/etc/group"
echo "hello from podman container" >"$img/www/index.html"
tar --numeric-owner --owner=0 --group=0 -C "$img" -cf "$FX/busybox.tar" .

# The qemu guest: the distribution kernel and an initramfs with busybox.
pick() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'; }
k=$(pick)
if [ -z "$k" ]; then apt-get update -q >/dev/null; k=$(pick); fi
[ -n "$k" ] || { echo "fixtures: no linux-image package known to apt" >&2; exit 1; }
(cd "$tmp" && apt-get download -q "$k" >/dev/null)
deb=$(ls "$tmp"/linux-image-*.deb)
dpkg-deb --fsys-tarfile "$deb" | tar -x -O --wildcards './boot/vmlinuz-*' >"$FX/vmlinuz"
ird=$tmp/initramfs
mkdir -p "$ird"/{bin,proc,sys,dev,www}
cp "$bb" "$ird/bin/busybox"
dpkg-deb --fsys-tarfile "$deb" | tar -x -O --wildcards './lib/modules/*/e1000.ko' >"$ird/e1000.ko"
cat >"$ird/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc p /proc; mount -t sysfs s /sys; mount -t devtmpfs d /dev
insmod /e1000.ko; ip link set lo up; ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0; ip route add default via 10.0.2.2
echo "hello from qemu guest" >/www/index.html
echo GUEST-READY
exec httpd -f -p 80 -h /www
INIT
chmod +x "$ird/init"
(cd "$ird" && find . | "$bb" cpio -o -H newc 2>/dev/null | gzip -1 >"$FX/initrd.gz")
