// SPDX-License-Identifier: MIT
/*
 * Event channels, 2-level ABI.
 *
 * A port is a per-domain number (1..4095; 0 is never valid) with a
 * binding: a port of another domain (or of the same one), a VIRQ, an IPI
 * between the domain's own vCPUs, a hypervisor service, or (dom0 only) a
 * physical IRQ, whose line arch/x86/irq.c unmasks while it is bound.
 * Raising a port sets its bit in shared_info.evtchn_pending; if the port
 * is not masked, its notify vCPU also gets the bit of the port's 64-port
 * word in evtchn_pending_sel, and evtchn_upcall_pending, which tells it
 * to scan. The guest clears these itself; the hypervisor only ever sets them
 * (closing a port is the one exception: a stale pending bit must not
 * survive into the port's next binding).
 *
 * Ports live in buckets of EVTCHNS_PER_BUCKET, allocated in order as the
 * domain needs more ports and freed only with the domain.
 */
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

#define EVTCHNS_PER_BUCKET	64
#define NR_EVTCHN_BUCKETS	(EVTCHN_2L_NR_CHANNELS / EVTCHNS_PER_BUCKET)
#define BITS_PER_EVTCHN_WORD	64

static struct vcpu *domain_vcpu(struct domain *d, unsigned int id)
{
	if (!d->vcpus || id >= d->max_vcpus)
		return NULL;
	return d->vcpus[id];
}

/* VIRQs raised per vCPU; all others go to one port of the domain. */
static bool virq_is_per_vcpu(unsigned int virq)
{
	switch (virq) {
	case VIRQ_TIMER:
	case VIRQ_DEBUG:
	case VIRQ_XENOPROF:
	case VIRQ_XENPMU:
		return true;
	default:
		return false;
	}
}

struct evtchn *evtchn_from_port(struct domain *d, evtchn_port_t port)
{
	struct evtchn *bucket;

	/* The 2-level bitmaps in shared_info end at EVTCHN_2L_NR_CHANNELS. */
	if (!d->evtchn_buckets || port > d->max_evtchn_port ||
	    port >= EVTCHN_2L_NR_CHANNELS)
		return NULL;
	bucket = d->evtchn_buckets[port / EVTCHNS_PER_BUCKET];
	if (!bucket)
		return NULL;
	return &bucket[port % EVTCHNS_PER_BUCKET];
}

static bool port_is_bound(const struct evtchn *chn)
{
	return chn->state != ECS_FREE && chn->state != ECS_RESERVED;
}

/* The lowest free port, allocating a bucket if all existing ones are full. */
static int get_free_port(struct domain *d)
{
	unsigned int b, i, nr_buckets;
	struct evtchn *bucket;

	if (!d->evtchn_buckets)
		return -EINVAL;	/* torn down */
	nr_buckets = MIN(DIV_ROUND_UP(d->max_evtchn_port + 1,
				      EVTCHNS_PER_BUCKET), NR_EVTCHN_BUCKETS);
	for (b = 0; b < nr_buckets; b++) {
		bucket = d->evtchn_buckets[b];
		if (!bucket) {
			bucket = xzalloc_array(struct evtchn,
					       EVTCHNS_PER_BUCKET);
			if (!bucket)
				return -ENOMEM;
			d->evtchn_buckets[b] = bucket;
			return b * EVTCHNS_PER_BUCKET;
		}
		for (i = 0; i < EVTCHNS_PER_BUCKET; i++) {
			unsigned int port = b * EVTCHNS_PER_BUCKET + i;

			if (port > d->max_evtchn_port)
				return -ENOSPC;
			if (bucket[i].state == ECS_FREE)
				return port;
		}
	}
	return -ENOSPC;
}

static void evtchn_kick(struct vcpu *v)
{
	if (v->pause_flags & VPF_blocked) {
		v->pause_flags &= ~VPF_blocked;
		vcpu_wake(v);
	}
}

