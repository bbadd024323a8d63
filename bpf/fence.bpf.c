// SPDX-License-Identifier: GPL-2.0
/*
 * fence.bpf.c — the sitefence kernel fence: BPF LSM programs that confine tagged tasks to their
 * site's directory trees and identity, whatever their uid or capabilities.
 *
 * The model (tags, roots, tokens) is described in fence.h. This file has three parts:
 *   1. tags: reading a task's tag (with a backstop for 6.1's spurious task-storage misses),
 *      creating it at fork, and changing it when a task opens a token file;
 *   2. the file check: walk d_parent from an object up to the nearest root listed for the
 *      task, within one filesystem, and compare the access asked for with the root's mask;
 *   3. the hooks, each a few lines mapping its arguments onto 1 and 2; and the denial path:
 *      counters, per-site rate limit, a record in the ring buffer.
 *
 * Every hook program starts with `if (ret) return ret;` (an earlier LSM already refused) and
 * returns 0 or a negative errno. The only exception is lsm/bpf, whose argument list differs
 * between kernels and which refuses tagged tasks regardless of an earlier verdict.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "fence.h"

char LICENSE[] SEC("license") = "GPL";

/* Kernel constants that are macros, so not in vmlinux.h. */
#define EPERM		1
#define ENOMEM		12
#define EACCES		13
#define EAGAIN		11

#define MAY_EXEC	0x1
#define MAY_WRITE	0x2
#define MAY_READ	0x4
#define MAY_ACCESS	0x10

#define FMODE_READ	0x1
#define FMODE_WRITE	0x2
#define FMODE_EXEC	0x20

#define S_IFMT		00170000
#define S_IFSOCK	0140000
#define S_IFDIR		0040000
#define S_IFIFO		0010000
#define S_PRIVATE	512	/* inode->i_flags: kernel-internal inode (shared anonymous memory) */

#define PROT_EXEC	0x4
#define VM_EXEC		0x4
#define CLONE_THREAD	0x00010000
#define CAP_SETGID	6
#define CAP_SETUID	7
#define CAP_OPT_NOAUDIT	(1 << 1)

#define SOCKFS_MAGIC		0x534F434B
#define PIPEFS_MAGIC		0x50495045
#define ANON_INODE_FS_MAGIC	0x09041934

/* ---- maps ------------------------------------------------------------------------------------ */

/* The tag of every tagged task; freed with the task. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__type(key, int);
	__type(value, struct sf_tag);
} sf_tags SEC(".maps");

/*
 * The backstop copy of every tag, keyed by task_struct address. On 6.1, bpf_task_storage_get
 * returns NULL while another task-storage operation holds this CPU's busy counter (fixed in
 * 6.2); a hook that trusted that NULL would treat a confined task as unconfined. When the
 * lookup misses and the counter is held, the hook reads this copy instead. Hash lookups take no
 * lock, so this read cannot fail spuriously. Every tag write below updates both, the copy first;
 * task_free deletes the copy, and task_alloc clears any copy left at a recycled address.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct sf_tag);
} sf_tag_mirror SEC(".maps");

/* The policy: slot 0 holds the current inner map (see fence.h); swapped whole by the loader. */
struct sf_policy_inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(struct sf_pkey));
	__uint(value_size, sizeof(union sf_pval));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct sf_policy_inner);
} sf_policy SEC(".maps");

/* Settings the hooks need before they look at the policy; see struct sf_config below. */
struct sf_config {
	__u64 token_dev;	/* filesystem holding the token files; 0: none yet */
	__u32 debug;		/* SF_DEBUG_* (tests) */
	__u32 pad;
};

/*
 * Tests only: behave as if every task-storage read missed while the busy counter was held, so
 * that every hook decides from the backstop copy alone. Still confined, just slower.
 */
#define SF_DEBUG_STORAGE_MISS (1u << 0)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sf_config);
} sf_config SEC(".maps");

/* Per-site counters, indexed by site id (0: PENDING tasks and unknown sites). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct sf_counters);
} sf_counters SEC(".maps");

struct sf_bucket {
	__u64 last_ns;		/* when tokens were last refilled */
	__u32 tokens;		/* records that may still be emitted, scaled by 1 */
	__u32 suppressed;	/* records dropped since the last emitted one */
};

/* Rate limit state per site, indexed like sf_counters. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct sf_bucket);
} sf_ratelimit SEC(".maps");

/* Denial records for sitefenced. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(max_entries, 4 << 20);
} sf_events SEC(".maps");

struct sf_stats {
	__u64 lost;		/* records the ring buffer had no room for */
	__u64 mirror_reads;	/* tags read from the backstop copy */
	__u64 tag_failures;	/* tag writes that failed (fork or token refused) */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sf_stats);
} sf_stats SEC(".maps");

/* Spawners by tgid, for the status tool; value is the spawner's start time (boot ns). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} sf_spawners SEC(".maps");

/*
 * Which build of this object the pins belong to (written by the loader after every program is
 * attached), so that a restarted sitefenced with the same object adopts the pins without
 * loading anything.
 */
struct sf_meta {
	__u64 object_hash;
	__u32 programs;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sf_meta);
} sf_meta SEC(".maps");

/* 6.1's per-CPU task-storage recursion counter; weak, as later kernels may drop it. */
extern const int bpf_task_storage_busy __ksym __weak;

static const __u32 zero;

/* ---- small helpers --------------------------------------------------------------------------- */

static __always_inline struct sf_config *sf_cfg(void)
{
	return bpf_map_lookup_elem(&sf_config, &zero);
}

static __always_inline void *sf_pol(void)
{
	return bpf_map_lookup_elem(&sf_policy, &zero);
}

static __always_inline struct sf_stats *sf_stat(void)
{
	return bpf_map_lookup_elem(&sf_stats, &zero);
}

static __always_inline bool storage_busy(void)
{
	const int *busy;

	if (!&bpf_task_storage_busy)
		return false;
	busy = bpf_this_cpu_ptr(&bpf_task_storage_busy);
	return *busy != 0;
}

static __always_inline bool tagged(__u32 kind)
{
	return kind == SF_TAG_PENDING || kind == SF_TAG_SITE;
}

/*
 * A credential override inside the kernel on behalf of the task: overlayfs (and other stacking
 * filesystems) re-check the lower file with the mounter's credentials after the upper check,
 * which this fence has already made on the overlay's own dentry. The task's own credentials,
 * and access()'s temporary copy of them (marked non_rcu), are never skipped.
 */
static __always_inline bool nested_override(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	const struct cred *c = t->cred;

	if (c == t->real_cred)
		return false;
	if (bpf_core_field_exists(c->non_rcu) && c->non_rcu)
		return false;
	return true;
}

/* ---- part 1: tags ---------------------------------------------------------------------------- */

struct tagref {
	struct sf_tag tag;
	__u32 evflags;		/* SF_EVF_MIRROR when the backstop answered */
};

