#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/mpm/host_vhost_diff.sh — the dispatcher chooses the vhost Apache would. The same
# virtual hosts are served by Apache with prefork, then by Apache with mpm_sitefence (fence
# off: the host will not run it, and the choice is made before the fence has a say), on the
# same ports, and the same requests go to both: awkward Host headers and request-targets, a
# seeded random mix of them (tests/mpm/vhost_requests.py) and heads each side of httpd's
# limits, to two local addresses and two ports, and over TLS with SNI and Host names that
# agree or not. Every response must agree:
# its status and, for a served file, its content, which names the vhost that served it. A
# request the dispatcher sent to the wrong site would come back 421 from the worker (or with
# another site's file); one it refused that Apache takes would come back 400 instead of a
# page. The differences sitefence makes on purpose are named where they are allowed.
# VHOST_DIFF_COUNT=N sets the number of requests per address and port (default 1000),
# VHOST_DIFF_SEED=N their seed (default 1). Prints TAP.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MODULE=$ROOT/build/mod_mpm_sitefence.so
MODS=/usr/lib/apache2/modules
COUNT=${VHOST_DIFF_COUNT:-1000}
SEED=${VHOST_DIFF_SEED:-1}
if ! [[ $COUNT =~ ^[1-9][0-9]{0,5}$ && $SEED =~ ^[0-9]{1,9}$ ]]; then
	echo "host_vhost_diff.sh: VHOST_DIFF_COUNT (1-999999) and VHOST_DIFF_SEED must be numbers" >&2
	exit 2
fi
T=$(mktemp -d /var/tmp/sf-vhostdiff.XXXXXX)
chmod 755 $T   # the servers run as www-data and sfdiff
P1=$((20000 + RANDOM % 20000))
P2=$((P1 + 1))
P3=$((P1 + 2))
# KEEP=1 keeps $T (configs, requests, answers) for a look after the test.
trap 'apache2 -f $T/httpd.conf -k stop >/dev/null 2>&1; sleep 0.5; [[ -n ${KEEP-} ]] || rm -rf $T' \
	EXIT

. "$ROOT/tests/lib/tap.sh"

id sfdiff >/dev/null 2>&1 || useradd -M -d /nonexistent -s /usr/sbin/nologin sfdiff

# P1 on every address: name-based vhosts for 127.0.0.2 (Apache looks at the address first),
# then for every other address, the first of them its default; P2 has one port-only vhost; P3
# is TLS, chosen by SNI. Each DocumentRoot's id.txt names its vhost.
VHOSTS=(
	"127.0.0.2:$P1 two-default.test"
	"127.0.0.2:$P1 a.test"
	"*:$P1 default.test"
	"*:$P1 a.test www.a.test *.wild.a.test a?.glob.test"
	"*:$P1 b.test"
	"*:$P1 xn--bcher-kva.test"
	"*:$P1 localhost"
	"*:$P2 port.test"
	"*:$P3 tls-a.test *.wild.tls.test"
	"*:$P3 tls-b.test"
)
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=tls.test" -keyout $T/tls.key \
	-out $T/tls.crt 2>/dev/null

# conf MPM-LINES PER-VHOST-LINE
conf() {
	local v addr name aliases i=0
	{
		cat <<EOC
ServerRoot $T
ServerName localhost
$1
LoadModule authz_core_module $MODS/mod_authz_core.so
LoadModule ssl_module $MODS/mod_ssl.so
User www-data
Group www-data
Listen $P1
Listen $P2
Listen $P3
PidFile $T/httpd.pid
ErrorLog $T/error.log
KeepAlive Off
<Directory $T/www>
  Require all granted
</Directory>
EOC
		for v in "${VHOSTS[@]}"; do
			read -r addr name aliases <<<"$v"
			i=$((i + 1))
			mkdir -p $T/www/$i
			echo "$addr $name" >$T/www/$i/id.txt
			printf '<VirtualHost %s>\n  ServerName %s\n' "$addr" "$name"
			[[ -n $aliases ]] && echo "  ServerAlias $aliases"
			[[ $addr == *:$P3 ]] && printf '  SSLEngine on\n  %s %s\n  %s %s\n' \
				SSLCertificateFile $T/tls.crt SSLCertificateKeyFile $T/tls.key
			printf '  DocumentRoot %s\n  %s\n</VirtualHost>\n' "$T/www/$i" "$2"
		done
	} >$T/httpd.conf
}

