// SPDX-License-Identifier: MIT
/*
 * desc: the guest's own descriptor tables. A GDT frame of ours (mapped
 * read-only, as set_gdt requires) with data selectors that %fs loads and
 * uses, update_descriptor on live entries, and an LDT through
 * MMUEXT_SET_LDT used with TI=1 selectors.
 *
 * Hostile: GDT frames mapped writable or not ours, more entries than
 * the guest part of the GDT holds, system descriptors (call gate, TSS,
 * LDT) that could lend ring-0 privilege, update_descriptor at a
 * misaligned address or into a frame that is not ours or is a page
 * table, bad LDT bases and sizes. Code and data descriptors below DPL 3
 * are taken but raised to DPL 3: checked through the read-only mapping
 * and with lar.
 */
#include "lib/test.h"

#define NON_CANONICAL	0x8000000000000000ul
#define MAGIC_A		0x4144455343414141ul
#define MAGIC_B		0x4244455343424242ul
#define BAD_MFN		0xfffffffffull

/* Bits of a segment descriptor, numbered in the 64-bit entry. */
#define D_TYPE(t)	((uint64_t)(t) << 40)
#define D_S		(1ull << 44)	/* code or data, not system */
#define D_DPL(d)	((uint64_t)(d) << 45)
#define D_DPL_MASK	D_DPL(3)
#define D_P		(1ull << 47)
#define D_L		(1ull << 53)	/* 64-bit code */
#define D_DB		(1ull << 54)
#define D_G		(1ull << 55)

#define T_DATA_RW	0x3	/* read/write, accessed */
#define T_CODE_RX	0xb	/* execute/read, accessed */
#define T_LDT		0x2
#define T_TSS		0x9	/* available 64-bit TSS */
#define T_CALL_GATE	0xc

#define HV_CS		0xe008	/* ring-0 code of ours and of Xen */

/* Entries of our GDT and LDT frames. */
#define E_DATA		1	/* data, DPL 3, base buf_a */
#define E_CODE0		2	/* 64-bit code written with DPL 0 */
#define E_DATA0		3	/* data, written with DPL 0, buf_b */
#define E_ABSENT	4	/* data, not present */
#define E_ABSENT_SYS	5	/* TSS, not present: harmless */
#define E_SPARE		6	/* empty, for update_descriptor */

#define GDT_SEL(e)	((uint16_t)((e) << 3 | 3))
#define LDT_SEL(e)	((uint16_t)((e) << 3 | 4 | 3))

static uint64_t *buf_a, *buf_b;		/* what the data segments see */
static uint64_t *gdt, *ldt;		/* our table frames */
static uint64_t gdt_mfn, ldt_mfn;

static uint64_t seg_desc(uint32_t base, uint32_t limit, uint64_t bits)
{
	return (limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) |
	       ((uint64_t)(limit >> 16 & 0xf) << 48) |
	       ((uint64_t)(base >> 24) << 56) | bits;
}

static uint64_t data_desc(const void *base, unsigned int dpl)
{
	return seg_desc((uint32_t)(unsigned long)base, 0xfffff,
			D_TYPE(T_DATA_RW) | D_S | D_DPL(dpl) | D_P | D_DB |
			D_G);
}

static uint64_t code_desc(unsigned int dpl)
{
	return seg_desc(0, 0xfffff, D_TYPE(T_CODE_RX) | D_S | D_DPL(dpl) |
			D_P | D_L | D_G);
}

static uint64_t system_desc(unsigned int type, const void *base)
{
	return seg_desc((uint32_t)(unsigned long)base, 0x67,
			D_TYPE(type) | D_P);
}

/* A 64-bit call gate (low half; the high half is the offset's top). */
static uint64_t call_gate(uint16_t sel, unsigned int dpl)
{
	uint64_t off = (unsigned long)test_abort;

	return (off & 0xffff) | ((uint64_t)sel << 16) | D_TYPE(T_CALL_GATE) |
	       D_DPL(dpl) | D_P | ((off >> 16 & 0xffff) << 48);
}

static uint64_t entry_maddr(uint64_t mfn, unsigned int e)
{
	return (mfn << PAGE_SHIFT) + e * 8;
}

