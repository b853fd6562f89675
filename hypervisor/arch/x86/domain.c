// SPDX-License-Identifier: MIT
/*
 * The x86 parts of domains and vCPUs: the per-domain area that holds the
 * vCPUs' GDT windows, vCPU initial state, and the context switch.
 */
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <tandem/mm.h>
#include <tandem/sched.h>
#include <tandem/softirq.h>
#include <asm/context.h>
#include <asm/pagetable.h>
#include <asm/traps.h>
#include <asm/desc.h>
#include <asm/paging.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/time.h>

extern char exit_to_guest[];

/*
 * Per-domain area: each vCPU gets a 32-page slot (16 GDT pages, 16 LDT
 * pages) at PERDOMAIN_VIRT_START + id * 128 KiB.
 */
#define VCPU_AREA_PAGES		32
#define VCPU_AREA_SIZE		(VCPU_AREA_PAGES * PAGE_SIZE)
#define VCPUS_PER_L1		(PTES_PER_TABLE / VCPU_AREA_PAGES)

BUILD_BUG_ON(MAX_VCPUS_PER_DOMAIN > VCPUS_PER_L1 *
	     ARRAY_SIZE(((struct arch_domain *)0)->perdomain_l1));

static unsigned long vcpu_gdt_va(unsigned int id)
{
	return PERDOMAIN_VIRT_START + (unsigned long)id * VCPU_AREA_SIZE;
}

int arch_domain_create(struct domain *d)
{
	struct arch_domain *a = &d->arch;

	a->perdomain_l3 = alloc_hv_page();
	a->perdomain_l2 = alloc_hv_page();
	if (!a->perdomain_l3 || !a->perdomain_l2) {
		free_hv_page(a->perdomain_l3);
		free_hv_page(a->perdomain_l2);
		return -ENOMEM;
	}
	a->perdomain_l3[pt_index(PERDOMAIN_VIRT_START, 3)] =
		make_pte(virt_to_mfn(a->perdomain_l2), PAGE_TABLE_FLAGS);
	return 0;
}

void arch_domain_destroy(struct domain *d)
{
	struct arch_domain *a = &d->arch;

	for (unsigned int i = 0; i < ARRAY_SIZE(a->perdomain_l1); i++)
		free_hv_page(a->perdomain_l1[i]);
	free_hv_page(a->perdomain_l2);
	free_hv_page(a->perdomain_l3);
}

/* The L1 entries of a vCPU's GDT window. */
static pte_t *vcpu_gdt_l1e(struct vcpu *v)
{
	struct arch_domain *a = &v->domain->arch;
	unsigned int idx = v->vcpu_id / VCPUS_PER_L1;
	unsigned long va = vcpu_gdt_va(v->vcpu_id);

	return &a->perdomain_l1[idx][pt_index(va, 1)];
}

void pv_map_gdt_frames(struct vcpu *v)
{
	pte_t *l1e = vcpu_gdt_l1e(v);
	unsigned long va = v->arch.gdt_va;
	unsigned int nr = DIV_ROUND_UP(v->arch.gdt_ents, 512);

	for (unsigned int i = 0; i < GUEST_GDT_FRAMES; i++) {
		/*
		 * Guest frames are writable here so the CPU can set accessed
		 * bits; the guest itself can no longer write them (they are
		 * typed descriptor pages). Unused pages read as zeros.
		 */
		if (i < nr)
			l1e[i] = make_pte(v->arch.gdt_frames[i],
					  PAGE_PERDOMAIN_RW);
		else
			l1e[i] = make_pte(zero_page_mfn, PAGE_PERDOMAIN_RO);
		invlpg(va + i * PAGE_SIZE);
	}
	l1e[GUEST_GDT_FRAMES] =
		make_pte(virt_to_mfn(this_pcpu()->gdt_reserved),
			 PAGE_PERDOMAIN_RW);
	invlpg(va + GUEST_GDT_FRAMES * PAGE_SIZE);
}

/* The L1 entries of a vCPU's LDT window (right after its GDT window). */
pte_t *pv_ldt_l1e(struct vcpu *v)
{
	return vcpu_gdt_l1e(v) + GDT_VIRT_PAGES;
}

