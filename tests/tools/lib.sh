# SPDX-License-Identifier: GPL-2.0
# tests/tools/lib.sh — sourced by the tools' host tests: TAP with the plan first (PLAN, set by
# the test), and $BIN run with its output, errors and status captured. Needs T (a scratch
# directory) and BIN; PRIVATE may hold a command prefix for run (e.g. unshare -m).

n=0 failures=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $1 # $2"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# run ARGS...: $out, $err, $rc of the tool.
run() {
	out=$("${PRIVATE[@]}" "$BIN" "$@" 2>"$T/stderr")
	rc=$?
	err=$(<"$T/stderr")
}

# is NAME EXPECTED ACTUAL: exact comparison, with a diff as TAP comments on failure.
is() {
	if [[ $2 == "$3" ]]; then
		ok "$1"
	else
		not_ok "$1" "output differs (- expected, + actual)"
		diff -u <(printf '%s\n' "$2") <(printf '%s\n' "$3") | tail -n +3 | head -40 |
			sed 's/^/#   /'
	fi
}

# check NAME STATUS REASON: pass when STATUS is 0.
check() {
	if (($2 == 0)); then ok "$1"; else not_ok "$1" "$3"; fi
}

# plan_done: the number of tests run must be the plan; succeeds when none failed.
plan_done() {
	if ((n != PLAN)); then
		echo "not ok $((n + 1)) - the plan matches # ran $n tests, planned $PLAN"
		return 1
	fi
	((failures == 0))
}
