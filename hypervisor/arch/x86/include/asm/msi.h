/* SPDX-License-Identifier: MIT */
/*
 * Message-signalled interrupts of PCI devices: the MSI capability, and
 * single entries of an MSI-X table. The hypervisor writes the message
 * (our local APIC, one vector) and the mask; dom0 turns MSI or MSI-X on
 * and off in the capability's control register, as under Xen.
 */
#ifndef ASM_MSI_H
#define ASM_MSI_H

#include <tandem/types.h>

struct msi_desc {
	uint8_t bus;
	uint8_t devfn;
	uint8_t pos;		/* offset of the capability */
	bool msix;
	bool is64;		/* MSI: 64-bit message address */
	bool maskbit;		/* MSI: per-vector masking */
	uint16_t entry;		/* MSI-X: table entry */
	volatile uint32_t *entry_va;	/* MSI-X: the entry, mapped */
};

/*
 * Find the device's MSI capability (msix_entry < 0) or entry msix_entry
 * of its MSI-X table, and map that entry: 0, -ENODEV (no such thing),
 * -EINVAL (entry beyond the table, table not in device memory) or
 * -ENOSPC (no room to map another table).
 */
int msi_probe(uint8_t bus, uint8_t devfn, int msix_entry,
	      struct msi_desc *m);
/* Aim the message at vector on the boot CPU; left masked. */
void msi_program(const struct msi_desc *m, unsigned int vector);
/* Mask or unmask, where the device can; a no-op otherwise. */
void msi_set_mask(const struct msi_desc *m, bool masked);
/* The mapping is gone: MSI off in the device, or the entry masked. */
void msi_disable(const struct msi_desc *m);

#endif
