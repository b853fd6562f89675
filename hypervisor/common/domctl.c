// SPDX-License-Identifier: MIT
/*
 * domctl: the toolstack's per-domain operations, in the layout and with
 * the semantics of Xen 4.17 (interface version 0x15), for the toolstack
 * in dom0's user space (its hypercalls pass through Linux's privcmd).
 *
 * A PV domU is built from outside, as libxc does it: createdomain gives
 * an empty domain (no memory allowed, vCPUs down and without context,
 * paused once by the controller); max_mem lets memory_op populate_physmap
 * give it frames; dom0 maps them (mmu_update with foreigndom) to write
 * the kernel, start_info, p2m and page tables, pins the L4 for it, sets
 * the vCPU context here and unpauses it. A domain built this way stays
 * when it shuts down (VIRQ_DOM_EXC tells dom0) until destroydomain.
 *
 * Implemented: createdomain, destroydomain, pausedomain, unpausedomain,
 * getdomaininfo, max_vcpus, max_mem, setvcpucontext (a null context
 * resets the vCPU), getvcpucontext, getvcpuinfo, scheduler_op (credit),
 * set/getvcpuaffinity (one CPU), setdomainhandle, set/get_address_size
 * (64 only), set/gettscinfo (native TSC only). Every other command is
 * -ENOSYS (logged once).
 *
 * Only the hardware domain may call this, and anyone else is refused
 * before anything is read. Everything in the request is untrusted.
 */
#include <tandem/domain.h>
#include <tandem/domctl.h>
#include <tandem/errno.h>
#include <tandem/event.h>
#include <tandem/grant_table.h>
#include <tandem/hypercall.h>
#include <tandem/lib.h>
#include <tandem/sched.h>
#include <tandem/timer.h>
#include <asm/context.h>
#include <asm/cpu.h>
#include <asm/pv.h>
#include <asm/time.h>
#include <public/domctl.h>
#include <public/event_channel.h>

/* A bigger toolstack pause count is a toolstack bug (Xen: the same). */
#define MAX_CONTROLLER_PAUSES	255
/*
 * getdomaininfo's shutdown reason of a domain that did not shut down:
 * Xen's -1, all ones from bit 16 up (readers mask the 8 bits they want).
 */
#define SHUTDOWN_CODE_INVALID	0xffffU
/* The largest max_pages (Xen keeps it in 32 bits). */
#define MAX_MAX_PAGES		0xffffffffUL
/* Maptrack frames a toolstack may ask for (Xen 4.17's default limit). */
#define MAX_MAPTRACK_FRAMES	1024
/* Physical CPUs the scheduler uses (vCPU affinity masks). */
#define NR_PCPUS		1
/* The most of a caller's CPU mask we write: 4096 CPUs. */
#define MAX_CPUMASK_BYTES	512

static bool paused_by_controller(const struct domain *d)
{
	return d->controller_pause_count > 0;
}

/* ---- domain information ---------------------------------------------- */

/* ns a vCPU has spent running, including the period it is in now. */
static uint64_t vcpu_cpu_time(const struct vcpu *v)
{
	const struct vcpu_runstate_info *rs = &v->runstate;
	uint64_t t = rs->time[RUNSTATE_running];

	if (rs->state == RUNSTATE_running) {
		s_time_t now = NOW();

		if (now > (s_time_t)rs->state_entry_time)
			t += now - rs->state_entry_time;
	}
	return t;
}

void domain_get_info(struct domain *d, struct xen_domctl_getdomaininfo *info)
{
	uint32_t flags = XEN_DOMINF_blocked;
	uint32_t code = SHUTDOWN_CODE_INVALID;

	memset(info, 0, sizeof(*info));
	info->domain = d->domain_id;
	info->max_vcpu_id = XEN_INVALID_MAX_VCPU_ID;
	/* Blocked only if every online vCPU is; running if any is. */
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		const struct vcpu *v = d->vcpus[i];

		if (!v)
			continue;
		info->max_vcpu_id = i;
		info->cpu_time += vcpu_cpu_time(v);
		if (v->pause_flags & VPF_down)
			continue;
		info->nr_online_vcpus++;
		if (!(v->pause_flags & VPF_blocked))
			flags &= ~XEN_DOMINF_blocked;
		if (v->is_running)
			flags |= XEN_DOMINF_running;
	}
	if (!info->nr_online_vcpus)
		flags = 0;
	if (d->state == DOMAIN_DYING)
		flags |= XEN_DOMINF_dying;
	if (d->state == DOMAIN_SHUTDOWN) {
		flags |= XEN_DOMINF_shutdown;
		code = d->shutdown_code;
	}
	if (paused_by_controller(d))
		flags |= XEN_DOMINF_paused;
	info->flags = flags | code << XEN_DOMINF_shutdownshift;

	info->tot_pages = d->tot_pages;
	info->max_pages = d->max_pages;
	/* A PV domain's frame numbers are machine frame numbers. */
	info->shared_info_frame = d->shared_info ?
				  virt_to_mfn(d->shared_info) : 0;
	memcpy(info->handle, d->handle, sizeof(info->handle));
	info->gpaddr_bits = boot_cpu.phys_addr_bits;
}

