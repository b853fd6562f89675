// SPDX-License-Identifier: MIT
/*
 * Single-call .xz decoder (see tandem/xz.h), written from the .xz file
 * format specification and public descriptions of LZMA and LZMA2.
 *
 * Layout of a stream: a 12-byte header (magic, flags, CRC32), blocks, an
 * index listing every block's sizes, a 12-byte footer. A block is a header
 * naming its filter chain, the compressed data, padding to 4 bytes and the
 * integrity check of the uncompressed data. LZMA2 data is a sequence of
 * chunks, each either stored or LZMA-compressed with a fresh range coder.
 *
 * The output buffer is the dictionary: a match copies from bytes already
 * written since the last dictionary reset. The x86 BCJ filter runs over a
 * block's output only once LZMA2 has finished the block, since until then
 * LZMA2 matches must see the unfiltered bytes.
 *
 * Termination on any input: every loop either consumes input, produces
 * output (both bounded), or is bounded by a count checked against them.
 */
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <tandem/xz.h>

/* ---- decoder context and error reporting ---- */

struct xz_dec {
	const uint8_t *in;
	size_t in_len;
	size_t ip;		/* next input byte */
	uint8_t *out;
	size_t out_cap;
	size_t op;		/* next output byte */
	char *why;
	size_t why_len;
};

