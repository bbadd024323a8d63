/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl_out.h — sitefencectl's output: strings made safe for a terminal, and a small JSON writer
 * that keeps track of commas and indentation so that the commands only say what to write.
 *
 * Much of what sitefencectl prints comes from outside its control (process names, which any
 * process may set; paths; the daemon's text), so every such string goes through out_text or
 * jw_str: control bytes cannot reach the terminal, and the JSON stays valid UTF-8.
 */
#ifndef SF_CTL_OUT_H
#define SF_CTL_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* s with control bytes, backslashes and bytes that are not UTF-8 written as \xNN. */
void out_text(FILE *f, const char *s);

/* s as a JSON string, quotes included; bytes that are not valid UTF-8 become U+FFFD. */
void out_json_string(FILE *f, const char *s);

/* A JSON writer: members take a key inside an object and NULL inside an array. */
struct jw {
	FILE *f;
	int depth;
	bool need_comma;
};

void jw_init(struct jw *w, FILE *f);
void jw_object(struct jw *w, const char *key);
void jw_array(struct jw *w, const char *key);
void jw_end_object(struct jw *w);
void jw_end_array(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *s);	/* NULL s: null */
void jw_u64(struct jw *w, const char *key, uint64_t v);
/* v when known, else null. */
void jw_u64_if(struct jw *w, const char *key, bool known, uint64_t v);
void jw_bool(struct jw *w, const char *key, bool v);
void jw_null(struct jw *w, const char *key);

#endif /* SF_CTL_OUT_H */
