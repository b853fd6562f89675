// SPDX-License-Identifier: MIT
/* The verdict protocol (see test.h and tests/guests/README.md). */
#include "test.h"

static char name_buf[32];
static const char *cur_case = "setup";
static char first_reason[160];
static bool cur_failed, cur_skipped;
static unsigned int nr_passed, nr_failed, nr_skipped;

const char *suite_name(void)
{
	if (!name_buf[0]) {
		if (!start_info || !cmdline_get("suite", name_buf,
						sizeof(name_buf)))
			snprintf(name_buf, sizeof(name_buf), "%s",
				 suite.name);
	}
	return name_buf;
}

bool case_failed(void)
{
	return cur_failed;
}

/* Reasons are one line: newlines become spaces. */
static void set_reason(const char *fmt, va_list ap)
{
	char *p;

	vsnprintf(first_reason, sizeof(first_reason), fmt, ap);
	for (p = first_reason; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

void check_failed(int line, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk("# %s/%s: line %d: %s\n", suite_name(), cur_case, line, msg);
	if (!cur_failed)
		snprintf(first_reason, sizeof(first_reason), "%s", msg);
	cur_failed = true;
}

void skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!cur_failed)
		set_reason(fmt, ap);
	va_end(ap);
	cur_skipped = true;
}

void report(const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk("TANDEM-TEST %s %s\n", suite_name(), msg);
}

static void case_verdict(void)
{
	if (cur_failed) {
		nr_failed++;
		report("%s FAIL %s", cur_case, first_reason);
	} else if (cur_skipped) {
		nr_skipped++;
		report("%s SKIP %s", cur_case, first_reason);
	} else {
		nr_passed++;
		report("%s PASS", cur_case);
	}
}

void run_case(const char *name, void (*fn)(void))
{
	cur_case = name;
	cur_failed = cur_skipped = false;
	first_reason[0] = '\0';
	fn();
	case_verdict();
	cur_case = "teardown";
}

void __noreturn suite_finish(unsigned int reason)
{
	report("DONE passed=%u failed=%u skipped=%u", nr_passed, nr_failed,
	       nr_skipped);
	hv_shutdown(reason);
	/* Shutdown should not return; make sure we stop anyway. */
	for (;;)
		hv_sched_op(SCHEDOP_block, 0);
}

void __noreturn test_abort(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_reason(fmt, ap);
	va_end(ap);
	printk("# %s/%s: aborting: %s\n", suite_name(), cur_case,
	       first_reason);
	cur_failed = true;
	cur_skipped = false;
	case_verdict();
	suite_finish(SHUTDOWN_crash);
}

void __noreturn panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_reason(fmt, ap);
	va_end(ap);
	printk("# %s: panic in %s: %s\n", suite_name(), cur_case,
	       first_reason);
	cur_failed = true;
	case_verdict();
	suite_finish(SHUTDOWN_crash);
}
