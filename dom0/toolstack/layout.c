// SPDX-License-Identifier: MIT
/*
 * The memory layout of a new 64-bit PV guest and its boot page tables
 * (see layout.h). The order and the sizes follow Xen's libxenguest
 * (xg_dom_core.c, xg_dom_x86.c), so a kernel is started the way xl
 * would start it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "ts_error.h"

#define VADDR_MASK	((1ull << 48) - 1)
#define PT_ENTRIES	512
#define BOOT_SPARE	((512u << 10) >> LAYOUT_PAGE_SHIFT)	/* 512 KiB */
#define BOOT_ALIGN	((4ull << 20) - 1)			/* 4 MiB */

/* The allocator: frames and boot-mapping addresses handed out so far. */
struct alloc {
	uint64_t pfn;
	uint64_t virt;
};

static uint64_t pages_of(uint64_t bytes)
{
	return (bytes + LAYOUT_PAGE_SIZE - 1) >> LAYOUT_PAGE_SHIFT;
}

/* Take pages frames, mapped at the next boot-mapping addresses. */
static int take(struct alloc *a, struct layout_seg *s, uint64_t pages)
{
	if (pages > (UINT64_MAX - a->virt) >> LAYOUT_PAGE_SHIFT)
		return ts_fail(EINVAL, "the boot mapping would run past the "
			       "top of the address space");
	s->pfn = a->pfn;
	s->pages = pages;
	s->vstart = a->virt;
	a->pfn += pages;
	a->virt += pages << LAYOUT_PAGE_SHIFT;
	s->vend = a->virt;
	return 0;
}

/* Take frames that the boot page tables do not map. */
static void take_unmapped(struct alloc *a, struct layout_seg *s,
			  uint64_t pages)
{
	s->pfn = a->pfn;
	s->pages = pages;
	s->vstart = 0;
	s->vend = 0;
	a->pfn += pages;
}

static int take_page(struct alloc *a, uint64_t *pfn)
{
	struct layout_seg s = { 0 };
	int err = take(a, &s, 1);

	*pfn = s.pfn;
	return err;
}

/* Skip frames up to virtual address va (they stay plain guest memory). */
static int pad_to(struct alloc *a, uint64_t va)
{
	if (va & (LAYOUT_PAGE_SIZE - 1) || va < a->virt)
		return ts_fail(EINVAL, "bad boot mapping boundary %#llx "
			       "(allocated up to %#llx)",
			       (unsigned long long)va,
			       (unsigned long long)a->virt);
	a->pfn += (va - a->virt) >> LAYOUT_PAGE_SHIFT;
	a->virt = va;
	return 0;
}

/*
 * The page tables that map from..to (inclusive) as map m, its tables
 * numbered from first_pfn: the L4 only for the first mapping, and at
 * each lower level the tables not already provided by an earlier map.
 */
static int count_tables(struct layout *l, unsigned int idx, uint64_t from,
			uint64_t to, uint64_t first_pfn)
{
	struct layout_map *m = &l->maps[idx];
	uint64_t n = 0;
	int lv;

	memset(m, 0, sizeof(*m));
	m->area.from = from & VADDR_MASK;
	m->area.to = to & VADDR_MASK;
	if (m->area.from > m->area.to)
		return ts_fail(EINVAL, "mapping %#llx-%#llx wraps",
			       (unsigned long long)from,
			       (unsigned long long)to);
	for (lv = 3; lv >= 0; lv--) {
		struct layout_level *L = &m->lvl[lv];
		unsigned int bits = LAYOUT_PAGE_SHIFT + (unsigned int)(lv + 1) *
				    9;
		uint64_t mask = bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;
		unsigned int e;

		L->pfn = first_pfn + n;
		if (lv == 3) {
			if (idx == 0) {
				L->from = 0;
				L->to = VADDR_MASK;
				L->count = 1;
				n++;
			}
			continue;
		}
		L->from = m->area.from & ~mask;
		L->to = m->area.to | mask;
		for (e = 0; e < idx; e++) {
			const struct layout_level *E = &l->maps[e].lvl[lv];

			if (!E->count)
				continue;
			if (L->from >= E->from && L->to <= E->to) {
				L->from = L->to = 0;
				break;
			}
			if (L->from < E->from && L->to > E->to)
				return ts_fail(EINVAL, "mapping %#llx-%#llx "
					       "straddles another",
					       (unsigned long long)from,
					       (unsigned long long)to);
			if (L->from >= E->from && L->from <= E->to)
				L->from = E->to + 1;
			if (L->to >= E->from && L->to <= E->to)
				L->to = E->from - 1;
		}
		if (L->from < L->to)
			L->count = ((L->to - L->from) >> bits) + 1;
		n += L->count;
	}
	m->pt_pfn = first_pfn;
	m->pt_count = n;
	return 0;
}

