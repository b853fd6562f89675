/*
 * Host test for bzImage parsing (hypervisor/common/bzimage.c) together with
 * the XZ decoder (hypervisor/common/xz.c) on a small fake bzImage made here:
 * setup sectors with the boot-protocol header, then a payload that is a
 * hand-built .xz stream followed by the 4-byte uncompressed size.
 *
 * Checked: recognition; setup_sects 0 meaning 4; protocol version limit;
 * every header offset and size against the buffer (overflowing values,
 * one byte too far, exactly to the end); other compressors named in the
 * reason; the size trailer's limits; truncation of the image at every
 * length; random header fields. Buffers have their exact size for ASan.
 *
 * Optionally, with TANDEM_TEST_VMLINUZ=/path/to/vmlinuz (a real Debian
 * kernel; never needed by the test run), it decompresses the real payload,
 * times it, checks that the result is an x86-64 ELF with Xen notes, and
 * with TANDEM_TEST_VMLINUX=/path/to/reference compares every byte.
 *
 * Build (from the top of the tree):
 *   gcc -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
 *       -fsanitize=address,undefined -fno-sanitize-recover=all \
 *       -include tests/unit/shim/host_compiler.h -I hypervisor/include \
 *       tests/unit/test_bzimage.c hypervisor/common/bzimage.c \
 *       hypervisor/common/xz.c -o test_bzimage
 *   ./test_bzimage
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tandem/bzimage.h>
#include <tandem/errno.h>
#include <tandem/xz.h>

#include "check.h"

static void w32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t r32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

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

/* A .xz stream: one block of LZMA2 stored chunks, CRC32 check. */
static size_t make_xz(uint8_t *o, const uint8_t *data, size_t n)
{
	static const uint8_t bhdr[8] = { 2, 0, 0x21, 1, 0x16, 0, 0, 0 };
	size_t len = 0, start, rem = n, ix, unpadded;
	const uint8_t *d = data;
	int first = 1;

	memcpy(o, XZ_MAGIC, 6);
	o[6] = 0;
	o[7] = 1;
	w32(o + 8, t_crc32(o + 6, 2));
	len = 12;
	start = len;
	memcpy(o + len, bhdr, 8);
	w32(o + len + 8, t_crc32(bhdr, 8));
	len += 12;
	while (rem) {
		size_t c = rem < 65536 ? rem : 65536;

		o[len++] = first ? 1 : 2;
		o[len++] = (c - 1) >> 8;
		o[len++] = c - 1;
		memcpy(o + len, d, c);
		len += c;
		d += c;
		rem -= c;
		first = 0;
	}
	o[len++] = 0;
	unpadded = len - start + 4;
	while ((len - start) & 3)
		o[len++] = 0;
	w32(o + len, t_crc32(data, n));
	len += 4;
	ix = len;
	o[len++] = 0;
	o[len++] = 1;
	for (size_t v = unpadded; ; v >>= 7) {
		o[len++] = (v & 0x7f) | (v >= 0x80 ? 0x80 : 0);
		if (v < 0x80)
			break;
	}
	for (size_t v = n; ; v >>= 7) {
		o[len++] = (v & 0x7f) | (v >= 0x80 ? 0x80 : 0);
		if (v < 0x80)
			break;
	}
	while ((len - ix) & 3)
		o[len++] = 0;
	w32(o + len, t_crc32(o + ix, len - ix));
	len += 4;
	w32(o + len + 4, (len - ix) / 4 - 1);
	o[len + 8] = 0;
	o[len + 9] = 1;
	o[len + 10] = 'Y';
	o[len + 11] = 'Z';
	w32(o + len, t_crc32(o + len + 4, 6));
	return len + 12;
}

struct fake {
	uint8_t setup_sects;	/* as stored; 0 means 4 */
	uint16_t version;
	size_t pm_prefix;	/* bytes of "code" before the payload */
	size_t extra;		/* bytes after it */
	const uint8_t *payload;
	size_t payload_len;
	bool no_trailer;
	uint32_t trailer;	/* 0: the real size */
};

static uint8_t *make_bzimage(const struct fake *f, size_t data_len,
			     size_t *len)
{
	size_t sects = f->setup_sects ? f->setup_sects : 4;
	size_t pm = (sects + 1) * 512;
	size_t plen = f->payload_len + (f->no_trailer ? 0 : 4);
	size_t n = pm + f->pm_prefix + plen + f->extra;
	uint8_t *p = calloc(1, n);

	p[0x1f1] = f->setup_sects;
	p[0x1fe] = 0x55;
	p[0x1ff] = 0xaa;
	memcpy(p + 0x202, "HdrS", 4);
	p[0x206] = f->version;
	p[0x207] = f->version >> 8;
	w32(p + 0x248, f->pm_prefix);
	w32(p + 0x24c, plen);
	memset(p + pm, 0x90, f->pm_prefix);
	memcpy(p + pm + f->pm_prefix, f->payload, f->payload_len);
	if (!f->no_trailer)
		w32(p + pm + f->pm_prefix + f->payload_len,
		    f->trailer ? f->trailer : data_len);
	*len = n;
	return p;
}

