// SPDX-License-Identifier: MIT
/*
 * 2-level event channels, guest side: the upcall scans the pending
 * bitmap selected by evtchn_pending_sel, clears what it handles, counts
 * every port in evtchn_fired[] and calls the port's handler, if any.
 */
#include "guest.h"

volatile uint32_t evtchn_fired[NR_EVENT_CHANNELS];
static evtchn_handler_t evtchn_handlers[NR_EVENT_CHANNELS];

void events_init(void)
{
	unsigned int i;

	/* Start with every port masked; tests unmask what they use. */
	for (i = 0; i < ARRAY_SIZE(shared_info->evtchn_mask); i++)
		shared_info->evtchn_mask[i] = ~0ull;
}

void evtchn_set_handler(evtchn_port_t port, evtchn_handler_t h)
{
	if (port < NR_EVENT_CHANNELS)
		evtchn_handlers[port] = h;
}

void events_mask(void)
{
	this_vcpu_info()->evtchn_upcall_mask = 1;
	barrier();
}

/*
 * Unmask, then make the hypervisor deliver anything that became pending
 * while masked (any hypercall returns through the upcall check).
 */
void events_unmask(void)
{
	struct vcpu_info *vi = this_vcpu_info();

	barrier();
	vi->evtchn_upcall_mask = 0;
	barrier();
	if (vi->evtchn_upcall_pending)
		hv_xen_version(XENVER_version, NULL);
}

void evtchn_mask_port(evtchn_port_t port)
{
	atomic_set_bit(port % 64, &shared_info->evtchn_mask[port / 64]);
}

/*
 * Unmask a port bound to this vCPU the way Linux does: clear the mask
 * bit ourselves and, if the port went pending while masked, flag it to
 * ourselves (selector bit, upcall pending). EVTCHNOP_unmask would do
 * nothing here: it only acts on a port whose mask bit is still set.
 */
void evtchn_unmask_port(evtchn_port_t port)
{
	struct vcpu_info *vi = this_vcpu_info();

	atomic_clear_bit(port % 64, &shared_info->evtchn_mask[port / 64]);
	if (test_bit(port, shared_info->evtchn_pending) &&
	    !atomic_test_and_set_bit(port / 64,
				     (volatile uint64_t *)&vi->evtchn_pending_sel)) {
		vi->evtchn_upcall_pending = 1;
		if (!vi->evtchn_upcall_mask)
			hv_xen_version(XENVER_version, NULL);
	}
}

void event_dispatch(void)
{
	struct vcpu_info *vi = this_vcpu_info();

	while (vi->evtchn_upcall_pending) {
		uint64_t sel;

		vi->evtchn_upcall_pending = 0;
		sel = xchg64(&vi->evtchn_pending_sel, 0);
		while (sel) {
			unsigned int w = __builtin_ctzll(sel);
			uint64_t bits;

			sel &= sel - 1;
			bits = shared_info->evtchn_pending[w] &
			       ~shared_info->evtchn_mask[w];
			while (bits) {
				unsigned int b = __builtin_ctzll(bits);
				evtchn_port_t port = w * 64 + b;

				bits &= bits - 1;
				atomic_clear_bit(b,
					&shared_info->evtchn_pending[w]);
				evtchn_fired[port]++;
				if (evtchn_handlers[port])
					evtchn_handlers[port](port);
			}
		}
	}
}

bool evtchn_wait(evtchn_port_t port, uint32_t seen, uint64_t timeout_ns)
{
	uint64_t deadline = now_ns() + timeout_ns;
	struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = deadline };
	struct vcpu_info *vi = this_vcpu_info();
	uint8_t mask = vi->evtchn_upcall_mask;
	bool ok;

	timer_port();
	for (;;) {
		vi->evtchn_upcall_mask = 1;
		barrier();
		if (evtchn_fired[port] != seen || now_ns() >= deadline)
			break;
		/* The timer bounds the wait; its event just wakes us. */
		hv_vcpu_op(VCPUOP_set_singleshot_timer, this_cpu()->id, &t);
		hv_block();
	}
	ok = evtchn_fired[port] != seen;
	vi->evtchn_upcall_mask = mask;
	return ok;
}

long evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound a = {
		.dom = DOMID_SELF,
		.remote_dom = remote,
	};
	long rc = hv_event_channel_op(EVTCHNOP_alloc_unbound, &a);

	*port = rc ? 0 : a.port;
	return rc;
}

long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port)
{
	struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
	long rc = hv_event_channel_op(EVTCHNOP_bind_virq, &b);

	*port = rc ? 0 : b.port;
	return rc;
}
