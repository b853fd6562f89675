// SPDX-License-Identifier: MIT
/*
 * Stand-ins for the hypervisor services grant_table.c calls, just close
 * enough to the real ones for the reference counts to mean the same:
 * a frame table over fake_machine[], page and type references, lent
 * hypervisor pages (whose allocation can be made to fail), and grant
 * PTEs that hold a page (and writable type) reference like real ones do.
 * Logging, small allocations, the domain registry and guest copies come
 * from shim/fake_services.c.
 */
#include <string.h>

#include <tandem/errno.h>
#include <tandem/hypercall.h>
#include <tandem/lib.h>
#include <asm/pagetable.h>
#include <asm/pv.h>
#include <public/grant_table.h>

#include "fake_hv.h"

unsigned char fake_machine[FAKE_NR_FRAMES * PAGE_SIZE] __aligned(PAGE_SIZE);
static struct page_info fake_frames[FAKE_NR_FRAMES];
struct page_info *frame_table = fake_frames;
mfn_t max_page = FAKE_NR_FRAMES;

long fake_hv_allocs_until_failure = -1;
bool fake_pt_gone;
int fake_nr_unimplemented;

/* ---- frames ---- */

static struct page_info *take_frame(void)
{
	for (mfn_t m = 0; m < FAKE_NR_FRAMES; m++) {
		struct page_info *pg = &fake_frames[m];

		if ((pg->count_info & PGC_state_mask) == PGC_state_free &&
		    !pg->owner) {
			pg->count_info = PGC_state_inuse;
			pg->type_info = PGT_none;
			memset(mfn_to_virt(m), 0, PAGE_SIZE);
			return pg;
		}
	}
	return NULL;
}

static void give_back(struct page_info *pg)
{
	pg->count_info = PGC_state_free;
	pg->type_info = PGT_none;
	pg->owner = NULL;
}

unsigned long fake_free_frames(void)
{
	unsigned long n = 0;

	for (mfn_t m = 0; m < FAKE_NR_FRAMES; m++)
		n += (fake_frames[m].count_info & PGC_state_mask) ==
		     PGC_state_free;
	return n;
}

void *alloc_hv_pages(unsigned int order)
{
	struct page_info *pg;

	ASSERT(order == 0);
	if (fake_hv_allocs_until_failure == 0)
		return NULL;
	if (fake_hv_allocs_until_failure > 0)
		fake_hv_allocs_until_failure--;
	pg = take_frame();
	if (!pg)
		return NULL;
	pg->count_info |= PGC_hv_heap;
	return page_to_virt(pg);
}

void free_hv_pages(void *va, unsigned int order)
{
	struct page_info *pg;

	if (!va)
		return;
	pg = mfn_to_page(virt_to_mfn(va));
	ASSERT(order == 0 && (pg->count_info & PGC_hv_heap) &&
	       !(pg->count_info & PGC_count_mask));
	give_back(pg);
}

void share_hv_page_with_guest(void *va, struct domain *d)
{
	struct page_info *pg = mfn_to_page(virt_to_mfn(va));

	ASSERT(pg->count_info & PGC_hv_heap);
	pg->owner = d;
	pg->count_info |= PGC_allocated | 1;
}

mfn_t fake_alloc_domain_frame(struct domain *d)
{
	struct page_info *pg = take_frame();

	ASSERT(pg);
	pg->owner = d;
	pg->count_info |= PGC_allocated | 1;
	return page_to_mfn(pg);
}

void release_domheap_page(struct page_info *pg)
{
	if (pg->count_info & PGC_allocated) {
		pg->count_info &= ~PGC_allocated;
		put_page(pg);
	}
}

bool get_page(struct page_info *pg, const struct domain *d)
{
	uint64_t c = pg->count_info;

	if (pg->owner != d || !(c & PGC_allocated) ||
	    (c & PGC_state_mask) != PGC_state_inuse)
		return false;
	pg->count_info = c + 1;
	return true;
}

