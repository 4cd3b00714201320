#!/usr/bin/env bats
# VM isolation (io.hyrun.isolation=vm): what create checks on the host
# before or while it builds a VM.  Each bad input is one line naming the
# field, a non-zero exit, and nothing left behind (teardown runs
# residue_check; no hyrun:vmm process may survive).  Booting real guests is
# tested end to end in the nested test VM (tests/vm/), on this host by
# tests/vm/agent-in-qemu.py against QEMU.
load helpers

# A file that is not a kernel: the plan only checks that it is readable.
vm_bundle() {
	printf 'not a kernel' >"$BATS_TEST_TMPDIR/vmlinux"
	cfg --arg k "$BATS_TEST_TMPDIR/vmlinux" \
		'.annotations["io.hyrun.isolation"] = "vm" | .annotations["io.hyrun.vm.kernel"] = $k'
}

# every hyrun of this test (and a VMM it forks) carries this marker
setup() {
	setup_bundle
	export HYRUN_VM_BATS_TEST=$BATS_TEST_TMPDIR
}

# no_vmm_left: no VMM of this test's (not any of the host's) is left.
no_vmm_left() {
	local p left=""
	for p in $(pgrep -x 'hyrun:vmm'); do
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qxF "HYRUN_VM_BATS_TEST=$BATS_TEST_TMPDIR" &&
			left="$left $p"
	done
	[ -z "$left" ] || { echo "VMM processes left:$left" >&2; return 1; }
}

@test "vm: an unknown io.hyrun.isolation value names the annotation" {
	bad_config '.annotations["io.hyrun.isolation"] = "kvm"' \
		'annotations.io.hyrun.isolation: must be "container" or "vm", got "kvm"'
}

@test "vm: guest RAM below the minimum or not a number is refused" {
	vm_bundle
	bad_config '.annotations["io.hyrun.vm.memory"] = "1"' \
		'annotations.io.hyrun.vm.memory: 1 is out of range (64..262144 MiB of guest RAM)'
	bad_config '.annotations["io.hyrun.vm.memory"] = "lots"' \
		'annotations.io.hyrun.vm.memory: "lots" is not a number'
	bad_config '.linux.resources.memory.limit = 33554432' \
		'linux.resources.memory.limit: 33554432 bytes is less than the 80 MiB a VM needs (64 of guest RAM, 16 for the VMM'
}

@test "vm: a vCPU count out of range is refused" {
	vm_bundle
	bad_config '.annotations["io.hyrun.vm.vcpus"] = "0"' 'annotations.io.hyrun.vm.vcpus: 0 is out of range'
	bad_config '.annotations["io.hyrun.vm.vcpus"] = "33"' 'annotations.io.hyrun.vm.vcpus: 33 is out of range'
}

@test "vm: a missing or relative guest kernel path names the annotation" {
	vm_bundle
	bad_config '.annotations["io.hyrun.vm.kernel"] = "/nonexistent/vmlinux"' \
		'annotations.io.hyrun.vm.kernel: `/nonexistent/vmlinux`: No such file or directory'
	bad_config '.annotations["io.hyrun.vm.kernel"] = "vmlinux"' \
		'annotations.io.hyrun.vm.kernel: "vmlinux" is not an absolute path'
}

@test "vm: the guest kernel must be a regular file, not a symlink, FIFO or device" {
	vm_bundle
	ln -s "$BATS_TEST_TMPDIR/vmlinux" "$BATS_TEST_TMPDIR/vmlinux-link"
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	bad_config ".annotations[\"io.hyrun.vm.kernel\"] = \"$BATS_TEST_TMPDIR/vmlinux-link\"" \
		"annotations.io.hyrun.vm.kernel: \`$BATS_TEST_TMPDIR/vmlinux-link\` is a symlink"
	bad_config ".annotations[\"io.hyrun.vm.kernel\"] = \"$BATS_TEST_TMPDIR/fifo\"" \
		"annotations.io.hyrun.vm.kernel: \`$BATS_TEST_TMPDIR/fifo\` is not a regular file"
	bad_config '.annotations["io.hyrun.vm.kernel"] = "/dev/zero"' \
		'annotations.io.hyrun.vm.kernel: `/dev/zero` is not a regular file'
	bad_config '.vm = {"kernel": {"path": "/dev/zero"}} | del(.annotations["io.hyrun.vm.kernel"])' \
		'vm.kernel.path: `/dev/zero` is not a regular file'
}

@test "vm: a terminal without --console-socket is refused, as in container mode, before a VM starts" {
	vm_bundle
	bad_config '.process.terminal = true' 'process.terminal is true: --console-socket is required'
	no_vmm_left
}

@test "vm: a VM that cannot be built fails create cleanly (no /dev/kvm, or no kernel)" {
	vm_bundle
	run hy_create "$ID"
	[ "$status" -ne 0 ]
	assert_eq "${#lines[@]}" 1
	if [ -e /dev/kvm ]; then
		assert_contains "$output" "guest kernel"
	else
		assert_contains "$output" "/dev/kvm"
	fi
	assert_contains "$output" "io.hyrun.isolation=vm"
	[ ! -e "$ROOT/$ID" ]
	no_vmm_left
}

@test "vm: run of a VM that cannot be built exits non-zero and leaves nothing" {
	vm_bundle
	run hy_run "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "io.hyrun.isolation=vm"
	[ ! -e "$ROOT/$ID" ]
	no_vmm_left
}

@test "vm: the spec's vm.kernel.path names the guest kernel when no annotation does" {
	vm_bundle
	bad_config '.vm = {"kernel": {"path": "/nonexistent/bzImage"}} | del(.annotations["io.hyrun.vm.kernel"])' \
		'vm.kernel.path: `/nonexistent/bzImage`: No such file or directory'
}

@test "vm: createContainer and startContainer hooks are refused (they would run in the guest)" {
	vm_bundle
	bad_config '.hooks = {"createContainer": [{"path": "/bin/true"}]}' \
		'hooks.createContainer: not supported with io.hyrun.isolation=vm'
	bad_config '.hooks = {"startContainer": [{"path": "/bin/true"}]}' \
		'hooks.startContainer: not supported with io.hyrun.isolation=vm'
}

@test "vm: a pod's sandbox (pause) container stays a container even when the pod asks for VMs" {
	# containerd copies the pod's annotations to the sandbox: the sandbox
	# holds the pod's namespaces on the host, the workloads get the VMs
	vm_bundle
	cfg '.annotations["io.kubernetes.cri.container-type"] = "sandbox"'
	args true
	run hy_run "$ID"
	[ "$status" -eq 0 ]
	no_vmm_left
	# the same bundle as a workload container is a VM (the fake kernel
	# cannot boot: create fails naming the isolation)
	cfg '.annotations["io.kubernetes.cri.container-type"] = "container"'
	run hy_run "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "io.hyrun.isolation=vm"
	no_vmm_left
}
