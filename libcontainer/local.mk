# libcontainer/: namespaces, rootfs, cgroups, process setup.
noinst_LIBRARIES += libhycontainer.a
libhycontainer_a_CFLAGS = $(AM_CFLAGS) $(SECCOMP_CFLAGS) $(CAP_CFLAGS) $(MNL_CFLAGS)
libhycontainer_a_SOURCES = \
	libcontainer/caps.c \
	libcontainer/cgroup.h \
	libcontainer/container.h \
	libcontainer/fd.c libcontainer/fd.h \
	libcontainer/fifo.c \
	libcontainer/hooks.c \
	libcontainer/init.c libcontainer/init.h \
	libcontainer/spawn.c libcontainer/spawn.h \
	libcontainer/finalize.c libcontainer/finalize.h \
	libcontainer/lsm.c libcontainer/lsm.h \
	libcontainer/mount.c libcontainer/mount.h \
	libcontainer/mountinfo.c libcontainer/mountinfo.h \
	libcontainer/netlink.c libcontainer/netlink.h \
	libcontainer/path.c libcontainer/path.h \
	libcontainer/process.c \
	libcontainer/rootfs.c libcontainer/rootfs.h \
	libcontainer/seccomp.c \
	libcontainer/security.h \
	libcontainer/selfexe.c libcontainer/selfexe.h \
	libcontainer/sync.c libcontainer/sync.h \
	libcontainer/terminal.c \
	libcontainer/user.c libcontainer/user.h

# criu (checkpoint/restore through the criu command line)
libhycontainer_a_SOURCES += libcontainer/criu.c libcontainer/criu.h
check_PROGRAMS += tests/unit/test_criu
TESTS += tests/unit/test_criu
tests_unit_test_criu_SOURCES = tests/unit/test_criu.c tests/unit/tap.h
tests_unit_test_criu_LDADD = $(HYRUN_LIBS) $(HYRUN_EXTERNAL_LIBS)

# cgroup
libhycontainer_a_SOURCES += \
	libcontainer/cgroup.c \
	libcontainer/cgroup_bpf.c \
	libcontainer/cgroup_fs.c libcontainer/cgroup_fs.h \
	libcontainer/cgroup_stats.c \
	libcontainer/cgroup_systemd.c libcontainer/cgroup_systemd.h \
	libcontainer/cgroup_v1.c \
	libcontainer/cgroup_v2.c

# security
libhycontainer_a_SOURCES += libcontainer/sendfd.h libcontainer/exec.c libcontainer/exec.h
check_PROGRAMS += tests/unit/test_caps tests/unit/test_seccomp tests/unit/test_hooks \
	tests/unit/test_terminal tests/unit/test_exec tests/integration/helpers/console-receiver \
	tests/integration/helpers/seccomp-listener
TESTS += tests/unit/test_caps tests/unit/test_seccomp tests/unit/test_hooks \
	tests/unit/test_terminal tests/unit/test_exec
tests_unit_test_caps_SOURCES = tests/unit/test_caps.c tests/unit/tap.h
tests_unit_test_caps_LDADD = $(HYRUN_LIBS) $(HYRUN_EXTERNAL_LIBS)
tests_unit_test_seccomp_SOURCES = tests/unit/test_seccomp.c tests/unit/tap.h
tests_unit_test_seccomp_LDADD = $(HYRUN_LIBS) $(HYRUN_EXTERNAL_LIBS)
tests_unit_test_hooks_SOURCES = tests/unit/test_hooks.c tests/unit/tap.h
tests_unit_test_hooks_LDADD = $(HYRUN_LIBS) $(HYRUN_EXTERNAL_LIBS)
tests_unit_test_terminal_SOURCES = tests/unit/test_terminal.c tests/unit/tap.h
tests_unit_test_terminal_LDADD = $(HYRUN_LIBS) $(HYRUN_EXTERNAL_LIBS)
tests_unit_test_exec_SOURCES = tests/unit/test_exec.c tests/unit/tap.h
tests_unit_test_exec_LDADD = $(HYRUN_LIBS) $(HYRUN_EXTERNAL_LIBS)
tests_integration_helpers_console_receiver_SOURCES = tests/integration/helpers/console-receiver.c
tests_integration_helpers_seccomp_listener_SOURCES = tests/integration/helpers/seccomp-listener.c
tests_integration_helpers_seccomp_listener_CFLAGS = $(AM_CFLAGS) $(SECCOMP_CFLAGS)
tests_integration_helpers_seccomp_listener_LDADD = $(SECCOMP_LIBS)
