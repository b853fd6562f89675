/* SPDX-License-Identifier: MIT */
/*
 * libtandem error reporting.
 *
 * Every libtandem call that can fail reports it the same way:
 *
 *  - functions returning int return a negative errno value (-EINVAL,
 *    -ENOENT, ...) on failure and 0 or a non-negative result on success;
 *  - functions returning a pointer return NULL on failure;
 *
 * and in both cases also set errno to the (positive) error number and
 * record a one-line message for the calling thread, saying what failed
 * and, where the library can tell, what to do about it, e.g.
 *
 *	open /dev/xen/privcmd: No such file or directory (not running in a
 *	Xen dom0, or the xen_privcmd module is not loaded)
 *
 * Nothing in libtandem aborts or exits on bad input.
 */
#ifndef LIBTANDEM_ERROR_H
#define LIBTANDEM_ERROR_H

/* The message of this thread's last libtandem failure ("no error" if none). */
const char *tdm_errmsg(void);

/* Forget the last failure's message. */
void tdm_clear_error(void);

/*
 * Record a failure: the message is the formatted text, then ": " and the
 * description of err. Sets errno to err and returns -err, so callers can
 * write "return tdm_fail(ENOENT, "read %s", path);". Exported so that
 * programs built on libtandem can report their own failures the same way.
 */
int tdm_fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* LIBTANDEM_ERROR_H */
