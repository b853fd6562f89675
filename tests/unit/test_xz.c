/*
 * Host test for the single-call XZ decoder (hypervisor/common/xz.c,
 * hypervisor/include/tandem/xz.h).
 *
 * Checked:
 *  - round trips against the real xz tool (generated at test time from
 *    deterministic data): checks none/CRC32/CRC64, presets -0 .. -9e,
 *    small and large dictionaries, odd lc/lp/pb, multi-block
 *    (--block-size, -T2), x86 BCJ (with and without a start offset, on
 *    synthetic and real machine code), incompressible data (stored
 *    chunks), empty and one-byte input, concatenated streams and stream
 *    padding;
 *  - rejection: SHA-256 and other filters (-EOPNOTSUPP), .lzma and raw
 *    formats, bad padding, trailing garbage;
 *  - hand-built streams for each container and LZMA2 rule;
 *  - hostile input: every truncation of small files, every single-bit flip,
 *    random mutations, random LZMA chunk data in a valid container, every
 *    too-small out_cap (-ENOSPC). Buffers are allocated to their exact size
 *    so that AddressSanitizer sees any access out of bounds; an alarm turns
 *    a hang into a failure.
 *
 * Needs the xz tool for the round-trip and hostile parts; without it, the
 * hand-built cases run and the test exits 77 (skipped).
 *
 * Build (from the top of the tree):
 *   gcc -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
 *       -fsanitize=address,undefined -fno-sanitize-recover=all \
 *       -include tests/unit/shim/host_compiler.h -I hypervisor/include \
 *       tests/unit/test_xz.c hypervisor/common/xz.c -o test_xz
 *   ./test_xz
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tandem/errno.h>
#include <tandem/xz.h>

#include "check.h"

/* ---- deterministic data ---- */

static uint64_t rng_state;

static void rng_seed(uint64_t s)
{
	rng_state = s * 0x9e3779b97f4a7c15ull + 1;
}

static uint32_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (rng_state * 0x2545f4914f6cdd1dull) >> 32;
}

static uint8_t *gen_text(size_t n, uint64_t seed)
{
	static const char *words[] = {
		"the", "domain", "hypervisor", "grant", "event", "channel",
		"page", "table", "of", "and", "a", "vcpu", "shared_info",
		"frame", "to", "is", "in", "xen", "tandem", "kernel", "\n",
	};
	uint8_t *p = malloc(n + 1);
	size_t i = 0;

	rng_seed(seed);
	while (i < n) {
		const char *w = words[rng() % (sizeof(words) /
					       sizeof(words[0]))];
		while (*w && i < n)
			p[i++] = *w++;
		if (i < n)
			p[i++] = rng() % 7 ? ' ' : ',';
	}
	return p;
}

static uint8_t *gen_random(size_t n, uint64_t seed)
{
	uint8_t *p = malloc(n + 1);

	rng_seed(seed);
	for (size_t i = 0; i < n; i++)
		p[i] = rng();
	return p;
}

/*
 * Machine-code-like bytes: dense E8/E9 opcodes, 00/FF bytes where the
 * x86 filter looks, and repeats so that LZMA finds matches. Exercises
 * every path of the BCJ decoder's prefix-mask logic.
 */
static uint8_t *gen_x86(size_t n, uint64_t seed)
{
	uint8_t *p = malloc(n + 1);
	size_t i = 0;

	rng_seed(seed);
	while (i < n) {
		uint32_t r = rng() % 100;

		if (r < 15 && i >= 64) {
			size_t len = 4 + rng() % 40, from = i - 1 - rng() % 64;

			while (len-- && i < n)
				p[i++] = p[from++];
		} else if (r < 35) {
			p[i++] = 0xe8 | (rng() & 1);
		} else if (r < 55) {
			p[i++] = 0x00;
		} else if (r < 70) {
			p[i++] = 0xff;
		} else {
			p[i++] = rng();
		}
	}
	return p;
}

static uint8_t *gen_mixed(size_t n, uint64_t seed)
{
	uint8_t *p = malloc(n + 1);
	size_t i = 0;

	while (i < n) {
		size_t len = MIN(n - i, 1000 + (size_t)(seed * 7919 % 30000));
		uint8_t *q;

		switch (seed++ % 4) {
		case 0: q = gen_text(len, seed); break;
		case 1: q = gen_random(len, seed); break;
		case 2: q = gen_x86(len, seed); break;
		default: q = calloc(1, len + 1); break;
		}
		memcpy(p + i, q, len);
		free(q);
		i += len;
	}
	return p;
}

/* ---- files and the xz tool ---- */

static char tmpdir[] = "/tmp/test_xz.XXXXXX";

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		printf("FAIL: cannot write %s\n", path);
		exit(1);
	}
}

static uint8_t *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc(len + 1);
	if (fread(p, 1, len, f) != (size_t)len) {
		fclose(f);
		free(p);
		return NULL;
	}
	fclose(f);
	*n = len;
	return p;
}

/* Compress with "xz <opts>"; NULL if xz refused. */
static uint8_t *xz_tool(const uint8_t *data, size_t n, const char *opts,
			size_t *xn)
{
	char raw[128], cmd[512];
	int rc;

	snprintf(raw, sizeof(raw), "%s/raw", tmpdir);
	write_file(raw, data, n);
	snprintf(cmd, sizeof(cmd), "xz -q -c %s %s > %s/raw.xz 2>/dev/null",
		 opts, raw, tmpdir);
	rc = system(cmd);
	if (rc != 0)
		return NULL;
	snprintf(raw, sizeof(raw), "%s/raw.xz", tmpdir);
	return read_file(raw, xn);
}

