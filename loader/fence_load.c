// SPDX-License-Identifier: GPL-2.0
/* fence_load.c — load, probe, attach, pin and adopt the kernel fence; see fence_load.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "fence_load.h"
#include "fence.skel.h"

#define BPF_FS_MAGIC 0xcafe4a11

/*
 * The hook prototypes each program was written for. LSM programs read their arguments by
 * position, and hooks change between kernels (idmap arguments, added flags), so every program
 * is loaded only if the running kernel's prototype matches, and every hook must end up with one
 * program (unless optional): a kernel whose hooks are not understood gets no fence at all
 * rather than a partial one. Params: "*name" a pointer to struct/union name, "*" any pointer,
 * "s" anything passed by value; NULL: the program reads no argument.
 */
static const struct hook_spec {
	const char *prog;
	const char *hook;
	const char *params;
	bool optional;
} hook_specs[] = {
	{ "sf_file_open", "file_open", "*file", false },
	{ "sf_file_receive", "file_receive", "*file", false },
	{ "sf_bprm_check", "bprm_check_security", "*linux_binprm", false },
	{ "sf_bprm_creds", "bprm_creds_from_file", "*linux_binprm,*file", false },
	{ "sf_mmap_file", "mmap_file", "*file,s,s,s", false },
	{ "sf_file_mprotect", "file_mprotect", "*vm_area_struct,s,s", false },
	{ "sf_path_mknod", "path_mknod", "*path,*dentry,s,s", false },
	{ "sf_path_mkdir", "path_mkdir", "*path,*dentry,s", false },
	{ "sf_path_rmdir", "path_rmdir", "*path,*dentry", false },
	{ "sf_path_unlink", "path_unlink", "*path,*dentry", false },
	{ "sf_path_symlink", "path_symlink", "*path,*dentry,*", false },
	{ "sf_path_link", "path_link", "*dentry,*path,*dentry", false },
	{ "sf_path_rename", "path_rename", "*path,*dentry,*path,*dentry,s", false },
	{ "sf_path_truncate", "path_truncate", "*path", false },
	{ "sf_path_chmod", "path_chmod", "*path,s", false },
	{ "sf_path_chown", "path_chown", "*path,s,s", false },
	{ "sf_path_notify", "path_notify", "*path,s,s", false },
	{ "sf_inode_setattr", "inode_setattr", "*dentry,*iattr", false },
	{ "sf_inode_setattr_idmap", "inode_setattr", "*,*dentry,*iattr", false },
	{ "sf_inode_setxattr", "inode_setxattr", "*,*dentry,*,*,s,s", false },
	{ "sf_inode_removexattr", "inode_removexattr", "*,*dentry,*", false },
	{ "sf_inode_getxattr", "inode_getxattr", "*dentry,*", false },
	{ "sf_inode_listxattr", "inode_listxattr", "*dentry", false },
	{ "sf_inode_set_acl", "inode_set_acl", "*,*dentry,*,*posix_acl", true },
	{ "sf_inode_remove_acl", "inode_remove_acl", "*,*dentry,*", true },
	{ "sf_inode_permission", "inode_permission", "*inode,s", false },
	{ "sf_unix_stream_connect", "unix_stream_connect", "*sock,*sock,*sock", false },
	{ "sf_unix_may_send", "unix_may_send", "*socket,*socket", false },
	{ "sf_capable", "capable", "*cred,*user_namespace,s,s", false },
	{ "sf_task_fix_setuid", "task_fix_setuid", "*cred,*cred,s", false },
	{ "sf_task_fix_setgid", "task_fix_setgid", "*cred,*cred,s", false },
	{ "sf_task_fix_setgroups", "task_fix_setgroups", "*cred,*cred", false },
	{ "sf_ptrace_access_check", "ptrace_access_check", "*task_struct,s", false },
	{ "sf_task_kill", "task_kill", "*task_struct,*kernel_siginfo,s,*cred", false },
	{ "sf_bpf", "bpf", NULL, false },
	{ "sf_sb_mount", "sb_mount", "*,*path,*,s,*", false },
	{ "sf_sb_umount", "sb_umount", "*vfsmount,s", false },
	{ "sf_move_mount", "move_mount", "*path,*path", false },
	{ "sf_sb_pivotroot", "sb_pivotroot", "*path,*path", false },
	{ "sf_userns_create", "userns_create", "*cred", false },
	{ "sf_task_alloc", "task_alloc", "*task_struct,s", false },
	{ "sf_task_free", "task_free", "*task_struct", false },
};

