#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/tools/host_test_audit.sh — end-to-end tests of sitefence-audit on generated logs: a
# live file with a truncated last line, a plain audit.log.1 and gzip'ed .2.gz and .3.gz with
# corrupt lines and unknown types. Checks every filter, --json, summary counts, suggest (with
# a directory owned by another uid), exit codes 0/1/2, --help, long lines, --follow across a
# rotation. Prints TAP. Needs root for the ownership test (skipped otherwise).
#
# SITEFENCE_AUDIT=path/to/sitefence-audit (default build/sitefence-audit).
set -uo pipefail
cd "$(dirname "$0")/../.."

BIN=${SITEFENCE_AUDIT:-build/sitefence-audit}
[[ $BIN == /* ]] || BIN=$PWD/$BIN
# The tool works in UTC whatever the zone; prove it by running in another one.
export TZ=America/New_York LC_ALL=C.UTF-8

PLAN=61
echo "1..$PLAN"
if [[ ! -x $BIN ]]; then
	echo "not ok 1 - sitefence-audit is built # $BIN not found or not executable"
	exit 1
fi

T=$(mktemp -d /tmp/sitefence-audit-test.XXXXXX)
follower=
cleanup() {
	[[ -n $follower ]] && kill "$follower" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

PRIVATE=()
. tests/tools/lib.sh

# ---- the fixture ----------------------------------------------------------------------------
D=$T/log
SRV=$T/srv
mkdir -p "$D" "$SRV/shop/cache/a" "$SRV/shop/cache/b" "$SRV/shop/cache/c" "$SRV/foreign"
is_root=0
if ((EUID == 0)); then
	chown -R 1001:1001 "$SRV/shop"
	chown 1002:1002 "$SRV/foreign"
	is_root=1
fi

# acc TIME VERDICT SITE OP ACCESS PATH PID UID [EXTRA]: one access record (SITE null: no site).
acc() {
	local site=\"$3\"
	[[ $3 == null ]] && site=null
	printf '{"time":"%s","type":"access","verdict":"%s","site":%s,"op":"%s","access":"%s","path":"%s","pid":%s,"tgid":%s,"uid":%s,"comm":"php-fpm"%s}\n' \
		"$1" "$2" "$site" "$4" "$5" "$6" "$7" "$7" "$8" "${9-}"
}

L1=$(acc 2026-11-20T08:00:00Z deny shop.example open r "$SRV/shop/etc/config.php" 100 1001)
L2='{"time":"2026-11-20T09:00:00.5Z","type":"lost","count":5}'
L3=$(acc 2026-11-21T10:00:00Z audit shop.example open rw "$SRV/shop/cache/a/x" 200 1001 \
	',"request":"GET /index.php"')
L4=$(acc 2026-11-21T11:00:00Z audit shop.example open r "$SRV/shop/cache/b/y" 200 1001)
L5=$(acc 2026-11-22T12:00:00Z audit shop.example mkdir c "$SRV/shop/cache/c/new" 200 1001)
L6=$(acc 2026-11-22T13:00:00Z audit shop.example open r "$SRV/foreign/secret.key" 200 1001)
L7='{"time":"2026-11-22T14:00:00Z","type":"access","verdict":"audit","site":"shop.example","op":"capable","cap":"CAP_NET_RAW","pid":200,"uid":1001}'
L8='{"time":"2026-11-23T00:00:00Z","type":"daemon","event":"reload","message":"policy reloaded"}'
L9=$(acc 2026-11-25T10:00:00Z deny blog.example exec x /usr/bin/curl 300 1002)
L10='{"time":"2026-11-26T10:00:00Z","type":"access","verdict":"deny","site":null,"tag":"pending","op":"setuid","target_uid":0,"pid":1,"uid":0}'
L11=$(acc 2026-11-27T10:00:00Z deny shop.example open w /etc/passwd 100 1001 ',"suppressed":4')

printf '%s\n%s\n%s\n' "$L1" "$L2" '{"time":"2026-11-20T10:00:00Z","type":"heartbeat"}' |
	gzip >"$D/audit.log.3.gz"
printf '%s\n%s\n%s\n' "$L3" "$L4" 'this is not JSON' | gzip >"$D/audit.log.2.gz"
printf '%s\n%s\n%s\n%s\n' "$L5" "$L6" "$L7" "$L8" >"$D/audit.log.1"
# The daemon is in the middle of a line: the live file ends without a newline.
printf '%s\n%s\n%s\n{"time":"2026-11-27T11:00:00Z","type":"acc' "$L9" "$L10" "$L11" >"$D/audit.log"
LOG=$D/audit.log
ALL=$(printf '%s\n' "$L1" "$L2" "$L3" "$L4" "$L5" "$L6" "$L7" "$L8" "$L9" "$L10" "$L11")
SKIPPED='sitefence-audit: 3 lines skipped: 1 not JSON (first at audit.log.2.gz:3), 1 unknown type (first at audit.log.3.gz:3), 1 truncated (first at audit.log:4)'

# ---- help, version, usage errors ------------------------------------------------------------
run -h
[[ $rc == 0 && $out == *Examples:* && $out == *"suggest --site"* ]]
check "-h exits 0 and prints help with examples" $? "rc=$rc"

run --version
[[ $rc == 0 && $out == "sitefence-audit "* ]]
check "--version prints the version" $? "rc=$rc out=$out"

while IFS='|' read -r name args; do
	read -ra argv <<<"$args"
	run -f "$LOG" "${argv[@]}"
	lines=$(printf '%s' "$err" | grep -c '')
	[[ $rc == 2 && $lines == 1 && -z $out ]]
	check "usage error exits 2 with one line: $name" $? "rc=$rc stderr lines=$lines: $err"
done <<'EOF'
unknown long option|--bogus
unknown short option|-x
missing value|--site
pid not a number|--pid abc
pid zero|--pid 0
uid out of range|--uid 4294967295
negative limit|-n -1
limit with junk|-n 5x
bad verdict|--verdict allow
bad time|--since yesterday
since after until|--since 2026-11-22 --until 2026-11-21
unknown command|frobnicate
extra argument|summary extra
follow with summary|-F summary
top with query|--top 3
suggest without site|suggest
suggest with two sites|suggest -s a -s b
EOF

run -f "$LOG" --since
[[ $err == *"option '--since' needs a value"* ]]
check "a long option without its value is named in the error" $? "stderr: $err"

# ---- runtime errors -------------------------------------------------------------------------
run -f "$T/nonexistent/audit.log"
[[ $rc == 1 && $err == "sitefence-audit: cannot open $T/nonexistent/audit.log: No such file or directory" ]]
check "a missing log exits 1 naming the file and the error" $? "rc=$rc: $err"

run -f "$D"
[[ $rc == 1 && $err == *"cannot open $D: Is a directory"* ]]
check "a directory as log exits 1" $? "rc=$rc: $err"

# ---- query: reading and filters -------------------------------------------------------------
run -f "$LOG" --json
is "query --json prints every record, rotated files oldest first" "$ALL" "$out"
is "lines that are not records are counted on stderr" "$SKIPPED" "$err"
check "skipped lines still exit 0" "$rc" "rc=$rc"

run -f "$LOG" --json --no-rotated
is "--no-rotated reads only the live file" "$(printf '%s\n' "$L9" "$L10" "$L11")" "$out"

run -f "$LOG" --json -s shop.example
is "--site selects one site" "$(printf '%s\n' "$L1" "$L3" "$L4" "$L5" "$L6" "$L7" "$L11")" "$out"

run -f "$LOG" --json -s blog.example --site -
is "--site repeats; '-' selects records without a site" "$(printf '%s\n' "$L9" "$L10")" "$out"

run -f "$LOG" --json --op mkdir --op exec
is "--op repeats" "$(printf '%s\n' "$L5" "$L9")" "$out"

run -f "$LOG" --json --path "$SRV/*"
is "--path '*' matches across '/'" "$(printf '%s\n' "$L1" "$L3" "$L4" "$L5" "$L6")" "$out"

run -f "$LOG" --json --path "$SRV/shop/cache/?/y"
is "--path '?' matches one character" "$L4" "$out"

run -f "$LOG" --json --since 2026-11-21 --until '2026-11-22 13:00'
is "--since is inclusive, --until exclusive" "$(printf '%s\n' "$L3" "$L4" "$L5")" "$out"

run -f "$LOG" --json --since 2026-11-22T14:00:00+01:00 --until 2026-11-23T00:00:00.000001Z
is "times with zones and fractions" "$(printf '%s\n' "$L6" "$L7" "$L8")" "$out"

run -f "$LOG" --json --pid 100
is "--pid" "$(printf '%s\n' "$L1" "$L11")" "$out"

run -f "$LOG" --json --uid 1002
is "--uid" "$L9" "$out"

run -f "$LOG" --json --verdict audit
is "--verdict audit" "$(printf '%s\n' "$L3" "$L4" "$L5" "$L6" "$L7")" "$out"

run -f "$LOG" --json -n 3
is "-n keeps the last N records" "$(printf '%s\n' "$L9" "$L10" "$L11")" "$out"

run -f "$LOG" --json -n 2 -s shop.example --verdict deny
is "-n applies after the filters" "$(printf '%s\n' "$L1" "$L11")" "$out"

run -f "$LOG" --json
count=$(printf '%s\n' "$out" | perl -MJSON::PP -ne 'decode_json($_); END { print $. }' 2>&1)
is "--json lines parse as JSON" "11" "$count"

run -f "$LOG" -s nosuch.example
[[ $rc == 0 && $out == "-- no matching records --" ]]
check "nothing matched exits 0 and says so" $? "rc=$rc out=$out"

run -f "$LOG" --json -s nosuch.example
[[ $rc == 0 && -z $out ]]
check "nothing matched with --json prints nothing" $? "rc=$rc out=$out"

run -f "$LOG" -s shop.example --since 2026-11-20 --until 2026-11-21
[[ $err == *"the kernel lost 5 records in this time range"* ]]
check "a site query warns about records the kernel lost" $? "$err"

# ---- query: human output --------------------------------------------------------------------
run -f "$LOG" --no-rotated
hdr=$(printf '%-19s %-7s %-20s %-11s %-6s %-44s %-22s %s' "TIME (UTC)" VERDICT SITE OP ACCESS OBJECT PID/COMM REQUEST)
row=$(printf '%-19s %-7s %-20s %-11s %-6s %-44s %-22s %s' "2026-11-25 10:00:00" deny blog.example exec x /usr/bin/curl 300/php-fpm -)
row2=$(printf '%-19s %-7s %-20s %-11s %-6s %-44s %-22s %s' "2026-11-26 10:00:00" deny "(pending)" setuid - "uid 0" 1/- -)
row3=$(printf '%-19s %-7s %-20s %-11s %-6s %-44s %-22s %s' "2026-11-27 10:00:00" deny shop.example open w /etc/passwd 100/php-fpm "-  [4 suppressed before]")
is "human output: aligned columns in UTC" "$(printf '%s\n' "$hdr" "$row" "$row2" "$row3")" "$out"

long="/var/www/$(printf 'd%.0s' {1..80})/wp-content/uploads/shell.php"
printf '%s\n' "$(acc 2026-11-27T10:00:00Z deny evil.example open r "$long" 7 1003 \
	',"comm":"x\u001b[2Jy","request":"GET /\u202egnp.php"' | sed 's/"comm":"php-fpm",//')" \
	>"$T/evil.log"
run -f "$T/evil.log"
line=$(printf '%s\n' "$out" | sed -n 2p)
[[ $line != *$'\e'* && $line == *'7/x\x1b[2Jy'* && $line == *'GET /\u202egnp.php'* ]]
check "human output escapes control and bidi characters" $? "$line"
pre=$(printf '%s\n' "$out" | sed -n 1p)
[[ $line == *'/var/www/ddd'*'…'*'uploads/shell.php 7/'* ]] &&
	(($(printf '%s' "${line%%7/x*}" | wc -m) == $(printf '%s' "${pre%%PID/COMM*}" | wc -m)))
check "human output shortens long paths in the middle and stays aligned" $? "$line"

# ---- summary --------------------------------------------------------------------------------
run -f "$LOG" summary
expected="SITE          OP       DENY  AUDIT  SUPPRESSED  FIRST SEEN (UTC)     LAST SEEN
blog.example  exec        1      0           0  2026-11-25 10:00:00  2026-11-25 10:00:00
                   1  /usr/bin/curl
shop.example  open        2      3           4  2026-11-20 08:00:00  2026-11-27 10:00:00
                   1  /etc/passwd
                   1  $SRV/foreign/secret.key
                   1  $SRV/shop/cache/a/x
                   1  $SRV/shop/cache/b/y
                   1  $SRV/shop/etc/config.php
shop.example  capable     0      1           0  2026-11-22 14:00:00  2026-11-22 14:00:00
                   1  CAP_NET_RAW
shop.example  mkdir       0      1           0  2026-11-22 12:00:00  2026-11-22 12:00:00
                   1  $SRV/shop/cache/c/new
(none)        setuid      1      0           0  2026-11-26 10:00:00  2026-11-26 10:00:00
                   1  uid 0

9 records (4 deny, 5 audit) from 2026-11-20 08:00:00 to 2026-11-27 10:00:00 UTC
4 more records suppressed by the rate limit
5 records lost by the kernel (ring buffer full) in this time range"
is "summary: counts per site and op, top paths, first and last seen" "$expected" "$out"

run -f "$LOG" summary --top 1 -s shop.example --op open
is "summary --top and filters" "SITE          OP    DENY  AUDIT  SUPPRESSED  FIRST SEEN (UTC)     LAST SEEN
shop.example  open     2      3           4  2026-11-20 08:00:00  2026-11-27 10:00:00
                   1  /etc/passwd

5 records (2 deny, 3 audit) from 2026-11-20 08:00:00 to 2026-11-27 10:00:00 UTC
4 more records suppressed by the rate limit
5 records lost by the kernel (ring buffer full) in this time range" "$out"

run -f "$LOG" summary --json
got=$(printf '%s\n' "$out" | perl -MJSON::PP -e '
	local $/; my $d = decode_json(<STDIN>);
	my ($g) = grep { defined $_->{site} && $_->{site} eq "shop.example" && $_->{op} eq "open" } @{$d->{groups}};
	print join(" ", $d->{records}, $d->{deny}, $d->{audit}, $d->{lost}, $d->{suppressed},
		scalar @{$d->{groups}}, $g->{deny}, $g->{audit}, scalar @{$g->{top}}, $g->{first}, $d->{last}), "\n";' 2>&1)
is "summary --json is one document with the same counts" \
	"9 4 5 5 4 5 2 3 5 2026-11-20T08:00:00.000000Z 2026-11-27T10:00:00.000000Z" "$got"

# ---- suggest --------------------------------------------------------------------------------
if ((is_root)); then
	run -f "$LOG" suggest --site shop.example
	squeezed=$(printf '%s\n' "$out" | tr -s ' ')
	expected="# sitefence-audit suggest for shop.example (from 5 audit records, 2026-11-21 .. 2026-11-22)
# site uid 1001 (from the records); ownership checked on this machine
# WARNING: $SRV/foreign is owned by uid 1002, not by the site's uid 1001: allowing it gives the site access to another user's files
# SitefenceAllow $SRV/foreign r # 1 record: open(r)
SitefenceAllow $SRV/shop/cache rwc # 3 records: open(rw) mkdir(c)
#
# Not allowed by any directive (the fence refuses these whatever the directories):
# 1 record: capable CAP_NET_RAW"
	is "suggest: directories collapsed, foreign one warned about and commented out" \
		"$expected" "$squeezed"
	c1=$(printf '%s\n' "$out" | sed -n 4p | sed 's/# 1 record.*//' | wc -m)
	c2=$(printf '%s\n' "$out" | sed -n 5p | sed 's/# 3 records.*//' | wc -m)
	((c1 == c2))
	check "suggest: the comments line up" $? "columns $c1 and $c2"

	run -f "$LOG" suggest --site shop.example --include-foreign
	printf '%s\n' "$out" | grep -q "^SitefenceAllow $SRV/foreign r " &&
		printf '%s\n' "$out" | grep -q '^# WARNING: .*foreign is owned by uid 1002'
	check "suggest --include-foreign keeps the warning and enables the directive" $? "$out"

	run -f "$LOG" suggest --site shop.example --include-denied
	printf '%s\n' "$out" | tr -s ' ' | grep -Fxq "# sitefence-audit suggest for shop.example (from 5 audit and 2 deny records, 2026-11-20 .. 2026-11-27)" &&
		printf '%s\n' "$out" | grep -Fxq "# note: $SRV/shop/etc does not exist here; its nearest existing ancestor $SRV/shop is the site's" &&
		printf '%s\n' "$out" | grep -q "^# WARNING: /etc is owned by uid 0, not by the site's uid 1001" &&
		printf '%s\n' "$out" | grep -q "^# SitefenceAllow /etc w  *# 1 record (1 denied): open(w)$"
	check "suggest --include-denied uses deny records too" $? "$out"

	run -f "$LOG" suggest --site shop.example --json
	got=$(printf '%s\n' "$out" | perl -MJSON::PP -e '
		local $/; my $d = decode_json(<STDIN>);
		print join(" ", $d->{uid}, $d->{audit}, $d->{unused_deny},
			map({ "$_->{path}=$_->{access}:" . ($_->{enabled} ? "on" : "off") } @{$d->{directives}}),
			map({ $_->{what} } @{$d->{not_allowable}})), "\n";' 2>&1)
	is "suggest --json is one document" \
		"1001 5 2 $SRV/foreign=r:off $SRV/shop/cache=rwc:on capable CAP_NET_RAW" "$got"
else
	for name in "suggest: directories collapsed" "suggest: the comments line up" \
		"suggest --include-foreign" "suggest --include-denied" "suggest --json"; do
		skip "$name" "needs root to chown the test directories"
	done
fi

{
	acc 2026-11-21T10:00:00Z audit odd.example open r /toplevel-file 5 1005
	acc 2026-11-21T10:00:00Z audit odd.example open r relative/file 5 1005
	acc 2026-11-21T10:00:00Z audit odd.example open r "$SRV/a/../b" 5 1005
	acc 2026-11-21T10:00:00Z audit odd.example open z "$SRV/x" 5 1005
	acc 2026-11-21T10:00:00Z audit odd.example kill "" "" 5 1005 ',"target_pid":1,"signal":9' |
		sed 's/"access":"","path":"",//'
} >"$T/odd.log"
run -f "$T/odd.log" suggest --site odd.example
[[ $rc == 0 && $out != *"SitefenceAllow"* ]] &&
	printf '%s\n' "$out" | grep -Fxq "#   1 record: open: its directory would be /" &&
	printf '%s\n' "$out" | grep -Fxq "#   1 record: open: relative path" &&
	printf '%s\n' "$out" | grep -Fxq "#   1 record: open: path with . or .. or //" &&
	printf '%s\n' "$out" | grep -Fxq "#   1 record: open: unknown access letters" &&
	printf '%s\n' "$out" | grep -Fxq "#   1 record: kill pid 1 signal 9"
check "suggest never suggests / or relative paths and lists what it cannot allow" $? "$out"

run -f "$LOG" suggest --site nosuch.example
[[ $rc == 0 && $out == "# sitefence-audit suggest for nosuch.example: no audit records" ]]
check "suggest for a site without records exits 0" $? "rc=$rc out=$out"

# ---- line limits and compressed files -------------------------------------------------------
pad() { head -c "$1" /dev/zero | tr '\0' x; }
prefix='{"time":"2026-11-27T10:00:00Z","type":"access","verdict":"deny","op":"open","request":"'
suffix='"}'
max=$((65536 - ${#prefix} - ${#suffix}))
{
	printf '%s%s%s\n' "$prefix" "$(pad $max)" "$suffix"
	printf '%s%s%s\n' "$prefix" "$(pad $((max + 1)))" "$suffix"
	printf '%s%s%s\n' "$prefix" "$(pad 200000)" "$suffix"
	printf '%s\n' "$L9"
} >"$T/long.log"
run -f "$T/long.log" --json
lens=$(printf '%s\n' "$out" | awk '{ print length($0) }' | tr '\n' ' ')
[[ $lens == "65536 ${#L9} " && $err == *"2 lines skipped: 2 too long (first at long.log:2)" ]]
check "lines up to 64 KiB are read, longer ones counted and skipped" $? "lengths: $lens; $err"

gzip -c "$D/audit.log.1" >"$T/only.gz"
run -f "$T/only.gz" --no-rotated --json
is "a compressed file can be read directly" "$(printf '%s\n' "$L5" "$L6" "$L7" "$L8")" "$out"

printf '%s\n' "$L9" | gzip | head -c 30 >"$T/cut.log"
run -f "$T/cut.log" --json
[[ $rc == 1 && $err == *"error reading cut.log:"* ]]
check "a damaged compressed file is a runtime error" $? "rc=$rc: $err"

# ---- follow ---------------------------------------------------------------------------------
# wait_lines FILE N: until FILE has N lines (at most 10 s).
wait_lines() {
	local i c
	for ((i = 0; i < 200; i++)); do
		c=$(grep -c '' "$1" 2>/dev/null)
		((${c:-0} >= $2)) && return 0
		sleep 0.05
	done
	echo "# timed out waiting for $2 lines in $1"
	return 1
}

# wait_reading PID FILE: until PID has FILE open and has read all of it (at most 10 s).
wait_reading() {
	local i fd size pos
	size=$(stat -c %s "$2")
	for ((i = 0; i < 200; i++)); do
		for fd in /proc/"$1"/fd/*; do
			[[ $(readlink "$fd") == "$2" ]] || continue
			pos=$(awk '/^pos:/ { print $2 }' /proc/"$1"/fdinfo/"${fd##*/}" 2>/dev/null)
			[[ $pos == "$size" ]] && return 0
		done
		sleep 0.05
	done
	echo "# timed out waiting for pid $1 to read $2"
	return 1
}

# stop_follower: SIGTERM, then SIGKILL if it is still there after 5 s; $rc is its status.
stop_follower() {
	local i
	kill -TERM "$follower"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$follower" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$follower" 2>/dev/null
	wait "$follower"
	rc=$?
	follower=
}

r() { acc "2026-11-28T10:00:0${1}Z" deny shop.example open r "/f/$1" 1 1001; }
F=$T/follow
mkdir -p "$F"
r 1 >"$F/audit.log"
"$BIN" -F -f "$F/audit.log" --json >"$T/follow.out" 2>"$T/follow.err" &
follower=$!
wait_lines "$T/follow.out" 1
r 2 >>"$F/audit.log"
wait_lines "$T/follow.out" 2
# logrotate: rename, the writer finishes a record in the old file, then the new file fills.
mv "$F/audit.log" "$F/audit.log.1"
r 3 >>"$F/audit.log.1"
: >"$F/audit.log"
r 4 >>"$F/audit.log.1"
r 5 >>"$F/audit.log"
wait_lines "$T/follow.out" 5
r 6 >>"$F/audit.log"
wait_lines "$T/follow.out" 6
stop_follower
is "--follow prints appended records and survives a rotation" \
	"$(for i in 1 2 3 4 5 6; do r $i; done)" "$(cat "$T/follow.out")"
check "--follow exits 0 on SIGTERM" "$rc" "rc=$rc $(cat "$T/follow.err")"

rm -f "$F"/audit.log*
r 1 >"$F/audit.log"
printf '%s' "${L9:0:40}" >>"$F/audit.log"
"$BIN" -F -n 0 -f "$F/audit.log" >"$T/follow.out" 2>"$T/follow.err" &
follower=$!
wait_reading "$follower" "$F/audit.log"
printf '%s\n' "${L9:40}" >>"$F/audit.log"
r 2 >>"$F/audit.log"
wait_lines "$T/follow.out" 3
stop_follower
got=$(cut -c1-61 "$T/follow.out" | sed 's/ *$//')
is "-n 0 --follow prints only new records, completing a line written in parts" \
	"$(printf '%s\n' "TIME (UTC)          VERDICT SITE                 OP" \
		"2026-11-25 10:00:00 deny    blog.example         exec" \
		"2026-11-28 10:00:02 deny    shop.example         open")" "$got"

plan_done
