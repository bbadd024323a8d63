#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/mpm/guest_mpm.sh — mpm_sitefence under the kernel fence, in the test guest: three PHP
# sites, each as its own user, trying to reach each other; TLS with SNI; keep-alive and
# pipelining; vhosts by address; CGI (mod_cgi in the site, mod_cgid kept out); OPcache,
# uploads and sessions; graceful restarts, killed workers and a killed sitefenced under load;
# hostile clients. Every denial must be in the audit log with the site.
set -u
. "$(dirname "$0")/env.sh"

[[ ${SF_VM-} == 1 ]] || { echo "1..0 # SKIP runs in the test guest (tests/vm/run)"; exit 0; }

make_sites
check "sitefenced starts" start_sitefenced
write_conf
out=$(apache2 -f $T/httpd.conf -t 2>&1)
like "apachectl configtest passes" "$out" "Syntax OK"
if ! start_apache; then
	not_ok "apache starts with mpm_sitefence" "$(grep -A5 mpm_sitefence $T/logs/error.log | tail -n 20)"
	finish
	exit 1
fi
ok "apache starts with mpm_sitefence"

# ---- identity -----------------------------------------------------------------------------
uid_a=$(id -u sfa) uid_b=$(id -u sfb)
is "a.test runs as sfa" "$(get a.test /whoami.php)" "$uid_a $(id -g sfa)"
is "b.test runs as sfb" "$(get b.test /whoami.php)" "$uid_b $(id -g sfb)"
is "c.test runs as sfa (shared user)" "$(get c.test /whoami.php)" "$uid_a $(id -g sfa)"
is "ServerAlias wildcard reaches a.test" "$(get x.wild.a.test /page.txt)" "a's page"
is "a site reads its own files" "$(get a.test /read.php?f=$WWW/a/page.txt)" "a's page"

# ---- the vhost by address, as Apache chooses it ------------------------------------------
is "wildcard listener: Host c.test reaches c.test" "$(getw 127.0.0.1 c.test /site.txt)" "site c"
is "  ...Host a.test reaches a.test" "$(getw 127.0.0.1 a.test /site.txt)" "site a"
is "  ...an unknown Host gets the port's first vhost" \
	"$(getw 127.0.0.1 nowhere.test /site.txt)" "site c"
is "  ...on 127.0.0.2 its address-based vhost wins over Host" \
	"$(getw 127.0.0.2 a.test /site.txt)" "site b"
is "  ...an IPv6 client reaches its name-based vhost" "$(getw '[::1]' a.test /site.txt)" "site a"
# ends ADDR PORT HOST: "same" if the script sees the connection's ends as curl does
ends() {
	curl -s -m 30 --resolve "$3:$2:$1" -w '%{remote_ip} %{remote_port} %{local_ip} %{local_port}' \
		"http://$3:$2/addr.php" | paste -sd' ' |
		awk '{ print ($1 == $5 && $2 == $6 && $3 == $7 && $4 == $8) ? "same" : $0 }'
}
is "the script sees both ends of its connection (specific listener)" \
	"$(ends 127.0.0.1 $HTTP a.test)" same
is "  ...and on the wildcard listener" "$(ends 127.0.0.2 $WILD b.test)" same
is "  ...and over IPv6" "$(ends '[::1]' $WILD a.test)" same

# ---- the fence -----------------------------------------------------------------------------
audit_mark
is "a cannot read b's world-readable secret" "$(get a.test /read.php?f=$WWW/b/secret.txt)" \
	"DENIED"
check "  ...and the denial is in the audit log, with the site and the request" \
	audit_has '"site":"a.test"' '"op":"open"' '"path":"/srv/www/b/secret.txt"' \
	'"vhost":"a.test"' '"request":"GET /read.php?f=/srv/www/b/secret.txt HTTP/1.1"'

# What every local user sees of a busy worker (ps): its site, not the request it serves, which
# goes to a label in its environment area that only root (and the fence) can read.
get a.test '/slow.php?ms=3000&token=s3cret' >/dev/null &
sp=$!
for i in $(seq 1 20); do w=$(pgrep -f "^sitefence: a\.test - busy" | head -1); [[ -n $w ]] && break; sleep 0.1; done
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
like "a busy worker's title in ps names its site" "$(nobody cat /proc/$w/cmdline | tr '\0' ' ')" \
	"^sitefence: a\.test - busy"
unlike "  ...but not the request: another user reads no query string there" \
	"$(nobody cat /proc/$w/cmdline | tr '\0' ' ')" "s3cret|slow\.php"
