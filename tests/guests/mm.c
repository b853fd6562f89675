// SPDX-License-Identifier: MIT
/*
 * mm: page-table updates through mmu_update (also with
 * MMU_PT_UPDATE_PRESERVE_AD), mmuext_op and update_va_mapping, alone
 * and batched in a multicall, and the validation that must refuse a guest
 * everything it does not own or may not write. Every hostile request
 * must fail with an error code while the domain keeps running, and must
 * leave the entry it aimed at unchanged.
 */
#include "lib/test.h"

#define NON_CANONICAL	0x8000000000000000ul
#define PATTERN_A	0xa5a5a5a5deadbeeful
#define PATTERN_B	0x5a5a5a5acafef00dul

static uint64_t own_frame_a, own_frame_b;	/* MFNs, unmapped */

static long mmu1(uint64_t ptr, uint64_t val, unsigned int *done)
{
	struct mmu_update u = { .ptr = ptr, .val = val };

	return hv_mmu_update(&u, 1, done, DOMID_SELF);
}

static void mm_init_suite(void)
{
	own_frame_a = pfn_to_mfn(frame_alloc());
	own_frame_b = pfn_to_mfn(frame_alloc());
}

/* Read the u64 at the start of frame mfn through a temporary mapping. */
static uint64_t peek_frame(uint64_t mfn)
{
	static void *va;
	uint64_t v;

	if (!va)
		va = va_hole_alloc();
	if (map_mfn((unsigned long)va, mfn, PTE_KERN_RO))
		return ~0ull;
	v = *(volatile uint64_t *)va;
	unmap_va((unsigned long)va);
	return v;
}

static void test_map_own_page(void)
{
	volatile uint64_t *va = va_hole_alloc();
	uint64_t ptr = pte_maddr((unsigned long)va, 1);
	unsigned int done = 0;

	if (!check(ptr != 0, "no L1 for %p", va))
		return;
	check_rc(mmu1(ptr, (own_frame_a << PAGE_SHIFT) | PTE_KERN_RW, &done),
		 0);
	check_eq(done, 1);
	check_eq(virt_to_mfn((void *)va), own_frame_a);
	check_eq(probe_write(va, PATTERN_A), -1);
	check_eq(*va, PATTERN_A);
	/* The same frame seen through a second mapping. */
	check_eq(peek_frame(own_frame_a), PATTERN_A);
	check_rc(mmu1(ptr, 0, NULL), 0);
	/* mmu_update does not flush the TLB: that is the guest's job. */
	check_rc(hv_mmuext1(MMUEXT_INVLPG_LOCAL, (uint64_t)va), 0);
	check_eq(probe_read(va, NULL), X86_EXC_PF);
}

