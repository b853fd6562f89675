/* SPDX-License-Identifier: MIT */
/*
 * Single-call .xz decompression, for kernels shipped as XZ-compressed
 * bzImages. The whole input is in memory and the output buffer doubles as
 * the LZ dictionary, so no dictionary is allocated.
 *
 * Supported: LZMA2, optionally preceded by the x86 BCJ filter; integrity
 * checks none, CRC32 and CRC64 (verified); any number of blocks; stream
 * padding and concatenated streams. SHA-256 and other checks, and other
 * filters, are rejected with -EOPNOTSUPP.
 *
 * The input is untrusted: every size, index and distance is checked, the
 * decoder never reads past in_len nor writes past out_cap, and it always
 * terminates.
 *
 * Memory: about 28 KiB of LZMA probabilities and 3 KiB of CRC tables live
 * in static storage (.bss), and the stack use is small (< 1 KiB). Hence the
 * decoder is not reentrant: a call made while another is running on some
 * CPU fails with -EBUSY.
 */
#ifndef TANDEM_XZ_H
#define TANDEM_XZ_H

#include <tandem/types.h>

/* The six bytes every .xz stream starts with. */
#define XZ_MAGIC	"\xfd" "7zXZ"	/* plus a NUL: compare 6 bytes */
#define XZ_MAGIC_LEN	6

/*
 * Decompress the .xz data in[0, in_len) into out[0, out_cap); the two
 * must not overlap. Concatenated streams decode into one output.
 * Returns 0 and the decompressed size in *out_len, or a negative errno with
 * a reason in why (always NUL-terminated when why_len > 0):
 *   -EINVAL      malformed, truncated or corrupt input (CRC mismatch too);
 *   -ENOSPC      the output does not fit in out_cap;
 *   -EOPNOTSUPP  a filter or integrity check this decoder does not know;
 *   -EBUSY       another decompression is running.
 * On failure *out_len says how many bytes were written before the error;
 * their content is unspecified.
 */
int xz_decompress(const void *in, size_t in_len, void *out, size_t out_cap,
		  size_t *out_len, char *why, size_t why_len);

#endif
