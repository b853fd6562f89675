// SPDX-License-Identifier: MIT
/*
 * Host test for the memory-safety core: page types and the validation of
 * guest page tables (hypervisor/arch/x86/pv/pagetable.c) on top of the
 * frame table, reference counts and the buddy heap
 * (hypervisor/common/page_alloc.c).
 *
 * Both files are compiled unchanged against a simulated machine
 * (shim/pagetable/): 16 MiB of RAM in a buffer the direct map points
 * into, described by a fake memory map to the real boot_mem_init() and
 * heap_init(), so the frame table, the heap and the frame states are the
 * ones the hypervisor would build. Domains are the fakes of
 * shim/fake_services.c, with the fields these files use.
 *
 * Checked: the boot heap and frame states; buddy allocation, splitting
 * and merging; MEMF_bits limits; max_pages; zeroed frames; get_page's
 * refusals; lent hypervisor pages; the TLB flush before a freed guest
 * frame is reused; validation of a whole 4-level table (references and
 * types on every level, PTE adjustment, the hypervisor L4 slots); every
 * rejection rule, each with all references back afterwards; exclusivity
 * of page-table and writable types and the flush between them; single
 * entry updates at every level; grant PTEs; dom0's device mappings;
 * teardown of a table tree; a domain's release in the order
 * relinquish_resources() uses, back to the heap's starting size.
 *
 * Build (from the top of the tree):
 *   gcc -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
 *       -include tests/unit/shim/host_compiler.h \
 *       -I tests/unit/shim/pagetable -I tests/unit/shim \
 *       -I hypervisor/include -I hypervisor/arch/x86/include \
 *       tests/unit/test_pagetable.c tests/unit/shim/fake_services.c \
 *       tests/unit/shim/pagetable/sim_machine.c \
 *       hypervisor/arch/x86/pv/pagetable.c hypervisor/common/page_alloc.c \
 *       -o test_pagetable
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <tandem/mm.h>
#include <asm/pagetable.h>
#include <asm/paging.h>

#include "check.h"
#include "shim/fake_services.h"
#include "shim/pagetable/sim_machine.h"

/* PTE flags as a guest writes them. */
#define F_UPPER		(PTE_P | PTE_RW)		/* intermediate */
#define F_RW		(PTE_P | PTE_RW | PTE_US)	/* user data */
#define F_RO		(PTE_P | PTE_US)
#define F_KRW		(PTE_P | PTE_RW)		/* kernel data */
#define F_KRO		PTE_P

/* A Linux swap entry: not present, offset stored inverted up to bit 58. */
#define SWAP_PTE	((~0x1234ULL << 14) >> 5)

#define NO_FRAME	(SIM_NR_FRAMES + 7)	/* beyond the frame table */
#define IMAGE_FRAME	(SIM_IMAGE_START / PAGE_SIZE + 3)
#define HOLE_FRAME	(SIM_HOLE_START / PAGE_SIZE + 5)

static struct fake_dom dom0, doma, domb, domc;

/* ---- frames ---- */

static struct page_info *pg(mfn_t m)
{
	return mfn_to_page(m);
}

static pte_t *tab(mfn_t m)
{
	return mfn_to_virt(m);
}

static uint64_t pcount(mfn_t m)
{
	return frame_table[m].count_info & PGC_count_mask;
}

static uint64_t tcount(mfn_t m)
{
	return frame_table[m].type_info & PGT_count_mask;
}

static uint64_t ptype(mfn_t m)
{
	return frame_table[m].type_info & PGT_type_mask;
}

static uint64_t state(mfn_t m)
{
	return frame_table[m].count_info & PGC_state_mask;
}

static bool validated(mfn_t m)
{
	return frame_table[m].type_info & PGT_validated;
}

static mfn_t new_frame(struct fake_dom *f)
{
	struct page_info *p = alloc_domheap_pages(&f->d, 0, 0);

	if (!p) {
		printf("FAIL the simulated machine ran out of memory\n");
		exit(1);
	}
	return page_to_mfn(p);
}

static bool page_is_zero(const void *va)
{
	const unsigned char *b = va;

	for (unsigned long i = 0; i < PAGE_SIZE; i++)
		if (b[i])
			return false;
	return true;
}

static bool frame_is_free(mfn_t m)
{
	return state(m) == PGC_state_free && !frame_table[m].owner;
}

/*
 * Every frame's references, to prove that a refused operation left
 * nothing behind. A frame whose type count is zero may keep its old
 * type (that is no reference), so the type is compared only when used.
 */
struct snapshot {
	uint64_t count_info, type_info;
};

static struct snapshot snap[SIM_NR_FRAMES];	/* for a single step */
static struct snapshot snap_tree[SIM_NR_FRAMES];	/* for a whole test */

static void take_snapshot_in(struct snapshot *snap)
{
	for (mfn_t m = 0; m < max_page; m++) {
		snap[m].count_info = frame_table[m].count_info;
		snap[m].type_info = frame_table[m].type_info;
	}
}

static unsigned int changed_frames_since(const struct snapshot *snap)
{
	unsigned int n = 0;

	for (mfn_t m = 0; m < max_page; m++) {
		uint64_t c = frame_table[m].count_info;
		uint64_t t = frame_table[m].type_info;
		uint64_t tc = t & PGT_count_mask;

		if (c == snap[m].count_info &&
		    (c & PGC_state_mask) == PGC_state_free)
			continue;	/* type_info: the heap's block order */
		if (c == snap[m].count_info &&
		    tc == (snap[m].type_info & PGT_count_mask) &&
		    (!tc || t == snap[m].type_info))
			continue;
		if (n++ < 4)
			printf("# frame %#lx: count_info %#lx -> %#lx, "
			       "type_info %#lx -> %#lx\n", (unsigned long)m,
			       (unsigned long)snap[m].count_info,
			       (unsigned long)c,
			       (unsigned long)snap[m].type_info,
			       (unsigned long)t);
	}
	return n;
}

static void take_snapshot(void)
{
	take_snapshot_in(snap);
}

static unsigned int changed_frames(void)
{
	return changed_frames_since(snap);
}

/* ---- a guest page-table tree ---- */

/*
 *   l4[0], l4[272] -> l3	l3[0] -> l2	l2[0] -> l1a, l2[1] -> l1b
 *   l1a[0] data0 rw user	l1a[1] data1 ro user
 *   l1a[2] data2 rw kernel, global	l1a[3] data3 ro kernel
 *   l1a[4] l1b read-only	l1a[5] data0 rw again
 *   l1b[0] l4 read-only	l1b[1] a swapped-out page (not present)
 * and junk the guest wrote into the hypervisor slots 256-271.
 */
struct tree {
	struct fake_dom *f;
	mfn_t l4, l3, l2, l1a, l1b;
	mfn_t data[4];
};

static void build_tree(struct tree *t, struct fake_dom *f)
{
	t->f = f;
	t->l4 = new_frame(f);
	t->l3 = new_frame(f);
	t->l2 = new_frame(f);
	t->l1a = new_frame(f);
	t->l1b = new_frame(f);
	for (unsigned int i = 0; i < 4; i++)
		t->data[i] = new_frame(f);

	tab(t->l4)[0] = make_pte(t->l3, F_UPPER);
	tab(t->l4)[272] = make_pte(t->l3, F_UPPER);
	for (unsigned int s = HV_SLOT_FIRST; s <= HV_SLOT_LAST; s++)
		tab(t->l4)[s] = make_pte(t->data[0], F_RW);
	tab(t->l3)[0] = make_pte(t->l2, F_UPPER);
	tab(t->l2)[0] = make_pte(t->l1a, F_UPPER);
	tab(t->l2)[1] = make_pte(t->l1b, F_UPPER);
	tab(t->l1a)[0] = make_pte(t->data[0], F_RW);
	tab(t->l1a)[1] = make_pte(t->data[1], F_RO);
	tab(t->l1a)[2] = make_pte(t->data[2], F_KRW | PTE_G);
	tab(t->l1a)[3] = make_pte(t->data[3], F_KRO);
	tab(t->l1a)[4] = make_pte(t->l1b, F_RO);
	tab(t->l1a)[5] = make_pte(t->data[0], F_RW);
	tab(t->l1b)[0] = make_pte(t->l4, F_RO);
	tab(t->l1b)[1] = SWAP_PTE;
}

