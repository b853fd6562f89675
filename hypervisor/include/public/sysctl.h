/*
 * Tandem public ABI: HYPERVISOR_sysctl(struct xen_sysctl *), the
 * toolstack's host-wide calls, in the layout of interface version 0x15
 * (Xen 4.17). Only the commands our toolstack needs have structs here.
 */
#ifndef TANDEM_PUBLIC_SYSCTL_H
#define TANDEM_PUBLIC_SYSCTL_H

#include <public/xen.h>
#include <public/domctl.h>

/* xen_sysctl.interface_version must hold this. */
#define XEN_SYSCTL_INTERFACE_VERSION	0x00000015

/* xen_sysctl.cmd */
#define XEN_SYSCTL_readconsole			1
#define XEN_SYSCTL_tbuf_op			2
#define XEN_SYSCTL_physinfo			3
#define XEN_SYSCTL_sched_id			4
#define XEN_SYSCTL_perfc_op			5
#define XEN_SYSCTL_getdomaininfolist		6
#define XEN_SYSCTL_debug_keys			7
#define XEN_SYSCTL_getcpuinfo			8
#define XEN_SYSCTL_availheap			9
#define XEN_SYSCTL_get_pmstat			10
#define XEN_SYSCTL_cpu_hotplug			11
#define XEN_SYSCTL_pm_op			12
/* 13 is unused */
#define XEN_SYSCTL_page_offline_op		14
#define XEN_SYSCTL_lockprof_op			15
#define XEN_SYSCTL_cputopoinfo			16
#define XEN_SYSCTL_numainfo			17
#define XEN_SYSCTL_cpupool_op			18
#define XEN_SYSCTL_scheduler_op			19
#define XEN_SYSCTL_coverage_op			20
#define XEN_SYSCTL_psr_cmt_op			21
#define XEN_SYSCTL_pcitopoinfo			22
#define XEN_SYSCTL_psr_alloc			23
/* 24 (tmem_op) was removed */
#define XEN_SYSCTL_get_cpu_levelling_caps	25
#define XEN_SYSCTL_get_cpu_featureset		26
#define XEN_SYSCTL_livepatch_op			27
/* 28 (set_parameter) was removed */
#define XEN_SYSCTL_get_cpu_policy		29

/* xen_sysctl_physinfo.capabilities */
#define XEN_SYSCTL_PHYSCAP_hvm		(1 << 0) /* HVM guests possible */
#define XEN_SYSCTL_PHYSCAP_pv		(1 << 1) /* PV guests possible */
#define XEN_SYSCTL_PHYSCAP_directio	(1 << 2) /* IOMMU passthrough */
#define XEN_SYSCTL_PHYSCAP_hap		(1 << 3) /* hardware paging */
#define XEN_SYSCTL_PHYSCAP_shadow	(1 << 4) /* shadow paging */
#define XEN_SYSCTL_PHYSCAP_iommu_hap_pt_share (1 << 5)
#define XEN_SYSCTL_PHYSCAP_vmtrace	(1 << 6) /* processor tracing */
#define XEN_SYSCTL_PHYSCAP_vpmu		(1 << 7) /* virtual PMU */
#define XEN_SYSCTL_PHYSCAP_gnttab_v1	(1 << 8) /* grant table v1 */
#define XEN_SYSCTL_PHYSCAP_gnttab_v2	(1 << 9) /* grant table v2 */
#define XEN_SYSCTL_PHYSCAP_MAX		XEN_SYSCTL_PHYSCAP_gnttab_v2

#ifndef __ASSEMBLER__

/* Read the hypervisor's console ring. */
struct xen_sysctl_readconsole {
	uint8_t clear;			/* IN: empty the ring afterwards */
	uint8_t incremental;		/* IN: start at index */
	uint8_t pad0, pad1;
	uint32_t index;			/* IN: start / OUT: next index */
	guest_handle_t buffer;		/* IN: char array */
	uint32_t count;			/* IN: size / OUT: bytes copied */
	uint32_t _pad2;
};
_Static_assert(sizeof(struct xen_sysctl_readconsole) == 24,
	       "xen_sysctl_readconsole size");
_Static_assert(offsetof(struct xen_sysctl_readconsole, buffer) == 8,
	       "xen_sysctl_readconsole.buffer");
_Static_assert(offsetof(struct xen_sysctl_readconsole, count) == 16,
	       "xen_sysctl_readconsole.count");

/* Host CPU and memory overview. */
struct xen_sysctl_physinfo {
	uint32_t threads_per_core;
	uint32_t cores_per_socket;
	uint32_t nr_cpus;		/* CPUs online */
	uint32_t max_cpu_id;		/* highest possible CPU id */
	uint32_t nr_nodes;		/* NUMA nodes online */
	uint32_t max_node_id;		/* highest possible node id */
	uint32_t cpu_khz;
	uint32_t capabilities;		/* XEN_SYSCTL_PHYSCAP_* */
	uint32_t arch_capabilities;	/* architecture-specific bits */
	uint32_t pad;
	uint64_t total_pages;
	uint64_t free_pages;
	uint64_t scrub_pages;		/* free but not yet scrubbed */
	uint64_t outstanding_pages;	/* claimed, not allocated */
	uint64_t max_mfn;		/* highest possible MFN */
	uint32_t hw_cap[8];		/* CPUID feature words */
};
_Static_assert(sizeof(struct xen_sysctl_physinfo) == 112,
	       "xen_sysctl_physinfo size");
