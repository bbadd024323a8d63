// SPDX-License-Identifier: GPL-2.0
/*
 * sitefenced — the sitefence daemon. Started at boot before Apache: it checks that the kernel
 * runs BPF LSM, loads and pins the fence (or adopts the one already pinned), installs the
 * policy from /etc/sitefence/sitefenced.conf and the site tables servers register over the
 * control socket, and drains denial records into the audit log.
 *
 * The fence does not depend on this process: its programs and maps are pinned, so killing or
 * restarting sitefenced leaves enforcement as it was. The daemon only changes policy.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "daemon.h"
#include "kernel.h"
#include "log.h"

struct sf_config_user {
	uint64_t token_dev;
	uint32_t debug;
	uint32_t pad;
};

struct opts {
	const char *conf_path;
	bool conf_explicit;
	bool check_only;
	bool dump;
	bool unload;
	bool debug;
	const char *pin_dir;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: sitefenced [-n] [-f FILE] [--dump-config] [--unload] [-d] [-h] [-V]\n"
		"\n"
		"The sitefence daemon: loads the kernel fence, owns its policy, writes the audit log.\n"
		"\n"
		"  -f, --config FILE  configuration (default %s)\n"
		"  -n, --check        check the configuration, print \"configuration OK\" or each\n"
		"                     error as file:line: message, and exit\n"
		"      --dump-config  print the effective configuration and exit\n"
		"      --unload       detach the fence and remove its pins, then exit (confined\n"
		"                     processes become unconfined: for uninstalling)\n"
		"      --pin-dir DIR  where the fence is pinned (default %s; tests only)\n"
		"  -d, --debug        log more\n"
		"  -h, --help         this help\n"
		"  -V, --version      print the version\n"
		"\n"
		"Exit status: 0 success, 1 error (configuration, kernel, runtime), 2 usage.\n"
		"\n"
		"Examples:\n"
		"  sitefenced -n                      # is the configuration valid?\n"
		"  sitefenced -n -f /tmp/new.conf     # check a candidate before installing it\n"
		"  systemctl reload sitefence         # apply a changed configuration (SIGHUP)\n",
		SF_CONF_PATH, SF_PIN_DIR);
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'n' },
		{ "dump-config", no_argument, NULL, 'D' },
		{ "unload", no_argument, NULL, 'U' },
		{ "pin-dir", required_argument, NULL, 'P' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->conf_path = SF_CONF_PATH;
	o->pin_dir = SF_PIN_DIR;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:ndhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->conf_path = optarg;
			o->conf_explicit = true;
			break;
		case 'n':
			o->check_only = true;
			break;
		case 'D':
			o->dump = true;
			break;
		case 'U':
			o->unload = true;
			break;
		case 'P':
			o->pin_dir = optarg;
			break;
		case 'd':
			o->debug = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("sitefenced %s\n", SF_VERSION);
			exit(0);
		case ':':
			fprintf(stderr, "sitefenced: option %s needs a value (see -h)\n",
				argv[optind - 1]);
			return -EINVAL;
		default:
			fprintf(stderr, "sitefenced: unknown option %s (see -h)\n", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sitefenced: unexpected argument '%s' (see -h)\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static int check_config(const struct opts *o)
{
	struct sf_diag diag = { 0 };
	struct sf_conf conf;
	int err;

	err = conf_load(o->conf_path, o->conf_explicit, &conf, &diag);
	fputs(diag_text(&diag), stderr);
	diag_free(&diag);
	if (err)
		return 1;
	if (o->dump)
		conf_dump(&conf, stdout);
	else
		printf("configuration OK\n");
	conf_free(&conf);
	return 0;
}

/* Site ids of every registered site, for the token files. */
static int all_site_ids(struct daemon *d, const struct sf_owner *owners, size_t n,
			uint32_t **ret, size_t *ret_n)
{
	size_t i, j, k = 0, total = 0;
	uint32_t *ids;
	int err;

	for (i = 0; i < n; i++)
		total += owners[i].tab.n;
	ids = malloc((total ? total : 1) * sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		for (j = 0; j < owners[i].tab.n; j++) {
			err = state_site_id(&d->state, owners[i].tab.sites[j].name,
					    d->conf.max_sites, &ids[k]);
			if (err == -ENOSPC)
				continue;
			if (err) {
				free(ids);
				return err;
			}
			k++;
		}
	}
	*ret = ids;
	*ret_n = k;
	return 0;
}

