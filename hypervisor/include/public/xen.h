/*
 * Tandem public ABI: the core of the 64-bit x86 Xen PV guest interface.
 * Basic types, reserved domain ids, hypercall and VIRQ numbers, page-table
 * updates (mmu_update, mmuext_op), multicalls and the start_info and
 * shared_info pages that every PV guest sees.
 */
#ifndef TANDEM_PUBLIC_XEN_H
#define TANDEM_PUBLIC_XEN_H

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

/* Domain identifier. Values from DOMID_FIRST_RESERVED up are special. */
typedef uint16_t domid_t;

/*
 * A pointer into guest virtual memory, as stored in hypercall argument
 * structures. Only 64-bit guests exist here, so it is always 8 bytes.
 */
typedef uint64_t guest_handle_t;

/* A page frame number: pseudo-physical (PFN/GFN) or machine (MFN). */
typedef uint64_t xen_pfn_t;

/* An unsigned value as wide as a guest register ("unsigned long"). */
typedef uint64_t xen_ulong_t;

/* Opaque 128-bit handle (a UUID) the toolstack attaches to a domain. */
typedef uint8_t xen_domain_handle_t[16];
#endif /* !__ASSEMBLER__ */

#include <public/arch-x86_64.h>

/*
 * Hypercall numbers. A 64-bit PV kernel puts the number in %rax and the
 * arguments in %rdi, %rsi, %rdx, %r10, %r8; the result comes back in %rax
 * (0 or a positive value on success, -XEN_E* on failure).
 */
#define __HYPERVISOR_set_trap_table		0
#define __HYPERVISOR_mmu_update			1
#define __HYPERVISOR_set_gdt			2
#define __HYPERVISOR_stack_switch		3
#define __HYPERVISOR_set_callbacks		4
#define __HYPERVISOR_fpu_taskswitch		5
#define __HYPERVISOR_sched_op_compat		6	/* old sched_op */
#define __HYPERVISOR_platform_op		7
#define __HYPERVISOR_set_debugreg		8
#define __HYPERVISOR_get_debugreg		9
#define __HYPERVISOR_update_descriptor		10
/* 11 is unused */
#define __HYPERVISOR_memory_op			12
#define __HYPERVISOR_multicall			13
#define __HYPERVISOR_update_va_mapping		14
#define __HYPERVISOR_set_timer_op		15
#define __HYPERVISOR_event_channel_op_compat	16	/* struct evtchn_op */
#define __HYPERVISOR_xen_version		17
#define __HYPERVISOR_console_io			18
#define __HYPERVISOR_physdev_op_compat		19	/* struct physdev_op */
#define __HYPERVISOR_grant_table_op		20
#define __HYPERVISOR_vm_assist			21
#define __HYPERVISOR_update_va_mapping_otherdomain 22
#define __HYPERVISOR_iret			23
#define __HYPERVISOR_vcpu_op			24
#define __HYPERVISOR_set_segment_base		25
#define __HYPERVISOR_mmuext_op			26
#define __HYPERVISOR_xsm_op			27
#define __HYPERVISOR_nmi_op			28
#define __HYPERVISOR_sched_op			29
#define __HYPERVISOR_callback_op		30
#define __HYPERVISOR_xenoprof_op		31
#define __HYPERVISOR_event_channel_op		32
#define __HYPERVISOR_physdev_op			33
#define __HYPERVISOR_hvm_op			34
#define __HYPERVISOR_sysctl			35
#define __HYPERVISOR_domctl			36
#define __HYPERVISOR_kexec_op			37
#define __HYPERVISOR_tmem_op			38
#define __HYPERVISOR_argo_op			39
#define __HYPERVISOR_xenpmu_op			40
#define __HYPERVISOR_dm_op			41
#define __HYPERVISOR_hypfs_op			42

/* Numbers 48..55 are reserved for architecture-specific hypercalls. */
#define __HYPERVISOR_arch_0			48
#define __HYPERVISOR_arch_1			49
#define __HYPERVISOR_arch_2			50
#define __HYPERVISOR_arch_3			51
#define __HYPERVISOR_arch_4			52
#define __HYPERVISOR_arch_5			53
#define __HYPERVISOR_arch_6			54
#define __HYPERVISOR_arch_7			55

