/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tokens.h — the token files through which a task asks the kernel for a tag change (see
 * bpf/fence.h). They live on a small tmpfs of their own at RUN_DIR/tokens, so that the
 * file_open hook recognises them by device number alone and every other open pays nothing.
 * Only root may open them (mode 0600); the kernel decides whether the change is allowed.
 *
 *   spawner  arm  disarm  loader  site-<id>
 */
#ifndef SF_TOKENS_H
#define SF_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fence.h"

struct sf_tokenfile {
	uint32_t kind;		/* enum sf_token_kind */
	uint32_t site;
	uint64_t dev, ino;	/* kernel dev_t, inode number */
};

struct sf_tokens {
	char *dir;
	uint64_t dev;		/* the token filesystem's kernel dev_t */
	struct sf_tokenfile *files;
	size_t n;
};

/* Mount (or adopt) the token filesystem under run_dir and create the fixed tokens. */
int tokens_open(const char *run_dir, struct sf_tokens *t);
/*
 * Make the site tokens those of ids[0..n): create missing ones; with prune, also remove the
 * others (only once a policy without them is installed).
 */
int tokens_sync_sites(struct sf_tokens *t, const uint32_t *ids, size_t n, bool prune);
void tokens_free(struct sf_tokens *t);

/* Kernel dev_t of a st_dev (the kernel's MKDEV is major << 20 | minor). */
uint64_t kernel_dev(uint64_t st_dev);

#endif /* SF_TOKENS_H */
