/*
 * Host test for the v1 grant tables (hypervisor/common/grant_table.c).
 *
 * The hypervisor file is compiled unchanged against the stand-ins in
 * tests/unit/shim/grant/: fake machine memory with a frame table, page
 * and type references, and grant PTEs that hold references like real
 * ones. Guest pointers are host pointers.
 *
 * Checked: setup_table/query_size (growth, limits, privilege, bad
 * pointers, allocation failure); seeding; every permission check of map
 * (ref range, entry type, domid, read-only, foreign or invalid frame,
 * missing/dying domain, bad host address) with nothing left behind on
 * failure; pin bookkeeping seen through GTF_reading/GTF_writing and the
 * page/type counts across several maps, unmaps and copies; unmap with bad
 * handles, wrong host or bus addresses and failed PTE removal; device
 * maps; copy in every direction and its hostile cases; version ops; the
 * maptrack limit; teardown of a mapper (with and without its page tables)
 * and of a granter (its domid reused meanwhile); no frame or allocation
 * leaked at the end.
 *
 * Build (from the top of the tree):
 *   gcc -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
 *       -include tests/unit/shim/host_compiler.h \
 *       -I tests/unit/shim/grant -I tests/unit/shim -I hypervisor/include \
 *       -I hypervisor/arch/x86/include \
 *       tests/unit/test_grant_table.c tests/unit/shim/grant/fake_hv.c \
 *       tests/unit/shim/fake_services.c hypervisor/common/grant_table.c \
 *       -o test_grant_table
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/grant_table.h>
#include <tandem/mm.h>
#include <asm/pagetable.h>
#include <public/grant_table.h>

#include "check.h"
#include "shim/grant/fake_hv.h"

/* ---- fake domains ---- */

static struct fake_dom dom0, doma, domb, domc;

static int make_dom(struct fake_dom *f, domid_t id, bool privileged)
{
	fake_dom_init(f, id, privileged, 1);
	return grant_table_init(&f->d);
}

/* What relinquish_resources() does to the grant table of a dying domain. */
static void kill_dom(struct fake_dom *f)
{
	f->d.state = DOMAIN_DYING;
	grant_table_destroy(&f->d);
	fake_forget_domain(&f->d);
}

/* Frames the test hands to domains, released at the end. */
static mfn_t dom_frames[32];
static unsigned int nr_dom_frames;

static mfn_t new_frame(struct fake_dom *f)
{
	mfn_t m = fake_alloc_domain_frame(&f->d);

	dom_frames[nr_dom_frames++] = m;
	return m;
}

static unsigned long pcount(mfn_t m)
{
	return frame_table[m].count_info & PGC_count_mask;
}

static unsigned long tcount(mfn_t m)
{
	return frame_table[m].type_info & PGT_count_mask;
}

/* ---- hypercalls as a given domain ---- */

static long gop(struct fake_dom *f, unsigned int cmd, void *arg,
		unsigned int count)
{
	test_current = &f->v[0];
	return do_grant_table_op(cmd, (uint64_t)(uintptr_t)arg, count);
}

static struct gnttab_query_size query(struct fake_dom *f, domid_t dom,
				      long *rc)
{
	struct gnttab_query_size q = { .dom = dom };

	*rc = gop(f, GNTTABOP_query_size, &q, 1);
	return q;
}

static int16_t setup(struct fake_dom *f, domid_t dom, uint32_t nr,
		     xen_pfn_t *frames)
{
	struct gnttab_setup_table op = {
		.dom = dom, .nr_frames = nr,
		.frame_list = (uint64_t)(uintptr_t)frames,
	};
	long rc = gop(f, GNTTABOP_setup_table, &op, 1);

	return rc ? -100 : op.status;
}

/* The guest's view of its own entry, through the frames it was given. */
static struct grant_entry_v1 *gentry(struct fake_dom *f, grant_ref_t ref)
{
	xen_pfn_t frames[GNTTAB_DEFAULT_MAX_FRAMES];
	long rc;
	struct gnttab_query_size q = query(f, DOMID_SELF, &rc);

	if (rc || q.status || ref >= q.nr_frames * 512 ||
	    setup(f, DOMID_SELF, q.nr_frames, frames)) {
		printf("FAIL cannot reach entry %u of d%u\n", ref,
		       f->d.domain_id);
		exit(1);
	}
	return (struct grant_entry_v1 *)mfn_to_virt(frames[ref / 512]) +
	       ref % 512;
}

static void grant(struct fake_dom *f, grant_ref_t ref, domid_t to,
		  mfn_t frame, uint16_t flags)
{
	struct grant_entry_v1 *e = gentry(f, ref);

	e->domid = to;
	e->frame = frame;
	e->flags = flags;
}

static uint16_t gflags(struct fake_dom *f, grant_ref_t ref)
{
	return gentry(f, ref)->flags;
}

static int16_t map(struct fake_dom *f, domid_t dom, grant_ref_t ref,
		   uint32_t flags, uint64_t host_addr, grant_handle_t *h,
		   uint64_t *bus)
{
	struct gnttab_map_grant_ref op = {
		.host_addr = host_addr, .flags = flags, .ref = ref, .dom = dom,
		.handle = 0xdead, .dev_bus_addr = 1,
	};
	long rc = gop(f, GNTTABOP_map_grant_ref, &op, 1);

	if (h)
		*h = op.handle;
	if (bus)
		*bus = op.dev_bus_addr;
	return rc ? -100 : op.status;
}

