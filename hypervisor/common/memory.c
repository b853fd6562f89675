// SPDX-License-Identifier: MIT
/*
 * memory_op: a domain's memory reservation (balloon up and down), where
 * the M2P lives, memory maps, and another domain's grant table for the
 * toolstack (acquire_resource). Extent lists are guest arrays read and
 * written one entry at a time.
 */
#include <tandem/bootinfo.h>
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/grant_table.h>
#include <tandem/hypercall.h>
#include <tandem/lib.h>
#include <tandem/mm.h>
#include <asm/pagetable.h>
#include <asm/paging.h>
#include <asm/pv.h>
#include <public/memory.h>

#define MEMOP_CMD_MASK		0x3f
#define MEMOP_EXTENT_SHIFT	6
#define DOMU_MAX_ORDER		9	/* 2 MiB extents */
#define DOM0_MAX_ORDER		18
#define EXCHANGE_MAX_ORDER	12	/* 16 MiB chunks at most */

static struct domain *reservation_target(struct domain *curr, domid_t id)
{
	if (id == DOMID_SELF || id == curr->domain_id)
		return curr;
	return curr->is_privileged ? domain_by_id(id) : NULL;
}

static unsigned int max_order(const struct domain *d)
{
	return d->is_privileged ? DOM0_MAX_ORDER : DOMU_MAX_ORDER;
}

/*
 * Out of time after extent i (at least one done per call): the guest
 * issues the call again from there.
 */
static bool reservation_preempted(unsigned int cmd, unsigned long i,
				  unsigned long start)
{
	if (i == start || !hypercall_preempt_check())
		return false;
	hypercall_continue(__HYPERVISOR_memory_op,
			   cmd | (i << MEMOP_EXTENT_SHIFT));
	return true;
}

/* increase_reservation / populate_physmap: returns extents done. */
static long populate(struct domain *d, struct xen_memory_reservation *r,
		     unsigned int cmd, unsigned long start)
{
	bool populate_physmap = cmd == XENMEM_populate_physmap;
	unsigned long i;

	if (r->extent_order > max_order(current->domain))
		return start;	/* nothing done, as Xen answers */
	for (i = start; i < r->nr_extents; i++) {
		uint64_t slot = r->extent_start + i * sizeof(xen_pfn_t);
		unsigned int bits = XENMEMF_get_address_bits(r->mem_flags);
		xen_pfn_t gpfn = 0, mfn;
		struct page_info *pg;

		if (reservation_preempted(cmd, i, start))
			break;
		if (populate_physmap &&
		    copy_from_guest(&gpfn, slot, sizeof(gpfn)))
			break;
		/* Address limits below what we could satisfy fail cleanly. */
		if (bits && bits < PAGE_SHIFT + r->extent_order)
			break;
		pg = alloc_domheap_pages(d, r->extent_order, bits >= 64 ? 0 :
					 MEMF_bits(bits));
		if (!pg)
			break;
		mfn = page_to_mfn(pg);
		for (unsigned long j = 0; j < (1UL << r->extent_order); j++)
			set_m2p(mfn + j, populate_physmap ? gpfn + j :
				INVALID_PFN);
		if (copy_to_guest(slot, &mfn, sizeof(mfn))) {
			for (unsigned long j = 0;
			     j < (1UL << r->extent_order); j++)
				release_domheap_page(pg + j);
			break;
		}
	}
	return i;
}

/* Give one guest frame back: it is freed once nothing maps it. */
static int remove_page(struct domain *d, mfn_t mfn)
{
	struct page_info *pg;

	if (!mfn_is_ram(mfn))
		return -EINVAL;
	pg = mfn_to_page(mfn);
	if (pg->owner != d || !(pg->count_info & PGC_allocated))
		return -EINVAL;
	if (pg->type_info & PGT_pinned) {
		pg->type_info &= ~PGT_pinned;
		put_page_and_type(pg);
	}
	release_domheap_page(pg);
	return 0;
}

