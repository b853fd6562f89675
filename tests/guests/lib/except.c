// SPDX-License-Identifier: MIT
/*
 * Exceptions and callbacks: the virtual IDT (set_trap_table), the record
 * of the last exception, fixups through the .extable section, and the
 * syscall callback used by the user-mode excursions.
 */
#include "guest.h"
#include "test.h"
#include <public/callback.h>

#define NR_SOFT_VECTORS 4

extern const uint64_t __start_extable[], __stop_extable[];

/* Entry stubs in entry.S. */
#define DECL(n) extern char exc_entry_##n[]
DECL(0); DECL(1); DECL(2); DECL(3); DECL(4); DECL(5); DECL(6); DECL(7);
DECL(8); DECL(9); DECL(10); DECL(11); DECL(12); DECL(13); DECL(14);
DECL(15); DECL(16); DECL(17); DECL(18); DECL(19); DECL(20); DECL(21);
DECL(22); DECL(23); DECL(24); DECL(25); DECL(26); DECL(27); DECL(28);
DECL(29); DECL(30); DECL(31);
#undef DECL
extern char soft_entry_0x20[], soft_entry_0x80[], soft_entry_0x81[];
extern char soft_entry_0x82[];
unsigned long __user_exec(user_fn_t fn, unsigned long arg);
void __noreturn user_return(unsigned long value);

static char *const exc_entries[32] = {
	exc_entry_0, exc_entry_1, exc_entry_2, exc_entry_3, exc_entry_4,
	exc_entry_5, exc_entry_6, exc_entry_7, exc_entry_8, exc_entry_9,
	exc_entry_10, exc_entry_11, exc_entry_12, exc_entry_13,
	exc_entry_14, exc_entry_15, exc_entry_16, exc_entry_17,
	exc_entry_18, exc_entry_19, exc_entry_20, exc_entry_21,
	exc_entry_22, exc_entry_23, exc_entry_24, exc_entry_25,
	exc_entry_26, exc_entry_27, exc_entry_28, exc_entry_29,
	exc_entry_30, exc_entry_31,
};

static const struct {
	unsigned int vector;
	char *entry;
} soft_entries[NR_SOFT_VECTORS] = {
	{ 0x20, soft_entry_0x20 },
	{ 0x80, soft_entry_0x80 },
	{ 0x81, soft_entry_0x81 },
	{ 0x82, soft_entry_0x82 },
};

volatile struct exc_record last_exc = { .vector = EXC_NONE };
volatile struct exc_frame last_syscall;
volatile unsigned long last_syscall_rsp;
volatile uint8_t last_syscall_upcall_mask;

/* 32 exceptions + software vectors + terminator. */
static struct trap_info trap_table[32 + NR_SOFT_VECTORS + 1];
static trap_handler_t handlers[256];
static uint8_t soft_dpl[NR_SOFT_VECTORS];
static bool soft_on[NR_SOFT_VECTORS];

long traps_reload(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < 32; i++) {
		/* int3 and into may be used from user mode, like on Linux. */
		unsigned int dpl = (i == X86_EXC_BP || i == X86_EXC_OF) ? 3 : 0;

		trap_table[n++] = (struct trap_info) {
			.vector = i,
			.flags = dpl | TI_FLAG_MASK_EVENTS,
			.cs = FLAT_KERNEL_CS,
			.address = (uint64_t)exc_entries[i],
		};
	}
	for (i = 0; i < NR_SOFT_VECTORS; i++) {
		if (!soft_on[i])
			continue;
		trap_table[n++] = (struct trap_info) {
			.vector = soft_entries[i].vector,
			.flags = soft_dpl[i] | TI_FLAG_MASK_EVENTS,
			.cs = FLAT_KERNEL_CS,
			.address = (uint64_t)soft_entries[i].entry,
		};
	}
	memset(&trap_table[n], 0, sizeof(trap_table[n]));
	/* set_trap_table only adds entries: clear first to drop old ones. */
	hv_set_trap_table(NULL);
	return hv_set_trap_table(trap_table);
}

long trap_set(unsigned int vector, unsigned int dpl, trap_handler_t h)
{
	unsigned int i;

	handlers[vector & 0xff] = h;
	for (i = 0; i < NR_SOFT_VECTORS; i++) {
		if (soft_entries[i].vector == vector) {
			soft_on[i] = h != NULL;
			soft_dpl[i] = dpl;
		}
	}
	return traps_reload();
}

void exc_clear(void)
{
	last_exc.vector = EXC_NONE;
	last_exc.count = 0;
	last_exc.error_code = 0;
	last_exc.rip = 0;
	last_exc.cr2 = 0;
	last_exc.cs = 0;
}

static uint64_t extable_find(uint64_t rip)
{
	const uint64_t *e;

	for (e = __start_extable; e < __stop_extable; e += 2)
		if (e[0] == rip)
			return e[1];
	return 0;
}

static void syscall_handle(struct exc_frame *f)
{
	memcpy((void *)&last_syscall, f, sizeof(*f));
	last_syscall_rsp = (unsigned long)f;
	last_syscall_upcall_mask = this_vcpu_info()->evtchn_upcall_mask;
	if (f->rax == USER_SYS_EXIT)
		user_return(f->rsi);
	/* The one "system call" there is: return arg + 1. */
	f->rax = f->rdi + 1;
}

