#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/install/guest_install.sh — the installation as an administrator does it, in the test
# guest: `make install`, the installed sitefenced with the installed config, the MPM and mod_php
# enabled the Debian way (a2dismod/a2enmod mpm_sitefence php_sitefence) with two sites from
# sites-available, and Apache started with apache2ctl. Both sites must serve PHP as their own
# user, one must not read the other's world-readable file, the denial must reach the installed
# audit log with the site's name, and the installed logrotate file must rotate that log. The
# sites live on a tmpfs of their own, not on the guest's overlay.
#
# The guest runs the other guest tests after this one (tests/mpm sorts after tests/install), so
# everything is put back at the end: Apache's enabled modules and sites, `make uninstall`, the
# users, the directories made here. Prints TAP, the plan last.
#
# In a guest booted with systemd (SF_VM_SYSTEMD=1: tests/install/systemd_install.sh) the same
# runs through the installed units: systemctl starts, reloads and restarts sitefence.service,
# Apache starts as apache2.service with the drop-in, and logrotate's postrotate takes its
# systemctl branch.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"

[[ ${SF_VM-} == 1 ]] || { echo "1..0 # SKIP runs in the test guest (tests/vm/run)"; exit 0; }

T=$(mktemp -d /run/sf-install.XXXXXX)	# /run is a tmpfs in the guest, as on a booted host
SITES=/srv/sfinstall
A=a.install.test
B=b.install.test
AUDIT=/var/log/sitefence/audit.log
MODS_ENABLED=/etc/apache2/mods-enabled
# What Debian may have enabled in place of our MPM; a2dismod takes them in this order.
OTHERS="php8.2 mpm_itk mpm_prefork mpm_event mpm_worker"

# ---- TAP -------------------------------------------------------------------------------------
TAP_TIMES=1
. "$ROOT/tests/lib/tap.sh"
. "$ROOT/tests/lib/audit.sh"

# ---- what is here before, to put back --------------------------------------------------------
# Copies of the state a2enmod and a2ensite change, and which of our places already exist.
cp -a /etc/apache2 "$T/etc-apache2"
[[ -d /var/lib/apache2 ]] && cp -a /var/lib/apache2 "$T/var-lib-apache2"
was_enabled=
for m in $OTHERS; do [[ -L $MODS_ENABLED/$m.load ]] && was_enabled+="$m "; done
existed=
for d in /var/log/sitefence /var/lib/sitefence /etc/sitefence; do
	[[ -e $d ]] && existed+="$d "
done
made_users=
daemon=
SYSTEMD=${SF_VM_SYSTEMD:-0}

cleanup() {
	local i
	if [[ $SYSTEMD == 1 ]]; then
		systemctl stop apache2.service sitefence.service >/dev/null 2>&1
		daemon=
	fi
	if [[ -s /run/apache2/apache2.pid ]]; then
		apache2ctl stop >/dev/null 2>&1
		for i in $(seq 1 100); do
			pgrep -x apache2 >/dev/null || pgrep -f '^sitefence: ' >/dev/null || break
			sleep 0.1
		done
	fi
	if [[ -n $daemon ]]; then
		kill "$daemon" 2>/dev/null
		wait "$daemon" 2>/dev/null
		daemon=
	fi
	for s in sfi-a sfi-b; do
		[[ -L /etc/apache2/sites-enabled/$s.conf ]] && a2dissite -q $s >/dev/null
		rm -f /etc/apache2/sites-available/$s.conf
	done
	for m in php_sitefence mpm_sitefence; do
		[[ -L $MODS_ENABLED/$m.load ]] && a2dismod -q $m >/dev/null
	done
	# The MPM first: php8.2 and mpm_itk depend on prefork.
	for m in mpm_prefork mpm_event mpm_worker $was_enabled; do
		[[ " $was_enabled " == *" $m "* ]] && a2enmod -q $m >/dev/null
	done
	make --no-print-directory uninstall >"$T/uninstall.out" 2>&1
	echo $? >"$T/uninstall.rc"
	mountpoint -q $SITES && umount $SITES
	rmdir $SITES 2>/dev/null
	for u in $made_users; do userdel $u 2>/dev/null; done
	for d in /var/log/sitefence /var/lib/sitefence /etc/sitefence; do
		[[ " $existed " == *" $d "* ]] || rm -rf $d
	done
}

