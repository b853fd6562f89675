/* SPDX-License-Identifier: MIT */
/*
 * Machine memory: the frame table (one struct page_info per machine
 * frame), the boot and heap allocators, and reference counting.
 *
 * Every frame has an owner and two counts:
 *  - count_info: general references (mappings, pins, hypervisor uses) and
 *    state flags. A domain's frame carries PGC_allocated, the domain's own
 *    reference, dropped when the domain releases it.
 *  - type_info: what the frame is used as (page table of some level,
 *    descriptor page, writable memory) and how many uses of that type
 *    exist. The type can change only when its count is zero, which is how
 *    "a page table is never writable" is enforced.
 */
#ifndef TANDEM_MM_H
#define TANDEM_MM_H

#include <tandem/list.h>
#include <tandem/types.h>
#include <asm/page.h>

struct domain;

struct page_info {
	struct list_head list;	/* heap free list, or owner's page list */
	uint64_t count_info;
	uint64_t type_info;	/* free block head: its order */
	struct domain *owner;
};

/* count_info */
#define PGC_allocated		(1ULL << 63)	/* owner's allocation ref */
#define PGC_hv_heap		(1ULL << 62)	/* hypervisor heap frame */
#define PGC_state_shift		59
#define PGC_state_mask		(7ULL << PGC_state_shift)
#define PGC_state_free		(0ULL << PGC_state_shift)
#define PGC_state_inuse		(1ULL << PGC_state_shift)
#define PGC_state_reserved	(2ULL << PGC_state_shift) /* not ours to give */
#define PGC_state_io		(3ULL << PGC_state_shift) /* MMIO, hole */
#define PGC_count_mask		0xffffffffULL

/* type_info */
#define PGT_type_shift		60
#define PGT_type_mask		(15ULL << PGT_type_shift)
#define PGT_none		(0ULL << PGT_type_shift)
#define PGT_l1_page_table	(1ULL << PGT_type_shift)
#define PGT_l2_page_table	(2ULL << PGT_type_shift)
#define PGT_l3_page_table	(3ULL << PGT_type_shift)
#define PGT_l4_page_table	(4ULL << PGT_type_shift)
#define PGT_seg_desc_page	(5ULL << PGT_type_shift)
#define PGT_writable_page	(6ULL << PGT_type_shift)
#define PGT_validated		(1ULL << 59)
#define PGT_pinned		(1ULL << 58)
#define PGT_count_mask		0xffffffffULL

#define PGT_ORDER_NONE		0xffffULL	/* free, not a block head */

extern struct page_info *frame_table;
extern mfn_t max_page;			/* frames covered by frame_table */

static inline struct page_info *mfn_to_page(mfn_t mfn)
{
	return frame_table + mfn;
}

static inline mfn_t page_to_mfn(const struct page_info *pg)
{
	return pg - frame_table;
}

static inline void *page_to_virt(const struct page_info *pg)
{
	return mfn_to_virt(page_to_mfn(pg));
}

static inline bool mfn_valid(mfn_t mfn)
{
	return mfn < max_page;
}

static inline bool mfn_is_ram(mfn_t mfn)
{
	uint64_t st;

	if (!mfn_valid(mfn))
		return false;
	st = frame_table[mfn].count_info & PGC_state_mask;
	return st == PGC_state_free || st == PGC_state_inuse;
}

static inline unsigned int page_type_level(uint64_t type)
{
	return (type & PGT_type_mask) >> PGT_type_shift;
}

/* Boot-time allocation, before the heap exists. Never freed. */
void boot_mem_init(void);
void boot_mem_reserve(paddr_t start, paddr_t end);
mfn_t boot_alloc_pages(unsigned long nr, paddr_t below);
paddr_t boot_mem_top(void);

/* The buddy heap. */
#define MAX_ORDER		20
#define MEMF_bits(n)		((unsigned int)(n) & 0xff) /* below 2^n */
void heap_init(void);
struct page_info *alloc_heap_pages(unsigned int order, unsigned int memflags);
void free_heap_pages(struct page_info *pg, unsigned int order);
unsigned long heap_free_pages(void);
/* Give frames that boot code held (modules) to the heap. */
void heap_release_range(paddr_t start, paddr_t end);
unsigned long heap_total_pages(void);

/* Hypervisor-private pages (zeroed), addressed through the direct map. */
void *alloc_hv_pages(unsigned int order);
void free_hv_pages(void *va, unsigned int order);
static inline void *alloc_hv_page(void)
{
	return alloc_hv_pages(0);
}
static inline void free_hv_page(void *va)
{
	free_hv_pages(va, 0);
}

/* Small allocations. */
void *xmalloc(size_t size);
void *xzalloc(size_t size);
void xfree(void *p);
#define xzalloc_array(type, n) ((type *)xzalloc(sizeof(type) * (n)))

/* Domain memory: frames owned by d, counted in its allocation. */
struct page_info *alloc_domheap_pages(struct domain *d, unsigned int order,
				      unsigned int memflags);
void share_hv_page_with_guest(void *va, struct domain *d);
/* Drop the owner's allocation reference (the frame goes when unused). */
void release_domheap_page(struct page_info *pg);

/* General references. */
bool get_page(struct page_info *pg, const struct domain *d);
void put_page(struct page_info *pg);

/*
 * Flush every TLB entry, global ones too: before a frame that may still
 * be mapped somewhere is reused or becomes a page table.
 */
void flush_all_tlbs(void);

/* The machine-to-pseudophysical table that guests read. */
void set_m2p(mfn_t mfn, pfn_t pfn);
pfn_t get_m2p(mfn_t mfn);

#endif
