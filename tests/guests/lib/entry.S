/* SPDX-License-Identifier: MIT */
/*
 * Exception, callback and user-mode entry code.
 *
 * The hypervisor enters a 64-bit PV handler with this frame at %rsp,
 * lowest address first: RCX, R11, [error code], RIP, CS, RFLAGS, RSP, SS.
 * The stubs pop RCX and R11 (their values belong to the interrupted
 * code), add a dummy error code where the CPU has none, push the vector
 * and go to a common path that saves the registers as a struct exc_frame
 * (guest.h) and calls exc_handle(). The way back out is the iret
 * hypercall, whose frame is RAX, R11, RCX, flags, RIP, CS, RFLAGS, RSP,
 * SS.
 */
#include <public/xen.h>

#define VEC_EVENT	0x100
#define VEC_SYSCALL	0x101
#define VEC_FAILSAFE	0x102

/* Leave through HYPERVISOR_iret; the "flags" word is already pushed. */
.macro hv_iret
#ifdef USE_HYPERCALL_PAGE
	jmp	hypercall_page + __HYPERVISOR_iret * 32
#else
	push	%rcx
	push	%r11
	push	%rax
	mov	$__HYPERVISOR_iret, %eax
	syscall
	ud2
#endif
.endm

.macro stub name, vec, has_ec
	.globl \name
\name:
	pop	%rcx
	pop	%r11
	.if \has_ec == 0
	push	$0
	.endif
	push	$\vec
	jmp	exc_common
.endm

	.text
	stub exc_entry_0, 0, 0
	stub exc_entry_1, 1, 0
	stub exc_entry_2, 2, 0
	stub exc_entry_3, 3, 0
	stub exc_entry_4, 4, 0
	stub exc_entry_5, 5, 0
	stub exc_entry_6, 6, 0
	stub exc_entry_7, 7, 0
	stub exc_entry_8, 8, 1
	stub exc_entry_9, 9, 0
	stub exc_entry_10, 10, 1
	stub exc_entry_11, 11, 1
	stub exc_entry_12, 12, 1
	stub exc_entry_13, 13, 1
	stub exc_entry_14, 14, 1
	stub exc_entry_15, 15, 0
	stub exc_entry_16, 16, 0
	stub exc_entry_17, 17, 1
	stub exc_entry_18, 18, 0
	stub exc_entry_19, 19, 0
	stub exc_entry_20, 20, 0
	stub exc_entry_21, 21, 1
	stub exc_entry_22, 22, 0
	stub exc_entry_23, 23, 0
	stub exc_entry_24, 24, 0
	stub exc_entry_25, 25, 0
	stub exc_entry_26, 26, 0
	stub exc_entry_27, 27, 0
	stub exc_entry_28, 28, 0
	stub exc_entry_29, 29, 1
	stub exc_entry_30, 30, 1
	stub exc_entry_31, 31, 0
	/* Software interrupts the tests use (int $n, no error code). */
	stub soft_entry_0x20, 0x20, 0
	stub soft_entry_0x80, 0x80, 0
	stub soft_entry_0x81, 0x81, 0
	stub soft_entry_0x82, 0x82, 0
	/* Callbacks: the event and syscall frames carry no error code. */
	stub event_entry, VEC_EVENT, 0
	stub syscall_entry, VEC_SYSCALL, 0
	stub failsafe_entry, VEC_FAILSAFE, 0

exc_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi
	mov	%rsp, %rbx
	and	$~15, %rsp
	call	exc_handle
	mov	%rbx, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp		/* vector, error code */
	push	$0			/* iret flags: full return */
	hv_iret

/*
 * unsigned long __user_exec(user_fn_t fn, unsigned long arg)
 *
 * Switches to user mode with an iret frame (CS and SS with RPL 3, events
 * enabled), runs fn(arg) on user_stack there, and comes back when the
 * user side makes the USER_SYS_EXIT system call: the syscall callback
 * then calls user_return(value), which restores this function's stack.
 */
	.globl __user_exec
__user_exec:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, user_saved_rsp(%rip)
	mov	%rdi, %r12		/* fn, kept across the iret */
	mov	%rsi, %rdi		/* arg */
	push	$FLAT_USER_SS
	lea	user_stack + 16 * 1024(%rip), %rax
	push	%rax
	push	$0x202			/* RFLAGS: IF, bit 1 */
	push	$FLAT_USER_CS
	lea	user_trampoline(%rip), %rax
	push	%rax
	push	$0			/* iret flags */
	hv_iret

/* Runs in user mode. */
user_trampoline:
	call	*%r12
	mov	%rax, %rsi
	mov	$0x7e57e817, %edi	/* USER_SYS_EXIT */
	mov	%rdi, %rax
	syscall
	ud2

/* void user_return(unsigned long value): back into user_exec's caller. */
	.globl user_return
user_return:
	mov	user_saved_rsp(%rip), %rsp
	mov	%rdi, %rax
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret

/*
 * unsigned long user_syscall(nr, arg): from user mode, SYSCALL with %rax
 * = nr and %rdi = arg; the kernel's answer comes back in %rax.
 */
	.globl user_syscall
user_syscall:
	mov	%rdi, %rax
	mov	%rsi, %rdi
	syscall
	ret

	.data
	.balign 8
user_saved_rsp:
	.quad 0

	.section .bss.stack, "aw", @nobits
	.balign 4096
	.globl kernel_stack, user_stack
kernel_stack:
	.skip 16 * 1024
user_stack:
	.skip 16 * 1024
