// SPDX-License-Identifier: MIT
/*
 * Per-thread failure messages of the toolstack (see ts_error.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libtandem/error.h>

#include "ts_error.h"

static _Thread_local char last_msg[TS_ERRMSG_MAX];

const char *ts_errmsg(void)
{
	return last_msg[0] ? last_msg : "no error";
}

void ts_clear_error(void)
{
	last_msg[0] = '\0';
}

int ts_fail(int err, const char *fmt, ...)
{
	va_list ap;

	if (err <= 0)
		err = EIO;	/* a caller bug: still report a failure */
	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	errno = err;
	return -err;
}

int ts_fail_tdm(int err, const char *fmt, ...)
{
	char what[TS_ERRMSG_MAX / 2];
	va_list ap;

	if (err <= 0)
		err = EIO;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(last_msg, sizeof(last_msg), "%s: %s", what, tdm_errmsg());
	errno = err;
	return -err;
}
