/* SPDX-License-Identifier: MIT */
/* GDT, LDT, TSS and IDT management. */
#ifndef ASM_DESC_H
#define ASM_DESC_H

#include <tandem/types.h>
#include <asm/config.h>

struct pcpu;
struct vcpu;

/* Limit that covers the guest's 14 pages and our reserved page. */
#define GDT_LIMIT	((GDT_RESERVED_ENTRY + 512) * 8 - 1)

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

void gdt_init_cpu(struct pcpu *c);
void idt_init(void);
void idt_load(void);
void load_gdt(unsigned long base);
/* Install the LDT descriptor for base/entries (0 entries: no LDT). */
void load_ldt(struct pcpu *c, unsigned long base, unsigned int ents);

/* Map the shared zero page or the CPU's reserved page into a GDT window. */
extern mfn_t zero_page_mfn;

#endif
