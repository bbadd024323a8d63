/* SPDX-License-Identifier: GPL-2.0 */
/* kernel.h — the kernel features the fence needs, checked before anything is loaded. */
#ifndef SF_KERNEL_H
#define SF_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * 0 when the kernel has BTF and runs the BPF LSM; otherwise -ENOTSUP with an explanation of
 * what to change (kernel build, boot parameter) in why. With may_mount, securityfs is mounted
 * when it is missing (the daemon does; a read-only status query does not).
 */
int sf_kernel_check(char *why, size_t len, bool may_mount);

#endif /* SF_KERNEL_H */
