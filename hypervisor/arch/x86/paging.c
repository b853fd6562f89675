// SPDX-License-Identifier: MIT
/*
 * The hypervisor's page tables. The idle L4 maps the image (W^X, 4 KiB
 * pages), a direct map of all RAM (2 MiB pages where possible), the vmap
 * area for MMIO, and the machine-to-phys table. Every L3 under slots
 * 256-271 is allocated here once and shared by all guest L4s, so later
 * hypervisor mappings appear in every address space at once.
 */
#include <tandem/bootinfo.h>
#include <tandem/lib.h>
#include <tandem/mm.h>
#include <asm/config.h>
#include <asm/paging.h>
#include <asm/processor.h>

extern char _stext[], _etext[], _sdata[], _srodata[], _erodata[];
extern char __bss_start[], __bss_end[];

pte_t *idle_pg_table;
unsigned long m2p_entries;
/* Machine frame of each 2 MiB chunk of the M2P (XENMEM_machphys_mfn_list). */
mfn_t *m2p_chunk_mfns;
static bool heap_ready;
static unsigned long vmap_next = VMAP_VIRT_START;

static pte_t *alloc_table(void)
{
	void *va;

	if (heap_ready) {
		va = alloc_hv_page();
		if (!va)
			panic("out of memory for hypervisor page tables");
	} else {
		va = mfn_to_virt(boot_alloc_pages(1, 4ULL << 30));
		memset(va, 0, PAGE_SIZE);
	}
	return va;
}

/*
 * Return the table at 'level' covering va, creating tables on the way.
 * Tables under the guest-readable M2P slot must allow user access: the
 * guest kernel runs in ring 3.
 */
static pte_t *walk_create(unsigned long va, int level)
{
	unsigned long flags = PAGE_TABLE_FLAGS;
	pte_t *t = idle_pg_table;

	if (va >= M2P_VIRT_START && va < M2P_VIRT_END)
		flags |= PTE_US;
	for (int l = 4; l > level; l--) {
		pte_t *e = &t[pt_index(va, l)];

		if (!(*e & PTE_P)) {
			pte_t *n = alloc_table();

			*e = make_pte(virt_to_mfn(n), flags);
		}
		BUG_ON(*e & PTE_PS);
		t = maddr_to_virt(pte_addr(*e));
	}
	return t;
}

int map_pages_to_hv(unsigned long va, paddr_t pa, unsigned long nr,
		    unsigned long flags)
{
	while (nr) {
		if (IS_ALIGNED(va | pa, L2_PAGE_SIZE) && nr >= 512) {
			pte_t *l2 = walk_create(va, 2);

			l2[pt_index(va, 2)] = pa | flags | PTE_PS;
			va += L2_PAGE_SIZE;
			pa += L2_PAGE_SIZE;
			nr -= 512;
		} else {
			pte_t *l1 = walk_create(va, 1);

			l1[pt_index(va, 1)] = pa | flags;
			invlpg(va);
			va += PAGE_SIZE;
			pa += PAGE_SIZE;
			nr--;
		}
	}
	return 0;
}

static void map_image_range(char *start, char *end, unsigned long flags)
{
	unsigned long s = ROUND_DOWN((unsigned long)start, PAGE_SIZE);
	unsigned long e = ROUND_UP((unsigned long)end, PAGE_SIZE);

	for (unsigned long va = s; va < e; va += PAGE_SIZE) {
		pte_t *l1 = walk_create(va, 1);

		l1[pt_index(va, 1)] = (va - HV_IMAGE_VIRT_BASE) | flags;
	}
}

