// SPDX-License-Identifier: MIT
/*
 * Grant tables, version 1.
 *
 * A domain's table is an array of 8-byte entries in hypervisor pages lent
 * to it: entry R says "domain D may map or copy my frame F (perhaps only
 * read it)". Beside each entry the hypervisor keeps an active entry that
 * counts the uses in progress (pins) and which domain holds them; the
 * GTF_reading/GTF_writing bits of the shared entry tell the granter that
 * its frame is still in use. Each domain also has a maptrack table: the
 * mappings it holds of other domains' grants, indexed by the handle it
 * unmaps with.
 *
 * Who owns which reference:
 *  - A host mapping's PTE holds a page reference on the granted frame,
 *    and a writable type reference if it is writable. pv_create_grant_
 *    mapping() takes them; whoever removes the PTE drops them: pv_destroy_
 *    grant_mapping(), or the page-table teardown when the mapper freed the
 *    table (or died) under it. This file never touches them.
 *  - A device mapping (GNTMAP_device_map) has no PTE: this file takes its
 *    page (and writable type) reference and drops it at unmap, or when
 *    the mapper dies.
 *  - Pins and GTF_reading/GTF_writing are this file's alone, dropped by
 *    unmap or by the mapper's grant_table_destroy().
 *  - The table frames carry the granter's allocation reference until
 *    grant_table_destroy(); anyone mapping them holds a reference of its
 *    own, so they live on until the last such mapping goes.
 *  - A copy holds page references for the length of the copy only.
 *
 * One CPU, interrupts off: a granter cannot change its entries while we
 * look at them, so no lock and no cmpxchg on the shared entries.
 */
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/grant_table.h>
#include <tandem/hypercall.h>
#include <tandem/lib.h>
#include <tandem/mm.h>
#include <asm/pagetable.h>
#include <asm/pv.h>
#include <public/grant_table.h>
#include <public/memory.h>

#define GRANTS_PER_FRAME	(PAGE_SIZE / sizeof(struct grant_entry_v1))

/*
 * Uses of one entry, all by one domain. Each mapping pins once per part
 * (host, device), so the counts stay far below 2^32: a domain holds at
 * most MAPTRACK_MAX mappings.
 */
struct active_grant {
	uint32_t pins;		/* uses of any kind */
	uint32_t wpins;		/* of which writable */
	uint32_t frame;		/* MFN pinned, fixed while pins != 0 */
	domid_t domid;		/* who holds the pins */
};

#define ACTIVE_PER_PAGE		(PAGE_SIZE / sizeof(struct active_grant))
#define ACTIVE_PAGES_PER_FRAME	(GRANTS_PER_FRAME / ACTIVE_PER_PAGE)
BUILD_BUG_ON(GRANTS_PER_FRAME % ACTIVE_PER_PAGE);

/* A mapping this domain holds. flags == 0: free, ref links the free list. */
struct maptrack {
	uint64_t host_addr;
	uint64_t serial;	/* granter's table; see grant_table.serial */
	uint32_t flags;		/* GNTMAP_* as mapped */
	grant_ref_t ref;
	uint32_t frame;		/* MFN mapped */
	domid_t domid;		/* granter */
};

/* Handles: one directory page of maptrack pages. */
#define MAPTRACK_PER_PAGE	(PAGE_SIZE / sizeof(struct maptrack))
#define MAPTRACK_MAX_PAGES	(PAGE_SIZE / sizeof(struct maptrack *))
#define MAPTRACK_MAX		(MAPTRACK_MAX_PAGES * MAPTRACK_PER_PAGE)
#define MAPTRACK_END		(~0U)

/*
 * No hypercall continuations here, so this bounds the work one call does
 * with interrupts off; it is also the largest batch Linux issues (gntdev
 * maps at most 65536 grants per request).
 */
#define GNTTAB_MAX_BATCH	65536

