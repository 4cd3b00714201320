# libcontainer/: namespaces, rootfs, cgroups, process setup.
noinst_LIBRARIES += libhycontainer.a
libhycontainer_a_CFLAGS = $(AM_CFLAGS) $(SECCOMP_CFLAGS) $(CAP_CFLAGS) $(MNL_CFLAGS)
libhycontainer_a_SOURCES = \
	libcontainer/cgroup.h \
	libcontainer/container.h
