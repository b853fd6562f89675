// SPDX-License-Identifier: MIT
/*
 * The IDT and what happens on an exception or interrupt. Faults taken by
 * a guest go to the PV code (arch/x86/pv/traps.c); faults in the
 * hypervisor either hit a whitelisted instruction (guest memory access,
 * MSR probe, the final iretq) and are redirected, or are bugs and end in
 * a panic with registers and a backtrace.
 */
#include <tandem/console.h>
#include <tandem/lib.h>
#include <tandem/symbols.h>
#include <asm/apic.h>
#include <asm/config.h>
#include <asm/desc.h>
#include <asm/irq.h>
#include <asm/paging.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/traps.h>
#include <tandem/domain.h>
#include <public/arch-x86_64.h>

BUILD_BUG_ON(__builtin_offsetof(struct cpu_regs, rax) != REGS_rax);
BUILD_BUG_ON(__builtin_offsetof(struct cpu_regs, rdi) != REGS_rdi);
BUILD_BUG_ON(__builtin_offsetof(struct cpu_regs, error_code) !=
	     REGS_error_code);
BUILD_BUG_ON(__builtin_offsetof(struct cpu_regs, rip) != REGS_rip);
BUILD_BUG_ON(__builtin_offsetof(struct cpu_regs, ss) != REGS_ss);
BUILD_BUG_ON(sizeof(struct cpu_regs) != REGS_SIZE);
BUILD_BUG_ON(__builtin_offsetof(struct cpu_info, current_vcpu) !=
	     CPUINFO_current_vcpu);
BUILD_BUG_ON(__builtin_offsetof(struct cpu_info, pcpu) != CPUINFO_pcpu);
BUILD_BUG_ON(__builtin_offsetof(struct cpu_info, syscall_rsp) !=
	     CPUINFO_syscall_rsp);
BUILD_BUG_ON(sizeof(struct cpu_info) != CPU_INFO_SIZE);
BUILD_BUG_ON(CPU_INFO_SIZE % 16 != 8);

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __packed;

static struct idt_gate idt[256] __aligned(PAGE_SIZE);

struct ex_entry {
	unsigned long insn, fixup;
};
extern const struct ex_entry __start_ex_table[], __stop_ex_table[];

#define EXC_STUB(n) extern char exc_stub_##n[];
EXC_STUB(0) EXC_STUB(1) EXC_STUB(2) EXC_STUB(3) EXC_STUB(4) EXC_STUB(5)
EXC_STUB(6) EXC_STUB(7) EXC_STUB(8) EXC_STUB(9) EXC_STUB(10) EXC_STUB(11)
EXC_STUB(12) EXC_STUB(13) EXC_STUB(14) EXC_STUB(15) EXC_STUB(16)
EXC_STUB(17) EXC_STUB(18) EXC_STUB(19) EXC_STUB(20) EXC_STUB(21)
EXC_STUB(22) EXC_STUB(23) EXC_STUB(24) EXC_STUB(25) EXC_STUB(26)
EXC_STUB(27) EXC_STUB(28) EXC_STUB(29) EXC_STUB(30) EXC_STUB(31)
#undef EXC_STUB

static char *const exc_stubs[X86_NR_EXCEPTIONS] = {
	exc_stub_0, exc_stub_1, exc_stub_2, exc_stub_3, exc_stub_4,
	exc_stub_5, exc_stub_6, exc_stub_7, exc_stub_8, exc_stub_9,
	exc_stub_10, exc_stub_11, exc_stub_12, exc_stub_13, exc_stub_14,
	exc_stub_15, exc_stub_16, exc_stub_17, exc_stub_18, exc_stub_19,
	exc_stub_20, exc_stub_21, exc_stub_22, exc_stub_23, exc_stub_24,
	exc_stub_25, exc_stub_26, exc_stub_27, exc_stub_28, exc_stub_29,
	exc_stub_30, exc_stub_31,
};
extern char irq_stubs[];
extern char syscall_entry[], syscall32_entry[];

static const char *const exc_names[X86_NR_EXCEPTIONS] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault", "coprocessor overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization", "#CP control protection",
};

static void set_gate(unsigned int vec, void *handler, unsigned int dpl,
		     unsigned int ist)
{
	unsigned long a = (unsigned long)handler;

	idt[vec] = (struct idt_gate){
		.offset_lo = a & 0xffff,
		.selector = HV_CS,
		.ist = ist,
		.type_attr = 0x80 | (dpl << 5) | 0xe,	/* interrupt gate */
		.offset_mid = (a >> 16) & 0xffff,
		.offset_hi = a >> 32,
	};
}

