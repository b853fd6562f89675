/* SPDX-License-Identifier: MIT */
/*
 * Kernel images as boot loaders hand them to us: an ELF, or a Linux
 * bzImage whose XZ payload holds the ELF. Opening one yields the ELF
 * bytes, decompressing into hypervisor memory when needed.
 */
#ifndef TANDEM_KERNEL_IMAGE_H
#define TANDEM_KERNEL_IMAGE_H

#include <tandem/types.h>

struct kernel_image {
	const void *elf;
	size_t elf_size;
	void *buffer;		/* ours to free, if we decompressed */
	unsigned int order;
	bool was_bzimage;
};

bool kernel_image_looks_like(const void *img, size_t len);
int kernel_image_open(const void *img, size_t len, struct kernel_image *ki,
		      char *why, size_t why_len);
void kernel_image_close(struct kernel_image *ki);

#endif
