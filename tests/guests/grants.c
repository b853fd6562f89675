// SPDX-License-Identifier: MIT
/*
 * grants: the grant table within one domain. Query and set up the
 * table, grant our own page to ourselves, map it, copy through it; then
 * the requests that must fail: refs past the table, entries never
 * granted, granted to somebody else, write maps of read-only grants,
 * copies with bad refs, bad handles and addresses. Last, the table
 * version: v1 is all there is.
 */
#include "lib/test.h"

#define REF_RW		10
#define REF_RO		11
#define REF_OTHER	12
#define REF_EMPTY	13
#define PATTERN		0x6772616e74733432ul	/* "grants42" */

static domid_t self;
static uint64_t *page;		/* the granted page */
static uint64_t page_mfn;

static void grants_init(void)
{
	self = own_domid();
	page = page_alloc();
	page_mfn = virt_to_mfn(page);
	page[0] = PATTERN;
}

static void test_query_setup(void)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	struct gnttab_query_size bad = { .dom = 0x7000 };

	check_rc(hv_grant_table_op(GNTTABOP_query_size, &q, 1), 0);
	check_eq(q.status, GNTST_okay);
	check(q.nr_frames >= 1 && q.max_nr_frames >= q.nr_frames,
	      "nr_frames %u max %u", q.nr_frames, q.max_nr_frames);
	check_rc(gnttab_init(1), 0);
	check(gnttab != NULL, "table not mapped");
	check(self < DOMID_FIRST_RESERVED, "own domid %#x", self);
	/* Hostile: a domain that does not exist. */
	hv_grant_table_op(GNTTABOP_query_size, &bad, 1);
	check(bad.status == GNTST_bad_domain ||
	      bad.status == GNTST_permission_denied, "status %d", bad.status);
}

static void test_map_own_grant(void)
{
	volatile uint64_t *va = va_hole_alloc();
	grant_handle_t h;
	int16_t st;

	if (!check(gnttab, "no table"))
		return;
	gnttab_grant(REF_RW, self, page_mfn, false);
	st = gnttab_map(self, REF_RW, (void *)va, GNTMAP_host_map, &h);
	if (!check_eq(st, GNTST_okay))
		return;
	check_eq(*va, PATTERN);
	check(gnttab[REF_RW].flags & GTF_writing, "GTF_writing not set: %#x",
	      gnttab[REF_RW].flags);
	check(gnttab[REF_RW].flags & GTF_reading, "GTF_reading not set: %#x",
	      gnttab[REF_RW].flags);
	*va = PATTERN + 1;
	check_eq(page[0], PATTERN + 1);
	page[0] = PATTERN;
	/* Hostile: unmap with a wrong handle, then for real. */
	check(gnttab_unmap((void *)va, h + 100) < 0, "bad handle accepted");
	check_eq(gnttab_unmap((void *)va, h), GNTST_okay);
	check_eq(gnttab[REF_RW].flags & (GTF_reading | GTF_writing), 0);
	check_eq(probe_read(va, NULL), X86_EXC_PF);
	check(gnttab_unmap((void *)va, h) < 0, "double unmap accepted");

	/* Read-only grant, read-only map. */
	gnttab_grant(REF_RO, self, page_mfn, true);
	st = gnttab_map(self, REF_RO, (void *)va,
			GNTMAP_host_map | GNTMAP_readonly, &h);
	if (check_eq(st, GNTST_okay)) {
		check_eq(*va, PATTERN);
		check_eq(probe_write(va, 0), X86_EXC_PF);
		check_eq(gnttab_unmap((void *)va, h), GNTST_okay);
	}
}

static void test_copy(void)
{
	uint64_t *dst = page_alloc();
	struct gnttab_copy c = {
		.source.u.ref = REF_RW,
		.source.domid = self,
		.source.offset = 0,
		.dest.u.gmfn = virt_to_mfn(dst),
		.dest.domid = DOMID_SELF,
		.dest.offset = 8,
		.len = 8,
		.flags = GNTCOPY_source_gref,
	};

	check_rc(hv_grant_table_op(GNTTABOP_copy, &c, 1), 0);
	check_eq(c.status, GNTST_okay);
	check_eq(dst[1], PATTERN);
	/* The other way: into the granted page. */
	dst[2] = PATTERN ^ 0xff;
	c.source.u.gmfn = virt_to_mfn(dst);
	c.source.domid = DOMID_SELF;
	c.source.offset = 16;
	c.dest.u.ref = REF_RW;
	c.dest.domid = self;
	c.dest.offset = 24;
	c.flags = GNTCOPY_dest_gref;
	check_rc(hv_grant_table_op(GNTTABOP_copy, &c, 1), 0);
	check_eq(c.status, GNTST_okay);
	check_eq(page[3], PATTERN ^ 0xff);

	/* Hostile copies: bad refs, read-only dest, crossing a page. */
	c.dest.u.ref = REF_EMPTY;
	hv_grant_table_op(GNTTABOP_copy, &c, 1);
	check(c.status < 0, "copy to an empty ref: %d", c.status);
	c.dest.u.ref = REF_RO;
	hv_grant_table_op(GNTTABOP_copy, &c, 1);
	check(c.status < 0, "copy into a read-only grant: %d", c.status);
	c.dest.u.ref = 1u << 20;
	hv_grant_table_op(GNTTABOP_copy, &c, 1);
	check(c.status < 0, "copy to ref 1<<20: %d", c.status);
	c.dest.u.ref = REF_RW;
	c.dest.offset = 4090;
	c.len = 16;
	hv_grant_table_op(GNTTABOP_copy, &c, 1);
	check_eq(c.status, GNTST_bad_copy_arg);
	check_eq(page[3], PATTERN ^ 0xff);
}

