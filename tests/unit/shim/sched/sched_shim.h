/* SPDX-License-Identifier: MIT */
/*
 * A simulated physical CPU for test_sched_credit: the clock is a variable,
 * timers fire when the simulation reaches them, and context_switch()
 * records the switch and longjmps back into sim_run_softirqs(), as the
 * real one resets the stack.
 */
#ifndef SCHED_SHIM_H
#define SCHED_SHIM_H

#include <tandem/domain.h>

#define SIM_NEVER	INT64_MAX

extern s_time_t sim_now;		/* what NOW() returns */
extern struct vcpu sim_idle;		/* the CPU's idle vCPU */
extern unsigned long sim_switches;	/* context_switch() calls */

/* No timers, no softirqs, no domains; the idle vCPU runs. */
void sim_reset(s_time_t now);
/* Expiry of the earliest armed timer, or SIM_NEVER. */
s_time_t sim_next_timer(void);
unsigned int sim_armed_timers(void);
/* Fire due timers and run softirqs until none is pending. */
void sim_run_softirqs(void);

#endif
