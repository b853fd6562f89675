// SPDX-License-Identifier: MIT
/*
 * Builds a 64-bit PV domain the way the PV boot contract promises:
 *
 *   virt_base ... kernel | [initrd] | p2m list | start_info | [console]
 *                 | page tables | boot stack | >= 512 KiB, to 4 MiB
 *
 * Pseudo-physical frame N is mapped at virt_base + N * 4 KiB; the whole
 * region is mapped by the initial page tables (which map themselves
 * read-only), and they are pinned and loaded for vCPU 0. An initrd the
 * kernel lets us leave unmapped (MOD_START_PFN) goes after the region.
 */
#include <tandem/console.h>
#include <tandem/dom_build.h>
#include <tandem/domain.h>
#include <tandem/elf.h>
#include <tandem/errno.h>
#include <tandem/event.h>
#include <tandem/lib.h>
#include <tandem/mm.h>
#include <tandem/sched.h>
#include <asm/context.h>
#include <asm/pagetable.h>
#include <asm/pv.h>
#include <public/io/console.h>

#define MIN_DOMAIN_MEM		(4ULL << 20)
#define BOOT_PAD		(512 * 1024)
#define REGION_ALIGN		(4ULL << 20)

struct layout {
	uint64_t v_start, v_end;
	uint64_t kern_start, kern_end;
	uint64_t initrd_va;		/* 0: unmapped (or none) */
	pfn_t initrd_pfn;		/* if unmapped */
	uint64_t p2m_va, start_info_va, console_va, pt_va, stack_va;
	unsigned long nr_pt;
	unsigned long nr_pages;
};

struct builder {
	struct domain *d;
	const struct dom_build_spec *spec;
	struct elf_kernel k;
	struct layout l;
	mfn_t *p2m;			/* our copy, nr_pages entries */
	char *why;
	size_t why_len;
};

static int fail(struct builder *b, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->why, b->why_len, fmt, ap);
	va_end(ap);
	return rc;
}

static void *pfn_va(struct builder *b, pfn_t pfn)
{
	return mfn_to_virt(b->p2m[pfn]);
}

static pfn_t va_pfn(const struct builder *b, uint64_t va)
{
	return (va - b->l.v_start) >> PAGE_SHIFT;
}

static unsigned long blocks(uint64_t start, uint64_t end, int shift)
{
	return ((end - 1) >> shift) - (start >> shift) + 1;
}

