#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/mpm.sh — mpm_sitefence against prefork (the ceiling: no isolation) and prefork with
# mpm-itk, interleaved in one run. Rows: the 2008 article's test (ab -n 1000 -c 1 on a phpinfo()
# page), the same at -c 8, and a 1 KiB static file at -c 8 with and without keep-alive. For each
# server and row: requests per second, server CPU per request and memory (PSS), each also as a
# ratio to prefork. Medians over ROUNDS rounds (5: of 3, one slow stretch of this 2-core host's
# scheduler decided a row too often).
#
# The article's row keeps its 1000 requests (run three times a round, see C1_RUNS). The others
# run for a fixed time instead: a row of a fixed count lasted half a second for the fast
# servers, too short on a shared 2-core host whose scheduler shifts between steadier states
# over seconds, and 30 s for itk.
#
# usage: bench/mpm.sh [--fence] [--event] [--pin] [--poll-idle] [--rounds N] [--scale F]
#                     [--seconds S] [--vhosts N] [--pairs N]
#   --fence   also mpm_sitefence with the kernel fence (needs sitefenced: in the guest,
#             bench/run-mpm), as server 'fenced', and the fence's cost: fenced against
#             sitefence (SitefenceFence off, uid separation only, which is all a host that
#             refuses BPF LSM programs can run), from the rounds and from the passes (below)
#   --pairs N after the rounds, N passes (default 16; 0: none) with every server but itk up at
#             once, each on its own port: each row runs on one server right after the other,
#             the order turning from pass to pass, and each ratio (to prefork; fenced to
#             sitefence) is the median of the N passes' ratios. The speed of this shared
#             host, and more so of the emulated guest, drifts by 20-30% within a minute, more
#             than the rounds' servers, tens of seconds apart, can cancel out: one run's php-c1
#             rounds ranged from 0.57 to 2.30. (itk, 4-20 times slower, would take most of
#             the time; how far it is from the others needs no such precision.)
#   --pin     ab on CPU 0, the servers on the other CPUs, as when the client is another
#             machine: on this 2-core host prefork's child often runs on ab's CPU, one process
#             handing to the other on one CPU, which a server with a hop between two of its
#             processes cannot match as often (see the README's Performance); this shows the
#             servers without that
#   --poll-idle  hold the kernel's CPU latency request (/dev/cpu_dma_latency) at 0 for the
#             run: an idle CPU polls instead of halting. On this virtual machine a halted vCPU
#             is slow to get going again, and a chain of three processes (ab, dispatcher,
#             worker) meets one more often than a chain of two (see the README's Performance);
#             this shows the servers without that. It applies to every server alike.
#   --event   also Apache's event MPM, as server 'event', on the static rows (Debian's mod_php
#             is not thread-safe): it too hands each new connection from one thread to
#             another, which on the static rows shows what such a hop costs on this machine
#   --scale F multiply the article's request count by F (e.g. 0.3 under emulation)
#   --rounds N   rounds, each server in turn (default 5)
#   --seconds S  how long each of the other rows runs (default 3)
#   --vhosts N   N more name-based sites, configured ahead of the measured one (as on a shared
#             host: Apache's matching walks past them for every request)
set -eEuo pipefail
trap 'echo "mpm.sh: line $LINENO failed: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
ROOT=$PWD

FENCE=0 EVENT=0 PIN=0 POLL_IDLE=0 ROUNDS=5 SCALE=1 SECONDS_PER_ROW=3 VHOSTS=0 PAIRS=16
# The article's row runs three times a round, back to back: one run of its 1000 requests
# lasts 0.4-0.8 s on this host, and a stall of the shared machine that long moved a round's
# ratio by 30% either way (0.67 and 1.45 in one run); the rounds' median alone did not hide
# that often enough.
C1_RUNS=3
while [[ $# -gt 0 ]]; do
	[[ $1 != --rounds && $1 != --scale && $1 != --seconds && $1 != --vhosts && $1 != --pairs ||
	   $# -ge 2 ]] ||
		{ echo "mpm.sh: $1 wants a value" >&2; exit 2; }
	case $1 in
	--fence) FENCE=1 ;;
	--event) EVENT=1 ;;
	--pin) PIN=1 ;;
	--poll-idle) POLL_IDLE=1 ;;
	--rounds) ROUNDS=$2; shift ;;
	--scale) SCALE=$2; shift ;;
	--seconds) SECONDS_PER_ROW=$2; shift ;;
	--vhosts) VHOSTS=$2; shift ;;
	--pairs) PAIRS=$2; shift ;;
	-h|--help) sed -n '3,47p' "$0"; exit 0 ;;
	*) echo "mpm.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "mpm.sh: --rounds wants a whole number from 1, not '$ROUNDS'" >&2; exit 2; }
