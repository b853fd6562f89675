/* SPDX-License-Identifier: MIT */
/*
 * The register frame built on every entry into the hypervisor, and the
 * per-CPU block at the top of each hypervisor stack.
 *
 * Entry stubs push the general registers below the hardware interrupt
 * frame, so one layout serves exceptions, interrupts and the syscall
 * entry. The offsets are spelled out for assembly and checked against the
 * C structures at compile time (arch/x86/traps.c).
 */
#ifndef ASM_REGS_H
#define ASM_REGS_H

#define REGS_r15		0
#define REGS_r14		8
#define REGS_r13		16
#define REGS_r12		24
#define REGS_rbp		32
#define REGS_rbx		40
#define REGS_r11		48
#define REGS_r10		56
#define REGS_r9			64
#define REGS_r8			72
#define REGS_rax		80
#define REGS_rcx		88
#define REGS_rdx		96
#define REGS_rsi		104
#define REGS_rdi		112
#define REGS_error_code		120
#define REGS_entry_vector	124
#define REGS_rip		128
#define REGS_cs			136
#define REGS_rflags		144
#define REGS_rsp		152
#define REGS_ss			160
#define REGS_SIZE		168

/*
 * struct cpu_info sits at the top of the stack. Its size is 8 mod 16 so
 * that the guest frame ends 16-byte aligned: the CPU aligns the stack to
 * 16 before pushing an interrupt frame, and TSS.RSP0 points at that end.
 */
#define CPUINFO_guest_regs	0
#define CPUINFO_current_vcpu	168
#define CPUINFO_pcpu		176
#define CPUINFO_syscall_rsp	184
#define CPU_INFO_SIZE		200

/* entry_vector marks frames built by the syscall entry. */
#define ENTRY_SYSCALL		0x100

#ifndef __ASSEMBLER__
#include <tandem/types.h>
#include <asm/config.h>

struct cpu_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rax, rcx, rdx, rsi, rdi;
	uint32_t error_code;
	uint32_t entry_vector;
	uint64_t rip, cs, rflags, rsp, ss;	/* as pushed by the CPU */
};

struct vcpu;
struct pcpu;

struct cpu_info {
	struct cpu_regs guest_regs;	/* saved on entry from a guest */
	struct vcpu *current_vcpu;
	struct pcpu *pcpu;
	uint64_t syscall_rsp;		/* guest %rsp during syscall entry */
	uint64_t pad;
};

static inline struct cpu_info *get_cpu_info(void)
{
	unsigned long sp;

	__asm__("mov %%rsp, %0" : "=r"(sp));
	return (struct cpu_info *)((sp | (STACK_SIZE - 1)) + 1 -
				   CPU_INFO_SIZE);
}

static inline struct cpu_regs *guest_cpu_regs(void)
{
	return &get_cpu_info()->guest_regs;
}

#define current (get_cpu_info()->current_vcpu)

/* Was this frame interrupted in the hypervisor (ring 0)? */
static inline bool regs_from_hypervisor(const struct cpu_regs *r)
{
	return (r->cs & 3) == 0;
}
#endif

#endif