/* Give the tree's frames back (they must hold no other reference). */
static void free_tree(struct tree *t)
{
	mfn_t all[] = { t->l4, t->l3, t->l2, t->l1a, t->l1b, t->data[0],
			t->data[1], t->data[2], t->data[3] };

	for (unsigned int i = 0; i < ARRAY_SIZE(all); i++)
		release_domheap_page(pg(all[i]));
}

static int validate_l4(struct tree *t)
{
	return get_page_and_type(pg(t->l4), &t->f->d, PGT_l4_page_table);
}

static pte_t perdomain_l4e(struct fake_dom *f)
{
	return make_pte(virt_to_mfn(f->d.arch.perdomain_l3),
			PAGE_TABLE_FLAGS);
}

/* ---- boot, heap ---- */

static void test_boot(void)
{
	unsigned long ft_pages = DIV_ROUND_UP(SIM_NR_FRAMES *
					      sizeof(struct page_info),
					      PAGE_SIZE);
	unsigned long total = heap_total_pages();
	mfn_t ft = virt_to_mfn(frame_table);
	mfn_t mod = SIM_MODULE_START / PAGE_SIZE;
	mfn_t mod_end = SIM_MODULE_END / PAGE_SIZE;
	bool all_free = true;

	CHECK_EQ(max_page, SIM_NR_FRAMES,
		 "boot: the frame table covers RAM up to its top");
	CHECK(ft >= SIM_HOLE_END / PAGE_SIZE &&
	      ft + ft_pages <= SIM_NR_FRAMES,
	      "boot: the frame table was carved out of the highest RAM");
	CHECK_EQ(total, (SIM_HOLE_START - SIM_MODULE_END) / PAGE_SIZE +
		 (SIM_NR_FRAMES - SIM_HOLE_END / PAGE_SIZE) - ft_pages,
		 "boot: the heap holds all free RAM, nothing else");
	CHECK_EQ(heap_free_pages(), total, "boot: all of it free");
	CHECK(state(0) == PGC_state_reserved && state(158) ==
	      PGC_state_reserved, "boot: low memory is reserved");
	CHECK_EQ(state(200), PGC_state_io,
		 "boot: firmware-reserved memory is not RAM");
	CHECK_EQ(state(IMAGE_FRAME), PGC_state_reserved,
		 "boot: the hypervisor image is reserved");
	CHECK_EQ(state(ft), PGC_state_reserved,
		 "boot: the frame table is reserved");
	CHECK(state(HOLE_FRAME) == PGC_state_io && !mfn_is_ram(HOLE_FRAME),
	      "boot: the MMIO hole is device memory");
	CHECK(!mfn_valid(SIM_NR_FRAMES) && !mfn_is_ram(NO_FRAME),
	      "boot: frames above RAM are outside the frame table");
	CHECK(frame_is_free(mod_end) && mfn_is_ram(mod_end),
	      "boot: the first frame after the module is free");

	CHECK_EQ(state(mod), PGC_state_reserved,
		 "boot: the module is reserved until released");
	heap_release_range(SIM_MODULE_START, SIM_MODULE_END);
	for (mfn_t m = mod; m < mod_end; m++)
		all_free = all_free && frame_is_free(m);
	CHECK(all_free && heap_total_pages() == total + (mod_end - mod) &&
	      heap_free_pages() == total + (mod_end - mod),
	      "heap_release_range: the module's frames join the heap");
	heap_release_range(SIM_IMAGE_START - PAGE_SIZE, SIM_IMAGE_START);
	CHECK_EQ(state(SIM_IMAGE_START / PAGE_SIZE - 1), PGC_state_io,
		 "heap_release_range: leaves frames that were never RAM");
}

#define MAX_BLOCKS	SIM_NR_FRAMES

static struct page_info *blocks[MAX_BLOCKS];

static void test_buddy(void)
{
	static const unsigned int orders[] = { 0, 1, 3, 9, 0, 2 };
	unsigned long free0 = heap_free_pages(), expect = free0, n = 0;
	struct page_info *p, *big[3];
	bool ok = true;

	for (unsigned int i = 0; i < ARRAY_SIZE(orders); i++) {
		unsigned int o = orders[i];

		p = alloc_heap_pages(o, 0);
		blocks[i] = p;
		expect -= 1UL << o;
		ok = ok && p && IS_ALIGNED(page_to_mfn(p), 1UL << o) &&
		     heap_free_pages() == expect;
		for (unsigned long k = 0; p && k < (1UL << o); k++)
			ok = ok && p[k].count_info == PGC_state_inuse &&
			     p[k].type_info == PGT_none && !p[k].owner;
	}
	CHECK(ok, "buddy: blocks of several orders, aligned, counted, in use");
	for (unsigned int i = 0; i < ARRAY_SIZE(orders); i++)
		free_heap_pages(blocks[i], orders[i]);
	CHECK_EQ(heap_free_pages(), free0, "buddy: freeing them counts back");
	CHECK(!alloc_heap_pages(MAX_ORDER + 1, 0),
	      "buddy: an order above MAX_ORDER is refused");

	/* Take every frame one by one, then free them out of order. */
	while (n < MAX_BLOCKS && (p = alloc_heap_pages(0, 0)))
		blocks[n++] = p;
	CHECK(n == free0 && heap_free_pages() == 0,
	      "buddy: every free frame can be taken, one at a time");
	CHECK(!alloc_heap_pages(0, 0), "buddy: then the heap is empty");
	ok = true;
	for (unsigned long i = 0; i < n; i++)
		ok = ok && state(page_to_mfn(blocks[i])) == PGC_state_inuse;
	CHECK(ok, "buddy: none of them was handed out twice");
	for (unsigned long i = 1; i < n; i += 2)
		free_heap_pages(blocks[i], 0);
	for (unsigned long i = 0; i < n; i += 2)
		free_heap_pages(blocks[i], 0);
	CHECK_EQ(heap_free_pages(), free0, "buddy: all freed again");

	/* Only merging gives the two 4 MiB blocks back (frames 1024-3071). */
	big[0] = alloc_heap_pages(10, 0);
	big[1] = alloc_heap_pages(10, 0);
	big[2] = alloc_heap_pages(10, 0);
	CHECK(big[0] && big[1] && !big[2] &&
	      IS_ALIGNED(page_to_mfn(big[0]), 1024) &&
	      IS_ALIGNED(page_to_mfn(big[1]), 1024),
	      "buddy: freed buddies merge back into order-10 blocks");
	free_heap_pages(big[0], 10);
	free_heap_pages(big[1], 10);
	CHECK_EQ(heap_free_pages(), free0, "buddy: and the count is right");
}

static void test_memf_bits(void)
{
	unsigned long free0 = heap_free_pages(), below = 0, n = 0;
	mfn_t limit = (1UL << 23) / PAGE_SIZE;	/* 8 MiB */
	struct page_info *p;
	bool ok = true;

	for (mfn_t m = 0; m < limit; m++)
		below += frame_is_free(m);
	while (n < MAX_BLOCKS && (p = alloc_heap_pages(0, MEMF_bits(23))))
		blocks[n++] = p;
	for (unsigned long i = 0; i < n; i++)
		ok = ok && page_to_mfn(blocks[i]) < limit;
	CHECK(ok && n == below,
	      "MEMF_bits(23): every frame below 8 MiB, and only those");
	p = alloc_heap_pages(0, 0);
	CHECK(p && page_to_mfn(p) >= limit,
	      "MEMF_bits(23): ... while frames above remain for others");
	if (p)
		free_heap_pages(p, 0);
	for (unsigned long i = 0; i < n; i++)
		free_heap_pages(blocks[i], 0);

	p = alloc_heap_pages(2, MEMF_bits(22));
	CHECK(p && page_to_mfn(p) + 4 <= (1UL << 22) / PAGE_SIZE,
	      "MEMF_bits(22): an order-2 block ends below 4 MiB");
	if (p)
		free_heap_pages(p, 2);
	CHECK(!alloc_heap_pages(0, MEMF_bits(21)),
	      "MEMF_bits(21): nothing free below 2 MiB, so nothing given");
	CHECK_EQ(heap_free_pages(), free0, "MEMF_bits: heap count unchanged");
}