/*
 * Decode with the input and the output in buffers of exactly in_len and
 * cap bytes, so that ASan catches any access beyond them.
 */
static int decode(const uint8_t *in, size_t in_len, size_t cap,
		  uint8_t **outp, size_t *out_len, char *why, size_t why_len)
{
	uint8_t *inb = malloc(in_len ? in_len : 1);
	uint8_t *out = malloc(cap ? cap : 1);
	int ret;

	memcpy(inb, in, in_len);
	*out_len = (size_t)-1;
	ret = xz_decompress(inb, in_len, out, cap, out_len, why, why_len);
	free(inb);
	if (outp)
		*outp = out;
	else
		free(out);
	return ret;
}

/* Decode and compare with the original; also one byte short and roomy. */
static void roundtrip_xz(const uint8_t *in, size_t in_len,
			 const uint8_t *data, size_t n, const char *name)
{
	char why[256];
	uint8_t *out;
	size_t len;
	int ret;

	ret = decode(in, in_len, n, &out, &len, why, sizeof(why));
	check(ret == 0, "%s: ret %d (%s)", name, ret, why);
	check(ret || len == n, "%s: length %zu, want %zu", name, len, n);
	check(ret || !memcmp(out, data, n), "%s: data differs", name);
	check(ret || why[0] == '\0', "%s: why set on success", name);
	free(out);
	if (n) {
		ret = decode(in, in_len, n - 1, NULL, &len, why, sizeof(why));
		check(ret == -ENOSPC, "%s: cap n-1: ret %d (%s)", name, ret,
		      why);
	}
	ret = decode(in, in_len, n + 4096, &out, &len, why, sizeof(why));
	check(ret == 0 && len == n && !memcmp(out, data, n),
	      "%s: roomy cap: ret %d", name, ret);
	free(out);
}

static void roundtrip(const uint8_t *data, size_t n, const char *opts,
		      const char *what)
{
	char name[256];
	uint8_t *xz;
	size_t xn;

	snprintf(name, sizeof(name), "%s [xz %s]", what, opts);
	xz = xz_tool(data, n, opts, &xn);
	check(xz != NULL, "%s: xz failed", name);
	if (!xz)
		return;
	roundtrip_xz(xz, xn, data, n, name);
	free(xz);
}

static int expect_err(const uint8_t *in, size_t n, int want,
		      const char *name, const char *why_has)
{
	char why[256];
	size_t len;
	int ret = decode(in, n, 1 << 20, NULL, &len, why, sizeof(why));

	check(ret == want, "%s: ret %d, want %d (%s)", name, ret, want, why);
	check(ret == 0 || why[0], "%s: no reason given", name);
	if (why_has)
		check(strstr(why, why_has) != NULL,
		      "%s: reason '%s' lacks '%s'", name, why, why_has);
	return ret;
}

/* ---- building streams by hand ---- */

static uint32_t t_crc32(const uint8_t *p, size_t n)
{
	uint32_t c = ~0u;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	}
	return ~c;
}

static uint64_t t_crc64(const uint8_t *p, size_t n)
{
	uint64_t c = ~0ull;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xc96c5795d7870f42ull & -(c & 1));
	}
	return ~c;
}

