// SPDX-License-Identifier: GPL-2.0
/* tap.c — the runner behind tap.h: one TAP line per test, a plan, an exit status. */
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"

int tap_failed;
const char *tap_skip_reason;

int tap_main(const struct tap_test *tests, size_t n, const char *filter)
{
	size_t i, planned = 0, num = 0;
	int failures = 0;

	/* Tests print through stdio; keep their lines in order with the TAP lines. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < n; i++)
		if (!filter || !*filter || strstr(tests[i].name, filter))
			planned++;
	printf("1..%zu\n", planned);
	for (i = 0; i < n; i++) {
		if (filter && *filter && !strstr(tests[i].name, filter))
			continue;
		num++;
		tap_failed = 0;
		tap_skip_reason = NULL;
		tests[i].fn();
		if (tap_failed) {
			printf("not ok %zu - %s\n", num, tests[i].name);
			failures++;
		} else if (tap_skip_reason) {
			printf("ok %zu - %s # SKIP %s\n", num, tests[i].name, tap_skip_reason);
		} else {
			printf("ok %zu - %s\n", num, tests[i].name);
		}
	}
	return failures ? 1 : 0;
}

int tap_main_fixture(const struct tap_test *tests, size_t n, const char *filter,
		     int (*setup)(void), void (*teardown)(void))
{
	size_t i, num = 0;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (setup()) {
		for (i = 0; i < n; i++)
			if (!filter || !*filter || strstr(tests[i].name, filter))
				num++;
		printf("1..%zu\n", num);
		for (i = 0, num = 0; i < n; i++)
			if (!filter || !*filter || strstr(tests[i].name, filter))
				printf("not ok %zu - %s # the fixture could not be set up\n", ++num,
				       tests[i].name);
		return 1;
	}
	ret = tap_main(tests, n, filter);
	teardown();
	return ret;
}