static long decrease(struct domain *d, struct xen_memory_reservation *r,
		     unsigned long start)
{
	unsigned long i;

	if (r->extent_order > max_order(current->domain))
		return start;
	for (i = start; i < r->nr_extents; i++) {
		xen_pfn_t mfn;

		if (reservation_preempted(XENMEM_decrease_reservation, i,
					  start))
			break;
		if (copy_from_guest(&mfn, r->extent_start + i * sizeof(mfn),
				    sizeof(mfn)))
			break;
		if (mfn + (1UL << r->extent_order) < mfn)
			break;
		for (unsigned long j = 0; j < (1UL << r->extent_order); j++)
			if (remove_page(d, mfn + j))
				return i;
	}
	return i;
}

static long reservation_op(unsigned int cmd, uint64_t arg,
			   unsigned long start)
{
	struct xen_memory_reservation r;
	struct domain *d;

	if (copy_from_guest(&r, arg, sizeof(r)))
		return -EFAULT;
	if (start > r.nr_extents)
		return -EINVAL;
	/* Another (or no) domain: no extents done, as Xen answers. */
	d = reservation_target(current->domain, r.domid);
	if (!d)
		return start;
	if (cmd == XENMEM_decrease_reservation)
		return decrease(d, &r, start);
	return populate(d, &r, cmd, start);
}

/*
 * A frame the guest may give back in an exchange: its own, and used by
 * nothing but its allocation (no mapping, no type, no pin).
 */
static bool exchangeable(struct domain *d, mfn_t mfn)
{
	struct page_info *pg;

	if (!mfn_is_ram(mfn))
		return false;
	pg = mfn_to_page(mfn);
	return pg->owner == d &&
	       (pg->count_info & (PGC_allocated | PGC_count_mask)) ==
	       (PGC_allocated | 1) &&
	       !(pg->type_info & PGT_count_mask);
}

/*
 * XENMEM_exchange: swap some of a guest's frames for new ones meeting
 * the output's order and address limit (dom0's swiotlb needs contiguous
 * memory below 4 GiB). Chunk by chunk: check the inputs, allocate the
 * output, then free the inputs, so a failure loses nothing.
 */