static int16_t unmap(struct fake_dom *f, grant_handle_t h,
		     uint64_t host_addr, uint64_t bus)
{
	struct gnttab_unmap_grant_ref op = {
		.host_addr = host_addr, .dev_bus_addr = bus, .handle = h,
	};
	long rc = gop(f, GNTTABOP_unmap_grant_ref, &op, 1);

	return rc ? -100 : op.status;
}

static int16_t copy(struct fake_dom *f, struct gnttab_copy op)
{
	long rc = gop(f, GNTTABOP_copy, &op, 1);

	return rc ? -100 : op.status;
}

static struct gnttab_copy_ptr gref_ptr(domid_t dom, grant_ref_t ref,
				       uint16_t off)
{
	return (struct gnttab_copy_ptr){ .u.ref = ref, .domid = dom,
					 .offset = off };
}

static struct gnttab_copy_ptr frame_ptr(domid_t dom, mfn_t mfn, uint16_t off)
{
	return (struct gnttab_copy_ptr){ .u.gmfn = mfn, .domid = dom,
					 .offset = off };
}

#define VA1	0x10000000UL
#define VA2	0x10001000UL
#define VA3	0x10002000UL

/* A's grants to B, set up by test_map_checks() and used afterwards. */
enum {
	R_RW = 10,	/* writable, to B */
	R_RO,		/* read-only, to B */
	R_TO_C,		/* writable, to C */
	R_NONE,		/* flags 0 */
	R_TRANSFER,	/* accept_transfer, to B */
	R_FOREIGN,	/* frame owned by C */
	R_BADMFN,	/* frame beyond memory */
	R_HV,		/* frame of the hypervisor heap, not A's */
};
static mfn_t fa, fb, fc;	/* frames of A, B, C */

/* ---- tests ---- */

static void test_setup_and_query(void)
{
	xen_pfn_t frames[GNTTAB_DEFAULT_MAX_FRAMES + 1], frames0[4];
	struct gnttab_query_size q;
	struct page_info *pg;
	unsigned long free_before;
	long rc;

	q = query(&doma, DOMID_SELF, &rc);
	CHECK(!rc && q.status == GNTST_okay && q.nr_frames == 1 &&
	      q.max_nr_frames == GNTTAB_DEFAULT_MAX_FRAMES,
	      "query_size: a new table has one frame, max 32");
	q = query(&domb, doma.d.domain_id, &rc);
	CHECK_EQ(q.status, GNTST_permission_denied,
		 "query_size of another domain: denied to domU");
	q = query(&dom0, doma.d.domain_id, &rc);
	CHECK(q.status == GNTST_okay && q.nr_frames == 1,
	      "query_size of another domain: allowed to dom0");
	q = query(&doma, 77, &rc);
	CHECK_EQ(q.status, GNTST_bad_domain, "query_size: no such domain");
	CHECK_EQ(gop(&doma, GNTTABOP_query_size, &q, 2), -EINVAL,
		 "query_size: count != 1 is -EINVAL");
	CHECK_EQ(gop(&doma, GNTTABOP_query_size, (void *)FAKE_BAD_GUEST_VA,
		     1), -EFAULT, "query_size: bad pointer is -EFAULT");

	CHECK_EQ(setup(&doma, DOMID_SELF, 1, frames), GNTST_okay,
		 "setup_table: one frame");
	pg = mfn_to_page(frames[0]);
	CHECK(pg->owner == &doma.d && (pg->count_info & PGC_allocated) &&
	      (pg->count_info & PGC_hv_heap),
	      "setup_table: the frame is a hypervisor page lent to A");
	CHECK_EQ(setup(&doma, DOMID_SELF, 3, frames), GNTST_okay,
		 "setup_table: grow to three frames");
	q = query(&doma, DOMID_SELF, &rc);
	CHECK_EQ(q.nr_frames, 3, "query_size: three frames now");
	CHECK(frames[1] != frames[0] && frames[2] != frames[1] &&
	      mfn_to_page(frames[2])->owner == &doma.d,
	      "setup_table: new frames listed, lent to A");
	CHECK_EQ(setup(&doma, DOMID_SELF, 1, frames0), GNTST_okay,
		 "setup_table: asking for fewer frames is fine");
	CHECK(frames0[0] == frames[0] &&
	      query(&doma, DOMID_SELF, &rc).nr_frames == 3,
	      "setup_table: ... and does not shrink the table");
	CHECK_EQ(setup(&doma, DOMID_SELF, GNTTAB_DEFAULT_MAX_FRAMES + 1,
		       frames), GNTST_general_error,
		 "setup_table: more than max frames refused");
	CHECK_EQ(setup(&domb, doma.d.domain_id, 3, frames0),
		 GNTST_permission_denied,
		 "setup_table of another domain: denied to domU");
	CHECK(setup(&dom0, doma.d.domain_id, 3, frames0) == GNTST_okay &&
	      !memcmp(frames0, frames, 3 * sizeof(frames[0])),
	      "setup_table of another domain: dom0 gets its frames");
	CHECK_EQ(setup(&dom0, 77, 1, frames0), GNTST_bad_domain,
		 "setup_table: no such domain");
	CHECK_EQ(setup(&doma, DOMID_SELF, 1, (void *)FAKE_BAD_GUEST_VA),
		 GNTST_bad_virt_addr, "setup_table: bad frame list");
	CHECK_EQ(gop(&doma, GNTTABOP_setup_table, frames, 0), -EINVAL,
		 "setup_table: count != 1 is -EINVAL");

	free_before = fake_free_frames();
	fake_hv_allocs_until_failure = 2;
	CHECK_EQ(setup(&doma, DOMID_SELF, 4, frames), GNTST_general_error,
		 "setup_table: out of memory while growing");
	fake_hv_allocs_until_failure = -1;
	CHECK(fake_free_frames() == free_before &&
	      query(&doma, DOMID_SELF, &rc).nr_frames == 3,
	      "setup_table: ... no frame lost, size unchanged");
}

