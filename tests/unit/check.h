/* SPDX-License-Identifier: MIT */
/*
 * The reporting every host unit test shares. Each check is counted;
 * CHECK() prints it as "ok N - what" or "FAIL N - what", while check(),
 * for checks made in bulk (loops over many inputs), prints only a
 * failure; a section line then says whether a group of them passed.
 * The summary line's value is the program's exit status.
 *
 *	CHECK(cond, "what %d", x);
 *	CHECK_EQ(got, want, "what");	on failure also prints got and want
 *	if (!check(ok, "what"))		silent while ok holds
 *		break;
 *	unsigned int f0 = check_failures();
 *	...
 *	check_section(f0, "name");	"ok: name" or "FAIL: name"
 *	return check_summary();
 *
 * A test program includes this file once (its state is static).
 */
#ifndef TESTS_UNIT_CHECK_H
#define TESTS_UNIT_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static unsigned int check_nr, check_nr_failed;

/* Count a check and print its line, bar the newline, unless quiet and ok. */
static inline bool check_vstart(bool ok, bool quiet, const char *fmt,
				va_list ap)
{
	check_nr++;
	if (!ok)
		check_nr_failed++;
	if (ok && quiet)
		return false;
	printf("%s %u - ", ok ? "ok" : "FAIL", check_nr);
	vprintf(fmt, ap);
	return true;
}

/* The two kinds of check: one line each, or only a failing one. */
static inline bool __attribute__((format(printf, 2, 3)))
check_verbose(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_vstart(ok, false, fmt, ap);
	va_end(ap);
	printf("\n");
	return ok;
}

static inline bool __attribute__((format(printf, 2, 3)))
check(bool ok, const char *fmt, ...)
{
	va_list ap;
	bool printed;

	va_start(ap, fmt);
	printed = check_vstart(ok, true, fmt, ap);
	va_end(ap);
	if (printed)
		printf("\n");
	return ok;
}

/* Small numbers in decimal, anything else (flags, addresses) in hex. */
static inline void check_print_value(long long v)
{
	if (v > -100000 && v < 100000)
		printf("%lld", v);
	else
		printf("%#llx", (unsigned long long)v);
}

static inline bool __attribute__((format(printf, 3, 4)))
check_eq(long long got, long long want, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_vstart(got == want, false, fmt, ap);
	va_end(ap);
	if (got != want) {
		printf(" (got ");
		check_print_value(got);
		printf(", want ");
		check_print_value(want);
		printf(")");
	}
	printf("\n");
	return got == want;
}

#define CHECK(cond, ...)	check_verbose((cond), __VA_ARGS__)
#define CHECK_EQ(got, want, ...) \
	check_eq((long long)(got), (long long)(want), __VA_ARGS__)

static inline unsigned int check_failures(void)
{
	return check_nr_failed;
}

/* One line for the checks made since check_failures() returned 'since'. */
static inline void __attribute__((format(printf, 2, 3)))
check_section(unsigned int since, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", check_nr_failed == since ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* The last line of the output; returns the exit status. */
static inline int check_summary(void)
{
	printf("%s: %u checks, %u failed\n", check_nr_failed ? "FAIL" : "ok",
	       check_nr, check_nr_failed);
	return check_nr_failed ? 1 : 0;
}

#endif
