/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fence.h — the types that the kernel side (fence.bpf.c) and the user side (sitefenced, the MPM,
 * the tools, the tests) share: tags, the policy map's keys and values, access bits, operations
 * and the denial record.
 *
 * The model in one paragraph: every task may carry a tag in task storage. SPAWNER marks a
 * registered server parent (Apache's); PENDING a child that a spawner forked for site work but
 * that has not chosen its site yet; SITE(id) a task confined to one site; LOADER sitefenced
 * itself. Untagged tasks are never restricted. PENDING and SITE tasks may touch only the
 * directory trees ("roots") their policy lists, identified by the kernel's own (device, inode)
 * of the root directory and found by walking d_parent from the object up to its filesystem's
 * root; they keep their tag across fork and exec and can never drop it. Every tag change is
 * made by the kernel side, in a hook, when the task itself asks for it by opening a token file
 * (see SF_TOKEN_*): no user-space process, not even sitefenced, writes a tag.
 *
 * Everything here must have the same layout for clang -target bpf and for gcc x86_64: only
 * fixed-size types, explicit padding, 8-byte alignment for 64-bit fields.
 */
#ifndef SF_FENCE_H
#define SF_FENCE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* ---- tags (task storage value) ------------------------------------------------------------- */

enum sf_tag_kind {
	SF_TAG_NONE = 0,
	SF_TAG_SPAWNER = 1,	/* registered server parent; forks PENDING children when armed */
	SF_TAG_PENDING = 2,	/* descendant of a spawner that has not chosen its site */
	SF_TAG_SITE = 3,	/* confined to the site sf_tag.site */
	SF_TAG_LOADER = 4,	/* sitefenced */
};

#define SF_TAGF_ARMED	  (1u << 0) /* SPAWNER: its next fork is a site worker (one-shot) */

struct sf_tag {
	__u32 kind;		/* enum sf_tag_kind */
	__u32 site;		/* SF_TAG_SITE: the site's id */
	__u32 flags;		/* SF_TAGF_* */
	__u32 spawner;		/* tgid of the spawner this task descends from (0: none) */
};

/* ---- access bits ---------------------------------------------------------------------------- */

#define SF_MAY_READ	(1u << 0) /* r: open for reading, list a directory, read xattrs */
#define SF_MAY_WRITE	(1u << 1) /* w: open for writing, truncate, chmod/chown, set xattrs */
#define SF_MAY_EXEC	(1u << 2) /* x: execve, mmap/mprotect with PROT_EXEC */
#define SF_MAY_CREATE	(1u << 3) /* c: create, delete, rename or link entries in a directory */
#define SF_MAY_CONNECT	(1u << 4) /* u: connect or send to a unix socket bound below */
#define SF_MAY_SETUID	(1u << 5) /* s: exec with a privilege gain (setuid/setgid/file caps) */
#define SF_MAY_ALL	((1u << 6) - 1)

/* ---- the policy ----------------------------------------------------------------------------- */

/*
 * The whole policy is one hash map, held in slot 0 of the array-of-maps sf_policy: the loader
 * fills a fresh inner map and swaps the slot in a single update, so a hook sees either the old
 * policy or the new one, never half of each.
 */
enum sf_pkey_kind {
	SF_PK_GLOBAL = 1,	/* the single global record (site, dev, ino all 0) */
	SF_PK_SITE = 2,		/* a site record: site = id */
	SF_PK_ROOT = 3,		/* a root: site = 0 for the index entry, or the owning site id */
	SF_PK_TOKEN = 4,	/* a token file: dev, ino of the file */
};

struct sf_pkey {
	__u32 kind;		/* enum sf_pkey_kind */
	__u32 site;
	__u64 dev;		/* the kernel's dev_t (major << 20 | minor) */
	__u64 ino;
};

/*
 * A directory (or file) that roots access. For every listed inode there is one index entry
 * (site = 0) carrying the global mask and SF_ROOT_*; sites that list the inode have their own
 * entry (site = id) with their mask. The walk stops at the nearest listed ancestor that applies
 * to the task, so a deeper entry with a smaller mask narrows what a shallower one grants.
 */
#define SF_ROOT_GLOBAL	  (1u << 0) /* index entry: global mask applies to every tagged task */
#define SF_ROOT_HAS_SITES (1u << 1) /* index entry: some site lists this inode; look it up */
/*
 * Index entry: the root is a directory. Only a directory matches it: on an overlayfs whose
 * layers are different filesystems, a file can carry the inode number of a directory.
 */
#define SF_ROOT_DIR	  (1u << 2)

struct sf_root {
	__u32 mask;		/* SF_MAY_* */
	__u32 flags;		/* SF_ROOT_* */
};

#define SF_MAX_GROUPS	32
#define SF_NAME_MAX	64	/* site name as carried in records (the log has the full name) */

enum sf_mode {
	SF_MODE_ENFORCE = 0,	/* deny and log */
	SF_MODE_AUDIT = 1,	/* log what would be denied, allow it */
};

#define SF_SITE_NO_GLOBAL (1u << 0) /* no global roots either (the MPM's dispatchers) */
#define SF_SITE_HARDLINKS (1u << 1) /* may open multiply-linked files below its roots */

struct sf_site {
	__u32 uid;		/* the only uid the site's tasks may take */
	__u32 gid;		/* the only gid ... */
	__u32 mode;		/* enum sf_mode */
	__u32 flags;		/* SF_SITE_* */
	__u32 ngroups;
	__u32 groups[SF_MAX_GROUPS];
	__u32 pad;
};

#define SF_GLOBAL_ABSTRACT_UNIX (1u << 0) /* tagged tasks may use abstract unix sockets */

struct sf_global {
	__u32 pending_mode;	/* enum sf_mode for PENDING tasks */
	__u32 flags;		/* SF_GLOBAL_* */
	__u32 rate;		/* denial records per second and site before suppression */
	__u32 burst;		/* ... and the burst allowed above that rate */
	__u64 generation;	/* policy generation, increases with every swap */
};

/* Tokens: opening one asks the kernel for a tag change (see fence.bpf.c, token_open). */
enum sf_token_kind {
	SF_TOKEN_SITE = 1,	/* PENDING or untagged → SITE(site) */
	SF_TOKEN_SPAWNER = 2,	/* untagged → SPAWNER */
	SF_TOKEN_ARM = 3,	/* SPAWNER: the next fork makes a PENDING child */
	SF_TOKEN_DISARM = 4,	/* SPAWNER: cancel ARM (the fork failed) */
	SF_TOKEN_LOADER = 5,	/* untagged → LOADER */
};

struct sf_token {
	__u32 kind;		/* enum sf_token_kind */
	__u32 site;		/* SF_TOKEN_SITE */
};

union sf_pval {
	struct sf_global global;
	struct sf_site site;
	struct sf_root root;
	struct sf_token token;
};

/* ---- counters and records ------------------------------------------------------------------- */

struct sf_counters {
	__u64 allowed;		/* operations of the site's tasks that the fence checked and passed */
	__u64 denied;		/* ... that it denied */
	__u64 audited;		/* ... that it would have denied (audit mode) */
	__u64 suppressed;	/* records not emitted because of the rate limit */
};

enum sf_op {
	SF_OP_OPEN = 1,
	SF_OP_ACCESS,
	SF_OP_EXEC,
	SF_OP_MMAP,
	SF_OP_MPROTECT,
	SF_OP_RECEIVE,
	SF_OP_MKNOD,
	SF_OP_MKDIR,
	SF_OP_RMDIR,
	SF_OP_UNLINK,
	SF_OP_SYMLINK,
	SF_OP_LINK,
	SF_OP_RENAME,
	SF_OP_TRUNCATE,
	SF_OP_CHMOD,
	SF_OP_CHOWN,
	SF_OP_SETATTR,
	SF_OP_SETXATTR,
	SF_OP_GETXATTR,
	SF_OP_LISTXATTR,
	SF_OP_REMOVEXATTR,
	SF_OP_SETACL,
	SF_OP_REMOVEACL,
	SF_OP_CONNECT,
	SF_OP_SEND,
	SF_OP_NOTIFY,
	SF_OP_CAPABLE,
	SF_OP_SETUID,
	SF_OP_SETGID,
	SF_OP_SETGROUPS,
	SF_OP_PRIVEXEC,
	SF_OP_PTRACE,
	SF_OP_KILL,
	SF_OP_BPF,
	SF_OP_MOUNT,
	SF_OP_UMOUNT,
	SF_OP_PIVOTROOT,
	SF_OP_USERNS,
	SF_OP_TOKEN,
	SF_OP_FORK,
	SF_OP_MAX
};

/* Why an object was refused, when it is not simply "outside every root". */
enum sf_reason {
	SF_WHY_NO_ROOT = 0,	/* no listed ancestor applies */
	SF_WHY_MASK,		/* a root applies but does not grant the access */
	SF_WHY_DEPTH,		/* deeper than SF_MAX_DEPTH below any root */
	SF_WHY_DISCONNECTED,	/* dentry not connected to its filesystem's root */
	SF_WHY_HARDLINK,	/* a multiply-linked file below a site root */
	SF_WHY_IDENTITY,	/* uid/gid/groups other than the site's */
	SF_WHY_FOREIGN_TASK,	/* target task belongs to another site or none */
	SF_WHY_FORBIDDEN,	/* never allowed to tagged tasks (bpf, mount, ...) */
	SF_WHY_TAG_STATE,	/* a token or tag change not allowed in this state */
	SF_WHY_NO_SITE,		/* the task's site is not in the policy */
	SF_WHY_THREADS,		/* a tag change asked by a multi-threaded process */
	SF_WHY_STORAGE,		/* task storage could not be created or read (fail closed) */
};

#define SF_EVF_AUDIT	   (1u << 0) /* allowed because of audit mode */
#define SF_EVF_PATH_PART   (1u << 1) /* path is relative to its filesystem or truncated */
#define SF_EVF_MIRROR	   (1u << 2) /* the tag came from the backstop copy (sf_tag_mirror) */
#define SF_EVF_HAS_OBJECT  (1u << 3) /* dev/ino/path describe a file */

#define SF_PATH_MAX	512	/* path bytes a record carries */
#define SF_CTX_MAX	192	/* bytes of the worker's request label (vhost, client, request) */
#define SF_COMM_LEN	16

struct sf_event {
	__u64 time_ns;		/* CLOCK_BOOTTIME */
	__u64 dev;		/* object's kernel dev_t, when SF_EVF_HAS_OBJECT */
	__u64 ino;
	__u64 arg;		/* per op: capability, target uid/gid/pid, signal << 32 | pid */
	__u32 site;		/* site id (SITE), 0 otherwise */
	__u32 tag;		/* enum sf_tag_kind */
	__u32 pid;		/* thread id */
	__u32 tgid;
	__u32 uid;		/* real uid */
	__u32 gid;
	__u32 op;		/* enum sf_op */
	__u32 access;		/* SF_MAY_* requested */
	__s32 err;		/* errno the hook returned (positive; 0 for audit) */
	__u32 reason;		/* enum sf_reason */
	__u32 flags;		/* SF_EVF_* */
	__u32 suppressed;	/* records of this site dropped by the rate limit just before */
	__u16 path_off;		/* path is path[path_off .. SF_PATH_MAX) */
	__u16 ctx_len;
	char comm[SF_COMM_LEN];
	char ctx[SF_CTX_MAX];	/* worker's request label, see SF_TITLE_PREFIX */
	char path[SF_PATH_MAX + 256]; /* filled right to left; the tail beyond SF_PATH_MAX is scratch */
};

/*
 * Site workers label what they serve in their environment area (/proc/PID/environ, which only
 * root can read of them; their title in the argv area, which anyone can, names only the site),
 * and the kernel side copies the label into records: "sitefence: <vhost> <client> <request
 * line>". Only a task can write its own label, so a site can at worst misdescribe its own
 * requests.
 */
#define SF_TITLE_PREFIX "sitefence: "

/* Walk bound: an object deeper than this below its nearest root is refused (fail closed). */
#define SF_MAX_DEPTH	64

/* Pins under bpffs. */
#define SF_PIN_DIR	"/sys/fs/bpf/sitefence"

#endif /* SF_FENCE_H */