# Whatever the orderly undo missed: the copies win, so that later tests start from the same place.
restore() {
	if ! diff -r --no-dereference "$T/etc-apache2" /etc/apache2 >/dev/null 2>&1; then
		rm -rf /etc/apache2 && cp -a "$T/etc-apache2" /etc/apache2
	fi
	if [[ -d $T/var-lib-apache2 ]]; then
		rm -rf /var/lib/apache2 && cp -a "$T/var-lib-apache2" /var/lib/apache2
	fi
	rm -rf "$T"
}

# bail NAME DETAIL...: a failure the rest cannot go on from.
bail() {
	not_ok "$@"
	cleanup
	restore
	tap_plan
	exit 1
}

# ---- install ---------------------------------------------------------------------------------
# Another test's daemon may still hold the instance lock.
pkill -x sitefenced && sleep 0.5
out=$(make --no-print-directory install 2>&1)
[[ $? == 0 ]] || bail "make install" "$out"
ok "make install"
check "  ...puts sitefenced, its config, the module and its mods-available files in place" \
	test -x /usr/sbin/sitefenced -a -f /etc/sitefence/sitefenced.conf \
	-a -f "$(apxs -q LIBEXECDIR)/mod_mpm_sitefence.so" \
	-a -f /etc/apache2/mods-available/mpm_sitefence.load \
	-a -f /etc/apache2/mods-available/php_sitefence.conf

# ---- sitefenced: by its unit, or as the unit would start it ---------------------------------
if [[ $SYSTEMD == 1 ]]; then
	systemctl daemon-reload
	out=$(systemctl start sitefence.service 2>&1)
	rc=$?
	# Type=notify: start returns only after READY=1, which comes once the socket listens.
	[[ $rc == 0 && -S /run/sitefence/control.sock ]] ||
		bail "systemctl start sitefence returns once sitefenced is ready" "$out" \
			"$(journalctl -u sitefence.service --no-pager 2>&1 | tail -n 20)"
	ok "systemctl start sitefence returns once sitefenced is ready"
	daemon=$(systemctl show -p MainPID --value sitefence.service)
	is "  ...and the unit's main process is the installed sitefenced" \
		"$(readlink /proc/$daemon/exe)" /usr/sbin/sitefenced
	# Apache's drop-in must pull the daemon in and wait for it: stopped now, it has to be
	# started (and ready: the MPM refuses to start without it) when Apache is.
	systemctl stop sitefence.service
else
	/usr/sbin/sitefenced 2>>"$T/sitefenced.log" &
	daemon=$!
	for i in $(seq 1 1200); do
		[[ -S /run/sitefence/control.sock ]] && break
		kill -0 $daemon 2>/dev/null || break
		sleep 0.1
	done
	[[ -S /run/sitefence/control.sock ]] ||
		bail "the installed sitefenced starts with the installed config" \
			"$(cat "$T/sitefenced.log")"
	ok "the installed sitefenced starts with the installed config"
fi

# ---- two sites on their own tmpfs ------------------------------------------------------------
mkdir -p $SITES
mountpoint -q $SITES || mount -t tmpfs -o mode=755 sfinstall $SITES
for u in sfa sfb; do
	# As tests/mpm/env.sh makes them, should they stay behind.
	id $u >/dev/null 2>&1 || { useradd -M -d /srv/www/home-$u -s /usr/sbin/nologin $u &&
		made_users+="$u "; }
