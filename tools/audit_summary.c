// SPDX-License-Identifier: GPL-2.0
/*
 * audit_summary.c — the summary command: per site and op, the deny and audit counts, the
 * records the rate limit suppressed, first and last seen, and the objects (paths,
 * capabilities, targets) seen most often; then totals, including the records the kernel lost.
 *
 * Tallies live in bounded maps: at most SUM_MAX_GROUPS site/op groups and SUM_MAX_OBJECTS
 * distinct objects over all groups. Past a bound, records still count but their objects do
 * not, and the output says how many were left out, so a huge log degrades the top lists, not
 * the counts or the memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "audit_map.h"
#include "audit_text.h"
#include "audit_time.h"

#define SUM_MAX_GROUPS	100000
#define SUM_MAX_OBJECTS 1000000
#define SUM_MAX_SITE_W	32
#define SUM_MAX_OP_W	12
#define SUM_MAX_OBJ_W	90

struct sum_group {
	char *site; /* NULL: no site */
	char *op;
	uint64_t deny, audit, suppressed;
	int64_t first_us, last_us;
	struct audit_map *objects; /* key: partial flag byte + object; value: uint64_t count */
	uint64_t uncounted;	   /* records whose object found the maps full */
};

struct summary {
	const struct audit_opts *o;
	struct audit_map *groups;
	size_t nobjects;
	uint64_t records, deny, audit, lost, suppressed;
	int64_t first_us, last_us;
};

static void free_group(void *value)
{
	struct sum_group *g = value;

	free(g->site);
	free(g->op);
	audit_map__free(g->objects, NULL);
}

/* The group of (site, op); the key keeps "no site" apart from any site name. */
static int get_group(struct summary *s, const struct audit_record *r, struct sum_group **ret)
{
	size_t slen = r->site ? strlen(r->site) : 0, olen = strlen(r->op), len = slen + olen + 2;
	struct sum_group *g;
	char *key;
	bool is_new;
	int err;

	key = malloc(len);
	if (!key)
		return -ENOMEM;
	key[0] = r->site ? 's' : 'n';
	memcpy(key + 1, r->site ? r->site : "", slen);
	key[slen + 1] = '\0';
	memcpy(key + slen + 2, r->op, olen);
	err = audit_map_get(s->groups, key, len, (void **)&g, &is_new);
	free(key);
	if (err)
		return err;
	*ret = g;
	if (!is_new)
		return 0;
	g->site = r->site ? strdup(r->site) : NULL;
	g->op = strdup(r->op);
	g->objects = audit_map__new(SUM_MAX_OBJECTS, sizeof(uint64_t));
	if ((r->site && !g->site) || !g->op || !g->objects)
		return -ENOMEM;
	g->first_us = g->last_us = r->time_us;
	return 0;
}

static int count_object(struct summary *s, struct sum_group *g, const struct audit_record *r)
{
	char buf[64], *key;
	const char *obj = audit_record_object(r, buf, sizeof(buf));
	size_t len;
	uint64_t *count;
	bool is_new;
	int err;

	if (!obj)
		return 0;
	len = strlen(obj) + 1;
	key = malloc(len);
	if (!key)
		return -ENOMEM;
	key[0] = r->path && r->path_partial ? 'p' : 'f';
	memcpy(key + 1, obj, len - 1);
	if (s->nobjects >= SUM_MAX_OBJECTS && !audit_map_find(g->objects, key, len))
		err = -ENOSPC;
	else
		err = audit_map_get(g->objects, key, len, (void **)&count, &is_new);
	free(key);
	if (err == -ENOSPC) {
		g->uncounted++;
		return 0;
	}
	if (err)
		return err;
	s->nobjects += is_new;
	(*count)++;
	return 0;
}

static void tally_time(int64_t *first, int64_t *last, int64_t t)
{
	if (t < *first)
		*first = t;
	if (t > *last)
		*last = t;
}

static int tally_access(struct summary *s, const struct audit_record *r)
{
	uint64_t suppressed = audit_has(r, NUM_SUPPRESSED) ? r->num[NUM_SUPPRESSED] : 0;
	struct sum_group *g;
	int err;

	err = get_group(s, r, &g);
	if (err == -ENOSPC)
		return -E2BIG;
	if (err)
		return err;
	*(r->verdict == VERDICT_DENY ? &g->deny : &g->audit) += 1;
	*(r->verdict == VERDICT_DENY ? &s->deny : &s->audit) += 1;
	g->suppressed += suppressed;
	s->suppressed += suppressed;
	tally_time(&g->first_us, &g->last_us, r->time_us);
	if (!s->records++)
		s->first_us = s->last_us = r->time_us;
	tally_time(&s->first_us, &s->last_us, r->time_us);
	return count_object(s, g, r);
}

