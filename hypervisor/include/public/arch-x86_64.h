/*
 * Tandem public ABI: the x86_64-specific part of the Xen PV interface.
 * Flat segment selectors, the hypervisor's virtual address hole, trap
 * table entries, the iret frame, register and vCPU context layouts.
 * Self-contained: needs only <stdint.h> and <stddef.h>.
 */
#ifndef TANDEM_PUBLIC_ARCH_X86_64_H
#define TANDEM_PUBLIC_ARCH_X86_64_H

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>
#endif

/*
 * Hypercall entry. A 64-bit PV kernel either executes SYSCALL while in
 * guest-kernel mode, or calls into the hypercall page: a page of 32-byte
 * stubs the domain builder fills in, stub N at offset N * 32.
 */
#define XEN_HYPERCALL_STUB_SIZE		32

/*
 * Flat descriptors that the hypervisor keeps in its reserved part of every
 * GDT (entries 7172..7174, all DPL 3 because the PV kernel runs in ring 3).
 * Kernel and user share them. In long mode data segments are unused, so
 * the 64-bit DS is the null selector; SS must still be a real one.
 */
#define FLAT_RING3_CS32		0xe023	/* GDT entry 7172: 32-bit code */
#define FLAT_RING3_DS32		0xe02b	/* GDT entry 7173: flat data */
#define FLAT_RING3_SS32		0xe02b
#define FLAT_RING3_CS64		0xe033	/* GDT entry 7174: 64-bit code */
#define FLAT_RING3_DS64		0x0000	/* null selector */
#define FLAT_RING3_SS64		0xe02b

#define FLAT_KERNEL_CS32	FLAT_RING3_CS32
#define FLAT_KERNEL_DS32	FLAT_RING3_DS32
#define FLAT_KERNEL_SS32	FLAT_RING3_SS32
#define FLAT_KERNEL_CS64	FLAT_RING3_CS64
#define FLAT_KERNEL_DS64	FLAT_RING3_DS64
#define FLAT_KERNEL_SS64	FLAT_RING3_SS64
#define FLAT_KERNEL_CS		FLAT_KERNEL_CS64
#define FLAT_KERNEL_DS		FLAT_KERNEL_DS64
#define FLAT_KERNEL_SS		FLAT_KERNEL_SS64

#define FLAT_USER_CS32		FLAT_RING3_CS32
#define FLAT_USER_DS32		FLAT_RING3_DS32
#define FLAT_USER_SS32		FLAT_RING3_SS32
#define FLAT_USER_CS64		FLAT_RING3_CS64
#define FLAT_USER_DS64		FLAT_RING3_DS64
#define FLAT_USER_SS64		FLAT_RING3_SS64
#define FLAT_USER_CS		FLAT_USER_CS64
#define FLAT_USER_DS		FLAT_USER_DS64
#define FLAT_USER_SS		FLAT_USER_SS64

/*
 * A guest GDT may use pages 0..13 (entries 0..7167) of the 16-page GDT
 * area; from page 14 on the entries belong to the hypervisor.
 */
#define FIRST_RESERVED_GDT_PAGE		14
#define FIRST_RESERVED_GDT_BYTE		(FIRST_RESERVED_GDT_PAGE * 4096)
#define FIRST_RESERVED_GDT_ENTRY	(FIRST_RESERVED_GDT_BYTE / 8)

/*
 * Virtual addresses owned by the hypervisor in every guest address space
 * (L4 slots 256..271). The machine-to-phys table (one u64 PFN per MFN) is
 * mapped read-only for the guest at the bottom of that range.
 */
#define HYPERVISOR_VIRT_START	0xffff800000000000
#define HYPERVISOR_VIRT_END	0xffff880000000000
#define MACH2PHYS_VIRT_START	0xffff800000000000
#define MACH2PHYS_VIRT_END	0xffff804000000000
#define MACH2PHYS_NR_ENTRIES						\
	((MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) >> 3)

/* Number of vcpu_info slots in shared_info. */
#define XEN_LEGACY_MAX_VCPUS	32