static long memory_exchange(uint64_t arg)
{
	struct xen_memory_exchange x;
	struct domain *d = current->domain;
	unsigned int in_per_chunk, out_per_chunk, chunk_order, bits;
	xen_pfn_t *in_mfn = NULL;
	struct page_info **out = NULL;
	unsigned long chunks, i;
	long rc = 0;

	if (copy_from_guest(&x, arg, sizeof(x)))
		return -EFAULT;
	if (x.in.extent_order > max_order(d) ||
	    x.out.extent_order > max_order(d) ||
	    x.nr_exchanged > x.in.nr_extents ||
	    x.in.domid != x.out.domid ||
	    (x.in.domid != DOMID_SELF && x.in.domid != d->domain_id) ||
	    (~0UL >> x.in.extent_order) < x.in.nr_extents ||
	    (~0UL >> x.out.extent_order) < x.out.nr_extents ||
	    (x.in.nr_extents << x.in.extent_order) !=
	    (x.out.nr_extents << x.out.extent_order))
		return -EINVAL;

	chunk_order = MAX(x.in.extent_order, x.out.extent_order);
	if (chunk_order > EXCHANGE_MAX_ORDER)
		return -EINVAL;
	in_per_chunk = 1U << (chunk_order - x.in.extent_order);
	out_per_chunk = 1U << (chunk_order - x.out.extent_order);
	chunks = (x.in.nr_extents << x.in.extent_order) >> chunk_order;
	bits = XENMEMF_get_address_bits(x.out.mem_flags);
	in_mfn = xmalloc(in_per_chunk * sizeof(*in_mfn));
	out = xmalloc(out_per_chunk * sizeof(*out));
	if (!in_mfn || !out) {
		rc = -ENOMEM;
		goto out_free;
	}

	for (i = x.nr_exchanged / in_per_chunk; i < chunks; i++) {
		unsigned int j;

		/* Every input frame must be ours and unused. */
		for (j = 0; j < in_per_chunk && !rc; j++) {
			uint64_t at = x.in.extent_start +
				      (i * in_per_chunk + j) * sizeof(xen_pfn_t);

			if (copy_from_guest(&in_mfn[j], at, sizeof(xen_pfn_t))) {
				rc = -EFAULT;
				break;
			}
			for (unsigned long k = 0;
			     k < (1UL << x.in.extent_order); k++)
				if (!exchangeable(d, in_mfn[j] + k))
					rc = -EINVAL;
		}
		if (rc)
			break;
		/* The new frames, counted against the old ones' allocation. */
		d->max_pages += 1UL << chunk_order;
		for (j = 0; j < out_per_chunk; j++) {
			out[j] = alloc_domheap_pages(d, x.out.extent_order,
						     bits && bits < 64 ?
						     MEMF_bits(bits) : 0);
			if (!out[j])
				break;
		}
		d->max_pages -= 1UL << chunk_order;
		if (j < out_per_chunk) {
			while (j--)
				for (unsigned long k = 0;
				     k < (1UL << x.out.extent_order); k++)
					release_domheap_page(out[j] + k);
			rc = -ENOMEM;
			break;
		}
		for (j = 0; j < in_per_chunk; j++)
			for (unsigned long k = 0;
			     k < (1UL << x.in.extent_order); k++)
				release_domheap_page(mfn_to_page(in_mfn[j] + k));
		/* out.extent_start holds the GPFNs and receives the MFNs. */
		for (j = 0; j < out_per_chunk; j++) {
			uint64_t at = x.out.extent_start +
				      (i * out_per_chunk + j) * sizeof(xen_pfn_t);
			xen_pfn_t gpfn, mfn = page_to_mfn(out[j]);

			if (copy_from_guest(&gpfn, at, sizeof(gpfn)) ||
			    copy_to_guest(at, &mfn, sizeof(mfn))) {
				rc = -EFAULT;
				break;
			}
			for (unsigned long k = 0;
			     k < (1UL << x.out.extent_order); k++)
				set_m2p(mfn + k, gpfn + k);
		}
		x.nr_exchanged = (i + 1) * in_per_chunk;
		if (rc)
			break;
	}
	if (copy_to_guest(arg + offsetof(struct xen_memory_exchange,
					 nr_exchanged),
			  &x.nr_exchanged, sizeof(x.nr_exchanged)))
		rc = -EFAULT;
out_free:
	xfree(in_mfn);
	xfree(out);
	return rc;
}

static long domain_pages_op(unsigned int cmd, uint64_t arg)
{
	domid_t id;
	struct domain *d;

	if (copy_from_guest(&id, arg, sizeof(id)))
		return -EFAULT;
	d = reservation_target(current->domain, id);
	if (!d)
		return current->domain->is_privileged ? -ESRCH : -EPERM;
	switch (cmd) {
	case XENMEM_current_reservation:
		return d->tot_pages;
	case XENMEM_maximum_reservation:
		return d->max_pages;
	default:	/* maximum_gpfn: the guest's pseudo-physical size */
		return d->max_pages - 1;
	}
}

static long machine_memory_map(uint64_t arg)
{
	struct xen_memory_map map;
	unsigned int n;

	if (!current->domain->is_privileged)
		return -EPERM;
	if (copy_from_guest(&map, arg, sizeof(map)))
		return -EFAULT;
	n = MIN(map.nr_entries, boot_info.nr_mem);
	for (unsigned int i = 0; i < n; i++) {
		struct xen_e820_entry e = {
			.addr = boot_info.mem[i].start,
			.size = boot_info.mem[i].size,
			.type = boot_info.mem[i].type,
		};

		if (copy_to_guest(map.buffer + i * sizeof(e), &e, sizeof(e)))
			return -EFAULT;
	}
	map.nr_entries = n;
	return copy_to_guest(arg, &map, sizeof(map)) ? -EFAULT : 0;
}

