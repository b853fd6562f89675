/* SPDX-License-Identifier: MIT */
/*
 * Link map of the hypervisor image. Virtual addresses are
 * HV_IMAGE_VIRT_BASE + physical; the image is loaded at HV_LOAD_PHYS.
 *
 * Order matters: text, data, then read-only data with the symbol table
 * last, then bss. The build links twice to embed the symbol table; as it
 * is the last loaded section, its size changes nothing before it, so the
 * code addresses it lists stay true.
 */
#include <asm/config.h>

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(mb_entry)

PHDRS
{
	text PT_LOAD FLAGS(5);
	data PT_LOAD FLAGS(6);
	rodata PT_LOAD FLAGS(4);
	bss PT_LOAD FLAGS(6);
}

SECTIONS
{
	. = HV_IMAGE_VIRT_BASE + HV_LOAD_PHYS;
	_start = .;

	.text : AT(ADDR(.text) - HV_IMAGE_VIRT_BASE) {
		_stext = .;
		*(.text.head)
		*(.text .text.*)
		_etext = .;
	} :text

	. = ALIGN(PAGE_SIZE);
	.data : AT(ADDR(.data) - HV_IMAGE_VIRT_BASE) {
		_sdata = .;
		*(.data.page_aligned)
		*(.data.read_mostly)
		. = ALIGN(8);
		__start_params = .;
		*(.data.rel.ro.params)
		__stop_params = .;
		*(.data .data.*)
		_edata_rw = .;
	} :data

	. = ALIGN(PAGE_SIZE);
	.rodata : AT(ADDR(.rodata) - HV_IMAGE_VIRT_BASE) {
		_srodata = .;
		*(.rodata .rodata.*)
		. = ALIGN(8);
		*(.got .got.plt .igot.plt)
		__start_ex_table = .;
		*(.ex_table)
		__stop_ex_table = .;
		. = ALIGN(8);
		*(.hv_symbols)
		_erodata = .;
	} :rodata
	_edata = .;

	. = ALIGN(PAGE_SIZE);
	.bss : AT(ADDR(.bss) - HV_IMAGE_VIRT_BASE) {
		__bss_start = .;
		*(.bss.page_aligned)
		*(.bss .bss.*)
		*(COMMON)
		. = ALIGN(PAGE_SIZE);
		__bss_end = .;
	} :bss
	_end = .;

	/* A static image has no dynamic relocations or PLT; prove it. */
	.norela (NOLOAD) : { *(.rela.*) *(.iplt) }
	ASSERT(SIZEOF(.norela) == 0, "unexpected PLT or dynamic relocations")

	.debug_info 0 : { *(.debug_info) }
	.debug_abbrev 0 : { *(.debug_abbrev) }
	.debug_line 0 : { *(.debug_line) }
	.debug_line_str 0 : { *(.debug_line_str) }
	.debug_str 0 : { *(.debug_str) }
	.debug_aranges 0 : { *(.debug_aranges) }
	.debug_loclists 0 : { *(.debug_loclists) }
	.debug_rnglists 0 : { *(.debug_rnglists) }
	.debug_frame 0 : { *(.debug_frame) }
	.debug_ranges 0 : { *(.debug_ranges) }
	.debug_loc 0 : { *(.debug_loc) }

	/DISCARD/ : {
		*(.comment)
		*(.note .note.*)
		*(.eh_frame)
		*(.interp)
		*(.dynamic)
		*(.dynsym)
		*(.dynstr)
		*(.hash)
		*(.gnu.hash)
	}
}
