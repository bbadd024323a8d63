// SPDX-License-Identifier: GPL-2.0
/*
 * ctl_status.c — sitefencectl status and sites: is the fence working, and what is it doing?
 *
 * status gathers five sections — kernel, fence (pins), daemon, spawners, sites — each on its
 * own, so that one that cannot be read (the daemon is down, the pins are another version's)
 * leaves the others intact; then decides the verdict from all of them, and prints the lot for
 * people or as one JSON document. The verdict is the exit status: 0 all well, 3 the fence is
 * in force but something needs attention, 1 the fence is not in force.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_cmd.h"
#include "ctl_daemon.h"
#include "ctl_out.h"
#include "ctl_pins.h"
#include "ctl_sites.h"
#include "kernel.h"
#include "parse.h"
#include "sitetab.h"

#define MAX_PROBLEMS	16
#define PROBLEM_LEN	512

struct status {
	int kernel_err;
	char kernel_why[1024];
	int fence_err;		/* 0: the pins could be listed */
	struct ctl_fence fence;
	int daemon_err;		/* -EREMOTEIO: it answered "error", see daemon_why */
	char *daemon_why;
	struct ctl_dstatus dst;
	int spawners_err;
	struct ctl_spawner *spawners;
	size_t nspawners;
	int tasks_err;
	struct ctl_tasks tasks;
	int sites_err;
	struct ctl_sitelist file_sites;
	struct ctl_sitelist *sites;	/* the daemon's or file_sites; NULL when neither */
	char problems[MAX_PROBLEMS][PROBLEM_LEN];	/* what makes the status not OK */
	size_t nproblems;
	char notes[MAX_PROBLEMS][PROBLEM_LEN];		/* worth knowing, not a fault */
	size_t nnotes;
	int exit;
};

/* ---- gathering ------------------------------------------------------------------------------ */

static void gather_daemon(struct status *st, const struct ctl_opts *o)
{
	st->daemon_err = ctl_status_get(o->socket, o->timeout_ms, &st->dst, &st->daemon_why);
}

/* The site names from the daemon or, when it cannot tell, from its state files. */
static void gather_sites(struct status *st, const struct ctl_opts *o)
{
	if (!st->daemon_err) {
		st->sites = &st->dst.sites;
	} else {
		st->sites_err = ctl_sites_from_files(o->run_dir, &st->file_sites);
		if (!st->sites_err)
			st->sites = &st->file_sites;
	}
	st->tasks_err = ctl_tasks_count(o->pin_dir, &st->tasks);
	if (!st->sites)
		return;
	if (!st->tasks_err)
		st->sites->workers_err = ctl_sites_add_workers(st->sites, &st->tasks);
	else
		st->sites->workers_err = st->tasks_err;
	ctl_sites_add_counters(st->sites, o->pin_dir);
}

static void gather_all(struct status *st, const struct ctl_opts *o)
{
	st->kernel_err = sf_kernel_check(st->kernel_why, sizeof(st->kernel_why), false);
	st->fence_err = ctl_fence_read(o->pin_dir, &st->fence);
	gather_daemon(st, o);
	st->spawners_err = ctl_spawners_read(o->pin_dir, &st->spawners, &st->nspawners);
	gather_sites(st, o);
}

static void status_free(struct status *st)
{
	ctl_fence_free(&st->fence);
	free(st->daemon_why);
	ctl_dstatus_free(&st->dst);
	free(st->spawners);
	ctl_tasks_free(&st->tasks);
	ctl_sitelist_free(&st->file_sites);
	free(st);
}

/* ---- the verdict ---------------------------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static void add_line(char (*v)[PROBLEM_LEN], size_t *n,
							     const char *fmt, ...)
{
	va_list ap;

	if (*n == MAX_PROBLEMS)
		return;
	va_start(ap, fmt);
	vsnprintf(v[(*n)++], PROBLEM_LEN, fmt, ap);
	va_end(ap);
}

#define problem(st, ...) add_line((st)->problems, &(st)->nproblems, __VA_ARGS__)
#define note(st, ...)	 add_line((st)->notes, &(st)->nnotes, __VA_ARGS__)

/* Whether the fence is in force: pins readable and at least one program attached. */
static bool fence_loaded(const struct status *st)
{
	return !st->fence_err && st->fence.nattached;
}

