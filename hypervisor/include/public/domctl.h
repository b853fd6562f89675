/*
 * Tandem public ABI: HYPERVISOR_domctl(struct xen_domctl *), the
 * toolstack's per-domain management calls, in the layout of interface
 * version 0x15 (Xen 4.17, what Debian 12's tools speak). Only the
 * commands our toolstack needs have their argument structs here.
 */
#ifndef TANDEM_PUBLIC_DOMCTL_H
#define TANDEM_PUBLIC_DOMCTL_H

#include <public/xen.h>

/* xen_domctl.interface_version must hold this. */
#define XEN_DOMCTL_INTERFACE_VERSION	0x00000015

/* xen_domctl.cmd */
#define XEN_DOMCTL_createdomain			1
#define XEN_DOMCTL_destroydomain		2
#define XEN_DOMCTL_pausedomain			3
#define XEN_DOMCTL_unpausedomain		4
#define XEN_DOMCTL_getdomaininfo		5
/* 6 getmemlist, 7 getpageframeinfo, 8 getpageframeinfo2: removed */
#define XEN_DOMCTL_setvcpuaffinity		9
#define XEN_DOMCTL_shadow_op			10
#define XEN_DOMCTL_max_mem			11
#define XEN_DOMCTL_setvcpucontext		12
#define XEN_DOMCTL_getvcpucontext		13
#define XEN_DOMCTL_getvcpuinfo			14
#define XEN_DOMCTL_max_vcpus			15
#define XEN_DOMCTL_scheduler_op			16
#define XEN_DOMCTL_setdomainhandle		17
#define XEN_DOMCTL_setdebugging			18
#define XEN_DOMCTL_irq_permission		19
#define XEN_DOMCTL_iomem_permission		20
#define XEN_DOMCTL_ioport_permission		21
#define XEN_DOMCTL_hypercall_init		22
#define XEN_DOMCTL_soft_reset_cont		23 /* hypervisor-internal */
#define XEN_DOMCTL_settimeoffset		24
#define XEN_DOMCTL_getvcpuaffinity		25
#define XEN_DOMCTL_real_mode_area		26 /* obsolete */
#define XEN_DOMCTL_resumedomain			27
#define XEN_DOMCTL_sendtrigger			28
#define XEN_DOMCTL_subscribe			29
#define XEN_DOMCTL_gethvmcontext		33
#define XEN_DOMCTL_sethvmcontext		34
#define XEN_DOMCTL_set_address_size		35
#define XEN_DOMCTL_get_address_size		36
#define XEN_DOMCTL_assign_device		37
#define XEN_DOMCTL_bind_pt_irq			38
#define XEN_DOMCTL_memory_mapping		39
#define XEN_DOMCTL_ioport_mapping		40
#define XEN_DOMCTL_set_ext_vcpucontext		42
#define XEN_DOMCTL_get_ext_vcpucontext		43
#define XEN_DOMCTL_set_opt_feature		44 /* obsolete */
#define XEN_DOMCTL_test_assign_device		45
#define XEN_DOMCTL_set_target			46
#define XEN_DOMCTL_deassign_device		47
#define XEN_DOMCTL_unbind_pt_irq		48
#define XEN_DOMCTL_get_device_group		50
#define XEN_DOMCTL_debug_op			54
#define XEN_DOMCTL_gethvmcontext_partial	55
#define XEN_DOMCTL_vm_event_op			56
#define XEN_DOMCTL_mem_sharing_op		57
#define XEN_DOMCTL_gettscinfo			59
#define XEN_DOMCTL_settscinfo			60
#define XEN_DOMCTL_getpageframeinfo3		61
#define XEN_DOMCTL_setvcpuextstate		62
#define XEN_DOMCTL_getvcpuextstate		63
#define XEN_DOMCTL_set_access_required		64
#define XEN_DOMCTL_audit_p2m			65
#define XEN_DOMCTL_set_virq_handler		66
#define XEN_DOMCTL_set_broken_page_p2m		67
#define XEN_DOMCTL_setnodeaffinity		68
#define XEN_DOMCTL_getnodeaffinity		69
#define XEN_DOMCTL_cacheflush			71
#define XEN_DOMCTL_get_vcpu_msrs		72
#define XEN_DOMCTL_set_vcpu_msrs		73
#define XEN_DOMCTL_setvnumainfo			74
#define XEN_DOMCTL_psr_cmt_op			75
#define XEN_DOMCTL_monitor_op			77
#define XEN_DOMCTL_psr_alloc			78
#define XEN_DOMCTL_soft_reset			79
#define XEN_DOMCTL_vuart_op			81
#define XEN_DOMCTL_get_cpu_policy		82
#define XEN_DOMCTL_set_cpu_policy		83
#define XEN_DOMCTL_vmtrace_op			84
#define XEN_DOMCTL_get_paging_mempool_size	85
#define XEN_DOMCTL_set_paging_mempool_size	86
#define XEN_DOMCTL_gdbsx_guestmemio		1000
#define XEN_DOMCTL_gdbsx_pausevcpu		1001
#define XEN_DOMCTL_gdbsx_unpausevcpu		1002
#define XEN_DOMCTL_gdbsx_domstatus		1003

