# SPDX-License-Identifier: GPL-2.0
# tests/mpm/env.sh — sourced by the MPM's guest tests: three PHP sites on a tmpfs of their own,
# sitefenced, and Apache with mpm_sitefence, mod_php and mod_ssl, all under /tmp/sfm.
#
#   a.test  user sfa   /srv/www/a      (also https)
#   b.test  user sfb   /srv/www/b      (also https)  — holds the secrets others try to reach
#   c.test  user sfa   /srv/www/c      — shares its user with a.test
#
# Plus TAP helpers: ok/not_ok/is/like, a summary at exit.

T=/tmp/sfm
WWW=/srv/www
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MODULE=$ROOT/build/mod_mpm_sitefence.so
SITEFENCED=$ROOT/build/sitefenced
HTTP=8080
HTTPS=8443
WILD=8090     # a wildcard listener: address-based vhosts, the local address from the kernel

# ---- TAP ----------------------------------------------------------------------------------
TAP_TIMES=1
. "$ROOT/tests/lib/tap.sh"
. "$ROOT/tests/lib/audit.sh"
finish() {
	stop_apache
	stop_sitefenced
	tap_plan
}

# ---- sites ----------------------------------------------------------------------------------
make_sites() {
	mkdir -p $WWW $T/logs $T/tls
	mountpoint -q $WWW || mount -t tmpfs -o mode=755 sfwww $WWW
	id sfa >/dev/null 2>&1 || useradd -M -d $WWW/home-sfa -s /usr/sbin/nologin sfa
	id sfb >/dev/null 2>&1 || useradd -M -d $WWW/home-sfb -s /usr/sbin/nologin sfb
	mkdir -p $WWW/a $WWW/b/bin $WWW/b/drop $WWW/c
	cp "$ROOT"/tests/mpm/php/*.php $WWW/a/
	cp "$ROOT"/tests/mpm/php/*.php $WWW/b/
	cp "$ROOT"/tests/mpm/php/*.php $WWW/c/
	echo "a's page" >$WWW/a/page.txt
	for s in a b c; do echo "site $s" >$WWW/$s/site.txt; done
	# A CGI script: its uid, then the first line of the file named by the query, or DENIED.
	cat >$WWW/a/probe.cgi <<'CGI'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n%s ' "$(id -u)"
head -n 1 "$QUERY_STRING" 2>/dev/null || echo DENIED
CGI
	chmod 755 $WWW/a/probe.cgi
	echo '<?php $db_password = "a-secret-password";' >$WWW/a/wp-config.php
	echo 'secret of b' >$WWW/b/secret.txt
	echo 'c file' >$WWW/c/file.txt
	echo 'anyone may write this' >$WWW/b/public-rw
	cp /usr/bin/true $WWW/b/bin/tool
	chown -R sfa:sfa $WWW/a $WWW/c
	chown -R sfb:sfb $WWW/b
	chmod 0666 $WWW/b/public-rw
	chmod 0777 $WWW/b/drop
	chmod 0644 $WWW/b/secret.txt $WWW/a/wp-config.php
	for s in a b; do
		[[ -f $T/tls/$s.crt ]] || openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
			-subj "/CN=$s.test" -keyout $T/tls/$s.key -out $T/tls/$s.crt 2>/dev/null
	done
}

# ---- sitefenced ------------------------------------------------------------------------------
start_sitefenced() {
	printf 'audit_log %s/audit.log\naudit_rate 1000\naudit_burst 1000\nsite_uid_min 33\n' \
		$T >$T/sitefenced.conf
	pkill -x sitefenced && sleep 0.5
	$SITEFENCED -f $T/sitefenced.conf 2>>$T/sitefenced.log &
	local i
	for i in $(seq 1 1200); do
		[[ -S /run/sitefence/control.sock ]] && return 0
		sleep 0.1
	done
	echo "# sitefenced did not start; its log:" && sed 's/^/#   /' $T/sitefenced.log
	return 1
}
stop_sitefenced() { pkill -x sitefenced; sleep 0.3; }

# ---- apache --------------------------------------------------------------------------------
# write_conf [EXTRA-LINES]: the server config, with EXTRA appended at server level.
# CGI_MOD=cgid: mod_cgid instead of mod_cgi.
write_conf() {
	local cgi=${CGI_MOD:-cgi}
	cat >$T/httpd.conf <<EOF
ServerRoot $T
ServerName localhost
LoadModule mpm_sitefence_module $MODULE
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule php_module /usr/lib/apache2/modules/libphp8.2.so
LoadModule socache_shmcb_module /usr/lib/apache2/modules/mod_socache_shmcb.so
LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so
LoadModule status_module /usr/lib/apache2/modules/mod_status.so
LoadModule ${cgi}_module /usr/lib/apache2/modules/mod_${cgi}.so
$([[ $cgi == cgid ]] && echo "ScriptSock /run/sfm-cgisock")
AddHandler cgi-script .cgi
<Directory $WWW>
  Options +ExecCGI
</Directory>
<Directory /var/www>
  Options +ExecCGI
</Directory>
TypesConfig /etc/mime.types
AddHandler application/x-httpd-php .php
DirectoryIndex index.php index.html
php_admin_flag opcache.validate_permission on
php_admin_flag opcache.validate_root on
php_admin_value opcache.restrict_api /nonexistent-sitefence/
User www-data
Group www-data
Listen 127.0.0.1:$HTTP
Listen 127.0.0.1:$HTTPS
Listen $WILD
PidFile $T/httpd.pid
ErrorLog $T/logs/error.log
LogLevel info
LogFormat "%v %h %r %>s" site
# Every vhost logs here too (GlobalLog), a.test also to a piped log of its own.
GlobalLog "|/usr/bin/tee -a $T/logs/piped.log" site
KeepAlive On
MaxRequestWorkers 40
SitefenceIdleTimeout 60
SitefenceQueueTimeout 3
${1-}
<Location /server-status>
  SetHandler server-status
</Location>
<VirtualHost 127.0.0.1:$HTTP>
  ServerName localhost
  DocumentRoot /var/www
</VirtualHost>
<VirtualHost 127.0.0.1:$HTTP>
  ServerName a.test
  ServerAlias www.a.test *.wild.a.test
  DocumentRoot $WWW/a
  AssignUserID sfa sfa
  CustomLog "|/usr/bin/tee -a $T/logs/a-piped.log" site
  ErrorDocument 404 /err.php
  ErrorDocument 421 /err.php
</VirtualHost>
<VirtualHost 127.0.0.1:$HTTP>
  ServerName b.test
  DocumentRoot $WWW/b
  AssignUserID sfb sfb
</VirtualHost>
<VirtualHost 127.0.0.1:$HTTP>
  ServerName c.test
  DocumentRoot $WWW/c
  AssignUserID sfa sfa
  MaxClientsVHost 1
</VirtualHost>
<VirtualHost 127.0.0.1:$HTTPS>
  ServerName a.test
  DocumentRoot $WWW/a
  AssignUserID sfa sfa
  SSLEngine on
  SSLCertificateFile $T/tls/a.crt
  SSLCertificateKeyFile $T/tls/a.key
</VirtualHost>
<VirtualHost 127.0.0.1:$HTTPS>
  ServerName b.test
  DocumentRoot $WWW/b
  AssignUserID sfb sfb
  SSLEngine on
  SSLCertificateFile $T/tls/b.crt
  SSLCertificateKeyFile $T/tls/b.key
</VirtualHost>
# On the wildcard port: an address-based vhost for 127.0.0.2, then name-based ones for every
# other address, the first of them the default.
<VirtualHost 127.0.0.2:$WILD>
  ServerName b.test
  DocumentRoot $WWW/b
  AssignUserID sfb sfb
</VirtualHost>
<VirtualHost *:$WILD>
  ServerName c.test
  DocumentRoot $WWW/c
  AssignUserID sfa sfa
</VirtualHost>
<VirtualHost *:$WILD>
  ServerName a.test
  DocumentRoot $WWW/a
  AssignUserID sfa sfa
</VirtualHost>
EOF
}

start_apache() {
	rm -f $T/httpd.pid
	apache2 -f $T/httpd.conf -k start || return 1
	local i
	for i in $(seq 1 300); do
		[[ -s $T/httpd.pid ]] && get a.test /page.txt >/dev/null && return 0
		sleep 0.1
	done
	return 1
}
stop_apache() {
	[[ -s $T/httpd.pid ]] || return 0
	apache2 -f $T/httpd.conf -k stop 2>/dev/null
	local i
	for i in $(seq 1 100); do
		pgrep -f "sitefence: " >/dev/null || break
		sleep 0.1
	done
	rm -f $T/httpd.pid
}
apache_pid() { cat $T/httpd.pid 2>/dev/null; }

# get HOST PATH [CURL-ARGS...]: body of http://HOST:8080/PATH (connecting to 127.0.0.1)
get() {
	local host=$1 path=$2
	shift 2
	curl -s -m 30 --resolve "$host:$HTTP:127.0.0.1" "$@" "http://$host:$HTTP$path"
}
# gets HOST PATH: the same over https (SNI = HOST)
gets() {
	local host=$1 path=$2
	shift 2
	curl -s -k -m 30 --resolve "$host:$HTTPS:127.0.0.1" "$@" "https://$host:$HTTPS$path"
}
# getw ADDR HOST PATH [CURL-ARGS...]: body of http://HOST:$WILD/PATH, connecting to ADDR
getw() {
	local addr=$1 host=$2 path=$3
	shift 3
	curl -s -m 30 --resolve "$host:$WILD:$addr" "$@" "http://$host:$WILD$path"
}
# status HOST PATH: the HTTP status code only
status() { get "$1" "$2" -o /dev/null -w '%{http_code}'; }

# ---- the audit log ---------------------------------------------------------------------------
audit_mark() { _mark=$(stat -c %s $T/audit.log 2>/dev/null || echo 0); }
# audit_has FRAGMENT...: a record after the mark with every fragment (waits up to 8 s)
audit_has() { log_has_after $T/audit.log "$_mark" 80 "$@"; }
audit_show() { tail -c +$((_mark + 1)) $T/audit.log | tail -n 5 | sed 's/^/#   audit: /'; }
