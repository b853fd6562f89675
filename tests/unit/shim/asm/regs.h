/* SPDX-License-Identifier: MIT */
/*
 * Host stand-in for hypervisor/arch/x86/include/asm/regs.h, for unit tests
 * that compile hypervisor C files on the host. The real header finds the
 * current vCPU through the hypervisor stack; here it is a plain variable
 * the test sets. struct cpu_regs only has to exist (asm/domain.h embeds
 * one); its layout is irrelevant on the host.
 */
#ifndef ASM_REGS_H
#define ASM_REGS_H

#include <tandem/types.h>

struct cpu_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rax, rcx, rdx, rsi, rdi;
	uint32_t error_code;
	uint32_t entry_vector;
	uint64_t rip, cs, rflags, rsp, ss;
};

struct vcpu;

extern struct vcpu *test_current;
#define current test_current

#endif
