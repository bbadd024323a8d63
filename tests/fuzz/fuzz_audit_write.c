// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_audit_write.c — libFuzzer target for the other side of the audit log: the JSON string
 * writer of sitefenced (jbuf_str, loader/audit.c), which writes file names, process names and
 * request lines, bytes a hostile site chooses. Whatever the bytes, the line it makes must be
 * one that sitefence-audit's reader (tools/json.c) accepts, and a string that is valid UTF-8
 * must read back exactly (up to its first NUL, where the kernel's strings end).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "json.h"

static struct json_object obj;

/* Valid UTF-8 in the strict sense of RFC 3629 (no overlongs, no surrogates, <= U+10FFFF). */
static int utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, len, k;
	uint32_t cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] < 0xc2 || s[i] > 0xf4)
			return 0;
		len = s[i] < 0xe0 ? 2 : s[i] < 0xf0 ? 3 : 4;
		if (i + len > n)
			return 0;
		cp = s[i] & (0x3f >> (len - 1));
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const struct json_member *m;
	struct jbuf b = { 0 };
	size_t n;

	/* Six bytes of JSON per byte at most: stay inside the reader's JSON_MAX_TEXT. */
	if (len > 8192)
		len = 8192;
	n = strnlen((const char *)data, len);

	jbuf_raw(&b, "{\"path\":");
	jbuf_str(&b, (const char *)data, len);
	jbuf_raw(&b, ",\"pid\":1}");
	if (b.oom)
		abort();
	if (json_parse_object(b.p, b.len, &obj) || !(m = json_get(&obj, "path")) ||
	    m->type != JSON_STRING) {
		fprintf(stderr, "the reader refuses the writer's line: %.*s\n", (int)b.len, b.p);
		abort();
	}
	if (utf8_valid(data, n) && (strlen(m->str) != n || memcmp(m->str, data, n))) {
		fprintf(stderr, "valid UTF-8 came back changed: %.*s\n", (int)b.len, b.p);
		abort();
	}
	free(b.p);
	return 0;
}
