# kvm-shim/: the VM mode (VMM, devices, guest agent, guest kernel).

# libhyvmm.a: the VMM core (KVM VM, vCPUs, I/O bus, Linux boot, host I/O
# loop), its legacy devices and the virtio layer (queues, MMIO transport).
# Needs no library beyond libhycommon.a.
noinst_LIBRARIES += libhyvmm.a
libhyvmm_a_SOURCES = \
	kvm-shim/vmm/layout.h \
	kvm-shim/vmm/mem.c kvm-shim/vmm/mem.h \
	kvm-shim/vmm/vm.c kvm-shim/vmm/vm.h \
	kvm-shim/vmm/bus.c kvm-shim/vmm/bus.h \
	kvm-shim/vmm/msr.c kvm-shim/vmm/msr.h \
	kvm-shim/vmm/vcpu.c kvm-shim/vmm/vcpu.h \
	kvm-shim/vmm/run.c \
	kvm-shim/vmm/entry.c kvm-shim/vmm/entry.h \
	kvm-shim/vmm/boot.c kvm-shim/vmm/boot.h kvm-shim/vmm/boot_priv.h \
	kvm-shim/vmm/boot_elf.c kvm-shim/vmm/boot_bzimage.c \
	kvm-shim/vmm/cpio.c kvm-shim/vmm/cpio.h \
	kvm-shim/devices/serial.c kvm-shim/devices/serial.h \
	kvm-shim/devices/debug_exit.c kvm-shim/devices/debug_exit.h \
	kvm-shim/devices/rtc.c kvm-shim/devices/rtc.h \
	kvm-shim/vmm/loop.c kvm-shim/vmm/loop.h \
	kvm-shim/virtio/queue.c kvm-shim/virtio/queue.h \
	kvm-shim/virtio/mmio.c kvm-shim/virtio/mmio.h \
	kvm-shim/devices/virtio_console.c kvm-shim/devices/virtio_console.h \
	kvm-shim/devices/virtio_console_port.c kvm-shim/devices/virtio_console_int.h \
	kvm-shim/devices/virtio_balloon.c kvm-shim/devices/virtio_balloon.h \
	kvm-shim/pci/pci.c kvm-shim/pci/pci.h \
	kvm-shim/vmm/msi.c kvm-shim/vmm/msi.h \
	kvm-shim/vmm/vfio.c kvm-shim/vmm/vfio.h \
	kvm-shim/devices/vfio_pci.c kvm-shim/devices/vfio_pci.h \
	kvm-shim/devices/vfio_pci_irq.c kvm-shim/devices/vfio_pci_int.h
VMM_LIBS = libhyvmm.a libhycommon.a $(SECCOMP_LIBS) -lpthread

check_PROGRAMS += tests/unit/test_vmm_mem tests/unit/test_vmm_bus
TESTS += tests/unit/test_vmm_mem tests/unit/test_vmm_bus
tests_unit_test_vmm_mem_SOURCES = tests/unit/test_vmm_mem.c tests/unit/tap.h
tests_unit_test_vmm_mem_LDADD = $(VMM_LIBS)
tests_unit_test_vmm_bus_SOURCES = tests/unit/test_vmm_bus.c tests/unit/tap.h
tests_unit_test_vmm_bus_LDADD = $(VMM_LIBS)

# The PCI bus and VFIO passthrough's config space, BAR and MSI plumbing
# against a fake VFIO device file.
check_PROGRAMS += tests/unit/test_vfio_pci
TESTS += tests/unit/test_vfio_pci
tests_unit_test_vfio_pci_SOURCES = tests/unit/test_vfio_pci.c tests/unit/tap.h
tests_unit_test_vfio_pci_LDADD = $(VMM_LIBS)

# The host I/O loop, and the virtio layer against fake guest RAM, driven
# like a driver would.
check_PROGRAMS += tests/unit/test_vmm_loop tests/unit/test_virtio_queue \
	tests/unit/test_virtio_mmio tests/unit/test_virtio_console
TESTS += tests/unit/test_vmm_loop tests/unit/test_virtio_queue tests/unit/test_virtio_mmio \
	tests/unit/test_virtio_console
tests_unit_test_vmm_loop_SOURCES = tests/unit/test_vmm_loop.c tests/unit/tap.h
tests_unit_test_vmm_loop_LDADD = $(VMM_LIBS)
tests_unit_test_virtio_queue_SOURCES = tests/unit/test_virtio_queue.c tests/unit/tap.h
tests_unit_test_virtio_queue_LDADD = $(VMM_LIBS)
tests_unit_test_virtio_mmio_SOURCES = tests/unit/test_virtio_mmio.c tests/unit/tap.h
tests_unit_test_virtio_mmio_LDADD = $(VMM_LIBS)
tests_unit_test_virtio_console_SOURCES = tests/unit/test_virtio_console.c \
	tests/unit/virtio_driver.h tests/unit/tap.h