_Static_assert(offsetof(struct xen_sysctl_physinfo, total_pages) == 40,
	       "xen_sysctl_physinfo.total_pages");
_Static_assert(offsetof(struct xen_sysctl_physinfo, hw_cap) == 80,
	       "xen_sysctl_physinfo.hw_cap");

struct xen_sysctl_sched_id {
	uint32_t sched_id;		/* OUT: XEN_SCHEDULER_* */
};
_Static_assert(sizeof(struct xen_sysctl_sched_id) == 4,
	       "xen_sysctl_sched_id");

/* Info about up to max_domains domains with id >= first_domain. */
struct xen_sysctl_getdomaininfolist {
	domid_t first_domain;		/* IN */
	uint16_t _pad0;
	uint32_t max_domains;		/* IN */
	guest_handle_t buffer;		/* OUT: xen_domctl_getdomaininfo[] */
	uint32_t num_domains;		/* OUT */
	uint32_t _pad1;
};
_Static_assert(sizeof(struct xen_sysctl_getdomaininfolist) == 24,
	       "xen_sysctl_getdomaininfolist size");
_Static_assert(offsetof(struct xen_sysctl_getdomaininfolist, buffer) == 8,
	       "xen_sysctl_getdomaininfolist.buffer");
_Static_assert(offsetof(struct xen_sysctl_getdomaininfolist,
			num_domains) == 16,
	       "xen_sysctl_getdomaininfolist.num_domains");

/* IDs for a CPU or node that is not there. */
#define XEN_INVALID_CORE_ID	0xffffffffU
#define XEN_INVALID_SOCKET_ID	0xffffffffU
#define XEN_INVALID_NODE_ID	0xffffffffU
#define XEN_INVALID_MEM_SZ	0xffffffffU
#define XEN_INVALID_NODE_DIST	0xffffffffU

/* Where one CPU sits. */
struct xen_sysctl_cputopo {
	uint32_t core;
	uint32_t socket;
	uint32_t node;
};
_Static_assert(sizeof(struct xen_sysctl_cputopo) == 12,
	       "xen_sysctl_cputopo");

/*
 * CPU topology. A null cputopo asks how many CPUs there are; otherwise
 * num_cpus entries fit in it, and num_cpus comes back as the number the
 * hypervisor wanted to write (may be more than fitted).
 */
struct xen_sysctl_cputopoinfo {
	uint32_t num_cpus;		/* IN/OUT */
	uint32_t _pad0;
	guest_handle_t cputopo;		/* OUT: xen_sysctl_cputopo[] */
};
_Static_assert(sizeof(struct xen_sysctl_cputopoinfo) == 16,
	       "xen_sysctl_cputopoinfo");

struct xen_sysctl_meminfo {
	uint64_t memsize;		/* bytes */
	uint64_t memfree;
};
_Static_assert(sizeof(struct xen_sysctl_meminfo) == 16,
	       "xen_sysctl_meminfo");

/*
 * NUMA nodes: like cputopoinfo, with a meminfo entry per node and a
 * num_nodes x num_nodes distance matrix (either handle may be null).
 */
struct xen_sysctl_numainfo {
	uint32_t num_nodes;		/* IN/OUT */
	uint32_t _pad0;
	guest_handle_t meminfo;		/* OUT: xen_sysctl_meminfo[] */
	guest_handle_t distance;	/* OUT: uint32_t[] */
};
_Static_assert(sizeof(struct xen_sysctl_numainfo) == 24,
	       "xen_sysctl_numainfo");
_Static_assert(offsetof(struct xen_sysctl_numainfo, distance) == 16,
	       "xen_sysctl_numainfo.distance");

struct xen_sysctl {
	uint32_t cmd;			/* XEN_SYSCTL_* */
	uint32_t interface_version;	/* XEN_SYSCTL_INTERFACE_VERSION */
	union {
		struct xen_sysctl_readconsole readconsole;
		struct xen_sysctl_physinfo physinfo;
		struct xen_sysctl_sched_id sched_id;
		struct xen_sysctl_getdomaininfolist getdomaininfolist;
		struct xen_sysctl_cputopoinfo cputopoinfo;
		struct xen_sysctl_numainfo numainfo;
		uint8_t pad[128];	/* fixes the union's size */
	} u;
};
_Static_assert(sizeof(struct xen_sysctl) == 136, "xen_sysctl size");
_Static_assert(offsetof(struct xen_sysctl, u) == 8, "xen_sysctl.u");

#endif /* !__ASSEMBLER__ */

#endif /* TANDEM_PUBLIC_SYSCTL_H */
