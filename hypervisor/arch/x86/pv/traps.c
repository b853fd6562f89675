// SPDX-License-Identifier: MIT
/*
 * Delivering exceptions, system calls and events to a PV guest kernel.
 *
 * The guest kernel runs in ring 3 like its user space; "kernel mode" is
 * our flag plus a page-table switch. To deliver anything we build a
 * "bounce frame" on the guest kernel's stack and resume the guest at its
 * handler:
 *
 *   rsp+0   RCX          (the guest handler pops these two first)
 *   rsp+8   R11
 *   [rsp+16 error code]
 *           RIP
 *           CS           (bits 32-39: the saved event mask; RPL 0 if
 *                         the guest kernel was interrupted)
 *           RFLAGS       (IF = events were enabled)
 *           RSP
 *           SS
 *
 * The guest returns with the iret hypercall, which undoes all of it.
 */
#include <tandem/console.h>
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/event.h>
#include <tandem/lib.h>
#include <tandem/sched.h>
#include <tandem/softirq.h>
#include <asm/paging.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/traps.h>
#include <public/callback.h>

static const bool vector_has_error_code[X86_NR_EXCEPTIONS] = {
	[X86_EXC_DF] = true, [X86_EXC_TS] = true, [X86_EXC_NP] = true,
	[X86_EXC_SS] = true, [X86_EXC_GP] = true, [X86_EXC_PF] = true,
	[X86_EXC_AC] = true, [X86_EXC_CP] = true, [29] = true, [30] = true,
};

static const char *const vector_names[X86_NR_EXCEPTIONS] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#09",
	"#TS", "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM",
	"#VE", "#CP",
};

static const char *vector_name(unsigned int v)
{
	return v < X86_NR_EXCEPTIONS && vector_names[v] ? vector_names[v] :
	       "exception";
}

/* What a guest crash report shows: registers and the top of its stack. */
static void show_guest_state(struct vcpu *v, const struct cpu_regs *r)
{
	uint64_t stack[8];

	printk("  %s vCPU %u in guest %s mode: rip %#lx rsp %#lx rflags "
	       "%#lx\n", v->domain->name, v->vcpu_id,
	       v->arch.kernel_mode ? "kernel" : "user", r->rip, r->rsp,
	       r->rflags);
	printk("  rax %#lx rbx %#lx rcx %#lx rdx %#lx rsi %#lx rdi %#lx\n",
	       r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi);
	if (!copy_from_guest(stack, r->rsp, sizeof(stack)))
		printk("  stack: %#lx %#lx %#lx %#lx %#lx %#lx %#lx %#lx\n",
		       stack[0], stack[1], stack[2], stack[3], stack[4],
		       stack[5], stack[6], stack[7]);
}

void toggle_guest_mode(struct vcpu *v)
{
	/* The active GS base belongs to the mode we leave: swap it out. */
	__asm__ __volatile__("swapgs" : : : "memory");
	v->arch.kernel_mode = !v->arch.kernel_mode;
	write_cr3((v->arch.kernel_mode ? v->arch.guest_table :
		   v->arch.guest_table_user) << PAGE_SHIFT);
	if (v->arch.kernel_mode && v->arch.runstate_update_pending)
		v->arch.runstate_update_pending =
			!sched_update_runstate_area(v);
}

/*
 * Build the frame and point the guest at handler. Returns false (and
 * crashes the domain) if the guest cannot take it.
 */