is "  ...nor in its environment area, which only root may read" \
	"$(nobody cat /proc/$w/environ 2>/dev/null | tr -d '\0' | wc -c)" 0
like "  ...where the label the fence's records quote is" "$(tr '\0' ' ' </proc/$w/environ)" \
	"^sitefence: a\.test 127\.0\.0\.1:[0-9]+ GET /slow\.php\?ms=3000&token=s3cret HTTP/1\.1"
# mod_status, which any local client may ask, b's script too and under a's name.
out=$(get b.test "/status.php?host=a.test&port=$HTTP")
like "b's script reads /server-status under a's name: a's busy worker is there" "$out" \
	"<td nowrap>a\.test:$HTTP</td><td nowrap>\(not shown"
unlike "  ...but not its request" "$out" "s3cret"
wait $sp

audit_mark
is "c (same uid as a) cannot read a's file" "$(get c.test /read.php?f=$WWW/a/page.txt)" "DENIED"
check "  ...audit record for c.test" audit_has '"site":"c.test"' '"path":"/srv/www/a/page.txt"'
is "a cannot write b's world-writable file" \
	"$(get a.test /write.php?f=$WWW/b/public-rw)" "DENIED"
is "a cannot create a file in b's world-writable dir" \
	"$(get a.test /write.php?f=$WWW/b/drop/from-a)" "DENIED"
like "a cannot run b's program" "$(get a.test /exec.php?c=$WWW/b/bin/tool)" "rc=(126|127|spawnfailed|-1)"
is "b runs its own program" "$(get b.test /exec.php?c=$WWW/b/bin/tool)" "rc=0"
is "a cannot read another user's system file (/etc/shadow)" \
	"$(get a.test /read.php?f=/etc/shadow)" "DENIED"

# CGI (mod_cgi): the script is the worker's child, so it is the site's user, in the site's fence.
is "a's CGI script runs as sfa and reads a's file" \
	"$(get a.test "/probe.cgi?$WWW/a/page.txt")" "$uid_a a's page"
audit_mark
is "  ...but not b's world-readable secret" "$(get a.test "/probe.cgi?$WWW/b/secret.txt")" \
	"$uid_a DENIED"
check "  ...and the denial is in the audit log, with the site" \
	audit_has '"site":"a.test"' '"op":"open"' '"path":"/srv/www/b/secret.txt"' '"comm":"head"'

# ---- private /tmp, uploads, sessions ----------------------------------------------------
get a.test '/tmp.php?s=a' >/dev/null
unlike "b's /tmp does not show a's files" "$(get b.test '/tmp.php?s=b')" "mark-a"
echo "uploaded by a" >$T/up.txt
out=$(get a.test /upload.php -F "f=@$T/up.txt")
like "an upload through the fence works" "$out" "moved:uploaded by a"
like "  ...in the site's own /tmp" "$out" "tmp=/tmp"
get a.test /session.php -c $T/cj -b $T/cj >/dev/null
like "a session survives across requests" "$(get a.test /session.php -c $T/cj -b $T/cj)" "n=2 "
sid=$(awk '/PHPSESSID/{print $7}' $T/cj)
is "  ...b cannot read a's session file" \
	"$(get b.test "/read.php?f=/var/lib/php/sessions/sess_$sid")" "DENIED"

# ---- OPcache --------------------------------------------------------------------------------
get a.test /cached.php >/dev/null
get a.test /cached.php >/dev/null
is "b cannot include a's cached wp-config.php" \
	"$(get b.test /include.php?f=$WWW/a/wp-config.php)" "NOT_INCLUDED"
is "b cannot list OPcache's scripts" "$(get b.test /opcache.php)" "NO_STATUS"

# ---- SysV IPC: each site has its own --------------------------------------------------------
is "a makes a SysV shared memory segment for its uid" \
	"$(get a.test '/shm.php?w=1&k=0x5f5f0101&m=0600')" WROTE
is "  ...and one for everyone" "$(get a.test '/shm.php?w=1&k=0x5f5f0102&m=0644')" WROTE
is "  ...which a's workers read back" "$(get a.test '/shm.php?k=0x5f5f0101')" "shm of a"
is "c, of the same uid, does not see a's segment" "$(get c.test '/shm.php?k=0x5f5f0101')" NONE
is "b does not see a's world-readable one" "$(get b.test '/shm.php?k=0x5f5f0102')" NONE
is "  ...nor does the server's own IPC namespace" "$(ipcs -m | grep -ci 0x5f5f01)" 0

