/*
 * Host test for the 2-level event channels (hypervisor/common/event_channel.c).
 *
 * The hypervisor file is compiled unchanged; shim/fake_services.c
 * supplies the services it calls (allocation, domain lookup, guest
 * copies) and fake domains whose shared_info is ordinary memory, this
 * program vcpu_wake(). "Guest" pointers are host pointers.
 *
 * Checked: port allocation and port 0; alloc_unbound / bind_interdomain /
 * send / close between two domains and within one; pending, mask, selector
 * and upcall bits, and wake-ups of blocked and polling vCPUs; VIRQ binding
 * rules and delivery; IPIs; hypervisor-service ports; PIRQ binding (with
 * a stand-in for arch/x86/irq.c); status; bind_vcpu; unmask; reset;
 * privilege checks; hostile port numbers, vCPU ids, domain
 * ids and guest pointers; running out of ports and of memory; teardown
 * (peers go back to unbound, every allocation is freed).
 *
 * Build (from the top of the tree):
 *   gcc -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
 *       -include tests/unit/shim/host_compiler.h \
 *       -I tests/unit/shim -I hypervisor/include \
 *       -I hypervisor/arch/x86/include \
 *       tests/unit/test_event_channel.c tests/unit/shim/fake_services.c \
 *       hypervisor/common/event_channel.c -o test_event_channel
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/event.h>
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <tandem/mm.h>
#include <tandem/sched.h>
#include <asm/irq.h>
#include <asm/pv.h>
#include <public/event_channel.h>
#include <public/xen.h>

#include "check.h"
#include "shim/fake_services.h"

/* ---- Services the hypervisor file expects ---- */

static int nr_wakes;
static struct vcpu *last_woken;
static bool woken_while_blocked;

void vcpu_wake(struct vcpu *v)
{
	nr_wakes++;
	last_woken = v;
	woken_while_blocked = v->pause_flags & VPF_blocked;
}

/*
 * Physical IRQs (arch/x86/irq.c), as far as event channels see them:
 * PIRQs 1-3 are mapped for dom0; binding one records its port.
 */
#define FAKE_NR_PIRQS	4
static evtchn_port_t fake_pirq_port[FAKE_NR_PIRQS];
static int fake_pirq_releases;

int pirq_bind(struct domain *d, uint32_t pirq, evtchn_port_t port)
{
	if (pirq >= NR_PIRQS)
		return -EINVAL;
	if (d->domain_id != 0 || pirq == 0 || pirq >= FAKE_NR_PIRQS)
		return -EPERM;
	if (fake_pirq_port[pirq])
		return -EEXIST;
	fake_pirq_port[pirq] = port;
	return 0;
}

void pirq_unbind(struct domain *d, uint32_t pirq, evtchn_port_t port)
{
	if (pirq < FAKE_NR_PIRQS && fake_pirq_port[pirq] == port)
		fake_pirq_port[pirq] = 0;
}

void pirq_release_domain(struct domain *d)
{
	fake_pirq_releases++;
}

/* ---- Fake domains ---- */

#define NR_FAKE_VCPUS	2

static struct fake_dom dom0, dom1, dom2;

static int make_domain(struct fake_dom *f, domid_t id, bool privileged)
{
	fake_dom_init(f, id, privileged, NR_FAKE_VCPUS);
	return evtchn_init(&f->d);
}

static bool pending(struct fake_dom *f, evtchn_port_t p)
{
	return f->si.evtchn_pending[p / 64] & (1ULL << (p % 64));
}

static void set_mask(struct fake_dom *f, evtchn_port_t p, bool on)
{
	if (on)
		f->si.evtchn_mask[p / 64] |= 1ULL << (p % 64);
	else
		f->si.evtchn_mask[p / 64] &= ~(1ULL << (p % 64));
}

static bool masked(struct fake_dom *f, evtchn_port_t p)
{
	return f->si.evtchn_mask[p / 64] & (1ULL << (p % 64));
}

static bool sel(struct fake_dom *f, unsigned int vcpu, evtchn_port_t p)
{
	return f->si.vcpu_info[vcpu].evtchn_pending_sel & (1ULL << (p / 64));
}

static bool upcall(struct fake_dom *f, unsigned int vcpu)
{
	return f->si.vcpu_info[vcpu].evtchn_upcall_pending;
}

/* What the guest does after handling its events: clear everything. */
static void guest_ack_all(struct fake_dom *f)
{
	unsigned int i;

	memset(f->si.evtchn_pending, 0, sizeof(f->si.evtchn_pending));
	for (i = 0; i < NR_FAKE_VCPUS; i++) {
		f->si.vcpu_info[i].evtchn_pending_sel = 0;
		f->si.vcpu_info[i].evtchn_upcall_pending = 0;
	}
}

static void run_as(struct fake_dom *f, unsigned int vcpu)
{
	test_current = &f->v[vcpu];
}

static long hc(int cmd, void *arg)
{
	return do_event_channel_op(cmd, (uint64_t)(uintptr_t)arg);
}

/* ---- Guest-side wrappers: hypercall from the current vCPU ---- */

static long alloc_unbound(domid_t dom, domid_t remote, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound op = { .dom = dom, .remote_dom = remote };
	long rc = hc(EVTCHNOP_alloc_unbound, &op);

	*port = op.port;
	return rc;
}

static long bind_interdomain(domid_t rdom, evtchn_port_t rport,
			     evtchn_port_t *lport)
{
	struct evtchn_bind_interdomain op = {
		.remote_dom = rdom, .remote_port = rport,
	};
	long rc = hc(EVTCHNOP_bind_interdomain, &op);

	*lport = op.local_port;
	return rc;
}

static long bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port)
{
	struct evtchn_bind_virq op = { .virq = virq, .vcpu = vcpu };
	long rc = hc(EVTCHNOP_bind_virq, &op);

	*port = op.port;
	return rc;
}

