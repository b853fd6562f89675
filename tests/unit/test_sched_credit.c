/*
 * Host test for the credit scheduler (hypervisor/common/sched_credit.c).
 *
 * The hypervisor file is compiled unchanged against a simulated CPU
 * (tests/unit/shim/sched/): NOW() is a variable, timers fire when the
 * simulation reaches them, context_switch() records the switch and
 * longjmps back into the simulation. This program plays the guests:
 * spinners never block; "consoles" get a batch of work every so often,
 * run until it is done and block (as SCHEDOP_block does); "sleepers"
 * work, block for a while, and again.
 *
 * Checked, over seconds of simulated time:
 *  - shares: spinners with weights 256:512 share the CPU 1:2, also after
 *    idling with credit banked and beside a console; three with weights
 *    1:2:4 share it 1:2:4; a domain's weight goes to those of its vCPUs
 *    that want the CPU;
 *  - turns: equal vCPUs take turns every slice; a spinner preempted by a
 *    waking console gets the CPU back after it;
 *  - latency: a console that wakes up periodically runs at once although
 *    spinners are busy, even with a small weight; one that wants more than
 *    its share waits at most a period, and one that wants more than its
 *    share, sleeps briefly between bursts, or wakes up once and then spins
 *    gets only its share; one charged for an hour-long stall answers
 *    promptly again soon after;
 *  - caps: one and two vCPUs, alone and beside an uncapped domain, and
 *    lifted at run time;
 *  - parameter validation, yield, pause and unpause, a dying domain.
 * After every step of the simulation: no runnable vCPU is lost off the run
 * queue, runstate times add up to the elapsed time and agree with
 * cpu_time, no vCPU holds more than 30 ms of credit (an idle domain cannot
 * hoard), the guest's runstate area was updated when its vCPU was switched
 * in, and the running vCPU has a slice timer while the idle one has none.
 *
 * Build (from the top of the tree):
 *   gcc -std=gnu11 -O2 -Wall -Wextra -Werror -Wno-unused-parameter \
 *       -include tests/unit/shim/host_compiler.h \
 *       -I tests/unit/shim/sched -I hypervisor/include \
 *       -I hypervisor/arch/x86/include \
 *       tests/unit/test_sched_credit.c tests/unit/shim/sched/sched_shim.c \
 *       hypervisor/common/sched_credit.c -o test_sched_credit
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/sched.h>
#include <tandem/softirq.h>

#include "check.h"
#include "sched_shim.h"

#define MAX_SIM_DOMS	4
#define MAX_SIM_VCPUS	2
/* The most credit a vCPU may hold: one 30 ms accounting period. */
#define MAX_BANKED	MILLISECS(30)

enum behaviour {
	SPIN,		/* always wants the CPU */
	CONSOLE,	/* work arrives every interval; blocks when done */
	SLEEPER,	/* works, then sleeps for interval; and again */
};

struct sim_vcpu {
	struct vcpu v;
	enum behaviour kind;
	s_time_t work, interval;
	s_time_t next_work;		/* when the next batch arrives */
	s_time_t backlog;		/* work not done yet */
	s_time_t woke_at;		/* waiting for the CPU since, or -1 */
	s_time_t max_latency;
	unsigned long wakes;
	bool was_parked;
	s_time_t max_stint;		/* longest time on the CPU at once */
	struct vcpu_runstate_info area;	/* registered runstate area */
};

struct sim_dom {
	struct domain d;
	struct vcpu *vcpus[MAX_SIM_VCPUS];
	struct sim_vcpu sv[MAX_SIM_VCPUS];
	s_time_t created;
};

static struct sim_dom doms[MAX_SIM_DOMS];
static unsigned int nr_doms;
static struct vcpu *last_current;	/* on the CPU before this step */
static s_time_t on_cpu_since;
static struct vcpu *preempted;		/* spinner a console preempted */
static unsigned long resumed, not_resumed;
static bool invariant_failed;

static struct sim_vcpu *sim_of(struct vcpu *v)
{
	return container_of(v, struct sim_vcpu, v);
}