/* A clean FPU image: x87 control word and MXCSR at their reset values. */
static void fpu_reset_image(struct arch_vcpu *av)
{
	memset(av->fpu_state, 0, sizeof(av->fpu_state));
	*(uint16_t *)&av->fpu_state[0] = 0x37f;
	*(uint32_t *)&av->fpu_state[24] = 0x1f80;
	*(uint32_t *)&av->fpu_state[28] = 0xffff;	/* MXCSR_MASK */
}

/* The MXCSR bits this CPU implements (FXRSTOR faults on any other). */
static uint32_t mxcsr_mask(void)
{
	static uint32_t mask;
	uint8_t img[512] __aligned(16);
	unsigned long cr0;

	if (!mask) {
		memset(img, 0, sizeof(img));
		cr0 = read_cr0();
		__asm__ __volatile__("clts\n\tfxsave64 %0" : "=m"(img));
		write_cr0(cr0);
		mask = *(uint32_t *)&img[28];
		if (!mask)
			mask = 0xffbf;	/* the architectural default */
	}
	return mask;
}

int arch_vcpu_create(struct vcpu *v)
{
	struct arch_domain *a = &v->domain->arch;
	unsigned int idx = v->vcpu_id / VCPUS_PER_L1;
	struct arch_vcpu *av = &v->arch;

	if (!a->perdomain_l1[idx]) {
		a->perdomain_l1[idx] = alloc_hv_page();
		if (!a->perdomain_l1[idx])
			return -ENOMEM;
		a->perdomain_l2[pt_index(vcpu_gdt_va(idx * VCPUS_PER_L1), 2)] =
			make_pte(virt_to_mfn(a->perdomain_l1[idx]),
				 PAGE_TABLE_FLAGS);
	}
	av->gdt_va = vcpu_gdt_va(v->vcpu_id);
	av->guest_table = INVALID_MFN;
	av->guest_table_user = INVALID_MFN;
	av->kernel_mode = true;
	av->vcr4 = read_cr4() & (CR4_PAE | CR4_PGE | CR4_OSFXSR |
				 CR4_OSXMMEXCPT | CR4_PSE);
	av->regs.rflags = RFLAGS_MBS | RFLAGS_IF;
	av->regs.cs = FLAT_KERNEL_CS;
	av->regs.ss = FLAT_KERNEL_SS;

	fpu_reset_image(av);
	pv_map_gdt_frames(v);
	return 0;
}

/* A guest entry point: canonical, and (unless unset) outside our range. */
static bool entry_ok(unsigned long va)
{
	return is_canonical(va) && (!va || guest_range_ok(va, 1));
}

static bool context_addresses_ok(const struct vcpu_guest_context *c)
{
	const struct cpu_user_regs *r = &c->user_regs;

	if (!is_canonical(r->rip) || !is_canonical(r->rsp) ||
	    !is_canonical(c->kernel_sp) || !is_canonical(c->fs_base) ||
	    !is_canonical(c->gs_base_kernel) ||
	    !is_canonical(c->gs_base_user) ||
	    !entry_ok(c->event_callback_eip) ||
	    !entry_ok(c->failsafe_callback_eip) ||
	    !entry_ok(c->syscall_callback_eip))
		return false;
	for (unsigned int i = 0; i < ARRAY_SIZE(c->trap_ctxt); i++)
		if (!is_canonical(c->trap_ctxt[i].address))
			return false;
	return true;
}

/*
 * VCPUOP_initialise and domctl setvcpucontext: take a complete context
 * for a vCPU that is not yet running (of this domain, or of one the
 * toolstack builds). Every part is validated against the vCPU's own
 * domain: the kernel L4 must pass as a page table of that domain,
 * selectors are forced to ring 3, the GDT frames must be its descriptor
 * pages, entry points must be canonical guest addresses, and an FPU
 * image is taken only if the context says it is valid.
 */