/* Load sel into %fs, then read %fs:0: -1 if both worked, else the vector. */
static int fs_load_read(uint16_t sel, uint64_t *val)
{
	uint64_t v = ~0ull;

	exc_clear();
	asm volatile("1: mov %w[sel], %%fs\n\t"
		     "2: movq %%fs:0, %[v]\n\t"
		     "3:\n\t"
		     EXTABLE(1b, 3b)
		     EXTABLE(2b, 3b)
		     : [v] "+r"(v) : [sel] "r"((uint32_t)sel) : "memory");
	*val = v;
	return last_exc.vector == EXC_NONE ? -1 : (int)last_exc.vector;
}

/* Read %fs:0 with whatever %fs holds now. */
static int fs_read(uint64_t *val)
{
	uint64_t v = ~0ull;

	exc_clear();
	asm volatile("1: movq %%fs:0, %[v]\n\t"
		     "2:\n\t"
		     EXTABLE(1b, 2b)
		     : [v] "+r"(v) :: "memory");
	*val = v;
	return last_exc.vector == EXC_NONE ? -1 : (int)last_exc.vector;
}

static uint16_t fs_sel(void)
{
	uint16_t sel;

	asm volatile("mov %%fs, %0" : "=r"(sel));
	return sel;
}

static void fs_reset(void)
{
	write_fs_sel(0);
	hv_set_segment_base(SEGBASE_FS, 0);
}

/* lar: false if sel is not visible at CPL 3, else its access rights. */
static bool lar(uint16_t sel, uint32_t *ar)
{
	uint32_t a = 0;
	bool ok;

	asm volatile("lar %[sel], %[a]\n\t"
		     "setz %[ok]"
		     : [a] "+r"(a), [ok] "=q"(ok)
		     : [sel] "r"((uint32_t)sel) : "cc");
	*ar = a;
	return ok;
}

static unsigned int ar_dpl(uint32_t ar)
{
	return (ar >> 13) & 3;
}

/* The u64 at index idx of frame mfn, through a temporary mapping. */
static uint64_t peek_frame(uint64_t mfn, unsigned int idx)
{
	static volatile uint64_t *va;
	uint64_t v;

	if (!va)
		va = va_hole_alloc();
	if (map_mfn((unsigned long)va, mfn, PTE_KERN_RO))
		return ~0ull;
	v = va[idx];
	unmap_va((unsigned long)va);
	return v;
}

