// SPDX-License-Identifier: MIT
/*
 * Host unit test of the PV guest memory layout and boot page tables
 * (dom0/toolstack/layout.c). The expected numbers for a Debian 6.1
 * kernel are what Xen 4.17's libxenguest chose for the same kernel,
 * initrd and memory (xl -vvv create, on Debian's Xen under QEMU). The
 * page tables are then walked like the MMU would: every address of the
 * boot mapping and of the p2m mapping must reach the right frame, page
 * tables read-only, everything else writable.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "ts_error.h"

#include "check.h"

#define MFN_BASE	0x100000ull	/* a p2m: mfn = pfn + MFN_BASE */
#define VBASE		0xffffffff80000000ull
#define KSTART		0xffffffff81000000ull
#define P2M_BASE	0x8000000000ull
#define VA48(va)	((va) & ((1ull << 48) - 1))

/* Page-table frames of the guest, allocated as they are asked for. */
struct mem {
	const struct layout *l;
	uint64_t *pages[1u << 18];	/* by pfn, for up to 1 GiB */
};

static uint64_t *table(void *ctx, uint64_t pfn)
{
	struct mem *m = ctx;

	if (pfn >= (1u << 18))
		return NULL;
	if (!m->pages[pfn])
		m->pages[pfn] = calloc(512, sizeof(uint64_t));
	return m->pages[pfn];
}

static void mem_free(struct mem *m)
{
	unsigned int i;

	for (i = 0; i < (1u << 18); i++)
		free(m->pages[i]);
	free(m);
}

/*
 * Translate va through the tables from the L4 (as the MMU does with
 * pfn = mfn - MFN_BASE); -1 if not present. *pte: the L1 entry.
 */
static int64_t walk(struct mem *m, uint64_t va, uint64_t *pte)
{
	uint64_t pfn = m->l->pgtables.pfn, e = 0;
	int lv;

	for (lv = 3; lv >= 0; lv--) {
		unsigned int idx = (unsigned int)(VA48(va) >>
						  (12 + 9 * lv)) & 511;
		uint64_t *t = pfn < (1u << 18) ? m->pages[pfn] : NULL;

		if (!t)
			return -1;
		e = t[idx];
		if (!(e & PTE_PRESENT))
			return -1;
		if (lv > 0 && (e & 0xfff) != (PTE_PRESENT | PTE_RW |
					     PTE_ACCESSED | PTE_DIRTY |
					     PTE_USER))
			return -2;
		pfn = (e >> 12) - MFN_BASE;
	}
	*pte = e;
	return (int64_t)pfn;
}

static uint64_t *p2m_for(uint64_t nr)
{
	uint64_t *p2m = malloc(nr * sizeof(*p2m)), i;

	for (i = 0; i < nr; i++)
		p2m[i] = i + MFN_BASE;
	return p2m;
}

static bool in_pt(const struct layout *l, uint64_t pfn)
{
	unsigned int m;

	for (m = 0; m < l->nr_maps; m++)
		if (pfn >= l->maps[m].pt_pfn &&
		    pfn < l->maps[m].pt_pfn + l->maps[m].pt_count)
			return true;
	return false;
}

/* Write the tables and check every mapped page of both mappings. */
static void check_tables(const struct layout *l, const char *what)
{
	struct mem *m = calloc(1, sizeof(*m));
	uint64_t *p2m = p2m_for(l->in.nr_pages), va, pte;
	unsigned int bad = 0, ro = 0;
	int64_t got;

	m->l = l;
	CHECK_EQ(layout_write_pgtables(l, p2m, table, m), 0,
		 "%s: page tables written", what);
	for (va = l->in.virt_base; va < l->virt_pgtab_end; va += 4096) {
		uint64_t want = (va - l->in.virt_base) >> 12;

		got = walk(m, va, &pte);
		if (got != (int64_t)want ||
		    !!(pte & PTE_RW) == in_pt(l, want) ||
		    (pte & PTE_USER)) {
			if (bad++ < 3)
				printf("# %#llx -> %lld (want %llu), pte "
				       "%#llx\n", (unsigned long long)va,
				       (long long)got,
				       (unsigned long long)want,
				       (unsigned long long)pte);
		}
		if (!(pte & PTE_RW))
			ro++;
	}
	CHECK(!bad, "%s: the boot mapping %#llx-%#llx reaches frames 0.. in "
	      "order (%u wrong)", what, (unsigned long long)l->in.virt_base,
	      (unsigned long long)l->virt_pgtab_end, bad);
	CHECK_EQ(ro, l->maps[0].pt_count, "%s: exactly its page tables are "
		 "read-only", what);
	CHECK(walk(m, l->virt_pgtab_end, &pte) < 0 &&
	      walk(m, l->in.virt_base - 4096, &pte) < 0,
	      "%s: nothing mapped just outside it", what);
	if (l->nr_maps > 1) {
		bad = 0;
		for (va = l->p2m_base; va < l->p2m.vend; va += 4096) {
			uint64_t want = l->p2m.pfn + ((va - l->p2m_base) >> 12);

			got = walk(m, va, &pte);
			if (got != (int64_t)want || !(pte & PTE_RW))
				bad++;
		}
		CHECK(!bad && walk(m, l->p2m.vend, &pte) < 0,
		      "%s: the p2m list is mapped at INIT_P2M (%llu pages), "
		      "writable, and no further", what,
		      (unsigned long long)((l->p2m.vend - l->p2m_base) >> 12));
	}
	mem_free(m);
	free(p2m);
}