static long bind_ipi(uint32_t vcpu, evtchn_port_t *port)
{
	struct evtchn_bind_ipi op = { .vcpu = vcpu };
	long rc = hc(EVTCHNOP_bind_ipi, &op);

	*port = op.port;
	return rc;
}

static long ec_close(evtchn_port_t port)
{
	struct evtchn_close op = { .port = port };

	return hc(EVTCHNOP_close, &op);
}

static long ec_send(evtchn_port_t port)
{
	struct evtchn_send op = { .port = port };

	return hc(EVTCHNOP_send, &op);
}

static long ec_unmask(evtchn_port_t port)
{
	struct evtchn_unmask op = { .port = port };

	return hc(EVTCHNOP_unmask, &op);
}

static long bind_vcpu(evtchn_port_t port, uint32_t vcpu)
{
	struct evtchn_bind_vcpu op = { .port = port, .vcpu = vcpu };

	return hc(EVTCHNOP_bind_vcpu, &op);
}

static long ec_status(domid_t dom, evtchn_port_t port,
		      struct evtchn_status *st)
{
	memset(st, 0xa5, sizeof(*st));	/* garbage the guest left there */
	st->dom = dom;
	st->port = port;
	return hc(EVTCHNOP_status, st);
}

static long ec_reset(domid_t dom)
{
	struct evtchn_reset op = { .dom = dom };

	return hc(EVTCHNOP_reset, &op);
}

/* ---- Checks ---- */

static void status_is(domid_t dom, evtchn_port_t port, uint32_t want_status,
		      const char *what)
{
	struct evtchn_status st;
	long rc = ec_status(dom, port, &st);

	CHECK_EQ(rc ? rc : (long)st.status, want_status, "%s", what);
}

/* ---- Tests ---- */

static void test_port_zero(void)
{
	struct evtchn_status st;

	run_as(&dom1, 0);
	CHECK_EQ(ec_close(0), -EINVAL, "close port 0 -> EINVAL");
	CHECK_EQ(ec_send(0), -EINVAL, "send on port 0 -> EINVAL");
	CHECK_EQ(ec_unmask(0), -EINVAL, "unmask port 0 -> EINVAL");
	CHECK_EQ(bind_vcpu(0, 0), -EINVAL, "bind_vcpu port 0 -> EINVAL");
	CHECK_EQ(ec_status(DOMID_SELF, 0, &st), 0, "status of port 0");
	CHECK(st.status == EVTCHNSTAT_closed, "port 0 reads as closed");
	evtchn_set_pending(&dom1.d, 0);
	CHECK(!pending(&dom1, 0), "port 0 is never raised");
}

