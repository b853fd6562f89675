/* SPDX-License-Identifier: MIT */
/* The hypervisor's own page tables (the "idle" tables) and MMIO mappings. */
#ifndef ASM_PAGING_H
#define ASM_PAGING_H

#include <tandem/types.h>
#include <asm/page.h>

/* Flags for hypervisor mappings. */
#define PAGE_HV_RW	(PTE_P | PTE_RW | PTE_A | PTE_D | PTE_G | PTE_NX)
#define PAGE_HV_RO	(PTE_P | PTE_A | PTE_G | PTE_NX)
#define PAGE_HV_RX	(PTE_P | PTE_A | PTE_G)
#define PAGE_HV_UC	(PAGE_HV_RW | PTE_PCD | PTE_PWT)
/*
 * Per-domain mappings (GDT/LDT windows) sit at the same address in every
 * domain: never global, so a CR3 switch takes them out of the TLB.
 */
#define PAGE_PERDOMAIN_RW	(PAGE_HV_RW & ~PTE_G)
#define PAGE_PERDOMAIN_RO	(PAGE_HV_RO & ~PTE_G)
/* Intermediate tables: permissions are decided at the leaves. */
#define PAGE_TABLE_FLAGS (PTE_P | PTE_RW | PTE_A | PTE_D)

extern pte_t *idle_pg_table;

void paging_init(void);
void m2p_init(void);
int map_pages_to_hv(unsigned long va, paddr_t pa, unsigned long nr,
		    unsigned long flags);
unsigned long vmap_alloc_va(unsigned long nr);
/* Map device memory uncached into the vmap area. */
void *ioremap(paddr_t pa, size_t size);

/* The guest-readable M2P, and the hypervisor's writable view of it. */
#define M2P_RW_VIRT_START	0xffff828100000000
extern unsigned long m2p_entries;
extern mfn_t *m2p_chunk_mfns;

/* Copy the hypervisor's L4 slots (256-271) into a guest L4. */
void init_hv_l4_slots(pte_t *l4, pte_t perdomain_l4e);

#endif