static char *owner_ids(struct daemon *d, const char *owner)
{
	char *buf = NULL;
	size_t len = 0, i, j;
	uint32_t id;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	for (i = 0; i < d->state.nowners; i++) {
		if (strcmp(d->state.owners[i].name, owner))
			continue;
		for (j = 0; j < d->state.owners[i].tab.n; j++) {
			const char *name = d->state.owners[i].tab.sites[j].name;

			if (!state_site_id(&d->state, name, d->conf.max_sites, &id))
				fprintf(f, "site %s %u\n", name, id);
		}
	}
	fclose(f);
	return buf;
}

int daemon_update(struct daemon *d, const struct sf_conf *conf, const char *owner,
		  char *owner_text, struct sf_sitetab *tab, struct sf_diag *diag, char **ret_ids)
{
	struct sf_owner *owners = d->state.owners;
	size_t nowners = d->state.nowners, nids;
	struct policy_in in;
	struct policy p;
	uint32_t *ids = NULL;
	int err;

	if (owner) {
		err = state_with_owner(&d->state, owner, tab, &owners, &nowners);
		if (err)
			return err;
	}
	err = all_site_ids(d, owners, nowners, &ids, &nids);
	if (!err)
		err = tokens_sync_sites(&d->tokens, ids, nids, false);
	in = (struct policy_in){ conf, owners, nowners, &d->state, &d->tokens,
				 d->policy.generation + 1 };
	if (!err)
		err = policy_build(&in, &p, diag);
	if (!err) {
		err = policy_apply(d->fence->policy_fd, &p);
		if (err) {
			diag_error(diag, "sitefenced", 0, "cannot install the policy: %s",
				   strerror(-err));
			policy_free(&p);
		}
	}
	if (owners != d->state.owners)
		free(owners);
	if (err) {
		/* Tokens made for the candidate go again; the installed policy keeps its own. */
		free(ids);
		if (!all_site_ids(d, d->state.owners, d->state.nowners, &ids, &nids))
			tokens_sync_sites(&d->tokens, ids, nids, true);
		free(ids);
		return err;
	}
	/* Installed: from here on the daemon's view follows the kernel's. */
	policy_free(&d->policy);
	d->policy = p;
	if (owner)
		err = state_set_owner(&d->state, owner, owner_text, tab);
	if (!err)
		err = state_save(&d->state);
	if (err)
		diag_warn(diag, "sitefenced", 0, "cannot save the state under %s: %s",
			  d->state.run_dir, strerror(-err));
	tokens_sync_sites(&d->tokens, ids, nids, true);
	free(ids);
	if (ret_ids && owner)
		*ret_ids = owner_ids(d, owner);
	audit_daemon(&d->audit, "policy", "generation %llu: %zu sites, %zu roots%s%s",
		     (unsigned long long)d->policy.generation, d->policy.nsites, d->policy.nroots,
		     owner ? ", site table of " : "", owner ? owner : "");
	return 0;
}

/* Settings that only a restart can change (they size maps or name fixed places). */
static void warn_restart_keys(const struct sf_conf *a, const struct sf_conf *b,
			      struct sf_diag *diag)
{
	if (strcmp(a->control_socket, b->control_socket) || strcmp(a->run_dir, b->run_dir) ||
	    a->max_tasks != b->max_tasks || a->max_sites != b->max_sites ||
	    a->ringbuf_size != b->ringbuf_size || a->access_check != b->access_check)
		diag_warn(diag, "sitefenced", 0, "control_socket, run_dir, max_tasks, max_sites,"
			  " ringbuf_size and access_check change only when sitefenced restarts");
}