static void judge_fence(struct status *st, const struct ctl_opts *o)
{
	const struct ctl_fence *f = &st->fence;

	if (st->fence_err == -ENOENT)
		problem(st, "the fence is not loaded: nothing is pinned at %s", o->pin_dir);
	else if (st->fence_err)
		problem(st, "cannot read the fence's pins at %s: %s", o->pin_dir,
			ctl_pins_strerror(st->fence_err));
	else if (!f->nattached)
		problem(st, "the fence is not loaded: no attached program is pinned at %s",
			o->pin_dir);
	if (!fence_loaded(st))
		return;
	if (f->nattached < f->nlinks)
		problem(st, "%zu of %zu programs are not attached", f->nlinks - f->nattached,
			f->nlinks);
	if (f->gen_err)
		problem(st, "policy: %s", ctl_pins_strerror(f->gen_err));
	if (f->stats_err)
		problem(st, "cannot read the fence's statistics: %s",
			ctl_pins_strerror(f->stats_err));
	if (st->spawners_err)
		problem(st, "cannot read the spawners: %s", ctl_pins_strerror(st->spawners_err));
	if (st->tasks_err)
		problem(st, "cannot read the tags of processes: %s",
			ctl_pins_strerror(st->tasks_err));
	if (st->sites && st->sites->counters_err)
		problem(st, "cannot read the site counters: %s",
			ctl_pins_strerror(st->sites->counters_err));
}

static void judge_daemon(struct status *st, const struct ctl_opts *o)
{
	const char *gen;
	uint64_t g;
	size_t i, stale = 0;

	if (st->daemon_err == -EREMOTEIO)
		problem(st, "sitefenced answered STATUS with an error");
	else if (st->daemon_err)
		problem(st, "cannot reach sitefenced at %s: %s%s", o->socket,
			ctl_daemon_strerror(st->daemon_err),
			fence_loaded(st) ? "; the fence stays in force without it" : "");
	gen = st->daemon_err ? NULL : ctl_dstatus_get(&st->dst, "generation");
	if (gen && fence_loaded(st) && !st->fence.gen_err && !parse_u64(gen, 0, UINT64_MAX, &g) &&
	    g != st->fence.generation)
		note(st, "the kernel enforces policy generation %" PRIu64 ", sitefenced has %" PRIu64
		     " (a reload in progress?)", st->fence.generation, g);
	for (i = 0; i < st->nspawners; i++)
		stale += st->spawners[i].stale;
	if (stale)
		note(st, "%zu stale spawner entr%s: the process is gone or its pid reused", stale,
		     stale == 1 ? "y" : "ies");
	if (!st->sites)
		note(st, "no site table: %s%s", st->daemon_err ? "sitefenced cannot tell, and " : "",
		     st->sites_err == -ENOENT ? "there are no state files" :
						"the state files cannot be read");
}

static void judge(struct status *st, const struct ctl_opts *o)
{
	if (st->kernel_err)
		problem(st, "the kernel cannot run the fence");
	judge_fence(st, o);
	judge_daemon(st, o);
	if (st->kernel_err || !fence_loaded(st))
		st->exit = CTL_EXIT_FAIL;
	else
		st->exit = st->nproblems ? CTL_EXIT_DEGRADED : CTL_EXIT_OK;
}

static const char *verdict_word(int exit_status)
{
	return exit_status == CTL_EXIT_OK ? "ok" :
	       exit_status == CTL_EXIT_DEGRADED ? "degraded" : "not in force";
}

/* ---- text ----------------------------------------------------------------------------------- */

static void header(const char *name)
{
	printf("%-10s", name);
}

/* "  label   value" with the value made safe. */
static void row(const char *label, const char *value)
{
	printf("  %-20s ", label);
	out_text(stdout, value);
	putchar('\n');
}

static void row_u64(const char *label, uint64_t v)
{
	printf("  %-20s %" PRIu64 "\n", label, v);
}

static void text_kernel(const struct status *st)
{
	header("Kernel:");
	if (!st->kernel_err) {
		puts("OK (BTF and the BPF LSM are active)");
		return;
	}
	fputs("NOT READY: ", stdout);
	out_text(stdout, st->kernel_why);
	putchar('\n');
}