/*
 * Virtual IRQs, bound to event channels with EVTCHNOP_bind_virq.
 * "per-vCPU" ones are bound once per vCPU; "global" ones by one domain
 * at a time (normally dom0).
 */
#define VIRQ_TIMER		0	/* per-vCPU: timer fired */
#define VIRQ_DEBUG		1	/* per-vCPU: dump debug state */
#define VIRQ_CONSOLE		2	/* global: hypervisor console input */
#define VIRQ_DOM_EXC		3	/* global: a domain died/shut down */
#define VIRQ_TBUF		4	/* global: trace records ready */
#define VIRQ_DEBUGGER		6	/* global: a domain paused to debug */
#define VIRQ_XENOPROF		7	/* per-vCPU: profiling sample */
#define VIRQ_CON_RING		8	/* global: console ring has data */
#define VIRQ_PCPU_STATE		9	/* global: a physical CPU changed */
#define VIRQ_MEM_EVENT		10	/* global: memory event */
#define VIRQ_ARGO		11	/* per-domain: Argo message */
#define VIRQ_ENOMEM		12	/* global: hypervisor heap low */
#define VIRQ_XENPMU		13	/* per-vCPU: PMU interrupt */
#define VIRQ_ARCH_0		16	/* 16..23: architecture-specific */
#define VIRQ_ARCH_1		17
#define VIRQ_ARCH_2		18
#define VIRQ_ARCH_3		19
#define VIRQ_ARCH_4		20
#define VIRQ_ARCH_5		21
#define VIRQ_ARCH_6		22
#define VIRQ_ARCH_7		23
#define NR_VIRQS		24

/*
 * HYPERVISOR_mmu_update(reqs, count, done, foreigndom)
 *
 * Each request is a struct mmu_update. The low two bits of ptr select the
 * command; the rest of ptr is a machine address. foreigndom bits 0..15
 * name the owner of the data frames being mapped (DOMID_SELF for the
 * caller); bits 16..31, if non-zero, hold 1 + the owner of the page tables
 * being written.
 */
#define MMU_NORMAL_PT_UPDATE		0 /* validated write of a PTE */
#define MMU_MACHPHYS_UPDATE		1 /* M2P[ptr >> 12] = val */
#define MMU_PT_UPDATE_PRESERVE_AD	2 /* as 0, keep the old A/D bits */
#define MMU_PT_UPDATE_NO_TRANSLATE	3 /* as 0, val never translated */

/*
 * HYPERVISOR_mmuext_op(ops, count, done, foreigndom): struct mmuext_op.
 * Which argument each command uses is noted beside it.
 */
#define MMUEXT_PIN_L1_TABLE		0  /* arg1.mfn: pin as L1 table */
#define MMUEXT_PIN_L2_TABLE		1  /* arg1.mfn: pin as L2 table */
#define MMUEXT_PIN_L3_TABLE		2  /* arg1.mfn: pin as L3 table */
#define MMUEXT_PIN_L4_TABLE		3  /* arg1.mfn: pin as L4 table */
#define MMUEXT_UNPIN_TABLE		4  /* arg1.mfn: drop the pin */
#define MMUEXT_NEW_BASEPTR		5  /* arg1.mfn: kernel-mode L4 */
#define MMUEXT_TLB_FLUSH_LOCAL		6  /* flush this vCPU's TLB */
#define MMUEXT_INVLPG_LOCAL		7  /* arg1.linear_addr */
#define MMUEXT_TLB_FLUSH_MULTI		8  /* arg2.vcpumask */
#define MMUEXT_INVLPG_MULTI		9  /* arg1.linear_addr, arg2.vcpumask */
#define MMUEXT_TLB_FLUSH_ALL		10 /* flush every vCPU of the domain */
#define MMUEXT_INVLPG_ALL		11 /* arg1.linear_addr, all vCPUs */
#define MMUEXT_FLUSH_CACHE		12 /* wbinvd on this CPU */
#define MMUEXT_SET_LDT			13 /* arg1.linear_addr, arg2.nr_ents */
/* 14 is unused */
#define MMUEXT_NEW_USER_BASEPTR		15 /* arg1.mfn: user-mode L4 */
#define MMUEXT_CLEAR_PAGE		16 /* arg1.mfn: zero the frame */
#define MMUEXT_COPY_PAGE		17 /* arg1.mfn = dest, arg2.src_mfn */
#define MMUEXT_FLUSH_CACHE_GLOBAL	18 /* wbinvd on every CPU */
#define MMUEXT_MARK_SUPER		19 /* arg1.mfn: superpage head */
#define MMUEXT_UNMARK_SUPER		20 /* arg1.mfn: superpage head */