tests_unit_test_virtio_console_LDADD = $(VMM_LIBS)

# Tiny bare-metal guests for test_vmm_guest, assembled and linked into flat
# binaries at the address each is loaded at.  Built with the plain compiler
# driver: no sanitizer or warning flags apply to guest code.
GUEST_LINK = $(CC) -nostdlib -static -no-pie -Wl,--build-id=none -Wl,--oformat=binary
GUEST_BINS = tests/unit/guests/hello_real.bin tests/unit/guests/hello_flat32.bin \
	tests/unit/guests/hello_long.bin tests/unit/guests/virtio_console_long.bin \
	tests/unit/guests/virtio_hostile_long.bin
EXTRA_DIST += tests/unit/guests/hello_real.S tests/unit/guests/hello_flat32.S \
	tests/unit/guests/hello_long.S tests/unit/guests/virtio_console_long.S \
	tests/unit/guests/virtio_hostile_long.S
CLEANFILES += $(GUEST_BINS)
tests/unit/guests/hello_real.bin: tests/unit/guests/hello_real.S
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(GUEST_LINK) -Wl,-Ttext=0x1000 -o $@ $<
tests/unit/guests/hello_flat32.bin: tests/unit/guests/hello_flat32.S
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(GUEST_LINK) -Wl,-Ttext=0x100000 -o $@ $<
tests/unit/guests/hello_long.bin: tests/unit/guests/hello_long.S
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(GUEST_LINK) -Wl,-Ttext=0x100000 -o $@ $<
tests/unit/guests/virtio_console_long.bin: tests/unit/guests/virtio_console_long.S
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(GUEST_LINK) -Wl,-Ttext=0x100000 -o $@ $<
tests/unit/guests/virtio_hostile_long.bin: tests/unit/guests/virtio_hostile_long.S
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(GUEST_LINK) -Wl,-Ttext=0x100000 -o $@ $<

check_PROGRAMS += tests/unit/test_vmm_guest
TESTS += tests/unit/test_vmm_guest
tests_unit_test_vmm_guest_SOURCES = tests/unit/test_vmm_guest.c tests/unit/tap.h
tests_unit_test_vmm_guest_CPPFLAGS = $(AM_CPPFLAGS) -DGUEST_DIR='"$(abs_builddir)/tests/unit/guests"'
tests_unit_test_vmm_guest_LDADD = $(VMM_LIBS)
EXTRA_tests_unit_test_vmm_guest_DEPENDENCIES = $(GUEST_BINS)

check_PROGRAMS += tests/unit/test_virtio_guest
TESTS += tests/unit/test_virtio_guest
tests_unit_test_virtio_guest_SOURCES = tests/unit/test_virtio_guest.c tests/unit/tap.h
tests_unit_test_virtio_guest_CPPFLAGS = $(AM_CPPFLAGS) -DGUEST_DIR='"$(abs_builddir)/tests/unit/guests"'
tests_unit_test_virtio_guest_LDADD = $(VMM_LIBS)
EXTRA_tests_unit_test_virtio_guest_DEPENDENCIES = $(GUEST_BINS)

# The KVM tests on a host without a usable /dev/kvm: inside a nested VM.
EXTRA_DIST += tests/unit/guests/run-in-l1.sh tests/vm/l1.sh
check-vmm-l1: tests/unit/test_vmm_guest tests/unit/test_virtio_guest tests/unit/test_vmm_linux
	GUEST_DIR=$(abs_builddir)/tests/unit/guests $(SHELL) $(srcdir)/tests/unit/guests/run-in-l1.sh \
		tests/unit/test_vmm_guest tests/unit/test_virtio_guest tests/unit/test_vmm_linux
.PHONY: check-vmm-l1

check_PROGRAMS += tests/unit/test_vmm_boot
TESTS += tests/unit/test_vmm_boot
tests_unit_test_vmm_boot_SOURCES = tests/unit/test_vmm_boot.c tests/unit/tap.h
tests_unit_test_vmm_boot_LDADD = $(VMM_LIBS)

check_PROGRAMS += tests/unit/test_vmm_cpio
TESTS += tests/unit/test_vmm_cpio
tests_unit_test_vmm_cpio_SOURCES = tests/unit/test_vmm_cpio.c tests/unit/tap.h
tests_unit_test_vmm_cpio_LDADD = $(VMM_LIBS)