static void start(s_time_t now)
{
	sim_reset(now);
	memset(doms, 0, sizeof(doms));
	nr_doms = 0;
	invariant_failed = false;
	last_current = current;
	preempted = NULL;
	resumed = not_resumed = 0;
	sched_init();
}

/* As domain_create()/vcpu_create() and a guest bringing its vCPUs up. */
static struct sim_dom *add_domain(unsigned int weight, unsigned int cap,
				  unsigned int nr_vcpus, enum behaviour kind,
				  s_time_t work, s_time_t interval)
{
	struct sim_dom *sd = &doms[nr_doms];
	struct domain *d = &sd->d;

	d->domain_id = nr_doms++;
	snprintf(d->name, sizeof(d->name), "%s%u",
		 kind == SPIN ? "spin" : "wake", d->domain_id);
	d->max_vcpus = nr_vcpus;
	d->vcpus = sd->vcpus;
	d->weight = SCHED_DEFAULT_WEIGHT;
	d->state = DOMAIN_RUNNING;
	if (sched_set_params(d, weight, cap))
		CHECK(false, "sched_set_params(%u, %u) at creation", weight,
		      cap);
	list_add_tail(&d->domain_list, &domain_list);
	sd->created = sim_now;

	for (unsigned int i = 0; i < nr_vcpus; i++) {
		struct sim_vcpu *sv = &sd->sv[i];
		struct vcpu *v = &sv->v;

		v->vcpu_id = i;
		v->domain = d;
		v->pause_flags = VPF_down;
		v->runstate.state = RUNSTATE_offline;
		v->runstate.state_entry_time = sim_now;
		v->runstate_guest = (uintptr_t)&sv->area;
		d->vcpus[i] = v;
		sched_add_vcpu(v);

		sv->kind = kind;
		sv->work = work;
		sv->interval = interval;
		sv->next_work = kind == SPIN ? SIM_NEVER : sim_now + interval;
		sv->woke_at = -1;

		v->is_initialised = true;
		v->pause_flags = kind == SPIN ? 0 : VPF_blocked;
		vcpu_wake(v);
	}
	return sd;
}

#define for_each_sim_vcpu(sv)						\
	for (unsigned int _d = 0; _d < nr_doms; _d++)			\
		for (sv = doms[_d].sv;					\
		     sv < doms[_d].sv + doms[_d].d.max_vcpus; sv++)

static void invariant(bool ok, const char *what, const struct vcpu *v)
{
	if (ok || invariant_failed)
		return;
	invariant_failed = true;
	CHECK(false, "at %lld us, d%u v%u: %s", (long long)(sim_now / 1000),
	      v->domain->domain_id, v->vcpu_id, what);
}

static void check_invariants(void)
{
	struct sim_vcpu *sv;

	/*
	 * The scheduler's timers: accounting, plus the running vCPU's slice;
	 * none for the idle vCPU, which must not be woken for nothing.
	 */
	if (sim_armed_timers() != (is_idle_vcpu(current) ? 1U : 2U) &&
	    !invariant_failed) {
		invariant_failed = true;
		CHECK(false, "at %lld us: %u timers armed, %s running",
		      (long long)(sim_now / 1000), sim_armed_timers(),
		      is_idle_vcpu(current) ? "idle" : "a vCPU");
	}

	for_each_sim_vcpu(sv) {
		struct vcpu *v = &sv->v;
		const struct vcpu_runstate_info *rs = &v->runstate;
		struct sim_dom *sd = container_of(v->domain, struct sim_dom, d);
		uint64_t sum = sim_now - rs->state_entry_time;

		if (v->domain->state == DOMAIN_DYING)
			continue;
		for (int s = 0; s < 4; s++)
			sum += rs->time[s];
		invariant(sum == (uint64_t)(sim_now - sd->created),
			  "runstate times do not add up", v);
		invariant(!v->sched.on_runq || (vcpu_runnable(v) &&
						!v->is_running),
			  "queued but not runnable, or running", v);
		invariant(!vcpu_runnable(v) || v->is_running ||
			  v->sched.on_runq, "runnable but lost", v);
		invariant(v->is_running == (current == v),
			  "is_running disagrees with current", v);
		invariant((rs->state == RUNSTATE_running) == v->is_running,
			  "runstate running disagrees with is_running", v);
		invariant(!v->sched.on_runq || rs->state == RUNSTATE_runnable,
			  "queued but runstate not runnable", v);
		invariant(!(v->pause_flags & VPF_blocked) || v->is_running ||
			  rs->state == RUNSTATE_blocked,
			  "blocked but runstate not blocked", v);
		invariant(v->sched.credit <= MAX_BANKED,
			  "holds more than one period of credit", v);
		invariant(!v->is_running ||
			  (sv->area.state == RUNSTATE_running &&
			   sv->area.state_entry_time == rs->state_entry_time),
			  "runstate area not updated at switch-in", v);
		if (v->pause_flags & VPF_parked)
			sv->was_parked = true;
	}
}