static void test_seed(void)
{
	struct grant_entry_v1 *e;

	CHECK_EQ(grant_table_seed(&domc.d, GNTTAB_RESERVED_CONSOLE, 0, fc,
				  false), 0, "seed: console ref");
	e = gentry(&domc, GNTTAB_RESERVED_CONSOLE);
	CHECK(e->flags == GTF_permit_access && e->domid == 0 &&
	      e->frame == fc, "seed: writable permit-access entry to dom0");
	CHECK_EQ(grant_table_seed(&domc.d, GNTTAB_RESERVED_XENSTORE, 0, fc,
				  true), 0, "seed: store ref");
	CHECK_EQ(gflags(&domc, GNTTAB_RESERVED_XENSTORE),
		 GTF_permit_access | GTF_readonly, "seed: read-only entry");
	CHECK_EQ(grant_table_seed(&domc.d, 512, 0, fc, false), -EINVAL,
		 "seed: ref beyond the table");
	CHECK_EQ(grant_table_seed(&domc.d, 2, 0, 1ULL << 32, false), -ERANGE,
		 "seed: frame wider than 32 bits");
	grant(&domc, GNTTAB_RESERVED_CONSOLE, 0, 0, 0);
	grant(&domc, GNTTAB_RESERVED_XENSTORE, 0, 0, 0);
}

static void test_map_checks(void)
{
	domid_t a = doma.d.domain_id, b = domb.d.domain_id;
	unsigned long pa = pcount(fa);
	struct fake_dom dying;
	void *hv_page;

	grant(&doma, R_RW, b, fa, GTF_permit_access);
	grant(&doma, R_RO, b, fa, GTF_permit_access | GTF_readonly);
	grant(&doma, R_TO_C, domc.d.domain_id, fa, GTF_permit_access);
	grant(&doma, R_NONE, b, fa, 0);
	grant(&doma, R_TRANSFER, b, fa, GTF_accept_transfer);
	grant(&doma, R_FOREIGN, b, fc, GTF_permit_access);
	grant(&doma, R_BADMFN, b, FAKE_NR_FRAMES + 5, GTF_permit_access);
	hv_page = alloc_hv_page();
	grant(&doma, R_HV, b, virt_to_mfn(hv_page), GTF_permit_access);

	CHECK_EQ(map(&domb, a, R_RW, 0, VA1, NULL, NULL), GNTST_bad_gntref,
		 "map: neither host_map nor device_map");
	CHECK_EQ(map(&domb, 77, R_RW, GNTMAP_host_map, VA1, NULL, NULL),
		 GNTST_bad_domain, "map: no such domain");
	CHECK_EQ(map(&domb, a, 3 * 512, GNTMAP_host_map, VA1, NULL, NULL),
		 GNTST_bad_gntref, "map: ref == number of entries");
	CHECK_EQ(map(&domb, a, 0xffffffff, GNTMAP_host_map, VA1, NULL, NULL),
		 GNTST_bad_gntref, "map: ref 0xffffffff");
	CHECK_EQ(map(&domb, a, R_NONE, GNTMAP_host_map, VA1, NULL, NULL),
		 GNTST_general_error, "map: entry not granted (flags 0)");
	CHECK_EQ(map(&domb, a, R_TRANSFER, GNTMAP_host_map, VA1, NULL, NULL),
		 GNTST_general_error, "map: accept_transfer entry");
	CHECK_EQ(map(&domb, a, R_TO_C, GNTMAP_host_map, VA1, NULL, NULL),
		 GNTST_general_error, "map: entry granted to another domain");
	CHECK_EQ(map(&domb, a, R_RO, GNTMAP_host_map, VA1, NULL, NULL),
		 GNTST_general_error, "map: writable map of read-only grant");
	CHECK_EQ(map(&domb, a, R_FOREIGN, GNTMAP_host_map | GNTMAP_readonly,
		     VA1, NULL, NULL), GNTST_bad_page,
		 "map: granter does not own the frame");
	CHECK_EQ(map(&domb, a, R_BADMFN, GNTMAP_host_map | GNTMAP_readonly,
		     VA1, NULL, NULL), GNTST_bad_page,
		 "map: frame beyond memory");
	CHECK_EQ(map(&domb, a, R_HV, GNTMAP_host_map | GNTMAP_readonly,
		     VA1, NULL, NULL), GNTST_bad_page,
		 "map: hypervisor frame not lent to the granter");
	CHECK_EQ(map(&domb, a, R_RW, GNTMAP_host_map, FAKE_BAD_HOST_ADDR,
		     NULL, NULL), GNTST_general_error, "map: bad host address");
	CHECK(gflags(&doma, R_RW) == GTF_permit_access &&
	      gflags(&doma, R_RO) == (GTF_permit_access | GTF_readonly) &&
	      gflags(&doma, R_TO_C) == GTF_permit_access &&
	      gflags(&doma, R_FOREIGN) == GTF_permit_access,
	      "map failures leave no GTF_reading/GTF_writing behind");
	CHECK(pcount(fa) == pa && tcount(fa) == 0 && fake_nr_ptes() == 0,
	      "map failures leave no reference or PTE behind");
	CHECK_EQ(map(&domc, a, R_RW, GNTMAP_host_map, VA1, NULL, NULL),
		 GNTST_general_error, "map: C may not map B's grant");

	CHECK_EQ(make_dom(&dying, 9, false), 0, "a domain that will die");
	grant(&dying, 1, b, new_frame(&dying), GTF_permit_access);
	dying.d.state = DOMAIN_DYING;
	CHECK_EQ(map(&domb, 9, 1, GNTMAP_host_map, VA1, NULL, NULL),
		 GNTST_bad_domain, "map: granter is dying");
	kill_dom(&dying);
	free_hv_page(hv_page);
}