static void test_interdomain(void)
{
	evtchn_port_t p1, p2, again;
	struct evtchn_status st;

	/* dom1 offers a port to dom2. */
	run_as(&dom1, 0);
	CHECK_EQ(alloc_unbound(DOMID_SELF, 2, &p1), 0,
		 "alloc_unbound for dom2");
	CHECK(p1 == 1, "first free port is 1");
	CHECK_EQ(ec_status(DOMID_SELF, p1, &st), 0, "status of unbound port");
	CHECK(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 2 &&
	      st.vcpu == 0, "unbound: waiting for dom2, vCPU 0");
	CHECK_EQ(ec_send(p1), 0, "send on unbound port is dropped, rc 0");
	CHECK(!pending(&dom1, p1), "unbound send raises nothing locally");

	/* dom0 may not take it: it is reserved for dom2. */
	run_as(&dom0, 0);
	CHECK_EQ(bind_interdomain(1, p1, &again), -EINVAL,
		 "bind to a port reserved for another domain -> EINVAL");

	/* dom2 binds; the new local port is raised for lost events. */
	run_as(&dom2, 0);
	CHECK_EQ(bind_interdomain(1, p1, &p2), 0, "dom2 binds to dom1's port");
	CHECK(pending(&dom2, p2) && sel(&dom2, 0, p2) && upcall(&dom2, 0),
	      "bind_interdomain raises the new local port");
	CHECK_EQ(bind_interdomain(1, p1, &again), -EINVAL,
		 "binding an already bound port -> EINVAL");
	CHECK_EQ(ec_status(DOMID_SELF, p2, &st), 0, "status, dom2 side");
	CHECK(st.status == EVTCHNSTAT_interdomain &&
	      st.u.interdomain.dom == 1 && st.u.interdomain.port == p1,
	      "dom2 side: interdomain to dom1:p1");
	run_as(&dom1, 0);
	CHECK_EQ(ec_status(DOMID_SELF, p1, &st), 0, "status, dom1 side");
	CHECK(st.status == EVTCHNSTAT_interdomain &&
	      st.u.interdomain.dom == 2 && st.u.interdomain.port == p2,
	      "dom1 side: interdomain to dom2:p2");

	/* Send from dom1: dom2 gets pending + selector + upcall. */
	guest_ack_all(&dom2);
	CHECK_EQ(ec_send(p1), 0, "dom1 sends");
	CHECK(pending(&dom2, p2), "peer port pending");
	CHECK(sel(&dom2, 0, p2) && upcall(&dom2, 0),
	      "peer vCPU 0 selector and upcall set");
	CHECK(!pending(&dom1, p1), "sender's own port not raised");

	/* Blocked receiver is woken (and only once). */
	guest_ack_all(&dom2);
	dom2.v[0].pause_flags |= VPF_blocked;
	nr_wakes = 0;
	CHECK_EQ(ec_send(p1), 0, "send to a blocked vCPU");
	CHECK(nr_wakes == 1 && last_woken == &dom2.v[0] &&
	      !woken_while_blocked && !(dom2.v[0].pause_flags & VPF_blocked),
	      "blocked vCPU: VPF_blocked cleared, vcpu_wake called");
	dom2.v[0].pause_flags |= VPF_blocked;
	CHECK_EQ(ec_send(p1), 0, "send again while still pending");
	CHECK(nr_wakes == 1 && (dom2.v[0].pause_flags & VPF_blocked),
	      "already pending: no second wake");
	dom2.v[0].pause_flags = 0;

	/* Selector already set: the pending bit is set, no new upcall. */
	guest_ack_all(&dom2);
	dom2.si.vcpu_info[0].evtchn_pending_sel = 1ULL << (p2 / 64);
	dom2.v[0].pause_flags |= VPF_blocked;
	nr_wakes = 0;
	CHECK_EQ(ec_send(p1), 0, "send with the selector already set");
	CHECK(pending(&dom2, p2) && !upcall(&dom2, 0) && nr_wakes == 0,
	      "selector already set: pending only, no upcall, no wake");
	dom2.v[0].pause_flags = 0;

	/* Masked: pending only; unmask then delivers. */
	guest_ack_all(&dom2);
	set_mask(&dom2, p2, true);
	CHECK_EQ(ec_send(p1), 0, "send to a masked port");
	CHECK(pending(&dom2, p2) && !sel(&dom2, 0, p2) && !upcall(&dom2, 0),
	      "masked: pending bit only");
	run_as(&dom2, 0);
	dom2.v[0].pause_flags |= VPF_blocked;
	nr_wakes = 0;
	CHECK_EQ(ec_unmask(p2), 0, "unmask");
	CHECK(!masked(&dom2, p2) && sel(&dom2, 0, p2) && upcall(&dom2, 0),
	      "unmask of a pending port raises selector and upcall");
	CHECK(nr_wakes == 1, "unmask wakes the blocked vCPU");
	dom2.v[0].pause_flags = 0;
	guest_ack_all(&dom2);
	CHECK_EQ(ec_unmask(p2), 0, "unmask of an unmasked port");
	CHECK(!upcall(&dom2, 0), "unmask of an idle port raises nothing");
	set_mask(&dom2, p2, true);
	CHECK_EQ(ec_unmask(p2), 0, "unmask of a masked idle port");
	CHECK(!masked(&dom2, p2) && !upcall(&dom2, 0),
	      "mask cleared, nothing raised");

	/* The other direction. */
	guest_ack_all(&dom1);
	CHECK_EQ(ec_send(p2), 0, "dom2 sends back");
	CHECK(pending(&dom1, p1) && upcall(&dom1, 0), "dom1 raised");

	/* bind_vcpu moves delivery to vCPU 1. */
	guest_ack_all(&dom2);
	CHECK_EQ(bind_vcpu(p2, 1), 0, "bind_vcpu interdomain -> vCPU 1");
	run_as(&dom1, 0);
	CHECK_EQ(ec_send(p1), 0, "send after bind_vcpu");
	CHECK(upcall(&dom2, 1) && sel(&dom2, 1, p2) && !upcall(&dom2, 0),
	      "event goes to vCPU 1");
	run_as(&dom2, 0);
	CHECK_EQ(ec_status(DOMID_SELF, p2, &st), 0, "status after bind_vcpu");
	CHECK(st.vcpu == 1, "status reports vCPU 1");

	/* Close on dom1: dom2's end goes back to unbound, waiting for dom1. */
	guest_ack_all(&dom1);
	dom1.si.evtchn_pending[0] |= 1ULL << p1;
	run_as(&dom1, 0);
	CHECK_EQ(ec_close(p1), 0, "dom1 closes its end");
	CHECK(!pending(&dom1, p1), "close clears the pending bit");
	status_is(DOMID_SELF, p1, EVTCHNSTAT_closed,
		  "closed port reads closed");
	CHECK_EQ(ec_close(p1), -EINVAL, "closing a free port -> EINVAL");
	CHECK_EQ(ec_send(p1), -EINVAL, "send on a free port -> EINVAL");
	run_as(&dom2, 0);
	CHECK_EQ(ec_status(DOMID_SELF, p2, &st), 0, "status of orphaned end");
	CHECK(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 1 &&
	      st.vcpu == 1, "peer is unbound, waiting for dom1, keeps vCPU");
	CHECK_EQ(ec_send(p2), 0, "send on orphaned end is dropped");

	/* dom1 reconnects to the orphaned end. */
	run_as(&dom1, 0);
	CHECK_EQ(bind_interdomain(2, p2, &again), 0, "dom1 rebinds");
	CHECK(again == p1, "lowest free port reused");
	guest_ack_all(&dom2);
	CHECK_EQ(ec_send(again), 0, "send over the new connection");
	CHECK(pending(&dom2, p2) && upcall(&dom2, 1), "delivered");

	/* Close from dom2's side this time. */
	run_as(&dom2, 0);
	CHECK_EQ(ec_close(p2), 0, "dom2 closes");
	run_as(&dom1, 0);
	CHECK_EQ(ec_status(DOMID_SELF, again, &st), 0, "status after close");
	CHECK(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 2,
	      "dom1's end waits for dom2 again");
	CHECK_EQ(ec_close(again), 0, "close the unbound port");
}

static void test_loopback(void)
{
	evtchn_port_t a, b;
	struct evtchn_status st;

	run_as(&dom1, 0);
	CHECK_EQ(alloc_unbound(DOMID_SELF, DOMID_SELF, &a), 0,
		 "alloc_unbound for self");
	CHECK_EQ(ec_status(DOMID_SELF, a, &st), 0, "status");
	CHECK(st.u.unbound.dom == 1, "DOMID_SELF stored as own id");
	CHECK_EQ(bind_interdomain(DOMID_SELF, a, &b), 0, "bind to own port");
	CHECK(a != b, "two distinct ports");
	guest_ack_all(&dom1);
	CHECK_EQ(ec_send(a), 0, "send a");
	CHECK(pending(&dom1, b) && !pending(&dom1, a), "b raised");
	guest_ack_all(&dom1);
	CHECK_EQ(ec_send(b), 0, "send b");
	CHECK(pending(&dom1, a) && !pending(&dom1, b), "a raised");
	CHECK_EQ(ec_close(b), 0, "close b");
	CHECK_EQ(ec_status(DOMID_SELF, a, &st), 0, "status a");
	CHECK(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 1,
	      "a waits for self again");
	CHECK_EQ(ec_close(a), 0, "close a");
	guest_ack_all(&dom1);
}

