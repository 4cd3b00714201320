# contrib/: `hyrun bench`'s driver, report and probe (contrib/bench/).
# hyrun (runtime/cmd_bench.c) execs pkglibexecdir/hyrun-bench, or the one
# next to it in a build tree.

# the probe is the benchmark bundle's whole rootfs: static, never
# sanitized, the same binary under both isolation levels
pkglibexec_PROGRAMS += hyrun-bench-probe
hyrun_bench_probe_SOURCES = contrib/bench/probe.c
hyrun_bench_probe_CFLAGS = $(WARN_CFLAGS) -std=gnu11 -D_GNU_SOURCE -O2
hyrun_bench_probe_LDFLAGS = -static

pkglibexec_SCRIPTS = hyrun-bench hyrun-bench-report
hyrun-bench: $(srcdir)/contrib/bench/hyrun-bench.sh
	$(AM_V_GEN)cp $(srcdir)/contrib/bench/hyrun-bench.sh $@ && chmod +x $@
hyrun-bench-report: $(srcdir)/contrib/bench/hyrun-bench-report.sh
	$(AM_V_GEN)cp $(srcdir)/contrib/bench/hyrun-bench-report.sh $@ && chmod +x $@
CLEANFILES += hyrun-bench hyrun-bench-report
EXTRA_DIST += contrib/bench/hyrun-bench.sh contrib/bench/hyrun-bench-report.sh \
	contrib/bench/in-l1.sh

# The man pages and the bash completion, generated from the table
# `hyrun CMD --help` prints (runtime/cli_doc.c) so that they cannot drift;
# tests/integration/doc.bats checks the table against each command's
# getopt and this list against the table.
noinst_PROGRAMS += hyrun-mkdoc
hyrun_mkdoc_SOURCES = runtime/cli_mkdoc.c runtime/cli_doc.c runtime/cli_doc.h
HYRUN_MAN_CMDS = bench checkpoint create delete events exec features kill list pause ps \
	restore resume run spec start state update
man8_MANS = man/hyrun.8 $(HYRUN_MAN_CMDS:%=man/hyrun-%.8)
$(man8_MANS): man/.stamp
man/.stamp: hyrun-mkdoc$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) man && ./hyrun-mkdoc$(EXEEXT) man man $(PACKAGE_VERSION) && touch $@
bashcompletiondir = $(datadir)/bash-completion/completions
bashcompletion_DATA = completion/hyrun
completion/hyrun: hyrun-mkdoc$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) completion && ./hyrun-mkdoc$(EXEEXT) bash >$@
install-data-hook:
	cd '$(DESTDIR)$(bashcompletiondir)' && rm -f hyrun-vm && $(LN_S) hyrun hyrun-vm
CLEANFILES += $(man8_MANS) man/.stamp completion/hyrun
