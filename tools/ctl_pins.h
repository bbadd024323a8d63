/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl_pins.h — what sitefencectl reads from the fence that sitefenced pinned under bpffs
 * (SF_PIN_DIR): the LSM programs' links, the policy generation, the kernel side's statistics,
 * the per-site counters, the registered spawners, and the tag of every process.
 *
 * Nothing here needs the daemon: the pins are what keeps the fence in force when it is down.
 * Every function returns 0 or -errno; -ENOENT means "not pinned", -EPROTO that the pinned
 * object has another layout than this tool expects (a different sitefence version).
 */
#ifndef SF_CTL_PINS_H
#define SF_CTL_PINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fence.h"

#define CTL_PROG_NAME_MAX 64

struct ctl_link {
	char prog[CTL_PROG_NAME_MAX];	/* from the pin's name, link_<prog> */
	uint32_t link_id, prog_id;
	bool attached;		/* an LSM link that still holds its program */
	int err;		/* 0, or why the pinned link could not be read */
};

/* The value of the pinned sf_stats map (struct sf_stats in fence.bpf.c). */
struct ctl_stats {
	uint64_t lost;
	uint64_t mirror_reads;
	uint64_t tag_failures;
};

struct ctl_fence {
	struct ctl_link *links;	/* sorted by program name */
	size_t nlinks, nattached;
	int gen_err;		/* -ENODATA: the policy slot is empty */
	uint64_t generation;
	int stats_err;
	struct ctl_stats stats;
};

struct ctl_spawner {
	uint32_t tgid;
	uint64_t start_ns;	/* CLOCK_MONOTONIC, as the kernel side recorded it */
	char comm[64];		/* "" when the process is gone */
	bool stale;		/* gone, or its pid now belongs to another process */
};

/* Processes by tag, found by asking the fence for the tag of every process in /proc. */
struct ctl_tasks {
	uint32_t spawner, pending, site, loader;
	uint32_t *per_site;	/* per_site[id]: processes tagged SITE(id), for id < nper_site */
	size_t nper_site;
};

/* -ENOENT when nothing is pinned at pin_dir. */
int ctl_fence_read(const char *pin_dir, struct ctl_fence *ret);
void ctl_fence_free(struct ctl_fence *f);

int ctl_spawners_read(const char *pin_dir, struct ctl_spawner **ret, size_t *ret_n);

int ctl_tasks_count(const char *pin_dir, struct ctl_tasks *ret);
void ctl_tasks_free(struct ctl_tasks *t);
uint32_t ctl_tasks_of_site(const struct ctl_tasks *t, uint32_t id);

/* The pinned per-site counters: open once, then read by site id. */
int ctl_counters_open(const char *pin_dir, int *ret_fd);
int ctl_counters_get(int fd, uint32_t id, struct sf_counters *ret);

/* err as text, with the meanings ctl_pins gives to some codes. */
const char *ctl_pins_strerror(int err);

#endif /* SF_CTL_PINS_H */
