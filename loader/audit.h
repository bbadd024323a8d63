/* SPDX-License-Identifier: GPL-2.0 */
/*
 * audit.h — drain the fence's ring buffer into the audit log: one JSON object per line,
 * appended with one write() each (so lines never interleave), reopened on SIGHUP/SIGUSR1 for
 * logrotate. The format is documented in sitefence-audit(8):
 *
 *   {"time":"2026-11-27T12:34:56.123456Z","type":"access","verdict":"deny","site":"a.example",
 *    "site_id":3,"tag":"site","op":"open","access":"r","path":"/srv/b/wp-config.php",...}
 *   {"time":...,"type":"lost","count":12}
 *   {"time":...,"type":"daemon","event":"start","message":"..."}
 */
#ifndef SF_AUDIT_H
#define SF_AUDIT_H

#include <stdint.h>

#include "state.h"

struct ring_buffer;

struct audit {
	char *path;
	int fd;			/* the log, O_APPEND */
	const struct sf_state *state;	/* site names */
	struct ring_buffer *rb;
	int stats_fd;
	uint64_t lost_seen;	/* sf_stats.lost already reported */
	uint64_t records;	/* lines written */
	uint64_t write_errors;
	int budget;		/* records left in the current drain */
};

int audit_open(struct audit *a, const char *path, int events_fd, int stats_fd,
	       const struct sf_state *state);
/* Reopen the log (after logrotate moved it); 0 or -errno (the old fd is kept on failure). */
int audit_reopen(struct audit *a);
/* The descriptor to poll for records. */
int audit_fd(const struct audit *a);
/* Write every pending record; report ring-buffer overflows as "lost" lines. */
int audit_drain(struct audit *a);
void audit_daemon(struct audit *a, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void audit_close(struct audit *a);

/* JSON string escaping (exposed for tests): appends "s" (with quotes) to the buffer. */
struct jbuf {
	char *p;
	size_t len, cap;
	int oom;
};
void jbuf_str(struct jbuf *b, const char *s, size_t n);
void jbuf_raw(struct jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* SF_AUDIT_H */