#define NSPECS (sizeof(hook_specs) / sizeof(hook_specs[0]))

/* The shape of a BTF type as the specs write it: "s", "*" or "*name". */
static void param_shape(const struct btf *btf, __u32 id, char *buf, size_t len)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_typedef(t) || btf_is_mod(t)))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_ptr(t)) {
		snprintf(buf, len, "s");
		return;
	}
	t = btf__type_by_id(btf, t->type);
	while (t && (btf_is_typedef(t) || btf_is_mod(t)))
		t = btf__type_by_id(btf, t->type);
	if (t && (btf_is_struct(t) || btf_is_union(t)) && t->name_off)
		snprintf(buf, len, "*%s", btf__name_by_offset(btf, t->name_off));
	else
		snprintf(buf, len, "*");
}

/*
 * The kernel's prototype of hook as a spec string ("*file,s"); -ENOENT when the kernel has
 * no such hook.
 */
static int hook_params(const struct btf *btf, const char *hook, char *buf, size_t len)
{
	const struct btf_param *p;
	const struct btf_type *t;
	char fn[128], one[64];
	size_t used = 0;
	int id, i;

	snprintf(fn, sizeof(fn), "bpf_lsm_%s", hook);
	id = btf__find_by_name_kind(btf, fn, BTF_KIND_FUNC);
	if (id < 0)
		return -ENOENT;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	buf[0] = '\0';
	p = btf_params(t);
	for (i = 0; i < btf_vlen(t); i++) {
		param_shape(btf, p[i].type, one, sizeof(one));
		used += snprintf(buf + used, used < len ? len - used : 0, "%s%s", i ? "," : "", one);
	}
	return used < len ? 0 : -ENAMETOOLONG;
}

/* A spec's "*" matches any pointer; otherwise the shapes must be equal. */
static bool spec_matches(const char *spec, const char *kernel)
{
	while (*spec && *kernel) {
		size_t sl = strcspn(spec, ","), kl = strcspn(kernel, ",");

		if (!(sl == 1 && spec[0] == '*' && kernel[0] == '*') &&
		    (sl != kl || strncmp(spec, kernel, sl)))
			return false;
		spec += sl + !!spec[sl];
		kernel += kl + !!kernel[kl];
	}
	return !*spec && !*kernel;
}

/*
 * The access() hook is the one an admin may turn off (access_check off): it runs for every
 * path component of every lookup of every process, which costs every process, confined or not.
 */
static bool wanted(const struct hook_spec *s, const struct fence_opts *o)
{
	return o->access_check || strcmp(s->hook, "inode_permission");
}

/* Enable exactly the programs whose hooks match this kernel; report hooks left without one. */
static int choose_programs(struct fence_bpf *skel, const struct fence_opts *o,
			   struct sf_diag *diag)
{
	bool covered[NSPECS] = { false };
	struct btf *btf;
	char kparams[512];
	size_t i, j;
	int err;