/* ---- createdomain ------------------------------------------------------ */

/* Is the request one we can build (a PV domain with what we have)? */
static int check_create_config(const struct xen_domctl_createdomain *c)
{
	const uint32_t known = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap |
			       XEN_DOMCTL_CDF_s3_integrity |
			       XEN_DOMCTL_CDF_oos_off |
			       XEN_DOMCTL_CDF_xs_domain |
			       XEN_DOMCTL_CDF_iommu |
			       XEN_DOMCTL_CDF_nested_virt |
			       XEN_DOMCTL_CDF_vpmu;
	uint32_t emu = c->arch.emulation_flags;
	unsigned int gnt_version = XEN_DOMCTL_GRANT_version(c->grant_opts);

	/*
	 * Error codes as Xen 4.17 gives them on a host without HVM, an
	 * IOMMU, TBOOT, processor tracing or a vPMU.
	 */
	if (c->flags & ~known)
		return -EINVAL;
	if (c->grant_opts & ~XEN_DOMCTL_GRANT_version_mask)
		return -EINVAL;
	if (c->max_vcpus < 1 || c->max_vcpus > MAX_VCPUS_PER_DOMAIN)
		return -EINVAL;
	if (c->flags & (XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap |
			XEN_DOMCTL_CDF_nested_virt | XEN_DOMCTL_CDF_iommu |
			XEN_DOMCTL_CDF_s3_integrity | XEN_DOMCTL_CDF_vpmu))
		return -EINVAL;
	if (c->iommu_opts || c->vmtrace_size)
		return -EINVAL;
	if (c->arch.misc_flags & ~XEN_X86_MSR_RELAXED)
		return -EINVAL;
	if (emu & ~XEN_X86_EMU_ALL)
		return -EINVAL;
	/* A PV domain may have the PIT emulated, and nothing else. */
	if (emu && emu != XEN_X86_EMU_PIT)
		return -EOPNOTSUPP;
	/* Grant tables: version 1 only; at least one frame. */
	if (gnt_version != 1)
		return -EINVAL;
	if (c->max_grant_frames == 0 ||
	    c->max_maptrack_frames > MAX_MAPTRACK_FRAMES)
		return -EINVAL;
	if (c->cpupool_id)
		return -ESRCH;	/* only pool 0 exists */
	return 0;
}

static bool domid_in_use(domid_t id)
{
	struct domain *d = domain_next_by_id(id);

	return d && d->domain_id == id;
}

/* A free id for a new domain: the requested one, or the next after the last. */
static int pick_domid(domid_t wanted, domid_t *out)
{
	static domid_t last;
	domid_t id = last;

	if (wanted > 0 && wanted < DOMID_FIRST_RESERVED) {
		if (domid_in_use(wanted))
			return -EEXIST;
		*out = wanted;
		return 0;
	}
	for (unsigned int n = 1; n < DOMID_FIRST_RESERVED; n++) {
		id = id + 1 < DOMID_FIRST_RESERVED ? id + 1 : 1;
		if (!domid_in_use(id)) {
			last = id;
			*out = id;
			return 0;
		}
	}
	return -ENOMEM;
}

static long create_domain(struct xen_domctl *op)
{
	struct xen_domctl_createdomain *c = &op->u.createdomain;
	struct domain *d;
	domid_t id;
	int rc;

	rc = check_create_config(c);
	if (rc)
		return rc;
	rc = pick_domid(op->domain, &id);
	if (rc)
		return rc;
	/* No memory until max_mem; its vCPUs are down and uninitialised. */
	d = domain_create(id, NULL, c->max_vcpus, 0, false);
	if (!d)
		return -ENOMEM;
	d->toolstack_owned = true;
	d->controller_pause_count = 1;
	domain_pause(d);
	memcpy(d->handle, c->handle, sizeof(d->handle));
	/* Limits beyond what the 2-level ABI or our table holds are cut. */
	d->max_evtchn_port = MIN(c->max_evtchn_port,
				 (uint32_t)EVTCHN_2L_NR_CHANNELS - 1);
	if (c->max_grant_frames > 0)
		d->max_grant_frames = MIN((unsigned int)c->max_grant_frames,
					  GNTTAB_DEFAULT_MAX_FRAMES);
	printk("domain %u (%s) created by %s: %u vCPU%s\n", d->domain_id,
	       d->name, current->domain->name, d->max_vcpus,
	       d->max_vcpus == 1 ? "" : "s");
	op->domain = id;
	return 0;
}