check_PROGRAMS += tests/unit/test_vmm_linux
TESTS += tests/unit/test_vmm_linux
tests_unit_test_vmm_linux_SOURCES = tests/unit/test_vmm_linux.c tests/unit/tap.h
tests_unit_test_vmm_linux_LDADD = $(VMM_LIBS)

# The host<->guest control protocol (both sides link it).
libhyvmm_a_SOURCES += kvm-shim/proto/vmproto.c kvm-shim/proto/vmproto.h
check_PROGRAMS += tests/unit/test_vmproto
TESTS += tests/unit/test_vmproto
tests_unit_test_vmproto_SOURCES = tests/unit/test_vmproto.c tests/unit/tap.h
tests_unit_test_vmproto_LDADD = $(VMM_LIBS)
check_PROGRAMS += tests/unit/test_exec_relay
TESTS += tests/unit/test_exec_relay
tests_unit_test_exec_relay_SOURCES = tests/unit/test_exec_relay.c tests/unit/tap.h
tests_unit_test_exec_relay_LDADD = $(VMM_LIBS)

# The guest agent: PID 1 in the guest, a static binary packed by the VMM
# into the guest's initramfs.  Built from the same common/, spec/ and
# libcontainer/ sources as hyrun, but without sanitizers (a static binary
# cannot carry ASan's runtime) and without libmnl (no static archive in
# Debian; netlink.c then brings lo up with an ioctl).
pkglibexec_PROGRAMS += hyrun-agent
hyrun_agent_SOURCES = \
	kvm-shim/agent/agent.h \
	kvm-shim/agent/main.c \
	kvm-shim/agent/exec.c \
	kvm-shim/agent/tty.c \
	kvm-shim/agent/mounts.c \
	kvm-shim/agent/ports.c \
	kvm-shim/agent/volumes.c \
	kvm-shim/agent/net.c \
	kvm-shim/vmm/netlink.c kvm-shim/vmm/netlink.h \
	kvm-shim/proto/vmproto.c kvm-shim/proto/vmproto.h \
	$(libhycommon_a_SOURCES) $(libhyspec_a_SOURCES) $(libhycontainer_a_SOURCES)
hyrun_agent_CFLAGS = $(WARN_CFLAGS) -std=gnu11 -D_GNU_SOURCE -fno-strict-aliasing -Os \
	-DHYRUN_NO_LIBMNL $(YAJL_CFLAGS) $(SECCOMP_CFLAGS) $(CAP_CFLAGS)
hyrun_agent_LDFLAGS = -static -s
hyrun_agent_LDADD = -lseccomp -lcap -lyajl_s

# The MP table (CPUs, IOAPIC, IRQ routing for a guest without ACPI).
libhyvmm_a_SOURCES += kvm-shim/vmm/mptable.c kvm-shim/vmm/mptable.h
check_PROGRAMS += tests/unit/test_vmm_mptable
TESTS += tests/unit/test_vmm_mptable
tests_unit_test_vmm_mptable_SOURCES = tests/unit/test_vmm_mptable.c tests/unit/tap.h
tests_unit_test_vmm_mptable_LDADD = $(VMM_LIBS)

# The machine (a whole guest from one config), the VMM's side of the
# control protocol, and hyrun-vmm, the VMM on its own (benchmarks).
libhyvmm_a_CFLAGS = $(AM_CFLAGS) $(SECCOMP_CFLAGS)
libhyvmm_a_SOURCES += \
	kvm-shim/vmm/sandbox.c kvm-shim/vmm/sandbox.h \
	kvm-shim/vmm/machine.c kvm-shim/vmm/machine.h \
	kvm-shim/vmm/session.c kvm-shim/vmm/session.h \
	kvm-shim/vmm/exec_relay.c kvm-shim/vmm/exec_relay.h \
	kvm-shim/vmm/tty.c kvm-shim/vmm/tty.h \
	kvm-shim/vmm/guest_spec.c kvm-shim/vmm/guest_spec.h \
	kvm-shim/vmm/idmap.c kvm-shim/vmm/idmap.h \
	kvm-shim/vmm/volumes.c kvm-shim/vmm/volumes.h
check_PROGRAMS += tests/unit/test_vmm_volumes
TESTS += tests/unit/test_vmm_volumes
tests_unit_test_vmm_volumes_SOURCES = tests/unit/test_vmm_volumes.c tests/unit/p9_client.h \
	tests/unit/tap.h
