// SPDX-License-Identifier: MIT
/*
 * Grant tables (v1), guest side: set up and map our own table, fill and
 * revoke entries, map and unmap other domains' grants. A PV guest names
 * frames by MFN in grant entries.
 */
#include "guest.h"

#define GNTTAB_MAX_FRAMES	4

static uint8_t table_va[GNTTAB_MAX_FRAMES * PAGE_SIZE] __aligned(PAGE_SIZE);
struct grant_entry_v1 *gnttab;
unsigned int gnttab_nr_frames;

long gnttab_init(unsigned int nr_frames)
{
	uint64_t frames[GNTTAB_MAX_FRAMES];
	struct gnttab_setup_table st = {
		.dom = DOMID_SELF,
		.nr_frames = nr_frames,
		.frame_list = (uint64_t)frames,
	};
	unsigned int i;
	long rc;

	if (nr_frames > GNTTAB_MAX_FRAMES)
		return -XEN_EINVAL;
	rc = hv_grant_table_op(GNTTABOP_setup_table, &st, 1);
	if (rc)
		return rc;
	if (st.status)
		return st.status;
	for (i = 0; i < nr_frames; i++) {
		rc = map_mfn((unsigned long)table_va + i * PAGE_SIZE,
			     frames[i], PTE_KERN_RW);
		if (rc)
			return rc;
	}
	gnttab = (struct grant_entry_v1 *)table_va;
	gnttab_nr_frames = nr_frames;
	return 0;
}

void gnttab_grant(grant_ref_t ref, domid_t domid, uint64_t mfn,
		  bool readonly)
{
	gnttab[ref].frame = mfn;
	gnttab[ref].domid = domid;
	/* The entry must be complete before the type makes it valid. */
	asm volatile("sfence" ::: "memory");
	gnttab[ref].flags = GTF_permit_access | (readonly ? GTF_readonly : 0);
}

bool gnttab_revoke(grant_ref_t ref)
{
	uint16_t flags = gnttab[ref].flags;

	if (flags & (GTF_reading | GTF_writing))
		return false;	/* still mapped by someone */
	gnttab[ref].flags = 0;
	return true;
}

int16_t gnttab_map(domid_t dom, grant_ref_t ref, void *va, uint32_t flags,
		   grant_handle_t *handle)
{
	struct gnttab_map_grant_ref m = {
		.host_addr = (uint64_t)va,
		.flags = flags,
		.ref = ref,
		.dom = dom,
	};
	long rc = hv_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);

	if (rc)
		return GNTST_general_error;
	if (handle)
		*handle = m.handle;
	return m.status;
}

int16_t gnttab_unmap(void *va, grant_handle_t handle)
{
	struct gnttab_unmap_grant_ref u = {
		.host_addr = (uint64_t)va,
		.handle = handle,
	};
	long rc = hv_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1);

	return rc ? GNTST_general_error : u.status;
}

domid_t own_domid(void)
{
	static domid_t self = DOMID_INVALID;
	struct evtchn_status st = { .dom = DOMID_SELF };
	evtchn_port_t port;

	if (self != DOMID_INVALID)
		return self;
	/* An unbound port for DOMID_SELF reports our real id. */
	if (evtchn_alloc_unbound(DOMID_SELF, &port))
		return DOMID_INVALID;
	st.port = port;
	if (!hv_event_channel_op(EVTCHNOP_status, &st))
		self = st.u.unbound.dom;
	hv_evtchn_close(port);
	return self;
}