struct grant_table {
	unsigned int nr_frames;
	/*
	 * Unique over the hypervisor's life: a mapping remembers it, so that
	 * a granter that died (its domid maybe reused since) is recognised.
	 */
	uint64_t serial;
	struct grant_entry_v1 *shared[GNTTAB_DEFAULT_MAX_FRAMES];
	struct active_grant *active[GNTTAB_DEFAULT_MAX_FRAMES *
				    ACTIVE_PAGES_PER_FRAME];

	struct maptrack **maptrack;	/* directory page, or NULL */
	unsigned int maptrack_pages;
	grant_handle_t maptrack_free;	/* free list, or MAPTRACK_END */
};

static uint64_t last_serial;

static unsigned int nr_grants(const struct grant_table *gt)
{
	return gt->nr_frames * GRANTS_PER_FRAME;
}

static struct grant_entry_v1 *shared_entry(struct grant_table *gt,
					   grant_ref_t ref)
{
	return &gt->shared[ref / GRANTS_PER_FRAME][ref % GRANTS_PER_FRAME];
}

static struct active_grant *active_entry(struct grant_table *gt,
					 grant_ref_t ref)
{
	return &gt->active[ref / ACTIVE_PER_PAGE][ref % ACTIVE_PER_PAGE];
}

static struct maptrack *maptrack_entry(struct grant_table *gt,
				       grant_handle_t h)
{
	return &gt->maptrack[h / MAPTRACK_PER_PAGE][h % MAPTRACK_PER_PAGE];
}

/* ---- the table itself ------------------------------------------------- */

static int add_frame(struct domain *d)
{
	struct grant_table *gt = d->grant_table;
	struct active_grant *act[ACTIVE_PAGES_PER_FRAME];
	void *shared = alloc_hv_page();
	bool ok = shared;
	unsigned int i;

	for (i = 0; i < ACTIVE_PAGES_PER_FRAME; i++) {
		act[i] = alloc_hv_page();
		ok = ok && act[i];
	}
	if (!ok) {
		for (i = 0; i < ACTIVE_PAGES_PER_FRAME; i++)
			free_hv_page(act[i]);
		free_hv_page(shared);
		return -ENOMEM;
	}
	for (i = 0; i < ACTIVE_PAGES_PER_FRAME; i++)
		gt->active[gt->nr_frames * ACTIVE_PAGES_PER_FRAME + i] = act[i];
	share_hv_page_with_guest(shared, d);
	gt->shared[gt->nr_frames++] = shared;
	return 0;
}

static int grow_table(struct domain *d, unsigned int nr_frames)
{
	while (d->grant_table->nr_frames < nr_frames)
		if (add_frame(d))
			return -ENOMEM;
	return 0;
}

int grant_table_init(struct domain *d)
{
	struct grant_table *gt = xzalloc(sizeof(*gt));

	if (!gt)
		return -ENOMEM;
	gt->serial = ++last_serial;
	gt->maptrack_free = MAPTRACK_END;
	d->grant_table = gt;
	/* The toolstack may lower it (domctl createdomain). */
	d->max_grant_frames = GNTTAB_DEFAULT_MAX_FRAMES;
	/* One frame from the start, so the builder can seed refs 0 and 1. */
	if (add_frame(d)) {
		xfree(gt);
		d->grant_table = NULL;
		return -ENOMEM;
	}
	return 0;
}

int grant_table_seed(struct domain *d, grant_ref_t ref, domid_t backend,
		     mfn_t mfn, bool readonly)
{
	struct grant_table *gt = d->grant_table;
	struct grant_entry_v1 *e;

	if (ref >= nr_grants(gt))
		return -EINVAL;
	if (mfn > UINT32_MAX)
		return -ERANGE;	/* v1 entries hold 32-bit frames */
	e = shared_entry(gt, ref);
	e->domid = backend;
	e->frame = mfn;
	e->flags = GTF_permit_access | (readonly ? GTF_readonly : 0);
	return 0;
}

/* ---- pins ------------------------------------------------------------- */

