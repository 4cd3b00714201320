# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tests/integration/helpers.bash and tests/e2e/helpers.bash.

# wait_for WHAT COMMAND...: poll COMMAND until it succeeds (WAIT_TIMEOUT
# seconds, 30 unless the caller set it); on a timeout, fail saying WHAT
# never happened.
wait_for() {
	local what=$1 end
	shift
	end=$((SECONDS + ${WAIT_TIMEOUT:-30}))
	until "$@" >/dev/null 2>&1; do
		if [ "$SECONDS" -ge "$end" ]; then
			echo "waited ${WAIT_TIMEOUT:-30}s, but never: $what" >&2
			return 1
		fi
		sleep 0.05
	done
}

# assert_eq ACTUAL EXPECTED: equal, or fail printing both.
assert_eq() {
	[ "$1" = "$2" ] && return 0
	printf 'expected: %s\nactual:   %s\n' "$2" "$1" >&2
	return 1
}