/*
 * Flags for HYPERVISOR_update_va_mapping(va, pte, flags). The low two bits
 * pick the flush type, bit 2 the scope. With the "multi" scope the flags
 * word may also carry a pointer to a vCPU bitmap (its low bits are clear).
 */
#define UVMF_NONE		0	/* no flush */
#define UVMF_TLB_FLUSH		1	/* flush whole TLB(s) */
#define UVMF_INVLPG		2	/* flush only this va */
#define UVMF_FLUSHTYPE_MASK	3
#define UVMF_MULTI		0	/* vCPUs in the bitmap */
#define UVMF_LOCAL		0	/* this vCPU (null bitmap) */
#define UVMF_ALL		4	/* every vCPU of the domain */

/* HYPERVISOR_console_io(cmd, count, buffer) commands. */
#define CONSOLEIO_write		0
#define CONSOLEIO_read		1

/* HYPERVISOR_vm_assist(cmd, type) */
#define VMASST_CMD_enable		0
#define VMASST_CMD_disable		1

#define VMASST_TYPE_4gb_segments	0  /* 32-bit only: 4GB limits */
#define VMASST_TYPE_4gb_segments_notify	1  /* 32-bit only: trap on use */
#define VMASST_TYPE_writable_pagetables	2  /* trap-and-emulate L1 writes */
#define VMASST_TYPE_pae_extended_cr3	3  /* 32-bit PAE: L3 above 4GB */
#define VMASST_TYPE_architectural_iopl	4  /* iret/bounce carry vIOPL */
#define VMASST_TYPE_runstate_update_flag 5 /* XEN_RUNSTATE_UPDATE used */
#define VMASST_TYPE_m2p_strict		32 /* hide the M2P from user mode */

/* Reserved domain ids. */
#define DOMID_FIRST_RESERVED	0x7ff0
#define DOMID_SELF		0x7ff0	/* the calling domain */
#define DOMID_IO		0x7ff1	/* owner of MMIO/I/O frames */
#define DOMID_XEN		0x7ff2	/* owner of hypervisor frames */
#define DOMID_COW		0x7ff3	/* owner of shared CoW frames */
#define DOMID_INVALID		0x7ff4	/* no owner / unknown */
#define DOMID_ANY		0x7ff5	/* "pick one" (newer than 4.17) */
#define DOMID_IDLE		0x7fff	/* the idle domain */
#define DOMID_MASK		0x7fff

/*
 * 2-level event channels: one pending and one mask bit per port, 64 words
 * of 64 bits each in shared_info, so 4096 ports.
 */
#define NR_EVENT_CHANNELS	4096

/* struct vcpu_time_info.flags */
#define XEN_PVCLOCK_TSC_STABLE_BIT	(1 << 0) /* TSC is synchronised */
#define XEN_PVCLOCK_GUEST_STOPPED	(1 << 1) /* guest was paused */

/* Magic string at the start of start_info (the version part is "3.0"). */
#define XEN_START_INFO_MAGIC	"xen-3.0-x86_64"

/* Longest guest command line, including the terminating NUL. */
#define MAX_GUEST_CMDLINE	1024

