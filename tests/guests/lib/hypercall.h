/* SPDX-License-Identifier: MIT */
/*
 * Hypercall wrappers. The default build enters the hypervisor with a raw
 * SYSCALL from guest-kernel mode (number in %rax, arguments in %rdi, %rsi,
 * %rdx, %r10, %r8), as current Linux kernels do. Built with
 * -DUSE_HYPERCALL_PAGE, it calls stub N of the hypercall page that the
 * domain builder filled in instead. Either way %rcx and %r11 are lost,
 * and the argument registers are treated as clobbered too.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>
#include <public/xen.h>
#include <public/sched.h>
#include <public/vcpu.h>
#include <public/event_channel.h>
#include <public/grant_table.h>
#include <public/memory.h>
#include <public/version.h>
#include <public/callback.h>
#include <public/physdev.h>

#ifdef USE_HYPERCALL_PAGE
extern uint8_t hypercall_page[4096];
#define HCALL_INSN	"call *%[stub]"
#define HCALL_STUB(nr)	, [stub] "r"(hypercall_page + (nr) * 32)
#else
#define HCALL_INSN	"syscall"
#define HCALL_STUB(nr)
#endif

/* Any hypercall by number, with up to five arguments. */
static inline long hypercall5(unsigned long nr, unsigned long a1,
			      unsigned long a2, unsigned long a3,
			      unsigned long a4, unsigned long a5)
{
	register unsigned long r10 asm("r10") = a4;
	register unsigned long r8 asm("r8") = a5;
	register unsigned long r9 asm("r9") = 0;
	unsigned long rax = nr;

	asm volatile(HCALL_INSN
		     : "+a"(rax), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10),
		       "+r"(r8), "+r"(r9)
		     : "i"(0) HCALL_STUB(nr)
		     : "rcx", "r11", "memory");
	return (long)rax;
}

#define hypercall0(nr)			hypercall5(nr, 0, 0, 0, 0, 0)
#define hypercall1(nr, a)		hypercall5(nr, (unsigned long)(a), \
						   0, 0, 0, 0)
#define hypercall2(nr, a, b)		hypercall5(nr, (unsigned long)(a), \
						   (unsigned long)(b), 0, 0, 0)
#define hypercall3(nr, a, b, c)		hypercall5(nr, (unsigned long)(a),\
						   (unsigned long)(b),	\
						   (unsigned long)(c), 0, 0)
#define hypercall4(nr, a, b, c, d)	hypercall5(nr, (unsigned long)(a), \
						   (unsigned long)(b),	\
						   (unsigned long)(c),	\
						   (unsigned long)(d), 0)

static inline long hv_set_trap_table(const struct trap_info *traps)
{
	return hypercall1(__HYPERVISOR_set_trap_table, traps);
}

static inline long hv_mmu_update(const struct mmu_update *req,
				 unsigned int count, unsigned int *done,
				 unsigned int foreigndom)
{
	return hypercall4(__HYPERVISOR_mmu_update, req, count, done,
			  foreigndom);
}

static inline long hv_set_gdt(const uint64_t *frames, unsigned int entries)
{
	return hypercall2(__HYPERVISOR_set_gdt, frames, entries);
}

static inline long hv_set_callbacks(unsigned long event,
				    unsigned long failsafe,
				    unsigned long syscall)
{
	return hypercall3(__HYPERVISOR_set_callbacks, event, failsafe,
			  syscall);
}

static inline long hv_stack_switch(unsigned long ss, unsigned long sp)
{
	return hypercall2(__HYPERVISOR_stack_switch, ss, sp);
}

static inline long hv_fpu_taskswitch(int set)
{
	return hypercall1(__HYPERVISOR_fpu_taskswitch, set);
}

static inline long hv_platform_op(void *op)
{
	return hypercall1(__HYPERVISOR_platform_op, op);
}

static inline long hv_set_debugreg(int reg, unsigned long value)
{
	return hypercall2(__HYPERVISOR_set_debugreg, reg, value);
}

static inline long hv_get_debugreg(int reg)
{
	return hypercall1(__HYPERVISOR_get_debugreg, reg);
}

static inline long hv_update_descriptor(uint64_t maddr, uint64_t desc)
{
	return hypercall2(__HYPERVISOR_update_descriptor, maddr, desc);
}