/* xen_domctl_createdomain.flags */
#define XEN_DOMCTL_CDF_hvm		(1 << 0) /* HVM rather than PV */
#define XEN_DOMCTL_CDF_hap		(1 << 1) /* hardware paging */
#define XEN_DOMCTL_CDF_s3_integrity	(1 << 2) /* tboot S3 check */
#define XEN_DOMCTL_CDF_oos_off		(1 << 3) /* no out-of-sync shadows */
#define XEN_DOMCTL_CDF_xs_domain	(1 << 4) /* runs xenstored */
#define XEN_DOMCTL_CDF_iommu		(1 << 5) /* may use the IOMMU */
#define XEN_DOMCTL_CDF_nested_virt	(1 << 6) /* nested virtualisation */
#define XEN_DOMCTL_CDF_vpmu		(1 << 7) /* expose the vPMU */
#define XEN_DOMCTL_CDF_MAX		XEN_DOMCTL_CDF_vpmu

/* xen_domctl_createdomain.iommu_opts */
#define XEN_DOMCTL_IOMMU_no_sharept	(1 << 0)
#define XEN_DOMCTL_IOMMU_MAX		XEN_DOMCTL_IOMMU_no_sharept

/* xen_domctl_createdomain.grant_opts: the low 4 bits are the version. */
#define XEN_DOMCTL_GRANT_version_mask	0xf
#define XEN_DOMCTL_GRANT_version(v)	((v) & XEN_DOMCTL_GRANT_version_mask)

/* xen_arch_domainconfig.emulation_flags: emulated devices (HVM). */
#define XEN_X86_EMU_LAPIC		(1 << 0)
#define XEN_X86_EMU_HPET		(1 << 1)
#define XEN_X86_EMU_PM			(1 << 2)
#define XEN_X86_EMU_RTC			(1 << 3)
#define XEN_X86_EMU_IOAPIC		(1 << 4)
#define XEN_X86_EMU_PIC			(1 << 5)
#define XEN_X86_EMU_VGA			(1 << 6)
#define XEN_X86_EMU_IOMMU		(1 << 7)
#define XEN_X86_EMU_PIT			(1 << 8)
#define XEN_X86_EMU_USE_PIRQ		(1 << 9)
#define XEN_X86_EMU_VPCI		(1 << 10)
#define XEN_X86_EMU_ALL			0x7ff

/* xen_arch_domainconfig.misc_flags: unknown MSRs read 0 / ignore writes. */
#define XEN_X86_MSR_RELAXED		(1 << 0)
#define XEN_X86_MISC_FLAGS_MAX		XEN_X86_MSR_RELAXED