int daemon_reload(struct daemon *d, struct sf_diag *diag)
{
	struct sf_conf conf;
	int err;

	err = conf_load(d->conf_path, d->conf_must_exist, &conf, diag);
	if (err)
		return err;
	warn_restart_keys(&d->conf, &conf, diag);
	/* Keep the settings that are fixed until restart; take the policy ones. */
	conf.max_sites = d->conf.max_sites;
	err = daemon_update(d, &conf, NULL, NULL, NULL, diag, NULL);
	if (err) {
		conf_free(&conf);
		return err;
	}
	if (strcmp(conf.audit_log, d->conf.audit_log)) {
		free(d->audit.path);
		d->audit.path = strdup(conf.audit_log);
		audit_reopen(&d->audit);
	}
	conf_free(&d->conf);
	d->conf = conf;
	return 0;
}

static int set_token_dev(struct daemon *d)
{
	struct sf_config_user c;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(d->fence->config_fd, &zero, &c))
		return -errno;
	c.token_dev = d->tokens.dev;
	if (bpf_map_update_elem(d->fence->config_fd, &zero, &c, BPF_ANY))
		return -errno;
	return 0;
}

/* Mark this process LOADER: the kernel then knows the daemon (its children stay untagged). */
static void tag_self(struct daemon *d)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/loader", d->tokens.dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		warn_r(-errno, "cannot take the loader tag");
	else
		close(fd);
}

/* Tell systemd (Type=notify) that the fence and the socket are ready. */
static void notify_ready(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = getenv("NOTIFY_SOCKET");
	socklen_t len;
	int fd;

	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, path);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
	close(fd);
}

static int lock_instance(const char *run_dir)
{
	char path[4096];
	int fd;

	if (mkdir(run_dir, 0755) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/sitefenced.lock", run_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return -EALREADY;
	}
	return fd;
}

/* Everything from the config to a serving daemon; on failure the reason was logged. */
static int start(struct daemon *d, const struct opts *o)
{
	struct fence_opts fo = { .pin_dir = o->pin_dir };
	struct sf_diag diag = { 0 };
	struct rlimit rl = { 1 << 20, 1 << 20 };
	char why[1024];
	int err;

	err = conf_load(d->conf_path, d->conf_must_exist, &d->conf, &diag);
	fputs(diag_text(&diag), stderr);
	diag_free(&diag);
	if (err)
		return err;
	err = sf_kernel_check(why, sizeof(why), true);
	if (err) {
		error("%s", why);
		return err;
	}
	err = lock_instance(d->conf.run_dir);
	if (err < 0) {
		error_r(err, "cannot lock %s/sitefenced.lock%s", d->conf.run_dir,
			err == -EALREADY ? " (another sitefenced is running)" : "");
		return err;
	}
	/* Every root is pinned by a descriptor; thousands of sites need many. */
	if (setrlimit(RLIMIT_NOFILE, &rl))
		warn_r(-errno, "cannot raise the descriptor limit");
	err = state_load(d->conf.run_dir, &d->state, &diag);
	if (!err)
		err = tokens_open(d->conf.run_dir, &d->tokens);
	fputs(diag_text(&diag), stderr);
	diag_free(&diag);
	if (err) {
		error_r(err, "cannot prepare %s", d->conf.run_dir);
		return err;
	}
	fo.max_tasks = d->conf.max_tasks;
	fo.max_sites = d->conf.max_sites;
	fo.ringbuf_size = d->conf.ringbuf_size;
	fo.access_check = d->conf.access_check;
	err = fence_open(&fo, &d->fence, &diag);
	fputs(diag_text(&diag), stderr);
	diag_free(&diag);
	if (err) {
		error_r(err, "cannot load the fence");
		return err;
	}
	info("fence in force: %u programs attached, %u kept from before, %u replaced",
	     d->fence->attached, d->fence->adopted, d->fence->replaced);
	err = set_token_dev(d);
	if (err) {
		error_r(err, "cannot configure the fence");
		return err;
	}
	err = audit_open(&d->audit, d->conf.audit_log, d->fence->events_fd, d->fence->stats_fd,
			 &d->state);
	if (err) {
		error_r(err, "cannot open the audit log %s", d->conf.audit_log);
		return err;
	}
	d->policy.generation = policy_current_generation(d->fence->policy_fd);
	err = daemon_update(d, &d->conf, NULL, NULL, NULL, &diag, NULL);
	fputs(diag_text(&diag), stderr);
	diag_free(&diag);
	if (err) {
		error_r(err, "cannot install the policy");
		return err;
	}
	tag_self(d);
	return 0;
}

