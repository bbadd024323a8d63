// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_sniff.c — libFuzzer target for mpm/sniff.c, the parser that reads every new
 * connection's first bytes (anyone's, before any site is chosen) in the MPM's dispatchers.
 *
 * Besides "no crash, no undefined behaviour", it checks what the dispatcher relies on:
 *  - every string of the result is terminated inside its field, the host is normalised
 *    (lower case, no trailing dot), a port is a port, an error text comes with SNIFF_BAD and
 *    only with it, and the status to answer is one Apache would send (400, 414, 431, 505);
 *  - a head that is complete gives the same answer whatever pieces it arrives in: each of its
 *    prefixes is either "more" or the same verdict for the same host and port. The dispatcher
 *    peeks again after every segment, so a prefix that said "bad" would drop a good client,
 *    and one that named another host would route it to the wrong site.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sniff.h"

/* As much as the dispatcher peeks by default is not needed to reach every branch. */
#define PEEK_MAX 4096

static void check_result(const struct sniff_result *r)
{
	size_t i, n = strnlen(r->host, sizeof(r->host));

	if (n == sizeof(r->host) || strnlen(r->method, sizeof(r->method)) == sizeof(r->method) ||
	    strnlen(r->target, sizeof(r->target)) == sizeof(r->target))
		abort();
	for (i = 0; i < n; i++)
		if (r->host[i] >= 'A' && r->host[i] <= 'Z')
			abort();
	if (n && r->host[n - 1] == '.')
		abort();
	if ((r->status == SNIFF_BAD) != (r->error != NULL) || r->port > 65535)
		abort();
	if (r->http_status && (r->status != SNIFF_BAD ||
			       (r->http_status != 400 && r->http_status != 414 &&
				r->http_status != 431 && r->http_status != 505)))
		abort();
}

/* sniff() on a copy of exactly len bytes, so that AddressSanitizer sees any read past them. */
static void sniff_copy(const uint8_t *data, size_t len, struct sniff_result *r)
{
	unsigned char *buf = malloc(len ? len : 1);

	if (!buf)
		abort();
	memcpy(buf, data, len);
	sniff(buf, len, PEEK_MAX, r);
	free(buf);
	check_result(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sniff_result full, part;
	size_t k;

	if (len > PEEK_MAX)
		len = PEEK_MAX;
	sniff_copy(data, len, &full);
	if (full.status != SNIFF_HTTP && full.status != SNIFF_TLS)
		return 0;
	for (k = 0; k < len; k++) {
		sniff_copy(data, k, &part);
		if (part.status == SNIFF_MORE)
			continue;
		if (part.status != full.status || strcmp(part.host, full.host) ||
		    part.port != full.port) {
			fprintf(stderr, "the first %zu of %zu bytes: status %d host '%s' (%s); "
				"all of them: status %d host '%s'\n", k, len, part.status, part.host,
				part.error ? part.error : "no error", full.status, full.host);
			abort();
		}
	}
	return 0;
}