static struct layout_in debian(uint64_t mib)
{
	struct layout_in in = {
		.nr_pages = mib << 8,
		.virt_base = VBASE,
		.virt_kstart = KSTART,
		.virt_kend = 0xffffffff84a00000ull,	/* 6.1.0-56-amd64 */
		.p2m_base = P2M_BASE,
		.initrd_len = 2809856,		/* 0x2ae pages */
		.initrd_by_pfn = true,
	};

	return in;
}

/* What xl (libxenguest 4.17) chose for this kernel, initrd, 256 MiB. */
static void like_xl(void)
{
	unsigned int f0 = check_failures();
	struct layout_in in = debian(256);
	struct layout l;

	CHECK_EQ(layout_compute(&in, &l), 0, "Debian kernel, 256 MiB: %s",
		 ts_errmsg());
	CHECK(l.kernel.pfn == 0x1000 && l.kernel.pages == 0x3a00 &&
	      l.kernel.vstart == KSTART, "kernel at pfn 0x1000, 0x3a00 pages");
	CHECK(l.start_info_pfn == 0x4a00 && l.store_pfn == 0x4a01 &&
	      l.console_pfn == 0x4a02, "start_info, store, console: "
	      "0x4a00-0x4a02");
	CHECK(l.pgtables.pfn == 0x4a03 && l.pgtables.pages == 0x29,
	      "page tables 0x4a03 + %#llx", (unsigned long long)
	      l.pgtables.pages);
	CHECK_EQ(l.maps[0].pt_count, l.pgtables.pages, "nr_pt_frames");
	CHECK_EQ(l.bootstack_pfn, 0x4a2c, "boot stack");
	CHECK_EQ(l.virt_pgtab_end, 0xffffffff84c00000ull,
		 "boot mapping ends on a 4 MiB boundary");
	CHECK(l.initrd_unmapped && l.initrd.pfn == 0x4c00 &&
	      l.initrd.pages == 0x2ae && l.mod_start == 0x4c00 &&
	      l.mod_len == 0x2ae000, "initrd by frame number at 0x4c00, "
	      "length page-rounded");
	CHECK(l.nr_maps == 2 && l.p2m.pfn == 0x4eae &&
	      l.p2m.pages == 0x80 + 3 && l.p2m.vstart == P2M_BASE,
	      "p2m list at 0x4eae: 0x80 pages + 3 page tables, at INIT_P2M");
	CHECK(l.maps[1].lvl[3].count == 0 && l.maps[1].lvl[2].count == 1 &&
	      l.maps[1].lvl[1].count == 1 && l.maps[1].lvl[0].count == 1 &&
	      l.maps[1].pt_pfn == 0x4f2e, "p2m mapping: its own L3, L2, L1 "
	      "after the list, the L4 shared");
	CHECK_EQ(l.pfn_end, 0x4f31, "frames used");
	CHECK_EQ(layout_vaddr(&l, l.start_info_pfn), 0xffffffff84a00000ull,
		 "start_info's address (in rsi)");
	check_tables(&l, "256 MiB");
	check_section(f0, "a Debian kernel laid out as xl does");
}

