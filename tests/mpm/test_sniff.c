// SPDX-License-Identifier: GPL-2.0
/*
 * test_sniff.c — unit tests of mpm/sniff.c, the parser with which the MPM's dispatcher chooses
 * the site of a new connection from the bytes it peeked without consuming them.  HTTP heads are
 * checked against what Apache httpd 2.4 (HttpProtocolOptions Strict, its default) would do with
 * them; TLS ClientHellos are built here field by field.  Every prefix of the samples is fed too,
 * since the dispatcher calls sniff() again after each peek, and a fixed-seed fuzz plus mutations
 * of the samples check that nothing crashes and every accepted host is normalised.  Runs on the
 * host; build it with -fsanitize=address,undefined or run it under valgrind.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sniff.h"
#include "tap.h"

#define PEEK_MAX 16384

/* ---------------------------------------------------------------------------------------------- */
/* Helpers                                                                                        */

/* A printable form of a sample for failure messages; four rotating buffers so that one message
 * may show two samples. */
static const char *show(const void *buf, size_t len)
{
	static char bufs[4][200];
	static int next;
	const unsigned char *p = buf;
	char *out = bufs[next++ % 4];
	size_t i, o = 0;

	for (i = 0; i < len && o < sizeof(bufs[0]) - 8; i++) {
		if (p[i] == '\r')
			o += sprintf(out + o, "\\r");
		else if (p[i] == '\n')
			o += sprintf(out + o, "\\n");
		else if (p[i] < 0x20 || p[i] >= 0x7f || p[i] == '\\')
			o += sprintf(out + o, "\\x%02x", p[i]);
		else
			out[o++] = (char)p[i];
	}
	if (i < len)
		o += sprintf(out + o, "...");
	out[o] = '\0';
	return out;
}

/* sniff() on an exact-size heap copy of buf, so that ASan and valgrind catch any overread. */
static struct sniff_result sniff_max(const void *buf, size_t len, size_t max)
{
	struct sniff_result r;
	unsigned char *copy = malloc(len ? len : 1);

	if (!copy) {
		TAP_FAIL("out of memory");
		memset(&r, 0, sizeof(r));
		return r;
	}
	memcpy(copy, buf, len);
	sniff(copy, len, max, &r);
	free(copy);
	return r;
}

static struct sniff_result sniff_buf(const void *buf, size_t len)
{
	return sniff_max(buf, len, PEEK_MAX);
}

static void explain(const struct sniff_result *r)
{
	printf("#   status %d, host \"%s\", http_status %d, error: %s\n", r->status, r->host,
	       r->http_status, r->error ? r->error : "(none)");
}

static bool expect_http_n(const void *req, size_t len, const char *host, unsigned port)
{
	struct sniff_result r = sniff_buf(req, len);
	const char *what = show(req, len);

	if (!ASSERT_EQ(r.status, SNIFF_HTTP, what)) {
		explain(&r);
		return false;
	}
	return ASSERT_STREQ(r.host, host, what) && ASSERT_EQ(r.port, port, what) &&
	       ASSERT_TRUE(r.error == NULL && r.http_status == 0, "no error on success");
}

static bool expect_http(const char *req, const char *host, unsigned port)
{
	return expect_http_n(req, strlen(req), host, port);
}

/* Expect SNIFF_BAD with this HTTP status and, unless NULL, this error text. */
static bool expect_bad_n(const void *req, size_t len, int status, const char *error)
{
	struct sniff_result r = sniff_buf(req, len);
	const char *what = show(req, len);

	if (!ASSERT_EQ(r.status, SNIFF_BAD, what)) {
		explain(&r);
		return false;
	}
	if (!ASSERT_EQ(r.http_status, status, what))
		explain(&r);
	if (!ASSERT_PTR(r.error, what))
		return false;
	return (!error || ASSERT_STREQ(r.error, error, what)) &&
	       ASSERT_STREQ(r.host, "", "no host on failure");
}

static bool expect_bad(const char *req, int status, const char *error)
{
	return expect_bad_n(req, strlen(req), status, error);
}

static bool expect_more(const char *req)
{
	struct sniff_result r = sniff_buf(req, strlen(req));

	if (!ASSERT_EQ(r.status, SNIFF_MORE, show(req, strlen(req)))) {
		explain(&r);
		return false;
	}
	return true;
}

/* The head of an HTTP/1.1 GET with this Host value. */
static const char *with_host(const char *value)
{
	static char req[1024];

	snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", value);
	return req;
}

/* ---------------------------------------------------------------------------------------------- */
/* A ClientHello builder                                                                          */

struct wbuf {
	unsigned char b[24576];
	size_t n;
};

static void put8(struct wbuf *w, unsigned v)
{
	if (w->n < sizeof(w->b))
		w->b[w->n++] = (unsigned char)v;
}

static void put16(struct wbuf *w, unsigned v)
{
	put8(w, v >> 8);
	put8(w, v & 0xff);
}

static void put24(struct wbuf *w, unsigned v)
{
	put8(w, v >> 16);
	put16(w, v & 0xffff);
}

static void put_mem(struct wbuf *w, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n--)
		put8(w, *s++);
}

static void put_zeros(struct wbuf *w, size_t n)
{
	while (n--)
		put8(w, 0);
}

/* Reserve a big-endian length field of `bytes` bytes; close_len() fills it in once the content
 * that it measures has been written. */
static size_t open_len(struct wbuf *w, int bytes)
{
	size_t at = w->n;

	put_zeros(w, bytes);
	return at;
}

static void close_len(struct wbuf *w, size_t at, int bytes)
{
	size_t v = w->n - at - bytes;
	int i;

	for (i = bytes - 1; i >= 0; i--, v >>= 8)
		w->b[at + i] = v & 0xff;
}

/* What the fixed part of every hello holds, as a TLS 1.3 client sends it (RFC 8446 4.1.2):
 * legacy_version TLS 1.2, 32 random bytes, a 32-byte legacy_session_id (middlebox compatibility
 * mode), two cipher suites and the null compression method. */
static void hello_fixed(struct wbuf *w)
{
	int i;

	put16(w, 0x0303);
	for (i = 0; i < 32; i++)
		put8(w, i);
	put8(w, 32);
	for (i = 0; i < 32; i++)
		put8(w, 0xa0 + i);
	put16(w, 4);
	put16(w, 0x1301); /* TLS_AES_128_GCM_SHA256 */
	put16(w, 0xc02f); /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
	put8(w, 1);
	put8(w, 0);
}

struct hello {
	const char *sni;	 /* server_name to offer; NULL: no server_name extension */
	const char *alpn[4];	 /* ALPN protocols, NULL-terminated; none: no ALPN extension */
	const struct wbuf *extra; /* raw extensions appended after the others, or NULL */
	bool no_extensions;	 /* end after compression_methods, as an SSL 3.0 client may */
};

static void ext_sni(struct wbuf *w, const char *name, size_t len)
{
	size_t ext, list;

	put16(w, 0); /* server_name */
	ext = open_len(w, 2);
	list = open_len(w, 2);
	put8(w, 0); /* host_name */
	put16(w, len);
	put_mem(w, name, len);
	close_len(w, list, 2);
	close_len(w, ext, 2);
}

static void ext_alpn(struct wbuf *w, const char *const *protos)
{
	size_t ext, list;

	put16(w, 16); /* application_layer_protocol_negotiation */
	ext = open_len(w, 2);
	list = open_len(w, 2);
	for (; *protos; protos++) {
		put8(w, strlen(*protos));
		put_mem(w, *protos, strlen(*protos));
	}
	close_len(w, list, 2);
	close_len(w, ext, 2);
}

/* The body of a ClientHello; the extensions block starts with supported_versions, so that the
 * parser has to skip an extension it does not know before it meets the ones it wants. */
static void hello_body(struct wbuf *w, const struct hello *h)
{
	size_t exts;

	hello_fixed(w);
	if (h->no_extensions)
		return;
	exts = open_len(w, 2);
	put16(w, 43); /* supported_versions: TLS 1.3, TLS 1.2 */
	put16(w, 5);
	put8(w, 4);
	put16(w, 0x0304);
	put16(w, 0x0303);
	if (h->sni)
		ext_sni(w, h->sni, strlen(h->sni));
	if (h->alpn[0])
		ext_alpn(w, h->alpn);
	if (h->extra)
		put_mem(w, h->extra->b, h->extra->n);
	close_len(w, exts, 2);
}