static void test_domheap(void)
{
	struct fake_dom *f = &domc;
	unsigned long free0 = heap_free_pages(), freed0 = sim_pages_freed;
	struct page_info *p[3], *q;
	unsigned long max0 = f->d.max_pages;
	bool ok = true;
	void *hv;

	f->d.max_pages = f->d.tot_pages + 3;
	p[0] = alloc_domheap_pages(&f->d, 1, 0);
	p[1] = alloc_domheap_pages(&f->d, 1, 0);
	CHECK(p[0] && !p[1] && f->d.tot_pages == 2,
	      "alloc_domheap_pages: an order-1 block fits max_pages, "
	      "a second one does not");
	p[1] = alloc_domheap_pages(&f->d, 0, 0);
	p[2] = alloc_domheap_pages(&f->d, 0, 0);
	CHECK(p[1] && !p[2] && f->d.tot_pages == 3 &&
	      heap_free_pages() == free0 - 3,
	      "alloc_domheap_pages: max_pages is honoured exactly");
	f->d.max_pages = max0;
	if (!p[0] || !p[1])
		return;

	for (unsigned int i = 0; i < 3; i++) {
		struct page_info *x = i < 2 ? &p[0][i] : p[1];
		mfn_t m = page_to_mfn(x);

		ok = ok && x->owner == &f->d &&
		     x->count_info == (PGC_state_inuse | PGC_allocated | 1) &&
		     x->type_info == PGT_none && get_m2p(m) == INVALID_PFN &&
		     page_is_zero(mfn_to_virt(m));
	}
	CHECK(ok, "alloc_domheap_pages: owned, allocated, one reference, "
	      "no type, no M2P entry, zeroed");
	ok = false;
	list_for_each_entry(q, &f->d.page_list, list)
		ok = ok || q == p[1];
	CHECK(ok, "alloc_domheap_pages: the frame is on the domain's list");

	memset(page_to_virt(p[1]), 0x5a, PAGE_SIZE);
	set_m2p(page_to_mfn(p[1]), 42);
	release_domheap_page(p[1]);
	CHECK(frame_is_free(page_to_mfn(p[1])) && f->d.tot_pages == 2 &&
	      heap_free_pages() == free0 - 2 &&
	      get_m2p(page_to_mfn(p[1])) == INVALID_PFN,
	      "release_domheap_page: the last reference frees the frame");
	CHECK(sim_pages_freed == freed0 + 1 && sim_last_freed_domain == &f->d,
	      "release_domheap_page: domain_page_freed() is told");
	p[2] = alloc_domheap_pages(&f->d, 0, 0);
	CHECK(p[2] && page_is_zero(page_to_virt(p[2])),
	      "alloc_domheap_pages: a reused frame is zeroed again");
	hv = alloc_hv_page();
	CHECK(hv && page_is_zero(hv) &&
	      (pg(virt_to_mfn(hv))->count_info & PGC_hv_heap),
	      "alloc_hv_pages: zeroed, marked as the hypervisor's");
	memset(hv, 0x77, PAGE_SIZE);
	free_hv_page(hv);
	hv = alloc_hv_pages(1);
	CHECK(hv && page_is_zero(hv) &&
	      page_is_zero((char *)hv + PAGE_SIZE),
	      "alloc_hv_pages: an order-1 block is zeroed in full");
	free_hv_pages(hv, 1);

	release_domheap_page(p[0]);
	release_domheap_page(p[0] + 1);
	release_domheap_page(p[2]);
	CHECK(f->d.tot_pages == 0 && list_empty(&f->d.page_list) &&
	      heap_free_pages() == free0,
	      "release_domheap_page: the domain owns nothing any more");
}

static void test_get_page(void)
{
	mfn_t a = new_frame(&doma), b = new_frame(&domb);
	void *hv = alloc_hv_page();
	mfn_t h = virt_to_mfn(hv);
	uint64_t ca = frame_table[a].count_info;
	mfn_t free_frame = page_to_mfn(alloc_heap_pages(0, 0));

	free_heap_pages(pg(free_frame), 0);
	CHECK(get_page(pg(a), &doma.d) && pcount(a) == 2,
	      "get_page: own allocated frame");
	put_page(pg(a));
	CHECK(!get_page(pg(b), &doma.d) && pcount(b) == 1,
	      "get_page: refused for another domain's frame");
	CHECK(!get_page(pg(h), &doma.d) && !get_page(pg(h), NULL) &&
	      pcount(h) == 0,
	      "get_page: refused for a hypervisor page nobody was lent");
	CHECK(!get_page(pg(free_frame), NULL) && frame_is_free(free_frame),
	      "get_page: refused for a free frame");
	CHECK(!get_page(pg(HOLE_FRAME), NULL) &&
	      !get_page(pg(IMAGE_FRAME), NULL),
	      "get_page: refused for device memory and reserved frames");

	frame_table[a].count_info = (ca & ~PGC_count_mask) |
				    (PGC_count_mask - 1);
	CHECK(get_page(pg(a), &doma.d) && pcount(a) == PGC_count_mask,
	      "get_page: up to the count limit");
	CHECK(!get_page(pg(a), &doma.d) && pcount(a) == PGC_count_mask,
	      "get_page: refused at the count limit, count unchanged");
	frame_table[a].count_info = ca;

	CHECK(get_page(pg(a), &doma.d), "get_page: a second reference");
	release_domheap_page(pg(a));
	CHECK(pcount(a) == 1 && !(frame_table[a].count_info & PGC_allocated) &&
	      state(a) == PGC_state_inuse,
	      "release_domheap_page: a referenced frame stays, unallocated");
	CHECK(!get_page(pg(a), &doma.d),
	      "get_page: refused once the domain released the frame");
	release_domheap_page(pg(a));
	CHECK_EQ(pcount(a), 1, "release_domheap_page: twice is harmless");
	put_page(pg(a));
	CHECK(frame_is_free(a), "put_page: the last reference frees it");

	frame_table[b].type_info = PGT_writable_page | PGT_validated |
				   PGT_count_mask;
	CHECK_EQ(get_page_type(pg(b), PGT_writable_page), -EOVERFLOW,
		 "get_page_type: refused at the type count limit");
	frame_table[b].type_info = PGT_none;
	release_domheap_page(pg(b));
	free_hv_page(hv);
}

static void test_share_hv_page(void)
{
	unsigned long free0 = heap_free_pages(), freed0 = sim_pages_freed;
	unsigned long tot0 = doma.d.tot_pages;
	void *hv = alloc_hv_page();
	mfn_t h = virt_to_mfn(hv);

	share_hv_page_with_guest(hv, &doma.d);
	CHECK(frame_table[h].owner == &doma.d && pcount(h) == 1 &&
	      (frame_table[h].count_info & PGC_allocated) &&
	      doma.d.tot_pages == tot0,
	      "share_hv_page_with_guest: owned by the guest, one reference, "
	      "not counted in its memory");
	CHECK(get_page(pg(h), &doma.d) && pcount(h) == 2,
	      "share_hv_page_with_guest: the guest can map it");
	release_domheap_page(pg(h));
	CHECK(pcount(h) == 1 && !frame_table[h].owner &&
	      state(h) == PGC_state_inuse && heap_free_pages() == free0 - 1,
	      "release: a mapped lent page lives on, owned by nobody");
	CHECK(!get_page(pg(h), &doma.d),
	      "release: the guest cannot take new references");
	put_page(pg(h));
	CHECK(frame_is_free(h) && heap_free_pages() == free0,
	      "release: the last reference frees the page");
	CHECK_EQ(sim_pages_freed, freed0,
		 "release: a lent page is not the domain's memory");

	hv = alloc_hv_page();
	h = virt_to_mfn(hv);
	share_hv_page_with_guest(hv, &doma.d);
	release_domheap_page(pg(h));
	CHECK(frame_is_free(h) && heap_free_pages() == free0,
	      "release: an unmapped lent page is freed at once");
}

