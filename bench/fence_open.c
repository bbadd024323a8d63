// SPDX-License-Identifier: GPL-2.0
/*
 * fence_open.c — what the fence costs an open(): run in the test guest (bench/run-fence).
 *
 *  1. An unconfined process, open()+close() and access() of a file, with the fence's programs
 *     attached and detached in alternating rounds (the same programs, links created and
 *     closed), so both conditions share the machine's state of the moment.
 *  2. A confined worker, open()+close() of files 1, 4, 8 and 16 levels below its site root,
 *     against the same opens by an unconfined process in the same round.
 *
 * Prints medians over rounds and their ratios; guest (TCG) times are slow in absolute terms,
 * the ratios are what carry over to real hardware.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "fence.h"
#include "fixture.h"

#define ROUNDS	 7
#define DEPTHS	 4

static const int depths[DEPTHS] = { 1, 4, 8, 16 };
static long iters = 20000;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ns per open()+close() of path, over iters iterations. */
static double time_open(const char *path)
{
	double t0 = now_ns();
	long i;
	int fd;

	for (i = 0; i < iters; i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			perror(path);
			exit(1);
		}
		close(fd);
	}
	return (now_ns() - t0) / iters;
}

static double time_access(const char *path)
{
	double t0 = now_ns();
	long i;

	for (i = 0; i < iters; i++)
		if (access(path, R_OK)) {
			perror(path);
			exit(1);
		}
	return (now_ns() - t0) / iters;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* ---- attaching and detaching the pinned programs --------------------------------------------- */

#define MAX_PROGS 64

static int prog_fds[MAX_PROGS], link_fds[MAX_PROGS], nprogs;
static int access_prog = -1;	/* index of sf_inode_permission, the access() hook */

/*
 * Take the programs behind the pinned links, then remove the pins, which drops the links: the
 * bench then makes and closes links of its own. (The guest is thrown away afterwards.)
 */
static int take_programs(void)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(SF_PIN_DIR);

	if (!d)
		return -errno;
	while ((de = readdir(d)) && nprogs < MAX_PROGS) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		int lfd;

		if (strncmp(de->d_name, "link_", 5))
			continue;
		snprintf(path, sizeof(path), "%s/%s", SF_PIN_DIR, de->d_name);
		lfd = bpf_obj_get(path);
		if (lfd < 0 || bpf_obj_get_info_by_fd(lfd, &info, &len))
			return -errno;
		prog_fds[nprogs] = bpf_prog_get_fd_by_id(info.prog_id);
		if (prog_fds[nprogs] < 0)
			return -errno;
		if (!strcmp(de->d_name, "link_sf_inode_permission"))
			access_prog = nprogs;
		link_fds[nprogs++] = -1;
		close(lfd);
		if (unlink(path))
			return -errno;
	}
	closedir(d);
	return nprogs ? 0 : -ENOENT;
}

/* Attach every program, or every one but the access() hook. */
static int attach_all(bool with_access)
{
	int i;

	for (i = 0; i < nprogs; i++) {
		if (i == access_prog && !with_access)
			continue;
		link_fds[i] = bpf_link_create(prog_fds[i], 0, BPF_LSM_MAC, NULL);
		if (link_fds[i] < 0)
			return -errno;
	}
	return 0;
}

static void detach_all(void)
{
	int i;

	for (i = 0; i < nprogs; i++) {
		if (link_fds[i] >= 0)
			close(link_fds[i]);
		link_fds[i] = -1;
	}
}

/* ---- the measurements ---------------------------------------------------------------------- */

static char depth_path[DEPTHS][4096];