static bool owns_frame(const struct domain *d, mfn_t mfn)
{
	const struct page_info *pg;

	if (!mfn_valid(mfn))
		return false;
	pg = mfn_to_page(mfn);
	return pg->owner == d && (pg->count_info & PGC_allocated);
}

/*
 * Take n uses of rd's grant 'ref' for domain ldomid. The entry must grant
 * ldomid access (writable unless readonly) to a frame rd owns; an entry
 * in use stays with the domain and frame that pinned it first. Returns a
 * GNTST_* code and, on success, the frame.
 */
static int pin_grant(struct domain *rd, grant_ref_t ref, domid_t ldomid,
		     bool readonly, unsigned int n, mfn_t *mfn)
{
	struct grant_table *gt = rd->grant_table;
	struct grant_entry_v1 *e, ent;
	struct active_grant *act;

	if (ref >= nr_grants(gt))
		return GNTST_bad_gntref;
	e = shared_entry(gt, ref);
	act = active_entry(gt, ref);
	ent = *e;	/* guest memory: check and use one copy */
	if ((ent.flags & GTF_type_mask) != GTF_permit_access ||
	    ent.domid != ldomid || (!readonly && (ent.flags & GTF_readonly)))
		return GNTST_general_error;
	if (act->pins && act->domid != ldomid)
		return GNTST_general_error;
	if (!act->pins) {
		if (!owns_frame(rd, ent.frame))
			return GNTST_bad_page;
		act->frame = ent.frame;
		act->domid = ldomid;
	}
	act->pins += n;
	e->flags |= GTF_reading;
	if (!readonly) {
		act->wpins += n;
		e->flags |= GTF_writing;
	}
	*mfn = act->frame;
	return GNTST_okay;
}

static void unpin_grant(struct domain *rd, grant_ref_t ref, bool readonly,
			unsigned int n)
{
	struct grant_table *gt = rd->grant_table;
	struct active_grant *act = active_entry(gt, ref);
	struct grant_entry_v1 *e = shared_entry(gt, ref);

	ASSERT(act->pins >= n && (readonly || act->wpins >= n));
	act->pins -= n;
	if (!readonly)
		act->wpins -= n;
	/* The granter may reuse the frame once these are clear. */
	if (!act->wpins)
		e->flags &= ~GTF_writing;
	if (!act->pins)
		e->flags &= ~GTF_reading;
}

/* A page reference, and a writable type reference if asked. */
static bool get_frame(struct page_info *pg, struct domain *d, bool writable)
{
	if (writable)
		return !get_page_and_type(pg, d, PGT_writable_page);
	return get_page(pg, d);
}

static void put_frame(struct page_info *pg, bool writable)
{
	if (writable)
		put_page_and_type(pg);
	else
		put_page(pg);
}

/* ---- maptrack ----------------------------------------------------------- */

static grant_handle_t get_maptrack_handle(struct grant_table *gt)
{
	struct maptrack *page;
	grant_handle_t h;

	if (gt->maptrack_free == MAPTRACK_END) {
		if (gt->maptrack_pages == MAPTRACK_MAX_PAGES)
			return MAPTRACK_END;
		if (!gt->maptrack)
			gt->maptrack = alloc_hv_page();
		page = gt->maptrack ? alloc_hv_page() : NULL;
		if (!page)
			return MAPTRACK_END;
		h = gt->maptrack_pages * MAPTRACK_PER_PAGE;
		for (unsigned int i = 0; i < MAPTRACK_PER_PAGE - 1; i++)
			page[i].ref = h + i + 1;
		page[MAPTRACK_PER_PAGE - 1].ref = MAPTRACK_END;
		gt->maptrack[gt->maptrack_pages++] = page;
		gt->maptrack_free = h;
	}
	h = gt->maptrack_free;
	gt->maptrack_free = maptrack_entry(gt, h)->ref;
	return h;
}