/* Total CPU time of a domain, what it ran since its last charge included. */
static s_time_t domain_time(const struct sim_dom *sd)
{
	s_time_t t = sd->d.cpu_time;

	for (unsigned int i = 0; i < sd->d.max_vcpus; i++)
		if (sd->sv[i].v.is_running)
			t += sim_now - sd->sv[i].v.sched.start_time;
	return t;
}

/* cpu_time must be the vCPUs' running time. */
static void check_cpu_time(const struct sim_dom *sd)
{
	s_time_t running = 0;

	for (unsigned int i = 0; i < sd->d.max_vcpus; i++) {
		const struct vcpu *v = &sd->sv[i].v;

		running += v->runstate.time[RUNSTATE_running];
		if (v->is_running)
			running += sim_now - v->runstate.state_entry_time;
	}
	if (domain_time(sd) != running)
		CHECK(false, "%s: cpu_time %lld ns but running time %lld ns",
		      sd->d.name, (long long)domain_time(sd),
		      (long long)running);
}

/* A different vCPU is on the CPU: stints, and who follows a console. */
static void note_switch(void)
{
	struct vcpu *prev = last_current, *next = current;

	if (next == prev)
		return;
	if (!is_idle_vcpu(prev)) {
		struct sim_vcpu *p = sim_of(prev);

		p->max_stint = MAX(p->max_stint, sim_now - on_cpu_since);
		if (p->kind == CONSOLE && preempted && !is_idle_vcpu(next)) {
			if (next == preempted)
				resumed++;
			else
				not_resumed++;
			preempted = NULL;
		}
		if (p->kind == SPIN && !is_idle_vcpu(next) &&
		    sim_of(next)->kind == CONSOLE)
			preempted = prev;
	}
	last_current = next;
	on_cpu_since = sim_now;
}

static void simulate(s_time_t duration)
{
	s_time_t end = sim_now + duration, last = sim_now;
	unsigned int stuck = 0;

	/* What the test did before (wake-ups, say) takes effect now. */
	sim_run_softirqs();
	note_switch();
	while (sim_now < end) {
		struct sim_vcpu *run = NULL, *sv;
		s_time_t next = end;

		if (!is_idle_vcpu(current) && sim_of(current)->kind != SPIN)
			run = sim_of(current);

		next = MIN(next, sim_next_timer());
		for_each_sim_vcpu(sv)
			next = MIN(next, sv->next_work);
		if (run)
			next = MIN(next, sim_now + run->backlog);
		/* What is overdue happens now: time never goes backwards. */
		next = MAX(next, sim_now);
		if (run)
			run->backlog -= next - sim_now;
		sim_now = next;

		/* The running guest finished its work: SCHEDOP_block. */
		if (run && !run->backlog &&
		    !(run->v.pause_flags & VPF_blocked)) {
			run->v.pause_flags |= VPF_blocked;
			vcpu_sleep(&run->v);
			if (run->kind == SLEEPER)
				run->next_work = sim_now + run->interval;
		}
		/* New work (an event, or the end of a sleep) wakes them. */
		for_each_sim_vcpu(sv) {
			if (sv->next_work > sim_now)
				continue;
			sv->backlog += sv->work;
			sv->next_work = sv->kind == SLEEPER ? SIM_NEVER :
					sv->next_work + sv->interval;
			if (sv->v.pause_flags & VPF_blocked) {
				sv->v.pause_flags &= ~VPF_blocked;
				sv->woke_at = sim_now;
				sv->wakes++;
				vcpu_wake(&sv->v);
			}
		}

		sim_run_softirqs();
		note_switch();

		if (!is_idle_vcpu(current) && sim_of(current)->woke_at >= 0) {
			sv = sim_of(current);
			sv->max_latency = MAX(sv->max_latency,
					      sim_now - sv->woke_at);
			sv->woke_at = -1;
		}
		check_invariants();
		/* Events at one instant are few; thousands mean a livelock. */
		stuck = sim_now == last ? stuck + 1 : 0;
		last = sim_now;
		if (stuck > 10000) {
			CHECK(false, "simulated time stuck at %lld ns",
			      (long long)sim_now);
			exit(1);
		}
	}
	for (unsigned int i = 0; i < nr_doms; i++)
		check_cpu_time(&doms[i]);
}