/* ---- pause, unpause, destroy ------------------------------------------- */

static long pause_domain(struct domain *d)
{
	if (d == current->domain)
		return -EINVAL;
	if (d->controller_pause_count >= MAX_CONTROLLER_PAUSES)
		return -EOVERFLOW;
	d->controller_pause_count++;
	domain_pause(d);
	return 0;
}

static long unpause_domain(struct domain *d)
{
	if (!paused_by_controller(d))
		return -EINVAL;
	d->controller_pause_count--;
	domain_unpause(d);
	return 0;
}

static long destroy_domain(domid_t id)
{
	struct domain *d = domain_next_by_id(id);

	if (!d || d->domain_id != id)
		return -ESRCH;
	if (d == current->domain)
		return -EINVAL;
	/* Already going: its memory comes back as others let go of it. */
	if (d->state == DOMAIN_DYING)
		return 0;
	printk("domain %u (%s) destroyed by %s\n", d->domain_id, d->name,
	       current->domain->name);
	domain_destroy(d);
	return 0;
}

/* ---- vCPU context ------------------------------------------------------ */

static struct vcpu *domain_vcpu(struct domain *d, uint32_t id)
{
	return id < d->max_vcpus ? d->vcpus[id] : NULL;
}

static long set_vcpu_context(struct domain *d,
			     const struct xen_domctl_vcpucontext *vc)
{
	struct vcpu_guest_context *ctxt;
	struct vcpu *v = domain_vcpu(d, vc->vcpu);
	long rc;

	if (d == current->domain || !v)
		return -EINVAL;
	/* Only a domain the toolstack holds paused, not one that runs. */
	if (!paused_by_controller(d) || d->state != DOMAIN_RUNNING)
		return -EBUSY;
	if (!vc->ctxt) {
		arch_vcpu_reset(v);
		v->is_initialised = false;
		v->pause_flags = (v->pause_flags | VPF_down) & ~VPF_blocked;
		vcpu_sleep(v);
		return 0;
	}
	if (v->is_initialised)
		return -EEXIST;	/* reset it first (no context) */

	ctxt = xmalloc(sizeof(*ctxt));
	if (!ctxt)
		return -ENOMEM;
	rc = copy_from_guest(ctxt, vc->ctxt, sizeof(*ctxt));
	/* Frames are checked against d: only its own can become its tables. */
	if (!rc)
		rc = arch_set_info_guest(v, ctxt);
	if (!rc) {
		v->is_initialised = true;
		if (ctxt->flags & VGCF_online)
			v->pause_flags &= ~VPF_down;
		else
			v->pause_flags |= VPF_down;
		if (v->vcpu_id == 0)
			update_domain_wallclock_time(d);
		/* Still paused: this only brings its runstate up to date. */
		vcpu_wake(v);
	}
	xfree(ctxt);
	return rc;
}

static long get_vcpu_context(struct domain *d,
			     const struct xen_domctl_vcpucontext *vc)
{
	struct vcpu_guest_context *ctxt;
	struct vcpu *v = domain_vcpu(d, vc->vcpu);
	long rc = 0;

	/* Our own running vCPU has no saved state to report. */
	if (!v || v == current)
		return -EINVAL;
	if (!v->is_initialised)
		return -ENODATA;
	ctxt = xmalloc(sizeof(*ctxt));
	if (!ctxt)
		return -ENOMEM;
	arch_get_info_guest(v, ctxt);
	if (copy_to_guest(vc->ctxt, ctxt, sizeof(*ctxt)))
		rc = -EFAULT;
	xfree(ctxt);
	return rc;
}

static long get_vcpu_info(struct domain *d,
			  struct xen_domctl_getvcpuinfo *info)
{
	struct vcpu *v;

	if (info->vcpu >= d->max_vcpus)
		return -EINVAL;
	v = d->vcpus[info->vcpu];
	if (!v)
		return -ESRCH;
	info->online = !(v->pause_flags & VPF_down);
	info->blocked = !!(v->pause_flags & VPF_blocked);
	info->running = v->is_running;
	info->cpu_time = vcpu_cpu_time(v);
	info->cpu = v->sched.cpu;
	return 0;
}

/* ---- scheduling -------------------------------------------------------- */

