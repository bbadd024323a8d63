#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/mpm/host_config.sh — mpm_sitefence's configuration, on the host (no fence needed):
# itk's directives, the refused ones with their reasons, bad values with file and line, the
# OPcache guard, and refusing to start without sitefenced unless told "SitefenceFence off".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MODULE=$ROOT/build/mod_mpm_sitefence.so
# Not below /tmp: each site sees a private /tmp of its own (a test below checks the refusal).
T=$(mktemp -d /var/tmp/sf-mpmconf.XXXXXX)
PORT=$((20000 + RANDOM % 20000))
trap 'apache2 -f $T/httpd.conf -k stop >/dev/null 2>&1; sleep 0.5; rm -rf $T' EXIT

. "$ROOT/tests/lib/tap.sh"

mkdir -p $T/a $T/logs
id sfconf >/dev/null 2>&1 || useradd -M -d /nonexistent -s /usr/sbin/nologin sfconf

# conf EXTRA-SERVER-LINES EXTRA-VHOST-LINES
conf() {
	cat >$T/httpd.conf <<EOF
ServerRoot $T
ServerName localhost
LoadModule mpm_sitefence_module $MODULE
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
User www-data
Group www-data
Listen 127.0.0.1:$PORT
PidFile $T/httpd.pid
ErrorLog $T/logs/error.log
SitefenceSocket $T/no-such.sock
SitefencePrivateDir $T/private
$1
<VirtualHost *:$PORT>
  ServerName a.test
  DocumentRoot $T/a
  AssignUserID sfconf sfconf
$2
</VirtualHost>
EOF
}
configtest() { apache2 -f $T/httpd.conf -t 2>&1; }
# lineof TEXT: the config line that holds TEXT (to expect it in the error)
lineof() { grep -n -m1 -F "$1" $T/httpd.conf | cut -d: -f1; }

conf "" ""
like "a plain itk-style config is accepted" "$(configtest)" "Syntax OK"

conf "" "  MaxClientsVHost 4
  NiceValue 5
  SitefenceMode audit
  SitefenceAllow /var/lib/shop rw
  SitefenceHardlinks on"
like "MaxClientsVHost, NiceValue and sitefence's site directives are accepted" \
	"$(configtest)" "Syntax OK"

conf "LimitUIDRange 1000 60000
LimitGIDRange 1000 60000
EnableCapabilities off" ""
like "LimitUIDRange, LimitGIDRange, EnableCapabilities off are accepted" "$(configtest)" \
	"Syntax OK"

conf "" "  AssignUserIDExpr %{reqenv:owner}"
like "AssignUserIDExpr is refused with its reason and line" "$(configtest)" \
	"line $(lineof AssignUserIDExpr) of $T/httpd.conf:.*AssignUserIDExpr cannot work with mpm_sitefence: it picks a user per request"
conf "" "  AssignGroupIDExpr %{reqenv:group}"
like "AssignGroupIDExpr is refused" "$(configtest)" "AssignGroupIDExpr cannot work with mpm_sitefence"

conf "" "  <Directory $T/a/sub>
    AssignUserID sfconf sfconf
  </Directory>"
like "AssignUserID inside <Directory> is refused, saying what to do instead" "$(configtest)" \
	"line $(lineof "    AssignUserID") of .*give each user's part its own ServerName"

conf "" "  MaxClientsVHost many"
like "a bad MaxClientsVHost names the value and the range" "$(configtest)" \
	"line $(lineof "MaxClientsVHost many") of .*MaxClientsVHost: 'many' is not a whole number from 1 to"
conf "" "  MaxClientsVHost 0"
like "MaxClientsVHost 0 is rejected, not clamped" "$(configtest)" "MaxClientsVHost: '0' is not"
conf "" "  NiceValue 40"
like "NiceValue out of range is rejected" "$(configtest)" "NiceValue: '40' is not a whole number from -20 to 19"
conf "LimitUIDRange 5000 1000" ""
like "LimitUIDRange backwards is rejected" "$(configtest)" "LimitUIDRange: 5000 is above 1000"
conf "" "  SitefenceAllow /var/lib/x rwz"
like "SitefenceAllow with a bad access letter is rejected" "$(configtest)" "access 'rwz' is not letters"
conf "" "  SitefenceAllow relative/dir"
like "SitefenceAllow with a relative path is rejected" "$(configtest)" "not a clean absolute path"
conf "SitefenceIdleTimeout forever" ""
like "a bad duration is rejected" "$(configtest)" "SitefenceIdleTimeout: 'forever' is not a duration"
conf "EnableCapabilities on" ""
like "EnableCapabilities on is refused" "$(configtest)" "never keep capabilities"
conf "" "  AssignUserID no-such-user sfconf"
like "an unknown user is rejected" "$(configtest)" "AssignUserID: no such user 'no-such-user'"
conf "" "  AssignUserID root root"
like "AssignUserID root is refused" "$(configtest)" "a site never runs as root"
conf "LimitUIDRange 1 10" ""
like "a site outside LimitUIDRange is refused at configtest" "$(configtest)" \
	"site a.test: uid [0-9]+ is outside LimitUIDRange 1 10"
