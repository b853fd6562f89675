// SPDX-License-Identifier: MIT
/*
 * The credit scheduler.
 *
 * Credit is CPU time a vCPU may still use, in ns. Running burns it: the
 * time is measured with NOW() when a vCPU leaves the CPU, at the end of
 * each of its slices and at each accounting. Every accounting period the
 * CPU time that went by is handed out again as credit to the vCPUs that
 * wanted a CPU during the period, in proportion to their domain's weight
 * and split evenly over the domain's active vCPUs. No vCPU holds more
 * than MAX_CREDIT. What a vCPU that did not compete for the CPU all
 * period (it blocked, say) cannot hold goes to the competing ones, which
 * used that time: else they would sink into debt together, all OVER, and
 * weights would no longer matter.
 *
 * Each physical CPU has a run queue with a FIFO per priority:
 *   BOOST  woke up from blocking with credit left: runs at once
 *   UNDER  has credit
 *   OVER   has spent its credit
 * The best non-empty priority runs. A vCPU keeps the CPU for a slice
 * unless a better one wakes up; at the end of the slice it gives way to
 * any waiting vCPU of equal or better priority. A slice also ends when
 * the vCPU's credit runs out, so that it drops to OVER on time. Boost
 * lasts until the vCPU leaves the CPU or its slice ends, and only a vCPU
 * with credit gets it: waking up often cannot buy more than the domain's
 * share.
 *
 * A capped domain may use cap% of one CPU per period: its vCPUs' slices
 * stop at the budget, and then they are parked (VPF_parked) until the
 * next accounting.
 */
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <tandem/list.h>
#include <tandem/params.h>
#include <tandem/sched.h>
#include <tandem/softirq.h>
#include <tandem/timer.h>
#include <asm/context.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/pv.h>

/* Physical CPUs that run vCPUs: the boot CPU only, today. */
#define SCHED_NR_PCPUS		1

#define SCHED_PERIOD		MILLISECS(30)
#define DEFAULT_TSLICE_MS	10
/* Most credit a vCPU holds: a domain that sleeps cannot hoard. */
#define MAX_CREDIT		SCHED_PERIOD
/* Most debt a vCPU carries: older overuse is forgiven. */
#define MAX_DEBT		SCHED_PERIOD

static unsigned long long opt_tslice_ms = DEFAULT_TSLICE_MS;
uint_param("sched_tslice_ms", opt_tslice_ms,
	   "scheduler time slice in ms (1-30, default 10)");

struct sched_pcpu {
	struct list_head runq[SCHED_NR_PRIS];	/* FIFO per priority */
	struct timer slice_timer;		/* ends current's slice */
	s_time_t slice_end;
};

static struct sched_pcpu sched_pcpus[SCHED_NR_PCPUS];
static struct timer acct_timer;
static s_time_t last_acct;		/* when credit was last handed out */
static s_time_t tslice;

static struct sched_pcpu *this_sched(void)
{
	return &sched_pcpus[this_pcpu()->id];
}

/* ---- run queue ----------------------------------------------------------- */

static void runq_insert(struct vcpu *v, bool at_head)
{
	struct sched_pcpu *sp = &sched_pcpus[v->sched.cpu];
	struct list_head *q = &sp->runq[v->sched.priority];

	ASSERT(!v->sched.on_runq);
	if (at_head)
		list_add(&v->sched.runq, q);
	else
		list_add_tail(&v->sched.runq, q);
	v->sched.on_runq = true;
}

static void runq_remove(struct vcpu *v)
{
	list_del(&v->sched.runq);
	v->sched.on_runq = false;
}

/* The best priority waiting on sp, SCHED_NR_PRIS if none. */
static int runq_best(const struct sched_pcpu *sp)
{
	int pri;

	for (pri = 0; pri < SCHED_NR_PRIS; pri++)
		if (!list_empty(&sp->runq[pri]))
			break;
	return pri;
}

/* Take the vCPU to run next off sp, or return the idle vCPU. */
static struct vcpu *runq_pop(struct sched_pcpu *sp)
{
	int pri = runq_best(sp);
	struct vcpu *v;