tests_unit_test_vmm_volumes_LDADD = $(VMM_LIBS) libhyspec.a libhycommon.a $(YAJL_LIBS) \
	$(SECCOMP_LIBS) $(CAP_LIBS)

# VM-mode networking: the rtnetlink client (also in the agent), the host
# side (TAP + tc mirred) and virtio-net.
libhyvmm_a_SOURCES += \
	kvm-shim/vmm/netlink.c kvm-shim/vmm/netlink.h \
	kvm-shim/vmm/net_host.c kvm-shim/vmm/net_host.h \
	kvm-shim/devices/virtio_net.c kvm-shim/devices/virtio_net.h
check_PROGRAMS += tests/unit/test_netlink tests/unit/test_virtio_net
TESTS += tests/unit/test_netlink tests/unit/test_virtio_net
tests_unit_test_netlink_SOURCES = tests/unit/test_netlink.c tests/unit/tap.h
tests_unit_test_netlink_LDADD = $(VMM_LIBS)
tests_unit_test_virtio_net_SOURCES = tests/unit/test_virtio_net.c \
	tests/unit/virtio_driver.h tests/unit/tap.h
tests_unit_test_virtio_net_LDADD = $(VMM_LIBS)
# the agent's part, built from its sources (the agent is a program of its own)
check_PROGRAMS += tests/unit/test_agent_net
TESTS += tests/unit/test_agent_net
tests_unit_test_agent_net_SOURCES = tests/unit/test_agent_net.c tests/unit/tap.h \
	kvm-shim/agent/net.c
tests_unit_test_agent_net_LDADD = $(VMM_LIBS)
# the agent's terminal relay, on a real pty with pipes for the ports
check_PROGRAMS += tests/unit/test_agent_tty
TESTS += tests/unit/test_agent_tty
tests_unit_test_agent_tty_SOURCES = tests/unit/test_agent_tty.c tests/unit/tap.h \
	kvm-shim/agent/tty.c kvm-shim/agent/ports.c
tests_unit_test_agent_tty_LDADD = $(VMM_LIBS)

check_PROGRAMS += tests/unit/test_vmm_sandbox
TESTS += tests/unit/test_vmm_sandbox
tests_unit_test_vmm_sandbox_SOURCES = tests/unit/test_vmm_sandbox.c tests/unit/tap.h
tests_unit_test_vmm_sandbox_LDADD = $(VMM_LIBS)
check_PROGRAMS += tests/unit/test_guest_spec
TESTS += tests/unit/test_guest_spec
tests_unit_test_guest_spec_SOURCES = tests/unit/test_guest_spec.c tests/unit/tap.h
tests_unit_test_guest_spec_LDADD = libhyvmm.a libhyspec.a libhycommon.a $(YAJL_LIBS) $(SECCOMP_LIBS) $(CAP_LIBS) -lpthread
pkglibexec_PROGRAMS += hyrun-vmm
hyrun_vmm_SOURCES = kvm-shim/vmm/main.c
hyrun_vmm_LDADD = $(VMM_LIBS)

# The 9P2000.L server over the shared rootfs folder, and virtio-9p.
libhyvmm_a_SOURCES += \
	kvm-shim/fs/p9.h kvm-shim/fs/p9_priv.h \
	kvm-shim/fs/p9_wire.c kvm-shim/fs/p9_wire.h \
	kvm-shim/fs/p9_server.c kvm-shim/fs/p9_ops.c kvm-shim/fs/p9_cred.c \
	kvm-shim/devices/virtio_9p.c kvm-shim/devices/virtio_9p.h
check_PROGRAMS += tests/unit/test_p9
TESTS += tests/unit/test_p9
tests_unit_test_p9_SOURCES = tests/unit/test_p9.c tests/unit/p9_client.h tests/unit/tap.h
tests_unit_test_p9_LDADD = $(VMM_LIBS)

# VM mode end to end, in the nested test VM (or directly with hardware KVM):
# tests/vm/run-nested.sh runs tests/vm/cases.sh.  kvm-probe tells the L1
# flake from a failure; tiny-init is the guest of the QEMU check and of
# contrib/bench/vm-boot.  Static and never sanitized: they run in L1 and in
# guests without the sanitizer runtimes.
check_PROGRAMS += tests/vm/kvm-probe tests/vm/tiny-init tests/vm/subreaper tests/vm/ttyrecv \
	tests/vm/edu