/* The handshake message (type client_hello, 24-bit length, body) cut into handshake records of at
 * most frag bytes each (0: a single record), each with a TLS 1.0 record header as clients send. */
static void hello_records(const struct wbuf *body, size_t frag, struct wbuf *out)
{
	struct wbuf msg = { .n = 0 };
	size_t off, n;

	put8(&msg, 1);
	put24(&msg, body->n);
	put_mem(&msg, body->b, body->n);
	if (!frag)
		frag = msg.n;
	out->n = 0;
	for (off = 0; off < msg.n; off += n) {
		n = msg.n - off < frag ? msg.n - off : frag;
		put8(out, 0x16);
		put16(out, 0x0301);
		put16(out, n);
		put_mem(out, msg.b + off, n);
	}
}

static void build_hello(const struct hello *h, size_t frag, struct wbuf *out)
{
	struct wbuf body = { .n = 0 };

	hello_body(&body, h);
	hello_records(&body, frag, out);
}

static bool expect_tls(const struct wbuf *w, const char *host, int alpn_h2)
{
	struct sniff_result r = sniff_buf(w->b, w->n);

	if (!ASSERT_EQ(r.status, SNIFF_TLS, "ClientHello")) {
		explain(&r);
		return false;
	}
	return ASSERT_STREQ(r.host, host, "server name") &&
	       ASSERT_EQ(r.alpn_h2, alpn_h2, "h2 offered") && ASSERT_EQ(r.port, 0, "port") &&
	       ASSERT_STREQ(r.method, "", "method") && ASSERT_EQ(r.http_status, 0, "http_status") &&
	       ASSERT_TRUE(r.error == NULL, "no error");
}

static bool expect_tls_bad(const struct wbuf *w, const char *error)
{
	struct sniff_result r = sniff_buf(w->b, w->n);

	if (!ASSERT_EQ(r.status, SNIFF_BAD, error)) {
		explain(&r);
		return false;
	}
	return ASSERT_STREQ(r.error, error, "error") &&
	       ASSERT_EQ(r.http_status, 0, "http_status") &&
	       ASSERT_STREQ(r.host, "", "no host on failure");
}

/* A ClientHello around a hand-written body, expected to be refused with error. */
static bool expect_body_bad(const struct wbuf *body, const char *error)
{
	struct wbuf w;

	hello_records(body, 0, &w);
	return expect_tls_bad(&w, error);
}

/* A ClientHello with SNI a.example whose extensions block ends with the raw bytes of extra. */
static bool expect_extra_bad(const struct wbuf *extra, const char *error)
{
	struct hello h = { .sni = "a.example", .extra = extra };
	struct wbuf w;

	build_hello(&h, 0, &w);
	return expect_tls_bad(&w, error);
}

/* A hello whose server_name holds exactly these len bytes (which may be none, or hold a NUL). */
static void hello_with_sni_bytes(const char *name, size_t len, size_t frag, struct wbuf *out)
{
	static struct wbuf extra;
	struct hello h = { .extra = &extra };

	extra.n = 0;
	ext_sni(&extra, name, len);
	build_hello(&h, frag, out);
}

/* ---------------------------------------------------------------------------------------------- */
/* HTTP: where the host comes from                                                                */

static void test_http_get_with_host_header(void)
{
	static const char req[] = "GET /index.php?a=1 HTTP/1.1\r\nHost: www.example.com\r\n\r\n";
	struct sniff_result r = sniff_buf(req, strlen(req));

	if (!ASSERT_EQ(r.status, SNIFF_HTTP, "status")) {
		explain(&r);
		return;
	}
	ASSERT_STREQ(r.host, "www.example.com", "host");
	ASSERT_EQ(r.port, 0, "port");
	ASSERT_STREQ(r.method, "GET", "method");
	ASSERT_STREQ(r.target, "/index.php?a=1", "target");
	ASSERT_EQ(r.http_major, 1, "major");
	ASSERT_EQ(r.http_minor, 1, "minor");
	ASSERT_EQ(r.alpn_h2, 0, "alpn_h2");
	ASSERT_EQ(r.http_status, 0, "http_status");
	ASSERT_TRUE(r.error == NULL, "no error");
}

static void test_http_host_header_after_other_headers(void)
{
	expect_http("POST /form HTTP/1.1\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n"
		    "Content-Length: 3\r\nContent-Type: text/plain\r\nHost: late.example\r\n\r\n",
		    "late.example", 0);
}

static void test_host_header_name_is_case_insensitive(void)
{
	expect_http("GET / HTTP/1.1\r\nhOsT: a.example\r\n\r\n", "a.example", 0);
	expect_http("GET / HTTP/1.1\r\nHOST: a.example\r\n\r\n", "a.example", 0);
	/* Names that merely start with "host" are other fields. */
	expect_http("GET / HTTP/1.1\r\nHosts: x.example\r\nHost: a.example\r\n\r\n",
		    "a.example", 0);
}

