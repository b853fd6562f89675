/* SPDX-License-Identifier: MIT */
/*
 * Software timers on system time (ns since boot). A timer's function runs
 * from the TIMER softirq, on the way out of the hypervisor, never inside
 * an interrupt handler. It may set, stop or kill any timer, but must
 * return: to switch vCPUs it raises SOFTIRQ_SCHEDULE instead.
 *
 * Set a timer only after init_timer(); after kill_timer() it cannot be
 * set again (that is a bug, and panics). timers_init() goes after
 * apic_init(): it programs the APIC for timers set before then.
 */
#ifndef TANDEM_TIMER_H
#define TANDEM_TIMER_H

#include <tandem/list.h>
#include <tandem/types.h>

struct timer {
	struct list_head list;	/* in the sorted pending list */
	s_time_t expires;
	void (*fn)(void *data);
	void *data;
	bool active;
};

void init_timer(struct timer *t, void (*fn)(void *), void *data);
/* (Re)arm; an expiry already past fires as soon as possible. */
void set_timer(struct timer *t, s_time_t expires);
void stop_timer(struct timer *t);
void kill_timer(struct timer *t);	/* stop; the owner is going away */
static inline bool timer_is_active(const struct timer *t)
{
	return t->active;
}
void timer_softirq(void);
void timers_init(void);

/* System time. */
s_time_t NOW(void);
#define MILLISECS(ms)	((s_time_t)(ms) * 1000000LL)
#define MICROSECS(us)	((s_time_t)(us) * 1000LL)
#define SECONDS(s)	((s_time_t)(s) * 1000000000LL)

#endif