static long machphys_mfn_list(uint64_t arg)
{
	struct xen_machphys_mfn_list l;
	unsigned long chunks = m2p_entries * sizeof(uint64_t) / L2_PAGE_SIZE;
	unsigned int i;

	if (copy_from_guest(&l, arg, sizeof(l)))
		return -EFAULT;
	for (i = 0; i < l.max_extents && i < chunks; i++) {
		xen_pfn_t mfn = m2p_chunk_mfns[i];

		if (copy_to_guest(l.extent_start + i * sizeof(mfn), &mfn,
				  sizeof(mfn)))
			return -EFAULT;
	}
	l.nr_extents = i;
	return copy_to_guest(arg, &l, sizeof(l)) ? -EFAULT : 0;
}

/*
 * XENMEM_acquire_resource: the toolstack maps another domain's grant
 * table this way to seed its console and store grants. The caller is PV,
 * so it gets MFNs to map by foreign mmu_update.
 */
static long acquire_resource(uint64_t arg)
{
	struct xen_mem_acquire_resource r;
	xen_pfn_t mfns[GNTTAB_DEFAULT_MAX_FRAMES];
	struct domain *d;
	unsigned int size;
	int rc;

	if (!current->domain->is_privileged)
		return -EPERM;
	if (copy_from_guest(&r, arg, sizeof(r)))
		return -EFAULT;
	if (r.pad || (r.frame >> 32) || ((r.frame + r.nr_frames) >> 32))
		return -EINVAL;
	d = domain_by_id(r.domid);
	if (!d)
		return -ESRCH;
	if (d == current->domain)
		return -EPERM;
	if (r.type != XENMEM_resource_grant_table)
		return -EOPNOTSUPP;	/* no ioreq servers, no vmtrace */
	size = grant_table_resource_size(d, r.id);
	if (!size)
		return -EINVAL;
	if (!r.frame_list) {
		if (r.nr_frames)
			return -EINVAL;
		r.nr_frames = size;
		return copy_to_guest(arg, &r, sizeof(r)) ? -EFAULT : 0;
	}
	if (r.nr_frames > ARRAY_SIZE(mfns))
		return -EINVAL;
	rc = grant_table_resource_frames(d, r.id, r.frame, r.nr_frames, mfns);
	if (rc)
		return rc;
	return copy_to_guest(r.frame_list, mfns,
			     r.nr_frames * sizeof(mfns[0])) ? -EFAULT : 0;
}

long do_memory_op(unsigned long op, uint64_t arg)
{
	unsigned int cmd = op & MEMOP_CMD_MASK;
	unsigned long start = op >> MEMOP_EXTENT_SHIFT;

	switch (cmd) {
	case XENMEM_increase_reservation:
	case XENMEM_decrease_reservation:
	case XENMEM_populate_physmap:
		return reservation_op(cmd, arg, start);
	case XENMEM_exchange:
		return memory_exchange(arg);
	case XENMEM_maximum_ram_page:
		return max_page - 1;
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
	case XENMEM_maximum_gpfn:
		return domain_pages_op(cmd, arg);
	case XENMEM_machphys_mfn_list:
		return machphys_mfn_list(arg);
	case XENMEM_machphys_mapping: {
		struct xen_machphys_mapping m = {
			.v_start = M2P_VIRT_START,
			.v_end = M2P_VIRT_START + m2p_entries * sizeof(uint64_t),
			.max_mfn = m2p_entries - 1,
		};

		return copy_to_guest(arg, &m, sizeof(m)) ? -EFAULT : 0;
	}
	case XENMEM_machine_memory_map:
		return machine_memory_map(arg);
	case XENMEM_acquire_resource:
		return acquire_resource(arg);
	case XENMEM_memory_map:
		/* No map set: the guest assumes one RAM range of its size. */
		return -ENOSYS;
	default:
		log_unimplemented("memory_op", cmd);
		return -ENOSYS;
	}
}