static int compute_layout(struct builder *b)
{
	struct layout *l = &b->l;
	const struct elf_kernel *k = &b->k;
	uint64_t cur, pages_needed;

	l->nr_pages = b->spec->mem_bytes >> PAGE_SHIFT;
	l->v_start = k->virt_base;
	l->kern_start = ROUND_DOWN(k->paddr_start - k->paddr_offset +
				   k->virt_base, PAGE_SIZE);
	l->kern_end = ROUND_UP(k->paddr_end - k->paddr_offset + k->virt_base,
			       PAGE_SIZE);
	if (l->kern_start < l->v_start || l->kern_end <= l->kern_start ||
	    !guest_range_ok(l->v_start, l->kern_end - l->v_start))
		return fail(b, -EINVAL, "kernel addresses %#lx-%#lx are not "
			    "a valid guest range", l->kern_start, l->kern_end);
	if (k->entry < l->kern_start || k->entry >= l->kern_end)
		return fail(b, -EINVAL, "entry point %#lx outside the kernel",
			    k->entry);
	if (k->has_hypercall_page &&
	    (k->hypercall_page < l->kern_start ||
	     k->hypercall_page + PAGE_SIZE > l->kern_end ||
	     (k->hypercall_page & (PAGE_SIZE - 1))))
		return fail(b, -EINVAL, "hypercall page %#lx outside the "
			    "kernel", k->hypercall_page);

	cur = l->kern_end;
	if (b->spec->initrd && !k->mod_start_pfn) {
		l->initrd_va = cur;
		cur += ROUND_UP(b->spec->initrd_size, PAGE_SIZE);
	}
	l->p2m_va = cur;
	cur += ROUND_UP(l->nr_pages * sizeof(uint64_t), PAGE_SIZE);
	l->start_info_va = cur;
	cur += PAGE_SIZE;
	if (!b->spec->privileged) {
		l->console_va = cur;
		cur += PAGE_SIZE;
	}
	l->pt_va = cur;

	/* The tables map themselves: grow until the count is stable. */
	for (l->nr_pt = 0;;) {
		uint64_t end = ROUND_UP(l->pt_va + (l->nr_pt + 1) * PAGE_SIZE +
					BOOT_PAD, REGION_ALIGN);
		unsigned long need = 1 + blocks(l->v_start, end, 39) +
				     blocks(l->v_start, end, 30) +
				     blocks(l->v_start, end, 21);

		if (need <= l->nr_pt) {
			l->v_end = end;
			break;
		}
		l->nr_pt = need;
	}
	l->stack_va = l->pt_va + l->nr_pt * PAGE_SIZE;
	if (l->v_end - l->v_start > (1ULL << 30))
		return fail(b, -E2BIG, "initial mapping of %lu MiB exceeds "
			    "1 GiB", (l->v_end - l->v_start) >> 20);

	pages_needed = (l->v_end - l->v_start) >> PAGE_SHIFT;
	if (b->spec->initrd && k->mod_start_pfn) {
		l->initrd_pfn = pages_needed;
		pages_needed += DIV_ROUND_UP(b->spec->initrd_size, PAGE_SIZE);
	}
	if (pages_needed > l->nr_pages)
		return fail(b, -ENOMEM, "needs at least %lu MiB of memory for "
			    "kernel%s and boot structures, has %lu MiB",
			    DIV_ROUND_UP(pages_needed, 256),
			    b->spec->initrd ? ", initrd" : "",
			    l->nr_pages >> 8);
	return 0;
}

static int populate_memory(struct builder *b)
{
	unsigned long pfn = 0, n = b->l.nr_pages;

	b->p2m = xmalloc(n * sizeof(mfn_t));
	if (!b->p2m)
		return fail(b, -ENOMEM, "no hypervisor memory for the p2m");
	while (pfn < n) {
		unsigned int order = 9;
		struct page_info *pg;

		while (order && (1UL << order) > n - pfn)
			order--;
		for (;;) {
			pg = alloc_domheap_pages(b->d, order, 0);
			if (pg || !order)
				break;
			order--;
		}
		if (!pg)
			return fail(b, -ENOMEM, "out of memory after %lu of "
				    "%lu MiB", pfn >> 8, n >> 8);
		for (unsigned long i = 0; i < (1UL << order); i++, pfn++) {
			b->p2m[pfn] = page_to_mfn(pg) + i;
			set_m2p(b->p2m[pfn], pfn);
		}
	}
	return 0;
}

/* Copy len bytes to guest virtual address va of the initial region. */
static void copy_to_region(struct builder *b, uint64_t va, const void *src,
			   size_t len)
{
	const uint8_t *s = src;

	while (len) {
		size_t off = va & (PAGE_SIZE - 1);
		size_t n = MIN(len, PAGE_SIZE - off);

		memcpy((uint8_t *)pfn_va(b, va_pfn(b, va)) + off, s, n);
		va += n;
		s += n;
		len -= n;
	}
}

static void load_kernel(struct builder *b)
{
	const struct elf_kernel *k = &b->k;

	for (unsigned int i = 0; i < k->nr_seg; i++) {
		const struct elf_segment *s = &k->seg[i];

		copy_to_region(b, s->paddr - k->paddr_offset + k->virt_base,
			       k->image + s->offset, s->filesz);
	}
}

