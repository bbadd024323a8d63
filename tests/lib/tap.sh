# SPDX-License-Identifier: GPL-2.0
# tests/lib/tap.sh — TAP for the shell tests, sourced: ok, not_ok, skip and the assertions
# below, and tap_plan to end with. The plan comes last (TAP allows it), so the count cannot
# drift from the assertions made. TAP_TIMES=1 adds the seconds since the start to each line
# (the guest tests, where knowing when a step ran helps read a slow failure).

tap_n=0
tap_failed=0

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1${TAP_TIMES:+ (${SECONDS}s)}"
}
# not_ok NAME [LINE...]: each LINE (its last 30 lines, if long) as a comment under it.
not_ok() {
	local l
	tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $1"
	shift
	for l in "$@"; do printf '%s\n' "$l" | tail -n 30 | sed 's/^/#   /'; done
}
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }

# check NAME CMD...: ok when CMD succeeds.
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name" "failed: $*"; fi; }
# is NAME GOT WANT
is() { if [[ $2 == "$3" ]]; then ok "$1"; else not_ok "$1" "got:  '$2'" "want: '$3'"; fi; }
# like NAME GOT REGEX, unlike NAME GOT REGEX
like() { if [[ $2 =~ $3 ]]; then ok "$1"; else not_ok "$1" "got:  '${2:0:600}'" "want: /$3/"; fi; }
unlike() {
	if [[ ! $2 =~ $3 ]]; then ok "$1"; else not_ok "$1" "got:  '${2:0:600}'" "must not match: /$3/"; fi
}

# tap_plan: print the plan; succeeds when nothing failed.
tap_plan() {
	echo "1..$tap_n"
	((tap_failed == 0))
}
