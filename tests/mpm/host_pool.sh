#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/mpm/host_pool.sh — a site's pool of workers as demand moves: a burst grows it, and
# then one request after another is answered by the worker that finished last (the others
# stay idle), and once the traffic stops every worker of the site leaves after
# SitefenceIdleTimeout.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MODULE=$ROOT/build/mod_mpm_sitefence.so
T=$(mktemp -d /var/tmp/sf-pool.XXXXXX)
PORT=$((20000 + RANDOM % 20000))
trap 'apache2 -f $T/httpd.conf -k stop >/dev/null 2>&1; sleep 0.5; rm -rf $T' EXIT

. "$ROOT/tests/lib/tap.sh"
. "$ROOT/tests/mpm/conf_host.sh"

id sfpool >/dev/null 2>&1 || useradd -M -d /nonexistent -s /usr/sbin/nologin sfpool
mkdir -p $T/a $T/logs $T/private
cp "$ROOT"/tests/mpm/php/{pid,slow}.php $T/a/
chown -R sfpool: $T/a
chmod 755 $T
cat >$T/httpd.conf <<EOF
$(host_conf_head)
ErrorLog $T/logs/error.log
SitefenceIdleTimeout 2s
<VirtualHost *:$PORT>
  ServerName a.test
  DocumentRoot $T/a
  AssignUserID sfpool sfpool
</VirtualHost>
EOF

get() { curl -s -m 10 -H "Host: a.test" "http://127.0.0.1:$PORT$1"; }
workers() { pgrep -u sfpool -P "$(cat $T/httpd.pid)" | wc -l; }

apache2 -f $T/httpd.conf -k start
for i in $(seq 1 50); do get /pid.php >/dev/null && break; sleep 0.1; done

# A burst: six requests that each hold a worker for a second.
burst=()
for i in 1 2 3 4 5 6; do get '/slow.php?ms=1000' >/dev/null & burst+=($!); done
wait "${burst[@]}"
n=$(workers)
check "a burst of six grows the pool to six workers ($n)" test "$n" -ge 6

# One request after another: the worker that finished last answers the next.
pids=$(for i in $(seq 1 12); do get /pid.php; done | sort -u)
like "twelve requests in a row are answered by one worker, not in turn by the pool" \
	"$(wc -l <<<"$pids")" "^[12]$"

# No traffic: every worker leaves after SitefenceIdleTimeout (2 s), in a few seconds.
for i in $(seq 1 100); do [[ $(workers) == 0 ]] && break; sleep 0.1; done
is "  ...and once the traffic stops, every worker leaves after SitefenceIdleTimeout" \
	"$(workers)" 0
is "a request after that gets a new worker" "$(get /pid.php | grep -c '^[0-9][0-9]*$')" 1

tap_plan
