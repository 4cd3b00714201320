# tests/: unit tests (TAP), integration (bats), e2e, fuzz, bench.
TESTLIBS = $(HYRUN_LIBS) $(HYRUN_EXTERNAL_LIBS)
