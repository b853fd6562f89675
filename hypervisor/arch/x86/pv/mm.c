// SPDX-License-Identifier: MIT
/*
 * The PV memory-management hypercalls: mmu_update, mmuext_op and
 * update_va_mapping. Guests build and change their page tables only
 * through these (and through emulated writes to L1 tables); every request
 * is validated by arch/x86/pv/pagetable.c.
 */
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <asm/context.h>
#include <asm/io_apic.h>
#include <asm/pagetable.h>
#include <asm/paging.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <public/grant_table.h>
#include <public/xen.h>

void flush_all_tlbs(void)
{
	flush_tlb_all_local();
}

bool domain_may_map_io(const struct domain *d, mfn_t mfn)
{
	/*
	 * Device memory belongs to dom0 alone, but for the interrupt
	 * controllers, which are ours; RAM is never "I/O".
	 */
	return d && d->is_privileged && !mfn_is_ram(mfn) &&
	       !mmio_is_hypervisors(mfn) &&
	       (!mfn_valid(mfn) ||
		(mfn_to_page(mfn)->count_info & PGC_state_mask) ==
		PGC_state_io);
}

/*
 * Whose frames a request may touch: DOMID_SELF or, for dom0, another
 * domain. NULL with *err as Xen answers: -EPERM for a domain that exists
 * (or DOMID_XEN) but is not ours to touch, -ESRCH for none.
 */
static struct domain *get_pg_owner(struct domain *curr, unsigned int dom,
				   long *err)
{
	domid_t id = dom & 0xffff;
	struct domain *d;

	if (id == DOMID_SELF || id == curr->domain_id)
		return curr;
	d = domain_by_id(id);
	if (d && curr->is_privileged)
		return d;
	*err = d || id == DOMID_XEN ? -EPERM : -ESRCH;
	return NULL;
}

static struct page_info *owned_page(struct domain *d, mfn_t mfn)
{
	struct page_info *pg;

	if (!mfn_valid(mfn))
		return NULL;
	pg = mfn_to_page(mfn);
	return pg->owner == d && (pg->count_info & PGC_allocated) ? pg : NULL;
}

/* ---- mmu_update ------------------------------------------------------------ */

static int do_one_pt_update(struct domain *d, struct domain *pg_owner,
			    uint64_t ptr, uint64_t val, bool preserve_ad)
{
	mfn_t mfn = ptr >> PAGE_SHIFT;
	unsigned int idx = (ptr & (PAGE_SIZE - 1)) / sizeof(pte_t);
	struct page_info *pt;
	uint64_t type;
	int rc;

	if (ptr & (sizeof(pte_t) - 1))
		return -EINVAL;	/* misaligned */
	pt = owned_page(d, mfn);
	if (!pt || !get_page(pt, d))
		return -EPERM;

	type = pt->type_info;
	if ((type & PGT_count_mask) && (type & PGT_validated) &&
	    (type & PGT_type_mask) >= PGT_l1_page_table &&
	    (type & PGT_type_mask) <= PGT_l4_page_table) {
		rc = mod_pt_entry(pt, page_type_level(type), idx, val,
				  pg_owner, preserve_ad);
	} else if (!get_page_type(pt, PGT_writable_page)) {
		/* Not a table in use: a plain write to the guest's memory. */
		((pte_t *)page_to_virt(pt))[idx] = val;
		put_page_type(pt);
		rc = 0;
	} else {
		rc = -EINVAL;
	}
	put_page(pt);
	if (rc)
		pr_debug("%s: PTE update refused (%d): %#lx <- %#lx (table "
			 "type %#lx)\n", d->name, rc, ptr, val, type);
	return rc;
}

long do_mmu_update(uint64_t reqs, unsigned int count, uint64_t done,
		   unsigned int foreigndom)
{
	struct domain *d = current->domain, *pg_owner;
	unsigned int i = 0;
	long rc = 0;

	pg_owner = get_pg_owner(d, foreigndom, &rc);
	if (pg_owner && (foreigndom >> 16))
		rc = -EPERM;	/* foreign page-table owners: not supported */
	/*
	 * A refused batch still reports 0 done: Linux's foreign mapping
	 * retries from that count.
	 */
	for (; !rc && i < count; i++) {
		struct mmu_update req;

		if (copy_from_guest(&req, reqs + (uint64_t)i * sizeof(req),
				    sizeof(req))) {
			rc = -EFAULT;
			break;
		}
		/* The command sits in the low bits a PTE address never has. */
		switch (req.ptr & (sizeof(pte_t) - 1)) {
		case MMU_NORMAL_PT_UPDATE:
		case MMU_PT_UPDATE_PRESERVE_AD:
		case MMU_PT_UPDATE_NO_TRANSLATE:
			rc = do_one_pt_update(d, pg_owner, req.ptr & ~7ULL,
					      req.val,
					      (req.ptr & 7) ==
					      MMU_PT_UPDATE_PRESERVE_AD);
			break;
		case MMU_MACHPHYS_UPDATE: {
			mfn_t mfn = req.ptr >> PAGE_SHIFT;

			if (!owned_page(pg_owner, mfn))
				rc = -EPERM;
			else
				set_m2p(mfn, req.val);
			break;
		}
		default:
			rc = -ENOSYS;
			break;
		}
		if (rc)
			break;
	}
	if (done && copy_to_guest(done, &i, sizeof(i)))
		rc = rc ? rc : -EFAULT;
	return rc;
}

