/* SPDX-License-Identifier: MIT */
/*
 * Validated guest page tables (arch/x86/pv/pagetable.c).
 *
 * A frame becomes an L1..L4 table only by validation: every present entry
 * must point at a frame the domain may use for that purpose (L4 -> L3 ->
 * L2 -> L1 -> data), and that reference is counted. While a frame has a
 * page-table type it can never be mapped writable, so the guest changes it
 * only through us.
 */
#ifndef ASM_PAGETABLE_H
#define ASM_PAGETABLE_H

#include <tandem/mm.h>
#include <asm/page.h>

struct domain;

/* Software bits we own in guest PTEs; guests may not set PTE_GRANT. */
#define PTE_GUEST_KERNEL	(1ULL << 52)	/* mapped as supervisor */
#define PTE_GRANT		(1ULL << 53)	/* made by a grant map */

/* Type a frame / drop a type reference. Negative errno on failure. */
int get_page_type(struct page_info *pg, uint64_t type);
void put_page_type(struct page_info *pg);
int get_page_and_type(struct page_info *pg, struct domain *d, uint64_t type);
void put_page_and_type(struct page_info *pg);

/*
 * Change one entry of a validated table. pt is the table frame (typed
 * at 'level'), idx the entry. pg_owner is whose frames an L1 entry may
 * map (the table's owner, or a foreign domain for privileged callers).
 */
int mod_pt_entry(struct page_info *pt, int level, unsigned int idx,
		 pte_t val, struct domain *pg_owner, bool preserve_ad);

/* A frame of descriptors (GDT/LDT) is checked before it is typed. */
int validate_descriptor_page(struct page_info *pg);

void pt_replace_entry(struct page_info *l1, unsigned int idx, pte_t val);

/* The domain a table belongs to may not use these L4 slots. */
static inline bool is_guest_l4_slot(unsigned int i)
{
	return i < HV_SLOT_FIRST || i > HV_SLOT_LAST;
}

/* Frames a domain may map besides RAM it owns (dom0's MMIO). */
bool domain_may_map_io(const struct domain *d, mfn_t mfn);


#endif