static void test_flush_before_reuse(void)
{
	mfn_t m = new_frame(&doma);
	unsigned long f0;
	struct page_info *p, *q;
	void *hv;

	/* Start clean: a pending flush from earlier tests happens now. */
	free_heap_pages(alloc_heap_pages(0, 0), 0);
	f0 = sim_tlb_flushes;
	free_heap_pages(alloc_heap_pages(0, 0), 0);
	CHECK_EQ(sim_tlb_flushes, f0,
		 "flush before reuse: none while no guest frame was freed");
	release_domheap_page(pg(m));
	p = alloc_heap_pages(0, 0);
	CHECK_EQ(sim_tlb_flushes, f0 + 1,
		 "flush before reuse: the allocation after a guest frame "
		 "was freed flushes first");
	q = alloc_heap_pages(0, 0);
	CHECK_EQ(sim_tlb_flushes, f0 + 1, "flush before reuse: only once");
	free_heap_pages(p, 0);
	free_heap_pages(q, 0);

	hv = alloc_hv_page();
	share_hv_page_with_guest(hv, &doma.d);
	release_domheap_page(pg(virt_to_mfn(hv)));
	f0 = sim_tlb_flushes;
	hv = alloc_hv_page();
	CHECK_EQ(sim_tlb_flushes, f0 + 1,
		 "flush before reuse: also after a lent page was freed");
	free_hv_page(hv);
}

/* ---- validation ---- */

static void test_validate_tree(void)
{
	struct tree t;
	pte_t *l4, *l1a, *l1b;
	unsigned long inits;
	bool ok = true;
	int rc;

	build_tree(&t, &doma);
	l4 = tab(t.l4);
	l1a = tab(t.l1a);
	l1b = tab(t.l1b);
	take_snapshot();
	inits = sim_hv_l4_inits;
	rc = validate_l4(&t);
	CHECK_EQ(rc, 0, "validate: a 4-level table of the domain's frames");

	CHECK(ptype(t.l4) == PGT_l4_page_table && tcount(t.l4) == 1 &&
	      validated(t.l4) && pcount(t.l4) == 3,
	      "validate: L4 typed once; referenced by its owner, the caller "
	      "and l1b's read-only mapping");
	CHECK(ptype(t.l3) == PGT_l3_page_table && tcount(t.l3) == 2 &&
	      validated(t.l3) && pcount(t.l3) == 3,
	      "validate: L3 typed and referenced by both L4 entries");
	CHECK(ptype(t.l2) == PGT_l2_page_table && tcount(t.l2) == 1 &&
	      validated(t.l2) && pcount(t.l2) == 2, "validate: L2 typed");
	CHECK(ptype(t.l1a) == PGT_l1_page_table && tcount(t.l1a) == 1 &&
	      pcount(t.l1a) == 2 && ptype(t.l1b) == PGT_l1_page_table &&
	      tcount(t.l1b) == 1 && pcount(t.l1b) == 3,
	      "validate: both L1s typed; l1b also mapped read-only");
	CHECK(ptype(t.data[0]) == PGT_writable_page && tcount(t.data[0]) == 2 &&
	      pcount(t.data[0]) == 3,
	      "validate: data0 mapped writable twice: two writable types");
	CHECK(tcount(t.data[1]) == 0 && pcount(t.data[1]) == 2 &&
	      tcount(t.data[3]) == 0 && pcount(t.data[3]) == 2,
	      "validate: read-only mappings take a reference, no type");
	CHECK(ptype(t.data[2]) == PGT_writable_page &&
	      tcount(t.data[2]) == 1 && pcount(t.data[2]) == 2,
	      "validate: a writable kernel mapping takes a writable type");

	CHECK(l4[0] == make_pte(t.l3, F_UPPER | PTE_US | PTE_A) &&
	      l4[272] == l4[0] &&
	      tab(t.l3)[0] == make_pte(t.l2, F_UPPER | PTE_US | PTE_A) &&
	      tab(t.l2)[0] == make_pte(t.l1a, F_UPPER | PTE_US | PTE_A) &&
	      tab(t.l2)[1] == make_pte(t.l1b, F_UPPER | PTE_US | PTE_A),
	      "validate: U (and A) set on every upper-level entry");
	CHECK(l1a[0] == make_pte(t.data[0], F_RW) &&
	      l1a[1] == make_pte(t.data[1], F_RO),
	      "validate: user leaves left as they are");
	CHECK_EQ(l1a[2], make_pte(t.data[2], F_KRW | PTE_US |
				  PTE_GUEST_KERNEL),
		 "validate: a kernel leaf becomes user + PTE_GUEST_KERNEL, "
		 "and loses G");
	CHECK_EQ(l1a[3], make_pte(t.data[3], F_KRO | PTE_US |
				  PTE_GUEST_KERNEL),
		 "validate: a read-only kernel leaf is tagged too");
	CHECK_EQ(l1b[1], SWAP_PTE, "validate: a non-present entry is kept");

	for (unsigned int s = HV_SLOT_FIRST; s <= HV_SLOT_LAST; s++)
		ok = ok && l4[s] == (s == PERDOMAIN_SLOT ?
				     perdomain_l4e(&doma) : SIM_HV_L4E(s));
	CHECK(ok && sim_hv_l4_inits == inits + 1,
	      "validate: slots 256-271 hold the hypervisor's entries and the "
	      "domain's per-domain L3");
	CHECK(l4[255] == 0 && l4[273] == 0,
	      "validate: the guest slots around them are untouched");

	/* Teardown: the last type reference lets go of everything. */
	if (rc)
		return;
	put_page_and_type(pg(t.l4));
	CHECK_EQ(changed_frames(), 0,
		 "teardown: dropping the L4's last type reference releases "
		 "the whole tree");
	CHECK(!validated(t.l4) && !validated(t.l3) && !validated(t.l2) &&
	      !validated(t.l1a) && !validated(t.l1b),
	      "teardown: no frame of it is a validated table any more");
	CHECK_EQ(validate_l4(&t), 0, "teardown: the tree validates again");
	CHECK(l4[0] == make_pte(t.l3, F_UPPER | PTE_US | PTE_A) &&
	      tcount(t.l3) == 2 && pcount(t.data[0]) == 3,
	      "teardown: ... with the same references");
	put_page_and_type(pg(t.l4));
	CHECK_EQ(changed_frames(), 0, "teardown: released again");
	free_tree(&t);
}

/* Frames of a tree, and others, that a spoilt entry may name. */
enum frame {
	T_L4, T_L3, T_L2, T_L1A, T_L1B, T_DATA0, T_DATA1,
	T_FOREIGN,	/* domb's */
	T_OTHER_L1,	/* doma's, already a validated L1 */
	T_OTHER_L4,	/* doma's, another validated L4 */
	T_BEYOND,	/* beyond the frame table */
	T_HOLE,		/* device memory */
	T_IMAGE,	/* the hypervisor image */
	T_HV,		/* a hypervisor heap page: doma's per-domain L3 */
	T_FREED,	/* a frame doma released */
};

static mfn_t foreign_frame, other_l1, other_l4;

static mfn_t frame_of(const struct tree *t, enum frame f)
{
	mfn_t m;

	switch (f) {
	case T_L4:
		return t->l4;
	case T_L3:
		return t->l3;
	case T_L2:
		return t->l2;
	case T_L1A:
		return t->l1a;
	case T_L1B:
		return t->l1b;
	case T_DATA0:
		return t->data[0];
	case T_DATA1:
		return t->data[1];
	case T_FOREIGN:
		return foreign_frame;
	case T_OTHER_L1:
		return other_l1;
	case T_OTHER_L4:
		return other_l4;
	case T_BEYOND:
		return NO_FRAME;
	case T_HOLE:
		return HOLE_FRAME;
	case T_IMAGE:
		return IMAGE_FRAME;
	case T_HV:
		return virt_to_mfn(doma.d.arch.perdomain_l3);
	case T_FREED:
		m = new_frame(&doma);
		release_domheap_page(pg(m));
		return m;
	}
	BUG();
}

