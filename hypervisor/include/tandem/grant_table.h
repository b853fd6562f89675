/* SPDX-License-Identifier: MIT */
/*
 * Grant tables (v1): a domain publishes entries "domain D may map/copy my
 * frame F (read-only or not)" in shared pages; other domains map or copy
 * those frames through grant_table_op, and the hypervisor checks every
 * use against the entry and counts it, so the granter can tell when its
 * frame is no longer in use.
 */
#ifndef TANDEM_GRANT_TABLE_H
#define TANDEM_GRANT_TABLE_H

#include <tandem/types.h>
#include <public/grant_table.h>

struct domain;

/* Frames of grant entries a domain may have (v1: 512 entries each). */
#define GNTTAB_DEFAULT_MAX_FRAMES	32

/* A table of one frame (refs 0..511); GNTTABOP_setup_table grows it. */
int grant_table_init(struct domain *d);
/*
 * Domain teardown: unmap every grant d has mapped from others (releasing
 * their pins) and free d's table. Frames of d that others still map stay
 * allocated until they unmap.
 */
void grant_table_destroy(struct domain *d);

/*
 * XENMEM_acquire_resource: how many frames resource id of d's table may
 * have (0: no such resource), and the MFNs of frames [frame, frame + nr),
 * growing the table to hold them.
 */
unsigned int grant_table_resource_size(const struct domain *d,
				       unsigned int id);
int grant_table_resource_frames(struct domain *d, unsigned int id,
				unsigned int frame, unsigned int nr,
				xen_pfn_t *mfns);

long do_grant_table_op(unsigned int cmd, uint64_t uop, unsigned int count);

/* The builder seeds these for the console and store (reserved refs 0, 1). */
int grant_table_seed(struct domain *d, grant_ref_t ref, domid_t backend,
		     mfn_t mfn, bool readonly);

#endif