int arch_set_info_guest(struct vcpu *v, const struct vcpu_guest_context *c)
{
	struct arch_vcpu *a = &v->arch;
	const struct cpu_user_regs *r = &c->user_regs;
	mfn_t gdt[GUEST_GDT_FRAMES];
	unsigned int nr_gdt = DIV_ROUND_UP(c->gdt_ents, 512);
	int rc;

	if (c->gdt_ents > FIRST_RESERVED_GDT_ENTRY || c->ldt_ents ||
	    !context_addresses_ok(c))
		return -EINVAL;
	for (unsigned int i = 0; i < nr_gdt; i++)
		gdt[i] = c->gdt_frames[i];
	rc = pv_set_kernel_base_table(v, xen_cr3_to_pfn(c->ctrlreg[3]));
	if (rc)
		return rc;
	rc = pv_set_gdt(v, gdt, c->gdt_ents);
	if (rc) {
		pv_put_base_tables(v);
		return rc;
	}
	if (c->ctrlreg[1]) {
		mfn_t user = xen_cr3_to_pfn(c->ctrlreg[1]);
		struct page_info *pg = mfn_is_ram(user) ? mfn_to_page(user) :
				       NULL;

		if (!pg || get_page_and_type(pg, v->domain,
					     PGT_l4_page_table)) {
			pv_put_gdt_frames(v);
			pv_put_base_tables(v);
			return -EINVAL;
		}
		a->guest_table_user = user;
	}

	if (c->flags & VGCF_i387_valid) {
		memcpy(a->fpu_state, c->fpu_ctxt, sizeof(a->fpu_state));
		*(uint32_t *)&a->fpu_state[24] &= mxcsr_mask();
	} else {
		fpu_reset_image(a);
	}
	memcpy(a->traps, c->trap_ctxt, sizeof(a->traps));
	a->regs = (struct cpu_regs){
		.r15 = r->r15, .r14 = r->r14, .r13 = r->r13, .r12 = r->r12,
		.rbp = r->rbp, .rbx = r->rbx, .r11 = r->r11, .r10 = r->r10,
		.r9 = r->r9, .r8 = r->r8, .rax = r->rax, .rcx = r->rcx,
		.rdx = r->rdx, .rsi = r->rsi, .rdi = r->rdi, .rip = r->rip,
		.cs = r->cs | 3, .ss = r->ss | 3, .rsp = r->rsp,
		.rflags = (r->rflags & ~(RFLAGS_IOPL | RFLAGS_VM)) |
			  RFLAGS_IF | RFLAGS_MBS,
	};
	/* The context's IOPL is the vCPU's virtual one (Linux asks for 1). */
	a->iopl = (r->rflags & RFLAGS_IOPL) >> 12;
	a->kernel_mode = (c->flags & VGCF_in_kernel) || !c->ctrlreg[1];
	a->kernel_ss = c->kernel_ss | 3;
	a->kernel_sp = c->kernel_sp;
	a->event_callback = c->event_callback_eip;
	a->failsafe_callback = c->failsafe_callback_eip;
	a->syscall_callback = c->syscall_callback_eip;
	a->failsafe_masks_events = c->flags & VGCF_failsafe_disables_events;
	a->syscall_masks_events = c->flags & VGCF_syscall_disables_events;
	a->fs_base = c->fs_base;
	a->gs_base_kernel = c->gs_base_kernel;
	a->gs_base_user = c->gs_base_user;
	a->ds = r->ds ? (r->ds | 3) : 0;
	a->es = r->es ? (r->es | 3) : 0;
	a->fs = r->fs ? (r->fs | 3) : 0;
	a->gs = r->gs ? (r->gs | 3) : 0;
	return 0;
}

/*
 * domctl getvcpucontext: the saved state of a vCPU that is not on a CPU,
 * in the form arch_set_info_guest() takes. The LDT's guest address is
 * not kept (only its window), so ldt_base reads 0.
 */