[[ $SECONDS_PER_ROW =~ ^[1-9][0-9]*$ ]] ||
	{ echo "mpm.sh: --seconds wants a whole number from 1, not '$SECONDS_PER_ROW'" >&2; exit 2; }
[[ $VHOSTS =~ ^[0-9]+$ ]] || { echo "mpm.sh: --vhosts wants a whole number, not '$VHOSTS'" >&2; exit 2; }
[[ $PAIRS =~ ^[0-9]+$ ]] || { echo "mpm.sh: --pairs wants a whole number, not '$PAIRS'" >&2; exit 2; }
[[ $SCALE =~ ^[0-9]*\.?[0-9]+$ && ! $SCALE =~ ^0*\.?0*$ ]] ||
	{ echo "mpm.sh: --scale wants a positive number, not '$SCALE'" >&2; exit 2; }

# --pin: what runs ab, and what starts the servers (their processes inherit the mask)
ON_CLIENT=() ON_SERVER=() SERVER_CPUS=""
if [[ $PIN == 1 ]]; then
	ncpu=$(nproc)
	[[ $ncpu -ge 2 ]] || { echo "mpm.sh: --pin needs two CPUs or more, this machine has $ncpu" >&2; exit 2; }
	SERVER_CPUS=1
	[[ $ncpu -gt 2 ]] && SERVER_CPUS=1-$((ncpu - 1))
	ON_CLIENT=(taskset -c 0) ON_SERVER=(taskset -c $SERVER_CPUS)
fi

# --poll-idle: the request holds while the device stays open, so a holder process keeps it
# open; it ends with this script, however the script ends (the holder checks every second),
# and the servers do not inherit it.
if [[ $POLL_IDLE == 1 ]]; then
	[[ -w /dev/cpu_dma_latency ]] ||
		{ echo "mpm.sh: --poll-idle needs to write /dev/cpu_dma_latency (root, a kernel with PM QoS)" >&2; exit 2; }
	bash -c 'exec 9>/dev/cpu_dma_latency && printf "\0\0\0\0" >&9 &&
		while kill -0 '$$' 2>/dev/null; do sleep 1; done' &
	QOS_HOLDER=$!
	trap 'kill $QOS_HOLDER 2>/dev/null || true' EXIT
	sleep 0.2
	kill -0 $QOS_HOLDER 2>/dev/null && [[ $(od -An -td4 /dev/cpu_dma_latency | tr -d ' ') == 0 ]] ||
		{ echo "mpm.sh: --poll-idle: the CPU latency request did not take" >&2; exit 1; }
fi

# Not below /tmp: mpm_sitefence gives each site a private /tmp, which would hide it.
B=/srv/sfbench
PORT=18080
SERVERS=(prefork itk sitefence)
[[ $FENCE == 1 ]] && SERVERS+=(fenced)
[[ $EVENT == 1 ]] && SERVERS+=(event)
ROWS=("php-c1" "php-c8" "static-c8" "static-c8-keepalive")

n_of() { awk -v n="$1" -v s="$SCALE" 'BEGIN { v = int(n * s); print (v < 50 ? 50 : v) }'; }

