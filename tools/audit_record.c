// SPDX-License-Identifier: GPL-2.0
/*
 * audit_record.c — decoding audit log lines into struct audit_record, and the record filter;
 * see audit_record.h. The key table below is the tool's whole knowledge of the log format.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "audit_record.h"
#include "audit_time.h"
#include "parse.h"

enum key_kind {
	KEY_STR,
	KEY_BOOL,
	KEY_U32,
	KEY_U64,
};

struct key_desc {
	const char *key;
	enum key_kind kind;
	size_t off; /* KEY_STR, KEY_BOOL: offset in struct audit_record */
	enum audit_num num; /* KEY_U32, KEY_U64 */
};

#define STR(k, field)  { k, KEY_STR, offsetof(struct audit_record, field), 0 }
#define BOOL(k, field) { k, KEY_BOOL, offsetof(struct audit_record, field), 0 }
#define U32(k, n)      { k, KEY_U32, 0, n }
#define U64(k, n)      { k, KEY_U64, 0, n }

/* "time", "type" and "verdict" are decoded by hand: they choose how the rest is read. */
static const struct key_desc keys[] = {
	STR("site", site),
	STR("tag", tag),
	STR("op", op),
	STR("access", access),
	STR("path", path),
	BOOL("path_partial", path_partial),
	STR("dev", dev),
	STR("comm", comm),
	STR("errno", errno_name),
	STR("cap", cap),
	STR("vhost", vhost),
	STR("client", client),
	STR("request", request),
	STR("event", event),
	STR("message", message),
	U64("site_id", NUM_SITE_ID),
	U64("ino", NUM_INO),
	U32("pid", NUM_PID),
	U32("tgid", NUM_TGID),
	U32("uid", NUM_UID),
	U32("gid", NUM_GID),
	U32("target_uid", NUM_TARGET_UID),
	U32("target_gid", NUM_TARGET_GID),
	U32("target_pid", NUM_TARGET_PID),
	U32("signal", NUM_SIGNAL),
	U64("suppressed", NUM_SUPPRESSED),
	U64("count", NUM_COUNT),
};

static int decode_key(const struct key_desc *k, const struct json_member *m,
		      struct audit_record *rec)
{
	char *base = (char *)rec;
	uint64_t v;

	if (m->type == JSON_NULL)
		return 0;
	switch (k->kind) {
	case KEY_STR:
		if (m->type != JSON_STRING)
			return -EBADMSG;
		*(const char **)(base + k->off) = m->str;
		return 0;
	case KEY_BOOL:
		if (m->type != JSON_TRUE && m->type != JSON_FALSE)
			return -EBADMSG;
		*(bool *)(base + k->off) = m->type == JSON_TRUE;
		return 0;
	case KEY_U32:
	case KEY_U64:
		if (m->type != JSON_NUMBER ||
		    parse_u64(m->str, 0, k->kind == KEY_U32 ? UINT32_MAX : UINT64_MAX, &v))
			return -EBADMSG;
		rec->num[k->num] = v;
		rec->has |= 1u << k->num;
		return 0;
	}
	return -EBADMSG;
}

/* A required string member. */
static const char *get_string(const struct json_object *obj, const char *key)
{
	const struct json_member *m = json_get(obj, key);

	return m && m->type == JSON_STRING ? m->str : NULL;
}

static int decode_type(const struct json_object *obj, struct audit_record *rec)
{
	const char *type = get_string(obj, "type");

	if (!type)
		return -EBADMSG;
	if (!strcmp(type, "access"))
		rec->type = AUDIT_ACCESS;
	else if (!strcmp(type, "lost"))
		rec->type = AUDIT_LOST;
	else if (!strcmp(type, "daemon"))
		rec->type = AUDIT_DAEMON;
	else
		return -ENOMSG;
	return 0;
}

static int check_required(const struct json_object *obj, struct audit_record *rec)
{
	const char *verdict;

	switch (rec->type) {
	case AUDIT_ACCESS:
		verdict = get_string(obj, "verdict");
		if (!verdict || !rec->op)
			return -EBADMSG;
		if (!strcmp(verdict, "deny"))
			rec->verdict = VERDICT_DENY;
		else if (!strcmp(verdict, "audit"))
			rec->verdict = VERDICT_AUDIT;
		else
			return -EBADMSG;
		return 0;
	case AUDIT_LOST:
		return audit_has(rec, NUM_COUNT) ? 0 : -EBADMSG;
	case AUDIT_DAEMON:
		return rec->event ? 0 : -EBADMSG;
	}
	return -EBADMSG;
}