static bool create_bounce_frame(struct vcpu *v, struct cpu_regs *regs,
				unsigned long handler, bool mask_events,
				int error_code, const char *what)
{
	struct vcpu_info *vi = v->vcpu_info;
	uint8_t saved_mask = vi->evtchn_upcall_mask;
	uint64_t frame[8], cs = regs->cs, rflags;
	unsigned long sp;
	unsigned int n = 0;

	if (!handler) {
		show_guest_state(v, regs);
		domain_crash(v->domain, "%s at rip %#lx with no handler "
			     "registered", what, regs->rip);
		return false;
	}
	if (v->arch.kernel_mode) {
		sp = regs->rsp;
		cs &= ~3UL;	/* tell the guest it interrupted its kernel */
	} else {
		if (!v->arch.kernel_sp) {
			domain_crash(v->domain, "%s in user mode before "
				     "stack_switch set a kernel stack", what);
			return false;
		}
		toggle_guest_mode(v);
		sp = v->arch.kernel_sp;
	}
	sp &= ~0xfUL;

	rflags = regs->rflags & ~(RFLAGS_IF | RFLAGS_IOPL);
	if (!saved_mask)
		rflags |= RFLAGS_IF;
	if (v->domain->arch.vm_assist & (1UL << VMASST_TYPE_architectural_iopl))
		rflags |= (uint64_t)v->arch.iopl << 12;

	frame[n++] = regs->rcx;
	frame[n++] = regs->r11;
	if (error_code != NO_ERROR_CODE)
		frame[n++] = (uint32_t)error_code;
	frame[n++] = regs->rip;
	frame[n++] = (cs & 0xffff) | ((uint64_t)saved_mask << 32);
	frame[n++] = rflags;
	frame[n++] = regs->rsp;
	frame[n++] = regs->ss;
	sp -= n * sizeof(uint64_t);

	if (copy_to_guest(sp, frame, n * sizeof(uint64_t))) {
		domain_crash(v->domain, "%s at rip %#lx: cannot write the "
			     "exception frame at kernel stack %#lx", what,
			     regs->rip, sp);
		return false;
	}
	if (mask_events)
		vi->evtchn_upcall_mask = 1;

	regs->rflags &= ~(RFLAGS_AC | RFLAGS_VM | RFLAGS_RF | RFLAGS_NT |
			  RFLAGS_TF);
	regs->rflags |= RFLAGS_IF;	/* real IF stays on in the guest */
	regs->ss = FLAT_KERNEL_SS;
	regs->rsp = sp;
	regs->cs = FLAT_KERNEL_CS;
	regs->rip = handler;
	return true;
}

void pv_inject_exception(struct vcpu *v, unsigned int vector, int error_code)
{
	struct pending_trap *t = &v->arch.trap;

	t->pending = true;
	t->vector = vector;
	t->has_error_code = error_code != NO_ERROR_CODE;
	t->error_code = error_code;
}

void pv_inject_page_fault(struct vcpu *v, unsigned long addr, uint32_t ec)
{
	v->vcpu_info->arch.cr2 = addr;
	/* The guest sees U/S as "fault from guest user mode". */
	if (v->arch.kernel_mode)
		ec &= ~PFEC_USER;
	else
		ec |= PFEC_USER;
	pv_inject_exception(v, X86_EXC_PF, ec);
}

static void deliver_pending_trap(struct vcpu *v, struct cpu_regs *regs)
{
	struct pending_trap *t = &v->arch.trap;
	const struct trap_info *ti = &v->arch.traps[t->vector];
	char what[64];

	t->pending = false;
	if (t->vector == X86_EXC_PF && !ti->address)
		pv_show_guest_walk(v, v->vcpu_info->arch.cr2);
	if (t->vector == X86_EXC_PF)
		snprintf(what, sizeof(what), "%s (error %#x, address %#lx)",
			 vector_name(t->vector), t->error_code,
			 (unsigned long)v->vcpu_info->arch.cr2);
	else if (t->has_error_code)
		snprintf(what, sizeof(what), "%s (error %#x)",
			 vector_name(t->vector), t->error_code);
	else
		snprintf(what, sizeof(what), "%s", vector_name(t->vector));
	create_bounce_frame(v, regs, ti->address,
			    ti->flags & TI_FLAG_MASK_EVENTS,
			    t->has_error_code ? (int)t->error_code :
			    NO_ERROR_CODE, what);
}

/* A guest "int $n": allowed if the virtual IDT entry's DPL permits it. */
static bool emulate_soft_int(struct vcpu *v, struct cpu_regs *regs,
			     unsigned int n)
{
	const struct trap_info *ti = &v->arch.traps[n];
	unsigned int cpl = v->arch.kernel_mode ? 1 : 3;

	if (!ti->address || (ti->flags & TI_FLAG_DPL_MASK) < cpl)
		return false;
	regs->rip += 2;		/* past "int imm8" */
	pv_inject_exception(v, n, NO_ERROR_CODE);
	return true;
}