static void test_alloc_unbound_rules(void)
{
	evtchn_port_t p;
	struct evtchn_status st;

	run_as(&dom1, 0);
	CHECK_EQ(alloc_unbound(2, 1, &p), -EPERM,
		 "unprivileged alloc_unbound in another domain -> EPERM");
	CHECK_EQ(alloc_unbound(1, 2, &p), 0, "own id accepted as dom");
	CHECK_EQ(ec_close(p), 0, "close it");
	CHECK_EQ(alloc_unbound(DOMID_SELF, DOMID_IO, &p), -EINVAL,
		 "remote DOMID_IO -> EINVAL");
	CHECK_EQ(alloc_unbound(DOMID_SELF, 0xffff, &p), -EINVAL,
		 "remote 0xffff -> EINVAL");

	run_as(&dom0, 0);
	CHECK_EQ(alloc_unbound(2, DOMID_SELF, &p), 0,
		 "privileged alloc_unbound in dom2 for itself");
	CHECK_EQ(ec_status(2, p, &st), 0, "privileged status of dom2's port");
	CHECK(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 0,
	      "dom2's port waits for dom0");
	CHECK_EQ(alloc_unbound(7, 1, &p), -ESRCH,
		 "privileged alloc_unbound in a missing domain -> ESRCH");

	/* dom2 can close its own port that dom0 made. */
	run_as(&dom2, 0);
	CHECK_EQ(ec_close(1), 0, "dom2 closes the port dom0 made for it");
}

static void test_virq(void)
{
	evtchn_port_t t0, t1, dup, con, dbg;
	struct evtchn_status st;

	run_as(&dom1, 0);
	CHECK_EQ(bind_virq(VIRQ_TIMER, 0, &t0), 0, "VIRQ_TIMER on vCPU 0");
	CHECK_EQ(bind_virq(VIRQ_TIMER, 1, &t1), 0, "VIRQ_TIMER on vCPU 1");
	CHECK(t0 != t1, "distinct ports");
	CHECK(dom1.v[0].virq_to_evtchn[VIRQ_TIMER] == t0 &&
	      dom1.v[1].virq_to_evtchn[VIRQ_TIMER] == t1, "virq_to_evtchn set");
	CHECK_EQ(bind_virq(VIRQ_TIMER, 1, &dup), -EEXIST,
		 "VIRQ_TIMER twice on vCPU 1 -> EEXIST");
	CHECK_EQ(bind_virq(NR_VIRQS, 0, &dup), -EINVAL, "virq 24 -> EINVAL");
	CHECK_EQ(bind_virq(0xffffffff, 0, &dup), -EINVAL,
		 "virq 0xffffffff -> EINVAL");
	CHECK_EQ(bind_virq(VIRQ_DEBUG, 2, &dup), -ENOENT,
		 "per-vCPU VIRQ on missing vCPU 2 -> ENOENT");
	CHECK_EQ(bind_virq(VIRQ_DEBUG, 0x80000000, &dup), -ENOENT,
		 "vCPU 0x80000000 -> ENOENT");
	CHECK_EQ(bind_virq(VIRQ_CONSOLE, 1, &dup), -EINVAL,
		 "global VIRQ on vCPU 1 -> EINVAL");
	CHECK_EQ(bind_virq(VIRQ_CONSOLE, 0, &con), 0, "global VIRQ on vCPU 0");
	CHECK_EQ(bind_virq(VIRQ_CONSOLE, 0, &dup), -EEXIST,
		 "global VIRQ twice -> EEXIST");

	CHECK_EQ(ec_status(DOMID_SELF, t1, &st), 0, "status of VIRQ port");
	CHECK(st.status == EVTCHNSTAT_virq && st.u.virq == VIRQ_TIMER &&
	      st.vcpu == 1, "virq status: VIRQ_TIMER on vCPU 1");

	guest_ack_all(&dom1);
	send_guest_vcpu_virq(&dom1.v[1], VIRQ_TIMER);
	CHECK(pending(&dom1, t1) && upcall(&dom1, 1) && !upcall(&dom1, 0),
	      "vCPU 1's timer VIRQ goes to vCPU 1");
	send_guest_vcpu_virq(&dom1.v[0], VIRQ_DEBUG);
	CHECK(!upcall(&dom1, 0), "unbound VIRQ is dropped");

	CHECK_EQ(ec_send(t0), -EINVAL, "send on a VIRQ port -> EINVAL");
	CHECK_EQ(bind_vcpu(t0, 1), -EINVAL,
		 "bind_vcpu on a per-vCPU VIRQ -> EINVAL");
	CHECK_EQ(bind_vcpu(con, 1), 0, "bind_vcpu on a global VIRQ");
	guest_ack_all(&dom1);
	send_guest_global_virq(&dom1.d, VIRQ_CONSOLE);
	CHECK(pending(&dom1, con) && upcall(&dom1, 1) && !upcall(&dom1, 0),
	      "global VIRQ follows bind_vcpu to vCPU 1");
	guest_ack_all(&dom2);
	send_guest_global_virq(&dom2.d, VIRQ_CONSOLE);
	CHECK(!upcall(&dom2, 0) && !upcall(&dom2, 1),
	      "global VIRQ to a domain that has not bound it is dropped");

	/* Closing unbinds, and the VIRQ can be bound again. */
	CHECK_EQ(ec_close(t1), 0, "close the vCPU 1 timer port");
	CHECK(dom1.v[1].virq_to_evtchn[VIRQ_TIMER] == 0,
	      "virq_to_evtchn cleared");
	CHECK_EQ(ec_close(con), 0, "close the global VIRQ port");
	CHECK(dom1.v[0].virq_to_evtchn[VIRQ_CONSOLE] == 0,
	      "global virq_to_evtchn (on vCPU 0) cleared");
	CHECK_EQ(bind_virq(VIRQ_TIMER, 1, &t1), 0, "rebind VIRQ_TIMER vCPU 1");
	CHECK_EQ(bind_virq(VIRQ_DEBUG, 1, &dbg), 0, "VIRQ_DEBUG on vCPU 1");
	guest_ack_all(&dom1);
	send_guest_vcpu_virq(&dom1.v[1], VIRQ_DEBUG);
	CHECK(pending(&dom1, dbg) && upcall(&dom1, 1), "VIRQ_DEBUG delivered");

	CHECK_EQ(ec_close(t0), 0, "close");
	CHECK_EQ(ec_close(t1), 0, "close");
	CHECK_EQ(ec_close(dbg), 0, "close");
	guest_ack_all(&dom1);
}