static int summary_line(const struct audit_line *line, void *ctx)
{
	const struct audit_record *r = line->rec;
	struct summary *s = ctx;

	/* Lost records belong to no site: count those in the time range whatever the filter. */
	if (r->type == AUDIT_LOST && audit_filter_time(&s->o->filter, r))
		s->lost += r->num[NUM_COUNT];
	if (r->type != AUDIT_ACCESS || !audit_filter_match(&s->o->filter, r))
		return 0;
	return tally_access(s, r);
}

/* ---- sorting ------------------------------------------------------------------------------ */

/* By site (no site last), then most records first, then op. */
static int cmp_groups(const void *a, const void *b)
{
	const struct sum_group *x = ((const struct audit_map_entry *)a)->value;
	const struct sum_group *y = ((const struct audit_map_entry *)b)->value;
	uint64_t nx = x->deny + x->audit, ny = y->deny + y->audit;
	int c;

	if (!x->site != !y->site)
		return x->site ? -1 : 1;
	c = x->site ? strcmp(x->site, y->site) : 0;
	if (c)
		return c;
	if (nx != ny)
		return nx > ny ? -1 : 1;
	return strcmp(x->op, y->op);
}

static int cmp_objects(const void *a, const void *b)
{
	const struct audit_map_entry *x = a, *y = b;
	uint64_t nx = *(uint64_t *)x->value, ny = *(uint64_t *)y->value;

	if (nx != ny)
		return nx > ny ? -1 : 1;
	return strcmp((const char *)x->key + 1, (const char *)y->key + 1);
}

static struct audit_map_entry *sorted(const struct audit_map *m,
				      int (*cmp)(const void *, const void *))
{
	struct audit_map_entry *e = audit_map_entries(m);

	if (e)
		qsort(e, audit_map_count(m), sizeof(*e), cmp);
	return e;
}

/* ---- human output ------------------------------------------------------------------------- */

struct widths {
	size_t site, op, deny, audit, suppressed;
};

