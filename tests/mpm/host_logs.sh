#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/mpm/host_logs.sh — what a site's code can reach of the server's own descriptors, tried
# as a hosting customer would (no fence needed: the kernel fence sees files opened, not written
# through a descriptor a process already holds, so this is the MPM's part):
#
#   - a program site b runs (PHP's shell_exec) inherits nothing of the server's: it writes a
#     line to every descriptor it holds, and no log, of b, of a or of the whole server, has it;
#   - b's worker holds none of a's logs (files, piped logger, error log) nor a pipe's read end,
#     and a dispatcher holds no log at all but the main error log;
#   - a request for a on b's kept-alive connection, and a bad head there (a being the default
#     vhost), never runs a's ErrorDocument script in b's worker, and is logged in b's log;
#   - nothing is lost: each site's own logs, piped and not, get their lines, also after a
#     graceful restart.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MODULE=$ROOT/build/mod_mpm_sitefence.so
T=$(mktemp -d /var/tmp/sf-logs.XXXXXX)
PORT=$((20000 + RANDOM % 20000))
L=$T/logs
trap 'apache2 -f $T/httpd.conf -k stop >/dev/null 2>&1; sleep 0.5; rm -rf $T' EXIT

. "$ROOT/tests/lib/tap.sh"
. "$ROOT/tests/mpm/conf_host.sh"

for u in sflga sflgb; do
	id $u >/dev/null 2>&1 || useradd -M -d /nonexistent -s /usr/sbin/nologin $u
done
mkdir -p $T/a $T/b $L $T/private
cp "$ROOT"/tests/mpm/php/{fds,err,whoami}.php $T/a/
cp "$ROOT"/tests/mpm/php/{fds,err,whoami}.php $T/b/
echo "a's page" >$T/a/page.txt
echo "a's page" >$T/a/after.txt
printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\nCGI of a, uid %%s\\n" "$(id -u)"\n' \
	>$T/a/t.cgi
chmod 755 $T/a/t.cgi
echo "b's page" >$T/b/page.txt
chown -R sflga: $T/a
chown -R sflgb: $T/b
chmod 755 $T

errdocs() {
	local c
	for c in 400 404 408 413 414 421 431 501; do echo "  ErrorDocument $c /err.php"; done
}
cat >$T/httpd.conf <<EOF
$(host_conf_head)
LoadModule cgi_module /usr/lib/apache2/modules/mod_cgi.so
AddHandler cgi-script .cgi
<Directory $T>
  Options +ExecCGI
</Directory>
ErrorLog $L/error.log
KeepAlive On
LogFormat "%v %>s %U" site
CustomLog $L/main.log site
GlobalLog "|/usr/bin/tee -a $L/main-piped.log" site
# a: the default vhost, with logs of every kind and ErrorDocuments that are scripts
<VirtualHost *:$PORT>
  ServerName a.test
  DocumentRoot $T/a
  AssignUserID sflga sflga
  ErrorLog $L/a-error.log
  CustomLog $L/a-access.log site
  CustomLog "|/usr/bin/tee -a $L/a-piped.log" site
$(errdocs)
</VirtualHost>
<VirtualHost *:$PORT>
  ServerName b.test
  DocumentRoot $T/b
  AssignUserID sflgb sflgb
  ErrorLog "|/usr/bin/tee -a $L/b-error.log"
  CustomLog $L/b-access.log site
</VirtualHost>
EOF