conf "MaxRequestWorkers 100
ServerLimit 50" ""
like "MaxRequestWorkers above ServerLimit is refused, not clamped" "$(configtest)" \
	"MaxRequestWorkers 100 plus SitefenceDispatchers 2 is more than ServerLimit 50"

cat >>$T/dup.conf <<EOF
EOF
conf "" ""
cat >>$T/httpd.conf <<EOF
<VirtualHost *:$PORT>
  ServerName a.test
  DocumentRoot $T/a
  AssignUserID www-data www-data
</VirtualHost>
EOF
like "one site (ServerName) with two users is refused, naming both places" "$(configtest)" \
	"httpd.conf:[0-9]+: site a.test runs as uid .* at $T/httpd.conf:[0-9]+: one site \\(ServerName\\), one AssignUserID"

conf "" ""
cat >>$T/httpd.conf <<EOF
<VirtualHost *:$PORT>
  ServerName A.Test
  DocumentRoot $T/a
  AssignUserID www-data www-data
</VirtualHost>
EOF
like "  ...also when the names differ only in case" "$(configtest)" \
	"site [aA]\\.[tT]est runs as uid .* one site \\(ServerName\\), one AssignUserID"

conf "" "  SitefenceAllow /tmp/shared rw"
like "a site root below /tmp (hidden by the private /tmp) is refused, saying why" \
	"$(configtest)" "site a.test uses /tmp/shared, but each site sees its own private /tmp"

conf "LoadModule php_module /usr/lib/apache2/modules/libphp8.2.so" ""
like "mod_php without the OPcache settings is refused, saying which to add" "$(configtest)" \
	"php_admin_flag opcache.validate_permission on"
conf "LoadModule php_module /usr/lib/apache2/modules/libphp8.2.so
php_admin_flag opcache.validate_permission on
php_admin_flag opcache.validate_root on
php_admin_value opcache.restrict_api /nonexistent-sitefence/" ""
like "mod_php with the OPcache settings is accepted" "$(configtest)" "Syntax OK"

conf "LoadModule cgid_module /usr/lib/apache2/modules/mod_cgid.so
SitefenceFence off" ""
like "mod_cgid without the fence is refused, saying to use mod_cgi" "$(configtest)" \
	"mod_cgid is loaded: its daemon would run every site's CGI scripts as User.*load mod_cgi instead"
conf "LoadModule cgid_module /usr/lib/apache2/modules/mod_cgid.so" ""
like "mod_cgid with the fence is accepted, with a warning that sites cannot use it" \
	"$(configtest)" "mod_cgid is loaded: its daemon is outside every site.*Syntax OK"
conf "LoadModule cgi_module /usr/lib/apache2/modules/mod_cgi.so
SitefenceFence off" ""
like "mod_cgi is accepted" "$(configtest)" "^Syntax OK$"

conf "Mutex sysvsem default" ""
like "Mutex sysvsem is refused: each site's workers have SysV IPC of their own" "$(configtest)" \
	"line $(lineof "Mutex sysvsem") of $T/httpd.conf: Mutex sysvsem default: each site's workers have SysV IPC of their own"
conf "Mutex pthread default" ""
like "  ...Mutex pthread is accepted" "$(configtest)" "^Syntax OK$"

# start_and_wait: apache2 -k start, then let the daemon get to serving or to giving up.
start_and_wait() {
	rm -f $T/httpd.pid $T/logs/error.log
	apache2 -f $T/httpd.conf -k start 2>&1
	for i in $(seq 1 50); do
		grep -qE "resuming normal operations|exiting" $T/logs/error.log 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.3
}

conf "" ""
out=$(start_and_wait; cat $T/logs/error.log 2>/dev/null)
like "without sitefenced the server refuses to start, saying what to do" "$out" \
	"cannot reach sitefenced at $T/no-such.sock.*SitefenceFence off"
if [[ -s $T/httpd.pid ]] && kill -0 "$(cat $T/httpd.pid)" 2>/dev/null; then
	not_ok "  ...and it is not running"
else
	ok "  ...and it is not running"
fi

conf "SitefenceFence off" ""
start_and_wait >/dev/null
out=$(cat $T/logs/error.log)
like "SitefenceFence off starts, and says loudly that the fence is not in force" "$out" \
	"SitefenceFence off: sites are separated by unix users only, the kernel fence is NOT in force"
