// SPDX-License-Identifier: MIT
/*
 * spin: CPU hog for the scheduler test. Waits until system time
 * start=<s> (default 2), spins until start + seconds=<n> (default 4),
 * and reports how much of that window it really ran:
 *
 *	TANDEM-TEST sched share <share> <running_ns> <elapsed_ns>
 *
 * <share> comes from share=<word> on the command line. Two of these with
 * weights 256 and 512 on one CPU should run about 1:2.
 */
#include "lib/test.h"

#define NS	1000000000ul

static uint64_t running_ns(void)
{
	struct vcpu_runstate_info r;

	if (hv_vcpu_op(VCPUOP_get_runstate_info, 0, &r))
		return 0;
	/* Completed periods plus the current one. */
	return r.time[RUNSTATE_running] +
	       (r.state == RUNSTATE_running ? now_ns() - r.state_entry_time :
					      0);
}

static void test_share(void)
{
	uint64_t start = cmdline_ulong("start", 2) * NS;
	uint64_t end = start + cmdline_ulong("seconds", 4) * NS;
	uint64_t run0, t0;
	char share[16] = "anon";

	cmdline_get("share", share, sizeof(share));
	while (now_ns() < start)
		sleep_ns(start - now_ns());
	run0 = running_ns();
	t0 = now_ns();
	check(t0 < end, "started after the window (%lu ms late)",
	      (t0 - start) / 1000000);
	while (now_ns() < end)
		cpu_relax();
	printk("TANDEM-TEST sched share %s %lu %lu\n", share,
	       running_ns() - run0, now_ns() - t0);
	check(running_ns() > run0, "runstate time[running] did not move");
}

static const struct test_case cases[] = {
	{ "share", test_share },
};

DEFINE_SUITE("spin", cases);