	if (pri == SCHED_NR_PRIS)
		return this_pcpu()->idle_vcpu;
	v = list_first_entry(&sp->runq[pri], struct vcpu, sched.runq);
	runq_remove(v);
	return v;
}

static int credit_priority(const struct vcpu *v)
{
	return v->sched.credit > 0 ? SCHED_PRI_UNDER : SCHED_PRI_OVER;
}

/* The idle vCPU ranks below every priority. */
static int current_priority(void)
{
	return is_idle_vcpu(current) ? SCHED_NR_PRIS : current->sched.priority;
}

/* Change priority; a queued vCPU goes to the back of its new FIFO. */
static void set_priority(struct vcpu *v, int pri)
{
	if (v->sched.priority == pri)
		return;
	v->sched.priority = pri;
	if (v->sched.on_runq) {
		runq_remove(v);
		runq_insert(v, false);
	}
}

/* ---- runstate ------------------------------------------------------------ */

void vcpu_runstate_change(struct vcpu *v, int new_state, s_time_t now)
{
	struct vcpu_runstate_info *rs = &v->runstate;
	s_time_t delta = now - (s_time_t)rs->state_entry_time;

	ASSERT(new_state >= RUNSTATE_running && new_state <= RUNSTATE_offline);
	/* A caller's stale "now" must not make time run backwards. */
	if (delta > 0) {
		rs->time[rs->state] += delta;
		rs->state_entry_time = now;
	}
	rs->state = new_state;
	if (new_state == RUNSTATE_blocked || new_state == RUNSTATE_offline)
		v->sched.competing = false;
}

/* The runstate of a vCPU that is not on a CPU. */
static int runstate_of(const struct vcpu *v)
{
	if (v->pause_flags & VPF_down)
		return RUNSTATE_offline;
	if (v->pause_flags & VPF_blocked)
		return RUNSTATE_blocked;
	return vcpu_runnable(v) ? RUNSTATE_runnable : RUNSTATE_offline;
}

bool sched_update_runstate_area(struct vcpu *v)
{
	return !v->runstate_guest ||
	       !copy_to_guest(v->runstate_guest, &v->runstate,
			      sizeof(v->runstate));
}

/* ---- caps ---------------------------------------------------------------- */

static s_time_t cap_budget(const struct domain *d)
{
	return SCHED_PERIOD * d->cap / 100;
}

static s_time_t domain_period_used(const struct domain *d)
{
	s_time_t used = 0;

	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i])
			used += d->vcpus[i]->sched.period_used;
	return used;
}

static void park_domain(struct domain *d)
{
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		struct vcpu *v = d->vcpus[i];

		if (!v || (v->pause_flags & VPF_parked))
			continue;
		v->pause_flags |= VPF_parked;
		vcpu_sleep(v);
	}
}

/* ---- credit -------------------------------------------------------------- */

/* Charge v for the time it has run since its start_time. */
static void burn_credit(struct vcpu *v, s_time_t now)
{
	struct sched_vcpu *sv = &v->sched;
	struct domain *d = v->domain;
	s_time_t ran = now - sv->start_time;

	if (ran <= 0)
		return;
	sv->start_time = now;
	sv->credit -= ran;
	sv->period_used += ran;
	d->cpu_time += ran;
	if (d->cap && domain_period_used(d) >= cap_budget(d))
		park_domain(d);
}

/* Did v want a CPU during this accounting period? */
static bool vcpu_active(const struct vcpu *v)
{
	return v->sched.period_used > 0 || v->sched.on_runq ||
	       v->is_running || (v->pause_flags & VPF_parked);
}

static unsigned int domain_active_vcpus(const struct domain *d)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i] && vcpu_active(d->vcpus[i]))
			n++;
	return n;
}

/*
 * Did v want the CPU all through the period? Not if it blocked, went
 * down or was parked by its cap at any time: then what it did not use
 * was not for want of turns.
 */
static bool vcpu_competing(const struct vcpu *v)
{
	return v->sched.competing && vcpu_runnable(v);
}

