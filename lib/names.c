// SPDX-License-Identifier: GPL-2.0
/* names.c — see names.h. Tables are indexed by the enums of bpf/fence.h. */
#include <errno.h>
#include <stddef.h>

#include "fence.h"
#include "names.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const op_names[SF_OP_MAX] = {
	[SF_OP_OPEN] = "open",		 [SF_OP_ACCESS] = "access",
	[SF_OP_EXEC] = "exec",		 [SF_OP_MMAP] = "mmap",
	[SF_OP_MPROTECT] = "mprotect",	 [SF_OP_RECEIVE] = "receive",
	[SF_OP_MKNOD] = "mknod",	 [SF_OP_MKDIR] = "mkdir",
	[SF_OP_RMDIR] = "rmdir",	 [SF_OP_UNLINK] = "unlink",
	[SF_OP_SYMLINK] = "symlink",	 [SF_OP_LINK] = "link",
	[SF_OP_RENAME] = "rename",	 [SF_OP_TRUNCATE] = "truncate",
	[SF_OP_CHMOD] = "chmod",	 [SF_OP_CHOWN] = "chown",
	[SF_OP_SETATTR] = "setattr",	 [SF_OP_SETXATTR] = "setxattr",
	[SF_OP_GETXATTR] = "getxattr",	 [SF_OP_LISTXATTR] = "listxattr",
	[SF_OP_REMOVEXATTR] = "removexattr", [SF_OP_SETACL] = "setacl",
	[SF_OP_REMOVEACL] = "removeacl", [SF_OP_CONNECT] = "connect",
	[SF_OP_SEND] = "send",		 [SF_OP_NOTIFY] = "notify",
	[SF_OP_CAPABLE] = "capable",	 [SF_OP_SETUID] = "setuid",
	[SF_OP_SETGID] = "setgid",	 [SF_OP_SETGROUPS] = "setgroups",
	[SF_OP_PRIVEXEC] = "privexec",	 [SF_OP_PTRACE] = "ptrace",
	[SF_OP_KILL] = "kill",		 [SF_OP_BPF] = "bpf",
	[SF_OP_MOUNT] = "mount",	 [SF_OP_UMOUNT] = "umount",
	[SF_OP_PIVOTROOT] = "pivotroot", [SF_OP_USERNS] = "userns",
	[SF_OP_TOKEN] = "token",	 [SF_OP_FORK] = "fork",
};

static const char *const reason_texts[] = {
	[SF_WHY_NO_ROOT] = "outside the roots of the task's site",
	[SF_WHY_MASK] = "the nearest root does not grant this access",
	[SF_WHY_DEPTH] = "deeper than the walk bound below any root",
	[SF_WHY_DISCONNECTED] = "not connected to its filesystem's root",
	[SF_WHY_HARDLINK] = "a file with several hard links below a site root",
	[SF_WHY_IDENTITY] = "an id the site does not own",
	[SF_WHY_FOREIGN_TASK] = "a task outside the site",
	[SF_WHY_FORBIDDEN] = "never allowed to confined tasks",
	[SF_WHY_TAG_STATE] = "a tag change not allowed in this state",
	[SF_WHY_NO_SITE] = "the task's site is not in the policy",
	[SF_WHY_THREADS] = "a tag change asked by a multi-threaded process",
	[SF_WHY_STORAGE] = "the tag could not be stored (fail closed)",
};

static const char *const tag_names[] = {
	[SF_TAG_NONE] = "none",	      [SF_TAG_SPAWNER] = "spawner", [SF_TAG_PENDING] = "pending",
	[SF_TAG_SITE] = "site",	      [SF_TAG_LOADER] = "loader",
};

static const char *const cap_names[] = {
	"CAP_CHOWN",	      "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID",	      "CAP_KILL",	    "CAP_SETGID",	   "CAP_SETUID",
	"CAP_SETPCAP",	      "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",      "CAP_NET_RAW",	    "CAP_IPC_LOCK",	   "CAP_IPC_OWNER",
	"CAP_SYS_MODULE",     "CAP_SYS_RAWIO",	    "CAP_SYS_CHROOT",	   "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",      "CAP_SYS_ADMIN",	    "CAP_SYS_BOOT",	   "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",   "CAP_SYS_TIME",	    "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
	"CAP_LEASE",	      "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",   "CAP_MAC_ADMIN",	    "CAP_SYSLOG",	   "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",  "CAP_AUDIT_READ",	    "CAP_PERFMON",	   "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

const char *sf_op_name(uint32_t op)
{
	return op < N(op_names) && op_names[op] ? op_names[op] : "unknown";
}

const char *sf_reason_text(uint32_t reason)
{
	return reason < N(reason_texts) && reason_texts[reason] ? reason_texts[reason] : "unknown";
}

const char *sf_tag_name(uint32_t kind)
{
	return kind < N(tag_names) && tag_names[kind] ? tag_names[kind] : "unknown";
}

const char *sf_cap_name(uint32_t cap)
{
	return cap < N(cap_names) ? cap_names[cap] : "CAP_UNKNOWN";
}

const char *sf_errno_name(int err)
{
	switch (err) {
	case 0:
		return "0";
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	case ENOMEM:
		return "ENOMEM";
	case EAGAIN:
		return "EAGAIN";
	case EINVAL:
		return "EINVAL";
	default:
		return "EUNKNOWN";
	}
}
