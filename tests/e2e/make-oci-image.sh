#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build a busybox OCI image archive (OCI image layout in a tar) from Debian's
# busybox-static, for `ctr image import` and `podman load`: no registry is
# reachable from the test machines.
# usage: make-oci-image.sh OUT.tar NAME:TAG [PAYLOAD]
# OCI_CMD: the image's Cmd as a JSON array (default ["sh"]; the CRI test's
# pod sandbox image sleeps)
set -euo pipefail
out=$1 ref=$2 payload=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

root=$work/rootfs
mkdir -p "$root"/{bin,etc,proc,sys,dev,tmp,root}
cp /bin/busybox "$root/bin/busybox"
for app in $("$root/bin/busybox" --list); do
  [ "$app" = busybox ] || ln -sf busybox "$root/bin/$app"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
[ -n "$payload" ] && install -m 0755 "$payload" "$root/payload"

layout=$work/layout
mkdir -p "$layout/blobs/sha256"
tar --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 -C "$root" -cf "$work/layer.tar" .
layer_digest=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
layer_size=$(stat -c %s "$work/layer.tar")
mv "$work/layer.tar" "$layout/blobs/sha256/$layer_digest"

blob() { # write stdin as a blob, print "digest size"
  local tmp=$work/blob d
  cat >"$tmp"
  d=$(sha256sum "$tmp" | cut -d' ' -f1)
  mv "$tmp" "$layout/blobs/sha256/$d"
  echo "$d $(stat -c %s "$layout/blobs/sha256/$d")"
}

read -r cfg_digest cfg_size < <(printf '%s' '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":'"${OCI_CMD:-[\"sh\"]}"',"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:'"$layer_digest"'"]},"history":[{"created_by":"hyrun tests/e2e/make-oci-image.sh"}]}' | blob)
read -r man_digest man_size < <(printf '%s' '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:'"$cfg_digest"'","size":'"$cfg_size"'},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:'"$layer_digest"'","size":'"$layer_size"'}]}' | blob)
printf '%s' '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
printf '%s' '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:'"$man_digest"'","size":'"$man_size"',"annotations":{"io.containerd.image.name":"'"$ref"'","org.opencontainers.image.ref.name":"'"${ref##*:}"'"}}]}' >"$layout/index.json"
tar -C "$layout" -cf "$out" .