static void text_links(const struct ctl_fence *f)
{
	size_t i;

	for (i = 0; i < f->nlinks; i++) {
		const struct ctl_link *l = &f->links[i];

		printf("    %-28s ", l->prog);
		if (l->err)
			printf("NOT ATTACHED (%s)\n", ctl_pins_strerror(l->err));
		else if (!l->attached)
			printf("NOT ATTACHED (not an LSM link, link %u)\n", l->link_id);
		else
			printf("attached (link %u, prog %u)\n", l->link_id, l->prog_id);
	}
}

static void text_fence(const struct status *st, const struct ctl_opts *o)
{
	const struct ctl_fence *f = &st->fence;

	header("Fence:");
	if (st->fence_err == -ENOENT) {
		printf("NOT LOADED: nothing is pinned at ");
		out_text(stdout, o->pin_dir);
		putchar('\n');
		return;
	}
	if (st->fence_err) {
		printf("UNKNOWN: cannot read the pins at ");
		out_text(stdout, o->pin_dir);
		printf(": %s\n", ctl_pins_strerror(st->fence_err));
		return;
	}
	if (fence_loaded(st))
		printf("loaded: %zu of %zu programs attached (pins in ", f->nattached, f->nlinks);
	else
		printf("NOT LOADED: no program is attached (pins in ");
	out_text(stdout, o->pin_dir);
	puts(")");
	if (f->gen_err)
		row("policy generation", ctl_pins_strerror(f->gen_err));
	else
		row_u64("policy generation", f->generation);
	if (f->stats_err) {
		row("statistics", ctl_pins_strerror(f->stats_err));
	} else {
		row_u64("lost records", f->stats.lost);
		row_u64("mirror reads", f->stats.mirror_reads);
		row_u64("tag failures", f->stats.tag_failures);
	}
	if (f->nlinks)
		puts("  programs");
	else
		row("programs", "none pinned");
	text_links(f);
}

/* "uptime 93784" → "1d 2h 3m 4s". */
static void row_uptime(const char *value)
{
	uint64_t s;

	if (parse_u64(value, 0, UINT64_MAX, &s)) {
		row("uptime", value);
		return;
	}
	printf("  %-20s ", "uptime");
	if (s >= 86400)
		printf("%" PRIu64 "d ", s / 86400);
	if (s >= 3600)
		printf("%" PRIu64 "h ", s / 3600 % 24);
	if (s >= 60)
		printf("%" PRIu64 "m ", s / 60 % 60);
	printf("%" PRIu64 "s\n", s % 60);
}

static void text_daemon(const struct status *st, const struct ctl_opts *o)
{
	size_t i;

	header("Daemon:");
	if (st->daemon_err == -EREMOTEIO) {
		puts("ERROR: sitefenced answered STATUS with an error:");
		printf("  ");
		out_text(stdout, st->daemon_why);
		putchar('\n');
		return;
	}
	if (st->daemon_err) {
		printf("NOT REACHABLE at ");
		out_text(stdout, o->socket);
		printf(": %s\n", ctl_daemon_strerror(st->daemon_err));
		if (fence_loaded(st))
			puts("          The fence stays in force without it: its pins hold it. Policy"
			     " changes and\n          audit records wait until sitefenced is back.");
		return;
	}
	printf("running (");
	out_text(stdout, o->socket);
	puts(")");
	for (i = 0; i < st->dst.nkv; i++) {
		if (!strcmp(st->dst.kv[i].key, "uptime"))
			row_uptime(st->dst.kv[i].value);
		else
			row(st->dst.kv[i].key, st->dst.kv[i].value);
	}
	for (i = 0; i < st->dst.nowners; i++) {
		printf("  %-20s ", "owner");
		out_text(stdout, st->dst.owners[i].name);
		printf(" (");
		out_text(stdout, st->dst.owners[i].nsites);
		puts(" sites)");
	}
}

static void text_spawners(const struct status *st)
{
	size_t i;

	header("Spawners:");
	if (st->spawners_err) {
		printf("unavailable: %s\n", ctl_pins_strerror(st->spawners_err));
		return;
	}
	printf("%zu registered\n", st->nspawners);
	for (i = 0; i < st->nspawners; i++) {
		const struct ctl_spawner *s = &st->spawners[i];

		printf("  %-10u ", s->tgid);
		out_text(stdout, s->comm[0] ? s->comm : "(gone)");
		if (s->stale && s->comm[0])
			puts("  STALE: the pid now belongs to another process");
		else
			puts(s->stale ? "  STALE" : "");
	}
}