static void test_machphys_update(void)
{
	uint64_t mfn = own_frame_a, pfn = mfn_to_pfn(mfn);
	uint64_t other = foreign_mfn(), before = mfn_to_pfn(other);

	check_rc(mmu1((mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, 0x12345,
		      NULL), 0);
	check_eq(mfn_to_pfn(mfn), 0x12345);
	check_rc(mmu1((mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, pfn, NULL),
		 0);
	check_eq(mfn_to_pfn(mfn), pfn);
	/* Hostile: somebody else's M2P entry. */
	check(mmu1((other << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, 0x42, NULL) < 0,
	      "M2P update of foreign mfn %#lx accepted", other);
	check_eq(mfn_to_pfn(other), before);
}

/* A fresh table of the given level, entry 0 pointing at mfn. */
static uint64_t *make_table(uint64_t entry0)
{
	uint64_t *t = page_alloc();

	t[0] = entry0;
	return t;
}

static long pin(unsigned int level, void *t)
{
	static const unsigned int cmd[] = {
		0, MMUEXT_PIN_L1_TABLE, MMUEXT_PIN_L2_TABLE,
		MMUEXT_PIN_L3_TABLE, MMUEXT_PIN_L4_TABLE,
	};

	return hv_mmuext1(cmd[level], virt_to_mfn(t));
}

static long unpin(void *t)
{
	return hv_mmuext1(MMUEXT_UNPIN_TABLE, virt_to_mfn(t));
}

static void test_pin_tables(void)
{
	uint64_t *l1, *l2, *l3, *l4;

	l1 = make_table((own_frame_a << PAGE_SHIFT) | PTE_KERN_RW);
	l2 = make_table((virt_to_mfn(l1) << PAGE_SHIFT) | PTE_TABLE);
	l3 = make_table((virt_to_mfn(l2) << PAGE_SHIFT) | PTE_TABLE);
	l4 = make_table((virt_to_mfn(l3) << PAGE_SHIFT) | PTE_TABLE);

	/* Tables must be read-only before they can be pinned. */
	check(pin(1, l1) < 0, "pinned an L1 that is mapped writable");
	check_rc(page_set_rw(l1, false), 0);
	check_rc(page_set_rw(l2, false), 0);
	check_rc(page_set_rw(l3, false), 0);
	check_rc(page_set_rw(l4, false), 0);

	check_rc(pin(1, l1), 0);
	check_rc(pin(2, l2), 0);
	check_rc(pin(3, l3), 0);
	check_rc(pin(4, l4), 0);

	/* Hostile: pinned tables cannot be made writable, or re-pinned. */
	check(page_set_rw(l1, true) < 0, "pinned L1 mapped writable");
	check(page_set_rw(l4, true) < 0, "pinned L4 mapped writable");
	check(pin(1, l1) < 0, "L1 pinned twice");
	check(pin(2, l1) < 0, "pinned L1 pinned again as an L2");

	check_rc(unpin(l4), 0);
	check_rc(unpin(l3), 0);
	check_rc(unpin(l2), 0);
	check_rc(unpin(l1), 0);
	/* Hostile: unpin what is not pinned. */
	check(unpin(l1) < 0, "unpinned an unpinned L1");
	check(unpin(page_alloc()) < 0, "unpinned a data page");

	/* Nothing references them any more: writable again. */
	check_rc(page_set_rw(l1, true), 0);
	check_rc(page_set_rw(l4, true), 0);
	check_rc(page_set_rw(l2, true), 0);
	check_rc(page_set_rw(l3, true), 0);
}

static void test_new_baseptr(void)
{
	uint64_t *old = l4_table(), old_mfn = l4_mfn();
	uint64_t *copy = page_alloc(), copy_mfn = virt_to_mfn(copy);
	uint64_t *bogus = page_alloc();
	long rc;

	memcpy(copy, old, PAGE_SIZE);
	memcpy(bogus, old, PAGE_SIZE);
	check_rc(page_set_rw(copy, false), 0);
	check_rc(pin(4, copy), 0);
	check_rc(hv_mmuext1(MMUEXT_NEW_BASEPTR, copy_mfn), 0);
	if (case_failed())
		return;
	set_l4(copy, copy_mfn);
	check_eq(read_cr3() >> PAGE_SHIFT, copy_mfn);
	check_eq(virt_to_mfn(_start), pfn_to_mfn((unsigned long)_start >> 12));

	check_rc(hv_mmuext1(MMUEXT_NEW_BASEPTR, old_mfn), 0);
	set_l4(old, old_mfn);
	check_eq(read_cr3() >> PAGE_SHIFT, old_mfn);
	check_rc(unpin(copy), 0);
	check_rc(page_set_rw(copy, true), 0);

	/* Hostile: a page that is mapped writable cannot become the L4. */
	rc = hv_mmuext1(MMUEXT_NEW_BASEPTR, virt_to_mfn(bogus));
	check(rc < 0, "writable page accepted as base pointer");
	if (!rc)
		hv_mmuext1(MMUEXT_NEW_BASEPTR, old_mfn);
	/* Hostile: a foreign frame. */
	check(hv_mmuext1(MMUEXT_NEW_BASEPTR, foreign_mfn()) < 0,
	      "foreign frame accepted as base pointer");
	check(hv_mmuext1(MMUEXT_PIN_L4_TABLE, foreign_mfn()) < 0,
	      "foreign frame pinned");
}

static void test_tlb_ops(void)
{
	volatile uint64_t *va = va_hole_alloc();
	uint64_t ptr = pte_maddr((unsigned long)va, 1);

	check_rc(map_mfn((unsigned long)va, own_frame_a, PTE_KERN_RW), 0);
	*va = PATTERN_A;
	check_rc(map_mfn((unsigned long)va, own_frame_b, PTE_KERN_RW), 0);
	*va = PATTERN_B;

	/* mmu_update does not flush: INVLPG_LOCAL makes it visible. */
	check_rc(mmu1(ptr, (own_frame_a << PAGE_SHIFT) | PTE_KERN_RW, NULL), 0);
	check_rc(hv_mmuext1(MMUEXT_INVLPG_LOCAL, (uint64_t)va), 0);
	check_eq(*va, PATTERN_A);
	check_rc(mmu1(ptr, (own_frame_b << PAGE_SHIFT) | PTE_KERN_RW, NULL), 0);
	check_rc(hv_mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0), 0);
	check_eq(*va, PATTERN_B);
	check_rc(hv_mmuext1(MMUEXT_TLB_FLUSH_ALL, 0), 0);
	check_rc(hv_mmuext1(MMUEXT_INVLPG_ALL, (uint64_t)va), 0);

	/* update_va_mapping with each flush type. */
	check_rc(hv_update_va_mapping((unsigned long)va,
				      (own_frame_a << PAGE_SHIFT) | PTE_KERN_RW,
				      UVMF_INVLPG | UVMF_LOCAL), 0);
	check_eq(*va, PATTERN_A);
	check_rc(hv_update_va_mapping((unsigned long)va,
				      (own_frame_b << PAGE_SHIFT) | PTE_KERN_RW,
				      UVMF_TLB_FLUSH | UVMF_ALL), 0);
	check_eq(*va, PATTERN_B);
	check_rc(hv_update_va_mapping((unsigned long)va, 0, UVMF_INVLPG), 0);
	check_eq(probe_read(va, NULL), X86_EXC_PF);

	/* Hostile addresses for update_va_mapping. */
	check_rc(hv_update_va_mapping(0x0000700000000000ul,
				      (own_frame_a << PAGE_SHIFT) | PTE_KERN_RW,
				      UVMF_INVLPG), -XEN_EINVAL);
	check_rc(hv_update_va_mapping(NON_CANONICAL,
				      (own_frame_a << PAGE_SHIFT) | PTE_KERN_RW,
				      UVMF_INVLPG), -XEN_EINVAL);
	check_rc(hv_update_va_mapping(HYPERVISOR_VIRT_START,
				      (own_frame_a << PAGE_SHIFT) | PTE_KERN_RW,
				      UVMF_INVLPG), -XEN_EINVAL);
	check_rc(hv_mmuext1(99, 0), -XEN_ENOSYS);
}

static void test_map_foreign(void)
{
	volatile uint64_t *va = va_hole_alloc();
	uint64_t ptr = pte_maddr((unsigned long)va, 1), *pte;
	uint64_t mfns[3] = { foreign_mfn(), 0x10, 0xfffffffffull };
	unsigned int i, n = privileged ? 1 : 3;

	for (i = 0; i < n; i++) {
		uint64_t pte_val = (mfns[i] << PAGE_SHIFT) | PTE_KERN_RW;

		check(mmu1(ptr, pte_val, NULL) < 0,
		      "mapped mfn %#lx writable", mfns[i]);
		check(map_mfn((unsigned long)va, mfns[i], PTE_KERN_RW) < 0,
		      "update_va_mapping of mfn %#lx accepted", mfns[i]);
	}
	if (!privileged) {
		/* Not even read-only. */
		check(map_mfn((unsigned long)va, 0x10, PTE_KERN_RO) < 0,
		      "mapped mfn 0x10 read-only");
	}
	pte = pte_lookup((unsigned long)va, 1);
	check(pte && !(*pte & _PAGE_PRESENT), "pte now %#lx", pte ? *pte : 0);
	check_eq(probe_read(va, NULL), X86_EXC_PF);
	if (privileged)
		skip("dom0 may map I/O frames; only the M2P frame checked");
}

static void test_map_pt_writable(void)
{
	unsigned long l4va = start_info->pt_base;
	volatile uint64_t *va = va_hole_alloc();
	uint64_t *l1 = pte_lookup((unsigned long)va, 1);
	uint64_t l1_mfn = virt_to_mfn((void *)((unsigned long)l1 & PAGE_MASK));

	/* The live L4 and an L1 in use, writable: both refused. */
	check(map_mfn(l4va, l4_mfn(), PTE_KERN_RW) < 0, "L4 mapped writable");
	check(map_mfn((unsigned long)va, l1_mfn, PTE_KERN_RW) < 0,
	      "L1 mapped writable at a second address");
	check(mmu1(pte_maddr((unsigned long)va, 1),
		   (l4_mfn() << PAGE_SHIFT) | PTE_KERN_RW, NULL) < 0,
	      "L4 mapped writable by mmu_update");
	/* Read-only aliases are fine. */
	check_rc(map_mfn((unsigned long)va, l1_mfn, PTE_KERN_RO), 0);
	check_rc(unmap_va((unsigned long)va), 0);
	check_eq(probe_write((void *)l4va, 0), X86_EXC_PF);
}

static void test_pin_foreign(void)
{
	uint64_t *l1 = make_table((foreign_mfn() << PAGE_SHIFT) | PTE_KERN_RW);
	uint64_t *l2 = make_table(((uint64_t)0x10 << PAGE_SHIFT) |
				  PTE_TABLE);

	check_rc(page_set_rw(l1, false), 0);
	check(pin(1, l1) < 0, "pinned an L1 mapping a foreign frame");
	check_rc(page_set_rw(l1, true), 0);
	if (!privileged) {
		check_rc(page_set_rw(l2, false), 0);
		check(pin(2, l2) < 0, "pinned an L2 pointing at mfn 0x10");
		check_rc(page_set_rw(l2, true), 0);
	}
}

static void test_recursive_l4(void)
{
	const unsigned int slot = 400;
	uint64_t *l4 = l4_table();
	uint64_t ptr = (l4_mfn() << PAGE_SHIFT) + slot * 8;

	if (!check(l4[slot] == 0, "slot %u in use", slot))
		return;
	check(mmu1(ptr, (l4_mfn() << PAGE_SHIFT) | PTE_TABLE, NULL) < 0,
	      "writable self-map of the L4 accepted");
	check_eq(l4[slot], 0);
}

static void test_hypervisor_slots(void)
{
	uint64_t *l4 = l4_table();
	unsigned int slot;

	for (slot = 256; slot < 272; slot += 5) {
		uint64_t before = l4[slot];
		uint64_t ptr = (l4_mfn() << PAGE_SHIFT) + slot * 8;

		check(mmu1(ptr, l4[0], NULL) < 0,
		      "L4 slot %u (hypervisor) written", slot);
		check(mmu1(ptr, 0, NULL) < 0,
		      "L4 slot %u (hypervisor) cleared", slot);
		check(l4[slot] == before, "slot %u changed", slot);
	}
	/* The M2P is still there. */
	check_eq(mfn_to_pfn(l4_mfn()), start_info->pt_base >> PAGE_SHIFT);
}

static void test_bad_requests(void)
{
	volatile uint64_t *va = va_hole_alloc();
	uint64_t ptr = pte_maddr((unsigned long)va, 1);
	uint8_t *page = page_alloc(), *hole = page_alloc();
	struct mmu_update *last = (void *)(page + PAGE_SIZE - sizeof(*last));
	uint64_t val = (own_frame_a << PAGE_SHIFT) | PTE_KERN_RW;
	unsigned int low, done;
	uint64_t l1_mfn, l1_pfn;
	long rc;

	/*
	 * Xen takes the command from ptr & 7: 4..7 are not commands. For
	 * 5 the value is the entry's correct M2P value, so a hypervisor
	 * that reads it as MMU_MACHPHYS_UPDATE does no lasting harm.
	 */
	l1_mfn = ptr >> PAGE_SHIFT;
	l1_pfn = mfn_to_pfn(l1_mfn);
	for (low = 4; low < 8; low++)
		check(mmu1(ptr | low, low == 5 ? l1_pfn : val, NULL) < 0,
		      "ptr with low bits %u accepted", low);
	check_eq(mfn_to_pfn(l1_mfn), l1_pfn);
	check(mmu1(ptr + 4, val, NULL) < 0, "misaligned ptr accepted");
	check_eq(probe_read(va, NULL), X86_EXC_PF);

	/* Bad request lists. */
	check_rc(hv_mmu_update(NULL, 1, NULL, DOMID_SELF), -XEN_EFAULT);
	check_rc(hv_mmu_update((void *)NON_CANONICAL, 1, NULL, DOMID_SELF),
		 -XEN_EFAULT);
	/* Readable by the guest, but hypervisor memory: refused. */
	check_rc(hv_mmu_update((void *)MACH2PHYS_VIRT_START, 1, NULL,
			       DOMID_SELF), -XEN_EFAULT);
	check_rc(hv_mmuext_op((void *)NON_CANONICAL, 1, NULL, DOMID_SELF),
		 -XEN_EFAULT);

	/*
	 * A huge count over a one-entry buffer that ends at a hole: the
	 * first request is done, the second cannot be read.
	 */
	check_rc(unmap_va((unsigned long)hole), 0);
	last->ptr = ptr;
	last->val = val;
	done = 0;
	rc = hv_mmu_update(last, 1u << 30, &done, DOMID_SELF);
	check_rc(rc, -XEN_EFAULT);
	check_eq(done, 1);
	check_eq(virt_to_mfn((void *)va), own_frame_a);
	check_rc(unmap_va((unsigned long)va), 0);
}

static uint64_t pte_of(volatile void *va)
{
	uint64_t *pte = pte_lookup((unsigned long)va, 1);

	return pte ? *pte : ~0ull;
}

/* Xen ORs the entry's A/D bits into the new value, whatever it maps. */
static void test_preserve_ad(void)
{
	volatile uint64_t *va = va_hole_alloc();
	uint64_t ptr = pte_maddr((unsigned long)va, 1);
	uint64_t ad = _PAGE_ACCESSED | _PAGE_DIRTY;
	uint64_t plain_a = (own_frame_a << PAGE_SHIFT) | _PAGE_PRESENT |
			   _PAGE_RW;
	uint64_t plain_b = (own_frame_b << PAGE_SHIFT) | _PAGE_PRESENT |
			   _PAGE_RW;

	check_rc(mmu1(ptr, plain_a, NULL), 0);
	check_rc(hv_mmuext1(MMUEXT_INVLPG_LOCAL, (uint64_t)va), 0);
	check_eq(pte_of(va) & ad, 0);
	/* The CPU sets A and D. */
	*va = PATTERN_B;
	check_eq(pte_of(va) & ad, ad);
	/* Same frame, A/D not asked for: kept. */
	check_rc(mmu1(ptr | MMU_PT_UPDATE_PRESERVE_AD, plain_a, NULL), 0);
	check_eq(pte_of(va) & ad, ad);
	/* Another frame: still ORed in. */
	check_rc(mmu1(ptr | MMU_PT_UPDATE_PRESERVE_AD, plain_b, NULL), 0);
	check((pte_of(va) & (PTE_ADDR_MASK | ad)) ==
	      ((own_frame_b << PAGE_SHIFT) | ad),
	      "pte %#lx after PRESERVE_AD to mfn %#lx: A/D lost", pte_of(va),
	      own_frame_b);
	/* A normal update writes what it is given. */
	check_rc(mmu1(ptr, plain_a, NULL), 0);
	check_eq(pte_of(va) & ad, 0);
	check_rc(mmu1(ptr, 0, NULL), 0);
	check_rc(hv_mmuext1(MMUEXT_INVLPG_LOCAL, (uint64_t)va), 0);
}

/*
 * MMU operations batched in a multicall: each entry's result is its
 * own, a failing one does not stop the batch or undo the others.
 */
static void test_multicall_mmu(void)
{
	volatile uint64_t *va1 = va_hole_alloc(), *va2 = va_hole_alloc();
	volatile uint64_t *va3 = va_hole_alloc();
	struct mmu_update map1 = {
		.ptr = pte_maddr((unsigned long)va1, 1),
		.val = (own_frame_a << PAGE_SHIFT) | PTE_KERN_RW,
	};
	struct mmu_update bad = {
		.ptr = pte_maddr((unsigned long)va3, 1),
		.val = (foreign_mfn() << PAGE_SHIFT) | PTE_KERN_RW,
	};
	struct mmuext_op inv = {
		.cmd = MMUEXT_INVLPG_LOCAL,
		.arg1.linear_addr = (unsigned long)va1,
	};
	unsigned int done1 = 99, done_bad = 99;
	struct multicall_entry mc[] = {
		{ .op = __HYPERVISOR_mmu_update,
		  .args = { (uint64_t)&map1, 1, (uint64_t)&done1,
			    DOMID_SELF } },
		{ .op = __HYPERVISOR_mmuext_op,
		  .args = { (uint64_t)&inv, 1, 0, DOMID_SELF } },
		{ .op = __HYPERVISOR_mmu_update,
		  .args = { (uint64_t)&bad, 1, (uint64_t)&done_bad,
			    DOMID_SELF } },
		{ .op = __HYPERVISOR_update_va_mapping,
		  .args = { (uint64_t)va2,
			    (own_frame_b << PAGE_SHIFT) | PTE_KERN_RW,
			    UVMF_INVLPG } },
		{ .op = __HYPERVISOR_update_va_mapping,
		  .args = { HYPERVISOR_VIRT_START,
			    (own_frame_b << PAGE_SHIFT) | PTE_KERN_RW,
			    UVMF_INVLPG } },
		{ .op = __HYPERVISOR_mmuext_op,
		  .args = { (uint64_t)&inv, 1, 0, DOMID_SELF } },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mc); i++)
		mc[i].result = 0x5a5a5a5a;
	if (!check_rc(hv_multicall(mc, ARRAY_SIZE(mc)), 0))
		return;
	check_eq(mc[0].result, 0);
	check_eq(done1, 1);
	check_eq(mc[1].result, 0);
	check((long)mc[2].result < 0, "foreign frame mapped in a batch");
	check_eq(done_bad, 0);
	check_eq(mc[3].result, 0);
	check_eq(mc[4].result, -XEN_EINVAL);
	check_eq(mc[5].result, 0);

	check_eq(virt_to_mfn((void *)va1), own_frame_a);
	check_eq(probe_write(va1, PATTERN_A), -1);
	check_eq(virt_to_mfn((void *)va2), own_frame_b);
	check_eq(probe_read(va2, NULL), -1);
	check_eq(pte_of(va3), 0);
	check_eq(probe_read(va3, NULL), X86_EXC_PF);
	check_rc(unmap_va((unsigned long)va1), 0);
	check_rc(unmap_va((unsigned long)va2), 0);
}

static const struct test_case cases[] = {
	{ "map_own_page", test_map_own_page },
	{ "machphys_update", test_machphys_update },
	{ "pin_tables", test_pin_tables },
	{ "new_baseptr", test_new_baseptr },
	{ "tlb_ops", test_tlb_ops },
	{ "map_foreign", test_map_foreign },
	{ "map_pt_writable", test_map_pt_writable },
	{ "pin_foreign", test_pin_foreign },
	{ "recursive_l4", test_recursive_l4 },
	{ "hypervisor_slots", test_hypervisor_slots },
	{ "bad_requests", test_bad_requests },
	{ "preserve_ad", test_preserve_ad },
	{ "multicall_mmu", test_multicall_mmu },
};

DEFINE_SUITE("mm", cases, .init = mm_init_suite);