static void put_maptrack_handle(struct grant_table *gt, grant_handle_t h)
{
	struct maptrack *mt = maptrack_entry(gt, h);

	mt->flags = 0;
	mt->ref = gt->maptrack_free;
	gt->maptrack_free = h;
}

/* A handle from the guest: a live mapping, or NULL. */
static struct maptrack *lookup_handle(struct grant_table *gt,
				      grant_handle_t h)
{
	struct maptrack *mt;

	if (h >= gt->maptrack_pages * MAPTRACK_PER_PAGE)
		return NULL;
	mt = maptrack_entry(gt, h);
	return mt->flags ? mt : NULL;
}

/*
 * The granter of a mapping, or NULL if the table it was made from is gone
 * (the granter is dying or dead): its pins went with it.
 */
static struct domain *mapping_granter(const struct maptrack *mt)
{
	struct domain *rd = domain_by_id(mt->domid);

	return rd && rd->grant_table->serial == mt->serial ? rd : NULL;
}

static unsigned int map_parts(uint32_t flags)
{
	return !!(flags & GNTMAP_host_map) + !!(flags & GNTMAP_device_map);
}

/*
 * Release what this file holds for a mapping whose PTE (if any) has been
 * dealt with: the device part's page references, the pins, the handle.
 */
static void release_mapping(struct grant_table *lgt, grant_handle_t h)
{
	struct maptrack *mt = maptrack_entry(lgt, h);
	bool ro = mt->flags & GNTMAP_readonly;
	struct domain *rd = mapping_granter(mt);

	if (mt->flags & GNTMAP_device_map)
		put_frame(mfn_to_page(mt->frame), !ro);
	if (rd)
		unpin_grant(rd, mt->ref, ro, map_parts(mt->flags));
	put_maptrack_handle(lgt, h);
}

void grant_table_destroy(struct domain *d)
{
	struct grant_table *gt = d->grant_table;
	unsigned int i;

	for (grant_handle_t h = 0; h < gt->maptrack_pages * MAPTRACK_PER_PAGE;
	     h++) {
		struct maptrack *mt = maptrack_entry(gt, h);

		if (!mt->flags)
			continue;
		/*
		 * Take the PTE out while d's page tables still exist, so the
		 * granted frame is let go now. If that fails (the table was
		 * freed, or the mapping lives in an address space vCPU 0 is
		 * not on), the PTE keeps its references until the page-table
		 * teardown drops them; d never runs again, so dropping the
		 * pins already is safe.
		 */
		if (mt->flags & GNTMAP_host_map)
			pv_destroy_grant_mapping(d->vcpus[0], mt->host_addr,
						 mt->frame, mt->flags);
		release_mapping(gt, h);
	}
	for (i = 0; i < gt->maptrack_pages; i++)
		free_hv_page(gt->maptrack[i]);
	free_hv_page(gt->maptrack);

	/* Mappings of these frames held elsewhere keep them alive. */
	for (i = 0; i < gt->nr_frames; i++)
		release_domheap_page(mfn_to_page(virt_to_mfn(gt->shared[i])));
	for (i = 0; i < gt->nr_frames * ACTIVE_PAGES_PER_FRAME; i++)
		free_hv_page(gt->active[i]);
	xfree(gt);
	d->grant_table = NULL;
}

/* ---- map and unmap ------------------------------------------------------ */