/* 32-byte stubs: push %rcx; push %r11; mov $n,%eax; syscall; pop; ret. */
static void write_hypercall_page(struct builder *b)
{
	uint8_t *p = pfn_va(b, va_pfn(b, b->k.hypercall_page));

	memset(p, 0xcc, PAGE_SIZE);
	for (unsigned int n = 0; n < PAGE_SIZE / 32; n++) {
		uint8_t *s = p + n * 32;

		if (n == __HYPERVISOR_iret) {
			/* iret never returns; it also saves %rax. */
			static const uint8_t iret_stub[] = {
				0x51, 0x41, 0x53, 0x50, 0xb8, 0, 0, 0, 0,
				0x0f, 0x05,
			};
			memcpy(s, iret_stub, sizeof(iret_stub));
			memcpy(s + 5, &n, 4);
			continue;
		}
		s[0] = 0x51;
		s[1] = 0x41;
		s[2] = 0x53;
		s[3] = 0xb8;
		memcpy(s + 4, &n, 4);
		s[8] = 0x0f;
		s[9] = 0x05;
		s[10] = 0x41;
		s[11] = 0x5b;
		s[12] = 0x59;
		s[13] = 0xc3;
	}
}

static void build_page_tables(struct builder *b)
{
	struct layout *l = &b->l;
	pfn_t pt_pfn = va_pfn(b, l->pt_va), next = pt_pfn + 1;
	pfn_t pt_last = pt_pfn + l->nr_pt;
	const uint64_t upper = PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D;
	pte_t *l4 = pfn_va(b, pt_pfn);

	for (uint64_t va = l->v_start; va < l->v_end; va += PAGE_SIZE) {
		pte_t *t = l4;
		pfn_t pfn = va_pfn(b, va);
		uint64_t flags = PTE_P | PTE_RW | PTE_A | PTE_D;

		for (int level = 4; level > 1; level--) {
			pte_t *e = &t[pt_index(va, level)];

			if (!(*e & PTE_P)) {
				BUG_ON(next >= pt_last);
				*e = make_pte(b->p2m[next++], upper);
			}
			t = mfn_to_virt(pte_mfn(*e));
		}
		if (pfn >= pt_pfn && pfn < pt_last)
			flags &= ~PTE_RW;	/* tables map themselves RO */
		t[pt_index(va, 1)] = make_pte(b->p2m[pfn], flags);
	}
}

static void write_start_info(struct builder *b, evtchn_port_t console_port)
{
	struct start_info si;
	const struct layout *l = &b->l;
	const struct dom_build_spec *spec = b->spec;

	memset(&si, 0, sizeof(si));
	strlcpy(si.magic, XEN_START_INFO_MAGIC, sizeof(si.magic));
	si.nr_pages = l->nr_pages;
	si.shared_info = virt_to_maddr(b->d->shared_info);
	if (spec->privileged)
		si.flags = SIF_PRIVILEGED | SIF_INITDOMAIN;
	si.pt_base = l->pt_va;
	si.nr_pt_frames = l->nr_pt;
	si.mfn_list = l->p2m_va;
	if (spec->initrd) {
		if (l->initrd_va) {
			si.mod_start = l->initrd_va;
		} else {
			si.mod_start = l->initrd_pfn;
			si.flags |= SIF_MOD_START_PFN;
		}
		si.mod_len = spec->initrd_size;
	}
	if (!spec->privileged) {
		si.console.domU.mfn = b->p2m[va_pfn(b, l->console_va)];
		si.console.domU.evtchn = console_port;
	}
	strlcpy((char *)si.cmd_line, spec->cmdline ? spec->cmdline : "",
		sizeof(si.cmd_line));
	copy_to_region(b, l->start_info_va, &si, sizeof(si));
}

