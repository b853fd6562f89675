/* SPDX-License-Identifier: MIT */
/* The x86 PV part of domains and vCPUs. */
#ifndef ASM_DOMAIN_H
#define ASM_DOMAIN_H

#include <tandem/types.h>
#include <asm/page.h>
#include <asm/regs.h>
#include <public/arch-x86_64.h>

#define GUEST_GDT_FRAMES	FIRST_RESERVED_GDT_PAGE	/* 14 */
#define MAX_LDT_ENTRIES		8192

struct domain_irqs;

/* An exception waiting to be delivered on the way back to the guest. */
struct pending_trap {
	bool pending;
	bool has_error_code;
	uint8_t vector;
	uint32_t error_code;
};

struct arch_vcpu {
	/* Saved guest registers while the vCPU is not on a CPU. */
	struct cpu_regs regs;
	uint8_t fpu_state[512] __aligned(16);	/* FXSAVE image */
	bool fpu_virtual_ts;			/* guest's CR0.TS */

	bool kernel_mode;		/* guest kernel (vs. guest user) */
	mfn_t guest_table;		/* kernel L4, holds a type ref */
	mfn_t guest_table_user;		/* user L4, or INVALID_MFN */

	/* Virtual IDT and callbacks. */
	struct trap_info traps[256];
	unsigned long event_callback;
	unsigned long failsafe_callback;
	unsigned long syscall_callback;
	unsigned long syscall32_callback;
	unsigned long sysenter_callback;
	unsigned long nmi_callback;
	bool failsafe_masks_events;
	bool syscall_masks_events;
	unsigned long kernel_ss, kernel_sp;

	/* Segment state, switched with the vCPU. */
	uint16_t ds, es, fs, gs;
	unsigned long fs_base, gs_base_kernel, gs_base_user;

	/* Descriptor tables. */
	mfn_t gdt_frames[GUEST_GDT_FRAMES];
	unsigned int gdt_ents;
	unsigned long ldt_base;
	unsigned int ldt_ents;
	unsigned long gdt_va;		/* this vCPU's GDT window */

	unsigned long vcr4;		/* guest's view of CR4 */
	unsigned long debugreg[8];
	unsigned int iopl;		/* virtual IOPL (0-3), PHYSDEVOP_set_iopl */

	struct pending_trap trap;
	/* The runstate area could not be written (user page tables live). */
	bool runstate_update_pending;
};

struct arch_domain {
	/* Per-domain area (GDT/LDT windows): one L3, one L2, L1s on demand. */
	pte_t *perdomain_l3;
	pte_t *perdomain_l2;
	pte_t *perdomain_l1[8];
	unsigned long vm_assist;
	struct domain_irqs *irqs;	/* its physical IRQs (irq.c), or NULL */
};

#endif