void pv_do_guest_exception(struct cpu_regs *regs)
{
	struct vcpu *v = current;
	unsigned int vec = regs->entry_vector;
	int ec = vector_has_error_code[vec] ? (int)regs->error_code :
		 NO_ERROR_CODE;

	switch (vec) {
	case X86_EXC_PF: {
		unsigned long addr = read_cr2();

		if (pv_handle_page_fault(v, regs, addr))
			return;
		pv_inject_page_fault(v, addr, regs->error_code);
		return;
	}
	case X86_EXC_GP: {
		uint8_t insn[2];

		if (regs->error_code == 0 && pv_emulate_privileged_op(regs))
			return;
		/*
		 * IDT-sourced #GP: a software interrupt our ring-0 gate
		 * refused. Take the vector from the "int imm8" itself (some
		 * CPU models encode the error code differently) and report
		 * the architectural error code if the guest gets the #GP.
		 */
		if ((regs->error_code & 3) == 2 &&
		    !copy_from_guest(insn, regs->rip, sizeof(insn)) &&
		    insn[0] == 0xcd) {
			if (emulate_soft_int(v, regs, insn[1]))
				return;
			ec = (insn[1] << 3) | 2;
		}
		break;
	}
	case X86_EXC_UD:
		if (pv_emulate_forced_op(regs))
			return;
		break;
	case X86_EXC_NM:
		if (!v->arch.fpu_virtual_ts)
			return;	/* stale real TS: nothing for the guest */
		v->arch.fpu_virtual_ts = false;
		__asm__ __volatile__("clts");
		break;
	case X86_EXC_DB:
		debugreg_note_trap(v);
		break;
	case X86_EXC_NMI:
	case X86_EXC_MC:
		pr_warn("%s while running %s\n", vector_name(vec),
			v->domain->name);
		return;
	case X86_EXC_DF:
		panic("double fault while running %s", v->domain->name);
	default:
		break;
	}
	pv_inject_exception(v, vec, ec);
}

void do_syscall(struct cpu_regs *regs)
{
	struct vcpu *v = current;

	if (v->arch.kernel_mode) {
		do_hypercall(regs);
		return;
	}
	if (!v->arch.syscall_callback) {
		/* No handler: SYSCALL is an invalid opcode for this guest. */
		regs->rip -= 2;
		pv_inject_exception(v, X86_EXC_UD, NO_ERROR_CODE);
		return;
	}
	if (create_bounce_frame(v, regs, v->arch.syscall_callback,
				v->arch.syscall_masks_events, NO_ERROR_CODE,
				"syscall"))
		regs->rflags &= ~RFLAGS_DF;
}

void do_syscall32(struct cpu_regs *regs)
{
	struct vcpu *v = current;

	if (v->arch.kernel_mode || !v->arch.syscall32_callback) {
		regs->rip -= 2;
		pv_inject_exception(v, X86_EXC_UD, NO_ERROR_CODE);
		return;
	}
	if (create_bounce_frame(v, regs, v->arch.syscall32_callback,
				v->arch.syscall_masks_events, NO_ERROR_CODE,
				"32-bit syscall"))
		regs->rflags &= ~RFLAGS_DF;
}

/*
 * Last stop before the iretq: run deferred work, then deliver whatever
 * the guest has waiting. Interrupts stay off throughout.
 */
void prepare_exit_to_guest(struct cpu_regs *regs)
{
	for (;;) {
		struct vcpu *v;
		struct vcpu_info *vi;

		if (softirq_pending()) {
			do_softirqs();
			continue;
		}
		v = current;
		if (!vcpu_runnable(v)) {
			raise_softirq(SOFTIRQ_SCHEDULE);
			continue;
		}
		if (v->arch.trap.pending) {
			deliver_pending_trap(v, regs);
			continue;
		}
		vi = v->vcpu_info;
		if (vi->evtchn_upcall_pending && !vi->evtchn_upcall_mask &&
		    v->arch.event_callback) {
			create_bounce_frame(v, regs, v->arch.event_callback,
					    true, NO_ERROR_CODE, "event");
			continue;
		}
		break;
	}
}