/* Read t's tag into *ref; an untagged task reads as SF_TAG_NONE. */
static __always_inline void tag_read(struct task_struct *t, struct tagref *ref)
{
	struct sf_config *cfg = sf_cfg();
	bool force_miss = cfg && (cfg->debug & SF_DEBUG_STORAGE_MISS);
	struct sf_tag *tg = NULL;
	__u64 key = (__u64)t;
	struct sf_stats *st;

	__builtin_memset(ref, 0, sizeof(*ref));
	if (!force_miss)
		tg = bpf_task_storage_get(&sf_tags, t, 0, 0);
	if (tg) {
		ref->tag = *tg;
		return;
	}
	if (!force_miss && !storage_busy())
		return;
	tg = bpf_map_lookup_elem(&sf_tag_mirror, &key);
	if (!tg)
		return;
	ref->tag = *tg;
	ref->evflags = SF_EVF_MIRROR;
	st = sf_stat();
	if (st)
		__sync_fetch_and_add(&st->mirror_reads, 1);
}

static __always_inline void tag_failure(void)
{
	struct sf_stats *st = sf_stat();

	if (st)
		__sync_fetch_and_add(&st->tag_failures, 1);
}

/* Write t's tag, backstop copy first; 0 or -errno (then the caller refuses the operation). */
static __always_inline int tag_write(struct task_struct *t, const struct sf_tag *tag)
{
	__u64 key = (__u64)t;
	struct sf_tag *tg;

	if (bpf_map_update_elem(&sf_tag_mirror, &key, tag, BPF_ANY)) {
		tag_failure();
		return -ENOMEM;
	}
	tg = bpf_task_storage_get(&sf_tags, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!tg) {
		tag_failure();
		return -EAGAIN;
	}
	*tg = *tag;
	return 0;
}

/* ---- the denial path ------------------------------------------------------------------------- */

/* What a check found, for the record. */
struct verdict {
	__u32 op;
	__u32 access;
	__u32 reason;
	__s32 err;		/* positive errno to return when enforcing */
	__u32 mode;		/* enum sf_mode that applies */
	__u32 quiet;		/* count, but emit no record */
	__u64 arg;
	struct dentry *dentry;	/* object, may be NULL */
	struct vfsmount *mnt;	/* its mount, when known (gives an absolute path) */
};

static __always_inline struct sf_counters *counters(__u32 site)
{
	return bpf_map_lookup_elem(&sf_counters, &site);
}

static __always_inline void count_allowed(__u32 site)
{
	struct sf_counters *c = counters(site);

	if (c)
		__sync_fetch_and_add(&c->allowed, 1);
}

/*
 * Token bucket per site: rate records per second with a burst. Racy updates between CPUs can
 * let a few extra records through; they never block or lose the count of suppressed ones.
 */
static __always_inline bool rate_ok(__u32 site, __u32 *ret_suppressed)
{
	struct sf_pkey gk = { .kind = SF_PK_GLOBAL };
	__u32 rate = 50, burst = 200;
	struct sf_bucket *b;
	union sf_pval *g;
	void *pol = sf_pol();
	__u64 now, add;

	if (pol) {
		g = bpf_map_lookup_elem(pol, &gk);
		if (g) {
			rate = g->global.rate;
			burst = g->global.burst;
		}
	}
	b = bpf_map_lookup_elem(&sf_ratelimit, &site);
	if (!b)
		return true;
	now = bpf_ktime_get_boot_ns();
	add = (now - b->last_ns) / 1000000 * rate / 1000;
	if (add) {
		b->tokens = add + b->tokens > burst ? burst : b->tokens + add;
		b->last_ns = now;
	}
	if (!b->tokens) {
		__sync_fetch_and_add(&b->suppressed, 1);
		return false;
	}
	b->tokens--;
	*ret_suppressed = b->suppressed;
	b->suppressed = 0;
	return true;
}

/* Scratch space for building a record's path, one per CPU (hooks do not migrate). */
struct sf_pathbuf {
	char buf[SF_PATH_MAX + 256];	/* names land in [pos, SF_PATH_MAX); the rest is slack */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sf_pathbuf);
} sf_scratch SEC(".maps");

struct path_walk {
	struct dentry *d;
	struct mount *m;	/* the mount d is seen through, when known */
	__u32 pos;		/* start of the path built so far in sf_scratch */
	__u32 complete;		/* reached the root of the mount namespace */
};

/* One component: prepend "/name", or cross from a mount's root to its mount point. */
static long path_step(__u32 i, void *arg)
{
	struct path_walk *p = arg;
	struct dentry *d = p->d, *parent;
	struct mount *m = p->m;
	struct sf_pathbuf *sb;
	const unsigned char *name;
	__u32 len, pos = p->pos;

	if (m && d == BPF_CORE_READ(m, mnt.mnt_root)) {
		struct mount *pm = BPF_CORE_READ(m, mnt_parent);

		if (pm == m) {
			p->complete = 1;
			return 1;
		}
		p->d = BPF_CORE_READ(m, mnt_mountpoint);
		p->m = pm;
		return 0;
	}
	parent = BPF_CORE_READ(d, d_parent);
	if (!parent || parent == d)
		return 1;
	sb = bpf_map_lookup_elem(&sf_scratch, &zero);
	if (!sb)
		return 1;
	name = BPF_CORE_READ(d, d_name.name);
	len = BPF_CORE_READ(d, d_name.len);
	if (len > 255)
		len = 255;
	if (pos > SF_PATH_MAX || pos < len + 1)
		return 1;
	pos -= len;
	bpf_probe_read_kernel(&sb->buf[pos & (SF_PATH_MAX - 1)], len & 255, name);
	pos -= 1;
	sb->buf[pos & (SF_PATH_MAX - 1)] = '/';
	p->pos = pos;
	p->d = parent;
	return 0;
}

/*
 * The object's path into e->path, right-aligned, crossing mounts when the mount is known
 * (else it is relative to its filesystem and flagged partial). Reads go through probe reads,
 * so any dentry address will do.
 */
static __always_inline void fill_path(struct sf_event *e, struct dentry *d, struct vfsmount *vmnt)
{
	__u32 off = bpf_core_field_offset(struct mount, mnt);
	struct path_walk p = { .d = d, .pos = SF_PATH_MAX };
	struct sf_pathbuf *sb;

	p.m = vmnt ? (void *)vmnt - off : NULL;
	bpf_loop(48, path_step, &p, 0);
	sb = bpf_map_lookup_elem(&sf_scratch, &zero);
	if (!sb)
		return;
	if (p.pos >= SF_PATH_MAX) {
		sb->buf[SF_PATH_MAX - 1] = '/';
		p.pos = SF_PATH_MAX - 1;
	}
	bpf_probe_read_kernel(e->path, SF_PATH_MAX, sb->buf);
	e->path_off = p.pos;
	if (!p.complete)
		e->flags |= SF_EVF_PATH_PART;
}

/*
 * The worker's request label ("sitefence: vhost client request") from its environment area,
 * where only root can read it from /proc, if it has one.
 */
