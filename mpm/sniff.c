/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sniff.c - find the virtual host of a new connection from its first bytes.
 *
 * The dispatcher must send a connection to the worker of the site Apache
 * itself would choose, so the HTTP rules below follow httpd 2.4 with its
 * default "HttpProtocolOptions Strict LenientMethods Allow0.9": the request
 * line of read_request_line()/ap_parse_request_line(), the header reading of
 * ap_get_mime_headers_core(), the absolute-URI handling of ap_parse_uri()
 * (apr_uri_parse), and the Host checks of fix_hostname() and
 * ap_check_request_header().  The comments say where we knowingly differ.
 * For TLS we extract the server_name the way mod_ssl's ClientHello callback
 * does, after checking every length of the message.
 *
 * Everything is parsed in place; an incomplete last line or record is
 * checked as far as it goes, so that junk is refused at once instead of
 * after the caller's peek limit or timeout.
 */
#include <arpa/inet.h>
#include <string.h>

#include "sniff.h"

/* LimitRequestLine and LimitRequestFieldSize default to 8190.  httpd reads
 * a line into limit + 2 bytes and puts the NUL where the CR was, so a line
 * of limit + 1 bytes before its CRLF (or LF) still passes: accept the same,
 * so that we never refuse what Apache would serve. */
#define LIMIT_LINE 8190
#define LINE_CONTENT_MAX (LIMIT_LINE + 1)
#define LIMIT_FIELDS 100        /* LimitRequestFields */
#define LIMIT_BLANK_LINES 10    /* DEFAULT_LIMIT_BLANK_LINES */

/* Room for the longest Host value we can accept: a 255-byte name plus
 * ":65535"; anything longer cannot fit in sniff_result.host anyway. */
#define HOSTVAL_MAX (255 + 6 + 1)

/* TLSCiphertext may exceed 2^14 by 2048 bytes (RFC 5246 6.2.3). */
#define TLS_RECORD_MAX (16384 + 2048)
#define TLS_CONTENT_HANDSHAKE 0x16
#define TLS_CLIENT_HELLO 1
#define TLS_EXT_SERVER_NAME 0
#define TLS_EXT_ALPN 16

/* ------------------------------------------------------------------ */
/* Characters (ASCII only: the locale must not change what we accept)  */

