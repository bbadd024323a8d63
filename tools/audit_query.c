// SPDX-License-Identifier: GPL-2.0
/*
 * audit_query.c — the query command: list the matching records, as aligned columns or as the
 * original JSON lines, optionally only the last N, optionally following the live file.
 *
 * Columns have fixed widths, so that --follow can print each record as it arrives; long
 * fields are shortened with "…" (paths in the middle, where they matter least). With --limit
 * the last N matches are kept in a ring of their original lines and printed at the end of
 * the existing log: the newest denials are what an administrator looks for.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "audit_text.h"
#include "audit_time.h"

#define W_TIME	  19
#define W_VERDICT 7
#define W_SITE	  20
#define W_OP	  11
#define W_ACCESS  6
#define W_OBJECT  44
#define W_PROC	  22
#define W_REQUEST 60

struct query {
	const struct audit_opts *o;
	char **ring; /* the last o->limit matching lines, oldest at ring[next] once full */
	size_t ring_n, ring_next;
	bool live; /* following: print at once */
	bool header_done;
	uint64_t shown;
	uint64_t lost_hidden; /* lost records in the time range, not listed by a narrow filter */
	struct json_object *obj; /* to decode the lines of the ring again */
	struct audit_record rec;
};

static void print_header(void)
{
	printf("%-*s %-*s %-*s %-*s %-*s %-*s %-*s %s\n", W_TIME, "TIME (UTC)", W_VERDICT,
	       "VERDICT", W_SITE, "SITE", W_OP, "OP", W_ACCESS, "ACCESS", W_OBJECT, "OBJECT",
	       W_PROC, "PID/COMM", "REQUEST");
}

static void column(const char *s, size_t width, enum text_cut cut)
{
	text_print(stdout, s ? s : "-", width, cut, true);
	putchar(' ');
}

/* "(pending)" for a process that has not chosen its site yet. */
static void site_column(const struct audit_record *r)
{
	char buf[32];

	if (!r->site && r->tag) {
		snprintf(buf, sizeof(buf), "(%.20s)", r->tag);
		column(buf, W_SITE, TEXT_CUT_END);
	} else {
		column(r->site, W_SITE, TEXT_CUT_END);
	}
}

/* A partial path is marked with a leading "…": its beginning is unknown. */
static void object_column(const struct audit_record *r)
{
	char buf[64];
	const char *obj = audit_record_object(r, buf, sizeof(buf));

	if (r->path && r->path_partial) {
		fputs("\xe2\x80\xa6", stdout);
		column(obj, W_OBJECT - 1, TEXT_CUT_MIDDLE);
	} else {
		column(obj, W_OBJECT, TEXT_CUT_MIDDLE);
	}
}

static void proc_column(const struct audit_record *r)
{
	enum audit_num id = audit_has(r, NUM_TGID) ? NUM_TGID : NUM_PID;
	char buf[64];

	if (!audit_has(r, id) && !r->comm) {
		column(NULL, W_PROC, TEXT_CUT_END);
		return;
	}
	if (audit_has(r, id))
		snprintf(buf, sizeof(buf), "%llu/%.40s", (unsigned long long)r->num[id],
			 r->comm ? r->comm : "-");
	else
		snprintf(buf, sizeof(buf), "-/%.40s", r->comm);
	column(buf, W_PROC, TEXT_CUT_END);
}

static void print_access(const struct audit_record *r)
{
	column(r->verdict == VERDICT_DENY ? "deny" : "audit", W_VERDICT, TEXT_CUT_END);
	site_column(r);
	column(r->op, W_OP, TEXT_CUT_END);
	column(r->access && *r->access ? r->access : NULL, W_ACCESS, TEXT_CUT_END);
	object_column(r);
	proc_column(r);
	text_print(stdout, r->request ? r->request : "-", W_REQUEST, TEXT_CUT_END, false);
	if (audit_has(r, NUM_SUPPRESSED) && r->num[NUM_SUPPRESSED])
		printf("  [%llu suppressed before]", (unsigned long long)r->num[NUM_SUPPRESSED]);
}

