/* SPDX-License-Identifier: MIT */
/*
 * The grant-table test's stand-ins for the hypervisor services
 * grant_table.c uses (fake_hv.c), and the knobs the test turns.
 * Machine memory is fake_machine[] (see asm/config.h here); guest
 * pointers are host pointers.
 */
#ifndef TEST_SHIM_GRANT_FAKE_HV_H
#define TEST_SHIM_GRANT_FAKE_HV_H

#include <tandem/domain.h>
#include <tandem/mm.h>

#include "../fake_services.h"

#define FAKE_BAD_HOST_ADDR	0xbad000UL	/* no L1 maps it */

extern long fake_hv_allocs_until_failure;	/* < 0: never fail */
extern bool fake_pt_gone;	/* pv_destroy_grant_mapping() fails */
extern int fake_nr_unimplemented;

mfn_t fake_alloc_domain_frame(struct domain *d);
unsigned long fake_free_frames(void);

/* The fake grant PTEs pv_create_grant_mapping() made. */
unsigned int fake_nr_ptes(void);
bool fake_pte_maps(uint64_t addr, mfn_t mfn, bool writable);
/* What the page-table teardown does: drop every PTE's references. */
void fake_teardown_ptes(void);

#endif
