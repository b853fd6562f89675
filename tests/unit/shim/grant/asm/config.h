/* SPDX-License-Identifier: MIT */
/*
 * Host stand-in for asm/config.h in the grant-table test: the real
 * constants, except that the direct map is a buffer of fake machine
 * memory, so mfn_to_virt() and virt_to_mfn() work in a host process.
 */
#ifndef TEST_SHIM_GRANT_CONFIG_H
#define TEST_SHIM_GRANT_CONFIG_H

#include_next <asm/config.h>

#define FAKE_NR_FRAMES		1024
extern unsigned char fake_machine[];

#undef DIRECTMAP_VIRT_START
#undef DIRECTMAP_VIRT_END
#define DIRECTMAP_VIRT_START	((unsigned long)fake_machine)
#define DIRECTMAP_VIRT_END	(DIRECTMAP_VIRT_START + \
				 FAKE_NR_FRAMES * (unsigned long)PAGE_SIZE)

#endif