static void test_map_unmap_pins(void)
{
	domid_t a = doma.d.domain_id, b = domb.d.domain_id;
	unsigned long pa = pcount(fa);
	grant_handle_t h1, h2, h;
	uint64_t bus;

	CHECK_EQ(map(&domb, a, R_RW, GNTMAP_host_map | GNTMAP_readonly, VA1,
		     &h1, &bus), GNTST_okay, "map: read-only host map");
	CHECK_EQ(bus, (uint64_t)fa << PAGE_SHIFT,
		 "map: dev_bus_addr is the frame's address");
	CHECK_EQ(gflags(&doma, R_RW), GTF_permit_access | GTF_reading,
		 "map: GTF_reading set, GTF_writing not");
	CHECK(pcount(fa) == pa + 1 && tcount(fa) == 0 &&
	      fake_pte_maps(VA1, fa, false),
	      "map: the PTE holds a page reference, no type");

	CHECK_EQ(map(&domb, a, R_RW, GNTMAP_host_map, VA2, &h2, NULL),
		 GNTST_okay, "map: second, writable map of the same grant");
	CHECK(h2 != h1, "map: distinct handles");
	CHECK_EQ(gflags(&doma, R_RW),
		 GTF_permit_access | GTF_reading | GTF_writing,
		 "map: GTF_writing set");
	CHECK(pcount(fa) == pa + 2 && tcount(fa) == 1 &&
	      fake_pte_maps(VA2, fa, true),
	      "map: writable PTE holds a page and a type reference");

	CHECK_EQ(map(&domb, a, R_RW, GNTMAP_host_map, VA1, NULL, NULL),
		 GNTST_general_error, "map: host address already mapped");
	CHECK(pcount(fa) == pa + 2 && tcount(fa) == 1,
	      "map: ... references unchanged");

	/* A re-grants the entry to dom0 while B still uses it. */
	gentry(&doma, R_RW)->domid = 0;
	CHECK_EQ(map(&dom0, a, R_RW, GNTMAP_host_map, VA3, NULL, NULL),
		 GNTST_general_error, "map: entry in use by B, dom0 refused");
	CHECK_EQ(map(&domb, a, R_RW, GNTMAP_host_map, VA3, NULL, NULL),
		 GNTST_general_error,
		 "map: B refused too once the entry no longer names it");
	gentry(&doma, R_RW)->domid = b;

	CHECK_EQ(unmap(&domb, 12345, VA1, 0), GNTST_bad_handle,
		 "unmap: handle never allocated");
	CHECK_EQ(unmap(&domb, 0xffffffff, VA1, 0), GNTST_bad_handle,
		 "unmap: handle 0xffffffff");
	CHECK_EQ(unmap(&domc, h1, VA1, 0), GNTST_bad_handle,
		 "unmap: another domain's handle");
	CHECK_EQ(unmap(&domb, h1, VA2, 0), GNTST_general_error,
		 "unmap: wrong host address");
	CHECK_EQ(unmap(&domb, h1, 0, 0), GNTST_general_error,
		 "unmap: host address 0 for a host mapping");
	CHECK(fake_pte_maps(VA1, fa, false) && fake_pte_maps(VA2, fa, true) &&
	      pcount(fa) == pa + 2, "unmap failures change nothing");

	fake_pt_gone = true;
	CHECK_EQ(unmap(&domb, h2, VA2, 0), GNTST_general_error,
		 "unmap: PTE cannot be removed");
	fake_pt_gone = false;
	CHECK_EQ(gflags(&doma, R_RW),
		 GTF_permit_access | GTF_reading | GTF_writing,
		 "unmap: ... the pins stay");

	CHECK_EQ(unmap(&domb, h2, VA2, 0), GNTST_okay,
		 "unmap: the writable map");
	CHECK_EQ(gflags(&doma, R_RW), GTF_permit_access | GTF_reading,
		 "unmap: GTF_writing cleared, GTF_reading kept");
	CHECK(pcount(fa) == pa + 1 && tcount(fa) == 0 &&
	      !fake_pte_maps(VA2, fa, true), "unmap: PTE and its refs gone");
	CHECK_EQ(unmap(&domb, h1, VA1, 0), GNTST_okay,
		 "unmap: the read-only map");
	CHECK_EQ(gflags(&doma, R_RW), GTF_permit_access,
		 "unmap: last use gone, both bits clear");
	CHECK(pcount(fa) == pa && fake_nr_ptes() == 0,
	      "unmap: all references back");
	CHECK_EQ(unmap(&domb, h1, VA1, 0), GNTST_bad_handle,
		 "unmap: the same handle twice");

	CHECK_EQ(map(&domb, DOMID_SELF, 20, GNTMAP_host_map, VA1, NULL,
		     NULL), GNTST_general_error,
		 "map: own entry not granted to self");
	grant(&domb, 20, b, fb, GTF_permit_access);
	CHECK_EQ(map(&domb, DOMID_SELF, 20, GNTMAP_host_map, VA1, &h, NULL),
		 GNTST_okay, "map: own grant to self via DOMID_SELF");
	CHECK_EQ(unmap(&domb, h, VA1, 0), GNTST_okay, "unmap: self map");
	CHECK_EQ(gflags(&domb, 20), GTF_permit_access,
		 "unmap: self map leaves the entry clean");
	grant(&domb, 20, 0, 0, 0);
}