static void test_ipi(void)
{
	evtchn_port_t ipi, other;
	struct evtchn_status st;

	run_as(&dom1, 0);
	CHECK_EQ(bind_ipi(1, &ipi), 0, "bind_ipi to vCPU 1");
	CHECK_EQ(bind_ipi(2, &other), -ENOENT,
		 "bind_ipi to missing vCPU -> ENOENT");
	CHECK_EQ(bind_ipi(0xffffffff, &other), -ENOENT,
		 "bind_ipi vCPU 0xffffffff -> ENOENT");
	CHECK_EQ(bind_ipi(1, &other), 0, "second IPI port on vCPU 1 is fine");
	CHECK(other != ipi, "distinct ports");
	CHECK_EQ(ec_close(other), 0, "close it");
	CHECK_EQ(ec_status(DOMID_SELF, ipi, &st), 0, "status of IPI port");
	CHECK(st.status == EVTCHNSTAT_ipi && st.vcpu == 1, "ipi on vCPU 1");
	guest_ack_all(&dom1);
	dom1.v[1].pause_flags |= VPF_blocked;
	nr_wakes = 0;
	CHECK_EQ(ec_send(ipi), 0, "send IPI from vCPU 0");
	CHECK(pending(&dom1, ipi) && upcall(&dom1, 1) && !upcall(&dom1, 0),
	      "IPI raised on vCPU 1");
	CHECK(nr_wakes == 1 && last_woken == &dom1.v[1],
	      "blocked vCPU 1 woken");
	dom1.v[1].pause_flags = 0;
	CHECK_EQ(bind_vcpu(ipi, 0), -EINVAL, "bind_vcpu on an IPI -> EINVAL");
	CHECK_EQ(ec_close(ipi), 0, "close the IPI port");
	guest_ack_all(&dom1);
}

static int hv_calls;
static struct domain *hv_dom;
static evtchn_port_t hv_port_seen;

static void hv_service(struct domain *d, evtchn_port_t port)
{
	hv_calls++;
	hv_dom = d;
	hv_port_seen = port;
}

static void test_hv_port(void)
{
	struct evtchn_status st;
	int port;

	port = evtchn_alloc_hv_port(&dom2.d, hv_service);
	CHECK(port > 0, "evtchn_alloc_hv_port");
	run_as(&dom2, 0);
	CHECK_EQ(ec_status(DOMID_SELF, port, &st), 0, "status of hv port");
	CHECK(st.status == EVTCHNSTAT_interdomain &&
	      st.u.interdomain.dom == DOMID_XEN,
	      "hv port reads as connected to DOMID_XEN");
	CHECK_EQ(ec_send(port), 0, "guest sends on hv port");
	CHECK(hv_calls == 1 && hv_dom == &dom2.d &&
	      hv_port_seen == (evtchn_port_t)port,
	      "hypervisor service called with (d, port)");
	guest_ack_all(&dom2);
	evtchn_set_pending(&dom2.d, port);
	CHECK(pending(&dom2, port) && upcall(&dom2, 0),
	      "service raises the guest's port");
	CHECK_EQ(bind_vcpu(port, 1), 0, "bind_vcpu on hv port");
	CHECK_EQ(ec_close(port), 0, "guest closes its hv port");
	guest_ack_all(&dom2);
	evtchn_set_pending(&dom2.d, port);
	CHECK(!pending(&dom2, port), "raising a closed port does nothing");
}

static void test_poll(void)
{
	evtchn_port_t polled[2], other, spare;

	run_as(&dom1, 0);
	CHECK_EQ(bind_ipi(1, &polled[0]), 0, "port to poll");
	CHECK_EQ(bind_ipi(0, &other), 0, "port not polled");
	CHECK_EQ(bind_ipi(0, &spare), 0, "another port");
	polled[1] = spare;
	guest_ack_all(&dom1);
	set_mask(&dom1, polled[0], true);
	set_mask(&dom1, other, true);
	set_mask(&dom1, spare, true);

	CHECK(!evtchn_any_pending(&dom1.d, polled, 2), "nothing pending yet");
	dom1.v[1].poll_ports = polled;
	dom1.v[1].nr_poll_ports = 2;
	dom1.v[1].pause_flags |= VPF_blocked;
	nr_wakes = 0;
	evtchn_set_pending(&dom1.d, other);
	CHECK(nr_wakes == 0 && (dom1.v[1].pause_flags & VPF_blocked),
	      "a port not polled does not wake the poller");
	evtchn_set_pending(&dom1.d, polled[1]);
	CHECK(nr_wakes == 1 && last_woken == &dom1.v[1] &&
	      !(dom1.v[1].pause_flags & VPF_blocked),
	      "a masked polled port wakes the poller");
	CHECK(dom1.v[1].nr_poll_ports == 0, "the poll is over");
	CHECK(evtchn_any_pending(&dom1.d, polled, 2), "evtchn_any_pending");
	CHECK(!upcall(&dom1, 1) && !upcall(&dom1, 0), "masked: no upcall");
	dom1.v[1].poll_ports = NULL;

	{
		evtchn_port_t junk[3] = { 0, 4096, 0xffffffff };

		CHECK(!evtchn_any_pending(&dom1.d, junk, 3),
		      "evtchn_any_pending ignores invalid ports");
	}

	memset(dom1.si.evtchn_mask, 0, sizeof(dom1.si.evtchn_mask));
	CHECK_EQ(ec_close(polled[0]), 0, "close");
	CHECK_EQ(ec_close(other), 0, "close");
	CHECK_EQ(ec_close(spare), 0, "close");
	guest_ack_all(&dom1);
}

