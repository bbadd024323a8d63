// SPDX-License-Identifier: GPL-2.0
/*
 * audit_map.c — the bounded hash map of audit_map.h: separate chaining, FNV-1a hashing, the
 * bucket array doubled when the entries outnumber the buckets. Each node holds its key and
 * value in one allocation.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit_map.h"

struct map_node {
	struct map_node *next;
	uint64_t hash;
	size_t len;
	void *value;
	char key[]; /* len bytes and a NUL, then the value, aligned */
};

struct audit_map {
	struct map_node **buckets;
	size_t nbuckets, count, max, value_size;
};

static uint64_t hash_key(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

struct audit_map *audit_map__new(size_t max, size_t value_size)
{
	struct audit_map *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->nbuckets = 64;
	m->buckets = calloc(m->nbuckets, sizeof(*m->buckets));
	if (!m->buckets) {
		free(m);
		return NULL;
	}
	m->max = max;
	m->value_size = value_size;
	return m;
}

void audit_map__free(struct audit_map *m, void (*free_value)(void *value))
{
	struct map_node *n, *next;
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nbuckets; i++) {
		for (n = m->buckets[i]; n; n = next) {
			next = n->next;
			if (free_value)
				free_value(n->value);
			free(n);
		}
	}
	free(m->buckets);
	free(m);
}

static struct map_node *find_node(const struct audit_map *m, const void *key, size_t len,
				  uint64_t hash)
{
	struct map_node *n;

	for (n = m->buckets[hash & (m->nbuckets - 1)]; n; n = n->next)
		if (n->hash == hash && n->len == len && !memcmp(n->key, key, len))
			return n;
	return NULL;
}

void *audit_map_find(const struct audit_map *m, const void *key, size_t len)
{
	struct map_node *n = find_node(m, key, len, hash_key(key, len));

	return n ? n->value : NULL;
}

/* Double the buckets; on failure keep the old ones (longer chains, still correct). */
static void grow(struct audit_map *m)
{
	size_t nb = m->nbuckets * 2, i;
	struct map_node **b, *n, *next;

	b = calloc(nb, sizeof(*b));
	if (!b)
		return;
	for (i = 0; i < m->nbuckets; i++) {
		for (n = m->buckets[i]; n; n = next) {
			next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(m->buckets);
	m->buckets = b;
	m->nbuckets = nb;
}

int audit_map_get(struct audit_map *m, const void *key, size_t len, void **ret, bool *ret_new)
{
	const size_t align = _Alignof(max_align_t);
	uint64_t hash = hash_key(key, len);
	struct map_node *n;
	size_t voff;

	n = find_node(m, key, len, hash);
	if (n) {
		*ret = n->value;
		*ret_new = false;
		return 0;
	}
	if (m->count >= m->max)
		return -ENOSPC;
	voff = (offsetof(struct map_node, key) + len + 1 + align - 1) / align * align;
	n = calloc(1, voff + m->value_size);
	if (!n)
		return -ENOMEM;
	memcpy(n->key, key, len);
	n->len = len;
	n->hash = hash;
	n->value = (char *)n + voff;
	n->next = m->buckets[hash & (m->nbuckets - 1)];
	m->buckets[hash & (m->nbuckets - 1)] = n;
	if (++m->count > m->nbuckets)
		grow(m);
	*ret = n->value;
	*ret_new = true;
	return 0;
}

size_t audit_map_count(const struct audit_map *m)
{
	return m->count;
}

struct audit_map_entry *audit_map_entries(const struct audit_map *m)
{
	struct audit_map_entry *e;
	struct map_node *n;
	size_t i, k = 0;

	e = calloc(m->count ? m->count : 1, sizeof(*e));
	if (!e)
		return NULL;
	for (i = 0; i < m->nbuckets; i++) {
		for (n = m->buckets[i]; n; n = n->next) {
			e[k].key = n->key;
			e[k].len = n->len;
			e[k++].value = n->value;
		}
	}
	return e;
}