static inline long hv_memory_op(unsigned int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_memory_op, cmd, arg);
}

static inline long hv_multicall(struct multicall_entry *calls,
				unsigned int nr)
{
	return hypercall2(__HYPERVISOR_multicall, calls, nr);
}

static inline long hv_update_va_mapping(unsigned long va, uint64_t pte,
					unsigned long flags)
{
	return hypercall3(__HYPERVISOR_update_va_mapping, va, pte, flags);
}

static inline long hv_update_va_mapping_otherdomain(unsigned long va,
						    uint64_t pte,
						    unsigned long flags,
						    domid_t dom)
{
	return hypercall4(__HYPERVISOR_update_va_mapping_otherdomain, va,
			  pte, flags, dom);
}

static inline long hv_set_timer_op(uint64_t timeout_ns)
{
	return hypercall1(__HYPERVISOR_set_timer_op, timeout_ns);
}

static inline long hv_xen_version(int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_xen_version, cmd, arg);
}

static inline long hv_console_io(int cmd, unsigned int count, void *buf)
{
	return hypercall3(__HYPERVISOR_console_io, cmd, count, buf);
}

static inline long hv_physdev_op(int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_physdev_op, cmd, arg);
}

static inline long hv_grant_table_op(unsigned int cmd, void *uop,
				     unsigned int count)
{
	return hypercall3(__HYPERVISOR_grant_table_op, cmd, uop, count);
}

static inline long hv_vm_assist(unsigned int cmd, unsigned int type)
{
	return hypercall2(__HYPERVISOR_vm_assist, cmd, type);
}

static inline long hv_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	return hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpu, arg);
}

static inline long hv_set_segment_base(unsigned int which,
				       unsigned long base)
{
	return hypercall2(__HYPERVISOR_set_segment_base, which, base);
}

static inline long hv_mmuext_op(const struct mmuext_op *op,
				unsigned int count, unsigned int *done,
				unsigned int foreigndom)
{
	return hypercall4(__HYPERVISOR_mmuext_op, op, count, done,
			  foreigndom);
}

static inline long hv_sched_op(int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_sched_op, cmd, arg);
}

static inline long hv_callback_op(int cmd, const void *arg)
{
	return hypercall2(__HYPERVISOR_callback_op, cmd, arg);
}

static inline long hv_event_channel_op(int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_event_channel_op, cmd, arg);
}

static inline long hv_sysctl(void *arg)
{
	return hypercall1(__HYPERVISOR_sysctl, arg);
}

static inline long hv_domctl(void *arg)
{
	return hypercall1(__HYPERVISOR_domctl, arg);
}

/* Small conveniences built on the above. */

static inline long hv_yield(void)
{
	return hv_sched_op(SCHEDOP_yield, 0);
}

static inline long hv_block(void)
{
	return hv_sched_op(SCHEDOP_block, 0);
}

static inline long hv_shutdown(unsigned int reason)
{
	struct sched_shutdown s = { .reason = reason };

	return hv_sched_op(SCHEDOP_shutdown, &s);
}

static inline long hv_evtchn_send(evtchn_port_t port)
{
	struct evtchn_send s = { .port = port };

	return hv_event_channel_op(EVTCHNOP_send, &s);
}

static inline long hv_evtchn_close(evtchn_port_t port)
{
	struct evtchn_close c = { .port = port };

	return hv_event_channel_op(EVTCHNOP_close, &c);
}

static inline long hv_evtchn_unmask(evtchn_port_t port)
{
	struct evtchn_unmask u = { .port = port };

	return hv_event_channel_op(EVTCHNOP_unmask, &u);
}

static inline long hv_mmuext1(unsigned int cmd, uint64_t arg1)
{
	struct mmuext_op op = { .cmd = cmd, .arg1.mfn = arg1 };

	return hv_mmuext_op(&op, 1, 0, DOMID_SELF);
}

static inline long hv_mmu_update1(uint64_t ptr, uint64_t val)
{
	struct mmu_update u = { .ptr = ptr, .val = val };

	return hv_mmu_update(&u, 1, 0, DOMID_SELF);
}

#endif /* GUEST_HYPERCALL_H */