/* ---- walking the current guest page tables ------------------------------- */

/*
 * The L1 table frame mapping va in the vCPU's kernel page tables, or
 * NULL. Every frame on the way is a validated table of the domain.
 */
struct page_info *pv_guest_l1_for(struct vcpu *v, unsigned long va)
{
	mfn_t mfn = v->arch.guest_table;

	if (mfn == INVALID_MFN || !guest_range_ok(va, 1))
		return NULL;
	for (int level = 4; level > 1; level--) {
		pte_t e = ((pte_t *)mfn_to_virt(mfn))[pt_index(va, level)];

		if (!(e & PTE_P))
			return NULL;
		mfn = pte_mfn(e);
	}
	return mfn_to_page(mfn);
}

/* Print the guest page-table walk for va (crash reports). */
void pv_show_guest_walk(struct vcpu *v, unsigned long va)
{
	mfn_t mfn = v->arch.kernel_mode ? v->arch.guest_table :
		    v->arch.guest_table_user;

	if (mfn == INVALID_MFN || !guest_range_ok(va, 1))
		return;
	printk("  page walk for %#lx (%s page tables):", va,
	       v->arch.kernel_mode ? "kernel" : "user");
	for (int level = 4; level >= 1; level--) {
		pte_t e = ((pte_t *)mfn_to_virt(mfn))[pt_index(va, level)];

		printk(" L%d[%u]=%#lx", level, pt_index(va, level), e);
		if (!(e & PTE_P) || !mfn_is_ram(pte_mfn(e)))
			break;
		mfn = pte_mfn(e);
	}
	printk("\n");
}

mfn_t pv_guest_va_to_mfn(struct vcpu *v, unsigned long va)
{
	struct page_info *l1 = pv_guest_l1_for(v, va);
	pte_t e;

	if (!l1)
		return INVALID_MFN;
	e = ((pte_t *)page_to_virt(l1))[pt_index(va, 1)];
	return (e & PTE_P) && mfn_is_ram(pte_mfn(e)) ? pte_mfn(e) :
	       INVALID_MFN;
}

static void flush_for_flags(unsigned long va, unsigned long flags)
{
	switch (flags & UVMF_FLUSHTYPE_MASK) {
	case UVMF_TLB_FLUSH:
		flush_tlb_all_local();
		break;
	case UVMF_INVLPG:
		invlpg(va);
		break;
	}
}

static long update_va_mapping(struct domain *pg_owner, unsigned long va,
			      uint64_t val, unsigned long flags)
{
	struct vcpu *v = current;
	struct page_info *l1;
	long rc;

	/* Upper flag bits may carry a vCPU mask: one CPU flushes for all. */
	l1 = pv_guest_l1_for(v, va);
	if (!l1)
		return -EINVAL;
	rc = mod_pt_entry(l1, 1, pt_index(va, 1), val, pg_owner, false);
	if (!rc)
		flush_for_flags(va, flags);
	return rc;
}

long do_update_va_mapping(unsigned long va, uint64_t val, unsigned long flags)
{
	return update_va_mapping(current->domain, va, val, flags);
}

long do_update_va_mapping_otherdomain(unsigned long va, uint64_t val,
				      unsigned long flags, domid_t domid)
{
	long rc = 0;
	struct domain *pg_owner = get_pg_owner(current->domain, domid, &rc);

	if (!pg_owner)
		return rc;
	return update_va_mapping(pg_owner, va, val, flags);
}

/* ---- grant mappings -------------------------------------------------------- */

