/* SPDX-License-Identifier: MIT */
/*
 * Virtual memory layout of the hypervisor. Everything we own lives in the
 * sixteen L4 slots (256-271) that the 64-bit PV ABI reserves for us; guests
 * own every other slot of their page tables.
 *
 *   slot 256      0xffff800000000000  read-only M2P table, guest readable
 *   slot 260      0xffff820000000000  per-domain area: vCPU GDT/LDT windows
 *   slot 261      0xffff828000000000  hypervisor image (VA = base + phys)
 *                 0xffff828040000000  vmap area: MMIO of LAPIC, IO-APIC, ...
 *   slots 262-271 0xffff830000000000  direct map of all machine memory
 *
 * This file is included from assembly too: constants only.
 */
#ifndef ASM_CONFIG_H
#define ASM_CONFIG_H

#define PAGE_SHIFT		12
#ifdef __ASSEMBLER__
#define PAGE_SIZE		(1 << PAGE_SHIFT)
#else
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#endif

#define HV_SLOT_FIRST		256
#define HV_SLOT_LAST		271

#define M2P_VIRT_START		0xffff800000000000
#define M2P_VIRT_END		0xffff804000000000
#define PERDOMAIN_VIRT_START	0xffff820000000000
#define PERDOMAIN_SLOT		260
#define HV_IMAGE_VIRT_BASE	0xffff828000000000
#define HV_IMAGE_SLOT		261
#define VMAP_VIRT_START		0xffff828040000000
#define VMAP_VIRT_END		0xffff828080000000
#define DIRECTMAP_VIRT_START	0xffff830000000000
#define DIRECTMAP_VIRT_END	0xffff880000000000
#define DIRECTMAP_SLOT		262

/* Physical load address of the image (multiboot loads us there). */
#define HV_LOAD_PHYS		0x100000

/*
 * Per-CPU hypervisor stack: 32 KiB, aligned to its size so that the
 * per-CPU block at its top can be found from %rsp.
 */
#define STACK_ORDER		3
#define STACK_SIZE		(PAGE_SIZE << STACK_ORDER)

/* Selectors in the reserved part of every GDT (entries 7168 and up). */
#define GDT_RESERVED_ENTRY	7168
#define HV_CS			0xe008	/* entry 7169, ring 0, 64-bit */
#define HV_DS			0xe010	/* entry 7170, ring 0 */
#define HV_TSS_ENTRY		7176	/* 16-byte descriptor */
#define HV_LDT_ENTRY		7178	/* 16-byte descriptor */
#define HV_TSS_SEL		(HV_TSS_ENTRY << 3)
#define HV_LDT_SEL		(HV_LDT_ENTRY << 3)
#define GDT_VIRT_PAGES		16	/* 14 guest pages + reserved + pad */

/* Interrupt stack table slots, for faults we must survive on any stack. */
#define IST_DOUBLE_FAULT	1
#define IST_NMI			2
#define IST_MCE			3

#endif
