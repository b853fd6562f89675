// SPDX-License-Identifier: MIT
/*
 * sysctl: the toolstack's host-wide queries, in the layout and with the
 * semantics of Xen 4.17 (interface version 0x15): the console ring, the
 * machine (one CPU, one NUMA node), the scheduler, and the domain list.
 *
 * Only the hardware domain may call this, and anyone else is refused
 * before anything is read. On success the request comes back to the
 * caller with its results, as Xen does.
 *
 * Not here (-ENOSYS): CPU featuresets and policies, cpupools, debug
 * keys, trace buffers, performance counters, power management, page
 * offlining, live patching. Our toolstack does not use them.
 */
#include <tandem/console.h>
#include <tandem/domain.h>
#include <tandem/domctl.h>
#include <tandem/errno.h>
#include <tandem/hypercall.h>
#include <tandem/lib.h>
#include <tandem/mm.h>
#include <asm/cpu.h>
#include <asm/pv.h>
#include <asm/time.h>
#include <public/domctl.h>
#include <public/sysctl.h>

/* The machine as the scheduler uses it: one CPU in one node. */
#define NR_PCPUS		1
#define NR_NODES		1
#define LOCAL_NODE_DISTANCE	10

static void physinfo(struct xen_sysctl_physinfo *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->threads_per_core = 1;
	pi->cores_per_socket = 1;
	pi->nr_cpus = NR_PCPUS;
	pi->max_cpu_id = NR_PCPUS - 1;
	pi->nr_nodes = NR_NODES;
	pi->max_node_id = NR_NODES - 1;
	pi->cpu_khz = cpu_khz;
	pi->capabilities = XEN_SYSCTL_PHYSCAP_pv | XEN_SYSCTL_PHYSCAP_gnttab_v1;
	pi->total_pages = heap_total_pages();
	pi->free_pages = heap_free_pages();
	pi->max_mfn = max_page - 1;
	/* CPUID words in Xen's featureset order (1d, 1c, e1d, e1c, ...). */
	pi->hw_cap[0] = boot_cpu.leaf1_edx;
	pi->hw_cap[1] = boot_cpu.leaf1_ecx;
	pi->hw_cap[2] = boot_cpu.ext1_edx;
	pi->hw_cap[3] = boot_cpu.ext1_ecx;
	pi->hw_cap[5] = boot_cpu.leaf7_ebx;
	pi->hw_cap[6] = boot_cpu.leaf7_ecx;
}

static long domain_info_list(struct xen_sysctl_getdomaininfolist *l)
{
	struct xen_domctl_getdomaininfo info;
	uint32_t n = 0;
	uint32_t from = l->first_domain;
	struct domain *d;

	while (n < l->max_domains && from < DOMID_FIRST_RESERVED &&
	       (d = domain_next_by_id(from))) {
		domain_get_info(d, &info);
		if (copy_to_guest(l->buffer + (uint64_t)n * sizeof(info),
				  &info, sizeof(info)))
			return -EFAULT;
		n++;
		from = d->domain_id + 1;
	}
	l->num_domains = n;
	return 0;
}

static long cpu_topology(struct xen_sysctl_cputopoinfo *t)
{
	const struct xen_sysctl_cputopo cpu0 = { 0, 0, 0 };
	uint32_t n = NR_PCPUS;

	/* A null array asks for the count; a short one gets what fits. */
	if (t->cputopo) {
		n = MIN(n, t->num_cpus);
		for (uint32_t i = 0; i < n; i++)
			if (copy_to_guest(t->cputopo + i * sizeof(cpu0), &cpu0,
					  sizeof(cpu0)))
				return -EFAULT;
	}
	t->num_cpus = n;
	return 0;
}

static long numa_info(struct xen_sysctl_numainfo *ni)
{
	const struct xen_sysctl_meminfo mem = {
		.memsize = (uint64_t)heap_total_pages() << PAGE_SHIFT,
		.memfree = (uint64_t)heap_free_pages() << PAGE_SHIFT,
	};
	const uint32_t dist = LOCAL_NODE_DISTANCE;
	uint32_t n = NR_NODES;

	if (ni->meminfo || ni->distance) {
		n = MIN(n, ni->num_nodes);
		/* With one node, entry i of either array is node i's own. */
		for (uint32_t i = 0; i < n; i++) {
			if (ni->meminfo &&
			    copy_to_guest(ni->meminfo + i * sizeof(mem), &mem,
					  sizeof(mem)))
				return -EFAULT;
			if (ni->distance &&
			    copy_to_guest(ni->distance +
					  (i * n + i) * sizeof(dist), &dist,
					  sizeof(dist)))
				return -EFAULT;
		}
	}
	ni->num_nodes = n;
	return 0;
}

long do_sysctl(uint64_t arg)
{
	struct xen_sysctl op;
	long rc;

	if (!current->domain->is_privileged)
		return -EPERM;
	if (copy_from_guest(&op, arg, sizeof(op)))
		return -EFAULT;
	if (op.interface_version != XEN_SYSCTL_INTERFACE_VERSION)
		return -EACCES;

	switch (op.cmd) {
	case XEN_SYSCTL_readconsole:
		rc = console_read_ring(&op.u.readconsole);
		break;
	case XEN_SYSCTL_physinfo:
		physinfo(&op.u.physinfo);
		rc = 0;
		break;
	case XEN_SYSCTL_sched_id:
		op.u.sched_id.sched_id = XEN_SCHEDULER_CREDIT;
		rc = 0;
		break;
	case XEN_SYSCTL_getdomaininfolist:
		rc = domain_info_list(&op.u.getdomaininfolist);
		break;
	case XEN_SYSCTL_cputopoinfo:
		rc = cpu_topology(&op.u.cputopoinfo);
		break;
	case XEN_SYSCTL_numainfo:
		rc = numa_info(&op.u.numainfo);
		break;
	default:
		log_unimplemented("sysctl", op.cmd);
		return -ENOSYS;
	}
	if (!rc && copy_to_guest(arg, &op, sizeof(op)))
		rc = -EFAULT;
	return rc;
}