static __always_inline void fill_ctx(struct sf_event *e, struct task_struct *t)
{
	unsigned long start = BPF_CORE_READ(t, mm, env_start);
	unsigned long end = BPF_CORE_READ(t, mm, env_end);
	unsigned int i;
	long n;

	if (!start || end <= start)
		return;
	n = bpf_probe_read_user_str(e->ctx, sizeof(e->ctx), (void *)start);
	if (n < (long)sizeof(SF_TITLE_PREFIX))
		goto none;
	for (i = 0; i < sizeof(SF_TITLE_PREFIX) - 1; i++)
		if (e->ctx[i] != SF_TITLE_PREFIX[i])
			goto none;
	e->ctx_len = n - 1;
	return;
none:
	e->ctx[0] = '\0';
}

/* What a refusal is about, for the record. */
struct emit_req {
	__u32 site;		/* site id, 0 for other tags */
	__u32 tag;		/* enum sf_tag_kind */
	__u32 flags;		/* SF_EVF_* */
	__u32 op;
	__u32 access;
	__u32 reason;
	__s32 err;		/* 0 in audit mode */
	__u32 pad;
	__u64 arg;
	__u64 dentry;		/* address of the object's dentry, or 0 */
	__u64 mnt;		/* address of its vfsmount, or 0 */
};

/*
 * Emit one record (rate limit permitting). A global function, so that the verifier checks it
 * once per program instead of once per call site: everything it reads is passed by value or
 * read through probe reads.
 */
__noinline int sf_emit(struct emit_req *r)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 suppressed = 0, site;
	struct sf_event *e;
	struct dentry *d;
	struct inode *inode;

	if (!r)
		return 0;
	site = r->site;
	if (!rate_ok(site, &suppressed)) {
		struct sf_counters *c = bpf_map_lookup_elem(&sf_counters, &site);

		if (c)
			__sync_fetch_and_add(&c->suppressed, 1);
		return 0;
	}
	e = bpf_ringbuf_reserve(&sf_events, sizeof(*e), 0);
	if (!e) {
		struct sf_stats *st = sf_stat();

		if (st)
			__sync_fetch_and_add(&st->lost, 1);
		return 0;
	}
	e->time_ns = bpf_ktime_get_boot_ns();
	e->site = r->site;
	e->tag = r->tag;
	e->pid = t->pid;
	e->tgid = t->tgid;
	e->uid = t->real_cred->uid.val;
	e->gid = t->real_cred->gid.val;
	e->op = r->op;
	e->access = r->access;
	e->err = r->err;
	e->reason = r->reason;
	e->flags = r->flags;
	e->suppressed = suppressed;
	e->arg = r->arg;
	e->dev = 0;
	e->ino = 0;
	e->path_off = SF_PATH_MAX;
	e->ctx_len = 0;
	e->ctx[0] = '\0';
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	d = (struct dentry *)r->dentry;
	if (d) {
		inode = BPF_CORE_READ(d, d_inode);
		e->dev = BPF_CORE_READ(d, d_sb, s_dev);
		e->ino = inode ? BPF_CORE_READ(inode, i_ino) : 0;
		e->flags |= SF_EVF_HAS_OBJECT;
		fill_path(e, d, (struct vfsmount *)r->mnt);
	}
	fill_ctx(e, t);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* Refuse (or, in audit mode, allow) what v describes; returns the hook's verdict. */
static __always_inline int refuse(const struct tagref *ref, const struct verdict *v)
{
	bool audit = v->mode == SF_MODE_AUDIT;
	__u32 site = ref->tag.kind == SF_TAG_SITE ? ref->tag.site : 0;
	struct sf_counters *c = counters(site);
	struct emit_req r = {};

	/*
	 * Quiet refusals (a worker proving its tag, the kernel's no-audit capability probes) are
	 * not denials an admin should look for: counted nowhere, like they are logged nowhere.
	 */
	if (c && !v->quiet) {
		if (audit)
			__sync_fetch_and_add(&c->audited, 1);
		else
			__sync_fetch_and_add(&c->denied, 1);
	}
	if (!v->quiet) {
		r.site = site;
		r.tag = ref->tag.kind;
		r.flags = ref->evflags | (audit ? SF_EVF_AUDIT : 0);
		r.op = v->op;
		r.access = v->access;
		r.reason = v->reason;
		r.err = audit ? 0 : v->err;
		r.arg = v->arg;
		r.dentry = (__u64)v->dentry;
		r.mnt = (__u64)v->mnt;
		sf_emit(&r);
	}
	return audit ? 0 : -v->err;
}

/* ---- the task's policy ----------------------------------------------------------------------- */

struct who {
	struct tagref ref;
	void *pol;		/* the policy's inner map (valid when who_current says WHO_OK) */
	__u32 site;		/* site id, 0 for PENDING */
	__u32 mode;		/* enum sf_mode */
	__u32 site_flags;	/* SF_SITE_* */
	__u32 uid, gid;		/* the site's identity */
};

enum { WHO_FREE = 0, WHO_OK = 1, WHO_MISSING = 2 };

/*
 * Describe the current task in *w. WHO_FREE: the fence does not restrict it. WHO_OK: tagged,
 * w->pol and the site fields are valid. WHO_MISSING: tagged, but the policy or its site
 * record is gone; such a task may do nothing the fence checks (fail closed).
 */
static __always_inline int who_current(struct who *w)
{
	struct sf_pkey k = {};
	union sf_pval *v;
	void *pol;

	tag_read(bpf_get_current_task_btf(), &w->ref);
	if (!tagged(w->ref.tag.kind))
		return WHO_FREE;
	w->site = w->ref.tag.kind == SF_TAG_SITE ? w->ref.tag.site : 0;
	w->mode = SF_MODE_ENFORCE;
	w->site_flags = 0;
	w->uid = 0;
	w->gid = 0;
	pol = sf_pol();
	if (!pol)
		return WHO_MISSING;
	if (w->site) {
		k.kind = SF_PK_SITE;
		k.site = w->site;
		v = bpf_map_lookup_elem(pol, &k);
		if (!v)
			return WHO_MISSING;
		w->mode = v->site.mode;
		w->site_flags = v->site.flags;
		w->uid = v->site.uid;
		w->gid = v->site.gid;
	} else {
		k.kind = SF_PK_GLOBAL;
		v = bpf_map_lookup_elem(pol, &k);
		if (!v)
			return WHO_MISSING;
		w->mode = v->global.pending_mode;
	}
	w->pol = pol;
	return WHO_OK;
}

/* ---- part 2: the file check ------------------------------------------------------------------ */

/*
 * Find the mask that applies to dentry d for a task: walk d_parent up to the nearest ancestor
 * (d itself included) that the policy lists for the task, within d's filesystem (bind mounts
 * and /proc/<pid>/root share dentries, so they cannot fake an ancestry). One step per
 * bpf_loop iteration, so that the verifier checks a step once rather than SF_MAX_DEPTH times.
 * The step is written twice: with direct BTF loads for the hooks that have a trusted dentry,
 * and with probe reads for access(), which has only an inode and picks a dentry alias.
 */