setup_sites() {
	mkdir -p $B
	# In the guest the site trees get a filesystem of their own, as on a server.
	[[ ${SF_VM-} == 1 ]] && ! mountpoint -q $B && mount -t tmpfs sfbench $B
	mkdir -p $B/a $B/b $B/logs
	id sfa >/dev/null 2>&1 || useradd -M -d /nonexistent -s /usr/sbin/nologin sfa
	id sfb >/dev/null 2>&1 || useradd -M -d /nonexistent -s /usr/sbin/nologin sfb
	echo '<?php phpinfo();' >$B/a/phpinfo.php
	head -c 1024 /dev/zero | tr '\0' x >$B/a/static.html
	cp $B/a/* $B/b/
	chown -R sfa:sfa $B/a
	chown -R sfb:sfb $B/b
}

# extra_vhosts PORT [yes]: the --vhosts more sites, ahead of the measured one (so Apache's
# name-based matching walks past all of them), with users when "yes"
extra_vhosts() {
	local i
	for ((i = 1; i <= VHOSTS; i++)); do
		printf '<VirtualHost *:%s>\n  ServerName v%d.test\n  DocumentRoot %s/b\n' $1 $i $B
		[[ ${2-} == yes ]] && printf '  AssignUserID sfb sfb\n'
		printf '</VirtualHost>\n'
	done
}

# conf SERVER [NAME PORT]: an httpd.conf for that server, identical but for the MPM lines (and
# for event, PHP's), as $B/NAME.conf (default: SERVER's) listening on PORT (default: $PORT)
conf() {
	local server=$1 name=${2:-$1} port=${3:-$PORT} mpm assign="" php
	php="LoadModule php_module /usr/lib/apache2/modules/libphp8.2.so
AddHandler application/x-httpd-php .php
php_admin_flag opcache.validate_permission on
php_admin_flag opcache.validate_root on
php_admin_value opcache.restrict_api /nonexistent-sitefence/"
	case $server in
	prefork) mpm="LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so
StartServers 8
MinSpareServers 8
MaxSpareServers 16" ;;
	itk) mpm="LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so
LoadModule mpm_itk_module /usr/lib/apache2/modules/mpm_itk.so
StartServers 8
MinSpareServers 8
MaxSpareServers 16"
	     assign=yes ;;
	sitefence|fenced) mpm="LoadModule mpm_sitefence_module $ROOT/build/mod_mpm_sitefence.so
SitefencePrivateDir $B/private"
	     [[ $server == fenced ]] || mpm+=$'\nSitefenceFence off'
	     assign=yes ;;
	event) mpm="LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
StartServers 2
ThreadsPerChild 32"
	     php="" ;;
	esac
	cat >$B/$name.conf <<EOF
ServerRoot $B
ServerName localhost
$mpm
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
TypesConfig /etc/mime.types
$php
User www-data
Group www-data
Listen 127.0.0.1:$port
PidFile $B/$name.pid
ErrorLog $B/logs/$name.log
MaxRequestWorkers 64
KeepAlive On
MaxKeepAliveRequests 0
$(extra_vhosts $port $assign)
<VirtualHost *:$port>
  ServerName a.test
  DocumentRoot $B/a
  ${assign:+AssignUserID sfa sfa}
</VirtualHost>
<VirtualHost *:$port>
  ServerName b.test
  DocumentRoot $B/b
  ${assign:+AssignUserID sfb sfb}
</VirtualHost>
EOF
}

# The server's processes: its children, then its parent (from the pid file).
server_pids() { local p=$(cat $B/$1.pid); echo $(pgrep -P $p) $p; }
# per_pid_sum FILE AWK PIDS...: the sum over PIDS of what AWK prints from /proc/PID/FILE. One
# cat reads them all within microseconds, the parent last, so a worker that leaves (idle ones
# do) counts once: in its own file, or if already reaped in its parent's cutime. (One awk per
# file took long enough under emulation for leaving workers' time to be lost.)
per_pid_sum() {
	local file=$1 prog=$2 p files=()
	shift 2
	for p in "$@"; do files+=("/proc/$p/$file"); done
	# (cat fails for a process gone since: what it read of the others still counts.)
	{ cat "${files[@]}" 2>/dev/null || true; } | awk "$prog" | awk '{ t += $1 } END { print t + 0 }'
}
cpu_ticks() { per_pid_sum stat '{ sub(/.*\) /, ""); print $12 + $13 + $14 + $15 }' "$@"; }
pss_kb() { per_pid_sum smaps_rollup '/^Pss:/ { print $2 }' "$@"; }

start() {
	rm -f $B/$1.pid
	"${ON_SERVER[@]}" apache2 -f $B/$1.conf -k start
	local i
	for i in $(seq 1 300); do
		[[ -s $B/$1.pid ]] && curl -s -o /dev/null -H 'Host: a.test' http://127.0.0.1:$PORT/static.html &&
			return 0
		sleep 0.1
	done
	echo "mpm.sh: $1 did not start; see $B/logs/$1.log" >&2
	return 1
}
stop() {
	apache2 -f $B/$1.conf -k stop 2>/dev/null || true
	local i
	for i in $(seq 1 100); do
		ss -ltn | grep -q ":$PORT " || return 0
		sleep 0.1
	done
}

# held SERVER: where the server's connections and processes are (when ab gave up waiting)
held() {
	local p
	# A server-side connection that no process holds is in flight: in a site's queue, or on
	# its way between the parent and a dispatcher.
	echo "mpm.sh: connections on port $PORT, but those in TIME-WAIT (with their processes):" >&2
	ss -tanp 2>/dev/null | grep ":$PORT " | grep -v '^TIME-WAIT' | head -n 40 >&2 || true
	# (Without the unix_diag module, not loaded in the test guest, ss shows no queue sizes.)
	echo "mpm.sh: unix sockets with data queued (the sites' queues among them):" >&2
	ss -xanp 2>/dev/null | awk 'NR > 1 && $3 > 0' | head -n 20 >&2 || true
	echo "mpm.sh: the server's processes (pid, state, wait channel, title):" >&2
	for p in $(server_pids $1); do
		echo "  $p $(awk '{ print $3 }' /proc/$p/stat 2>/dev/null) $(cat /proc/$p/wchan 2>/dev/null)" \
			"$(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null | cut -c1-60)" >&2
	done
}

# run ROW: ab with the row's arguments; prints "reqs_per_s failed completed"
run_row() {
	# -t alone caps the count at 50000, which keep-alive reaches in about a second; ab keeps
	# 32 bytes per request of the cap, hence not much more than the fastest server needs.
	local args url=http://127.0.0.1:$PORT timed="-t $SECONDS_PER_ROW -n 1000000" runs=1
	case $1 in
	php-c1) args="-n $(n_of 1000) -c 1 $url/phpinfo.php" runs=$C1_RUNS ;;
	php-c8) args="$timed -c 8 $url/phpinfo.php" ;;
	static-c8) args="$timed -c 8 $url/static.html" ;;
	static-c8-keepalive) args="-k $timed -c 8 $url/static.html" ;;
	esac
	# Failures: connect, receive and exceptions, and non-2xx answers (phpinfo's length varies,
	# which ab also counts, wrongly for this purpose). An ab that gives up says why, with the
	# row (the caller's check would only see no result).
	local text all="" rc=0 i
	for ((i = 0; i < runs; i++)); do
		text=$(timeout 600 "${ON_CLIENT[@]}" ab -q -r -s 30 -H 'Host: a.test' $args 2>&1) || rc=$?
		if [[ $rc != 0 ]]; then
			echo "mpm.sh: ab $args: exit $rc:" >&2
			tail -n 5 <<<"$text" >&2
			held $server
			return 1
		fi
		all+=$text$'\n'
	done
	# Requests per second over all runs: their requests over their time.
	awk '/Complete requests/ { n += $3 }
		     /Time taken for tests/ { t += $5 }
		     /\(Connect:/ { gsub(/[(),]/, " "); f += $2 + $4 + $8 }
		     /Non-2xx responses/ { f += $3 }
		     END { if (t > 0) print n / t, f + 0, n + 0 }' <<<"$all"
}

# warm NAME: the same for every server: first requests fork workers and fill caches; only the
# steady state counts. (50 requests were too few for a pool that grows on demand:
# mpm_sitefence was still forking during php-c8.)
warm() {
	local page=phpinfo.php text rc=0
	[[ $1 == event ]] && page=static.html
	text=$("${ON_CLIENT[@]}" ab -q -s 30 -n $(n_of 400) -c 8 -H 'Host: a.test' http://127.0.0.1:$PORT/$page 2>&1) ||
		rc=$?
	[[ $rc == 0 ]] && return 0
	echo "mpm.sh: $1: warming up, ab exit $rc:" >&2
	tail -n 3 <<<"$text" >&2
	echo "mpm.sh: the end of $B/logs/$1.log:" >&2
	tail -n 20 $B/logs/$1.log >&2
	held $1
	exit 1
}

# sample NAME ROW ROUND FILE: one run of ROW; appends "NAME ROW ROUND reqs_per_s failed
# completed cpu_ticks pss_kb" to FILE
sample() {
	local server=$1 row=$2 pids t0 t1 out
	pids=$(server_pids $server)
	t0=$(cpu_ticks $pids)
	out=$(run_row $row) || { echo "mpm.sh: $server, row $row, round $3: see above" >&2; exit 1; }
	if [[ $out != [0-9]* ]]; then
		echo "mpm.sh: ab gave no result for $server $row; run it by hand to see why" >&2
		exit 1
	fi
	pids=$(server_pids $server)
	t1=$(cpu_ticks $pids)
	echo "$server $row $3 $out $((t1 - t0)) $(pss_kb $pids)" >>$4
}

measure() { # SERVER ROW ROUND
	warm $1
	sample $1 $2 $3 $B/results
}

setup_sites
for s in "${SERVERS[@]}"; do conf $s; done
: >$B/results
for round in $(seq 1 $ROUNDS); do
	for s in "${SERVERS[@]}"; do
		start $s
		for row in "${ROWS[@]}"; do
			[[ $s == event && $row == php-* ]] || measure $s $row $round
		done
		stop $s
	done
done

# The passes: every server but itk up at once, each on its own port; each row on one server
# right after the other, the order turning from pass to pass; the article's row run once a
# pass (the pairing cancels the stalls that C1_RUNS is for).
: >$B/pairs
if [[ $PAIRS -gt 0 ]]; then
	base=$PORT paired=()
	for s in "${SERVERS[@]}"; do [[ $s == itk ]] || paired+=("$s"); done
	for k in "${!paired[@]}"; do
		s=${paired[k]}
		conf $s $s-p $((base + 1 + k))
		PORT=$((base + 1 + k)) start $s-p
		PORT=$((base + 1 + k)) warm $s-p
	done
	for pass in $(seq 1 $PAIRS); do
		for row in "${ROWS[@]}"; do
			for i in "${!paired[@]}"; do
				k=$(( (i + pass) % ${#paired[@]} ))
				s=${paired[k]}
				[[ $s == event && $row == php-* ]] && continue
				PORT=$((base + 1 + k)) C1_RUNS=1 sample $s-p $row $pass $B/pairs
			done
		done
	done
	for k in "${!paired[@]}"; do PORT=$((base + 1 + k)) stop ${paired[k]}-p; done
	PORT=$base
fi

# The price of one more hop between processes on this machine, which static-c8 shows.
wake=$(build/bench/wake 2>&1) || wake="bench/wake failed: $wake"

# Medians and ratios. CPU per request: ticks (1/100 s) * 10000 / requests = us per request.
echo
echo "mpm_sitefence (sitefence: SitefenceFence off$([[ $FENCE == 1 ]] && echo "; fenced: fence on")$([[ $EVENT == 1 ]] && echo "; event: Apache's event MPM, no PHP")) vs prefork and mpm-itk, $ROUNDS rounds$([[ $VHOSTS -gt 0 ]] && echo ", $VHOSTS more vhosts ahead of the measured one")$([[ $PIN == 1 ]] && echo ", ab on CPU 0 and the servers on CPU $SERVER_CPUS")$([[ $POLL_IDLE == 1 ]] && echo ", idle CPUs polling (cpu_dma_latency 0)"), medians; ratios to prefork"
echo "this machine: $wake"
awk -v servers="${SERVERS[*]}" '
function median(a, n,    i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return a[int((n + 1) / 2)]
}
{
	key = $1 SUBSEP $2; k = ++cnt[key]
	# server row round req/s failed completed ticks pss
	rps[key, k] = $4; fail[key] += $5; cpu[key, k] = ($6 ? $7 * 10000 / $6 : 0); pss[key, k] = $8
}
END {
	split("php-c1 php-c8 static-c8 static-c8-keepalive", rows, " ")
	ns = split(servers, srv, " ")
	for (s = 1; s <= ns; s++) idx[srv[s]] = s
	text = "%-20s %-10s %10s %6s %12s %6s %10s %6s %7s\n"	# the header, and rows not run
	printf text, "row", "server", "req/s", "x", "cpu us/req", "x", "PSS MiB", "x", "failed"
	for (r = 1; r <= 4; r++) {
		for (s = 1; s <= ns; s++) {
			key = srv[s] SUBSEP rows[r]; n = cnt[key]
			if (!n) {	# event on the PHP rows
				printf text, rows[r], srv[s], "-", "-", "-", "-", "-", "-", "-"
				continue
			}
			for (i = 1; i <= n; i++) { a[i] = rps[key, i]; b[i] = cpu[key, i]; c[i] = pss[key, i] / 1024 }
			R[s] = median(a, n); C[s] = median(b, n); P[s] = median(c, n)
			printf "%-20s %-10s %10.0f %6.2f %12.0f %6.2f %10.1f %6.2f %7d\n", rows[r], srv[s], R[s], R[s] / R[1], C[s], (C[1] ? C[s] / C[1] : 0), P[s], P[s] / P[1], fail[key]
		}
		if ("fenced" in idx) {
			f = idx["fenced"]; u = idx["sitefence"]
			fr[r] = R[f] / R[u]; fc[r] = (C[u] ? C[f] / C[u] : 0)
		}
	}
	if ("fenced" in idx) {
		printf "\ncost of the fence from the medians of the rounds (the passes below measure it "
		printf "better): fenced vs sitefence, req/s ratio, CPU per request ratio\n"
		for (r = 1; r <= 4; r++)
			printf "%-20s %6.2f %6.2f\n", rows[r], fr[r], fc[r]
	}
}' $B/results

# The passes: per row and server, each pass's ratios; their median and quartiles.
[[ -s $B/pairs ]] && awk -v pairs=$PAIRS '
function sort(a, n,    i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
}
# the f-quantile of sorted a[1..n], between neighbours (f = 0.5: the median)
function q(a, n, f,    pos, lo) {
	pos = f * (n - 1) + 1; lo = int(pos)
	return lo < n ? a[lo] + (pos - lo) * (a[lo + 1] - a[lo]) : a[n]
}
# one line: row, server, and its ratios to base over the passes that ran both
function line(row, srv, base,    p, n, a, b, x, y) {
	n = 0
	for (p = 1; p <= pairs; p++) {
		x = row SUBSEP srv SUBSEP p; y = row SUBSEP base SUBSEP p
		if (!(x in rps) || !(y in rps) || !rps[y] || !cpu[y]) continue
		n++; a[n] = rps[x] / rps[y]; b[n] = cpu[x] / cpu[y]
	}
	if (!n) return
	sort(a, n); sort(b, n)
	printf "%-20s %-20s %6.2f [%.2f %.2f] %6.2f [%.2f %.2f] %7d\n", row, srv " / " base,
	       q(a, n, 0.5), q(a, n, 0.25), q(a, n, 0.75), q(b, n, 0.5), q(b, n, 0.25), q(b, n, 0.75),
	       fail[row, srv]
}
{
	# name row pass req/s failed completed ticks pss
	srv = $1; sub(/-p$/, "", srv); seen[srv] = 1
	key = $2 SUBSEP srv SUBSEP $3
	rps[key] = $4; cpu[key] = ($6 ? $7 / $6 : 0); fail[$2, srv] += $5
}
END {
	printf "\n%d passes, every server but itk up at once, each row on one right after the other;\n", pairs
	printf "median [quartiles] of the ratios of the passes:\n"
	printf "%-20s %-20s %20s %20s %7s\n", "row", "server", "req/s", "cpu us/req", "failed"
	split("php-c1 php-c8 static-c8 static-c8-keepalive", rows, " ")
	split("sitefence fenced event", others, " ")
	for (r = 1; r <= 4; r++) {
		for (o = 1; o <= 3; o++)
			if (others[o] in seen)
				line(rows[r], others[o], "prefork")
		if ("fenced" in seen)
			line(rows[r], "fenced", "sitefence")
	}
}' $B/pairs
