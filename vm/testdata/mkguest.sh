#!/bin/sh
# mkguest.sh DIR: builds the tiny Linux guest the QMP tests boot under TCG
# (DIR/vmlinuz, DIR/initrd.gz) from Debian's stock kernel and a static
# busybox. Needs the network (apt-get download), so tests never run it:
# run it once, then `BOOTSTAGE_QEMU_GUEST=DIR go test ./vm/`.
# The guest: virtio-net at 10.0.2.15 serving "hello from qemu guest" on
# port 80, 9p modules for virtfs, and busybox acpid powering off on the
# ACPI power button (what QMP system_powerdown presses). It prints
# GUEST-READY when up and GUEST-POWERDOWN when the button is pressed.
set -eu
out=$(mkdir -p "${1:?usage: mkguest.sh DIR}" && cd "$1" && pwd)
bb=$(command -v busybox)
file -L "$bb" | grep -q 'statically linked' || { echo "mkguest: $bb is not static (install busybox-static)" >&2; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
(cd "$work" && apt-get download -q "$pkg" >/dev/null 2>&1)
dpkg-deb -x "$work"/linux-image-*.deb "$work/k"
cp "$work"/k/boot/vmlinuz-* "$out/vmlinuz"
r=$work/root; mkdir -p "$r/bin" "$r/proc" "$r/sys" "$r/dev" "$r/www" "$r/mod" "$r/etc/acpi/PWRF"
cp "$bb" "$r/bin/busybox"
mods="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover
virtio_net button evdev netfs fscache 9pnet 9pnet_virtio 9p"
i=10
for m in $mods; do
	cp "$(find "$work/k/lib/modules" -name "$m.ko" | head -n1)" "$r/mod/$i-$m.ko"; i=$((i + 1))
done
printf '#!/bin/busybox sh\necho GUEST-POWERDOWN\npoweroff -f\n' >"$r/etc/acpi/PWRF/00000080"
chmod +x "$r/etc/acpi/PWRF/00000080"
cat >"$r/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc p /proc; mount -t sysfs s /sys; mount -t devtmpfs d /dev
for m in /mod/*.ko; do insmod "$m"; done
ip link set lo up; ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0; ip route add default via 10.0.2.2
acpid -d -c /etc/acpi 2>/dev/null &
mkdir -p /mnt/vol0 && mount -t 9p -o trans=virtio vol0 /mnt/vol0 2>/dev/null && echo "GUEST-VOL0: $(ls /mnt/vol0 | tr '\n' ' ')"
echo "hello from qemu guest" >/www/index.html
echo GUEST-READY
exec httpd -f -p 80 -h /www
INIT
chmod +x "$r/init"
(cd "$r" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$out/initrd.gz")
echo "mkguest: $out/vmlinuz $out/initrd.gz"
