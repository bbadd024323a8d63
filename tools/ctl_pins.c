// SPDX-License-Identifier: GPL-2.0
/*
 * ctl_pins.c — reading the pinned fence for sitefencectl; see ctl_pins.h.
 *
 * Every map is opened through its pin and its key and value sizes are checked against this
 * tool's idea of them before anything is read, so that a fence pinned by another sitefence
 * version gives "another layout" rather than numbers read from the wrong offsets.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "ctl_pins.h"
#include "parse.h"

#define LINK_PREFIX	 "link_"
#define MAX_LINKS	 256
#define MAX_SPAWNERS	 65536	/* sf_spawners holds 1024; a bound in case that grows */
#define MAX_SITE_ID	 (1u << 24) /* per-site worker counts kept up to this id */

static int pin_open(const char *pin_dir, const char *name, int *ret_fd)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", pin_dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

/* A pinned map of the given type and sizes. */
static int map_open(const char *pin_dir, const char *name, uint32_t type, uint32_t key_size,
		    uint32_t value_size, int *ret_fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd, err;

	err = pin_open(pin_dir, name, &fd);
	if (err)
		return err;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		goto out_close;
	}
	if (info.type != type || info.key_size != key_size || info.value_size != value_size) {
		err = -EPROTO;
		goto out_close;
	}
	*ret_fd = fd;
	return 0;
out_close:
	close(fd);
	return err;
}

/*
 * An LSM program stays attached for as long as its link exists, and the pin holds the link;
 * so a link that can be read, is an LSM link, and still names a program is in force.
 */
static void link_read(const char *pin_dir, const char *name, struct ctl_link *l)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd;

	memset(l, 0, sizeof(*l));
	snprintf(l->prog, sizeof(l->prog), "%s", name + strlen(LINK_PREFIX));
	l->err = pin_open(pin_dir, name, &fd);
	if (l->err)
		return;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		l->err = -errno;
	} else {
		l->link_id = info.id;
		l->prog_id = info.prog_id;
		l->attached = info.type == BPF_LINK_TYPE_TRACING &&
			      info.tracing.attach_type == BPF_LSM_MAC && info.prog_id;
	}
	close(fd);
}

static int cmp_link(const void *a, const void *b)
{
	return strcmp(((const struct ctl_link *)a)->prog, ((const struct ctl_link *)b)->prog);
}

/* The pins named link_*; the loader's temporary new_link_* pins do not match. */
static int links_read(const char *pin_dir, struct ctl_fence *f)
{
	struct ctl_link *v;
	struct dirent *de;
	DIR *d;
	int err = 0;

	d = opendir(pin_dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, LINK_PREFIX, strlen(LINK_PREFIX)))
			continue;
		if (f->nlinks == MAX_LINKS) {
			err = -E2BIG;
			break;
		}
		v = realloc(f->links, (f->nlinks + 1) * sizeof(*v));
		if (!v) {
			err = -ENOMEM;
			break;
		}
		f->links = v;
		link_read(pin_dir, de->d_name, &v[f->nlinks]);
		f->nattached += v[f->nlinks].attached;
		f->nlinks++;
	}
	closedir(d);
	if (f->nlinks)
		qsort(f->links, f->nlinks, sizeof(*f->links), cmp_link);
	return err;
}

/* The generation of the policy in slot 0 of sf_policy (see loader/policy.c). */
static int policy_generation(const char *pin_dir, uint64_t *ret)
{
	struct sf_pkey k = { .kind = SF_PK_GLOBAL };
	struct bpf_map_info info = {};
	__u32 zero = 0, id, len = sizeof(info);
	union sf_pval v;
	int outer, inner, err;

	err = map_open(pin_dir, "sf_policy", BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, &outer);
	if (err)
		return err;
	if (bpf_map_lookup_elem(outer, &zero, &id)) {
		err = errno == ENOENT ? -ENODATA : -errno;
		goto out_close_outer;
	}
	inner = bpf_map_get_fd_by_id(id);
	if (inner < 0) {
		err = errno == ENOENT ? -ENODATA : -errno;
		goto out_close_outer;
	}
	if (bpf_obj_get_info_by_fd(inner, &info, &len))
		err = -errno;
	else if (info.key_size != sizeof(k) || info.value_size != sizeof(v))
		err = -EPROTO;
	else if (bpf_map_lookup_elem(inner, &k, &v))
		err = errno == ENOENT ? -ENODATA : -errno;
	else
		*ret = v.global.generation;
	close(inner);
out_close_outer:
	close(outer);
	return err;
}