static void test_status_rules(void)
{
	struct evtchn_status st;
	evtchn_port_t p;

	run_as(&dom1, 0);
	CHECK_EQ(ec_status(2, 0, &st), -EPERM,
		 "unprivileged status of another domain -> EPERM");
	CHECK_EQ(ec_status(1, 0, &st), 0, "status naming own id");
	CHECK_EQ(ec_status(DOMID_SELF, 64, &st), -EINVAL,
		 "status of a port in an unallocated bucket -> EINVAL");
	CHECK_EQ(ec_status(DOMID_SELF, 4096, &st), -EINVAL,
		 "status of port 4096 -> EINVAL");
	CHECK_EQ(ec_status(DOMID_SELF, 5, &st), 0, "status of a free port");
	CHECK(st.status == EVTCHNSTAT_closed && st.vcpu == 0 &&
	      st.u.interdomain.port == 0, "free: closed, fields cleared");
	run_as(&dom0, 0);
	CHECK_EQ(ec_status(9, 1, &st), -ESRCH,
		 "privileged status of a missing domain -> ESRCH");
	CHECK_EQ(ec_status(1, 1, &st), 0, "privileged status of dom1");

	/* Status output that cannot be written back. */
	run_as(&dom1, 0);
	CHECK_EQ(alloc_unbound(DOMID_SELF, 0, &p), 0, "a port");
	memset(&st, 0, sizeof(st));
	st.dom = DOMID_SELF;
	st.port = p;
	fake_readonly_guest = &st;
	CHECK_EQ(hc(EVTCHNOP_status, &st), -EFAULT,
		 "status into read-only memory -> EFAULT");
	fake_readonly_guest = NULL;
	CHECK_EQ(ec_close(p), 0, "close");
}

static void test_hostile(void)
{
	static const evtchn_port_t bad_ports[] = {
		0, 63 + 1, 4095, 4096, 0x10000, 0x7fffffff, 0xffffffff,
	};
	static const int cmds[] = {
		EVTCHNOP_bind_interdomain, EVTCHNOP_bind_virq,
		EVTCHNOP_bind_pirq, EVTCHNOP_close, EVTCHNOP_send,
		EVTCHNOP_status, EVTCHNOP_alloc_unbound, EVTCHNOP_bind_ipi,
		EVTCHNOP_bind_vcpu, EVTCHNOP_unmask, EVTCHNOP_reset,
	};
	evtchn_port_t p, lp;
	struct evtchn_status st;
	unsigned int i;

	run_as(&dom1, 0);
	for (i = 0; i < ARRAY_SIZE(bad_ports); i++) {
		evtchn_port_t bad = bad_ports[i];

		CHECK_EQ(ec_close(bad), -EINVAL, "close %#x -> EINVAL", bad);
		CHECK_EQ(ec_send(bad), -EINVAL, "send %#x -> EINVAL", bad);
		CHECK_EQ(ec_unmask(bad), -EINVAL, "unmask %#x -> EINVAL", bad);
		CHECK_EQ(bind_vcpu(bad, 0), -EINVAL,
			 "bind_vcpu %#x -> EINVAL", bad);
		if (bad != 0)
			CHECK_EQ(ec_status(DOMID_SELF, bad, &st), -EINVAL,
				 "status %#x -> EINVAL", bad);
		CHECK_EQ(bind_interdomain(2, bad, &lp), -EINVAL,
			 "bind_interdomain to dom2:%#x -> EINVAL", bad);
	}
	CHECK_EQ(bind_interdomain(42, 1, &lp), -ESRCH,
		 "bind_interdomain to a missing domain -> ESRCH");
	CHECK_EQ(bind_interdomain(DOMID_IO, 1, &lp), -ESRCH,
		 "bind_interdomain to DOMID_IO -> ESRCH");
	CHECK_EQ(bind_vcpu(1, 2), -ENOENT,
		 "bind_vcpu to missing vCPU -> ENOENT");

	/* A VIRQ port of dom2 is not bindable. */
	run_as(&dom2, 0);
	CHECK_EQ(bind_virq(VIRQ_TIMER, 0, &p), 0, "dom2 VIRQ port");
	run_as(&dom1, 0);
	CHECK_EQ(bind_interdomain(2, p, &lp), -EINVAL,
		 "bind_interdomain to a VIRQ port -> EINVAL");
	run_as(&dom2, 0);
	CHECK_EQ(ec_close(p), 0, "close");

	/* Bad guest pointers. */
	run_as(&dom1, 0);
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		CHECK_EQ(do_event_channel_op(cmds[i], FAKE_BAD_GUEST_VA),
			 -EFAULT, "op %d with a bad pointer -> EFAULT",
			 cmds[i]);
	}

	/* A new port whose number cannot be written back is taken back. */
	{
		struct evtchn_bind_ipi op = { .vcpu = 0 };

		fake_readonly_guest = &op;
		CHECK_EQ(hc(EVTCHNOP_bind_ipi, &op), -EFAULT,
			 "bind_ipi into read-only memory -> EFAULT");
		fake_readonly_guest = NULL;
		status_is(DOMID_SELF, 1, EVTCHNSTAT_closed,
			  "the port was not leaked");
	}
	{
		struct evtchn_bind_virq op = { .virq = VIRQ_TIMER, .vcpu = 0 };

		fake_readonly_guest = &op;
		CHECK_EQ(hc(EVTCHNOP_bind_virq, &op), -EFAULT,
			 "bind_virq into read-only memory -> EFAULT");
		fake_readonly_guest = NULL;
		CHECK(dom1.v[0].virq_to_evtchn[VIRQ_TIMER] == 0,
		      "VIRQ binding undone");
	}
	{
		struct evtchn_bind_interdomain op = { .remote_dom = 2 };

		run_as(&dom2, 0);
		CHECK_EQ(alloc_unbound(DOMID_SELF, 1, &p), 0,
			 "dom2 offers a port");
		run_as(&dom1, 0);
		op.remote_port = p;
		fake_readonly_guest = &op;
		CHECK_EQ(hc(EVTCHNOP_bind_interdomain, &op), -EFAULT,
			 "bind_interdomain into read-only memory -> EFAULT");
		fake_readonly_guest = NULL;
		status_is(DOMID_SELF, 1, EVTCHNSTAT_closed,
			  "local port undone");
		run_as(&dom2, 0);
		CHECK_EQ(ec_status(DOMID_SELF, p, &st), 0, "dom2's port");
		CHECK(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 1,
		      "dom2's port is unbound again, waiting for dom1");
		CHECK_EQ(ec_close(p), 0, "close");
	}
}

