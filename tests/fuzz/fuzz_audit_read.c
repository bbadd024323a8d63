// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_audit_read.c — libFuzzer target for what sitefence-audit does with one line of the
 * audit log: the JSON reader (tools/json.c), the record decoder and the object it shows
 * (tools/audit_record.c), the terminal-safe printing of strings (tools/audit_text.c) and the
 * time parsers (tools/audit_time.c). The log is written by sitefenced, but its strings come
 * from sites' requests and file names, and an admin may point the tool at any file.
 *
 * Also checked: a log time that parses is printed back (RFC 3339) as a time that parses to the
 * same microsecond, so that the tool's --since/--until and its output agree.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_record.h"
#include "audit_text.h"
#include "audit_time.h"
#include "json.h"

static struct json_object obj;	/* 64 KiB: not on the stack */

static void print_strings(FILE *sink)
{
	const char *s;
	size_t i;

	for (i = 0; i < obj.n; i++) {
		json_write_string(sink, obj.members[i].key);
		s = obj.members[i].str;
		if (!s)
			continue;
		json_write_string(sink, s);
		text_print(sink, s, 24, TEXT_CUT_END, true);
		text_print(sink, s, 9, TEXT_CUT_MIDDLE, false);
		if (text_width(s) > strlen(s) * 4 + 8)
			abort();
	}
}

static void check_time(const char *text)
{
	char buf[AUDIT_TIME_BUF];
	int64_t us, again;

	if (audit_time_parse_log(text, &us))
		return;
	audit_time_format(us, AUDIT_TIME_RFC3339, buf, sizeof(buf));
	if (audit_time_parse_log(buf, &again) || again != us) {
		fprintf(stderr, "'%s' is %lld µs, printed '%s'\n", text, (long long)us, buf);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static FILE *sink;
	struct audit_record rec;
	char *text, shown[4096];
	int64_t us;

	if (!sink && !(sink = fopen("/dev/null", "w")))
		abort();
	if (!(text = malloc(len + 1)))
		abort();
	memcpy(text, data, len);
	text[len] = '\0';
	if (!json_parse_object(text, len, &obj)) {
		print_strings(sink);
		if (!audit_record_decode(&obj, &rec))
			audit_record_object(&rec, shown, sizeof(shown));
	}
	check_time(text);
	audit_time_parse_arg(text, 1795000000000000LL, &us);
	free(text);
	return 0;
}
