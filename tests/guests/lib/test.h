/* SPDX-License-Identifier: MIT */
/*
 * Test cases and the verdict protocol. Each kernel defines one suite:
 *
 *	static const struct test_case cases[] = {
 *		{ "start_info", test_start_info },
 *		...
 *	};
 *	DEFINE_SUITE("boot", cases);
 *
 * The runtime runs the cases in order and prints, one line each,
 *
 *	TANDEM-TEST <suite> <case> PASS
 *	TANDEM-TEST <suite> <case> FAIL <reason of the first failed check>
 *	TANDEM-TEST <suite> <case> SKIP <reason>
 *	TANDEM-TEST <suite> DONE passed=<n> failed=<m> skipped=<k>
 *
 * then shuts the domain down with suite.shutdown (default poweroff).
 * "suite=NAME" on the guest command line renames the suite.
 */
#ifndef GUEST_TEST_H
#define GUEST_TEST_H

#include "guest.h"

struct test_case {
	const char *name;
	void (*fn)(void);
};

struct test_suite {
	const char *name;
	const struct test_case *cases;
	unsigned int nr_cases;
	void (*early)(void);	/* optional, before traps are set up */
	void (*init)(void);	/* optional, before the first case */
	unsigned int shutdown;	/* SHUTDOWN_* once done */
};

extern const struct test_suite suite;

#define DEFINE_SUITE(sname, case_array, ...)				\
	const struct test_suite suite = {				\
		.name = sname,						\
		.cases = case_array,					\
		.nr_cases = ARRAY_SIZE(case_array),			\
		__VA_ARGS__						\
	}

void check_failed(int line, const char *fmt, ...) __printf(2, 3);

/* Record a failure (and carry on) unless cond holds; returns cond. */
#define check(cond, fmt, ...)						\
	({								\
		bool __ok = !!(cond);					\
		if (!__ok)						\
			check_failed(__LINE__, fmt, ##__VA_ARGS__);	\
		__ok;							\
	})

/* Integer equality, printing both sides on failure. */
#define check_eq(got, want)						\
	({								\
		long __g = (long)(got), __w = (long)(want);		\
		check(__g == __w, "%s = %ld, want %ld", #got, __g, __w); \
	})

/* A hypercall return code: any of the listed values. */
#define check_rc(got, ...)						\
	({								\
		long __g = (long)(got);					\
		const long __w[] = { __VA_ARGS__ };			\
		bool __m = false;					\
		for (unsigned int __i = 0; __i < ARRAY_SIZE(__w); __i++) \
			__m |= __g == __w[__i];				\
		check(__m, "%s = %ld, want %s", #got, __g, #__VA_ARGS__); \
	})

/* Mark the current case skipped (does not return early). */
void skip(const char *fmt, ...) __printf(1, 2);

/* Fail the current case, end the suite and crash the domain. */
void __noreturn test_abort(const char *fmt, ...) __printf(1, 2);

/* For kernels that drive cases themselves. */
void run_case(const char *name, void (*fn)(void));
void __noreturn suite_finish(unsigned int reason);
const char *suite_name(void);
bool case_failed(void);
/* Free-form line "TANDEM-TEST <suite> <text>" for extra results. */
void report(const char *fmt, ...) __printf(1, 2);

#endif /* GUEST_TEST_H */