static long scheduler_op(struct domain *d, struct xen_domctl_scheduler_op *s)
{
	unsigned int weight = d->weight, cap = d->cap;

	if (s->sched_id != XEN_SCHEDULER_CREDIT)
		return -EINVAL;
	switch (s->cmd) {
	case XEN_DOMCTL_SCHEDOP_getinfo:
		s->u.credit.weight = d->weight;
		s->u.credit.cap = d->cap;
		return 0;
	case XEN_DOMCTL_SCHEDOP_putinfo:
		/* Weight 0 and cap 0xffff leave the value as it is. */
		if (s->u.credit.weight)
			weight = s->u.credit.weight;
		if (s->u.credit.cap != 0xffff)
			cap = s->u.credit.cap;
		return sched_set_params(d, weight, cap);
	default:
		/* Per-vCPU parameters: credit has none. */
		return -EINVAL;
	}
}

/*
 * A CPU mask from the caller: its bytes, bit n = CPU n; bits past nr_bits
 * do not count. Only our CPUs are read.
 */
static int read_cpumask(const struct xenctl_bitmap *b, uint8_t *mask)
{
	uint32_t bytes = DIV_ROUND_UP(b->nr_bits, 8);
	uint32_t n = MIN(bytes, (uint32_t)DIV_ROUND_UP(NR_PCPUS, 8));

	*mask = 0;
	if (n && copy_from_guest(mask, b->bitmap, n))
		return -EFAULT;
	if (n == bytes && (b->nr_bits & 7))
		*mask &= (1U << (b->nr_bits & 7)) - 1;
	*mask &= (1U << NR_PCPUS) - 1;
	return 0;
}

/*
 * Write our CPU mask into the caller's, zeroing the rest of it (as far
 * as MAX_CPUMASK_BYTES: no caller has a mask for more CPUs).
 */
static int write_cpumask(const struct xenctl_bitmap *b, uint8_t mask)
{
	uint32_t bytes = MIN(DIV_ROUND_UP(b->nr_bits, 8), MAX_CPUMASK_BYTES);
	uint8_t zero = 0;

	for (uint32_t i = 0; i < bytes; i++)
		if (copy_to_guest(b->bitmap + i, i ? &zero : &mask, 1))
			return -EFAULT;
	return 0;
}

static long vcpu_affinity(struct domain *d, uint32_t cmd,
			  const struct xen_domctl_vcpuaffinity *a)
{
	const uint8_t all = (1U << NR_PCPUS) - 1;
	bool hard = a->flags & XEN_VCPUAFFINITY_HARD;
	bool soft = a->flags & XEN_VCPUAFFINITY_SOFT;
	uint8_t mask;
	int rc;

	if (a->vcpu >= d->max_vcpus)
		return -EINVAL;
	if (!d->vcpus[a->vcpu])
		return -ESRCH;
	if (!a->flags || (hard && !a->cpumap_hard.bitmap) ||
	    (soft && !a->cpumap_soft.bitmap))
		return -EINVAL;
	/*
	 * Every vCPU runs on our one CPU: a hard affinity must include it,
	 * and the masks in force (reported back) are always "CPU 0".
	 */
	if (cmd == XEN_DOMCTL_setvcpuaffinity && hard) {
		rc = read_cpumask(&a->cpumap_hard, &mask);
		if (rc)
			return rc;
		if (!(mask & all))
			return -EINVAL;
	}
	if (cmd == XEN_DOMCTL_setvcpuaffinity && soft) {
		rc = read_cpumask(&a->cpumap_soft, &mask);
		if (rc)
			return rc;
		rc = write_cpumask(&a->cpumap_soft, mask & all);
		if (rc)
			return rc;
	} else if (soft) {
		rc = write_cpumask(&a->cpumap_soft, all);
		if (rc)
			return rc;
	}
	return hard ? write_cpumask(&a->cpumap_hard, all) : 0;
}

/* ---- TSC --------------------------------------------------------------- */

/*
 * Guests read the host TSC directly: "default" and "never emulate" are
 * what we do anyway, at the host's rate. Emulation we cannot offer.
 */