body=$(curl -s -m 10 -H 'Host: a.test' http://127.0.0.1:$PORT/ -o /dev/null -w '%{http_code}')
like "  ...and serves" "$body" "^(403|404|200)$"
apache2 -f $T/httpd.conf -k stop >/dev/null 2>&1

# start_with_sites USER SITE...: (fence off) start with a vhost SITE.test run as USER for each
# SITE, once the last server has let go of the port; prints what start_and_wait does.
start_with_sites() {
	local user=$1 s i sites=""
	shift
	for s in "$@"; do
		mkdir -p $T/$s
		sites+="<VirtualHost *:$PORT>
  ServerName $s.test
  DocumentRoot $T/$s
  AssignUserID $user $user
</VirtualHost>
"
	done
	for i in $(seq 1 50); do ss -ltn | grep -q ":$PORT " || break; sleep 0.1; done
	conf "SitefenceFence off
$sites" ""
	start_and_wait
}

# Sites sharing a user with a home leave the home out, and say so: once for the user, not once
# per site (a reseller's thousand sites would fill the start's output).
id sfconfhome >/dev/null 2>&1 ||
	useradd -M -d /var/lib/sitefence-test-home -s /usr/sbin/nologin sfconfhome
out=$(start_with_sites sfconfhome b c d e)
like "four sites sharing a user: its home is left out of them..." "$out" \
	"shares uid $(id -u sfconfhome) with 3 other sites, .\.test among them: the home /var/lib/sitefence-test-home is part of none"
is "  ...said once, not once per site" "$(grep -c 'shares uid' <<<"$out")" 1
apache2 -f $T/httpd.conf -k stop >/dev/null 2>&1

# A user in more groups than the first guess of getgrouplist (64), with two sites: its
# workers get the first 32, and the cut is said once. The groups go when the test ends.
MANY=70
id sfconfmany >/dev/null 2>&1 ||
	useradd -M -d /nonexistent -s /usr/sbin/nologin sfconfmany
for i in $(seq -w 1 $MANY); do
	getent group sfcg$i >/dev/null || groupadd sfcg$i
done
usermod -aG "$(seq -s, -f 'sfcg%02g' 1 $MANY)" sfconfmany
trap 'apache2 -f $T/httpd.conf -k stop >/dev/null 2>&1; sleep 0.5; rm -rf $T
	for i in $(seq -w 1 $MANY); do groupdel sfcg$i 2>/dev/null; done
	userdel sfconfmany 2>/dev/null' EXIT
out=$(start_with_sites sfconfmany m n)
like "a user in $((MANY + 1)) groups: its workers get the first 32, and the log says so..." \
	"$out" "site .\\.test: user sfconfmany has $((MANY + 1)) groups; its workers get the first 32 \(so do its other sites'\)"
is "  ...once, not once per site" "$(grep -c 'groups; its workers' <<<"$out")" 1
apache2 -f $T/httpd.conf -k stop >/dev/null 2>&1

# A dispatcher that cannot start (here: /dev/null, which it needs to put in place of the
# server's logs, is read-only in the server's mount namespace) exits saying why, and the
# parent tries again once a second instead of as fast as it can fork; once the cause is gone
# the next one starts and the server serves.
for i in $(seq 1 50); do ss -ltn | grep -q ":$PORT " || break; sleep 0.1; done
conf "SitefenceFence off" ""
rm -f $T/logs/error.log
touch $T/null
unshare -m --propagation private sh -c "mount --bind $T/null /dev/null &&
	mount -o remount,ro,bind /dev/null && exec apache2 -f $T/httpd.conf -DFOREGROUND" \
	</dev/null >/dev/null 2>&1 &
t0=$(date +%s%N)
for i in $(seq 1 50); do [[ -s $T/httpd.pid ]] && break; sleep 0.1; done
sleep 3
fails=$(grep -c "dispatcher: cannot close the server's other descriptors" $T/logs/error.log)
secs=$(( ($(date +%s%N) - t0 + 999999999) / 1000000000 ))
like "a dispatcher that cannot start says why" "$(cat $T/logs/error.log)" \
	"Read-only file system.*dispatcher: cannot close the server's other descriptors"
check "  ...and is tried again once a second, not in a loop ($fails tries in $secs s, 2 dispatchers)" \
	test "$fails" -ge 2 -a "$fails" -le $((2 * (secs + 1)))
is "  ...which the parent says once" \
	"$(grep -c 'a dispatcher could not start (see above): no connection is accepted without one; trying again every second' $T/logs/error.log)" 1
pid=$(cat $T/httpd.pid 2>/dev/null)
check "  ...and the server keeps running" kill -0 "$pid"
nsenter -t "$pid" -m umount /dev/null
for i in $(seq 1 50); do
	code=$(curl -s -m 2 -H 'Host: a.test' http://127.0.0.1:$PORT/ -o /dev/null -w '%{http_code}')
	[[ $code =~ ^(403|404|200)$ ]] && break
	sleep 0.1
done
like "  ...once the cause is gone, a dispatcher starts and the server serves" "$code" "^(403|404|200)$"
apache2 -f $T/httpd.conf -k stop >/dev/null 2>&1
for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done

tap_plan