static void text_tasks(const struct status *st)
{
	const struct ctl_tasks *t = &st->tasks;

	header("Tasks:");
	if (st->tasks_err)
		printf("unavailable: %s\n", ctl_pins_strerror(st->tasks_err));
	else
		printf("%u confined to a site, %u pending, %u spawner%s, %u loader\n", t->site,
		       t->pending, t->spawner, t->spawner == 1 ? "" : "s", t->loader);
}

/* One cell per column; the name is kept apart as it can be long. */
enum { COL_ID, COL_MODE, COL_UID, COL_GID, COL_WORKERS, COL_ALLOWED, COL_DENIED, COL_AUDITED,
       COL_SUPPRESSED, NCOLS };

static const char *const col_names[NCOLS] = { "ID", "MODE", "UID", "GID", "WORKERS", "ALLOWED",
					       "DENIED", "AUDITED", "SUPPRESSED" };

struct table_row {
	const char *name;
	const char *owner;
	char cell[NCOLS][24];
};

static void cell_u64(char *cell, bool known, uint64_t v)
{
	if (known)
		snprintf(cell, 24, "%" PRIu64, v);
	else
		strcpy(cell, "-");
}

static void fill_row(struct table_row *r, const struct ctl_sitelist *l, const struct ctl_site *s)
{
	const struct sf_counters *c = &s->counters;

	r->name = s->name[0] ? s->name : "(unregistered)";
	r->owner = s->owner ? s->owner : "-";
	cell_u64(r->cell[COL_ID], s->id, s->id);
	snprintf(r->cell[COL_MODE], 24, "%s", s->has_spec ? sf_mode_name(s->mode) : "-");
	cell_u64(r->cell[COL_UID], s->has_spec, s->uid);
	cell_u64(r->cell[COL_GID], s->has_spec, s->gid);
	cell_u64(r->cell[COL_WORKERS], l->has_workers && s->id, s->workers);
	cell_u64(r->cell[COL_ALLOWED], s->has_counters, c->allowed);
	cell_u64(r->cell[COL_DENIED], s->has_counters, c->denied);
	cell_u64(r->cell[COL_AUDITED], s->has_counters, c->audited);
	cell_u64(r->cell[COL_SUPPRESSED], s->has_counters, c->suppressed);
}

/* The row of id 0: pending tasks and sites the kernel does not know. */
static void fill_no_site_row(struct table_row *r, const struct ctl_sitelist *l,
			     const struct status *st)
{
	struct ctl_site s = { .name = "(no site)", .has_counters = !l->counters_err,
			      .counters = l->pending, .workers = st->tasks.pending };

	fill_row(r, l, &s);
	cell_u64(r->cell[COL_WORKERS], !st->tasks_err, st->tasks.pending);
	strcpy(r->cell[COL_ID], "0");
}

static void print_rows(const struct table_row *rows, size_t n, int indent)
{
	int wname = 4, wcol[NCOLS], j;
	size_t i;

	for (j = 0; j < NCOLS; j++)
		wcol[j] = strlen(col_names[j]);
	for (i = 0; i < n; i++) {
		wname = (int)strlen(rows[i].name) > wname ? (int)strlen(rows[i].name) : wname;
		for (j = 0; j < NCOLS; j++)
			if ((int)strlen(rows[i].cell[j]) > wcol[j])
				wcol[j] = strlen(rows[i].cell[j]);
	}
	printf("%*s%-*s", indent, "", wname, "NAME");
	for (j = 0; j < NCOLS; j++)
		printf(j == COL_MODE ? "  %-*s" : "  %*s", wcol[j], col_names[j]);
	puts("  OWNER");
	for (i = 0; i < n; i++) {
		printf("%*s", indent, "");
		out_text(stdout, rows[i].name);
		printf("%*s", wname - (int)strlen(rows[i].name), "");
		for (j = 0; j < NCOLS; j++)
			printf(j == COL_MODE ? "  %-*s" : "  %*s", wcol[j], rows[i].cell[j]);
		printf("  ");
		out_text(stdout, rows[i].owner);
		putchar('\n');
	}
}

