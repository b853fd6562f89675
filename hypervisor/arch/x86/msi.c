// SPDX-License-Identifier: MIT
/*
 * Message-signalled interrupts. The MSI capability has a control word,
 * the message address (32 or 64 bits), the message data and, when the
 * device has it, a mask bit per vector; only single-vector MSI is set
 * up. MSI-X keeps address, data and a mask bit per entry in a table in
 * one of the device's memory BARs; each entry is set up on its own.
 * Messages are fixed delivery, edge, to one physical APIC id.
 *
 * Where an MSI-X table lives is the device's configuration, which dom0
 * controls: the entry is written only if it lies in device memory,
 * never in RAM or in the interrupt controllers.
 */
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <tandem/mm.h>
#include <asm/io_apic.h>
#include <asm/msi.h>
#include <asm/paging.h>
#include <asm/pci.h>
#include <asm/percpu.h>

#define MSI_CONTROL		0x02
#define MSI_ADDR_LO		0x04
#define MSI_ADDR_HI		0x08	/* 64-bit capability only */
#define MSI_DATA_32		0x08
#define MSI_DATA_64		0x0c
#define MSI_MASK_32		0x0c
#define MSI_MASK_64		0x10

#define MSI_CTRL_ENABLE		(1U << 0)
#define MSI_CTRL_QSIZE		(7U << 4)	/* vectors enabled, log2 */
#define MSI_CTRL_64BIT		(1U << 7)
#define MSI_CTRL_MASKBIT	(1U << 8)

#define MSIX_CONTROL		0x02
#define MSIX_TABLE		0x04	/* offset | BAR indicator */
#define MSIX_CTRL_SIZE(c)	((unsigned int)((c) & 0x7ff) + 1)
#define MSIX_TABLE_BIR(t)	((t) & 7)
#define MSIX_TABLE_OFFSET(t)	((t) & ~7U)
#define MSIX_ENTRY_SIZE		16
#define MSIX_ADDR_LO		0	/* 32-bit words of an entry */
#define MSIX_ADDR_HI		1
#define MSIX_DATA		2
#define MSIX_VECTOR_CTRL	3
#define MSIX_VECTOR_MASKED	(1U << 0)

#define PCI_BAR0		0x10
#define PCI_BAR_IO		(1U << 0)
#define PCI_BAR_MEM_TYPE(b)	(((b) >> 1) & 3)
#define PCI_BAR_MEM_64		2
#define PCI_BAR_MEM_MASK	(~0xfULL)

#define MSI_ADDR_BASE		0xfee00000U	/* physical dest, fixed */
#define MSI_ADDR_DEST_SHIFT	12
#define MSI_DATA_EDGE_FIXED	0x0000U		/* assert, edge, fixed */

/* Pages of MSI-X tables mapped so far: mappings are never undone. */
#define MSIX_MAX_PAGES		32

static struct {
	paddr_t page;
	uint8_t *va;
} msix_pages[MSIX_MAX_PAGES];

/* Device memory nobody else owns: not RAM, not firmware's, not ours. */
static bool is_device_memory(mfn_t mfn)
{
	if (mfn_is_ram(mfn) || mmio_is_hypervisors(mfn))
		return false;
	return !mfn_valid(mfn) ||
	       (mfn_to_page(mfn)->count_info & PGC_state_mask) ==
	       PGC_state_io;
}

static volatile uint32_t *msix_map(paddr_t pa)
{
	paddr_t page = ROUND_DOWN(pa, PAGE_SIZE);
	unsigned int i;

	for (i = 0; i < MSIX_MAX_PAGES && msix_pages[i].va; i++)
		if (msix_pages[i].page == page)
			return (volatile uint32_t *)(msix_pages[i].va +
						     (pa - page));
	if (i == MSIX_MAX_PAGES)
		return NULL;
	msix_pages[i].page = page;
	msix_pages[i].va = ioremap(page, PAGE_SIZE);
	return (volatile uint32_t *)(msix_pages[i].va + (pa - page));
}

/* The memory address a BAR decodes, or 0. */
static paddr_t bar_address(uint8_t bus, uint8_t devfn, unsigned int bir)
{
	uint32_t lo = pci_conf_read32(bus, devfn, PCI_BAR0 + 4 * bir);
	paddr_t addr = lo & PCI_BAR_MEM_MASK;

	if (lo & PCI_BAR_IO)
		return 0;
	if (PCI_BAR_MEM_TYPE(lo) == PCI_BAR_MEM_64) {
		uint32_t hi;

		if (bir == 5)
			return 0;
		hi = pci_conf_read32(bus, devfn, PCI_BAR0 + 4 * (bir + 1));
		addr |= (paddr_t)hi << 32;
	}
	return addr;
}

static int msix_probe(uint8_t bus, uint8_t devfn, unsigned int entry,
		      struct msi_desc *m)
{
	unsigned int pos = pci_find_cap(bus, devfn, PCI_CAP_ID_MSIX);
	uint32_t table;
	uint16_t ctrl;
	paddr_t base, pa;