static void test_device_map(void)
{
	domid_t a = doma.d.domain_id;
	unsigned long pa = pcount(fa);
	grant_handle_t h;
	uint64_t bus;

	CHECK_EQ(map(&domb, a, R_RW, GNTMAP_host_map | GNTMAP_device_map, VA3,
		     &h, &bus), GNTST_okay, "map: host and device, writable");
	CHECK(bus == (uint64_t)fa << PAGE_SHIFT && pcount(fa) == pa + 2 &&
	      tcount(fa) == 2, "map: device part holds its own references");
	CHECK_EQ(unmap(&domb, h, VA3, bus + PAGE_SIZE), GNTST_bad_dev_addr,
		 "unmap: wrong device bus address");
	CHECK(pcount(fa) == pa + 2 && fake_pte_maps(VA3, fa, true),
	      "unmap: ... nothing changed");
	CHECK_EQ(unmap(&domb, h, VA3, bus), GNTST_okay,
		 "unmap: host and device");
	CHECK(pcount(fa) == pa && tcount(fa) == 0 &&
	      gflags(&doma, R_RW) == GTF_permit_access,
	      "unmap: all references and bits back");

	CHECK_EQ(map(&domb, a, R_RO, GNTMAP_device_map | GNTMAP_readonly, 0,
		     &h, NULL), GNTST_okay, "map: device only, read-only");
	CHECK(pcount(fa) == pa + 1 && tcount(fa) == 0 && fake_nr_ptes() == 0,
	      "map: a page reference, no type, no PTE");
	CHECK_EQ(unmap(&domb, h, 0, 0), GNTST_okay,
		 "unmap: device only, no addresses given");
	CHECK(pcount(fa) == pa && gflags(&doma, R_RO) ==
	      (GTF_permit_access | GTF_readonly), "unmap: device map undone");
}