/* HYPERVISOR_set_segment_base(which, value) */
#define SEGBASE_FS		0	/* FS base */
#define SEGBASE_GS_USER		1	/* user GS base (kernel's shadow) */
#define SEGBASE_GS_KERNEL	2	/* kernel GS base */
#define SEGBASE_GS_USER_SEL	3	/* load user %gs with value[15:0] */

/* vcpu_guest_context.flags (VGCF_in_syscall is only for iret) */
#define VGCF_i387_valid			(1 << 0) /* fpu_ctxt is valid */
#define VGCF_in_kernel			(1 << 2) /* vCPU in kernel mode */
#define VGCF_failsafe_disables_events	(1 << 3) /* mask on failsafe */
#define VGCF_syscall_disables_events	(1 << 4) /* mask on syscall */
#define VGCF_online			(1 << 5) /* vCPU is up */
#define VGCF_in_syscall			(1 << 8) /* iret: sysret-style */

/*
 * trap_info.flags. The DPL says who may raise the vector with INT n:
 * 0 nobody, 1 or 2 the guest kernel, 3 user mode as well. With
 * TI_FLAG_MASK_EVENTS the handler is entered with events masked, like an
 * interrupt gate clearing IF.
 */
#define TI_FLAG_DPL_MASK	0x3
#define TI_FLAG_MASK_EVENTS	0x4

/*
 * Forced emulation: "ud2; .ascii \"xen\"" in front of an instruction asks
 * the hypervisor to emulate it (only CPUID is accepted). The #UD handler
 * checks for these 5 bytes and then skips them plus the instruction.
 */
#define XEN_EMULATE_PREFIX_LEN		5
#define XEN_EMULATE_PREFIX_BYTES	0x0f, 0x0b, 0x78, 0x65, 0x6e
#define XEN_EMULATE_PREFIX_ASM		".byte 0x0f, 0x0b, 0x78, 0x65, 0x6e\n\t"
#define XEN_CPUID_ASM			XEN_EMULATE_PREFIX_ASM "cpuid"

#ifndef __ASSEMBLER__

/* An entry point in the guest kernel (callbacks, trap handlers). */
typedef uint64_t xen_callback_t;

/*
 * One entry of the virtual IDT given to HYPERVISOR_set_trap_table. The
 * list ends with an entry whose address is 0.
 */
struct trap_info {
	uint8_t vector;		/* exception / interrupt vector */
	uint8_t flags;		/* TI_FLAG_*: DPL and event masking */
	uint16_t cs;		/* code selector of the handler */
	uint32_t _pad0;
	uint64_t address;	/* handler entry point */
};
_Static_assert(sizeof(struct trap_info) == 16, "trap_info size");
_Static_assert(offsetof(struct trap_info, address) == 8,
	       "trap_info.address");

#define TI_GET_DPL(ti)		((ti)->flags & TI_FLAG_DPL_MASK)
#define TI_GET_IF(ti)		((ti)->flags & TI_FLAG_MASK_EVENTS)
#define TI_SET_DPL(ti, dpl)						\
	((ti)->flags = ((ti)->flags & ~TI_FLAG_DPL_MASK) |		\
		       ((dpl) & TI_FLAG_DPL_MASK))
#define TI_SET_IF(ti, on)						\
	((ti)->flags = ((ti)->flags & ~TI_FLAG_MASK_EVENTS) |		\
		       ((on) ? TI_FLAG_MASK_EVENTS : 0))

/*
 * The frame HYPERVISOR_iret consumes, at the guest %rsp (lowest address
 * first). The kernel pushes ss down to flags, then the iret stub pushes
 * rcx, r11 and rax. If (cs & 3) == 3 the vCPU goes back to user mode.
 * The event mask is restored from rflags.IF, and rax is the hypercall's
 * "return value". With VGCF_in_syscall in flags, rcx and r11 are not
 * taken from the frame (the exit may then use SYSRET).
 */