/* One entry that spoils the standard tree, and what validation says. */
static const struct refusal {
	enum frame table;
	unsigned int idx;
	enum frame to;
	uint64_t flags;
	int rc;
	const char *what;
} refusals[] = {
	{ T_L1B, 9, T_DATA1, F_RO, 0,
	  "(control) a harmless entry in the same place" },
	{ T_L1B, 9, T_FOREIGN, F_RO, -EPERM,
	  "a read-only leaf to another domain's frame" },
	{ T_L1B, 9, T_FOREIGN, F_RW, -EPERM,
	  "a writable leaf to another domain's frame" },
	{ T_L1B, 9, T_L2, F_RW, -EBUSY, "a writable mapping of its own L2" },
	{ T_L1B, 9, T_L1B, F_KRW, -EBUSY, "an L1 mapping itself writable" },
	{ T_L1B, 9, T_L4, F_RW, -EBUSY, "a writable mapping of its own L4" },
	{ T_L1A, 9, T_L1B, F_RW, -EBUSY,
	  "a writable mapping of an L1 checked later" },
	{ T_L2, 2, T_DATA1, F_UPPER | PTE_PS, -EINVAL,
	  "an L2 superpage (PS)" },
	{ T_L3, 1, T_DATA1, F_UPPER | PTE_PS, -EINVAL,
	  "an L3 superpage (PS)" },
	{ T_L1B, 9, T_DATA1, F_RO | PTE_GRANT, -EINVAL,
	  "PTE_GRANT in a guest leaf" },
	{ T_L2, 2, T_OTHER_L1, F_UPPER | PTE_GRANT, -EINVAL,
	  "PTE_GRANT in an L2 entry" },
	{ T_L3, 1, T_DATA1, F_UPPER | PTE_G, -EINVAL, "G in an L3 entry" },
	{ T_L4, 5, T_L4, F_UPPER, -EBUSY, "an L4 entry to the L4 (recursive)" },
	{ T_L3, 1, T_L4, F_UPPER, -EBUSY, "an L3 entry to its own L4" },
	{ T_L3, 1, T_OTHER_L4, F_UPPER, -EBUSY,
	  "an L3 entry to another validated L4" },
	{ T_L2, 2, T_L3, F_UPPER, -EBUSY, "an L2 entry to its parent L3" },
	{ T_L3, 1, T_OTHER_L1, F_UPPER, -EBUSY,
	  "an L3 entry to a frame that is already an L1" },
	{ T_L2, 2, T_L1A, F_UPPER, 0,
	  "(control) a second L2 entry to the same L1" },
	{ T_L3, 1, T_L1A, F_UPPER, -EBUSY,
	  "an L3 entry to an L1 of the same tree" },
	{ T_L2, 2, T_DATA0, F_UPPER, -EBUSY,
	  "an L2 entry to a frame mapped writable" },
	{ T_L1B, 9, T_BEYOND, F_RO, -EPERM,
	  "a domU leaf beyond the frame table" },
	{ T_L3, 1, T_BEYOND, F_UPPER, -EINVAL,
	  "an L3 entry beyond the frame table" },
	{ T_L1B, 9, T_HOLE, F_RW, -EPERM, "a domU leaf to device memory" },
	{ T_L2, 2, T_HOLE, F_UPPER, -EPERM, "an L2 entry to device memory" },
	{ T_L1B, 9, T_IMAGE, F_RO, -EPERM, "a leaf to the hypervisor image" },
	{ T_L1B, 9, T_HV, F_RO, -EPERM,
	  "a leaf to a hypervisor heap page (per-domain L3)" },
	{ T_L1B, 9, T_FREED, F_RO, -EPERM, "a leaf to a freed frame" },
};

/*
 * Build a tree, spoil one entry and validate: the validation must give
 * r->rc, and a refused one must leave every frame's references as they
 * were.
 */
static void check_refusal(const struct refusal *r)
{
	struct tree t;
	int rc;

	build_tree(&t, &doma);
	tab(frame_of(&t, r->table))[r->idx] = make_pte(frame_of(&t, r->to),
						       r->flags);
	take_snapshot();
	rc = validate_l4(&t);
	CHECK_EQ(rc, r->rc, "refused: %s", r->what);
	if (!rc)
		put_page_and_type(pg(t.l4));
	CHECK_EQ(changed_frames(), 0, "refused: %s: nothing leaked",
		 r->what);
	free_tree(&t);
}

static void test_rejections(void)
{
	struct tree o;

	foreign_frame = new_frame(&domb);
	other_l1 = new_frame(&doma);
	build_tree(&o, &doma);
	other_l4 = o.l4;
	if (get_page_and_type(pg(other_l1), &doma.d, PGT_l1_page_table) ||
	    validate_l4(&o)) {
		CHECK(false, "refused: setting up the other tables");
		return;
	}

	for (unsigned int i = 0; i < ARRAY_SIZE(refusals); i++)
		check_refusal(&refusals[i]);

	CHECK(tcount(other_l1) == 1 && tcount(other_l4) == 1,
	      "refused: the other tables keep their one type use");
	put_page_and_type(pg(other_l1));
	put_page_and_type(pg(o.l4));
	free_tree(&o);
	release_domheap_page(pg(other_l1));
	release_domheap_page(pg(foreign_frame));
}

static void test_type_exclusivity(void)
{
	struct tree t;
	mfn_t x = new_frame(&doma), y = new_frame(&doma);
	unsigned long f0;

	build_tree(&t, &doma);
	if (validate_l4(&t)) {
		CHECK(false, "exclusivity: the tree validates");
		return;
	}

	CHECK_EQ(mod_pt_entry(pg(t.l1a), 1, 30, make_pte(x, F_RW), &doma.d,
			      false), 0, "exclusivity: map x writable");
	take_snapshot();
	CHECK_EQ(get_page_and_type(pg(x), &doma.d, PGT_l1_page_table), -EBUSY,
		 "exclusivity: a frame mapped writable cannot become an L1");
	CHECK_EQ(changed_frames(), 0, "exclusivity: ... nothing changed");
	CHECK_EQ(mod_pt_entry(pg(t.l1a), 1, 30, 0, &doma.d, false), 0,
		 "exclusivity: unmap x");
	CHECK(ptype(x) == PGT_writable_page && tcount(x) == 0,
	      "exclusivity: x is unused writable memory now");

	f0 = sim_tlb_flushes;
	CHECK_EQ(get_page_and_type(pg(x), &doma.d, PGT_l1_page_table), 0,
		 "exclusivity: an unused writable frame becomes an L1");
	CHECK_EQ(sim_tlb_flushes, f0 + 1,
		 "exclusivity: ... after flushing stale writable TLB entries");
	f0 = sim_tlb_flushes;
	CHECK_EQ(get_page_and_type(pg(y), &doma.d, PGT_l1_page_table), 0,
		 "exclusivity: a never-written frame becomes an L1");
	CHECK_EQ(sim_tlb_flushes, f0, "exclusivity: ... with no flush");

	take_snapshot();
	CHECK_EQ(mod_pt_entry(pg(t.l1a), 1, 31, make_pte(x, F_RW), &doma.d,
			      false), -EBUSY,
		 "exclusivity: a page table cannot be mapped writable");
	CHECK_EQ(mod_pt_entry(pg(t.l1a), 1, 31, make_pte(x, F_KRW), &doma.d,
			      false), -EBUSY,
		 "exclusivity: ... not by the kernel either");
	CHECK_EQ(get_page_and_type(pg(x), &doma.d, PGT_writable_page),
		 -EBUSY, "exclusivity: nor typed writable directly");
	CHECK_EQ(get_page_and_type(pg(x), &doma.d, PGT_l2_page_table),
		 -EBUSY, "exclusivity: nor used as another level");
	CHECK(tab(t.l1a)[31] == 0 && changed_frames() == 0,
	      "exclusivity: ... nothing changed");
	CHECK_EQ(mod_pt_entry(pg(t.l1a), 1, 31, make_pte(x, F_RO), &doma.d,
			      false), 0,
		 "exclusivity: a page table may be mapped read-only");
	CHECK_EQ(mod_pt_entry(pg(t.l1a), 1, 31, 0, &doma.d, false), 0,
		 "exclusivity: unmap it");

	put_page_and_type(pg(x));
	put_page_and_type(pg(y));
	CHECK(tcount(x) == 0 && pcount(x) == 1 && tcount(y) == 0,
	      "exclusivity: the L1s go unused");
	CHECK_EQ(mod_pt_entry(pg(t.l1a), 1, 31, make_pte(x, F_RW), &doma.d,
			      false), 0,
		 "exclusivity: an unused former table can be written again");
	CHECK_EQ(mod_pt_entry(pg(t.l1a), 1, 31, 0, &doma.d, false), 0,
		 "exclusivity: unmap it");

	sim_descriptor_rc = -EINVAL;
	f0 = sim_descriptor_checks;
	CHECK_EQ(get_page_and_type(pg(x), &doma.d, PGT_seg_desc_page),
		 -EINVAL, "exclusivity: a bad descriptor page is refused");
	CHECK(sim_descriptor_checks == f0 + 1 && tcount(x) == 0 &&
	      pcount(x) == 1, "exclusivity: ... after checking it");
	sim_descriptor_rc = 0;
	CHECK_EQ(get_page_and_type(pg(x), &doma.d, PGT_seg_desc_page), 0,
		 "exclusivity: a good descriptor page is typed");
	CHECK_EQ(mod_pt_entry(pg(t.l1a), 1, 31, make_pte(x, F_RW), &doma.d,
			      false), -EBUSY,
		 "exclusivity: a descriptor page cannot be mapped writable");
	put_page_and_type(pg(x));

	put_page_and_type(pg(t.l4));
	free_tree(&t);
	release_domheap_page(pg(x));
	release_domheap_page(pg(y));
}

