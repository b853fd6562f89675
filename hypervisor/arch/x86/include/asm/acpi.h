/* SPDX-License-Identifier: MIT */
/*
 * What the hypervisor takes from the firmware's ACPI tables: the
 * interrupt controllers and the ISA interrupt routing (MADT), and the
 * fixed-hardware ports (FADT). Everything else in ACPI (the DSDT, sleep
 * states, devices) is dom0's business.
 */
#ifndef ASM_ACPI_H
#define ASM_ACPI_H

#include <tandem/types.h>

#define ACPI_MAX_IOAPICS	8
#define ACPI_MAX_CPUS		64
#define ACPI_MAX_NMI_SOURCES	8
#define ACPI_NR_ISA_IRQS	16
#define ACPI_MAX_TABLE_LEN	(64 * 1024)	/* larger ones are refused */
#define ACPI_MAX_SDT_ENTRIES	256

/* Trigger mode and polarity of an interrupt line. */
#define ACPI_IRQ_LEVEL		(1U << 0)	/* else edge */
#define ACPI_IRQ_ACTIVE_LOW	(1U << 1)	/* else active high */

/* Where an ISA IRQ arrives: GSI and line mode. */
struct acpi_isa_irq {
	uint32_t gsi;
	uint8_t mode;		/* ACPI_IRQ_* */
	bool overridden;	/* an interrupt source override said so */
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t addr;
	uint32_t gsi_base;
};

/* An NMI wired to an IO-APIC input. */
struct acpi_nmi_source {
	uint32_t gsi;
	uint8_t mode;		/* ACPI_IRQ_* */
};

/* An ACPI Generic Address Structure. */
struct acpi_gas {
	uint8_t space;		/* ACPI_SPACE_* */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
};

#define ACPI_SPACE_MEMORY	0
#define ACPI_SPACE_IO		1
#define ACPI_SPACE_PCI_CONFIG	2

struct acpi_info {
	bool found;			/* an RSDP with a usable RSDT/XSDT */
	paddr_t rsdp_addr;
	uint8_t revision;		/* RSDP revision: 0 is ACPI 1.0 */
	char oem_id[7];
	paddr_t sdt_addr;		/* the RSDT, or (ACPI 2+) the XSDT */
	bool xsdt;
	unsigned int nr_tables;		/* entries of the RSDT/XSDT */

	/* MADT */
	bool have_madt;
	uint64_t lapic_addr;
	bool pcat_compat;		/* dual 8259s present */
	unsigned int nr_cpus;		/* enabled local APICs */
	uint32_t cpu_apic_id[ACPI_MAX_CPUS];
	unsigned int nr_ioapics;
	struct acpi_ioapic ioapic[ACPI_MAX_IOAPICS];
	unsigned int nr_overrides;
	struct acpi_isa_irq isa[ACPI_NR_ISA_IRQS];
	unsigned int nr_nmi_sources;
	struct acpi_nmi_source nmi_source[ACPI_MAX_NMI_SOURCES];
	int lapic_nmi_lint;		/* LINT pin of the local APIC NMI, -1 */
	unsigned int nr_ignored;	/* malformed or surplus MADT entries */

	/* FADT: dom0 drives these; we only remember where they are. */
	bool have_fadt;
	uint8_t fadt_revision;
	uint16_t sci_irq;		/* ISA IRQ (or GSI) of the SCI */
	uint16_t smi_cmd_port;
	uint16_t pm1a_evt_port, pm1b_evt_port;
	uint16_t pm1a_cnt_port, pm1b_cnt_port;	/* 0: absent */
	uint16_t pm_tmr_port;
	uint16_t boot_arch;		/* IAPC_BOOT_ARCH, 0 before ACPI 2 */
	bool reset_supported;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
};

/* IAPC_BOOT_ARCH bits. */
#define ACPI_BOOT_LEGACY_DEVICES	(1U << 0)
#define ACPI_BOOT_8042			(1U << 1)
#define ACPI_BOOT_NO_MSI		(1U << 3)

extern struct acpi_info acpi_info;

/*
 * Map [pa, pa + len) of physical memory for reading; NULL if that is not
 * possible. The mapping may stay for good: the parser maps little.
 */
typedef const void *(*acpi_map_fn)(paddr_t pa, size_t len);

/*
 * Find the RSDP and parse the MADT and FADT into info. The tables are
 * untrusted input: anything malformed is skipped with a warning, so info
 * always ends consistent (without ACPI: no IO-APIC listed and the
 * identity ISA map). Returns 0, or -ENOENT if no usable tables exist.
 */
int acpi_parse(acpi_map_fn map, struct acpi_info *info);

/* acpi_parse() on the machine's memory into acpi_info; prints a summary. */
void acpi_init(void);

/* The GSI an ISA IRQ is wired to. */
static inline unsigned int acpi_isa_gsi(unsigned int isa_irq)
{
	return isa_irq < ACPI_NR_ISA_IRQS ? acpi_info.isa[isa_irq].gsi :
	       isa_irq;
}

/* The ISA IRQ that arrives on a GSI, or -1. */
int acpi_gsi_isa_irq(const struct acpi_info *info, unsigned int gsi);

/* A GSI's mode (ACPI_IRQ_*) until dom0 says otherwise (setup_gsi). */
uint8_t acpi_gsi_default_mode(const struct acpi_info *info, unsigned int gsi);

#endif
