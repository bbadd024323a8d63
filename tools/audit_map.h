/* SPDX-License-Identifier: GPL-2.0 */
/*
 * audit_map.h — a bounded hash map from byte strings to zeroed values, for the tallies of the
 * summary and suggest commands. Every map has a maximum number of entries, because the keys
 * (paths, sites) come from the log and a log can hold millions of distinct ones.
 */
#ifndef SF_AUDIT_MAP_H
#define SF_AUDIT_MAP_H

#include <stdbool.h>
#include <stddef.h>

struct audit_map;

struct audit_map_entry {
	const void *key; /* followed by a NUL, so string keys can be printed */
	size_t len;
	void *value;
};

/* A map of at most max entries whose values are value_size bytes; NULL without memory. */
struct audit_map *audit_map__new(size_t max, size_t value_size);

/* Free the map; free_value (if any) is called on each value first. */
void audit_map__free(struct audit_map *m, void (*free_value)(void *value));

/* The value for key, or NULL. */
void *audit_map_find(const struct audit_map *m, const void *key, size_t len);

/*
 * The value for key, added zeroed if new (then *ret_new is true). Returns 0, -ENOSPC when the
 * map is full, or -ENOMEM.
 */
int audit_map_get(struct audit_map *m, const void *key, size_t len, void **ret, bool *ret_new);

size_t audit_map_count(const struct audit_map *m);

/* The entries in an array of audit_map_count() (free it; the entries stay in the map). */
struct audit_map_entry *audit_map_entries(const struct audit_map *m);

#endif /* SF_AUDIT_MAP_H */