/* xen_domctl_getdomaininfo.flags */
#define XEN_DOMINF_dying		(1 << 0) /* being destroyed */
#define XEN_DOMINF_hvm_guest		(1 << 1) /* HVM, not PV */
#define XEN_DOMINF_shutdown		(1 << 2) /* the guest shut down */
#define XEN_DOMINF_paused		(1 << 3) /* paused by the tools */
#define XEN_DOMINF_blocked		(1 << 4) /* all vCPUs blocked */
#define XEN_DOMINF_running		(1 << 5) /* a vCPU is running */
#define XEN_DOMINF_debugged		(1 << 6) /* being debugged */
#define XEN_DOMINF_xs_domain		(1 << 7) /* the xenstore domain */
#define XEN_DOMINF_hap			(1 << 8) /* hardware paging */
/* With XEN_DOMINF_shutdown: SHUTDOWN_* reason in bits 16..23. */
#define XEN_DOMINF_shutdownmask		255
#define XEN_DOMINF_shutdownshift	16

/* xen_domctl_getdomaininfo.max_vcpu_id when the domain has no vCPUs. */
#define XEN_INVALID_MAX_VCPU_ID		0xffffffff

/* xen_domctl_vcpuaffinity.flags */
#define XEN_VCPUAFFINITY_HARD		(1 << 0)
#define XEN_VCPUAFFINITY_SOFT		(1 << 1)
#define XEN_VCPUAFFINITY_FORCE		(1 << 2) /* undo a pin_override */

/* Scheduler ids and xen_domctl_scheduler_op.cmd */
#define XEN_SCHEDULER_CREDIT		5
#define XEN_SCHEDULER_CREDIT2		6
#define XEN_SCHEDULER_ARINC653		7
#define XEN_SCHEDULER_RTDS		8
#define XEN_SCHEDULER_NULL		9
#define XEN_DOMCTL_SCHEDOP_putinfo	0
#define XEN_DOMCTL_SCHEDOP_getinfo	1
#define XEN_DOMCTL_SCHEDOP_putvcpuinfo	2
#define XEN_DOMCTL_SCHEDOP_getvcpuinfo	3
#define XEN_DOMCTL_SCHEDRT_extra	(1 << 0)

/*
 * xen_domctl_tsc_info.tsc_mode (these values come from Xen's internal
 * headers; libxl passes them through unchanged).
 */
#define TSC_MODE_DEFAULT		0 /* emulate only if needed */
#define TSC_MODE_ALWAYS_EMULATE		1
#define TSC_MODE_NEVER_EMULATE		2

#ifndef __ASSEMBLER__

/* A bitmap in caller memory (CPU or NUMA node masks). */
struct xenctl_bitmap {
	guest_handle_t bitmap;		/* uint8_t array */
	uint32_t nr_bits;
	uint32_t _pad0;
};
_Static_assert(sizeof(struct xenctl_bitmap) == 16, "xenctl_bitmap");

/* x86 part of createdomain / getdomaininfo. */
struct xen_arch_domainconfig {
	uint32_t emulation_flags;	/* XEN_X86_EMU_*; 0 for PV */
	uint32_t misc_flags;		/* XEN_X86_MSR_RELAXED */
};
_Static_assert(sizeof(struct xen_arch_domainconfig) == 8,
	       "xen_arch_domainconfig");

/*
 * Create a domain. xen_domctl.domain is IN/OUT: 0 or a reserved id asks
 * the hypervisor to pick one.
 */
