/* SPDX-License-Identifier: MIT */
/*
 * Host stand-in for asm/config.h in the page-table test: the real
 * constants, except that the direct map is the simulated machine's RAM,
 * a buffer the test allocates, so that mfn_to_virt() and virt_to_mfn()
 * work in a host process.
 */
#ifndef TEST_SHIM_PAGETABLE_CONFIG_H
#define TEST_SHIM_PAGETABLE_CONFIG_H

#include_next <asm/config.h>

#define SIM_NR_FRAMES		4096	/* 16 MiB of "machine memory" */
extern unsigned char *sim_ram;

#undef DIRECTMAP_VIRT_START
#undef DIRECTMAP_VIRT_END
#define DIRECTMAP_VIRT_START	((unsigned long)sim_ram)
#define DIRECTMAP_VIRT_END	(DIRECTMAP_VIRT_START + \
				 SIM_NR_FRAMES * (unsigned long)PAGE_SIZE)

#endif