	btf = btf__load_vmlinux_btf();
	if (!btf)
		return -errno;
	for (i = 0; i < NSPECS; i++) {
		const struct hook_spec *s = &hook_specs[i];
		struct bpf_program *prog;
		bool ok;

		prog = bpf_object__find_program_by_name(skel->obj, s->prog);
		if (!prog) {
			diag_error(diag, "fence", 0, "program %s missing from the object", s->prog);
			continue;
		}
		err = hook_params(btf, s->hook, kparams, sizeof(kparams));
		ok = !err && (!s->params || spec_matches(s->params, kparams));
		bpf_program__set_autoload(prog, ok && wanted(s, o));
		if (ok || !wanted(s, o))
			for (j = 0; j < NSPECS; j++)
				if (!strcmp(hook_specs[j].hook, s->hook))
					covered[j] = true;
	}
	for (i = 0; i < NSPECS; i++) {
		const struct hook_spec *s = &hook_specs[i];

		if (covered[i] || s->optional)
			continue;
		/* Report each hook once, with what the kernel has. */
		for (j = 0; j < i && strcmp(hook_specs[j].hook, s->hook); j++)
			;
		if (j < i)
			continue;
		if (hook_params(btf, s->hook, kparams, sizeof(kparams)))
			diag_error(diag, "fence", 0, "the kernel has no LSM hook %s", s->hook);
		else
			diag_error(diag, "fence", 0, "the kernel's LSM hook %s(%s) has a prototype"
				   " this sitefence does not know", s->hook, kparams);
	}
	btf__free(btf);
	return 0;
}

/*
 * A map pinned by an earlier sitefenced keeps its size; a changed size in the config takes
 * effect only after the pins are removed (a restart of the confined servers).
 */
static void match_pinned_size(struct bpf_map *map, const char *pin_dir, struct sf_diag *diag)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, bpf_map__name(map));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
	    info.max_entries != bpf_map__max_entries(map)) {
		diag_warn(diag, "fence", 0, "map %s is pinned with %u entries; keeping that size"
			  " (the configured %u needs the fence unloaded first)",
			  bpf_map__name(map), info.max_entries, bpf_map__max_entries(map));
		bpf_map__set_max_entries(map, info.max_entries);
	}
	close(fd);
}

static int prog_tag(int prog_fd, __u8 tag[BPF_TAG_SIZE])
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -errno;
	memcpy(tag, info.tag, BPF_TAG_SIZE);
	return 0;
}

/* The tag of the program behind a pinned link; -ENOENT when nothing is pinned there. */
static int pinned_link_tag(const char *path, __u8 tag[BPF_TAG_SIZE])
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd, pfd, err;

	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	err = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
	close(fd);
	if (err)
		return err;
	pfd = bpf_prog_get_fd_by_id(info.prog_id);
	if (pfd < 0)
		return -errno;
	err = prog_tag(pfd, tag);
	close(pfd);
	return err;
}

/*
 * Keep the pinned link when it runs the same program; otherwise attach the new program, pin it
 * beside the old link, and rename it over the old pin, which drops the old link only after the
 * new one is in force.
 */
static int attach_one(struct fence *f, struct bpf_program *prog, const char *pin_dir)
{
	__u8 old_tag[BPF_TAG_SIZE], new_tag[BPF_TAG_SIZE];
	char path[PATH_MAX], tmp[PATH_MAX];	/* bpffs allows no dots in names */
	struct bpf_link *link;
	bool had_pin;
	int err;

	snprintf(path, sizeof(path), "%s/link_%s", pin_dir, bpf_program__name(prog));
	snprintf(tmp, sizeof(tmp), "%s/new_link_%s", pin_dir, bpf_program__name(prog));
	err = prog_tag(bpf_program__fd(prog), new_tag);
	if (err)
		return err;
	had_pin = !pinned_link_tag(path, old_tag);
	if (had_pin && !memcmp(old_tag, new_tag, BPF_TAG_SIZE)) {
		f->adopted++;
		return 0;
	}
	link = bpf_program__attach_lsm(prog);
	if (!link)
		return -errno;
	unlink(tmp);
	err = bpf_link__pin(link, tmp);
	if (!err && rename(tmp, path))
		err = -errno;
	bpf_link__destroy(link);	/* the pin holds the link from here on */
	if (err) {
		unlink(tmp);
		return err;
	}
	if (had_pin)
		f->replaced++;
	else
		f->attached++;
	return 0;
}

