#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build hyrun's guest kernel from Debian's linux-source-6.1 package:
# tinyconfig + guest.config, everything built in.  The result is cached by
# the hash of the fragment and the source tarball, so a second call is
# instant:
#
#   build.sh [-o OUT]        prints the path of the cached vmlinux
#
# Cache: $HYRUN_KERNEL_CACHE (default /var/cache/hyrun/kernel).  Needs
# linux-source-6.1 flex bison bc libelf-dev (contrib/install-deps.sh vm).
# About 4-6 minutes on 2 cores.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=""
if [ "${1:-}" = "-o" ]; then out=$2; fi
tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n1)
[ -n "$tarball" ] || { echo "build.sh: /usr/src/linux-source-6.1.tar.* not found (apt-get install linux-source-6.1)" >&2; exit 1; }
cache=${HYRUN_KERNEL_CACHE:-/var/cache/hyrun/kernel}
key=$( (cat "$here/guest.config"; echo "$tarball"; stat -c %s "$tarball") | sha256sum | cut -c1-16)
dir=$cache/$key
if [ ! -f "$dir/vmlinux" ]; then
	mkdir -p "$cache"
	work=$(mktemp -d "$cache/build.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	echo "build.sh: building the guest kernel in $work (cache key $key)" >&2
	tar -C "$work" -xf "$tarball"
	src=$(ls -d "$work"/linux-source-6.1)
	make -s -C "$src" tinyconfig >/dev/null
	(cd "$src" && ./scripts/kconfig/merge_config.sh -m .config "$here/guest.config" >/dev/null)
	make -s -C "$src" olddefconfig >/dev/null
	# every line of the fragment must have survived olddefconfig: a missing
	# dependency would silently drop an option
	missing=$(grep -E '^CONFIG_[A-Z0-9_]+=y' "$here/guest.config" | while read -r l; do
		grep -qx "$l" "$src/.config" || echo "$l"
	done)
	[ -z "$missing" ] || { echo "build.sh: options dropped by kconfig:" $missing >&2; exit 1; }
	make -s -C "$src" -j"$(nproc)" vmlinux bzImage >&2
	mkdir -p "$dir.tmp"
	cp "$src/vmlinux" "$dir.tmp/vmlinux.debug"
	strip -o "$dir.tmp/vmlinux" "$src/vmlinux"
	cp "$src/arch/x86/boot/bzImage" "$dir.tmp/bzImage"
	cp "$src/.config" "$dir.tmp/config"
	rm -f "$dir.tmp/vmlinux.debug"
	rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
if [ -n "$out" ]; then
	mkdir -p "$out" && cp "$dir/vmlinux" "$dir/bzImage" "$out/"
fi
echo "$dir/vmlinux"