/* Flag a word of pending ports to v; a new upcall wakes it. */
static void mark_word_pending(struct vcpu *v, unsigned int word)
{
	struct vcpu_info *vi = v->vcpu_info;
	uint64_t sel = 1ULL << word;

	if (vi->evtchn_pending_sel & sel)
		return;		/* the guest has yet to scan this word */
	vi->evtchn_pending_sel |= sel;
	vi->evtchn_upcall_pending = 1;
	evtchn_kick(v);
}

/* SCHEDOP_poll waits for its ports whatever their mask bits say. */
static void wake_pollers(struct domain *d, evtchn_port_t port)
{
	unsigned int i, j;
	struct vcpu *v;

	for (i = 0; i < d->max_vcpus; i++) {
		v = domain_vcpu(d, i);
		if (!v || !v->nr_poll_ports || !(v->pause_flags & VPF_blocked))
			continue;
		for (j = 0; j < v->nr_poll_ports; j++) {
			if (v->poll_ports[j] == port) {
				v->nr_poll_ports = 0;	/* the poll is over */
				evtchn_kick(v);
				break;
			}
		}
	}
}

void evtchn_set_pending(struct domain *d, evtchn_port_t port)
{
	struct evtchn *chn = evtchn_from_port(d, port);
	struct shared_info *s = d->shared_info;
	unsigned int word = port / BITS_PER_EVTCHN_WORD;
	uint64_t bit = 1ULL << (port % BITS_PER_EVTCHN_WORD);
	struct vcpu *v;

	/* A closed port drops the event: nobody is listening. */
	if (!chn || !port_is_bound(chn))
		return;
	if (s->evtchn_pending[word] & bit)
		return;		/* already raised, nothing new to say */
	s->evtchn_pending[word] |= bit;

	v = domain_vcpu(d, chn->notify_vcpu);
	if (v && !(s->evtchn_mask[word] & bit))
		mark_word_pending(v, word);
	wake_pollers(d, port);
}

void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq)
{
	evtchn_port_t port;

	ASSERT(virq < NR_VIRQS && virq_is_per_vcpu(virq));
	port = v->virq_to_evtchn[virq];
	if (port)
		evtchn_set_pending(v->domain, port);
}

void send_guest_global_virq(struct domain *d, unsigned int virq)
{
	struct vcpu *v0 = domain_vcpu(d, 0);
	evtchn_port_t port;

	ASSERT(virq < NR_VIRQS && !virq_is_per_vcpu(virq));
	/* Global VIRQs are bound through vCPU 0, whichever vCPU they notify. */
	if (!v0)
		return;
	port = v0->virq_to_evtchn[virq];
	if (port)
		evtchn_set_pending(d, port);
}

bool evtchn_any_pending(struct domain *d, const evtchn_port_t *ports,
			unsigned int n)
{
	const struct shared_info *s = d->shared_info;
	unsigned int i;

	for (i = 0; i < n; i++) {
		evtchn_port_t p = ports[i];

		if (p >= EVTCHN_2L_NR_CHANNELS)
			continue;
		if (s->evtchn_pending[p / BITS_PER_EVTCHN_WORD] &
		    (1ULL << (p % BITS_PER_EVTCHN_WORD)))
			return true;
	}
	return false;
}

/* Undo a binding: the port becomes free, its peer waits for us again. */
static void evtchn_close_port(struct domain *d, evtchn_port_t port,
			      struct evtchn *chn)
{
	struct shared_info *s = d->shared_info;
	struct evtchn *peer;
	struct vcpu *v;

