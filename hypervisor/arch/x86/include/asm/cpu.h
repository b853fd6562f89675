/* SPDX-License-Identifier: MIT */
/* Boot CPU identification and the features the hypervisor relies on. */
#ifndef ASM_CPU_H
#define ASM_CPU_H

#include <tandem/types.h>

struct cpu_features {
	char vendor[13];
	char brand[49];
	uint32_t family, model, stepping;
	uint32_t leaf1_ecx, leaf1_edx;		/* CPUID.1 */
	uint32_t leaf7_ebx, leaf7_ecx, leaf7_edx; /* CPUID.7.0 */
	uint32_t ext1_ecx, ext1_edx;		/* CPUID.0x80000001 */
	uint32_t max_leaf, max_ext_leaf;
	uint32_t phys_addr_bits;
	bool nx, pge, pdpe1gb, smep, smap, invariant_tsc, tsc_deadline;
	bool x2apic;
	char hypervisor[13];	/* signature if we run virtualized */
};

extern struct cpu_features boot_cpu;

void cpu_identify(void);
void cpu_init(void);	/* control registers and syscall MSRs */

/* PAT layout used by the hypervisor and promised to guests. */
#define HV_PAT_VALUE	0x0000050100070406ULL

#endif