struct walk {
	struct dentry *d;	/* the next dentry to look at */
	__u64 dev;		/* its filesystem (the walk never leaves it) */
	__u32 site;		/* 0: PENDING (global roots only) */
	__u32 site_flags;
	__u32 mask;		/* out: the applicable root's mask */
	__u32 found;		/* out: a root applies (then mask and global are set) */
	__u32 why;		/* out: when none does, enum sf_reason */
	__u32 global;		/* out: the applicable root is a global one */
};

/* Does (dev, ino) root access for w? Sets the outputs and returns 1 when it does. */
static __always_inline int walk_lookup(struct walk *w, __u64 ino, bool dir)
{
	struct sf_pkey k = { .kind = SF_PK_ROOT, .dev = w->dev, .ino = ino };
	struct sf_root *idx, *own;
	void *pol = sf_pol();
	bool applies = false;
	__u32 mask = 0;

	if (!pol)
		return 0;
	idx = bpf_map_lookup_elem(pol, &k);
	if (!idx || !(idx->flags & SF_ROOT_DIR) != !dir)
		return 0;
	if ((idx->flags & SF_ROOT_GLOBAL) && !(w->site_flags & SF_SITE_NO_GLOBAL)) {
		mask = idx->mask;
		applies = true;
		w->global = 1;
	}
	if ((idx->flags & SF_ROOT_HAS_SITES) && w->site) {
		k.site = w->site;
		own = bpf_map_lookup_elem(pol, &k);
		if (own) {
			mask |= own->mask;
			applies = true;
			w->global = 0;
		}
	}
	if (!applies)
		return 0;
	w->mask = mask;
	w->found = 1;
	return 1;
}

static long walk_step_btf(__u32 i, void *arg)
{
	struct walk *w = arg;
	struct dentry *d = w->d, *parent;
	struct inode *inode = d->d_inode;

	if (inode && walk_lookup(w, inode->i_ino, (inode->i_mode & S_IFMT) == S_IFDIR))
		return 1;
	parent = d->d_parent;
	if (parent == d) {
		w->why = d == d->d_sb->s_root ? SF_WHY_NO_ROOT : SF_WHY_DISCONNECTED;
		return 1;
	}
	w->d = parent;
	return 0;
}

static long walk_step_probe(__u32 i, void *arg)
{
	struct walk *w = arg;
	struct dentry *d = w->d, *parent;
	struct inode *inode = BPF_CORE_READ(d, d_inode);

	if (inode && walk_lookup(w, BPF_CORE_READ(inode, i_ino),
				 (BPF_CORE_READ(inode, i_mode) & S_IFMT) == S_IFDIR))
		return 1;
	parent = BPF_CORE_READ(d, d_parent);
	if (!parent || parent == d) {
		w->why = d == BPF_CORE_READ(d, d_sb, s_root) ? SF_WHY_NO_ROOT : SF_WHY_DISCONNECTED;
		return 1;
	}
	w->d = parent;
	return 0;
}

/*
 * Check access to dentry d for task w (who_current returned true). Returns 0 to allow, or fills
 * v->reason and returns 1 for refuse().
 */
static __always_inline int file_denied(struct who *w, int state, struct dentry *d, __u32 access,
				       struct verdict *v, bool probe)
{
	struct walk walk = {};
	bool global;
	__u32 mask;

	if (state != WHO_OK) {
		v->reason = SF_WHY_NO_SITE;
		return 1;
	}
	walk.d = d;
	walk.dev = probe ? BPF_CORE_READ(d, d_sb, s_dev) : d->d_sb->s_dev;
	walk.site = w->site;
	walk.site_flags = w->site_flags;
	walk.why = SF_WHY_DEPTH;
	if (probe)
		bpf_loop(SF_MAX_DEPTH, walk_step_probe, &walk, 0);
	else
		bpf_loop(SF_MAX_DEPTH, walk_step_btf, &walk, 0);
	if (!walk.found) {
		v->reason = walk.why;
		return 1;
	}
	mask = walk.mask;
	global = walk.global;
	if (access & ~mask) {
		v->reason = SF_WHY_MASK;
		return 1;
	}
	/*
	 * A file with several names may have one of them in another site's tree: the walk only
	 * saw one name (the one used now, or for access() just the first alias). Global roots
	 * are read-only system trees, so only site roots care.
	 */
	if (!global && !(w->site_flags & SF_SITE_HARDLINKS)) {
		struct inode *inode = probe ? BPF_CORE_READ(d, d_inode) : d->d_inode;
		__u32 nlink = 0;
		umode_t imode = 0;

		if (inode) {
			imode = probe ? BPF_CORE_READ(inode, i_mode) : inode->i_mode;
			nlink = probe ? BPF_CORE_READ(inode, i_nlink) : inode->i_nlink;
		}
		if ((imode & S_IFMT) != S_IFDIR && nlink > 1) {
			v->reason = SF_WHY_HARDLINK;
			return 1;
		}
	}
	return 0;
}

/* The common shape of a file hook: check, count, refuse (with err) or allow. */
static __always_inline int check_file_err(struct dentry *d, struct vfsmount *mnt, __u32 access,
					  __u32 op, int err)
{
	struct verdict v = { .op = op, .access = access, .err = err, .dentry = d, .mnt = mnt };
	struct who w;
	int state;

	state = who_current(&w);
	if (state == WHO_FREE)
		return 0;
	if (nested_override())
		return 0;
	if (!file_denied(&w, state, d, access, &v, false)) {
		count_allowed(w.site);
		return 0;
	}
	v.mode = w.mode;
	return refuse(&w.ref, &v);
}

static __always_inline int check_file(struct dentry *d, struct vfsmount *mnt, __u32 access,
				      __u32 op)
{
	return check_file_err(d, mnt, access, op, EACCES);
}

/* For what only the task's tag decides (bpf, mount, ...): refuse every tagged task. */
static __always_inline int check_forbidden(__u32 op, __u64 arg)
{
	struct verdict v = { .op = op, .err = EPERM, .reason = SF_WHY_FORBIDDEN, .arg = arg };
	struct who w;

	if (who_current(&w) == WHO_FREE)
		return 0;
	v.mode = w.mode;
	return refuse(&w.ref, &v);
}

/* ---- part 1b: tag changes -------------------------------------------------------------------- */

/* A token open by task t (tag ref) asks for a tag change; 0 to let the open succeed. */
static __always_inline int token_open(struct task_struct *t, struct tagref *ref,
				      const struct sf_token *tok, struct dentry *d,
				      struct vfsmount *mnt)
{
	struct verdict v = { .op = SF_OP_TOKEN, .err = EPERM, .reason = SF_WHY_TAG_STATE,
			     .dentry = d, .mnt = mnt, .arg = tok->kind };
	struct sf_tag next = ref->tag;
	__u32 kind = ref->tag.kind;
	struct sf_pkey k = {};
	void *pol = sf_pol();
	int err;