/* Links pinned by an older sitefenced for programs this one no longer has. */
static void unpin_stale_links(struct fence_bpf *skel, const char *pin_dir)
{
	struct bpf_program *prog;
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < NSPECS; i++) {
		prog = bpf_object__find_program_by_name(skel->obj, hook_specs[i].prog);
		if (prog && bpf_program__autoload(prog))
			continue;
		snprintf(path, sizeof(path), "%s/link_%s", pin_dir, hook_specs[i].prog);
		unlink(path);
	}
}

static int ensure_bpffs(const char *pin_dir)
{
	char parent[PATH_MAX], *slash;
	struct statfs sfs;

	snprintf(parent, sizeof(parent), "%s", pin_dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	if (statfs(parent, &sfs))
		return -errno;
	if (sfs.f_type != BPF_FS_MAGIC &&
	    mount("bpf", parent, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700"))
		return -errno;
	if (mkdir(pin_dir, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

struct sf_meta_user {
	uint64_t object_hash;
	uint32_t programs;
	uint32_t pad;
};

/* The maps the daemon uses, by name, so that they can come from a skeleton or from pins. */
static const struct {
	const char *name;
	size_t offset;
} fence_maps[] = {
	{ "sf_policy", offsetof(struct fence, policy_fd) },
	{ "sf_config", offsetof(struct fence, config_fd) },
	{ "sf_counters", offsetof(struct fence, counters_fd) },
	{ "sf_stats", offsetof(struct fence, stats_fd) },
	{ "sf_events", offsetof(struct fence, events_fd) },
	{ "sf_spawners", offsetof(struct fence, spawners_fd) },
	{ "sf_tags", offsetof(struct fence, tags_fd) },
	{ "sf_tag_mirror", offsetof(struct fence, mirror_fd) },
	{ "sf_meta", offsetof(struct fence, meta_fd) },
};

#define NMAPS (sizeof(fence_maps) / sizeof(fence_maps[0]))

static int *map_fd_slot(struct fence *f, size_t i)
{
	return (int *)((char *)f + fence_maps[i].offset);
}

/* FNV-1a over the object this sitefenced carries and the choice of programs. */
static uint64_t object_hash(const struct fence_opts *o)
{
	const unsigned char *p;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t n, i;

	p = fence_bpf__elf_bytes(&n);
	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return (h ^ o->access_check) * 0x100000001b3ULL;
}

static int fence_fds(struct fence *f)
{
	size_t i;

	for (i = 0; i < NMAPS; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(f->skel->obj, fence_maps[i].name);

		*map_fd_slot(f, i) = m ? bpf_map__fd(m) : -1;
		if (*map_fd_slot(f, i) < 0)
			return -ENOENT;
	}
	return 0;
}

/*
 * The pins hold exactly this object, all its programs attached: take them as they are, with
 * no load and no verification (a restart of the daemon costs nothing and changes nothing).
 */
static int adopt_pins(struct fence *f, const struct fence_opts *o)
{
	struct sf_meta_user meta;
	char path[PATH_MAX];
	struct dirent *de;
	unsigned int links = 0;
	__u32 zero = 0;
	size_t i;
	DIR *d;

	for (i = 0; i < NMAPS; i++)
		*map_fd_slot(f, i) = -1;
	for (i = 0; i < NMAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", o->pin_dir, fence_maps[i].name);
		*map_fd_slot(f, i) = bpf_obj_get(path);
		if (*map_fd_slot(f, i) < 0)
			return -ENOENT;
	}
	if (bpf_map_lookup_elem(f->meta_fd, &zero, &meta) || meta.object_hash != object_hash(o))
		return -ESTALE;
	d = opendir(o->pin_dir);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		links += !strncmp(de->d_name, "link_", 5);
	closedir(d);
	if (links != meta.programs)
		return -ESTALE;
	f->adopted = links;
	return 0;
}

static void close_map_fds(struct fence *f)
{
	size_t i;

	for (i = 0; i < NMAPS; i++)
		if (*map_fd_slot(f, i) >= 0)
			close(*map_fd_slot(f, i));
}

static int write_meta(struct fence *f, const struct fence_opts *o)
{
	struct sf_meta_user meta = { object_hash(o), fence_programs(f), 0 };
	__u32 zero = 0;

	return bpf_map_update_elem(f->meta_fd, &zero, &meta, BPF_ANY) ? -errno : 0;
}

static int load(struct fence *f, const struct fence_opts *o, struct sf_diag *diag)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = o->pin_dir);
	struct fence_bpf *skel;
	struct bpf_map *map;
	int err;

	skel = fence_bpf__open_opts(&oo);
	if (!skel)
		return -errno;
	f->skel = skel;
	err = choose_programs(skel, o, diag);
	if (err)
		return err;
	if (diag->errors)
		return -ENOTSUP;
	bpf_map__set_max_entries(skel->maps.sf_tag_mirror, o->max_tasks);
	bpf_map__set_max_entries(skel->maps.sf_counters, o->max_sites);
	bpf_map__set_max_entries(skel->maps.sf_ratelimit, o->max_sites);
	bpf_map__set_max_entries(skel->maps.sf_events, o->ringbuf_size);
	bpf_object__for_each_map(map, skel->obj)
		if (bpf_map__pin_path(map))
			match_pinned_size(map, o->pin_dir, diag);
	err = fence_bpf__load(skel);
	if (err == -EPERM)
		diag_error(diag, "fence", 0, "the kernel refused to load the BPF LSM programs"
			   " (EPERM): is this a kernel, a container or a hypervisor that forbids"
			   " BPF LSM (lockdown, a sandbox)?");
	return err;
}

int fence_open(const struct fence_opts *o, struct fence **ret, struct sf_diag *diag)
{
	struct bpf_program *prog;
	struct fence *f;
	int err;

	err = ensure_bpffs(o->pin_dir);
	if (err) {
		diag_error(diag, o->pin_dir, 0, "cannot prepare the pin directory on bpffs: %s",
			   strerror(-err));
		return err;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	if (!adopt_pins(f, o)) {
		*ret = f;
		return 0;
	}
	close_map_fds(f);
	memset(f, 0, sizeof(*f));
	err = load(f, o, diag);
	if (err)
		goto out_close;
	bpf_object__for_each_program(prog, f->skel->obj) {
		if (!bpf_program__autoload(prog))
			continue;
		err = attach_one(f, prog, o->pin_dir);
		if (err) {
			diag_error(diag, "fence", 0, "cannot attach and pin %s: %s",
				   bpf_program__name(prog), strerror(-err));
			goto out_close;
		}
	}
	unpin_stale_links(f->skel, o->pin_dir);
	err = fence_fds(f);
	if (!err)
		err = write_meta(f, o);
	if (err) {
		diag_error(diag, "fence", 0, "cannot record the pinned fence: %s", strerror(-err));
		goto out_close;
	}
	*ret = f;
	return 0;
out_close:
	fence_close(f);
	return err;
}

unsigned int fence_programs(const struct fence *f)
{
	return f->attached + f->adopted + f->replaced;
}

void fence_close(struct fence *f)
{
	if (!f)
		return;
	if (f->skel)
		fence_bpf__destroy(f->skel);
	else
		close_map_fds(f);
	free(f);
}

int fence_unpin(const char *pin_dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	int err = 0;
	DIR *d;

	d = opendir(pin_dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, de->d_name);
		if (unlink(path) && !err)
			err = -errno;
	}
	closedir(d);
	if (rmdir(pin_dir) && !err)
		err = -errno;
	return err;
}
