/* SPDX-License-Identifier: MIT */
/*
 * Reading 64-bit ELF kernels and their Xen notes. The image is untrusted:
 * every offset and size is checked against the buffer before use.
 */
#ifndef TANDEM_ELF_H
#define TANDEM_ELF_H

#include <tandem/types.h>

#define ELF_MAX_SEGMENTS	16

struct elf_segment {
	uint64_t offset;	/* in the file */
	uint64_t filesz;
	uint64_t paddr;
	uint64_t memsz;
};

/* What the kernel tells its loader, from its PT_LOADs and Xen notes. */
struct elf_kernel {
	const uint8_t *image;
	size_t size;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
	unsigned int nr_seg;
	uint64_t paddr_start, paddr_end;	/* covered by the segments */
	uint64_t entry;
	uint64_t virt_base;
	uint64_t paddr_offset;
	uint64_t hypercall_page;		/* 0: none */
	bool has_hypercall_page;
	bool mod_start_pfn;			/* initrd may stay unmapped */
	uint32_t supported_features;
	char guest_os[32];
	char loader[16];
	char xen_version[16];
	char features[128];
};

/* Parse; on failure return -errno and describe the problem in 'why'. */
int elf_parse_kernel(const void *image, size_t size, struct elf_kernel *k,
		     char *why, size_t why_len);
bool elf_looks_like_kernel(const void *image, size_t size);

#endif