/* fix_hostname(): lower-case, one trailing dot dropped, port split off, IPv6 kept in brackets. */
static void test_host_normalised_like_fix_hostname(void)
{
	static const struct {
		const char *value, *host;
		unsigned port;
	} cases[] = {
		{ "WWW.Example.COM", "www.example.com", 0 },
		{ "a.example.", "a.example", 0 },
		{ "a.example.:8080", "a.example", 8080 },
		{ "a.example:00080", "a.example", 80 },
		{ "a.example:65535", "a.example", 65535 },
		{ "[::1]", "[::1]", 0 },
		{ "[::1]:8443", "[::1]", 8443 },
		{ "[2001:DB8::A]", "[2001:db8::a]", 0 },
		{ "[::ffff:192.0.2.1]:81", "[::ffff:192.0.2.1]", 81 },
		{ "192.0.2.1:8080", "192.0.2.1", 8080 },
		{ "0.0.0.0", "0.0.0.0", 0 },
		{ "localhost", "localhost", 0 },
		{ "under_score-dash.example", "under_score-dash.example", 0 },
		{ "xn--bcher-kva.example", "xn--bcher-kva.example", 0 },
		{ "1a.example", "1a.example", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_http(with_host(cases[i].value), cases[i].host, cases[i].port);
}

static void test_host_value_whitespace_is_trimmed(void)
{
	expect_http("GET / HTTP/1.1\r\nHost: \t a.example \t \r\n\r\n", "a.example", 0);
	expect_http("GET / HTTP/1.1\r\nHost:a.example\r\n\r\n", "a.example", 0);
}

/* What strict httpd answers 400 for (fix_hostname, strict_hostname_check, apr_parse_addr_port). */
static void test_invalid_host_is_400(void)
{
	static const struct {
		const char *value, *error;
	} cases[] = {
		{ "a/b.example", "invalid character in Host header" },
		{ "a\\b.example", "invalid character in Host header" },
		{ "a b.example", "invalid character in Host header" },
		{ "a.example, b.example", "invalid character in Host header" },
		{ "a%2eexample", "invalid character in Host header" },
		{ "a.example:", "invalid character in Host header" },
		{ "a..example", "empty label in Host header" },
		{ "..", "empty label in Host header" },
		{ ".", "Host header is only a dot" },
		{ "8080", "purely numeric Host header" },
		{ ":80", "Host header has a port but no host" },
		{ "a.example:0", "invalid port in Host header" },
		{ "a.example:65536", "invalid port in Host header" },
		{ "a.example:99999999999999999999", "invalid port in Host header" },
		{ "a.example:8o", "invalid character in Host header" },
		{ "192.0.2", "malformed IPv4 address in Host header" },
		{ "192.0.2.01", "malformed IPv4 address in Host header" },
		{ "01.2.3.4", "malformed IPv4 address in Host header" },
		{ "1.2.3.4.5", "malformed IPv4 address in Host header" },
		{ "a.1example", "top-level domain in Host header starts with a digit" },
		{ "1.2.3.4a", "top-level domain in Host header starts with a digit" },
		{ "[::1", "malformed IPv6 literal in Host header" },
		{ "[::1]x", "malformed IPv6 literal in Host header" },
		{ "[fe80::1%eth0]", "malformed IPv6 literal in Host header" },
		{ "[zz::1]", "malformed IPv6 literal in Host header" },
		{ "[1:2:3:4:5:6:7:8:9]", "malformed IPv6 literal in Host header" },
		{ "[]", "malformed IPv6 literal in Host header" },
	};
	char longname[300];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_bad(with_host(cases[i].value), 400, cases[i].error);

	/* A 256-byte name is legal to httpd but cannot be any site's ServerName. */
	memset(longname, 'a', 256);
	longname[256] = '\0';
	expect_bad(with_host(longname), 400, "Host header too long");
	memset(longname, 'a', 299);
	longname[299] = '\0';
	expect_bad(with_host(longname), 400, "Host header too long");
	longname[255] = '\0';
	memset(longname, 'a', 255);
	expect_http(with_host(longname), longname, 0);
}

/* httpd serves HTTP/1.0 without a host name from the address's default virtual host. */
static void test_http10_without_host_has_empty_host(void)
{
	expect_http("GET / HTTP/1.0\r\nAccept: */*\r\n\r\n", "", 0);
	expect_http("GET / HTTP/1.0\r\nHost:\r\n\r\n", "", 0);
	expect_http("GET / HTTP/1.0\r\nHost:   \r\n\r\n", "", 0);
}

/* ap_check_request_header(): 1.1 and later need a host name, and 1.1 a Host field; an empty Host
 * names nothing, so it is 400 as well. */
static void test_missing_or_empty_host_on_http11_is_400(void)
{
	static const char *const reqs[] = {
		"GET / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost:\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: \t \r\n\r\n",
		"GET / HTTP/1.2\r\n\r\n",
		"GET http://a.example/ HTTP/1.1\r\n\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
		expect_bad(reqs[i], 400, "HTTP/1.1 request without a host name");
	/* Later 1.x versions are content with the host from an absolute URI. */
	expect_http("GET http://a.example/ HTTP/1.2\r\n\r\n", "a.example", 0);
}

static void test_duplicate_host_is_400(void)
{
	expect_bad("GET / HTTP/1.1\r\nHost: a.example\r\nHost: a.example\r\n\r\n", 400,
		   "duplicate Host header");
	expect_bad("GET / HTTP/1.1\r\nHost: a.example\r\nX: 1\r\nhost: b.example\r\n\r\n", 400,
		   "duplicate Host header");
	/* Even when an absolute URI makes httpd ignore them (RFC 9112 3.2). */
	expect_bad("GET http://a.example/ HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400,
		   "duplicate Host header");
	/* Refused as soon as the second one is complete. */
	expect_bad("GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n", 400,
		   "duplicate Host header");
}

static void test_absolute_uri_overrides_host(void)
{
	struct sniff_result r;
	static const char req[] = "GET http://B.Example:8080/x?y HTTP/1.1\r\n"
				  "Host: a.example\r\n\r\n";

	r = sniff_buf(req, strlen(req));
	if (!ASSERT_EQ(r.status, SNIFF_HTTP, "status"))
		return;
	ASSERT_STREQ(r.host, "b.example", "host from the URI");
	ASSERT_EQ(r.port, 8080, "port from the URI");
	ASSERT_STREQ(r.target, "http://B.Example:8080/x?y", "target as sent");
	/* httpd does not even look at a Host value it ignores. */
	expect_http("GET http://b.example/ HTTP/1.1\r\nHost: not/valid\r\n\r\n", "b.example", 0);
}

/* apr_uri_parse() cases that change where the host comes from. */
static void test_absolute_uri_forms(void)
{
	static const struct {
		const char *target, *host;
		unsigned port;
	} cases[] = {
		{ "HTTP://b.example", "b.example", 0 },
		{ "http://b.example?q=1", "b.example", 0 },
		{ "http://b.example:/x", "b.example", 0 },
		{ "http://b.example:0/x", "b.example", 0 },
		/* apr_uri_parse() reads the port with strtol() and range-checks nothing;
		 * httpd serves these (checked against prefork by host_vhost_diff.sh). */
		{ "http://b.example:+80/x", "b.example", 80 },
		{ "http://b.example:-1/x", "b.example", 0 },
		{ "http://b.example:65536/x", "b.example", 0 },
		{ "http://b.example:99999999999999999999999/x", "b.example", 0 },
		{ "https://b.example:-1/", "h.example", 0 },
		{ "http://b.example./x", "b.example", 0 },
		{ "http://[::1]:81/", "[::1]", 81 },
		{ "http:///x", "", 0 }, /* empty host: default vhost, Host still ignored */
		{ "http://[]/x", "", 0 },
		/* apr_uri_parse() drops the brackets; httpd reads a name inside as a name */
		{ "http://[B.Example.]:81/x", "b.example", 81 },
		{ "http://[10.0.0.1]/x", "10.0.0.1", 0 },
		{ "https://b.example/", "h.example", 0 }, /* not our scheme: Host decides */
		{ "ftp://b.example/", "h.example", 0 },
		{ "http:/x", "h.example", 0 },	/* no authority */
		{ "http:", "h.example", 0 },
	};
	char req[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: h.example\r\n\r\n",
			 cases[i].target);
		expect_http(req, cases[i].host, cases[i].port);
	}
}

static void test_bad_request_target_is_400(void)
{
	static const struct {
		const char *target, *error;
	} cases[] = {
		{ "http://user:pw@b.example/", "user information in request-target" },
		{ "http://@b.example/", "user information in request-target" },
		{ "/x#frag", "fragment in request-target" },
		{ "http://b.example:80x/", "invalid port in request-target" },
		{ "http://b.example:0x50/", "invalid port in request-target" },
		{ "http://b.example:+/", "invalid port in request-target" },
		{ "http://b.example:+-1/", "invalid port in request-target" },
		{ "https://b.example:8-0/", "invalid port in request-target" },
		{ "http://[::1/", "unterminated IPv6 literal in request-target" },
		{ "http://[::1]x/", "invalid character after IPv6 literal in request-target" },
		{ "http://[b%2eexample]/", "invalid character in request-target host" },
		{ "http://[z:z]/", "malformed IPv6 literal in request-target host" },
		{ "http://[b..example]/", "empty label in request-target host" },
		{ "http://b%2eexample/", "invalid character in request-target host" },
		{ "http://b..example/", "empty label in request-target host" },
		{ "http://1234/", "malformed IPv4 address in request-target host" },
		{ "http:x", "request-target path is not absolute" },
		{ "x:y", "request-target path is not absolute" },
		{ "index.html", "request-target is neither a path nor an absolute URI" },
		{ "*", "request-target is neither a path nor an absolute URI" },
		{ "?q", "request-target is neither a path nor an absolute URI" },
	};
	char req[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: h.example\r\n\r\n",
			 cases[i].target);
		expect_bad(req, 400, cases[i].error);
	}
}

/* httpd collapses leading slashes into a path: "//evil/x" must not name the host evil. */
static void test_double_slash_path_is_not_an_authority(void)
{
	expect_http("GET //evil.example/x HTTP/1.1\r\nHost: a.example\r\n\r\n", "a.example", 0);
	expect_http("GET ///evil.example HTTP/1.1\r\nHost: a.example\r\n\r\n", "a.example", 0);
}

/* ap_parse_uri() takes CONNECT's host:port as the host name, whatever the Host field says. */
static void test_connect_uses_authority_form_host(void)
{
	expect_http("CONNECT B.example:443 HTTP/1.1\r\nHost: a.example\r\n\r\n", "b.example", 443);
	expect_http("CONNECT [::1]:443 HTTP/1.1\r\nHost: a.example\r\n\r\n", "[::1]", 443);
	expect_bad("CONNECT b.example HTTP/1.1\r\nHost: a\r\n\r\n", 400,
		   "CONNECT request-target without a port");
	expect_bad("CONNECT b.example: HTTP/1.1\r\nHost: a\r\n\r\n", 400,
		   "CONNECT request-target without a port");
	expect_bad("CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n", 400,
		   "CONNECT request-target without a port");
}

static void test_options_asterisk_is_accepted(void)
{
	expect_http("OPTIONS * HTTP/1.1\r\nHost: a.example\r\n\r\n", "a.example", 0);
	expect_bad("GET * HTTP/1.1\r\nHost: a.example\r\n\r\n", 400, NULL);
}

/* ---------------------------------------------------------------------------------------------- */
/* HTTP: the framing of the head                                                                  */

static void test_http09_request_has_no_host(void)
{
	struct sniff_result r = sniff_buf("GET /old.html\r\n", 15);

	if (!ASSERT_EQ(r.status, SNIFF_HTTP, "status")) {
		explain(&r);
		return;
	}
	ASSERT_STREQ(r.host, "", "no host");
	ASSERT_EQ(r.http_major, 0, "major");
	ASSERT_EQ(r.http_minor, 9, "minor");
	ASSERT_STREQ(r.target, "/old.html", "target");
	/* Complete at its first line, whatever follows. */
	expect_http("GET /old.html\nHost: a.example\r\n", "", 0);
	/* The absolute form still names a host, as in ap_parse_uri(). */
	expect_http("GET http://a.example/\r\n", "a.example", 0);
	/* A single SP after the target still leaves the version empty. */
	expect_http("GET /old.html \r\n", "", 0);
	expect_more("GET /old.html");
}

/* Strict httpd serves HTTP/0.9 for GET only (not even HEAD). */
static void test_http09_accepts_only_get(void)
{
	expect_bad("HEAD /old.html\r\n", 400, "HTTP/0.9 request with a method other than GET");
	expect_bad("POST /old.html\r\n", 400, "HTTP/0.9 request with a method other than GET");
}

static void test_bare_lf_line_endings_accepted(void)
{
	expect_http("GET / HTTP/1.1\nHost: a.example\n\n", "a.example", 0);
	expect_http("GET / HTTP/1.1\r\nHost: a.example\n\r\n", "a.example", 0);
	expect_more("GET / HTTP/1.1\nHost: a.example\n");
}

static void test_leading_blank_lines_skipped_up_to_ten(void)
{
	char req[256];
	int i, n = 0;

	for (i = 0; i < 10; i++)
		n += snprintf(req + n, sizeof(req) - n, i % 2 ? "\r\n" : "\n");
	snprintf(req + n, sizeof(req) - n, "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n");
	expect_http(req, "a.example", 0);

	snprintf(req, sizeof(req), "%s", "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
					 "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n");
	expect_bad(req, 400, "too many blank lines before the request line");
	expect_more("\r\n\r\n\r");
}

static void test_obs_fold_joins_header_lines(void)
{
	expect_http("GET / HTTP/1.1\r\nX-Long: one\r\n two\r\n\tthree\r\nHost: a.example\r\n\r\n",
		    "a.example", 0);
	/* The fold is joined with one SP, so an empty Host line followed by a fold names a host. */
	expect_http("GET / HTTP/1.1\r\nHost:\r\n   a.example  \r\n\r\n", "a.example", 0);
	/* ... and a folded Host value gains a space, which no host name holds. */
	expect_bad("GET / HTTP/1.1\r\nHost: a\r\n .example\r\n\r\n", 400,
		   "invalid character in Host header");
}

static void test_bad_folds_are_400(void)
{
	char req[9000];
	int n;

	expect_bad("GET / HTTP/1.1\r\n Host: a.example\r\n\r\n", 400,
		   "folded line before the first header field");
	expect_bad("GET / HTTP/1.1\r\n Ho", 400, "folded line before the first header field");
	expect_bad("GET / HTTP/1.1\r\nX: a\r\n \t \r\nHost: a.example\r\n\r\n", 400,
		   "empty folded header line");
	expect_bad("GET / HTTP/1.1\r\nX: a\r\n b\x01\r\nHost: a.example\r\n\r\n", 400,
		   "invalid character in header value");

	/* httpd refuses a field that folding makes longer than LimitRequestFieldSize. */
	n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nX: a\r\n ");
	memset(req + n, 'b', 8190);
	snprintf(req + n + 8190, sizeof(req) - n - 8190, "\r\nHost: a\r\n\r\n");
	expect_bad(req, 400, "header field too long after folding");
}

static void test_header_line_syntax_errors_are_400(void)
{
	static const struct {
		const char *field, *error;
	} cases[] = {
		{ "NoColonHere", "header line without ':'" },
		{ "Host : a.example", "invalid character in header name" },
		{ "Bad(Name): x", "invalid character in header name" },
		{ ": x", "empty header name" },
		{ "X: a\x7f", "invalid character in header value" },
		{ "X: a\rb", "invalid character in header value" },
		{ "X: a\x0b", "invalid character in header value" },
	};
	char req[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(req, sizeof(req), "GET / HTTP/1.1\r\n%s\r\nHost: a.example\r\n\r\n",
			 cases[i].field);
		expect_bad(req, 400, cases[i].error);
	}
	/* httpd (PR 43039) refuses a NUL inside a line. */
	expect_bad_n("GET / HTTP/1.1\r\nX: a\0b\r\nHost: a.example\r\n\r\n", 43, 400,
		     "invalid character in header value");
}

/* ap_parse_request_line() in strict mode. */
static void test_request_line_syntax_errors_are_400(void)
{
	static const struct {
		const char *line, *error;
	} cases[] = {
		{ "GET  / HTTP/1.1", "invalid whitespace in request line" },
		{ "GET /  HTTP/1.1", "malformed HTTP version" },
		{ "GET\t/ HTTP/1.1", "invalid character in request method" },
		{ "GET /\tHTTP/1.1", "invalid character in request-target" },
		{ " GET / HTTP/1.1", "invalid character in request method" },
		{ "GE(T / HTTP/1.1", "invalid character in request method" },
		{ "GET", "request line has no request-target" },
		{ "GET ", "request line has no request-target" },
		{ "GET / http/1.1", "malformed HTTP version" },
		{ "GET / HTTP/0.9", "malformed HTTP version" },
		{ "GET / HTTP/1.10", "malformed HTTP version" },
		{ "GET / HTTP/1.1 ", "malformed HTTP version" },
		{ "GET / HTTP/1", "malformed HTTP version" },
		{ "GET / HTTP/1.x", "malformed HTTP version" },
		{ "GET / FOO/1.1", "malformed HTTP version" },
		{ "GET /a\x01 HTTP/1.1", "invalid character in request-target" },
	};
	char req[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(req, sizeof(req), "%s\r\nHost: a.example\r\n\r\n", cases[i].line);
		expect_bad(req, 400, cases[i].error);
	}
	/* Methods are tokens, not a fixed list: httpd's LenientMethods lets the handler decide. */
	expect_http("get / HTTP/1.1\r\nHost: a.example\r\n\r\n", "a.example", 0);
	expect_http("PROPFIND /dav/ HTTP/1.1\r\nHost: a.example\r\n\r\n", "a.example", 0);
	/* obs-text is allowed in the target. */
	expect_http("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a.example\r\n\r\n", "a.example", 0);
}

/* Junk must not make the dispatcher wait for the peek limit or a timeout. */
static void test_binary_junk_is_refused_without_waiting(void)
{
	expect_bad_n("\x01\x02\x03", 3, 400, "invalid character in request method");
	expect_bad_n("\0", 1, 400, "invalid character in request method");
	expect_bad("get /\x1b[2J", 400, "invalid character in request-target");
	expect_bad("GET / HTTP/1.1\r\n\x7f", 400, "invalid character in header name");
	/* An SSH banner even parses as an HTTP/0.9 request line, with a relative target. */
	expect_bad("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", 400,
		   "request-target is neither a path nor an absolute URI");
	expect_bad("GET / HTTX", 400, "malformed HTTP version");
}

/* httpd 2.4 would serve these as HTTP/1.1; we answer 505 and name the h2c preface. */
static void test_unknown_major_version_is_505(void)
{
	expect_bad("GET / HTTP/2.0\r\nHost: a.example\r\n\r\n", 505,
		   "unsupported HTTP major version");
	expect_bad("GET / HTTP/3.1\r\n", 505, "unsupported HTTP major version");
	expect_bad("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505,
		   "HTTP/2 connection preface (h2c prior knowledge) not supported");
	expect_http("GET / HTTP/1.0\r\n\r\n", "", 0);
	expect_http("GET / HTTP/1.9\r\nHost: a.example\r\n\r\n", "a.example", 0);
}

/* A request line of `content` bytes before its CRLF, with a Host field after it. */
static size_t long_request(char *buf, size_t content, bool complete)
{
	size_t n = 0;

	memcpy(buf, "GET /", 5);
	n = 5;
	memset(buf + n, 'a', content - 5 - 9);
	n = content - 9;
	memcpy(buf + n, " HTTP/1.1", 9);
	n += 9;
	if (complete) {
		memcpy(buf + n, "\r\nHost: a.example\r\n\r\n", 21);
		n += 21;
	}
	return n;
}

/* LimitRequestLine 8190; httpd's reader lets one more byte through (see sniff.c). */
static void test_overlong_request_line_is_414(void)
{
	static char req[9000];
	size_t n;

	n = long_request(req, 8191, true);
	expect_http_n(req, n, "a.example", 0);
	n = long_request(req, 8192, true);
	expect_bad_n(req, n, 414, "request line too long");
	/* Known as soon as the 8192nd byte has come without an LF. */
	n = long_request(req, 8192, false);
	expect_bad_n(req, n, 414, "request line too long");
	ASSERT_EQ(sniff_buf(req, n - 1).status, SNIFF_MORE, "8191 bytes without LF yet");
}

static void test_overlong_header_line_is_400(void)
{
	static char req[9000];
	int n;

	n = sprintf(req, "GET / HTTP/1.1\r\nX: ");
	memset(req + n, 'a', 8191 - 3);
	n += 8191 - 3;
	n += sprintf(req + n, "\r\nHost: a.example\r\n\r\n");
	expect_http_n(req, n, "a.example", 0);

	n = sprintf(req, "GET / HTTP/1.1\r\nX: ");
	memset(req + n, 'a', 8192 - 3);
	n += 8192 - 3;
	expect_bad_n(req, n, 400, "header line too long");
}

static void test_too_many_headers_is_400(void)
{
	static char req[4096];
	int i, n;

	n = sprintf(req, "GET / HTTP/1.1\r\n");
	for (i = 0; i < 99; i++)
		n += sprintf(req + n, "X-%d: v\r\n", i);
	n += sprintf(req + n, "Host: a.example\r\n\r\n");
	expect_http_n(req, n, "a.example", 0);

	n = sprintf(req, "GET / HTTP/1.1\r\n");
	for (i = 0; i < 100; i++)
		n += sprintf(req + n, "X-%d: v\r\n", i);
	n += sprintf(req + n, "Host: a.example\r\n\r\n");
	expect_bad_n(req, n, 400, "too many header fields");
}

/* The head has not ended within what the caller will ever peek. */
static void test_head_beyond_peek_limit_is_431(void)
{
	static const char head[] = "GET / HTTP/1.1\r\nHost: a.example\r\nCookie: abcdefgh";
	static const char line[] = "GET /abcdefghijklmnopqrstuvwxyz";
	struct sniff_result r;

	r = sniff_max(head, strlen(head), strlen(head));
	ASSERT_EQ(r.status, SNIFF_BAD, "head at the limit");
	ASSERT_EQ(r.http_status, 431, "431");
	ASSERT_STREQ(r.error, "request head larger than the peek limit", "error");
	r = sniff_max(head, strlen(head), strlen(head) + 1);
	ASSERT_EQ(r.status, SNIFF_MORE, "one byte below the limit");

	r = sniff_max(line, strlen(line), strlen(line));
	ASSERT_EQ(r.status, SNIFF_BAD, "request line at the limit");
	ASSERT_EQ(r.http_status, 414, "414");
	ASSERT_STREQ(r.error, "request line longer than the peek limit", "error");

	r = sniff_max("", 0, 0);
	ASSERT_EQ(r.status, SNIFF_BAD, "nothing, and nothing more to come");
}

/* Host may be the last field, or repeated later: nothing is trusted before the empty line. */
static void test_host_not_trusted_before_end_of_head(void)
{
	expect_more("GET / HTTP/1.1\r\nHost: a.example\r\n");
	expect_more("GET / HTTP/1.1\r\nHost: a.example\r\nX-Other: 1\r\n");
	expect_more("GET / HTTP/1.1\r\nHost: a.example\r\n\r");
	expect_more("GET http://a.example/ HTTP/1.1\r\n");
	/* A fold could still extend the value. */
	expect_more("GET / HTTP/1.1\r\nHost:\r\n");
}

static void test_bytes_after_head_are_ignored(void)
{
	expect_http("POST /f HTTP/1.1\r\nHost: a.example\r\nContent-Length: 5\r\n\r\nhe\0lo",
		    "a.example", 0);
	/* A pipelined request for another site: only the first counts here (see the report on
	 * keep-alive: the worker must check the host of every later request itself). */
	expect_http("GET / HTTP/1.1\r\nHost: a.example\r\n\r\n"
		    "GET / HTTP/1.1\r\nHost: b.example\r\n\r\n",
		    "a.example", 0);
}

static void test_long_method_and_target_are_truncated(void)
{
	static char req[1024];
	struct sniff_result r;
	int n;

	n = sprintf(req, "%s /", "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ");
	memset(req + n, 'p', 600);
	n += 600;
	n += sprintf(req + n, " HTTP/1.1\r\nHost: a.example\r\n\r\n");
	r = sniff_buf(req, n);
	ASSERT_EQ(r.status, SNIFF_HTTP, "status");
	ASSERT_EQ(strlen(r.method), sizeof(r.method) - 1, "method truncated");
	ASSERT_EQ(strlen(r.target), sizeof(r.target) - 1, "target truncated");
	ASSERT_STREQ(r.host, "a.example", "host");
}

/* ---------------------------------------------------------------------------------------------- */
/* TLS                                                                                            */

static void test_tls_sni_extracted(void)
{
	struct hello h = { .sni = "www.example.com" };
	struct wbuf w;

	build_hello(&h, 0, &w);
	expect_tls(&w, "www.example.com", 0);
}

static void test_tls_sni_normalised(void)
{
	struct hello h = { .sni = "WWW.Example.COM." };
	struct wbuf w;

	build_hello(&h, 0, &w);
	expect_tls(&w, "www.example.com", 0);
}

static void test_tls_alpn_h2_detected(void)
{
	struct hello h = { .sni = "a.example", .alpn = { "http/1.1", "h2" } };
	struct hello h1 = { .sni = "a.example", .alpn = { "http/1.1" } };
	struct hello h2c = { .sni = "a.example", .alpn = { "h2c", "h", "h2x" } };
	struct wbuf w;

	build_hello(&h, 0, &w);
	expect_tls(&w, "a.example", 1);
	build_hello(&h1, 0, &w);
	expect_tls(&w, "a.example", 0);
	build_hello(&h2c, 0, &w);
	expect_tls(&w, "a.example", 0);
}

static void test_tls_without_sni_has_empty_host(void)
{
	struct hello none = { .no_extensions = true };
	struct hello nosni = { .alpn = { "h2" } };
	struct wbuf w;

	build_hello(&none, 0, &w);
	expect_tls(&w, "", 0);
	build_hello(&nosni, 0, &w);
	expect_tls(&w, "", 1);
}

static void test_tls_clienthello_split_over_two_records(void)
{
	struct hello h = { .sni = "split.example", .alpn = { "h2" } };
	struct wbuf w;

	/* The message is 121 bytes: a cut after 80 leaves the extensions to the second record. */
	build_hello(&h, 80, &w);
	ASSERT_TRUE(w.n == 121 + 2 * 5 && w.b[5 + 80] == 0x16, "two records");
	expect_tls(&w, "split.example", 1);
	/* ... and one after 110 falls inside the server name. */
	build_hello(&h, 110, &w);
	ASSERT_TRUE(w.n == 121 + 2 * 5 && w.b[5 + 110] == 0x16, "two records");
	expect_tls(&w, "split.example", 1);
}

/* The extreme case: every byte of the handshake in its own record, headers included. */
static void test_tls_clienthello_in_one_byte_records(void)
{
	struct hello h = { .sni = "tiny.example", .alpn = { "h2" } };
	struct wbuf w;

	build_hello(&h, 1, &w);
	expect_tls(&w, "tiny.example", 1);
}

static void test_tls_bad_server_name_is_bad(void)
{
	static const struct {
		const char *name;
		size_t len;
		const char *error;
	} cases[] = {
		{ "a\0.example", 10, "NUL byte in server name" },
		{ "a.example\0", 10, "NUL byte in server name" },
		{ "a/b.example", 11, "invalid character in server name" },
		{ "a.example:443", 13, "invalid character in server name" },
		{ "[::1]", 5, "invalid character in server name" },
		{ "a..example", 10, "empty label in server name" },
		{ ".", 1, "server name is only a dot" },
		{ "a.1example", 10, "top-level domain in server name starts with a digit" },
		{ "", 0, "empty server name" },
	};
	char longname[257];
	struct wbuf w;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hello_with_sni_bytes(cases[i].name, cases[i].len, 0, &w);
		expect_tls_bad(&w, cases[i].error);
	}
	/* OpenSSL's limit (TLSEXT_MAXLEN_host_name) and ours. */
	memset(longname, 'a', 256);
	longname[256] = '\0';
	hello_with_sni_bytes(longname, 256, 0, &w);
	expect_tls_bad(&w, "server name too long");
	longname[255] = '\0';
	hello_with_sni_bytes(longname, 255, 0, &w);
	expect_tls(&w, longname, 0);
}

