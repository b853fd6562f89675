// SPDX-License-Identifier: MIT
/*
 * idle: a do-nothing first domain. The system tests boot it as dom0 so
 * that the kernels under test run as ordinary unprivileged domains. It
 * never shuts down: the runner stops QEMU once the tests are done.
 */
#include "lib/test.h"

static void idle_forever(void)
{
	printk("# idle: dom0 up (privileged %d), blocking forever\n",
	       privileged);
	for (;;)
		hv_block();
}

static const struct test_case cases[] = {
	{ "idle", idle_forever },
};

DEFINE_SUITE("idle", cases);
