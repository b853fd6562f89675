// SPDX-License-Identifier: MIT
/*
 * Machine frame allocation.
 *
 * Boot: the memory map minus what is in use (low 1 MiB, the image, the
 * boot modules) becomes a list of free ranges, from which early page
 * tables and the frame table are carved. Then every remaining free frame
 * goes to a binary buddy heap, and the frame table records who owns what.
 */
#include <tandem/bootinfo.h>
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <tandem/mm.h>

struct page_info *frame_table;
mfn_t max_page;

/* ---- boot allocator ---------------------------------------------------- */

#define MAX_BOOT_RANGES		128

struct range {
	paddr_t start, end;	/* [start, end), page aligned */
};

static struct range boot_ranges[MAX_BOOT_RANGES];
static unsigned int nr_boot_ranges;

static void range_add(paddr_t start, paddr_t end)
{
	start = ROUND_UP(start, PAGE_SIZE);
	end = ROUND_DOWN(end, PAGE_SIZE);
	if (start >= end)
		return;
	if (nr_boot_ranges == MAX_BOOT_RANGES) {
		pr_warn("memory: too many free ranges, %#lx-%#lx unused\n",
			start, end);
		return;
	}
	boot_ranges[nr_boot_ranges++] = (struct range){ start, end };
}

void boot_mem_init(void)
{
	for (unsigned int i = 0; i < boot_info.nr_mem; i++) {
		const struct mem_region *r = &boot_info.mem[i];

		if (r->type == MEM_RAM)
			range_add(r->start, r->start + r->size);
	}
}

/* Remove [start, end) from the free ranges. */
void boot_mem_reserve(paddr_t start, paddr_t end)
{
	start = ROUND_DOWN(start, PAGE_SIZE);
	end = ROUND_UP(end, PAGE_SIZE);
	for (unsigned int i = 0; i < nr_boot_ranges; i++) {
		struct range *r = &boot_ranges[i];
		paddr_t rs = r->start, re = r->end;

		if (end <= rs || start >= re)
			continue;
		if (start <= rs && end >= re) {
			r->start = r->end = 0;	/* swallowed */
		} else if (start <= rs) {
			r->start = end;
		} else if (end >= re) {
			r->end = start;
		} else {
			r->end = start;
			range_add(end, re);
		}
	}
}

paddr_t boot_mem_top(void)
{
	paddr_t top = 0;

	for (unsigned int i = 0; i < boot_info.nr_mem; i++) {
		const struct mem_region *r = &boot_info.mem[i];

		if (r->type == MEM_RAM && r->start + r->size > top)
			top = r->start + r->size;
	}
	return ROUND_DOWN(top, PAGE_SIZE);
}

/* Take nr contiguous frames from the top of the highest range below 'below'. */
mfn_t boot_alloc_pages(unsigned long nr, paddr_t below)
{
	struct range *best = NULL;
	uint64_t need = (uint64_t)nr << PAGE_SHIFT;

	for (unsigned int i = 0; i < nr_boot_ranges; i++) {
		struct range *r = &boot_ranges[i];
		paddr_t end = MIN(r->end, below);

		if (end <= r->start || end - r->start < need)
			continue;
		if (!best || end > MIN(best->end, below))
			best = r;
	}
	if (!best)
		panic("out of boot memory allocating %lu pages", nr);
	if (best->end > below) {
		/* Split so the part above 'below' stays free. */
		range_add(below, best->end);
		best->end = below;
	}
	best->end -= need;
	return best->end >> PAGE_SHIFT;
}

/* ---- buddy heap ---------------------------------------------------------- */

static struct list_head free_lists[MAX_ORDER + 1];
static unsigned long nr_free_pages, nr_heap_pages;
/*
 * A guest frame was freed: some TLB may still map it. Flush before any
 * frame is handed out again (one CPU, so one flush covers everyone).
 */
static bool tlb_flush_before_reuse;

static inline unsigned int block_order(const struct page_info *pg)
{
	return (unsigned int)pg->type_info;
}

static bool is_free_head(const struct page_info *pg, unsigned int order)
{
	return (pg->count_info & PGC_state_mask) == PGC_state_free &&
	       block_order(pg) == order;
}

