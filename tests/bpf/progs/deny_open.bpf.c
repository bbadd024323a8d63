// SPDX-License-Identifier: GPL-2.0
/*
 * deny_open.bpf.c — the smallest LSM program that proves the test guest runs BPF LSM: it denies
 * opening one file (identified by device and inode) to one process, and nothing else.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define EPERM 1

/* Set by the test after load; zero means "deny nothing". */
__u32 target_tgid;
__u64 target_ino;
__u32 target_dev;

__u32 denied;

SEC("lsm/file_open")
int BPF_PROG(deny_open, struct file *file, int ret)
{
	struct inode *inode;

	if (ret)
		return ret;
	if (!target_tgid || (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	inode = file->f_inode;
	if (inode->i_ino != target_ino || inode->i_sb->s_dev != target_dev)
		return 0;
	__sync_fetch_and_add(&denied, 1);
	return -EPERM;
}

char LICENSE[] SEC("license") = "GPL";
