/* SPDX-License-Identifier: MIT */
/*
 * Per-physical-CPU state. Tandem runs its guests on one physical CPU
 * today; everything per-CPU lives here so that adding CPUs means adding
 * instances, not finding globals.
 */
#ifndef ASM_PERCPU_H
#define ASM_PERCPU_H

#include <tandem/types.h>
#include <asm/regs.h>

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;

struct vcpu;

struct pcpu {
	unsigned int id;
	uint32_t apic_id;
	struct tss64 tss __aligned(16);
	uint64_t *gdt_reserved;		/* entries 7168..7679 */
	unsigned long idle_gdt;		/* GDT window used by the idle vCPU */
	struct vcpu *idle_vcpu;
	unsigned long softirq_pending;
	struct vcpu *fpu_owner;		/* whose state is in the FPU */
};

extern struct pcpu pcpu0;
extern char cpu0_stack[];

static inline struct pcpu *this_pcpu(void)
{
	return get_cpu_info()->pcpu;
}

#endif
