// SPDX-License-Identifier: MIT
/*
 * xmalloc: small objects from power-of-two slab pages, large ones as
 * whole page blocks. The frame table remembers which, so xfree needs no
 * header: a slab page's type_info holds its object size, a large block's
 * head holds its order with XMALLOC_LARGE set.
 */
#include <tandem/lib.h>
#include <tandem/mm.h>

#define MIN_SHIFT	4		/* 16 bytes */
#define MAX_SHIFT	11		/* 2 KiB: bigger goes to whole pages */
#define NR_CLASSES	(MAX_SHIFT - MIN_SHIFT + 1)
#define XMALLOC_LARGE	(1ULL << 40)
#define XMALLOC_SLAB	(1ULL << 41)

struct free_obj {
	struct free_obj *next;
};

static struct free_obj *free_objs[NR_CLASSES];

static unsigned int size_class(size_t size)
{
	unsigned int c = 0;

	while ((1UL << (c + MIN_SHIFT)) < size)
		c++;
	return c;
}

static void *alloc_large(size_t size)
{
	unsigned int order = 0;
	void *va;

	while ((PAGE_SIZE << order) < size)
		order++;
	va = alloc_hv_pages(order);
	if (va)
		mfn_to_page(virt_to_mfn(va))->type_info = XMALLOC_LARGE | order;
	return va;
}

void *xmalloc(size_t size)
{
	unsigned int c;
	struct free_obj *o;

	if (!size)
		size = 1;
	if (size > (1UL << MAX_SHIFT))
		return alloc_large(size);
	c = size_class(size);
	if (!free_objs[c]) {
		char *page = alloc_hv_page();
		size_t obj = 1UL << (c + MIN_SHIFT);

		if (!page)
			return NULL;
		mfn_to_page(virt_to_mfn(page))->type_info = XMALLOC_SLAB | c;
		for (size_t off = 0; off < PAGE_SIZE; off += obj) {
			o = (struct free_obj *)(page + off);
			o->next = free_objs[c];
			free_objs[c] = o;
		}
	}
	o = free_objs[c];
	free_objs[c] = o->next;
	return o;
}

void *xzalloc(size_t size)
{
	void *p = xmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void xfree(void *p)
{
	struct page_info *pg;
	uint64_t t;

	if (!p)
		return;
	pg = mfn_to_page(virt_to_mfn(p));
	t = pg->type_info;
	if (t & XMALLOC_LARGE) {
		pg->type_info = PGT_none;
		free_hv_pages(p, t & 0xff);
		return;
	}
	BUG_ON(!(t & XMALLOC_SLAB));
	((struct free_obj *)p)->next = free_objs[t & 0xff];
	free_objs[t & 0xff] = p;
}
