# runtime/: the hyrun command, one file per command.
HYRUN_LIBS = libhycontainer.a libhyspec.a libhycommon.a
HYRUN_EXTERNAL_LIBS = $(SECCOMP_LIBS) $(CAP_LIBS) $(YAJL_LIBS) $(MNL_LIBS)
bin_PROGRAMS += hyrun
hyrun_SOURCES = \
	runtime/cli.c runtime/cli.h runtime/cli_doc.c runtime/cli_doc.h \
	runtime/cmd_bench.c \
	runtime/cmd_checkpoint.c \
	runtime/cmd_create.c runtime/create.h \
	runtime/cmd_delete.c \
	runtime/cmd_events.c \
	runtime/cmd_exec.c \
	runtime/cmd_kill.c \
	runtime/cmd_list.c \
	runtime/cmd_pause.c \
	runtime/cmd_run.c \
	runtime/cmd_spec.c \
	runtime/cmd_start.c \
	runtime/cmd_state.c \
	runtime/cmd_update.c \
	runtime/foreground.c runtime/foreground.h \
	runtime/isolation.c \
	runtime/lifecycle.c \
	runtime/main.c \
	runtime/signals.c runtime/signals.h \
	runtime/state_dir.c runtime/state_dir.h \
	runtime/terminal.c runtime/terminal.h \
	runtime/vm.c runtime/vm.h runtime/vm_plan.c runtime/vm_vfio.c runtime/vm_exec.c runtime/vm_tty.c
hyrun_CFLAGS = $(AM_CFLAGS) $(SECCOMP_CFLAGS)
if STATIC_HYRUN
# configure.ac says why
hyrun_LDFLAGS = $(AM_LDFLAGS) -static
hyrun_LDADD = libhyvmm.a $(HYRUN_LIBS) -lseccomp -lcap -lyajl_s -lpthread
else
# libseccomp is loaded on first use (runtime/seccomp_dl.c)
hyrun_SOURCES += runtime/seccomp_dl.c
hyrun_LDADD = libhyvmm.a $(HYRUN_LIBS) $(CAP_LIBS) $(YAJL_LIBS) $(MNL_LIBS) -ldl -lpthread
endif

# hyrun-vm: the same binary, VM isolation by default (runtime/main.c looks
# at argv[0]), for runtime entries that cannot set an annotation
# (containerd, podman, Docker, a Kubernetes RuntimeClass).
all-local: hyrun-vm
hyrun-vm: hyrun
	$(AM_V_GEN)rm -f $@ && $(LN_S) hyrun $@
install-exec-hook:
	cd '$(DESTDIR)$(bindir)' && rm -f hyrun-vm && $(LN_S) hyrun hyrun-vm
uninstall-hook:
	rm -f '$(DESTDIR)$(bindir)/hyrun-vm'
CLEANFILES += hyrun-vm

# hyrun-systemd: the systemd cgroup driver's D-Bus calls (sd-bus), a
# dynamically linked helper hyrun runs only for --systemd-cgroup
# (libcontainer/cgroup_systemd.h); next to hyrun in the build tree.
if HAVE_LIBSYSTEMD
pkglibexec_PROGRAMS += hyrun-systemd
hyrun_systemd_SOURCES = runtime/hyrun-systemd.c libcontainer/cgroup_systemd.h
hyrun_systemd_CFLAGS = $(AM_CFLAGS) $(LIBSYSTEMD_CFLAGS)
hyrun_systemd_LDADD = $(LIBSYSTEMD_LIBS)
endif