static void print_human(const struct audit_record *r)
{
	char t[AUDIT_TIME_BUF], what[80];

	audit_time_format(r->time_us, AUDIT_TIME_HUMAN, t, sizeof(t));
	printf("%-*s ", W_TIME, t);
	switch (r->type) {
	case AUDIT_ACCESS:
		print_access(r);
		break;
	case AUDIT_LOST:
		snprintf(what, sizeof(what), "%llu records lost (kernel ring buffer full)",
			 (unsigned long long)r->num[NUM_COUNT]);
		printf("%-*s %-*s %-*s %-*s %s", W_VERDICT, "lost", W_SITE, "-", W_OP, "-",
		       W_ACCESS, "-", what);
		break;
	case AUDIT_DAEMON:
		column("daemon", W_VERDICT, TEXT_CUT_END);
		column(NULL, W_SITE, TEXT_CUT_END);
		column(r->event, W_OP, TEXT_CUT_END);
		column(NULL, W_ACCESS, TEXT_CUT_END);
		text_print(stdout, r->message ? r->message : "-", W_OBJECT + W_PROC + W_REQUEST,
			   TEXT_CUT_END, false);
		break;
	}
	putchar('\n');
}

static void print_record(struct query *q, const char *text, const struct audit_record *rec)
{
	if (q->o->json) {
		puts(text);
	} else {
		if (!q->header_done)
			print_header();
		q->header_done = true;
		print_human(rec);
	}
	q->shown++;
	if (q->live)
		fflush(stdout);
}

/* Keep line in the ring of the last o->limit matches. */
static int ring_push(struct query *q, const char *text)
{
	char *copy;

	if (!q->o->limit)
		return 0;
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	if (q->ring_n < q->o->limit) {
		q->ring[q->ring_n++] = copy;
		return 0;
	}
	free(q->ring[q->ring_next]);
	q->ring[q->ring_next] = copy;
	q->ring_next = (q->ring_next + 1) % q->o->limit;
	return 0;
}

/* Print the ring, oldest first; its lines were records, so they decode again. */
static void ring_flush(struct query *q)
{
	size_t i, k;

	for (i = 0; i < q->ring_n; i++) {
		k = (q->ring_next + i) % q->ring_n;
		if (!json_parse_object(q->ring[k], strlen(q->ring[k]), q->obj) &&
		    !audit_record_decode(q->obj, &q->rec))
			print_record(q, q->ring[k], &q->rec);
		free(q->ring[k]);
	}
	q->ring_n = q->ring_next = 0;
}

static int query_line(const struct audit_line *line, void *ctx)
{
	struct query *q = ctx;
	const struct audit_record *r = line->rec;

	if (!audit_filter_match(&q->o->filter, r)) {
		if (r->type == AUDIT_LOST && audit_filter_time(&q->o->filter, r))
			q->lost_hidden += r->num[NUM_COUNT];
		return 0;
	}
	if (q->o->has_limit && !q->live)
		return ring_push(q, line->text);
	print_record(q, line->text, r);
	return 0;
}

static int query_init(struct query *q, const struct audit_opts *o)
{
	memset(q, 0, sizeof(*q));
	q->o = o;
	if (!o->has_limit)
		return 0;
	q->ring = calloc(o->limit ? o->limit : 1, sizeof(*q->ring));
	q->obj = malloc(sizeof(*q->obj));
	return q->ring && q->obj ? 0 : -ENOMEM;
}

static void query_free(struct query *q)
{
	size_t i;

	for (i = 0; i < q->ring_n; i++)
		free(q->ring[i]);
	free(q->ring);
	free(q->obj);
}

int audit_cmd_query(const struct audit_opts *o, struct audit_log *log)
{
	struct query q;
	int err;

	err = query_init(&q, o);
	if (err)
		goto out_free;
	err = audit_log__read(log, o->follow, query_line, &q);
	if (err)
		goto out_free;
	ring_flush(&q);
	if (o->follow) {
		q.live = true;
		fflush(stdout);
		err = audit_log__follow(log, query_line, &q, &audit_exiting);
	} else if (!q.shown && !o->json) {
		puts("-- no matching records --");
	}
	if (q.lost_hidden)
		fprintf(stderr,
			"%s: note: the kernel lost %llu records in this time range; matching ones may be among them\n",
			AUDIT_PROG, (unsigned long long)q.lost_hidden);
out_free:
	query_free(&q);
	return err;
}