static double share(const struct sim_dom *sd, s_time_t since, s_time_t base)
{
	return (double)(domain_time(sd) - base) / (double)(sim_now - since);
}

static bool near(double x, double want, double tolerance)
{
	return x > want - tolerance && x < want + tolerance;
}

/* ---- scenarios ----------------------------------------------------------- */

static void test_weights(void)
{
	struct sim_dom *a, *b;
	double sa, sb;

	start(SECONDS(1));
	a = add_domain(256, 0, 1, SPIN, 0, 0);
	b = add_domain(512, 0, 1, SPIN, 0, 0);
	simulate(SECONDS(6));
	sa = share(a, SECONDS(1), 0);
	sb = share(b, SECONDS(1), 0);
	CHECK(near(sa, 1.0 / 3, 0.02) && near(sb, 2.0 / 3, 0.02),
	      "weights 256:512, two spinners: shares %.3f %.3f", sa, sb);
	CHECK(near(sb / sa, 2.0, 0.1), "  ratio %.3f (want 2)", sb / sa);
	CHECK(sa + sb > 0.999, "  the CPU never idles: %.4f", sa + sb);
	CHECK(!invariant_failed, "  invariants held (%lu switches)",
	      sim_switches);
	sched_dump();
}

static void test_idle_vcpus(void)
{
	struct sim_dom *a, *b;
	double sa, sb;

	/* One of a's two vCPUs never comes up: b must not gain from that. */
	start(SECONDS(1));
	a = add_domain(256, 0, 2, SPIN, 0, 0);
	a->sv[1].v.pause_flags |= VPF_down;
	vcpu_sleep(&a->sv[1].v);
	b = add_domain(256, 0, 1, SPIN, 0, 0);
	simulate(SECONDS(6));
	sa = share(a, SECONDS(1), 0);
	sb = share(b, SECONDS(1), 0);
	CHECK(near(sa, 0.5, 0.02) && near(sb, 0.5, 0.02),
	      "a domain's weight goes to its vCPUs that want the CPU: "
	      "equal weights, one vCPU of two down: shares %.3f %.3f", sa, sb);
	CHECK(!invariant_failed, "  invariants held");
}

static void test_weights_after_idling(void)
{
	struct sim_dom *a, *b;
	s_time_t t0, a0, b0;
	double sa, sb;

	/* They boot and idle (banking credit) before they spin. */
	start(SECONDS(1));
	a = add_domain(256, 0, 1, CONSOLE, MICROSECS(50), MILLISECS(10));
	b = add_domain(512, 0, 1, CONSOLE, MICROSECS(50), MILLISECS(10));
	simulate(SECONDS(2));
	for (int i = 0; i < 2; i++) {
		struct sim_vcpu *sv = i ? &b->sv[0] : &a->sv[0];

		sv->kind = SPIN;
		sv->next_work = SIM_NEVER;
		if (sv->v.pause_flags & VPF_blocked) {
			sv->v.pause_flags &= ~VPF_blocked;
			vcpu_wake(&sv->v);
		}
	}
	t0 = sim_now;
	a0 = domain_time(a);
	b0 = domain_time(b);
	simulate(SECONDS(4));
	sa = share(a, t0, a0);
	sb = share(b, t0, b0);
	CHECK(near(sa, 1.0 / 3, 0.02) && near(sb, 2.0 / 3, 0.02),
	      "weights 256:512, spinning after idling with credit banked: "
	      "shares %.3f %.3f", sa, sb);
	CHECK(!invariant_failed, "  invariants held");
}