void idt_load(void)
{
	struct desc_ptr p = { sizeof(idt) - 1, (unsigned long)idt };

	__asm__ __volatile__("lidt %0" : : "m"(p));
}

static void *ist_stack_top(unsigned int ist)
{
	/* IST stacks are the low pages of cpu0's stack block, one each. */
	return cpu0_stack + ist * PAGE_SIZE;
}

void traps_init(void)
{
	struct pcpu *c = this_pcpu();

	for (unsigned int v = 0; v < X86_NR_EXCEPTIONS; v++)
		set_gate(v, exc_stubs[v], 0, 0);
	/* int3 and into may be used by the guest directly. */
	set_gate(X86_EXC_BP, exc_stubs[X86_EXC_BP], 3, 0);
	set_gate(X86_EXC_OF, exc_stubs[X86_EXC_OF], 3, 0);
	set_gate(X86_EXC_DF, exc_stubs[X86_EXC_DF], 0, IST_DOUBLE_FAULT);
	set_gate(X86_EXC_NMI, exc_stubs[X86_EXC_NMI], 0, IST_NMI);
	set_gate(X86_EXC_MC, exc_stubs[X86_EXC_MC], 0, IST_MCE);
	for (unsigned int v = 32; v < 256; v++)
		set_gate(v, irq_stubs + (v - 32) * 16, 0, 0);
	idt_load();

	c->tss.rsp[0] = (unsigned long)&get_cpu_info()->guest_regs +
			REGS_SIZE;
	c->tss.ist[IST_DOUBLE_FAULT - 1] =
		(unsigned long)ist_stack_top(IST_DOUBLE_FAULT);
	c->tss.ist[IST_NMI - 1] = (unsigned long)ist_stack_top(IST_NMI);
	c->tss.ist[IST_MCE - 1] = (unsigned long)ist_stack_top(IST_MCE);

	/* SYSCALL: into HV_CS; SYSRET would return to the flat ring-3 set. */
	wrmsr(MSR_STAR, ((uint64_t)(FLAT_RING3_CS32) << 48) |
			((uint64_t)HV_CS << 32));
	wrmsr(MSR_LSTAR, (unsigned long)syscall_entry);
	wrmsr(MSR_CSTAR, (unsigned long)syscall32_entry);
	wrmsr(MSR_SFMASK, RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | RFLAGS_NT |
			  RFLAGS_AC | RFLAGS_IOPL);
	/* SYSENTER from a guest would enter ring 0 with its own stack: off. */
	wrmsr(MSR_SYSENTER_CS, 0);
}

bool fixup_exception(struct cpu_regs *regs)
{
	for (const struct ex_entry *e = __start_ex_table;
	     e < __stop_ex_table; e++) {
		if (e->insn == regs->rip) {
			regs->rip = e->fixup;
			return true;
		}
	}
	return false;
}

static void print_symbol(const char *prefix, unsigned long addr)
{
	unsigned long off;
	const char *name = symbol_lookup(addr, &off);

	if (name)
		printk("%s%016lx %s+%#lx\n", prefix, addr, name, off);
	else
		printk("%s%016lx\n", prefix, addr);
}

