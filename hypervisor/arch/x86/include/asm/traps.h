/* SPDX-License-Identifier: MIT */
/* Exceptions and interrupts: the C side of arch/x86/entry.S. */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H

#include <asm/regs.h>

void traps_init(void);
void do_exception(struct cpu_regs *regs);
void do_interrupt(struct cpu_regs *regs);
void show_registers(const struct cpu_regs *regs);
void show_backtrace(unsigned long rbp, unsigned long rip);
/* Redirect a hypervisor fault at a whitelisted instruction. */
bool fixup_exception(struct cpu_regs *regs);
/* Debug key 'C': fault at address 8, to show the panic report. */
void crash_on_request(void) __noreturn;

/*
 * Mark the instruction at label 'from' as allowed to fault; execution then
 * continues at 'to'. Used by guest memory accessors and MSR probes.
 */
#define _ASM_EXTABLE(from, to)					\
	".pushsection .ex_table, \"a\"\n\t"			\
	".balign 8\n\t"						\
	".quad " #from ", " #to "\n\t"				\
	".popsection\n\t"

#endif