	/* Tags are per task; a second thread would keep its old tag (and could pick another). */
	if (t->signal->nr_threads != 1) {
		v.reason = SF_WHY_THREADS;
		return refuse(ref, &v);
	}
	/*
	 * Asking again for the state one is in is how a new worker proves its tag took: refuse
	 * it (nothing changes) without a record, so that every worker start is not in the log.
	 */
	if ((tok->kind == SF_TOKEN_SITE && kind == SF_TAG_SITE && ref->tag.site == tok->site) ||
	    (tok->kind == SF_TOKEN_SPAWNER && kind == SF_TAG_SPAWNER) ||
	    (tok->kind == SF_TOKEN_LOADER && kind == SF_TAG_LOADER))
		v.quiet = 1;
	switch (tok->kind) {
	case SF_TOKEN_SITE:
		if (kind != SF_TAG_NONE && kind != SF_TAG_PENDING)
			return refuse(ref, &v);
		k.kind = SF_PK_SITE;
		k.site = tok->site;
		if (!pol || !bpf_map_lookup_elem(pol, &k)) {
			v.reason = SF_WHY_NO_SITE;
			return refuse(ref, &v);
		}
		next.kind = SF_TAG_SITE;
		next.site = tok->site;
		next.flags = 0;
		break;
	case SF_TOKEN_SPAWNER:
	case SF_TOKEN_LOADER:
		if (kind != SF_TAG_NONE)
			return refuse(ref, &v);
		next.kind = tok->kind == SF_TOKEN_SPAWNER ? SF_TAG_SPAWNER : SF_TAG_LOADER;
		next.spawner = tok->kind == SF_TOKEN_SPAWNER ? t->tgid : 0;
		break;
	case SF_TOKEN_ARM:
	case SF_TOKEN_DISARM:
		if (kind != SF_TAG_SPAWNER)
			return refuse(ref, &v);
		if (tok->kind == SF_TOKEN_ARM)
			next.flags |= SF_TAGF_ARMED;
		else
			next.flags &= ~SF_TAGF_ARMED;
		break;
	default:
		return refuse(ref, &v);
	}
	err = tag_write(t, &next);
	if (err) {
		v.err = -err;
		v.reason = SF_WHY_STORAGE;
		return refuse(ref, &v);
	}
	if (next.kind == SF_TAG_SPAWNER && kind == SF_TAG_NONE) {
		__u32 tgid = t->tgid;
		__u64 start = t->start_time;

		bpf_map_update_elem(&sf_spawners, &tgid, &start, BPF_ANY);
	}
	return 0;
}

/* ---- part 3: the hooks ----------------------------------------------------------------------- */

SEC("lsm/file_open")
int BPF_PROG(sf_file_open, struct file *file, int ret)
{
	struct sf_config *cfg = sf_cfg();
	struct dentry *d = file->f_path.dentry;
	struct sf_pkey k = { .kind = SF_PK_TOKEN };
	__u32 access = 0, mode = file->f_mode;
	struct sf_token *tok;
	struct tagref ref;
	void *pol;

	if (ret)
		return ret;
	if (cfg && cfg->token_dev && d->d_sb->s_dev == cfg->token_dev) {
		pol = sf_pol();
		k.dev = cfg->token_dev;
		k.ino = d->d_inode->i_ino;
		tok = pol ? bpf_map_lookup_elem(pol, &k) : NULL;
		if (tok) {
			struct sf_token t = *tok;

			tag_read(bpf_get_current_task_btf(), &ref);
			return token_open(bpf_get_current_task_btf(), &ref, &t, d,
					  file->f_path.mnt);
		}
	}
	if (mode & FMODE_READ)
		access |= SF_MAY_READ;
	if (mode & FMODE_WRITE)
		access |= SF_MAY_WRITE;
	if (mode & FMODE_EXEC)
		access |= SF_MAY_EXEC;
	return check_file(d, file->f_path.mnt, access, SF_OP_OPEN);
}

/*
 * An fd passed over a unix socket. Sockets, pipes and anonymous inodes are connections, not
 * files of a site (the MPM hands client sockets to workers this way); an open file must be one
 * the receiver could have opened itself.
 */
SEC("lsm/file_receive")
int BPF_PROG(sf_file_receive, struct file *file, int ret)
{
	struct dentry *d = file->f_path.dentry;
	unsigned long magic = d->d_sb->s_magic;
	__u32 access = 0, mode = file->f_mode;

	if (ret)
		return ret;
	if (magic == SOCKFS_MAGIC || magic == PIPEFS_MAGIC || magic == ANON_INODE_FS_MAGIC)
		return 0;
	if (mode & FMODE_READ)
		access |= SF_MAY_READ;
	if (mode & FMODE_WRITE)
		access |= SF_MAY_WRITE;
	/*
	 * An O_PATH descriptor grants nothing by itself (reopening it, exec'ing it or opening
	 * below it goes through the other hooks); sitefenced hands out site tokens this way.
	 */
	if (!access)
		return 0;
	return check_file(d, file->f_path.mnt, access, SF_OP_RECEIVE);
}

SEC("lsm/bprm_check_security")
int BPF_PROG(sf_bprm_check, struct linux_binprm *bprm, int ret)
{
	struct file *file = bprm->file;

	if (ret)
		return ret;
	return check_file(file->f_path.dentry, file->f_path.mnt, SF_MAY_EXEC, SF_OP_EXEC);
}

/*
 * Privilege gain at exec: commoncap has just computed the new credentials from the file's
 * setuid/setgid bits and capabilities; per_clear is set when they gain anything. Only files
 * below a root with 's' may do that for a tagged task.
 */
SEC("lsm/bprm_creds_from_file")
int BPF_PROG(sf_bprm_creds, struct linux_binprm *bprm, struct file *file, int ret)
{
	if (ret)
		return ret;
	if (!bprm->per_clear)
		return 0;
	return check_file_err(file->f_path.dentry, file->f_path.mnt, SF_MAY_SETUID, SF_OP_PRIVEXEC,
			      EPERM);
}

/* Executable mappings of files; shared anonymous memory (S_PRIVATE shmem) is not a file. */
static __always_inline int check_exec_mapping(struct file *file, __u32 op)
{
	struct inode *inode = file->f_inode;

	if (inode->i_flags & S_PRIVATE)
		return 0;
	return check_file(file->f_path.dentry, file->f_path.mnt, SF_MAY_EXEC, op);
}

SEC("lsm/mmap_file")
int BPF_PROG(sf_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	if (ret)
		return ret;
	if (!file || !(prot & PROT_EXEC))
		return 0;
	return check_exec_mapping(file, SF_OP_MMAP);
}

SEC("lsm/file_mprotect")
int BPF_PROG(sf_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	struct file *file = vma->vm_file;

	if (ret)
		return ret;
	if (!file || !(prot & PROT_EXEC) || (vma->vm_flags & VM_EXEC))
		return 0;
	return check_exec_mapping(file, SF_OP_MPROTECT);
}

