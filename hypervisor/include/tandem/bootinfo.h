/* SPDX-License-Identifier: MIT */
/*
 * What the boot loader told us, copied out of its structures early so
 * that the memory holding them can be reused.
 */
#ifndef TANDEM_BOOTINFO_H
#define TANDEM_BOOTINFO_H

#include <tandem/types.h>

#define MAX_MEMORY_REGIONS	64
#define MAX_BOOT_MODULES	16
#define BOOT_CMDLINE_LEN	1024

enum mem_type {
	MEM_RAM = 1,
	MEM_RESERVED = 2,
	MEM_ACPI = 3,
	MEM_NVS = 4,
	MEM_UNUSABLE = 5,
};

struct mem_region {
	paddr_t start;
	uint64_t size;
	enum mem_type type;
};

struct boot_module {
	paddr_t start;
	uint64_t size;
	char cmdline[BOOT_CMDLINE_LEN];
};

struct boot_info {
	char cmdline[BOOT_CMDLINE_LEN];
	char loader[64];
	struct mem_region mem[MAX_MEMORY_REGIONS];
	unsigned int nr_mem;
	struct boot_module mods[MAX_BOOT_MODULES];
	unsigned int nr_mods;
};

extern struct boot_info boot_info;

int multiboot_parse(paddr_t mbi_phys, struct boot_info *bi);

#endif
