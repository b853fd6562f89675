/* SPDX-License-Identifier: MIT */
/*
 * Event channels (2-level ABI): ports, their bindings, and raising them.
 */
#ifndef TANDEM_EVENT_H
#define TANDEM_EVENT_H

#include <tandem/types.h>
#include <public/event_channel.h>

struct domain;
struct vcpu;

enum evtchn_state {
	ECS_FREE,
	ECS_RESERVED,		/* port 0, and ports the builder set aside */
	ECS_UNBOUND,		/* waiting for remote_domid to bind */
	ECS_INTERDOMAIN,
	ECS_PIRQ,
	ECS_VIRQ,
	ECS_IPI,
	ECS_HYPERVISOR,		/* the other end is a hypervisor service */
};

typedef void (*hv_port_notify_fn)(struct domain *d, evtchn_port_t port);

struct evtchn {
	uint8_t state;		/* enum evtchn_state */
	uint16_t notify_vcpu;
	union {
		domid_t unbound_remote;
		struct {
			struct domain *dom;
			evtchn_port_t port;
		} interdomain;
		uint32_t virq;
		uint32_t pirq;
		hv_port_notify_fn hv_notify;
	} u;
};

/* d->shared_info must stay valid from evtchn_init() to evtchn_destroy(). */
int evtchn_init(struct domain *d);
/* Close every port (peers go back to unbound) and free the table. */
void evtchn_destroy(struct domain *d);
/* NULL unless port <= d->max_evtchn_port and its bucket is allocated. */
struct evtchn *evtchn_from_port(struct domain *d, evtchn_port_t port);

/*
 * Mark a port pending for its guest and kick the vCPU it notifies, and
 * any vCPU polling it. A free or reserved port drops the event.
 */
void evtchn_set_pending(struct domain *d, evtchn_port_t port);
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq);
void send_guest_global_virq(struct domain *d, unsigned int virq);

/* A port in d whose other end is the hypervisor itself. */
int evtchn_alloc_hv_port(struct domain *d, hv_port_notify_fn fn);

/* Are any of these ports pending (SCHEDOP_poll)? */
bool evtchn_any_pending(struct domain *d, const evtchn_port_t *ports,
			unsigned int n);

long do_event_channel_op(int cmd, uint64_t arg);

#endif