/* The state of one hand-out of credit. */
struct hand_out {
	s_time_t period;	/* CPU time to hand out */
	uint64_t weight;	/* weight of all active vCPUs */
	uint64_t competing;	/* weight of the competing ones */
	s_time_t spare;		/* what the others could not bank */
};

typedef void (*hand_out_fn)(struct vcpu *v, uint64_t weight,
			    struct hand_out *h);

/* Call fn for each active vCPU, with its part of its domain's weight. */
static void for_each_active_vcpu(hand_out_fn fn, struct hand_out *h)
{
	struct domain *d;

	list_for_each_entry(d, &domain_list, domain_list) {
		unsigned int n = domain_active_vcpus(d);

		for (unsigned int i = 0; i < d->max_vcpus; i++) {
			struct vcpu *v = d->vcpus[i];

			/* The shift keeps precision in the split. */
			if (v && vcpu_active(v))
				fn(v, ((uint64_t)d->weight << 16) / n, h);
		}
	}
}

static void sum_weight(struct vcpu *v, uint64_t weight, struct hand_out *h)
{
	h->weight += weight;
	if (vcpu_competing(v))
		h->competing += weight;
}

static s_time_t share(uint64_t weight, const struct hand_out *h)
{
	return (uint64_t)h->period * weight / h->weight;
}

/* Those not competing take their share; what does not fit is spare. */
static void bank_share(struct vcpu *v, uint64_t weight, struct hand_out *h)
{
	struct sched_vcpu *sv = &v->sched;

	if (vcpu_competing(v))
		return;
	sv->credit += share(weight, h);
	if (sv->credit > MAX_CREDIT) {
		h->spare += sv->credit - MAX_CREDIT;
		sv->credit = MAX_CREDIT;
	}
}

/*
 * Those competing get their share and, by weight, the spare. One that
 * cannot hold it all was short of turns, not of credit: it loses the
 * rest, but its peers run out of credit first and then leave it the CPU.
 */
static void give_share(struct vcpu *v, uint64_t weight, struct hand_out *h)
{
	struct sched_vcpu *sv = &v->sched;

	if (!vcpu_competing(v))
		return;
	sv->credit += share(weight, h) +
		      (uint64_t)h->spare * weight / h->competing;
	sv->credit = MIN(sv->credit, MAX_CREDIT);
}

/*
 * Share period among the active vCPUs by weight. What the others cannot
 * bank was CPU time that the competing ones used: it goes to them.
 */
static void hand_out_credit(s_time_t period)
{
	struct hand_out h = { .period = period };

	for_each_active_vcpu(sum_weight, &h);
	if (!h.weight)
		return;
	for_each_active_vcpu(bank_share, &h);
	if (h.competing)
		for_each_active_vcpu(give_share, &h);
}

/* After the hand-out: new period, new priorities, parked vCPUs back. */
static void refresh_vcpu(struct vcpu *v)
{
	struct sched_vcpu *sv = &v->sched;

	sv->credit = MAX(sv->credit, -MAX_DEBT);
	sv->period_used = 0;
	if (v->pause_flags & VPF_parked) {
		v->pause_flags &= ~VPF_parked;
		vcpu_wake(v);
	} else if (sv->priority != SCHED_PRI_BOOST) {
		set_priority(v, credit_priority(v));
	}
	sv->competing = v->runstate.state == RUNSTATE_running ||
			v->runstate.state == RUNSTATE_runnable;
}

static void account(void *unused)
{
	s_time_t now = NOW();
	struct domain *d;

	if (!is_idle_vcpu(current))
		burn_credit(current, now);
	/*
	 * Hand out the time that went by, not a nominal period: a late
	 * timer must not make busy vCPUs drift into debt. Bounded, so that
	 * share() cannot overflow after a long stall.
	 */
	hand_out_credit(MIN(now - last_acct, SECONDS(1)) * SCHED_NR_PCPUS);
	last_acct = now;

	list_for_each_entry(d, &domain_list, domain_list)
		for (unsigned int i = 0; i < d->max_vcpus; i++)
			if (d->vcpus[i])
				refresh_vcpu(d->vcpus[i]);

	if (runq_best(this_sched()) < current_priority())
		raise_softirq(SOFTIRQ_SCHEDULE);
	set_timer(&acct_timer, now + SCHED_PERIOD);
}

