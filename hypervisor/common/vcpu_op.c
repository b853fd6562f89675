// SPDX-License-Identifier: MIT
/*
 * vcpu_op: a guest manages its vCPUs (bring up, take down, query), their
 * timers, and where their vcpu_info and runstate live.
 */
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/event.h>
#include <tandem/hypercall.h>
#include <tandem/lib.h>
#include <tandem/sched.h>
#include <asm/context.h>
#include <asm/pagetable.h>
#include <asm/pv.h>
#include <asm/time.h>
#include <public/vcpu.h>

static long register_vcpu_info(struct vcpu *v,
			       const struct vcpu_register_vcpu_info *r)
{
	struct domain *d = v->domain;
	struct vcpu_info *new;
	struct page_info *pg;
	int rc;

	/* Error codes as Xen 4.17 gives them. */
	if (r->offset > PAGE_SIZE - sizeof(struct vcpu_info) ||
	    (r->offset & 7))
		return -ENXIO;	/* crosses the page, or misaligned */
	if (v->vcpu_info_mfn != INVALID_MFN)
		return -EINVAL;	/* once per vCPU */
	/* Only for ourselves, or a vCPU that is not running. */
	if (v != current && !(v->pause_flags & VPF_down))
		return -EINVAL;
	if (!mfn_is_ram(r->mfn))
		return -EINVAL;
	pg = mfn_to_page(r->mfn);
	rc = get_page_and_type(pg, d, PGT_writable_page);
	if (rc)
		return rc;

	new = (struct vcpu_info *)((char *)page_to_virt(pg) + r->offset);
	*new = *v->vcpu_info;
	/* Make the guest rescan everything once from its new location. */
	new->evtchn_pending_sel = ~0ULL;
	new->evtchn_upcall_pending = 1;
	v->vcpu_info = new;
	v->vcpu_info_mfn = r->mfn;
	update_vcpu_system_time(v);
	return 0;
}

static long vcpu_initialise(struct vcpu *v, uint64_t arg)
{
	struct vcpu_guest_context *ctx;
	long rc;

	if (v->is_initialised)
		return -EEXIST;
	ctx = xmalloc(sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	rc = copy_from_guest(ctx, arg, sizeof(*ctx));
	if (!rc)
		rc = arch_set_info_guest(v, ctx);
	xfree(ctx);
	if (!rc)
		v->is_initialised = true;
	return rc;
}

long do_vcpu_op(int cmd, unsigned int vcpuid, uint64_t arg)
{
	struct domain *d = current->domain;
	struct vcpu *v;

	if (vcpuid >= d->max_vcpus || !d->vcpus[vcpuid])
		return -ENOENT;
	v = d->vcpus[vcpuid];

	switch (cmd) {
	case VCPUOP_initialise:
		return vcpu_initialise(v, arg);
	case VCPUOP_up:
		if (!v->is_initialised)
			return -EINVAL;
		if (v->pause_flags & VPF_down) {
			v->pause_flags &= ~VPF_down;
			vcpu_wake(v);
		}
		return 0;
	case VCPUOP_down:
		if (!(v->pause_flags & VPF_down)) {
			v->pause_flags |= VPF_down;
			vcpu_sleep(v);
		}
		return 0;
	case VCPUOP_is_up:
		return !(v->pause_flags & VPF_down);
	case VCPUOP_get_runstate_info:
		return copy_to_guest(arg, &v->runstate, sizeof(v->runstate)) ?
		       -EFAULT : 0;
	case VCPUOP_register_runstate_memory_area: {
		struct vcpu_register_runstate_memory_area r;

		if (copy_from_guest(&r, arg, sizeof(r)))
			return -EFAULT;
		if (!guest_range_ok(r.addr.p, sizeof(v->runstate)))
			return -EINVAL;
		v->runstate_guest = r.addr.p;
		/* Readable at once, as the guest expects. */
		if (v == current)
			copy_to_guest(r.addr.p, &v->runstate,
				      sizeof(v->runstate));
		return 0;
	}
	case VCPUOP_set_periodic_timer: {
		struct vcpu_set_periodic_timer p;

		if (copy_from_guest(&p, arg, sizeof(p)))
			return -EFAULT;
		if (p.period_ns < (uint64_t)MILLISECS(1) ||
		    p.period_ns > (uint64_t)SECONDS(3600))
			return -EINVAL;
		v->periodic_period = p.period_ns;
		set_timer(&v->periodic_timer, NOW() + p.period_ns);
		return 0;
	}
	case VCPUOP_stop_periodic_timer:
		v->periodic_period = 0;
		stop_timer(&v->periodic_timer);
		return 0;
	case VCPUOP_set_singleshot_timer: {
		struct vcpu_set_singleshot_timer t;

		if (v != current)
			return -EINVAL;
		if (copy_from_guest(&t, arg, sizeof(t)))
			return -EFAULT;
		if ((t.flags & VCPU_SSHOTTMR_future) &&
		    (s_time_t)t.timeout_abs_ns < NOW())
			return -ETIME;
		set_timer(&v->singleshot_timer, t.timeout_abs_ns);
		return 0;
	}
	case VCPUOP_stop_singleshot_timer:
		if (v != current)
			return -EINVAL;
		stop_timer(&v->singleshot_timer);
		return 0;
	case VCPUOP_register_vcpu_info: {
		struct vcpu_register_vcpu_info r;

		if (copy_from_guest(&r, arg, sizeof(r)))
			return -EFAULT;
		return register_vcpu_info(v, &r);
	}
	default:
		log_unimplemented("vcpu_op", cmd);
		return -ENOSYS;
	}
}

/* Timer callbacks (armed above and by set_timer_op). */
void vcpu_singleshot_timer_fn(void *data)
{
	send_guest_vcpu_virq(data, VIRQ_TIMER);
}

void vcpu_periodic_timer_fn(void *data)
{
	struct vcpu *v = data;

	send_guest_vcpu_virq(v, VIRQ_TIMER);
	if (v->periodic_period)
		set_timer(&v->periodic_timer, NOW() + v->periodic_period);
}
