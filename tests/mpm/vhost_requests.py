#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""tests/mpm/vhost_requests.py — the client of tests/mpm/host_vhost_diff.sh.

  vhost_requests.py gen SEED COUNT NAME...          print COUNT requests, one per line,
                                                    escaped, then those at httpd's limits
  vhost_requests.py gen-tls SEED COUNT NAME...      the same, each after "SNI<TAB>" ("-": none)
  vhost_requests.py send ADDR PORT < requests       send each, print "STATUS BODY" per line
  vhost_requests.py send-tls ADDR PORT < requests   the same over TLS with the line's SNI
  vhost_requests.py sni-tls ADDR PORT < requests    each line's SNI, also as Host: which
                                                    vhost the SNI alone reaches

The requests vary what Apache's vhost matching reads: the Host header (case, trailing dots,
ports, whitespace, repeats, IP literals, odd bytes), the request-target (absolute URIs that
name another host), the protocol version, and fields around them. Deterministic for a seed.
"""
import random
import socket
import ssl
import sys


def variants(name):
    """Spellings of one host name that Apache may or may not take for it."""
    return [name, name.upper(), name.title(), name + ".", name + "..", "." + name,
            name + ":", name + ":0", name + ":80", name + ":65535", name + ":65536",
            name + ":8o", " " + name, name + " ", name + "\t", name.replace(".", ".."),
            name + "%00", name + "_", "-" + name, name + "-", name.replace(".", "-"),
            "[" + name + "]", name + "/x", name + "@x", "x@" + name, name + "#"]


EXTRA = ["", "127.0.0.1", "127.0.0.2", "127.1", "0x7f.1", "[::1]", "[::1]:80", "[::ffff:127.0.0.1]",
         "localhost", "LOCALHOST.", "*", "*.wild.a.test", "wild.a.test", ".wild.a.test",
         "x.wild.a.test", "x.y.wild.a.test", "X.WILD.A.TEST.", "a1.glob.test", "ab.glob.test",
         "a.glob.test", "A9.GLOB.TEST", "xn--bcher-kva.test", "b\u00fccher.test", "a.test\\",
         "a.test\x7f", "a.test\x01", "a..test", "300.0.0.1", "1.2.3.4:5", "-", "_"]

TARGETS = ["/id.txt", "http://{h}/id.txt", "HTTP://{H}/id.txt", "https://{h}/id.txt",
           "http://{h}:1/id.txt", "http://{h}", "//{h}/id.txt", "*", "id.txt", "http:/id.txt",
           "http://{h}@evil/id.txt", "/id.txt?h=http://{h}/", "/%2e%2e/id.txt"]


def one(rnd, names):
    def pick():
        r = rnd.random()
        if r < 0.45:
            return rnd.choice(names)
        if r < 0.85:
            return rnd.choice(variants(rnd.choice(names)))
        return rnd.choice(EXTRA)
    host, other = pick(), pick()
    version = rnd.choice(["HTTP/1.1"] * 12 + ["HTTP/1.0"] * 3 + ["HTTP/1.2", "HTTP/2.0", "http/1.1",
                                                                  "HTTP/01.1", ""])
    target = rnd.choice(TARGETS[:1] * 12 + TARGETS).replace("{h}", other).replace(
        "{H}", other.upper())
    method = rnd.choice(["GET"] * 12 + ["HEAD", "get", "OPTIONS", "BREW"])
    line = f"{method} {target} {version}".rstrip() if version else f"{method} {target}"
    fields = []
    n_host = rnd.choice([1] * 16 + [0, 2])
    for i in range(n_host):
        name = rnd.choice(["Host"] * 12 + ["host", "HOST", "Host ", " Host", "Hos t"])
        value = host if i == 0 else other
        sep = rnd.choice([": "] * 12 + [":", ":  ", ":\t"])
        fields.append(f"{name}{sep}{value}")
    if rnd.random() < 0.2:
        fields.insert(rnd.randrange(len(fields) + 1), rnd.choice(
            ["X-Forwarded-Host: b.test", "Connection: keep-alive", "User-Agent: t",
             "Accept: */*", " folded", "Bad Field: x", "Content-Length: 0"]))
    fields.append("Connection: close")
    return "\r\n".join([line] + fields) + "\r\n\r\n"


def limits(name):
    """Heads at httpd's default limits, each side of them: a request line of 8190 bytes
    (LimitRequestLine), a field of 8190 (LimitRequestFieldSize, also after folding, also the
    Host field itself), 100 fields (LimitRequestFields) and blank lines before the line."""
    line = "GET /id.txt?{} HTTP/1.1\r\nHost: " + name + "\r\n"
    for n in range(8172, 8182):
        yield line.format("a" * (n - 8)) + "\r\n"
    for n in range(8188, 8196):
        yield f"GET /id.txt HTTP/1.1\r\nHost: {name}\r\nX-Pad: {'x' * (n - 7)}\r\n\r\n"
        yield f"GET /id.txt HTTP/1.1\r\nHost: {name}{' ' * (n - 6 - len(name))}\r\n\r\n"
        yield f"GET /id.txt HTTP/1.1\r\nHost: {name}\r\nX-Fold: a\r\n {'z' * (n - 12)}\r\n\r\n"
    for n in range(97, 102):
        fields = "".join(f"X-F{i}: v\r\n" for i in range(n))
        yield f"GET /id.txt HTTP/1.1\r\nHost: {name}\r\n{fields}\r\n"
    for n in (1, 2, 9, 10, 11):
        yield "\r\n" * n + f"GET /id.txt HTTP/1.1\r\nHost: {name}\r\n\r\n"


def gen(seed, count, names):
    rnd = random.Random(seed)
    reqs = [one(rnd, names) for _ in range(count)] + list(limits(names[1]))
    for req in reqs:
        print(req.encode("latin-1", "backslashreplace").decode("latin-1")
              .encode("unicode_escape").decode("ascii"))


def gen_tls(seed, count, names):
    """SNI and Host: mostly the same name, sometimes another, a spelling, or no SNI."""
    rnd = random.Random(seed)
    for _ in range(count):
        sni = rnd.choice(names)
        r = rnd.random()
        if r < 0.15:
            sni = rnd.choice([sni.upper(), sni + ".", "unknown.test", "x" + sni])
        elif r < 0.25:
            sni = "-"
        host = rnd.choice([sni if sni != "-" else rnd.choice(names)] * 3 + names +
                          [v for v in variants(rnd.choice(names))[:6]])
        req = f"GET /id.txt HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        print(sni + "\t" + req.encode("unicode_escape").decode("ascii"))


def connect(addr, port, sni):
    """A socket to addr:port, over TLS when sni is not None ("-": TLS without SNI)."""
    sock = socket.create_connection((addr, port), timeout=10)
    if sni is None:
        return sock
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx.wrap_socket(sock, server_hostname=None if sni == "-" else sni)


def send(addr, port, tls, sni_only=False):
    for line in sys.stdin:
        sni = None
        if tls:
            sni, _, line = line.partition("\t")
        if sni_only:
            host = sni if sni != "-" else "no-sni.invalid"
            line = f"GET /id.txt HTTP/1.1\\r\\nHost: {host}\\r\\nConnection: close\\r\\n\\r\\n"
        req = line.rstrip("\n").encode("ascii").decode("unicode_escape").encode("latin-1")
        status, body = "-", ""
        try:
            with connect(addr, port, sni) as s:
                s.sendall(req)
                data = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            first = head.split(b"\r\n", 1)[0].split()
            if not data:
                status = "closed"
            elif not data.startswith(b"HTTP/"):
                # An HTTP/0.9 answer: the body alone, an error page or the file.
                if data.lstrip().startswith(b"<!DOCTYPE"):
                    status = "0.9-error"
                else:
                    status, rest = "0.9", data
            elif len(first) >= 2:
                status = first[1].decode("latin-1")
            # Only a served file's body says which vhost served it; error pages are the
            # server's (the dispatcher's 400 is not Apache's text), so they are not compared.
            if status in ("200", "0.9"):
                body = rest.decode("latin-1").strip()
        except (OSError, ValueError, UnicodeError) as e:
            status = "error:" + type(e).__name__
        print(status, body)


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] in ("gen", "gen-tls"):
        (gen if sys.argv[1] == "gen" else gen_tls)(int(sys.argv[2]), int(sys.argv[3]),
                                                   sys.argv[4:])
    elif len(sys.argv) == 4 and sys.argv[1] in ("send", "send-tls", "sni-tls"):
        send(sys.argv[2], int(sys.argv[3]), sys.argv[1] != "send", sys.argv[1] == "sni-tls")
    else:
        sys.exit(__doc__)