static void variants(void)
{
	unsigned int f0 = check_failures();
	struct layout_in in;
	struct layout l;

	/* No INIT_P2M: the p2m list goes into the boot mapping. */
	in = debian(512);
	in.p2m_base = LAYOUT_UNSET;
	CHECK_EQ(layout_compute(&in, &l), 0, "no INIT_P2M");
	CHECK(l.nr_maps == 1 && l.p2m.pfn == 0x4a00 && l.p2m.pages == 0x100 &&
	      l.p2m.vstart == VBASE + (0x4a00ull << 12) &&
	      l.start_info_pfn == 0x4b00, "p2m right after the kernel, mapped");
	check_tables(&l, "p2m in the boot mapping");

	/* An INIT_P2M above the base is ignored, as libxenguest does. */
	in = debian(256);
	in.p2m_base = 0xffffffffc0000000ull;
	CHECK(layout_compute(&in, &l) == 0 && l.p2m_base == LAYOUT_UNSET &&
	      l.nr_maps == 1, "INIT_P2M above the kernel base is ignored");

	/* Without MOD_START_PFN the initrd is mapped after the kernel. */
	in = debian(256);
	in.initrd_by_pfn = false;
	CHECK_EQ(layout_compute(&in, &l), 0, "initrd by address");
	CHECK(!l.initrd_unmapped && l.initrd.pfn == 0x4a00 &&
	      l.mod_start == VBASE + (0x4a00ull << 12) &&
	      l.mod_len == 0x2ae000 && l.start_info_pfn == 0x4cae,
	      "initrd mapped right after the kernel");
	check_tables(&l, "mapped initrd");

	/* No initrd at all. */
	in = debian(128);
	in.initrd_len = 0;
	CHECK(layout_compute(&in, &l) == 0 && l.mod_start == 0 &&
	      l.mod_len == 0 && l.initrd.pages == 0, "no initrd");
	check_tables(&l, "no initrd");

	/* A big guest: 1 GiB of p2m needs more L1s at INIT_P2M. */
	in = debian(4096);
	CHECK_EQ(layout_compute(&in, &l), 0, "4 GiB guest");
	CHECK(l.p2m.pages == 0x800 + 1 + 1 + 4, "p2m: 0x800 pages and "
	      "L3 + L2 + 4 L1s (%#llx)", (unsigned long long)l.p2m.pages);
	check_tables(&l, "4 GiB");

	/* A kernel that ends just below a 2 MiB boundary: more L1s. */
	in = debian(256);
	in.initrd_len = 0;
	in.virt_kend = 0xffffffff84bf0000ull;
	CHECK_EQ(layout_compute(&in, &l), 0, "kernel up to a 2 MiB edge");
	CHECK(l.virt_pgtab_end - (layout_vaddr(&l, l.bootstack_pfn) + 4096) >=
	      (512u << 10), "at least 512 KiB spare in the boot mapping");
	check_tables(&l, "kernel near a boundary");
	check_section(f0, "other layouts");
}

static void errors(void)
{
	unsigned int f0 = check_failures();
	struct layout_in in;
	struct layout l;
	uint64_t need;
	int ret;

	in = debian(64);
	ret = layout_compute(&in, &l);
	CHECK(ret == -ENOMEM && strstr(ts_errmsg(), "need 79 MiB") &&
	      strstr(ts_errmsg(), "it has 64 MiB"),
	      "64 MiB is too little: %s", ts_errmsg());
	need = layout_needed_mib(&l);
	CHECK_EQ(need, 79, "what it needs, in MiB");
	in = debian(need);
	CHECK_EQ(layout_compute(&in, &l), 0, "that much is enough");
	in = debian(need - 1);
	CHECK_EQ(layout_compute(&in, &l), -ENOMEM, "1 MiB less is not");
	in = debian(256);
	in.virt_kstart = VBASE - 4096;
	CHECK(layout_compute(&in, &l) == -EINVAL, "kernel below its base");
	in = debian(256);
	in.virt_kend = in.virt_kstart - 1;
	CHECK(layout_compute(&in, &l) == -EINVAL, "kernel ends before start");
	in = debian(256);
	in.virt_kstart += 12;
	CHECK(layout_compute(&in, &l) == -EINVAL, "unaligned kernel");
	in = debian(0);
	CHECK(layout_compute(&in, &l) == -EINVAL, "no memory at all");
	in = debian(256);
	in.virt_base = 0xfffffffffff00000ull;
	in.virt_kstart = in.virt_base;
	in.virt_kend = in.virt_base + 0x80000;
	ret = layout_compute(&in, &l);
	CHECK(ret == -EINVAL && strstr(ts_errmsg(), "top of the address space"),
	      "a mapping past 2^64: %s", ts_errmsg());
	in = debian(256);
	in.p2m_base = 0x7ffffff000ull;
	in.virt_base = 0x7ffffff000ull + 0x10000000;
	in.virt_kstart = in.virt_base;
	in.virt_kend = in.virt_base + 0x1000;
	CHECK(layout_compute(&in, &l) == -EINVAL || l.nr_maps == 2,
	      "an INIT_P2M near the kernel: refused or separate");
	check_section(f0, "impossible layouts");
}

int main(void)
{
	like_xl();
	variants();
	errors();
	return check_summary();
}