# serve NAME: start the server, send every request to each address and port, stop it.
serve() {
	local i dest
	rm -f $T/httpd.pid
	if ! apache2 -f $T/httpd.conf -k start 2>$T/$1.start; then
		return 1
	fi
	for i in $(seq 1 100); do
		curl -s -m 2 -o /dev/null http://127.0.0.1:$P2/ && break
		sleep 0.1
	done
	for dest in "127.0.0.1 $P1" "127.0.0.2 $P1" "127.0.0.1 $P2"; do
		python3 "$ROOT/tests/mpm/vhost_requests.py" send $dest <$T/requests |
			sed "s/^/$dest /"
	done >$T/$1.out
	python3 "$ROOT/tests/mpm/vhost_requests.py" send-tls 127.0.0.1 $P3 <$T/tls-requests \
		>$T/$1.tls.out
	python3 "$ROOT/tests/mpm/vhost_requests.py" sni-tls 127.0.0.1 $P3 <$T/tls-requests \
		>$T/$1.sni.out
	apache2 -f $T/httpd.conf -k stop
	for i in $(seq 1 50); do
		[[ -s $T/httpd.pid ]] || break
		sleep 0.1
	done
	sleep 0.3
}

python3 "$ROOT/tests/mpm/vhost_requests.py" gen "$SEED" "$COUNT" a.test b.test www.a.test \
	x.wild.a.test ab.glob.test two-default.test default.test port.test localhost >$T/requests
NREQ=$(wc -l <$T/requests)   # COUNT random ones, then those at httpd's limits
python3 "$ROOT/tests/mpm/vhost_requests.py" gen-tls "$SEED" "$COUNT" tls-a.test tls-b.test \
	x.wild.tls.test a.test >$T/tls-requests

conf "LoadModule mpm_prefork_module $MODS/mod_mpm_prefork.so" ""
serve prefork || not_ok "prefork starts" "$(cat $T/prefork.start $T/error.log 2>/dev/null)"
conf "LoadModule mpm_sitefence_module $MODULE
SitefenceFence off
SitefencePrivateDir $T/private" "AssignUserID sfdiff sfdiff"
serve sitefence ||
	not_ok "mpm_sitefence starts" "$(cat $T/sitefence.start $T/error.log 2>/dev/null)"

is "prefork answered all $((3 * NREQ)) requests" "$(wc -l <$T/prefork.out 2>/dev/null)" \
	$((3 * NREQ))
is "mpm_sitefence answered all of them" "$(wc -l <$T/sitefence.out 2>/dev/null)" $((3 * NREQ))
served=$(grep -c ' 200 ' $T/prefork.out)
if ((served >= COUNT / 4)); then
	ok "  ...prefork served a file for $served of them (enough to tell vhosts apart)"
else
	not_ok "  ...prefork served a file for $served of them (enough to tell vhosts apart)"
fi
vhosts=$(cat $T/prefork.out $T/prefork.tls.out 2>/dev/null | grep -oE '(^| )200 .+' |
	sed 's/^ //' | sort -u | wc -l)