static int map_grant_ref(struct gnttab_map_grant_ref *op)
{
	struct vcpu *v = current;
	struct domain *ld = v->domain, *rd;
	struct grant_table *lgt = ld->grant_table;
	bool ro = op->flags & GNTMAP_readonly;
	unsigned int parts = map_parts(op->flags);
	grant_handle_t h;
	mfn_t mfn;
	int rc;

	if (!parts)
		return GNTST_bad_gntref;
	rd = get_domain_by_id(ld, op->dom);
	if (!rd)
		return GNTST_bad_domain;
	h = get_maptrack_handle(lgt);
	if (h == MAPTRACK_END)
		return GNTST_no_space;
	rc = pin_grant(rd, op->ref, ld->domain_id, ro, parts, &mfn);
	if (rc)
		goto free_handle;

	rc = GNTST_general_error;
	if ((op->flags & GNTMAP_device_map) &&
	    !get_frame(mfn_to_page(mfn), rd, !ro))
		goto unpin;
	if ((op->flags & GNTMAP_host_map) &&
	    pv_create_grant_mapping(v, op->host_addr, mfn, op->flags, rd))
		goto put_device;

	*maptrack_entry(lgt, h) = (struct maptrack){
		.host_addr = op->host_addr,
		.serial = rd->grant_table->serial,
		.flags = op->flags,
		.ref = op->ref,
		.frame = mfn,
		.domid = rd->domain_id,
	};
	op->handle = h;
	/* Linux reads the frame from here for host maps too (its p2m). */
	op->dev_bus_addr = (uint64_t)mfn << PAGE_SHIFT;
	return GNTST_okay;

put_device:
	if (op->flags & GNTMAP_device_map)
		put_frame(mfn_to_page(mfn), !ro);
unpin:
	unpin_grant(rd, op->ref, ro, parts);
free_handle:
	put_maptrack_handle(lgt, h);
	return rc;
}

/* Undo a whole mapping; nothing changes unless every check passes. */
static int unmap_grant_ref(const struct gnttab_unmap_grant_ref *op)
{
	struct vcpu *v = current;
	struct grant_table *lgt = v->domain->grant_table;
	struct maptrack *mt = lookup_handle(lgt, op->handle);

	if (!mt)
		return GNTST_bad_handle;
	if (op->dev_bus_addr && (mt->flags & GNTMAP_device_map) &&
	    op->dev_bus_addr != (uint64_t)mt->frame << PAGE_SHIFT)
		return GNTST_bad_dev_addr;
	/* A failed PTE removal keeps the pins: the mapping may still exist. */
	if ((mt->flags & GNTMAP_host_map) &&
	    (op->host_addr != mt->host_addr ||
	     pv_destroy_grant_mapping(v, mt->host_addr, mt->frame, mt->flags)))
		return GNTST_general_error;
	release_mapping(lgt, op->handle);
	return GNTST_okay;
}

/* ---- copy --------------------------------------------------------------- */

struct copy_side {
	struct domain *d;		/* owner of the frame */
	struct page_info *pg;		/* page reference held */
	bool writable;
	bool typed;			/* writable type reference held */
	bool pinned;			/* grant 'ref' of d pinned */
	grant_ref_t ref;
};

static int get_copy_side(struct copy_side *s, const struct gnttab_copy_ptr *p,
			 bool is_gref, bool writable)
{
	struct domain *ld = current->domain;
	mfn_t mfn;
	int rc;

	s->writable = writable;
	if (is_gref) {
		s->d = get_domain_by_id(ld, p->domid);
		if (!s->d)
			return GNTST_bad_domain;
		rc = pin_grant(s->d, p->u.ref, ld->domain_id, !writable, 1,
			       &mfn);
		if (rc)
			return rc;
		s->pinned = true;
		s->ref = p->u.ref;
	} else {
		/* A frame of the caller's own; dom0 may name anyone's. */
		if (p->domid == DOMID_SELF || p->domid == ld->domain_id)
			s->d = ld;
		else if (!ld->is_privileged)
			return GNTST_permission_denied;
		else if (!(s->d = domain_by_id(p->domid)))
			return GNTST_bad_domain;
		mfn = p->u.gmfn;
		if (!mfn_valid(mfn))
			return GNTST_bad_page;
	}
	if (!get_page(mfn_to_page(mfn), s->d))
		return GNTST_bad_page;
	s->pg = mfn_to_page(mfn);
	/* Never write to a page table or descriptor page. */
	if (writable && get_page_type(s->pg, PGT_writable_page))
		return GNTST_general_error;
	s->typed = writable;
	return GNTST_okay;
}