/* mod_ssl uses the name only when the list holds one host_name entry; anything else is refused
 * rather than guessed at. */
static void test_tls_server_name_list_must_hold_one_host_name(void)
{
	struct wbuf extra;

	/* Two host_name entries. */
	extra.n = 0;
	put16(&extra, 0);
	put16(&extra, 2 + 2 * (3 + 9));
	put16(&extra, 2 * (3 + 9));
	put8(&extra, 0);
	put16(&extra, 9);
	put_mem(&extra, "a.example", 9);
	put8(&extra, 0);
	put16(&extra, 9);
	put_mem(&extra, "b.example", 9);
	{
		struct hello h = { .extra = &extra };
		struct wbuf w;

		build_hello(&h, 0, &w);
		expect_tls_bad(&w, "server_name list must hold exactly one host_name");
	}

	/* One entry of a name type other than host_name (0). */
	extra.n = 0;
	put16(&extra, 0);
	put16(&extra, 2 + 3 + 9);
	put16(&extra, 3 + 9);
	put8(&extra, 1);
	put16(&extra, 9);
	put_mem(&extra, "a.example", 9);
	{
		struct hello h = { .extra = &extra };
		struct wbuf w;

		build_hello(&h, 0, &w);
		expect_tls_bad(&w, "server_name entry is not a host_name");
	}

	/* A second server_name extension after a good one. */
	extra.n = 0;
	ext_sni(&extra, "b.example", 9);
	expect_extra_bad(&extra, "duplicate server_name extension");
}

