// SPDX-License-Identifier: MIT
/*
 * crash: a domain that faults before it has a trap table. The hypervisor
 * must kill it with a clear message naming the domain and the reason,
 * and every other domain must carry on (the system test runs one beside
 * it). If this kernel ever gets past the fault, it says so.
 */
#include "lib/test.h"

static void fault_without_traps(void)
{
	volatile uint64_t *nowhere = (volatile uint64_t *)0x0000700000000000ul;

	printk("# crash: writing to %p with no trap table\n", nowhere);
	*nowhere = 1;
	report("reached-end FAIL the write to %p did not kill the domain",
	       nowhere);
	suite_finish(SHUTDOWN_poweroff);
}

static const struct test_case cases[] = {
	{ "survived", NULL },
};

DEFINE_SUITE("crash", cases, .early = fault_without_traps);
