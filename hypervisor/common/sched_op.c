// SPDX-License-Identifier: MIT
/*
 * sched_op and set_timer_op: a vCPU yields, blocks, polls event channels,
 * sets its one-shot timer, or shuts its domain down.
 */
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/event.h>
#include <tandem/hypercall.h>
#include <tandem/lib.h>
#include <tandem/sched.h>
#include <asm/pv.h>
#include <public/sched.h>

#define MAX_POLL_PORTS	128

void vcpu_block(void)
{
	struct vcpu *v = current;

	/* Blocking with events enabled: anything pending ends it at once. */
	v->vcpu_info->evtchn_upcall_mask = 0;
	if (v->vcpu_info->evtchn_upcall_pending)
		return;
	v->pause_flags |= VPF_blocked;
	vcpu_sleep(v);
}

static void poll_timeout(void *data)
{
	struct vcpu *v = data;

	v->nr_poll_ports = 0;
	if (v->pause_flags & VPF_blocked) {
		v->pause_flags &= ~VPF_blocked;
		vcpu_wake(v);
	}
}

static long do_poll(struct vcpu *v, const struct sched_poll *p)
{
	struct domain *d = v->domain;

	if (p->nr_ports > MAX_POLL_PORTS)
		return -EINVAL;
	if (!v->poll_ports) {
		v->poll_ports = xzalloc_array(evtchn_port_t, MAX_POLL_PORTS);
		if (!v->poll_ports)
			return -ENOMEM;
		init_timer(&v->poll_timer, poll_timeout, v);
	}
	v->nr_poll_ports = 0;
	if (copy_from_guest(v->poll_ports, p->ports,
			    p->nr_ports * sizeof(evtchn_port_t)))
		return -EFAULT;
	for (unsigned int i = 0; i < p->nr_ports; i++)
		if (v->poll_ports[i] > d->max_evtchn_port)
			return -EINVAL;
	if (evtchn_any_pending(d, v->poll_ports, p->nr_ports))
		return 0;
	if (p->timeout && (s_time_t)p->timeout <= NOW())
		return 0;

	v->nr_poll_ports = p->nr_ports;
	if (p->timeout)
		set_timer(&v->poll_timer, p->timeout);
	v->pause_flags |= VPF_blocked;
	vcpu_sleep(v);
	return 0;
}

long do_sched_op(int cmd, uint64_t arg)
{
	struct vcpu *v = current;
	struct domain *d = v->domain;

	/* A new request ends whatever poll came before it. */
	v->nr_poll_ports = 0;
	if (v->poll_ports)
		stop_timer(&v->poll_timer);

	switch (cmd) {
	case SCHEDOP_yield:
		vcpu_yield();
		return 0;
	case SCHEDOP_block:
		vcpu_block();
		return 0;
	case SCHEDOP_shutdown:
	case SCHEDOP_shutdown_code: {
		struct sched_shutdown s;

		if (copy_from_guest(&s, arg, sizeof(s)))
			return -EFAULT;
		if (s.reason > SHUTDOWN_MAX)
			return -EINVAL;
		if (cmd == SCHEDOP_shutdown_code) {
			d->shutdown_code = s.reason;
			return 0;
		}
		domain_shutdown(d, s.reason);
		return 0;
	}
	case SCHEDOP_poll: {
		struct sched_poll p;

		if (copy_from_guest(&p, arg, sizeof(p)))
			return -EFAULT;
		return do_poll(v, &p);
	}
	case SCHEDOP_remote_shutdown: {
		struct sched_remote_shutdown rs;
		struct domain *target;

		if (!d->is_privileged)
			return -EPERM;
		if (copy_from_guest(&rs, arg, sizeof(rs)))
			return -EFAULT;
		if (rs.reason > SHUTDOWN_MAX)
			return -EINVAL;
		target = domain_by_id(rs.domain_id);
		if (!target)
			return -ESRCH;
		domain_shutdown(target, rs.reason);
		return 0;
	}
	case SCHEDOP_pin_override:
		if (!d->is_privileged)
			return -EPERM;
		log_unimplemented("sched_op", cmd);
		return -ENOSYS;
	default:
		log_unimplemented("sched_op", cmd);
		return -ENOSYS;
	}
}

long do_set_timer_op(int64_t timeout)
{
	struct vcpu *v = current;

	if (timeout == 0) {
		stop_timer(&v->singleshot_timer);
		return 0;
	}
	/* A deadline already past fires at once. */
	set_timer(&v->singleshot_timer, timeout);
	return 0;
}
