/* SPDX-License-Identifier: MIT */
/*
 * First instructions of the hypervisor. The multiboot loader enters us in
 * 32-bit protected mode with paging off at the physical address of
 * mb_entry. We build just enough page tables to reach long mode at our
 * high virtual address, then hand over to C (start_hypervisor).
 *
 * Early page tables (all in .bss, so zeroed before use):
 *   L4[0]   -> identity map of the first 4 GiB (2 MiB pages), dropped later
 *   L4[261] -> the image: HV_IMAGE_VIRT_BASE + phys, first 1 GiB
 *   L4[262] -> the direct map of the first 4 GiB
 */
#include <asm/config.h>
#include <asm/x86-defs.h>
#include <asm/regs.h>

#define PHYS(sym)	((sym) - HV_IMAGE_VIRT_BASE)

#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00010003	/* page-aligned modules, mem info, addrs */
#define MB_BOOT_MAGIC	0x2badb002

	.section .text.head, "ax", @progbits
	.code32

	.globl mb_header
	.balign 4
mb_header:
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)
	.long	PHYS(mb_header)		/* header_addr */
	.long	PHYS(_start)		/* load_addr */
	.long	PHYS(_edata)		/* load_end_addr */
	.long	PHYS(_end)		/* bss_end_addr */
	.long	PHYS(mb_entry)		/* entry_addr */

/* Print the NUL-terminated string at %esi on COM1, then stop. */
early_fail32:
	mov	$0x3f8 + 5, %dx
1:	in	%dx, %al
	test	$0x20, %al
	jz	1b
	mov	$0x3f8, %dx
	lodsb
	test	%al, %al
	jz	2f
	out	%al, %dx
	jmp	early_fail32
2:	hlt
	jmp	2b

	.globl mb_entry
mb_entry:
	cli
	cld
	mov	%ebx, %ebp		/* multiboot info (physical) */
	mov	$PHYS(boot_stack_top), %esp

	mov	$PHYS(msg_not_multiboot), %esi
	cmp	$MB_BOOT_MAGIC, %eax
	jne	early_fail32

	/* Long mode is the one CPU feature we cannot do without. */
	mov	$PHYS(msg_no_long_mode), %esi
	mov	$0x80000000, %eax
	cpuid
	cmp	$0x80000001, %eax
	jb	early_fail32
	mov	$0x80000001, %eax
	cpuid
	bt	$29, %edx
	jnc	early_fail32
	mov	%edx, %ebx		/* keep: bit 20 = NX */

	/* Zero .bss (the boot stack too: nothing is on it yet). */
	mov	$PHYS(__bss_start), %edi
	mov	$PHYS(__bss_end), %ecx
	sub	%edi, %ecx
	shr	$2, %ecx
	xor	%eax, %eax
	rep stosl

	/* L2: 2048 entries of 2 MiB covering 0-4 GiB. */
	mov	$PHYS(boot_l2), %edx
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$21, %eax
	or	$(PTE_P | PTE_RW | PTE_PS), %eax
	mov	%eax, (%edx, %ecx, 8)
	inc	%ecx
	cmp	$2048, %ecx
	jne	1b

	/* L3 identity/direct: four entries, one per L2 page. */
	mov	$PHYS(boot_l3_ident), %edx
	mov	$PHYS(boot_l2) + (PTE_P | PTE_RW), %eax
	mov	%eax, 0(%edx)
	add	$PAGE_SIZE, %eax
	mov	%eax, 8(%edx)
	add	$PAGE_SIZE, %eax
	mov	%eax, 16(%edx)
	add	$PAGE_SIZE, %eax
	mov	%eax, 24(%edx)

	/* L3 image: the first GiB. */
	mov	$PHYS(boot_l2) + (PTE_P | PTE_RW), %eax
	mov	%eax, PHYS(boot_l3_image)

	/* L4. */
	mov	$PHYS(boot_l4), %edx
	mov	$PHYS(boot_l3_ident) + (PTE_P | PTE_RW), %eax
	mov	%eax, 0(%edx)
	mov	%eax, (DIRECTMAP_SLOT * 8)(%edx)
	mov	$PHYS(boot_l3_image) + (PTE_P | PTE_RW), %eax
	mov	%eax, (HV_IMAGE_SLOT * 8)(%edx)

	/* PAE + long mode + paging, with write protection honoured in ring 0. */
	mov	%cr4, %eax
	or	$(CR4_PAE | CR4_PGE), %eax
	mov	%eax, %cr4
	mov	$PHYS(boot_l4), %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	bt	$20, %ebx
	jnc	2f
	or	$EFER_NXE, %eax
2:	wrmsr
	mov	%cr0, %eax
	or	$(CR0_PG | CR0_WP | CR0_PE), %eax
	mov	%eax, %cr0

	lgdt	PHYS(boot_gdt_ptr)
	ljmp	$0x08, $PHYS(long_entry_low)

	.code64
long_entry_low:
	movabs	$long_entry_high, %rax
	jmp	*%rax

long_entry_high:
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs

	/* cpu0's stack; its top holds the per-CPU block (struct cpu_info). */
	lea	cpu0_stack(%rip), %rsp
	add	$STACK_SIZE - CPU_INFO_SIZE, %rsp

	mov	%ebp, %edi		/* multiboot info, physical */
	xor	%ebp, %ebp		/* ends backtraces */
	call	start_hypervisor
	ud2

	.section .rodata, "a", @progbits
msg_not_multiboot:
	.asciz	"tandem: not started by a multiboot loader; stopping.\r\n"
msg_no_long_mode:
	.asciz	"tandem: this CPU has no 64-bit long mode; stopping.\r\n"

	.balign 8
boot_gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit ring-0 code */
	.quad	0x00cf92000000ffff	/* 0x10: ring-0 data */
boot_gdt_end:
boot_gdt_ptr:
	.word	boot_gdt_end - boot_gdt - 1
	.quad	PHYS(boot_gdt)

	.section .bss.page_aligned, "aw", @nobits
	.balign PAGE_SIZE
	.globl boot_l4
boot_l4:
	.skip	PAGE_SIZE
boot_l3_ident:
	.skip	PAGE_SIZE
boot_l3_image:
	.skip	PAGE_SIZE
boot_l2:
	.skip	4 * PAGE_SIZE
	.balign STACK_SIZE
	.globl cpu0_stack
cpu0_stack:
	.skip	STACK_SIZE
boot_stack_top = cpu0_stack + STACK_SIZE - CPU_INFO_SIZE
