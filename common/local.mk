# common/: the error type, allocation, cleanup and log helpers every part uses.
noinst_LIBRARIES += libhycommon.a
libhycommon_a_SOURCES = \
	common/cleanup.h \
	common/error.c common/error.h \
	common/exit_like.c common/exit_like.h \
	common/log.c common/log.h \
	common/passwd.c common/passwd.h \
	common/test_hook.c common/test_hook.h \
	common/xalloc.c common/xalloc.h
check_PROGRAMS += tests/unit/test_exit_like
TESTS += tests/unit/test_exit_like
tests_unit_test_exit_like_SOURCES = tests/unit/test_exit_like.c tests/unit/tap.h
tests_unit_test_exit_like_LDADD = libhycommon.a
