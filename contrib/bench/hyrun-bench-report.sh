#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# hyrun-bench-report DIR: DIR/results.tsv (written by hyrun-bench) into the
# text table (printed, and DIR/table.txt), DIR/results.json, DIR/report.md
# and DIR/compare.svg (gnuplot; left out, said so, without it).  Separate
# from the driver so that results measured elsewhere (the nested test VM:
# contrib/bench/in-l1.sh) are rendered where gnuplot is.  POSIX sh + awk.
set -eu
dir=${1:?usage: hyrun-bench-report DIR}
tsv=$dir/results.tsv
[ -s "$tsv" ] || { echo "hyrun-bench-report: no $tsv" >&2; exit 1; }

# What each metric is, which way is better, and why the two kinds of
# virtualization differ on it.  name|label|unit|better|why
meta() {
	cat <<'EOF'
start_ms|start latency (run of a no-op, create to exit)|ms|low|Container: hyrun clones a process into new namespaces and a cgroup on the running kernel; that is all. VM: the VMM creates a KVM VM, loads a guest kernel, which boots (device probing is VM exits: each MMIO or port access traps to the VMM), mounts the shared rootfs over 9P and starts the agent before the workload runs; at the end the guest powers off.
syscall_ns|system call (getppid)|ns/call|low|Both run the syscall on a kernel without leaving it: the container on the host kernel, the VM on its own guest kernel (SYSCALL does not exit to the hypervisor). Expect parity on hardware KVM; any difference is the guest kernel's build (mitigations) or, nested, the emulated CPU.
forkexec_us|fork + exec + wait|us/op|low|Page-table work: in a VM every guest page fault is handled by the guest kernel, but with two-dimensional paging (EPT/NPT) a TLB miss walks both the guest's and the host's tables, and the first touch of guest RAM also faults in the host (an EPT violation exit).
cpu_ns|CPU-bound loop (xorshift round)|ns/round|low|Pure user-space arithmetic runs natively in both: hardware virtualization does not trap it. Parity is expected; a gap means the CPU is emulated (nested under TCG) or contended.
seqwrite_mbs|rootfs sequential write + fsync|MB/s|high|Container: writes go into the host's page cache of the overlay/bind rootfs. VM: every write travels through the shared rootfs (virtio-9p): a request on a virtqueue, a notification (a VM exit), the VMM's pwrite on the host file, an interrupt back (two more MMIO exits: status read, acknowledgement); the 9P message size (msize 512000, the most Linux's virtio transport takes) caps each request, so 1 MiB is 3 requests.
seqread_mbs|rootfs sequential read|MB/s|high|Container: read from the host page cache, a memcpy. VM: the guest mounts the share with cache=none, so each read is a 9P round trip through the VMM (exits, copies; 3 requests per MiB at msize 512000), and a fresh guest has nothing cached.
meta_us|rootfs metadata (create, stat, unlink)|us/op|low|Container: a path lookup and inode operation in the host kernel (overlay adds a copy-up on first write). VM: with cache=none the guest keeps no dentries, so every path component is looked up again (walk, getattr, clunk) before the operation itself (lcreate, unlinkat): about 11 9P requests per operation (the 9P req/op column), each 2 MMIO exits (the notification, the interrupt status read) and host syscalls: the paravirtual file system's per-operation cost. The annotation io.hyrun.vm.rootfs-cache=loose lets the guest cache dentries and attributes (about 4 requests), at the price of host-side changes going unseen and page-by-page write-back.
tcp_mbs|TCP throughput to the host end of a veth|MB/s|high|Container: the veth is a kernel-internal pipe between namespaces. VM: frames leave the guest through virtio-net (a TAP in the VMM, no vhost-net here), so every batch of frames is a notification exit, a read/write on the TAP by the VMM and an injected interrupt; no offloads: segmentation is done per MTU-sized frame.
tcprr_us|TCP round trip (1 byte, ping-pong)|us/RTT|low|Latency adds up the paravirtual path both ways: guest TX kick (exit) -> VMM -> TAP -> tc redirect -> veth, and the reply back through the TAP, the VMM and an interrupt into the guest. A container's round trip stays in the host kernel.
EOF
}

export LC_ALL=C
# p50, p99 (nearest rank), mean and count of each (kind, metric, mode)
stats=$(awk -F'\t' '$1 != "info" { k = $1 "\t" $2 "\t" $3; n[k]++; v[k, n[k]] = $4 }
	END {
		for (k in n) {
			m = n[k]
			for (i = 1; i <= m; i++) a[i] = v[k, i] + 0
			for (i = 2; i <= m; i++) { x = a[i]; j = i - 1; while (j > 0 && a[j] > x) { a[j + 1] = a[j]; j-- } a[j + 1] = x }
			s = 0; for (i = 1; i <= m; i++) s += a[i]
			p50 = a[int((m + 1) / 2)]; r = int(0.99 * m + 0.999999); if (r < 1) r = 1; p99 = a[r]
			printf "%s\t%g\t%g\t%g\t%d\n", k, p50, p99, s / m, m
		}
	}' "$tsv" | sort)
infos=$(awk -F'\t' '$1 == "info" { print $2 "\t" $4 }' "$tsv")
# every statistic as a shell variable V_kind_metric_mode_column, in one
# pass: an awk per lookup costs seconds on a loaded host
eval "$(echo "$stats" | awk -F'\t' 'NF { n = $1 "_" $2 "_" $3; gsub(/[^A-Za-z0-9_]/, "_", n)
	for (c = 4; c <= 7; c++) printf "V_%s_%d=%s\n", n, c, $c }')"
val() {
	_n=$(echo "$1_$2_$3" | tr -c 'A-Za-z0-9_\n' '_')
	eval "echo \"\${V_${_n}_$4:-}\""
}
inf() { echo "$infos" | awk -F'\t' -v k="$1" '$1 == k { print $2; exit }'; }

# --- the table -------------------------------------------------------------------------
{
	printf '%-44s %-8s %20s %20s %9s %18s %9s\n' "measurement" "unit" "container p50 (p99)" "vm p50 (p99)" "vm/ctr" "exits/op (mmio)" "9P req/op"
	meta | while IFS='|' read -r name label unit better why; do
		c50=$(val sample "$name" container 4) c99=$(val sample "$name" container 5)
		v50=$(val sample "$name" vm 4) v99=$(val sample "$name" vm 5)
		ex=$(val exits "$name" vm 4) mm=$(val mmio "$name" vm 4)
		# below zero: fewer than the no-op run's, whose boot varies more
		ex=$(awk -v e="$ex" 'BEGIN { if (e == "") print ""; else if (e + 0 < 0) print "~0"; else print e }')
		[ -z "$mm" ] || ex="${ex:--} ($mm)"
		[ -n "$c50$v50" ] || continue
		ratio=$(awk -v a="$c50" -v b="$v50" 'BEGIN { if (a != "" && b != "" && a > 0) printf "%.2fx", b / a; else print "-" }')
		p9=$(val p9 "$name" vm 4)
		printf '%-44s %-8s %20s %20s %9s %18s %9s\n' "$label" "$unit" "${c50:--} (${c99:--})" "${v50:--} (${v99:--})" "$ratio" "${ex:--}" "${p9:--}"
	done
	for l in $(echo "$stats" | sed -n 's/^sample\tmem_pss_kb@\([0-9]*\)\t.*/\1/p' | sort -un); do
		for k in rss pss cg; do
			c=$(val sample "mem_${k}_kb@$l" container 4) v=$(val sample "mem_${k}_kb@$l" vm 4)
			ratio=$(awk -v a="$c" -v b="$v" 'BEGIN { if (a != "" && b != "" && a > 0) printf "%.1fx", b / a; else print "-" }')
			printf '%-44s %-8s %20s %20s %9s %18s\n' "memory per container, $l running ($k)" "kB" "${c:--}" "${v:--}" "$ratio" "-"
		done
	done
	off=$(val sample ksm_pss_kb vm-ksm-off 4) on=$(val sample ksm_pss_kb vm-ksm-on 4)
	if [ -n "$off$on" ]; then
		printf '%-44s %-8s %20s %20s %9s %18s\n' "idle guest PSS, KSM off / on ($(inf ksm_guests) guests)" "kB" "${off:--}" "${on:--}" \
			"$(awk -v a="$off" -v b="$on" 'BEGIN { if (a > 0 && b != "") printf "%.2fx", b / a; else print "-" }')" "-"
		printf '%-44s %-8s %20s %20s %9s %18s\n' "KSM pages shared / sharing (saved)" "pages" "$(val sample ksm_pages_shared vm-ksm-on 4)" \
			"$(val sample ksm_pages_sharing vm-ksm-on 4)" "$(($(val sample ksm_saved_kb vm-ksm-on 4 | cut -d. -f1) / 1024)) MiB" "-"
	fi
} >"$dir/table.txt"
cat "$dir/table.txt"

# --- results.json ------------------------------------------------------------------------
{
	printf '{\n  "info": {'
	echo "$infos" | awk -F'\t' 'NF { gsub(/\\/, "\\\\", $2); gsub(/"/, "\\\"", $2); printf "%s\n    \"%s\": \"%s\"", (n++ ? "," : ""), $1, $2 }'
	printf '\n  },\n  "results": ['
	echo "$stats" | awk -F'\t' 'NF { printf "%s\n    {\"kind\": \"%s\", \"metric\": \"%s\", \"mode\": \"%s\", \"p50\": %s, \"p99\": %s, \"mean\": %s, \"n\": %s}", (n++ ? "," : ""), $1, $2, $3, $4, $5, $6, $7 }'
	printf '\n  ],\n  "samples": ['
	awk -F'\t' '$1 != "info" { printf "%s\n    [\"%s\", \"%s\", \"%s\", %s]", (n++ ? "," : ""), $1, $2, $3, $4 }' "$tsv"
	printf '\n  ]\n}\n'
} >"$dir/results.json"

# --- compare.svg: VM / container, per measurement (1 = parity) ----------------------------
plot=""
meta | while IFS='|' read -r name label unit better why; do
	c=$(val sample "$name" container 4) v=$(val sample "$name" vm 4)
	[ -n "$c" ] && [ -n "$v" ] || continue
	# "how many times worse is the VM": time ratios as they are, rates inverted
	awk -v n="$name" -v a="$c" -v b="$v" -v h="$better" 'BEGIN { if (a > 0 && b > 0) printf "%s %.4f\n", n, (h == "high" ? a / b : b / a) }'
done >"$dir/compare.dat"
for l in $(echo "$stats" | sed -n 's/^sample\tmem_pss_kb@\([0-9]*\)\t.*/\1/p' | sort -un); do
	c=$(val sample "mem_pss_kb@$l" container 4) v=$(val sample "mem_pss_kb@$l" vm 4)
	[ -n "$c" ] && [ -n "$v" ] && awk -v l="$l" -v a="$c" -v b="$v" 'BEGIN { if (a > 0) printf "mem_pss@%s %.4f\n", l, b / a }' >>"$dir/compare.dat"
done
if [ ! -s "$dir/compare.dat" ]; then
	echo "hyrun-bench-report: one isolation level only: no comparison plot" >&2
elif command -v gnuplot >/dev/null; then
	gnuplot <<EOF && plot=compare.svg
set terminal svg size 900,480 dynamic font "sans,11"
set output "$dir/compare.svg"
set title "hyrun: VM isolation relative to container isolation (1 = parity; higher = VM costs more)"
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.7
set logscale y 10
set yrange [0.1:*]
set grid ytics
set xtics rotate by -30 noenhanced
set ylabel "VM / container (times)"
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2
unset key
plot "$dir/compare.dat" using 2:xtic(1) lc rgb "#4a7ab5"
EOF
else
	echo "hyrun-bench-report: gnuplot not found (apt-get install gnuplot-nox): no compare.svg" >&2
fi
[ -n "$plot" ] || [ ! -e "$dir/compare.svg" ] || plot=compare.svg

# --- report.md -------------------------------------------------------------------------------
{
	echo "# hyrun bench: container vs VM isolation"
	echo
	echo "Machine: $(inf host). Measured $(inf date); load average at the start $(inf load)."
	[ -z "$(inf measured_in)" ] || echo "Run in $(inf measured_in)."
	[ -z "$(inf virtualized)" ] || echo "This host is itself virtualized ($(inf virtualized)): VM-mode times are nested-virtualization times, not hardware KVM's; the exit counts and memory figures carry over better than the times."
	[ -z "$(inf vm_missing)" ] || echo "VM mode was left out: $(inf vm_missing)."
	echo "$(inf hyrun); rootfs: $(inf rootfs) on the host, the same folder shared with the guest over virtio-9p; runs per measurement: see n in results.json; quick mode: $(inf quick)."
	echo
	echo "Container isolation runs the bundle in namespaces and cgroups on the host's kernel (OS-level virtualization); VM isolation runs the same bundle in a KVM guest with its own kernel, booted by hyrun's VMM (hardware-assisted virtualization). What separates them is where the kernel is (shared vs own), how many operations leave the guest (VM exits, ~1 us each on hardware, tens of us nested), and the paravirtual devices (virtio-9p, virtio-net) that carry files and packets between guest and host."
	echo
	[ -z "$plot" ] || { echo "![VM / container]($plot)"; echo; }
	echo '```'
	cat "$dir/table.txt"
	echo '```'
	echo
	echo "\"exits/op (mmio)\": KVM exits of the VM per operation, beyond those of a run that does nothing (boot and shutdown: $(inf base_exits) exits, $(inf base_mmio) of them MMIO), from KVM's debugfs counters; in parentheses the MMIO exits alone (those that reach the VMM's virtio devices: about 2 per virtio-9p request, the notification and the interrupt status read; the acknowledgement ends in KVM (an ioeventfd) and counts only in the total), which are host-independent; the total also counts timer interrupts and nested page faults, so it grows with the time an operation takes (~0: fewer than the no-op run's, whose boot varies by more).  \"9P req/op\": the requests the VMM's 9P server answered for the shared rootfs per operation, beyond the no-op run's ($(inf base_p9)), from the VMM's debug log (host-independent)."
	[ -z "$(inf vm_annotations)" ] || echo "The VM-mode bundle carried the annotations $(inf vm_annotations)."
	echo
	meta | while IFS='|' read -r name label unit better why; do
		c=$(val sample "$name" container 4) v=$(val sample "$name" vm 4) ex=$(val exits "$name" vm 4)
		mm=$(val mmio "$name" vm 4) p9=$(val p9 "$name" vm 4)
		[ -n "$c$v" ] || continue
		echo "## $label"
		echo
		printf 'Container %s %s, VM %s %s' "${c:--}" "$unit" "${v:--}" "$unit"
		what="MMIO exits to the VMM: virtio notifications and interrupt status reads"
		if [ -n "$ex" ] && [ "${ex#-}" = "$ex" ]; then
			printf ', %s VM exits per operation' "$ex"
			[ -z "$mm" ] || printf ' (%s of them %s)' "$mm" "$what"
		elif [ -n "$mm" ]; then
			printf ', %s MMIO exits to the VMM per operation (virtio notifications and interrupt status reads; all exits: below the no-op run'"'"'s variation)' "$mm"
		fi
		[ -z "$p9" ] || printf '; %s 9P requests to the shared rootfs per operation' "$p9"
		echo "."
		echo
		echo "$why"
		echo
	done
	if [ -n "$(val sample mem_pss_kb@1 container 4)$(val sample mem_pss_kb@1 vm 4)" ]; then
		echo "## Memory per container"
		echo
		echo "RSS and PSS of every process in each container's cgroup, and the cgroup's own memory.current, divided by the number running. A container's overhead is its processes' own pages: the kernel is shared. A VM carries a whole guest kernel, its page cache and the VMM; PSS divides shared pages (the static VMM's text) among the guests, so it falls a little as more run, while guest RAM a guest has touched stays private to it."
		echo
	fi
	if [ -n "$(val sample ksm_pss_kb vm-ksm-off 4)" ]; then
		echo "## KSM"
		echo
		echo "$(inf ksm_guests) idle guests with io.hyrun.vm.ksm=false, then =true (guest RAM madvise(MADV_MERGEABLE)) and ksmd running: pages_shared $(val sample ksm_pages_shared vm-ksm-on 4), pages_sharing $(val sample ksm_pages_sharing vm-ksm-on 4) ($(($(val sample ksm_saved_kb vm-ksm-on 4 | cut -d. -f1) / 1024)) MiB saved, after $(val sample ksm_seconds vm-ksm 4) s of scanning); PSS per guest $(val sample ksm_pss_kb vm-ksm-off 4) kB without, $(val sample ksm_pss_kb vm-ksm-on 4) kB with. Identical guest kernels boot to largely identical memory (kernel text and data, zeroed pages), which only a shared kernel gets for free: containers never duplicate it."
		echo
	fi
} >"$dir/report.md"
echo "hyrun-bench-report: $dir/report.md, $dir/results.json${plot:+, $dir/$plot}" >&2