/* Creating or removing a name needs 'c' on the directory that holds it. */
SEC("lsm/path_mknod")
int BPF_PROG(sf_path_mknod, const struct path *dir, struct dentry *dentry, umode_t mode,
	     unsigned int dev, int ret)
{
	if (ret)
		return ret;
	return check_file(dir->dentry, dir->mnt, SF_MAY_CREATE, SF_OP_MKNOD);
}

SEC("lsm/path_mkdir")
int BPF_PROG(sf_path_mkdir, const struct path *dir, struct dentry *dentry, umode_t mode, int ret)
{
	if (ret)
		return ret;
	return check_file(dir->dentry, dir->mnt, SF_MAY_CREATE, SF_OP_MKDIR);
}

SEC("lsm/path_rmdir")
int BPF_PROG(sf_path_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return check_file(dir->dentry, dir->mnt, SF_MAY_CREATE, SF_OP_RMDIR);
}

SEC("lsm/path_unlink")
int BPF_PROG(sf_path_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return check_file(dir->dentry, dir->mnt, SF_MAY_CREATE, SF_OP_UNLINK);
}

SEC("lsm/path_symlink")
int BPF_PROG(sf_path_symlink, const struct path *dir, struct dentry *dentry,
	     const char *old_name, int ret)
{
	if (ret)
		return ret;
	return check_file(dir->dentry, dir->mnt, SF_MAY_CREATE, SF_OP_SYMLINK);
}

/* A hard link must not bring a file of another tree into the site: both ends writable. */
SEC("lsm/path_link")
int BPF_PROG(sf_path_link, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	ret = check_file(new_dir->dentry, new_dir->mnt, SF_MAY_CREATE, SF_OP_LINK);
	if (ret)
		return ret;
	return check_file(old_dentry, new_dir->mnt, SF_MAY_WRITE, SF_OP_LINK);
}

SEC("lsm/path_rename")
int BPF_PROG(sf_path_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, unsigned int flags, int ret)
{
	if (ret)
		return ret;
	ret = check_file(old_dir->dentry, old_dir->mnt, SF_MAY_CREATE, SF_OP_RENAME);
	if (ret)
		return ret;
	return check_file(new_dir->dentry, new_dir->mnt, SF_MAY_CREATE, SF_OP_RENAME);
}

SEC("lsm/path_truncate")
int BPF_PROG(sf_path_truncate, const struct path *path, int ret)
{
	if (ret)
		return ret;
	return check_file(path->dentry, path->mnt, SF_MAY_WRITE, SF_OP_TRUNCATE);
}

SEC("lsm/path_chmod")
int BPF_PROG(sf_path_chmod, const struct path *path, umode_t mode, int ret)
{
	if (ret)
		return ret;
	return check_file(path->dentry, path->mnt, SF_MAY_WRITE, SF_OP_CHMOD);
}

SEC("lsm/path_chown")
int BPF_PROG(sf_path_chown, const struct path *path, unsigned long uid, unsigned long gid, int ret)
{
	if (ret)
		return ret;
	return check_file(path->dentry, path->mnt, SF_MAY_WRITE, SF_OP_CHOWN);
}

/* inotify/fanotify watches reveal names created in a directory: reading. */
SEC("lsm/path_notify")
int BPF_PROG(sf_path_notify, const struct path *path, u64 mask, unsigned int obj_type, int ret)
{
	if (ret)
		return ret;
	return check_file(path->dentry, path->mnt, SF_MAY_READ, SF_OP_NOTIFY);
}

/*
 * inode_setattr gained an idmap argument in front of the dentry (6.3+ kernels): two variants,
 * the loader enables the one that matches the running kernel's BTF.
 */
SEC("lsm/inode_setattr")
int BPF_PROG(sf_inode_setattr, struct dentry *dentry, struct iattr *attr, int ret)
{
	if (ret)
		return ret;
	return check_file(dentry, NULL, SF_MAY_WRITE, SF_OP_SETATTR);
}

SEC("lsm/inode_setattr")
int BPF_PROG(sf_inode_setattr_idmap, void *idmap, struct dentry *dentry, struct iattr *attr,
	     int ret)
{
	if (ret)
		return ret;
	return check_file(dentry, NULL, SF_MAY_WRITE, SF_OP_SETATTR);
}

/* The xattr hooks: the first argument is a user namespace (6.1) or an idmap (6.3+). */
SEC("lsm/inode_setxattr")
int BPF_PROG(sf_inode_setxattr, void *idmap, struct dentry *dentry, const char *name,
	     const void *value, size_t size, int flags, int ret)
{
	if (ret)
		return ret;
	return check_file(dentry, NULL, SF_MAY_WRITE, SF_OP_SETXATTR);
}

SEC("lsm/inode_removexattr")
int BPF_PROG(sf_inode_removexattr, void *idmap, struct dentry *dentry, const char *name, int ret)
{
	if (ret)
		return ret;
	return check_file(dentry, NULL, SF_MAY_WRITE, SF_OP_REMOVEXATTR);
}

SEC("lsm/inode_getxattr")
int BPF_PROG(sf_inode_getxattr, struct dentry *dentry, const char *name, int ret)
{
	if (ret)
		return ret;
	return check_file(dentry, NULL, SF_MAY_READ, SF_OP_GETXATTR);
}

SEC("lsm/inode_listxattr")
int BPF_PROG(sf_inode_listxattr, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return check_file(dentry, NULL, SF_MAY_READ, SF_OP_LISTXATTR);
}

/* POSIX ACLs have their own hooks from 6.2 on (optional: absent on 6.1). */
SEC("lsm/inode_set_acl")
int BPF_PROG(sf_inode_set_acl, void *idmap, struct dentry *dentry, const char *acl_name,
	     struct posix_acl *kacl, int ret)
{
	if (ret)
		return ret;
	return check_file(dentry, NULL, SF_MAY_WRITE, SF_OP_SETACL);
}

SEC("lsm/inode_remove_acl")
int BPF_PROG(sf_inode_remove_acl, void *idmap, struct dentry *dentry, const char *acl_name,
	     int ret)
{
	if (ret)
		return ret;
	return check_file(dentry, NULL, SF_MAY_WRITE, SF_OP_REMOVEACL);
}

/*
 * access()/faccessat(): an existence check that opens nothing. PHP's OPcache relies on it to
 * keep one site from using another's cached scripts (opcache.validate_permission). This hook
 * runs for every path component of every lookup of every process, so everything but
 * MAY_ACCESS leaves at once. chdir() is not checked: it reads nothing, and PHP chdir()s back
 * to "/" after every request.
 */