/*
 * The iretq to the guest faulted: its frame holds a bad selector or a
 * non-canonical address. Use the failsafe callback if there is one.
 */
void handle_bad_guest_iret(struct cpu_regs *regs)
{
	struct vcpu *v = current;

	if (v->arch.failsafe_callback && v->arch.kernel_mode &&
	    is_canonical(v->arch.failsafe_callback)) {
		regs->cs = FLAT_KERNEL_CS;
		regs->ss = FLAT_KERNEL_SS;
		create_bounce_frame(v, regs, v->arch.failsafe_callback,
				    v->arch.failsafe_masks_events,
				    NO_ERROR_CODE, "failsafe");
		return;
	}
	domain_crash(v->domain, "invalid return frame (cs %#lx, rip %#lx, "
		     "ss %#lx, rsp %#lx)", regs->cs, regs->rip, regs->ss,
		     regs->rsp);
}

long do_iret(void)
{
	struct cpu_regs *regs = guest_cpu_regs();
	struct vcpu *v = current;
	struct iret_context ic;

	if (copy_from_guest(&ic, regs->rsp, sizeof(ic))) {
		domain_crash(v->domain, "iret: cannot read the return frame "
			     "at %#lx", regs->rsp);
		return 0;
	}
	if ((ic.cs & 3) == 3) {
		if (v->arch.guest_table_user == INVALID_MFN) {
			domain_crash(v->domain, "iret to user mode without "
				     "user page tables");
			return 0;
		}
		toggle_guest_mode(v);
	}
	if (v->domain->arch.vm_assist & (1UL << VMASST_TYPE_architectural_iopl))
		v->arch.iopl = (ic.rflags & RFLAGS_IOPL) >> 12;

	regs->rip = ic.rip;
	regs->cs = ic.cs | 3;
	regs->rflags = (ic.rflags & ~(RFLAGS_IOPL | RFLAGS_VM | RFLAGS_VIF |
				      RFLAGS_VIP)) | RFLAGS_IF | RFLAGS_MBS;
	regs->rflags &= 0x3f7fd7;	/* architectural bits only */
	regs->rsp = ic.rsp;
	regs->ss = ic.ss | 3;
	if (!(ic.flags & VGCF_in_syscall)) {
		regs->r11 = ic.r11;
		regs->rcx = ic.rcx;
	}
	v->vcpu_info->evtchn_upcall_mask = !(ic.rflags & RFLAGS_IF);
	return ic.rax;
}

long do_set_trap_table(uint64_t traps)
{
	struct vcpu *v = current;
	struct trap_info ti;

	if (!traps) {
		memset(v->arch.traps, 0, sizeof(v->arch.traps));
		return 0;
	}
	/* A list ending with a zero address; at most one entry per vector. */
	for (unsigned int i = 0; i < 256; i++) {
		if (copy_from_guest(&ti, traps + i * sizeof(ti), sizeof(ti)))
			return -EFAULT;
		if (!ti.address)
			return 0;
		if (!is_canonical(ti.address))
			return -EINVAL;
		v->arch.traps[ti.vector] = ti;
	}
	return 0;
}

static long register_callback(struct vcpu *v,
			      const struct callback_register *cb)
{
	bool mask = cb->flags & CALLBACKF_mask_events;

	if (!is_canonical(cb->address) || !guest_range_ok(cb->address, 1))
		return -EINVAL;
	switch (cb->type) {
	case CALLBACKTYPE_event:
		v->arch.event_callback = cb->address;
		return 0;
	case CALLBACKTYPE_failsafe:
		v->arch.failsafe_callback = cb->address;
		v->arch.failsafe_masks_events = mask;
		return 0;
	case CALLBACKTYPE_syscall:
		v->arch.syscall_callback = cb->address;
		v->arch.syscall_masks_events = mask;
		return 0;
	case CALLBACKTYPE_syscall32:
		v->arch.syscall32_callback = cb->address;
		return 0;
	case CALLBACKTYPE_sysenter:
		v->arch.sysenter_callback = cb->address;
		return 0;
	case CALLBACKTYPE_nmi:
		v->arch.nmi_callback = cb->address;
		return 0;
	default:
		return -ENOSYS;
	}
}