void put_page(struct page_info *pg)
{
	BUG_ON(!(pg->count_info & PGC_count_mask));
	if (!(--pg->count_info & PGC_count_mask))
		give_back(pg);
}

/* Types without validation: enough to refuse writing a "page table". */
int get_page_type(struct page_info *pg, uint64_t type)
{
	uint64_t count = pg->type_info & PGT_count_mask;

	if (count && (pg->type_info & PGT_type_mask) !=
		     (type & PGT_type_mask))
		return -EBUSY;
	pg->type_info = (type & PGT_type_mask) | (count + 1);
	return 0;
}

void put_page_type(struct page_info *pg)
{
	BUG_ON(!(pg->type_info & PGT_count_mask));
	pg->type_info--;
}

int get_page_and_type(struct page_info *pg, struct domain *d, uint64_t type)
{
	int rc;

	if (!get_page(pg, d))
		return -EPERM;
	rc = get_page_type(pg, type);
	if (rc)
		put_page(pg);
	return rc;
}

void put_page_and_type(struct page_info *pg)
{
	put_page_type(pg);
	put_page(pg);
}

void log_unimplemented(const char *hypercall, long subop)
{
	fake_nr_unimplemented++;
}

/* ---- grant PTEs ---- */

#define FAKE_NR_PTES	64

static struct fake_pte {
	bool used;
	bool writable;
	uint64_t addr;
	mfn_t mfn;
} fake_ptes[FAKE_NR_PTES];

int pv_create_grant_mapping(struct vcpu *v, uint64_t addr, mfn_t mfn,
			    uint32_t gnt_flags, struct domain *granter)
{
	bool writable = !(gnt_flags & GNTMAP_readonly);
	struct fake_pte *free_slot = NULL;

	ASSERT(v == test_current);
	if (addr == FAKE_BAD_HOST_ADDR)
		return -EINVAL;
	for (unsigned int i = 0; i < FAKE_NR_PTES; i++) {
		if (fake_ptes[i].used && fake_ptes[i].addr == addr)
			return -EBUSY;
		if (!fake_ptes[i].used && !free_slot)
			free_slot = &fake_ptes[i];
	}
	ASSERT(free_slot);
	if (!get_page(mfn_to_page(mfn), granter))
		return -EINVAL;
	if (writable && get_page_type(mfn_to_page(mfn), PGT_writable_page)) {
		put_page(mfn_to_page(mfn));
		return -EBUSY;
	}
	*free_slot = (struct fake_pte){ true, writable, addr, mfn };
	return 0;
}

static void drop_pte(struct fake_pte *p)
{
	if (p->writable)
		put_page_and_type(mfn_to_page(p->mfn));
	else
		put_page(mfn_to_page(p->mfn));
	p->used = false;
}

int pv_destroy_grant_mapping(struct vcpu *v, uint64_t addr, mfn_t mfn,
			     uint32_t gnt_flags)
{
	ASSERT(v);
	if (fake_pt_gone)
		return -EINVAL;
	for (unsigned int i = 0; i < FAKE_NR_PTES; i++) {
		if (fake_ptes[i].used && fake_ptes[i].addr == addr &&
		    fake_ptes[i].mfn == mfn) {
			drop_pte(&fake_ptes[i]);
			return 0;
		}
	}
	return -EINVAL;
}

unsigned int fake_nr_ptes(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < FAKE_NR_PTES; i++)
		n += fake_ptes[i].used;
	return n;
}

bool fake_pte_maps(uint64_t addr, mfn_t mfn, bool writable)
{
	for (unsigned int i = 0; i < FAKE_NR_PTES; i++)
		if (fake_ptes[i].used && fake_ptes[i].addr == addr)
			return fake_ptes[i].mfn == mfn &&
			       fake_ptes[i].writable == writable;
	return false;
}

void fake_teardown_ptes(void)
{
	for (unsigned int i = 0; i < FAKE_NR_PTES; i++)
		if (fake_ptes[i].used)
			drop_pte(&fake_ptes[i]);
}
