// SPDX-License-Identifier: MIT
/*
 * Software timers: one list of active timers sorted by expiry, the
 * earliest of which is programmed into the local APIC timer. Expired
 * timers run from the TIMER softirq, never in interrupt context, so a
 * timer function may set, stop or kill any timer, its own included.
 *
 * One CPU and no interrupts in the hypervisor: no locking.
 */
#include <tandem/lib.h>
#include <tandem/list.h>
#include <tandem/timer.h>
#include <asm/apic.h>

static struct list_head timer_list = LIST_HEAD_INIT(timer_list);
/*
 * Timers taken off timer_list by timer_softirq() and about to run. Static
 * rather than on the stack so that nothing ever points into a stack
 * frame that is gone.
 */
static struct list_head expired_list = LIST_HEAD_INIT(expired_list);

static struct timer *first_timer(void)
{
	if (list_empty(&timer_list))
		return NULL;
	return list_first_entry(&timer_list, struct timer, list);
}

static void reprogram(void)
{
	struct timer *t = first_timer();

	if (t)
		apic_timer_set(t->expires);
	else
		apic_timer_stop();
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
	struct list_head *pos;

	/* A killed (or never initialised) timer has no function. */
	BUG_ON(!t->fn);

	if (t->active)
		list_del(&t->list);
	t->expires = expires;
	t->active = true;

	/* After any timer with the same expiry: equal ones run in order. */
	for (pos = timer_list.prev; pos != &timer_list; pos = pos->prev)
		if (list_entry(pos, struct timer, list)->expires <= expires)
			break;
	list_add(&t->list, pos);

	if (first_timer() == t)
		reprogram();
}

void stop_timer(struct timer *t)
{
	/*
	 * Leave the APIC alone: if this was the earliest timer, the
	 * interrupt comes early, finds nothing due and re-arms.
	 */
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

void timer_softirq(void)
{
	s_time_t now = NOW();
	struct timer *t;

	/*
	 * Move what is due now onto expired_list, then run it. A function
	 * that re-arms a timer at or before now (a periodic timer catching
	 * up) puts it back on timer_list for the next round instead of
	 * keeping us here: a guest cannot hold the CPU through its timers.
	 * The timers stay active while on expired_list, so stop_timer() and
	 * set_timer() from an earlier function work on them as usual.
	 */
	while ((t = first_timer()) && t->expires <= now) {
		list_del(&t->list);
		list_add_tail(&t->list, &expired_list);
	}

	while (!list_empty(&expired_list)) {
		t = list_first_entry(&expired_list, struct timer, list);
		list_del(&t->list);
		t->active = false;
		t->fn(t->data);
	}

	reprogram();
}

void timers_init(void)
{
	/* Program the APIC for any timer set before it was ready. */
	reprogram();
}