long do_callback_op(int cmd, uint64_t arg)
{
	struct vcpu *v = current;

	switch (cmd) {
	case CALLBACKOP_register: {
		struct callback_register cb;

		if (copy_from_guest(&cb, arg, sizeof(cb)))
			return -EFAULT;
		return register_callback(v, &cb);
	}
	case CALLBACKOP_unregister: {
		struct callback_unregister cb;

		if (copy_from_guest(&cb, arg, sizeof(cb)))
			return -EFAULT;
		/* As in Xen: only the NMI callback may be taken away. */
		switch (cb.type) {
		case CALLBACKTYPE_nmi:
			v->arch.nmi_callback = 0;
			return 0;
		case CALLBACKTYPE_event:
		case CALLBACKTYPE_failsafe:
		case CALLBACKTYPE_syscall:
		case CALLBACKTYPE_syscall32:
		case CALLBACKTYPE_sysenter:
			return -EINVAL;
		default:
			return -ENOSYS;
		}
	}
	default:
		pr_once(LOG_WARN, "callback_op %d not implemented\n", cmd);
		return -ENOSYS;
	}
}

/* The old interface: three registrations with no flags (Xen's rules). */
long do_set_callbacks(unsigned long event, unsigned long failsafe,
		      unsigned long syscall)
{
	struct vcpu *v = current;
	const struct callback_register cbs[] = {
		{ .type = CALLBACKTYPE_event, .address = event },
		{ .type = CALLBACKTYPE_failsafe, .address = failsafe },
		{ .type = CALLBACKTYPE_syscall, .address = syscall },
	};

	/* A bad address leaves that callback as it was, like Xen. */
	for (unsigned int i = 0; i < ARRAY_SIZE(cbs); i++)
		register_callback(v, &cbs[i]);
	return 0;
}

long do_stack_switch(unsigned long ss, unsigned long sp)
{
	struct vcpu *v = current;

	if (!guest_range_ok(sp - 1, 1))
		return -EINVAL;
	v->arch.kernel_ss = ss | 3;
	v->arch.kernel_sp = sp;
	return 0;
}

long do_fpu_taskswitch(int set)
{
	struct vcpu *v = current;

	v->arch.fpu_virtual_ts = set;
	if (set)
		write_cr0(read_cr0() | CR0_TS);
	else
		__asm__ __volatile__("clts");
	return 0;
}

long do_set_segment_base(unsigned int which, unsigned long base)
{
	int rc = 0;

	switch (which) {
	case SEGBASE_FS:
		if (!is_canonical(base))
			return -EINVAL;
		wrmsr(MSR_FS_BASE, base);
		break;
	case SEGBASE_GS_USER:
		/* In guest-kernel mode the user GS base is the inactive one. */
		if (!is_canonical(base))
			return -EINVAL;
		wrmsr(MSR_KERNEL_GS_BASE, base);
		break;
	case SEGBASE_GS_KERNEL:
		if (!is_canonical(base))
			return -EINVAL;
		wrmsr(MSR_GS_BASE, base);
		break;
	case SEGBASE_GS_USER_SEL: {
		/* Load the user %gs selector without losing the kernel base. */
		uint16_t sel = base & 0xffff;

		if (sel && (sel & 3) != 3)
			sel |= 3;
		__asm__ __volatile__("swapgs\n\t"
				     "1: movw %w1, %%gs\n\t"
				     "2: swapgs\n\t"
				     ".pushsection .text.fixup, \"ax\"\n"
				     "3: xorl %0, %0\n\t"
				     "movw %w0, %%gs\n\t"
				     "movl %2, %0\n\t"
				     "jmp 2b\n\t"
				     ".popsection\n\t"
				     _ASM_EXTABLE(1b, 3b)
				     : "+r"(rc) : "r"(sel), "i"(-EINVAL)
				     : "memory");
		break;
	}
	default:
		return -EINVAL;
	}
	return rc;
}