static void test_copy(void)
{
	domid_t a = doma.d.domain_id, b = domb.d.domain_id;
	unsigned char *va = mfn_to_virt(fa), *vb = mfn_to_virt(fb);
	unsigned long pa = pcount(fa), pb = pcount(fb);
	struct gnttab_copy ops[3];
	bool same = true;

	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		va[i] = i * 7;
	memset(vb, 0, PAGE_SIZE);
	CHECK_EQ(copy(&domb, (struct gnttab_copy){
			.source = gref_ptr(a, R_RO, 100),
			.dest = frame_ptr(DOMID_SELF, fb, 300),
			.len = 200, .flags = GNTCOPY_source_gref }), GNTST_okay,
		 "copy: from a read-only grant into own frame");
	for (unsigned int i = 0; i < 200; i++)
		same = same && vb[300 + i] == va[100 + i];
	CHECK(same && vb[299] == 0 && vb[500] == 0,
	      "copy: exactly those bytes arrived");
	CHECK(gflags(&doma, R_RO) == (GTF_permit_access | GTF_readonly) &&
	      pcount(fa) == pa && pcount(fb) == pb && tcount(fb) == 0,
	      "copy: no pin, bit or reference left");

	CHECK_EQ(copy(&domb, (struct gnttab_copy){
			.source = frame_ptr(b, fb, 0),
			.dest = gref_ptr(a, R_RO, 0),
			.len = 8, .flags = GNTCOPY_dest_gref }),
		 GNTST_general_error, "copy: into a read-only grant");
	vb[0] = 0x5a;
	CHECK_EQ(copy(&domb, (struct gnttab_copy){
			.source = frame_ptr(DOMID_SELF, fb, 0),
			.dest = gref_ptr(a, R_RW, 4000),
			.len = 1, .flags = GNTCOPY_dest_gref }), GNTST_okay,
		 "copy: into a writable grant");
	CHECK(va[4000] == 0x5a && gflags(&doma, R_RW) == GTF_permit_access &&
	      tcount(fa) == 0, "copy: written, and nothing left pinned");
	CHECK_EQ(copy(&domb, (struct gnttab_copy){
			.source = gref_ptr(a, R_RW, 0),
			.dest = gref_ptr(a, R_RW, 1),
			.len = 100,
			.flags = GNTCOPY_source_gref | GNTCOPY_dest_gref }),
		 GNTST_okay, "copy: overlapping, within one grant");
	CHECK(va[1] == 0 && va[2] == 7 && va[100] == (unsigned char)(99 * 7),
	      "copy: overlap handled like memmove");

	CHECK_EQ(copy(&domb, (struct gnttab_copy){
			.source = gref_ptr(a, 3 * 512, 0),
			.dest = frame_ptr(DOMID_SELF, fb, 0),
			.len = 8, .flags = GNTCOPY_source_gref }),
		 GNTST_bad_gntref, "copy: ref beyond the table");
	CHECK_EQ(copy(&domb, (struct gnttab_copy){
			.source = gref_ptr(a, R_TO_C, 0),
			.dest = frame_ptr(DOMID_SELF, fb, 0),
			.len = 8, .flags = GNTCOPY_source_gref }),
		 GNTST_general_error, "copy: grant for another domain");
	CHECK_EQ(copy(&domb, (struct gnttab_copy){
			.source = gref_ptr(77, 1, 0),
			.dest = frame_ptr(DOMID_SELF, fb, 0),
			.len = 8, .flags = GNTCOPY_source_gref }),
		 GNTST_bad_domain, "copy: no such domain");
	CHECK_EQ(copy(&domb, (struct gnttab_copy){
			.source = gref_ptr(a, R_RO, 4000),
			.dest = frame_ptr(DOMID_SELF, fb, 0),
			.len = 97, .flags = GNTCOPY_source_gref }),
		 GNTST_bad_copy_arg, "copy: source crosses the page end");
	CHECK_EQ(copy(&domb, (struct gnttab_copy){
			.source = gref_ptr(a, R_RO, 0),
			.dest = frame_ptr(DOMID_SELF, fb, 1),
			.len = PAGE_SIZE, .flags = GNTCOPY_source_gref }),
		 GNTST_bad_copy_arg, "copy: destination crosses the page end");
	CHECK_EQ(copy(&domb, (struct gnttab_copy){
			.source = frame_ptr(a, fa, 0),
			.dest = frame_ptr(DOMID_SELF, fb, 0), .len = 8 }),
		 GNTST_permission_denied,
		 "copy: domU names another domain's frame");
	CHECK_EQ(copy(&domb, (struct gnttab_copy){
			.source = frame_ptr(DOMID_SELF, fa, 0),
			.dest = frame_ptr(DOMID_SELF, fb, 0), .len = 8 }),
		 GNTST_bad_page, "copy: 'own' frame that is not");
	CHECK_EQ(copy(&domb, (struct gnttab_copy){
			.source = frame_ptr(DOMID_SELF, FAKE_NR_FRAMES, 0),
			.dest = frame_ptr(DOMID_SELF, fb, 0), .len = 8 }),
		 GNTST_bad_page, "copy: frame beyond memory");
	frame_table[fb].type_info = PGT_l1_page_table | PGT_validated | 1;
	CHECK_EQ(copy(&domb, (struct gnttab_copy){
			.source = gref_ptr(a, R_RO, 0),
			.dest = frame_ptr(DOMID_SELF, fb, 0),
			.len = 8, .flags = GNTCOPY_source_gref }),
		 GNTST_general_error, "copy: into own page table");
	CHECK(tcount(fb) == 1 && pcount(fb) == pb &&
	      gflags(&doma, R_RO) == (GTF_permit_access | GTF_readonly),
	      "copy: ... refused cleanly");
	frame_table[fb].type_info = PGT_none;
	CHECK_EQ(copy(&dom0, (struct gnttab_copy){
			.source = frame_ptr(a, fa, 8),
			.dest = frame_ptr(b, fb, 16), .len = 4 }), GNTST_okay,
		 "copy: dom0 between two domains' frames");
	CHECK(!memcmp(vb + 16, va + 8, 4), "copy: dom0's bytes arrived");
	CHECK(pcount(fa) == pa && pcount(fb) == pb && tcount(fa) == 0 &&
	      tcount(fb) == 0, "copy: every reference returned");

	ops[0] = (struct gnttab_copy){ .source = gref_ptr(a, R_RO, 0),
		.dest = frame_ptr(DOMID_SELF, fb, 0), .len = 4,
		.flags = GNTCOPY_source_gref };
	ops[1] = ops[0];
	ops[1].source.u.ref = R_NONE;
	ops[2] = ops[0];
	CHECK_EQ(gop(&domb, GNTTABOP_copy, ops, 3), 0,
		 "copy: batch with one bad op returns 0");
	CHECK(ops[0].status == GNTST_okay &&
	      ops[1].status == GNTST_general_error &&
	      ops[2].status == GNTST_okay, "copy: per-op status");
	CHECK_EQ(gop(&domb, GNTTABOP_copy, (void *)FAKE_BAD_GUEST_VA, 1),
		 -EFAULT, "copy: bad array is -EFAULT");
}

static void test_versions_and_misc(void)
{
	struct gnttab_set_version sv = { .version = 1 };
	struct gnttab_get_version gv = { .dom = DOMID_SELF };
	int unimpl = fake_nr_unimplemented;

	CHECK(gop(&domb, GNTTABOP_set_version, &sv, 1) == 0 && sv.version == 1,
	      "set_version 1: 0");
	sv.version = 2;
	CHECK(gop(&domb, GNTTABOP_set_version, &sv, 1) == -ENOSYS &&
	      sv.version == 1, "set_version 2: -ENOSYS, version 1 in force");
	sv.version = 3;
	CHECK(gop(&domb, GNTTABOP_set_version, &sv, 1) == -EINVAL &&
	      sv.version == 1, "set_version 3: -EINVAL");
	CHECK_EQ(gop(&domb, GNTTABOP_set_version, (void *)FAKE_BAD_GUEST_VA,
		     1), -EFAULT, "set_version: bad pointer");
	CHECK(gop(&domb, GNTTABOP_get_version, &gv, 1) == 0 &&
	      gv.version == 1, "get_version: 1");
	gv.dom = doma.d.domain_id;
	CHECK_EQ(gop(&domb, GNTTABOP_get_version, &gv, 1), -EPERM,
		 "get_version of another domain: denied to domU");
	CHECK_EQ(gop(&dom0, GNTTABOP_get_version, &gv, 1), 0,
		 "get_version of another domain: allowed to dom0");
	gv.dom = 77;
	CHECK_EQ(gop(&dom0, GNTTABOP_get_version, &gv, 1), -ESRCH,
		 "get_version: no such domain");
	CHECK_EQ(gop(&domb, GNTTABOP_get_status_frames, &gv, 1), -ENOSYS,
		 "get_status_frames: v2 only");
	CHECK(gop(&domb, GNTTABOP_transfer, &gv, 1) == -ENOSYS &&
	      fake_nr_unimplemented == unimpl + 1,
	      "transfer: -ENOSYS, reported as unimplemented");
	CHECK(gop(&domb, 99, &gv, 1) == -ENOSYS &&
	      fake_nr_unimplemented == unimpl + 1,
	      "unknown op: -ENOSYS, not logged");
	CHECK_EQ(gop(&domb, GNTTABOP_map_grant_ref, &gv, 65537), -EINVAL,
		 "count above the batch limit: -EINVAL");
	CHECK_EQ(gop(&domb, GNTTABOP_map_grant_ref, (void *)FAKE_BAD_GUEST_VA,
		     0), 0, "count 0: nothing to do");
	CHECK_EQ(gop(&domb, GNTTABOP_unmap_grant_ref,
		     (void *)FAKE_BAD_GUEST_VA, 1), -EFAULT,
		 "unmap: bad array is -EFAULT");
}

