/* SPDX-License-Identifier: MIT */
/* Paravirtual guest support: the x86 side of the PV ABI. */
#ifndef ASM_PV_H
#define ASM_PV_H

#include <tandem/types.h>
#include <asm/page.h>

struct page_info;
#include <asm/regs.h>
#include <public/xen.h>

struct vcpu;
struct domain;

/* Entry points from entry.S / traps.c. */
void pv_do_guest_exception(struct cpu_regs *regs);
void do_syscall(struct cpu_regs *regs);
void do_syscall32(struct cpu_regs *regs);
void prepare_exit_to_guest(struct cpu_regs *regs);
void handle_bad_guest_iret(struct cpu_regs *regs);
void do_hypercall(struct cpu_regs *regs);

/* Deliver an exception to the guest on its next return. */
#define NO_ERROR_CODE	(-1)
void pv_inject_exception(struct vcpu *v, unsigned int vector, int error_code);
void pv_inject_page_fault(struct vcpu *v, unsigned long addr, uint32_t ec);
void toggle_guest_mode(struct vcpu *v);

/*
 * Page faults the hypervisor resolves itself (a write to a read-only page
 * table that we validate and apply). True if handled.
 */
bool pv_handle_page_fault(struct vcpu *v, struct cpu_regs *regs,
			  unsigned long addr);

/* Instruction emulation (arch/x86/pv/emulate.c). */
bool pv_emulate_forced_op(struct cpu_regs *regs);	/* #UD */
bool pv_emulate_privileged_op(struct cpu_regs *regs);	/* #GP(0) */
void pv_cpuid(struct vcpu *v, uint32_t leaf, uint32_t subleaf,
	      uint32_t res[4]);

/* Hypercalls implemented in arch/x86/pv/. */
long do_iret(void);
long do_set_trap_table(uint64_t traps);
long do_set_callbacks(unsigned long event, unsigned long failsafe,
		      unsigned long syscall);
long do_callback_op(int cmd, uint64_t arg);
long do_stack_switch(unsigned long ss, unsigned long sp);
long do_fpu_taskswitch(int set);
long do_set_segment_base(unsigned int which, unsigned long base);
long do_set_debugreg(int reg, unsigned long value);
unsigned long do_get_debugreg(int reg);
void debugreg_switch_out(struct vcpu *v);
void debugreg_switch_in(struct vcpu *v);
void debugreg_note_trap(struct vcpu *v);
long do_set_gdt(uint64_t frames, unsigned int entries);
long do_update_descriptor(uint64_t maddr, uint64_t desc);
long do_mmu_update(uint64_t reqs, unsigned int count, uint64_t done,
		   unsigned int foreigndom);
long do_mmuext_op(uint64_t ops, unsigned int count, uint64_t done,
		  unsigned int foreigndom);
long do_update_va_mapping(unsigned long va, uint64_t val,
			  unsigned long flags);
long do_update_va_mapping_otherdomain(unsigned long va, uint64_t val,
				      unsigned long flags, domid_t domid);
long do_physdev_op(int cmd, uint64_t arg);

/* Page-table and descriptor-table references held by a vCPU. */
int pv_set_kernel_base_table(struct vcpu *v, mfn_t mfn);
void pv_put_base_tables(struct vcpu *v);
int pv_set_gdt(struct vcpu *v, const mfn_t *frames, unsigned int entries);
void pv_put_gdt_frames(struct vcpu *v);
int pv_set_ldt(struct vcpu *v, unsigned long base, unsigned int entries);
void pv_put_ldt(struct vcpu *v);
pte_t *pv_ldt_l1e(struct vcpu *v);
/* The L1 table frame that maps va in the vCPU's kernel tables, or NULL. */
struct page_info *pv_guest_l1_for(struct vcpu *v, unsigned long va);
void pv_show_guest_walk(struct vcpu *v, unsigned long va);
/* The frame mapped at va in the vCPU's kernel page tables, or INVALID_MFN. */
mfn_t pv_guest_va_to_mfn(struct vcpu *v, unsigned long va);

/*
 * Grant mappings in PV page tables. 'addr' is a guest virtual address
 * (GNTMAP_host_map), or with GNTMAP_contains_pte the machine address of
 * the PTE itself. The new PTE maps 'mfn' of 'granter', read-only if
 * GNTMAP_readonly, and holds a page reference (and a writable type
 * reference if writable) until destroyed.
 */
int pv_create_grant_mapping(struct vcpu *v, uint64_t addr, mfn_t mfn,
			    uint32_t gnt_flags, struct domain *granter);
/* Remove it again; fails if the PTE no longer maps mfn. */
int pv_destroy_grant_mapping(struct vcpu *v, uint64_t addr, mfn_t mfn,
			     uint32_t gnt_flags);

/* Guest memory access from the hypervisor (arch/x86/usercopy.c). */
bool guest_range_ok(unsigned long va, size_t n);
/* Return 0, or -EFAULT if any byte could not be accessed. */
int copy_from_guest(void *dst, uint64_t src, size_t n);
int copy_to_guest(uint64_t dst, const void *src, size_t n);
/* Raw accessors: no range check (the caller did it). Bytes not copied. */
size_t raw_copy_from_guest(void *dst, const void *src, size_t n);
size_t raw_copy_to_guest(void *dst, const void *src, size_t n);

#endif
