/* SPDX-License-Identifier: GPL-2.0 */
/*
 * policy.h — turn the configuration and the registered site tables into the kernel's policy
 * map (see bpf/fence.h), and install it in one atomic swap.
 *
 * Building resolves every root path to the kernel's (device, inode) of what it names (following
 * symlinks), adds the filesystems mounted below a root as roots of their own, and keeps an
 * O_PATH descriptor on each: a pinned inode cannot be freed and its number reused for some
 * other directory while the policy names it.
 */
#ifndef SF_POLICY_H
#define SF_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"
#include "fence.h"
#include "fence_load.h"
#include "state.h"
#include "tokens.h"

struct pol_entry {
	struct sf_pkey k;
	union sf_pval v;
};

struct policy {
	struct pol_entry *e;
	size_t n, cap;
	int *fds;		/* O_PATH descriptors pinning the roots */
	size_t nfds, capfds;
	uint64_t generation;
	size_t nsites, nroots;	/* for the status report */
};

struct policy_in {
	const struct sf_conf *conf;
	const struct sf_owner *owners;
	size_t nowners;
	struct sf_state *state;	/* site ids (new names get one) */
	const struct sf_tokens *tokens;
	uint64_t generation;
};

/*
 * Build a policy; every problem goes to diag ("owner:line: what"). Returns 0, -EINVAL when
 * diag got errors (nothing to apply), or another -errno.
 */
int policy_build(const struct policy_in *in, struct policy *out, struct sf_diag *diag);
/* Install p as the current policy of the fence whose array-of-maps is outer_fd. */
int policy_apply(int outer_fd, const struct policy *p);
/* The generation of the policy currently installed (0 if none). */
uint64_t policy_current_generation(int outer_fd);
void policy_free(struct policy *p);

#endif /* SF_POLICY_H */
