#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/install/host_install.sh — `make install` and `make uninstall` into a scratch DESTDIR, on
# the host: every file in its place with its mode and nothing else; the Apache .load names the
# installed module; the config passes `sitefenced -n` and documents every key; the unit, its
# Apache drop-in and the logrotate file are valid and rotate the log into names sitefence-audit
# reads; the man pages render; a changed config survives install and uninstall; PREFIX moves
# programs and man pages. Then the Debian way of enabling the MPM, on a copy of /etc/apache2
# (a2enmod honours APACHE_CONFDIR): the traps of php8.2's "Depends: mpm_prefork", and
# `apache2 -t` accepting the result. Prints TAP, the plan last.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export LC_ALL=C.UTF-8

T=$(mktemp -d /tmp/sf-install.XXXXXX)
fake=
cleanup() {
	[[ -n $fake ]] && kill "$fake" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

. "$ROOT/tests/lib/tap.sh"
finish() {
	tap_plan
	exit
}

# make_in DESTDIR [VAR=VALUE...] TARGET: run make quietly; its output in $out, status in $rc.
make_in() {
	local dest=$1
	shift
	out=$(make --no-print-directory DESTDIR="$dest" "$@" 2>&1)
	rc=$?
}

MODDIR=$(apxs -q LIBEXECDIR)
D=$T/root
# path mode: everything `make install` puts under DESTDIR with PREFIX=/usr.
EXPECTED="usr/sbin/sitefenced 755
usr/sbin/sitefencectl 755
usr/sbin/sitefence-audit 755
${MODDIR#/}/mod_mpm_sitefence.so 644
etc/apache2/mods-available/mpm_sitefence.load 644
etc/apache2/mods-available/mpm_sitefence.conf 644
etc/apache2/mods-available/php_sitefence.load 644
etc/apache2/mods-available/php_sitefence.conf 644
etc/sitefence/sitefenced.conf 644
lib/systemd/system/sitefence.service 644
lib/systemd/system/apache2.service.d/sitefence.conf 644
etc/logrotate.d/sitefence 644
usr/share/man/man8/sitefenced.8.gz 644
usr/share/man/man8/sitefencectl.8.gz 644
usr/share/man/man8/sitefence-audit.8.gz 644"

# ---- the tree --------------------------------------------------------------------------------
make_in "$D" install
if [[ $rc != 0 ]]; then
	not_ok "make install DESTDIR=... succeeds" "$out"
	finish
fi
ok "make install DESTDIR=... succeeds"

bad=
while read -r path mode; do
	if [[ ! -f $D/$path ]]; then
		bad+="missing: $path"$'\n'
	elif [[ $(stat -c %a "$D/$path") != "$mode" ]]; then
		bad+="$path: mode $(stat -c %a "$D/$path"), want $mode"$'\n'
	fi
done <<<"$EXPECTED"
is "every file is installed with its mode" "$bad" ""
is "nothing else is installed" "$(cd "$D" && find . -type f -o -type l | sed 's|^\./||' | sort)" \
	"$(cut -d' ' -f1 <<<"$EXPECTED" | sort)"
bad=
for f in usr/sbin/sitefenced usr/sbin/sitefencectl usr/sbin/sitefence-audit \
	"${MODDIR#/}/mod_mpm_sitefence.so"; do
	cmp -s "build/${f##*/}" "$D/$f" || bad+="$f "
done
is "the installed programs and module are the built ones" "$bad" ""

# ---- the Apache files ------------------------------------------------------------------------
load=$D/etc/apache2/mods-available/mpm_sitefence.load
is "mpm_sitefence.load loads the installed module" "$(grep '^LoadModule' "$load")" \
	"LoadModule mpm_sitefence_module $MODDIR/mod_mpm_sitefence.so"
is "  ...and tells a2enmod which MPMs conflict (its first line)" "$(head -n 1 "$load")" \
	"# Conflicts: mpm_event mpm_worker mpm_prefork"
nm -D --defined-only "$D/$MODDIR/mod_mpm_sitefence.so" | grep -qw mpm_sitefence_module
check "  ...whose module symbol is the one LoadModule names" test $? = 0
php=$D/etc/apache2/mods-available/php_sitefence.load
is "php_sitefence.load depends on mpm_sitefence, not prefork" \
	"$(grep -E '^# (Depends|Conflicts):' "$php")" \
	$'# Depends: mpm_sitefence\n# Conflicts: php8.2'
like "  ...and loads Debian's mod_php" "$(grep '^LoadModule' "$php")" \
	'^LoadModule php_module /usr/lib/apache2/modules/libphp8\.2\.so$'
conf=$(grep -v '^\s*#' "$D/etc/apache2/mods-available/php_sitefence.conf")
guard='php_admin_flag opcache\.validate_permission on.*'
guard+='php_admin_flag opcache\.validate_root on.*php_admin_value opcache\.restrict_api /'
like "php_sitefence.conf keeps Debian's php8.2.conf and adds the OPcache guard" "$conf" \
	"Include /etc/apache2/mods-available/php8\\.2\\.conf.*$guard"
mconf=$D/etc/apache2/mods-available/mpm_sitefence.conf
missing=
for d in SitefenceFence MaxRequestWorkers SitefenceDispatchers SitefenceIdleTimeout \
	SitefencePrivateDir; do
	grep -q "^\s*#$d " "$mconf" || missing+="$d "
done
is "mpm_sitefence.conf shows the main directives, commented out" "$missing" ""
unlike "  ...and sets nothing" "$(grep -v '^\s*#' "$mconf" | grep -v '^\s*$')" \
	'Sitefence|MaxRequestWorkers'

# ---- sitefenced.conf -------------------------------------------------------------------------
CONF=$D/etc/sitefence/sitefenced.conf
SFD=$D/usr/sbin/sitefenced
out=$("$SFD" -n -f "$CONF" 2>&1)
is "the installed config passes sitefenced -n" "$out" "configuration OK"
keys=$("$SFD" --dump-config -f "$CONF" | grep -Ev '^(#|global )' | cut -d' ' -f1 | sort)
documented=$(sed -En 's/^#([a-z_]+) .*/\1/p' "$CONF" | grep -vx global | sort)
is "every key is in the config as a commented line" "$documented" "$keys"
sed -E 's/^#([a-z_]+ |global )/\1/' "$CONF" >"$T/uncommented.conf"
: >"$T/empty.conf"
out=$("$SFD" -n -f "$T/uncommented.conf" 2>&1)
is "  ...whose values, uncommented, pass sitefenced -n" "$out" "configuration OK"
is "  ...and are the built-in defaults" \
	"$("$SFD" --dump-config -f "$T/uncommented.conf" | grep -Ev '^(#|global )')" \
	"$("$SFD" --dump-config -f "$T/empty.conf" | grep -Ev '^(#|global )')"
like "  ...with global examples that parse" \
	"$("$SFD" --dump-config -f "$T/uncommented.conf" | grep -v built-in | grep '^global ')" \
	'^global /'

# ---- systemd ---------------------------------------------------------------------------------
unit=$D/lib/systemd/system/sitefence.service
val() { sed -n "s/^$1=//p" "$unit"; }
is "the unit is Type=notify" "$(val Type)" notify
is "  ...starts /usr/sbin/sitefenced" "$(val ExecStart)" /usr/sbin/sitefenced
is "  ...reloads with SIGHUP" "$(val ExecReload)" '/bin/kill -HUP $MAINPID'
is "  ...comes before Apache" "$(val Before)" apache2.service
is "  ...restarts on failure" "$(val Restart)" on-failure
is "  ...is wanted by multi-user.target" "$(val WantedBy)" multi-user.target
if command -v systemd-analyze >/dev/null; then
	# The daemon is not at /usr/sbin on this host: that is the one complaint allowed.
	out=$(systemd-analyze verify --man=no "$unit" 2>&1 | grep -v 'sitefenced is not executable')
	is "  ...and systemd-analyze verify finds nothing else" "$out" ""
else
	skip "  ...and systemd-analyze verify finds nothing else" "no systemd-analyze"
fi
dropin=$D/lib/systemd/system/apache2.service.d/sitefence.conf
is "the Apache drop-in wants sitefence.service and starts after it" \
	"$(grep -E '^(\[|Wants|After|Requires)' "$dropin")" \
	$'[Unit]\nWants=sitefence.service\nAfter=sitefence.service'

# ---- logrotate -------------------------------------------------------------------------------
lr=$D/etc/logrotate.d/sitefence
like "logrotate rotates the default audit log, numbered, compressed a day late" \
	"$(grep -v '^\s*#' "$lr" | tr -s ' \t\n' ' ')" \
	'^ ?/var/log/sitefence/audit\.log \{.* compress delaycompress nodateext '\
'create 0640 root root postrotate .*USR1'
if command -v logrotate >/dev/null; then
	L=$T/log
	mkdir -m 0750 "$L"
	sed "s|/var/log/sitefence/audit.log|$L/audit.log|" "$lr" >"$T/logrotate.conf"
	rec() { # DAY MESSAGE: a daemon record of 2026-11-2DAY
		printf '{"time":"2026-11-2%sT08:00:00Z","type":"daemon",' "$1"
		printf '"event":"start","message":"%s"}\n' "$2"
	}
	# A stand-in daemon with the real one's name: postrotate must reach it with SIGUSR1.
	mkdir "$T/bin"
	printf '#!/bin/bash\ntrap "echo usr1 >>%s/usr1" USR1\nwhile :; do sleep 0.1; done\n' "$T" \
		>"$T/bin/sitefenced"
	chmod 755 "$T/bin/sitefenced"
	"$T/bin/sitefenced" &
	fake=$!
	sleep 0.3
	# usr1_count N: wait up to 3 s for the N-th signal (two close ones would merge).
	usr1_count() {
		local i
		for i in $(seq 1 30); do
			[[ $(cat "$T/usr1" 2>/dev/null | wc -l) -ge $1 ]] && break
			sleep 0.1
		done
		cat "$T/usr1" 2>/dev/null | wc -l
	}
	rec 0 first >"$L/audit.log"
	out=$(logrotate -f -s "$T/logrotate.state" "$T/logrotate.conf" 2>&1)
	got=$(usr1_count 1)
	rec 1 second >>"$L/audit.log"
	out+=$(logrotate -f -s "$T/logrotate.state" "$T/logrotate.conf" 2>&1)
	got+=" $(usr1_count 2)"
	rec 2 third >>"$L/audit.log"
	is "logrotate takes the file without complaint, twice" "$out" ""
	is "  ...into audit.log.1 and audit.log.2.gz" "$(cd "$L" && ls)" \
		$'audit.log\naudit.log.1\naudit.log.2.gz'
	is "  ...making the new log 0640 root root, as sitefenced does" \
		"$(stat -c '%a %U %G' "$L/audit.log")" "640 root root"
	check "  ...with audit.log.2.gz in gzip" gzip -t "$L/audit.log.2.gz"
	if systemctl --quiet is-active sitefence.service 2>/dev/null; then
		skip "  ...and postrotate signals sitefenced with SIGUSR1, each time" \
			"sitefence.service is active here"
	else
		is "  ...and postrotate signals sitefenced with SIGUSR1, each time" "$got" "1 2"
	fi
	kill "$fake" 2>/dev/null
	wait "$fake" 2>/dev/null
	fake=
	is "sitefence-audit reads the rotated files in order" \
		"$(build/sitefence-audit -f "$L/audit.log" --json |
			sed -E 's/.*"message":"([a-z]+)".*/\1/')" \
		$'first\nsecond\nthird'
else
	for t in "logrotate takes the file without complaint, twice" \
		"  ...into audit.log.1 and audit.log.2.gz" \
		"  ...making the new log 0640 root root, as sitefenced does" \
		"  ...with audit.log.2.gz in gzip" \
		"  ...and postrotate signals sitefenced with SIGUSR1, each time" \
		"sitefence-audit reads the rotated files in order"; do
		skip "$t" "logrotate is not installed"
	done
fi

# ---- man pages -------------------------------------------------------------------------------
for m in sitefenced sitefencectl sitefence-audit; do
	gz=$D/usr/share/man/man8/$m.8.gz
	if ! gzip -t "$gz" 2>/dev/null; then
		not_ok "man page $m(8) is valid gzip and renders" "gzip -t $gz failed"
		continue
	fi
	text=$(MANWIDTH=100 man --warnings -l "$gz" 2>"$T/man.err")
	err=$(<"$T/man.err")
	if [[ -z $err && $text == *NAME*"$m "*SYNOPSIS*DESCRIPTION*"EXIT STATUS"* ]]; then
		ok "man page $m(8) is valid gzip and renders"
	else
		not_ok "man page $m(8) is valid gzip and renders" "warnings: $err" "${text:0:300}"
	fi
done
text=$(MANWIDTH=100 man -l "$D/usr/share/man/man8/sitefenced.8.gz" 2>/dev/null)
missing=
for o in -f --config -n --check --dump-config --unload --pin-dir -d --debug -h --help -V \
	--version SIGHUP SIGUSR1 SIGTERM /etc/sitefence/sitefenced.conf \
	/var/log/sitefence/audit.log /run/sitefence/control.sock /sys/fs/bpf/sitefence; do
	[[ $text == *"$o"* ]] || missing+="$o "
done
for o in $(build/sitefenced -h | grep -oE '^ +(-[a-zA-Z], )?--[a-z-]+' |
	grep -oE -- '--[a-z-]+'); do
	[[ $text == *"$o"* ]] || missing+="$o "
done
is "sitefenced(8) covers every option of -h, the signals and the files" "$missing" ""

# ---- a second install, uninstall -------------------------------------------------------------
echo "audit_rate 77" >>"$CONF"
echo "# changed" >>"$D/etc/logrotate.d/sitefence"
make_in "$D" install
like "a second install says it keeps the changed config" "$out" "kept your .*sitefenced\.conf"
is "  ...and keeps it" "$(tail -n 1 "$CONF")" "audit_rate 77"
check "  ...while files that are not the admin's are replaced" \
	cmp -s loader/sitefence.logrotate "$D/etc/logrotate.d/sitefence"

mkdir -p "$D/etc/apache2/mods-enabled"
ln -s ../mods-available/mpm_sitefence.load "$D/etc/apache2/mods-enabled/mpm_sitefence.load"
make_in "$D" uninstall
[[ $rc != 0 && -f $load ]]
check "uninstall refuses while Apache loads the module" test $? = 0
like "  ...and says what to do" "$out" "a2dismod php_sitefence mpm_sitefence"
rm -r "$D/etc/apache2/mods-enabled"

make_in "$D" uninstall
is "uninstall succeeds" "$rc" 0
like "  ...says it keeps the changed config" "$out" "kept your changed .*sitefenced\.conf"
is "  ...and removes everything else" "$(cd "$D" && find . -type f -o -type l)" \
	"./etc/sitefence/sitefenced.conf"

D2=$T/root2
make_in "$D2" install
make_in "$D2" uninstall
is "install then uninstall leaves no file and no directory of ours" \
	"$(cd "$D2" && find . -type f -o -type l -o -name sitefence -o -name '*.service.d')" ""

D3=$T/root3
make_in "$D3" PREFIX=/usr/local install
[[ $rc == 0 && -x $D3/usr/local/sbin/sitefenced && ! -e $D3/usr/sbin &&
	-f $D3/usr/local/share/man/man8/sitefenced.8.gz && -f $D3/$MODDIR/mod_mpm_sitefence.so ]]
check "PREFIX=/usr/local moves programs and man pages, not the module" test $? = 0
is "  ...and the unit starts the daemon from there" \
	"$(sed -n 's/^ExecStart=//p' "$D3/lib/systemd/system/sitefence.service")" \
	/usr/local/sbin/sitefenced
make_in "$D3" PREFIX=/usr/local uninstall
is "  ...and uninstall with the same PREFIX removes it all" "$(cd "$D3" && find . -type f)" ""

# ---- Debian's a2enmod, on a copy of /etc/apache2 ---------------------------------------------
# a2enmod reads APACHE_CONFDIR and keeps its markers under APACHE_STATE_DIRECTORY: both point
# into $T, so that this host's Apache is never touched.
if ! command -v a2enmod >/dev/null || [[ ! -f /etc/apache2/mods-available/php8.2.load ]]; then
	skip "the a2enmod flow" "needs apache2 and libapache2-mod-php8.2"
	finish
fi
A=$T/a2root
mkdir -p "$A/etc"
cp -a /etc/apache2 "$A/etc/apache2"
before=$(cd "$A/etc/apache2/mods-available" && ls)
make_in "$A" install
is "install into a tree with Debian's Apache files succeeds" "$rc" 0
is "  ...and adds our four files to mods-available, changing no other" \
	"$(cd "$A/etc/apache2/mods-available" && ls | sort)" \
	"$(printf '%s\n' $before mpm_sitefence.conf mpm_sitefence.load php_sitefence.conf \
		php_sitefence.load | sort -u)"
export APACHE_CONFDIR=$A/etc/apache2 APACHE_STATE_DIRECTORY=$T/a2state
E=$APACHE_CONFDIR/mods-enabled
# The module is not installed on this host: point the copy at the DESTDIR one.
sed -i "s|$MODDIR/mod_mpm_sitefence.so|$A$MODDIR/mod_mpm_sitefence.so|" \
	"$APACHE_CONFDIR/mods-available/mpm_sitefence.load"
configtest() { (set -a; . "$APACHE_CONFDIR/envvars"; apache2 -d "$APACHE_CONFDIR" -t 2>&1); }
enabled() { (cd "$E" && ls | grep -E '^(mpm_|php)' | tr '\n' ' '); }

# The usual starting point: prefork with mod_php (and itk, when the host has it enabled).
a2dismod -q mpm_event mpm_worker >/dev/null 2>&1
a2enmod -q php8.2 >/dev/null 2>&1
out=$(a2enmod mpm_sitefence 2>&1)
[[ $? != 0 && ! -e $E/mpm_sitefence.load ]]
check "a2enmod mpm_sitefence refuses while mpm_prefork is enabled" test $? = 0
like "  ...naming it" "$out" "Module mpm_prefork is enabled"
out=$(a2dismod mpm_prefork 2>&1)
like "the trap: a2dismod mpm_prefork refuses while php8.2 is enabled" "$out" \
	"depend on mpm_prefork.*php8\.2"

dis="php8.2"
[[ -e $E/mpm_itk.load ]] && dis+=" mpm_itk"
out=$(a2dismod -q $dis mpm_prefork 2>&1 && a2enmod -q mpm_sitefence php_sitefence 2>&1)
is "the admin sequence: a2dismod $dis mpm_prefork && a2enmod mpm_sitefence php_sitefence" \
	"$?" 0
is "  ...leaves our MPM and mod_php enabled, nothing else of the kind" "$(enabled)" \
	"mpm_sitefence.conf mpm_sitefence.load php_sitefence.conf php_sitefence.load "
out=$(configtest)
like "  ...and Apache accepts the whole Debian configuration (apache2 -t)" "$out" "Syntax OK"

sed -i 's/^php_admin_flag opcache.validate_root/#&/' \
	"$APACHE_CONFDIR/mods-available/php_sitefence.conf"
out=$(configtest)
like "without php_sitefence.conf's OPcache guard, mpm_sitefence refuses to start" "$out" \
	"mpm_sitefence: mod_php is loaded.*opcache\.validate_root on"
sed -i 's/^#\(php_admin_flag opcache.validate_root\)/\1/' \
	"$APACHE_CONFDIR/mods-available/php_sitefence.conf"

# a2enmod only reads the conflicts of the module it enables, so prefork's .load, which does not
# name us, lets it in; Apache then refuses two MPMs, loudly.
a2enmod -q php8.2 >/dev/null 2>&1
out=$(configtest)
like "a2enmod php8.2 by mistake brings prefork back, and Apache refuses to start" "$out" \
	"More than one MPM loaded"
out=$(a2enmod php_sitefence 2>&1)
is "  ...and a2enmod php_sitefence refuses beside php8.2 and prefork" "$?" 1
a2dismod -q php8.2 mpm_prefork >/dev/null 2>&1
like "  ...a2dismod php8.2 mpm_prefork repairs it" "$(configtest)" "Syntax OK"

make_in "$A" uninstall
is "uninstall refuses while the modules are enabled" "$rc" 2
out=$(a2dismod -q php_sitefence mpm_sitefence 2>&1 && a2enmod -q mpm_prefork php8.2 2>&1)
is "the way back: a2dismod php_sitefence mpm_sitefence && a2enmod mpm_prefork php8.2" "$?" 0
make_in "$A" uninstall
is "  ...then uninstall succeeds" "$rc" 0
is "  ...and leaves Debian's mods-available as it was" \
	"$(cd "$A/etc/apache2/mods-available" && ls)" "$before"
like "  ...and a configuration Apache accepts" "$(configtest)" "Syntax OK"

finish
