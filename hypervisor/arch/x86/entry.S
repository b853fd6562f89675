/* SPDX-License-Identifier: MIT */
/*
 * Entry into and exit from the hypervisor.
 *
 * Every entry builds a struct cpu_regs (asm/regs.h): from a guest it sits
 * at the top of the per-CPU stack (TSS.RSP0 points just above it); from
 * the hypervisor itself it lands wherever the stack was. Guest entries
 * leave through exit_to_guest, which delivers pending work and events
 * before the iretq.
 */
#include <asm/config.h>
#include <asm/regs.h>
#include <asm/x86-defs.h>
#include <public/arch-x86_64.h>

	.text

/* SMAP may be absent, and then clac would fault: test a flag first. */
.macro CLAC
	cmpb	$0, cpu_has_smap(%rip)
	je	1f
	.byte	0x0f, 0x01, 0xca	/* clac */
1:
.endm

.macro SAVE_GPRS
	push	%rdi
	push	%rsi
	push	%rdx
	push	%rcx
	push	%rax
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
.endm

.macro RESTORE_GPRS
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rax
	pop	%rcx
	pop	%rdx
	pop	%rsi
	pop	%rdi
.endm

/* Call a C function with the frame in %rdi and the stack 16-aligned. */
.macro CALL_C fn
	mov	%rsp, %rdi
	sub	$8, %rsp
	call	\fn
	add	$8, %rsp
.endm

/* Exception stubs: make the error-code slot uniform, record the vector. */
.macro EXC_NOERR vec
	.balign 16
	.globl	exc_stub_\vec
exc_stub_\vec:
	pushq	$0
	movl	$\vec, 4(%rsp)
	jmp	handle_exception
.endm

.macro EXC_ERR vec
	.balign 16
	.globl	exc_stub_\vec
exc_stub_\vec:
	movl	$\vec, 4(%rsp)
	jmp	handle_exception
.endm

EXC_NOERR 0
EXC_NOERR 1
EXC_NOERR 2
EXC_NOERR 3
EXC_NOERR 4
EXC_NOERR 5
EXC_NOERR 6
EXC_NOERR 7
EXC_ERR   8
EXC_NOERR 9
EXC_ERR   10
EXC_ERR   11
EXC_ERR   12
EXC_ERR   13
EXC_ERR   14
EXC_NOERR 15
EXC_NOERR 16
EXC_ERR   17
EXC_NOERR 18
EXC_NOERR 19
EXC_NOERR 20
EXC_ERR   21
EXC_NOERR 22
EXC_NOERR 23
EXC_NOERR 24
EXC_NOERR 25
EXC_NOERR 26
EXC_NOERR 27
EXC_NOERR 28
EXC_ERR   29
EXC_ERR   30
EXC_NOERR 31

/* Interrupt stubs for vectors 32-255, each 16 bytes apart. */
	.balign 16
	.globl	irq_stubs
irq_stubs:
	vec = 32
	.rept	224
	.balign 16
	pushq	$0
	movl	$vec, 4(%rsp)
	jmp	handle_interrupt
	vec = vec + 1
	.endr

handle_exception:
	cld
	SAVE_GPRS
	CLAC
	testb	$3, REGS_cs(%rsp)
	jz	1f
	xor	%ebp, %ebp		/* guest %rbp: not a frame of ours */
	CALL_C	do_exception
	jmp	exit_to_guest
1:	CALL_C	do_exception
	jmp	restore_hypervisor

handle_interrupt:
	cld
	SAVE_GPRS
	CLAC
	testb	$3, REGS_cs(%rsp)
	jz	1f
	xor	%ebp, %ebp
	CALL_C	do_interrupt
	jmp	exit_to_guest
1:	CALL_C	do_interrupt
	jmp	restore_hypervisor

restore_hypervisor:
	RESTORE_GPRS
	add	$8, %rsp
	iretq

/*
 * SYSCALL from the guest, kernel or user mode. The CPU left %rsp alone,
 * IF/DF/AC/TF cleared by MSR_SFMASK. Build the frame as if the CPU had
 * pushed it (with the selectors of the mode the guest was in), then
 * hand it to C: a hypercall if the vCPU is in guest-kernel mode, a
 * bounce to the guest's syscall handler otherwise.
 */
.macro SYSCALL_ENTRY name, cs, ss, handler
	.balign 16
	.globl	\name
\name:
	mov	%rsp, cpu0_stack + STACK_SIZE - CPU_INFO_SIZE + CPUINFO_syscall_rsp(%rip)
	lea	cpu0_stack + STACK_SIZE - CPU_INFO_SIZE + REGS_SIZE(%rip), %rsp
	pushq	$\ss
	pushq	cpu0_stack + STACK_SIZE - CPU_INFO_SIZE + CPUINFO_syscall_rsp(%rip)
	push	%r11
	pushq	$\cs
	push	%rcx
	pushq	$0
	movl	$ENTRY_SYSCALL, 4(%rsp)
	SAVE_GPRS
	xor	%ebp, %ebp
	CALL_C	\handler
	jmp	exit_to_guest
.endm

SYSCALL_ENTRY syscall_entry, FLAT_RING3_CS64, FLAT_RING3_SS64, do_syscall
/* From 32-bit compatibility mode (AMD only). */
SYSCALL_ENTRY syscall32_entry, FLAT_RING3_CS32, FLAT_RING3_SS32, do_syscall32

/*
 * Leave for the guest whose frame is at the top of this stack. C does
 * the pending work (softirqs may switch vCPU and never come back here),
 * then we restore and iretq. A fault on the iretq itself (bad selector,
 * non-canonical %rip) is the guest's fault: see bad_iret_fixup.
 */
	.globl	exit_to_guest
exit_to_guest:
	cli
	lea	cpu0_stack + STACK_SIZE - CPU_INFO_SIZE(%rip), %rsp
	CALL_C	prepare_exit_to_guest
	RESTORE_GPRS
	add	$8, %rsp
	.globl	guest_iret
guest_iret:
	iretq

	.globl	bad_iret_fixup
bad_iret_fixup:
	lea	cpu0_stack + STACK_SIZE - CPU_INFO_SIZE(%rip), %rsp
	CALL_C	handle_bad_guest_iret
	jmp	exit_to_guest

/*
 * Discard the stack and continue at fn (%rsi) with arg %rdi. At the
 * per-CPU block %rsp is 8 mod 16, as a called function expects.
 */
	.globl	reset_stack_and_jump
reset_stack_and_jump:
	lea	cpu0_stack + STACK_SIZE - CPU_INFO_SIZE(%rip), %rsp
	xor	%ebp, %ebp
	jmp	*%rsi
