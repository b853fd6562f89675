// SPDX-License-Identifier: MIT
/*
 * Page types and validation of guest page tables.
 *
 * get_page_type() gives a frame a type. For page-table types it first
 * validates the frame's contents, which takes references on everything
 * the entries point to (recursively typing lower-level tables); dropping
 * the last type reference releases them again. Because a frame has one
 * type at a time, a table can never also be writable memory, and a table
 * can never contain itself (the recursive reference would need a second
 * type while the first is still being validated).
 */
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <asm/pagetable.h>
#include <asm/paging.h>

/*
 * Flags a guest may set. Leaf: every hardware bit but PTE_GRANT (ours).
 * Upper levels: no large pages (PV guests map 4 KiB pages only).
 */
#define L1_GUEST_DISALLOWED	PTE_GRANT
#define UPPER_GUEST_DISALLOWED	(PTE_PS | PTE_G | PTE_GRANT | \
				 PTE_GUEST_KERNEL | (0x7fULL << 54))

static uint64_t level_type(int level)
{
	return (uint64_t)level << PGT_type_shift;
}

static bool is_pt_type(uint64_t type)
{
	uint64_t t = type & PGT_type_mask;

	return t >= PGT_l1_page_table && t <= PGT_l4_page_table;
}

static bool needs_validation(uint64_t type)
{
	return is_pt_type(type) || (type & PGT_type_mask) == PGT_seg_desc_page;
}

static bool mfn_in_range(mfn_t mfn)
{
	return mfn < max_page;
}

/*
 * Guest kernels run in ring 3, so every level must be user-accessible.
 * Supervisor-only leaves get our PTE_GUEST_KERNEL tag instead of U=0,
 * and are never global: global entries would survive the switch to the
 * guest's user page tables.
 */
static pte_t adjust_guest_l1e(pte_t e)
{
	if (!(e & PTE_P))
		return e;
	if (!(e & PTE_US))
		e = (e | PTE_US | PTE_GUEST_KERNEL) & ~PTE_G;
	return e;
}

static pte_t adjust_guest_upper(pte_t e)
{
	return (e & PTE_P) ? e | PTE_US | PTE_A : e;
}

/* ---- references held by single entries ---------------------------------- */

static int get_page_from_l1e(pte_t e, struct domain *pg_owner)
{
	mfn_t mfn = pte_mfn(e);
	struct page_info *pg;

	if (!(e & PTE_P))
		return 0;
	if (e & L1_GUEST_DISALLOWED)
		return -EINVAL;
	if (!mfn_is_ram(mfn)) {
		/* Device memory: only for a domain allowed to own it. */
		return domain_may_map_io(pg_owner, mfn) ? 0 : -EPERM;
	}
	pg = mfn_to_page(mfn);
	if (e & PTE_RW)
		return get_page_and_type(pg, pg_owner, PGT_writable_page);
	return get_page(pg, pg_owner) ? 0 : -EPERM;
}

static void put_page_from_l1e(pte_t e)
{
	mfn_t mfn = pte_mfn(e);
	struct page_info *pg;

	if (!(e & PTE_P) || !mfn_is_ram(mfn))
		return;
	pg = mfn_to_page(mfn);
	if (e & PTE_RW)
		put_page_and_type(pg);
	else
		put_page(pg);
}

/* An entry of a level-'level' table (2..4) pointing at level-1 tables. */
static int get_page_from_upper(pte_t e, int level, struct domain *d)
{
	mfn_t mfn = pte_mfn(e);

	if (!(e & PTE_P))
		return 0;
	if (e & UPPER_GUEST_DISALLOWED)
		return -EINVAL;
	if (!mfn_in_range(mfn))
		return -EINVAL;
	return get_page_and_type(mfn_to_page(mfn), d, level_type(level - 1));
}

static void put_page_from_upper(pte_t e)
{
	if (e & PTE_P)
		put_page_and_type(mfn_to_page(pte_mfn(e)));
}

static bool entry_in_use(int level, unsigned int i)
{
	return level != 4 || is_guest_l4_slot(i);
}

/* ---- whole tables -------------------------------------------------------- */

static void release_entries(pte_t *t, int level, unsigned int upto)
{
	for (unsigned int i = 0; i < upto; i++) {
		if (!entry_in_use(level, i))
			continue;
		if (level == 1)
			put_page_from_l1e(t[i]);
		else
			put_page_from_upper(t[i]);
	}
}

static int validate_table(struct page_info *pg, int level)
{
	struct domain *d = pg->owner;
	pte_t *t = page_to_virt(pg);
	int rc;

	for (unsigned int i = 0; i < PTES_PER_TABLE; i++) {
		if (!entry_in_use(level, i))
			continue;
		if (level == 1) {
			t[i] = adjust_guest_l1e(t[i]);
			rc = get_page_from_l1e(t[i], d);
		} else {
			t[i] = adjust_guest_upper(t[i]);
			rc = get_page_from_upper(t[i], level, d);
		}
		if (rc) {
			release_entries(t, level, i);
			return rc;
		}
	}
	if (level == 4)
		init_hv_l4_slots(t, make_pte(virt_to_mfn(d->arch.perdomain_l3),
					     PAGE_TABLE_FLAGS));
	return 0;
}

