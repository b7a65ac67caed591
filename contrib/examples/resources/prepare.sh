#!/bin/sh
# Run on the node before the stack starts: makes the image archive from the
# local busybox image (so no registry is needed), and the secret's file.
set -eu
mkdir -p /var/lib/bootstage/images
podman tag localhost/bootstage-busybox:latest localhost/resources-web:1
podman save -o /var/lib/bootstage/images/resources-web.tar localhost/resources-web:1
podman rmi localhost/resources-web:1 >/dev/null
umask 077
printf 's3cr3t-token' >/etc/bootstage/files/token