static size_t digits(uint64_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static size_t max_size(size_t a, size_t b)
{
	return a > b ? a : b;
}

static void measure(const struct audit_map_entry *e, size_t n, struct widths *w)
{
	size_t i;

	*w = (struct widths){ 4, 2, 4, 5, 10 };
	for (i = 0; i < n; i++) {
		const struct sum_group *g = e[i].value;

		w->site = max_size(w->site, g->site ? text_width(g->site) : 6);
		w->op = max_size(w->op, text_width(g->op));
		w->deny = max_size(w->deny, digits(g->deny));
		w->audit = max_size(w->audit, digits(g->audit));
		w->suppressed = max_size(w->suppressed, digits(g->suppressed));
	}
	w->site = w->site > SUM_MAX_SITE_W ? SUM_MAX_SITE_W : w->site;
	w->op = w->op > SUM_MAX_OP_W ? SUM_MAX_OP_W : w->op;
}

static void print_top(const struct sum_group *g, uint32_t top, size_t indent)
{
	struct audit_map_entry *e = sorted(g->objects, cmp_objects);
	size_t i, n = audit_map_count(g->objects);

	for (i = 0; e && i < n && i < top; i++) {
		const char *key = e[i].key;

		printf("%*s%6llu  %s", (int)indent, "", (unsigned long long)*(uint64_t *)e[i].value,
		       key[0] == 'p' ? "\xe2\x80\xa6" : "");
		text_print(stdout, key + 1, SUM_MAX_OBJ_W, TEXT_CUT_MIDDLE, false);
		putchar('\n');
	}
	if (g->uncounted)
		printf("%*s%6llu  (objects not tallied: too many distinct ones)\n", (int)indent, "",
		       (unsigned long long)g->uncounted);
	free(e);
}

static void print_group(const struct sum_group *g, const struct widths *w, uint32_t top)
{
	char first[AUDIT_TIME_BUF], last[AUDIT_TIME_BUF];

	audit_time_format(g->first_us, AUDIT_TIME_HUMAN, first, sizeof(first));
	audit_time_format(g->last_us, AUDIT_TIME_HUMAN, last, sizeof(last));
	text_print(stdout, g->site ? g->site : "(none)", w->site, TEXT_CUT_END, true);
	fputs("  ", stdout);
	text_print(stdout, g->op, w->op, TEXT_CUT_END, true);
	printf("  %*llu  %*llu  %*llu  %s  %s\n", (int)w->deny, (unsigned long long)g->deny,
	       (int)w->audit, (unsigned long long)g->audit, (int)w->suppressed,
	       (unsigned long long)g->suppressed, first, last);
	print_top(g, top, w->site + 2);
}

static void print_totals(const struct summary *s, size_t ngroups)
{
	char first[AUDIT_TIME_BUF], last[AUDIT_TIME_BUF];

	if (ngroups) {
		audit_time_format(s->first_us, AUDIT_TIME_HUMAN, first, sizeof(first));
		audit_time_format(s->last_us, AUDIT_TIME_HUMAN, last, sizeof(last));
		printf("\n%llu records (%llu deny, %llu audit) from %s to %s UTC\n",
		       (unsigned long long)s->records, (unsigned long long)s->deny,
		       (unsigned long long)s->audit, first, last);
	} else {
		puts("-- no matching records --");
	}
	if (s->suppressed)
		printf("%llu more records suppressed by the rate limit\n",
		       (unsigned long long)s->suppressed);
	if (s->lost)
		printf("%llu records lost by the kernel (ring buffer full) in this time range\n",
		       (unsigned long long)s->lost);
}

static void print_human(const struct summary *s, const struct audit_map_entry *e, size_t n)
{
	struct widths w;
	size_t i;

	measure(e, n, &w);
	if (n)
		printf("%-*s  %-*s  %*s  %*s  %*s  %-19s  %s\n", (int)w.site, "SITE", (int)w.op,
		       "OP", (int)w.deny, "DENY", (int)w.audit, "AUDIT", (int)w.suppressed,
		       "SUPPRESSED", "FIRST SEEN (UTC)", "LAST SEEN");
	for (i = 0; i < n; i++)
		print_group(e[i].value, &w, s->o->top);
	print_totals(s, n);
}

/* ---- JSON output -------------------------------------------------------------------------- */

static void print_json_top(const struct sum_group *g, uint32_t top)
{
	struct audit_map_entry *e = sorted(g->objects, cmp_objects);
	size_t i, n = audit_map_count(g->objects);

	fputs("\"top\":[", stdout);
	for (i = 0; e && i < n && i < top; i++) {
		const char *key = e[i].key;

		fputs(i ? ",{\"object\":" : "{\"object\":", stdout);
		json_write_string(stdout, key + 1);
		printf(",\"partial\":%s,\"count\":%llu}", key[0] == 'p' ? "true" : "false",
		       (unsigned long long)*(uint64_t *)e[i].value);
	}
	printf("],\"uncounted\":%llu", (unsigned long long)g->uncounted);
	free(e);
}

static void print_json_group(const struct sum_group *g, uint32_t top)
{
	fputs("{\"site\":", stdout);
	if (g->site)
		json_write_string(stdout, g->site);
	else
		fputs("null", stdout);
	fputs(",\"op\":", stdout);
	json_write_string(stdout, g->op);
	printf(",\"deny\":%llu,\"audit\":%llu,\"suppressed\":%llu,\"first\":",
	       (unsigned long long)g->deny, (unsigned long long)g->audit,
	       (unsigned long long)g->suppressed);
	audit_time_json(stdout, true, g->first_us);
	fputs(",\"last\":", stdout);
	audit_time_json(stdout, true, g->last_us);
	putchar(',');
	print_json_top(g, top);
	putchar('}');
}

static void print_json(const struct summary *s, const struct audit_map_entry *e, size_t n)
{
	size_t i;

	printf("{\"records\":%llu,\"deny\":%llu,\"audit\":%llu,\"suppressed\":%llu,\"lost\":%llu,",
	       (unsigned long long)s->records, (unsigned long long)s->deny,
	       (unsigned long long)s->audit, (unsigned long long)s->suppressed,
	       (unsigned long long)s->lost);
	fputs("\"first\":", stdout);
	audit_time_json(stdout, s->records, s->first_us);
	fputs(",\"last\":", stdout);
	audit_time_json(stdout, s->records, s->last_us);
	fputs(",\"groups\":[", stdout);
	for (i = 0; i < n; i++) {
		fputs(i ? ",\n" : "\n", stdout);
		print_json_group(e[i].value, s->o->top);
	}
	puts("]}");
}

int audit_cmd_summary(const struct audit_opts *o, struct audit_log *log)
{
	struct summary s = { .o = o };
	struct audit_map_entry *e;
	int err;

	s.groups = audit_map__new(SUM_MAX_GROUPS, sizeof(struct sum_group));
	if (!s.groups)
		return -ENOMEM;
	err = audit_log__read(log, false, summary_line, &s);
	if (err)
		goto out_free;
	e = sorted(s.groups, cmp_groups);
	if (!e) {
		err = -ENOMEM;
		goto out_free;
	}
	if (o->json)
		print_json(&s, e, audit_map_count(s.groups));
	else
		print_human(&s, e, audit_map_count(s.groups));
	free(e);
out_free:
	audit_map__free(s.groups, free_group);
	return err;
}