/* The fixed fields of the body, each checked against the message length. */
static void test_tls_fixed_field_overruns_are_bad(void)
{
	static const struct {
		unsigned len, present;
		const char *error;
	} ciphers[] = {
		{ 3, 3, "cipher suite list length is odd or zero" },
		{ 0, 0, "cipher suite list length is odd or zero" },
		{ 100, 2, "cipher suites overrun the ClientHello" },
	};
	struct wbuf body;
	size_t i;

	/* legacy_session_id longer than the 32 bytes allowed */
	body.n = 0;
	put16(&body, 0x0303);
	put_zeros(&body, 32);
	put8(&body, 33);
	put_zeros(&body, 33);
	put16(&body, 2);
	put16(&body, 0x1301);
	put8(&body, 1);
	put8(&body, 0);
	expect_body_bad(&body, "session id longer than 32 bytes");

	/* legacy_session_id running past the end of the message */
	body.n = 0;
	put16(&body, 0x0303);
	put_zeros(&body, 32);
	put8(&body, 20);
	put_zeros(&body, 5);
	expect_body_bad(&body, "session id overruns the ClientHello");

	/* the random cut short */
	body.n = 0;
	put16(&body, 0x0303);
	put_zeros(&body, 10);
	expect_body_bad(&body, "ClientHello random overruns the message");

	/* cipher_suites of odd length, of zero length, past the end */
	for (i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++) {
		body.n = 0;
		put16(&body, 0x0303);
		put_zeros(&body, 32);
		put8(&body, 0);
		put16(&body, ciphers[i].len);
		put_zeros(&body, ciphers[i].present);
		put8(&body, 1);
		put8(&body, 0);
		expect_body_bad(&body, ciphers[i].error);
	}

	/* no compression method at all */
	body.n = 0;
	put16(&body, 0x0303);
	put_zeros(&body, 32);
	put8(&body, 0);
	put16(&body, 2);
	put16(&body, 0x1301);
	put8(&body, 0);
	expect_body_bad(&body, "no compression methods");
}