/* ---- slices -------------------------------------------------------------- */

static void start_slice(struct sched_pcpu *sp, const struct vcpu *v,
			s_time_t now)
{
	s_time_t len = tslice;

	/*
	 * End the slice when the credit runs out, so that the vCPU drops to
	 * OVER on time: full slices for all would share the CPU among the
	 * UNDER vCPUs evenly, whatever their weights.
	 */
	if (v->sched.credit > 0)
		len = MIN(len, v->sched.credit);
	/* Not parked, so a capped domain has budget left. */
	if (v->domain->cap)
		len = MIN(len, cap_budget(v->domain) -
			       domain_period_used(v->domain));
	sp->slice_end = now + len;
	set_timer(&sp->slice_timer, sp->slice_end);
}

static void slice_tick(void *data)
{
	struct sched_pcpu *sp = data;
	struct vcpu *v = current;
	s_time_t now = NOW();

	/* Stopped when the idle vCPU takes over: it has no slices. */
	ASSERT(!is_idle_vcpu(v));
	burn_credit(v, now);
	v->sched.priority = credit_priority(v);
	if (vcpu_runnable(v) && runq_best(sp) > v->sched.priority)
		start_slice(sp, v, now);	/* nobody as deserving waits */
	else
		raise_softirq(SOFTIRQ_SCHEDULE);
}

/* ---- the interface ------------------------------------------------------- */

void sched_add_vcpu(struct vcpu *v)
{
	struct sched_vcpu *sv = &v->sched;

	list_init(&sv->runq);
	sv->on_runq = false;
	/* Start in good standing: a console answers from its first event. */
	sv->credit = tslice;
	sv->priority = credit_priority(v);
	sv->start_time = 0;
	sv->cpu = this_pcpu()->id;
	sv->period_used = 0;
	sv->competing = false;
}

void sched_remove_vcpu(struct vcpu *v)
{
	/* Its state is saved in it on the way out: it must be off the CPU. */
	ASSERT(!v->is_running);
	if (v->sched.on_runq)
		runq_remove(v);
}

void vcpu_wake(struct vcpu *v)
{
	struct sched_vcpu *sv = &v->sched;
	bool was_blocked;

	if (v->is_running || sv->on_runq)
		return;
	was_blocked = v->runstate.state == RUNSTATE_blocked;
	vcpu_runstate_change(v, runstate_of(v), NOW());
	if (!vcpu_runnable(v))
		return;

	sv->priority = credit_priority(v);
	if (was_blocked && sv->priority == SCHED_PRI_UNDER)
		sv->priority = SCHED_PRI_BOOST;
	runq_insert(v, false);
	if (sv->priority < current_priority())
		raise_softirq(SOFTIRQ_SCHEDULE);
}

void vcpu_sleep(struct vcpu *v)
{
	/* Callers set a pause reason first; without one there is no sleep. */
	if (vcpu_runnable(v))
		return;
	if (v->sched.on_runq)
		runq_remove(v);
	if (v->is_running)
		raise_softirq(SOFTIRQ_SCHEDULE);
	else
		vcpu_runstate_change(v, runstate_of(v), NOW());
}

void vcpu_yield(void)
{
	/* An ended slice sends current behind its peers in schedule(). */
	this_sched()->slice_end = NOW();
	raise_softirq(SOFTIRQ_SCHEDULE);
}

