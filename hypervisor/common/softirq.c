// SPDX-License-Identifier: MIT
/*
 * Softirqs: work that interrupt handlers and hypercalls defer to the way
 * out of the hypervisor. Only one CPU, and it runs with interrupts off in
 * the hypervisor, so the pending mask needs no atomics: an interrupt can
 * only set a bit while we are in a guest or halted in the idle loop.
 */
#include <tandem/console.h>
#include <tandem/domain.h>
#include <tandem/lib.h>
#include <tandem/sched.h>
#include <tandem/softirq.h>
#include <tandem/timer.h>
#include <asm/percpu.h>

/* Run in enum order; SCHEDULE must be last because it may not return. */
BUILD_BUG_ON(SOFTIRQ_SCHEDULE != NR_SOFTIRQS - 1);

static void (*const softirq_handlers[NR_SOFTIRQS])(void) = {
	[SOFTIRQ_TIMER] = timer_softirq,
	[SOFTIRQ_CONSOLE] = console_softirq,
	[SOFTIRQ_RECLAIM] = domain_reclaim,
	[SOFTIRQ_SCHEDULE] = schedule,
};

void raise_softirq(enum softirq nr)
{
	this_pcpu()->softirq_pending |= 1UL << nr;
}

bool softirq_pending(void)
{
	return this_pcpu()->softirq_pending != 0;
}

void do_softirqs(void)
{
	struct pcpu *c = this_pcpu();
	unsigned long pending;

	/*
	 * Lowest pending first, re-reading the mask each time: a handler
	 * may raise another (a timer function raising SCHEDULE, say), and
	 * the earlier ones must still run before SCHEDULE.
	 */
	while ((pending = c->softirq_pending) != 0) {
		unsigned int nr = __builtin_ctzl(pending);

		c->softirq_pending &= ~(1UL << nr);
		/* A softirq added to the enum but not to the table above. */
		BUG_ON(nr >= NR_SOFTIRQS || !softirq_handlers[nr]);
		softirq_handlers[nr]();
	}
}
