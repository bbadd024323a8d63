// SPDX-License-Identifier: GPL-2.0
/* kernel.c — can this kernel run the fence? See kernel.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kernel.h"

int sf_kernel_check(char *why, size_t len, bool may_mount)
{
	char lsm[512] = "";
	ssize_t n;
	int fd;

	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(why, len, "the kernel has no BTF (/sys/kernel/btf/vmlinux): sitefence needs"
			 " a kernel built with CONFIG_DEBUG_INFO_BTF=y and CONFIG_BPF_LSM=y,"
			 " such as Debian 12's");
		return -ENOTSUP;
	}
	fd = open("/sys/kernel/security/lsm", O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && may_mount &&
	    !mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL))
		fd = open("/sys/kernel/security/lsm", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "cannot read /sys/kernel/security/lsm (%s): is securityfs"
			 " mounted?", strerror(errno));
		return -ENOTSUP;
	}
	n = read(fd, lsm, sizeof(lsm) - 1);
	close(fd);
	lsm[n > 0 ? n : 0] = '\0';
	lsm[strcspn(lsm, "\n")] = '\0';
	if (!strcmp(lsm, "bpf") || !strncmp(lsm, "bpf,", 4) || strstr(lsm, ",bpf,") ||
	    (strlen(lsm) > 4 && !strcmp(lsm + strlen(lsm) - 4, ",bpf")))
		return 0;
	snprintf(why, len, "the BPF LSM is not active (active LSMs: %s). Add it to the kernel"
		 " command line, keeping the others: lsm=%s,bpf (on Debian: append it to"
		 " GRUB_CMDLINE_LINUX in /etc/default/grub, run update-grub, reboot)",
		 lsm, lsm);
	return -ENOTSUP;
}