/* The L1 frame and index that 'addr' designates for a grant operation. */
static struct page_info *grant_pte_slot(struct vcpu *v, uint64_t addr,
					uint32_t flags, unsigned int *idx)
{
	struct page_info *l1;

	if (flags & GNTMAP_contains_pte) {
		l1 = owned_page(v->domain, addr >> PAGE_SHIFT);
		if (!l1 || (addr & 7) ||
		    (l1->type_info & PGT_type_mask) != PGT_l1_page_table ||
		    !(l1->type_info & PGT_count_mask))
			return NULL;
		*idx = (addr & (PAGE_SIZE - 1)) / sizeof(pte_t);
		return l1;
	}
	l1 = pv_guest_l1_for(v, addr);
	*idx = pt_index(addr, 1);
	return l1;
}

int pv_create_grant_mapping(struct vcpu *v, uint64_t addr, mfn_t mfn,
			    uint32_t gnt_flags, struct domain *granter)
{
	struct page_info *l1, *pg;
	unsigned int idx;
	pte_t *t, e;
	int rc;

	if (!mfn_is_ram(mfn))
		return -EINVAL;
	l1 = grant_pte_slot(v, addr, gnt_flags, &idx);
	if (!l1)
		return -EINVAL;
	t = page_to_virt(l1);
	/* A present grant PTE (non-present ones may be swap entries). */
	if ((t[idx] & (PTE_P | PTE_GRANT)) == (PTE_P | PTE_GRANT))
		return -EBUSY;	/* unmap the old grant first */

	pg = mfn_to_page(mfn);
	if (!get_page(pg, granter))
		return -EINVAL;
	if (!(gnt_flags & GNTMAP_readonly)) {
		rc = get_page_type(pg, PGT_writable_page);
		if (rc) {
			put_page(pg);
			return rc;
		}
	}
	e = make_pte(mfn, PTE_P | PTE_A | PTE_D | PTE_NX | PTE_GRANT | PTE_US);
	if (!(gnt_flags & GNTMAP_readonly))
		e |= PTE_RW;
	/* XENFEAT_gnttab_map_avail_bits: the guest's software PTE bits. */
	e |= ((gnt_flags >> _GNTMAP_guest_avail0) & 7) << 9;
	if (!(gnt_flags & GNTMAP_application_map))
		e |= PTE_GUEST_KERNEL;	/* kernel-only mapping */

	/* Whatever the slot held before is dropped. */
	pt_replace_entry(l1, idx, e);
	if (!(gnt_flags & GNTMAP_contains_pte))
		invlpg(addr);
	return 0;
}

int pv_destroy_grant_mapping(struct vcpu *v, uint64_t addr, mfn_t mfn,
			     uint32_t gnt_flags)
{
	struct page_info *l1;
	unsigned int idx;
	pte_t *t;

	l1 = grant_pte_slot(v, addr, gnt_flags, &idx);
	if (!l1)
		return -EINVAL;
	t = page_to_virt(l1);
	if (!(t[idx] & PTE_P) || !(t[idx] & PTE_GRANT) ||
	    pte_mfn(t[idx]) != mfn)
		return -EINVAL;
	pt_replace_entry(l1, idx, 0);
	flush_tlb_all_local();
	return 0;
}

/* ---- mmuext_op ------------------------------------------------------------- */

static int pin_table(struct domain *d, mfn_t mfn, int level)
{
	struct page_info *pg = owned_page(d, mfn);
	int rc;

	if (!pg)
		return -EINVAL;
	rc = get_page_and_type(pg, d, (uint64_t)level << PGT_type_shift);
	if (rc)
		return rc;
	if (pg->type_info & PGT_pinned) {
		put_page_and_type(pg);
		return -EINVAL;		/* already pinned */
	}
	pg->type_info |= PGT_pinned;
	return 0;
}

static int unpin_table(struct domain *d, mfn_t mfn)
{
	struct page_info *pg = owned_page(d, mfn);

	if (!pg || !(pg->type_info & PGT_pinned))
		return -EINVAL;
	pg->type_info &= ~PGT_pinned;
	put_page_and_type(pg);
	return 0;
}

/* Point the vCPU's kernel or user base at a new L4 (mfn 0: no user L4). */
static int set_base_table(struct vcpu *v, mfn_t mfn, bool user)
{
	struct domain *d = v->domain;
	mfn_t *slot = user ? &v->arch.guest_table_user : &v->arch.guest_table;
	mfn_t old = *slot;

	if (user && mfn == 0) {
		*slot = INVALID_MFN;
	} else {
		struct page_info *pg = owned_page(d, mfn);
		int rc;

		if (!pg)
			return -EINVAL;
		rc = get_page_and_type(pg, d, PGT_l4_page_table);
		if (rc)
			return rc;
		*slot = mfn;
	}
	/* Hypercalls run in kernel mode: only the kernel table is live. */
	if (!user && v == current && v->arch.kernel_mode)
		write_cr3(mfn << PAGE_SHIFT);
	if (old != INVALID_MFN)
		put_page_and_type(mfn_to_page(old));
	return 0;
}