static void test_three_weights(void)
{
	struct sim_dom *a, *b, *c;
	double sa, sb, sc;

	/* Needs slices that end with the credit: see start_slice(). */
	start(SECONDS(1));
	a = add_domain(100, 0, 1, SPIN, 0, 0);
	b = add_domain(200, 0, 1, SPIN, 0, 0);
	c = add_domain(400, 0, 1, SPIN, 0, 0);
	simulate(SECONDS(10));
	sa = share(a, SECONDS(1), 0);
	sb = share(b, SECONDS(1), 0);
	sc = share(c, SECONDS(1), 0);
	CHECK(near(sa, 1.0 / 7, 0.01) && near(sb, 2.0 / 7, 0.01) &&
	      near(sc, 4.0 / 7, 0.01),
	      "weights 1:2:4, three spinners: shares %.3f %.3f %.3f", sa, sb,
	      sc);
	CHECK(!invariant_failed, "  invariants held");
}

static void test_weights_with_console(void)
{
	struct sim_dom *a, *b, *c;
	double sa, sb, sc;

	start(SECONDS(1));
	a = add_domain(256, 0, 1, SPIN, 0, 0);
	b = add_domain(512, 0, 1, SPIN, 0, 0);
	c = add_domain(256, 0, 1, CONSOLE, MICROSECS(200), MILLISECS(5));
	simulate(SECONDS(6));
	sa = share(a, SECONDS(1), 0);
	sb = share(b, SECONDS(1), 0);
	sc = share(c, SECONDS(1), 0);
	CHECK(near(sb / sa, 2.0, 0.1),
	      "256:512 spinners beside a console: shares %.3f %.3f %.3f, "
	      "ratio %.3f", sa, sb, sc, sb / sa);
	CHECK(near(sc, 0.04, 0.002), "  the console did all its work (%.4f)",
	      sc);
	CHECK(c->sv[0].max_latency <= MICROSECS(100),
	      "  console ran within %lld us of each of %lu wake-ups",
	      (long long)(c->sv[0].max_latency / 1000), c->sv[0].wakes);
	CHECK(!invariant_failed, "  invariants held");
}

static void test_turns(void)
{
	struct sim_dom *a, *c;
	s_time_t r0, r1;

	start(SECONDS(1));
	a = add_domain(256, 0, 2, SPIN, 0, 0);
	simulate(SECONDS(3));
	r0 = a->sv[0].v.runstate.time[RUNSTATE_running];
	r1 = a->sv[1].v.runstate.time[RUNSTATE_running];
	CHECK(a->sv[0].max_stint <= MILLISECS(10) &&
	      a->sv[1].max_stint <= MILLISECS(10),
	      "two spinning vCPUs of a domain take turns every slice: "
	      "longest runs %lld and %lld ms",
	      (long long)(a->sv[0].max_stint / MILLISECS(1)),
	      (long long)(a->sv[1].max_stint / MILLISECS(1)));
	CHECK(near((double)r0 / (r0 + r1), 0.5, 0.01),
	      "  and share their domain's time evenly (%.3f)",
	      (double)r0 / (r0 + r1));

	start(SECONDS(1));
	add_domain(256, 0, 1, SPIN, 0, 0);
	add_domain(256, 0, 1, SPIN, 0, 0);
	c = add_domain(256, 0, 1, CONSOLE, MICROSECS(200), MICROSECS(3100));
	simulate(SECONDS(5));
	CHECK(resumed > 9 * not_resumed && resumed + not_resumed > 1000,
	      "a spinner preempted by a console gets the CPU back after it "
	      "(%lu of %lu times; %lu wake-ups)", resumed,
	      resumed + not_resumed, c->sv[0].wakes);
	CHECK(!invariant_failed, "  invariants held");
}