struct xen_domctl_createdomain {
	uint32_t ssidref;		/* XSM label */
	xen_domain_handle_t handle;	/* UUID */
	uint32_t flags;			/* XEN_DOMCTL_CDF_* */
	uint32_t iommu_opts;		/* XEN_DOMCTL_IOMMU_* */
	uint32_t max_vcpus;
	uint32_t max_evtchn_port;
	int32_t max_grant_frames;	/* < 0: hypervisor default */
	int32_t max_maptrack_frames;	/* < 0: hypervisor default */
	uint32_t grant_opts;		/* XEN_DOMCTL_GRANT_version() */
	uint32_t vmtrace_size;		/* per-vCPU bytes, 0 = off */
	uint32_t cpupool_id;		/* 0 or an existing pool */
	struct xen_arch_domainconfig arch;
};
_Static_assert(sizeof(struct xen_domctl_createdomain) == 64,
	       "xen_domctl_createdomain size");
_Static_assert(offsetof(struct xen_domctl_createdomain, flags) == 20,
	       "xen_domctl_createdomain.flags");
_Static_assert(offsetof(struct xen_domctl_createdomain, max_vcpus) == 28,
	       "xen_domctl_createdomain.max_vcpus");
_Static_assert(offsetof(struct xen_domctl_createdomain, grant_opts) == 44,
	       "xen_domctl_createdomain.grant_opts");
_Static_assert(offsetof(struct xen_domctl_createdomain, arch) == 56,
	       "xen_domctl_createdomain.arch");

/* One domain's state; also the element type of sysctl getdomaininfolist. */
struct xen_domctl_getdomaininfo {
	domid_t domain;			/* also echoed in xen_domctl.domain */
	uint16_t pad1;
	uint32_t flags;			/* XEN_DOMINF_* */
	uint64_t tot_pages;
	uint64_t max_pages;
	uint64_t outstanding_pages;
	uint64_t shr_pages;
	uint64_t paged_pages;
	uint64_t shared_info_frame;	/* GMFN of shared_info */
	uint64_t cpu_time;		/* ns, all vCPUs */
	uint32_t nr_online_vcpus;
	uint32_t max_vcpu_id;		/* or XEN_INVALID_MAX_VCPU_ID */
	uint32_t ssidref;
	xen_domain_handle_t handle;
	uint32_t cpupool;
	uint8_t gpaddr_bits;		/* guest physical address width */
	uint8_t pad2[7];
	struct xen_arch_domainconfig arch_config;
};
_Static_assert(sizeof(struct xen_domctl_getdomaininfo) == 112,
	       "xen_domctl_getdomaininfo size");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, tot_pages) == 8,
	       "xen_domctl_getdomaininfo.tot_pages");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo,
			shared_info_frame) == 48,
	       "xen_domctl_getdomaininfo.shared_info_frame");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo,
			nr_online_vcpus) == 64,
	       "xen_domctl_getdomaininfo.nr_online_vcpus");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, handle) == 76,
	       "xen_domctl_getdomaininfo.handle");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, cpupool) == 92,
	       "xen_domctl_getdomaininfo.cpupool");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, arch_config) == 104,
	       "xen_domctl_getdomaininfo.arch_config");

struct xen_domctl_max_mem {
	uint64_t max_memkb;		/* IN */
};
_Static_assert(sizeof(struct xen_domctl_max_mem) == 8, "xen_domctl_max_mem");

/* XEN_DOMCTL_setvcpucontext / getvcpucontext */
struct xen_domctl_vcpucontext {
	uint32_t vcpu;			/* IN */
	uint32_t _pad0;
	guest_handle_t ctxt;		/* IN/OUT: vcpu_guest_context */
};
_Static_assert(sizeof(struct xen_domctl_vcpucontext) == 16,
	       "xen_domctl_vcpucontext size");
_Static_assert(offsetof(struct xen_domctl_vcpucontext, ctxt) == 8,
	       "xen_domctl_vcpucontext.ctxt");

struct xen_domctl_getvcpuinfo {
	uint32_t vcpu;			/* IN */
	uint8_t online;			/* OUT: not hot-unplugged */
	uint8_t blocked;		/* OUT: waiting for an event */
	uint8_t running;		/* OUT: on a physical CPU now */
	uint8_t _pad0;
	uint64_t cpu_time;		/* OUT: ns consumed */
	uint32_t cpu;			/* OUT: current physical CPU */
	uint32_t _pad1;
};
_Static_assert(sizeof(struct xen_domctl_getvcpuinfo) == 24,
	       "xen_domctl_getvcpuinfo size");