done
mkdir -p $SITES/a $SITES/b
cp tests/mpm/php/whoami.php tests/mpm/php/read.php $SITES/a/
cp tests/mpm/php/whoami.php tests/mpm/php/read.php $SITES/b/
echo "a's page" >$SITES/a/page.txt
echo "secret of b" >$SITES/b/secret.txt
chown -R sfa:sfa $SITES/a
chown -R sfb:sfb $SITES/b
chmod 0644 $SITES/b/secret.txt

site_conf() { # NAME DIR USER
	cat <<EOF
# A site of tests/install/guest_install.sh.
<VirtualHost *:80>
	ServerName $1
	DocumentRoot $2
	AssignUserID $3 $3
	# Debian's apache2.conf denies every directory outside /var/www and /usr/share.
	<Directory $2>
		Require all granted
	</Directory>
</VirtualHost>
EOF
}
site_conf $A $SITES/a sfa >/etc/apache2/sites-available/sfi-a.conf
site_conf $B $SITES/b sfb >/etc/apache2/sites-available/sfi-b.conf

# ---- Apache, the Debian way ------------------------------------------------------------------
dis=
for m in $OTHERS; do [[ -L $MODS_ENABLED/$m.load ]] && dis+="$m "; done
out=$( { [[ -z $dis ]] || a2dismod -q $dis; } 2>&1 && a2enmod -q mpm_sitefence php_sitefence 2>&1 &&
	a2ensite -q sfi-a sfi-b 2>&1)
is "a2dismod ${dis}&& a2enmod mpm_sitefence php_sitefence && a2ensite" "$?" 0
like "  ...leaves only our MPM and mod_php enabled" \
	"$(cd $MODS_ENABLED && ls | grep -E '^(mpm_|php)' | tr '\n' ' ')" \
	"^mpm_sitefence.conf mpm_sitefence.load php_sitefence.conf php_sitefence.load $"
out=$(apache2ctl configtest 2>&1)
like "apache2ctl configtest accepts the configuration" "$out" "Syntax OK"
if [[ $SYSTEMD == 1 ]]; then
	out=$(systemctl start apache2.service 2>&1; journalctl -u apache2.service --no-pager 2>&1 |
		tail -n 10)
	rc=$(systemctl is-active -q apache2.service; echo $?)
else
	out=$(apache2ctl start 2>&1)
	rc=$?
fi
for i in $(seq 1 300); do
	[[ -s /run/apache2/apache2.pid ]] &&
		curl -s -m 10 --resolve $A:80:127.0.0.1 http://$A/page.txt >/dev/null && break
	sleep 0.1
done
[[ $rc == 0 && -s /run/apache2/apache2.pid ]] ||
	bail "Apache starts with mpm_sitefence" "$out" \
		"$(tail -n 20 /var/log/apache2/error.log 2>/dev/null)"
if [[ $SYSTEMD == 1 ]]; then
	ok "systemctl start apache2 starts Apache with mpm_sitefence"
	is "  ...and, through the drop-in, sitefence.service before it" \
		"$(systemctl is-active sitefence.service)" active
	daemon=$(systemctl show -p MainPID --value sitefence.service)
else
	ok "apache2ctl start starts Apache with mpm_sitefence"
fi

get() { curl -s -m 30 --resolve "$1:80:127.0.0.1" "http://$1$2"; }

# ---- the sites, the fence, the audit log -----------------------------------------------------
is "$A serves PHP as sfa" "$(get $A /whoami.php)" "$(id -u sfa) $(id -g sfa)"
is "$B serves PHP as sfb" "$(get $B /whoami.php)" "$(id -u sfb) $(id -g sfb)"
is "$A reads its own file" "$(get $A "/read.php?f=$SITES/a/page.txt")" "a's page"
is "$B reads its own world-readable secret" "$(get $B "/read.php?f=$SITES/b/secret.txt")" \
	"secret of b"
mark=$(stat -c %s $AUDIT 2>/dev/null || echo 0)
is "$A cannot read $B's world-readable secret" "$(get $A "/read.php?f=$SITES/b/secret.txt")" \
	"DENIED"