static void load_initrd(struct builder *b)
{
	const struct dom_build_spec *spec = b->spec;

	if (!spec->initrd)
		return;
	if (b->l.initrd_va) {
		copy_to_region(b, b->l.initrd_va, spec->initrd,
			       spec->initrd_size);
		return;
	}
	for (size_t off = 0; off < spec->initrd_size; off += PAGE_SIZE)
		memcpy(pfn_va(b, b->l.initrd_pfn + off / PAGE_SIZE),
		       (const uint8_t *)spec->initrd + off,
		       MIN((size_t)PAGE_SIZE, spec->initrd_size - off));
}

static int start_vcpu0(struct builder *b)
{
	struct vcpu *v = b->d->vcpus[0];
	mfn_t l4 = b->p2m[va_pfn(b, b->l.pt_va)];
	struct page_info *pg = mfn_to_page(l4);
	int rc;

	/* Pinned, as the guest expects to unpin it once it has its own. */
	rc = get_page_and_type(pg, b->d, PGT_l4_page_table);
	if (rc)
		return fail(b, rc, "initial page tables failed validation "
			    "(%d): builder bug", rc);
	pg->type_info |= PGT_pinned;
	rc = pv_set_kernel_base_table(v, l4);
	if (rc)
		return fail(b, rc, "cannot load the initial page tables");

	v->arch.regs.rip = b->k.entry;
	v->arch.regs.rsp = b->l.stack_va + PAGE_SIZE;
	v->arch.regs.rsi = b->l.start_info_va;
	v->arch.kernel_ss = FLAT_KERNEL_SS;
	v->arch.kernel_sp = v->arch.regs.rsp;
	v->is_initialised = true;
	v->pause_flags &= ~VPF_down;
	return 0;
}

int pv_build_domain(const struct dom_build_spec *spec, struct domain **out,
		    char *why, size_t why_len)
{
	struct builder b = { .spec = spec, .why = why, .why_len = why_len };
	evtchn_port_t console_port = 0;
	int rc;

	rc = elf_parse_kernel(spec->kernel, spec->kernel_size, &b.k, why,
			      why_len);
	if (rc)
		return rc;
	if (spec->mem_bytes < MIN_DOMAIN_MEM)
		return fail(&b, -EINVAL, "memory %lu KiB is below the "
			    "minimum of %llu MiB", spec->mem_bytes >> 10,
			    MIN_DOMAIN_MEM >> 20);
	rc = compute_layout(&b);
	if (rc)
		return rc;

	b.d = domain_create(spec->id, spec->name, spec->vcpus,
			    b.l.nr_pages, spec->privileged);
	if (!b.d)
		return fail(&b, -ENOMEM, "cannot create the domain (out of "
			    "memory, bad vCPU count or id in use)");
	rc = populate_memory(&b);
	if (rc)
		goto out_destroy;

	load_kernel(&b);
	load_initrd(&b);
	if (b.k.has_hypercall_page)
		write_hypercall_page(&b);
	copy_to_region(&b, b.l.p2m_va, b.p2m,
		       b.l.nr_pages * sizeof(uint64_t));
	if (!spec->privileged) {
		rc = console_attach_ring(b.d,
			mfn_to_virt(b.p2m[va_pfn(&b, b.l.console_va)]));
		if (rc < 0) {
			fail(&b, rc, "cannot set up the console ring");
			goto out_destroy;
		}
		console_port = rc;
	}
	write_start_info(&b, console_port);
	build_page_tables(&b);
	rc = start_vcpu0(&b);
	if (rc)
		goto out_destroy;
	rc = sched_set_params(b.d, spec->weight ? spec->weight :
			      SCHED_DEFAULT_WEIGHT, spec->cap);
	if (rc) {
		fail(&b, rc, "invalid weight %u or cap %u", spec->weight,
		     spec->cap);
		goto out_destroy;
	}
	xfree(b.p2m);
	vcpu_wake(b.d->vcpus[0]);
	*out = b.d;
	return 0;

out_destroy:
	xfree(b.p2m);
	domain_destroy(b.d);
	return rc;
}