# ---- TLS, keep-alive, pipelining ----------------------------------------------------------
is "https with SNI a.test reaches a" "$(gets a.test /whoami.php)" "$uid_a $(id -g sfa)"
is "https with SNI b.test reaches b" "$(gets b.test /whoami.php)" "$uid_b $(id -g sfb)"
out=$(printf 'GET /page.txt HTTP/1.1\r\nHost: a.test\r\n\r\nGET /page.txt HTTP/1.1\r\nHost: a.test\r\n\r\nGET /page.txt HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n' |
	timeout 20 nc -q 5 127.0.0.1 $HTTP | grep -c "a's page")
is "three pipelined requests on one connection" "$out" 3
out=$(printf 'GET /whoami.php HTTP/1.1\r\nHost: a.test\r\n\r\nGET /whoami.php HTTP/1.1\r\nHost: b.test\r\n\r\n' |
	timeout 20 nc -q 5 127.0.0.1 $HTTP)
like "another site on a kept-alive connection gets 421" "$out" "HTTP/1.1 421"
unlike "  ...and is never served by the first site's user" "$out" "$uid_b $(id -g sfb)"
out=$(curl -s -k -m 20 --resolve a.test:$HTTPS:127.0.0.1 -H 'Host: b.test' \
	https://a.test:$HTTPS/whoami.php -o /dev/null -w '%{http_code}')
is "Host b.test inside TLS for a.test is refused (421)" "$out" 421

# ---- the server's descriptors (tests/mpm/host_logs.sh has the rest) ----------------------
out=$(get b.test /fds.php)
like "a program b runs lists its descriptors" "$out" "fd 0 "
check "  ...it inherited one above stderr at most: the script PHP has open" \
	test "$(grep -cE '^fd ([3-9]|[0-9]{2,}) ' <<<"$out")" -le 1
unlike "  ...and could write to none" "$out" "wrote"
sleep 0.5
is "  ...and no log has the line it tried to write (a's piped one, the shared one)" \
	"$(grep -l FORGED $T/logs/* | tr '\n' ' ')" ""
out=$(printf 'GET /site.txt HTTP/1.1\r\nHost: b.test\r\n\r\nGET /site.txt HTTP/1.1\r\nHost: a.test\r\n\r\n' |
	timeout 20 nc -q 5 127.0.0.1 $HTTP)
like "a request for a on b's kept-alive connection gets 421" "$out" "site b.*HTTP/1.1 421"
unlike "  ...and a's ErrorDocument script does not run in b's worker" "$out" "run by uid"
is "a's ErrorDocument (a script) runs in a's own worker" "$(get a.test /no-such-page)" \
	"error document of a run by uid $uid_a"

# ---- a site whose workers cannot take their tag ------------------------------------------
# A plain file bound over c.test's token (in c.test's own mount namespace, where its workers
# are forked): its worker cannot be confined, says so and exits; the parent forks the next a
# second later (not in a loop), c.test's clients get 503 after SitefenceQueueTimeout, the
# other sites are served, and once the token is back so is c.test.
cid=$("$ROOT/build/sitefencectl" sites --json |
	python3 -c 'import json, sys; print([s["id"] for s in json.load(sys.stdin)["sites"] if s["name"] == "c.test"][0])')
tok=/run/sitefence/tokens/site-$cid
cw=$(pgrep -f "^sitefence: c\.test" | head -1)
cns=$(readlink /proc/$cw/ns/mnt)
nsfd=$(for f in /proc/$(apache_pid)/fd/*; do [[ $(readlink $f) == "$cns" ]] && echo $f; done | head -1)
: >$WWW/not-a-token
if [[ -e $tok && -n $nsfd ]] && nsenter --mount=$nsfd mount --bind $WWW/not-a-token "$tok"; then
	pkill -f "^sitefence: c\.test"
	sleep 0.5
	t0=$(date +%s%N)
	before=$(grep -cE "site c\.test: (the kernel refused its token|the fence did not confine)" $T/logs/error.log)
	is "c.test without its token: 503, not a hang and not served unconfined" \
		"$(status c.test /site.txt)" 503
	is "  ...a.test is served meanwhile" "$(get a.test /site.txt)" "site a"
	tries=$(( $(grep -cE "site c\.test: (the kernel refused its token|the fence did not confine)" $T/logs/error.log) - before ))
	secs=$(( ($(date +%s%N) - t0 + 999999999) / 1000000000 ))
	check "  ...each worker that tried said why, one a second at most ($tries in $secs s)" \
		test "$tries" -ge 1 -a "$tries" -le $((secs + 1))
	nsenter --mount=$nsfd umount "$tok"
	for i in $(seq 1 30); do [[ $(get c.test /site.txt) == "site c" ]] && break; sleep 0.2; done
	is "  ...and c.test is served again once its token is back" "$(get c.test /site.txt)" "site c"
else
	not_ok "c.test's token $tok can be covered for the test" "worker $cw, namespace $cns, $nsfd"
fi

# ---- hostile clients ---------------------------------------------------------------------
hostile=()
for i in 1 2 3 4 5 6; do
	(printf 'GET / HTTP/1.1\r\nHost: a.t' | timeout 25 nc -q 25 127.0.0.1 $HTTP >/dev/null) &
	hostile+=($!)
done
(head -c 3000 /dev/urandom | timeout 10 nc -q 2 127.0.0.1 $HTTPS >/dev/null) &
hostile+=($!)
(printf '\x16\x03\x01\x40\x00garbage' | timeout 10 nc -q 2 127.0.0.1 $HTTPS >/dev/null) &
hostile+=($!)
sleep 1
t0=$(date +%s%N)
is "a normal client is served while slow and garbage clients hang on" \
	"$(get b.test /read.php?f=$WWW/b/secret.txt)" "secret of b"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "  ...promptly ($ms ms)" test $ms -lt 10000
out=$(printf 'GET / HTTP/1.1\r\nHost: a..test\r\n\r\n' | timeout 10 nc -q 5 127.0.0.1 $HTTP | head -1)
like "a malformed Host gets 400" "$out" "HTTP/1.1 400"
out=$(printf 'GARBAGE\x01\x02\r\n\r\n' | timeout 10 nc -q 5 127.0.0.1 $HTTP | head -1)
like "a garbage request line gets 400" "$out" "HTTP/1.1 400"
kill "${hostile[@]}" 2>/dev/null
wait "${hostile[@]}" 2>/dev/null

# ---- status and logs -----------------------------------------------------------------------
out=$(get localhost '/server-status?auto')
like "mod_status works" "$out" "Total Accesses"
out=$(get localhost '/server-status')
like "mod_status shows each worker's site" "$out" "a\.test"
like "the piped logger (started by the parent, not fenced) logs" "$(cat $T/logs/piped.log)" \
	"a.test 127.0.0.1 GET /page.txt"

# ---- load with graceful restarts, a killed worker, a killed sitefenced ------------------
load() { # N: requests for a.test and b.test in a row, report failures
	local n=$1 i fails=0 r
	for i in $(seq 1 $n); do
		r=$(get a.test /page.txt -w '%{http_code}' -o /dev/null)
		[[ $r == 200 ]] || fails=$((fails + 1))
		r=$(get b.test /whoami.php -w '%{http_code}' -o /dev/null)
		[[ $r == 200 ]] || fails=$((fails + 1))
	done
	echo $fails
}
load 40 >$T/load1 &
lp=$!
for i in 1 2 3; do sleep 1; apache2 -f $T/httpd.conf -k graceful; done
wait $lp
is "no request lost across 3 graceful restarts under load" "$(cat $T/load1)" 0
gen=$(grep -c "Graceful restart requested" $T/logs/error.log)
check "  ...and they happened ($gen)" test "$gen" -ge 3
like "the piped logger still logs after the restarts" "$(tail -n 3 $T/logs/piped.log)" "b.test"

load 30 >$T/load2 &
lp=$!
sleep 1
pkill -9 -x sitefenced
wait $lp
is "no request lost while sitefenced is killed" "$(cat $T/load2)" 0
audit_mark
is "  ...and the fence still denies" "$(get a.test /read.php?f=$WWW/b/secret.txt)" "DENIED"
start_sitefenced >/dev/null
check "  ...and the denial reaches the log once sitefenced is back" \
	audit_has '"site":"a.test"' 'secret.txt'

# The audit log is rotated the logrotate way: renamed, then SIGUSR1 makes sitefenced reopen it.
mv $T/audit.log $T/audit.log.1
pkill -USR1 -x sitefenced
sleep 1
audit_mark
is "after rotation (SIGUSR1) a denial..." "$(get a.test /read.php?f=$WWW/b/secret.txt)" "DENIED"
check "  ...is in the new audit log" audit_has '"site":"a.test"' 'secret.txt'

# A full site: c.test may have one worker (MaxClientsVHost 1), which a slow script holds. The
# next c.test connection waits SitefenceQueueTimeout (3 s), then gets 503; others are served.
get c.test '/slow.php?ms=20000' >$T/slow1 &
sp=$!
sleep 2
t0=$(date +%s)
is "a full site answers 503 after SitefenceQueueTimeout" "$(status c.test /file.txt)" 503
check "  ...not before it ($(( $(date +%s) - t0 )) s)" test $(( $(date +%s) - t0 )) -ge 2
is "  ...while other sites are served" "$(get a.test /page.txt)" "a's page"
wait $sp
is "  ...and the slow request itself completes" "$(cat $T/slow1)" "slept"

killed=0
load 30 >$T/load3 &
lp=$!
sleep 1
for p in $(pgrep -f "sitefence: a.test" | head -n 2); do kill -9 $p && killed=$((killed + 1)); done
wait $lp
check "killing $killed workers loses at most the requests they held ($(cat $T/load3))" \
	test "$(cat $T/load3)" -le $killed

# A burst grows b.test's pool; once it is over, the surplus leaves (at most 2 spare workers
# stay), long before SitefenceIdleTimeout (60 s here).
burst=()
for i in 1 2 3 4 5 6; do get b.test '/slow.php?ms=3000' >/dev/null & burst+=($!); done
sleep 2
grown=$(pgrep -fc "sitefence: b.test")
wait "${burst[@]}"
for i in $(seq 1 150); do (($(pgrep -fc "sitefence: b.test") <= 2)) && break; sleep 0.1; done
left=$(pgrep -fc "sitefence: b.test")
check "a burst grows the site's pool ($grown workers)" test "$grown" -ge 4
check "  ...and the surplus leaves once it is over ($left left)" test "$left" -le 2

# Graceful stop: the listeners close, what was accepted is served, then everyone leaves.
get a.test '/slow.php?ms=4000' >$T/slow2 &
sp=$!
sleep 1
apache2 -f $T/httpd.conf -k graceful-stop
wait $sp
is "a graceful stop finishes the request in flight" "$(cat $T/slow2)" "slept"
for i in $(seq 1 100); do pgrep -f "sitefence: " >/dev/null || break; sleep 0.1; done
# (A function, not bash -c: that shell's own command line would match.)
gone() { ! pgrep -f "sitefence: " >/dev/null; }
check "  ...then every process leaves" gone
is "  ...and no new connection is taken" "$(status a.test /page.txt)" "000"

# ---- mod_cgid: its daemon is the parent's, in no site ----------------------------------------
# It must keep running (also across graceful restarts), and no site may run a script through
# it: that would be as User, outside the site.
# (The one child of the parent that is not a worker, dispatcher or piped logger.)
cgid_daemon() { pgrep -P "$(apache_pid)" -f "^apache2 -f $T/httpd.conf"; }
CGI_MOD=cgid write_conf
if start_apache; then
	like "with mod_cgid the server starts, warning that sites cannot use it" \
		"$(cat $T/logs/error.log)" "mod_cgid is loaded: its daemon is outside every site"
	d1=$(cgid_daemon)
	check "  ...its daemon runs ($d1)" test -n "$d1"
	out=$(get a.test "/probe.cgi?$WWW/a/page.txt" -w ' %{http_code}')
	like "  ...a site's CGI request through it is refused (503)" "$out" " 503$"
	unlike "  ...and the script did not run" "$out" "a's page"
	# The daemon's socket is User's: a site with its own user is kept out by its mode; the
	# server's own site runs as User, and the fence keeps it out.
	cp $WWW/a/probe.cgi /var/www/sf-probe.cgi
	audit_mark
	out=$(get localhost "/sf-probe.cgi?/etc/hostname" -w ' %{http_code}')
	like "  ...also for the site that runs as User, like the daemon (503)" "$out" " 503$"
	check "  ...the fence denied its connect to the daemon (audit log)" \
		audit_has '"site":"localhost"' '"op":"connect"'
	rm -f /var/www/sf-probe.cgi
	apache2 -f $T/httpd.conf -k graceful
	d2=
	for i in $(seq 1 100); do
		d2=$(cgid_daemon)
		[[ -n $d2 && $d2 != "$d1" ]] && break
		sleep 0.1
	done
	check "  ...after a graceful restart its daemon runs again ($d2)" \
		test -n "$d2" -a "$d2" != "$d1" ||
		grep -i cgid $T/logs/error.log | tail -n 5 | sed 's/^/#   /'
	is "  ...and sites are still served" "$(get a.test /page.txt)" "a's page"
else
	not_ok "with mod_cgid the server starts" "$(tail -n 5 $T/logs/error.log)"
fi

finish
