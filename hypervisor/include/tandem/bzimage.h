/* SPDX-License-Identifier: MIT */
/*
 * Finding the compressed kernel inside a Linux x86 bzImage. The image is
 * untrusted: every offset and size is checked against the buffer.
 */
#ifndef TANDEM_BZIMAGE_H
#define TANDEM_BZIMAGE_H

#include <tandem/types.h>

/* Largest uncompressed kernel we accept. */
#define BZIMAGE_MAX_UNCOMPRESSED	(512u << 20)

/* Does this look like a bzImage ("HdrS" setup header)? Cheap, lenient. */
bool bzimage_looks_like(const void *img, size_t len);

/* The payload compressions we can decode. */
enum bzimage_codec {
	BZIMAGE_XZ,		/* Debian's standard kernels */
	BZIMAGE_LZ4,		/* Debian's cloud kernels (legacy frames) */
};

/*
 * Locate the compressed payload. On success *payload and *payload_len are
 * exactly the compressed stream (the 4-byte size Linux appends to the
 * payload is not included), *codec says how it is compressed, and
 * *uncompressed_len is that size: the length of the ELF vmlinux inside.
 * Returns -EINVAL for a malformed image, -EOPNOTSUPP for a boot protocol
 * before 2.08 or a compression we cannot decode; why says which.
 */
int bzimage_payload(const void *img, size_t len, const void **payload,
		    size_t *payload_len, enum bzimage_codec *codec,
		    size_t *uncompressed_len, char *why, size_t why_len);

#endif