_Static_assert(offsetof(struct xen_domctl_getvcpuinfo, cpu_time) == 8,
	       "xen_domctl_getvcpuinfo.cpu_time");

/* XEN_DOMCTL_setvcpuaffinity / getvcpuaffinity */
struct xen_domctl_vcpuaffinity {
	uint32_t vcpu;			/* IN */
	uint32_t flags;			/* IN: XEN_VCPUAFFINITY_* */
	struct xenctl_bitmap cpumap_hard; /* IN/OUT */
	struct xenctl_bitmap cpumap_soft; /* IN/OUT */
};
_Static_assert(sizeof(struct xen_domctl_vcpuaffinity) == 40,
	       "xen_domctl_vcpuaffinity size");
_Static_assert(offsetof(struct xen_domctl_vcpuaffinity, cpumap_soft) == 24,
	       "xen_domctl_vcpuaffinity.cpumap_soft");

/* Must equal createdomain's max_vcpus; allocates the vCPUs. */
struct xen_domctl_max_vcpus {
	uint32_t max;
};
_Static_assert(sizeof(struct xen_domctl_max_vcpus) == 4,
	       "xen_domctl_max_vcpus");

struct xen_domctl_sched_credit {
	uint16_t weight;
	uint16_t cap;			/* percent of one CPU, 0 = none */
};

struct xen_domctl_sched_credit2 {
	uint16_t weight;
	uint16_t cap;
};

struct xen_domctl_sched_rtds {
	uint32_t period;		/* us */
	uint32_t budget;		/* us */
	uint32_t flags;			/* XEN_DOMCTL_SCHEDRT_* */
};
_Static_assert(sizeof(struct xen_domctl_sched_credit) == 4,
	       "xen_domctl_sched_credit");
_Static_assert(sizeof(struct xen_domctl_sched_rtds) == 12,
	       "xen_domctl_sched_rtds");

struct xen_domctl_schedparam_vcpu {
	union {
		struct xen_domctl_sched_credit credit;
		struct xen_domctl_sched_credit2 credit2;
		struct xen_domctl_sched_rtds rtds;
	} u;
	uint32_t vcpuid;
};
_Static_assert(sizeof(struct xen_domctl_schedparam_vcpu) == 16,
	       "xen_domctl_schedparam_vcpu");

struct xen_domctl_scheduler_op {
	uint32_t sched_id;		/* XEN_SCHEDULER_* */
	uint32_t cmd;			/* XEN_DOMCTL_SCHEDOP_* */
	union {
		struct xen_domctl_sched_credit credit;
		struct xen_domctl_sched_credit2 credit2;
		struct xen_domctl_sched_rtds rtds;
		struct {
			guest_handle_t vcpus; /* schedparam_vcpu array */
			uint32_t nr_vcpus;    /* IN: entries, OUT: done */
			uint32_t padding;
		} v;
	} u;
};
_Static_assert(sizeof(struct xen_domctl_scheduler_op) == 24,
	       "xen_domctl_scheduler_op size");
_Static_assert(offsetof(struct xen_domctl_scheduler_op, u) == 8,
	       "xen_domctl_scheduler_op.u");

struct xen_domctl_setdomainhandle {
	xen_domain_handle_t handle;
};
_Static_assert(sizeof(struct xen_domctl_setdomainhandle) == 16,
	       "xen_domctl_setdomainhandle");

struct xen_domctl_irq_permission {
	uint32_t pirq;
	uint8_t allow_access;		/* 0 = revoke */
	uint8_t pad[3];
};
_Static_assert(sizeof(struct xen_domctl_irq_permission) == 8,
	       "xen_domctl_irq_permission");

