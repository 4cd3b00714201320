# kvm-shim/: the VM mode (VMM, devices, guest agent, guest kernel).

# libhyvmm.a: the VMM core (KVM VM, vCPUs, I/O bus, Linux boot) and its
# legacy devices.  Needs no library beyond libhycommon.a.
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
	kvm-shim/devices/serial.c kvm-shim/devices/serial.h \
	kvm-shim/devices/debug_exit.c kvm-shim/devices/debug_exit.h
VMM_LIBS = libhyvmm.a libhycommon.a -lpthread

check_PROGRAMS += tests/unit/test_vmm_mem tests/unit/test_vmm_bus
TESTS += tests/unit/test_vmm_mem tests/unit/test_vmm_bus
tests_unit_test_vmm_mem_SOURCES = tests/unit/test_vmm_mem.c tests/unit/tap.h
tests_unit_test_vmm_mem_LDADD = $(VMM_LIBS)
tests_unit_test_vmm_bus_SOURCES = tests/unit/test_vmm_bus.c tests/unit/tap.h
tests_unit_test_vmm_bus_LDADD = $(VMM_LIBS)