/* start_info.flags */
#define SIF_PRIVILEGED		(1 << 0) /* domain may use privileged ops */
#define SIF_INITDOMAIN		(1 << 1) /* this is the initial domain */
#define SIF_MULTIBOOT_MOD	(1 << 2) /* module holds a mod list */
#define SIF_MOD_START_PFN	(1 << 3) /* mod_start is a PFN, not a VA */
#define SIF_VIRT_P2M_4TOOLS	(1 << 4) /* tools take the linear p2m */
#define SIF_PM_MASK		(0xff << 8) /* reserved for power mgmt */

/* dom0_vga_console_info.video_type */
#define XEN_VGATYPE_TEXT_MODE_3	0x03
#define XEN_VGATYPE_VESA_LFB	0x23
#define XEN_VGATYPE_EFI_LFB	0x70

#ifndef __ASSEMBLER__

/* One page-table (or M2P) write for HYPERVISOR_mmu_update. */
struct mmu_update {
	uint64_t ptr;	/* machine address | MMU_* command */
	uint64_t val;	/* new PTE, or new M2P entry */
};
_Static_assert(sizeof(struct mmu_update) == 16, "mmu_update size");

/* One extended MMU operation for HYPERVISOR_mmuext_op. */
struct mmuext_op {
	uint32_t cmd;			/* MMUEXT_* */
	uint32_t _pad0;
	union {
		xen_pfn_t mfn;		/* pin/unpin/baseptr/page ops */
		uint64_t linear_addr;	/* invlpg, LDT base */
	} arg1;
	union {
		uint32_t nr_ents;	/* LDT entry count */
		guest_handle_t vcpumask; /* bitmap for the _MULTI ops */
		xen_pfn_t src_mfn;	/* source frame of COPY_PAGE */
	} arg2;
};
_Static_assert(sizeof(struct mmuext_op) == 24, "mmuext_op size");
_Static_assert(offsetof(struct mmuext_op, arg1) == 8, "mmuext_op.arg1");
_Static_assert(offsetof(struct mmuext_op, arg2) == 16, "mmuext_op.arg2");

/*
 * One entry of a HYPERVISOR_multicall batch. The hypervisor runs
 * op(args[0..5]) and stores the return value in result.
 */
struct multicall_entry {
	xen_ulong_t op;
	xen_ulong_t result;
	xen_ulong_t args[6];
};
_Static_assert(sizeof(struct multicall_entry) == 64, "multicall_entry");
_Static_assert(offsetof(struct multicall_entry, args) == 16,
	       "multicall_entry.args");

/*
 * Per-vCPU clock parameters ("pvclock"). The hypervisor makes version odd
 * while it updates the other fields and even again afterwards. Time in ns:
 *   system_time + (((tsc - tsc_timestamp) << tsc_shift)
 *                  * tsc_to_system_mul >> 32)
 * where a negative tsc_shift means a right shift.
 */
struct vcpu_time_info {
	uint32_t version;		/* odd while being updated */
	uint32_t pad0;
	uint64_t tsc_timestamp;		/* TSC when system_time was taken */
	uint64_t system_time;		/* ns since the hypervisor booted */
	uint32_t tsc_to_system_mul;	/* 32.32 fixed-point TSC->ns */
	int8_t tsc_shift;		/* pre-scale of the TSC delta */
	uint8_t flags;			/* XEN_PVCLOCK_* */
	uint8_t pad1[2];
};
_Static_assert(sizeof(struct vcpu_time_info) == 32, "vcpu_time_info");
_Static_assert(offsetof(struct vcpu_time_info, system_time) == 16,
	       "vcpu_time_info.system_time");
_Static_assert(offsetof(struct vcpu_time_info, tsc_shift) == 28,
	       "vcpu_time_info.tsc_shift");

/*
 * Per-vCPU event state. An upcall is delivered only while
 * evtchn_upcall_pending != 0 and evtchn_upcall_mask == 0; the mask plays
 * the part of the interrupt flag for a PV kernel. Each bit of
 * evtchn_pending_sel says which word of shared_info.evtchn_pending to scan.
 */
