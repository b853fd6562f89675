// SPDX-License-Identifier: MIT
/*
 * LZ4 legacy-frame decoder for kernel images. The input is untrusted:
 * every length, offset and copy is bounds-checked, and the loops always
 * advance, so any input terminates.
 *
 * A block is a run of sequences. Each begins with a token: the high
 * nibble is the literal count, the low nibble the match length minus 4;
 * a nibble of 15 continues in following bytes (each adds up to 255, the
 * last is < 255). Literals follow, then a 2-byte little-endian offset
 * back into the output. The last sequence of a block has literals only.
 */
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <tandem/lz4.h>

#define LEGACY_BLOCK_MAX	(8u << 20)	/* uncompressed bytes */
#define MIN_MATCH		4

struct lz4_in {
	const uint8_t *p, *end;
};

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A length nibble of 15 continues in extra bytes. */
static int read_length(struct lz4_in *in, size_t *len)
{
	uint8_t b;

	do {
		if (in->p == in->end)
			return -EINVAL;
		b = *in->p++;
		if (*len > SIZE_MAX - b)
			return -EINVAL;
		*len += b;
	} while (b == 255);
	return 0;
}

/* Decode one block into [start, start + cap); returns bytes or -errno. */
static long decode_block(const uint8_t *src, size_t src_len, uint8_t *start,
			 size_t cap, const char **why)
{
	struct lz4_in in = { src, src + src_len };
	uint8_t *op = start;

	for (;;) {
		size_t lit, match;
		uint16_t offset;
		uint8_t token;

		if (in.p == in.end) {
			*why = "block ends inside a sequence";
			return -EINVAL;
		}
		token = *in.p++;
		lit = token >> 4;
		if (lit == 15 && read_length(&in, &lit)) {
			*why = "literal length runs past the block";
			return -EINVAL;
		}
		if (lit > (size_t)(in.end - in.p)) {
			*why = "literals run past the block";
			return -EINVAL;
		}
		if (lit > cap - (size_t)(op - start)) {
			*why = "output larger than its buffer";
			return -ENOSPC;
		}
		memcpy(op, in.p, lit);
		op += lit;
		in.p += lit;
		if (in.p == in.end)
			return op - start;	/* the last sequence */

		if (in.end - in.p < 2) {
			*why = "match offset cut short";
			return -EINVAL;
		}
		offset = in.p[0] | in.p[1] << 8;
		in.p += 2;
		/* Blocks are independent: no reference before this one. */
		if (!offset || offset > op - start) {
			*why = "match offset points outside the block";
			return -EINVAL;
		}
		match = token & 15;
		if (match == 15 && read_length(&in, &match)) {
			*why = "match length runs past the block";
			return -EINVAL;
		}
		match += MIN_MATCH;
		if (match > cap - (size_t)(op - start)) {
			*why = "output larger than its buffer";
			return -ENOSPC;
		}
		/* Byte by byte: a match may overlap what it copies. */
		for (const uint8_t *from = op - offset; match; match--)
			*op++ = *from++;
	}
}

int lz4_legacy_decompress(const void *in, size_t in_len, void *out,
			  size_t out_cap, size_t *out_len, char *why,
			  size_t why_len)
{
	const uint8_t *p = in, *end = p + in_len;
	uint8_t *op = out;
	const char *msg = NULL;
	long n;

	*out_len = 0;
	if (in_len < 4 || get_le32(p) != LZ4_LEGACY_MAGIC) {
		snprintf(why, why_len, "not an LZ4 legacy stream (bad magic)");
		return -EINVAL;
	}
	p += 4;
	while (p < end) {
		uint32_t size;

		if (end - p < 4) {
			snprintf(why, why_len, "truncated block header at "
				 "offset %zu", (size_t)(p - (const uint8_t *)in));
			return -EINVAL;
		}
		size = get_le32(p);
		p += 4;
		/* A second magic starts a concatenated stream. */
		if (size == LZ4_LEGACY_MAGIC)
			continue;
		if (!size || size > (size_t)(end - p)) {
			snprintf(why, why_len, "block of %u bytes at offset "
				 "%zu does not fit the input", size,
				 (size_t)(p - (const uint8_t *)in) - 4);
			return -EINVAL;
		}
		n = decode_block(p, size, op,
				 MIN(out_cap - (size_t)(op - (uint8_t *)out),
				     (size_t)LEGACY_BLOCK_MAX), &msg);
		if (n < 0) {
			snprintf(why, why_len, "block at offset %zu: %s",
				 (size_t)(p - (const uint8_t *)in) - 4, msg);
			*out_len = op - (uint8_t *)out;
			return n;
		}
		op += n;
		p += size;
	}
	*out_len = op - (uint8_t *)out;
	return 0;
}