	if (!pos || pos > 0xff - 8)
		return -ENODEV;
	ctrl = pci_conf_read16(bus, devfn, pos + MSIX_CONTROL);
	table = pci_conf_read32(bus, devfn, pos + MSIX_TABLE);
	if (entry >= MSIX_CTRL_SIZE(ctrl) || MSIX_TABLE_BIR(table) > 5)
		return -EINVAL;
	base = bar_address(bus, devfn, MSIX_TABLE_BIR(table));
	pa = base + MSIX_TABLE_OFFSET(table) + entry * MSIX_ENTRY_SIZE;
	if (!base || pa < base || !is_device_memory(pa >> PAGE_SHIFT))
		return -EINVAL;
	*m = (struct msi_desc){
		.bus = bus,
		.devfn = devfn,
		.pos = pos,
		.msix = true,
		.entry = entry,
		.entry_va = msix_map(pa),
	};
	return m->entry_va ? 0 : -ENOSPC;
}

int msi_probe(uint8_t bus, uint8_t devfn, int msix_entry,
	      struct msi_desc *m)
{
	unsigned int pos;
	uint16_t ctrl;

	/* A message names its destination APIC in 8 bits. */
	if (this_pcpu()->apic_id > 0xff)
		return -ENODEV;
	if (msix_entry >= 0)
		return msix_probe(bus, devfn, msix_entry, m);
	pos = pci_find_cap(bus, devfn, PCI_CAP_ID_MSI);
	if (!pos || pos > 0xff - MSI_MASK_64 - 4)
		return -ENODEV;
	ctrl = pci_conf_read16(bus, devfn, pos + MSI_CONTROL);
	*m = (struct msi_desc){
		.bus = bus,
		.devfn = devfn,
		.pos = pos,
		.is64 = ctrl & MSI_CTRL_64BIT,
		.maskbit = ctrl & MSI_CTRL_MASKBIT,
	};
	return 0;
}

static unsigned int mask_reg(const struct msi_desc *m)
{
	return m->pos + (m->is64 ? MSI_MASK_64 : MSI_MASK_32);
}

void msi_set_mask(const struct msi_desc *m, bool masked)
{
	uint32_t bits;

	if (m->msix) {
		bits = m->entry_va[MSIX_VECTOR_CTRL];
		bits = masked ? bits | MSIX_VECTOR_MASKED :
			 bits & ~MSIX_VECTOR_MASKED;
		m->entry_va[MSIX_VECTOR_CTRL] = bits;
		return;
	}
	if (!m->maskbit)
		return;
	bits = pci_conf_read32(m->bus, m->devfn, mask_reg(m));
	bits = masked ? bits | 1 : bits & ~1U;
	pci_conf_write32(m->bus, m->devfn, mask_reg(m), bits);
}

void msi_program(const struct msi_desc *m, unsigned int vector)
{
	uint32_t addr = MSI_ADDR_BASE |
			this_pcpu()->apic_id << MSI_ADDR_DEST_SHIFT;
	unsigned int pos = m->pos;
	uint16_t ctrl;

	if (m->msix) {
		msi_set_mask(m, true);
		m->entry_va[MSIX_ADDR_LO] = addr;
		m->entry_va[MSIX_ADDR_HI] = 0;
		m->entry_va[MSIX_DATA] = MSI_DATA_EDGE_FIXED | vector;
		return;
	}
	/* Off while the message changes; one vector; masked. */
	ctrl = pci_conf_read16(m->bus, m->devfn, pos + MSI_CONTROL);
	ctrl &= ~(MSI_CTRL_ENABLE | MSI_CTRL_QSIZE);
	pci_conf_write16(m->bus, m->devfn, pos + MSI_CONTROL, ctrl);
	msi_set_mask(m, true);
	pci_conf_write32(m->bus, m->devfn, pos + MSI_ADDR_LO, addr);
	if (m->is64) {
		pci_conf_write32(m->bus, m->devfn, pos + MSI_ADDR_HI, 0);
		pci_conf_write16(m->bus, m->devfn, pos + MSI_DATA_64,
				 MSI_DATA_EDGE_FIXED | vector);
	} else {
		pci_conf_write16(m->bus, m->devfn, pos + MSI_DATA_32,
				 MSI_DATA_EDGE_FIXED | vector);
	}
}

void msi_disable(const struct msi_desc *m)
{
	uint16_t ctrl;

	msi_set_mask(m, true);
	if (m->msix)
		return;	/* the other entries may still be in use */
	ctrl = pci_conf_read16(m->bus, m->devfn, m->pos + MSI_CONTROL);
	pci_conf_write16(m->bus, m->devfn, m->pos + MSI_CONTROL,
			 ctrl & ~MSI_CTRL_ENABLE);
}
