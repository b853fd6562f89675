/* SPDX-License-Identifier: MIT */
/*
 * Host stand-in for asm/config.h in the IRQ test: the real constants,
 * except that the direct map is a buffer of the test ("machine memory"
 * for the guest's pirq_eoi page), so that mfn_to_virt() works in a host
 * process.
 */
#ifndef TEST_SHIM_IRQ_CONFIG_H
#define TEST_SHIM_IRQ_CONFIG_H

#include_next <asm/config.h>

#define IRQ_TEST_NR_FRAMES	16
extern unsigned char *irq_test_ram;

#undef DIRECTMAP_VIRT_START
#undef DIRECTMAP_VIRT_END
#define DIRECTMAP_VIRT_START	((unsigned long)irq_test_ram)
#define DIRECTMAP_VIRT_END	(DIRECTMAP_VIRT_START + \
				 IRQ_TEST_NR_FRAMES * (unsigned long)PAGE_SIZE)

#endif