struct iret_context {
	uint64_t rax;
	uint64_t r11;
	uint64_t rcx;
	uint64_t flags;		/* VGCF_in_syscall or 0 */
	uint64_t rip;
	uint64_t cs;
	uint64_t rflags;
	uint64_t rsp;
	uint64_t ss;
};
_Static_assert(sizeof(struct iret_context) == 72, "iret_context size");
_Static_assert(offsetof(struct iret_context, rip) == 32, "iret_context.rip");
_Static_assert(offsetof(struct iret_context, ss) == 64, "iret_context.ss");

/*
 * Saved user-visible registers of a vCPU. The 8-byte slot after rip holds
 * cs in bits 0..15 and the saved event mask in bits 32..39, which is also
 * how the CS word of an exception bounce frame is laid out.
 */
struct cpu_user_regs {
	uint64_t r15;
	uint64_t r14;
	uint64_t r13;
	uint64_t r12;
	uint64_t rbp;
	uint64_t rbx;
	uint64_t r11;
	uint64_t r10;
	uint64_t r9;
	uint64_t r8;
	uint64_t rax;
	uint64_t rcx;
	uint64_t rdx;
	uint64_t rsi;
	uint64_t rdi;
	uint32_t error_code;		/* hypervisor-private */
	uint32_t entry_vector;		/* hypervisor-private */
	uint64_t rip;
	uint16_t cs, _pad0[1];
	uint8_t saved_upcall_mask;	/* evtchn_upcall_mask to restore */
	uint8_t _pad1[3];
	uint64_t rflags;		/* IF mirrors !saved_upcall_mask */
	uint64_t rsp;
	uint16_t ss, _pad2[3];
	uint16_t es, _pad3[3];
	uint16_t ds, _pad4[3];
	uint16_t fs, _pad5[3];
	uint16_t gs, _pad6[3];
};
_Static_assert(sizeof(struct cpu_user_regs) == 200, "cpu_user_regs size");
_Static_assert(offsetof(struct cpu_user_regs, rax) == 80,
	       "cpu_user_regs.rax");
_Static_assert(offsetof(struct cpu_user_regs, error_code) == 120,
	       "cpu_user_regs.error_code");
_Static_assert(offsetof(struct cpu_user_regs, rip) == 128,
	       "cpu_user_regs.rip");
_Static_assert(offsetof(struct cpu_user_regs, cs) == 136,
	       "cpu_user_regs.cs");
_Static_assert(offsetof(struct cpu_user_regs, saved_upcall_mask) == 140,
	       "cpu_user_regs.saved_upcall_mask");
_Static_assert(offsetof(struct cpu_user_regs, rflags) == 144,
	       "cpu_user_regs.rflags");
_Static_assert(offsetof(struct cpu_user_regs, ss) == 160,
	       "cpu_user_regs.ss");
_Static_assert(offsetof(struct cpu_user_regs, gs) == 192,
	       "cpu_user_regs.gs");

/*
 * Complete vCPU state, used by VCPUOP_initialise and by
 * XEN_DOMCTL_{set,get}vcpucontext.
 */
struct vcpu_guest_context {
	uint8_t fpu_ctxt[512];		/* FXSAVE image */
	uint64_t flags;			/* VGCF_* */
	struct cpu_user_regs user_regs;
	struct trap_info trap_ctxt[256]; /* virtual IDT */
	uint64_t ldt_base;		/* LDT linear address */
	uint64_t ldt_ents;		/* LDT entry count */
	uint64_t gdt_frames[16];	/* GDT machine frames */
	uint64_t gdt_ents;		/* GDT entry count */
	uint64_t kernel_ss;		/* stack for user->kernel bounces */
	uint64_t kernel_sp;
	/* CR0..CR7; [3] = kernel L4, [1] = user L4 (xen_pfn_to_cr3) */
	uint64_t ctrlreg[8];
	uint64_t debugreg[8];		/* DR0..DR7 */
	uint64_t event_callback_eip;	/* CALLBACKTYPE_event */
	uint64_t failsafe_callback_eip;	/* CALLBACKTYPE_failsafe */
	uint64_t syscall_callback_eip;	/* CALLBACKTYPE_syscall */
	uint64_t vm_assist;		/* bitmap of VMASST_TYPE_* */
	uint64_t fs_base;
	uint64_t gs_base_kernel;
	uint64_t gs_base_user;
};
_Static_assert(sizeof(struct vcpu_guest_context) == 5168,
	       "vcpu_guest_context size");