static void test_console_latency(unsigned int console_weight)
{
	struct sim_dom *s, *c;
	s_time_t demand;

	start(SECONDS(1));
	s = add_domain(512, 0, 2, SPIN, 0, 0);
	c = add_domain(console_weight, 0, 1, CONSOLE, MICROSECS(300),
		       MILLISECS(7));
	simulate(SECONDS(5));
	demand = c->sv[0].wakes * MICROSECS(300);
	CHECK(c->sv[0].max_latency <= MICROSECS(100),
	      "console (weight %u) beside a 2-vCPU spinner (512): woke %lu "
	      "times, max latency %lld us", console_weight, c->sv[0].wakes,
	      (long long)(c->sv[0].max_latency / 1000));
	CHECK(domain_time(c) >= demand - MICROSECS(300),
	      "  it got the %lld ms it needed (%lld ms); spinner %lld ms",
	      (long long)(demand / MILLISECS(1)),
	      (long long)(domain_time(c) / MILLISECS(1)),
	      (long long)(domain_time(s) / MILLISECS(1)));
	CHECK(!invariant_failed, "  invariants held");
}

static void test_console_over_share(void)
{
	struct sim_dom *c;

	/*
	 * Weight 16 beside 256 and 512 is a 2% share, and this console
	 * wants 4%: it gets no boost guarantee, but must not wait long.
	 */
	start(SECONDS(1));
	add_domain(256, 0, 1, SPIN, 0, 0);
	add_domain(512, 0, 1, SPIN, 0, 0);
	c = add_domain(16, 0, 1, CONSOLE, MICROSECS(200), MILLISECS(5));
	simulate(SECONDS(6));
	CHECK(c->sv[0].max_latency <= MILLISECS(30),
	      "a console over its share (weight 16) still waits at most a "
	      "period: max latency %lld us",
	      (long long)(c->sv[0].max_latency / 1000));
	CHECK(!invariant_failed, "  invariants held");
}

static void test_greedy_waker(void)
{
	struct sim_dom *s, *c;
	s_time_t t0, s0, c0;
	double ss, sc;

	/* Wakes up every 7 ms wanting 6: boosts must not buy it the CPU. */
	start(SECONDS(1));
	s = add_domain(256, 0, 1, SPIN, 0, 0);
	c = add_domain(256, 0, 1, CONSOLE, MILLISECS(6), MILLISECS(7));
	simulate(SECONDS(6));
	ss = share(s, SECONDS(1), 0);
	sc = share(c, SECONDS(1), 0);
	CHECK(near(ss, 0.5, 0.05) && near(sc, 0.5, 0.05),
	      "a waker wanting 86%% beside a spinner, equal weights: "
	      "shares %.3f %.3f", sc, ss);
	CHECK(!invariant_failed, "  invariants held");

	/* Works 2 ms, sleeps 0.5 ms: waking up so often must not pay. */
	start(SECONDS(1));
	s = add_domain(256, 0, 1, SPIN, 0, 0);
	c = add_domain(256, 0, 1, SLEEPER, MILLISECS(2), MICROSECS(500));
	simulate(SECONDS(6));
	ss = share(s, SECONDS(1), 0);
	sc = share(c, SECONDS(1), 0);
	CHECK(near(ss, 0.5, 0.02) && near(sc, 0.5, 0.02),
	      "one that works 2 ms and sleeps 0.5 ms, beside a spinner: "
	      "shares %.3f %.3f (%lu wake-ups)", sc, ss, c->sv[0].wakes);

	/* Wakes up (boosted) once, with 100 s of work: the boost must end. */
	start(SECONDS(1));
	s = add_domain(256, 0, 1, SPIN, 0, 0);
	c = add_domain(256, 0, 1, CONSOLE, SECONDS(100), SECONDS(1));
	simulate(MILLISECS(1500));
	t0 = sim_now;
	s0 = domain_time(s);
	c0 = domain_time(c);
	simulate(SECONDS(3));
	ss = share(s, t0, s0);
	sc = share(c, t0, c0);
	CHECK(near(ss, 0.5, 0.02) && near(sc, 0.5, 0.02),
	      "a vCPU that wakes up and then spins keeps no boost: "
	      "shares %.3f %.3f", sc, ss);
}

