/* SPDX-License-Identifier: MIT */
/*
 * PCI configuration space of segment 0, through the legacy mechanism
 * (ports 0xcf8/0xcfc). dom0 uses the same ports: each access here saves
 * and restores the address port, so one of dom0's half-done accesses on
 * another vCPU is not disturbed.
 */
#ifndef ASM_PCI_H
#define ASM_PCI_H

#include <tandem/types.h>

#define PCI_VENDOR_ID		0x00
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_STATUS_CAP_LIST	0x10
#define PCI_HEADER_TYPE		0x0e
#define PCI_CAPABILITY_LIST	0x34
#define PCI_CAP_ID_MSI		0x05
#define PCI_CAP_ID_MSIX		0x11

/* reg is a byte offset below 256, aligned to the access size. */
uint8_t pci_conf_read8(uint8_t bus, uint8_t devfn, unsigned int reg);
uint16_t pci_conf_read16(uint8_t bus, uint8_t devfn, unsigned int reg);
uint32_t pci_conf_read32(uint8_t bus, uint8_t devfn, unsigned int reg);
void pci_conf_write16(uint8_t bus, uint8_t devfn, unsigned int reg,
		      uint16_t val);
void pci_conf_write32(uint8_t bus, uint8_t devfn, unsigned int reg,
		      uint32_t val);

/* Offset of the first capability with this id, or 0. */
unsigned int pci_find_cap(uint8_t bus, uint8_t devfn, uint8_t id);

#endif