_Static_assert(offsetof(struct vcpu_guest_context, flags) == 0x200,
	       "vcpu_guest_context.flags");
_Static_assert(offsetof(struct vcpu_guest_context, user_regs) == 0x208,
	       "vcpu_guest_context.user_regs");
_Static_assert(offsetof(struct vcpu_guest_context, trap_ctxt) == 0x2d0,
	       "vcpu_guest_context.trap_ctxt");
_Static_assert(offsetof(struct vcpu_guest_context, ldt_base) == 0x12d0,
	       "vcpu_guest_context.ldt_base");
_Static_assert(offsetof(struct vcpu_guest_context, gdt_frames) == 0x12e0,
	       "vcpu_guest_context.gdt_frames");
_Static_assert(offsetof(struct vcpu_guest_context, kernel_ss) == 0x1368,
	       "vcpu_guest_context.kernel_ss");
_Static_assert(offsetof(struct vcpu_guest_context, ctrlreg) == 0x1378,
	       "vcpu_guest_context.ctrlreg");
_Static_assert(offsetof(struct vcpu_guest_context, debugreg) == 0x13b8,
	       "vcpu_guest_context.debugreg");
_Static_assert(offsetof(struct vcpu_guest_context,
			event_callback_eip) == 0x13f8,
	       "vcpu_guest_context.event_callback_eip");
_Static_assert(offsetof(struct vcpu_guest_context,
			failsafe_callback_eip) == 0x1400,
	       "vcpu_guest_context.failsafe_callback_eip");
_Static_assert(offsetof(struct vcpu_guest_context,
			syscall_callback_eip) == 0x1408,
	       "vcpu_guest_context.syscall_callback_eip");
_Static_assert(offsetof(struct vcpu_guest_context, vm_assist) == 0x1410,
	       "vcpu_guest_context.vm_assist");
_Static_assert(offsetof(struct vcpu_guest_context, fs_base) == 0x1418,
	       "vcpu_guest_context.fs_base");
_Static_assert(offsetof(struct vcpu_guest_context, gs_base_user) == 0x1428,
	       "vcpu_guest_context.gs_base_user");

/* Architecture part of struct vcpu_info. */
struct arch_vcpu_info {
	uint64_t cr2;		/* fault address of the last #PF bounced */
	uint64_t pad;		/* keeps vcpu_info at 64 bytes */
};
_Static_assert(sizeof(struct arch_vcpu_info) == 16, "arch_vcpu_info size");

/*
 * Architecture part of struct shared_info. The guest fills it in so that
 * the toolstack can find its p2m (for save/restore and dumps).
 */
struct arch_shared_info {
	uint64_t max_pfn;		/* entries in the p2m */
	/* MFN of the 3-level p2m tree's root; 0 = not set, ~0 = none */
	uint64_t pfn_to_mfn_frame_list_list;
	uint64_t nmi_reason;		/* why the last NMI was sent */
	/* xen_pfn_to_cr3() of the L4 mapping p2m_vaddr; 0 = unused */
	uint64_t p2m_cr3;
	uint64_t p2m_vaddr;		/* VA of the linear p2m array */
	uint64_t p2m_generation;	/* odd while the guest remaps it */
};
_Static_assert(sizeof(struct arch_shared_info) == 48,
	       "arch_shared_info size");
_Static_assert(offsetof(struct arch_shared_info, p2m_cr3) == 24,
	       "arch_shared_info.p2m_cr3");

/* Conversion between a CR3 value and the MFN of the top-level table. */
static inline uint64_t xen_pfn_to_cr3(uint64_t pfn)
{
	return pfn << 12;
}

static inline uint64_t xen_cr3_to_pfn(uint64_t cr3)
{
	return cr3 >> 12;
}

#endif /* !__ASSEMBLER__ */

#endif /* TANDEM_PUBLIC_ARCH_X86_64_H */