void show_registers(const struct cpu_regs *r)
{
	printk("rip: %04lx:%016lx  rflags: %016lx\n", r->cs, r->rip,
	       r->rflags);
	printk("rax: %016lx  rbx: %016lx  rcx: %016lx\n", r->rax, r->rbx,
	       r->rcx);
	printk("rdx: %016lx  rsi: %016lx  rdi: %016lx\n", r->rdx, r->rsi,
	       r->rdi);
	printk("rbp: %016lx  rsp: %016lx  r8:  %016lx\n", r->rbp, r->rsp,
	       r->r8);
	printk("r9:  %016lx  r10: %016lx  r11: %016lx\n", r->r9, r->r10,
	       r->r11);
	printk("r12: %016lx  r13: %016lx  r14: %016lx\n", r->r12, r->r13,
	       r->r14);
	printk("r15: %016lx  ss: %04lx\n", r->r15, r->ss);
	printk("cr0: %016lx  cr2: %016lx  cr3: %016lx  cr4: %016lx\n",
	       read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

/* Follow the frame-pointer chain while it stays on this CPU's stack. */
void show_backtrace(unsigned long rbp, unsigned long rip)
{
	unsigned long lo = (unsigned long)cpu0_stack;
	unsigned long hi = lo + STACK_SIZE;

	printk("backtrace:\n");
	print_symbol("  ", rip);
	for (int depth = 0; depth < 32; depth++) {
		unsigned long *frame = (unsigned long *)rbp;

		if (rbp < lo || rbp + 16 > hi || (rbp & 7) || !frame[1])
			break;	/* off our stack, or a reset stack's end */
		print_symbol("  ", frame[1]);
		rbp = frame[0];
	}
}

static void __noreturn fatal_exception(struct cpu_regs *regs)
{
	unsigned int vec = regs->entry_vector;

	console_force_unlock();
	printk_level(LOG_ERR, "*** hypervisor fault: %s (vector %u), "
		     "error code %#x\n",
		     vec < X86_NR_EXCEPTIONS && exc_names[vec] ?
		     exc_names[vec] : "?", vec, regs->error_code);
	if (vec == X86_EXC_PF)
		printk("page-fault address: %016lx\n", read_cr2());
	show_registers(regs);
	show_backtrace(regs->rbp, regs->rip);
	panic("fatal %s in the hypervisor",
	      vec < X86_NR_EXCEPTIONS && exc_names[vec] ? exc_names[vec] :
	      "exception");
}

/*
 * A real fault, so the report shows what a bug would show. Made on the
 * hypervisor's own tables: keys arrive by interrupt, often while a
 * guest's tables are loaded, and those may map address 8.
 */
void crash_on_request(void)
{
	load_gdt(this_pcpu()->idle_gdt);
	write_cr3(virt_to_maddr(idle_pg_table));
	__asm__ __volatile__("movl $0, (%0)" : : "r"(8UL) : "memory");
	panic("no fault at address 8");
}

void do_exception(struct cpu_regs *regs)
{
	if (!regs_from_hypervisor(regs)) {
		pv_do_guest_exception(regs);
		return;
	}
	if (regs->entry_vector == X86_EXC_NMI) {
		pr_warn("NMI received (ignored)\n");
		return;
	}
	/*
	 * A guest's data breakpoint hit by our own access to its memory:
	 * a trap, so we may continue; the guest sees it on its way back.
	 */
	if (regs->entry_vector == X86_EXC_DB && !is_idle_vcpu(current)) {
		debugreg_note_trap(current);
		pv_inject_exception(current, X86_EXC_DB, NO_ERROR_CODE);
		return;
	}
	if (fixup_exception(regs))
		return;
	fatal_exception(regs);
}

void do_interrupt(struct cpu_regs *regs)
{
	unsigned int vec = regs->entry_vector;

	switch (vec) {
	case TIMER_VECTOR:
		do_apic_timer_interrupt();
		apic_eoi();
		break;
	case SPURIOUS_VECTOR:
		break;		/* no EOI for spurious interrupts */
	case ERROR_VECTOR:
		pr_warn("local APIC error interrupt\n");
		apic_eoi();
		break;
	default:
		if (vec >= 0x20 && vec < 0x30)
			break;	/* stray legacy PIC interrupt */
		if (vec >= FIRST_DEVICE_VECTOR && vec <= LAST_DEVICE_VECTOR) {
			do_device_interrupt(vec);	/* acknowledges */
			break;
		}
		pr_once(LOG_WARN, "unexpected interrupt vector %u\n", vec);
		apic_eoi();
		break;
	}
}

int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;
	int rc = 0;

	__asm__ __volatile__("1: rdmsr\n\t"
			     "2:\n\t"
			     ".pushsection .text.fixup, \"ax\"\n"
			     "3: movl $-1, %2\n\t"
			     "jmp 2b\n\t"
			     ".popsection\n\t"
			     _ASM_EXTABLE(1b, 3b)
			     : "=a"(lo), "=d"(hi), "+r"(rc) : "c"(msr));
	*val = ((uint64_t)hi << 32) | lo;
	return rc;
}

int wrmsr_safe(uint32_t msr, uint64_t val)
{
	int rc = 0;

	__asm__ __volatile__("1: wrmsr\n\t"
			     "2:\n\t"
			     ".pushsection .text.fixup, \"ax\"\n"
			     "3: movl $-1, %0\n\t"
			     "jmp 2b\n\t"
			     ".popsection\n\t"
			     _ASM_EXTABLE(1b, 3b)
			     : "+r"(rc)
			     : "c"(msr), "a"((uint32_t)val),
			       "d"((uint32_t)(val >> 32)));
	return rc;
}
