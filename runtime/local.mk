# runtime/: the hyrun command, one file per command.
HYRUN_LIBS = libhycontainer.a libhyspec.a libhycommon.a
HYRUN_EXTERNAL_LIBS = $(SECCOMP_LIBS) $(CAP_LIBS) $(YAJL_LIBS) $(MNL_LIBS)
bin_PROGRAMS += hyrun
hyrun_SOURCES = runtime/main.c
hyrun_LDADD = $(HYRUN_LIBS) $(HYRUN_EXTERNAL_LIBS)
