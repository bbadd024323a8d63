#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/mpm/host_status.sh — what mod_status tells a site's script about other sites, tried as
# a hosting customer would. Debian allows /server-status to local clients, and a site's script
# is one. While a request of site a with a secret in its URL is in flight, b's script fetches
# /server-status, under b's name, under a's and as a sub-request of its own: it sees a's worker
# and its site, never the secret nor a's client address. A vhost with "SitefenceStatusDetails
# shown" shows them (which also proves this test sees a secret when there is one to see). No
# fence needed: which worker shows what is the MPM's part.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MODULE=$ROOT/build/mod_mpm_sitefence.so
T=$(mktemp -d /var/tmp/sf-status.XXXXXX)
PORT=$((20000 + RANDOM % 20000))
trap 'apache2 -f $T/httpd.conf -k stop >/dev/null 2>&1; sleep 0.5; rm -rf $T' EXIT

. "$ROOT/tests/lib/tap.sh"
. "$ROOT/tests/mpm/conf_host.sh"

for u in sfsta sfstb; do
	id $u >/dev/null 2>&1 || useradd -M -d /nonexistent -s /usr/sbin/nologin $u
done
mkdir -p $T/a $T/b $T/admin $T/logs $T/private
cp "$ROOT"/tests/mpm/php/slow.php $T/a/
cp "$ROOT"/tests/mpm/php/status.php $T/b/
echo "a's page" >$T/a/page.txt
chown -R sfsta: $T/a
chown -R sfstb: $T/b
chmod 755 $T

# conf [EXTRA]: the server's configuration, with EXTRA lines in the main server
conf() {
	cat <<EOF
$(host_conf_head)
LoadModule authz_host_module /usr/lib/apache2/modules/mod_authz_host.so
LoadModule status_module /usr/lib/apache2/modules/mod_status.so
ErrorLog $T/logs/error.log
ExtendedStatus On
${1-}
# As Debian's status.conf has it: every vhost, local clients.
<Location /server-status>
  SetHandler server-status
  Require local
</Location>
<VirtualHost *:$PORT>
  ServerName a.test
  DocumentRoot $T/a
  AssignUserID sfsta sfsta
</VirtualHost>
<VirtualHost *:$PORT>
  ServerName b.test
  DocumentRoot $T/b
  AssignUserID sfstb sfstb
</VirtualHost>
<VirtualHost *:$PORT>
  ServerName admin.test
  DocumentRoot $T/admin
  SitefenceStatusDetails shown
</VirtualHost>
EOF
}

get() { curl -s -m 10 -H "Host: $1" "http://127.0.0.1:$PORT$2"; }

conf >$T/httpd.conf
apache2 -f $T/httpd.conf -k start
for i in $(seq 1 50); do get a.test /page.txt >/dev/null && break; sleep 0.1; done
is "the server starts and a serves" "$(get a.test /page.txt)" "a's page"

# a's request in flight, its secret in the query string, for as long as the checks take.
SECRET=reset-token-$RANDOM$RANDOM
get a.test "/slow.php?ms=8000&token=$SECRET" >/dev/null &
slow=$!
for i in $(seq 1 50); do
	get admin.test /server-status | grep -q "$SECRET" && break
	sleep 0.1
done
out=$(get admin.test /server-status)
like "with SitefenceStatusDetails shown, a's request is there (what the attack is after)" \
	"$out" "token=$SECRET"

for how in "host=b.test" "host=a.test" "host=localhost" "virtual=1"; do
	out=$(get b.test "/status.php?$how&port=$PORT")
	like "b's script gets /server-status ($how)" "$out" "Server Version"
	unlike "  ...without a's secret" "$out" "$SECRET"
	like "  ...but with a's busy worker, its site and no client address" "$out" \
		"<td>-</td><td>http/1.1</td><td nowrap>a\.test:$PORT</td><td nowrap>\(not shown"
	is "  ...and no client address but the answering worker's own" \
		"$(grep -o '<td>127\.0\.0\.1</td>' <<<"$out" | wc -l)" 1
done
# The answering worker's own line (the status request) is left as it is.
out=$(get b.test /server-status?own)
like "a status page still shows its own request" "$out" "GET /server-status\?own"
like "machine-readable status (?auto) still counts every request" \
	"$(get b.test '/server-status?auto')" "Total Accesses: [1-9]"
kill $slow 2>/dev/null
wait $slow 2>/dev/null

# The directive's values, with file and line.
conf "SitefenceStatusDetails everything" >$T/bad.conf
out=$(apache2 -t -f $T/bad.conf 2>&1)
like "a bad SitefenceStatusDetails is refused, with file and line" "$out" \
	"line [0-9]+ of $T/bad.conf:[[:space:]]SitefenceStatusDetails: hidden or shown, not 'everything'"
conf "<Directory $T>
SitefenceStatusDetails shown
</Directory>" >$T/bad.conf
out=$(apache2 -t -f $T/bad.conf 2>&1)
like "  ...and in a <Directory>" "$out" "SitefenceStatusDetails.*not allowed"

tap_plan