static void test_stall(void)
{
	struct sim_dom *c;

	/*
	 * NOW() jumps by an hour while the console runs (a stall, a host
	 * suspend): it is charged for it, but such a debt must not cost it
	 * its prompt wake-ups for long.
	 */
	start(SECONDS(1));
	add_domain(256, 0, 1, SPIN, 0, 0);
	c = add_domain(256, 0, 1, CONSOLE, MICROSECS(200), MILLISECS(5));
	for (int i = 0; i < 1000 && current != &c->sv[0].v; i++)
		simulate(MICROSECS(100));
	sim_now += SECONDS(3600);
	c->sv[0].next_work += SECONDS(3600);	/* its clock jumped too */
	simulate(MILLISECS(200));
	c->sv[0].max_latency = 0;
	simulate(SECONDS(1));
	CHECK(c->sv[0].max_latency <= MICROSECS(100),
	      "after an hour-long stall the console answers at once again "
	      "(max latency %lld us)",
	      (long long)(c->sv[0].max_latency / 1000));
}

static void test_caps(void)
{
	struct sim_dom *d, *e, *f;
	s_time_t t0, e0, f0;
	double sd, se, sf;

	start(SECONDS(1));
	d = add_domain(256, 25, 1, SPIN, 0, 0);
	simulate(SECONDS(3));
	sd = share(d, SECONDS(1), 0);
	CHECK(near(sd, 0.25, 0.01), "cap 25%%, spinner alone: share %.3f", sd);
	CHECK(d->sv[0].was_parked, "  it was parked");
	CHECK(d->sv[0].v.runstate.time[RUNSTATE_offline] > SECONDS(2),
	      "  parked time counts as offline (%lld ms)",
	      (long long)(d->sv[0].v.runstate.time[RUNSTATE_offline] /
			  MILLISECS(1)));
	CHECK(!invariant_failed, "  invariants held");

	start(SECONDS(1));
	e = add_domain(1024, 30, 2, SPIN, 0, 0);
	f = add_domain(256, 0, 1, SPIN, 0, 0);
	simulate(SECONDS(6));
	se = share(e, SECONDS(1), 0);
	sf = share(f, SECONDS(1), 0);
	CHECK(near(se, 0.30, 0.015) && near(sf, 0.70, 0.015),
	      "cap 30%% on a 2-vCPU domain of weight 1024 beside weight 256: "
	      "shares %.3f %.3f", se, sf);

	t0 = sim_now;
	e0 = domain_time(e);
	f0 = domain_time(f);
	CHECK(sched_set_params(&e->d, 1024, 0) == 0, "  cap lifted");
	simulate(SECONDS(6));
	se = share(e, t0, e0);
	sf = share(f, t0, f0);
	CHECK(near(se, 0.8, 0.02) && near(sf, 0.2, 0.02),
	      "  then weights 1024:256 rule: shares %.3f %.3f", se, sf);
	CHECK(!invariant_failed, "  invariants held");
}

static void test_params(void)
{
	struct sim_dom *d;

	start(SECONDS(1));
	d = add_domain(300, 40, 1, SPIN, 0, 0);
	CHECK(sched_set_params(&d->d, 0, 0) == -EINVAL, "weight 0 rejected");
	CHECK(sched_set_params(&d->d, SCHED_MAX_WEIGHT + 1, 0) == -EINVAL,
	      "weight %u rejected", SCHED_MAX_WEIGHT + 1);
	CHECK(sched_set_params(&d->d, 256, 101) == -EINVAL,
	      "cap 101 rejected (one CPU)");
	CHECK(sched_set_params(&d->d, ~0U, ~0U) == -EINVAL,
	      "weight and cap ~0 rejected");
	CHECK(d->d.weight == 300 && d->d.cap == 40,
	      "  rejected calls change nothing");
	CHECK(sched_set_params(&d->d, 1, 100) == 0 && d->d.weight == 1 &&
	      d->d.cap == 100, "weight 1, cap 100 accepted");
	CHECK(sched_set_params(&d->d, SCHED_MAX_WEIGHT, 0) == 0 &&
	      d->d.weight == SCHED_MAX_WEIGHT && d->d.cap == 0,
	      "weight %u, cap 0 accepted", SCHED_MAX_WEIGHT);
}

