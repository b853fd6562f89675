/* SPDX-License-Identifier: MIT */
/*
 * The credit scheduler: weighted fair sharing of the physical CPU(s) among
 * runnable vCPUs, with optional caps and a wake-up boost for latency.
 */
#ifndef TANDEM_SCHED_H
#define TANDEM_SCHED_H

#include <tandem/types.h>

struct domain;
struct vcpu;

#define SCHED_DEFAULT_WEIGHT	256
#define SCHED_MAX_WEIGHT	65535

/* Run-queue priorities (struct sched_vcpu.priority), best first. */
enum sched_priority {
	SCHED_PRI_BOOST,	/* woke from blocking with credit left */
	SCHED_PRI_UNDER,	/* has credit */
	SCHED_PRI_OVER,		/* has spent its credit */
	SCHED_NR_PRIS
};

void sched_init(void);
void sched_add_vcpu(struct vcpu *v);
void sched_remove_vcpu(struct vcpu *v);
/* Re-evaluate after a pause flag or count changed. */
void vcpu_wake(struct vcpu *v);
void vcpu_sleep(struct vcpu *v);
void vcpu_yield(void);
/* SOFTIRQ_SCHEDULE: pick the next vCPU and switch to it. */
void schedule(void);
int sched_set_params(struct domain *d, unsigned int weight,
		     unsigned int cap);

/* Runstate bookkeeping (public/vcpu.h RUNSTATE_*). */
void vcpu_runstate_change(struct vcpu *v, int new_state, s_time_t now);
/*
 * Copy v's runstate to the area its guest registered, if any. Called by
 * the context switch once v's page tables are loaded. False if the area
 * could not be written: a vCPU in guest user mode runs on page tables
 * without its kernel, so retry when it enters kernel mode.
 */
bool sched_update_runstate_area(struct vcpu *v);

/* Print every domain's and vCPU's scheduling state (debug key). */
void sched_dump(void);

/* SCHEDOP_block for the current vCPU: sleep until an event is pending. */
void vcpu_block(void);

/* The idle loop of the current physical CPU. */
void idle_loop(void) __noreturn;

#endif
