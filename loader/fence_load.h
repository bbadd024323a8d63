/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fence_load.h — load, attach and pin the kernel fence (bpf/fence.bpf.c), or adopt the one
 * already pinned, so that enforcement survives sitefenced exiting and never has a gap when it
 * restarts or is upgraded.
 *
 * Pins live under SF_PIN_DIR: the maps by name (libbpf's LIBBPF_PIN_BY_NAME) and one link per
 * program, "link_<program>". A new program is attached and pinned before the old link is
 * unpinned, so both run for a moment and any deny of either wins.
 */
#ifndef SF_FENCE_LOAD_H
#define SF_FENCE_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"

struct fence_bpf;

struct fence_opts {
	const char *pin_dir;	/* SF_PIN_DIR unless a test says otherwise */
	uint32_t max_tasks;	/* entries of the tag backstop */
	uint32_t max_sites;	/* counter and rate-limit slots */
	uint64_t ringbuf_size;
	bool access_check;	/* attach the access()/chdir() hook (inode_permission) */
};

struct fence {
	struct fence_bpf *skel;	/* NULL when the pins were adopted without loading */
	int policy_fd;		/* array-of-maps, slot 0 = current policy */
	int config_fd;
	int counters_fd;
	int stats_fd;
	int events_fd;		/* ring buffer */
	int spawners_fd;
	int tags_fd;
	int mirror_fd;
	int meta_fd;		/* which object the pins hold */
	unsigned int attached;	/* programs newly attached by this load */
	unsigned int adopted;	/* programs whose pinned link was kept */
	unsigned int replaced;	/* pinned links replaced by a different program */
};

/* Load, attach and pin (or adopt); problems that need the admin's attention go to diag. */
int fence_open(const struct fence_opts *opts, struct fence **ret, struct sf_diag *diag);
/* How many programs the fence runs (links pinned). */
unsigned int fence_programs(const struct fence *f);
/* Close this process's references; pinned programs and maps stay in force. */
void fence_close(struct fence *f);
/* Remove every pin under pin_dir, which detaches the fence (tests, sitefenced --unload). */
int fence_unpin(const char *pin_dir);

#endif /* SF_FENCE_LOAD_H */
