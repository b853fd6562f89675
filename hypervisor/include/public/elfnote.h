/*
 * Tandem public ABI: ELF note types a PV kernel uses to describe itself.
 * Notes live in a PT_NOTE segment with the owner name "Xen"; numeric
 * values are 4 or 8 bytes, strings are NUL-terminated.
 */
#ifndef TANDEM_PUBLIC_ELFNOTE_H
#define TANDEM_PUBLIC_ELFNOTE_H

/* Owner name of every note below. */
#define XEN_ELFNOTE_NAME		"Xen"

#define XEN_ELFNOTE_INFO		0  /* string: NAME=VALUE (legacy) */
#define XEN_ELFNOTE_ENTRY		1  /* VA of the kernel entry point */
#define XEN_ELFNOTE_HYPERCALL_PAGE	2  /* VA of the page to fill */
#define XEN_ELFNOTE_VIRT_BASE		3  /* VA the image is mapped at */
#define XEN_ELFNOTE_PADDR_OFFSET	4  /* subtracted from p_paddr */
#define XEN_ELFNOTE_XEN_VERSION		5  /* string, "xen-3.0" */
#define XEN_ELFNOTE_GUEST_OS		6  /* string, e.g. "linux" */
#define XEN_ELFNOTE_GUEST_VERSION	7  /* string */
#define XEN_ELFNOTE_LOADER		8  /* string, "generic" */
#define XEN_ELFNOTE_PAE_MODE		9  /* string, "yes" */
#define XEN_ELFNOTE_FEATURES		10 /* "f1|!f2", "!" = required */
#define XEN_ELFNOTE_BSD_SYMTAB		11 /* "yes": load the symtab */
#define XEN_ELFNOTE_HV_START_LOW	12 /* lowest start of the hole */
#define XEN_ELFNOTE_L1_MFN_VALID	13 /* mask/value pairs for PTEs */
#define XEN_ELFNOTE_SUSPEND_CANCEL	14 /* cooperative suspend cancel */
#define XEN_ELFNOTE_INIT_P2M		15 /* VA to map the p2m list at */
#define XEN_ELFNOTE_MOD_START_PFN	16 /* initrd may be given by PFN */
#define XEN_ELFNOTE_SUPPORTED_FEATURES	17 /* bitmap of XENFEAT_* */
#define XEN_ELFNOTE_PHYS32_ENTRY	18 /* PVH 32-bit entry (not PV) */
#define XEN_ELFNOTE_PHYS32_RELOC	19 /* PVH relocation (> 4.17) */
#define XEN_ELFNOTE_MAX			XEN_ELFNOTE_PHYS32_RELOC

/* Notes found in crash dumps and core files, not in kernels. */
#define XEN_ELFNOTE_CRASH_INFO			0x1000001
#define XEN_ELFNOTE_CRASH_REGS			0x1000002
#define XEN_ELFNOTE_DUMPCORE_NONE		0x2000000
#define XEN_ELFNOTE_DUMPCORE_HEADER		0x2000001
#define XEN_ELFNOTE_DUMPCORE_XEN_VERSION	0x2000002
#define XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION	0x2000003

#endif /* TANDEM_PUBLIC_ELFNOTE_H */
