#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The one table of commands and options (runtime/cli_doc.c) against what
# each command's getopt really accepts, and what is made from it: --help,
# the man pages, the bash completion.  A new option without its line in
# the table, or a line for an option that went away, fails here.

# no containers here: not helpers.bash's bundle set-up and residue checks
TOP_DIR=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$TOP_DIR/_build}
HYRUN=${HYRUN:-$BUILD_DIR/hyrun}
MKDOC=${MKDOC:-$BUILD_DIR/hyrun-mkdoc}

# long options in the struct option arrays of a source file
src_opts() {
	grep -o '{ *"[a-z0-9-]*", *\(no\|required\|optional\)_argument' "$1" |
		sed 's/{ *"\([^"]*\)".*/--\1/' | sort -u
}

# the table's options of commands $@ (one "--name" a line)
table_opts() {
	local c
	for c in "$@"; do "$MKDOC" list | awk -v c="$c" '$1 == c { print $2 }'; done | sort -u
}

@test "help: every long option each cmd_*.c's getopt accepts is in the table, and no more" {
	local f cmds bad=""
	[ -x "$MKDOC" ] || skip "no $MKDOC: build first"
	for f in "$TOP_DIR"/runtime/cmd_*.c "$TOP_DIR/runtime/main.c"; do
		# the commands a file implements; run parses with create's getopt
		cmds=$(sed -n 's/^cmd_\([a-z_]*\) (.*/\1/p' "$f")
		case $f in */cmd_create.c) cmds="$cmds run" ;; */cmd_run.c) continue ;; */main.c) cmds=global ;; esac
		if [ "$(src_opts "$f")" != "$(table_opts $cmds)" ]; then
			bad="$bad
${f##*/} ($cmds): getopt only: $(comm -23 <(src_opts "$f") <(table_opts $cmds) | tr '\n' ' ') table only: $(comm -13 <(src_opts "$f") <(table_opts $cmds) | tr '\n' ' ')"
		fi
	done
	[ -z "$bad" ] || { echo "runtime/cli_doc.c and the getopt tables differ:$bad"; false; }
}

@test "help: hyrun --help lists the table's commands, and CMD --help each of its options" {
	local cmds c o
	[ -x "$MKDOC" ] || skip "no $MKDOC: build first"
	run "$HYRUN" --help
	[ "$status" = 0 ]
	for c in $("$MKDOC" commands); do
		echo "$output" | grep -qE "^   $c " || { echo "hyrun --help lacks $c"; false; }
	done
	[ "$(echo "$output" | awk '/^Commands:/ { s = 1; next } /^$/ { s = 0 } s { print $1 }' | sort | tr '\n' ' ')" = \
		"$("$MKDOC" commands | sort | tr '\n' ' ')" ]
	while read -r c o; do
		[ "$c" != global ] || continue
		run "$HYRUN" "$c" --help
		[ "$status" = 0 ] && echo "$output" | grep -q -- "$o" || { echo "hyrun $c --help lacks $o: $output"; false; }
	done < <("$MKDOC" list)
}

@test "man: hyrun(8) and a page per command, each option on its command's page, all installed" {
	local c o page
	[ -f "$BUILD_DIR/man/hyrun.8" ] || skip "no man pages in $BUILD_DIR/man: build first"
	for c in $("$MKDOC" commands); do
		[ -f "$BUILD_DIR/man/hyrun-$c.8" ] || { echo "no hyrun-$c.8"; false; }
		grep -q "hyrun\\\\-$c" "$BUILD_DIR/man/hyrun.8" || { echo "hyrun.8 does not list $c"; false; }
		# make install installs the list in contrib/local.mk
		sed -n '/^HYRUN_MAN_CMDS/,/[^\\]$/p' "$TOP_DIR/contrib/local.mk" | grep -qw "$c" ||
			{ echo "contrib/local.mk's HYRUN_MAN_CMDS lacks $c"; false; }
	done
	while read -r c o; do
		page=$BUILD_DIR/man/hyrun-$c.8
		[ "$c" != global ] || page=$BUILD_DIR/man/hyrun.8
		grep -qF -- "\\-\\-$(echo "${o#--}" | sed 's/-/\\-/g')" "$page" || { echo "$page lacks $o"; false; }
	done < <("$MKDOC" list)
}

@test "completion: offers every command, the global options and each command's options" {
	local c o cmds
	[ -f "$BUILD_DIR/completion/hyrun" ] || skip "no $BUILD_DIR/completion/hyrun: build first"
	source "$BUILD_DIR/completion/hyrun"
	complete -p hyrun-vm | grep -q _hyrun
	COMP_WORDS=(hyrun "") COMP_CWORD=1
	_hyrun
	for c in $("$MKDOC" commands); do
		[[ " ${COMPREPLY[*]} " == *" $c "* ]] || { echo "no command $c in: ${COMPREPLY[*]}"; false; }
	done
	while read -r c o; do
		if [ "$c" = global ]; then COMP_WORDS=(hyrun --) COMP_CWORD=1; else COMP_WORDS=(hyrun --root /tmp "$c" --) COMP_CWORD=4; fi
		COMPREPLY=()
		_hyrun
		[[ " ${COMPREPLY[*]} " == *" $o "* ]] || { echo "hyrun $c: $o not offered: ${COMPREPLY[*]}"; false; }
	done < <("$MKDOC" list)
	# values: a choice list, and folders for --bundle
	COMP_WORDS=(hyrun list --format "") COMP_CWORD=3
	_hyrun
	[ "${COMPREPLY[*]}" = "table json" ]
}