/* The extensions block and each extension's header, checked against the message. */
static void test_tls_extension_overruns_are_bad(void)
{
	struct wbuf body, extra;

	/* an extensions block longer than what is left of the message */
	body.n = 0;
	hello_fixed(&body);
	put16(&body, 50);
	put16(&body, 11);
	put16(&body, 0);
	expect_body_bad(&body, "ClientHello extensions length overruns the message");

	/* bytes after the extensions block */
	body.n = 0;
	hello_fixed(&body);
	put16(&body, 4);
	put16(&body, 11);
	put16(&body, 0);
	put16(&body, 0xdead);
	expect_body_bad(&body, "trailing bytes after the ClientHello extensions");

	/* a lone byte where an extension header should be */
	body.n = 0;
	hello_fixed(&body);
	put16(&body, 1);
	put8(&body, 0);
	expect_body_bad(&body, "ClientHello extension header overruns the message");

	/* an extension (type 42) claiming 16 bytes where 1 is left */
	extra.n = 0;
	put16(&extra, 42);
	put16(&extra, 16);
	put8(&extra, 0);
	expect_extra_bad(&extra, "ClientHello extension length overruns the message");
}

/* Inside server_name and ALPN, every list and name checked against its container. */
static void test_tls_sni_and_alpn_overruns_are_bad(void)
{
	struct wbuf body, extra;

	/* server_name whose list length disagrees with the extension length */
	body.n = 0;
	hello_fixed(&body);
	put16(&body, 4 + 5);
	put16(&body, 0);
	put16(&body, 5);
	put16(&body, 9);
	put8(&body, 0);
	put16(&body, 0);
	expect_body_bad(&body, "server_name list length does not match the extension");

	/* server_name whose one entry claims more bytes than its list holds */
	body.n = 0;
	hello_fixed(&body);
	put16(&body, 4 + 6);
	put16(&body, 0);
	put16(&body, 6);
	put16(&body, 4);
	put8(&body, 0);
	put16(&body, 10);
	put8(&body, 'a');
	expect_body_bad(&body, "server_name entry overruns the list");

	/* ALPN: list length wrong, empty list, empty name, name past the list, twice */
	extra.n = 0;
	put16(&extra, 16);
	put16(&extra, 5);
	put16(&extra, 7);
	put8(&extra, 2);
	put_mem(&extra, "h2", 2);
	expect_extra_bad(&extra, "ALPN list length does not match the extension");
	extra.n = 0;
	put16(&extra, 16);
	put16(&extra, 2);
	put16(&extra, 0);
	expect_extra_bad(&extra, "empty ALPN list");
	extra.n = 0;
	put16(&extra, 16);
	put16(&extra, 4);
	put16(&extra, 2);
	put8(&extra, 0);
	put8(&extra, 0);
	expect_extra_bad(&extra, "empty ALPN protocol name");
	extra.n = 0;
	put16(&extra, 16);
	put16(&extra, 5);
	put16(&extra, 3);
	put8(&extra, 5);
	put_mem(&extra, "h2", 2);
	expect_extra_bad(&extra, "ALPN protocol name overruns the list");
	extra.n = 0;
	ext_alpn(&extra, (const char *const[]){ "h2", NULL });
	ext_alpn(&extra, (const char *const[]){ "h2", NULL });
	expect_extra_bad(&extra, "duplicate ALPN extension");
}