/* ---- single-entry updates ---- */

static void test_mod_l1(struct tree *t)
{
	struct page_info *l1 = pg(t->l1a);
	pte_t *e = tab(t->l1a);
	mfn_t d0 = t->data[0], d1 = t->data[1], fb = foreign_frame;
	uint64_t p0 = pcount(d0), t0 = tcount(d0), p1 = pcount(d1);

	CHECK_EQ(mod_pt_entry(l1, 1, 10, make_pte(d0, F_RW), &doma.d, false),
		 0, "mod L1: map a frame writable");
	CHECK(pcount(d0) == p0 + 1 && tcount(d0) == t0 + 1,
	      "mod L1: ... a page and a writable type reference taken");
	CHECK_EQ(mod_pt_entry(l1, 1, 10, make_pte(d1, F_RO), &doma.d, false),
		 0, "mod L1: point the entry at another frame");
	CHECK(pcount(d0) == p0 && tcount(d0) == t0 && pcount(d1) == p1 + 1 &&
	      tcount(d1) == 0,
	      "mod L1: ... the old frame's references dropped, the new taken");
	CHECK_EQ(mod_pt_entry(l1, 1, 10, make_pte(d1, F_RO | PTE_NX), &doma.d,
			      false), 0, "mod L1: same frame, new flags");
	CHECK(e[10] == make_pte(d1, F_RO | PTE_NX) && pcount(d1) == p1 + 1,
	      "mod L1: ... written, references unchanged");
	CHECK_EQ(mod_pt_entry(l1, 1, 10, make_pte(d1, F_RW), &doma.d, false),
		 0, "mod L1: same frame, now writable");
	CHECK(pcount(d1) == p1 + 1 && tcount(d1) == 1,
	      "mod L1: ... one page reference, plus a writable type");
	CHECK_EQ(mod_pt_entry(l1, 1, 10, make_pte(d1, F_RW | PTE_GRANT),
			      &doma.d, false), -EINVAL,
		 "mod L1: PTE_GRANT from the guest refused (same frame)");
	CHECK_EQ(e[10], make_pte(d1, F_RW), "mod L1: ... entry unchanged");

	/* preserve_ad: keep the A and D bits the CPU set, as Xen does. */
	e[10] |= PTE_A | PTE_D;
	CHECK_EQ(mod_pt_entry(l1, 1, 10, make_pte(d1, F_RW), &doma.d, true),
		 0, "mod L1: preserve_ad update");
	CHECK_EQ(e[10], make_pte(d1, F_RW | PTE_A | PTE_D),
		 "mod L1: preserve_ad keeps A and D");
	CHECK_EQ(mod_pt_entry(l1, 1, 10, make_pte(d1, F_RW), &doma.d, false),
		 0, "mod L1: update without preserve_ad");
	CHECK_EQ(e[10], make_pte(d1, F_RW), "mod L1: ... A and D as given");
	e[10] |= PTE_A | PTE_D;
	CHECK_EQ(mod_pt_entry(l1, 1, 10, make_pte(d0, F_RO), &doma.d, true),
		 0, "mod L1: preserve_ad to another frame");
	CHECK_EQ(e[10], make_pte(d0, F_RO | PTE_A | PTE_D),
		 "mod L1: ... carries A and D over too");
	CHECK(pcount(d1) == p1 && tcount(d1) == 0 && pcount(d0) == p0 + 1,
	      "mod L1: ... references moved");
	CHECK_EQ(mod_pt_entry(l1, 1, 10, make_pte(d0, F_RO), &doma.d, false),
		 0, "mod L1: clear A and D");
	e[11] = PTE_A | PTE_D;		/* junk in a non-present entry */
	CHECK_EQ(mod_pt_entry(l1, 1, 11, 0, &doma.d, true), 0,
		 "mod L1: preserve_ad with a non-present entry");
	CHECK_EQ(e[11], 0, "mod L1: ... adds nothing to it");

	CHECK_EQ(mod_pt_entry(l1, 1, 11, make_pte(d1, F_KRW | PTE_G),
			      &doma.d, false), 0, "mod L1: a kernel mapping");
	CHECK_EQ(e[11], make_pte(d1, F_KRW | PTE_US | PTE_GUEST_KERNEL),
		 "mod L1: ... tagged PTE_GUEST_KERNEL, U set, G dropped");
	CHECK_EQ(mod_pt_entry(l1, 1, 11, 0, &doma.d, false), 0,
		 "mod L1: clear it");
	CHECK(pcount(d1) == p1 && tcount(d1) == 0,
	      "mod L1: ... references dropped");

	take_snapshot();
	CHECK_EQ(mod_pt_entry(l1, 1, 12, make_pte(fb, F_RO), &doma.d, false),
		 -EPERM, "mod L1: another domain's frame refused");
	CHECK_EQ(mod_pt_entry(l1, 1, 12, make_pte(d0, F_RO | PTE_GRANT),
			      &doma.d, false), -EINVAL,
		 "mod L1: PTE_GRANT from the guest refused");
	CHECK_EQ(mod_pt_entry(l1, 1, 10, make_pte(NO_FRAME, F_RO), &doma.d,
			      false), -EPERM,
		 "mod L1: a frame beyond the frame table refused");
	CHECK_EQ(mod_pt_entry(l1, 1, 512, 0, &doma.d, false), -EINVAL,
		 "mod L1: index 512 refused");
	CHECK(e[10] == make_pte(d0, F_RO) && e[12] == 0 &&
	      changed_frames() == 0, "mod L1: refusals change nothing");
	CHECK_EQ(mod_pt_entry(l1, 1, 12, make_pte(fb, F_RO), &domb.d, false),
		 0, "mod L1: a foreign frame with its owner as pg_owner");
	CHECK_EQ(pcount(fb), 2, "mod L1: ... referenced");
	CHECK_EQ(mod_pt_entry(l1, 1, 12, 0, &doma.d, false), 0,
		 "mod L1: unmap the foreign frame");
	CHECK_EQ(pcount(fb), 1, "mod L1: ... reference dropped");

	/* Linux keeps swap and migration entries in non-present PTEs. */
	CHECK_EQ(mod_pt_entry(l1, 1, 10, SWAP_PTE, &doma.d, false), 0,
		 "mod L1: a swap entry (not present, high bits set)");
	CHECK(e[10] == SWAP_PTE && pcount(d0) == p0,
	      "mod L1: ... stored as is, the old frame released");
	CHECK_EQ(mod_pt_entry(l1, 1, 10, make_pte(d0, F_RW), &doma.d, false),
		 0, "mod L1: a swap entry can be replaced (swap-in)");
	CHECK_EQ(mod_pt_entry(pg(t->l1b), 1, 1, make_pte(d1, F_RO), &doma.d,
			      false), 0,
		 "mod L1: ... also one that was there at validation");
	CHECK_EQ(mod_pt_entry(l1, 1, 10, 0, &doma.d, false), 0,
		 "mod L1: clear the entry");
	CHECK_EQ(mod_pt_entry(pg(t->l1b), 1, 1, 0, &doma.d, false), 0,
		 "mod L1: clear the other");
	CHECK(pcount(d0) == p0 && tcount(d0) == t0 && pcount(d1) == p1,
	      "mod L1: every reference back");
}

