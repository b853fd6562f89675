// SPDX-License-Identifier: MIT
/*
 * Guest GDT and LDT. The guest hands us frames full of descriptors; we
 * check every descriptor (no gates or system segments that could lend
 * ring-0 privilege, DPL raised to 3), type the frames as descriptor pages
 * so the guest can no longer write them, and map them into the vCPU's
 * GDT/LDT window in the per-domain area.
 */
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <asm/context.h>
#include <asm/desc.h>
#include <asm/pagetable.h>
#include <asm/paging.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/pv.h>

#define DESC_P		(1ULL << 47)
#define DESC_S		(1ULL << 44)	/* code/data, not system */
#define DESC_DPL_SHIFT	45
#define DESC_TYPE_MASK	(0xfULL << 40)

/* Check one descriptor, fixing it up in place. False if unacceptable. */
static bool check_descriptor(uint64_t *desc)
{
	uint64_t d = *desc;

	if (!(d & DESC_P))
		return true;		/* not present: loading it just faults */
	if (d & DESC_S) {
		/* Code and data are fine at DPL 3 (the guest's ring). */
		*desc = d | (3ULL << DESC_DPL_SHIFT);
		return true;
	}
	/* A zero system type is the harmless upper half of a 16-byte entry. */
	return (d & DESC_TYPE_MASK) == 0;
}

int validate_descriptor_page(struct page_info *pg)
{
	uint64_t *descs = page_to_virt(pg);

	for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
		if (!check_descriptor(&descs[i]))
			return -EINVAL;
	return 0;
}

static void put_frames(const mfn_t *frames, unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++)
		put_page_and_type(mfn_to_page(frames[i]));
}

void pv_put_gdt_frames(struct vcpu *v)
{
	put_frames(v->arch.gdt_frames, DIV_ROUND_UP(v->arch.gdt_ents, 512));
	v->arch.gdt_ents = 0;
}

int pv_set_gdt(struct vcpu *v, const mfn_t *frames, unsigned int entries)
{
	struct domain *d = v->domain;
	unsigned int nr = DIV_ROUND_UP(entries, 512);
	unsigned int i;
	int rc = 0;

	if (entries > FIRST_RESERVED_GDT_ENTRY)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		/* Any unusable frame is -EINVAL, as Xen answers. */
		if (!mfn_is_ram(frames[i]) ||
		    get_page_and_type(mfn_to_page(frames[i]), d,
				      PGT_seg_desc_page)) {
			rc = -EINVAL;
			break;
		}
	}
	if (rc) {
		put_frames(frames, i);
		return rc;
	}
	pv_put_gdt_frames(v);
	memcpy(v->arch.gdt_frames, frames, nr * sizeof(mfn_t));
	v->arch.gdt_ents = entries;
	pv_map_gdt_frames(v);
	if (v == current)
		load_gdt(v->arch.gdt_va);
	return 0;
}

long do_set_gdt(uint64_t frame_list, unsigned int entries)
{
	mfn_t frames[GUEST_GDT_FRAMES];
	unsigned int nr = DIV_ROUND_UP(entries, 512);

	if (entries > FIRST_RESERVED_GDT_ENTRY)
		return -EINVAL;
	if (copy_from_guest(frames, frame_list, nr * sizeof(mfn_t)))
		return -EFAULT;
	return pv_set_gdt(current, frames, entries);
}

long do_update_descriptor(uint64_t maddr, uint64_t desc)
{
	struct domain *d = current->domain;
	mfn_t mfn = maddr >> PAGE_SHIFT;
	struct page_info *pg;
	uint64_t type;
	int rc;

	if ((maddr & 7) || !mfn_is_ram(mfn) || !check_descriptor(&desc))
		return -EINVAL;
	pg = mfn_to_page(mfn);
	if (!get_page(pg, d))
		return -EINVAL;
	type = pg->type_info;
	if ((type & PGT_count_mask) &&
	    (type & PGT_type_mask) == PGT_seg_desc_page) {
		rc = get_page_type(pg, PGT_seg_desc_page);
	} else {
		rc = get_page_type(pg, PGT_writable_page);
	}
	if (!rc) {
		((uint64_t *)page_to_virt(pg))[(maddr & (PAGE_SIZE - 1)) / 8] =
			desc;
		put_page_type(pg);
	}
	put_page(pg);
	return rc ? -EINVAL : 0;
}

/* ---- LDT --------------------------------------------------------------- */

#define LDT_WINDOW_OFFSET	(GDT_VIRT_PAGES * PAGE_SIZE)

static void unmap_ldt(struct vcpu *v)
{
	pte_t *l1e = pv_ldt_l1e(v);
	unsigned int nr = DIV_ROUND_UP(v->arch.ldt_ents, 512);

	for (unsigned int i = 0; i < nr; i++) {
		put_page_and_type(mfn_to_page(pte_mfn(l1e[i])));
		l1e[i] = 0;
		invlpg(v->arch.gdt_va + LDT_WINDOW_OFFSET + i * PAGE_SIZE);
	}
	v->arch.ldt_ents = 0;
	v->arch.ldt_base = 0;
}

/*
 * MMUEXT_SET_LDT: base is a guest virtual address. Its frames are
 * looked up now and typed as descriptor pages until the next SET_LDT.
 */
int pv_set_ldt(struct vcpu *v, unsigned long base, unsigned int entries)
{
	unsigned int nr = DIV_ROUND_UP(entries, 512);
	mfn_t frames[MAX_LDT_ENTRIES / 512];
	unsigned int i;
	int rc = 0;

	if (entries > MAX_LDT_ENTRIES || (base & (PAGE_SIZE - 1)) ||
	    (entries && !guest_range_ok(base, entries * 8)))
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		mfn_t mfn = pv_guest_va_to_mfn(v, base + i * PAGE_SIZE);

		if (mfn == INVALID_MFN) {
			rc = -EFAULT;
			break;
		}
		rc = get_page_and_type(mfn_to_page(mfn), v->domain,
				       PGT_seg_desc_page);
		if (rc)
			break;
		frames[i] = mfn;
	}
	if (rc) {
		put_frames(frames, i);
		return rc;
	}
	unmap_ldt(v);
	for (i = 0; i < nr; i++) {
		pv_ldt_l1e(v)[i] = make_pte(frames[i], PAGE_PERDOMAIN_RW);
		invlpg(v->arch.gdt_va + LDT_WINDOW_OFFSET + i * PAGE_SIZE);
	}
	v->arch.ldt_base = entries ? v->arch.gdt_va + LDT_WINDOW_OFFSET : 0;
	v->arch.ldt_ents = entries;
	if (v == current)
		load_ldt(this_pcpu(), v->arch.ldt_base, entries);
	return 0;
}

void pv_put_ldt(struct vcpu *v)
{
	unmap_ldt(v);
}
