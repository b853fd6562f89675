/* SPDX-License-Identifier: MIT */
/*
 * Deferred work run on the way out of the hypervisor (and in the idle
 * loop), with nothing of the interrupted context on the stack. SCHEDULE
 * goes last: it may switch to another vCPU and not come back.
 */
#ifndef TANDEM_SOFTIRQ_H
#define TANDEM_SOFTIRQ_H

#include <tandem/types.h>

enum softirq {
	SOFTIRQ_TIMER,
	SOFTIRQ_CONSOLE,
	SOFTIRQ_RECLAIM,	/* domain_reclaim(): free dying domains */
	SOFTIRQ_SCHEDULE,
	NR_SOFTIRQS
};

void raise_softirq(enum softirq nr);
bool softirq_pending(void);
void do_softirqs(void);

#endif