static void test_tls_wrong_record_or_handshake_type_is_bad(void)
{
	static const unsigned char empty_record[] = { 0x16, 0x03, 0x01, 0x00, 0x00 };
	static const unsigned char huge_record[] = { 0x16, 0x03, 0x01, 0x48, 0x01 };
	struct hello h = { .sni = "a.example" };
	struct wbuf w, good;
	struct sniff_result r;

	build_hello(&h, 40, &good);

	w = good;
	w.b[5 + 40] = 0x17; /* the second record is application_data */
	expect_tls_bad(&w, "TLS record is not a handshake");
	w = good;
	w.b[5 + 40] = 0x15; /* ... or an alert */
	expect_tls_bad(&w, "TLS record is not a handshake");
	w = good;
	w.b[1] = 0x02; /* record version 2.x */
	expect_tls_bad(&w, "unsupported TLS record version");
	w = good;
	w.b[2] = 0x05; /* record version 3.5 */
	expect_tls_bad(&w, "unsupported TLS record version");
	w = good;
	w.b[5] = 2; /* server_hello */
	expect_tls_bad(&w, "TLS handshake is not a ClientHello");
	w = good;
	w.b[9] = 0x02; /* legacy_version 2.3 */
	expect_tls_bad(&w, "unsupported ClientHello version");

	r = sniff_buf(empty_record, sizeof(empty_record));
	ASSERT_STREQ(r.error, "empty TLS handshake record", "zero-length record");
	r = sniff_buf(huge_record, sizeof(huge_record));
	ASSERT_STREQ(r.error, "TLS record too long", "record over 2^14 + 2048");
	/* Known from the first bytes, before the rest has come. */
	r = sniff_buf("\x16\x02", 2);
	ASSERT_STREQ(r.error, "unsupported TLS record version", "early refusal");
	r = sniff_buf("\x16\x03\x01\x00\x10\x02", 6);
	ASSERT_STREQ(r.error, "TLS handshake is not a ClientHello", "early refusal");
}

static void test_sslv2_hello_is_bad(void)
{
	/* SSL 2.0 CLIENT-HELLO: 2-byte length with the high bit set, msg type 1, version 3.1. */
	static const unsigned char v2[] = { 0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15 };
	struct sniff_result r = sniff_buf(v2, sizeof(v2));

	ASSERT_EQ(r.status, SNIFF_BAD, "status");
	ASSERT_STREQ(r.error, "SSLv2 hello not supported", "error");
	r = sniff_buf(v2, 1);
	ASSERT_STREQ(r.error, "SSLv2 hello not supported", "known from the first byte");
}

static void test_tls_hello_beyond_peek_limit_is_bad(void)
{
	/* A handshake header announcing a 64 KiB ClientHello: no 16 KiB peek will ever hold it. */
	static const unsigned char big[] = { 0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x01, 0x00, 0x00 };
	struct hello h = { .sni = "a.example" };
	struct sniff_result r;
	struct wbuf w;

	r = sniff_buf(big, sizeof(big));
	ASSERT_EQ(r.status, SNIFF_BAD, "announced length");
	ASSERT_STREQ(r.error, "ClientHello larger than the peek limit", "error");

	/* One-byte records: six bytes of input per handshake byte. */
	build_hello(&h, 1, &w);
	r = sniff_max(w.b, w.n / 2, w.n / 2);
	ASSERT_EQ(r.status, SNIFF_BAD, "records beyond the limit");
	ASSERT_STREQ(r.error, "ClientHello larger than the peek limit", "error");
	r = sniff_max(w.b, w.n, w.n);
	ASSERT_EQ(r.status, SNIFF_TLS, "a hello that fits exactly");
}

/* ---------------------------------------------------------------------------------------------- */
/* Properties over whole sample sets                                                              */

struct sample {
	const unsigned char *p;
	size_t n;
	enum sniff_status status;
};

static const char *const http_valid[] = {
	"GET /index.php?x=1 HTTP/1.1\r\nUser-Agent: t\r\nHost: www.example.com\r\n"
	"Accept: */*\r\n\r\n",
	"\r\n\nPOST /f HTTP/1.0\nHost: a.example:8080\nX-Long: a\n b\n\n",
	"GET http://b.example/x HTTP/1.1\r\nHost: a.example\r\n\r\n",
	"GET /old\r\n",
	"CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n",
	"OPTIONS * HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
	"GET / HTTP/1.0\r\n\r\n",
};

static const char *const http_bad[] = {
	"GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n",
	"GET / HTTP/1.1\r\nFoo bar\r\n\r\n",
	"\x01\x02\x03GET / HTTP/1.1\r\n\r\n",
	"GET /a b HTTP/1.1\r\n\r\n",
	"GET / HTTP/2.0\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a..example\r\n\r\n",
	"GET / HTTP/1.1\r\n\r\n",
};

/* The TLS samples: four good hellos (one record, two, one-byte records, no extensions) and two
 * bad ones (a NUL in the server name, an alert where the second record should be). */
#define N_TLS 6
static struct wbuf tls_samples[N_TLS];
static const enum sniff_status tls_status[N_TLS] = {
	SNIFF_TLS, SNIFF_TLS, SNIFF_TLS, SNIFF_TLS, SNIFF_BAD, SNIFF_BAD,
};

static void build_tls_samples(void)
{
	struct hello full = { .sni = "www.example.com", .alpn = { "h2", "http/1.1" } };
	struct hello bare = { .no_extensions = true };

	build_hello(&full, 0, &tls_samples[0]);
	build_hello(&full, 100, &tls_samples[1]);
	build_hello(&full, 1, &tls_samples[2]);
	build_hello(&bare, 0, &tls_samples[3]);
	hello_with_sni_bytes("a\0b.example", 11, 0, &tls_samples[4]);
	build_hello(&full, 60, &tls_samples[5]);
	tls_samples[5].b[5 + 60] = 0x15;
}

static size_t all_samples(struct sample *s)
{
	size_t i, n = 0;

	build_tls_samples();
	for (i = 0; i < sizeof(http_valid) / sizeof(http_valid[0]); i++)
		s[n++] = (struct sample){ (const unsigned char *)http_valid[i],
					  strlen(http_valid[i]), SNIFF_HTTP };
	for (i = 0; i < sizeof(http_bad) / sizeof(http_bad[0]); i++)
		s[n++] = (struct sample){ (const unsigned char *)http_bad[i],
					  strlen(http_bad[i]), SNIFF_BAD };
	for (i = 0; i < N_TLS; i++)
		s[n++] = (struct sample){ tls_samples[i].b, tls_samples[i].n, tls_status[i] };
	return n;
}

#define MAX_SAMPLES 32

/* The dispatcher calls sniff() after every peek: a good sample must read SNIFF_MORE at every
 * prefix and its answer only when whole; a bad one may be refused early, but once refused it
 * must stay refused, and it must never pass for good. */
static void test_every_prefix_is_more_or_bad(void)
{
	struct sample s[MAX_SAMPLES];
	struct sniff_result whole, r;
	size_t i, k, n = all_samples(s);

	for (i = 0; i < n; i++) {
		const char *what = show(s[i].p, s[i].n);
		bool refused = false;

		whole = sniff_buf(s[i].p, s[i].n);
		if (!ASSERT_EQ(whole.status, s[i].status, what)) {
			explain(&whole);
			continue;
		}
		for (k = 0; k < s[i].n; k++) {
			r = sniff_buf(s[i].p, k);
			if (s[i].status != SNIFF_BAD && r.status != SNIFF_MORE) {
				TAP_FAIL("%s: prefix of %zu bytes gave %d (%s)", what, k, r.status,
					 r.error ? r.error : "no error");
				break;
			}
			if (r.status != SNIFF_MORE && r.status != SNIFF_BAD) {
				TAP_FAIL("%s: prefix of %zu bytes passed as %d", what, k, r.status);
				break;
			}
			if (refused && r.status != SNIFF_BAD) {
				TAP_FAIL("%s: refused, then MORE again at %zu bytes", what, k);
				break;
			}
			refused = r.status == SNIFF_BAD;
		}
	}
}

static uint64_t rng_state;