static void test_maptrack_limit(void)
{
	const unsigned int n = 65536;
	struct gnttab_map_grant_ref *maps = calloc(n, sizeof(*maps));
	struct gnttab_unmap_grant_ref *unmaps = calloc(n, sizeof(*unmaps));
	unsigned long pa = pcount(fa), free_before = fake_free_frames();
	domid_t a = doma.d.domain_id;
	struct fake_dom fresh;
	unsigned int bad = 0;
	grant_handle_t h;

	for (unsigned int i = 0; i < n; i++)
		maps[i] = (struct gnttab_map_grant_ref){
			.flags = GNTMAP_device_map | GNTMAP_readonly,
			.ref = R_RO, .dom = a };
	CHECK_EQ(gop(&domb, GNTTABOP_map_grant_ref, maps, n), 0,
		 "maptrack: 65536 maps in one call");
	for (unsigned int i = 0; i < n; i++) {
		bad += maps[i].status != GNTST_okay;
		unmaps[i].handle = maps[i].handle;
	}
	CHECK_EQ(bad, 0, "maptrack: every one succeeded");
	CHECK_EQ(pcount(fa), pa + n, "maptrack: one page reference each");
	CHECK_EQ(map(&domb, a, R_RO, GNTMAP_device_map | GNTMAP_readonly, 0,
		     NULL, NULL), GNTST_no_space, "maptrack: full");
	CHECK_EQ(gop(&domb, GNTTABOP_unmap_grant_ref, unmaps, n), 0,
		 "maptrack: unmap all in one call");
	for (unsigned int i = 0; i < n; i++)
		bad += unmaps[i].status != GNTST_okay;
	CHECK(!bad && pcount(fa) == pa &&
	      gflags(&doma, R_RO) == (GTF_permit_access | GTF_readonly),
	      "maptrack: all unmapped, pins gone");
	CHECK_EQ(map(&domb, a, R_RO, GNTMAP_device_map | GNTMAP_readonly, 0,
		     &h, NULL), GNTST_okay, "maptrack: handles are reusable");
	CHECK_EQ(unmap(&domb, h, 0, 0), GNTST_okay, "maptrack: and freed");
	CHECK(fake_free_frames() < free_before, "maptrack pages stay cached");

	/* A domain that never mapped anything has no maptrack page yet. */
	CHECK_EQ(make_dom(&fresh, 7, false), 0, "a fresh mapper");
	grant(&doma, 30, 7, fa, GTF_permit_access);
	fake_hv_allocs_until_failure = 0;
	CHECK_EQ(map(&fresh, a, 30, GNTMAP_device_map, 0, NULL, NULL),
		 GNTST_no_space, "maptrack: no memory for the first page");
	fake_hv_allocs_until_failure = -1;
	CHECK(gflags(&doma, 30) == GTF_permit_access && pcount(fa) == pa &&
	      tcount(fa) == 0, "maptrack: ... nothing pinned");
	kill_dom(&fresh);
	grant(&doma, 30, 0, 0, 0);
	free(maps);
	free(unmaps);
}

static void test_destroy_mapper(void)
{
	domid_t a = doma.d.domain_id;
	unsigned long pa = pcount(fa);

	CHECK(map(&domb, a, R_RW, GNTMAP_host_map, VA1, NULL, NULL) ==
	      GNTST_okay && map(&domb, a, R_RO,
				GNTMAP_host_map | GNTMAP_readonly, VA2, NULL,
				NULL) == GNTST_okay &&
	      map(&domb, a, R_RW, GNTMAP_device_map, 0, NULL, NULL) ==
	      GNTST_okay, "mapper holds three mappings");
	kill_dom(&domb);
	CHECK(gflags(&doma, R_RW) == GTF_permit_access &&
	      gflags(&doma, R_RO) == (GTF_permit_access | GTF_readonly),
	      "mapper died: granter's entries are free again");
	CHECK(pcount(fa) == pa && tcount(fa) == 0 && fake_nr_ptes() == 0,
	      "mapper died: PTEs removed, every reference back");
	CHECK_EQ(make_dom(&domb, 2, false), 0, "mapper reborn");

	CHECK_EQ(map(&domb, a, R_RW, GNTMAP_host_map, VA1, NULL, NULL),
		 GNTST_okay, "mapper maps again");
	fake_pt_gone = true;
	kill_dom(&domb);
	fake_pt_gone = false;
	CHECK_EQ(gflags(&doma, R_RW), GTF_permit_access,
		 "mapper died without page tables: pins dropped anyway");
	CHECK(fake_pte_maps(VA1, fa, true) && pcount(fa) == pa + 1 &&
	      tcount(fa) == 1, "... the PTE still holds its references");
	fake_teardown_ptes();
	CHECK(pcount(fa) == pa && tcount(fa) == 0,
	      "... which the page-table teardown drops");
	CHECK_EQ(make_dom(&domb, 2, false), 0, "mapper reborn again");
}

