// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_conf.c — libFuzzer target for loader/config.c, sitefenced.conf's parser. The input goes
 * through a memfd opened by its /proc path, as the daemon opens its file; a refused file must
 * say why, an accepted one must dump (what --dump-config prints) without trouble.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static FILE *sink;
	struct sf_diag diag = { 0 };
	struct sf_conf conf;
	char path[64];
	int fd, err;

	if (!sink && !(sink = fopen("/dev/null", "w")))
		abort();
	fd = memfd_create("sitefenced.conf", MFD_CLOEXEC);
	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(&conf, 0, sizeof(conf));
	err = conf_load(path, true, &conf, &diag);
	if (!err)
		conf_dump(&conf, sink);
	else if (err == -EINVAL && !*diag_text(&diag))
		abort();
	conf_free(&conf);
	diag_free(&diag);
	close(fd);
	return 0;
}
