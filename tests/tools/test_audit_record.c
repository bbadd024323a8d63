// SPDX-License-Identifier: GPL-2.0
/*
 * test_audit_record.c — unit tests of sitefence-audit's record layer: log and command-line
 * time parsing (tools/audit_time.c), decoding log lines into records with their required and
 * typed keys (tools/audit_record.c), and the record filter. Runs on the host.
 */
#include <stdlib.h>

#include "audit_record.h"
#include "audit_time.h"
#include "tap.h"

static struct json_object obj;
static struct audit_record rec;

/* Parse and decode line into rec. */
static int decode(const char *line)
{
	int err = json_parse_object(line, strlen(line), &obj);

	return err ? err : audit_record_decode(&obj, &rec);
}

static void test_log_time_parses_rfc3339_utc(void)
{
	int64_t t;

	if (ASSERT_EQ(audit_time_parse_log("1970-01-01T00:00:00Z", &t), 0, "epoch"))
		ASSERT_EQ(t, 0, "epoch value");
	if (ASSERT_EQ(audit_time_parse_log("2026-11-27T12:34:56.123456Z", &t), 0, "log form"))
		ASSERT_EQ(t, 1795782896123456LL, "log form value");
	if (ASSERT_EQ(audit_time_parse_log("2026-11-27T13:34:56.1+01:00", &t), 0, "offset"))
		ASSERT_EQ(t, 1795782896100000LL, "offset value");
	if (ASSERT_EQ(audit_time_parse_log("2024-02-29T00:00:00.123456789Z", &t), 0, "leap day"))
		ASSERT_EQ(t, 1709164800123456LL, "nanoseconds dropped");
	if (ASSERT_EQ(audit_time_parse_log("1969-12-31T23:59:59.5Z", &t), 0, "before 1970"))
		ASSERT_EQ(t, -500000, "negative value");
}

static void test_log_time_refuses_other_forms(void)
{
	static const char *const bad[] = {
		"2026-11-27",		   "2026-11-27T12:34Z",	     "2026-11-27T12:34:56",
		"2026-11-27 12:34:56Z",	   "2026-13-01T00:00:00Z",   "2026-02-29T00:00:00Z",
		"2026-11-27T24:00:00Z",	   "2026-11-27T12:60:00Z",   "2026-11-27T12:34:56.Z",
		"2026-11-27T12:34:56+0100", "2026-11-27T12:34:56Zx", "26-11-27T12:34:56Z",
		"",
	};
	size_t i;
	int64_t t;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_EQ(audit_time_parse_log(bad[i], &t), -EINVAL, bad[i]);
}

static void test_arg_time_forms(void)
{
	const int64_t now = 1795782896000000LL; /* 2026-11-27T12:34:56Z */
	int64_t t;

	if (ASSERT_EQ(audit_time_parse_arg("2026-11-27", now, &t), 0, "date"))
		ASSERT_EQ(t, 1795737600000000LL, "date is midnight UTC");
	if (ASSERT_EQ(audit_time_parse_arg("2026-11-27 12:34", now, &t), 0, "date and HH:MM"))
		ASSERT_EQ(t, 1795782840000000LL, "HH:MM value");
	if (ASSERT_EQ(audit_time_parse_arg("2026-11-27 12:34:56", now, &t), 0, "with seconds"))
		ASSERT_EQ(t, now, "HH:MM:SS value");
	if (ASSERT_EQ(audit_time_parse_arg("2026-11-27T12:34:56Z", now, &t), 0, "rfc3339"))
		ASSERT_EQ(t, now, "rfc3339 value");
	if (ASSERT_EQ(audit_time_parse_arg("2026-11-27 13:34:56+01:00", now, &t), 0, "zone"))
		ASSERT_EQ(t, now, "zone value");
	if (ASSERT_EQ(audit_time_parse_arg("10m", now, &t), 0, "10m"))
		ASSERT_EQ(t, now - 600000000LL, "10 minutes ago");
	if (ASSERT_EQ(audit_time_parse_arg("3d", now, &t), 0, "3d"))
		ASSERT_EQ(t, now - 3 * 86400000000LL, "3 days ago");
	ASSERT_EQ(audit_time_parse_arg("yesterday", now, &t), -EINVAL, "word");
	ASSERT_EQ(audit_time_parse_arg("10w", now, &t), -EINVAL, "unknown unit");
	ASSERT_EQ(audit_time_parse_arg("-10m", now, &t), -EINVAL, "negative age");
	ASSERT_EQ(audit_time_parse_arg("2026-11-27 12", now, &t), -EINVAL, "hour alone");
	ASSERT_EQ(audit_time_parse_arg("99999999999999999999d", now, &t), -ERANGE, "huge age");
	ASSERT_EQ(audit_time_parse_arg("40000d", now, &t), -ERANGE, "age over a century");
}