void paging_init(void)
{
	idle_pg_table = alloc_table();

	/* Shared L3s for every hypervisor slot but the per-domain one. */
	for (int s = HV_SLOT_FIRST; s <= HV_SLOT_LAST; s++) {
		unsigned long f = PAGE_TABLE_FLAGS;

		if (s == PERDOMAIN_SLOT)
			continue;
		if (s == (int)pt_index(M2P_VIRT_START, 4))
			f = (f & ~PTE_RW) | PTE_US;	/* guests read the M2P */
		idle_pg_table[s] = make_pte(virt_to_mfn(alloc_table()), f);
	}

	map_image_range(_stext, _etext, PAGE_HV_RX);
	map_image_range(_sdata, _srodata, PAGE_HV_RW);
	map_image_range(_srodata, _erodata, PAGE_HV_RO);
	map_image_range(__bss_start, __bss_end, PAGE_HV_RW);

	for (unsigned int i = 0; i < boot_info.nr_mem; i++) {
		const struct mem_region *r = &boot_info.mem[i];
		paddr_t s = ROUND_DOWN(r->start, PAGE_SIZE);
		paddr_t e = ROUND_UP(r->start + r->size, PAGE_SIZE);

		if (r->type != MEM_RAM && r->type != MEM_ACPI)
			continue;
		map_pages_to_hv(DIRECTMAP_VIRT_START + s, s,
				(e - s) >> PAGE_SHIFT,
				r->type == MEM_RAM ? PAGE_HV_RW : PAGE_HV_RO);
	}

	write_cr3(virt_to_maddr(idle_pg_table));
	flush_tlb_all_local();
}

void m2p_init(void)
{
	unsigned long bytes = ROUND_UP(max_page * sizeof(uint64_t),
				       L2_PAGE_SIZE);

	heap_ready = true;
	m2p_entries = bytes / sizeof(uint64_t);
	m2p_chunk_mfns = xmalloc(bytes / L2_PAGE_SIZE * sizeof(mfn_t));
	if (!m2p_chunk_mfns)
		panic("out of memory for the M2P table");
	for (unsigned long off = 0; off < bytes; off += L2_PAGE_SIZE) {
		void *chunk = alloc_hv_pages(9);

		if (!chunk)
			panic("out of memory for the M2P table");
		m2p_chunk_mfns[off / L2_PAGE_SIZE] = virt_to_mfn(chunk);
		memset(chunk, 0xff, L2_PAGE_SIZE);	/* all invalid */
		map_pages_to_hv(M2P_RW_VIRT_START + off, virt_to_maddr(chunk),
				512, PAGE_HV_RW);
		map_pages_to_hv(M2P_VIRT_START + off, virt_to_maddr(chunk),
				512, PTE_P | PTE_US | PTE_A | PTE_NX);
	}
}

void set_m2p(mfn_t mfn, pfn_t pfn)
{
	if (mfn < m2p_entries)
		((uint64_t *)M2P_RW_VIRT_START)[mfn] = pfn;
}

pfn_t get_m2p(mfn_t mfn)
{
	return mfn < m2p_entries ? ((uint64_t *)M2P_RW_VIRT_START)[mfn] :
	       INVALID_PFN;
}

/* Reserve nr pages of virtual space (plus an unmapped guard page). */
unsigned long vmap_alloc_va(unsigned long nr)
{
	unsigned long va = vmap_next;

	if (va + ((nr + 1) << PAGE_SHIFT) > VMAP_VIRT_END)
		panic("vmap area exhausted (%lu pages wanted)", nr);
	vmap_next += (nr + 1) << PAGE_SHIFT;
	return va;
}

void *ioremap(paddr_t pa, size_t size)
{
	paddr_t base = ROUND_DOWN(pa, PAGE_SIZE);
	unsigned long nr = (ROUND_UP(pa + size, PAGE_SIZE) - base) >>
			   PAGE_SHIFT;
	unsigned long va = vmap_alloc_va(nr);

	for (unsigned long i = 0; i < nr; i++) {
		pte_t *l1 = walk_create(va + i * PAGE_SIZE, 1);

		l1[pt_index(va + i * PAGE_SIZE, 1)] =
			(base + i * PAGE_SIZE) | PAGE_HV_UC;
	}
	return (void *)(va + (pa - base));
}

void init_hv_l4_slots(pte_t *l4, pte_t perdomain_l4e)
{
	for (int s = HV_SLOT_FIRST; s <= HV_SLOT_LAST; s++)
		l4[s] = idle_pg_table[s];
	l4[PERDOMAIN_SLOT] = perdomain_l4e;
}
