# SPDX-License-Identifier: GPL-2.0-or-later
# Shared set-up for the integration tests: a fresh busybox bundle with the
# static payload at /bin/payload, a private --root, and a teardown that
# force-deletes what a test left and fails the test on residue.
# HYRUN=/usr/bin/runc runs the same cases against runc for comparison.

INTEG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_DIR=$(cd "$INTEG_DIR/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$TOP_DIR/_build}
HYRUN=${HYRUN:-$BUILD_DIR/hyrun}
PAYLOAD=${PAYLOAD:-$BUILD_DIR/tests/payload/payload}
# wait_for, assert_eq
. "$TOP_DIR/tests/lib/wait.bash"

# One pristine bundle per test file, copied for each test.
make_template() {
	[ -x "$HYRUN" ] || { echo "no hyrun at $HYRUN: build first" >&2; return 1; }
	[ -x "$PAYLOAD" ] || { echo "no payload at $PAYLOAD: make check builds it" >&2; return 1; }
	HYRUN= "$TOP_DIR/contrib/make-busybox-bundle.sh" "$BATS_FILE_TMPDIR/template" >/dev/null
	cp "$PAYLOAD" "$BATS_FILE_TMPDIR/template/rootfs/bin/payload"
}

setup_file() {
	make_template
}

setup_bundle() {
	ROOT=$BATS_TEST_TMPDIR/root
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	cp -a "$BATS_FILE_TMPDIR/template" "$BUNDLE"
	# Unique ids: cgroups are global, tests in other files may run.
	ID=t$$-$BATS_TEST_NUMBER
	cfg '.process.args = ["payload", "exit", "0"]'
}

setup() {
	setup_bundle
}

# setup_running [RESOURCES-JSON]: setup, then a detached `payload sleep 60`
# in the cgroup /hyrun-test/$ID with those linux.resources.
setup_running() {
	setup_bundle
	cfg --arg p "/hyrun-test/$ID" --argjson r "${1:-null}" \
		'.linux.cgroupsPath = $p | if $r then .linux.resources = $r else . end'
	args payload sleep 60
	hy_detach "$ID"
}

teardown() {
	local id
	for id in $("$HYRUN" --root "$ROOT" list -q 2>/dev/null); do
		"$HYRUN" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
	done
	residue_check
}

# Fails when hyrun left something behind: a state dir, a mount under the
# bundle, or a cgroup named after the test's container.
residue_check() {
	local left
	left=$(ls -A "$ROOT" 2>/dev/null || true)
	[ -z "$left" ] || { echo "residue: state $left" >&2; return 1; }
	left=$(grep -F " $BATS_TEST_TMPDIR/" /proc/self/mountinfo || true)
	[ -z "$left" ] || { echo "residue: mounts $left" >&2; return 1; }
	left=$(find /sys/fs/cgroup -maxdepth 3 -type d -name "*$ID*" 2>/dev/null || true)
	[ -z "$left" ] || { echo "residue: cgroups $left" >&2; return 1; }
}

# cfg JQ-FILTER: edit the bundle's config.json in place.
cfg() {
	jq "$@" "$BUNDLE/config.json" >"$BUNDLE/config.json.new"
	mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# args A B ...: set process.args.
# (one JSON string per argument, newlines kept; jq --args would take "-c"
# for its own option)
args() {
	local a x
	a=$(for x in "$@"; do printf '%s' "$x" | jq -Rs .; done | jq -sc .)
	cfg --argjson a "$a" '.process.args = $a'
}

# hy ARGS...: the runtime under test, with the test's root, in the bundle.
hy() {
	(cd "$BUNDLE" && exec "$HYRUN" --root "$ROOT" "$@")
}

# hy_run ARGS...: `run` in the foreground, stdin closed.
hy_run() {
	hy run "$@" </dev/null
}

# hy_detach ARGS...: `run --detach`, its output (the container keeps
# stdout open) going to $BATS_TEST_TMPDIR/detach.log.
hy_detach() {
	hy run --detach "$@" </dev/null >"$BATS_TEST_TMPDIR/detach.log" 2>&1 ||
		{ cat "$BATS_TEST_TMPDIR/detach.log" >&2; return 1; }
}

# hy_create ARGS...: `create`, output to $BATS_TEST_TMPDIR/create.log.
hy_create() {
	hy create "$@" </dev/null >"$BATS_TEST_TMPDIR/create.log" 2>&1 ||
		{ cat "$BATS_TEST_TMPDIR/create.log" >&2; return 1; }
}

# WAIT_TIMEOUT: how long a wait_* helper waits for its condition before it
# fails (seconds; generous for a loaded 2-core CI box: a wait ends as soon
# as the condition holds).
WAIT_TIMEOUT=${WAIT_TIMEOUT:-30}

# has_status ID STATUS: `state` shows STATUS.
has_status() {
	[ "$(hy state "$1" 2>/dev/null | jq -r .status)" = "$2" ]
}

# wait_status ID STATUS: poll state until it shows STATUS.
wait_status() {
	wait_for "container $1 reached $2 (it is $(hy state "$1" 2>/dev/null | jq -r .status))" has_status "$1" "$2"
}

# wait_file_contains FILE TEXT: poll FILE for TEXT.
wait_file_contains() {
	wait_for "$1 showed $2" grep -qF -- "$2" "$1"
}

# lines_above FILE N: FILE has more than N lines.
lines_above() {
	[ "$(wc -l <"$1")" -gt "$2" ]
}

# children_of PID: the pids of PID's children.
children_of() {
	pgrep -P "$1" || true
}

# children_running PID N [COMM]: PID has at least N children running COMM
# (default payload).
children_running() {
	local c n=0
	for c in $(children_of "$1"); do
		[ "$(cat "/proc/$c/comm" 2>/dev/null)" = "${3:-payload}" ] && n=$((n + 1))
	done
	[ "$n" -ge "$2" ]
}

# none_alive PID...: none of the processes is there (a zombie counts as gone).
none_alive() {
	local p
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] || continue
		[ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" = Z ] || return 1
	done
}

# refute_grep GREP-ARGS...: grep finds no match (and could read its input).
# Use it, not `! grep`: bats runs a test under errexit, which ignores a
# command negated with `!`, so `! grep` before a test's last line asserts
# nothing.
refute_grep() {
	local out rc=0
	out=$(grep "$@") || rc=$?
	case $rc in
	1) return 0 ;;
	0) printf 'expected no match: grep %s\nfound: %s\n' "$*" "$out" >&2 ;;
	*) printf 'grep %s failed (exit %s)\n' "$*" "$rc" >&2 ;;
	esac
	return 1
}

# assert_output_contains TEXT / assert_eq A B: messages that say what differed.
assert_contains() {
	case "$1" in *"$2"*) return 0 ;; esac
	printf 'expected to contain: %s\nactual: %s\n' "$2" "$1" >&2
	return 1
}

# open_path_to PATH: let any user traverse to PATH (a mapped root or a
# rootless user must reach the bundle).
open_path_to() {
	local d=$1
	while [ "$d" != / ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
}

# bad_config JQ-FILTER EXPECTED: the edit makes create fail naming EXPECTED.
bad_config() {
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/good.json"
	cfg "$1"
	run hy_create "$ID"
	cp "$BATS_TEST_TMPDIR/good.json" "$BUNDLE/config.json"
	[ "$status" -ne 0 ] || { echo "create accepted: $1" >&2; return 1; }
	assert_contains "$output" "$2"
	assert_eq "${#lines[@]}" 1
	[ ! -e "$ROOT/$ID" ]
}