static long set_tsc_info(struct domain *d, const struct xen_domctl_tsc_info *t)
{
	if (d == current->domain)
		return -EINVAL;
	switch (t->tsc_mode) {
	case TSC_MODE_DEFAULT:
	case TSC_MODE_NEVER_EMULATE:
		if (t->gtsc_khz && t->gtsc_khz != cpu_khz)
			return -EOPNOTSUPP;
		break;
	case TSC_MODE_ALWAYS_EMULATE:
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
	d->tsc_mode = t->tsc_mode;
	d->tsc_incarnation = t->incarnation + 1;
	return 0;
}

static long get_tsc_info(struct domain *d, struct xen_domctl_tsc_info *t)
{
	if (d == current->domain)
		return -EINVAL;
	t->tsc_mode = d->tsc_mode;
	t->gtsc_khz = cpu_khz;
	t->incarnation = d->tsc_incarnation;
	t->pad = 0;
	/* The TSC, counted since boot, in ns: system time. */
	t->elapsed_nsec = NOW();
	return 0;
}

/* ---- the hypercall ----------------------------------------------------- */

/* Commands on an existing domain; *copyback: a result goes back. */
static long domain_op(struct domain *d, struct xen_domctl *op,
		      bool *copyback)
{
	switch (op->cmd) {
	case XEN_DOMCTL_pausedomain:
		return pause_domain(d);
	case XEN_DOMCTL_unpausedomain:
		return unpause_domain(d);
	case XEN_DOMCTL_max_vcpus:
		/* The vCPUs came with createdomain: only that number. */
		if (d == current->domain || op->u.max_vcpus.max != d->max_vcpus)
			return -EINVAL;
		return 0;
	case XEN_DOMCTL_max_mem:
		/* Lower than what it has is allowed: it just cannot grow. */
		d->max_pages = MIN(op->u.max_mem.max_memkb >> (PAGE_SHIFT - 10),
				   MAX_MAX_PAGES);
		return 0;
	case XEN_DOMCTL_setdomainhandle:
		memcpy(d->handle, op->u.setdomainhandle.handle,
		       sizeof(d->handle));
		return 0;
	case XEN_DOMCTL_setvcpucontext:
		return set_vcpu_context(d, &op->u.vcpucontext);
	case XEN_DOMCTL_getvcpucontext:
		*copyback = true;
		return get_vcpu_context(d, &op->u.vcpucontext);
	case XEN_DOMCTL_getvcpuinfo:
		*copyback = true;
		return get_vcpu_info(d, &op->u.getvcpuinfo);
	case XEN_DOMCTL_scheduler_op:
		*copyback = true;
		return scheduler_op(d, &op->u.scheduler_op);
	case XEN_DOMCTL_setvcpuaffinity:
	case XEN_DOMCTL_getvcpuaffinity:
		return vcpu_affinity(d, op->cmd, &op->u.vcpuaffinity);
	case XEN_DOMCTL_set_address_size:
		/* 64-bit PV only: as Xen without 32-bit PV support answers. */
		if (op->u.address_size.size == 64)
			return 0;
		return op->u.address_size.size == 32 ? -EOPNOTSUPP : -EINVAL;
	case XEN_DOMCTL_get_address_size:
		op->u.address_size.size = 64;
		*copyback = true;
		return 0;
	case XEN_DOMCTL_settscinfo:
		return set_tsc_info(d, &op->u.tsc_info);
	case XEN_DOMCTL_gettscinfo:
		*copyback = true;
		return get_tsc_info(d, &op->u.tsc_info);
	default:
		log_unimplemented("domctl", op->cmd);
		return -ENOSYS;
	}
}

static long get_domain_info(struct xen_domctl *op)
{
	struct domain *d;

	/* The first domain from the id on, as Xen answers. */
	if (op->domain >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	d = domain_next_by_id(op->domain);
	if (!d)
		return -ESRCH;
	domain_get_info(d, &op->u.getdomaininfo);
	op->domain = d->domain_id;
	return 0;
}

long do_domctl(uint64_t arg)
{
	struct xen_domctl op;
	bool copyback = false;
	struct domain *d;
	long rc;

	if (!current->domain->is_privileged)
		return -EPERM;
	if (copy_from_guest(&op, arg, sizeof(op)))
		return -EFAULT;
	if (op.interface_version != XEN_DOMCTL_INTERFACE_VERSION)
		return -EACCES;

	switch (op.cmd) {
	case XEN_DOMCTL_createdomain:
		rc = create_domain(&op);
		copyback = true;
		break;
	case XEN_DOMCTL_getdomaininfo:
		rc = get_domain_info(&op);
		copyback = true;
		break;
	case XEN_DOMCTL_destroydomain:
		rc = destroy_domain(op.domain);
		break;
	default:
		/* DOMID_SELF is not a domain here: toolstacks name ids. */
		d = domain_by_id(op.domain);
		if (!d)
			return -ESRCH;
		rc = domain_op(d, &op, &copyback);
		break;
	}
	if (!rc && copyback && copy_to_guest(arg, &op, sizeof(op)))
		rc = -EFAULT;
	return rc;
}