static long bind_pirq(uint32_t pirq, evtchn_port_t *port)
{
	struct evtchn_bind_pirq op = { .pirq = pirq };
	long rc = hc(EVTCHNOP_bind_pirq, &op);

	*port = op.port;
	return rc;
}

static void test_pirq(void)
{
	struct evtchn_bind_vcpu bv;
	struct evtchn_status st;
	evtchn_port_t p, again;

	run_as(&dom1, 0);
	CHECK_EQ(bind_pirq(1, &p), -EPERM, "unprivileged bind_pirq -> EPERM");
	run_as(&dom0, 0);
	CHECK_EQ(bind_pirq(0, &p), -EPERM, "unmapped PIRQ -> EPERM");
	CHECK_EQ(bind_pirq(NR_PIRQS, &p), -EINVAL, "PIRQ out of range");
	CHECK_EQ(bind_pirq(0xffffffff, &p), -EINVAL, "PIRQ ~0");
	CHECK_EQ(bind_pirq(2, &p), 0, "bind mapped PIRQ 2");
	CHECK(p != 0 && fake_pirq_port[2] == p, "the IRQ layer has the port");
	CHECK_EQ(bind_pirq(2, &again), -EEXIST, "bound twice -> EEXIST");
	CHECK_EQ(ec_status(DOMID_SELF, p, &st), 0, "status");
	CHECK(st.status == EVTCHNSTAT_pirq && st.u.pirq == 2 && st.vcpu == 0,
	      "status says pirq 2, vCPU 0");
	bv = (struct evtchn_bind_vcpu){ .port = p, .vcpu = 1 };
	CHECK_EQ(hc(EVTCHNOP_bind_vcpu, &bv), 0, "a PIRQ may move vCPU");
	CHECK_EQ(ec_send(p), -EINVAL, "send on a PIRQ port -> EINVAL");
	CHECK_EQ(ec_close(p), 0, "close");
	CHECK(fake_pirq_port[2] == 0, "close unbinds the PIRQ");
	CHECK_EQ(bind_pirq(2, &again), 0, "and it binds again");
	CHECK_EQ(ec_reset(DOMID_SELF), 0, "reset");
	CHECK(fake_pirq_port[2] == 0, "reset unbinds it too");
	CHECK_EQ(bind_pirq(3, &p), 0, "bind PIRQ 3");
	CHECK_EQ(ec_close(p), 0, "close");
}

static void test_misc_ops(void)
{
	uint64_t junk[4] = { 0 };
	int warnings;

	run_as(&dom1, 0);
	CHECK_EQ(hc(EVTCHNOP_init_control, junk), -ENOSYS,
		 "init_control -> ENOSYS (no FIFO ABI)");
	CHECK_EQ(hc(EVTCHNOP_expand_array, junk), -ENOSYS,
		 "expand_array -> ENOSYS");
	CHECK_EQ(hc(EVTCHNOP_set_priority, junk), -ENOSYS,
		 "set_priority -> ENOSYS");
	warnings = fake_nr_warnings;
	CHECK_EQ(hc(EVTCHNOP_reset_cont, junk), -ENOSYS,
		 "reset_cont (internal) -> ENOSYS");
	CHECK_EQ(hc(99, junk), -ENOSYS, "unknown op 99 -> ENOSYS");
	CHECK_EQ(hc(-1, junk), -ENOSYS, "op -1 -> ENOSYS");
	CHECK(fake_nr_warnings == warnings + 1, "unknown ops logged once");
}

