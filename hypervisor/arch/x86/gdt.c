// SPDX-License-Identifier: MIT
/*
 * The GDT and TSS. Every GDT the CPU uses is a 16-page window: guest
 * descriptor frames (or the zero page) in pages 0-13, then page 14, the
 * per-CPU reserved page, which holds our ring-0 segments, the flat ring-3
 * segments the PV ABI promises (0xe023, 0xe02b, 0xe033), the TSS and an
 * LDT slot. The idle vCPU uses a window in the vmap area; guest vCPUs use
 * windows in their domain's per-domain area (arch/x86/pv/descriptor.c).
 */
#include <tandem/lib.h>
#include <tandem/mm.h>
#include <asm/desc.h>
#include <asm/paging.h>
#include <asm/percpu.h>
#include <public/arch-x86_64.h>

mfn_t zero_page_mfn;

/* Descriptors with the accessed bit preset: the CPU need not write them. */
#define DESC_HV_CS64	0x00af9b000000ffffULL
#define DESC_HV_DS	0x00cf93000000ffffULL
#define DESC_USER_CS32	0x00cffb000000ffffULL
#define DESC_USER_DS	0x00cff3000000ffffULL
#define DESC_USER_CS64	0x00affb000000ffffULL

static void set_system_desc(uint64_t *slot, unsigned long base,
			    uint32_t limit, unsigned int type)
{
	slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		  ((uint64_t)type << 40) | (1ULL << 47) |
		  ((uint64_t)(limit >> 16 & 0xf) << 48) |
		  ((uint64_t)(base >> 24 & 0xff) << 56);
	slot[1] = base >> 32;
}

void load_gdt(unsigned long base)
{
	struct desc_ptr p = { GDT_LIMIT, base };

	__asm__ __volatile__("lgdt %0" : : "m"(p) : "memory");
}

void load_ldt(struct pcpu *c, unsigned long base, unsigned int ents)
{
	uint64_t *slot = &c->gdt_reserved[HV_LDT_ENTRY - GDT_RESERVED_ENTRY];
	uint16_t sel = 0;

	if (ents) {
		set_system_desc(slot, base, ents * 8 - 1, 0x2); /* LDT */
		sel = HV_LDT_SEL;
	} else {
		slot[0] = slot[1] = 0;
	}
	__asm__ __volatile__("lldt %w0" : : "r"(sel) : "memory");
}

static unsigned long gdt_window_alloc(struct pcpu *c)
{
	uint64_t *page = c->gdt_reserved;
	unsigned long va = vmap_alloc_va(GDT_VIRT_PAGES);

	/* Pages 0-13 read the zero page; page 14 is this CPU's. */
	for (int i = 0; i < 14; i++)
		map_pages_to_hv(va + i * PAGE_SIZE,
				zero_page_mfn << PAGE_SHIFT, 1, PAGE_HV_RO);
	map_pages_to_hv(va + 14 * PAGE_SIZE, virt_to_maddr(page), 1,
			PAGE_HV_RW);
	return va;
}

void gdt_init_cpu(struct pcpu *c)
{
	uint64_t *g;

	if (!zero_page_mfn)
		zero_page_mfn = virt_to_mfn(alloc_hv_page());
	c->gdt_reserved = alloc_hv_page();
	if (!c->gdt_reserved)
		panic("no memory for the GDT of CPU %u", c->id);
	g = c->gdt_reserved - GDT_RESERVED_ENTRY;	/* index by selector */
	g[HV_CS >> 3] = DESC_HV_CS64;
	g[HV_DS >> 3] = DESC_HV_DS;
	g[FLAT_RING3_CS32 >> 3] = DESC_USER_CS32;
	g[FLAT_RING3_DS32 >> 3] = DESC_USER_DS;
	g[FLAT_RING3_CS64 >> 3] = DESC_USER_CS64;
	c->tss.iomap_base = sizeof(c->tss);	/* no I/O bitmap: ports #GP */
	set_system_desc(&g[HV_TSS_ENTRY], (unsigned long)&c->tss,
			sizeof(c->tss) - 1, 0x9);	/* available TSS */

	c->idle_gdt = gdt_window_alloc(c);
	load_gdt(c->idle_gdt);
	__asm__ __volatile__(
		"mov %0, %%ds\n\t"
		"mov %0, %%es\n\t"
		"mov %0, %%ss\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:"
		: : "r"((unsigned long)HV_DS), "i"(HV_CS) : "rax", "memory");
	__asm__ __volatile__("ltr %w0" : : "r"(HV_TSS_SEL));
	load_ldt(c, 0, 0);
}
