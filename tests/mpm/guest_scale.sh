#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/mpm/guest_scale.sh — a shared host's scale, in the test guest: 2000 name-based sites on
# one listener, two users between them, each site its own DocumentRoot. Apache's matching
# finds each among all of them, sitefenced holds them all, a site cannot read its neighbour's
# file under the same uid, and once MaxRequestWorkers is taken by idle workers of other sites
# a site visited for the first time still gets a worker: an idle one elsewhere makes room.
set -u
. "$(dirname "$0")/env.sh"

[[ ${SF_VM-} == 1 ]] || { echo "1..0 # SKIP runs in the test guest (tests/vm/run)"; exit 0; }

N=2000
CAP=40        # env.sh's MaxRequestWorkers
VISITS=60     # distinct sites visited in a row: more than CAP

make_sites
check "sitefenced starts" start_sitefenced

# Builtins only in the loops: a fork per site is slow under emulation.
mkdir -p $WWW/many
mkdir $WWW/many/s{1..2000}
read_php=$(cat "$ROOT/tests/mpm/php/read.php")
for ((i = 1; i <= N; i++)); do
	echo "site $i" >$WWW/many/s$i/site.txt
	echo "$read_php" >$WWW/many/s$i/read.php
done
chown -R sfa:sfa $WWW/many/s{1..2000..2}
chown -R sfb:sfb $WWW/many/s{2..2000..2}
chmod 0644 $WWW/many/s*/site.txt
write_conf
for ((i = 1; i <= N; i++)); do
	((i % 2)) && user=sfa || user=sfb
	printf '<VirtualHost 127.0.0.1:%s>\n  ServerName s%d.test\n  DocumentRoot %s\n' \
		$HTTP $i $WWW/many/s$i
	printf '  AssignUserID %s %s\n</VirtualHost>\n' $user $user
done >>$T/httpd.conf
is "the configuration has $N more vhosts" "$(grep -c '^  ServerName s[0-9]*\.test$' $T/httpd.conf)" $N
like "apachectl configtest passes" "$(apache2 -f $T/httpd.conf -t 2>&1)" "Syntax OK"
if ! start_apache; then
	not_ok "apache starts with $N sites" "$(tail -n 20 $T/logs/error.log)"
	finish
	exit 1
fi
ok "apache starts with $N sites"
sites=$("$ROOT/build/sitefencectl" sites 2>&1)
is "sitefenced holds every site" "$(grep -c '^ *s[0-9]*\.test ' <<<"$sites")" $N

is "the first of them is found" "$(get s1.test /site.txt)" "site 1"
is "  ...the middle one" "$(get s1000.test /site.txt)" "site 1000"
is "  ...the last one" "$(get s2000.test /site.txt)" "site 2000"

audit_mark
is "a site cannot read its neighbour's file under the same uid" \
	"$(get s1500.test /read.php?f=$WWW/many/s1502/site.txt)" "DENIED"
check "  ...and the denial is in the audit log with the site" \
	audit_has '"site":"s1500.test"' '"op":"open"' "\"path\":\"$WWW/many/s1502/site.txt\""
is "  ...while it reads its own" "$(get s1500.test /read.php?f=$WWW/many/s1500/site.txt)" \
	"site 1500"

# Every site visited keeps its worker for SitefenceIdleTimeout (60 s here): past CAP of them,
# the next site's worker has to take an idle one's place.
wrong=""
for ((i = 101; i < 101 + VISITS; i++)); do
	got=$(get s$i.test /site.txt -m 20)
	[[ $got == "site $i" ]] || wrong+=" s$i:${got:-(nothing)}"
done
is "$VISITS sites visited in a row, more than MaxRequestWorkers $CAP, each get their page" \
	"${wrong:-none wrong}" "none wrong"
n=$(pgrep -fc "^sitefence: s[0-9]*\.test")
at_most() { [[ $1 -le $2 ]]; }   # COUNT LIMIT
check "  ...and the workers stay within MaxRequestWorkers ($n)" at_most "$n" $CAP
like "  ...the error log says why idle workers left" "$(cat $T/logs/error.log)" \
	"MaxRequestWorkers reached: an idle worker of site s[0-9]*\\.test leaves to make room"

finish