static void test_yield_pause_leave(void)
{
	struct sim_dom *a, *b;
	struct vcpu *was;
	s_time_t t0, a0, b0;
	double sa, sb;

	start(SECONDS(1));
	a = add_domain(256, 0, 1, SPIN, 0, 0);
	simulate(MILLISECS(1));
	vcpu_yield();
	sim_run_softirqs();
	CHECK(current == &a->sv[0].v, "a lone vCPU that yields keeps the CPU");

	b = add_domain(256, 0, 1, SPIN, 0, 0);
	simulate(MILLISECS(12));
	CHECK(domain_time(b) > 0,
	      "  with a fresh slice: a newcomer runs within a slice");

	start(SECONDS(1));
	a = add_domain(256, 0, 1, SPIN, 0, 0);
	b = add_domain(256, 0, 1, SPIN, 0, 0);
	simulate(MILLISECS(3));
	was = current;
	vcpu_yield();
	sim_run_softirqs();
	CHECK(current != was && !is_idle_vcpu(current),
	      "yield hands the CPU to a waiting peer of the same priority");

	/* Pause b, as domain_pause() does. */
	b->d.pause_count++;
	vcpu_sleep(&b->sv[0].v);
	sim_run_softirqs();
	b0 = domain_time(b);
	simulate(SECONDS(1));
	CHECK(domain_time(b) == b0 && current == &a->sv[0].v,
	      "a paused domain does not run");
	CHECK(b->sv[0].v.runstate.state == RUNSTATE_offline,
	      "  and its runstate is offline");

	b->d.pause_count--;
	vcpu_wake(&b->sv[0].v);
	t0 = sim_now;
	a0 = domain_time(a);
	b0 = domain_time(b);
	simulate(SECONDS(3));
	sa = share(a, t0, a0);
	sb = share(b, t0, b0);
	CHECK(near(sa, 0.5, 0.03) && near(sb, 0.5, 0.03),
	      "  unpaused, it gets its share again: %.3f %.3f", sa, sb);

	/* b dies, as domain_kill() and the reclaim softirq do it. */
	b->d.state = DOMAIN_DYING;
	vcpu_sleep(&b->sv[0].v);
	sim_run_softirqs();
	CHECK(!b->sv[0].v.is_running && !b->sv[0].v.sched.on_runq,
	      "a dying domain's vCPU leaves the CPU and the run queue");
	list_del(&b->d.domain_list);
	sched_remove_vcpu(&b->sv[0].v);
	t0 = sim_now;
	a0 = domain_time(a);
	simulate(SECONDS(1));
	CHECK(near(share(a, t0, a0), 1.0, 0.001),
	      "  and the survivor gets the whole CPU");

	/* Down: the idle vCPU runs. */
	a->sv[0].v.pause_flags |= VPF_down;
	vcpu_sleep(&a->sv[0].v);
	sim_run_softirqs();
	CHECK(is_idle_vcpu(current), "nothing runnable: the idle vCPU runs");
	simulate(MILLISECS(100));
	CHECK(is_idle_vcpu(current) &&
	      a->sv[0].v.runstate.state == RUNSTATE_offline,
	      "  and keeps running; the downed vCPU is offline");
	CHECK(!invariant_failed, "  invariants held");
}

int main(void)
{
	test_params();
	test_weights();
	test_weights_after_idling();
	test_three_weights();
	test_idle_vcpus();
	test_weights_with_console();
	test_turns();
	test_console_latency(256);
	test_console_latency(64);
	test_console_over_share();
	test_greedy_waker();
	test_stall();
	test_caps();
	test_yield_pause_leave();

	return check_summary();
}
