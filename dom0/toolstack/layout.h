/* SPDX-License-Identifier: MIT */
/*
 * Where a 64-bit PV guest's boot-time things go in its memory, the way
 * Xen's libxenguest lays them out (so a kernel sees what it would see
 * under xl): pseudo-physical frames from 0 map virtual addresses from
 * the kernel's VIRT_BASE up, in this order:
 *
 *	padding up to the kernel, the kernel image,
 *	the initrd (if the kernel cannot take it by frame number),
 *	the p2m list (if the kernel gives no INIT_P2M address),
 *	start_info, the store page, the console page,
 *	the boot page tables (L4, L3s, L2s, L1s), the boot stack,
 *	padding to the end of the boot mapping (a 4 MiB boundary, with
 *	at least 512 KiB to spare);
 *
 * then, outside the boot mapping, the initrd (MOD_START_PFN kernels)
 * and the p2m list with its own page tables at INIT_P2M. The boot page
 * tables map everything up to the end of the boot mapping, page-table
 * frames read-only.
 *
 * Pure computation: no hypercalls, unit-tested on the host.
 */
#ifndef TANDEM_LAYOUT_H
#define TANDEM_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#define LAYOUT_PAGE_SHIFT	12
#define LAYOUT_PAGE_SIZE	(1ull << LAYOUT_PAGE_SHIFT)
#define LAYOUT_UNSET		UINT64_MAX

/* Page-table entry bits (x86-64). */
#define PTE_PRESENT	0x001ull
#define PTE_RW		0x002ull
#define PTE_USER	0x004ull
#define PTE_ACCESSED	0x020ull
#define PTE_DIRTY	0x040ull

struct layout_in {
	uint64_t nr_pages;		/* the guest's memory */
	uint64_t virt_base;		/* kimg virt_base */
	uint64_t virt_kstart, virt_kend;
	uint64_t p2m_base;		/* INIT_P2M or LAYOUT_UNSET */
	uint64_t initrd_len;		/* 0: none */
	bool initrd_by_pfn;		/* MOD_START_PFN */
};

/* Consecutive frames and the virtual range they are mapped at. */
struct layout_seg {
	uint64_t vstart, vend;
	uint64_t pfn, pages;
};

/* Page tables of one level: count tables from pfn, covering from..to. */
struct layout_level {
	uint64_t from, to;		/* 48-bit virtual addresses */
	uint64_t pfn;
	uint64_t count;
};

/* A virtual range mapped by the boot page tables. */
struct layout_map {
	struct layout_level area;	/* the range; pfn: its first frame */
	struct layout_level lvl[4];	/* [0] L1s ... [3] the L4 */
	uint64_t pt_pfn, pt_count;	/* all its page-table frames */
};

struct layout {
	struct layout_in in;
	uint64_t p2m_base;		/* LAYOUT_UNSET: in the boot map */
	struct layout_seg kernel, initrd, p2m, pgtables;
	uint64_t start_info_pfn, store_pfn, console_pfn, bootstack_pfn;
	uint64_t virt_pgtab_end;	/* end of the boot mapping */
	uint64_t pfn_end;		/* frames used */
	uint64_t min_pages;		/* the least memory that would do */
	bool initrd_unmapped;
	uint64_t mod_start, mod_len;	/* for start_info */
	unsigned int nr_maps;
	struct layout_map maps[2];	/* boot mapping, p2m mapping */
};

/*
 * Lay out a guest. 0, or -ENOMEM when it does not fit in nr_pages
 * (ts_errmsg() says how much it needs), -EINVAL for impossible input.
 */
int layout_compute(const struct layout_in *in, struct layout *l);

/* The least memory this kernel and initrd can be laid out in, MiB. */
static inline uint64_t layout_needed_mib(const struct layout *l)
{
	return (l->min_pages * LAYOUT_PAGE_SIZE + (1ull << 20) - 1) >> 20;
}

/* The page-table entry for a frame at a level (0: L1 ... 3: L4). */
uint64_t layout_pte(const struct layout *l, unsigned int level, uint64_t pfn,
		    uint64_t mfn);

/*
 * Fill the boot page tables. p2m[pfn] is each frame's machine frame;
 * table(ctx, pfn) returns the (zeroed) page of page-table frame pfn.
 */
int layout_write_pgtables(const struct layout *l, const uint64_t *p2m,
			  uint64_t *(*table)(void *ctx, uint64_t pfn),
			  void *ctx);

/* The virtual address of frame pfn in the boot mapping. */
static inline uint64_t layout_vaddr(const struct layout *l, uint64_t pfn)
{
	return l->in.virt_base + (pfn << LAYOUT_PAGE_SHIFT);
}

#endif /* TANDEM_LAYOUT_H */