/*
 * The guest is too small. The p2m list grows with the memory, so find
 * the least that fits by trying again with what this attempt used.
 */
static int too_small(const struct layout_in *in, struct layout *l)
{
	struct layout_in more = *in;
	struct layout *t = malloc(sizeof(*t));
	uint64_t need = l->pfn_end;
	int i;

	for (i = 0; t && i < 16; i++) {
		more.nr_pages = need;
		if (layout_compute(&more, t) != -ENOMEM)
			break;
		need = t->pfn_end;
	}
	free(t);
	l->min_pages = need;
	return ts_fail(ENOMEM, "the kernel%s, the p2m list and the boot page "
		       "tables need %llu MiB of the guest's memory, and it "
		       "has %llu MiB", in->initrd_len ? ", the initrd" : "",
		       (unsigned long long)layout_needed_mib(l),
		       (unsigned long long)(in->nr_pages >> 8));
}

int layout_compute(const struct layout_in *in, struct layout *l)
{
	struct alloc a;
	uint64_t extra, pages, try_end, p2m_pages;
	struct layout_map *boot;
	int err;

	memset(l, 0, sizeof(*l));
	l->in = *in;
	if (in->nr_pages == 0 || in->nr_pages > (1ull << 40) ||
	    in->virt_kstart < in->virt_base || in->virt_kend < in->virt_kstart ||
	    (in->virt_base | in->virt_kstart) & (LAYOUT_PAGE_SIZE - 1))
		return ts_fail(EINVAL, "bad layout request (memory %llu pages, "
			       "kernel %#llx-%#llx, base %#llx)",
			       (unsigned long long)in->nr_pages,
			       (unsigned long long)in->virt_kstart,
			       (unsigned long long)in->virt_kend,
			       (unsigned long long)in->virt_base);
	/* Like libxenguest: INIT_P2M must lie below the kernel's base. */
	l->p2m_base = in->p2m_base;
	if (l->p2m_base != LAYOUT_UNSET &&
	    (l->p2m_base >= in->virt_base ||
	     l->p2m_base & (LAYOUT_PAGE_SIZE - 1)))
		l->p2m_base = LAYOUT_UNSET;
	p2m_pages = pages_of(in->nr_pages * sizeof(uint64_t));
	l->start_info_pfn = l->store_pfn = l->console_pfn = LAYOUT_UNSET;
	l->bootstack_pfn = LAYOUT_UNSET;

	a.pfn = 0;
	a.virt = in->virt_base;
	err = pad_to(&a, in->virt_kstart);
	if (!err)
		err = take(&a, &l->kernel,
			   pages_of(in->virt_kend - in->virt_kstart));
	l->initrd_unmapped = in->initrd_len && in->initrd_by_pfn;
	if (!err && in->initrd_len && !l->initrd_unmapped) {
		err = take(&a, &l->initrd, pages_of(in->initrd_len));
		l->mod_start = l->initrd.vstart;
		l->mod_len = l->initrd.vend - l->initrd.vstart;
	}
	if (!err && l->p2m_base == LAYOUT_UNSET)
		err = take(&a, &l->p2m, p2m_pages);
	if (!err)
		err = take_page(&a, &l->start_info_pfn);
	if (!err)
		err = take_page(&a, &l->store_pfn);
	if (!err)
		err = take_page(&a, &l->console_pfn);
	if (err)
		return err;

	/*
	 * Boot page tables: enough to map everything so far, themselves,
	 * the stack and 512 KiB more, rounded up to 4 MiB. Their number
	 * depends on the end, so grow the end until it holds.
	 */
	extra = 1 + BOOT_SPARE;
	pages = extra;
	for (;;) {
		if (pages > (UINT64_MAX - a.virt) >> LAYOUT_PAGE_SHIFT)
			return ts_fail(EINVAL, "the boot mapping would run "
				       "past the top of the address space");
		try_end = (a.virt + (pages << LAYOUT_PAGE_SHIFT)) | BOOT_ALIGN;
		err = count_tables(l, 0, in->virt_base, try_end, a.pfn);
		if (err)
			return err;
		pages = l->maps[0].pt_count + extra;
		if (a.virt + (pages << LAYOUT_PAGE_SHIFT) <= try_end + 1)
			break;
	}
	boot = &l->maps[0];
	boot->area.pfn = 0;
	l->nr_maps = 1;
	l->virt_pgtab_end = try_end + 1;
	err = take(&a, &l->pgtables, boot->pt_count);
	if (!err)
		err = take_page(&a, &l->bootstack_pfn);
	if (!err)
		err = pad_to(&a, l->virt_pgtab_end);
	if (err)
		return err;

	if (l->initrd_unmapped) {
		take_unmapped(&a, &l->initrd, pages_of(in->initrd_len));
		l->mod_start = l->initrd.pfn;
		l->mod_len = l->initrd.pages << LAYOUT_PAGE_SHIFT;
	}
	if (l->p2m_base != LAYOUT_UNSET) {
		uint64_t to = l->p2m_base + (p2m_pages << LAYOUT_PAGE_SHIFT) -
			      1;
		struct layout_map *pm = &l->maps[1];
		bool overlap = (l->p2m_base & VADDR_MASK) <=
			       ((l->virt_pgtab_end - 1) & VADDR_MASK) &&
			       (to & VADDR_MASK) >=
			       (in->virt_base & VADDR_MASK);
		int lv;

		if (to < l->p2m_base || overlap)
			return ts_fail(EINVAL, "INIT_P2M %#llx overlaps the "
				       "boot mapping",
				       (unsigned long long)l->p2m_base);
		err = count_tables(l, 1, l->p2m_base, to, a.pfn);
		if (err)
			return err;
		/* Its page tables follow the list itself. */
		pm->area.pfn = a.pfn;
		for (lv = 0; lv < 4; lv++)
			pm->lvl[lv].pfn += p2m_pages;
		pm->pt_pfn += p2m_pages;
		l->nr_maps = 2;
		take_unmapped(&a, &l->p2m, p2m_pages + pm->pt_count);
		l->p2m.vstart = l->p2m_base;
		l->p2m.vend = to + 1;
	}
	l->pfn_end = a.pfn;
	l->min_pages = a.pfn;
	if (l->pfn_end > in->nr_pages)
		return too_small(in, l);
	return 0;
}