static int print_site_table(const struct status *st, int indent)
{
	const struct ctl_sitelist *l = st->sites;
	struct table_row *rows;
	size_t i, n = 0;

	rows = calloc(l->n + 1, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (i = 0; i < l->n; i++)
		fill_row(&rows[n++], l, &l->v[i]);
	if (!l->counters_err || !st->tasks_err)
		fill_no_site_row(&rows[n++], l, st);
	print_rows(rows, n, indent);
	free(rows);
	return 0;
}

static int text_sites(const struct status *st, const struct ctl_opts *o)
{
	header("Sites:");
	if (!st->sites) {
		printf("unavailable: %s\n", st->sites_err == -ENOENT ?
			       "sitefenced is not reachable and there are no state files" :
			       ctl_pins_strerror(st->sites_err));
		return 0;
	}
	printf("%zu (from the %s", st->sites->n, st->sites->source);
	if (st->sites == &st->file_sites) {
		printf(" in ");
		out_text(stdout, o->run_dir);
	}
	puts(")");
	if (st->sites->counters_err)
		printf("  counters unavailable: %s\n", ctl_pins_strerror(st->sites->counters_err));
	if (st->sites->workers_err)
		printf("  workers unavailable: %s\n", ctl_pins_strerror(st->sites->workers_err));
	return print_site_table(st, 2);
}

static void text_verdict(const struct status *st)
{
	size_t i;

	header("Status:");
	printf("%s\n", st->exit == CTL_EXIT_OK ? "OK" :
		       st->exit == CTL_EXIT_DEGRADED ? "DEGRADED" : "NOT IN FORCE");
	for (i = 0; i < st->nproblems; i++) {
		printf("  problem: ");
		out_text(stdout, st->problems[i]);
		putchar('\n');
	}
	for (i = 0; i < st->nnotes; i++) {
		printf("  note: ");
		out_text(stdout, st->notes[i]);
		putchar('\n');
	}
}

static int print_text(const struct status *st, const struct ctl_opts *o)
{
	text_kernel(st);
	text_fence(st, o);
	text_daemon(st, o);
	text_spawners(st);
	text_tasks(st);
	if (text_sites(st, o))
		return -ENOMEM;
	text_verdict(st);
	return 0;
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static void jw_err(struct jw *w, const char *key, int err, const char *(*describe)(int))
{
	if (err)
		jw_str(w, key, describe(err));
	else
		jw_null(w, key);
}

static void json_counters(struct jw *w, const char *key, bool known,
			  const struct sf_counters *c)
{
	if (!known) {
		jw_null(w, key);
		return;
	}
	jw_object(w, key);
	jw_u64(w, "allowed", c->allowed);
	jw_u64(w, "denied", c->denied);
	jw_u64(w, "audited", c->audited);
	jw_u64(w, "suppressed", c->suppressed);
	jw_end_object(w);
}

static void json_site(struct jw *w, const struct ctl_sitelist *l, const struct ctl_site *s)
{
	jw_object(w, NULL);
	jw_str(w, "name", s->name[0] ? s->name : NULL);
	jw_u64_if(w, "id", s->id, s->id);
	jw_str(w, "owner", s->owner);
	jw_str(w, "mode", s->has_spec ? sf_mode_name(s->mode) : NULL);
	jw_u64_if(w, "uid", s->has_spec, s->uid);
	jw_u64_if(w, "gid", s->has_spec, s->gid);
	jw_u64_if(w, "workers", l->has_workers && s->id, s->workers);
	json_counters(w, "counters", s->has_counters, &s->counters);
	jw_end_object(w);
}

/* The members the status and sites documents share. */
static void json_sites(struct jw *w, const struct status *st)
{
	const struct ctl_sitelist *l = st->sites;
	size_t i;

	jw_str(w, "sites_source", l ? l->source : NULL);
	if (!l) {
		jw_str(w, "sites_error", st->sites_err == -ENOENT ? "no state files" :
								     strerror(-st->sites_err));
		jw_null(w, "sites");
		return;
	}
	jw_err(w, "counters_error", l->counters_err, ctl_pins_strerror);
	jw_err(w, "workers_error", l->workers_err, ctl_pins_strerror);
	jw_array(w, "sites");
	for (i = 0; i < l->n; i++)
		json_site(w, l, &l->v[i]);
	jw_end_array(w);
	jw_object(w, "no_site");
	jw_u64_if(w, "workers", !st->tasks_err, st->tasks.pending);
	json_counters(w, "counters", !l->counters_err, &l->pending);
	jw_end_object(w);
}

static void json_fence(struct jw *w, const struct status *st, const struct ctl_opts *o)
{
	const struct ctl_fence *f = &st->fence;
	bool stats = !st->fence_err && !f->stats_err;
	size_t i;

	jw_object(w, "fence");
	jw_str(w, "pin_dir", o->pin_dir);
	jw_bool(w, "loaded", fence_loaded(st));
	jw_err(w, "error", st->fence_err, ctl_pins_strerror);
	jw_u64(w, "programs_attached", f->nattached);
	jw_array(w, "programs");
	for (i = 0; i < f->nlinks; i++) {
		jw_object(w, NULL);
		jw_str(w, "name", f->links[i].prog);
		jw_bool(w, "attached", f->links[i].attached);
		jw_u64(w, "link_id", f->links[i].link_id);
		jw_u64(w, "prog_id", f->links[i].prog_id);
		jw_err(w, "error", f->links[i].err, ctl_pins_strerror);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_u64_if(w, "policy_generation", !st->fence_err && !f->gen_err, f->generation);
	jw_err(w, "policy_error", st->fence_err ? 0 : f->gen_err, ctl_pins_strerror);
	if (stats) {
		jw_object(w, "stats");
		jw_u64(w, "lost", f->stats.lost);
		jw_u64(w, "mirror_reads", f->stats.mirror_reads);
		jw_u64(w, "tag_failures", f->stats.tag_failures);
		jw_end_object(w);
	} else {
		jw_null(w, "stats");
	}
	jw_end_object(w);
}

/* The daemon's "key value" lines; the ones known to be counts become numbers. */
static void json_daemon_kv(struct jw *w, const struct ctl_dstatus *d)
{
	static const char *const numeric[] = { "pid", "uptime", "generation", "records",
					       "write_errors", "sites", "roots" };
	uint64_t v;
	size_t i, j;

	jw_object(w, "status");
	for (i = 0; i < d->nkv; i++) {
		for (j = 0; j < sizeof(numeric) / sizeof(numeric[0]); j++)
			if (!strcmp(d->kv[i].key, numeric[j]))
				break;
		if (j < sizeof(numeric) / sizeof(numeric[0]) &&
		    !parse_u64(d->kv[i].value, 0, UINT64_MAX, &v))
			jw_u64(w, d->kv[i].key, v);
		else
			jw_str(w, d->kv[i].key, d->kv[i].value);
	}
	jw_end_object(w);
	jw_array(w, "owners");
	for (i = 0; i < d->nowners; i++) {
		jw_object(w, NULL);
		jw_str(w, "name", d->owners[i].name);
		if (!parse_u64(d->owners[i].nsites, 0, UINT64_MAX, &v))
			jw_u64(w, "sites", v);
		else
			jw_str(w, "sites", d->owners[i].nsites);
		jw_end_object(w);
	}
	jw_end_array(w);
}

static void json_daemon(struct jw *w, const struct status *st, const struct ctl_opts *o)
{
	jw_object(w, "daemon");
	jw_str(w, "socket", o->socket);
	jw_bool(w, "reachable", !st->daemon_err);
	if (st->daemon_err == -EREMOTEIO)
		jw_str(w, "error", st->daemon_why);
	else
		jw_err(w, "error", st->daemon_err, ctl_daemon_strerror);
	if (!st->daemon_err) {
		json_daemon_kv(w, &st->dst);
	} else {
		jw_null(w, "status");
		jw_null(w, "owners");
	}
	jw_end_object(w);
}

static void json_tasks(struct jw *w, const struct status *st)
{
	size_t i;

	if (st->spawners_err) {
		jw_null(w, "spawners");
	} else {
		jw_array(w, "spawners");
		for (i = 0; i < st->nspawners; i++) {
			jw_object(w, NULL);
			jw_u64(w, "tgid", st->spawners[i].tgid);
			jw_str(w, "comm", st->spawners[i].comm[0] ? st->spawners[i].comm : NULL);
			jw_u64(w, "start_ns", st->spawners[i].start_ns);
			jw_bool(w, "stale", st->spawners[i].stale);
			jw_end_object(w);
		}
		jw_end_array(w);
	}
	jw_err(w, "spawners_error", st->spawners_err, ctl_pins_strerror);
	if (st->tasks_err) {
		jw_null(w, "tasks");
	} else {
		jw_object(w, "tasks");
		jw_u64(w, "site", st->tasks.site);
		jw_u64(w, "pending", st->tasks.pending);
		jw_u64(w, "spawner", st->tasks.spawner);
		jw_u64(w, "loader", st->tasks.loader);
		jw_end_object(w);
	}
	jw_err(w, "tasks_error", st->tasks_err, ctl_pins_strerror);
}

static void json_lines(struct jw *w, const char *key, const char (*v)[PROBLEM_LEN], size_t n)
{
	size_t i;

	jw_array(w, key);
	for (i = 0; i < n; i++)
		jw_str(w, NULL, v[i]);
	jw_end_array(w);
}

static void print_json(const struct status *st, const struct ctl_opts *o)
{
	struct jw w;

	jw_init(&w, stdout);
	jw_object(&w, NULL);
	jw_str(&w, "status", verdict_word(st->exit));
	jw_u64(&w, "exit_status", st->exit);
	json_lines(&w, "problems", st->problems, st->nproblems);
	json_lines(&w, "notes", st->notes, st->nnotes);
	jw_object(&w, "kernel");
	jw_bool(&w, "ok", !st->kernel_err);
	jw_str(&w, "message", st->kernel_err ? st->kernel_why : NULL);
	jw_end_object(&w);
	json_fence(&w, st, o);
	json_daemon(&w, st, o);
	json_tasks(&w, st);
	json_sites(&w, st);
	jw_end_object(&w);
}

/* ---- the commands --------------------------------------------------------------------------- */

/* What every command does last: was the output written? */
static int finish(int status)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: error writing the output: %s\n", CTL_PROG, strerror(errno));
		return CTL_EXIT_FAIL;
	}
	return status;
}

int ctl_cmd_status(const struct ctl_opts *o)
{
	struct status *st;
	int err = 0, status;

	st = calloc(1, sizeof(*st));
	if (!st) {
		fprintf(stderr, "%s: %s\n", CTL_PROG, strerror(ENOMEM));
		return CTL_EXIT_FAIL;
	}
	gather_all(st, o);
	judge(st, o);
	if (o->json)
		print_json(st, o);
	else
		err = print_text(st, o);
	status = err ? CTL_EXIT_FAIL : st->exit;
	if (err)
		fprintf(stderr, "%s: %s\n", CTL_PROG, strerror(-err));
	status_free(st);
	return finish(status);
}

/* sites: says on stderr where the names came from when the daemon could not tell. */
static void sites_notes(const struct status *st, const struct ctl_opts *o)
{
	if (st->daemon_err && st->sites)
		fprintf(stderr, "%s: cannot reach sitefenced at %s: %s; sites read from the state"
			" files in %s\n", CTL_PROG, o->socket, st->daemon_err == -EREMOTEIO ?
			"it answered with an error" : ctl_daemon_strerror(st->daemon_err),
			o->run_dir);
	if (st->sites && st->sites->counters_err)
		fprintf(stderr, "%s: counters unavailable: %s\n", CTL_PROG,
			ctl_pins_strerror(st->sites->counters_err));
	if (st->sites && st->sites->workers_err)
		fprintf(stderr, "%s: workers unavailable: %s\n", CTL_PROG,
			ctl_pins_strerror(st->sites->workers_err));
}

int ctl_cmd_sites(const struct ctl_opts *o)
{
	struct status *st;
	struct jw w;
	int status = CTL_EXIT_OK;

	st = calloc(1, sizeof(*st));
	if (!st) {
		fprintf(stderr, "%s: %s\n", CTL_PROG, strerror(ENOMEM));
		return CTL_EXIT_FAIL;
	}
	gather_daemon(st, o);
	gather_sites(st, o);
	sites_notes(st, o);
	if (!st->sites) {
		fprintf(stderr, "%s: no site table: cannot reach sitefenced at %s: %s; and %s in"
			" %s\n", CTL_PROG, o->socket, st->daemon_err == -EREMOTEIO ?
			"it answered with an error" : ctl_daemon_strerror(st->daemon_err),
			st->sites_err == -ENOENT ? "there are no state files" :
			"cannot read the state files", o->run_dir);
		status = CTL_EXIT_FAIL;
	} else if (o->json) {
		jw_init(&w, stdout);
		jw_object(&w, NULL);
		json_sites(&w, st);
		jw_end_object(&w);
	} else if (print_site_table(st, 0)) {
		fprintf(stderr, "%s: %s\n", CTL_PROG, strerror(ENOMEM));
		status = CTL_EXIT_FAIL;
	}
	status_free(st);
	return finish(status);
}
