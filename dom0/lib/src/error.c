// SPDX-License-Identifier: MIT
/*
 * Per-thread failure messages (see libtandem/error.h).
 */
#define _POSIX_C_SOURCE 200809L	/* the XSI strerror_r() */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libtandem/error.h>

static _Thread_local char last_msg[512];

const char *tdm_errmsg(void)
{
	return last_msg[0] ? last_msg : "no error";
}

void tdm_clear_error(void)
{
	last_msg[0] = '\0';
}

int tdm_fail(int err, const char *fmt, ...)
{
	char what[384], desc[96];
	va_list ap;

	if (err <= 0)
		err = EIO;	/* a caller bug: still report a failure */
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (strerror_r(err, desc, sizeof(desc)) != 0)
		snprintf(desc, sizeof(desc), "error %d", err);
	snprintf(last_msg, sizeof(last_msg), "%s: %s", what, desc);
	errno = err;
	return -err;
}
