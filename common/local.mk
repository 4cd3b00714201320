# common/: the error type, allocation, cleanup and log helpers every part uses.
noinst_LIBRARIES += libhycommon.a
libhycommon_a_SOURCES = \
	common/cleanup.h \
	common/error.c common/error.h \
	common/log.c common/log.h \
	common/passwd.c common/passwd.h \
	common/xalloc.c common/xalloc.h