void arch_get_info_guest(struct vcpu *v, struct vcpu_guest_context *c)
{
	const struct arch_vcpu *a = &v->arch;
	const struct cpu_regs *r = &a->regs;
	unsigned int nr_gdt = DIV_ROUND_UP(a->gdt_ents, 512);

	memset(c, 0, sizeof(*c));
	memcpy(c->fpu_ctxt, a->fpu_state, sizeof(c->fpu_ctxt));
	c->flags = VGCF_i387_valid;
	if (a->kernel_mode)
		c->flags |= VGCF_in_kernel;
	if (!(v->pause_flags & VPF_down))
		c->flags |= VGCF_online;
	if (a->failsafe_masks_events)
		c->flags |= VGCF_failsafe_disables_events;
	if (a->syscall_masks_events)
		c->flags |= VGCF_syscall_disables_events;
	c->user_regs = (struct cpu_user_regs){
		.r15 = r->r15, .r14 = r->r14, .r13 = r->r13, .r12 = r->r12,
		.rbp = r->rbp, .rbx = r->rbx, .r11 = r->r11, .r10 = r->r10,
		.r9 = r->r9, .r8 = r->r8, .rax = r->rax, .rcx = r->rcx,
		.rdx = r->rdx, .rsi = r->rsi, .rdi = r->rdi, .rip = r->rip,
		.cs = r->cs, .rsp = r->rsp, .ss = r->ss,
		/* The virtual IOPL goes back where the guest put it. */
		.rflags = (r->rflags & ~RFLAGS_IOPL) |
			  ((unsigned long)a->iopl << 12),
		.ds = a->ds, .es = a->es, .fs = a->fs, .gs = a->gs,
	};
	memcpy(c->trap_ctxt, a->traps, sizeof(c->trap_ctxt));
	c->ldt_ents = a->ldt_ents;
	for (unsigned int i = 0; i < nr_gdt; i++)
		c->gdt_frames[i] = a->gdt_frames[i];
	c->gdt_ents = a->gdt_ents;
	c->kernel_ss = a->kernel_ss;
	c->kernel_sp = a->kernel_sp;
	c->ctrlreg[0] = (read_cr0() & ~CR0_TS) |
			(a->fpu_virtual_ts ? CR0_TS : 0);
	if (a->guest_table_user != INVALID_MFN)
		c->ctrlreg[1] = xen_pfn_to_cr3(a->guest_table_user);
	c->ctrlreg[2] = v->vcpu_info->arch.cr2;
	if (a->guest_table != INVALID_MFN)
		c->ctrlreg[3] = xen_pfn_to_cr3(a->guest_table);
	c->ctrlreg[4] = a->vcr4;
	memcpy(c->debugreg, a->debugreg, sizeof(c->debugreg));
	c->event_callback_eip = a->event_callback;
	c->failsafe_callback_eip = a->failsafe_callback;
	c->syscall_callback_eip = a->syscall_callback;
	c->vm_assist = v->domain->arch.vm_assist;
	c->fs_base = a->fs_base;
	c->gs_base_kernel = a->gs_base_kernel;
	c->gs_base_user = a->gs_base_user;
}

/*
 * domctl setvcpucontext without a context: drop what the vCPU holds
 * (tables, GDT, LDT) and give it the state of a new vCPU again.
 */
void arch_vcpu_reset(struct vcpu *v)
{
	struct arch_vcpu *a = &v->arch;
	mfn_t none[1] = { INVALID_MFN };

	pv_set_gdt(v, none, 0);		/* cannot fail: no frames */
	pv_put_ldt(v);
	pv_put_base_tables(v);
	memset(&a->regs, 0, sizeof(a->regs));
	a->regs.rflags = RFLAGS_MBS | RFLAGS_IF;
	a->regs.cs = FLAT_KERNEL_CS;
	a->regs.ss = FLAT_KERNEL_SS;
	fpu_reset_image(a);
	a->fpu_virtual_ts = false;
	a->kernel_mode = true;
	memset(a->traps, 0, sizeof(a->traps));
	a->event_callback = a->failsafe_callback = a->syscall_callback = 0;
	a->syscall32_callback = a->sysenter_callback = a->nmi_callback = 0;
	a->failsafe_masks_events = a->syscall_masks_events = false;
	a->kernel_ss = a->kernel_sp = 0;
	a->ds = a->es = a->fs = a->gs = 0;
	a->fs_base = a->gs_base_kernel = a->gs_base_user = 0;
	memset(a->debugreg, 0, sizeof(a->debugreg));
	a->iopl = 0;
	a->trap.pending = false;
}

void arch_vcpu_release_tables(struct vcpu *v)
{
	pv_put_base_tables(v);
	pv_put_gdt_frames(v);
	pv_put_ldt(v);
}

void arch_vcpu_destroy(struct vcpu *v)
{
	arch_vcpu_release_tables(v);
}

/* ---- the switch ---------------------------------------------------------- */