static void test_mod_upper(struct tree *t)
{
	mfn_t n1 = new_frame(&doma), n2 = new_frame(&doma);
	mfn_t n3 = new_frame(&doma), d1 = t->data[1];
	struct page_info *l2 = pg(t->l2), *l4 = pg(t->l4);
	uint64_t p1 = pcount(d1), pl1a = pcount(t->l1a);
	unsigned int refused = 0;

	tab(n1)[0] = make_pte(d1, F_RO);
	CHECK_EQ(mod_pt_entry(l2, 2, 2, make_pte(n1, F_UPPER), &doma.d,
			      false), 0, "mod L2: hook in a new L1");
	CHECK(ptype(n1) == PGT_l1_page_table && validated(n1) &&
	      tcount(n1) == 1 && pcount(n1) == 2 && pcount(d1) == p1 + 1,
	      "mod L2: ... validated, typed, and its entries referenced");
	CHECK_EQ(tab(t->l2)[2], make_pte(n1, F_UPPER | PTE_US | PTE_A),
		 "mod L2: ... entry adjusted (U, A)");
	CHECK_EQ(mod_pt_entry(l2, 2, 2, make_pte(n2, F_UPPER), &doma.d,
			      false), 0, "mod L2: point it at another L1");
	CHECK(tcount(n1) == 0 && !validated(n1) && pcount(n1) == 1 &&
	      pcount(d1) == p1 && tcount(n2) == 1 && pcount(n2) == 2,
	      "mod L2: ... the old L1 released with its entries");
	CHECK_EQ(mod_pt_entry(l2, 2, 0, make_pte(t->l1a, PTE_P), &doma.d,
			      false), 0, "mod L2: same L1, read-only now");
	CHECK(tab(t->l2)[0] == make_pte(t->l1a, PTE_P | PTE_US | PTE_A) &&
	      tcount(t->l1a) == 1 && pcount(t->l1a) == pl1a,
	      "mod L2: ... written, references unchanged");
	CHECK_EQ(mod_pt_entry(l2, 2, 0, make_pte(t->l1a, F_UPPER), &doma.d,
			      false), 0, "mod L2: and writable again");

	take_snapshot();
	CHECK_EQ(mod_pt_entry(l2, 2, 3, make_pte(d1, F_UPPER | PTE_PS),
			      &doma.d, false), -EINVAL,
		 "mod L2: a superpage refused");
	CHECK_EQ(mod_pt_entry(l2, 2, 2, make_pte(n2, F_UPPER | PTE_PS),
			      &doma.d, false), -EINVAL,
		 "mod L2: PS on the same L1 refused");
	CHECK_EQ(mod_pt_entry(l2, 2, 3, make_pte(t->l3, F_UPPER), &doma.d,
			      false), -EBUSY, "mod L2: its parent L3 refused");
	CHECK_EQ(mod_pt_entry(l2, 2, 3, make_pte(t->l2, F_UPPER), &doma.d,
			      false), -EBUSY, "mod L2: itself refused");
	CHECK_EQ(mod_pt_entry(l2, 2, 3, make_pte(foreign_frame, F_UPPER),
			      &domb.d, false), -EPERM,
		 "mod L2: another domain's frame refused, whatever pg_owner");
	CHECK_EQ(mod_pt_entry(pg(t->l3), 3, 1, make_pte(n3, F_UPPER |
							 PTE_PS),
			      &doma.d, false), -EINVAL,
		 "mod L3: a superpage refused");
	CHECK_EQ(mod_pt_entry(l4, 4, 1, make_pte(t->l4, F_UPPER), &doma.d,
			      false), -EBUSY, "mod L4: the L4 itself refused");
	CHECK_EQ(mod_pt_entry(l4, 4, 1, make_pte(NO_FRAME, F_UPPER), &doma.d,
			      false), -EINVAL,
		 "mod L4: beyond the frame table refused");
	for (unsigned int s = HV_SLOT_FIRST; s <= HV_SLOT_LAST; s++) {
		refused += mod_pt_entry(l4, 4, s, 0, &doma.d, false) ==
			   -EINVAL;
		refused += mod_pt_entry(l4, 4, s, make_pte(n3, F_UPPER),
					&doma.d, false) == -EINVAL;
	}
	CHECK(refused == 2 * (HV_SLOT_LAST - HV_SLOT_FIRST + 1) &&
	      tab(t->l4)[HV_SLOT_FIRST] == SIM_HV_L4E(HV_SLOT_FIRST) &&
	      tab(t->l4)[PERDOMAIN_SLOT] == perdomain_l4e(&doma),
	      "mod L4: the hypervisor slots 256-271 are refused");
	CHECK_EQ(mod_pt_entry(l4, 4, 512, 0, &doma.d, false), -EINVAL,
		 "mod L4: index 512 refused");
	CHECK_EQ(changed_frames(), 0, "mod upper: refusals change nothing");

	CHECK_EQ(mod_pt_entry(l4, 4, 273, make_pte(n3, F_UPPER), &doma.d,
			      false), 0, "mod L4: a new, empty L3");
	CHECK(ptype(n3) == PGT_l3_page_table && tcount(n3) == 1,
	      "mod L4: ... validated");
	CHECK_EQ(mod_pt_entry(l4, 4, 273, 0, &doma.d, false), 0,
		 "mod L4: and gone again");
	CHECK_EQ(mod_pt_entry(l2, 2, 2, 0, &doma.d, false), 0,
		 "mod L2: unhook the new L1");
	CHECK(tcount(n2) == 0 && pcount(n2) == 1 && tcount(n3) == 0 &&
	      pcount(n3) == 1, "mod upper: every reference back");
	release_domheap_page(pg(n1));
	release_domheap_page(pg(n2));
	release_domheap_page(pg(n3));
}

/* What pv_create_grant_mapping() does: references, then the PTE. */
static void grant_map(mfn_t l1, unsigned int idx, mfn_t frame,
		      struct domain *granter)
{
	if (!get_page(pg(frame), granter) ||
	    get_page_type(pg(frame), PGT_writable_page)) {
		CHECK(false, "grant: references for the grant map");
		return;
	}
	pt_replace_entry(pg(l1), idx, make_pte(frame, PTE_P | PTE_RW |
					       PTE_US | PTE_A | PTE_D |
					       PTE_NX | PTE_GRANT));
}

static void test_grant_ptes(struct tree *t)
{
	mfn_t d0 = t->data[0], fb = foreign_frame;
	uint64_t p0 = pcount(d0), t0 = tcount(d0);
	pte_t *e = tab(t->l1a);
	pte_t g;

	if (mod_pt_entry(pg(t->l1a), 1, 20, make_pte(d0, F_RW), &doma.d,
			 false))
		CHECK(false, "grant: map data0 first");
	grant_map(t->l1a, 20, fb, &domb.d);
	g = e[20];
	CHECK(pte_mfn(g) == fb && (g & PTE_GRANT) && pcount(d0) == p0 &&
	      tcount(d0) == t0,
	      "pt_replace_entry: the grant PTE replaces the old entry, whose "
	      "references are dropped");
	CHECK(pcount(fb) == 2 && tcount(fb) == 1,
	      "pt_replace_entry: the grant's references stay with the PTE");
	CHECK_EQ(mod_pt_entry(pg(t->l1a), 1, 20, make_pte(d0, F_RW), &doma.d,
			      false), -EBUSY,
		 "mod L1: a grant PTE cannot be changed");
	CHECK_EQ(mod_pt_entry(pg(t->l1a), 1, 20, 0, &doma.d, false), -EBUSY,
		 "mod L1: nor cleared");
	CHECK_EQ(mod_pt_entry(pg(t->l1a), 1, 20, g, &doma.d, true), -EBUSY,
		 "mod L1: nor rewritten as it is");
	CHECK(e[20] == g && pcount(fb) == 2 && tcount(fb) == 1 &&
	      pcount(d0) == p0, "mod L1: ... nothing changed");
	pt_replace_entry(pg(t->l1a), 20, 0);
	CHECK(e[20] == 0 && pcount(fb) == 1 && tcount(fb) == 0,
	      "pt_replace_entry: removing the grant PTE drops its references");

	/* A grant PTE still present at teardown is released with it. */
	grant_map(t->l1a, 21, fb, &domb.d);
}