static enum bzimage_codec codec;	/* what the last parse() found */

static int parse(const uint8_t *img, size_t len, const uint8_t **pl,
		 size_t *pl_len, size_t *usize, char *why)
{
	uint8_t *copy = malloc(len ? len : 1);
	int ret;

	memcpy(copy, img, len);
	*pl = NULL;
	ret = bzimage_payload(copy, len, (const void **)pl, pl_len, &codec,
			      usize, why, 256);
	/* report the payload's offset in the caller's image */
	if (!ret)
		*pl = img + (*pl - copy);
	free(copy);
	return ret;
}

static uint8_t data[300000];
static uint8_t xzbuf[400000];

static void test_fake(void)
{
	unsigned int f0 = check_failures();
	size_t xn, len, pl_len, usize, out_len;
	const uint8_t *pl;
	uint8_t *img, *out;
	char why[256];
	int ret;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (i * 7 + (i >> 9)) ^ (i >> 3);
	xn = make_xz(xzbuf, data, sizeof(data));

	for (unsigned int sects = 0; sects < 40; sects += 13) {
		struct fake f = { .setup_sects = sects, .version = 0x020f,
				  .pm_prefix = 1000 + sects, .extra = sects,
				  .payload = xzbuf, .payload_len = xn };

		img = make_bzimage(&f, sizeof(data), &len);
		check(bzimage_looks_like(img, len), "looks_like sects %u",
		      sects);
		ret = parse(img, len, &pl, &pl_len, &usize, why);
		check(ret == 0, "sects %u: ret %d (%s)", sects, ret, why);
		if (!ret) {
			size_t pm = ((sects ? sects : 4) + 1) * 512;

			check(pl == img + pm + f.pm_prefix,
			      "sects %u: payload at %td", sects, pl - img);
			check(pl_len == xn && usize == sizeof(data),
			      "sects %u: sizes %zu %zu", sects, pl_len, usize);
			out = malloc(usize);
			ret = xz_decompress(pl, pl_len, out, usize, &out_len,
					    why, sizeof(why));
			check(ret == 0 && out_len == sizeof(data) &&
			      !memcmp(out, data, sizeof(data)),
			      "sects %u: decompress %d (%s)", sects, ret, why);
			free(out);
		}
		free(img);
	}
	check_section(f0, "fake bzImage: payload found and decompressed");
}

static void expect(const struct fake *f, int want, const char *has,
		   const char *name)
{
	size_t len, pl_len, usize;
	const uint8_t *pl;
	uint8_t *img = make_bzimage(f, sizeof(data), &len);
	char why[256];
	int ret = parse(img, len, &pl, &pl_len, &usize, why);

	check(ret == want, "%s: ret %d, want %d (%s)", name, ret, want, why);
	check(!has || strstr(why, has), "%s: reason '%s' lacks '%s'", name,
	      why, has);
	check(ret == 0 || why[0], "%s: no reason", name);
	free(img);
}

