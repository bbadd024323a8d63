/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h — a tiny test harness that prints TAP, for the host unit tests and the guest tests.
 *
 * Modelled on the kernel's test_progs.h: a test is a function that records failures through
 * ASSERT_* macros; each macro returns whether it held, so a test can stop early on what the rest
 * depends on, and each failure prints what was expected and what was seen. Tests are listed in a
 * table in each test program and run in order; the program prints one TAP line per test and
 * exits non-zero if any failed.
 */
#ifndef SF_TAP_H
#define SF_TAP_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct tap_test {
	const char *name;
	void (*fn)(void);
};

/* Set by the ASSERT macros; reset by tap_main for each test. */
extern int tap_failed;
extern const char *tap_skip_reason;

#define TAP_FAIL(fmt, ...)                                                                         \
	do {                                                                                       \
		tap_failed++;                                                                      \
		printf("#   %s:%d: " fmt "\n", __FILE__, __LINE__, ##__VA_ARGS__);                    \
	} while (0)

#define ASSERT_TRUE(cond, what)                                                                    \
	({                                                                                         \
		bool ___ok = (cond);                                                               \
		if (!___ok)                                                                        \
			TAP_FAIL("%s: expected true", what);                                       \
		___ok;                                                                             \
	})

#define ASSERT_FALSE(cond, what) ASSERT_TRUE(!(cond), what)

#define ASSERT_EQ(actual, expected, what)                                                          \
	({                                                                                         \
		long long ___a = (long long)(actual), ___e = (long long)(expected);                \
		bool ___ok = ___a == ___e;                                                         \
		if (!___ok)                                                                        \
			TAP_FAIL("%s: got %lld, expected %lld", what, ___a, ___e);                 \
		___ok;                                                                             \
	})

#define ASSERT_NEQ(actual, unexpected, what)                                                       \
	({                                                                                         \
		long long ___a = (long long)(actual), ___u = (long long)(unexpected);              \
		bool ___ok = ___a != ___u;                                                         \
		if (!___ok)                                                                        \
			TAP_FAIL("%s: got %lld, expected anything else", what, ___a);              \
		___ok;                                                                             \
	})

/* A system call result: expect success (>= 0); print errno otherwise. */
#define ASSERT_OK(ret, what)                                                                       \
	({                                                                                         \
		long long ___r = (long long)(ret);                                                 \
		int ___e = errno;                                                                  \
		bool ___ok = ___r >= 0;                                                            \
		if (!___ok)                                                                        \
			TAP_FAIL("%s: failed: %lld (%s)", what, ___r, strerror(___e));             \
		___ok;                                                                             \
	})

/* A system call that must fail with errno == err. */
#define ASSERT_ERRNO(ret, err, what)                                                               \
	({                                                                                         \
		long long ___r = (long long)(ret);                                                 \
		int ___e = errno;                                                                  \
		bool ___ok = ___r < 0 && ___e == (err);                                            \
		if (!___ok) {                                                                      \
			if (___r >= 0)                                                             \
				TAP_FAIL("%s: succeeded (%lld), expected %s", what, ___r,          \
					 strerror(err));                                           \
			else                                                                       \
				TAP_FAIL("%s: failed with %s, expected %s", what, strerror(___e),  \
					 strerror(err));                                           \
		}                                                                                  \
		___ok;                                                                             \
	})

#define ASSERT_STREQ(actual, expected, what)                                                       \
	({                                                                                         \
		const char *___a = (actual), *___e = (expected);                                   \
		bool ___ok = ___a && ___e && strcmp(___a, ___e) == 0;                              \
		if (!___ok)                                                                        \
			TAP_FAIL("%s: got \"%s\", expected \"%s\"", what, ___a ? ___a : "(null)",  \
				 ___e ? ___e : "(null)");                                          \
		___ok;                                                                             \
	})

#define ASSERT_PTR(ptr, what)                                                                      \
	({                                                                                         \
		const void *___p = (ptr);                                                          \
		if (!___p)                                                                         \
			TAP_FAIL("%s: got NULL", what);                                            \
		___p != NULL;                                                                      \
	})

/* Skip the current test with a reason (it counts as passed, as TAP says). */
#define TAP_SKIP(reason) (tap_skip_reason = (reason))

/*
 * Run the tests whose names contain filter (all when filter is NULL or empty); print TAP;
 * return the process exit status.
 */
int tap_main(const struct tap_test *tests, size_t n, const char *filter);

#define TAP_TESTS(...)                                                                             \
	static const struct tap_test tap_tests[] = { __VA_ARGS__ };                                \
	int main(int argc, char **argv)                                                            \
	{                                                                                          \
		return tap_main(tap_tests, sizeof(tap_tests) / sizeof(tap_tests[0]),               \
				argc > 1 ? argv[1] : getenv("TEST_FILTER"));                       \
	}

/*
 * The same with a fixture: setup() runs once before the tests (non-zero: every test is
 * reported as failed, with the reason setup printed), teardown() once after.
 */
int tap_main_fixture(const struct tap_test *tests, size_t n, const char *filter,
		     int (*setup)(void), void (*teardown)(void));

#define TAP_TESTS_FIXTURE(setup, teardown, ...)                                                    \
	static const struct tap_test tap_tests[] = { __VA_ARGS__ };                                \
	int main(int argc, char **argv)                                                            \
	{                                                                                          \
		return tap_main_fixture(tap_tests, sizeof(tap_tests) / sizeof(tap_tests[0]),       \
					argc > 1 ? argv[1] : getenv("TEST_FILTER"), setup,         \
					teardown);                                                 \
	}

#define TAP_TEST(fn) { #fn, fn }

#endif /* SF_TAP_H */