static int setup_events(struct daemon *d, int *ret_sigfd, int *ret_timerfd)
{
	struct itimerspec its = { { 1, 0 }, { 1, 0 } };
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t mask;
	int fd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0)
		return -errno;
	fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	ev.data.fd = fd;
	if (fd < 0 || epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	*ret_sigfd = fd;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	ev.data.fd = fd;
	if (fd < 0 || timerfd_settime(fd, 0, &its, NULL) || epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	*ret_timerfd = fd;
	ev.data.fd = audit_fd(&d->audit);
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev))
		return -errno;
	return 0;
}

/* A signal: true when the daemon should exit. */
static bool on_signal(struct daemon *d, int sigfd)
{
	struct signalfd_siginfo si;
	struct sf_diag diag = { 0 };

	while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			if (audit_reopen(&d->audit))
				warn_r(-errno, "cannot reopen %s", d->audit.path);
			if (daemon_reload(d, &diag))
				error("reload refused, the running policy stays:\n%s",
				      diag_text(&diag));
			else
				info("configuration reloaded (policy generation %llu)",
				     (unsigned long long)d->policy.generation);
			audit_daemon(&d->audit, "reload", "%s", diag.errors ? "refused" : "applied");
			diag_free(&diag);
			break;
		case SIGUSR1:
			if (audit_reopen(&d->audit))
				warn_r(-errno, "cannot reopen %s", d->audit.path);
			break;
		default:
			return true;
		}
	}
	return false;
}

static int serve(struct daemon *d)
{
	struct epoll_event evs[32];
	int sigfd = -1, timerfd = -1, n, i, err;
	uint64_t ticks;

	err = setup_events(d, &sigfd, &timerfd);
	if (!err)
		err = control_listen(d);
	if (err) {
		error_r(err, "cannot set up the event loop or %s", d->conf.control_socket);
		return err;
	}
	audit_daemon(&d->audit, "start", "sitefenced %s, policy generation %llu", SF_VERSION,
		     (unsigned long long)d->policy.generation);
	notify_ready();
	info("ready: %zu sites, control socket %s", d->policy.nsites, d->conf.control_socket);
	for (;;) {
		n = epoll_wait(d->epfd, evs, 32, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == sigfd) {
				if (on_signal(d, sigfd))
					goto out;
			} else if (fd == timerfd) {
				if (read(timerfd, &ticks, sizeof(ticks)) < 0)
					continue;
				audit_drain(&d->audit);
				control_tick(d);
			} else if (fd == audit_fd(&d->audit)) {
				audit_drain(&d->audit);
			} else {
				control_event(d, fd, evs[i].events);
			}
		}
	}
out:
	audit_drain(&d->audit);
	audit_daemon(&d->audit, "stop", "sitefenced stops; the fence stays in force");
	return 0;
}

int main(int argc, char **argv)
{
	struct daemon d = { .listen_fd = -1, .epfd = -1 };
	struct opts o = { 0 };
	int err;

	log_init("sitefenced", LOG_LVL_INFO);
	if (parse_args(argc, argv, &o))
		return 2;
	if (o.debug)
		log_set_level(LOG_LVL_DEBUG);
	if (o.check_only || o.dump)
		return check_config(&o);
	if (geteuid() != 0) {
		error("must run as root");
		return 1;
	}
	if (o.unload) {
		err = fence_unpin(o.pin_dir);
		if (err)
			error_r(err, "cannot remove %s", o.pin_dir);
		else
			info("fence unloaded: every process is unconfined now");
		return err ? 1 : 0;
	}
	d.conf_path = (char *)o.conf_path;
	d.pin_dir = o.pin_dir;
	d.conf_must_exist = o.conf_explicit;
	d.started = time(NULL);
	err = start(&d, &o);
	if (!err)
		err = serve(&d);
	control_close(&d);
	return err ? 1 : 0;
}