int audit_record_decode(const struct json_object *obj, struct audit_record *rec)
{
	const struct json_member *m;
	size_t i;
	int err;

	memset(rec, 0, sizeof(*rec));
	err = decode_type(obj, rec);
	if (err)
		return err;
	rec->time = get_string(obj, "time");
	if (!rec->time || audit_time_parse_log(rec->time, &rec->time_us))
		return -EBADMSG;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		m = json_get(obj, keys[i].key);
		if (!m)
			continue;
		err = decode_key(&keys[i], m, rec);
		if (err)
			return err;
	}
	return check_required(obj, rec);
}

const char *audit_record_object(const struct audit_record *rec, char *buf, size_t size)
{
	if (rec->path)
		return rec->path;
	if (rec->cap)
		return rec->cap;
	if (audit_has(rec, NUM_TARGET_UID)) {
		snprintf(buf, size, "uid %llu", (unsigned long long)rec->num[NUM_TARGET_UID]);
	} else if (audit_has(rec, NUM_TARGET_GID)) {
		snprintf(buf, size, "gid %llu", (unsigned long long)rec->num[NUM_TARGET_GID]);
	} else if (audit_has(rec, NUM_TARGET_PID) && audit_has(rec, NUM_SIGNAL)) {
		snprintf(buf, size, "pid %llu signal %llu",
			 (unsigned long long)rec->num[NUM_TARGET_PID],
			 (unsigned long long)rec->num[NUM_SIGNAL]);
	} else if (audit_has(rec, NUM_TARGET_PID)) {
		snprintf(buf, size, "pid %llu", (unsigned long long)rec->num[NUM_TARGET_PID]);
	} else {
		return NULL;
	}
	return buf;
}

bool audit_op_not_allowable(const char *op)
{
	static const char *const ops[] = {
		"capable", "setuid", "setgid",	  "setgroups", "privexec", "ptrace", "kill",
		"bpf",	   "mount",  "umount", "pivotroot", "userns",	"token",  "fork",
	};
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(op, ops[i]))
			return true;
	return false;
}

bool audit_filter_is_narrow(const struct audit_filter *f)
{
	return f->nsites || f->nops || f->npaths || f->has_pid || f->has_uid || f->has_verdict;
}

bool audit_filter_time(const struct audit_filter *f, const struct audit_record *rec)
{
	if (f->has_since && rec->time_us < f->since_us)
		return false;
	if (f->has_until && rec->time_us >= f->until_us)
		return false;
	return true;
}

static bool match_site(const struct audit_filter *f, const char *site)
{
	int i;

	for (i = 0; i < f->nsites; i++)
		if (site ? !strcmp(f->sites[i], site) : !strcmp(f->sites[i], "-"))
			return true;
	return !f->nsites;
}

static bool match_list(const char *const *list, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return true;
	return !n;
}

static bool match_path(const struct audit_filter *f, const char *path)
{
	int i;

	if (!f->npaths)
		return true;
	if (!path)
		return false;
	for (i = 0; i < f->npaths; i++)
		if (!fnmatch(f->paths[i], path, 0))
			return true;
	return false;
}

static bool match_id(bool has_filter, uint32_t want, const struct audit_record *rec,
		     enum audit_num a, enum audit_num b)
{
	if (!has_filter)
		return true;
	return (audit_has(rec, a) && rec->num[a] == want) ||
	       (audit_has(rec, b) && rec->num[b] == want);
}

bool audit_filter_match(const struct audit_filter *f, const struct audit_record *rec)
{
	if (!audit_filter_time(f, rec))
		return false;
	if (rec->type != AUDIT_ACCESS)
		return !audit_filter_is_narrow(f);
	if (f->has_verdict && rec->verdict != f->verdict)
		return false;
	return match_site(f, rec->site) && match_list(f->ops, f->nops, rec->op) &&
	       match_path(f, rec->path) && match_id(f->has_pid, f->pid, rec, NUM_PID, NUM_TGID) &&
	       match_id(f->has_uid, f->uid, rec, NUM_UID, NUM_UID);
}
