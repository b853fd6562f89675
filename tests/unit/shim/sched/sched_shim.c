// SPDX-License-Identifier: MIT
/*
 * Stand-ins for what sched_credit.c calls, for test_sched_credit only:
 * clock, timers, softirqs, the context switch and vcpu_runnable(). Guest
 * copies and console output come from shim/fake_services.c.
 */
#include <setjmp.h>

#include <tandem/domain.h>
#include <tandem/lib.h>
#include <tandem/sched.h>
#include <tandem/softirq.h>
#include <tandem/timer.h>
#include <asm/context.h>
#include <asm/percpu.h>
#include <asm/pv.h>

#include "sched_shim.h"

s_time_t sim_now;
struct vcpu sim_idle;
unsigned long sim_switches;
static struct pcpu sim_pcpu = { .idle_vcpu = &sim_idle };
struct cpu_info sched_shim_cpu_info = { .pcpu = &sim_pcpu };
LIST_HEAD_DEF(domain_list);

static LIST_HEAD_DEF(armed_timers);	/* unsorted */
static jmp_buf switched;

void sim_reset(s_time_t now)
{
	sim_now = now;
	sim_switches = 0;
	list_init(&armed_timers);
	list_init(&domain_list);
	sim_pcpu.softirq_pending = 0;
	memset(&sim_idle, 0, sizeof(sim_idle));
	sim_idle.is_running = true;
	current = &sim_idle;
}

s_time_t NOW(void)
{
	return sim_now;
}

void init_timer(struct timer *t, void (*fn)(void *), void *data)
{
	list_init(&t->list);
	t->expires = 0;
	t->fn = fn;
	t->data = data;
	t->active = false;
}

void set_timer(struct timer *t, s_time_t expires)
{
	if (t->active)
		list_del(&t->list);
	t->expires = expires;
	t->active = true;
	list_add_tail(&t->list, &armed_timers);
}

void stop_timer(struct timer *t)
{
	if (!t->active)
		return;
	list_del(&t->list);
	t->active = false;
}

void kill_timer(struct timer *t)
{
	stop_timer(t);
	t->fn = NULL;
}

static struct timer *earliest_timer(void)
{
	struct timer *t, *first = NULL;

	list_for_each_entry(t, &armed_timers, list)
		if (!first || t->expires < first->expires)
			first = t;
	return first;
}

unsigned int sim_armed_timers(void)
{
	struct timer *t;
	unsigned int n = 0;

	list_for_each_entry(t, &armed_timers, list)
		n++;
	return n;
}

s_time_t sim_next_timer(void)
{
	struct timer *t = earliest_timer();

	return t ? t->expires : SIM_NEVER;
}

/*
 * Run what is due, earliest first. As in common/timer.c, a timer re-armed
 * at or before now waits for the next round rather than running again.
 */
static void run_due_timers(void)
{
	LIST_HEAD_DEF(due);
	struct timer *t;

	while ((t = earliest_timer()) && t->expires <= sim_now) {
		list_del(&t->list);
		list_add_tail(&t->list, &due);
	}
	while (!list_empty(&due)) {
		t = list_first_entry(&due, struct timer, list);
		list_del(&t->list);
		t->active = false;
		t->fn(t->data);
	}
}

void raise_softirq(enum softirq nr)
{
	sim_pcpu.softirq_pending |= 1UL << nr;
}

bool softirq_pending(void)
{
	return sim_pcpu.softirq_pending != 0;
}

void do_softirqs(void)
{
	unsigned long pending;

	/* Lowest first, as the hypervisor does: SCHEDULE comes last. */
	while ((pending = sim_pcpu.softirq_pending) != 0) {
		unsigned int nr = __builtin_ctzl(pending);

		sim_pcpu.softirq_pending &= ~(1UL << nr);
		if (nr == SOFTIRQ_TIMER)
			run_due_timers();
		else if (nr == SOFTIRQ_SCHEDULE)
			schedule();
		else
			panic("unexpected softirq %u", nr);
	}
}

void sim_run_softirqs(void)
{
	if (sim_next_timer() <= sim_now)
		raise_softirq(SOFTIRQ_TIMER);
	while (softirq_pending())
		if (!setjmp(switched))
			do_softirqs();
}

void context_switch(struct vcpu *prev, struct vcpu *next)
{
	prev->is_running = false;
	next->is_running = true;
	current = next;
	/* Where the arch code calls it: next's page tables are live. */
	if (!is_idle_vcpu(next))
		sched_update_runstate_area(next);
	sim_switches++;
	longjmp(switched, 1);
}

bool vcpu_runnable(const struct vcpu *v)
{
	const struct domain *d = v->domain;

	return !v->pause_flags && !v->pause_count && v->is_initialised &&
	       !d->pause_count && d->state == DOMAIN_RUNNING;
}
