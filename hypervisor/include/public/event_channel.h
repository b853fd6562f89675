/*
 * Tandem public ABI: HYPERVISOR_event_channel_op(cmd, arg). Event channels
 * are the PV interrupt mechanism: ports bound to VIRQs, IPIs, physical IRQs
 * or to a port of another domain. Also the FIFO ABI's shared structures.
 */
#ifndef TANDEM_PUBLIC_EVENT_CHANNEL_H
#define TANDEM_PUBLIC_EVENT_CHANNEL_H

#include <public/xen.h>

/* Commands; EVTCHNOP_foo takes a struct evtchn_foo. */
#define EVTCHNOP_bind_interdomain	0
#define EVTCHNOP_bind_virq		1
#define EVTCHNOP_bind_pirq		2
#define EVTCHNOP_close			3
#define EVTCHNOP_send			4
#define EVTCHNOP_status			5
#define EVTCHNOP_alloc_unbound		6
#define EVTCHNOP_bind_ipi		7
#define EVTCHNOP_bind_vcpu		8
#define EVTCHNOP_unmask			9
#define EVTCHNOP_reset			10
#define EVTCHNOP_init_control		11 /* switch to the FIFO ABI */
#define EVTCHNOP_expand_array		12 /* FIFO: add an event array page */
#define EVTCHNOP_set_priority		13 /* FIFO: port priority */
#define EVTCHNOP_reset_cont		14 /* hypervisor-internal only */

/* evtchn_bind_pirq.flags: the IRQ may be shared with other domains. */
#define BIND_PIRQ__WILL_SHARE		1

/* evtchn_status.status */
#define EVTCHNSTAT_closed		0 /* port not in use */
#define EVTCHNSTAT_unbound		1 /* waiting for a remote domain */
#define EVTCHNSTAT_interdomain		2 /* connected to a remote port */
#define EVTCHNSTAT_pirq			3 /* bound to a physical IRQ */
#define EVTCHNSTAT_virq			4 /* bound to a VIRQ */
#define EVTCHNSTAT_ipi			5 /* bound to an IPI */

/* Ports in the 2-level ABI (see NR_EVENT_CHANNELS). */
#define EVTCHN_2L_NR_CHANNELS		NR_EVENT_CHANNELS

/* FIFO ABI: priorities 0 (highest) .. 15 (lowest). */
#define EVTCHN_FIFO_PRIORITY_MAX	0
#define EVTCHN_FIFO_PRIORITY_DEFAULT	7
#define EVTCHN_FIFO_PRIORITY_MIN	15
#define EVTCHN_FIFO_MAX_QUEUES		16

/* FIFO ABI: bits of an event word. */
#define EVTCHN_FIFO_PENDING		31
#define EVTCHN_FIFO_MASKED		30
#define EVTCHN_FIFO_LINKED		29
#define EVTCHN_FIFO_BUSY		28
#define EVTCHN_FIFO_LINK_BITS		17
#define EVTCHN_FIFO_LINK_MASK		((1 << EVTCHN_FIFO_LINK_BITS) - 1)
#define EVTCHN_FIFO_NR_CHANNELS		(1 << EVTCHN_FIFO_LINK_BITS)

#ifndef __ASSEMBLER__

typedef uint32_t evtchn_port_t;

/*
 * Allocate a port in domain dom that remote_dom may later bind to.
 * DOMID_SELF is allowed for either.
 */
struct evtchn_alloc_unbound {
	domid_t dom;			/* IN */
	domid_t remote_dom;		/* IN */
	evtchn_port_t port;		/* OUT */
};
_Static_assert(sizeof(struct evtchn_alloc_unbound) == 8,
	       "evtchn_alloc_unbound size");
_Static_assert(offsetof(struct evtchn_alloc_unbound, port) == 4,
	       "evtchn_alloc_unbound.port");

/* Connect a new local port to an unbound port of remote_dom. */
struct evtchn_bind_interdomain {
	domid_t remote_dom;		/* IN */
	uint16_t _pad0;
	evtchn_port_t remote_port;	/* IN */
	evtchn_port_t local_port;	/* OUT */
};
_Static_assert(sizeof(struct evtchn_bind_interdomain) == 12,
	       "evtchn_bind_interdomain size");
_Static_assert(offsetof(struct evtchn_bind_interdomain, remote_port) == 4,
	       "evtchn_bind_interdomain.remote_port");

/* Bind a VIRQ_* on the given vCPU to a new port. */
struct evtchn_bind_virq {
	uint32_t virq;			/* IN: VIRQ_* */
	uint32_t vcpu;			/* IN */
	evtchn_port_t port;		/* OUT */
};
_Static_assert(sizeof(struct evtchn_bind_virq) == 12, "evtchn_bind_virq");

/* Bind a physical IRQ (dom0 / driver domains). */
struct evtchn_bind_pirq {
	uint32_t pirq;			/* IN */
	uint32_t flags;			/* IN: BIND_PIRQ__* */
	evtchn_port_t port;		/* OUT */
};
_Static_assert(sizeof(struct evtchn_bind_pirq) == 12, "evtchn_bind_pirq");