/* xorshift64*: a fixed seed makes every run test the same inputs. */
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* The host of a successful answer is "" or a normalised name or bracketed IPv6 literal: the
 * dispatcher may use it as a key without further checks. */
static bool host_is_normalised(const char *h)
{
	size_t n = strlen(h), i;

	if (n == 0)
		return true;
	if (h[0] == '[')
		return n >= 4 && h[n - 1] == ']' && strspn(h + 1, "0123456789abcdef:.") == n - 2;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-_.", h[i]))
			return false;
	return h[n - 1] != '.' && !strstr(h, "..");
}

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* What must hold for any input at all. */
static bool check_invariants(const unsigned char *buf, size_t len, size_t max)
{
	struct sniff_result r = sniff_max(buf, len, max);
	bool http = len == 0 || (buf[0] != 0x16 && !(buf[0] & 0x80));
	const char *what = show(buf, len);

	if (!ASSERT_TRUE(terminated(r.host, sizeof(r.host)) &&
				 terminated(r.method, sizeof(r.method)) &&
				 terminated(r.target, sizeof(r.target)),
			 what))
		return false;
	switch (r.status) {
	case SNIFF_MORE:
		return ASSERT_TRUE(len < max, what) && ASSERT_TRUE(r.error == NULL, what);
	case SNIFF_HTTP:
	case SNIFF_TLS:
		return ASSERT_TRUE(r.error == NULL && r.http_status == 0, what) &&
		       ASSERT_TRUE(host_is_normalised(r.host), what) &&
		       ASSERT_TRUE((r.status == SNIFF_HTTP) == http, what);
	case SNIFF_BAD:
		return ASSERT_PTR(r.error, what) && ASSERT_STREQ(r.host, "", what) &&
		       ASSERT_TRUE(http ? r.http_status == 400 || r.http_status == 414 ||
						  r.http_status == 431 || r.http_status == 505
					: r.http_status == 0,
				   what);
	default:
		TAP_FAIL("%s: status %d", what, r.status);
		return false;
	}
}

/* Random buffers from three alphabets: any byte, the bytes of HTTP heads, and TLS records whose
 * lengths are small enough to be believed. */
static size_t random_input(unsigned char *buf, size_t cap)
{
	static const char http_chars[] = "GET /HTP1.0\r\n\r\n: Host a.example[]@#?*%\t\x01\x7f\x80";
	size_t len = rng() % cap, i;

	switch (rng() % 3) {
	case 0:
		for (i = 0; i < len; i++)
			buf[i] = rng() & 0xff;
		break;
	case 1:
		for (i = 0; i < len; i++)
			buf[i] = http_chars[rng() % (sizeof(http_chars) - 1)];
		if (len > 20 && rng() % 2)
			memcpy(buf, "GET / HTTP/1.1\r\nHost", 20);
		break;
	default:
		for (i = 0; i < len; i++)
			buf[i] = rng() % 4 ? rng() % 8 : rng() & 0xff;
		if (len >= 9) {
			memcpy(buf, "\x16\x03\x01", 3);
			buf[3] = 0;
			buf[4] = (len - 5) & 0xff;
			buf[5] = 1;
		}
		break;
	}
	return len;
}

static void test_random_bytes_never_crash(void)
{
	static unsigned char buf[600];
	size_t len, max;
	int i;

	rng_state = 0x5eedf00dcafe1234ULL;
	for (i = 0; i < 200000; i++) {
		len = random_input(buf, sizeof(buf));
		max = rng() % 4 ? PEEK_MAX : len;
		if (!check_invariants(buf, len, max))
			return;
	}
}

/* Flip, replace, insert and delete bytes of the samples, so that the parsers get deep into
 * nearly valid input. */
static void test_mutated_samples_never_crash(void)
{
	static const unsigned char interesting[] = {
		0, 0xff, ':', '\n', '\r', ' ', '.', '[', 0x16,
	};
	static unsigned char buf[24576 + 64];
	struct sample s[MAX_SAMPLES];
	size_t n = all_samples(s), i, len, at;
	int iter, m;

	rng_state = 0x0123456789abcdefULL;
	for (i = 0; i < n; i++) {
		for (iter = 0; iter < 15000; iter++) {
			memcpy(buf, s[i].p, s[i].n);
			len = s[i].n;
			for (m = 1 + rng() % 4; m > 0 && len > 0; m--) {
				at = rng() % len;
				switch (rng() % 5) {
				case 0:
					buf[at] ^= 1u << (rng() % 8);
					break;
				case 1:
					buf[at] = interesting[rng() % sizeof(interesting)];
					break;
				case 2:
					memmove(buf + at, buf + at + 1, len - at - 1);
					len--;
					break;
				case 3:
					memmove(buf + at + 1, buf + at, len - at);
					len++;
					break;
				default:
					len = at;
					break;
				}
			}
			if (!check_invariants(buf, len, rng() % 4 ? PEEK_MAX : len))
				return;
		}
	}
}

TAP_TESTS(TAP_TEST(test_http_get_with_host_header),
	  TAP_TEST(test_http_host_header_after_other_headers),
	  TAP_TEST(test_host_header_name_is_case_insensitive),
	  TAP_TEST(test_host_normalised_like_fix_hostname),
	  TAP_TEST(test_host_value_whitespace_is_trimmed),
	  TAP_TEST(test_invalid_host_is_400),
	  TAP_TEST(test_http10_without_host_has_empty_host),
	  TAP_TEST(test_missing_or_empty_host_on_http11_is_400),
	  TAP_TEST(test_duplicate_host_is_400),
	  TAP_TEST(test_absolute_uri_overrides_host),
	  TAP_TEST(test_absolute_uri_forms),
	  TAP_TEST(test_bad_request_target_is_400),
	  TAP_TEST(test_double_slash_path_is_not_an_authority),
	  TAP_TEST(test_connect_uses_authority_form_host),
	  TAP_TEST(test_options_asterisk_is_accepted),
	  TAP_TEST(test_http09_request_has_no_host),
	  TAP_TEST(test_http09_accepts_only_get),
	  TAP_TEST(test_bare_lf_line_endings_accepted),
	  TAP_TEST(test_leading_blank_lines_skipped_up_to_ten),
	  TAP_TEST(test_obs_fold_joins_header_lines),
	  TAP_TEST(test_bad_folds_are_400),
	  TAP_TEST(test_header_line_syntax_errors_are_400),
	  TAP_TEST(test_request_line_syntax_errors_are_400),
	  TAP_TEST(test_binary_junk_is_refused_without_waiting),
	  TAP_TEST(test_unknown_major_version_is_505),
	  TAP_TEST(test_overlong_request_line_is_414),
	  TAP_TEST(test_overlong_header_line_is_400),
	  TAP_TEST(test_too_many_headers_is_400),
	  TAP_TEST(test_head_beyond_peek_limit_is_431),
	  TAP_TEST(test_host_not_trusted_before_end_of_head),
	  TAP_TEST(test_bytes_after_head_are_ignored),
	  TAP_TEST(test_long_method_and_target_are_truncated),
	  TAP_TEST(test_tls_sni_extracted),
	  TAP_TEST(test_tls_sni_normalised),
	  TAP_TEST(test_tls_alpn_h2_detected),
	  TAP_TEST(test_tls_without_sni_has_empty_host),
	  TAP_TEST(test_tls_clienthello_split_over_two_records),
	  TAP_TEST(test_tls_clienthello_in_one_byte_records),
	  TAP_TEST(test_tls_bad_server_name_is_bad),
	  TAP_TEST(test_tls_server_name_list_must_hold_one_host_name),
	  TAP_TEST(test_tls_fixed_field_overruns_are_bad),
	  TAP_TEST(test_tls_extension_overruns_are_bad),
	  TAP_TEST(test_tls_sni_and_alpn_overruns_are_bad),
	  TAP_TEST(test_tls_wrong_record_or_handshake_type_is_bad),
	  TAP_TEST(test_sslv2_hello_is_bad),
	  TAP_TEST(test_tls_hello_beyond_peek_limit_is_bad),
	  TAP_TEST(test_every_prefix_is_more_or_bad),
	  TAP_TEST(test_random_bytes_never_crash),
	  TAP_TEST(test_mutated_samples_never_crash))