static void test_exhaustion_and_reset(void)
{
	evtchn_port_t p, peer, last = 0;
	unsigned int n = 0;
	long rc;
	struct evtchn_status st;

	/* dom2 keeps one connection to dom1 through the reset. */
	run_as(&dom2, 0);
	CHECK_EQ(alloc_unbound(DOMID_SELF, 1, &peer), 0, "dom2 offers a port");
	run_as(&dom1, 0);
	CHECK_EQ(bind_interdomain(2, peer, &p), 0, "dom1 binds");

	while ((rc = bind_ipi(0, &p)) == 0) {
		last = p;
		n++;
	}
	CHECK(rc == -ENOSPC, "ports run out with ENOSPC");
	CHECK(last == 4095 && n == 4094, "every port 1..4095 usable");
	CHECK_EQ(alloc_unbound(DOMID_SELF, 2, &p), -ENOSPC,
		 "alloc_unbound when full -> ENOSPC");
	CHECK(evtchn_alloc_hv_port(&dom1.d, hv_service) == -ENOSPC,
	      "hv port when full -> ENOSPC");

	run_as(&dom2, 0);
	CHECK_EQ(ec_reset(1), -EPERM, "unprivileged reset of another domain");
	run_as(&dom0, 0);
	CHECK_EQ(ec_reset(8), -ESRCH, "privileged reset of a missing domain");
	run_as(&dom1, 0);
	CHECK_EQ(ec_reset(DOMID_SELF), 0, "reset self");
	status_is(DOMID_SELF, 4095, EVTCHNSTAT_closed, "port 4095 closed");
	status_is(DOMID_SELF, 1, EVTCHNSTAT_closed, "port 1 closed");
	status_is(DOMID_SELF, 0, EVTCHNSTAT_closed, "port 0 still reserved");
	CHECK_EQ(ec_close(0), -EINVAL, "port 0 still not closable");
	run_as(&dom2, 0);
	CHECK_EQ(ec_status(DOMID_SELF, peer, &st), 0, "dom2's end");
	CHECK(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 1,
	      "reset put dom2's end back to unbound");
	CHECK_EQ(ec_close(peer), 0, "close");
	run_as(&dom1, 0);
	CHECK_EQ(bind_ipi(0, &p), 0, "ports usable after reset");
	CHECK(p == 1, "from port 1 again");
	CHECK_EQ(ec_close(p), 0, "close");
	guest_ack_all(&dom1);
}

static void test_destroy(void)
{
	struct fake_dom *d3 = calloc(1, sizeof(*d3));
	evtchn_port_t p3, p1, hp;
	struct evtchn_status st;
	long before = fake_live_allocs;
	int i, releases;

	CHECK(make_domain(d3, 3, false) == 0, "evtchn_init dom3");
	run_as(d3, 0);
	CHECK_EQ(alloc_unbound(DOMID_SELF, 1, &p3), 0, "dom3 offers to dom1");
	for (i = 0; i < 200; i++)	/* spread over several buckets */
		CHECK_EQ(bind_ipi(1, &hp), 0, "dom3 ipi");
	CHECK_EQ(bind_virq(VIRQ_TIMER, 1, &hp), 0, "dom3 VIRQ");
	run_as(&dom1, 0);
	CHECK_EQ(bind_interdomain(3, p3, &p1), 0, "dom1 binds to dom3");

	releases = fake_pirq_releases;
	evtchn_destroy(&d3->d);
	CHECK(fake_pirq_releases == releases + 1,
	      "destroy releases the PIRQs");
	CHECK(fake_live_allocs == before, "destroy frees every bucket");
	CHECK(d3->v[1].virq_to_evtchn[VIRQ_TIMER] == 0, "VIRQ unbound");
	CHECK(evtchn_from_port(&d3->d, 1) == NULL, "no ports after destroy");
	evtchn_set_pending(&d3->d, p3);
	CHECK(!pending(d3, p3), "raising a destroyed domain's port is ignored");
	evtchn_destroy(&d3->d);
	CHECK(fake_live_allocs == before, "second destroy is harmless");
	CHECK_EQ(ec_status(DOMID_SELF, p1, &st), 0, "dom1's end");
	CHECK(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 3,
	      "peer of a destroyed domain is unbound, waiting for its id");
	CHECK_EQ(ec_send(p1), 0, "send to the dead peer is dropped");
	CHECK_EQ(ec_close(p1), 0, "close");
	fake_forget_domain(&d3->d);
	free(d3);
}

static void test_out_of_memory(void)
{
	struct fake_dom *d3 = calloc(1, sizeof(*d3));
	long before = fake_live_allocs;
	evtchn_port_t p;
	unsigned int i;
	long rc;

	fake_allocs_until_failure = 0;
	CHECK(make_domain(d3, 3, false) == -ENOMEM,
	      "evtchn_init without memory");
	CHECK(fake_live_allocs == before, "failed init leaks nothing");
	fake_allocs_until_failure = 1;
	CHECK(evtchn_init(&d3->d) == -ENOMEM, "evtchn_init, bucket fails");
	CHECK(fake_live_allocs == before, "failed init leaks nothing");
	fake_allocs_until_failure = -1;
	CHECK(evtchn_init(&d3->d) == 0, "evtchn_init");

	run_as(d3, 0);
	for (i = 1; i < 64; i++)
		bind_ipi(0, &p);
	fake_allocs_until_failure = 0;
	CHECK_EQ(bind_ipi(0, &p), -ENOMEM,
		 "new bucket without memory -> ENOMEM");
	fake_allocs_until_failure = -1;
	rc = bind_ipi(0, &p);
	CHECK(rc == 0 && p == 64, "and works once memory is back");
	evtchn_destroy(&d3->d);
	CHECK(fake_live_allocs == before, "all freed");
	fake_forget_domain(&d3->d);
	free(d3);
}

int main(void)
{
	if (make_domain(&dom0, 0, true) || make_domain(&dom1, 1, false) ||
	    make_domain(&dom2, 2, false)) {
		printf("FAIL evtchn_init\n");
		return 1;
	}

	test_port_zero();
	test_interdomain();
	test_loopback();
	test_alloc_unbound_rules();
	test_virq();
	test_ipi();
	test_hv_port();
	test_poll();
	test_status_rules();
	test_hostile();
	test_pirq();
	test_misc_ops();
	test_exhaustion_and_reset();
	test_destroy();
	test_out_of_memory();

	evtchn_destroy(&dom0.d);
	evtchn_destroy(&dom1.d);
	evtchn_destroy(&dom2.d);
	CHECK(fake_live_allocs == 0, "nothing leaked overall");

	return check_summary();
}