static int is_digit(unsigned c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_ws(unsigned c)
{
    return c == ' ' || c == '\t';
}

/* RFC 9110 tchar: what a method and a header field name are made of. */
static int is_tchar(unsigned c)
{
    return is_alpha(c) || is_digit(c)
           || (c != 0 && c < 0x80 && strchr("!#$%&'*+-.^_`|~", (int)c));
}

/* VCHAR or obs-text: what httpd allows in a request-target. */
static int is_vchar(unsigned c)
{
    return c > 0x20 && c != 0x7f;
}

/* Field content: VCHAR, obs-text, SP and HT; no other control byte. */
static int is_field_char(unsigned c)
{
    return is_ws(c) || is_vchar(c);
}

static char to_lower(unsigned c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

static void copy_trunc(char *dst, size_t cap, const unsigned char *src,
                       size_t n)
{
    if (n > cap - 1) {
        n = cap - 1;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int equals(const unsigned char *p, size_t n, const char *s)
{
    return n == strlen(s) && memcmp(p, s, n) == 0;
}

/* Like equals() but ignoring ASCII case (s in lower case). */
static int equals_nocase(const unsigned char *p, size_t n, const char *s)
{
    size_t i;

    if (n != strlen(s)) {
        return 0;
    }
    for (i = 0; i < n && to_lower(p[i]) == s[i]; i++)
        ;
    return i == n;
}

/* A decimal port in [min, 65535]; digits only, as a sign or a space in a
 * port would be a smuggling vector and no client sends one. */
static int parse_port(const unsigned char *p, size_t n, unsigned min,
                      unsigned *ret)
{
    unsigned long v = 0;
    size_t i;

    if (n == 0) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (!is_digit(p[i])) {
            return -1;
        }
        v = v * 10 + (p[i] - '0');
        if (v > 65535) {
            return -1;
        }
    }
    if (v < min) {
        return -1;
    }
    *ret = (unsigned)v;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Host names, shared by the Host header, absolute URIs and SNI        */

enum host_from { FROM_HEADER, FROM_URI, FROM_SNI };

enum host_err {
    HERR_CHAR,      /* not a letter, digit, '-', '_' or '.' */
    HERR_DOTS,      /* ".." (an empty label; also a path-traversal aid) */
    HERR_IPV4,      /* all digits and dots, but not a dotted quad */
    HERR_TLD,       /* the last label starts with a digit */
    HERR_LONG,      /* longer than 255 bytes */
    HERR_V6,        /* a bracketed literal that is not an IPv6 address */
    HERR_EMPTY,     /* nothing left once the trailing dot is gone */
    HERR_COUNT
};

/* One text per source, so the dispatcher's log says which part of the
 * request carried the bad name. */
static const char *const host_msgs[][HERR_COUNT] = {
    [FROM_HEADER] = {
        [HERR_CHAR] = "invalid character in Host header",
        [HERR_DOTS] = "empty label in Host header",
        [HERR_IPV4] = "malformed IPv4 address in Host header",
        [HERR_TLD] = "top-level domain in Host header starts with a digit",
        [HERR_LONG] = "Host header too long",
        [HERR_V6] = "malformed IPv6 literal in Host header",
        [HERR_EMPTY] = "Host header is only a dot",
    },
    [FROM_URI] = {
        [HERR_CHAR] = "invalid character in request-target host",
        [HERR_DOTS] = "empty label in request-target host",
        [HERR_IPV4] = "malformed IPv4 address in request-target host",
        [HERR_TLD] = "top-level domain in request-target host starts "
                     "with a digit",
        [HERR_LONG] = "request-target host too long",
        [HERR_V6] = "malformed IPv6 literal in request-target host",
        [HERR_EMPTY] = "request-target host is only a dot",
    },
    [FROM_SNI] = {
        [HERR_CHAR] = "invalid character in server name",
        [HERR_DOTS] = "empty label in server name",
        [HERR_IPV4] = "malformed IPv4 address in server name",
        [HERR_TLD] = "top-level domain in server name starts with a digit",
        [HERR_LONG] = "server name too long",
        [HERR_V6] = "malformed IPv6 literal in server name",
        [HERR_EMPTY] = "server name is only a dot",
    },
};

/* httpd's strict_hostname_check() on a lower-cased name: an all-numeric
 * name must be a dotted quad without leading zeroes (RFC 3986 7.4), and
 * the top-level label of any other name must start with a letter (RFC 1123
 * 2.1).  This also refuses a purely numeric name such as "80". */
static int host_strict(const char *h, size_t n)
{
    size_t i, dots = 0;
    const char *last;

    for (i = 0; i < n && (is_digit(h[i]) || h[i] == '.'); i++) {
        dots += h[i] == '.';
    }
    if (i < n) {
        last = strrchr(h, '.');
        if (last && last[1] && !is_alpha((unsigned char)last[1])) {
            return HERR_TLD;
        }
        return -1;
    }
    if (dots != 3 || h[0] == '.' || (h[0] == '0' && is_digit(h[1]))) {
        return HERR_IPV4;
    }
    for (i = 0; i + 2 < n; i++) {
        if (h[i] == '.' && h[i + 1] == '0' && is_digit(h[i + 2])) {
            return HERR_IPV4;
        }
    }
    return -1;
}

/* A DNS-style name (fix_hostname_non_v6 + strict_hostname_check): only
 * letters, digits, '-', '_' and '.', no "..", one trailing dot dropped. */
static int host_name(const unsigned char *h, size_t n, char *dst)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (h[i] == '.' && i + 1 < n && h[i + 1] == '.') {
            return HERR_DOTS;
        }
        if (!is_alpha(h[i]) && !is_digit(h[i]) && h[i] != '-'
            && h[i] != '_' && h[i] != '.') {
            return HERR_CHAR;
        }
    }
    if (n > 0 && h[n - 1] == '.') {
        n--;
        if (n == 0) {
            return HERR_EMPTY;
        }
    }
    if (n > 255) {
        return HERR_LONG;
    }
    for (i = 0; i < n; i++) {
        dst[i] = to_lower(h[i]);
    }
    dst[n] = '\0';
    return host_strict(dst, n);
}

/* "[v6]" (brackets included); the address must parse, so a zone id
 * ("%eth0"), which httpd refuses in a Host header, is refused too. */
static int host_v6(const unsigned char *h, size_t n, char *dst)
{
    char addr[INET6_ADDRSTRLEN];
    unsigned char bin[16];
    size_t i;

    if (n < 3 || h[n - 1] != ']' || n - 2 >= sizeof(addr)) {
        return HERR_V6;
    }
    for (i = 0; i < n - 2; i++) {
        if (h[i + 1] == '\0') {
            return HERR_V6;
        }
        addr[i] = to_lower(h[i + 1]);
    }
    addr[n - 2] = '\0';
    if (inet_pton(AF_INET6, addr, bin) != 1) {
        return HERR_V6;
    }
    dst[0] = '[';
    memcpy(dst + 1, addr, n - 2);
    dst[n - 1] = ']';
    dst[n] = '\0';
    return -1;
}

/* Normalise the name h[0..n) into dst (256 bytes); NULL or the error. */
static const char *host_normalise(const unsigned char *h, size_t n,
                                  enum host_from from, char *dst)
{
    int err;

    if (n > 0 && h[0] == '[' && from != FROM_SNI) {
        err = host_v6(h, n, dst);
    }
    else {
        err = host_name(h, n, dst);
    }
    if (err >= 0) {
        dst[0] = '\0';
        return host_msgs[from][err];
    }
    return NULL;
}

/* A Host header value, split as apr_parse_addr_port() does: trailing digits
 * after a ':' are the port (1-65535); a value of digits only is a port
 * without a host, which httpd's strict mode refuses. */
static const char *host_header(const unsigned char *v, size_t n,
                               struct sniff_result *out)
{
    size_t i = n;

    while (i > 0 && is_digit(v[i - 1])) {
        i--;
    }
    if (i == 0) {
        return "purely numeric Host header";
    }
    if (v[i - 1] == ':' && i < n) {
        if (i == 1) {
            return "Host header has a port but no host";
        }
        if (parse_port(v + i, n - i, 1, &out->port) < 0) {
            return "invalid port in Host header";
        }
        n = i - 1;
    }
    return host_normalise(v, n, FROM_HEADER, out->host);
}

/* ------------------------------------------------------------------ */
/* HTTP                                                                */

struct http_ctx {
    const unsigned char *buf;
    size_t len;
    size_t pos;               /* start of the next line to read */
    struct sniff_result *out;
    int url_host;             /* the request-target named the host */
    int in_field;             /* a header field has been started */
    int in_host;              /* ... and it is Host */
    int host_fields;          /* Host fields seen */
    unsigned fields;          /* header fields seen */
    size_t field_len;         /* length of the current field, folds included */
    size_t hostval_len;       /* may exceed HOSTVAL_MAX: then too long */
    char hostval[HOSTVAL_MAX];
};

struct line {
    size_t start, end;        /* the content, without CR LF */
    size_t next;              /* just after the LF */
    int complete;             /* the LF has arrived */
};

static enum sniff_status http_bad(struct http_ctx *c, int status,
                                  const char *error)
{
    c->out->http_status = status;
    c->out->error = error;
    return SNIFF_BAD;
}

/* The line starting at pos.  httpd (strict) wants CRLF; we also take a bare
 * LF, as "HttpProtocolOptions Unsafe" does: that can only send a request
 * to the worker of the host it names, which answers the 400 itself.  In an
 * incomplete line a final CR may be the start of CRLF, so leave it out. */
static void next_line(const struct http_ctx *c, struct line *l)
{
    const unsigned char *lf = NULL;

    if (c->pos < c->len) {
        lf = memchr(c->buf + c->pos, '\n', c->len - c->pos);
    }
    l->start = c->pos;
    l->complete = lf != NULL;
    l->end = lf ? (size_t)(lf - c->buf) : c->len;
    l->next = l->end + l->complete;
    if (l->end > l->start && c->buf[l->end - 1] == '\r') {
        l->end--;
    }
}

/* The version, possibly still arriving: only "HTTP/" [1-9] "." [0-9] is
 * HTTP/1.x to httpd; "http/1.1", "HTTP/0.9" and "HTTP/1.10" are 400.  An
 * empty version (the line ended after the target) is HTTP/0.9. */
static enum sniff_status parse_version(struct http_ctx *c,
                                       const unsigned char *v, size_t n,
                                       int complete)
{
    size_t i;
    int ok;

    for (i = 0; i < n; i++) {
        ok = i < 5 ? v[i] == (unsigned char)"HTTP/"[i]
             : i == 5 ? v[i] >= '1' && v[i] <= '9'
             : i == 6 ? v[i] == '.'
             : i == 7 ? is_digit(v[i]) : 0;
        if (!ok) {
            return http_bad(c, 400, "malformed HTTP version");
        }
    }
    if (!complete) {
        return SNIFF_MORE;
    }
    if (n == 0) {
        c->out->http_major = 0;
        c->out->http_minor = 9;
        return SNIFF_HTTP;
    }
    if (n != 8) {
        return http_bad(c, 400, "malformed HTTP version");
    }
    c->out->http_major = v[5] - '0';
    c->out->http_minor = v[7] - '0';
    return SNIFF_HTTP;
}

/* The port of an absolute URI or of CONNECT, as apr_uri_parse() reads it:
 * with strtol(), so a sign and any number of digits pass ("+80", "-1",
 * "65536" truncated to an apr_port_t), and anything else after the digits
 * fails.  No vhost is chosen by this port; *ret is 0 unless it is 1-65535. */
static int uri_port(const unsigned char *p, size_t n, unsigned *ret)
{
    size_t sign = n > 0 && (p[0] == '+' || p[0] == '-');

    *ret = 0;
    if (n == sign) {
        return -1;
    }
    if (!sign || p[0] == '+') {
        if (parse_port(p + sign, n - sign, 1, ret) == 0) {
            return 0;
        }
        *ret = 0;
    }
    for (p += sign, n -= sign; n > 0; p++, n--) {
        if (!is_digit(*p)) {
            return -1;
        }
    }
    return 0;
}

/* The authority of an absolute URI or of CONNECT.  Its port is checked
 * whatever the scheme (apr_uri_parse fails on a bad one); its host is used
 * only when use is set, i.e. for "http" and CONNECT, as in ap_parse_uri(). */
static enum sniff_status parse_authority(struct http_ctx *c,
                                         const unsigned char *a, size_t n,
                                         int use, int need_port)
{
    const unsigned char *end;
    const char *err;
    size_t hlen = n;
    unsigned port = 0;

    if (memchr(a, '@', n)) {
        return http_bad(c, 400, "user information in request-target");
    }
    if (n > 0 && a[0] == '[') {
        end = memchr(a, ']', n);
        if (!end) {
            return http_bad(c, 400, "unterminated IPv6 literal in "
                                    "request-target");
        }
        hlen = (size_t)(end - a) + 1;
        if (hlen < n && a[hlen] != ':') {
            return http_bad(c, 400, "invalid character after IPv6 literal "
                                    "in request-target");
        }
    }
    else if ((end = memchr(a, ':', n)) != NULL) {
        hlen = (size_t)(end - a);
    }
    if (hlen + 1 < n && uri_port(a + hlen + 1, n - hlen - 1, &port) < 0) {
        return http_bad(c, 400, "invalid port in request-target");
    }
    if (need_port && hlen + 1 >= n) {
        return http_bad(c, 400, "CONNECT request-target without a port");
    }
    if (!use) {
        return SNIFF_HTTP;
    }
    /* apr_uri_parse() drops the brackets without looking inside, and
     * httpd's fix_hostname() checks what is left as an IPv6 literal only
     * when it holds a ':' ("http://[a.example]/" is a.example to httpd).
     * The literals themselves are checked with inet_pton() here, which
     * refuses a few that httpd's looser check lets through ("[1:2]"). */
    if (hlen >= 2 && a[0] == '[' && !memchr(a, ':', hlen)) {
        a++;
        hlen -= 2;
    }
    /* An empty host ("http:///x", "http://[]/x") is a host of "" to httpd:
     * the default virtual host, and the Host header is still ignored. */
    if (hlen > 0 && (err = host_normalise(a, hlen, FROM_URI, c->out->host))) {
        return http_bad(c, 400, err);
    }
    c->url_host = 1;
    c->out->port = port;
    return SNIFF_HTTP;
}

/* Length of "scheme:" at the start of t (RFC 3986 3.1), 0 if none. */
static size_t scheme_len(const unsigned char *t, size_t n)
{
    size_t i = 1;

    if (n == 0 || !is_alpha(t[0])) {
        return 0;
    }
    while (i < n && (is_alpha(t[i]) || is_digit(t[i]) || t[i] == '+'
                     || t[i] == '-' || t[i] == '.')) {
        i++;
    }
    return i < n && t[i] == ':' ? i + 1 : 0;
}

/* The request-target, once the request line is complete.  Only an
 * absolute URI with the scheme "http" names the host: on the plain
 * connections the sniffer sees, ap_http_scheme() is "http", and httpd
 * takes the Host header for any other scheme. */
static enum sniff_status parse_target(struct http_ctx *c,
                                      const unsigned char *t, size_t n)
{
    const char *method = c->out->method;
    size_t s, i;

    if (strcmp(method, "CONNECT") == 0) {
        return parse_authority(c, t, n, 1, 1);
    }
    if (memchr(t, '#', n)) {
        return http_bad(c, 400, "fragment in request-target");
    }
    /* Origin form.  "//host/x" too: httpd collapses the leading slashes
     * into a path, so it must not be read as an authority. */
    if (t[0] == '/') {
        return SNIFF_HTTP;
    }
    if (n == 1 && t[0] == '*' && strcmp(method, "OPTIONS") == 0) {
        return SNIFF_HTTP;
    }
    s = scheme_len(t, n);
    if (s == 0) {
        return http_bad(c, 400, "request-target is neither a path nor "
                                "an absolute URI");
    }
    if (n - s < 2 || t[s] != '/' || t[s + 1] != '/') {
        /* "scheme:path": no authority; the path must still be absolute. */
        if (s < n && t[s] != '/' && t[s] != '?') {
            return http_bad(c, 400, "request-target path is not absolute");
        }
        return SNIFF_HTTP;
    }
    for (i = s + 2; i < n && t[i] != '/' && t[i] != '?'; i++)
        ;
    return parse_authority(c, t + s + 2, i - s - 2,
                           equals_nocase(t, s, "http:"), 0);
}

/* HTTP/0.9 carries no headers and httpd (strict) takes it only for GET:
 * it is complete at the end of its request line. */
static enum sniff_status check_http09(struct http_ctx *c)
{
    if (c->out->http_major == 0 && strcmp(c->out->method, "GET") != 0) {
        return http_bad(c, 400, "HTTP/0.9 request with a method other "
                                "than GET");
    }
    return SNIFF_HTTP;
}

/* "METHOD SP target SP HTTP/x.y", or "METHOD SP target" for HTTP/0.9,
 * each part separated by exactly one SP as strict httpd wants.  Called on
 * incomplete lines too, to refuse junk as soon as it shows. */
static enum sniff_status parse_request_line(struct http_ctx *c,
                                            const struct line *l)
{
    const unsigned char *p = c->buf + l->start, *end = c->buf + l->end;
    const unsigned char *m = p, *t;
    enum sniff_status st;
    size_t tlen;

    while (p < end && is_tchar(*p)) {
        p++;
    }
    if (p == end) {
        return l->complete ? http_bad(c, 400, "request line has no "
                                              "request-target")
                           : SNIFF_MORE;
    }
    if (p == m || *p != ' ') {
        return http_bad(c, 400, "invalid character in request method");
    }
    copy_trunc(c->out->method, sizeof(c->out->method), m, (size_t)(p - m));
    for (t = ++p; p < end && is_vchar(*p); p++)
        ;
    if (p == end && !l->complete) {
        return SNIFF_MORE;
    }
    if (p == t) {
        return http_bad(c, 400, p == end ? "request line has no "
                                           "request-target"
                                         : "invalid whitespace in request "
                                           "line");
    }
    tlen = (size_t)(p - t);
    copy_trunc(c->out->target, sizeof(c->out->target), t, tlen);
    if (p < end && *p != ' ') {
        return http_bad(c, 400, "invalid character in request-target");
    }
    p += p < end;
    st = parse_version(c, p, (size_t)(end - p), l->complete);
    if (st != SNIFF_HTTP) {
        return st;
    }
    if (c->out->http_major > 1) {
        /* httpd 2.4 would serve "HTTP/2.0" in text as if it were 1.1; we
         * refuse it, and name the h2c prior-knowledge preface. */
        return http_bad(c, 505, equals(m, 3, "PRI") ? "HTTP/2 connection "
                                "preface (h2c prior knowledge) not supported"
                                : "unsupported HTTP major version");
    }
    st = parse_target(c, t, tlen);
    return st == SNIFF_HTTP ? check_http09(c) : st;
}

/* Skip up to LIMIT_BLANK_LINES empty lines (clients add a CRLF after a
 * POST body), then read the request line. */
static enum sniff_status request_line(struct http_ctx *c)
{
    struct line l;
    enum sniff_status st;
    int blank;

    for (blank = 0;; blank++) {
        next_line(c, &l);
        if (!l.complete || l.end > l.start || blank == LIMIT_BLANK_LINES) {
            break;
        }
        c->pos = l.next;
    }
    if (l.end - l.start > LINE_CONTENT_MAX) {
        return http_bad(c, 414, "request line too long");
    }
    if (l.end == l.start) {
        return l.complete ? http_bad(c, 400, "too many blank lines before "
                                             "the request line")
                          : SNIFF_MORE;
    }
    st = parse_request_line(c, &l);
    if (st == SNIFF_HTTP) {
        c->pos = l.next;
    }
    return st;
}

/* The syntax of a header line that is not a fold, complete or not:
 * token ':' field-content.  Strict httpd refuses whitespace before ':'. */
static const char *field_syntax(const unsigned char *p,
                                const unsigned char *end, int complete,
                                const unsigned char **colon)
{
    const unsigned char *q = p;

    while (q < end && is_tchar(*q)) {
        q++;
    }
    if (q == end) {
        return complete ? "header line without ':'" : NULL;
    }
    if (*q != ':') {
        return "invalid character in header name";
    }
    if (q == p) {
        return "empty header name";
    }
    *colon = q;
    for (q++; q < end; q++) {
        if (!is_field_char(*q)) {
            return "invalid character in header value";
        }
    }
    return NULL;
}

static const char *fold_syntax(const unsigned char *p,
                               const unsigned char *end)
{
    for (; p < end; p++) {
        if (!is_field_char(*p)) {
            return "invalid character in header value";
        }
    }
    return NULL;
}

/* httpd drops the trailing SP/HT of every header line but keeps one byte,
 * so that a fold line of blanks is still seen (and refused). */
static const unsigned char *trim_end(const unsigned char *p,
                                     const unsigned char *end)
{
    while (end - p > 1 && is_ws(end[-1])) {
        end--;
    }
    return end;
}

static void host_append(struct http_ctx *c, const unsigned char *p,
                        size_t n)
{
    if (c->hostval_len + n < sizeof(c->hostval)) {
        memcpy(c->hostval + c->hostval_len, p, n);
    }
    c->hostval_len += n;
}

/* The first line of a header field. */
static enum sniff_status header_field(struct http_ctx *c,
                                      const unsigned char *p,
                                      const unsigned char *end)
{
    const unsigned char *colon = NULL;
    const char *err;

    end = trim_end(p, end);
    if ((err = field_syntax(p, end, 1, &colon))) {
        return http_bad(c, 400, err);
    }
    if (++c->fields > LIMIT_FIELDS) {
        return http_bad(c, 400, "too many header fields");
    }
    c->in_field = 1;
    c->field_len = (size_t)(end - p);
    c->in_host = equals_nocase(p, (size_t)(colon - p), "host");
    if (c->in_host) {
        /* Two Host fields would reach httpd joined as "a, b" (refused by
         * its strict check), but RFC 9112 3.2 wants 400 in every case. */
        if (++c->host_fields > 1) {
            return http_bad(c, 400, "duplicate Host header");
        }
        host_append(c, colon + 1, (size_t)(end - colon - 1));
    }
    return SNIFF_HTTP;
}

/* An obs-fold line: httpd joins it to the field with one SP, so
 * "Host:" CRLF " a.example" names a.example. */
static enum sniff_status header_fold(struct http_ctx *c,
                                     const unsigned char *p,
                                     const unsigned char *end)
{
    const char *err;
    size_t n;

    if (!c->in_field) {
        return http_bad(c, 400, "folded line before the first header field");
    }
    end = trim_end(p, end);
    while (end - p > 1 && is_ws(p[1])) {
        p++;
    }
    if (end - p == 1) {
        return http_bad(c, 400, "empty folded header line");
    }
    if ((err = fold_syntax(p, end))) {
        return http_bad(c, 400, err);
    }
    n = (size_t)(end - p);
    if (c->field_len + n + 1 >= LIMIT_LINE) {
        return http_bad(c, 400, "header field too long after folding");
    }
    c->field_len += n;
    if (c->in_host) {
        host_append(c, (const unsigned char *)" ", 1);
        host_append(c, p + 1, n - 1);
    }
    return SNIFF_HTTP;
}

/* An incomplete header line: refuse it early if it is already wrong. */
static enum sniff_status header_partial(struct http_ctx *c,
                                        const unsigned char *p,
                                        const unsigned char *end)
{
    const unsigned char *colon;
    const char *err;

    if (p == end) {
        return SNIFF_MORE;
    }
    if (is_ws(*p)) {
        if (!c->in_field) {
            return http_bad(c, 400, "folded line before the first header "
                                    "field");
        }
        err = fold_syntax(p, end);
    }
    else {
        err = field_syntax(p, end, 0, &colon);
    }
    return err ? http_bad(c, 400, err) : SNIFF_MORE;
}

/* Header lines up to the empty line that ends the head: the Host field may
 * be the last one, so nothing is trusted before that line. */
static enum sniff_status read_headers(struct http_ctx *c)
{
    const unsigned char *p, *end;
    enum sniff_status st;
    struct line l;

    for (;;) {
        next_line(c, &l);
        p = c->buf + l.start;
        end = c->buf + l.end;
        if (l.end - l.start > LINE_CONTENT_MAX) {
            return http_bad(c, 400, "header line too long");
        }
        if (!l.complete) {
            return header_partial(c, p, end);
        }
        c->pos = l.next;
        if (p == end) {
            return SNIFF_HTTP;
        }
        st = is_ws(*p) ? header_fold(c, p, end) : header_field(c, p, end);
        if (st != SNIFF_HTTP) {
            return st;
        }
    }
}

/* Choose the host once the head is complete, then apply httpd's rule
 * (ap_check_request_header): HTTP/1.1 and later need a host name, and
 * HTTP/1.1 needs a Host field even when the target is absolute.  An empty
 * Host value names no host, so "Host:" on HTTP/1.1 is 400 as well. */
static enum sniff_status http_finish(struct http_ctx *c)
{
    struct sniff_result *out = c->out;
    int have_name = c->url_host, version;
    const char *v = c->hostval, *err;
    size_t n = c->hostval_len;

    if (!c->url_host && c->host_fields) {
        if (n >= sizeof(c->hostval)) {
            return http_bad(c, 400, "Host header too long");
        }
        while (n > 0 && is_ws((unsigned char)*v)) {
            v++;
            n--;
        }
        if (n > 0) {
            if ((err = host_header((const unsigned char *)v, n, out))) {
                return http_bad(c, 400, err);
            }
            have_name = 1;
        }
    }
    version = out->http_major * 1000 + out->http_minor;
    if ((!have_name && version >= 1001)
        || (version == 1001 && !c->host_fields)) {
        return http_bad(c, 400, "HTTP/1.1 request without a host name");
    }
    return SNIFF_HTTP;
}

static enum sniff_status sniff_http(const unsigned char *buf, size_t len,
                                    size_t max, struct sniff_result *out)
{
    struct http_ctx c;
    enum sniff_status st;
    int in_head = 0;

    memset(&c, 0, sizeof(c));
    c.buf = buf;
    c.len = len;
    c.out = out;
    st = request_line(&c);
    if (st == SNIFF_HTTP && out->http_major > 0) {
        in_head = 1;
        st = read_headers(&c);
    }
    if (st == SNIFF_HTTP) {
        st = http_finish(&c);
    }
    if (st == SNIFF_MORE && len >= max) {
        st = in_head ? http_bad(&c, 431, "request head larger than the "
                                         "peek limit")
                     : http_bad(&c, 414, "request line longer than the "
                                         "peek limit");
    }
    if (st != SNIFF_HTTP) {
        out->host[0] = '\0';
        out->port = 0;
    }
    return st;
}

/* ------------------------------------------------------------------ */
/* TLS                                                                 */

/* A reader of the handshake byte stream, reassembled on the fly from the
 * records in buf: nothing is copied, so no buffer limits the message but
 * the caller's max. */
struct tls_in {
    const unsigned char *buf;
    size_t len, max;
    size_t next;              /* offset in buf of the next byte */
    size_t rec_left;          /* bytes of the current record not yet read */
    size_t off;               /* handshake bytes read so far */
    enum sniff_status status; /* SNIFF_TLS until MORE or BAD */
    const char *error;
    int sni_seen, alpn_seen;
};

static int tls_fail(struct tls_in *in, const char *error)
{
    in->status = SNIFF_BAD;
    in->error = error;
    return 0;
}

static int tls_more(struct tls_in *in)
{
    in->status = SNIFF_MORE;
    return 0;
}

/* Open the next record, checking what of its header has arrived. */
static int tls_record(struct tls_in *in)
{
    const unsigned char *h = in->buf + in->next;
    size_t avail = in->len - in->next, n;

    if (avail >= 1 && h[0] != TLS_CONTENT_HANDSHAKE) {
        return tls_fail(in, "TLS record is not a handshake");
    }
    if ((avail >= 2 && h[1] != 3) || (avail >= 3 && h[2] > 4)) {
        return tls_fail(in, "unsupported TLS record version");
    }
    if (avail < 5) {
        return tls_more(in);
    }
    n = (size_t)h[3] << 8 | h[4];
    if (n == 0) {
        /* RFC 8446 5.1 and RFC 5246 6.2.1 forbid empty handshake records */
        return tls_fail(in, "empty TLS handshake record");
    }
    if (n > TLS_RECORD_MAX) {
        return tls_fail(in, "TLS record too long");
    }
    in->next += 5;
    in->rec_left = n;
    return 1;
}

/* Read n bytes of the handshake (into dst unless NULL). */
static int tls_read(struct tls_in *in, size_t n, unsigned char *dst)
{
    size_t chunk;

    while (n > 0) {
        if (in->rec_left == 0 && !tls_record(in)) {
            return 0;
        }
        if (in->next >= in->len) {
            return tls_more(in);
        }
        chunk = in->len - in->next;
        chunk = chunk < in->rec_left ? chunk : in->rec_left;
        chunk = chunk < n ? chunk : n;
        if (dst) {
            memcpy(dst, in->buf + in->next, chunk);
            dst += chunk;
        }
        in->next += chunk;
        in->rec_left -= chunk;
        in->off += chunk;
        n -= chunk;
    }
    return 1;
}

/* A big-endian integer of n (1-3) bytes, which must fit before end. */
static int tls_uint(struct tls_in *in, size_t n, size_t end, size_t *ret,
                    const char *overrun)
{
    unsigned char b[3];
    size_t i;

    if (n > end - in->off) {
        return tls_fail(in, overrun);
    }
    if (!tls_read(in, n, b)) {
        return 0;
    }
    for (*ret = 0, i = 0; i < n; i++) {
        *ret = *ret << 8 | b[i];
    }
    return 1;
}

/* A vector: an n-byte length, then that many bytes (skipped), all before
 * end.  Its length is returned in *ret for the caller's own checks. */
static int tls_skip_vector(struct tls_in *in, size_t n, size_t end,
                           size_t *ret, const char *overrun)
{
    if (!tls_uint(in, n, end, ret, overrun)) {
        return 0;
    }
    if (*ret > end - in->off) {
        return tls_fail(in, overrun);
    }
    return tls_read(in, *ret, NULL);
}

/* server_name (RFC 6066 3).  mod_ssl's ClientHello callback uses the name
 * only if the list holds exactly one host_name entry (and falls back to the
 * default host otherwise); OpenSSL refuses other name types.  We refuse
 * both, so that no host is ever guessed. */
static int tls_sni(struct tls_in *in, size_t n, struct sniff_result *out)
{
    unsigned char name[256];
    size_t end = in->off + n, list, type, len;
    const char *err;

    if (in->sni_seen++) {
        return tls_fail(in, "duplicate server_name extension");
    }
    if (!tls_uint(in, 2, end, &list, "server_name list length does not "
                                     "match the extension")) {
        return 0;
    }
    if (list + 2 != n || list == 0) {
        return tls_fail(in, "server_name list length does not match the "
                            "extension");
    }
    if (!tls_uint(in, 1, end, &type, "server_name list length does not "
                                     "match the extension")) {
        return 0;
    }
    if (type != 0) {
        return tls_fail(in, "server_name entry is not a host_name");
    }
    if (!tls_uint(in, 2, end, &len, "server_name entry overruns the list")) {
        return 0;
    }
    if (len > end - in->off) {
        return tls_fail(in, "server_name entry overruns the list");
    }
    if (len + 3 != list) {
        return tls_fail(in, "server_name list must hold exactly one "
                            "host_name");
    }
    if (len == 0 || len > 255) {
        return tls_fail(in, len ? "server name too long"
                                : "empty server name");
    }
    if (!tls_read(in, len, name)) {
        return 0;
    }
    if (memchr(name, '\0', len)) {
        return tls_fail(in, "NUL byte in server name");
    }
    if ((err = host_normalise(name, len, FROM_SNI, out->host))) {
        return tls_fail(in, err);
    }
    return 1;
}

/* application_layer_protocol_negotiation (RFC 7301 3.1): a non-empty list
 * of non-empty names; we only want to know whether "h2" is among them. */
static int tls_alpn(struct tls_in *in, size_t n, struct sniff_result *out)
{
    size_t end = in->off + n, list, len;
    unsigned char name[255];

    if (in->alpn_seen++) {
        return tls_fail(in, "duplicate ALPN extension");
    }
    if (!tls_uint(in, 2, end, &list, "ALPN list length does not match the "
                                     "extension")) {
        return 0;
    }
    if (list + 2 != n || list == 0) {
        return tls_fail(in, list ? "ALPN list length does not match the "
                                   "extension" : "empty ALPN list");
    }
    while (in->off < end) {
        if (!tls_uint(in, 1, end, &len, "ALPN protocol name overruns the "
                                        "list")) {
            return 0;
        }
        if (len == 0 || len > end - in->off) {
            return tls_fail(in, len ? "ALPN protocol name overruns the list"
                                    : "empty ALPN protocol name");
        }
        if (!tls_read(in, len, name)) {
            return 0;
        }
        if (len == 2 && memcmp(name, "h2", 2) == 0) {
            out->alpn_h2 = 1;
        }
    }
    return 1;
}

/* The extensions block, which must end exactly where the message does. */
static int tls_extensions(struct tls_in *in, size_t end,
                          struct sniff_result *out)
{
    size_t total, type, n, ext_end;
    int ok;

    if (!tls_uint(in, 2, end, &total, "ClientHello extensions length "
                                      "overruns the message")) {
        return 0;
    }
    if (total != end - in->off) {
        return tls_fail(in, total > end - in->off
                                ? "ClientHello extensions length overruns "
                                  "the message"
                                : "trailing bytes after the ClientHello "
                                  "extensions");
    }
    while (in->off < end) {
        if (!tls_uint(in, 2, end, &type, "ClientHello extension header "
                                         "overruns the message")
            || !tls_uint(in, 2, end, &n, "ClientHello extension header "
                                         "overruns the message")) {
            return 0;
        }
        if (n > end - in->off) {
            return tls_fail(in, "ClientHello extension length overruns the "
                                "message");
        }
        ext_end = in->off + n;
        ok = type == TLS_EXT_SERVER_NAME ? tls_sni(in, n, out)
             : type == TLS_EXT_ALPN ? tls_alpn(in, n, out)
             : tls_read(in, n, NULL);
        if (!ok) {
            return 0;
        }
        if (in->off != ext_end) {
            return tls_fail(in, "ClientHello extension has trailing bytes");
        }
    }
    return 1;
}

/* The fixed part of a ClientHello (RFC 8446 4.1.2), up to the optional
 * extensions, which an SSL 3.0 or TLS 1.0 client may leave out. */
static int tls_hello_body(struct tls_in *in, size_t end,
                          struct sniff_result *out)
{
    size_t version, n;

    if (!tls_uint(in, 2, end, &version, "ClientHello version overruns the "
                                        "message")) {
        return 0;
    }
    if (version >> 8 != 3) {
        return tls_fail(in, "unsupported ClientHello version");
    }
    if (32 > end - in->off) {
        return tls_fail(in, "ClientHello random overruns the message");
    }
    if (!tls_read(in, 32, NULL)
        || !tls_skip_vector(in, 1, end, &n, "session id overruns the "
                                            "ClientHello")) {
        return 0;
    }
    if (n > 32) {
        return tls_fail(in, "session id longer than 32 bytes");
    }
    if (!tls_skip_vector(in, 2, end, &n, "cipher suites overrun the "
                                         "ClientHello")) {
        return 0;
    }
    if (n < 2 || n % 2) {
        return tls_fail(in, "cipher suite list length is odd or zero");
    }
    if (!tls_skip_vector(in, 1, end, &n, "compression methods overrun the "
                                         "ClientHello")) {
        return 0;
    }
    if (n == 0) {
        return tls_fail(in, "no compression methods");
    }
    return in->off == end || tls_extensions(in, end, out);
}

/* The handshake header: type client_hello, checked as soon as it arrives,
 * and a 24-bit length, which must leave room in max for the record and
 * handshake headers (9 bytes) at least. */
static void tls_client_hello(struct tls_in *in, struct sniff_result *out)
{
    unsigned char h[3];
    size_t n;

    if (!tls_read(in, 1, h)) {
        return;
    }
    if (h[0] != TLS_CLIENT_HELLO) {
        tls_fail(in, "TLS handshake is not a ClientHello");
        return;
    }
    if (!tls_read(in, 3, h)) {
        return;
    }
    n = (size_t)h[0] << 16 | (size_t)h[1] << 8 | h[2];
    if (n > in->max || in->max - n < 9) {
        tls_fail(in, "ClientHello larger than the peek limit");
        return;
    }
    tls_hello_body(in, in->off + n, out);
}

static enum sniff_status sniff_tls(const unsigned char *buf, size_t len,
                                   size_t max, struct sniff_result *out)
{
    struct tls_in in;

    memset(&in, 0, sizeof(in));
    in.buf = buf;
    in.len = len;
    in.max = max;
    in.status = SNIFF_TLS;
    tls_client_hello(&in, out);
    if (in.status == SNIFF_MORE && len >= max) {
        tls_fail(&in, "ClientHello larger than the peek limit");
    }
    out->error = in.error;
    if (in.status != SNIFF_TLS) {
        out->host[0] = '\0';
        out->alpn_h2 = 0;
    }
    return in.status;
}

/* ------------------------------------------------------------------ */

void sniff(const unsigned char *buf, size_t len, size_t max,
           struct sniff_result *out)
{
    memset(out, 0, sizeof(*out));
    if (len > 0 && buf[0] == TLS_CONTENT_HANDSHAKE) {
        out->status = sniff_tls(buf, len, max, out);
    }
    else if (len > 0 && (buf[0] & 0x80)) {
        /* An SSL 2.0 record header; no HTTP method starts with such a
         * byte, and OpenSSL has not accepted this hello for years. */
        out->status = SNIFF_BAD;
        out->error = "SSLv2 hello not supported";
    }
    else {
        out->status = sniff_http(buf, len, max, out);
    }
}