static void test_bad_maps(void)
{
	volatile uint64_t *va = va_hole_alloc();
	unsigned int nr = gnttab_nr_frames * (PAGE_SIZE / 8);
	grant_handle_t h;
	int16_t st;

	gnttab_grant(REF_OTHER, (domid_t)(self + 1), page_mfn, false);
	gnttab[REF_EMPTY].flags = 0;

	st = gnttab_map(self, nr, (void *)va, GNTMAP_host_map, &h);
	check_eq(st, GNTST_bad_gntref);
	st = gnttab_map(self, 0xffffffff, (void *)va, GNTMAP_host_map, &h);
	check_eq(st, GNTST_bad_gntref);
	st = gnttab_map(self, REF_EMPTY, (void *)va, GNTMAP_host_map, &h);
	check(st < 0, "mapped an empty entry: %d", st);
	st = gnttab_map(self, REF_OTHER, (void *)va, GNTMAP_host_map, &h);
	check(st < 0, "mapped a grant meant for dom%u: %d", self + 1, st);
	st = gnttab_map(self, REF_RO, (void *)va, GNTMAP_host_map, &h);
	check(st < 0, "write-mapped a read-only grant: %d", st);
	st = gnttab_map(0x7000, REF_RW, (void *)va, GNTMAP_host_map, &h);
	check_eq(st, GNTST_bad_domain);
	st = gnttab_map(self, REF_RW, (void *)HYPERVISOR_VIRT_START,
			GNTMAP_host_map, &h);
	check(st < 0, "mapped at the hypervisor's address: %d", st);
	st = gnttab_map(self, REF_RW, (void *)va, 0, &h);
	check(st < 0, "map with no host/device flag: %d", st);
	check_eq(probe_read(va, NULL), X86_EXC_PF);
	check(gnttab_unmap((void *)va, 0x12345) < 0, "unmapped a bad handle");
	check_eq(gnttab[REF_EMPTY].flags, 0);
	check_rc(hv_grant_table_op(99, NULL, 0), -XEN_ENOSYS);
	check_rc(hv_grant_table_op(GNTTABOP_map_grant_ref,
				   (void *)0x8000000000000000ul, 1),
		 -XEN_EFAULT);
}

static void test_revoke(void)
{
	check(gnttab_revoke(REF_RW), "REF_RW still in use");
	check(gnttab_revoke(REF_RO), "REF_RO still in use");
	check(gnttab_revoke(REF_OTHER), "REF_OTHER still in use");
}

static long set_version(struct gnttab_set_version *sv, uint32_t version)
{
	sv->version = version;
	return hv_grant_table_op(GNTTABOP_set_version, sv, 1);
}

/*
 * Only v1 here: set_version(1) is fine, 2 is -ENOSYS as on a Xen with
 * "gnttab=max-ver:1" (a default Xen 4.17 takes it: then we go back to
 * 1), nonsense is -EINVAL. The answer always carries the version in
 * force.
 */
static void test_set_version(void)
{
	struct gnttab_set_version sv;
	struct gnttab_get_version gv = { .dom = DOMID_SELF };
	volatile uint64_t *va = va_hole_alloc();
	grant_handle_t h;
	long rc;

	check_rc(set_version(&sv, 1), 0);
	check_eq(sv.version, 1);
	check_rc(hv_grant_table_op(GNTTABOP_get_version, &gv, 1), 0);
	check_eq(gv.version, 1);

	rc = set_version(&sv, 2);
	if (rc == 0) {
		check_eq(sv.version, 2);
		check_rc(set_version(&sv, 1), 0);
	} else {
		check_rc(rc, -XEN_ENOSYS);
		check_eq(sv.version, 1);
	}
	check_rc(set_version(&sv, 0), -XEN_EINVAL);
	check_eq(sv.version, 1);
	check_rc(set_version(&sv, 3), -XEN_EINVAL);
	check_eq(sv.version, 1);
	check_rc(hv_grant_table_op(GNTTABOP_set_version,
				   (void *)0x8000000000000000ul, 1),
		 -XEN_EFAULT);

	/* get_version of a missing domain, and of another one. */
	gv.dom = 0x7000;
	check_rc(hv_grant_table_op(GNTTABOP_get_version, &gv, 1),
		 -XEN_ESRCH);
	if (!privileged) {
		gv.dom = 0;
		check_rc(hv_grant_table_op(GNTTABOP_get_version, &gv, 1),
			 -XEN_EPERM);
	}
	gv.dom = DOMID_SELF;
	check_rc(hv_grant_table_op(GNTTABOP_get_version, &gv, 1), 0);
	check_eq(gv.version, 1);

	/* The v1 table still works. */
	gnttab_grant(REF_RW, self, page_mfn, false);
	if (check_eq(gnttab_map(self, REF_RW, (void *)va, GNTMAP_host_map,
				&h), GNTST_okay)) {
		check_eq(*va, PATTERN);
		check_eq(gnttab_unmap((void *)va, h), GNTST_okay);
	}
	check(gnttab_revoke(REF_RW), "REF_RW still in use");
}

static const struct test_case cases[] = {
	{ "query_setup", test_query_setup },
	{ "map_own_grant", test_map_own_grant },
	{ "copy", test_copy },
	{ "bad_maps", test_bad_maps },
	{ "revoke", test_revoke },
	{ "set_version", test_set_version },
};

DEFINE_SUITE("grants", cases, .init = grants_init);
