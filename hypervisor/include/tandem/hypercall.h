/* SPDX-License-Identifier: MIT */
/*
 * Architecture-neutral hypercalls. Arguments arrive as raw 64-bit
 * register values; guest pointers are uint64_t guest virtual addresses
 * and are only dereferenced through copy_from_guest/copy_to_guest.
 */
#ifndef TANDEM_HYPERCALL_H
#define TANDEM_HYPERCALL_H

#include <tandem/types.h>

#define HYPERCALL_MAX_ARGS	6

/* Run hypercall 'op' for the current vCPU (also used by multicall). */
long hypercall_dispatch(unsigned long op, const unsigned long args[6]);

long do_xen_version(int cmd, uint64_t arg);
long do_console_io(int cmd, unsigned int count, uint64_t buffer);
long do_vm_assist(unsigned int cmd, unsigned int type);
long do_multicall(uint64_t calls, unsigned int nr);
long do_sched_op(int cmd, uint64_t arg);
long do_vcpu_op(int cmd, unsigned int vcpuid, uint64_t arg);
long do_set_timer_op(int64_t timeout);
long do_memory_op(unsigned long cmd, uint64_t arg);
long do_grant_table_op(unsigned int cmd, uint64_t uop, unsigned int count);
long do_platform_op(uint64_t op);
long do_domctl(uint64_t op);
long do_sysctl(uint64_t op);

/*
 * Long hypercalls (memory reservations) stop after a time budget and
 * are issued again by the guest, which re-executes its SYSCALL with the
 * progress encoded in the first argument: the CPU goes to other vCPUs
 * and to interrupts in between. Entries of a multicall run to the end.
 *
 * hypercall_preempt_check: the current call has used its budget.
 * hypercall_continue: restart hypercall 'op' with first argument arg0
 * when this one returns (its return value is then ignored).
 */
bool hypercall_preempt_check(void);
long hypercall_continue(unsigned long op, unsigned long arg0);
extern bool in_multicall;

/* Log once per (hypercall, sub-op) that something is not implemented. */
void log_unimplemented(const char *hypercall, long subop);

#endif
