#!/bin/sh
# Build hyrun and run a busybox bundle with it (the README's first command):
# first as a namespace+cgroup container, then with io.hyrun.isolation=vm
# inside a KVM guest booted by hyrun's own VMM.  VM mode needs the guest
# kernel (built once from Debian's linux-source-6.1, ~5 minutes, cached)
# and a KVM that can boot Linux: with hardware KVM the bundle runs right
# here; without it (this project's CI machines) it runs inside the nested
# test VM (QEMU's software emulation with an emulated AMD-V CPU, whose KVM
# works), and the demo says so.  DEMO_VM=0 skips VM mode.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
[ -x configure ] || autoreconf -fi >/dev/null
mkdir -p _build
(cd _build && { [ -f Makefile ] || ../configure -q; } && make -j"$(nproc)" -s)
hyrun=$top/_build/hyrun
bundle=${DEMO_BUNDLE:-/tmp/hyrun-demo}
rm -rf "$bundle"
HYRUN=$hyrun contrib/make-busybox-bundle.sh "$bundle" -- \
	sh -c 'echo "Hello from inside a hyrun container: hostname $(hostname), pid $$, uid $(id -u), kernel $(uname -r)"; ls /'
echo "+ hyrun run demo-$$ (bundle $bundle)"
(cd "$bundle" && "$hyrun" --root /run/hyrun run "demo-$$")

[ "${DEMO_VM:-1}" = 1 ] || exit 0
echo
echo "=== VM mode: the same kind of bundle with io.hyrun.isolation=vm"
if ! kernel=$(kvm-shim/kernel/build.sh); then
	echo "demo: no guest kernel (contrib/install-deps.sh vm installs linux-source-6.1)" >&2
	exit 1
fi
if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
	jq --arg k "$kernel" '.annotations["io.hyrun.isolation"] = "vm" | .annotations["io.hyrun.vm.kernel"] = $k' \
		"$bundle/config.json" >"$bundle/config.vm" && mv "$bundle/config.vm" "$bundle/config.json"
	echo "+ hyrun run vmdemo-$$ (hardware KVM, guest kernel $kernel)"
	(cd "$bundle" && "$hyrun" --root /run/hyrun --debug run "vmdemo-$$")
else
	echo "This host has no KVM that can boot Linux: VM mode runs inside the nested"
	echo "test VM (QEMU TCG + emulated AMD-V; its timings are not hardware timings)."
	(cd _build && make -s tests/vm/kvm-probe tests/vm/tiny-init tests/vm/subreaper tests/vm/ttyrecv)
	sh tests/vm/run-nested.sh -B "$top/_build" -K "$kernel" demo
fi