static void test_time_format_round_trips(void)
{
	char buf[AUDIT_TIME_BUF];
	int64_t t;

	audit_time_format(1795782896123456LL, AUDIT_TIME_RFC3339, buf, sizeof(buf));
	ASSERT_STREQ(buf, "2026-11-27T12:34:56.123456Z", "rfc3339");
	audit_time_format(1795782896123456LL, AUDIT_TIME_HUMAN, buf, sizeof(buf));
	ASSERT_STREQ(buf, "2026-11-27 12:34:56", "human");
	audit_time_format(1795782896123456LL, AUDIT_TIME_DATE, buf, sizeof(buf));
	ASSERT_STREQ(buf, "2026-11-27", "date");
	audit_time_format(-500000, AUDIT_TIME_RFC3339, buf, sizeof(buf));
	ASSERT_STREQ(buf, "1969-12-31T23:59:59.500000Z", "before 1970");
	if (ASSERT_EQ(audit_time_parse_log(buf, &t), 0, "parse back"))
		ASSERT_EQ(t, -500000, "same value");
}

static void test_decodes_access_record(void)
{
	int err = decode("{\"time\":\"2026-11-27T12:34:56.123456Z\",\"type\":\"access\","
			 "\"verdict\":\"audit\",\"site\":\"shop.example\",\"site_id\":7,"
			 "\"tag\":\"site\",\"op\":\"open\",\"access\":\"rw\",\"path\":\"/srv/x\","
			 "\"path_partial\":false,\"dev\":\"8:1\",\"ino\":18446744073709551615,"
			 "\"pid\":4242,\"tgid\":4240,\"uid\":1001,\"gid\":1001,\"comm\":\"php\","
			 "\"errno\":\"EACCES\",\"suppressed\":2,\"vhost\":\"shop.example\","
			 "\"client\":\"203.0.113.7:51234\",\"request\":\"GET /x\",\"future\":[1]}");

	if (!ASSERT_EQ(err, 0, "decode"))
		return;
	ASSERT_EQ(rec.type, AUDIT_ACCESS, "type");
	ASSERT_EQ(rec.verdict, VERDICT_AUDIT, "verdict");
	ASSERT_EQ(rec.time_us, 1795782896123456LL, "time");
	ASSERT_STREQ(rec.site, "shop.example", "site");
	ASSERT_STREQ(rec.op, "open", "op");
	ASSERT_STREQ(rec.access, "rw", "access");
	ASSERT_STREQ(rec.path, "/srv/x", "path");
	ASSERT_FALSE(rec.path_partial, "path_partial");
	ASSERT_TRUE(rec.num[NUM_INO] == UINT64_MAX, "ino up to 2^64-1");
	ASSERT_EQ(rec.num[NUM_PID], 4242, "pid");
	ASSERT_EQ(rec.num[NUM_TGID], 4240, "tgid");
	ASSERT_EQ(rec.num[NUM_UID], 1001, "uid");
	ASSERT_EQ(rec.num[NUM_SUPPRESSED], 2, "suppressed");
	ASSERT_TRUE(audit_has(&rec, NUM_SITE_ID), "site_id present");
	ASSERT_FALSE(audit_has(&rec, NUM_TARGET_UID), "target_uid absent");
	ASSERT_STREQ(rec.request, "GET /x", "request");
}

static void test_decodes_lost_and_daemon_records(void)
{
	if (ASSERT_EQ(decode("{\"time\":\"2026-11-27T12:00:00Z\",\"type\":\"lost\",\"count\":42}"),
		      0, "lost")) {
		ASSERT_EQ(rec.type, AUDIT_LOST, "lost type");
		ASSERT_EQ(rec.num[NUM_COUNT], 42, "count");
	}
	if (ASSERT_EQ(decode("{\"time\":\"2026-11-27T12:00:00Z\",\"type\":\"daemon\","
			     "\"event\":\"reload\",\"message\":\"ok\"}"),
		      0, "daemon")) {
		ASSERT_EQ(rec.type, AUDIT_DAEMON, "daemon type");
		ASSERT_STREQ(rec.event, "reload", "event");
	}
}

