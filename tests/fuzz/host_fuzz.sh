#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/fuzz/host_fuzz.sh — the fuzz targets of tests/fuzz/ as tests: each runs a fixed number
# of inputs from a fixed seed, starting from its seeds in tests/fuzz/corpus/NAME, so that a
# run is repeatable; a crash, a sanitizer report or a broken property (the targets abort) fails
# it, and the input that did it is kept under build/fuzz/crashes/ with the command that replays
# it. Longer, open-ended runs: make fuzz. FUZZ_RUNS=N changes the count (default 100000).
# Prints TAP.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh

runs=${FUZZ_RUNS:-100000}
if ! [[ $runs =~ ^[1-9][0-9]{0,9}$ ]]; then
	echo "tests/fuzz/host_fuzz.sh: FUZZ_RUNS must be a number of inputs, not '$runs'" >&2
	exit 2
fi
crashes=build/fuzz/crashes
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	bin=build/tests/fuzz/$name
	seeds=tests/fuzz/corpus/${name#fuzz_}
	if [[ ! -x $bin ]]; then
		not_ok "$name is built" "$bin is missing: make $bin (needs clang and libclang-rt-dev)"
		continue
	fi
	mkdir -p "$work/$name" "$crashes"
	# New inputs go to the first directory only: the seeds in the tree stay as they are.
	"$bin" -seed=1 -runs="$runs" -timeout=10 \
		-artifact_prefix="$crashes/$name-" "$work/$name" "$seeds" >"$work/$name.log" 2>&1
	rc=$?
	if ((rc == 0)); then
		ok "$name: $runs inputs from seed 1, no crash and no broken property"
	else
		found=$(ls -t "$crashes/$name-"* 2>/dev/null | head -n 1)
		not_ok "$name: $runs inputs from seed 1, no crash and no broken property" \
			"$(grep -vE '^\s*#[0-9]+ |^INFO|^#[0-9]|^\s*$|^NOTE|Combine libFuzzer|^MS:|^0x' \
				"$work/$name.log" | tail -n 25)" \
			"exit $rc; replay: $bin ${found:-(no input saved)}"
	fi
done
tap_plan