	switch (chn->state) {
	case ECS_VIRQ:
		v = domain_vcpu(d, virq_is_per_vcpu(chn->u.virq) ?
				chn->notify_vcpu : 0);
		if (v && v->virq_to_evtchn[chn->u.virq] == port)
			v->virq_to_evtchn[chn->u.virq] = 0;
		break;
	case ECS_INTERDOMAIN:
		peer = evtchn_from_port(chn->u.interdomain.dom,
					chn->u.interdomain.port);
		BUG_ON(!peer || peer->state != ECS_INTERDOMAIN ||
		       peer->u.interdomain.dom != d ||
		       peer->u.interdomain.port != port);
		peer->state = ECS_UNBOUND;
		peer->u.unbound_remote = d->domain_id;
		break;
	case ECS_PIRQ:
		pirq_unbind(d, chn->u.pirq, port);	/* masks the line */
		break;
	default:
		break;
	}

	s->evtchn_pending[port / BITS_PER_EVTCHN_WORD] &=
		~(1ULL << (port % BITS_PER_EVTCHN_WORD));
	memset(chn, 0, sizeof(*chn));	/* ECS_FREE, notifying vCPU 0 */
}

/* Close every bound port of d (EVTCHNOP_reset and teardown). */
static void evtchn_close_all(struct domain *d)
{
	evtchn_port_t port;
	struct evtchn *chn;

	for (port = 1; port < EVTCHN_2L_NR_CHANNELS; port++) {
		chn = evtchn_from_port(d, port);
		if (!chn)
			break;	/* buckets are allocated in order */
		if (port_is_bound(chn))
			evtchn_close_port(d, port, chn);
	}
}

int evtchn_init(struct domain *d)
{
	BUILD_BUG_ON(ECS_FREE != 0);	/* zeroed memory holds free ports */
	d->evtchn_buckets = xzalloc_array(struct evtchn *, NR_EVTCHN_BUCKETS);
	if (!d->evtchn_buckets)
		return -ENOMEM;
	d->evtchn_buckets[0] = xzalloc_array(struct evtchn,
					     EVTCHNS_PER_BUCKET);
	if (!d->evtchn_buckets[0]) {
		xfree(d->evtchn_buckets);
		d->evtchn_buckets = NULL;
		return -ENOMEM;
	}
	d->max_evtchn_port = EVTCHN_2L_NR_CHANNELS - 1;
	/* Port 0 means "no port" in every guest interface. */
	d->evtchn_buckets[0][0].state = ECS_RESERVED;
	return 0;
}

void evtchn_destroy(struct domain *d)
{
	unsigned int b;

	if (!d->evtchn_buckets)
		return;
	evtchn_close_all(d);
	/* Its physical IRQs go back to the hypervisor, masked. */
	pirq_release_domain(d);
	for (b = 0; b < NR_EVTCHN_BUCKETS; b++)
		xfree(d->evtchn_buckets[b]);
	xfree(d->evtchn_buckets);
	d->evtchn_buckets = NULL;
}

int evtchn_alloc_hv_port(struct domain *d, hv_port_notify_fn fn)
{
	struct evtchn *chn;
	int port;

	ASSERT(fn);
	port = get_free_port(d);
	if (port < 0)
		return port;
	chn = evtchn_from_port(d, port);
	chn->state = ECS_HYPERVISOR;
	chn->notify_vcpu = 0;
	chn->u.hv_notify = fn;
	return port;
}

/*
 * The domain a guest names in dom: itself (DOMID_SELF or its own id), or
 * any live domain if it is privileged.
 */
static int target_domain(domid_t dom, struct domain **out)
{
	struct domain *cd = current->domain;
	struct domain *d;

	if (dom != DOMID_SELF && dom != cd->domain_id && !cd->is_privileged)
		return -EPERM;
	d = get_domain_by_id(cd, dom);
	if (!d)
		return -ESRCH;
	*out = d;
	return 0;
}

static long evtchn_alloc_unbound(struct evtchn_alloc_unbound *op,
				 struct domain **dp)
{
	struct domain *cd = current->domain;
	domid_t remote = op->remote_dom;
	struct evtchn *chn;
	struct domain *d;
	int port, rc;

