/* SPDX-License-Identifier: MIT */
/*
 * Host stand-in for asm/regs.h, for test_sched_credit only. The real
 * header finds the per-CPU block (current vCPU, struct pcpu) from %rsp on
 * the hypervisor stack; here it is one plain variable of the simulator.
 * struct cpu_regs only has to exist: asm/domain.h embeds one.
 */
#ifndef ASM_REGS_H
#define ASM_REGS_H

#include <tandem/types.h>

struct cpu_regs {
	uint64_t rip, rsp;
};

struct vcpu;
struct pcpu;

struct cpu_info {
	struct vcpu *current_vcpu;
	struct pcpu *pcpu;
};

extern struct cpu_info sched_shim_cpu_info;

static inline struct cpu_info *get_cpu_info(void)
{
	return &sched_shim_cpu_info;
}

#define current (get_cpu_info()->current_vcpu)

#endif