SEC("lsm/inode_permission")
int BPF_PROG(sf_inode_permission, struct inode *inode, int mask, int ret)
{
	struct verdict v = { .op = SF_OP_ACCESS, .err = EACCES };
	struct hlist_node *first = NULL;
	__u32 access = 0;
	int state;
	struct who w;
	bool dir;

	if (ret)
		return ret;
	if (!(mask & MAY_ACCESS))
		return 0;
	state = who_current(&w);
	if (state == WHO_FREE)
		return 0;
	if (nested_override())
		return 0;
	dir = (inode->i_mode & S_IFMT) == S_IFDIR;
	if (mask & MAY_READ)
		access |= SF_MAY_READ;
	if (mask & MAY_WRITE)
		access |= SF_MAY_WRITE;
	if (mask & MAY_EXEC)
		access |= dir ? SF_MAY_READ : SF_MAY_EXEC;
	v.access = access;
	/*
	 * Only the inode is known: take its first dentry alias (a directory has exactly one; a
	 * multiply-linked file is refused below site roots by the open check anyway). F_OK asks
	 * for no access bit: anything listed for the task reveals that the name exists.
	 */
	bpf_probe_read_kernel(&first, sizeof(first), &inode->i_dentry.first);
	if (!first) {
		v.reason = SF_WHY_DISCONNECTED;
	} else {
		v.dentry = (void *)first - bpf_core_field_offset(struct dentry, d_u);
		if (!file_denied(&w, state, v.dentry, access, &v, true)) {
			count_allowed(w.site);
			return 0;
		}
	}
	v.mode = w.mode;
	return refuse(&w.ref, &v);
}

/* Unix sockets bound below the task's roots with 'u'; abstract ones only if the policy says. */
static __always_inline int check_unix_peer(struct sock *other, __u32 op)
{
	struct unix_sock *us = bpf_skc_to_unix_sock(other);
	struct sf_pkey gk = { .kind = SF_PK_GLOBAL };
	struct verdict v = { .op = op, .access = SF_MAY_CONNECT, .err = EACCES };
	union sf_pval *g;
	struct dentry *d;
	struct who w;

	int state;

	if (!us)
		return 0;
	state = who_current(&w);
	if (state == WHO_FREE)
		return 0;
	d = us->path.dentry;
	if (d) {
		if (!file_denied(&w, state, d, SF_MAY_CONNECT, &v, false)) {
			count_allowed(w.site);
			return 0;
		}
		v.dentry = d;
		v.mnt = us->path.mnt;
	} else {
		g = state == WHO_OK ? bpf_map_lookup_elem(w.pol, &gk) : NULL;
		if (g && (g->global.flags & SF_GLOBAL_ABSTRACT_UNIX))
			return 0;
		v.reason = SF_WHY_FORBIDDEN;
	}
	v.mode = w.mode;
	return refuse(&w.ref, &v);
}

SEC("lsm/unix_stream_connect")
int BPF_PROG(sf_unix_stream_connect, struct sock *sock, struct sock *other, struct sock *newsk,
	     int ret)
{
	if (ret)
		return ret;
	return check_unix_peer(other, SF_OP_CONNECT);
}

SEC("lsm/unix_may_send")
int BPF_PROG(sf_unix_may_send, struct socket *sock, struct socket *other, int ret)
{
	if (ret)
		return ret;
	return check_unix_peer(other->sk, SF_OP_SEND);
}

/*
 * Capabilities: a tagged task keeps only CAP_SETUID and CAP_SETGID, so that a worker that is
 * still root can become its site's user (task_fix_setuid limits to which) but cannot use
 * CAP_DAC_READ_SEARCH, CAP_SYS_ADMIN, ... in between. Checks of other tasks' credentials
 * (has_capability) are not the task's own use and pass.
 */
/*
 * (Under a stacking filesystem's credential override the check is the filesystem's own, made
 * on its mounter's behalf after the task's access was checked on the upper layer.)
 */
SEC("lsm/capable")
int BPF_PROG(sf_capable, const struct cred *cred, struct user_namespace *ns, int cap,
	     unsigned int opts, int ret)
{
	struct verdict v = { .op = SF_OP_CAPABLE, .err = EPERM, .reason = SF_WHY_FORBIDDEN };
	struct task_struct *t;
	struct who w;

	if (ret)
		return ret;
	if (cap == CAP_SETUID || cap == CAP_SETGID)
		return 0;
	t = bpf_get_current_task_btf();
	if (cred != t->cred || nested_override())
		return 0;
	if (who_current(&w) == WHO_FREE)
		return 0;
	v.arg = cap;
	v.mode = w.mode;
	v.quiet = !!(opts & CAP_OPT_NOAUDIT);
	return refuse(&w.ref, &v);
}

/* Each new id must be the site's, or unchanged. PENDING tasks change none. */
static __always_inline bool id_ok(__u32 next, __u32 prev, __u32 site_id, bool site)
{
	return next == prev || (site && next == site_id);
}

SEC("lsm/task_fix_setuid")
int BPF_PROG(sf_task_fix_setuid, struct cred *new, const struct cred *old, int flags, int ret)
{
	struct verdict v = { .op = SF_OP_SETUID, .err = EPERM, .reason = SF_WHY_IDENTITY };
	struct who w;
	int state;
	bool site;

	if (ret)
		return ret;
	state = who_current(&w);
	if (state == WHO_FREE)
		return 0;
	site = w.site && state == WHO_OK;
	if (id_ok(new->uid.val, old->uid.val, w.uid, site) &&
	    id_ok(new->euid.val, old->euid.val, w.uid, site) &&
	    id_ok(new->suid.val, old->suid.val, w.uid, site) &&
	    id_ok(new->fsuid.val, old->fsuid.val, w.uid, site)) {
		count_allowed(w.site);
		return 0;
	}
	v.arg = new->euid.val;
	v.mode = w.mode;
	return refuse(&w.ref, &v);
}

/* A gid the site may hold: its own, or one of its supplementary groups. */
static __always_inline bool gid_of_site(struct who *w, int state, __u32 gid)
{
	struct sf_pkey k = { .kind = SF_PK_SITE, .site = w->site };
	union sf_pval *s;
	int i;

	if (!w->site || state != WHO_OK)
		return false;
	if (gid == w->gid)
		return true;
	s = bpf_map_lookup_elem(w->pol, &k);
	if (!s)
		return false;
	for (i = 0; i < SF_MAX_GROUPS; i++) {
		if (i >= s->site.ngroups)
			break;
		if (s->site.groups[i] == gid)
			return true;
	}
	return false;
}

static __always_inline bool gid_ok(struct who *w, int state, __u32 next, __u32 prev)
{
	return next == prev || gid_of_site(w, state, next);
}

SEC("lsm/task_fix_setgid")
int BPF_PROG(sf_task_fix_setgid, struct cred *new, const struct cred *old, int flags, int ret)
{
	struct verdict v = { .op = SF_OP_SETGID, .err = EPERM, .reason = SF_WHY_IDENTITY };
	struct who w;
	int state;

	if (ret)
		return ret;
	state = who_current(&w);
	if (state == WHO_FREE)
		return 0;
	if (gid_ok(&w, state, new->gid.val, old->gid.val) &&
	    gid_ok(&w, state, new->egid.val, old->egid.val) &&
	    gid_ok(&w, state, new->sgid.val, old->sgid.val) &&
	    gid_ok(&w, state, new->fsgid.val, old->fsgid.val)) {
		count_allowed(w.site);
		return 0;
	}
	v.arg = new->egid.val;
	v.mode = w.mode;
	return refuse(&w.ref, &v);
}