static void test_rejects(void)
{
	static const struct {
		const char *name;
		uint8_t magic[8];
		size_t n;
	} formats[] = {
		{ "gzip", { 0x1f, 0x8b, 8, 0 }, 4 },
		{ "bzip2", { 'B', 'Z', 'h', '9' }, 4 },
		{ "LZMA", { 0x5d, 0, 0, 0x80 }, 4 },
		{ "LZO", { 0x89, 'L', 'Z', 'O', 0 }, 5 },
		{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
		{ "ELF", { 0x7f, 'E', 'L', 'F', 2 }, 5 },
		{ "unknown", { 1, 2, 3, 4, 5, 6, 7, 8 }, 8 },
	};
	unsigned int f0 = check_failures();
	struct fake base = { .setup_sects = 7, .version = 0x020f,
			     .pm_prefix = 100, .payload = xzbuf,
			     .payload_len = 64 };
	struct fake f;
	size_t len, pl_len, usize;
	const uint8_t *pl;
	uint8_t *img;
	char why[256];
	int ret;

	f = base;
	expect(&f, 0, NULL, "baseline");
	check(codec == BZIMAGE_XZ, "baseline: codec %d, want XZ", codec);
	{
		/* An LZ4 legacy payload is recognised, not rejected. */
		static const uint8_t lz4pay[64] = { 0x02, 0x21, 0x4c, 0x18 };

		f.payload = lz4pay;
		expect(&f, 0, NULL, "LZ4 payload");
		check(codec == BZIMAGE_LZ4, "LZ4: codec %d, want LZ4", codec);
		f = base;
	}
	f.version = 0x0207;
	expect(&f, -EOPNOTSUPP, "2.07", "protocol 2.07");
	f.version = 0x0208;
	expect(&f, 0, NULL, "protocol 2.08");

	for (size_t i = 0; i < sizeof(formats) / sizeof(*formats); i++) {
		uint8_t pay[64] = { 0 };

		memcpy(pay, formats[i].magic, formats[i].n);
		f = base;
		f.payload = pay;
		expect(&f, -EOPNOTSUPP, formats[i].name, formats[i].name);
	}
	{
		uint8_t pay[64] = { 0x1f, 0x8b };

		f = base;
		f.payload = pay;
		expect(&f, -EOPNOTSUPP,
		       "gzip-compressed kernels are not supported; use an XZ or LZ4 one, or an extracted ELF",
		       "gzip message");
	}

	f = base;
	f.trailer = 512u << 20;
	expect(&f, 0, NULL, "512 MiB");
	f.trailer = (512u << 20) + 1;
	expect(&f, -EINVAL, "limit", "512 MiB + 1");
	f.trailer = 0xffffffff;
	expect(&f, -EINVAL, "limit", "4 GiB");
	f = base;
	f.payload_len = 6;
	f.no_trailer = true;
	expect(&f, -EINVAL, "short", "magic only");
	f.payload_len = 0;
	expect(&f, -EOPNOTSUPP, "unknown", "empty payload");

	/* header fields pointing outside the image */
	f = base;
	img = make_bzimage(&f, sizeof(data), &len);
	{
		static const uint32_t offs[] = { 0xffffffff, 0xfffffe00,
						 0x80000000, 1 << 20 };
		size_t pm = 8 * 512;

		for (size_t i = 0; i < 4; i++) {
			uint8_t *c = malloc(len);

			memcpy(c, img, len);
			w32(c + 0x248, offs[i]);
			ret = parse(c, len, &pl, &pl_len, &usize, why);
			check(ret == -EINVAL, "offset %#x: ret %d", offs[i],
			      ret);
			memcpy(c, img, len);
			w32(c + 0x24c, offs[i]);
			ret = parse(c, len, &pl, &pl_len, &usize, why);
			check(ret == -EINVAL, "length %#x: ret %d", offs[i],
			      ret);
			free(c);
		}
		/* one byte past the end, and exactly to the end */
		w32(img + 0x24c, len - pm - 100 + 1);
		ret = parse(img, len, &pl, &pl_len, &usize, why);
		check(ret == -EINVAL, "1 byte too long: ret %d", ret);
		w32(img + 0x24c, len - pm - 100);
		ret = parse(img, len, &pl, &pl_len, &usize, why);
		check(ret == 0, "to the end: ret %d (%s)", ret, why);
		/* setup_sects beyond the image */
		img[0x1f1] = 255;
		ret = parse(img, len, &pl, &pl_len, &usize, why);
		check(ret == -EINVAL, "setup_sects 255: ret %d", ret);
	}

	/* every truncation of the image */
	img[0x1f1] = 7;
	w32(img + 0x24c, 64 + 4);
	for (size_t cut = 0; cut <= len; cut++) {
		ret = parse(img, cut, &pl, &pl_len, &usize, why);
		if (cut == len)
			check(ret == 0, "full image: ret %d (%s)", ret, why);
		else
			check(ret == -EINVAL, "cut at %zu: ret %d", cut, ret);
		check(bzimage_looks_like(img, cut) == (cut >= 0x206),
		      "looks_like cut %zu", cut);
	}
	free(img);

	/* random header fields: must never read outside */
	srand(1);
	f = base;
	img = make_bzimage(&f, sizeof(data), &len);
	for (int it = 0; it < 20000; it++) {
		uint8_t *c = malloc(len);

		memcpy(c, img, len);
		c[0x1f1] = rand() % 5 ? rand() % 10 : rand();
		c[0x206] = rand();
		c[0x207] = rand() % 3;
		w32(c + 0x248, rand() % 2 ? (uint32_t)rand() % 8192 :
					    (uint32_t)rand() << 1);
		w32(c + 0x24c, rand() % 2 ? (uint32_t)rand() % 8192 :
					    (uint32_t)rand() << 1);
		ret = parse(c, len, &pl, &pl_len, &usize, why);
		check(ret == 0 || ret == -EINVAL || ret == -EOPNOTSUPP,
		      "random %d: ret %d", it, ret);
		if (!ret)
			check(pl >= c + 512 && pl + pl_len + 4 <= c + len,
			      "random %d: payload outside", it);
		free(c);
	}
	free(img);

	ret = bzimage_payload("short", 5, (const void **)&pl, &pl_len, &codec,
			      &usize, why, sizeof(why));
	check(ret == -EINVAL && !bzimage_looks_like("short", 5), "tiny: %d",
	      ret);
	ret = bzimage_payload("short", 5, (const void **)&pl, &pl_len, &codec,
			      &usize, NULL, 0);
	check(ret == -EINVAL, "no why buffer: %d", ret);
	check_section(f0, "bzImage rejects: protocol, offsets, formats, "
		      "sizes");
}

/* ---- optional: a real kernel ---- */

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc(len ? len : 1);
	if (fread(p, 1, len, f) != (size_t)len) {
		free(p);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*n = len;
	return p;
}

/* Count Xen notes in the PT_NOTE segments; find the guest OS name. */
static int xen_notes(const uint8_t *e, size_t n, char *os, size_t os_len)
{
	uint64_t phoff = *(const uint64_t *)(e + 32);
	uint16_t phentsize = *(const uint16_t *)(e + 54);
	uint16_t phnum = *(const uint16_t *)(e + 56);
	int count = 0;

	os[0] = '\0';
	for (unsigned int i = 0; i < phnum; i++) {
		const uint8_t *ph = e + phoff + (size_t)i * phentsize;
		uint64_t off, sz, pos;

		if (phoff + (size_t)(i + 1) * phentsize > n)
			break;
		if (r32(ph) != 4)	/* PT_NOTE */
			continue;
		off = *(const uint64_t *)(ph + 8);
		sz = *(const uint64_t *)(ph + 32);
		if (off > n || sz > n - off)
			continue;
		for (pos = 0; pos + 12 <= sz;) {
			const uint8_t *nh = e + off + pos;
			uint32_t namesz = r32(nh), descsz = r32(nh + 4);
			uint32_t type = r32(nh + 8);
			uint64_t next = pos + 12 + ((namesz + 3) & ~3u) +
					((descsz + 3) & ~3u);

			if (next > sz)
				break;
			if (namesz == 4 && !memcmp(nh + 12, "Xen", 4)) {
				count++;
				if (type == 6)	/* XEN_ELFNOTE_GUEST_OS */
					snprintf(os, os_len, "%.*s",
						 (int)descsz, nh + 16);
			}
			pos = next;
		}
	}
	return count;
}

static void test_real_kernel(void)
{
	const char *path = getenv("TANDEM_TEST_VMLINUZ");
	const char *ref_path = getenv("TANDEM_TEST_VMLINUX");
	size_t n, pl_len, usize, out_len, ref_len;
	struct timespec t0, t1;
	const uint8_t *pl;
	uint8_t *img, *out, *ref;
	char why[256], os[32];
	unsigned int f0 = check_failures();
	int ret, notes;
	double secs;

	if (!path) {
		printf("skip: real kernel (set TANDEM_TEST_VMLINUZ)\n");
		return;
	}
	img = slurp(path, &n);
	check(img != NULL, "cannot read %s", path);
	if (!img)
		return;
	check(bzimage_looks_like(img, n), "%s: not a bzImage", path);
	ret = bzimage_payload(img, n, (const void **)&pl, &pl_len, &codec,
			      &usize, why, sizeof(why));
	check(ret == 0, "%s: %d (%s)", path, ret, why);
	if (ret)
		return;
	out = malloc(usize);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = xz_decompress(pl, pl_len, out, usize, &out_len, why,
			    sizeof(why));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	check(ret == 0 && out_len == usize, "decompress: %d (%s) %zu/%zu",
	      ret, why, out_len, usize);
	check(!memcmp(out, "\x7f" "ELF\x02\x01", 6) &&
	      *(uint16_t *)(out + 18) == 62, "not an x86-64 ELF");
	notes = xen_notes(out, out_len, os, sizeof(os));
	check(notes > 5 && !strcmp(os, "linux"),
	      "Xen notes: %d, guest OS '%s'", notes, os);
	if (ref_path) {
		ref = slurp(ref_path, &ref_len);
		check(ref && ref_len == out_len &&
		      !memcmp(ref, out, out_len),
		      "differs from %s", ref_path);
		free(ref);
	}
	printf("     %s: %zu -> %zu bytes in %.3f s (%.1f MB/s), "
	       "%d Xen notes, guest OS '%s'%s\n", path, pl_len, out_len, secs,
	       out_len / secs / 1e6, notes, os,
	       ref_path ? ", identical to the reference" : "");
	free(out);
	free(img);
	check_section(f0, "real kernel");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_fake();
	test_rejects();
	test_real_kernel();
	return check_summary();
}
