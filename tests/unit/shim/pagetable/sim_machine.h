/* SPDX-License-Identifier: MIT */
/*
 * A small simulated machine for test_pagetable (sim_machine.c): RAM is a
 * buffer the direct map points into (asm/config.h here), described to
 * the real boot allocator and heap by a fake memory map, plus the few
 * hypervisor services pagetable.c and page_alloc.c call, each one
 * recording what it was asked.
 *
 * Memory map (frame numbers):
 *	0-158		RAM, reserved as the low 1 MiB
 *	159-255		reserved by the firmware
 *	256-511		RAM: the "hypervisor image"
 *	512-543		RAM: a "boot module", given back by the test
 *	544-3071	RAM
 *	3072-3327	an MMIO hole (device memory, not RAM)
 *	3328-4095	RAM; the boot allocator puts the frame table at its top
 *	4096-		beyond the frame table
 */
#ifndef TEST_SHIM_PAGETABLE_SIM_MACHINE_H
#define TEST_SHIM_PAGETABLE_SIM_MACHINE_H

#include <tandem/domain.h>

#define SIM_IMAGE_START		0x100000UL
#define SIM_IMAGE_END		0x200000UL
#define SIM_MODULE_START	0x200000UL
#define SIM_MODULE_END		0x220000UL
#define SIM_HOLE_START		0xc00000UL
#define SIM_HOLE_END		0xd00000UL

/* What init_hv_l4_slots() writes into hypervisor slot s. */
#define SIM_HV_L4E(s)		(0x7e57000000000000ULL | (s))

extern unsigned long sim_tlb_flushes;		/* flush_all_tlbs() */
extern unsigned long sim_hv_l4_inits;		/* init_hv_l4_slots() */
extern unsigned long sim_pages_freed;		/* domain_page_freed() */
extern struct domain *sim_last_freed_domain;
extern unsigned long sim_descriptor_checks;	/* validate_descriptor_page() */
extern int sim_descriptor_rc;			/* ... and what it returns */

/* Fill RAM with garbage, boot the allocators as setup.c does. */
void sim_machine_boot(void);

#endif
