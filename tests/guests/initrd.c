// SPDX-License-Identifier: MIT
/*
 * initrd: the module the builder hands over with the kernel. The system
 * test passes a generated file and, on our command line, its length and
 * FNV-1a 64 checksum ("len=N sum=0x..."). start_info.mod_start and
 * mod_len must describe exactly that file, and its frames must be ours.
 *
 * Built twice: initrd.elf expects the module mapped in the initial
 * region (mod_start is a virtual address); initrd-modpfn.elf carries the
 * MOD_START_PFN note and expects SIF_MOD_START_PFN with mod_start the
 * first PFN of an unmapped module, which it maps itself.
 */
#include "lib/test.h"

#define FNV_OFFSET	0xcbf29ce484222325ull
#define FNV_PRIME	0x100000001b3ull

#ifdef USE_MOD_START_PFN
#define BY_PFN		true
#else
#define BY_PFN		false
#endif

static unsigned long want_len;
static uint64_t want_sum;
static unsigned long mod_pages;

/* First PFN of the module. */
static uint64_t mod_pfn(void)
{
	return BY_PFN ? start_info->mod_start :
	       start_info->mod_start >> PAGE_SHIFT;
}

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t len)
{
	while (len--) {
		h ^= *p++;
		h *= FNV_PRIME;
	}
	return h;
}

static void initrd_init(void)
{
	want_len = cmdline_ulong("len", 0);
	want_sum = cmdline_ulong("sum", 0);
	if (!want_len)
		panic("no len= on the command line");
	mod_pages = (want_len + PAGE_SIZE - 1) / PAGE_SIZE;
}

static void test_start_info(void)
{
	unsigned long region_end = start_info->pt_base +
		(start_info->nr_pt_frames + 1) * PAGE_SIZE;
	bool by_pfn = start_info->flags & SIF_MOD_START_PFN;
	uint64_t pfn = mod_pfn(), i;

	check_eq(start_info->mod_len, want_len);
	check(by_pfn == BY_PFN, "SIF_MOD_START_PFN %sset", by_pfn ? "" :
	      "not ");
	if (!check(start_info->mod_start != 0, "mod_start is 0"))
		return;
	if (!BY_PFN) {
		/* Mapped after the kernel image, before the p2m list. */
		check(start_info->mod_start % PAGE_SIZE == 0 &&
		      start_info->mod_start >= (unsigned long)_end &&
		      start_info->mod_start + want_len <=
		      start_info->mfn_list,
		      "mod_start %#lx not between the image (end %p) and "
		      "the p2m (%#lx)", start_info->mod_start, _end,
		      start_info->mfn_list);
		for (i = 0; i < mod_pages; i++) {
			uint64_t *pte = pte_lookup((pfn + i) << PAGE_SHIFT, 1);

			check(pte && (*pte & _PAGE_PRESENT),
			      "module page %lu not mapped", i);
		}
		return;
	}
	/* Past the initial mapping, within our memory, unmapped. */
	check(pfn >= region_end >> PAGE_SHIFT,
	      "module pfn %#lx inside the initial region (ends %#lx)", pfn,
	      region_end);
	check(pfn + mod_pages <= start_info->nr_pages,
	      "module pfns %#lx+%lu beyond nr_pages %lu", pfn, mod_pages,
	      start_info->nr_pages);
	for (i = 0; i < mod_pages; i++) {
		uint64_t *pte = pte_lookup((pfn + i) << PAGE_SHIFT, 1);

		check(!pte || !(*pte & _PAGE_PRESENT),
		      "module page %lu mapped at its PFN's address", i);
	}
}

static void test_frames(void)
{
	uint64_t pfn = mod_pfn(), i, bad = 0;

	for (i = 0; i < mod_pages; i++) {
		uint64_t mfn = pfn_to_mfn(pfn + i);

		if (!own_mfn(mfn) || mfn_to_pfn(mfn) != pfn + i) {
			if (!bad++)
				check(false, "module pfn %#lx: mfn %#lx not "
				      "ours", pfn + i, mfn);
		}
	}
	check_eq(bad, 0);
}

static void test_content(void)
{
	volatile uint64_t *hole = va_hole_alloc();
	uint64_t h = FNV_OFFSET, pfn = mod_pfn(), i;
	unsigned long left = want_len;

	for (i = 0; i < mod_pages; i++, left -= PAGE_SIZE) {
		size_t n = left < PAGE_SIZE ? left : PAGE_SIZE;
		const uint8_t *p;

		if (BY_PFN) {
			/* Ours: we may map it, even writable. */
			if (!check_rc(map_mfn((unsigned long)hole,
					      pfn_to_mfn(pfn + i),
					      PTE_KERN_RW), 0))
				return;
			p = (const uint8_t *)hole;
		} else {
			p = (const uint8_t *)((pfn + i) << PAGE_SHIFT);
		}
		if (!i)
			check(!memcmp(p, "TNDMinitrd", 10),
			      "module does not start with its magic");
		h = fnv1a(h, p, n);
	}
	if (BY_PFN)
		unmap_va((unsigned long)hole);
	check(h == want_sum, "checksum %#lx, want %#lx", h, want_sum);
}

static const struct test_case cases[] = {
	{ "start_info", test_start_info },
	{ "frames", test_frames },
	{ "content", test_content },
};

DEFINE_SUITE("initrd", cases, .init = initrd_init);
