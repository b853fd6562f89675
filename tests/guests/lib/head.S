/* SPDX-License-Identifier: MIT */
/*
 * Test-guest image header: the Xen ELF notes the domain builder reads,
 * the entry point, the page the builder fills with hypercall stubs (in
 * the -DUSE_HYPERCALL_PAGE build) and the note that lets the builder
 * leave the initrd unmapped (-DUSE_MOD_START_PFN).
 *
 * The image is linked at 1 MiB with VIRT_BASE = PADDR_OFFSET = 0, so the
 * builder maps it at VA == PA, and every page of the initial region has
 * VA == PFN << 12.
 */
#include <public/elfnote.h>

#define BOOT_STACK_SIZE (16 * 1024)

/* A note: 4-byte aligned name "Xen", then the descriptor. */
.macro note_begin type
	.pushsection .note.Xen, "a", @note
	.balign 4
	.long 2f - 1f
	.long 4f - 3f
	.long \type
1:	.asciz "Xen"
2:	.balign 4
3:
.endm

.macro note_end
4:	.balign 4
	.popsection
.endm

	note_begin XEN_ELFNOTE_GUEST_OS
	.asciz "Tandem-test"
	note_end
	note_begin XEN_ELFNOTE_GUEST_VERSION
	.asciz "1"
	note_end
	note_begin XEN_ELFNOTE_LOADER
	.asciz "generic"
	note_end
	note_begin XEN_ELFNOTE_XEN_VERSION
	.asciz "xen-3.0"
	note_end
	note_begin XEN_ELFNOTE_FEATURES
	.asciz "!writable_page_tables|pae_pgdir_above_4gb"
	note_end
	note_begin XEN_ELFNOTE_PAE_MODE
	.asciz "yes"
	note_end
	note_begin XEN_ELFNOTE_VIRT_BASE
	.quad 0
	note_end
	note_begin XEN_ELFNOTE_PADDR_OFFSET
	.quad 0
	note_end
	note_begin XEN_ELFNOTE_ENTRY
	.quad _start
	note_end
#ifdef USE_HYPERCALL_PAGE
	note_begin XEN_ELFNOTE_HYPERCALL_PAGE
	.quad hypercall_page
	note_end
#endif
#ifdef USE_MOD_START_PFN
	/* The initrd may stay unmapped: start_info gives its first PFN. */
	note_begin XEN_ELFNOTE_MOD_START_PFN
	.long 1
	note_end
#endif

	.section .text.head, "ax", @progbits
	.code64
	.globl _start
_start:
	/* %rsi = start_info; everything else is ours to set up. */
	mov	%rsi, start_info(%rip)
	lea	boot_stack + BOOT_STACK_SIZE(%rip), %rsp
	xor	%ebp, %ebp
	mov	%rsi, %rdi
	call	guest_main
1:	ud2
	jmp	1b

#ifdef USE_HYPERCALL_PAGE
	/*
	 * Poisoned with int3 so that an unfilled page is noticed:
	 * guest_main checks the first byte before making any hypercall.
	 */
	.section .text.hcall, "ax", @progbits
	.balign 4096
	.globl hypercall_page
hypercall_page:
	.fill 4096, 1, 0xcc
#endif

	.section .bss.stack, "aw", @nobits
	.balign 4096
	.globl boot_stack
boot_stack:
	.skip BOOT_STACK_SIZE
