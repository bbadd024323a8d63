/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sniff.h - find the virtual host of a new connection from its first bytes.
 *
 * The MPM's dispatcher accepts a client connection, peeks at its beginning
 * with recv(MSG_PEEK) and hands the descriptor to a worker of the right site
 * without consuming a byte.  sniff() is the parser behind that choice: it
 * reads a plain HTTP/1.x request head or a TLS ClientHello and returns the
 * host name the request is for, normalised the way Apache httpd 2.4 would
 * before it looks up a ServerName/ServerAlias.
 *
 * It is plain C11 + libc (no APR, no httpd headers) so that the host unit
 * tests can drive it, allocates nothing and keeps no state: call it again
 * with the longer buffer after each peek that returned SNIFF_MORE.
 *
 * Policy: a request the sniffer accepts is never routed by a different host
 * than Apache would use; where Apache would refuse a request for a reason
 * that does not change the host (say, an unknown Transfer-Encoding), the
 * sniffer lets it through and the site's worker answers the error.
 */
#ifndef SITEFENCE_SNIFF_H
#define SITEFENCE_SNIFF_H

#include <stddef.h>

enum sniff_status {
    SNIFF_MORE,   /* the head is incomplete: peek again when more arrives */
    SNIFF_HTTP,   /* a complete plain HTTP request head */
    SNIFF_TLS,    /* a complete TLS ClientHello */
    SNIFF_BAD     /* neither, or malformed: see error and http_status */
};

struct sniff_result {
    enum sniff_status status;

    /* The host the connection is for: lower-case, without port and without
     * a trailing dot; an IPv6 literal keeps its brackets ("[::1]").  "" when
     * the client named none (HTTP/1.0 without Host, HTTP/0.9, TLS without
     * SNI): Apache then serves the default virtual host of the address. */
    char host[256];

    /* HTTP: port given in the Host header or the request-target; 0 if none
     * (also always 0 for TLS, as SNI carries no port). */
    unsigned port;

    /* HTTP: the request method, truncated to fit; "" for TLS. */
    char method[32];

    /* HTTP: the request-target as sent, truncated to fit; "" for TLS. */
    char target[512];

    /* HTTP: the version of the request line; 0.9 for a request line without
     * one (HTTP/0.9).  Both 0 for TLS. */
    int http_major, http_minor;

    /* TLS: non-zero when the ClientHello offers "h2" by ALPN. */
    int alpn_h2;

    /* SNIFF_BAD on an HTTP connection: the status Apache would answer (400,
     * 414, 431 or 505); 0 otherwise. */
    int http_status;

    /* SNIFF_BAD: static English text naming what was wrong, for the log;
     * NULL otherwise. */
    const char *error;
};

/*
 * Examine the first len bytes of a connection and fill *out.
 *
 * max is the most the caller will ever peek (e.g. 16384).  While the head
 * is incomplete and len < max the answer is SNIFF_MORE; once len >= max and
 * it is still incomplete the answer is SNIFF_BAD (414 while in the request
 * line, 431 in the header fields).  Bytes after the end of the head (a
 * request body, a pipelined request, TLS early data) are ignored.
 */
void sniff(const unsigned char *buf, size_t len, size_t max,
           struct sniff_result *out);

#endif /* SITEFENCE_SNIFF_H */