static void put_copy_side(struct copy_side *s)
{
	if (s->typed)
		put_page_type(s->pg);
	if (s->pg)
		put_page(s->pg);
	if (s->pinned)
		unpin_grant(s->d, s->ref, !s->writable, 1);
}

static int copy_grant(const struct gnttab_copy *op)
{
	struct copy_side src = {}, dst = {};
	int rc;

	if (op->source.offset + op->len > PAGE_SIZE ||
	    op->dest.offset + op->len > PAGE_SIZE)
		return GNTST_bad_copy_arg;
	rc = get_copy_side(&src, &op->source, op->flags & GNTCOPY_source_gref,
			   false);
	if (!rc)
		rc = get_copy_side(&dst, &op->dest,
				   op->flags & GNTCOPY_dest_gref, true);
	/* Source and destination may be the same frame. */
	if (!rc)
		memmove((char *)page_to_virt(dst.pg) + op->dest.offset,
			(char *)page_to_virt(src.pg) + op->source.offset,
			op->len);
	put_copy_side(&dst);
	put_copy_side(&src);
	return rc;
}

/* ---- batches: per-op status; -EFAULT only for an unusable array ------- */

static long map_batch(uint64_t uop, unsigned int count)
{
	struct gnttab_map_grant_ref op;

	for (unsigned int i = 0; i < count; i++, uop += sizeof(op)) {
		if (copy_from_guest(&op, uop, sizeof(op)))
			return -EFAULT;
		op.status = map_grant_ref(&op);
		if (copy_to_guest(uop, &op, sizeof(op)))
			return -EFAULT;
	}
	return 0;
}

static long unmap_batch(uint64_t uop, unsigned int count)
{
	struct gnttab_unmap_grant_ref op;

	for (unsigned int i = 0; i < count; i++, uop += sizeof(op)) {
		if (copy_from_guest(&op, uop, sizeof(op)))
			return -EFAULT;
		op.status = unmap_grant_ref(&op);
		if (copy_to_guest(uop + offsetof(typeof(op), status),
				  &op.status, sizeof(op.status)))
			return -EFAULT;
	}
	return 0;
}

static long copy_batch(uint64_t uop, unsigned int count)
{
	struct gnttab_copy op;

	for (unsigned int i = 0; i < count; i++, uop += sizeof(op)) {
		if (copy_from_guest(&op, uop, sizeof(op)))
			return -EFAULT;
		op.status = copy_grant(&op);
		if (copy_to_guest(uop + offsetof(typeof(op), status),
				  &op.status, sizeof(op.status)))
			return -EFAULT;
	}
	return 0;
}

/* ---- table management ------------------------------------------------- */

/* v1 only: the shared entries are the one resource; status frames are v2. */
unsigned int grant_table_resource_size(const struct domain *d,
				       unsigned int id)
{
	return id == XENMEM_resource_grant_table_id_shared ?
		d->max_grant_frames : 0;
}

int grant_table_resource_frames(struct domain *d, unsigned int id,
				unsigned int frame, unsigned int nr,
				xen_pfn_t *mfns)
{
	unsigned int size = grant_table_resource_size(d, id);

	if (!nr || frame >= size || nr > size - frame)
		return -EINVAL;
	if (grow_table(d, frame + nr))
		return -ENOMEM;
	for (unsigned int i = 0; i < nr; i++)
		mfns[i] = virt_to_mfn(d->grant_table->shared[frame + i]);
	return 0;
}

/* A domain whose table the caller may manage: itself, or any for dom0. */
static int lookup_table_owner(domid_t dom, struct domain **d)
{
	struct domain *ld = current->domain;

	*d = get_domain_by_id(ld, dom);
	if (!*d)
		return GNTST_bad_domain;
	if (*d != ld && !ld->is_privileged)
		return GNTST_permission_denied;
	return GNTST_okay;
}

