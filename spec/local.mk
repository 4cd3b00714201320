# spec/: the OCI config model, its yajl parser and the JSON writers.
noinst_LIBRARIES += libhyspec.a
libhyspec_a_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS) $(SECCOMP_CFLAGS) $(CAP_CFLAGS)
libhyspec_a_SOURCES = \
	spec/jsonw.h \
	spec/spec.h \
	spec/state.h
