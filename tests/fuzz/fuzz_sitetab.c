// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_sitetab.c — libFuzzer target for lib/sitetab.c, the parser of the site table that a
 * server's MPM sends sitefenced (SET_SITES) and that sitefencectl reads back from the state
 * files. A table is accepted whole or refused whole: checked here are that a refusal leaves no
 * site behind and says why, and that every accepted site and root passes the same name and
 * path checks the daemon applies when it builds the policy from them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sitetab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sf_sitetab tab = { 0 };
	struct sf_diag diag = { 0 };
	struct sf_site_spec *s;
	char *text = malloc(len + 1);
	size_t i, j;
	int err;

	if (!text)
		abort();
	memcpy(text, data, len);
	text[len] = '\0';
	err = sitetab_parse(text, "fuzz", &tab, &diag);
	if (err && (tab.n || (err == -EINVAL && !*diag_text(&diag))))
		abort();
	for (i = 0; !err && i < tab.n; i++) {
		s = &tab.sites[i];
		if (!sf_site_name_ok(s->name) || s->ngroups > SF_MAX_GROUPS ||
		    sitetab_find(&tab, s->name) != s || s->nroots > SITETAB_MAX_ROOTS)
			abort();
		for (j = 0; j < s->nroots; j++)
			if (!sf_path_ok(s->roots[j].path))
				abort();
	}
	sitetab_free(&tab);
	diag_free(&diag);
	free(text);
	return 0;
}
