# SPDX-License-Identifier: GPL-2.0
# tests/lib/audit.sh — sourced by shell tests that look for records in a sitefence audit log.

# log_has_after FILE OFFSET TENTHS FRAGMENT...: whether FILE, past byte OFFSET, has a line
# with every FRAGMENT, waiting up to TENTHS tenths of a second (sitefenced drains each second).
log_has_after() {
	local file=$1 offset=$2 tries=$3 i f line hit
	shift 3
	for ((i = 0; i < tries; i++)); do
		while IFS= read -r line; do
			hit=1
			for f in "$@"; do [[ $line == *"$f"* ]] || { hit=0; break; }; done
			[[ $hit == 1 ]] && return 0
		done < <(tail -c +$((offset + 1)) "$file" 2>/dev/null)
		sleep 0.1
	done
	return 1
}
