// SPDX-License-Identifier: MIT
/*
 * Hypercall entry: the guest kernel executes SYSCALL (directly, or via
 * the hypercall page) with the number in %rax and arguments in %rdi,
 * %rsi, %rdx, %r10, %r8, %r9. The result goes back in %rax.
 */
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/event.h>
#include <tandem/hypercall.h>
#include <tandem/lib.h>
#include <tandem/params.h>
#include <asm/pv.h>
#include <public/xen.h>

void log_unimplemented(const char *hypercall, long subop)
{
	/* Remember a few (name, sub-op) pairs so each is reported once. */
	static struct {
		const char *name;
		long subop;
	} seen[64];
	static unsigned int nr_seen;

	for (unsigned int i = 0; i < nr_seen; i++)
		if (seen[i].name == hypercall && seen[i].subop == subop)
			return;
	if (nr_seen < ARRAY_SIZE(seen)) {
		seen[nr_seen].name = hypercall;
		seen[nr_seen].subop = subop;
		nr_seen++;
	}
	pr_warn("%s: %s sub-op %ld is not implemented (-ENOSYS)\n",
		current->domain->name, hypercall, subop);
}

long hypercall_dispatch(unsigned long op, const unsigned long a[6])
{
	switch (op) {
	case __HYPERVISOR_set_trap_table:
		return do_set_trap_table(a[0]);
	case __HYPERVISOR_mmu_update:
		return do_mmu_update(a[0], a[1], a[2], a[3]);
	case __HYPERVISOR_set_gdt:
		return do_set_gdt(a[0], a[1]);
	case __HYPERVISOR_stack_switch:
		return do_stack_switch(a[0], a[1]);
	case __HYPERVISOR_set_callbacks:
		return do_set_callbacks(a[0], a[1], a[2]);
	case __HYPERVISOR_fpu_taskswitch:
		return do_fpu_taskswitch(a[0]);
	case __HYPERVISOR_platform_op:
		return do_platform_op(a[0]);
	case __HYPERVISOR_set_debugreg:
		return do_set_debugreg(a[0], a[1]);
	case __HYPERVISOR_get_debugreg:
		return do_get_debugreg(a[0]);
	case __HYPERVISOR_update_descriptor:
		return do_update_descriptor(a[0], a[1]);
	case __HYPERVISOR_memory_op:
		return do_memory_op(a[0], a[1]);
	case __HYPERVISOR_multicall:
		return do_multicall(a[0], a[1]);
	case __HYPERVISOR_update_va_mapping:
		return do_update_va_mapping(a[0], a[1], a[2]);
	case __HYPERVISOR_set_timer_op:
		return do_set_timer_op(a[0]);
	case __HYPERVISOR_xen_version:
		return do_xen_version(a[0], a[1]);
	case __HYPERVISOR_console_io:
		return do_console_io(a[0], a[1], a[2]);
	case __HYPERVISOR_grant_table_op:
		return do_grant_table_op(a[0], a[1], a[2]);
	case __HYPERVISOR_vm_assist:
		return do_vm_assist(a[0], a[1]);
	case __HYPERVISOR_update_va_mapping_otherdomain:
		return do_update_va_mapping_otherdomain(a[0], a[1], a[2],
							a[3]);
	case __HYPERVISOR_vcpu_op:
		return do_vcpu_op(a[0], a[1], a[2]);
	case __HYPERVISOR_set_segment_base:
		return do_set_segment_base(a[0], a[1]);
	case __HYPERVISOR_mmuext_op:
		return do_mmuext_op(a[0], a[1], a[2], a[3]);
	case __HYPERVISOR_sched_op:
		return do_sched_op(a[0], a[1]);
	case __HYPERVISOR_callback_op:
		return do_callback_op(a[0], a[1]);
	case __HYPERVISOR_event_channel_op:
		return do_event_channel_op(a[0], a[1]);
	case __HYPERVISOR_physdev_op:
		return do_physdev_op(a[0], a[1]);
	case __HYPERVISOR_domctl:
		return do_domctl(a[0]);
	case __HYPERVISOR_sysctl:
		return do_sysctl(a[0]);
	default: {
		static uint64_t logged[2];

		if (op < 128 && !(logged[op / 64] & (1ULL << (op % 64)))) {
			logged[op / 64] |= 1ULL << (op % 64);
			pr_warn("%s: hypercall %lu is not implemented "
				"(-ENOSYS)\n", current->domain->name, op);
		}
		return -ENOSYS;
	}
	}
}

/* A hypercall gives the CPU back after this long (see hypercall.h). */
#define HYPERCALL_BUDGET_NS	1000000

static s_time_t hypercall_started;
static struct {
	bool pending;
	unsigned long op, arg0;
} continuation;

bool hypercall_preempt_check(void)
{
	return !in_multicall &&
	       NOW() - hypercall_started > HYPERCALL_BUDGET_NS;
}

long hypercall_continue(unsigned long op, unsigned long arg0)
{
	continuation.pending = true;
	continuation.op = op;
	continuation.arg0 = arg0;
	return 0;
}

/* Debugging aid: log every hypercall of one domain. */
static unsigned long long opt_hypercall_trace = ~0ULL;
uint_param("hypercall_trace", opt_hypercall_trace,
	   "domain id whose hypercalls are logged");

void do_hypercall(struct cpu_regs *regs)
{
	unsigned long args[6] = {
		regs->rdi, regs->rsi, regs->rdx, regs->r10, regs->r8, regs->r9,
	};
	unsigned long op = regs->rax, rip = regs->rip;
	bool trace = current->domain->domain_id == opt_hypercall_trace;

	/* The iret hypercall rewrites the whole frame, %rax included. */
	if (op == __HYPERVISOR_iret) {
		regs->rax = do_iret();
		return;
	}
	hypercall_started = NOW();
	regs->rax = hypercall_dispatch(op, args);
	if (continuation.pending) {
		/* Back to the guest's SYSCALL (0f 05), to be issued again. */
		continuation.pending = false;
		regs->rip -= 2;
		regs->rax = continuation.op;
		regs->rdi = continuation.arg0;
	}
	if (trace)
		printk("%s: hypercall %lu(%#lx, %#lx, %#lx, %#lx) = %ld "
		       "from %#lx\n", current->domain->name, op, args[0],
		       args[1], args[2], args[3], (long)regs->rax, rip);
}