void pv_put_base_tables(struct vcpu *v)
{
	if (v->arch.guest_table != INVALID_MFN)
		put_page_and_type(mfn_to_page(v->arch.guest_table));
	if (v->arch.guest_table_user != INVALID_MFN)
		put_page_and_type(mfn_to_page(v->arch.guest_table_user));
	v->arch.guest_table = INVALID_MFN;
	v->arch.guest_table_user = INVALID_MFN;
}

int pv_set_kernel_base_table(struct vcpu *v, mfn_t mfn)
{
	return set_base_table(v, mfn, false);
}

static int clear_or_copy_page(struct domain *d, mfn_t dst, mfn_t src,
			      bool copy)
{
	struct page_info *pd = owned_page(d, dst), *ps = NULL;
	int rc;

	if (!pd)
		return -EINVAL;
	if (copy) {
		ps = owned_page(d, src);
		if (!ps || !get_page(ps, d))
			return -EINVAL;
	}
	rc = get_page_and_type(pd, d, PGT_writable_page);
	if (!rc) {
		if (copy)
			memcpy(page_to_virt(pd), page_to_virt(ps), PAGE_SIZE);
		else
			memset(page_to_virt(pd), 0, PAGE_SIZE);
		put_page_and_type(pd);
	}
	if (ps)
		put_page(ps);
	return rc;
}

static int do_one_mmuext(struct vcpu *v, struct domain *pg_owner,
			 const struct mmuext_op *op)
{
	struct domain *d = v->domain;

	switch (op->cmd) {
	case MMUEXT_PIN_L1_TABLE:
	case MMUEXT_PIN_L2_TABLE:
	case MMUEXT_PIN_L3_TABLE:
	case MMUEXT_PIN_L4_TABLE:
		return pin_table(pg_owner, op->arg1.mfn,
				 op->cmd - MMUEXT_PIN_L1_TABLE + 1);
	case MMUEXT_UNPIN_TABLE:
		return unpin_table(pg_owner, op->arg1.mfn);
	case MMUEXT_NEW_BASEPTR:
		return set_base_table(v, op->arg1.mfn, false);
	case MMUEXT_NEW_USER_BASEPTR:
		return set_base_table(v, op->arg1.mfn, true);
	case MMUEXT_TLB_FLUSH_LOCAL:
	case MMUEXT_TLB_FLUSH_MULTI:
	case MMUEXT_TLB_FLUSH_ALL:
		flush_tlb_all_local();
		return 0;
	case MMUEXT_INVLPG_LOCAL:
	case MMUEXT_INVLPG_MULTI:
	case MMUEXT_INVLPG_ALL:
		if (guest_range_ok(op->arg1.linear_addr, 1))
			invlpg(op->arg1.linear_addr);
		return 0;
	case MMUEXT_FLUSH_CACHE:
	case MMUEXT_FLUSH_CACHE_GLOBAL:
		if (!d->is_privileged)
			return -EPERM;
		__asm__ __volatile__("wbinvd" : : : "memory");
		return 0;
	case MMUEXT_SET_LDT:
		return pv_set_ldt(v, op->arg1.linear_addr, op->arg2.nr_ents);
	case MMUEXT_CLEAR_PAGE:
		return clear_or_copy_page(d, op->arg1.mfn, 0, false);
	case MMUEXT_COPY_PAGE:
		return clear_or_copy_page(d, op->arg1.mfn, op->arg2.src_mfn,
					  true);
	default:
		pr_once(LOG_WARN, "mmuext_op %u not implemented\n", op->cmd);
		return -ENOSYS;
	}
}

long do_mmuext_op(uint64_t ops, unsigned int count, uint64_t done,
		  unsigned int foreigndom)
{
	struct vcpu *v = current;
	struct domain *pg_owner;
	unsigned int i = 0;
	long rc = 0;

	pg_owner = get_pg_owner(v->domain, foreigndom, &rc);
	for (; !rc && i < count; i++) {
		struct mmuext_op op;

		if (copy_from_guest(&op, ops + (uint64_t)i * sizeof(op),
				    sizeof(op))) {
			rc = -EFAULT;
			break;
		}
		rc = do_one_mmuext(v, pg_owner, &op);
		if (rc)
			break;
	}
	if (done && copy_to_guest(done, &i, sizeof(i)))
		rc = rc ? rc : -EFAULT;
	return rc;
}