	if (remote == DOMID_SELF)
		remote = cd->domain_id;
	else if (remote >= DOMID_FIRST_RESERVED)
		return -EINVAL;	/* no domain could ever bind to it */
	rc = target_domain(op->dom, &d);
	if (rc)
		return rc;
	port = get_free_port(d);
	if (port < 0)
		return port;

	chn = evtchn_from_port(d, port);
	chn->state = ECS_UNBOUND;
	chn->notify_vcpu = 0;
	chn->u.unbound_remote = remote;
	op->port = port;
	*dp = d;
	return 0;
}

static long evtchn_bind_interdomain(struct evtchn_bind_interdomain *op)
{
	struct domain *cd = current->domain;
	struct evtchn *lchn, *rchn;
	struct domain *rd;
	int lport;

	rd = get_domain_by_id(cd, op->remote_dom);
	if (!rd)
		return -ESRCH;
	rchn = evtchn_from_port(rd, op->remote_port);
	if (!rchn || rchn->state != ECS_UNBOUND ||
	    rchn->u.unbound_remote != cd->domain_id)
		return -EINVAL;
	/* Buckets never move, so rchn stays valid across the allocation. */
	lport = get_free_port(cd);
	if (lport < 0)
		return lport;

	lchn = evtchn_from_port(cd, lport);
	lchn->state = ECS_INTERDOMAIN;
	lchn->notify_vcpu = 0;
	lchn->u.interdomain.dom = rd;
	lchn->u.interdomain.port = op->remote_port;
	rchn->state = ECS_INTERDOMAIN;
	rchn->u.interdomain.dom = cd;
	rchn->u.interdomain.port = lport;

	/* The peer may have sent while unbound; those events were dropped. */
	evtchn_set_pending(cd, lport);
	op->local_port = lport;
	return 0;
}

static long evtchn_bind_virq(struct evtchn_bind_virq *op)
{
	struct domain *cd = current->domain;
	struct evtchn *chn;
	struct vcpu *v;
	int port;

	if (op->virq >= NR_VIRQS)
		return -EINVAL;
	if (!virq_is_per_vcpu(op->virq) && op->vcpu != 0)
		return -EINVAL;
	v = domain_vcpu(cd, op->vcpu);
	if (!v)
		return -ENOENT;
	if (v->virq_to_evtchn[op->virq])
		return -EEXIST;
	port = get_free_port(cd);
	if (port < 0)
		return port;

	chn = evtchn_from_port(cd, port);
	chn->state = ECS_VIRQ;
	chn->notify_vcpu = v->vcpu_id;
	chn->u.virq = op->virq;
	v->virq_to_evtchn[op->virq] = port;
	op->port = port;
	return 0;
}

/* A physical IRQ that dom0 has mapped (PHYSDEVOP_map_pirq). */
static long evtchn_bind_pirq(struct evtchn_bind_pirq *op)
{
	struct domain *cd = current->domain;
	struct evtchn *chn;
	int port, rc;

	if (!cd->is_privileged)
		return -EPERM;
	port = get_free_port(cd);
	if (port < 0)
		return port;
	/* Unbound pirq, not ours, bound already: the port stays free. */
	rc = pirq_bind(cd, op->pirq, port);
	if (rc)
		return rc;

	chn = evtchn_from_port(cd, port);
	chn->state = ECS_PIRQ;
	chn->notify_vcpu = 0;
	chn->u.pirq = op->pirq;
	op->port = port;
	return 0;
}

static long evtchn_bind_ipi(struct evtchn_bind_ipi *op)
{
	struct domain *cd = current->domain;
	struct evtchn *chn;
	struct vcpu *v;
	int port;

	v = domain_vcpu(cd, op->vcpu);
	if (!v)
		return -ENOENT;
	port = get_free_port(cd);
	if (port < 0)
		return port;

	chn = evtchn_from_port(cd, port);
	chn->state = ECS_IPI;
	chn->notify_vcpu = v->vcpu_id;
	op->port = port;
	return 0;
}