is "  ...from every vhost" "$vhosts" "${#VHOSTS[@]}"
# Two refusals are sitefence's own, stricter than httpd 2.4 (mpm/sniff.c says why): a request
# line naming HTTP/2 or later in text (httpd serves it as 1.1; sitefence answers 505), and two
# Host fields next to an absolute URI (httpd takes the URI's host; RFC 9112 3.2 says 400). And
# where httpd refuses an HTTP/0.9 request with a bare error page, the dispatcher's refusal has
# a status line. explained REQUEST PREFORK-STATUS SITEFENCE-STATUS: true for those.
explained() {
	local first=${1%%\\r\\n*} hosts
	[[ $first =~ \ HTTP/[2-9]\.[0-9]$ && $3 == 505 ]] && return 0
	[[ $2 == 0.9-error && $3 == 4[0-9][0-9] ]] && return 0
	hosts=$(grep -oiE '\\r\\nhost:' <<<"$1" | wc -l)
	[[ $hosts -ge 2 && $3 == 400 ]]
}
# Line n of each output answers request (n - 1) % NREQ + 1.
lines=() own=0 differ=0
while IFS=$'\t' read -r n a b; do
	req=$(sed -n "$(((n - 1) % NREQ + 1))p" $T/requests)
	if explained "$req" "$(cut -d' ' -f3 <<<"$a")" "$(cut -d' ' -f3 <<<"$b")"; then
		own=$((own + 1))
		continue
	fi
	differ=$((differ + 1))
	((differ <= 12)) && lines+=("$req" "  prefork:   $a" "  sitefence: $b")
done < <(paste $T/prefork.out $T/sitefence.out | awk -F'\t' '$1 != $2 { print NR "\t" $0 }')
if [[ $(cat $T/prefork.out $T/sitefence.out 2>/dev/null | wc -l) != $((6 * NREQ)) ]]; then
	not_ok "mpm_sitefence gives every request the answer prefork gives" "answers missing"
elif ((differ == 0)); then
	ok "mpm_sitefence gives every request the answer prefork gives ($own differ as the test explains)"
else
	not_ok "mpm_sitefence gives every request the answer prefork gives" \
		"$differ differ (and $own as explained in the test); the first of them:" "${lines[@]}"
fi

# Over TLS the site is the SNI's: a worker of that site answers 421 to a request whose Host
# names another site, where prefork's mod_ssl serves it if the two vhosts' TLS settings agree
# (domain fronting, which sitefence cannot allow: the connection is already the site's). So a
# difference is allowed only as prefork serving vhost X, sitefence 421, and the SNI alone (sent
# again as Host too) reaching another vhost than X.
is "over TLS mpm_sitefence answered all $COUNT requests" \
	"$(wc -l <$T/sitefence.tls.out 2>/dev/null)" "$COUNT"
lines=() fronted=0 differ=0
while IFS=$'\t' read -r n a b sni; do
	if [[ $a == "200 "* && $b == "421 " && $sni == "200 "* && $sni != "$a" ]]; then
		fronted=$((fronted + 1))
		continue
	fi
	differ=$((differ + 1))
	((differ <= 12)) && lines+=("$(sed -n "${n}p" $T/tls-requests)" "  prefork:   $a" \
		"  sitefence: $b" "  the SNI alone, on prefork: $sni")
done < <(paste $T/prefork.tls.out $T/sitefence.tls.out $T/prefork.sni.out |
	awk -F'\t' '$1 != $2 { print NR "\t" $0 }')
if [[ $(cat $T/{prefork,sitefence}.tls.out $T/prefork.sni.out 2>/dev/null | wc -l) != \
	$((3 * COUNT)) ]]; then
	not_ok "  ...the answers prefork gives, but 421 for another site than the SNI's" \
		"answers missing"
elif ((differ == 0)); then
	ok "  ...the answers prefork gives, but 421 for another site than the SNI's ($fronted)"
else
	not_ok "  ...the answers prefork gives, but 421 for another site than the SNI's" \
		"$differ differ (and $fronted are 421 for another site); the first of them:" \
		"${lines[@]}"
fi
served=$(grep -c '^200 ' $T/sitefence.tls.out)
if ((fronted > 0 && served >= COUNT / 4)); then
	ok "  ...with both kinds in the mix ($served served, $fronted refused)"
else
	not_ok "  ...with both kinds in the mix ($served served, $fronted refused)"
fi
tap_plan