struct xen_domctl_iomem_permission {
	uint64_t first_mfn;
	uint64_t nr_mfns;
	uint8_t allow_access;		/* 0 = revoke */
	uint8_t _pad0[7];
};
_Static_assert(sizeof(struct xen_domctl_iomem_permission) == 24,
	       "xen_domctl_iomem_permission");

struct xen_domctl_ioport_permission {
	uint32_t first_port;
	uint32_t nr_ports;
	uint8_t allow_access;		/* 0 = revoke */
	uint8_t _pad0[3];
};
_Static_assert(sizeof(struct xen_domctl_ioport_permission) == 12,
	       "xen_domctl_ioport_permission");

/* Offset of the domain's wall clock from the host's. */
struct xen_domctl_settimeoffset {
	int64_t time_offset_seconds;
};
_Static_assert(sizeof(struct xen_domctl_settimeoffset) == 8,
	       "xen_domctl_settimeoffset");

/* XEN_DOMCTL_set_address_size / get_address_size: 64 for a PV64 guest. */
struct xen_domctl_address_size {
	uint32_t size;			/* bits */
};
_Static_assert(sizeof(struct xen_domctl_address_size) == 4,
	       "xen_domctl_address_size");

/* XEN_DOMCTL_settscinfo / gettscinfo */
struct xen_domctl_tsc_info {
	uint32_t tsc_mode;		/* TSC_MODE_* */
	uint32_t gtsc_khz;		/* guest TSC frequency */
	uint32_t incarnation;		/* migration count */
	uint32_t pad;
	uint64_t elapsed_nsec;
};
_Static_assert(sizeof(struct xen_domctl_tsc_info) == 24,
	       "xen_domctl_tsc_info size");
_Static_assert(offsetof(struct xen_domctl_tsc_info, elapsed_nsec) == 16,
	       "xen_domctl_tsc_info.elapsed_nsec");

/* Route a global VIRQ to this domain instead of dom0. */
struct xen_domctl_set_virq_handler {
	uint32_t virq;			/* VIRQ_* */
};
_Static_assert(sizeof(struct xen_domctl_set_virq_handler) == 4,
	       "xen_domctl_set_virq_handler");

struct xen_domctl {
	uint32_t cmd;			/* XEN_DOMCTL_* */
	uint32_t interface_version;	/* XEN_DOMCTL_INTERFACE_VERSION */
	domid_t domain;			/* target domain */
	uint16_t _pad[3];
	union {
		struct xen_domctl_createdomain createdomain;
		struct xen_domctl_getdomaininfo getdomaininfo;
		struct xen_domctl_vcpuaffinity vcpuaffinity;
		struct xen_domctl_max_mem max_mem;
		struct xen_domctl_vcpucontext vcpucontext;
		struct xen_domctl_getvcpuinfo getvcpuinfo;
		struct xen_domctl_max_vcpus max_vcpus;
		struct xen_domctl_scheduler_op scheduler_op;
		struct xen_domctl_setdomainhandle setdomainhandle;
		struct xen_domctl_irq_permission irq_permission;
		struct xen_domctl_iomem_permission iomem_permission;
		struct xen_domctl_ioport_permission ioport_permission;
		struct xen_domctl_settimeoffset settimeoffset;
		struct xen_domctl_tsc_info tsc_info;
		struct xen_domctl_address_size address_size;
		struct xen_domctl_set_virq_handler set_virq_handler;
		uint8_t pad[128];	/* fixes the union's size */
	} u;
};
_Static_assert(sizeof(struct xen_domctl) == 144, "xen_domctl size");
_Static_assert(offsetof(struct xen_domctl, domain) == 8,
	       "xen_domctl.domain");
_Static_assert(offsetof(struct xen_domctl, u) == 16, "xen_domctl.u");

#endif /* !__ASSEMBLER__ */

#endif /* TANDEM_PUBLIC_DOMCTL_H */