static int alloc_page_type(struct page_info *pg, uint64_t type)
{
	uint64_t t = type & PGT_type_mask;

	if (t == PGT_seg_desc_page)
		return validate_descriptor_page(pg);
	return validate_table(pg, page_type_level(t));
}

static void free_page_type(struct page_info *pg, uint64_t type)
{
	int level;

	if (!is_pt_type(type))
		return;
	level = page_type_level(type);
	release_entries(page_to_virt(pg), level, PTES_PER_TABLE);
}

/* ---- type references ------------------------------------------------------ */

int get_page_type(struct page_info *pg, uint64_t type)
{
	uint64_t t = pg->type_info;
	uint64_t count = t & PGT_count_mask;
	int rc;

	if (count == PGT_count_mask)
		return -EOVERFLOW;
	if (count) {
		/* In use: same type only, and not half-way through validation. */
		if ((t & PGT_type_mask) != (type & PGT_type_mask))
			return -EBUSY;
		if (!(t & PGT_validated))
			return -EINVAL;	/* a table referring to itself */
		pg->type_info = t + 1;
		return 0;
	}
	if ((t & PGT_type_mask) == (type & PGT_type_mask) &&
	    (t & PGT_validated)) {
		pg->type_info = t + 1;
		return 0;
	}

	/*
	 * Unused frame taking a (new) type. If it was writable, some TLB may
	 * still hold a writable translation: flush before it becomes a table.
	 */
	if ((t & PGT_type_mask) == PGT_writable_page && needs_validation(type))
		flush_all_tlbs();
	pg->type_info = (type & PGT_type_mask) | 1;
	if (!needs_validation(type)) {
		pg->type_info |= PGT_validated;
		return 0;
	}
	rc = alloc_page_type(pg, type);
	if (rc) {
		pg->type_info = PGT_none;
		return rc;
	}
	pg->type_info |= PGT_validated;
	return 0;
}

void put_page_type(struct page_info *pg)
{
	uint64_t t = pg->type_info;

	BUG_ON(!(t & PGT_count_mask));
	t--;
	if (!(t & PGT_count_mask) && (t & PGT_validated) &&
	    needs_validation(t)) {
		/* Last use of a table: it lets go of what it pointed at. */
		pg->type_info = t & ~(PGT_validated | PGT_pinned);
		free_page_type(pg, t);
		return;
	}
	pg->type_info = t;
}

int get_page_and_type(struct page_info *pg, struct domain *d, uint64_t type)
{
	int rc;

	if (!get_page(pg, d))
		return -EPERM;
	rc = get_page_type(pg, type);
	if (rc)
		put_page(pg);
	return rc;
}

void put_page_and_type(struct page_info *pg)
{
	put_page_type(pg);
	put_page(pg);
}

/* ---- single-entry updates ------------------------------------------------- */

/*
 * Install an entry whose references the caller already took (grant maps)
 * and drop those of the entry it replaces.
 */
void pt_replace_entry(struct page_info *l1, unsigned int idx, pte_t val)
{
	pte_t *t = page_to_virt(l1);
	pte_t old = t[idx];

	t[idx] = adjust_guest_l1e(val);
	put_page_from_l1e(old);
}

int mod_pt_entry(struct page_info *pt, int level, unsigned int idx,
		 pte_t val, struct domain *pg_owner, bool preserve_ad)
{
	pte_t *t = page_to_virt(pt);
	pte_t old;
	int rc;

	if (idx >= PTES_PER_TABLE || !entry_in_use(level, idx))
		return -EINVAL;
	old = t[idx];
	/*
	 * Grant mappings are undone through the grant table, nowhere else.
	 * Only a present entry is one: the guest owns every bit of the
	 * others (Linux keeps swap entries there, with bit 53 often set).
	 */
	if (level == 1 && (old & PTE_P) && (old & PTE_GRANT))
		return -EBUSY;

	if (level == 1) {
		val = adjust_guest_l1e(val);
		/* The A/D bits the CPU set in the old entry survive. */
		if (preserve_ad && (val & PTE_P))
			val |= old & (PTE_A | PTE_D);
		/* Same frame, same writability: no reference changes. */
		if ((val & PTE_P) && (old & PTE_P) &&
		    pte_mfn(val) == pte_mfn(old) &&
		    (val & PTE_RW) == (old & PTE_RW) &&
		    !(val & L1_GUEST_DISALLOWED)) {
			t[idx] = val;
			return 0;
		}
		rc = get_page_from_l1e(val, pg_owner);
		if (rc)
			return rc;
		t[idx] = val;
		put_page_from_l1e(old);
		return 0;
	}

	val = adjust_guest_upper(val);
	if ((val & PTE_P) && (old & PTE_P) && pte_mfn(val) == pte_mfn(old) &&
	    !(val & UPPER_GUEST_DISALLOWED)) {
		t[idx] = val;
		return 0;
	}
	rc = get_page_from_upper(val, level, pt->owner);
	if (rc)
		return rc;
	t[idx] = val;
	put_page_from_upper(old);
	return 0;
}