static void __noreturn fatal_exception(struct exc_frame *f, const char *what)
{
	uint64_t cr2 = f->vector == X86_EXC_PF ?
		this_vcpu_info()->arch.cr2 : 0;

	test_abort("unexpected %s vec=%lu ec=%#lx rip=%#lx cs=%#lx cr2=%#lx",
		   what, f->vector, f->error_code, f->rip, f->cs, cr2);
}

void exc_handle(struct exc_frame *f)
{
	uint64_t fixup;

	switch (f->vector) {
	case VEC_EVENT:
		event_dispatch();
		return;
	case VEC_SYSCALL:
		syscall_handle(f);
		return;
	case VEC_FAILSAFE:
		fatal_exception(f, "failsafe callback");
	}

	last_exc.vector = f->vector;
	last_exc.count++;
	last_exc.error_code = f->error_code;
	last_exc.rip = f->rip;
	last_exc.cs = f->cs;
	last_exc.cr2 = f->vector == X86_EXC_PF ?
		this_vcpu_info()->arch.cr2 : 0;

	if (handlers[f->vector & 0xff]) {
		handlers[f->vector & 0xff](f);
		return;
	}
	fixup = extable_find(f->rip);
	if (fixup) {
		f->rip = fixup;
		return;
	}
	fatal_exception(f, "exception");
}

int probe_read(const volatile void *p, uint64_t *val)
{
	uint64_t v = 0;

	exc_clear();
	asm volatile("1: movq (%[p]), %[v]\n\t"
		     "2:\n\t"
		     EXTABLE(1b, 2b)
		     : [v] "+r"(v) : [p] "r"(p) : "memory");
	if (val)
		*val = v;
	return last_exc.vector == EXC_NONE ? -1 : (int)last_exc.vector;
}

int probe_write(volatile void *p, uint64_t val)
{
	exc_clear();
	asm volatile("1: movq %[v], (%[p])\n\t"
		     "2:\n\t"
		     EXTABLE(1b, 2b)
		     :: [v] "r"(val), [p] "r"(p) : "memory");
	return last_exc.vector == EXC_NONE ? -1 : (int)last_exc.vector;
}

/*
 * Call p, which must be code that returns (or a page that faults on
 * fetch). A fault on the fetch has the return address on the stack
 * already: the fixup pops it.
 */
static volatile bool exec_probe_active;

int probe_exec(const void *p)
{
	exc_clear();
	exec_probe_active = true;
	asm volatile("lea 2f(%%rip), %%rax\n\t"
		     "push %%rax\n\t"
		     "jmp *%[p]\n\t"
		     "2:\n\t"
		     :: [p] "r"(p)
		     : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10",
		       "r11", "memory");
	exec_probe_active = false;
	return last_exc.vector == EXC_NONE ? -1 : (int)last_exc.vector;
}

/* A fetch fault at an address: resume at the pushed return address. */
static void exec_fault_fixup(struct exc_frame *f)
{
	uint64_t ret = *(uint64_t *)f->rsp;

	f->rsp += 8;
	f->rip = ret;
}

static void pf_handler(struct exc_frame *f)
{
	uint64_t fixup = extable_find(f->rip);

	if (fixup) {
		f->rip = fixup;
		return;
	}
	/* Instruction fetch from a probed address (see probe_exec). */
	if (exec_probe_active && f->rip == last_exc.cr2) {
		exec_fault_fixup(f);
		return;
	}
	fatal_exception(f, "page fault");
}

unsigned long user_exec(user_fn_t fn, unsigned long arg)
{
	struct vcpu_info *vi = this_vcpu_info();
	uint8_t mask = vi->evtchn_upcall_mask;
	unsigned long ret = __user_exec(fn, arg);

	vi->evtchn_upcall_mask = mask;
	return ret;
}

void traps_init(void)
{
	static const struct {
		const char *name;
		unsigned int type;
		char *entry;
	} callbacks[] = {
		{ "event", CALLBACKTYPE_event, event_entry },
		{ "failsafe", CALLBACKTYPE_failsafe, failsafe_entry },
		{ "syscall", CALLBACKTYPE_syscall, syscall_entry },
	};
	unsigned int i;
	long rc;

	handlers[X86_EXC_PF] = pf_handler;
	rc = traps_reload();
	if (rc)
		panic("set_trap_table failed: %ld", rc);

	for (i = 0; i < ARRAY_SIZE(callbacks); i++) {
		struct callback_register cb = {
			.type = callbacks[i].type,
			.flags = CALLBACKF_mask_events,
			.address = (uint64_t)callbacks[i].entry,
		};

		rc = hv_callback_op(CALLBACKOP_register, &cb);
		if (rc)
			panic("%s callback registration failed: %ld",
			      callbacks[i].name, rc);
	}

	rc = hv_stack_switch(FLAT_KERNEL_SS,
			     (unsigned long)kernel_stack + KERNEL_STACK_SIZE);
	if (rc)
		panic("stack_switch failed: %ld", rc);
}
