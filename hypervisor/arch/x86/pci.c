// SPDX-License-Identifier: MIT
/*
 * PCI configuration space access (configuration mechanism #1). The
 * hypervisor only reads capabilities and writes MSI registers; finding
 * and driving devices is dom0's work.
 */
#include <tandem/lib.h>
#include <asm/pci.h>
#include <asm/processor.h>

#define PCI_CONF_ADDR		0xcf8
#define PCI_CONF_DATA		0xcfc
#define PCI_CONF_ENABLE		0x80000000U
#define PCI_MAX_CAPS		48	/* (256 - 64) / 4: a loop ends here */

static uint32_t conf_addr(uint8_t bus, uint8_t devfn, unsigned int reg)
{
	return PCI_CONF_ENABLE | (uint32_t)bus << 16 | (uint32_t)devfn << 8 |
	       (reg & 0xfc);
}

/*
 * The address port belongs to whoever wrote it last; dom0 may be
 * between its write and its data access on a vCPU we preempted.
 */
static uint32_t conf_select(uint8_t bus, uint8_t devfn, unsigned int reg)
{
	uint32_t saved = inl(PCI_CONF_ADDR);

	outl(PCI_CONF_ADDR, conf_addr(bus, devfn, reg));
	return saved;
}

uint32_t pci_conf_read32(uint8_t bus, uint8_t devfn, unsigned int reg)
{
	uint32_t saved = conf_select(bus, devfn, reg);
	uint32_t v = inl(PCI_CONF_DATA);

	outl(PCI_CONF_ADDR, saved);
	return v;
}

uint16_t pci_conf_read16(uint8_t bus, uint8_t devfn, unsigned int reg)
{
	uint32_t saved = conf_select(bus, devfn, reg);
	uint16_t v = inw(PCI_CONF_DATA + (reg & 2));

	outl(PCI_CONF_ADDR, saved);
	return v;
}

uint8_t pci_conf_read8(uint8_t bus, uint8_t devfn, unsigned int reg)
{
	uint32_t saved = conf_select(bus, devfn, reg);
	uint8_t v = inb(PCI_CONF_DATA + (reg & 3));

	outl(PCI_CONF_ADDR, saved);
	return v;
}

void pci_conf_write16(uint8_t bus, uint8_t devfn, unsigned int reg,
		      uint16_t val)
{
	uint32_t saved = conf_select(bus, devfn, reg);

	outw(PCI_CONF_DATA + (reg & 2), val);
	outl(PCI_CONF_ADDR, saved);
}

void pci_conf_write32(uint8_t bus, uint8_t devfn, unsigned int reg,
		      uint32_t val)
{
	uint32_t saved = conf_select(bus, devfn, reg);

	outl(PCI_CONF_DATA, val);
	outl(PCI_CONF_ADDR, saved);
}

unsigned int pci_find_cap(uint8_t bus, uint8_t devfn, uint8_t id)
{
	unsigned int pos;

	if (pci_conf_read16(bus, devfn, PCI_VENDOR_ID) == 0xffff ||
	    !(pci_conf_read16(bus, devfn, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	pos = pci_conf_read8(bus, devfn, PCI_CAPABILITY_LIST);
	/* The device's list is input too: bounded, and no loops. */
	for (unsigned int n = 0; n < PCI_MAX_CAPS; n++) {
		pos &= 0xfc;
		if (pos < 0x40)
			return 0;
		if (pci_conf_read8(bus, devfn, pos) == id)
			return pos;
		pos = pci_conf_read8(bus, devfn, pos + 1);
	}
	return 0;
}
