#!/usr/bin/env bats
# hyrun list [--format table|json] [-q]
load helpers

@test "list shows containers as table, json and ids" {
	args payload sleep 30
	hy_detach "$ID-a"
	hy_create "$ID-b"
	run hy list
	assert_eq "$status" 0
	assert_contains "${lines[0]}" "ID"
	assert_contains "$output" "$ID-a"
	assert_contains "$output" running
	assert_contains "$output" created
	run hy list -q
	assert_eq "$output" "$ID-a
$ID-b"
	run hy list --format json
	assert_eq "$(jq -r 'map(.id) | join(",")' <<<"$output")" "$ID-a,$ID-b"
	assert_eq "$(jq -r '.[0].status' <<<"$output")" running
	assert_eq "$(jq -r '.[0].bundle' <<<"$output")" "$BUNDLE"
	hy delete --force "$ID-a"
	hy delete --force "$ID-b"
}

@test "list of an empty root prints the header, json prints null as runc" {
	run hy list
	assert_eq "$status" 0
	assert_eq "$(echo "$output" | wc -l)" 1
	run hy list --format json
	assert_eq "$output" null
}

@test "list refuses an unknown format" {
	run hy list --format yaml
	[ "$status" -ne 0 ]
	assert_contains "$output" yaml
}