static void test_mod_pt_entry(void)
{
	struct tree t;

	foreign_frame = new_frame(&domb);
	build_tree(&t, &doma);
	take_snapshot_in(snap_tree);
	if (validate_l4(&t)) {
		CHECK(false, "mod: the tree validates");
		return;
	}
	test_mod_l1(&t);
	test_mod_upper(&t);
	test_grant_ptes(&t);
	CHECK(pcount(foreign_frame) == 2 && tcount(foreign_frame) == 1,
	      "grant: a grant PTE is in the tree");
	put_page_and_type(pg(t.l4));
	CHECK_EQ(changed_frames_since(snap_tree), 0,
		 "teardown: after all those updates, every reference back, "
		 "the grant PTE's too");
	free_tree(&t);
	release_domheap_page(pg(foreign_frame));
}

static void test_io_mappings(void)
{
	mfn_t l1 = new_frame(&dom0), a = new_frame(&doma);
	pte_t *e = tab(l1);
	uint64_t hole = frame_table[HOLE_FRAME].count_info;

	e[0] = make_pte(HOLE_FRAME, F_KRW | PTE_PCD);
	e[1] = make_pte(NO_FRAME, F_KRW);
	CHECK_EQ(get_page_and_type(pg(l1), &dom0.d, PGT_l1_page_table), 0,
		 "dom0: an L1 mapping device memory validates");
	CHECK_EQ(frame_table[HOLE_FRAME].count_info, hole,
		 "dom0: device memory takes no reference");
	CHECK_EQ(mod_pt_entry(pg(l1), 1, 2, make_pte(IMAGE_FRAME, F_RO),
			      &dom0.d, false), -EPERM,
		 "dom0: the hypervisor image is not device memory");
	CHECK_EQ(mod_pt_entry(pg(l1), 1, 2, make_pte(virt_to_mfn(
				doma.d.arch.perdomain_l3), F_RO),
			      &dom0.d, false), -EPERM,
		 "dom0: nor a hypervisor heap page");
	CHECK_EQ(mod_pt_entry(pg(l1), 1, 2, make_pte(a, F_RO), &dom0.d,
			      false), -EPERM,
		 "dom0: a domU frame needs that domU as pg_owner");
	CHECK_EQ(mod_pt_entry(pg(l1), 1, 2, make_pte(a, F_RW), &doma.d,
			      false), 0,
		 "dom0: foreign mapping of a domU frame");
	CHECK(pcount(a) == 2 && tcount(a) == 1,
	      "dom0: ... references taken on the domU frame");
	CHECK_EQ(mod_pt_entry(pg(l1), 1, 0, 0, &dom0.d, false), 0,
		 "dom0: unmap device memory");
	put_page_and_type(pg(l1));
	CHECK(pcount(a) == 1 && tcount(a) == 0 &&
	      frame_table[HOLE_FRAME].count_info == hole,
	      "dom0: teardown drops the foreign references only");
	release_domheap_page(pg(l1));
	release_domheap_page(pg(a));
}

/* ---- a domain's release, as relinquish_resources() does it ---- */

static void relinquish(struct domain *d, void *shared_info)
{
	struct page_info *p, *next;

	list_for_each_entry(p, &d->page_list, list) {
		if (p->type_info & PGT_pinned) {
			p->type_info &= ~PGT_pinned;
			put_page_and_type(p);
		}
	}
	list_for_each_entry_safe(p, next, &d->page_list, list)
		release_domheap_page(p);
	release_domheap_page(pg(virt_to_mfn(shared_info)));
}

static void test_relinquish(void)
{
	struct fake_dom *f = &domc;
	unsigned long free0 = heap_free_pages(), freed0 = sim_pages_freed;
	unsigned long nr, f0;
	mfn_t extra_l1, si_mfn, kept;
	void *si = alloc_hv_page();
	struct tree t;

	share_hv_page_with_guest(si, &f->d);
	si_mfn = virt_to_mfn(si);
	build_tree(&t, f);
	tab(t.l1a)[6] = make_pte(si_mfn, F_RW);	/* the guest maps it */
	extra_l1 = new_frame(f);
	tab(extra_l1)[0] = make_pte(t.data[3], F_RW);
	kept = t.data[1];

	/* As the domain builder and MMUEXT_PIN_*: typed and pinned. */
	if (validate_l4(&t) || get_page_and_type(pg(extra_l1), &f->d,
						 PGT_l1_page_table)) {
		CHECK(false, "relinquish: the tables validate");
		return;
	}
	pg(t.l4)->type_info |= PGT_pinned;
	pg(extra_l1)->type_info |= PGT_pinned;
	/* dom0 maps one of the domain's frames, and keeps it mapped. */
	CHECK(get_page(pg(kept), &f->d), "relinquish: dom0 maps a frame");
	nr = f->d.tot_pages;

	relinquish(&f->d, si);
	CHECK(f->d.tot_pages == 1 && pcount(kept) == 1 &&
	      !(frame_table[kept].count_info & PGC_allocated) &&
	      frame_table[kept].owner == &f->d,
	      "relinquish: only the frame dom0 still maps is left");
	CHECK(frame_is_free(si_mfn) && frame_is_free(t.l4) &&
	      frame_is_free(t.l1a) && frame_is_free(extra_l1),
	      "relinquish: tables, data and the lent page are free");
	CHECK_EQ(heap_free_pages(), free0 - 1,
		 "relinquish: the heap has every other frame back");
	CHECK(sim_pages_freed == freed0 + nr - 1 &&
	      sim_last_freed_domain == &f->d,
	      "relinquish: domain_page_freed() for each of them");

	put_page(pg(kept));
	CHECK(f->d.tot_pages == 0 && list_empty(&f->d.page_list) &&
	      frame_is_free(kept) && heap_free_pages() == free0 &&
	      sim_pages_freed == freed0 + nr,
	      "relinquish: dom0's unmap frees the last one");
	f0 = sim_tlb_flushes;
	free_heap_pages(alloc_heap_pages(0, 0), 0);
	CHECK_EQ(sim_tlb_flushes, f0 + 1,
		 "relinquish: the next allocation flushes the TLBs first");
}

/* ---- setup ---- */

static void make_domain(struct fake_dom *f, domid_t id, bool privileged)
{
	fake_dom_init(f, id, privileged, 1);
	f->d.max_pages = SIM_NR_FRAMES;
	f->d.arch.perdomain_l3 = alloc_hv_page();
}

static void end_domain(struct fake_dom *f)
{
	free_hv_page(f->d.arch.perdomain_l3);
	fake_forget_domain(&f->d);
}

int main(void)
{
	unsigned long free0;

	sim_machine_boot();
	test_boot();
	free0 = heap_free_pages();
	test_buddy();
	test_memf_bits();

	make_domain(&dom0, 0, true);
	make_domain(&doma, 1, false);
	make_domain(&domb, 2, false);
	make_domain(&domc, 3, false);

	test_domheap();
	test_get_page();
	test_share_hv_page();
	test_flush_before_reuse();
	test_validate_tree();
	test_rejections();
	test_type_exclusivity();
	test_mod_pt_entry();
	test_io_mappings();
	test_relinquish();

	CHECK(!dom0.d.tot_pages && !doma.d.tot_pages && !domb.d.tot_pages &&
	      !domc.d.tot_pages,
	      "end: no domain owns a frame any more");
	end_domain(&dom0);
	end_domain(&doma);
	end_domain(&domb);
	end_domain(&domc);
	CHECK_EQ(heap_free_pages(), free0,
		 "end: every frame is back in the heap");
	free(sim_ram);
	return check_summary();
}
