#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/mpm/host_linger.sh — when a site worker closes a connection at once and when it keeps
# Apache's lingering close. A client that sends a byte after its answer (as a client does whose
# body or pipelined request the server never read) finds out which: a lingering worker reads
# and drops it, a closed socket answers it with a reset. The worker may close at once only
# when the client has said it sends nothing more (its last request asked to close and had no
# body); a request body, a kept-alive client the server closes on, or TLS keeps the lingering.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MODULE=$ROOT/build/mod_mpm_sitefence.so
T=$(mktemp -d /var/tmp/sf-linger.XXXXXX)
PORT=$((20000 + RANDOM % 20000))
TLS=$((PORT + 1))
trap 'apache2 -f $T/httpd.conf -k stop >/dev/null 2>&1; sleep 0.5; rm -rf $T' EXIT

. "$ROOT/tests/lib/tap.sh"
. "$ROOT/tests/mpm/conf_host.sh"

id sflin >/dev/null 2>&1 || useradd -M -d /nonexistent -s /usr/sbin/nologin sflin
mkdir -p $T/a $T/logs $T/private
echo "a's page" >$T/a/page.txt
echo '<?php echo "posted ", strlen(file_get_contents("php://input")), "\n";' >$T/a/post.php
chown -R sflin: $T/a
chmod 755 $T
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=a.test" -keyout $T/tls.key \
	-out $T/tls.crt 2>/dev/null
cat >$T/httpd.conf <<EOF
$(host_conf_head)
LoadModule socache_shmcb_module /usr/lib/apache2/modules/mod_socache_shmcb.so
LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so
Listen 127.0.0.1:$TLS https
ErrorLog $T/logs/error.log
KeepAlive On
<VirtualHost *:$PORT>
  ServerName a.test
  DocumentRoot $T/a
  AssignUserID sflin sflin
</VirtualHost>
<VirtualHost *:$PORT>
  ServerName nokeepalive.test
  DocumentRoot $T/a
  AssignUserID sflin sflin
  KeepAlive Off
</VirtualHost>
<VirtualHost *:$TLS>
  ServerName a.test
  DocumentRoot $T/a
  AssignUserID sflin sflin
  SSLEngine on
  SSLCertificateFile $T/tls.crt
  SSLCertificateKeyFile $T/tls.key
</VirtualHost>
EOF

# close_kind REQUEST [tls]: send REQUEST (printf escapes), over TLS if asked, read the answer to
# its end, send one more byte, then another; print the answer's status line and "reset" or
# "lingered"
close_kind() {
	python3 - "$PORT" "$TLS" "$1" "${2-}" <<'EOF'
import os, socket, ssl, sys, time
port, tls, req, how = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
req = req.encode().decode('unicode_escape').encode('latin-1')
s = socket.create_connection(("127.0.0.1", tls if how else port), timeout=10)
if how:
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    s = ctx.wrap_socket(s, server_hostname="a.test")
s.sendall(req)
answer = b""
while True:
    try:
        d = s.recv(65536)
    except ssl.SSLEOFError:
        break
    if not d:
        break
    answer += d
status = answer.split(b"\r\n", 1)[0].decode()
# Below TLS, on the socket itself: what a client's close_notify would be to the server.
os.write(s.fileno(), b"x")
# A closed socket answers with a reset, which leaves the next send nowhere to go. On loopback
# the reset is back before sendall returns; the wait is margin.
time.sleep(0.3)
try:
    os.write(s.fileno(), b"y")
    kind = "lingered"
except (ConnectionResetError, BrokenPipeError):
    kind = "reset"
print(status, kind)
EOF
}

apache2 -f $T/httpd.conf -k start
for i in $(seq 1 50); do curl -s -o /dev/null -H "Host: a.test" http://127.0.0.1:$PORT/page.txt && break; sleep 0.1; done

is "an HTTP/1.0 request without keep-alive: the worker closes at once" \
	"$(close_kind 'GET /page.txt HTTP/1.0\r\nHost: a.test\r\n\r\n')" "HTTP/1.1 200 OK reset"
is "Connection: close: at once" \
	"$(close_kind 'GET /page.txt HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n')" \
	"HTTP/1.1 200 OK reset"
is "a request with a body, though it asked to close: lingering" \
	"$(close_kind 'POST /post.php HTTP/1.0\r\nHost: a.test\r\nContent-Length: 3\r\n\r\na=1')" \
	"HTTP/1.1 200 OK lingered"
is "a body, Connection: close: lingering" \
	"$(close_kind 'POST /page.txt HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\nContent-Length: 3\r\n\r\na=1')" \
	"HTTP/1.1 200 OK lingered"
is "a kept-alive client the server closes on (KeepAlive Off): lingering" \
	"$(close_kind 'GET /page.txt HTTP/1.1\r\nHost: nokeepalive.test\r\n\r\n')" \
	"HTTP/1.1 200 OK lingered"
is "keep-alive, then a last request that asks to close: at once" \
	"$(close_kind 'GET /page.txt HTTP/1.1\r\nHost: a.test\r\n\r\nGET /page.txt HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n')" \
	"HTTP/1.1 200 OK reset"
is "over TLS, whose clients may answer close_notify after the answer: lingering" \
	"$(close_kind 'GET /page.txt HTTP/1.0\r\nHost: a.test\r\n\r\n' tls)" "HTTP/1.1 200 OK lingered"

tap_plan