get() { curl -s -m 10 -H "Host: $1" "http://127.0.0.1:$PORT$2"; }
# raw TEXT: send TEXT (printf escapes) on one connection, print the answers
raw() { printf "$1" | timeout 5 nc -q 3 127.0.0.1 $PORT; }
# worker_of USER: the newest of the server's processes running as USER (titles may not be
# settable on this host); dispatchers: the parent's children running as www-data
worker_of() { pgrep -n -u "$1" -P "$(cat $T/httpd.pid)"; }
dispatchers() { pgrep -u www-data -P "$(cat $T/httpd.pid)"; }
# fds_of PID: "N TARGET" for each of its descriptors
fds_of() { local f; for f in /proc/$1/fd/*; do echo "${f##*/} $(readlink "$f")"; done; }
# inode of the pipe a piped logger reads (its stdin)
pipe_of() { readlink /proc/$(pgrep -f -x "/usr/bin/tee -a $1")/fd/0; }
forged() { grep -l FORGED $L/* 2>/dev/null | tr '\n' ' '; }
# log_has FILE REGEX: FILE's text once it matches REGEX (a log line is written after the
# answer, a piped logger's later still), or as it is after 5 s
log_has() {
	local i
	for i in $(seq 1 50); do grep -qE "$2" "$1" 2>/dev/null && break; sleep 0.1; done
	cat "$1"
}

apache2 -f $T/httpd.conf -k start
for i in $(seq 1 50); do get a.test /page.txt >/dev/null && break; sleep 0.1; done
is "the server starts and a serves" "$(get a.test /page.txt)" "a's page"

# The attack: a program b runs writes to every descriptor it has.
out=$(get b.test "/fds.php?names=1")
like "b's program ran" "$out" "fd 0 "
unlike "  ...it inherited no log, pipe or socket of the server" "$out" \
	"fd ([3-9]|[0-9]{2,}) ($L|pipe:|socket:|/tmp/\.Zend)"
unlike "  ...and could write to nothing above stderr but what it opened itself" \
	"$(grep '^wrote' <<<"$out")" "wrote"
# (A line it wrote to the shared logger's pipe would be before the request's own line there.)
log_has $L/main-piped.log "b.test 200 /fds.php" >/dev/null
is "  ...no log has its line: not a's, not b's, not the server's" "$(forged)" ""

wb=$(worker_of sflgb)
wfds=$(fds_of "$wb")
like "b's worker is found" "$wb" "^[0-9]+$"
unlike "  ...it holds none of a's logs (files)" "$wfds" "$L/a-"
apipe=$(pipe_of $L/a-piped.log)
unlike "  ...nor the pipe to a's piped logger ($apipe)" "$wfds" "${apipe//[\[\]]/.}"
like "  ...but its own access log, the shared logs and the pipe to its piped error log" "$wfds" \
	"$L/b-access.log.*$L/main.log|$L/main.log.*$L/b-access.log"
like "  ...  (the pipe)" "$wfds" "$(pipe_of $L/b-error.log | sed 's/[][]/./g')"
# (The read ends Apache closes itself in each child, through its own handles.)
missing=$(comm -23 <(fds_of "$(cat $T/httpd.pid)" | grep -E " ($L/|pipe:)" | cut -d' ' -f1 |
	while read -r n; do [[ $(stat -c %A /proc/$(cat $T/httpd.pid)/fd/$n) == l-w* ]] && echo $n
	done | sort) <(fds_of "$wb" | cut -d' ' -f1 | sort) | tr '\n' ' ')
is "  ...yet every number the parent's logs have is taken in it (/dev/null where not its own: \
Apache still holds them and closes them by number before it execs a CGI script)" "$missing" ""
unlike "  ...and no pipe's read end" "$(for f in /proc/$wb/fd/*; do
	[[ $(stat -L -c %F "$f") == fifo ]] && [[ $(stat -c %A "$f") == lr* ]] && echo "read end $f"
done)" "read end"

for d in $(dispatchers); do
	dfds=$(fds_of "$d")
	unlike "dispatcher $d holds no log but the main error log, no pipe, no module's file" \
		"$dfds" "$L/[^e]|$L/e[^r]|pipe:|Zend"
done

# a on b's kept-alive connection: 421, never a's script in b's worker.
out=$(raw "GET /page.txt HTTP/1.1\r\nHost: b.test\r\n\r\nGET /page.txt HTTP/1.1\r\nHost: a.test\r\n\r\n")
like "a request for a on b's connection: 421" "$out" "b's page.*HTTP/1.1 421"
unlike "  ...a's ErrorDocument script did not run in b's worker" "$out" "run by uid"
for bad in "GET /x HTTP/1.1\r\nNoColon\r\n\r\n" "GET /x HTTP/1.1\r\n\r\n" \
	"GET /$(head -c 9000 /dev/zero | tr '\0' x) HTTP/1.1\r\nHost: b.test\r\n\r\n" \
	"GET /x HTTP/1.1\r\nHost: b.test\r\nTransfer-Encoding: bogus\r\n\r\n"; do
	out=$(raw "GET /page.txt HTTP/1.1\r\nHost: b.test\r\n\r\n$bad")
	like "a bad head on b's connection (${bad:0:24}...): refused" "$out" \
		"b's page.*HTTP/1.1 (400|414)"
	unlike "  ...and a's (the default vhost's) ErrorDocument script did not run" "$out" \
		"run by uid"
done
like "a's own ErrorDocument still runs, as a" "$(get a.test /nothing)" \
	"error document of a run by uid $(id -u sflga)"
like "the request for a that b's worker refused is in b's log" \
	"$(log_has $L/b-access.log "421 /page.txt")" "421 /page.txt"
is "  ...and not in a's (b's worker cannot write a's log)" "$(grep -c ' 421 ' $L/a-access.log)" "0"

# A CGI script's stdout is a pipe made after the worker started: APR closes the numbers of the
# files Apache knows before it execs the script, so no such number may have been reused.
is "a's CGI script answers (its stdout is not a number Apache closes before the exec)" \
	"$(get a.test /t.cgi)" "CGI of a, uid $(id -u sflga)"

# Nothing lost: every log of its own gets its lines.
both="a.test 200.*b.test 200|b.test 200.*a.test 200"
like "a's access log has a's requests" "$(log_has $L/a-access.log "a.test 200 /page.txt")" \
	"a.test 200 /page.txt"
like "a's piped log too" "$(log_has $L/a-piped.log "a.test 200 /page.txt")" "a.test 200 /page.txt"
like "b's access log has b's requests" "$(log_has $L/b-access.log "b.test 200 /fds.php")" \
	"b.test 200 /fds.php"
like "the shared logs have both sites'" "$(log_has $L/main-piped.log "$both")" "$both"

# A graceful restart: the new generation's children keep to the same rules.
apache2 -f $T/httpd.conf -k graceful
for i in $(seq 1 50); do
	[[ $(grep -c "resuming normal operations" $L/error.log) -ge 2 ]] && break
	sleep 0.1
done
sleep 0.5
out=$(get b.test "/fds.php?names=1")
like "after a graceful restart b's program runs" "$out" "fd 0 "
for i in $(seq 1 50); do
	(($(grep -c "b.test 200 /fds.php" $L/main-piped.log) >= 2)) && break
	sleep 0.1
done
is "  ...and still reaches no log" "$(forged)" ""
unlike "  ...and b's new worker holds none of a's logs" \
	"$(fds_of "$(worker_of sflgb)")" "$L/a-|${apipe//[\[\]]/.}"
is "  ...a is served" "$(get a.test /after.txt)" "a's page"
like "  ...and logged, through its piped logger as well" \
	"$(log_has $L/a-piped.log "/after.txt")" "a.test 200 /after.txt"

[[ -n ${KEEP-} ]] && { echo "# kept $T"; trap - EXIT; }
tap_plan