static long set_ldt(const void *base, unsigned int ents)
{
	struct mmuext_op op = {
		.cmd = MMUEXT_SET_LDT,
		.arg1.linear_addr = (unsigned long)base,
		.arg2.nr_ents = ents,
	};

	return hv_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static void fill_table(uint64_t *t)
{
	memset(t, 0, PAGE_SIZE);
	t[E_DATA] = data_desc(buf_a, 3);
	t[E_CODE0] = code_desc(0);
	t[E_DATA0] = data_desc(buf_b, 0);
	t[E_ABSENT] = data_desc(buf_a, 3) & ~D_P;
	t[E_ABSENT_SYS] = system_desc(T_TSS, buf_a) & ~D_P;
}

static void desc_init(void)
{
	buf_a = page_alloc();
	buf_b = page_alloc();
	buf_a[0] = MAGIC_A;
	buf_b[0] = MAGIC_B;
	if ((unsigned long)buf_b >> 32)
		panic("buffers above 4 GiB: %p", buf_b);
	gdt = page_alloc();
	gdt_mfn = virt_to_mfn(gdt);
	ldt = page_alloc();
	ldt_mfn = virt_to_mfn(ldt);
}

static void test_gdt_set(void)
{
	uint64_t frames[1] = { gdt_mfn }, v;
	uint32_t ar = 0;

	fill_table(gdt);
	/* Still writable: refused (hostile, but needed as a baseline). */
	check_rc(hv_set_gdt(frames, 512), -XEN_EINVAL);
	check_rc(page_set_rw(gdt, false), 0);
	if (!check_rc(hv_set_gdt(frames, 512), 0))
		return;

	/* Checked in place: DPL 0 became 3, the rest is as written. */
	check_eq(gdt[E_DATA], data_desc(buf_a, 3));
	check_eq(gdt[E_CODE0], code_desc(3));
	check_eq(gdt[E_DATA0], data_desc(buf_b, 3));
	check_eq(gdt[E_ABSENT_SYS], system_desc(T_TSS, buf_a) & ~D_P);

	check_eq(fs_load_read(GDT_SEL(E_DATA), &v), -1);
	check_eq(v, MAGIC_A);
	check_eq(fs_sel(), GDT_SEL(E_DATA));
	/* Scheduled out and back in: selector and base are kept. */
	sleep_ns(2000000);
	check_eq(fs_sel(), GDT_SEL(E_DATA));
	check_eq(fs_read(&v), -1);
	check_eq(v, MAGIC_A);

	/* The raised DPL-0 descriptors are usable and seen at DPL 3. */
	check_eq(fs_load_read(GDT_SEL(E_DATA0), &v), -1);
	check_eq(v, MAGIC_B);
	if (check(lar(GDT_SEL(E_CODE0), &ar), "lar refused the code "
		  "selector"))
		check_eq(ar_dpl(ar), 3);
	check_eq((ar >> 8) & 0x1f, 0x10 | T_CODE_RX);

	/* Not present: #NP naming the selector. */
	check_eq(fs_load_read(GDT_SEL(E_ABSENT), &v), X86_EXC_NP);
	check_eq(last_exc.error_code, GDT_SEL(E_ABSENT) & ~3);
	fs_reset();
}

static void test_gdt_update(void)
{
	uint64_t pfn = frame_alloc(), mfn = pfn_to_mfn(pfn), v;

	check_rc(hv_update_descriptor(entry_maddr(gdt_mfn, E_DATA),
				      data_desc(buf_b, 3)), 0);
	check_eq(gdt[E_DATA], data_desc(buf_b, 3));
	check_eq(fs_load_read(GDT_SEL(E_DATA), &v), -1);
	check_eq(v, MAGIC_B);

	/* Raised to DPL 3 on the way in, too. */
	check_rc(hv_update_descriptor(entry_maddr(gdt_mfn, E_SPARE),
				      data_desc(buf_a, 0)), 0);
	check_eq(gdt[E_SPARE], data_desc(buf_a, 3));
	check_eq(fs_load_read(GDT_SEL(E_SPARE), &v), -1);
	check_eq(v, MAGIC_A);
	fs_reset();

	/* A frame that is no descriptor table: a checked plain write. */
	check_rc(hv_update_descriptor(entry_maddr(mfn, 2),
				      code_desc(0)), 0);
	check_eq(peek_frame(mfn, 2), code_desc(3));
}

static void test_gdt_hostile(void)
{
	static const struct {
		const char *what;
		unsigned int type;
	} sys[] = {
		{ "call gate", T_CALL_GATE },
		{ "TSS", T_TSS },
		{ "LDT", T_LDT },
	};
	uint64_t frames[16] = { 0 }, *bad = page_alloc(), v;
	uint64_t *l4 = l4_table(), before;
	unsigned int i;

	/* More entries than the guest part of the GDT holds. */
	frames[0] = gdt_mfn;
	check_rc(hv_set_gdt(frames, FIRST_RESERVED_GDT_ENTRY + 1),
		 -XEN_EINVAL);
	check_rc(hv_set_gdt((void *)NON_CANONICAL, 512), -XEN_EFAULT);
	/* Frames that are not ours. */
	frames[0] = foreign_mfn();
	check_rc(hv_set_gdt(frames, 512), -XEN_EINVAL);
	frames[0] = BAD_MFN;
	check_rc(hv_set_gdt(frames, 512), -XEN_EINVAL);
	/* The second frame is writable. */
	frames[0] = gdt_mfn;
	frames[1] = virt_to_mfn(bad);
	check_rc(hv_set_gdt(frames, 1024), -XEN_EINVAL);

	/* System descriptors that could lend ring 0. */
	for (i = 0; i < ARRAY_SIZE(sys); i++) {
		memset(bad, 0, PAGE_SIZE);
		bad[8] = sys[i].type == T_CALL_GATE ? call_gate(HV_CS, 3) :
			 system_desc(sys[i].type, buf_a);
		check_rc(page_set_rw(bad, false), 0);
		frames[0] = virt_to_mfn(bad);
		check(hv_set_gdt(frames, 512) == -XEN_EINVAL,
		      "GDT with a %s: not refused with -EINVAL", sys[i].what);
		/* Refused frames keep no type: writable again. */
		check_rc(page_set_rw(bad, true), 0);
		check(bad[8] != 0, "%s entry cleared", sys[i].what);
	}

	/* Our GDT is still the one in force, and stays read-only. */
	check_eq(fs_load_read(GDT_SEL(E_DATA), &v), -1);
	check_eq(v, MAGIC_B);
	fs_reset();
	check(page_set_rw(gdt, true) < 0, "live GDT frame made writable");
	check_eq(probe_write(gdt, 0), X86_EXC_PF);

	/* update_descriptor: misaligned, system descriptors. */
	before = gdt[E_SPARE];
	check_rc(hv_update_descriptor(entry_maddr(gdt_mfn, E_SPARE) + 4,
				      data_desc(buf_a, 3)), -XEN_EINVAL);
	check_rc(hv_update_descriptor(entry_maddr(gdt_mfn, E_SPARE),
				      system_desc(T_TSS, buf_a)), -XEN_EINVAL);
	check_rc(hv_update_descriptor(entry_maddr(gdt_mfn, E_SPARE),
				      system_desc(T_LDT, buf_a)), -XEN_EINVAL);
	check_rc(hv_update_descriptor(entry_maddr(gdt_mfn, E_SPARE),
				      call_gate(HV_CS, 3)), -XEN_EINVAL);
	check_eq(gdt[E_SPARE], before);
	/* Frames that are not ours, and our L4 (a page table). */
	check_rc(hv_update_descriptor(entry_maddr(foreign_mfn(), 0),
				      data_desc(buf_a, 3)), -XEN_EINVAL);
	check_rc(hv_update_descriptor(entry_maddr(BAD_MFN, 0),
				      data_desc(buf_a, 3)), -XEN_EINVAL);
	if (check(l4[400] == 0, "L4 slot 400 in use")) {
		check_rc(hv_update_descriptor(entry_maddr(l4_mfn(), 400),
					      data_desc(buf_a, 3)),
			 -XEN_EINVAL);
		check_eq(l4[400], 0);
	}
}

static void test_gdt_release(void)
{
	uint64_t frames[1] = { 0 }, v;

	/* No guest entries: our frame is free again, its selectors gone. */
	check_rc(hv_set_gdt(frames, 0), 0);
	check_rc(page_set_rw(gdt, true), 0);
	check_eq(probe_write(gdt, 0), -1);
	check_eq(fs_load_read(GDT_SEL(E_DATA), &v), X86_EXC_GP);
	check_eq(last_exc.error_code, GDT_SEL(E_DATA) & ~3);
	fs_reset();
	/* The flat selectors of the reserved part are still there. */
	write_fs_sel(FLAT_KERNEL_DS);
	check_rc(hv_set_segment_base(SEGBASE_FS, (unsigned long)buf_a), 0);
	check_eq(fs_read(&v), -1);
	check_eq(v, MAGIC_A);
	fs_reset();
}

static void test_ldt(void)
{
	uint64_t v;
	uint32_t ar = 0;

	fill_table(ldt);
	check_rc(page_set_rw(ldt, false), 0);
	if (!check_rc(set_ldt(ldt, 512), 0))
		return;

	check_eq(fs_load_read(LDT_SEL(E_DATA), &v), -1);
	check_eq(v, MAGIC_A);
	if (check(lar(LDT_SEL(E_CODE0), &ar), "lar refused the LDT code "
		  "selector"))
		check_eq(ar_dpl(ar), 3);
	check_eq(ldt[E_CODE0], code_desc(3));
	check_eq(fs_load_read(LDT_SEL(E_DATA), &v), -1);
	sleep_ns(2000000);
	check_eq(fs_sel(), LDT_SEL(E_DATA));
	check_eq(fs_read(&v), -1);
	check_eq(v, MAGIC_A);

	/* update_descriptor on the live LDT. */
	check_rc(hv_update_descriptor(entry_maddr(ldt_mfn, E_DATA),
				      data_desc(buf_b, 0)), 0);
	check_eq(ldt[E_DATA], data_desc(buf_b, 3));
	check_eq(fs_load_read(LDT_SEL(E_DATA), &v), -1);
	check_eq(v, MAGIC_B);
	fs_reset();
	check(page_set_rw(ldt, true) < 0, "live LDT frame made writable");

	/* One entry: index 1 is past the limit. */
	check_rc(set_ldt(ldt, 1), 0);
	check_eq(fs_load_read(LDT_SEL(E_DATA), &v), X86_EXC_GP);
	check_eq(last_exc.error_code, LDT_SEL(E_DATA) & ~3);
	fs_reset();

	/* No LDT: TI=1 selectors fault, the frame is ours to write again. */
	check_rc(set_ldt(NULL, 0), 0);
	check_eq(fs_load_read(LDT_SEL(E_DATA), &v), X86_EXC_GP);
	check_eq(last_exc.error_code, LDT_SEL(E_DATA) & ~3);
	fs_reset();
	check_rc(page_set_rw(ldt, true), 0);
	check_eq(probe_write(ldt, 0), -1);
}

/*
 * Xen checks LDT pages only when the CPU first touches them, so a bad
 * one is either refused by SET_LDT or faults on use; either is safe.
 */
static void ldt_refused_or_faults(const void *base, const char *what)
{
	long rc = set_ldt(base, 16);
	uint64_t v;
	int vec;

	if (rc < 0) {
		printk("# desc: %s LDT refused by SET_LDT (%ld)\n", what, rc);
		return;
	}
	check_eq(rc, 0);
	vec = fs_load_read(LDT_SEL(E_DATA), &v);
	printk("# desc: %s LDT taken by SET_LDT, its use faults (%d)\n",
	       what, vec);
	check(vec == X86_EXC_PF || vec == X86_EXC_GP,
	      "%s LDT accepted and used: vector %d, read %#lx", what, vec, v);
	if (vec == X86_EXC_PF)
		check_eq(last_exc.cr2, (unsigned long)base + E_DATA * 8);
	fs_reset();
	check_rc(set_ldt(NULL, 0), 0);
}

static void test_ldt_hostile(void)
{
	uint64_t *page = page_alloc();
	void *hole = va_hole_alloc();

	check_rc(set_ldt((char *)ldt + 8, 1), -XEN_EINVAL);
	check_rc(set_ldt(ldt, 8193), -XEN_EINVAL);
	check_rc(set_ldt((void *)HYPERVISOR_VIRT_START, 1), -XEN_EINVAL);
	check_rc(set_ldt((void *)NON_CANONICAL, 1), -XEN_EINVAL);

	ldt_refused_or_faults(hole, "unmapped");
	fill_table(page);
	ldt_refused_or_faults(page, "writable");
	check_eq(probe_write(page, 0), -1);
	fill_table(page);
	page[E_SPARE] = system_desc(T_TSS, buf_a);
	check_rc(page_set_rw(page, false), 0);
	ldt_refused_or_faults(page, "TSS-holding");
	check_rc(page_set_rw(page, true), 0);
	page[E_SPARE] = call_gate(HV_CS, 3);
	check_rc(page_set_rw(page, false), 0);
	ldt_refused_or_faults(page, "call-gate-holding");
	check_rc(page_set_rw(page, true), 0);
	check_eq(probe_write(page, 0), -1);
}

static const struct test_case cases[] = {
	{ "gdt_set", test_gdt_set },
	{ "gdt_update", test_gdt_update },
	{ "gdt_hostile", test_gdt_hostile },
	{ "gdt_release", test_gdt_release },
	{ "ldt", test_ldt },
	{ "ldt_hostile", test_ldt_hostile },
};

DEFINE_SUITE("desc", cases, .init = desc_init);
