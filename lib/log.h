/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log.h — logging for sitefence's daemons and tools, after OpenSSH's log.h: one line per
 * message, "prog: text", with variants that add the function name (_f) and an error's
 * strerror text (_r). Only top-level code logs; everything below returns -errno.
 */
#ifndef SF_LOG_H
#define SF_LOG_H

#include <stdbool.h>
#include <stdarg.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *prog, enum log_level level);
void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);

void sf_log(enum log_level level, const char *func, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void sf_fatal(const char *func, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

#define error(...)	   sf_log(LOG_LVL_ERROR, NULL, 0, __VA_ARGS__)
#define error_r(err, ...)  sf_log(LOG_LVL_ERROR, NULL, (err), __VA_ARGS__)
#define error_fr(err, ...) sf_log(LOG_LVL_ERROR, __func__, (err), __VA_ARGS__)
#define warn(...)	   sf_log(LOG_LVL_WARN, NULL, 0, __VA_ARGS__)
#define warn_r(err, ...)   sf_log(LOG_LVL_WARN, NULL, (err), __VA_ARGS__)
#define info(...)	   sf_log(LOG_LVL_INFO, NULL, 0, __VA_ARGS__)
#define debug(...)	   sf_log(LOG_LVL_DEBUG, NULL, 0, __VA_ARGS__)
#define debug_f(...)	   sf_log(LOG_LVL_DEBUG, __func__, 0, __VA_ARGS__)
#define fatal(...)	   sf_fatal(NULL, 0, __VA_ARGS__)
#define fatal_r(err, ...)  sf_fatal(NULL, (err), __VA_ARGS__)
#define fatal_fr(err, ...) sf_fatal(__func__, (err), __VA_ARGS__)

#endif /* SF_LOG_H */