static void test_null_site_and_optional_nulls_are_absent(void)
{
	if (!ASSERT_EQ(decode("{\"time\":\"2026-11-27T12:00:00Z\",\"type\":\"access\","
			      "\"verdict\":\"deny\",\"op\":\"capable\",\"site\":null,\"pid\":null,"
			      "\"cap\":\"CAP_SYS_ADMIN\"}"),
		       0, "decode"))
		return;
	ASSERT_TRUE(rec.site == NULL, "site null");
	ASSERT_FALSE(audit_has(&rec, NUM_PID), "pid null");
	ASSERT_EQ(rec.verdict, VERDICT_DENY, "verdict");
}

static void test_unknown_type_is_enomsg(void)
{
	ASSERT_EQ(decode("{\"time\":\"2026-11-27T12:00:00Z\",\"type\":\"heartbeat\"}"), -ENOMSG,
		  "unknown type");
}

/* The start of a denied open record; tests add keys and the closing brace. */
#define OPEN_DENIED                                                                                \
	"{\"time\":\"2026-11-27T12:00:00Z\",\"type\":\"access\",\"verdict\":\"deny\",\"op\":\"open\""

static void test_invalid_records_are_ebadmsg(void)
{
	static const char *const bad[] = {
		/* required keys missing */
		"{\"type\":\"access\",\"verdict\":\"deny\",\"op\":\"open\"}",
		"{\"time\":\"2026-11-27T12:00:00Z\",\"verdict\":\"deny\",\"op\":\"open\"}",
		"{\"time\":\"2026-11-27T12:00:00Z\",\"type\":\"access\",\"op\":\"open\"}",
		"{\"time\":\"2026-11-27T12:00:00Z\",\"type\":\"access\",\"verdict\":\"deny\"}",
		"{\"time\":\"2026-11-27T12:00:00Z\",\"type\":\"lost\"}",
		"{\"time\":\"2026-11-27T12:00:00Z\",\"type\":\"daemon\"}",
		/* wrong values or types */
		"{\"time\":\"yesterday\",\"type\":\"lost\",\"count\":1}",
		"{\"time\":\"2026-11-27T12:00:00Z\",\"type\":\"access\",\"verdict\":\"allow\","
		"\"op\":\"open\"}",
		"{\"time\":\"2026-11-27T12:00:00Z\",\"type\":\"access\",\"verdict\":\"deny\","
		"\"op\":1}",
		OPEN_DENIED ",\"pid\":\"1\"}",
		OPEN_DENIED ",\"pid\":-1}",
		OPEN_DENIED ",\"pid\":1.5}",
		OPEN_DENIED ",\"uid\":4294967296}",
		OPEN_DENIED ",\"path_partial\":1}",
		"{\"time\":\"2026-11-27T12:00:00Z\",\"type\":\"lost\",\"count\":null}",
		"{\"time\":\"2026-11-27T12:00:00Z\",\"type\":1}",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_EQ(decode(bad[i]), -EBADMSG, bad[i]);
}

static void test_record_object_describes_pathless_ops(void)
{
	char buf[64];

	decode("{\"time\":\"2026-11-27T12:00:00Z\",\"type\":\"access\",\"verdict\":\"deny\","
	       "\"op\":\"kill\",\"target_pid\":1,\"signal\":9}");
	ASSERT_STREQ(audit_record_object(&rec, buf, sizeof(buf)), "pid 1 signal 9", "kill");
	decode("{\"time\":\"2026-11-27T12:00:00Z\",\"type\":\"access\",\"verdict\":\"deny\","
	       "\"op\":\"setuid\",\"target_uid\":0}");
	ASSERT_STREQ(audit_record_object(&rec, buf, sizeof(buf)), "uid 0", "setuid");
	decode("{\"time\":\"2026-11-27T12:00:00Z\",\"type\":\"access\",\"verdict\":\"deny\","
	       "\"op\":\"fork\"}");
	ASSERT_TRUE(audit_record_object(&rec, buf, sizeof(buf)) == NULL, "nothing to show");
	ASSERT_TRUE(audit_op_not_allowable("capable"), "capable");
	ASSERT_FALSE(audit_op_not_allowable("open"), "open");
	ASSERT_FALSE(audit_op_not_allowable("frobnicate"), "unknown op");
}

static const char *const line_shop =
	"{\"time\":\"2026-11-27T12:00:00Z\",\"type\":\"access\",\"verdict\":\"deny\","
	"\"site\":\"shop.example\",\"op\":\"open\",\"path\":\"/srv/shop/a/b.php\",\"pid\":10,"
	"\"tgid\":9,\"uid\":1001}";

static void test_filter_matches_each_criterion(void)
{
	struct audit_filter f = { 0 };

	if (!ASSERT_EQ(decode(line_shop), 0, "decode"))
		return;
	ASSERT_TRUE(audit_filter_match(&f, &rec), "empty filter");
	f.sites[f.nsites++] = "blog.example";
	ASSERT_FALSE(audit_filter_match(&f, &rec), "other site");
	f.sites[f.nsites++] = "shop.example";
	ASSERT_TRUE(audit_filter_match(&f, &rec), "one of two sites");
	f.ops[f.nops++] = "exec";
	ASSERT_FALSE(audit_filter_match(&f, &rec), "other op");
	f.ops[0] = "open";
	f.paths[f.npaths++] = "/srv/*.php";
	ASSERT_TRUE(audit_filter_match(&f, &rec), "'*' crosses '/'");
	f.paths[0] = "/srv/shop/?.php";
	ASSERT_FALSE(audit_filter_match(&f, &rec), "'?' is one character");
	f.paths[0] = "/srv/shop/*";
	f.has_pid = true;
	f.pid = 9;
	ASSERT_TRUE(audit_filter_match(&f, &rec), "pid matches tgid");
	f.pid = 10;
	ASSERT_TRUE(audit_filter_match(&f, &rec), "pid matches pid");
	f.pid = 11;
	ASSERT_FALSE(audit_filter_match(&f, &rec), "other pid");
	f.has_pid = false;
	f.has_uid = true;
	f.uid = 1002;
	ASSERT_FALSE(audit_filter_match(&f, &rec), "other uid");
	f.uid = 1001;
	f.has_verdict = true;
	f.verdict = VERDICT_AUDIT;
	ASSERT_FALSE(audit_filter_match(&f, &rec), "other verdict");
	f.verdict = VERDICT_DENY;
	ASSERT_TRUE(audit_filter_match(&f, &rec), "all criteria");
}

static void test_filter_time_range_is_half_open(void)
{
	struct audit_filter f = { .has_since = true, .has_until = true };

	decode(line_shop);
	f.since_us = rec.time_us;
	f.until_us = rec.time_us + 1;
	ASSERT_TRUE(audit_filter_match(&f, &rec), "since is inclusive");
	f.until_us = rec.time_us;
	ASSERT_FALSE(audit_filter_match(&f, &rec), "until is exclusive");
}

static void test_filter_site_dash_selects_records_without_site(void)
{
	struct audit_filter f = { .sites = { "-" }, .nsites = 1 };

	decode("{\"time\":\"2026-11-27T12:00:00Z\",\"type\":\"access\",\"verdict\":\"deny\","
	       "\"op\":\"open\",\"site\":null}");
	ASSERT_TRUE(audit_filter_match(&f, &rec), "no site");
	decode(line_shop);
	ASSERT_FALSE(audit_filter_match(&f, &rec), "a site");
}

static void test_narrow_filter_hides_lost_and_daemon_records(void)
{
	struct audit_filter f = { 0 };

	decode("{\"time\":\"2026-11-27T12:00:00Z\",\"type\":\"lost\",\"count\":3}");
	ASSERT_TRUE(audit_filter_match(&f, &rec), "time-only filter shows lost");
	f.has_verdict = true;
	ASSERT_FALSE(audit_filter_match(&f, &rec), "narrow filter hides lost");
	ASSERT_TRUE(audit_filter_time(&f, &rec), "but its time still matches");
}

TAP_TESTS(TAP_TEST(test_log_time_parses_rfc3339_utc),
	  TAP_TEST(test_log_time_refuses_other_forms),
	  TAP_TEST(test_arg_time_forms),
	  TAP_TEST(test_time_format_round_trips),
	  TAP_TEST(test_decodes_access_record),
	  TAP_TEST(test_decodes_lost_and_daemon_records),
	  TAP_TEST(test_null_site_and_optional_nulls_are_absent),
	  TAP_TEST(test_unknown_type_is_enomsg),
	  TAP_TEST(test_invalid_records_are_ebadmsg),
	  TAP_TEST(test_record_object_describes_pathless_ops),
	  TAP_TEST(test_filter_matches_each_criterion),
	  TAP_TEST(test_filter_time_range_is_half_open),
	  TAP_TEST(test_filter_site_dash_selects_records_without_site),
	  TAP_TEST(test_narrow_filter_hides_lost_and_daemon_records))