static long evtchn_close(struct domain *d, evtchn_port_t port)
{
	struct evtchn *chn = evtchn_from_port(d, port);

	/* Port 0 is reserved, so it is refused here too. */
	if (!chn || !port_is_bound(chn))
		return -EINVAL;
	evtchn_close_port(d, port, chn);
	return 0;
}

static long evtchn_send(evtchn_port_t port)
{
	struct domain *cd = current->domain;
	struct evtchn *chn = evtchn_from_port(cd, port);

	if (!chn)
		return -EINVAL;
	switch (chn->state) {
	case ECS_INTERDOMAIN:
		evtchn_set_pending(chn->u.interdomain.dom,
				   chn->u.interdomain.port);
		return 0;
	case ECS_IPI:
		evtchn_set_pending(cd, port);
		return 0;
	case ECS_HYPERVISOR:
		chn->u.hv_notify(cd, port);
		return 0;
	case ECS_UNBOUND:
		return 0;	/* no peer yet: the event is dropped */
	default:
		return -EINVAL;	/* free, reserved, VIRQ, PIRQ */
	}
}

static long evtchn_status(struct evtchn_status *op)
{
	struct evtchn *chn;
	struct domain *d;
	int rc;

	rc = target_domain(op->dom, &d);
	if (rc)
		return rc;
	chn = evtchn_from_port(d, op->port);
	if (!chn)
		return -EINVAL;

	memset(&op->u, 0, sizeof(op->u));
	op->vcpu = chn->notify_vcpu;
	switch (chn->state) {
	case ECS_UNBOUND:
		op->status = EVTCHNSTAT_unbound;
		op->u.unbound.dom = chn->u.unbound_remote;
		break;
	case ECS_INTERDOMAIN:
		op->status = EVTCHNSTAT_interdomain;
		op->u.interdomain.dom = chn->u.interdomain.dom->domain_id;
		op->u.interdomain.port = chn->u.interdomain.port;
		break;
	case ECS_HYPERVISOR:
		/* Connected, to the hypervisor itself; it has no port number. */
		op->status = EVTCHNSTAT_interdomain;
		op->u.interdomain.dom = DOMID_XEN;
		break;
	case ECS_PIRQ:
		op->status = EVTCHNSTAT_pirq;
		op->u.pirq = chn->u.pirq;
		break;
	case ECS_VIRQ:
		op->status = EVTCHNSTAT_virq;
		op->u.virq = chn->u.virq;
		break;
	case ECS_IPI:
		op->status = EVTCHNSTAT_ipi;
		break;
	default:
		op->status = EVTCHNSTAT_closed;
		break;
	}
	return 0;
}

static long evtchn_bind_vcpu(const struct evtchn_bind_vcpu *op)
{
	struct domain *cd = current->domain;
	struct evtchn *chn;
	struct vcpu *v;

	v = domain_vcpu(cd, op->vcpu);
	if (!v)
		return -ENOENT;
	chn = evtchn_from_port(cd, op->port);
	if (!chn)
		return -EINVAL;
	switch (chn->state) {
	case ECS_VIRQ:
		/* A per-vCPU VIRQ belongs to the vCPU it was bound on. */
		if (virq_is_per_vcpu(chn->u.virq))
			return -EINVAL;
		break;
	case ECS_UNBOUND:
	case ECS_INTERDOMAIN:
	case ECS_HYPERVISOR:
	case ECS_PIRQ:
		break;
	default:
		return -EINVAL;	/* IPIs name their vCPU; free ports have none */
	}
	chn->notify_vcpu = v->vcpu_id;
	return 0;
}

