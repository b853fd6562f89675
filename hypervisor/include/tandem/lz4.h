/* SPDX-License-Identifier: MIT */
/*
 * LZ4 in the "legacy" frame format that Linux compresses kernels with
 * (lz4 -l): a magic number, then independent blocks of up to 8 MiB, each
 * preceded by its compressed size.
 */
#ifndef TANDEM_LZ4_H
#define TANDEM_LZ4_H

#include <tandem/types.h>

#define LZ4_LEGACY_MAGIC	0x184c2102

/*
 * Decode 'in' into 'out' (out_cap bytes). Returns 0, -EINVAL for malformed
 * input, or -ENOSPC if the output does not fit; 'why' says what went wrong
 * and *out_len how much was produced.
 */
int lz4_legacy_decompress(const void *in, size_t in_len, void *out,
			  size_t out_cap, size_t *out_len, char *why,
			  size_t why_len);

#endif