static long setup_table(uint64_t uop, unsigned int count)
{
	struct gnttab_setup_table op;
	struct domain *d;

	if (count != 1)
		return -EINVAL;
	if (copy_from_guest(&op, uop, sizeof(op)))
		return -EFAULT;
	op.status = lookup_table_owner(op.dom, &d);
	if (!op.status && (op.nr_frames > d->max_grant_frames ||
			   grow_table(d, op.nr_frames)))
		op.status = GNTST_general_error;
	for (unsigned int i = 0; !op.status && i < op.nr_frames; i++) {
		xen_pfn_t mfn = virt_to_mfn(d->grant_table->shared[i]);

		if (copy_to_guest(op.frame_list + i * sizeof(mfn), &mfn,
				  sizeof(mfn)))
			op.status = GNTST_bad_virt_addr;
	}
	if (copy_to_guest(uop + offsetof(typeof(op), status), &op.status,
			  sizeof(op.status)))
		return -EFAULT;
	return 0;
}

static long query_size(uint64_t uop, unsigned int count)
{
	struct gnttab_query_size op;
	struct domain *d;

	if (count != 1)
		return -EINVAL;
	if (copy_from_guest(&op, uop, sizeof(op)))
		return -EFAULT;
	op.status = lookup_table_owner(op.dom, &d);
	if (!op.status) {
		op.nr_frames = d->grant_table->nr_frames;
		op.max_nr_frames = d->max_grant_frames;
	}
	return copy_to_guest(uop, &op, sizeof(op)) ? -EFAULT : 0;
}

/*
 * Only v1 exists here. Linux asks for v1 (or v2 when told to) and takes
 * any failure or any answer but 2 as "use v1", silently. Like Xen
 * without v2 support: 2 is -ENOSYS, other numbers -EINVAL, and the
 * version in force is written back either way.
 */
static long set_version(uint64_t uop)
{
	struct gnttab_set_version op;
	long rc;

	if (copy_from_guest(&op, uop, sizeof(op)))
		return -EFAULT;
	rc = op.version == 1 ? 0 : op.version == 2 ? -ENOSYS : -EINVAL;
	op.version = 1;
	return copy_to_guest(uop, &op, sizeof(op)) ? -EFAULT : rc;
}

static long get_version(uint64_t uop)
{
	struct gnttab_get_version op;
	struct domain *d;
	int rc;

	if (copy_from_guest(&op, uop, sizeof(op)))
		return -EFAULT;
	rc = lookup_table_owner(op.dom, &d);
	if (rc)
		return rc == GNTST_bad_domain ? -ESRCH : -EPERM;
	op.version = 1;
	if (copy_to_guest(uop + offsetof(typeof(op), version), &op.version,
			  sizeof(op.version)))
		return -EFAULT;
	return 0;
}

long do_grant_table_op(unsigned int cmd, uint64_t uop, unsigned int count)
{
	if (count > GNTTAB_MAX_BATCH)
		return -EINVAL;
	switch (cmd) {
	case GNTTABOP_map_grant_ref:
		return map_batch(uop, count);
	case GNTTABOP_unmap_grant_ref:
		return unmap_batch(uop, count);
	case GNTTABOP_copy:
		return copy_batch(uop, count);
	case GNTTABOP_setup_table:
		return setup_table(uop, count);
	case GNTTABOP_query_size:
		return query_size(uop, count);
	case GNTTABOP_set_version:
		return set_version(uop);
	case GNTTABOP_get_version:
		return get_version(uop);
	case GNTTABOP_get_status_frames:
		return -ENOSYS;		/* v2 only */
	case GNTTABOP_dump_table:
	case GNTTABOP_transfer:
	case GNTTABOP_unmap_and_replace:
	case GNTTABOP_swap_grant_ref:
	case GNTTABOP_cache_flush:
		log_unimplemented("grant_table_op", cmd);
		return -ENOSYS;
	default:
		return -ENOSYS;
	}
}