static void save_segments(struct vcpu *v)
{
	struct arch_vcpu *a = &v->arch;
	unsigned long gs_active = rdmsr(MSR_GS_BASE);
	unsigned long gs_shadow = rdmsr(MSR_KERNEL_GS_BASE);

	__asm__ __volatile__("mov %%ds, %0" : "=r"(a->ds));
	__asm__ __volatile__("mov %%es, %0" : "=r"(a->es));
	__asm__ __volatile__("mov %%fs, %0" : "=r"(a->fs));
	__asm__ __volatile__("mov %%gs, %0" : "=r"(a->gs));
	a->fs_base = rdmsr(MSR_FS_BASE);
	if (a->kernel_mode) {
		a->gs_base_kernel = gs_active;
		a->gs_base_user = gs_shadow;
	} else {
		a->gs_base_user = gs_active;
		a->gs_base_kernel = gs_shadow;
	}
}

/* Load a data selector; a bad one (stale LDT, say) becomes null. */
#define LOAD_SEG(seg, val) do {						\
	__asm__ __volatile__("1: mov %w0, %%" #seg "\n\t"		\
			     "2:\n\t"					\
			     ".pushsection .text.fixup, \"ax\"\n"	\
			     "3: xorl %k0, %k0\n\t"			\
			     "jmp 1b\n\t"				\
			     ".popsection\n\t"				\
			     _ASM_EXTABLE(1b, 3b)			\
			     : : "r"((unsigned long)(val)));		\
} while (0)

static void load_segments(struct vcpu *v)
{
	struct arch_vcpu *a = &v->arch;

	LOAD_SEG(ds, a->ds);
	LOAD_SEG(es, a->es);
	LOAD_SEG(fs, a->fs);
	LOAD_SEG(gs, a->gs);
	/* Selector loads reset the bases: write them afterwards. */
	wrmsr(MSR_FS_BASE, a->fs_base);
	if (a->kernel_mode) {
		wrmsr(MSR_GS_BASE, a->gs_base_kernel);
		wrmsr(MSR_KERNEL_GS_BASE, a->gs_base_user);
	} else {
		wrmsr(MSR_GS_BASE, a->gs_base_user);
		wrmsr(MSR_KERNEL_GS_BASE, a->gs_base_kernel);
	}
}

static void fpu_save(struct vcpu *v)
{
	/* Real TS may be set for the guest's sake; FXSAVE must not #NM. */
	__asm__ __volatile__("clts\n\tfxsave64 %0" : "=m"(v->arch.fpu_state));
}

static void fpu_restore(struct vcpu *v)
{
	__asm__ __volatile__("clts\n\tfxrstor64 %0" : : "m"(v->arch.fpu_state));
	if (v->arch.fpu_virtual_ts)
		write_cr0(read_cr0() | CR0_TS);
}

static void __noreturn continue_in_guest(void)
{
	__asm__ __volatile__("jmp exit_to_guest");
	__builtin_unreachable();
}

static void __noreturn continue_idle(void)
{
	idle_loop();
}

void context_switch(struct vcpu *prev, struct vcpu *next)
{
	struct cpu_info *ci = get_cpu_info();
	struct pcpu *c = this_pcpu();

	if (!is_idle_vcpu(prev)) {
		prev->arch.regs = ci->guest_regs;
		save_segments(prev);
		fpu_save(prev);
		debugreg_switch_out(prev);
	}

	/* The GDT window must stay mapped while CR3 changes under it. */
	load_gdt(c->idle_gdt);
	if (is_idle_vcpu(next)) {
		write_cr3(virt_to_maddr(idle_pg_table));
		load_ldt(c, 0, 0);
	} else {
		struct arch_vcpu *a = &next->arch;

		write_cr3((a->kernel_mode ? a->guest_table :
			   a->guest_table_user) << PAGE_SHIFT);
		load_gdt(a->gdt_va);
		load_ldt(c, a->ldt_base, a->ldt_ents);
		ci->guest_regs = a->regs;
		load_segments(next);
		fpu_restore(next);
		debugreg_switch_in(next);
		update_vcpu_system_time(next);
		/*
		 * Its page tables are live now: refresh its runstate area. In
		 * guest user mode the area may be unmapped; retry on entry to
		 * the guest kernel.
		 */
		next->arch.runstate_update_pending =
			!sched_update_runstate_area(next);
	}

	prev->is_running = false;
	next->is_running = true;
	ci->current_vcpu = next;
	/* A dying domain can be released once it is off the CPU. */
	if (!is_idle_vcpu(prev) && prev->domain->state == DOMAIN_DYING)
		raise_softirq(SOFTIRQ_RECLAIM);

	reset_stack_and_jump(NULL, is_idle_vcpu(next) ? continue_idle :
			     continue_in_guest);
}