# audit_has FRAGMENT...: a line after $mark with every fragment (waits up to 10 s)
audit_has() { log_has_after $AUDIT "$mark" 100 "$@"; }
check "  ...and the denial is in $AUDIT with the site's name" \
	audit_has '"site":"'$A'"' '"verdict":"deny"' "\"path\":\"$SITES/b/secret.txt\""
like "  ...where the installed sitefence-audit finds it" \
	"$(/usr/sbin/sitefence-audit --site $A --path "$SITES/b/*" 2>&1)" "secret\.txt"
is "the audit log is 0640 in a 0750 directory" \
	"$(stat -c %a /var/log/sitefence) $(stat -c %a $AUDIT)" "750 640"
out=$(/usr/sbin/sitefencectl sites 2>&1)
like "sitefencectl lists both sites" "$out" "$A.*$B|$B.*$A"

# ---- reload and rotation, as the unit and logrotate do them ----------------------------------
mark=$(stat -c %s $AUDIT)
if [[ $SYSTEMD == 1 ]]; then
	systemctl reload sitefence.service
	check "systemctl reload sitefence reloads the installed config" \
		audit_has '"event":"reload"' 'applied'
else
	kill -HUP $daemon
	check "SIGHUP (ExecReload) reloads the installed config" \
		audit_has '"event":"reload"' 'applied'
fi
if command -v logrotate >/dev/null; then
	out=$(logrotate -f -s "$T/logrotate.state" /etc/logrotate.d/sitefence 2>&1)
	is "logrotate rotates the audit log with the installed file" "$out" ""
	sleep 1
	mark=0
	get $A "/read.php?f=$SITES/b/secret.txt" >/dev/null
	check "  ...and sitefenced, told by postrotate, writes the next denial to the new file" \
		audit_has '"site":"'$A'"' secret.txt
	like "  ...while the earlier one is in audit.log.1" \
		"$(grep -c secret.txt $AUDIT.1 2>/dev/null)" '^[1-9]'
else
	skip "logrotate rotates the audit log with the installed file" "no logrotate"
fi

if [[ $SYSTEMD == 1 ]]; then
	apache=$(systemctl show -p MainPID --value apache2.service)
	systemctl restart sitefence.service
	is "systemctl restart sitefence leaves Apache running (Wants=, not Requires=)" \
		"$(systemctl show -p MainPID --value apache2.service) $(systemctl is-active sitefence.service)" \
		"$apache active"
	mark=$(stat -c %s $AUDIT)
	is "  ...the fence still denies" "$(get $A "/read.php?f=$SITES/b/secret.txt")" "DENIED"
	check "  ...and the new daemon logs it" audit_has '"site":"'$A'"' secret.txt
fi

# ---- back to how it was ----------------------------------------------------------------------
cleanup
# Workers are titled "sitefence: SITE ..."; anchored, the pattern cannot match this shell.
stopped() { ! pgrep -x apache2 && ! pgrep -x sitefenced && ! pgrep -f '^sitefence: '; } >/dev/null
check "Apache, its workers and sitefenced are stopped" stopped
mods_now=$(ls -l $MODS_ENABLED | awk '{print $9, $11}')
mods_then=$(ls -l "$T/etc-apache2/mods-enabled" | awk '{print $9, $11}')
is "Apache's enabled modules are as before" "$mods_now" "$mods_then"
is "  ...and its sites" "$(cd /etc/apache2 && ls sites-enabled sites-available)" \
	"$(cd "$T/etc-apache2" && ls sites-enabled sites-available)"
is "make uninstall succeeds" "$(cat "$T/uninstall.rc")" 0
check "  ...and removes the daemon, its config and the module" \
	test ! -e /usr/sbin/sitefenced -a ! -e /etc/sitefence \
	-a ! -e /etc/apache2/mods-available/mpm_sitefence.load \
	-a ! -e "$(apxs -q LIBEXECDIR)/mod_mpm_sitefence.so"
is "/etc/apache2 is as it was" \
	"$(diff -r --no-dereference "$T/etc-apache2" /etc/apache2 2>&1)" ""
restore

tap_plan