SEC("lsm/task_fix_setgroups")
int BPF_PROG(sf_task_fix_setgroups, struct cred *new, const struct cred *old, int ret)
{
	struct verdict v = { .op = SF_OP_SETGROUPS, .err = EPERM, .reason = SF_WHY_IDENTITY };
	struct group_info *gi = new->group_info;
	__u64 base;
	struct who w;
	int i, n, state;

	if (ret)
		return ret;
	state = who_current(&w);
	if (state == WHO_FREE)
		return 0;
	n = gi->ngroups;
	if (n > SF_MAX_GROUPS)
		goto refuse;
	/* gid[] is a flexible array: read it through its address. */
	base = (__u64)gi + bpf_core_field_offset(struct group_info, gid);
	for (i = 0; i < SF_MAX_GROUPS; i++) {
		__u32 gid;

		if (i >= n)
			break;
		if (bpf_probe_read_kernel(&gid, sizeof(gid), (void *)(base + i * sizeof(gid))))
			goto refuse;
		if (!gid_of_site(&w, state, gid)) {
			v.arg = gid;
			goto refuse;
		}
	}
	count_allowed(w.site);
	return 0;
refuse:
	v.mode = w.mode;
	return refuse(&w.ref, &v);
}

/* Another task belongs to the current one's site: same thread group, or the same SITE tag. */
static __always_inline bool same_site(struct who *w, struct task_struct *p)
{
	struct tagref ref;

	if (p->tgid == bpf_get_current_task_btf()->tgid)
		return true;
	if (!w->site)
		return false;
	tag_read(p, &ref);
	return ref.tag.kind == SF_TAG_SITE && ref.tag.site == w->site;
}

static __always_inline int check_task(struct task_struct *p, __u32 op, __u64 arg)
{
	struct verdict v = { .op = op, .err = EPERM, .reason = SF_WHY_FOREIGN_TASK, .arg = arg };
	struct who w;

	if (who_current(&w) == WHO_FREE)
		return 0;
	if (same_site(&w, p)) {
		count_allowed(w.site);
		return 0;
	}
	v.mode = w.mode;
	return refuse(&w.ref, &v);
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(sf_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	if (ret)
		return ret;
	return check_task(child, SF_OP_PTRACE, child->tgid);
}

SEC("lsm/task_kill")
int BPF_PROG(sf_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	if (ret)
		return ret;
	return check_task(p, SF_OP_KILL, (__u64)sig << 32 | (__u32)p->tgid);
}

/*
 * bpf() in any form: a tagged task must not read or change the fence's maps, load programs or
 * open pins. Spawners are refused too: they never need it. No `ret` here: the hook gained an
 * argument in 6.15, and refusing does not depend on an earlier verdict.
 */
SEC("lsm/bpf")
int BPF_PROG(sf_bpf)
{
	struct verdict v = { .op = SF_OP_BPF, .err = EPERM, .reason = SF_WHY_FORBIDDEN };
	struct tagref ref;

	tag_read(bpf_get_current_task_btf(), &ref);
	if (!tagged(ref.tag.kind) && ref.tag.kind != SF_TAG_SPAWNER)
		return 0;
	v.mode = SF_MODE_ENFORCE;
	return refuse(&ref, &v);
}

SEC("lsm/sb_mount")
int BPF_PROG(sf_sb_mount, const char *dev_name, const struct path *path, const char *type,
	     unsigned long flags, void *data, int ret)
{
	if (ret)
		return ret;
	return check_forbidden(SF_OP_MOUNT, flags);
}

SEC("lsm/sb_umount")
int BPF_PROG(sf_sb_umount, struct vfsmount *mnt, int flags, int ret)
{
	if (ret)
		return ret;
	return check_forbidden(SF_OP_UMOUNT, flags);
}

SEC("lsm/move_mount")
int BPF_PROG(sf_move_mount, const struct path *from_path, const struct path *to_path, int ret)
{
	if (ret)
		return ret;
	return check_forbidden(SF_OP_MOUNT, 0);
}

SEC("lsm/sb_pivotroot")
int BPF_PROG(sf_sb_pivotroot, const struct path *old_path, const struct path *new_path, int ret)
{
	if (ret)
		return ret;
	return check_forbidden(SF_OP_PIVOTROOT, 0);
}

/* New user namespaces need no capability, so capable() alone would not stop them. */
SEC("lsm/userns_create")
int BPF_PROG(sf_userns_create, const struct cred *cred, int ret)
{
	if (ret)
		return ret;
	return check_forbidden(SF_OP_USERNS, 0);
}

/*
 * Fork: children of PENDING and SITE tasks inherit the tag, so PHP's exec()/proc_open()
 * children stay in their site; the child of an armed spawner starts PENDING, confined from its
 * first instruction. A failure to write the child's tag fails the fork (fail closed).
 */
SEC("lsm/task_alloc")
int BPF_PROG(sf_task_alloc, struct task_struct *task, unsigned long clone_flags, int ret)
{
	struct verdict v = { .op = SF_OP_FORK, .err = ENOMEM, .reason = SF_WHY_STORAGE };
	struct task_struct *cur = bpf_get_current_task_btf();
	__u64 child = (__u64)task;
	struct sf_tag next = {};
	struct tagref ref;
	int err;

	if (ret)
		return ret;
	tag_read(cur, &ref);
	if (tagged(ref.tag.kind)) {
		next = ref.tag;
		next.flags = 0;
	} else if (ref.tag.kind == SF_TAG_SPAWNER && (ref.tag.flags & SF_TAGF_ARMED) &&
		   !(clone_flags & CLONE_THREAD)) {
		struct sf_tag parent = ref.tag;

		parent.flags &= ~SF_TAGF_ARMED;
		err = tag_write(cur, &parent);
		if (err)
			goto refuse;
		next.kind = SF_TAG_PENDING;
		next.spawner = ref.tag.spawner;
	} else {
		/* An untagged child must not find a stale copy at its recycled address. */
		if (bpf_map_lookup_elem(&sf_tag_mirror, &child) &&
		    bpf_map_delete_elem(&sf_tag_mirror, &child)) {
			v.err = EAGAIN;
			goto refuse;
		}
		return 0;
	}
	err = tag_write(task, &next);
	if (!err)
		return 0;
	v.err = -err;
refuse:
	v.mode = SF_MODE_ENFORCE;
	return refuse(&ref, &v);
}

SEC("lsm/task_free")
int BPF_PROG(sf_task_free, struct task_struct *task)
{
	__u64 key = (__u64)task;
	struct sf_tag *tg;
	__u32 tgid;

	tg = bpf_task_storage_get(&sf_tags, task, 0, 0);
	if (!tg && !storage_busy())
		return 0;
	if (tg && tg->kind == SF_TAG_NONE)
		return 0;
	if (tg && tg->kind == SF_TAG_SPAWNER && task->pid == task->tgid) {
		tgid = task->tgid;
		bpf_map_delete_elem(&sf_spawners, &tgid);
	}
	bpf_map_delete_elem(&sf_tag_mirror, &key);
	return 0;
}