void free_heap_pages(struct page_info *pg, unsigned int order)
{
	mfn_t mfn = page_to_mfn(pg);

	ASSERT(order <= MAX_ORDER && IS_ALIGNED(mfn, 1UL << order));
	for (unsigned long i = 0; i < (1UL << order); i++) {
		ASSERT(!(pg[i].count_info & PGC_count_mask));
		pg[i].count_info = PGC_state_free;
		pg[i].type_info = PGT_ORDER_NONE;
		pg[i].owner = NULL;
	}
	nr_free_pages += 1UL << order;

	/* Merge with free buddies as far as they go. */
	while (order < MAX_ORDER) {
		mfn_t buddy = mfn ^ (1UL << order);
		struct page_info *b;

		if (!mfn_valid(buddy))
			break;
		b = mfn_to_page(buddy);
		if (!is_free_head(b, order))
			break;
		list_del(&b->list);
		b->type_info = PGT_ORDER_NONE;
		mfn &= ~(1UL << order);
		order++;
	}
	pg = mfn_to_page(mfn);
	pg->type_info = order;
	list_add(&pg->list, &free_lists[order]);
}

static struct page_info *take_block(unsigned int want, unsigned int memflags)
{
	paddr_t limit = MEMF_bits(memflags) ?
			1ULL << MEMF_bits(memflags) : ~0ULL;

	for (unsigned int o = want; o <= MAX_ORDER; o++) {
		struct page_info *pg;

		list_for_each_entry(pg, &free_lists[o], list) {
			paddr_t end = (page_to_mfn(pg) + (1UL << want)) <<
				      PAGE_SHIFT;

			if (end > limit)
				continue;
			list_del(&pg->list);
			/* Split off the upper halves we do not need. */
			while (o > want) {
				struct page_info *half;

				o--;
				half = pg + (1UL << o);
				half->type_info = o;
				list_add(&half->list, &free_lists[o]);
			}
			return pg;
		}
	}
	return NULL;
}

struct page_info *alloc_heap_pages(unsigned int order, unsigned int memflags)
{
	struct page_info *pg;

	if (order > MAX_ORDER)
		return NULL;
	if (tlb_flush_before_reuse) {
		flush_all_tlbs();
		tlb_flush_before_reuse = false;
	}
	pg = take_block(order, memflags);
	if (!pg)
		return NULL;
	for (unsigned long i = 0; i < (1UL << order); i++) {
		pg[i].count_info = PGC_state_inuse;
		pg[i].type_info = PGT_none;
		pg[i].owner = NULL;
	}
	nr_free_pages -= 1UL << order;
	return pg;
}

unsigned long heap_free_pages(void)
{
	return nr_free_pages;
}

unsigned long heap_total_pages(void)
{
	return nr_heap_pages;
}

static void frame_table_init(void)
{
	paddr_t top = boot_mem_top();
	unsigned long bytes, pages;
	mfn_t ft;

	max_page = top >> PAGE_SHIFT;
	bytes = max_page * sizeof(struct page_info);
	pages = DIV_ROUND_UP(bytes, PAGE_SIZE);
	ft = boot_alloc_pages(pages, ~0ULL);
	frame_table = mfn_to_virt(ft);

	/* Everything starts out not ours; free RAM is handed over below. */
	for (mfn_t m = 0; m < max_page; m++) {
		frame_table[m].count_info = PGC_state_io;
		frame_table[m].type_info = PGT_none;
		frame_table[m].owner = NULL;
		list_init(&frame_table[m].list);
	}
	for (unsigned int i = 0; i < boot_info.nr_mem; i++) {
		const struct mem_region *r = &boot_info.mem[i];
		mfn_t s = ROUND_UP(r->start, PAGE_SIZE) >> PAGE_SHIFT;
		mfn_t e = (r->start + r->size) >> PAGE_SHIFT;

		if (r->type != MEM_RAM)
			continue;
		for (mfn_t m = s; m < e && m < max_page; m++)
			frame_table[m].count_info = PGC_state_reserved;
	}
}

void heap_init(void)
{
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		list_init(&free_lists[o]);
	frame_table_init();

	for (unsigned int i = 0; i < nr_boot_ranges; i++) {
		mfn_t s = boot_ranges[i].start >> PAGE_SHIFT;
		mfn_t e = boot_ranges[i].end >> PAGE_SHIFT;

		/* Largest aligned blocks first: fewer merges. */
		while (s < e) {
			unsigned int o = 0;

			while (o < MAX_ORDER && IS_ALIGNED(s, 2UL << o) &&
			       s + (2UL << o) <= e)
				o++;
			for (unsigned long k = 0; k < (1UL << o); k++)
				mfn_to_page(s + k)->count_info = 0;
			free_heap_pages(mfn_to_page(s), o);
			nr_heap_pages += 1UL << o;
			s += 1UL << o;
		}
	}
	nr_boot_ranges = 0;	/* the boot allocator is closed */
}

