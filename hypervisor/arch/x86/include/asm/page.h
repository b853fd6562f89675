/* SPDX-License-Identifier: MIT */
/* Page-table entry layout and address conversions. */
#ifndef ASM_PAGE_H
#define ASM_PAGE_H

#include <asm/config.h>
#include <asm/x86-defs.h>

#define PAGE_MASK		(~(PAGE_SIZE - 1UL))
#define PTE_ADDR_MASK		0x000ffffffffff000UL
#define PTE_FLAGS_MASK		(~PTE_ADDR_MASK)
#define PTES_PER_TABLE		512
#define L1_SHIFT		12
#define L2_SHIFT		21
#define L3_SHIFT		30
#define L4_SHIFT		39
#define L2_PAGE_SIZE		(1UL << L2_SHIFT)
#define L3_PAGE_SIZE		(1UL << L3_SHIFT)

#ifndef __ASSEMBLER__
#include <tandem/types.h>

typedef uint64_t pte_t;

static inline unsigned int pt_index(unsigned long va, int level)
{
	return (va >> (L1_SHIFT + 9 * (level - 1))) & 511;
}

static inline paddr_t pte_addr(pte_t e)
{
	return e & PTE_ADDR_MASK;
}

static inline mfn_t pte_mfn(pte_t e)
{
	return (e & PTE_ADDR_MASK) >> PAGE_SHIFT;
}

static inline unsigned long pte_flags(pte_t e)
{
	return e & PTE_FLAGS_MASK;
}

static inline pte_t make_pte(mfn_t mfn, unsigned long flags)
{
	return ((uint64_t)mfn << PAGE_SHIFT) | flags;
}

/* Non-canonical addresses have bits 63:47 neither all 0 nor all 1. */
static inline bool is_canonical(unsigned long va)
{
	return ((long)va >> 47) == 0 || ((long)va >> 47) == -1;
}

static inline void *maddr_to_virt(paddr_t pa)
{
	return (void *)(pa + DIRECTMAP_VIRT_START);
}

static inline void *mfn_to_virt(mfn_t mfn)
{
	return maddr_to_virt(mfn << PAGE_SHIFT);
}

/* Accepts direct-map and image addresses. */
static inline paddr_t virt_to_maddr(const void *va)
{
	unsigned long v = (unsigned long)va;

	if (v >= DIRECTMAP_VIRT_START && v < DIRECTMAP_VIRT_END)
		return v - DIRECTMAP_VIRT_START;
	return v - HV_IMAGE_VIRT_BASE;
}

static inline mfn_t virt_to_mfn(const void *va)
{
	return virt_to_maddr(va) >> PAGE_SHIFT;
}
#endif

#endif
