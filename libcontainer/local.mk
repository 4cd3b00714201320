# libcontainer/: namespaces, rootfs, cgroups, process setup.
noinst_LIBRARIES += libhycontainer.a
libhycontainer_a_CFLAGS = $(AM_CFLAGS) $(SECCOMP_CFLAGS) $(CAP_CFLAGS) $(MNL_CFLAGS)
libhycontainer_a_SOURCES = \
	libcontainer/cgroup.h \
	libcontainer/container.h

# criu (checkpoint/restore through the criu command line)
libhycontainer_a_SOURCES += libcontainer/criu.c libcontainer/criu.h
check_PROGRAMS += tests/unit/test_criu
TESTS += tests/unit/test_criu
tests_unit_test_criu_SOURCES = tests/unit/test_criu.c tests/unit/tap.h
tests_unit_test_criu_LDADD = $(HYRUN_LIBS) $(HYRUN_EXTERNAL_LIBS)