static int __printf(3, 4) fail(struct xz_dec *d, int err, const char *fmt,
			       ...)
{
	va_list ap;
	int n;

	if (!d->why_len)
		return err;
	n = snprintf(d->why, d->why_len, "xz: input offset %zu: ", d->ip);
	if (n >= 0 && (size_t)n < d->why_len) {
		va_start(ap, fmt);
		vsnprintf(d->why + n, d->why_len - n, fmt, ap);
		va_end(ap);
	}
	return err;
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static inline size_t in_left(const struct xz_dec *d)
{
	return d->in_len - d->ip;
}

/* ---- CRC32 and CRC64 (reflected, tables built on first use) ---- */

#define CRC32_POLY	0xedb88320u
#define CRC64_POLY	0xc96c5795d7870f42ull

static uint32_t crc32_table[4][256];	/* slicing by 4 */
static uint64_t crc64_table[256];
static bool crc_ready;

static void crc_init(void)
{
	unsigned int i, k;

	if (crc_ready)
		return;
	for (i = 0; i < 256; i++) {
		uint32_t c = i;
		uint64_t c64 = i;

		for (k = 0; k < 8; k++) {
			c = (c >> 1) ^ (CRC32_POLY & (0u - (c & 1)));
			c64 = (c64 >> 1) ^ (CRC64_POLY & (0ull - (c64 & 1)));
		}
		crc32_table[0][i] = c;
		crc64_table[i] = c64;
	}
	/* table[k][b]: the CRC of byte b followed by k zero bytes */
	for (k = 1; k < 4; k++)
		for (i = 0; i < 256; i++) {
			uint32_t c = crc32_table[k - 1][i];

			crc32_table[k][i] = (c >> 8) ^ crc32_table[0][c & 0xff];
		}
	crc_ready = true;
}

static uint32_t crc32(const uint8_t *p, size_t n, uint32_t crc)
{
	crc = ~crc;
	for (; n >= 4; n -= 4, p += 4) {
		crc ^= get_le32(p);
		crc = crc32_table[3][crc & 0xff] ^
		      crc32_table[2][(crc >> 8) & 0xff] ^
		      crc32_table[1][(crc >> 16) & 0xff] ^
		      crc32_table[0][crc >> 24];
	}
	while (n--)
		crc = (crc >> 8) ^ crc32_table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

static uint64_t crc64(const uint8_t *p, size_t n)
{
	uint64_t crc = ~0ull;

	while (n--)
		crc = (crc >> 8) ^ crc64_table[(crc ^ *p++) & 0xff];
	return ~crc;
}

/* ---- range decoder ---- */

#define RC_TOP		(1u << 24)
#define PROB_BITS	11
#define PROB_ONE	(1u << PROB_BITS)
#define PROB_INIT	(PROB_ONE / 2)
#define PROB_SHIFT	5

typedef uint16_t prob_t;

/*
 * Reading past the end of a chunk does not stop the decoder at once: it
 * shifts in zeros and sets 'overrun', which the symbol loop checks once
 * per symbol. That keeps the per-bit path to one predictable branch.
 */
struct rc {
	uint32_t range;
	uint32_t code;
	const uint8_t *in;
	const uint8_t *end;
	bool overrun;
};

static __always_inline void rc_normalize(struct rc *rc)
{
	if (rc->range < RC_TOP) {
		rc->range <<= 8;
		rc->code <<= 8;
		if (likely(rc->in < rc->end))
			rc->code |= *rc->in++;
		else
			rc->overrun = true;
	}
}

static __always_inline unsigned int rc_bit(struct rc *rc, prob_t *p)
{
	uint32_t bound;

	rc_normalize(rc);
	bound = (rc->range >> PROB_BITS) * *p;
	if (rc->code < bound) {
		rc->range = bound;
		*p += (PROB_ONE - *p) >> PROB_SHIFT;
		return 0;
	}
	rc->range -= bound;
	rc->code -= bound;
	*p -= *p >> PROB_SHIFT;
	return 1;
}

/* A 'bits'-bit symbol, most significant bit first; p[1 .. 2^bits - 1]. */
static __always_inline unsigned int rc_tree(struct rc *rc, prob_t *p,
					    unsigned int bits)
{
	unsigned int sym = 1;

	do
		sym = (sym << 1) | rc_bit(rc, &p[sym]);
	while (sym < (1u << bits));
	return sym - (1u << bits);
}

/* Least significant bit first; uses p[0 .. 2^bits - 2]. */
static __always_inline unsigned int rc_tree_rev(struct rc *rc, prob_t *p,
						unsigned int bits)
{
	unsigned int node = 1, sym = 0, i, bit;

	for (i = 0; i < bits; i++) {
		bit = rc_bit(rc, &p[node - 1]);
		node = (node << 1) | bit;
		sym |= bit << i;
	}
	return sym;
}

/* Bits of equal probability, most significant first. */
static inline uint32_t rc_direct(struct rc *rc, unsigned int bits)
{
	uint32_t v = 0, mask;

	while (bits--) {
		rc_normalize(rc);
		rc->range >>= 1;
		rc->code -= rc->range;
		/* all ones if code went "negative", i.e. the bit was 0 */
		mask = 0u - (rc->code >> 31);
		rc->code += rc->range & mask;
		v = (v << 1) + (mask + 1);
	}
	return v;
}

/* ---- LZMA ---- */

#define LZMA_STATES		12
#define LZMA_LIT_STATES		7	/* states after a literal */
#define LZMA_PB_MAX		4
#define LZMA_LCLP_MAX		4	/* LZMA2's limit on lc + lp */
#define LZMA_LEN_CTX		4	/* dist. slot contexts */
#define LZMA_DIST_SLOTS		64
#define LZMA_DIST_MODEL_END	14	/* first slot using direct bits */
#define LZMA_ALIGN_BITS		4
#define LZMA_MATCH_MIN		2
#define LZMA_LIT_PROBS		0x300

struct lzma_len_probs {
	prob_t choice;
	prob_t choice2;
	prob_t low[1 << LZMA_PB_MAX][8];
	prob_t mid[1 << LZMA_PB_MAX][8];
	prob_t high[256];
};

/* Only prob_t members: reset treats the struct as one array. */
struct lzma_probs {
	prob_t is_match[LZMA_STATES][1 << LZMA_PB_MAX];
	prob_t is_rep[LZMA_STATES];
	prob_t is_rep0[LZMA_STATES];
	prob_t is_rep1[LZMA_STATES];
	prob_t is_rep2[LZMA_STATES];
	prob_t is_rep0_long[LZMA_STATES][1 << LZMA_PB_MAX];
	prob_t dist_slot[LZMA_LEN_CTX][LZMA_DIST_SLOTS];
	/* slots 4..13: reverse trees of 1..5 bits, packed back to back */
	prob_t dist_special[114];
	prob_t align[1 << LZMA_ALIGN_BITS];
	struct lzma_len_probs match_len;
	struct lzma_len_probs rep_len;
	/* last, so that a reset can skip the slots lc + lp leave unused */
	prob_t literal[1 << LZMA_LCLP_MAX][LZMA_LIT_PROBS];
};

struct lzma_state {
	struct lzma_probs p;
	uint32_t state;
	uint32_t rep[4];	/* distances minus one, most recent first */
	unsigned int lc, lp, pb;
};

/* Too big for the 20 KiB hypervisor stack, hence static. */
static struct lzma_state lzma;
static bool xz_busy;

static void lzma_reset(struct lzma_state *s)
{
	size_t n = offsetof(struct lzma_probs, literal) / sizeof(prob_t) +
		   ((size_t)LZMA_LIT_PROBS << (s->lc + s->lp));
	prob_t *p = (prob_t *)&s->p;

	BUILD_BUG_ON(sizeof(struct lzma_probs) % sizeof(prob_t));
	while (n--)
		*p++ = PROB_INIT;
	s->state = 0;
	s->rep[0] = s->rep[1] = s->rep[2] = s->rep[3] = 0;
}

static __always_inline unsigned int lzma_len(struct rc *rc,
					     struct lzma_len_probs *l,
					     unsigned int pos_state)
{
	if (!rc_bit(rc, &l->choice))
		return rc_tree(rc, l->low[pos_state], 3);
	if (!rc_bit(rc, &l->choice2))
		return 8 + rc_tree(rc, l->mid[pos_state], 3);
	return 16 + rc_tree(rc, l->high, 8);
}

static __always_inline uint32_t lzma_dist(struct rc *rc, struct lzma_probs *p,
					  unsigned int len_sym)
{
	unsigned int slot, ndirect;
	uint32_t dist;

	slot = rc_tree(rc, p->dist_slot[MIN(len_sym, LZMA_LEN_CTX - 1)], 6);
	if (slot < 4)
		return slot;
	ndirect = (slot >> 1) - 1;
	dist = (2 | (slot & 1)) << ndirect;
	if (slot < LZMA_DIST_MODEL_END)
		return dist + rc_tree_rev(rc, &p->dist_special[dist - slot],
					  ndirect);
	dist += rc_direct(rc, ndirect - LZMA_ALIGN_BITS) << LZMA_ALIGN_BITS;
	return dist + rc_tree_rev(rc, p->align, LZMA_ALIGN_BITS);
}

/*
 * Decode one LZMA chunk's symbols into out[*pos, end). 'dict' is where the
 * dictionary (last reset) starts; no distance may reach before it, and no
 * match may run past 'end'. Returns 0, or -EINVAL with *pos where it broke.
 */
static int lzma_decode(struct lzma_state *s, struct rc *rcp, uint8_t *out,
		       size_t *posp, size_t end, size_t dict, const char **err)
{
	struct rc rc = *rcp;	/* local, so it can live in registers */
	struct lzma_probs *p = &s->p;
	uint32_t state = s->state;
	uint32_t rep0 = s->rep[0], rep1 = s->rep[1];
	uint32_t rep2 = s->rep[2], rep3 = s->rep[3];
	unsigned int pb_mask = (1u << s->pb) - 1;
	unsigned int lp_mask = (1u << s->lp) - 1;
	unsigned int lc = s->lc;
	size_t pos = *posp;
	int ret = 0;

	while (pos < end) {
		size_t rel = pos - dict;	/* bytes in the dictionary */
		unsigned int ps = rel & pb_mask;
		unsigned int len;

		if (!rc_bit(&rc, &p->is_match[state][ps])) {
			/* literal, with context from the previous byte */
			unsigned int prev = rel ? out[pos - 1] : 0;
			prob_t *lit = p->literal[((rel & lp_mask) << lc) +
						 (prev >> (8 - lc))];
			unsigned int sym;

			if (state < LZMA_LIT_STATES) {
				sym = rc_tree(&rc, lit, 8);
			} else {
				/* also steered by the byte at rep0 */
				unsigned int match, off = 0x100, mbit, bit;

				if (rep0 >= rel) {
					*err = "distance beyond dictionary";
					ret = -EINVAL;
					break;
				}
				match = out[pos - rep0 - 1];
				sym = 1;
				do {
					match <<= 1;
					mbit = match & off;
					bit = rc_bit(&rc,
						     &lit[off + mbit + sym]);
					sym = (sym << 1) | bit;
					off &= bit ? mbit : ~mbit;
				} while (sym < 0x100);
				sym -= 0x100;
			}
			out[pos++] = sym;
			state = state < 4 ? 0 : state < 10 ? state - 3 :
							     state - 6;
			if (unlikely(rc.overrun))
				goto overrun;
			continue;
		}

		if (!rc_bit(&rc, &p->is_rep[state])) {
			/* a new match: distance after length */
			rep3 = rep2;
			rep2 = rep1;
			rep1 = rep0;
			len = lzma_len(&rc, &p->match_len, ps);
			state = state < LZMA_LIT_STATES ? 7 : 10;
			rep0 = lzma_dist(&rc, p, len);
			len += LZMA_MATCH_MIN;
		} else if (!rc_bit(&rc, &p->is_rep0[state])) {
			if (!rc_bit(&rc, &p->is_rep0_long[state][ps])) {
				/* "short rep": one byte from rep0 */
				state = state < LZMA_LIT_STATES ? 9 : 11;
				len = 1;
				goto copy;
			}
			len = lzma_len(&rc, &p->rep_len, ps) + LZMA_MATCH_MIN;
			state = state < LZMA_LIT_STATES ? 8 : 11;
		} else {
			uint32_t d;

			if (!rc_bit(&rc, &p->is_rep1[state])) {
				d = rep1;
			} else {
				if (!rc_bit(&rc, &p->is_rep2[state])) {
					d = rep2;
				} else {
					d = rep3;
					rep3 = rep2;
				}
				rep2 = rep1;
			}
			rep1 = rep0;
			rep0 = d;
			len = lzma_len(&rc, &p->rep_len, ps) + LZMA_MATCH_MIN;
			state = state < LZMA_LIT_STATES ? 8 : 11;
		}
copy:
		if (unlikely(rc.overrun))
			goto overrun;
		/* also rejects the end marker (distance 2^32 - 1) */
		if (unlikely(rep0 >= rel)) {
			*err = "distance beyond dictionary";
			ret = -EINVAL;
			break;
		}
		if (unlikely(len > end - pos)) {
			*err = "match runs past the end of the chunk";
			ret = -EINVAL;
			break;
		}
		{
			const uint8_t *src = out + pos - rep0 - 1;
			uint8_t *dst = out + pos;

			pos += len;
			/* 8 bytes at a time if they cannot overlap */
			if (rep0 >= 7)
				for (; len >= 8; len -= 8, src += 8, dst += 8)
					__builtin_memcpy(dst, src, 8);
			while (len--)
				*dst++ = *src++;
		}
	}
	goto out;

overrun:
	*err = "compressed chunk ends too early";
	ret = -EINVAL;
out:
	*rcp = rc;
	s->state = state;
	s->rep[0] = rep0;
	s->rep[1] = rep1;
	s->rep[2] = rep2;
	s->rep[3] = rep3;
	*posp = pos;
	return ret;
}

/* ---- LZMA2 ---- */

static int lzma2_props(struct xz_dec *d, unsigned int b)
{
	if (b >= 9 * 5 * 5)
		return fail(d, -EINVAL, "bad LZMA properties byte 0x%02x", b);
	lzma.lc = b % 9;
	b /= 9;
	lzma.lp = b % 5;
	lzma.pb = b / 5;
	if (lzma.lc + lzma.lp > LZMA_LCLP_MAX)
		return fail(d, -EINVAL, "LZMA2 lc + lp exceeds 4 (lc=%u lp=%u)",
			    lzma.lc, lzma.lp);
	return 0;
}

/* Decode the LZMA2 data of one block, up to and including its end byte. */
static int lzma2_decode(struct xz_dec *d)
{
	bool need_dict_reset = true, need_props = true;
	size_t dict = d->op;

	for (;;) {
		const uint8_t *h = d->in + d->ip;
		unsigned int ctl;
		size_t unpacked, packed;
		struct rc rc;
		const char *err = NULL;
		int ret;

		if (!in_left(d))
			return fail(d, -EINVAL, "LZMA2 data truncated");
		ctl = h[0];
		if (ctl == 0x00) {
			d->ip++;
			return 0;
		}
		if (ctl == 0x01 || ctl >= 0xe0) {
			/* new dictionary; the next LZMA chunk sets props */
			need_dict_reset = false;
			need_props = true;
			dict = d->op;
		} else if (need_dict_reset) {
			return fail(d, -EINVAL,
				    "first LZMA2 chunk does not reset the dictionary");
		}

		if (ctl < 0x80) {
			/* stored chunk */
			if (ctl > 0x02)
				return fail(d, -EINVAL,
					    "bad LZMA2 control byte 0x%02x",
					    ctl);
			if (in_left(d) < 3)
				return fail(d, -EINVAL, "LZMA2 data truncated");
			unpacked = ((size_t)h[1] << 8 | h[2]) + 1;
			if (in_left(d) - 3 < unpacked)
				return fail(d, -EINVAL,
					    "stored LZMA2 chunk truncated");
			if (d->out_cap - d->op < unpacked)
				return fail(d, -ENOSPC,
					    "output buffer too small (%zu bytes)",
					    d->out_cap);
			memcpy(d->out + d->op, h + 3, unpacked);
			d->op += unpacked;
			d->ip += 3 + unpacked;
			continue;
		}

		/* LZMA chunk: sizes, maybe properties, then range coded data */
		if (in_left(d) < 5)
			return fail(d, -EINVAL, "LZMA2 data truncated");
		unpacked = ((size_t)(ctl & 0x1f) << 16 | (size_t)h[1] << 8 |
			    h[2]) + 1;
		packed = ((size_t)h[3] << 8 | h[4]) + 1;
		d->ip += 5;
		if (ctl >= 0xc0) {
			if (!in_left(d))
				return fail(d, -EINVAL, "LZMA2 data truncated");
			ret = lzma2_props(d, d->in[d->ip]);
			if (ret)
				return ret;
			d->ip++;
			need_props = false;
			lzma_reset(&lzma);
		} else if (need_props) {
			return fail(d, -EINVAL,
				    "LZMA2 chunk without properties after a dictionary reset");
		} else if (ctl >= 0xa0) {
			lzma_reset(&lzma);
		}
		if (in_left(d) < packed)
			return fail(d, -EINVAL, "LZMA chunk truncated");
		if (d->out_cap - d->op < unpacked)
			return fail(d, -ENOSPC,
				    "output buffer too small (%zu bytes)",
				    d->out_cap);
		if (packed < 5 || d->in[d->ip] != 0)
			return fail(d, -EINVAL, "bad range coder start");

		rc.range = 0xffffffff;
		rc.code = (uint32_t)d->in[d->ip + 1] << 24 |
			  (uint32_t)d->in[d->ip + 2] << 16 |
			  (uint32_t)d->in[d->ip + 3] << 8 | d->in[d->ip + 4];
		rc.in = d->in + d->ip + 5;
		rc.end = d->in + d->ip + packed;
		rc.overrun = false;
		ret = lzma_decode(&lzma, &rc, d->out, &d->op, d->op + unpacked,
				  dict, &err);
		if (ret) {
			d->ip = rc.in - d->in;
			return fail(d, ret,
				    "LZMA data corrupt: %s (output %zu)", err,
				    d->op);
		}
		/*
		 * The encoder flushed its range coder at the chunk's end: after
		 * the normalization following the last bit, every byte is read
		 * and the code is zero.
		 */
		rc_normalize(&rc);
		if (rc.in != rc.end || rc.overrun || rc.code != 0) {
			d->ip = rc.in - d->in;
			return fail(d, -EINVAL,
				    "LZMA chunk does not end where its header says");
		}
		d->ip += packed;
	}
}

/* ---- x86 BCJ ---- */

/* Does any byte of w equal E8 or E9? (exact, via the zero-byte test) */
static inline bool x86_any_e8e9(uint64_t w)
{
	uint64_t x = (w & 0xfefefefefefefefeull) ^ 0xe8e8e8e8e8e8e8e8ull;

	return (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
}

static inline bool x86_imm_top_ok(uint8_t b)
{
	/* a plausible near-call displacement is small: top byte 00 or FF */
	return b == 0x00 || b == 0xff;
}

/*
 * Undo the x86 filter on one block's output. The encoder rewrote the
 * rel32 of E8 (CALL) and E9 (JMP) into an absolute address when its top
 * byte was 00 or FF. 'mask' records which of the three preceding bytes
 * were E8/E9 themselves: when an opcode byte might be an operand byte of a
 * recent E8/E9, the encoder skipped or re-encoded it, and the decoder must
 * make the same choices, so this mirrors the encoder's decisions exactly.
 */
static void bcj_x86(uint8_t *buf, size_t size, uint32_t start)
{
	/* for each mask: may we convert, and which prior byte to test */
	static const bool mask_ok[8] = { 1, 1, 1, 0, 1, 0, 0, 0 };
	static const uint8_t mask_byte[8] = { 0, 1, 2, 2, 3, 3, 3, 3 };
	size_t i, last = (size_t)0 - 4;	/* no E8/E9 seen "recently" */
	uint32_t mask = 0;

	if (size < 5)
		return;
	for (i = 0; i <= size - 5; i++) {
		uint32_t src, dst;
		uint64_t w;
		size_t gap;

		/* most bytes are not E8/E9: skip them a word at a time */
		while (size - i >= 8) {
			__builtin_memcpy(&w, buf + i, 8);
			if (x86_any_e8e9(w))
				break;
			i += 8;
		}
		if (i > size - 5)
			break;
		if ((buf[i] & 0xfe) != 0xe8)
			continue;
		gap = i - last;
		last = i;
		if (gap > 3) {
			mask = 0;
		} else {
			mask = (mask << (gap - 1)) & 7;
			if (mask && (!mask_ok[mask] ||
				     x86_imm_top_ok(buf[i + 4 -
							mask_byte[mask]]))) {
				mask = ((mask << 1) & 7) | 1;
				continue;
			}
		}
		if (!x86_imm_top_ok(buf[i + 4])) {
			mask = ((mask << 1) & 7) | 1;
			continue;
		}
		src = get_le32(buf + i + 1);
		for (;;) {
			unsigned int sh;

			dst = src - (start + (uint32_t)i + 5);
			if (!mask)
				break;
			sh = mask_byte[mask] * 8;
			if (!x86_imm_top_ok(dst >> (24 - sh)))
				break;
			src = dst ^ ((1u << (32 - sh)) - 1);
		}
		/* 25 significant bits, sign-extended from bit 24 */
		dst &= 0x01ffffff;
		dst |= 0u - (dst & 0x01000000);
		put_le32(buf + i + 1, dst);
		i += 4;
	}
}

/* ---- .xz container ---- */

#define XZ_HEADER_SIZE		12
#define XZ_FOOTER_SIZE		12
#define XZ_CHECK_NONE		0x0
#define XZ_CHECK_CRC32		0x1
#define XZ_CHECK_CRC64		0x4
#define XZ_CHECK_SHA256		0xa
#define XZ_FILTER_X86		0x04
#define XZ_FILTER_LZMA2		0x21

/* Running summary of the blocks, compared with the index. */
struct xz_blocks {
	uint64_t count;
	uint32_t hash;		/* CRC32 of (unpadded, uncompressed) */
};

static void blocks_add(struct xz_blocks *b, uint64_t unpadded,
		       uint64_t uncompressed)
{
	uint8_t rec[16];

	put_le32(rec, unpadded);
	put_le32(rec + 4, unpadded >> 32);
	put_le32(rec + 8, uncompressed);
	put_le32(rec + 12, uncompressed >> 32);
	b->hash = crc32(rec, sizeof(rec), b->hash);
	b->count++;
}

/* A variable-length integer from in[*pos, end). */
static int get_vli(struct xz_dec *d, size_t *pos, size_t end, uint64_t *v)
{
	unsigned int i;
	uint8_t b;

	*v = 0;
	for (i = 0; i < 9; i++) {
		if (*pos >= end)
			return fail(d, -EINVAL, "truncated integer");
		b = d->in[(*pos)++];
		*v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			if (b == 0 && i)
				return fail(d, -EINVAL,
					    "integer not minimally encoded");
			return 0;
		}
	}
	return fail(d, -EINVAL, "integer too long");
}

static size_t check_size(unsigned int type)
{
	/* sizes by check ID, from the format specification */
	static const uint8_t size[16] = {
		0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64
	};
	return size[type & 0xf];
}

struct block_filters {
	bool x86;
	uint32_t x86_start;
};

static int parse_filters(struct xz_dec *d, size_t *pos, size_t end,
			 unsigned int nr, struct block_filters *f)
{
	unsigned int i;
	int ret;

	f->x86 = false;
	f->x86_start = 0;
	for (i = 0; i < nr; i++) {
		uint64_t id, psize;
		bool last = i == nr - 1;

		ret = get_vli(d, pos, end, &id);
		if (!ret)
			ret = get_vli(d, pos, end, &psize);
		if (ret)
			return ret;
		if (psize > end - *pos)
			return fail(d, -EINVAL, "filter properties truncated");
		if (id == XZ_FILTER_LZMA2) {
			if (!last)
				return fail(d, -EINVAL,
					    "LZMA2 is not the last filter");
			if (psize != 1)
				return fail(d, -EINVAL,
					    "bad LZMA2 properties size");
			/* dictionary size: we need not know it, only check */
			if (d->in[*pos] > 40)
				return fail(d, -EINVAL,
					    "bad LZMA2 dictionary size");
		} else if (id == XZ_FILTER_X86) {
			if (last)
				return fail(d, -EINVAL,
					    "x86 filter cannot be last");
			if (f->x86)
				return fail(d, -EOPNOTSUPP,
					    "more than one x86 filter");
			if (psize != 0 && psize != 4)
				return fail(d, -EINVAL,
					    "bad x86 filter properties");
			f->x86 = true;
			if (psize == 4)
				f->x86_start = get_le32(d->in + *pos);
		} else {
			return fail(d, -EOPNOTSUPP,
				    "filter 0x%llx not supported (only x86 BCJ and LZMA2)",
				    (unsigned long long)id);
		}
		*pos += psize;
	}
	return 0;
}

static int decode_block(struct xz_dec *d, unsigned int check,
			struct xz_blocks *blocks)
{
	size_t start = d->ip, hsize, pos, hend, out_start, csize, usize;
	uint64_t dec_csize = 0, dec_usize = 0;
	struct block_filters f;
	unsigned int flags;
	size_t ck = check_size(check);
	int ret;

	hsize = ((size_t)d->in[start] + 1) * 4;
	if (in_left(d) < hsize)
		return fail(d, -EINVAL, "block header truncated");
	hend = start + hsize - 4;
	if (crc32(d->in + start, hsize - 4, 0) != get_le32(d->in + hend))
		return fail(d, -EINVAL, "block header CRC32 mismatch");
	flags = d->in[start + 1];
	if (flags & 0x3c)
		return fail(d, -EOPNOTSUPP, "reserved block flags set (0x%02x)",
			    flags);
	pos = start + 2;
	if (flags & 0x40) {
		ret = get_vli(d, &pos, hend, &dec_csize);
		if (ret)
			return ret;
		if (!dec_csize)
			return fail(d, -EINVAL, "zero compressed size");
	}
	if (flags & 0x80) {
		ret = get_vli(d, &pos, hend, &dec_usize);
		if (ret)
			return ret;
		if (dec_usize > d->out_cap - d->op)
			return fail(d, -ENOSPC,
				    "output buffer too small (%zu bytes)",
				    d->out_cap);
	}
	ret = parse_filters(d, &pos, hend, (flags & 3) + 1, &f);
	if (ret)
		return ret;
	for (; pos < hend; pos++)
		if (d->in[pos])
			return fail(d, -EINVAL, "nonzero block header padding");

	d->ip = start + hsize;
	out_start = d->op;
	ret = lzma2_decode(d);
	if (ret)
		return ret;
	csize = d->ip - (start + hsize);
	usize = d->op - out_start;
	if ((flags & 0x40) && csize != dec_csize)
		return fail(d, -EINVAL, "compressed size %zu, header says %llu",
			    csize, (unsigned long long)dec_csize);
	if ((flags & 0x80) && usize != dec_usize)
		return fail(d, -EINVAL,
			    "uncompressed size %zu, header says %llu",
			    usize, (unsigned long long)dec_usize);
	if (f.x86)
		bcj_x86(d->out + out_start, usize, f.x86_start);

	while ((d->ip - start) & 3) {
		if (!in_left(d) || d->in[d->ip])
			return fail(d, -EINVAL, "bad block padding");
		d->ip++;
	}
	if (in_left(d) < ck)
		return fail(d, -EINVAL, "block check truncated");
	if (check == XZ_CHECK_CRC32 &&
	    crc32(d->out + out_start, usize, 0) != get_le32(d->in + d->ip))
		return fail(d, -EINVAL, "CRC32 of the data does not match");
	if (check == XZ_CHECK_CRC64 &&
	    crc64(d->out + out_start, usize) != get_le64(d->in + d->ip))
		return fail(d, -EINVAL, "CRC64 of the data does not match");
	d->ip += ck;
	blocks_add(blocks, hsize + csize + ck, usize);
	return 0;
}

/* The index: must list exactly the blocks we decoded. Returns its size. */
static int decode_index(struct xz_dec *d, const struct xz_blocks *blocks,
			size_t *size)
{
	size_t start = d->ip, pos = start + 1;
	struct xz_blocks seen = { 0, 0 };
	uint64_t count, unpadded, usize, i;
	int ret;

	ret = get_vli(d, &pos, d->in_len, &count);
	if (ret)
		return ret;
	if (count != blocks->count)
		return fail(d, -EINVAL,
			    "index lists %llu blocks, stream has %llu",
			    (unsigned long long)count,
			    (unsigned long long)blocks->count);
	/* bounded: count equals the number of blocks we decoded */
	for (i = 0; i < count; i++) {
		ret = get_vli(d, &pos, d->in_len, &unpadded);
		if (!ret)
			ret = get_vli(d, &pos, d->in_len, &usize);
		if (ret)
			return ret;
		blocks_add(&seen, unpadded, usize);
	}
	if (seen.hash != blocks->hash)
		return fail(d, -EINVAL, "index does not match the blocks");
	while ((pos - start) & 3) {
		if (pos >= d->in_len || d->in[pos])
			return fail(d, -EINVAL, "bad index padding");
		pos++;
	}
	if (d->in_len - pos < 4)
		return fail(d, -EINVAL, "index truncated");
	if (crc32(d->in + start, pos - start, 0) != get_le32(d->in + pos))
		return fail(d, -EINVAL, "index CRC32 mismatch");
	d->ip = pos + 4;
	*size = d->ip - start;
	return 0;
}

static int decode_stream(struct xz_dec *d)
{
	const uint8_t *h = d->in + d->ip, *f;
	struct xz_blocks blocks = { 0, 0 };
	unsigned int check;
	size_t index_size = 0;
	int ret;

	if (in_left(d) < XZ_HEADER_SIZE + XZ_FOOTER_SIZE)
		return fail(d, -EINVAL, "too short for an XZ stream");
	if (memcmp(h, XZ_MAGIC, XZ_MAGIC_LEN))
		return fail(d, -EINVAL, "no XZ magic");
	if (crc32(h + 6, 2, 0) != get_le32(h + 8))
		return fail(d, -EINVAL, "stream header CRC32 mismatch");
	if (h[6] || (h[7] & 0xf0))
		return fail(d, -EOPNOTSUPP, "unknown stream flags 0x%02x%02x",
			    h[6], h[7]);
	check = h[7];
	if (check != XZ_CHECK_NONE && check != XZ_CHECK_CRC32 &&
	    check != XZ_CHECK_CRC64)
		return fail(d, -EOPNOTSUPP,
			    "integrity check %s not supported (only none, CRC32, CRC64)",
			    check == XZ_CHECK_SHA256 ? "SHA-256" : "type");
	d->ip += XZ_HEADER_SIZE;

	for (;;) {
		if (!in_left(d))
			return fail(d, -EINVAL, "stream truncated");
		if (!d->in[d->ip])
			break;		/* the index indicator */
		ret = decode_block(d, check, &blocks);
		if (ret)
			return ret;
	}
	ret = decode_index(d, &blocks, &index_size);
	if (ret)
		return ret;

	if (in_left(d) < XZ_FOOTER_SIZE)
		return fail(d, -EINVAL, "stream footer truncated");
	f = d->in + d->ip;
	if (crc32(f + 4, 6, 0) != get_le32(f))
		return fail(d, -EINVAL, "stream footer CRC32 mismatch");
	if (((uint64_t)get_le32(f + 4) + 1) * 4 != index_size)
		return fail(d, -EINVAL, "footer's index size is wrong");
	if (memcmp(f + 8, h + 6, 2))
		return fail(d, -EINVAL, "footer flags differ from header's");
	if (f[10] != 'Y' || f[11] != 'Z')
		return fail(d, -EINVAL, "no footer magic");
	d->ip += XZ_FOOTER_SIZE;
	return 0;
}

int xz_decompress(const void *in, size_t in_len, void *out, size_t out_cap,
		  size_t *out_len, char *why, size_t why_len)
{
	struct xz_dec d = {
		.in = in, .in_len = in_len, .out = out, .out_cap = out_cap,
		.why = why, .why_len = why_len,
	};
	int ret;

	if (why_len)
		why[0] = '\0';
	*out_len = 0;
	if (__atomic_exchange_n(&xz_busy, true, __ATOMIC_ACQUIRE))
		return fail(&d, -EBUSY, "decoder busy");
	crc_init();

	for (;;) {
		ret = decode_stream(&d);
		if (ret)
			break;
		/* stream padding: zeros in 4-byte units, then maybe a stream */
		while (in_left(&d) >= 4 && !get_le32(d.in + d.ip))
			d.ip += 4;
		if (!in_left(&d))
			break;
		if (in_left(&d) < XZ_MAGIC_LEN ||
		    memcmp(d.in + d.ip, XZ_MAGIC, XZ_MAGIC_LEN)) {
			ret = fail(&d, -EINVAL,
				   "garbage after the XZ stream");
			break;
		}
	}
	*out_len = d.op;
	__atomic_store_n(&xz_busy, false, __ATOMIC_RELEASE);
	return ret;
}