static long evtchn_unmask(evtchn_port_t port)
{
	struct domain *cd = current->domain;
	struct shared_info *s = cd->shared_info;
	struct evtchn *chn = evtchn_from_port(cd, port);
	unsigned int word = port / BITS_PER_EVTCHN_WORD;
	uint64_t bit = 1ULL << (port % BITS_PER_EVTCHN_WORD);
	struct vcpu *v;

	if (!chn || port == 0)
		return -EINVAL;
	if (!(s->evtchn_mask[word] & bit))
		return 0;
	s->evtchn_mask[word] &= ~bit;
	/* An event that arrived while masked is delivered now. */
	v = domain_vcpu(cd, chn->notify_vcpu);
	if (v && (s->evtchn_pending[word] & bit))
		mark_word_pending(v, word);
	return 0;
}

static long evtchn_reset(const struct evtchn_reset *op)
{
	struct domain *d;
	int rc;

	rc = target_domain(op->dom, &d);
	if (rc)
		return rc;
	evtchn_close_all(d);
	return 0;
}

/* The new port could not be reported: take it back so it does not leak. */
static long undo_new_port(struct domain *d, evtchn_port_t port)
{
	evtchn_close(d, port);
	return -EFAULT;
}

long do_event_channel_op(int cmd, uint64_t arg)
{
	struct domain *cd = current->domain;
	long rc;

	switch (cmd) {
	case EVTCHNOP_alloc_unbound: {
		struct evtchn_alloc_unbound op;
		struct domain *d;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		rc = evtchn_alloc_unbound(&op, &d);
		if (!rc && copy_to_guest(arg, &op, sizeof(op)))
			rc = undo_new_port(d, op.port);
		return rc;
	}
	case EVTCHNOP_bind_interdomain: {
		struct evtchn_bind_interdomain op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		rc = evtchn_bind_interdomain(&op);
		if (!rc && copy_to_guest(arg, &op, sizeof(op)))
			rc = undo_new_port(cd, op.local_port);
		return rc;
	}
	case EVTCHNOP_bind_virq: {
		struct evtchn_bind_virq op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		rc = evtchn_bind_virq(&op);
		if (!rc && copy_to_guest(arg, &op, sizeof(op)))
			rc = undo_new_port(cd, op.port);
		return rc;
	}
	case EVTCHNOP_bind_ipi: {
		struct evtchn_bind_ipi op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		rc = evtchn_bind_ipi(&op);
		if (!rc && copy_to_guest(arg, &op, sizeof(op)))
			rc = undo_new_port(cd, op.port);
		return rc;
	}
	case EVTCHNOP_bind_pirq: {
		struct evtchn_bind_pirq op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		rc = evtchn_bind_pirq(&op);
		if (!rc && copy_to_guest(arg, &op, sizeof(op)))
			rc = undo_new_port(cd, op.port);
		return rc;
	}
	case EVTCHNOP_close: {
		struct evtchn_close op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		return evtchn_close(cd, op.port);
	}
	case EVTCHNOP_send: {
		struct evtchn_send op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		return evtchn_send(op.port);
	}
	case EVTCHNOP_status: {
		struct evtchn_status op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		rc = evtchn_status(&op);
		if (!rc && copy_to_guest(arg, &op, sizeof(op)))
			rc = -EFAULT;
		return rc;
	}
	case EVTCHNOP_bind_vcpu: {
		struct evtchn_bind_vcpu op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		return evtchn_bind_vcpu(&op);
	}
	case EVTCHNOP_unmask: {
		struct evtchn_unmask op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		return evtchn_unmask(op.port);
	}
	case EVTCHNOP_reset: {
		struct evtchn_reset op;

		if (copy_from_guest(&op, arg, sizeof(op)))
			return -EFAULT;
		return evtchn_reset(&op);
	}
	case EVTCHNOP_init_control:
	case EVTCHNOP_expand_array:
	case EVTCHNOP_set_priority:
		/* No FIFO ABI: Linux falls back to the 2-level one. */
		return -ENOSYS;
	default:
		pr_once(LOG_WARN, "event_channel_op %d not implemented\n", cmd);
		return -ENOSYS;
	}
}