/* Allocate a port for IPIs delivered to the given vCPU. */
struct evtchn_bind_ipi {
	uint32_t vcpu;			/* IN */
	evtchn_port_t port;		/* OUT */
};
_Static_assert(sizeof(struct evtchn_bind_ipi) == 8, "evtchn_bind_ipi");

struct evtchn_close {
	evtchn_port_t port;		/* IN */
};
_Static_assert(sizeof(struct evtchn_close) == 4, "evtchn_close");

/* Raise the port's peer (or, for IPIs, the port itself). */
struct evtchn_send {
	evtchn_port_t port;		/* IN */
};
_Static_assert(sizeof(struct evtchn_send) == 4, "evtchn_send");

/* Query a port of this domain or (privileged) of another one. */
struct evtchn_status {
	domid_t dom;			/* IN */
	uint16_t _pad0;
	evtchn_port_t port;		/* IN */
	uint32_t status;		/* OUT: EVTCHNSTAT_* */
	uint32_t vcpu;			/* OUT: vCPU notified */
	union {				/* OUT, depending on status */
		struct {
			domid_t dom;	/* who may bind */
		} unbound;
		struct {
			domid_t dom;	/* peer domain */
			uint16_t _pad0;
			evtchn_port_t port; /* peer port */
		} interdomain;
		uint32_t pirq;
		uint32_t virq;
	} u;
};
_Static_assert(sizeof(struct evtchn_status) == 24, "evtchn_status size");
_Static_assert(offsetof(struct evtchn_status, status) == 8,
	       "evtchn_status.status");
_Static_assert(offsetof(struct evtchn_status, u) == 16, "evtchn_status.u");
_Static_assert(offsetof(struct evtchn_status, u.interdomain.port) == 20,
	       "evtchn_status.u.interdomain.port");

/* Change the vCPU a port notifies (not for per-vCPU VIRQs or IPIs). */
struct evtchn_bind_vcpu {
	evtchn_port_t port;		/* IN */
	uint32_t vcpu;			/* IN */
};
_Static_assert(sizeof(struct evtchn_bind_vcpu) == 8, "evtchn_bind_vcpu");

/* Clear the mask bit, re-raising the upcall if the port is pending. */
struct evtchn_unmask {
	evtchn_port_t port;		/* IN */
};
_Static_assert(sizeof(struct evtchn_unmask) == 4, "evtchn_unmask");

/* Close every port of a domain. */
struct evtchn_reset {
	domid_t dom;			/* IN */
};
_Static_assert(sizeof(struct evtchn_reset) == 2, "evtchn_reset");

/* FIFO ABI: register the per-vCPU control block page. */
struct evtchn_init_control {
	uint64_t control_gfn;		/* IN: frame of the control block */
	uint32_t offset;		/* IN: offset inside that frame */
	uint32_t vcpu;			/* IN */
	uint8_t link_bits;		/* OUT: EVTCHN_FIFO_LINK_BITS */
	uint8_t _pad[7];
};
_Static_assert(sizeof(struct evtchn_init_control) == 24,
	       "evtchn_init_control size");
_Static_assert(offsetof(struct evtchn_init_control, link_bits) == 16,
	       "evtchn_init_control.link_bits");

/* FIFO ABI: add one more page of event words. */
struct evtchn_expand_array {
	uint64_t array_gfn;		/* IN */
};
_Static_assert(sizeof(struct evtchn_expand_array) == 8,
	       "evtchn_expand_array");

struct evtchn_set_priority {
	evtchn_port_t port;		/* IN */
	uint32_t priority;		/* IN: EVTCHN_FIFO_PRIORITY_* range */
};
_Static_assert(sizeof(struct evtchn_set_priority) == 8,
	       "evtchn_set_priority");

/* Argument of the old event_channel_op_compat hypercall (number 16). */
struct evtchn_op {
	uint32_t cmd;			/* EVTCHNOP_* */
	union {
		struct evtchn_alloc_unbound alloc_unbound;
		struct evtchn_bind_interdomain bind_interdomain;
		struct evtchn_bind_virq bind_virq;
		struct evtchn_bind_pirq bind_pirq;
		struct evtchn_bind_ipi bind_ipi;
		struct evtchn_close close;
		struct evtchn_send send;
		struct evtchn_status status;
		struct evtchn_bind_vcpu bind_vcpu;
		struct evtchn_unmask unmask;
	} u;
};
_Static_assert(sizeof(struct evtchn_op) == 28, "evtchn_op size");
_Static_assert(offsetof(struct evtchn_op, u) == 4, "evtchn_op.u");

/* FIFO ABI: one word per port in the event array pages. */
typedef uint32_t event_word_t;

/* FIFO ABI: per-vCPU control block. */
struct evtchn_fifo_control_block {
	uint32_t ready;			/* bit per non-empty queue */
	uint32_t _rsvd;
	uint32_t head[EVTCHN_FIFO_MAX_QUEUES]; /* first port of each queue */
};
_Static_assert(sizeof(struct evtchn_fifo_control_block) == 72,
	       "evtchn_fifo_control_block");

#endif /* !__ASSEMBLER__ */

#endif /* TANDEM_PUBLIC_EVENT_CHANNEL_H */