struct vcpu_info {
	uint8_t evtchn_upcall_pending;	/* set by the hypervisor */
	uint8_t evtchn_upcall_mask;	/* set by the guest: events off */
	uint8_t _pad0[6];
	xen_ulong_t evtchn_pending_sel;	/* words with pending bits */
	struct arch_vcpu_info arch;	/* cr2 of the last #PF, pad */
	struct vcpu_time_info time;
};
_Static_assert(sizeof(struct vcpu_info) == 64, "vcpu_info size");
_Static_assert(offsetof(struct vcpu_info, evtchn_upcall_mask) == 1,
	       "vcpu_info.evtchn_upcall_mask");
_Static_assert(offsetof(struct vcpu_info, evtchn_pending_sel) == 8,
	       "vcpu_info.evtchn_pending_sel");
_Static_assert(offsetof(struct vcpu_info, arch) == 16, "vcpu_info.arch");
_Static_assert(offsetof(struct vcpu_info, time) == 32, "vcpu_info.time");

/*
 * The shared_info page: one per domain, owned by the hypervisor, mapped by
 * the guest at the machine address given in start_info.shared_info.
 */
struct shared_info {
	struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];

	/* 2-level event channels: bit N of these arrays is port N. */
	xen_ulong_t evtchn_pending[64];	/* set by sender, cleared by guest */
	xen_ulong_t evtchn_mask[64];	/* set/cleared by the guest only */

	/* Wall-clock time of system time 0, seqlock-style like pvclock. */
	uint32_t wc_version;		/* odd while being updated */
	uint32_t wc_sec;		/* seconds since 1970, low 32 bits */
	uint32_t wc_nsec;
	uint32_t wc_sec_hi;		/* seconds, high 32 bits */

	struct arch_shared_info arch;	/* written by the guest */
};
_Static_assert(sizeof(struct shared_info) == 0xc40, "shared_info size");
_Static_assert(offsetof(struct shared_info, evtchn_pending) == 0x800,
	       "shared_info.evtchn_pending");
_Static_assert(offsetof(struct shared_info, evtchn_mask) == 0xa00,
	       "shared_info.evtchn_mask");
_Static_assert(offsetof(struct shared_info, wc_version) == 0xc00,
	       "shared_info.wc_version");
_Static_assert(offsetof(struct shared_info, wc_sec_hi) == 0xc0c,
	       "shared_info.wc_sec_hi");
_Static_assert(offsetof(struct shared_info, arch) == 0xc10,
	       "shared_info.arch");

/*
 * start_info: built by the domain builder and passed to a PV kernel in %rsi
 * (as a virtual address). Fields up to console are refreshed on resume;
 * the rest are valid only at first boot.
 */
struct start_info {
	char magic[32];			/* XEN_START_INFO_MAGIC, NUL-padded */
	uint64_t nr_pages;		/* pages given to the domain */
	uint64_t shared_info;		/* MACHINE address of shared_info */
	uint32_t flags;			/* SIF_* */
	uint32_t _pad0;
	xen_pfn_t store_mfn;		/* MFN of the xenstore ring page */
	uint32_t store_evtchn;		/* its event channel */
	uint32_t _pad1;
	union {
		struct {		/* ordinary domains */
			xen_pfn_t mfn;	/* MFN of the console ring page */
			uint32_t evtchn; /* its event channel */
			uint32_t _pad;
		} domU;
		struct {		/* initial domain */
			uint32_t info_off;  /* dom0_vga_console_info offset */
			uint32_t info_size; /* ... and size, from start_info */
		} dom0;
	} console;
	uint64_t pt_base;		/* VA of the bootstrap L4 */
	uint64_t nr_pt_frames;		/* number of bootstrap PT frames */
	uint64_t mfn_list;		/* VA of the p2m array (u64 MFNs) */
	uint64_t mod_start;		/* VA (or PFN) of the initrd */
	uint64_t mod_len;		/* initrd size in bytes */
	int8_t cmd_line[MAX_GUEST_CMDLINE];
	uint64_t first_p2m_pfn;		/* first PFN of the INIT_P2M area */
	uint64_t nr_p2m_frames;		/* frames (incl. PTs) in that area */
};
_Static_assert(sizeof(struct start_info) == 0x490, "start_info size");
_Static_assert(offsetof(struct start_info, nr_pages) == 0x20,
	       "start_info.nr_pages");