struct buf {
	uint8_t p[1 << 18];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > sizeof(b->p)) {
		printf("FAIL: test buffer overflow\n");
		exit(1);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void put8(struct buf *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put32(struct buf *b, uint32_t v)
{
	uint8_t le[4] = { v, v >> 8, v >> 16, v >> 24 };

	put(b, le, 4);
}

static void put_vli(struct buf *b, uint64_t v)
{
	while (v >= 0x80) {
		put8(b, (v & 0x7f) | 0x80);
		v >>= 7;
	}
	put8(b, v);
}

/* LZMA2 stored chunks for data, then the end byte. */
static size_t lzma2_stored(uint8_t *o, const uint8_t *data, size_t n)
{
	size_t len = 0, first = 1;

	while (n) {
		size_t c = MIN(n, (size_t)65536);

		o[len++] = first ? 0x01 : 0x02;
		o[len++] = (c - 1) >> 8;
		o[len++] = c - 1;
		memcpy(o + len, data, c);
		len += c;
		data += c;
		n -= c;
		first = 0;
	}
	o[len++] = 0x00;
	return len;
}

struct blk {
	const uint8_t *lzma2;	/* compressed data */
	size_t lzma2_len;
	const uint8_t *data;	/* what it decodes to (for check, sizes) */
	size_t data_len;
	bool sizes;		/* store both sizes in the header */
	int64_t csize_delta;	/* lie about the compressed size */
	int64_t usize_delta;	/* lie about the uncompressed size */
	const uint8_t *filters;	/* raw filter flags; default LZMA2 */
	size_t filters_len;
	unsigned int nr_filters;
	uint8_t flags_extra;	/* OR'd into the block flags */
	uint8_t hdr_pad_byte;	/* value of header padding */
};

enum {
	BAD_INDEX_COUNT = 1, BAD_INDEX_SIZE = 2, BAD_BACKWARD = 4,
	BAD_FOOTER_FLAGS = 8, BAD_FOOTER_MAGIC = 16, BAD_INDEX_PAD = 32,
};

static size_t t_check_size(unsigned int c)
{
	static const uint8_t sz[16] = { 0, 4, 4, 4, 8, 8, 8, 16, 16, 16,
					32, 32, 32, 64, 64, 64 };
	return sz[c & 15];
}

static void build(struct buf *o, unsigned int check, const struct blk *blks,
		  unsigned int nr, unsigned int bad)
{
	static const uint8_t lzma2_filter[] = { 0x21, 0x01, 0x16 };
	uint64_t unpadded[16], usize[16];
	uint8_t flags[2] = { 0, check };
	size_t index_start, index_size;
	unsigned int i;

	o->n = 0;
	put(o, XZ_MAGIC, 6);
	put(o, flags, 2);
	put32(o, t_crc32(flags, 2));
	for (i = 0; i < nr; i++) {
		const struct blk *b = &blks[i];
		struct buf *h = calloc(1, sizeof(*h));
		size_t start = o->n, hsize;
		uint8_t bf = (b->nr_filters ? b->nr_filters - 1 : 0);

		put8(h, 0);
		if (b->sizes)
			bf |= 0xc0;
		put8(h, bf | b->flags_extra);
		if (b->sizes) {
			put_vli(h, b->lzma2_len + b->csize_delta);
			put_vli(h, b->data_len + b->usize_delta);
		}
		if (b->filters)
			put(h, b->filters, b->filters_len);
		else
			put(h, lzma2_filter, sizeof(lzma2_filter));
		while ((h->n + 4) & 3)
			put8(h, b->hdr_pad_byte);
		h->p[0] = (h->n + 4) / 4 - 1;
		put32(h, t_crc32(h->p, h->n));
		hsize = h->n;
		put(o, h->p, h->n);
		free(h);
		put(o, b->lzma2, b->lzma2_len);
		while ((o->n - start) & 3)
			put8(o, 0);
		if ((check & 15) == 1) {
			put32(o, t_crc32(b->data, b->data_len));
		} else if ((check & 15) == 4) {
			uint64_t c = t_crc64(b->data, b->data_len);

			put32(o, c);
			put32(o, c >> 32);
		} else {
			for (size_t k = 0; k < t_check_size(check); k++)
				put8(o, 0);
		}
		unpadded[i] = hsize + b->lzma2_len + t_check_size(check);
		usize[i] = b->data_len;
	}
	index_start = o->n;
	put8(o, 0);
	put_vli(o, nr + !!(bad & BAD_INDEX_COUNT));
	for (i = 0; i < nr; i++) {
		put_vli(o, unpadded[i] + !!(bad & BAD_INDEX_SIZE));
		put_vli(o, usize[i]);
	}
	while ((o->n - index_start) & 3)
		put8(o, 0);
	if (bad & BAD_INDEX_PAD)
		o->p[o->n - 1] = 1;	/* assumes there is padding */
	put32(o, t_crc32(o->p + index_start, o->n - index_start));
	index_size = o->n - index_start;
	{
		uint8_t f[10];
		uint32_t bw = index_size / 4 - 1 + !!(bad & BAD_BACKWARD);

		f[0] = bw;
		f[1] = bw >> 8;
		f[2] = bw >> 16;
		f[3] = bw >> 24;
		f[4] = 0;
		f[5] = check ^ !!(bad & BAD_FOOTER_FLAGS);
		f[6] = 'Y';
		f[7] = bad & BAD_FOOTER_MAGIC ? 'X' : 'Z';
		put32(o, t_crc32(f, 6));
		put(o, f, 8);
	}
}

/* One block of stored chunks for data; the caller's blk gets defaults. */
static void build_simple(struct buf *o, unsigned int check,
			 const uint8_t *data, size_t n, struct blk *tmpl)
{
	static uint8_t l2[(1 << 17) + 64];
	struct blk b = tmpl ? *tmpl : (struct blk){ 0 };

	b.lzma2 = l2;
	b.lzma2_len = lzma2_stored(l2, data, n);
	b.data = data;
	b.data_len = n;
	build(o, check, &b, 1, 0);
}

/* A block whose LZMA2 data is given raw (check none, size 0 in index). */
static void build_raw_lzma2(struct buf *o, const uint8_t *l2, size_t n)
{
	static const uint8_t nothing[1];
	struct blk b = { .lzma2 = l2, .lzma2_len = n, .data = nothing };

	build(o, 0, &b, 1, 0);
}

static struct buf bb;

static void test_hand_built(void)
{
	unsigned int f0 = check_failures();
	static const uint8_t hello[] = "hello, tandem";
	char why[256];
	uint8_t *out;
	size_t len;
	int ret;

	/* valid: each supported check, sizes in header, several blocks */
	for (unsigned int c = 0; c <= 4; c += (c ? 3 : 1)) {
		build_simple(&bb, c, hello, sizeof(hello), NULL);
		ret = decode(bb.p, bb.n, sizeof(hello), &out, &len, why,
			     sizeof(why));
		check(ret == 0 && len == sizeof(hello) &&
		      !memcmp(out, hello, len),
		      "hand-built check %u: ret %d (%s)", c, ret, why);
		free(out);
	}
	{
		struct blk t = { .sizes = true };

		build_simple(&bb, 1, hello, sizeof(hello), &t);
		check(decode(bb.p, bb.n, sizeof(hello), NULL, &len, why,
			     sizeof(why)) == 0,
		      "sizes in header: %s", why);
		ret = decode(bb.p, bb.n, sizeof(hello) - 1, NULL, &len, why,
			     sizeof(why));
		check(ret == -ENOSPC, "declared size > cap: ret %d", ret);
		t.csize_delta = 1;
		build_simple(&bb, 1, hello, sizeof(hello), &t);
		expect_err(bb.p, bb.n, -EINVAL, "wrong compressed size",
			   "compressed size");
		t.csize_delta = 0;
		t.usize_delta = -1;
		build_simple(&bb, 1, hello, sizeof(hello), &t);
		expect_err(bb.p, bb.n, -EINVAL, "wrong uncompressed size",
			   "uncompressed size");
	}
	{
		/* 3 blocks, one spanning several stored chunks */
		static uint8_t l2[3][200000];
		uint8_t *big = gen_random(150000, 5);
		struct blk b[3] = {
			{ .data = hello, .data_len = 5 },
			{ .data = big, .data_len = 150000, .sizes = true },
			{ .data = hello + 5, .data_len = 3 },
		};

		for (int i = 0; i < 3; i++) {
			b[i].lzma2 = l2[i];
			b[i].lzma2_len = lzma2_stored(l2[i], b[i].data,
						      b[i].data_len);
		}
		build(&bb, 4, b, 3, 0);
		ret = decode(bb.p, bb.n, 150008, &out, &len, why, sizeof(why));
		check(ret == 0 && len == 150008 && !memcmp(out, hello, 5) &&
		      !memcmp(out + 5, big, 150000) &&
		      !memcmp(out + 150005, hello + 5, 3),
		      "3 blocks: ret %d (%s)", ret, why);
		free(out);
		build(&bb, 4, b, 3, BAD_INDEX_COUNT);
		expect_err(bb.p, bb.n, -EINVAL, "index count", "index");
		build(&bb, 4, b, 3, BAD_INDEX_SIZE);
		expect_err(bb.p, bb.n, -EINVAL, "index record", "index");
		build(&bb, 4, b, 3, BAD_BACKWARD);
		expect_err(bb.p, bb.n, -EINVAL, "backward size", "index size");
		build(&bb, 4, b, 3, BAD_FOOTER_FLAGS);
		expect_err(bb.p, bb.n, -EINVAL, "footer flags", "flags");
		build(&bb, 4, b, 3, BAD_FOOTER_MAGIC);
		expect_err(bb.p, bb.n, -EINVAL, "footer magic", "magic");
		free(big);
	}
	/* zero blocks */
	build(&bb, 1, NULL, 0, 0);
	ret = decode(bb.p, bb.n, 0, NULL, &len, why, sizeof(why));
	check(ret == 0 && len == 0, "no blocks: ret %d (%s)", ret, why);
	build(&bb, 1, NULL, 0, BAD_INDEX_PAD);
	expect_err(bb.p, bb.n, -EINVAL, "index padding", "padding");

	/* checks and flags */
	build_simple(&bb, 0x0a, hello, sizeof(hello), NULL);
	expect_err(bb.p, bb.n, -EOPNOTSUPP, "SHA-256", "SHA-256");
	build_simple(&bb, 0x02, hello, sizeof(hello), NULL);
	expect_err(bb.p, bb.n, -EOPNOTSUPP, "check type 2", "not supported");
	build_simple(&bb, 0x11, hello, sizeof(hello), NULL);
	expect_err(bb.p, bb.n, -EOPNOTSUPP, "stream flags", "flags");
	{
		struct blk t = { .flags_extra = 0x04 };

		build_simple(&bb, 1, hello, sizeof(hello), &t);
		expect_err(bb.p, bb.n, -EOPNOTSUPP, "block flags", "reserved");
		t = (struct blk){ .hdr_pad_byte = 1 };
		build_simple(&bb, 1, hello, sizeof(hello), &t);
		expect_err(bb.p, bb.n, -EINVAL, "header padding", "padding");
	}

	/* filter chains */
	{
		static const struct {
			const char *name;
			uint8_t f[16];
			size_t n;
			unsigned int nr;
			int want;
			const char *why;
		} fc[] = {
			{ "x86+lzma2", { 4, 0, 0x21, 1, 0x16 }, 5, 2, 0, NULL },
			{ "x86 start+lzma2", { 4, 4, 1, 2, 3, 4, 0x21, 1, 0 },
			  9, 2, 0, NULL },
			{ "x86 last", { 0x21, 1, 0x16, 4, 0 }, 5, 2, -EINVAL,
			  "LZMA2" },
			{ "x86 only", { 4, 0 }, 2, 1, -EINVAL, "last" },
			{ "delta", { 3, 1, 0, 0x21, 1, 0x16 }, 6, 2,
			  -EOPNOTSUPP, "0x3" },
			{ "arm", { 7, 0, 0x21, 1, 0x16 }, 5, 2, -EOPNOTSUPP,
			  "not supported" },
			{ "x86 x2", { 4, 0, 4, 0, 0x21, 1, 0x16 }, 7, 3,
			  -EOPNOTSUPP, "x86" },
			{ "x86 props 1", { 4, 1, 0, 0x21, 1, 0x16 }, 6, 2,
			  -EINVAL, "x86" },
			{ "lzma2 props 2", { 0x21, 2, 0x16, 0 }, 4, 1,
			  -EINVAL, "LZMA2" },
			{ "lzma2 dict 41", { 0x21, 1, 41 }, 3, 1, -EINVAL,
			  "dictionary" },
			{ "lzma2 dict 40", { 0x21, 1, 40 }, 3, 1, 0, NULL },
			{ "vli not minimal", { 0xa1, 0x00, 1, 0x16 }, 4, 1,
			  -EINVAL, "integer" },
			{ "vli too long", { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			  0xff, 0xff, 0xff, 0x01, 1, 0x16 }, 12, 1,
			  -EINVAL, "integer" },
			{ "props past header", { 0x21, 0x7f, 0x16 }, 3, 1,
			  -EINVAL, "truncated" },
		};

		for (size_t i = 0; i < sizeof(fc) / sizeof(fc[0]); i++) {
			struct blk t = { .filters = fc[i].f,
					 .filters_len = fc[i].n,
					 .nr_filters = fc[i].nr };

			build_simple(&bb, 1, hello, sizeof(hello), &t);
			expect_err(bb.p, bb.n, fc[i].want, fc[i].name,
				   fc[i].why);
		}
	}

	/* LZMA2 chunk rules */
	{
		static const struct {
			const char *name;
			uint8_t l2[24];
			size_t n;
			int want;
			const char *why;
		} lc[] = {
			{ "no dict reset", { 2, 0, 0, 'x', 0 }, 5, -EINVAL,
			  "reset" },
			{ "control 3", { 1, 0, 0, 'x', 3 }, 5, -EINVAL,
			  "control" },
			{ "control 0x7f", { 0x7f }, 1, -EINVAL, "" },
			{ "lzma no dict reset", { 0x80, 0, 0, 0, 4, 0, 0, 0,
			  0, 0, 0 }, 11, -EINVAL, "reset" },
			{ "stored then 0xa0", { 1, 0, 0, 'x', 0xa0, 0, 0, 0,
			  4, 0, 0, 0, 0, 0, 0 }, 15, -EINVAL,
			  "properties" },
			{ "props 225", { 0xe0, 0, 0, 0, 4, 225, 0, 0, 0, 0, 0,
			  0 }, 12, -EINVAL, "properties" },
			{ "lc+lp 5", { 0xe0, 0, 0, 0, 4, 21, 0, 0, 0, 0, 0,
			  0 }, 12, -EINVAL, "lc + lp" },
			{ "rc byte 0", { 0xe0, 0, 0, 0, 4, 0x5d, 1, 0, 0, 0, 0,
			  0 }, 12, -EINVAL, "range coder" },
			{ "packed 4", { 0xe0, 0, 0, 0, 3, 0x5d, 0, 0, 0, 0,
			  0 }, 11, -EINVAL, "range coder" },
			{ "stored truncated", { 1, 0xff, 0xff, 'x' }, 4,
			  -EINVAL,
			  "truncated" },
			{ "no end byte", { 1, 0, 0, 'x' }, 4, -EINVAL, NULL },
			{ "lzma truncated", { 0xe0, 0, 0, 0, 40, 0x5d, 0 }, 7,
			  -EINVAL, "truncated" },
			{ "empty lzma2", { 0 }, 1, 0, NULL },
		};

		for (size_t i = 0; i < sizeof(lc) / sizeof(lc[0]); i++) {
			build_raw_lzma2(&bb, lc[i].l2, lc[i].n);
			expect_err(bb.p, bb.n, lc[i].want, lc[i].name,
				   lc[i].why);
		}
	}

	/* the why buffer: absent, tiny */
	build_simple(&bb, 1, hello, sizeof(hello), NULL);
	bb.p[bb.n - 1] ^= 1;
	{
		uint8_t *o = malloc(64);

		ret = xz_decompress(bb.p, bb.n, o, 64, &len, NULL, 0);
		check(ret == -EINVAL, "why NULL: ret %d", ret);
		memset(why, 'x', sizeof(why));
		ret = xz_decompress(bb.p, bb.n, o, 64, &len, why, 6);
		check(ret == -EINVAL && strlen(why) == 5,
		      "why tiny: ret %d '%s'", ret, why);
		ret = xz_decompress(bb.p, 0, o, 64, &len, why, sizeof(why));
		check(ret == -EINVAL, "empty input: ret %d", ret);
		ret = xz_decompress("hello world, not xz at all", 26, o, 64,
				    &len, why, sizeof(why));
		check(ret == -EINVAL && strstr(why, "magic"),
		      "not xz: ret %d (%s)", ret, why);
		free(o);
	}
	check_section(f0, "hand-built streams");
}

/* ---- round trips against the xz tool ---- */

static void test_roundtrips(void)
{
	static const char *text_opts[] = {
		"-0 --check=crc32", "-6 --check=crc64", "-9e --check=none",
		"--check=crc32 --lzma2=dict=4KiB",
		"--lzma2=preset=6,lc=4,lp=0,pb=0",
		"--lzma2=preset=6,lc=0,lp=4,pb=4",
		"--lzma2=preset=1,lc=1,lp=3,pb=1",
		"--lzma2=mode=fast,mf=hc3,nice=8",
		"--lzma2=mode=normal,mf=bt2,nice=273,depth=200",
		"--check=crc32 --block-size=10000",
		"-T2 --block-size=60000 --check=crc64",
		"--x86 --lzma2=preset=6",
	};
	static const char *x86_opts[] = {
		"--x86 --check=crc32 --lzma2=preset=6,dict=32MiB",
		"--x86 --lzma2=preset=0",
		"--x86=start=4096 --lzma2 --check=crc64",
		"--x86=start=4294967295 --lzma2=preset=1",
		"--x86 --lzma2 --block-size=100000 --check=crc32",
		"--x86 --lzma2=preset=9e",
		"-6",
	};
	static const char *random_opts[] = {
		"-6 --check=crc32", "-0", "--block-size=70000 --check=crc64",
		"--x86 --lzma2 --check=crc32",
	};
	unsigned int f0 = check_failures();
	uint8_t *d;
	size_t n;

	d = gen_text(300000, 1);
	for (size_t i = 0; i < sizeof(text_opts) / sizeof(*text_opts); i++)
		roundtrip(d, 300000, text_opts[i], "text 300K");
	free(d);
	check_section(f0, "round trips: text, presets, checks, lc/lp/pb, "
		      "blocks");

	f0 = check_failures();
	d = gen_x86(1 << 20, 2);
	for (size_t i = 0; i < sizeof(x86_opts) / sizeof(*x86_opts); i++)
		roundtrip(d, 1 << 20, x86_opts[i], "x86-like 1M");
	free(d);
	d = read_file("/proc/self/exe", &n);
	check(d != NULL, "cannot read /proc/self/exe");
	if (d) {
		roundtrip(d, n, "--x86 --lzma2 --check=crc32",
			  "own executable");
		roundtrip(d, n, "--x86=start=4194304 --lzma2=preset=9",
			  "own executable");
		free(d);
	}
	check_section(f0, "round trips: x86 BCJ filter");

	f0 = check_failures();
	d = gen_random(300000, 3);
	for (size_t i = 0; i < sizeof(random_opts) / sizeof(*random_opts);
	     i++)
		roundtrip(d, 300000, random_opts[i], "random 300K");
	free(d);
	d = calloc(1, 5 << 20);
	roundtrip(d, 5 << 20, "-9 --check=crc32", "zeros 5M");
	roundtrip(d, 5 << 20, "-0 --check=crc64", "zeros 5M");
	free(d);
	d = gen_mixed(600000, 4);
	roundtrip(d, 600000, "--lzma2=preset=6,dict=64KiB", "mixed 600K");
	roundtrip(d, 600000, "--x86 --lzma2=preset=6e --check=crc32",
		  "mixed 600K");
	free(d);
	roundtrip((const uint8_t *)"", 0, "-6", "empty");
	roundtrip((const uint8_t *)"", 0, "--check=crc32 --x86 --lzma2",
		  "empty");
	roundtrip((const uint8_t *)"Z", 1, "--check=crc64", "one byte");
	check_section(f0, "round trips: incompressible, long runs, mixed, "
		      "empty");
}

/* ---- streams: concatenation, padding, other formats ---- */

static void test_streams(void)
{
	unsigned int f0 = check_failures();
	uint8_t *a = gen_text(5000, 7), *b = gen_x86(7000, 8);
	uint8_t *xa, *xb, *both, *cat, *bad;
	size_t na, nb, len;
	char why[256];
	int ret;

	xa = xz_tool(a, 5000, "--check=crc32", &na);
	xb = xz_tool(b, 7000, "--x86 --lzma2 --check=crc64", &nb);
	check(xa && xb, "xz for concatenation");
	if (!xa || !xb)
		return;
	both = malloc(12000);
	memcpy(both, a, 5000);
	memcpy(both + 5000, b, 7000);
	cat = malloc(na + nb + 16);

	/* a, 8 bytes of padding, b, 4 bytes of padding */
	memcpy(cat, xa, na);
	memset(cat + na, 0, 8);
	memcpy(cat + na + 8, xb, nb);
	memset(cat + na + 8 + nb, 0, 4);
	roundtrip_xz(cat, na + 8 + nb + 4, both, 12000,
		     "two streams with padding");
	roundtrip_xz(cat, na + 8 + nb, both, 12000, "two streams");
	memcpy(cat + na, xb, nb);
	roundtrip_xz(cat, na + nb, both, 12000, "two streams, no padding");

	for (int pad = 1; pad <= 7; pad++) {
		char name[64];

		if (pad == 4)
			continue;
		memcpy(cat, xa, na);
		memset(cat + na, 0, pad);
		snprintf(name, sizeof(name), "padding of %d", pad);
		expect_err(cat, na + pad, -EINVAL, name, "garbage");
	}
	memcpy(cat, xa, na);
	memcpy(cat + na, "\0\0\0\0JUNK", 8);
	expect_err(cat, na + 8, -EINVAL, "trailing garbage", "garbage");
	memcpy(cat + na, xb, 12);	/* a second stream's header only */
	expect_err(cat, na + 12, -EINVAL, "truncated second stream", NULL);

	/* a 4-byte size after the stream, as in a bzImage payload */
	memcpy(cat + na, "\x88\x13\0\0", 4);
	expect_err(cat, na + 4, -EINVAL, "bzImage-style size trailer",
		   "garbage");
	ret = decode(cat, na, 5000, NULL, &len, why, sizeof(why));
	check(ret == 0 && len == 5000, "stream without trailer: %d", ret);

	bad = xz_tool(a, 5000, "--check=sha256", &len);
	check(bad != NULL, "xz sha256");
	if (bad)
		expect_err(bad, len, -EOPNOTSUPP, "xz --check=sha256",
			   "SHA-256");
	free(bad);
	bad = xz_tool(a, 5000, "--delta=dist=4 --lzma2", &len);
	check(bad != NULL, "xz delta");
	if (bad)
		expect_err(bad, len, -EOPNOTSUPP, "xz --delta", "filter");
	free(bad);
	bad = xz_tool(a, 5000, "--arm --lzma2", &len);
	if (bad)
		expect_err(bad, len, -EOPNOTSUPP, "xz --arm", "filter");
	free(bad);
	bad = xz_tool(a, 5000, "--x86 --delta --lzma2", &len);
	if (bad)
		expect_err(bad, len, -EOPNOTSUPP, "xz --x86 --delta",
			   "filter");
	free(bad);
	bad = xz_tool(a, 5000, "--format=lzma", &len);
	check(bad != NULL, "xz lzma");
	if (bad)
		expect_err(bad, len, -EINVAL, "xz --format=lzma", "magic");
	free(bad);
	bad = xz_tool(a, 5000, "--format=raw", &len);
	check(bad != NULL, "xz raw");
	if (bad)
		expect_err(bad, len, -EINVAL, "xz --format=raw", NULL);
	free(bad);

	free(a);
	free(b);
	free(xa);
	free(xb);
	free(both);
	free(cat);
	check_section(f0, "concatenated streams, padding, unsupported "
		      "formats");
}

/* ---- hostile input ---- */

/* Error reasons seen, with offsets stripped, to show what was reached. */
static char reasons[64][96];
static int reason_hits[64], nr_reasons;

static void note_reason(const char *why)
{
	const char *p = strstr(why, ": ");
	char r[96];
	int i;

	p = p ? strstr(p + 2, ": ") : NULL;
	snprintf(r, sizeof(r), "%.95s", p ? p + 2 : why);
	/* keep the words: cut at a parenthesis or a number after a space */
	for (i = 0; r[i]; i++)
		if (r[i] == '(' || (i && r[i - 1] == ' ' &&
				    r[i] >= '0' && r[i] <= '9'))
			break;
	r[i] = '\0';
	for (i = 0; i < nr_reasons; i++)
		if (!strcmp(reasons[i], r))
			break;
	if (i == nr_reasons) {
		if (nr_reasons == 64)
			return;
		snprintf(reasons[nr_reasons++], sizeof(reasons[0]), "%s", r);
	}
	reason_hits[i]++;
}

/* Decode hostile input; must fail cleanly (or succeed if ok_success). */
static int hostile(const uint8_t *in, size_t n, size_t cap, bool ok_success,
		   const char *name, size_t where)
{
	char why[256];
	size_t len;
	int ret = decode(in, n, cap, NULL, &len, why, sizeof(why));

	if (ret)
		note_reason(why);
	check(ret == -EINVAL || ret == -EOPNOTSUPP || ret == -ENOSPC ||
	      (ok_success && ret == 0),
	      "%s at %zu: ret %d (%s)", name, where, ret, why);
	check(len <= cap, "%s at %zu: out_len %zu > cap", name, where, len);
	check(ret == 0 || why[0], "%s at %zu: no reason", name, where);
	return ret;
}

static void test_truncation(void)
{
	static const struct {
		const char *opts;
		size_t n;
	} files[] = {
		{ "--check=crc32", 20000 },
		{ "--x86 --lzma2 --check=crc64 --block-size=3000", 12000 },
		{ "--check=none -0", 10000 },
	};
	unsigned int f0 = check_failures();

	for (size_t f = 0; f < sizeof(files) / sizeof(*files); f++) {
		uint8_t *d = gen_mixed(files[f].n, 10 + f), *x;
		size_t xn;

		x = xz_tool(d, files[f].n, files[f].opts, &xn);
		check(x != NULL, "xz %s", files[f].opts);
		if (!x)
			continue;
		for (size_t cut = 0; cut < xn; cut++) {
			int ret = hostile(x, cut, files[f].n, false,
					  "truncated", cut);

			check(ret == -EINVAL, "truncated at %zu: %d", cut, ret);
		}
		/* every too-small output size */
		for (size_t cap = 0; cap < files[f].n;
		     cap += 1 + cap / 16) {
			char why[256];
			size_t len;
			int ret = decode(x, xn, cap, NULL, &len, why,
					 sizeof(why));

			check(ret == -ENOSPC && len <= cap,
			      "cap %zu of %zu: ret %d (%s)", cap,
			      files[f].n, ret, why);
		}
		free(x);
		free(d);
	}
	check_section(f0, "truncation at every offset; every small out_cap");
}

static void test_bitflips(void)
{
	static const struct {
		const char *opts;
		bool ok_success;	/* no check: corruption may decode */
	} files[] = {
		{ "--check=crc32", false },
		{ "--x86 --lzma2 --check=crc64 --block-size=2000", false },
		{ "--check=none", true },
	};
	unsigned int f0 = check_failures();
	int successes = 0, total = 0;

	for (size_t f = 0; f < sizeof(files) / sizeof(*files); f++) {
		uint8_t *d = gen_mixed(6000, 20 + f), *x;
		size_t xn;

		x = xz_tool(d, 6000, files[f].opts, &xn);
		check(x != NULL, "xz %s", files[f].opts);
		if (!x)
			continue;
		for (size_t bit = 0; bit < xn * 8; bit++) {
			int ret;

			x[bit / 8] ^= 1 << (bit % 8);
			ret = hostile(x, xn, 6000, files[f].ok_success,
				      "bit flip", bit);
			if (!files[f].ok_success)
				check(ret == -EINVAL || ret == -EOPNOTSUPP ||
				      ret == -ENOSPC,
				      "bit flip %zu undetected", bit);
			successes += ret == 0;
			total++;
			x[bit / 8] ^= 1 << (bit % 8);
		}
		free(x);
		free(d);
	}
	check_section(f0, "every single-bit flip");
	printf("     (%d flips, %d decoded without error, all in the "
	       "check=none file)\n", total, successes);
}

static void test_mutations(void)
{
	unsigned int f0 = check_failures();
	uint8_t *d = gen_mixed(40000, 30), *x, *m;
	size_t xn;

	x = xz_tool(d, 40000, "--x86 --lzma2 --check=crc32 --block-size=9000",
		    &xn);
	check(x != NULL, "xz for mutations");
	if (!x)
		return;
	m = malloc(xn);
	rng_seed(31);
	for (int it = 0; it < 3000; it++) {
		int k = 1 + rng() % 8;

		memcpy(m, x, xn);
		while (k--) {
			size_t at = rng() % xn;

			switch (rng() % 4) {
			case 0: m[at] = rng(); break;
			case 1: m[at] = 0; break;
			case 2: m[at] = 0xff; break;
			default: m[at] ^= 1 << (rng() % 8); break;
			}
		}
		/* a mutation may be a no-op, or hit only the padding */
		if (!hostile(m, xn, 40000 + (rng() % 2) * 100000, true,
			     "mutation", it)) {
			uint8_t *out;
			size_t len;
			char why[256];

			decode(m, xn, 40000, &out, &len, why, sizeof(why));
			check(len == 40000 && !memcmp(out, d, len),
			      "mutation %d: decoded to wrong data", it);
			free(out);
		}
	}
	free(m);
	free(x);
	free(d);
	check_section(f0, "random multi-byte mutations");
}

/*
 * Random LZMA chunks inside a valid container: the LZMA decoder proper
 * meets arbitrary range-coded data, wild distances and lengths.
 */
static void test_random_lzma(void)
{
	static uint8_t l2[70000];
	unsigned int f0 = check_failures();

	rng_seed(40);
	for (int it = 0; it < 4000; it++) {
		size_t packed = 5 + rng() % (it < 3000 ? 200 : 65000);
		size_t unpacked = 1 + rng() % (it % 3 ? 2000 : 1 << 21);
		size_t n = 0, i;
		/* lc, lp, pb: mostly valid */
		unsigned int lc = rng() % 5, lp = rng() % (5 - lc);
		unsigned int pb = rng() % 5;
		size_t cap = rng() % 2 ? unpacked : unpacked + rng() % 99;

		if (it % 5 == 0) {
			/* a stored chunk first: some dictionary to match */
			l2[n++] = 1;
			l2[n++] = 0;
			l2[n++] = 99;
			for (i = 0; i < 100; i++)
				l2[n++] = rng();
			cap += 100;
		}
		l2[n++] = 0xe0 | ((unpacked - 1) >> 16);
		l2[n++] = (unpacked - 1) >> 8;
		l2[n++] = unpacked - 1;
		l2[n++] = (packed - 1) >> 8;
		l2[n++] = packed - 1;
		l2[n++] = (pb * 5 + lp) * 9 + lc;
		l2[n++] = 0;
		for (i = 1; i < packed; i++)
			l2[n++] = rng() % 4 ? rng() : 0;
		l2[n++] = 0;
		build_raw_lzma2(&bb, l2, n);
		hostile(bb.p, bb.n, cap, true, "random LZMA", it);
	}
	check_section(f0, "random LZMA chunk data");
}

int main(int argc, char **argv)
{
	bool have_xz;

	alarm(600);	/* a hang is a failure */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(tmpdir)) {
		printf("FAIL: mkdtemp\n");
		return 1;
	}
	have_xz = system("xz --version >/dev/null 2>&1") == 0;

	test_hand_built();
	if (have_xz) {
		test_roundtrips();
		test_streams();
		test_truncation();
		test_bitflips();
		test_mutations();
	} else {
		printf("skip: the xz tool is missing; round-trip and hostile "
		       "tests not run\n");
	}
	test_random_lzma();

	printf("     error reasons reached by the hostile tests:\n");
	for (int i = 0; i < nr_reasons; i++)
		printf("       %6d  %s\n", reason_hits[i], reasons[i]);

	{
		char path[128];

		snprintf(path, sizeof(path), "%s/raw", tmpdir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/raw.xz", tmpdir);
		unlink(path);
		rmdir(tmpdir);
	}
	if (check_summary())
		return 1;
	return have_xz ? 0 : 77;
}
