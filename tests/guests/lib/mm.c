// SPDX-License-Identifier: MIT
/*
 * Page-table helpers. The builder maps the initial region with VA ==
 * PFN << 12 (VIRT_BASE 0), ending with the bootstrap page tables, one
 * bootstrap stack page and padding up to a 4 MiB boundary (at least
 * 512 KiB of it). Free pages are taken from that padding; pages beyond
 * the region (up to nr_pages) are owned but unmapped.
 */
#include "guest.h"

#define M2P ((const volatile uint64_t *)MACH2PHYS_VIRT_START)

static uint64_t *cur_l4;
static uint64_t m2p_max_mfn;
static uint64_t cur_l4_mfn;
static unsigned long free_next, free_end;
static uint64_t frame_next;	/* next PFN for frame_alloc, downwards */

uint64_t pfn_to_mfn(uint64_t pfn)
{
	return ((const uint64_t *)start_info->mfn_list)[pfn];
}

uint64_t mfn_to_pfn(uint64_t mfn)
{
	return M2P[mfn];
}

uint64_t max_mfn(void)
{
	struct xen_machphys_mapping mm;

	if (!m2p_max_mfn) {
		if (hv_memory_op(XENMEM_machphys_mapping, &mm))
			panic("XENMEM_machphys_mapping failed");
		m2p_max_mfn = mm.max_mfn;
	}
	return m2p_max_mfn;
}

bool own_mfn(uint64_t mfn)
{
	uint64_t pfn;

	if (mfn > max_mfn())
		return false;
	pfn = mfn_to_pfn(mfn);
	return pfn < start_info->nr_pages && pfn_to_mfn(pfn) == mfn;
}

uint64_t foreign_mfn(void)
{
	uint64_t list[4];
	struct xen_machphys_mfn_list ml = {
		.max_extents = ARRAY_SIZE(list),
		.extent_start = (uint64_t)list,
	};
	uint64_t mfn;

	if (!hv_memory_op(XENMEM_machphys_mfn_list, &ml) && ml.nr_extents &&
	    list[0] <= max_mfn() && !own_mfn(list[0]))
		return list[0];
	for (mfn = 0x100; mfn <= max_mfn(); mfn++)
		if (!own_mfn(mfn))
			return mfn;
	return 0x10;
}

void *mfn_to_virt(uint64_t mfn)
{
	return (void *)(mfn_to_pfn(mfn) << PAGE_SHIFT);
}

uint64_t *l4_table(void)
{
	return cur_l4;
}

uint64_t l4_mfn(void)
{
	return cur_l4_mfn;
}

void set_l4(uint64_t *l4, uint64_t mfn)
{
	cur_l4 = l4;
	cur_l4_mfn = mfn;
}

static unsigned int pt_index(unsigned long va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & 511;
}

/* Walk down to the table at the given level; NULL if not present. */
static uint64_t *table_at(unsigned long va, int level)
{
	uint64_t *t = cur_l4;
	int l;

	for (l = 4; l > level; l--) {
		uint64_t e = t[pt_index(va, l)];

		if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE))
			return NULL;
		t = mfn_to_virt((e & PTE_ADDR_MASK) >> PAGE_SHIFT);
	}
	return t;
}

uint64_t *pte_lookup(unsigned long va, int level)
{
	uint64_t *t = table_at(va, level);

	return t ? &t[pt_index(va, level)] : NULL;
}

uint64_t pte_maddr(unsigned long va, int level)
{
	uint64_t *t = table_at(va, level);

	if (!t)
		return 0;
	return (virt_to_mfn(t) << PAGE_SHIFT) + pt_index(va, level) * 8;
}

uint64_t virt_to_mfn(const void *va)
{
	unsigned long v = (unsigned long)va;
	uint64_t *t = cur_l4;
	int l;

	for (l = 4; l >= 1; l--) {
		uint64_t e = t[pt_index(v, l)];

		if (!(e & _PAGE_PRESENT))
			return ~0ull;
		if (l == 1 || (e & _PAGE_PSE))
			return (e & PTE_ADDR_MASK) >> PAGE_SHIFT;
		t = mfn_to_virt((e & PTE_ADDR_MASK) >> PAGE_SHIFT);
	}
	return ~0ull;
}

long map_mfn(unsigned long va, uint64_t mfn, uint64_t flags)
{
	return hv_update_va_mapping(va, (mfn << PAGE_SHIFT) | flags,
				    UVMF_INVLPG);
}

long unmap_va(unsigned long va)
{
	return hv_update_va_mapping(va, 0, UVMF_INVLPG);
}

long page_set_rw(const void *va, bool rw)
{
	unsigned long v = (unsigned long)va;
	uint64_t *pte = pte_lookup(v, 1);

	if (!pte || !(*pte & _PAGE_PRESENT))
		return -XEN_EINVAL;
	return map_mfn(v, (*pte & PTE_ADDR_MASK) >> PAGE_SHIFT,
		       rw ? PTE_KERN_RW : PTE_KERN_RO);
}

void *page_alloc(void)
{
	void *p;

	if (free_next >= free_end)
		panic("page_alloc: out of boot-region pages");
	p = (void *)free_next;
	free_next += PAGE_SIZE;
	memset(p, 0, PAGE_SIZE);
	return p;
}

void *va_hole_alloc(void)
{
	void *p = page_alloc();
	long rc = unmap_va((unsigned long)p);

	if (rc)
		panic("va_hole_alloc: unmap failed: %ld", rc);
	return p;
}

uint64_t frame_alloc(void)
{
	if (frame_next * PAGE_SIZE <= free_end)
		panic("frame_alloc: no unmapped frames left");
	return --frame_next;
}

unsigned long mm_free_pages(void)
{
	return (free_end - free_next) / PAGE_SIZE;
}

void mm_init(void)
{
	unsigned long end, start;

	cur_l4 = (uint64_t *)start_info->pt_base;
	cur_l4_mfn = pfn_to_mfn(start_info->pt_base >> PAGE_SHIFT);

	/* Page tables, then one bootstrap stack page, then the padding. */
	start = start_info->pt_base +
		(start_info->nr_pt_frames + 1) * PAGE_SIZE;
	end = ALIGN_UP(start, 4ul << 20);
	if (end - start < (512ul << 10))
		end += 4ul << 20;
	if (start < (unsigned long)_end)
		start = (unsigned long)_end;

	/* Trust only what is really mapped and writable. */
	free_next = start;
	for (free_end = start; free_end < end; free_end += PAGE_SIZE) {
		uint64_t *pte = pte_lookup(free_end, 1);

		if (!pte || (*pte & (_PAGE_PRESENT | _PAGE_RW)) !=
			    (_PAGE_PRESENT | _PAGE_RW))
			break;
	}
	frame_next = start_info->nr_pages;
}
