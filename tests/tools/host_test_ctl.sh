#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/tools/host_test_ctl.sh — end-to-end tests of sitefencectl on the host, where the kernel
# will not run the fence: usage errors and help; status and sites with nothing pinned, with the
# daemon down, from the daemon's state files; a fake sitefenced (a python3 server speaking the
# framed protocol of lib/proto.h) for STATUS, RELOAD and TAG_PEER, including a daemon that
# never answers and one that hands out a token while the fence is not in force (exec must then
# refuse); check with a fake sitefenced -n. As root, it also pins maps shaped like the fence's
# on a bpffs in a private mount namespace (gone with the namespace), with processes tagged in
# a real task-storage map, and checks what status and sites read from them. Prints TAP.
#
# SITEFENCECTL=path/to/sitefencectl (default build/sitefencectl).
set -uo pipefail
cd "$(dirname "$0")/../.."

BIN=${SITEFENCECTL:-build/sitefencectl}
[[ $BIN == /* ]] || BIN=$PWD/$BIN
export LC_ALL=C.UTF-8
unset SITEFENCED

PLAN=55
echo "1..$PLAN"
if [[ ! -x $BIN ]]; then
	echo "not ok 1 - sitefencectl is built # $BIN not found or not executable"
	exit 1
fi
if ! command -v python3 >/dev/null; then
	for ((i = 1; i <= PLAN; i++)); do echo "ok $i - # SKIP python3 is needed"; done
	exit 0
fi

T=$(mktemp -d /tmp/sitefencectl-test.XXXXXX)
fake=
cleanup() {
	[[ -n $fake ]] && kill "$fake" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# As root, the tool runs in a private mount namespace: its kernel check mounts securityfs when
# it is missing, and a test should leave the host as it found it.
PRIVATE=()
if ((EUID == 0)) && unshare -m --propagation private true 2>/dev/null; then
	PRIVATE=(unshare -m --propagation private)
fi

. tests/tools/lib.sh

# json_check NAME PYTHON-ASSERTIONS: the JSON in $out parses and the assertions on d hold.
json_check() {
	local why
	why=$(printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
'"$2"'
' 2>&1)
	check "$1" $? "$(printf '%s' "$why" | tail -1)"
}

# The status lines that do not depend on the host's kernel.
no_kernel() { grep -v -e '^Kernel:' -e 'the kernel cannot run the fence'; }

NOPINS=$T/nopins NORUN=$T/norun NOSOCK=$T/none.sock
ISOLATE=(--pin-dir "$NOPINS" --run-dir "$NORUN")

# ---- a fake sitefenced ----------------------------------------------------------------------
# Replies come from files $D/<TYPE> (the whole payload); $D/<TYPE>.fd names a file whose
# descriptor (O_PATH) goes with the reply; $D/<TYPE>.silent: never answer. Requests are
# appended to $D/requests as "TYPE payload" with newlines as '|'.
D=$T/daemon SOCK=$T/control.sock
mkdir -p "$D"
cat >"$T/fake.py" <<'EOF'
import os, socket, struct, sys

path, d = sys.argv[1], sys.argv[2]
names = {1: 'HELLO', 2: 'SET_SITES', 3: 'TAG_PEER', 4: 'STATUS', 5: 'RELOAD'}
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(8)

def recv_exact(c, n):
    b = b''
    while len(b) < n:
        x = c.recv(n - len(b))
        if not x:
            return None
        b += x
    return b

def serve(c):
    while True:
        h = recv_exact(c, 16)
        if h is None:
            return
        magic, version, typ, length, seq = struct.unpack('<IHHII', h)
        data = recv_exact(c, length) if length else b''
        if magic != 0x31434653 or version != 1 or data is None:
            return
        name = names.get(typ, str(typ))
        with open(os.path.join(d, 'requests'), 'ab') as f:
            f.write(name.encode() + b' ' + data.replace(b'\n', b'|') + b'\n')
        base = os.path.join(d, name)
        if os.path.exists(base + '.silent'):
            continue
        body = open(base, 'rb').read() if os.path.exists(base) else b'error\nno reply set\n'
        msg = struct.pack('<IHHII', 0x31434653, 1, typ | 0x8000, len(body), seq) + body
        if os.path.exists(base + '.fd'):
            fd = os.open(open(base + '.fd').read().strip(), os.O_PATH)
            socket.send_fds(c, [msg], [fd])
            os.close(fd)
        else:
            c.sendall(msg)

while True:
    c, _ = srv.accept()
    with c:
        serve(c)
EOF
python3 "$T/fake.py" "$SOCK" "$D" &
fake=$!
for ((i = 0; i < 100; i++)); do
	[[ -S $SOCK ]] && break
	sleep 0.05
done

STATUS_REPLY='ok
version 0.1
pid 4242
uptime 93784
generation 7
config /etc/sitefence/sitefenced.conf
audit_log /var/log/sitefence/audit.log
records 12
write_errors 0
sites 2
roots 5
owner apache2 2
site shop.example 1 enforce 1001 1001
site blog.example 2 audit 1002 1002'
printf '%s\n' "$STATUS_REPLY" >"$D/STATUS"

# reset_daemon: no special replies, an empty request log.
reset_daemon() {
	rm -f "$D"/*.silent "$D"/*.fd "$D/requests" "$D/TAG_PEER" "$D/RELOAD"
	touch "$D/requests"
}

# ---- help, version, usage errors ------------------------------------------------------------
run -h
[[ $rc == 0 && $out == *Examples:* && $out == *"exec --site"* && $out == *"Exit status"* ]]
check "-h exits 0 and prints help with examples and exit statuses" $? "rc=$rc"

run --version
[[ $rc == 0 && $out == "sitefencectl "* && -z $err ]]
check "--version prints the version" $? "rc=$rc out=$out"

while IFS='|' read -r name want args; do
	read -ra argv <<<"$args"
	run "${argv[@]}"
	lines=$(printf '%s' "$err" | grep -c '')
	[[ $rc == 2 && $lines == 1 && -z $out && $err == "$want" ]]
	check "usage error exits 2 with one line: $name" $? "rc=$rc stderr: $err"
done <<'EOF'
unknown long option|sitefencectl: unknown option '--bogus' (see --help)|--bogus
unknown short option|sitefencectl: unknown option '-x' (see --help)|status -x
unknown command|sitefencectl: unknown command 'frob' (see --help)|frob
option without its value|sitefencectl: option '--socket' needs a value (see --help)|--socket
bad timeout|sitefencectl: bad --timeout '5_years': a duration from 100ms to 1h, e.g. 5s (see --help)|--timeout=5_years
option of another command|sitefencectl: --json does not apply to reload (see --help)|reload --json
exec without --site|sitefencectl: exec needs --site (see --help)|exec -- true
exec without a command|sitefencectl: exec needs -- COMMAND [ARG...] (see --help)|exec --site shop.example
bad --user|sitefencectl: bad --user '10x:1': UID or UID:GID, as numbers (see --help)|exec --site a --user 10x:1 -- true
extra argument|sitefencectl: unexpected argument 'now' (see --help)|status now
EOF

# ---- nothing pinned, no daemon ---------------------------------------------------------------
run "${ISOLATE[@]}" --socket "$NOSOCK"
is "status with nothing pinned and no daemon: the fence is not loaded, the daemon down" \
"Fence:    NOT LOADED: nothing is pinned at $NOPINS
Daemon:   NOT REACHABLE at $NOSOCK: it is not running (no socket)
Spawners: unavailable: not pinned
Tasks:    unavailable: not pinned
Sites:    unavailable: sitefenced is not reachable and there are no state files
Status:   NOT IN FORCE
  problem: the fence is not loaded: nothing is pinned at $NOPINS
  problem: cannot reach sitefenced at $NOSOCK: it is not running (no socket)
  note: no site table: sitefenced cannot tell, and there are no state files" \
	"$(printf '%s\n' "$out" | no_kernel)"
[[ $rc == 1 ]]
check "status exits 1 when the fence is not loaded" $? "rc=$rc"

if [[ ! -e /sys/fs/bpf/sitefence ]]; then
	run --socket "$NOSOCK" --run-dir "$NORUN"
	[[ $rc == 1 && $out == *"Fence:    NOT LOADED: nothing is pinned at /sys/fs/bpf/sitefence"* ]]
	check "status with the default pin directory, where nothing is pinned, exits 1" $? "rc=$rc"
else
	skip "status with the default pin directory, where nothing is pinned, exits 1" \
		"/sys/fs/bpf/sitefence exists on this host"
fi

run "${ISOLATE[@]}" --socket "$NOSOCK" status --json
[[ $rc == 1 ]]
check "status --json exits 1 too" $? "rc=$rc"
json_check "status --json is valid JSON saying the same" '
assert d["status"] == "not in force" and d["exit_status"] == 1, d["status"]
assert d["fence"]["loaded"] is False and d["fence"]["error"] == "not pinned", d["fence"]
assert d["daemon"]["reachable"] is False, d["daemon"]
assert d["daemon"]["error"] == "it is not running (no socket)", d["daemon"]["error"]
assert d["sites"] is None and d["tasks"] is None and d["spawners"] is None
assert "the fence is not loaded: nothing is pinned at '"$NOPINS"'" in d["problems"], d["problems"]'

python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$T/dead.sock"
run reload --socket "$T/dead.sock"
is "reload with a stale socket says nothing listens, exit 1" \
	"1|sitefencectl: reload: cannot reach sitefenced at $T/dead.sock: it is not running (nothing listens on the socket)" \
	"$rc|$err"

run reload --socket "$NOSOCK"
is "reload with no daemon exits 1 with one clear line" \
	"1||sitefencectl: reload: cannot reach sitefenced at $NOSOCK: it is not running (no socket)" \
	"$rc|$out|$err"

run sites "${ISOLATE[@]}" --socket "$NOSOCK"
is "sites with no daemon and no state files exits 1" \
	"1|sitefencectl: no site table: cannot reach sitefenced at $NOSOCK: it is not running (no socket); and there are no state files in $NORUN" \
	"$rc|$err"

# ---- the daemon's state files -----------------------------------------------------------------
RUN=$T/run
mkdir -p "$RUN/owners"
printf '# sitefenced site ids: id name\n1 shop.example\n2 blog.example\n3 old.example\nbad line here\n' \
	>"$RUN/site-ids"
printf 'site shop.example uid=1001 gid=1001\nroot shop.example /srv/shop rwx\nsite blog.example uid=1002 gid=1002 mode=audit\n' \
	>"$RUN/owners/apache2.sites"
printf 'site broken.example uid=nope\n' >"$RUN/owners/broken.sites"

run sites --pin-dir "$NOPINS" --run-dir "$RUN" --socket "$NOSOCK"
is "sites with the daemon down: from the state files, a bad owner file skipped" \
"0
NAME          ID  MODE      UID   GID  WORKERS  ALLOWED  DENIED  AUDITED  SUPPRESSED  OWNER
shop.example   1  enforce  1001  1001        -        -       -        -           -  apache2
blog.example   2  audit    1002  1002        -        -       -        -           -  apache2
old.example    3  -           -     -        -        -       -        -           -  -
--
sitefencectl: cannot reach sitefenced at $NOSOCK: it is not running (no socket); sites read from the state files in $RUN
sitefencectl: counters unavailable: not pinned
sitefencectl: workers unavailable: not pinned" "$rc
$out
--
$err"

run status --pin-dir "$NOPINS" --run-dir "$RUN" --socket "$NOSOCK"
[[ $rc == 1 && $out == *"Sites:    3 (from the state files in $RUN)"* &&
	$out != *"stays in force"* ]]
check "status with the daemon down lists the sites of the state files" $? "rc=$rc"

# ---- the fake daemon: STATUS ------------------------------------------------------------------
reset_daemon
run "${ISOLATE[@]}" --socket "$SOCK"
is "status shows the daemon's lines and sites (--socket is used)" \
"Fence:    NOT LOADED: nothing is pinned at $NOPINS
Daemon:   running ($SOCK)
  version              0.1
  pid                  4242
  uptime               1d 2h 3m 4s
  generation           7
  config               /etc/sitefence/sitefenced.conf
  audit_log            /var/log/sitefence/audit.log
  records              12
  write_errors         0
  sites                2
  roots                5
  owner                apache2 (2 sites)
Spawners: unavailable: not pinned
Tasks:    unavailable: not pinned
Sites:    2 (from the daemon)
  counters unavailable: not pinned
  workers unavailable: not pinned
  NAME          ID  MODE      UID   GID  WORKERS  ALLOWED  DENIED  AUDITED  SUPPRESSED  OWNER
  shop.example   1  enforce  1001  1001        -        -       -        -           -  apache2
  blog.example   2  audit    1002  1002        -        -       -        -           -  apache2
Status:   NOT IN FORCE
  problem: the fence is not loaded: nothing is pinned at $NOPINS" \
	"$(printf '%s\n' "$out" | no_kernel)"
[[ $rc == 1 && $(<"$D/requests") == "STATUS " ]]
check "status asks STATUS once, and still exits 1 without the fence" $? \
	"rc=$rc requests: $(tr '\n' ' ' <"$D/requests")"

run "${ISOLATE[@]}" -s "$SOCK" --json
json_check "status --json carries the daemon's status, owners and sites" '
dm = d["daemon"]
assert dm["reachable"] is True and dm["error"] is None, dm
assert dm["status"]["pid"] == 4242 and dm["status"]["version"] == "0.1", dm["status"]
assert dm["status"]["uptime"] == 93784 and dm["status"]["generation"] == 7, dm["status"]
assert dm["owners"] == [{"name": "apache2", "sites": 2}], dm["owners"]
assert d["sites_source"] == "daemon", d["sites_source"]
s = d["sites"]
assert [x["name"] for x in s] == ["shop.example", "blog.example"], s
assert (s[1]["id"], s[1]["mode"], s[1]["uid"], s[1]["gid"]) == (2, "audit", 1002, 1002), s[1]
assert s[0]["owner"] == "apache2" and s[0]["counters"] is None and s[0]["workers"] is None
assert d["exit_status"] == 1'

run sites --json "${ISOLATE[@]}" --socket "$SOCK"
json_check "sites --json lists the daemon's sites" '
assert [x["name"] for x in d["sites"]] == ["shop.example", "blog.example"], d
assert d["sites_source"] == "daemon" and d["counters_error"] == "not pinned", d'

# Strings the tool does not control: quotes, backslash, tab, a control byte, invalid UTF-8.
printf 'ok\nversion 0.1\nconfig /tmp/a"b\\c\td\001e\377\303\251\nsite shop.example 1 enforce 1001 1001\nsite bad line\nfuture_key some value\n' \
	>"$D/STATUS"
run "${ISOLATE[@]}" --socket "$SOCK" --json
json_check "JSON escapes what the daemon sends and keeps unknown lines" '
st = d["daemon"]["status"]
assert st["config"] == "/tmp/a\"b\\c\td\x01e\ufffd\u00e9", repr(st["config"])
assert st["future_key"] == "some value" and st["site"] == "bad line", st
assert [x["name"] for x in d["sites"]] == ["shop.example"], d["sites"]'
run "${ISOLATE[@]}" --socket "$SOCK"
line=$(printf '%s\n' "$out" | grep '^  config')
is "text output escapes control bytes and invalid UTF-8" \
	'  config               /tmp/a"b\x5cc\x09d\x01e\xffé' "$line"
printf '%s\n' "$STATUS_REPLY" >"$D/STATUS"

printf 'error\nstatus unavailable: reloading\n' >"$D/STATUS"
run "${ISOLATE[@]}" --socket "$SOCK"
[[ $rc == 1 && $out == *"Daemon:   ERROR: sitefenced answered STATUS with an error:"* &&
	$out == *"  status unavailable: reloading"* ]]
check "status shows the daemon's error reply" $? "rc=$rc"
printf '%s\n' "$STATUS_REPLY" >"$D/STATUS"

# ---- the fake daemon: RELOAD ------------------------------------------------------------------
reset_daemon
printf 'ok\n' >"$D/RELOAD"
run reload --socket "$SOCK"
is "reload prints ok and exits 0" "0|ok|" "$rc|$out|$err"
[[ $(<"$D/requests") == "RELOAD " ]]
check "reload sends one RELOAD" $? "requests: $(tr '\n' ' ' <"$D/requests")"

printf 'ok\n/etc/sitefence/sitefenced.conf:9: warning: rate 0 turns records off\n' >"$D/RELOAD"
run -s "$SOCK" reload
is "reload passes the daemon's warnings to stderr" \
	"0|ok|/etc/sitefence/sitefenced.conf:9: warning: rate 0 turns records off" "$rc|$out|$err"

printf "error\n/etc/sitefence/sitefenced.conf:3: unknown key 'colour'\n/etc/sitefence/sitefenced.conf:7: rate: out of range" \
	>"$D/RELOAD"
run reload --socket "$SOCK"
is "reload passes the daemon's error lines through and exits 1" \
"1|
/etc/sitefence/sitefenced.conf:3: unknown key 'colour'
/etc/sitefence/sitefenced.conf:7: rate: out of range
sitefencectl: reload: configuration not applied; the running policy stays in force" "$rc|$out
$err"

touch "$D/RELOAD.silent"
start=$SECONDS
run reload --socket "$SOCK" --timeout 300ms
is "reload gives up on a silent daemon after --timeout" \
	"1|sitefencectl: reload: cannot reach sitefenced at $SOCK: it did not answer in time" \
	"$rc|$err"
((SECONDS - start < 5))
check "the timeout is honoured (under 5 s)" $? "took $((SECONDS - start)) s"

# ---- the fake daemon: exec --------------------------------------------------------------------
if ((EUID == 0)); then
	reset_daemon
	printf 'error\nno registered site shop.example\n' >"$D/TAG_PEER"
	run exec --socket "$SOCK" --site shop.example -- touch "$T/ran1"
	is "exec refuses when sitefenced refuses the site" \
		"1|sitefencectl: exec: sitefenced refused: no registered site shop.example" "$rc|$err"
	[[ ! -e $T/ran1 && $(<"$D/requests") == $'STATUS \nTAG_PEER site shop.example|' ]]
	check "exec asked STATUS then TAG_PEER for the site, and did not run the command" $? \
		"requests: $(tr '\n' ' ' <"$D/requests")"

	# A token while the fence is not in force: the second open succeeds, so no confinement.
	reset_daemon
	printf 'ok\n' >"$D/TAG_PEER"
	install -m 600 /dev/null "$T/token"
	echo "$T/token" >"$D/TAG_PEER.fd"
	run exec --socket "$SOCK" --site shop.example -- touch "$T/ran2"
	is "exec refuses to run unconfined when the token does not confine it" \
		"1|sitefencectl: exec: the fence is not in force: the token of site shop.example could be opened twice, so this process is not confined; not running the command unconfined" \
		"$rc|$err"
	[[ ! -e $T/ran2 ]]
	check "the command did not run" $? "$T/ran2 exists"

	reset_daemon
	printf 'ok\n' >"$D/TAG_PEER"
	run exec --socket "$SOCK" --site shop.example -- touch "$T/ran3"
	is "exec refuses when sitefenced sends no token" \
		"1|sitefencectl: exec: sitefenced sent no token for site shop.example" "$rc|$err"

	reset_daemon
	run exec --socket "$SOCK" --site nope.example -- touch "$T/ran4"
	is "exec of a site the daemon does not list fails before asking for a token" \
		"1|sitefencectl: exec: site nope.example is not registered with sitefenced|STATUS " \
		"$rc|$err|$(<"$D/requests")"

	run exec --socket "$SOCK" --site nope.example --user 1001 -- touch "$T/ran4"
	is "exec --user UID of an unknown site wants the gid too" \
		"1|sitefencectl: exec: sitefenced does not list site nope.example: give --user UID:GID" \
		"$rc|$err"

	run exec --socket "$NOSOCK" --site shop.example -- touch "$T/ran5"
	is "exec with the daemon down fails clearly" \
		"1|sitefencectl: exec: cannot reach sitefenced at $NOSOCK: it is not running (no socket)" \
		"$rc|$err"
	[[ ! -e $T/ran3 && ! -e $T/ran4 && ! -e $T/ran5 ]]
	check "no refused exec ran its command" $? "$(ls "$T" | grep ran)"
else
	for t in 1 2 3 4 5 6 7 8 9; do skip "exec test $t" "needs root"; done
fi

out=
if ((EUID == 0)) && command -v setpriv >/dev/null; then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" exec --site a -- true 2>&1)
	rc=$?
fi
if ((rc == 126 || rc == 127)) || [[ -z $out ]]; then
	skip "exec as another user than root refuses" "needs root, setpriv and a binary nobody can run"
else
	is "exec as another user than root refuses" \
		"1|sitefencectl: exec: needs root (sitefenced serves only root, and only root may take a site)" \
		"$rc|$out"
fi

# ---- check ------------------------------------------------------------------------------------
printf '#!/bin/sh\necho "args: $*"\necho "sitefenced on stderr" >&2\nexit 7\n' >"$T/fake-sitefenced"
chmod +x "$T/fake-sitefenced"
SITEFENCED=$T/fake-sitefenced run check "$T/new.conf"
is "check runs sitefenced -n -f FILE and passes output and exit status through" \
	"7|args: -n -f $T/new.conf|sitefenced on stderr" "$rc|$out|$err"
SITEFENCED=$T/fake-sitefenced run check
is "check without FILE runs sitefenced -n" "7|args: -n" "$rc|$out"
SITEFENCED=$T/missing run check
is "check fails clearly when sitefenced cannot be run" \
	"1|sitefencectl: check: cannot run $T/missing: No such file or directory" "$rc|$err"

# ---- a pinned fence (maps only) in a private mount namespace ----------------------------------
# Maps shaped like fence.bpf.c's, created with the bpf syscall: sf_stats, sf_counters, sf_policy
# (array of maps with a global record of generation 42), sf_spawners, and sf_tags, a real
# task-storage map in which sleeping processes are tagged SITE(1) twice, SITE(5) (a site no
# longer registered), PENDING, and the namespace's shell as SPAWNER. No program is attached
# (the host's kernel will not run the fence), so the fence counts as not loaded.
cat >"$T/pins.py" <<'EOF'
import ctypes, os, struct, sys

libc = ctypes.CDLL(None, use_errno=True)

def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    ret = libc.syscall(321, cmd, buf, 128)   # __NR_bpf on x86_64
    if ret < 0:
        e = ctypes.get_errno()
        raise OSError(e, 'bpf command %d: %s' % (cmd, os.strerror(e)))
    return ret

def ptr(b):
    return ctypes.addressof(b)

def btf_load():
    # Type 1: int; type 2: int[4], the size of struct sf_tag.
    strs = b'\0int\0'
    types = struct.pack('<IIII', 1, 1 << 24, 4, (1 << 24) | 32)
    types += struct.pack('<IIIIII', 0, 3 << 24, 0, 1, 1, 4)
    hdr = struct.pack('<HBBIIIII', 0xeB9F, 1, 0, 24, 0, len(types), len(types), len(strs))
    blob = ctypes.create_string_buffer(hdr + types + strs)
    return bpf(18, struct.pack('<QQIII', ptr(blob), 0, len(hdr + types + strs), 0, 0))

def map_create(mtype, key, value, entries, flags=0, inner=0, btf=(0, 0, 0)):
    return bpf(0, struct.pack('<IIIIIII16sIIII', mtype, key, value, entries, flags, inner, 0,
                              b'', 0, *btf))

def update(fd, key, value):
    k = ctypes.create_string_buffer(key)
    v = ctypes.create_string_buffer(value)
    bpf(2, struct.pack('<IIQQQ', fd, 0, ptr(k), ptr(v), 0))

def pin(fd, path):
    p = ctypes.create_string_buffer(path.encode())
    bpf(6, struct.pack('<QII', ptr(p), fd, 0))

def main(d, tags):
    ARRAY, HASH, ARRAY_OF_MAPS, TASK_STORAGE, NO_PREALLOC = 2, 1, 12, 29, 1
    fd = map_create(ARRAY, 4, 24, 1)
    update(fd, struct.pack('<I', 0), struct.pack('<QQQ', 3, 5, 7))
    pin(fd, d + '/sf_stats')
    fd = map_create(ARRAY, 4, 32, 16)
    for site, c in ((0, (9, 8, 7, 6)), (1, (100, 2, 0, 1)), (2, (50, 0, 4, 0))):
        update(fd, struct.pack('<I', site), struct.pack('<QQQQ', *c))
    pin(fd, d + '/sf_counters')
    inner = map_create(HASH, 24, 152, 1, flags=NO_PREALLOC)
    update(inner, struct.pack('<IIQQ', 1, 0, 0, 0),
           struct.pack('<IIIIQ', 0, 0, 0, 0, 42) + bytes(128))
    fd = map_create(ARRAY_OF_MAPS, 4, 4, 1, inner=inner)
    update(fd, struct.pack('<I', 0), struct.pack('<I', inner))
    pin(fd, d + '/sf_policy')
    fd = map_create(HASH, 4, 8, 16)
    hz = os.sysconf('SC_CLK_TCK')
    for pid, kind, site in tags:
        if kind == 1:   # the kernel side records a spawner's start time
            ticks = int(open('/proc/%d/stat' % pid).read().rsplit(')', 1)[1].split()[19])
            update(fd, struct.pack('<I', pid), struct.pack('<Q', ticks * 10**9 // hz))
    update(fd, struct.pack('<I', 4000000), struct.pack('<Q', 12345))   # gone
    pin(fd, d + '/sf_spawners')
    fd = map_create(TASK_STORAGE, 4, 16, 0, flags=NO_PREALLOC, btf=(btf_load(), 1, 2))
    for pid, kind, site in tags:
        pidfd = os.pidfd_open(pid)
        update(fd, struct.pack('<i', pidfd), struct.pack('<IIII', kind, site, 0, 0))
        os.close(pidfd)
    pin(fd, d + '/sf_tags')

main(sys.argv[1], [tuple(map(int, a.split(':'))) for a in sys.argv[2:]])
EOF
cat >"$T/ns.sh" <<'EOF'
# In a private mount namespace: pin, tag, run the tool; the bpffs goes with the namespace.
P=$1 BIN=$2 SOCK=$3 OUT=$4
mkdir -p "$P" && mount -t bpf bpf "$P" || exit 90
sleep 20 & a=$!
sleep 20 & b=$!
sleep 20 & c=$!
sleep 20 & e=$!
trap 'kill $a $b $c $e 2>/dev/null' EXIT
python3 "$(dirname "$OUT")/pins.py" "$P" $a:3:1 $b:3:1 $c:2:0 $e:3:5 $$:1:0 2>"$OUT.pins" || exit 91
echo $$ >"$OUT.pid"
"$BIN" --pin-dir "$P" --socket "$SOCK" >"$OUT.text" 2>&1; echo $? >"$OUT.rc"
"$BIN" --pin-dir "$P" --socket "$SOCK" --json >"$OUT.json" 2>&1
EOF
P=$T/pins
if ((EUID != 0)) || ! command -v unshare >/dev/null; then
	for t in 1 2 3 4 5 6; do skip "pinned maps test $t" "needs root and unshare"; done
else
	unshare -m --propagation private bash "$T/ns.sh" "$P" "$BIN" "$SOCK" "$T/ns"
	nsrc=$?
	if ((nsrc == 90 || nsrc == 91)); then
		for t in 1 2 3 4 5 6; do
			skip "pinned maps test $t" "cannot pin maps here: $(tail -1 "$T/ns.pins" 2>/dev/null)"
		done
	else
		out=$(<"$T/ns.text")
		spawner=$(<"$T/ns.pid")
		is "status reads the pinned policy generation and statistics" \
"Fence:    NOT LOADED: no program is attached (pins in $P)
  policy generation    42
  lost records         3
  mirror reads         5
  tag failures         7
  programs             none pinned" "$(printf '%s\n' "$out" | sed -n '/^Fence:/,/^Daemon:/p' | sed '$d')"
		is "status lists the pinned spawners, the stale one marked" \
"Spawners: 2 registered
  $(printf '%-10s' "$spawner") bash
  4000000    (gone)  STALE
Tasks:    3 confined to a site, 1 pending, 1 spawner, 0 loader" \
			"$(printf '%s\n' "$out" | sed -n '/^Spawners:/,/^Tasks:/p')"
		is "the site table has the pinned counters and the tagged workers" \
"  NAME            ID  MODE      UID   GID  WORKERS  ALLOWED  DENIED  AUDITED  SUPPRESSED  OWNER
  shop.example     1  enforce  1001  1001        2      100       2        0           1  apache2
  blog.example     2  audit    1002  1002        0       50       0        4           0  apache2
  (unregistered)   5  -           -     -        1        0       0        0           0  -
  (no site)        0  -           -     -        1        9       8        7           6  -" \
			"$(printf '%s\n' "$out" | sed -n '/^  NAME/,/^Status:/p' | sed '$d')"
		[[ $(<"$T/ns.rc") == 1 && $out == *"note: 1 stale spawner entry: the process is gone or its pid reused"* ]]
		check "status with maps but no program exits 1, and notes the stale spawner" $? \
			"rc=$(<"$T/ns.rc")"
		out=$(<"$T/ns.json")
		json_check "status --json has the same pinned numbers" '
f = d["fence"]
assert f["policy_generation"] == 42 and f["policy_error"] is None, f
assert f["stats"] == {"lost": 3, "mirror_reads": 5, "tag_failures": 7}, f["stats"]
assert d["tasks"] == {"site": 3, "pending": 1, "spawner": 1, "loader": 0}, d["tasks"]
sp = {x["tgid"]: x for x in d["spawners"]}
assert sp['"$spawner"']["stale"] is False and sp['"$spawner"']["comm"] == "bash", sp
assert sp[4000000]["stale"] is True and sp[4000000]["comm"] is None, sp
s = {x["name"]: x for x in d["sites"]}
assert s["shop.example"]["workers"] == 2, s
assert s["shop.example"]["counters"] == {"allowed": 100, "denied": 2, "audited": 0, "suppressed": 1}
assert s[None]["id"] == 5 and s[None]["workers"] == 1, s
assert d["no_site"] == {"workers": 1, "counters": {"allowed": 9, "denied": 8, "audited": 7, "suppressed": 6}}'
		[[ ! -e $P/sf_tags ]] && ! grep -q " $P " /proc/mounts
		check "the pins went with the namespace" $? "$P still mounted"
	fi
fi

# ---- the manual page --------------------------------------------------------------------------
if command -v man >/dev/null; then
	warn=$(MANWIDTH=80 man --warnings -l tools/sitefencectl.8 2>&1 >/dev/null)
	page=$(MANWIDTH=80 man -l tools/sitefencectl.8 2>/dev/null)
	[[ -z $warn && $page == *"EXIT STATUS"* && $page == *"SEE ALSO"* ]]
	check "the manual page renders without warnings" $? "$warn"
else
	skip "the manual page renders without warnings" "man is not installed"
fi

plan_done
