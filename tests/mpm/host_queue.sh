#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/mpm/host_queue.sh — a connection waiting in a site's queue gets a worker, or its 503.
#
# A site's idle workers wait in one epoll instance, which wakes one of them per connection
# (the last to go idle). If that worker is told to stop (the parent's trimming sends it the
# graceful signal) at the moment it is woken, it leaves without the connection; nothing woke
# another, and the connection waited for the next arrival or for SitefenceQueueTimeout's 503.
# The race is made certain here: the worker to be woken is pinned to a CPU that a real-time
# busy loop holds, so it is woken but cannot run; then it gets the signal; then the CPU is
# let go.
#
# A connection that no worker takes within SitefenceQueueTimeout is answered 503 by a
# dispatcher. Its request head is unread then: the answer must be followed by a close the
# client can read to its end, not by a reset that can destroy the answer.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MODULE=$ROOT/build/mod_mpm_sitefence.so
T=$(mktemp -d /var/tmp/sf-queue.XXXXXX)
PORT=$((20000 + RANDOM % 20000))
trap 'apache2 -f $T/httpd.conf -k stop >/dev/null 2>&1; sleep 0.5; rm -rf $T' EXIT

. "$ROOT/tests/lib/tap.sh"
. "$ROOT/tests/mpm/conf_host.sh"

id sfqueue >/dev/null 2>&1 || useradd -M -d /nonexistent -s /usr/sbin/nologin sfqueue
mkdir -p $T/a $T/logs $T/private
cp "$ROOT"/tests/mpm/php/{pid,slow}.php $T/a/
chown -R sfqueue: $T/a
chmod 755 $T
# Two workers at most, so the parent's trimming (more than two idle) leaves them alone; a
# lost wake-up is answered 503 after 5 s instead of the default 10.
cat >$T/httpd.conf <<EOF
$(host_conf_head)
ErrorLog $T/logs/error.log
SitefenceQueueTimeout 5s
<VirtualHost *:$PORT>
  ServerName a.test
  DocumentRoot $T/a
  AssignUserID sfqueue sfqueue
  MaxClientsVHost 2
</VirtualHost>
EOF

get() { curl -s -m 20 -w " %{http_code}" -H "Host: a.test" "http://127.0.0.1:$PORT$1" | tr -d "\n"; }
workers() { pgrep -u sfqueue -P "$(cat $T/httpd.pid)" | sort; }
# busy SECONDS: a real-time busy loop on CPU 1 that ends by itself
busy() {
	taskset -c 1 chrt -f 10 python3 -c "import time
end = time.monotonic() + $1
while time.monotonic() < end: pass" &
	hog=$!
}

apache2 -f $T/httpd.conf -k start
for i in $(seq 1 50); do get /pid.php | grep -q ' 200$' && break; sleep 0.1; done

# Two workers: two requests that each hold one for a second.
get '/slow.php?ms=1000' >/dev/null & a=$!
get '/slow.php?ms=1000' >/dev/null & b=$!
wait $a $b
is "the site has two workers" "$(workers | wc -l)" 2

# The race needs a second CPU and real-time scheduling to hold the first.
if [[ $(nproc) -ge 2 ]] && chrt -f 10 true 2>/dev/null; then
	# The worker that answers this one is the last to go idle: the next wake-up is its.
	w=$(get /pid.php)
	w=${w% 200}
	sleep 0.5
	check "the worker that answered ($w) is one of them" grep -qx "$w" <(workers)
	taskset -pc 1 "$w" >/dev/null

	busy 1.5
	sleep 0.3
	out=$T/answer
	get /pid.php >$out & c=$!
	sleep 0.3
	kill -USR1 "$w"
	wait $hog
	wait $c
	answer=$(cat $out)
	like "the connection is answered by a worker, not left waiting for a 503 ($answer)" \
		"$answer" "^[0-9]+ 200$"
	isnt_w() { [[ ${answer% 200} != "$w" ]]; }
	check "  ...by the other worker: the woken one left" isnt_w
	for i in $(seq 1 30); do kill -0 "$w" 2>/dev/null || break; sleep 0.1; done
	check "  ...and the woken one is gone, as told" bash -c "! kill -0 $w 2>/dev/null"
else
	skip "a woken worker that leaves passes its connection on" \
		"needs two CPUs and real-time scheduling"
fi

# Both workers busy for longer than SitefenceQueueTimeout: the next connection waits 5 s and
# is answered 503 by a dispatcher. How does the connection end after the answer?
end_kind() {
	python3 - "$PORT" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
s.sendall(b"GET /pid.php HTTP/1.0\r\nHost: a.test\r\n\r\n")
answer, end = b"", "closed"
while True:
    try:
        d = s.recv(65536)
    except ConnectionResetError:
        end = "reset"
        break
    if not d:
        break
    answer += d
print(answer.split(b"\r\n", 1)[0].decode(), end)
EOF
}
get '/slow.php?ms=8000' >/dev/null & a=$!
get '/slow.php?ms=8000' >/dev/null & b=$!
sleep 0.5
is "a site with every worker busy past SitefenceQueueTimeout: 503, then a clean close" \
	"$(end_kind)" "HTTP/1.1 503 Service Unavailable closed"
wait $a $b

tap_plan
