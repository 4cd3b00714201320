# spec/: the OCI config model, its yajl parser and the JSON writers.
noinst_LIBRARIES += libhyspec.a
libhyspec_a_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS) $(SECCOMP_CFLAGS) $(CAP_CFLAGS)
libhyspec_a_SOURCES = \
	spec/default.c \
	spec/features.c \
	spec/free.c \
	spec/jsonw.c spec/jsonw.h \
	spec/mount_opts.c \
	spec/parse.c \
	spec/parse_linux.c \
	spec/parse_process.c \
	spec/parse_resources.c \
	spec/parse_seccomp.c \
	spec/parse_util.c spec/parse_util.h \
	spec/spec.h \
	spec/state.c spec/state.h \
	spec/write.c

check_PROGRAMS += tests/unit/test_spec
TESTS += tests/unit/test_spec
tests_unit_test_spec_SOURCES = tests/unit/test_spec.c tests/unit/tap.h
tests_unit_test_spec_LDADD = libhyspec.a libhycommon.a $(YAJL_LIBS) $(SECCOMP_LIBS) $(CAP_LIBS)
