#!/bin/sh
# Build an OCI bundle whose rootfs is Debian's busybox-static:
#   contrib/make-busybox-bundle.sh DIR [-- ARGS...]
# DIR/rootfs gets /bin/busybox and one relative symlink per applet, the
# usual top-level directories, and DIR/config.json comes from `hyrun spec`
# (or runc's default when HYRUN is unset) with terminal off and ARGS as the
# process.args (default: sh).
set -eu

die() { echo "make-busybox-bundle: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: $0 DIR [-- ARGS...]"
dir=$1; shift
[ "${1:-}" = "--" ] && shift

busybox=/bin/busybox
[ -x "$busybox" ] || die "$busybox not found: apt-get install busybox-static"
file -L "$busybox" 2>/dev/null | grep -q 'dynamically linked' &&
	die "$busybox is dynamically linked: apt-get install busybox-static"

rootfs=$dir/rootfs
mkdir -p "$rootfs"
for d in bin sbin usr/bin usr/sbin etc dev proc sys tmp root run var/tmp home; do
	mkdir -p "$rootfs/$d"
done
chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
cp "$busybox" "$rootfs/bin/busybox"
for applet in $("$busybox" --list-full); do
	case $applet in bin/busybox) continue ;; esac
	case $applet in
	bin/*|sbin/*) target=../bin/busybox ;;
	usr/*) target=../../bin/busybox ;;
	*) continue ;;
	esac
	[ -e "$rootfs/$applet" ] || ln -s "$target" "$rootfs/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
echo hyrun-demo >"$rootfs/etc/hostname"

hyrun=${HYRUN:-}
if [ -n "$hyrun" ]; then
	(cd "$dir" && rm -f config.json && "$hyrun" spec)
else
	(cd "$dir" && rm -f config.json && runc spec)
fi

# terminal off, and the requested args
if [ $# -gt 0 ]; then
	args=$(printf '%s\n' "$@" | jq -R . | jq -s -c .)
else
	args='["sh"]'
fi
jq --argjson args "$args" '.process.terminal = false | .process.args = $args' \
	"$dir/config.json" >"$dir/config.json.new"
mv "$dir/config.json.new" "$dir/config.json"