tests_vm_kvm_probe_SOURCES = tests/vm/kvm-probe.c
tests_vm_kvm_probe_CFLAGS = $(WARN_CFLAGS) -std=gnu11 -D_GNU_SOURCE -O2
tests_vm_kvm_probe_LDFLAGS = -static
tests_vm_tiny_init_SOURCES = tests/vm/tiny-init.c
tests_vm_tiny_init_CFLAGS = $(WARN_CFLAGS) -std=gnu11 -D_GNU_SOURCE -O2
tests_vm_tiny_init_LDFLAGS = -static
# subreaper: containerd's shim's part around a detached exec (cases.sh)
tests_vm_subreaper_SOURCES = tests/vm/subreaper.c
tests_vm_subreaper_CFLAGS = $(WARN_CFLAGS) -std=gnu11 -D_GNU_SOURCE -O2
tests_vm_subreaper_LDFLAGS = -static
# ttyrecv: containerd's shim's part on --console-socket (cases.sh)
tests_vm_ttyrecv_SOURCES = tests/vm/ttyrecv.c
tests_vm_ttyrecv_CFLAGS = $(WARN_CFLAGS) -std=gnu11 -D_GNU_SOURCE -O2
tests_vm_ttyrecv_LDFLAGS = -static
# edu: the passthrough test's workload in the guest (tests/vm/vfio-in-l1.sh)
tests_vm_edu_SOURCES = tests/vm/edu.c
tests_vm_edu_CFLAGS = $(WARN_CFLAGS) -std=gnu11 -D_GNU_SOURCE -O2
tests_vm_edu_LDFLAGS = -static
EXTRA_DIST += tests/vm/run-nested.sh tests/vm/cases.sh tests/vm/flake.sh tests/vm/vfio-in-l1.sh
check-vm: hyrun hyrun-agent hyrun-vmm tests/vm/kvm-probe tests/vm/tiny-init tests/vm/subreaper \
	tests/vm/ttyrecv
	$(SHELL) $(srcdir)/tests/vm/run-nested.sh -B $(abs_builddir) $(VM_CASES)
.PHONY: check-vm

# The guest kernel, from Debian's linux-source-6.1 (cached by config hash
# under /var/cache/hyrun/kernel; about 5 minutes the first time).  Not part
# of `all`: `make guest-kernel` builds it, `make install` installs it next
# to hyrun-agent when it was built.
EXTRA_DIST += kvm-shim/kernel/build.sh kvm-shim/kernel/guest.config
guest-kernel:
	$(SHELL) $(srcdir)/kvm-shim/kernel/build.sh -o kvm-shim/kernel
.PHONY: guest-kernel
install-exec-local:
	@if [ -f kvm-shim/kernel/vmlinux ]; then \
		echo " $(MKDIR_P) '$(DESTDIR)$(pkglibexecdir)'"; $(MKDIR_P) '$(DESTDIR)$(pkglibexecdir)'; \
		echo " $(INSTALL_DATA) kvm-shim/kernel/vmlinux '$(DESTDIR)$(pkglibexecdir)/vmlinux'"; \
		$(INSTALL_DATA) kvm-shim/kernel/vmlinux '$(DESTDIR)$(pkglibexecdir)/vmlinux'; \
	else \
		echo "note: no guest kernel installed (run 'make guest-kernel' first for VM mode)"; \
	fi
uninstall-local:
	rm -f '$(DESTDIR)$(pkglibexecdir)/vmlinux'
CLEANFILES += kvm-shim/kernel/vmlinux kvm-shim/kernel/bzImage

# contrib/bench/vm-boot's measuring helper (static: it runs in L1 too).
check_PROGRAMS += contrib/bench/vm-boot-run
contrib_bench_vm_boot_run_SOURCES = contrib/bench/vm-boot-run.c
contrib_bench_vm_boot_run_CFLAGS = $(WARN_CFLAGS) -std=gnu11 -D_GNU_SOURCE -O2
contrib_bench_vm_boot_run_LDFLAGS = -static
EXTRA_DIST += contrib/bench/vm-boot

# contrib/bench/vm-setup: the VMM's setup work without KVM, timed natively.
check_PROGRAMS += contrib/bench/vm-setup
contrib_bench_vm_setup_SOURCES = contrib/bench/vm-setup.c
contrib_bench_vm_setup_LDADD = $(VMM_LIBS)

# virtio-balloon's free page reporting against fake guest RAM.
check_PROGRAMS += tests/unit/test_virtio_balloon
TESTS += tests/unit/test_virtio_balloon
tests_unit_test_virtio_balloon_SOURCES = tests/unit/test_virtio_balloon.c \
	tests/unit/virtio_driver.h tests/unit/tap.h
tests_unit_test_virtio_balloon_LDADD = $(VMM_LIBS)
