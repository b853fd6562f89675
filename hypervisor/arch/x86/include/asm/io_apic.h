/* SPDX-License-Identifier: MIT */
/*
 * The IO-APICs: which GSIs exist, and one redirection entry per GSI,
 * always aimed at the boot CPU's local APIC in physical mode. The
 * hypervisor owns them; dom0 may only read their registers.
 */
#ifndef ASM_IO_APIC_H
#define ASM_IO_APIC_H

#include <tandem/types.h>

/*
 * Map the IO-APICs the MADT lists (or the one at 0xfec00000 when there
 * are no ACPI tables) and mask every input. Needs acpi_init(), ioremap()
 * and the local APIC (its id is the destination of every interrupt).
 */
void io_apic_init(void);

/* One past the highest GSI of any IO-APIC; 0 if there is none. */
unsigned int io_apic_nr_gsis(void);
bool io_apic_gsi_valid(unsigned int gsi);

/*
 * Program a GSI's redirection entry, masked: vector, and the line mode
 * (ACPI_IRQ_LEVEL, ACPI_IRQ_ACTIVE_LOW). Returns 0 or -EINVAL.
 */
int io_apic_route(unsigned int gsi, unsigned int vector, uint8_t mode);
void io_apic_mask(unsigned int gsi);
void io_apic_unmask(unsigned int gsi);

/*
 * PHYSDEVOP_apic_read/write for dom0: reg of the IO-APIC at physbase.
 * Reads return what the hardware holds; writes change nothing.
 */
int io_apic_guest_read(uint64_t physbase, uint32_t reg, uint32_t *val);
int io_apic_guest_write(uint64_t physbase, uint32_t reg, uint32_t val);

/* Interrupt-controller MMIO (IO-APIC, local APIC) that no guest maps. */
bool mmio_is_hypervisors(mfn_t mfn);

#endif