static int stats_read(const char *pin_dir, struct ctl_stats *ret)
{
	__u32 zero = 0;
	int fd, err;

	err = map_open(pin_dir, "sf_stats", BPF_MAP_TYPE_ARRAY, 4, sizeof(*ret), &fd);
	if (err)
		return err;
	err = bpf_map_lookup_elem(fd, &zero, ret) ? -errno : 0;
	close(fd);
	return err;
}

int ctl_fence_read(const char *pin_dir, struct ctl_fence *ret)
{
	int err;

	memset(ret, 0, sizeof(*ret));
	err = links_read(pin_dir, ret);
	if (err) {
		ctl_fence_free(ret);
		return err;
	}
	ret->gen_err = policy_generation(pin_dir, &ret->generation);
	ret->stats_err = stats_read(pin_dir, &ret->stats);
	return 0;
}

void ctl_fence_free(struct ctl_fence *f)
{
	free(f->links);
	memset(f, 0, sizeof(*f));
}

/* Read /proc/<pid>/stat into buf; -ENOENT when the process is gone. */
static int proc_stat(uint32_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* The comm (between the first '(' and the last ')') and start time (field 22, in ticks). */
static int parse_stat(char *buf, char *comm, size_t comm_len, uint64_t *ret_ticks)
{
	char *open = strchr(buf, '('), *close_p = strrchr(buf, ')'), *w[20], *p;
	int n = 0;

	if (!open || !close_p || close_p < open)
		return -EBADMSG;
	*close_p = '\0';
	snprintf(comm, comm_len, "%s", open + 1);
	/* Fields 3 .. 22 follow the comm; the start time is the 20th of them. */
	for (p = strtok(close_p + 1, " "); p && n < 20; p = strtok(NULL, " "))
		w[n++] = p;
	if (n < 20)
		return -EBADMSG;
	return parse_u64(w[19], 0, UINT64_MAX, ret_ticks);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * Whether tgid is still the process that registered at start_ns: pids are reused. The kernel
 * side records task->start_time (monotonic), /proc shows the boot-time clock in ticks; the two
 * differ by the time the machine was suspended before the start, at most the total so far.
 */
static void spawner_check(struct ctl_spawner *s)
{
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t tick_ns = 1000000000ull / (uint64_t)(hz > 0 ? hz : 100);
	uint64_t ticks, proc_ns, mono, boot, slept;
	char buf[1024];

	s->stale = true;
	if (proc_stat(s->tgid, buf, sizeof(buf)) ||
	    parse_stat(buf, s->comm, sizeof(s->comm), &ticks)) {
		s->comm[0] = '\0';
		return;
	}
	proc_ns = ticks * tick_ns;
	/* Monotonic first: read the other way round, the difference could come out negative. */
	mono = clock_ns(CLOCK_MONOTONIC);
	boot = clock_ns(CLOCK_BOOTTIME);
	slept = boot > mono ? boot - mono : 0;
	/* /proc's clock is truncated to ticks and runs ahead of the monotonic one by slept. */
	s->stale = proc_ns + tick_ns <= s->start_ns ||
		   (proc_ns > s->start_ns && proc_ns - s->start_ns > slept);
}

static int cmp_spawner(const void *a, const void *b)
{
	uint32_t x = ((const struct ctl_spawner *)a)->tgid, y = ((const struct ctl_spawner *)b)->tgid;

	return x < y ? -1 : x > y;
}

static bool spawner_known(const struct ctl_spawner *v, size_t n, uint32_t tgid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].tgid == tgid)
			return true;
	return false;
}

/*
 * Walk the hash. Entries may vanish under the walk, which is not an error; the walk then
 * restarts from the first key (that is how get_next_key treats a missing key), hence the
 * check for entries already seen and the bound on steps.
 */
static int spawners_walk(int fd, struct ctl_spawner **v, size_t *n)
{
	struct ctl_spawner *p;
	__u32 key, next, steps = 0;
	__u64 start;
	int err;

	for (err = bpf_map_get_next_key(fd, NULL, &next); !err;
	     err = bpf_map_get_next_key(fd, &key, &next)) {
		key = next;
		if (++steps > 2 * MAX_SPAWNERS)
			return -EAGAIN;
		if (bpf_map_lookup_elem(fd, &key, &start) || spawner_known(*v, *n, key))
			continue;
		if (*n == MAX_SPAWNERS)
			return -E2BIG;
		p = realloc(*v, (*n + 1) * sizeof(*p));
		if (!p)
			return -ENOMEM;
		*v = p;
		memset(&p[*n], 0, sizeof(*p));
		p[*n].tgid = key;
		p[*n].start_ns = start;
		spawner_check(&p[(*n)++]);
	}
	return err == -ENOENT ? 0 : err;
}

