/* SPDX-License-Identifier: GPL-2.0 */
/*
 * audit_record.h — one line of the sitefenced audit log as a typed record, and the filter that
 * the command-line options build.
 *
 * The log format is the daemon's contract with this tool (see sitefence-audit(8), LOG FORMAT).
 * Decoding is table-driven: one row per key gives its JSON type and where it lands in struct
 * audit_record, so a new key is one line. Unknown keys are ignored (newer daemons may add
 * some); a known key with the wrong type makes the record invalid, because guessing would
 * hide a format change; null counts as absent for every key that may be absent.
 */
#ifndef SF_AUDIT_RECORD_H
#define SF_AUDIT_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "json.h"

enum audit_type {
	AUDIT_ACCESS,
	AUDIT_LOST,
	AUDIT_DAEMON,
};

enum audit_verdict {
	VERDICT_DENY,
	VERDICT_AUDIT,
};

/* Absent strings are NULL; absent numbers have their bit in .has clear. */
enum audit_num {
	NUM_SITE_ID,
	NUM_INO,
	NUM_PID,
	NUM_TGID,
	NUM_UID,
	NUM_GID,
	NUM_TARGET_UID,
	NUM_TARGET_GID,
	NUM_TARGET_PID,
	NUM_SIGNAL,
	NUM_SUPPRESSED,
	NUM_COUNT,
	NUM__MAX,
};

struct audit_record {
	enum audit_type type;
	int64_t time_us;
	const char *time;
	/* access */
	enum audit_verdict verdict;
	const char *site, *tag, *op, *access, *path, *dev, *comm, *errno_name, *cap;
	const char *vhost, *client, *request;
	bool path_partial;
	/* daemon */
	const char *event, *message;
	uint32_t has; /* bit n: num[n] is present */
	uint64_t num[NUM__MAX];
};

static inline bool audit_has(const struct audit_record *r, enum audit_num n)
{
	return r->has & (1u << n);
}

/*
 * Decode a parsed line into *rec (whose strings point into obj). Returns 0; -ENOMSG when the
 * type is unknown; -EBADMSG when a required key is missing or a key has the wrong type.
 */
int audit_record_decode(const struct json_object *obj, struct audit_record *rec);

/* What the record is about, for display: its path, capability, target, ...; buf if needed. */
const char *audit_record_object(const struct audit_record *rec, char *buf, size_t size);

/* The ops that the fence refuses whatever the directories allowed: no directive allows them. */
bool audit_op_not_allowable(const char *op);

#define FILTER_MAX_LIST 32

struct audit_filter {
	bool has_since, has_until, has_pid, has_uid, has_verdict;
	int64_t since_us, until_us; /* since <= time < until */
	uint32_t pid, uid;
	enum audit_verdict verdict;
	const char *sites[FILTER_MAX_LIST]; /* "-" matches records without a site */
	const char *ops[FILTER_MAX_LIST];
	const char *paths[FILTER_MAX_LIST]; /* fnmatch() globs; '*' also matches '/' */
	int nsites, nops, npaths;
};

/* Whether the filter selects by anything other than time (and so only access records). */
bool audit_filter_is_narrow(const struct audit_filter *f);

/* Whether rec's time lies in the filter's range. */
bool audit_filter_time(const struct audit_filter *f, const struct audit_record *rec);

/* Whether the filter selects rec: lost and daemon records only when it is not narrow. */
bool audit_filter_match(const struct audit_filter *f, const struct audit_record *rec);

#endif /* SF_AUDIT_RECORD_H */
