// SPDX-License-Identifier: MIT
/*
 * The simulated machine of test_pagetable (see sim_machine.h) and the
 * hypervisor services that pagetable.c and page_alloc.c call.
 */
#include <stdlib.h>
#include <string.h>

#include <tandem/bootinfo.h>
#include <tandem/lib.h>
#include <asm/pagetable.h>
#include <asm/paging.h>

#include "sim_machine.h"

unsigned char *sim_ram;
struct boot_info boot_info;

unsigned long sim_tlb_flushes;
unsigned long sim_hv_l4_inits;
unsigned long sim_pages_freed;
struct domain *sim_last_freed_domain;
unsigned long sim_descriptor_checks;
int sim_descriptor_rc;

static pfn_t m2p[SIM_NR_FRAMES];

static void add_region(paddr_t start, paddr_t end, enum mem_type type)
{
	boot_info.mem[boot_info.nr_mem++] = (struct mem_region){
		.start = start, .size = end - start, .type = type,
	};
}

void sim_machine_boot(void)
{
	size_t size = SIM_NR_FRAMES * PAGE_SIZE;

	sim_ram = aligned_alloc(PAGE_SIZE, size);
	if (!sim_ram)
		panic("no memory for the simulated machine");
	/* Old contents a fresh frame must never show. */
	memset(sim_ram, 0xa5, size);
	memset(m2p, 0xee, sizeof(m2p));

	add_region(0, 0x9f000, MEM_RAM);
	add_region(0x9f000, 0x100000, MEM_RESERVED);
	add_region(0x100000, SIM_HOLE_START, MEM_RAM);
	add_region(SIM_HOLE_START, SIM_HOLE_END, MEM_RESERVED);
	add_region(SIM_HOLE_END, size, MEM_RAM);
	add_region(size, size + 0x100000, MEM_RESERVED);

	/* As setup.c: the low 1 MiB, the image and the modules stay out. */
	boot_mem_init();
	boot_mem_reserve(0, 0x100000);
	boot_mem_reserve(SIM_IMAGE_START, SIM_IMAGE_END);
	boot_mem_reserve(SIM_MODULE_START, SIM_MODULE_END);
	heap_init();
}

void flush_all_tlbs(void)
{
	sim_tlb_flushes++;
}

void set_m2p(mfn_t mfn, pfn_t pfn)
{
	if (mfn < SIM_NR_FRAMES)
		m2p[mfn] = pfn;
}

pfn_t get_m2p(mfn_t mfn)
{
	return mfn < SIM_NR_FRAMES ? m2p[mfn] : INVALID_PFN;
}

void init_hv_l4_slots(pte_t *l4, pte_t perdomain_l4e)
{
	sim_hv_l4_inits++;
	for (unsigned int s = HV_SLOT_FIRST; s <= HV_SLOT_LAST; s++)
		l4[s] = SIM_HV_L4E(s);
	l4[PERDOMAIN_SLOT] = perdomain_l4e;
}

/* The policy of arch/x86/pv/mm.c: device memory, for dom0 only. */
bool domain_may_map_io(const struct domain *d, mfn_t mfn)
{
	return d && d->is_privileged && !mfn_is_ram(mfn) &&
	       (!mfn_valid(mfn) ||
		(mfn_to_page(mfn)->count_info & PGC_state_mask) ==
		PGC_state_io);
}

void domain_page_freed(struct domain *d)
{
	sim_pages_freed++;
	sim_last_freed_domain = d;
}

int validate_descriptor_page(struct page_info *pg)
{
	sim_descriptor_checks++;
	return sim_descriptor_rc;
}