void schedule(void)
{
	struct sched_pcpu *sp = this_sched();
	struct vcpu *prev = current, *next;
	s_time_t now = NOW();
	bool slice_over = now >= sp->slice_end;

	if (!is_idle_vcpu(prev)) {
		burn_credit(prev, now);
		if (vcpu_runnable(prev)) {
			prev->sched.priority = credit_priority(prev);
			/* Preempted early: it resumes first among its peers. */
			runq_insert(prev, !slice_over);
		}
	}
	next = runq_pop(sp);

	if (next == prev) {
		if (slice_over && !is_idle_vcpu(next))
			start_slice(sp, next, now);
		return;
	}
	if (is_idle_vcpu(next)) {
		stop_timer(&sp->slice_timer);
	} else {
		next->sched.start_time = now;
		start_slice(sp, next, now);
		vcpu_runstate_change(next, RUNSTATE_running, now);
	}
	if (!is_idle_vcpu(prev))
		vcpu_runstate_change(prev, runstate_of(prev), now);
	context_switch(prev, next);
}

int sched_set_params(struct domain *d, unsigned int weight,
		     unsigned int cap)
{
	if (weight < 1 || weight > SCHED_MAX_WEIGHT ||
	    cap > 100 * SCHED_NR_PCPUS)
		return -EINVAL;
	/* A new cap takes hold at the next charge or accounting. */
	d->weight = weight;
	d->cap = cap;
	return 0;
}

void sched_init(void)
{
	if (opt_tslice_ms < 1 ||
	    opt_tslice_ms > (unsigned long long)(SCHED_PERIOD / MILLISECS(1))) {
		pr_warn("sched: sched_tslice_ms=%llu out of range, using %d\n",
			opt_tslice_ms, DEFAULT_TSLICE_MS);
		opt_tslice_ms = DEFAULT_TSLICE_MS;
	}
	tslice = MILLISECS(opt_tslice_ms);

	for (unsigned int c = 0; c < SCHED_NR_PCPUS; c++) {
		struct sched_pcpu *sp = &sched_pcpus[c];

		for (int pri = 0; pri < SCHED_NR_PRIS; pri++)
			list_init(&sp->runq[pri]);
		init_timer(&sp->slice_timer, slice_tick, sp);
		sp->slice_end = 0;
	}
	init_timer(&acct_timer, account, NULL);
	last_acct = NOW();
	set_timer(&acct_timer, last_acct + SCHED_PERIOD);
}

void idle_loop(void)
{
	for (;;) {
		local_irq_disable();
		if (softirq_pending())
			do_softirqs();
		else
			/* sti holds interrupts off until hlt: none is lost. */
			__asm__ __volatile__("sti; hlt" : : : "memory");
	}
}

/* ---- debugging ----------------------------------------------------------- */

static const char *const pri_names[SCHED_NR_PRIS] = {
	[SCHED_PRI_BOOST] = "boost",
	[SCHED_PRI_UNDER] = "under",
	[SCHED_PRI_OVER] = "over",
};

static const char *const runstate_names[] = {
	[RUNSTATE_running] = "running",
	[RUNSTATE_runnable] = "runnable",
	[RUNSTATE_blocked] = "blocked",
	[RUNSTATE_offline] = "offline",
};

void sched_dump(void)
{
	struct domain *d;

	printk("sched: slice %lld ms, period %lld ms, now %lld ms\n",
	       tslice / MILLISECS(1), SCHED_PERIOD / MILLISECS(1),
	       NOW() / MILLISECS(1));
	list_for_each_entry(d, &domain_list, domain_list) {
		int64_t credit = 0;

		for (unsigned int i = 0; i < d->max_vcpus; i++)
			if (d->vcpus[i])
				credit += d->vcpus[i]->sched.credit;
		printk("  d%u %s: weight %u cap %u%% credit %lld us "
		       "cpu %lld ms\n", d->domain_id, d->name, d->weight,
		       d->cap, (long long)(credit / 1000),
		       d->cpu_time / MILLISECS(1));
		for (unsigned int i = 0; i < d->max_vcpus; i++) {
			const struct vcpu *v = d->vcpus[i];

			if (!v)
				continue;
			printk("    v%u: %-8s %-5s credit %lld us%s%s\n",
			       v->vcpu_id, runstate_names[v->runstate.state],
			       pri_names[v->sched.priority],
			       (long long)(v->sched.credit / 1000),
			       v->sched.on_runq ? " queued" : "",
			       (v->pause_flags & VPF_parked) ? " parked" : "");
		}
	}
}
