/* SPDX-License-Identifier: MIT */
/*
 * The toolstack's failure messages. Like libtandem's (error.h), every
 * function that can fail returns a negative errno value (or NULL) and
 * records one line for the calling thread; unlike libtandem's, the line
 * is exactly what the caller wrote, because it goes to the user as is:
 *
 *	profiles/work:5: memory 16 MiB is too small (allowed: 32 to 2048 MiB)
 *
 * ts_fail_tdm() appends the message of the libtandem call that failed.
 */
#ifndef TANDEM_TS_ERROR_H
#define TANDEM_TS_ERROR_H

#define TS_ERRMSG_MAX	1024

/* Record a message; sets errno to err and returns -err. */
int ts_fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The same, followed by ": " and tdm_errmsg() (what libtandem said). */
int ts_fail_tdm(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* This thread's last message ("no error" if none). */
const char *ts_errmsg(void);
void ts_clear_error(void);

#endif /* TANDEM_TS_ERROR_H */
