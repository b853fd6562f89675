// SPDX-License-Identifier: MIT
/* ELF or bzImage in, ELF out. */
#include <tandem/bzimage.h>
#include <tandem/elf.h>
#include <tandem/errno.h>
#include <tandem/kernel_image.h>
#include <tandem/lib.h>
#include <tandem/lz4.h>
#include <tandem/mm.h>
#include <tandem/timer.h>
#include <tandem/xz.h>

bool kernel_image_looks_like(const void *img, size_t len)
{
	return elf_looks_like_kernel(img, len) || bzimage_looks_like(img, len);
}

int kernel_image_open(const void *img, size_t len, struct kernel_image *ki,
		      char *why, size_t why_len)
{
	const void *payload;
	enum bzimage_codec codec;
	size_t payload_len, out_len, want;
	s_time_t start;
	int rc;

	memset(ki, 0, sizeof(*ki));
	if (!bzimage_looks_like(img, len)) {
		ki->elf = img;
		ki->elf_size = len;
		return 0;
	}
	rc = bzimage_payload(img, len, &payload, &payload_len, &codec, &want,
			     why, why_len);
	if (rc)
		return rc;

	/* One contiguous buffer: the decoder uses it as its dictionary. */
	while ((PAGE_SIZE << ki->order) < want)
		ki->order++;
	ki->buffer = alloc_hv_pages(ki->order);
	if (!ki->buffer) {
		snprintf(why, why_len, "no %lu MiB of contiguous memory to "
			 "decompress the kernel into",
			 (PAGE_SIZE << ki->order) >> 20);
		return -ENOMEM;
	}
	start = NOW();
	if (codec == BZIMAGE_LZ4)
		rc = lz4_legacy_decompress(payload, payload_len, ki->buffer,
					   want, &out_len, why, why_len);
	else
		rc = xz_decompress(payload, payload_len, ki->buffer, want,
				   &out_len, why, why_len);
	if (rc) {
		kernel_image_close(ki);
		return rc;
	}
	pr_info("decompressed the kernel: %lu KiB in %lld ms\n",
		(unsigned long)(out_len >> 10),
		(long long)((NOW() - start) / 1000000));
	ki->elf = ki->buffer;
	ki->elf_size = out_len;
	ki->was_bzimage = true;
	return 0;
}

void kernel_image_close(struct kernel_image *ki)
{
	if (ki->buffer)
		free_hv_pages(ki->buffer, ki->order);
	ki->buffer = NULL;
}