int ctl_spawners_read(const char *pin_dir, struct ctl_spawner **ret, size_t *ret_n)
{
	struct ctl_spawner *v = NULL;
	size_t n = 0;
	int fd, err;

	err = map_open(pin_dir, "sf_spawners", BPF_MAP_TYPE_HASH, 4, 8, &fd);
	if (err)
		return err;
	err = spawners_walk(fd, &v, &n);
	close(fd);
	if (err) {
		free(v);
		return err;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_spawner);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* The tag of process pid, read from the fence's task storage through a pidfd. */
static int task_tag(int tags_fd, uint32_t pid, struct sf_tag *tag)
{
	int pidfd, err = 0;

	pidfd = syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (pidfd < 0)
		return -errno;
	memset(tag, 0, sizeof(*tag));
	if (bpf_map_lookup_elem(tags_fd, &pidfd, tag) && errno != ENOENT)
		err = -errno;
	close(pidfd);
	return err;
}

static int count_site(struct ctl_tasks *t, uint32_t id)
{
	uint32_t *p;
	size_t n;

	if (id >= MAX_SITE_ID)
		return 0;	/* counted in t->site, just not per site */
	if (id >= t->nper_site) {
		n = id + 1 > 2 * t->nper_site ? id + 1 : 2 * t->nper_site;
		p = realloc(t->per_site, n * sizeof(*p));
		if (!p)
			return -ENOMEM;
		memset(p + t->nper_site, 0, (n - t->nper_site) * sizeof(*p));
		t->per_site = p;
		t->nper_site = n;
	}
	t->per_site[id]++;
	return 0;
}

static int count_task(struct ctl_tasks *t, const struct sf_tag *tag)
{
	switch (tag->kind) {
	case SF_TAG_SPAWNER:
		t->spawner++;
		break;
	case SF_TAG_PENDING:
		t->pending++;
		break;
	case SF_TAG_SITE:
		t->site++;
		return count_site(t, tag->site);
	case SF_TAG_LOADER:
		t->loader++;
		break;
	}
	return 0;
}

/* Every process in /proc; one that exits under the walk (ESRCH) is simply not counted. */
static int tasks_walk(int tags_fd, struct ctl_tasks *t)
{
	struct sf_tag tag;
	struct dirent *de;
	uint32_t pid;
	DIR *d;
	int err = 0;

	d = opendir("/proc");
	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		if (parse_u32(de->d_name, 1, INT_MAX, &pid))
			continue;
		err = task_tag(tags_fd, pid, &tag);
		if (err == -ESRCH) {
			err = 0;
			continue;
		}
		if (!err)
			err = count_task(t, &tag);
	}
	closedir(d);
	return err;
}

int ctl_tasks_count(const char *pin_dir, struct ctl_tasks *ret)
{
	struct ctl_tasks t = { 0 };
	int fd, err;

	err = map_open(pin_dir, "sf_tags", BPF_MAP_TYPE_TASK_STORAGE, 4, sizeof(struct sf_tag),
		       &fd);
	if (err)
		return err;
	err = tasks_walk(fd, &t);
	close(fd);
	if (err) {
		ctl_tasks_free(&t);
		return err;
	}
	*ret = t;
	return 0;
}

void ctl_tasks_free(struct ctl_tasks *t)
{
	free(t->per_site);
	memset(t, 0, sizeof(*t));
}

uint32_t ctl_tasks_of_site(const struct ctl_tasks *t, uint32_t id)
{
	return id < t->nper_site ? t->per_site[id] : 0;
}

int ctl_counters_open(const char *pin_dir, int *ret_fd)
{
	return map_open(pin_dir, "sf_counters", BPF_MAP_TYPE_ARRAY, 4, sizeof(struct sf_counters),
			ret_fd);
}

int ctl_counters_get(int fd, uint32_t id, struct sf_counters *ret)
{
	return bpf_map_lookup_elem(fd, &id, ret) ? -errno : 0;
}

const char *ctl_pins_strerror(int err)
{
	switch (err) {
	case -ENOENT:
		return "not pinned";
	case -EPROTO:
		return "pinned with another layout than this tool expects (another sitefence"
		       " version?)";
	case -ENODATA:
		return "no policy installed";
	case -EPERM:
	case -EACCES:
		return "permission denied (run as root)";
	default:
		return strerror(-err);
	}
}