/* A file `depth` levels below a's root: root/l1/.../l(depth-1)/f, so the walk takes depth steps. */
static int make_depth_files(void)
{
	int i, j, n;

	for (i = 0; i < DEPTHS; i++) {
		n = snprintf(depth_path[i], sizeof(depth_path[i]), "%s/a", FX_ROOT);
		for (j = 1; j < depths[i]; j++) {
			n += snprintf(depth_path[i] + n, sizeof(depth_path[i]) - n, "/l%d", j);
			if (mkdir(depth_path[i], 0755) && errno != EEXIST)
				return -1;
		}
		snprintf(depth_path[i] + n, sizeof(depth_path[i]) - n, "/bench%d", depths[i]);
		if (fx_write(depth_path[i], "x\n", 0644, UID_A, UID_A))
			return -1;
	}
	return 0;
}

struct shared {
	double tagged[ROUNDS][DEPTHS];
};

static struct shared *shm;
static int cur_round;

static int measure_tagged(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < DEPTHS; i++)
		shm->tagged[cur_round][i] = time_open(depth_path[i]);
	return 0;
}

int main(int argc, char **argv)
{
	double off[ROUNDS], on[ROUNDS], acc_off[ROUNDS], acc_on[ROUNDS], noacc[ROUNDS];
	double untagged[ROUNDS][DEPTHS], col[ROUNDS];
	const char *file = FX_ROOT "/a/index.php";
	int r, i;

	if (argc > 1)
		iters = strtol(argv[1], NULL, 10);
	setvbuf(stdout, NULL, _IOLBF, 0);
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED || fx_setup() || make_depth_files()) {
		fprintf(stderr, "bench: setup failed\n");
		return 1;
	}
	if (take_programs()) {
		perror("bench: cannot take over the fence's programs");
		return 1;
	}
	printf("fence_open: %d programs, %ld iterations per measurement, %d rounds\n", nprogs,
	       iters, ROUNDS);
	for (r = 0; r < ROUNDS; r++) {
		detach_all();
		off[r] = time_open(file);
		acc_off[r] = time_access(file);
		if (attach_all(false)) {
			perror("attach");
			return 1;
		}
		noacc[r] = time_open(file);
		detach_all();
		if (attach_all(true)) {
			perror("attach");
			return 1;
		}
		on[r] = time_open(file);
		acc_on[r] = time_access(file);
		cur_round = r;
		for (i = 0; i < DEPTHS; i++)
			untagged[r][i] = time_open(depth_path[i]);
		if (fx_run("a.test", UID_A, UID_A, measure_tagged, NULL)) {
			fprintf(stderr, "bench: the tagged worker failed\n");
			return 1;
		}
	}
	printf("\nunconfined process, fence detached vs attached (median ns per call):\n");
	printf("  %-22s %10s %10s %8s\n", "", "detached", "attached", "ratio");
	printf("  %-22s %10.0f %10.0f %8.3f\n", "open()+close()", median(off, ROUNDS),
	       median(on, ROUNDS), median(on, ROUNDS) / median(off, ROUNDS));
	printf("  %-22s %10.0f %10.0f %8.3f\n", "access()", median(acc_off, ROUNDS),
	       median(acc_on, ROUNDS), median(acc_on, ROUNDS) / median(acc_off, ROUNDS));
	printf("  %-22s %10.0f %10.0f %8.3f   (all programs but the access() hook)\n",
	       "open()+close()", median(off, ROUNDS), median(noacc, ROUNDS),
	       median(noacc, ROUNDS) / median(off, ROUNDS));
	printf("\nconfined worker vs unconfined process, fence attached (median ns per open):\n");
	printf("  %-22s %10s %10s %10s %8s\n", "depth below site root", "unconfined", "confined",
	       "added", "ratio");
	for (i = 0; i < DEPTHS; i++) {
		double u, t;

		for (r = 0; r < ROUNDS; r++)
			col[r] = untagged[r][i];
		u = median(col, ROUNDS);
		for (r = 0; r < ROUNDS; r++)
			col[r] = shm->tagged[r][i];
		t = median(col, ROUNDS);
		printf("  %-22d %10.0f %10.0f %10.0f %8.3f\n", depths[i], u, t, t - u, t / u);
	}
	detach_all();
	return 0;
}
