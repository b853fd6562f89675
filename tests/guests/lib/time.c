// SPDX-License-Identifier: MIT
/* System time from the pvclock fields of vcpu_info, and sleeping. */
#include "guest.h"

uint64_t vcpu_now_ns(const volatile struct vcpu_time_info *t)
{
	uint32_t version, mul;
	uint64_t tsc_ts, sys, delta;
	int8_t shift;

	do {
		version = t->version;
		barrier();
		tsc_ts = t->tsc_timestamp;
		sys = t->system_time;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		delta = rdtsc() - tsc_ts;
		barrier();
	} while ((version & 1) || version != t->version);

	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	return sys + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

uint64_t now_ns(void)
{
	return vcpu_now_ns(&this_vcpu_info()->time);
}

void spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		cpu_relax();
}

evtchn_port_t timer_port(void)
{
	struct cpu *c = this_cpu();
	evtchn_port_t port;

	if (c->timer_port)
		return c->timer_port;
	if (evtchn_bind_virq(VIRQ_TIMER, c->id, &port))
		return 0;
	c->timer_port = port;
	evtchn_unmask_port(port);
	return port;
}

void timer_port_release(void)
{
	struct cpu *c = this_cpu();

	if (c->timer_port)
		hv_evtchn_close(c->timer_port);
	c->timer_port = 0;
}

void sleep_ns(uint64_t ns)
{
	uint64_t deadline = now_ns() + ns;
	struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = deadline };
	struct vcpu_info *vi = this_vcpu_info();
	uint8_t mask = vi->evtchn_upcall_mask;

	timer_port();
	for (;;) {
		vi->evtchn_upcall_mask = 1;
		barrier();
		if (now_ns() >= deadline)
			break;
		hv_vcpu_op(VCPUOP_set_singleshot_timer, this_cpu()->id, &t);
		hv_block();
	}
	vi->evtchn_upcall_mask = mask;
}