static bool is_pt_frame(const struct layout *l, uint64_t pfn)
{
	unsigned int m;

	for (m = 0; m < l->nr_maps; m++)
		if (pfn >= l->maps[m].pt_pfn &&
		    pfn < l->maps[m].pt_pfn + l->maps[m].pt_count)
			return true;
	return false;
}

uint64_t layout_pte(const struct layout *l, unsigned int level, uint64_t pfn,
		    uint64_t mfn)
{
	uint64_t prot;

	if (level > 0)
		prot = PTE_PRESENT | PTE_RW | PTE_ACCESSED | PTE_DIRTY |
		       PTE_USER;
	else if (is_pt_frame(l, pfn))
		prot = PTE_PRESENT | PTE_ACCESSED;	/* Xen insists */
	else
		prot = PTE_PRESENT | PTE_RW | PTE_ACCESSED;
	return (mfn << LAYOUT_PAGE_SHIFT) | prot;
}

int layout_write_pgtables(const struct layout *l, const uint64_t *p2m,
			  uint64_t *(*table)(void *ctx, uint64_t pfn),
			  void *ctx)
{
	unsigned int m, c;
	int lv;

	for (lv = 3; lv >= 0; lv--) {
		unsigned int shift = LAYOUT_PAGE_SHIFT + (unsigned int)lv * 9;

		for (m = 0; m < l->nr_maps; m++) {
			const struct layout_level *T = &l->maps[m].lvl[lv];

			if (!T->count)
				continue;
			for (c = 0; c < l->nr_maps; c++) {
				const struct layout_level *C = lv > 0 ?
					&l->maps[c].lvl[lv - 1] :
					&l->maps[c].area;
				uint64_t s, e, p, p_e, cpfn;

				if (lv > 0 && !C->count)
					continue;
				if (C->from > T->to || C->to < T->from)
					continue;
				s = C->from > T->from ? C->from : T->from;
				e = C->to < T->to ? C->to : T->to;
				p = (s - T->from) >> shift;
				p_e = (e - T->from) >> shift;
				cpfn = C->pfn + ((s - C->from) >> shift);
				if (p_e >= T->count * PT_ENTRIES)
					return ts_fail(EINVAL, "page table "
						       "overrun at level %d",
						       lv + 1);
				for (; p <= p_e; p++, cpfn++) {
					uint64_t *t;

					if (cpfn >= l->in.nr_pages)
						return ts_fail(EINVAL, "frame "
							"%#llx beyond the "
							"guest's memory",
							(unsigned long long)
							cpfn);
					t = table(ctx, T->pfn +
						  p / PT_ENTRIES);
					if (!t)
						return ts_fail(EINVAL, "page "
							"table frame %#llx "
							"not mapped",
							(unsigned long long)
							(T->pfn + p /
							 PT_ENTRIES));
					t[p % PT_ENTRIES] =
						layout_pte(l, (unsigned int)lv,
							   cpfn, p2m[cpfn]);
				}
			}
		}
	}
	return 0;
}