_Static_assert(offsetof(struct start_info, flags) == 0x30,
	       "start_info.flags");
_Static_assert(offsetof(struct start_info, store_mfn) == 0x38,
	       "start_info.store_mfn");
_Static_assert(offsetof(struct start_info, store_evtchn) == 0x40,
	       "start_info.store_evtchn");
_Static_assert(offsetof(struct start_info, console.domU.evtchn) == 0x50,
	       "start_info.console.domU.evtchn");
_Static_assert(offsetof(struct start_info, console.dom0.info_size) == 0x4c,
	       "start_info.console.dom0.info_size");
_Static_assert(offsetof(struct start_info, pt_base) == 0x58,
	       "start_info.pt_base");
_Static_assert(offsetof(struct start_info, mod_len) == 0x78,
	       "start_info.mod_len");
_Static_assert(offsetof(struct start_info, cmd_line) == 0x80,
	       "start_info.cmd_line");
_Static_assert(offsetof(struct start_info, first_p2m_pfn) == 0x480,
	       "start_info.first_p2m_pfn");

/*
 * With SIF_MULTIBOOT_MOD the module starts with an array of these, ended
 * by an entry whose mod_start is 0. Addresses are offsets from the start
 * of the module.
 */
struct xen_multiboot_mod_list {
	uint32_t mod_start;	/* first byte of the module */
	uint32_t mod_end;	/* last byte of the module (inclusive) */
	uint32_t cmdline;	/* NUL-terminated command line */
	uint32_t pad;		/* must be zero */
};
_Static_assert(sizeof(struct xen_multiboot_mod_list) == 16,
	       "xen_multiboot_mod_list");

/*
 * Description of the boot console handed to dom0, stored in the
 * start_info page at console.dom0.info_off.
 */
struct dom0_vga_console_info {
	uint8_t video_type;			/* XEN_VGATYPE_* */
	uint8_t _pad0[3];
	union {
		struct {
			uint16_t font_height;	/* pixels */
			uint16_t cursor_x;	/* column */
			uint16_t cursor_y;	/* row */
			uint16_t rows;
			uint16_t columns;
		} text_mode_3;
		struct {
			uint16_t width;		/* pixels */
			uint16_t height;	/* pixels */
			uint16_t bytes_per_line;
			uint16_t bits_per_pixel;
			uint32_t lfb_base;	/* physical, low 32 bits */
			uint32_t lfb_size;	/* in 64KiB units */
			uint8_t red_pos, red_size;	/* VBE colour */
			uint8_t green_pos, green_size;	/* field layout */
			uint8_t blue_pos, blue_size;
			uint8_t rsvd_pos, rsvd_size;
			uint32_t gbl_caps;	/* VBE capabilities */
			uint16_t mode_attrs;	/* VBE mode attributes */
			uint16_t pad;
			uint32_t ext_lfb_base;	/* lfb_base, high 32 bits */
		} vesa_lfb;
	} u;
};
_Static_assert(sizeof(struct dom0_vga_console_info) == 40,
	       "dom0_vga_console_info size");
_Static_assert(offsetof(struct dom0_vga_console_info, u) == 4,
	       "dom0_vga_console_info.u");
_Static_assert(offsetof(struct dom0_vga_console_info,
			u.vesa_lfb.lfb_base) == 12,
	       "dom0_vga_console_info.u.vesa_lfb.lfb_base");
_Static_assert(offsetof(struct dom0_vga_console_info,
			u.vesa_lfb.ext_lfb_base) == 36,
	       "dom0_vga_console_info.u.vesa_lfb.ext_lfb_base");

#endif /* !__ASSEMBLER__ */

#endif /* TANDEM_PUBLIC_XEN_H */
