# tests/: unit tests (TAP), integration (bats), e2e, fuzz, bench.
TESTLIBS = $(HYRUN_LIBS) $(HYRUN_EXTERNAL_LIBS)

# The static test payload run inside containers (never sanitized: it runs
# in a rootfs without the sanitizer runtimes).
check_PROGRAMS += tests/payload/payload
tests_payload_payload_SOURCES = tests/payload/payload.c
tests_payload_payload_CFLAGS = $(WARN_CFLAGS) -std=gnu11 -D_GNU_SOURCE -O2
tests_payload_payload_LDFLAGS = -static

# cgroup v2 resource files against a prepared tree
check_PROGRAMS += tests/unit/test_cgroup_v2
TESTS += tests/unit/test_cgroup_v2
tests_unit_test_cgroup_v2_SOURCES = tests/unit/test_cgroup_v2.c tests/unit/tap.h
tests_unit_test_cgroup_v2_LDADD = $(HYRUN_LIBS) $(HYRUN_EXTERNAL_LIBS)

# the systemd driver's cgroupsPath reading (the driver: tests/vm/systemd-in-l1.sh)
check_PROGRAMS += tests/unit/test_cgroup_systemd
TESTS += tests/unit/test_cgroup_systemd
tests_unit_test_cgroup_systemd_SOURCES = tests/unit/test_cgroup_systemd.c tests/unit/tap.h
tests_unit_test_cgroup_systemd_LDADD = $(HYRUN_LIBS) $(HYRUN_EXTERNAL_LIBS)
