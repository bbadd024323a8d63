/* SPDX-License-Identifier: GPL-2.0 */
/* kernel.h — the kernel features the fence needs, checked before anything is loaded. */
#ifndef SF_KERNEL_H
#define SF_KERNEL_H

#include <stddef.h>

/*
 * 0 when the kernel has BTF and runs the BPF LSM; otherwise -ENOTSUP with an explanation of
 * what to change (kernel build, boot parameter) in why.
 */
int sf_kernel_check(char *why, size_t len);

#endif /* SF_KERNEL_H */