void heap_release_range(paddr_t start, paddr_t end)
{
	mfn_t s = ROUND_UP(start, PAGE_SIZE) >> PAGE_SHIFT;
	mfn_t e = end >> PAGE_SHIFT;

	for (mfn_t m = s; m < e && m < max_page; m++) {
		struct page_info *pg = mfn_to_page(m);

		if ((pg->count_info & PGC_state_mask) != PGC_state_reserved)
			continue;
		pg->count_info = 0;
		free_heap_pages(pg, 0);
		nr_heap_pages++;
	}
}

/* ---- hypervisor pages ---------------------------------------------------- */

void *alloc_hv_pages(unsigned int order)
{
	struct page_info *pg = alloc_heap_pages(order, 0);
	void *va;

	if (!pg)
		return NULL;
	for (unsigned long i = 0; i < (1UL << order); i++)
		pg[i].count_info |= PGC_hv_heap;
	va = page_to_virt(pg);
	memset(va, 0, PAGE_SIZE << order);
	return va;
}

void free_hv_pages(void *va, unsigned int order)
{
	struct page_info *pg;

	if (!va)
		return;
	pg = mfn_to_page(virt_to_mfn(va));
	for (unsigned long i = 0; i < (1UL << order); i++) {
		ASSERT(pg[i].count_info & PGC_hv_heap);
		pg[i].count_info = PGC_state_inuse;
	}
	free_heap_pages(pg, order);
}

/* ---- domain pages -------------------------------------------------------- */

/*
 * Lend a hypervisor page (shared_info, say) to a guest: the guest may map
 * it, and the page is freed when the domain releases it and the last
 * mapping is gone.
 */
void share_hv_page_with_guest(void *va, struct domain *d)
{
	struct page_info *pg = mfn_to_page(virt_to_mfn(va));

	ASSERT(pg->count_info & PGC_hv_heap);
	pg->owner = d;
	pg->count_info |= PGC_allocated | 1;
}

struct page_info *alloc_domheap_pages(struct domain *d, unsigned int order,
				      unsigned int memflags)
{
	unsigned long n = 1UL << order;
	struct page_info *pg;

	if (d->tot_pages + n > d->max_pages)
		return NULL;
	pg = alloc_heap_pages(order, memflags);
	if (!pg)
		return NULL;
	for (unsigned long i = 0; i < n; i++) {
		pg[i].owner = d;
		pg[i].count_info = PGC_state_inuse | PGC_allocated | 1;
		list_add_tail(&pg[i].list, &d->page_list);
		/* Never hand out old contents of another domain. */
		memset(page_to_virt(&pg[i]), 0, PAGE_SIZE);
		set_m2p(page_to_mfn(&pg[i]), INVALID_PFN);
	}
	d->tot_pages += n;
	return pg;
}

static void free_domheap_page(struct page_info *pg)
{
	struct domain *d = pg->owner;

	if (d) {
		list_del(&pg->list);
		d->tot_pages--;
	}
	set_m2p(page_to_mfn(pg), INVALID_PFN);
	pg->count_info = PGC_state_inuse;
	pg->type_info = PGT_none;
	tlb_flush_before_reuse = true;
	free_heap_pages(pg, 0);
	if (d)
		domain_page_freed(d);
}

void release_domheap_page(struct page_info *pg)
{
	if (!(pg->count_info & PGC_allocated))
		return;
	pg->count_info &= ~PGC_allocated;
	/* A lent hypervisor page no longer belongs to the domain. */
	if (pg->count_info & PGC_hv_heap)
		pg->owner = NULL;
	put_page(pg);
}

bool get_page(struct page_info *pg, const struct domain *d)
{
	uint64_t c = pg->count_info;

	if (pg->owner != d || !(c & PGC_allocated) ||
	    (c & PGC_state_mask) != PGC_state_inuse)
		return false;
	if ((c & PGC_count_mask) == PGC_count_mask)
		return false;	/* would overflow */
	pg->count_info = c + 1;
	return true;
}

void put_page(struct page_info *pg)
{
	uint64_t c = pg->count_info;

	BUG_ON(!(c & PGC_count_mask));
	pg->count_info = --c;
	if (c & PGC_count_mask)
		return;
	if (c & PGC_hv_heap) {
		/* A hypervisor page lent to a guest; the last user is gone. */
		pg->owner = NULL;
		pg->count_info = PGC_state_inuse;
		tlb_flush_before_reuse = true;
		free_heap_pages(pg, 0);
		return;
	}
	free_domheap_page(pg);
}