static void test_destroy_granter(void)
{
	struct fake_dom e, e2;
	xen_pfn_t table[1];
	grant_handle_t h_old, h_new;
	mfn_t fe;

	CHECK_EQ(make_dom(&e, 6, false), 0, "granter E");
	fe = fake_alloc_domain_frame(&e.d);
	grant(&e, 5, domb.d.domain_id, fe, GTF_permit_access);
	CHECK_EQ(map(&domb, 6, 5, GNTMAP_host_map, VA1, &h_old, NULL),
		 GNTST_okay, "B maps E's frame");
	setup(&e, DOMID_SELF, 1, table);
	CHECK(get_page(mfn_to_page(table[0]), &e.d),
	      "dom0 maps E's table frame (a reference)");

	kill_dom(&e);
	release_domheap_page(mfn_to_page(fe));	/* E's memory goes */
	CHECK(pcount(fe) == 1 && mfn_to_page(fe)->owner == &e.d,
	      "E died: B's mapping keeps E's frame");
	CHECK(pcount(table[0]) == 1 &&
	      !(mfn_to_page(table[0])->count_info & PGC_allocated),
	      "E died: its table frame lives on for dom0's mapping");

	CHECK_EQ(make_dom(&e2, 6, false), 0, "a new domain reuses E's id");
	grant(&e2, 5, domb.d.domain_id, new_frame(&e2), GTF_permit_access);
	CHECK_EQ(map(&domb, 6, 5, GNTMAP_host_map, VA2, &h_new, NULL),
		 GNTST_okay, "B maps the new domain's grant 5");
	CHECK_EQ(unmap(&domb, h_old, VA1, 0), GNTST_okay,
		 "B unmaps the dead granter's frame");
	CHECK(frame_table[fe].count_info == PGC_state_free,
	      "... and the dead granter's frame is free");
	CHECK_EQ(gflags(&e2, 5), GTF_permit_access | GTF_reading | GTF_writing,
		 "... without touching the new domain's entry 5");
	CHECK_EQ(unmap(&domb, h_new, VA2, 0), GNTST_okay,
		 "B unmaps the new domain's grant");
	CHECK_EQ(gflags(&e2, 5), GTF_permit_access, "entry 5 free again");
	put_page(mfn_to_page(table[0]));
	CHECK(frame_table[table[0]].count_info == PGC_state_free,
	      "dom0 unmaps: E's table frame freed");

	/* A grant to itself, still mapped when the domain dies. */
	grant(&e2, 6, 6, fake_alloc_domain_frame(&e2.d), GTF_permit_access);
	CHECK_EQ(map(&e2, DOMID_SELF, 6, GNTMAP_host_map, VA3, NULL, NULL),
		 GNTST_okay, "a domain maps its own grant");
	fe = gentry(&e2, 6)->frame;
	kill_dom(&e2);
	release_domheap_page(mfn_to_page(fe));
	CHECK(fake_nr_ptes() == 0 &&
	      frame_table[fe].count_info == PGC_state_free,
	      "it dies: self mapping torn down, frame freed");
}

static void test_init_failure(void)
{
	unsigned long free_before = fake_free_frames();
	long allocs = fake_live_allocs;
	struct fake_dom f;

	fake_hv_allocs_until_failure = 1;
	CHECK_EQ(make_dom(&f, 8, false), -ENOMEM,
		 "init: out of memory for the first frame");
	fake_hv_allocs_until_failure = -1;
	CHECK(!f.d.grant_table && fake_free_frames() == free_before &&
	      fake_live_allocs == allocs, "init: ... nothing leaked");
	fake_forget_domain(&f.d);
}

int main(void)
{
	unsigned long free_at_start = fake_free_frames();

	if (make_dom(&dom0, 0, true) || make_dom(&doma, 1, false) ||
	    make_dom(&domb, 2, false) || make_dom(&domc, 3, false)) {
		printf("FAIL grant_table_init\n");
		return 1;
	}
	fa = new_frame(&doma);
	fb = new_frame(&domb);
	fc = new_frame(&domc);

	test_setup_and_query();
	test_seed();
	test_map_checks();
	test_map_unmap_pins();
	test_device_map();
	test_copy();
	test_versions_and_misc();
	test_maptrack_limit();
	test_destroy_mapper();
	test_destroy_granter();
	test_init_failure();

	kill_dom(&dom0);
	kill_dom(&doma);
	kill_dom(&domb);
	kill_dom(&domc);
	for (unsigned int i = 0; i < nr_dom_frames; i++)
		release_domheap_page(mfn_to_page(dom_frames[i]));
	CHECK_EQ(fake_free_frames(), free_at_start,
		 "teardown: every frame back");
	CHECK_EQ(fake_live_allocs, 0, "teardown: every allocation freed");

	return check_summary();
}
