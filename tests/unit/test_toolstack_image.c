// SPDX-License-Identifier: MIT
/*
 * Host unit test of kernel images (dom0/toolstack/kimage.c): synthetic
 * PV kernels (an ELF with Xen notes) as plain ELF, gzip'd ELF, and
 * bzImages whose payload is gzip, xz, lzma, lz4 (legacy, as the kernel
 * build makes it, and frame) or zstd, made here with the same libraries;
 * then every way such a file can be wrong: truncated at every length,
 * corrupted headers, notes and payloads, random garbage. Each must give
 * an error that says what is wrong, and nothing may crash (this test
 * runs under ASan/UBSan where the host has them).
 *
 *	test_toolstack_image [KERNEL]	(optionally a real Debian kernel)
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <lz4hc.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <public/elfnote.h>
#include <public/features.h>

#include "kimage.h"
#include "ts_error.h"

#include "check.h"

#define VBASE		0xffffffff80000000ull
#define PADDR		0x1000000ull
#define ENTRY_OFF	0x40ull

/* A growing byte buffer. */
struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *d, size_t n)
{
	if (!n)
		return;
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void put8(struct buf *b, uint8_t v) { put(b, &v, 1); }
static void put16(struct buf *b, uint16_t v) { put(b, &v, 2); }
static void put32(struct buf *b, uint32_t v) { put(b, &v, 4); }
static void put64(struct buf *b, uint64_t v) { put(b, &v, 8); }

static void pad_to(struct buf *b, size_t n)
{
	while (b->len < n)
		put8(b, 0);
}

static void note(struct buf *b, uint32_t type, const void *desc, uint32_t n)
{
	put32(b, 4);
	put32(b, n);
	put32(b, type);
	put(b, "Xen", 4);
	put(b, desc, n);
	while (b->len % 4)
		put8(b, 0);
}

static void note64(struct buf *b, uint32_t type, uint64_t v)
{
	note(b, type, &v, 8);
}

static void note_str(struct buf *b, uint32_t type, const char *s, bool nul)
{
	note(b, type, s, (uint32_t)strlen(s) + (nul ? 1 : 0));
}

/* What the synthetic kernel looks like; tests change one thing. */
struct kspec {
	const char *loader, *guest_os, *xen_version, *features;
	bool no_notes, hypercall_page, bad_note_size, elf32;
	uint64_t text_size, bss;
};

static const struct kspec linux_like = {
	.loader = "generic", .guest_os = "linux", .xen_version = "xen-3.0",
	.features = "!writable_page_tables|pae_pgdir_above_4gb",
	.text_size = 0x3000, .bss = 0x5000,
};

/*
 * An ELF: header, two program headers (PT_LOAD with text + data and
 * bss, PT_NOTE), the notes, the segment's bytes (a pattern).
 */
static struct buf make_elf(const struct kspec *s)
{
	struct buf e = { 0 }, n = { 0 };
	uint64_t note_off = 64 + 2 * 56, load_off;
	uint64_t i;

	if (!s->no_notes) {
		note_str(&n, XEN_ELFNOTE_GUEST_OS, s->guest_os, true);
		note_str(&n, XEN_ELFNOTE_XEN_VERSION, s->xen_version, true);
		note_str(&n, XEN_ELFNOTE_LOADER, s->loader, true);
		note64(&n, XEN_ELFNOTE_VIRT_BASE, VBASE);
		note64(&n, XEN_ELFNOTE_PADDR_OFFSET, 0);
		note64(&n, XEN_ELFNOTE_ENTRY, VBASE + PADDR + ENTRY_OFF);
		note64(&n, XEN_ELFNOTE_INIT_P2M, 0x8000000000ull);
		/* As Linux does: FEATURES without its NUL. */
		note_str(&n, XEN_ELFNOTE_FEATURES, s->features, false);
		if (s->bad_note_size)
			note(&n, XEN_ELFNOTE_HV_START_LOW, "abc", 3);
		else
			note64(&n, XEN_ELFNOTE_HV_START_LOW,
			       0xffff800000000000ull);
		note(&n, XEN_ELFNOTE_MOD_START_PFN, "\1\0\0\0", 4);
		note(&n, XEN_ELFNOTE_SUPPORTED_FEATURES, "\x01\x88\0\0", 4);
		if (s->hypercall_page)
			note64(&n, XEN_ELFNOTE_HYPERCALL_PAGE,
			       VBASE + PADDR + 0x1000);
	}
	load_off = (note_off + n.len + 0xfff) & ~0xfffull;

	put(&e, "\x7f" "ELF", 4);
	put8(&e, s->elf32 ? 1 : 2);	/* class */
	put8(&e, 1);			/* little-endian */
	put8(&e, 1);			/* version */
	pad_to(&e, 16);
	put16(&e, 2);			/* ET_EXEC */
	put16(&e, 62);			/* EM_X86_64 */
	put32(&e, 1);
	put64(&e, PADDR + ENTRY_OFF);	/* e_entry (physical, as Linux) */
	put64(&e, 64);			/* e_phoff */
	put64(&e, 0);			/* e_shoff */
	put32(&e, 0);
	put16(&e, 64);
	put16(&e, 56);
	put16(&e, 2);			/* e_phnum */
	put16(&e, 64);
	put16(&e, 0);
	put16(&e, 0);
	/* PT_LOAD */
	put32(&e, 1);
	put32(&e, 7);
	put64(&e, load_off);
	put64(&e, VBASE + PADDR);
	put64(&e, PADDR);
	put64(&e, s->text_size);
	put64(&e, s->text_size + s->bss);
	put64(&e, 0x1000);
	/* PT_NOTE */
	put32(&e, 4);
	put32(&e, 4);
	put64(&e, note_off);
	put64(&e, 0);
	put64(&e, 0);
	put64(&e, n.len);
	put64(&e, n.len);
	put64(&e, 4);
	put(&e, n.p, n.len);
	pad_to(&e, load_off);
	for (i = 0; i < s->text_size; i++)
		put8(&e, (uint8_t)(i * 7 + 3));
	free(n.p);
	return e;
}

enum codec { C_GZIP, C_XZ, C_LZMA, C_LZ4, C_LZ4F, C_ZSTD, C_NR };
static const char *const codec_names[] = {
	"gzip", "xz", "lzma", "lz4", "lz4 frame", "zstd",
};

/* Compress with the libraries, the way the kernel's build does. */
static struct buf compress_with(enum codec c, const struct buf *in)
{
	struct buf o = { 0 };
	size_t cap = in->len * 2 + 65536, n = 0;
	uint8_t *out = malloc(cap);

	switch (c) {
	case C_GZIP: {
		z_stream z = { 0 };

		deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9,
			     Z_DEFAULT_STRATEGY);
		z.next_in = in->p;
		z.avail_in = (uInt)in->len;
		z.next_out = out;
		z.avail_out = (uInt)cap;
		deflate(&z, Z_FINISH);
		n = z.total_out;
		deflateEnd(&z);
		break;
	}
	case C_XZ:
		lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in->p,
					in->len, out, &n, cap);
		break;
	case C_LZMA: {
		lzma_stream s = LZMA_STREAM_INIT;
		lzma_options_lzma opt;

		lzma_lzma_preset(&opt, 6);
		if (lzma_alone_encoder(&s, &opt) != LZMA_OK)
			break;
		s.next_in = in->p;
		s.avail_in = in->len;
		s.next_out = out;
		s.avail_out = cap;
		while (lzma_code(&s, LZMA_FINISH) == LZMA_OK)
			;
		n = cap - s.avail_out;
		lzma_end(&s);
		break;
	}
	case C_LZ4: {
		/* Legacy format: magic, then 8 MiB blocks with sizes. */
		size_t pos = 0;
		uint32_t magic = 0x184c2102;

		memcpy(out, &magic, 4);
		n = 4;
		while (pos < in->len) {
			size_t chunk = in->len - pos > (8u << 20) ?
				       (8u << 20) : in->len - pos;
			int k = LZ4_compress_HC((const char *)in->p + pos,
						(char *)out + n + 4, (int)chunk,
						(int)(cap - n - 4), 9);
			uint32_t k32 = (uint32_t)k;

			memcpy(out + n, &k32, 4);
			n += 4 + (size_t)k;
			pos += chunk;
		}
		break;
	}
	case C_LZ4F:
		n = LZ4F_compressFrame(out, cap, in->p, in->len, NULL);
		break;
	case C_ZSTD:
		n = ZSTD_compress(out, cap, in->p, in->len, 19);
		break;
	default:
		break;
	}
	put(&o, out, n);
	free(out);
	return o;
}

/* A bzImage: a setup header (protocol 2.15) and the payload + its size. */
static struct buf make_bzimage(const struct buf *payload, uint32_t size,
			       uint16_t version)
{
	struct buf b = { 0 };
	uint32_t setup_sects = 3, poff = 0x1c0;

	pad_to(&b, 0x1f1);
	put8(&b, (uint8_t)setup_sects);
	pad_to(&b, 0x1fe);
	put16(&b, 0xaa55);
	put16(&b, 0x3ceb);
	put(&b, "HdrS", 4);
	put16(&b, version);
	pad_to(&b, 0x248);
	put32(&b, poff);
	put32(&b, (uint32_t)payload->len + 4);
	pad_to(&b, (setup_sects + 1) * 512 + poff);
	put(&b, payload->p, payload->len);
	put32(&b, size);
	return b;
}

static int unpack_parse(const struct buf *file, struct kimg *k)
{
	uint8_t *elf;
	size_t len;
	const char *packing;
	int err;

	memset(k, 0, sizeof(*k));
	ts_clear_error();
	err = kimg_unpack(file->p, file->len, "img", &elf, &len, &packing);
	if (err)
		return err;
	err = kimg_parse(elf, len, "img", k);
	k->packing = packing;
	return err;
}

static bool fails_with(const struct buf *file, int err, const char *part)
{
	struct kimg k;
	int ret = unpack_parse(file, &k);
	bool ok = ret == -err && (!part || strstr(ts_errmsg(), part));

	kimg_free(&k);
	if (!ok)
		printf("# got %d: %s\n", ret, ts_errmsg());
	return ok;
}

static void good_images(void)
{
	unsigned int f0 = check_failures();
	struct buf elf = make_elf(&linux_like), gz, bz;
	struct kimg k;
	uint8_t *dest;
	int c;

	CHECK_EQ(unpack_parse(&elf, &k), 0, "a plain ELF kernel: %s",
		 ts_errmsg());
	CHECK(!strcmp(k.packing, "ELF"), "packing: ELF");
	CHECK(k.virt_base == VBASE && k.paddr_offset == 0 &&
	      k.virt_kstart == VBASE + PADDR &&
	      k.virt_kend == VBASE + PADDR + 0x8000 &&
	      k.virt_entry == VBASE + PADDR + ENTRY_OFF,
	      "addresses as libelf computes them (kstart %#llx kend %#llx "
	      "entry %#llx)", (unsigned long long)k.virt_kstart,
	      (unsigned long long)k.virt_kend,
	      (unsigned long long)k.virt_entry);
	CHECK(k.p2m_base == 0x8000000000ull && k.mod_start_pfn &&
	      k.hypercall_page == KIMG_UNSET && k.hv_start_low ==
	      0xffff800000000000ull, "INIT_P2M, MOD_START_PFN, no "
	      "HYPERCALL_PAGE, HV_START_LOW");
	CHECK(!strcmp(k.features, linux_like.features) &&
	      k.feat_required == 1u << XENFEAT_writable_page_tables &&
	      (k.feat_supported & (1u << XENFEAT_pae_pgdir_above_4gb)) &&
	      (k.feat_supported & 0x8800),
	      "FEATURES without a NUL, required and supported bits (%#x)",
	      k.feat_supported);
	CHECK(!strcmp(k.loader, "generic") && !strcmp(k.guest_os, "linux") &&
	      !strcmp(k.xen_version, "xen-3.0"), "string notes");
	CHECK_EQ(k.nr_segs, 1, "one loadable segment");
	dest = calloc(1, 0x8000);
	CHECK(kimg_copy(&k, dest, 0x8000) == 0 && dest[0] == 3 &&
	      dest[0x2fff] == (uint8_t)(0x2fff * 7 + 3) && dest[0x3000] == 0 &&
	      dest[0x7fff] == 0, "segment copied, bss zero");
	CHECK(kimg_copy(&k, dest, 0x7fff) == -EINVAL, "copy into too little");
	free(dest);
	kimg_free(&k);

	for (c = 0; c < C_NR; c++) {
		struct buf z = compress_with((enum codec)c, &elf);
		char want[32];

		bz = make_bzimage(&z, (uint32_t)elf.len, 0x20f);
		snprintf(want, sizeof(want), "bzImage+%s", codec_names[c]);
		CHECK(unpack_parse(&bz, &k) == 0 && !strcmp(k.packing, want) &&
		      k.elf_len == elf.len && !memcmp(k.elf, elf.p, elf.len) &&
		      k.virt_entry == VBASE + PADDR + ENTRY_OFF,
		      "bzImage with a %s payload (%zu -> %zu bytes): %s",
		      codec_names[c], z.len, elf.len, ts_errmsg());
		kimg_free(&k);
		free(bz.p);
		free(z.p);
	}
	gz = compress_with(C_GZIP, &elf);
	CHECK(unpack_parse(&gz, &k) == 0 && !strcmp(k.packing, "gzip+ELF"),
	      "a gzip'd ELF: %s", ts_errmsg());
	kimg_free(&k);
	free(gz.p);
	free(elf.p);
	check_section(f0, "good kernels, every compression");
}

static void bad_kernels(void)
{
	unsigned int f0 = check_failures();
	struct kspec s;
	struct buf e, z, bz;
	uint8_t *p;

	s = linux_like;
	s.no_notes = true;
	e = make_elf(&s);
	CHECK(fails_with(&e, ENOEXEC, "not a Xen PV kernel"),
	      "no Xen notes: not a Xen kernel");
	free(e.p);
	s = linux_like;
	s.loader = "bsd";
	e = make_elf(&s);
	CHECK(fails_with(&e, 0, NULL), "another loader, but a Linux guest");
	free(e.p);
	s.guest_os = "plan9";
	e = make_elf(&s);
	CHECK(fails_with(&e, ENOEXEC, "loader 'bsd' and guest OS 'plan9'"),
	      "neither the generic loader nor Linux");
	free(e.p);
	s = linux_like;
	s.xen_version = "xen-2.0";
	e = make_elf(&s);
	CHECK(fails_with(&e, ENOEXEC, "'xen-2.0'"), "an old Xen interface");
	free(e.p);
	s = linux_like;
	s.features = "!writable_page_tables|!time_travel";
	e = make_elf(&s);
	CHECK(fails_with(&e, EOPNOTSUPP, "'time_travel'"),
	      "an unknown required feature");
	free(e.p);
	s = linux_like;
	s.features = "!auto_translated_physmap";
	e = make_elf(&s);
	CHECK(fails_with(&e, EOPNOTSUPP, "auto-translate"),
	      "auto-translated PV is refused");
	free(e.p);
	s = linux_like;
	s.features = "writable_page_tables|new_fancy_thing";
	e = make_elf(&s);
	CHECK(fails_with(&e, 0, NULL), "an unknown optional feature is fine");
	free(e.p);
	s = linux_like;
	s.bad_note_size = true;
	e = make_elf(&s);
	CHECK(fails_with(&e, EINVAL, "HV_START_LOW has a 3-byte value"),
	      "a numeric note of odd size");
	free(e.p);
	s = linux_like;
	s.hypercall_page = true;
	e = make_elf(&s);
	{
		struct kimg k;

		CHECK(unpack_parse(&e, &k) == 0 && k.hypercall_page ==
		      VBASE + PADDR + 0x1000, "HYPERCALL_PAGE is read");
		kimg_free(&k);
	}
	free(e.p);
	s = linux_like;
	s.elf32 = true;
	e = make_elf(&s);
	CHECK(fails_with(&e, ENOEXEC, "64-bit"), "a 32-bit ELF");
	free(e.p);

	/* Header fields broken one at a time. */
	s = linux_like;
	e = make_elf(&s);
	p = malloc(e.len);
	memcpy(p, e.p, e.len);
	*(uint64_t *)(e.p + 32) = 0xffffffff;		/* e_phoff */
	CHECK(fails_with(&e, EINVAL, "program headers"), "e_phoff outside");
	memcpy(e.p, p, e.len);
	*(uint64_t *)(e.p + 64 + 8) = e.len - 16;	/* segment offset */
	CHECK(fails_with(&e, EINVAL, "lies outside"), "segment past the end");
	memcpy(e.p, p, e.len);
	*(uint64_t *)(e.p + 64 + 40) = 0x100;		/* memsz < filesz */
	CHECK(fails_with(&e, EINVAL, "bad sizes"), "memsz below filesz");
	memcpy(e.p, p, e.len);
	*(uint64_t *)(e.p + 64 + 56 + 32) = 0xfffffff;	/* note filesz */
	CHECK(fails_with(&e, EINVAL, "note area"), "note area too long");
	memcpy(e.p, p, e.len);
	*(uint32_t *)(e.p + 64 + 2 * 56 + 4) = 0x7fffffff; /* a desc size */
	CHECK(fails_with(&e, EINVAL, "runs past"), "a note past its area");
	memcpy(e.p, p, e.len);
	*(uint16_t *)(e.p + 18) = 3;			/* EM_386 */
	CHECK(fails_with(&e, ENOEXEC, "64-bit"), "another machine");
	memcpy(e.p, p, e.len);
	*(uint64_t *)(e.p + 24) = 0x10;		/* e_entry, ENTRY note wins */
	CHECK(fails_with(&e, 0, NULL), "e_entry ignored when ENTRY is given");
	free(p);

	/* bzImage wrappers gone wrong. */
	z = compress_with(C_XZ, &e);
	bz = make_bzimage(&z, (uint32_t)e.len, 0x207);
	CHECK(fails_with(&bz, EOPNOTSUPP, "2.07 is too old"),
	      "boot protocol 2.07");
	free(bz.p);
	bz = make_bzimage(&z, (uint32_t)e.len + 1, 0x20f);
	CHECK(fails_with(&bz, EINVAL, "truncated or corrupt"),
	      "declared size one more than the payload");
	free(bz.p);
	bz = make_bzimage(&z, (uint32_t)e.len - 1, 0x20f);
	CHECK(fails_with(&bz, EFBIG, "more than"),
	      "declared size one less than the payload");
	free(bz.p);
	bz = make_bzimage(&z, 600u << 20, 0x20f);
	CHECK(fails_with(&bz, EFBIG, "claims to unpack"), "absurd size");
	free(bz.p);
	bz = make_bzimage(&z, (uint32_t)e.len, 0x20f);
	bz.p[(4 * 512) + 0x1c0 + 200] ^= 0x55;		/* flip payload bits */
	CHECK(fails_with(&bz, EINVAL, "xz data is corrupt"),
	      "a corrupt xz payload");
	memcpy(bz.p + 4 * 512 + 0x1c0, "BZh9", 4);
	CHECK(fails_with(&bz, EOPNOTSUPP, "bzip2-compressed kernels are not "
			 "supported"), "a bzip2 payload");
	memcpy(bz.p + 4 * 512 + 0x1c0, "\x89LZO\0\r\n\x1a\n", 9);
	CHECK(fails_with(&bz, EOPNOTSUPP, "lzo"), "an lzo payload");
	memcpy(bz.p + 4 * 512 + 0x1c0, "WHAT", 4);
	CHECK(fails_with(&bz, EINVAL, "unknown format"), "an unknown payload");
	*(uint32_t *)(bz.p + 0x24c) = 0x7fffffff;
	CHECK(fails_with(&bz, EINVAL, "outside the"), "payload length too big");
	free(bz.p);
	free(z.p);
	{
		struct buf junk = { 0 };

		put(&junk, "MZ this is not a kernel at all", 30);
		CHECK(fails_with(&junk, ENOEXEC, "not a kernel"),
		      "a file that is no kernel");
		free(junk.p);
	}
	free(e.p);
	check_section(f0, "bad kernels: what is wrong, in words");
}

/* Every prefix of a file must fail cleanly (and the whole succeed). */
static void truncations(void)
{
	unsigned int f0 = check_failures();
	struct buf e = make_elf(&linux_like);
	int c;

	for (c = -1; c < C_NR; c++) {
		struct buf z = { 0 }, f;
		size_t len, step;
		unsigned int failed = 0;

		if (c < 0) {
			f = e;
		} else {
			z = compress_with((enum codec)c, &e);
			f = make_bzimage(&z, (uint32_t)e.len, 0x20f);
		}
		step = f.len > 4000 ? 3 : 1;
		for (len = 0; len < f.len; len += step) {
			struct buf t = { f.p, len, len };
			struct kimg k;
			int ret = unpack_parse(&t, &k);

			kimg_free(&k);
			if (ret == 0 || !strcmp(ts_errmsg(), "no error"))
				failed++;
		}
		CHECK(!failed, "%s: every truncation of %zu bytes fails with a "
		      "message", c < 0 ? "ELF" : codec_names[c], f.len);
		if (c >= 0) {
			free(f.p);
			free(z.p);
		}
	}
	free(e.p);
	check_section(f0, "truncated images");
}

/* Random bytes and random damage: errors, never a crash. */
static void garbage(void)
{
	unsigned int f0 = check_failures(), i, ok = 0, rejected = 0;
	struct buf e = make_elf(&linux_like), z, bz;
	uint64_t seed = 0x5eed;

	z = compress_with(C_LZ4, &e);
	bz = make_bzimage(&z, (uint32_t)e.len, 0x20f);
	for (i = 0; i < 3000; i++) {
		struct buf t = { 0 };
		struct kimg k;
		unsigned int j, flips;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		put(&t, (seed >> 60) & 1 ? bz.p : e.p,
		    (seed >> 60) & 1 ? bz.len : e.len);
		flips = 1 + (unsigned int)((seed >> 40) % 8);
		for (j = 0; j < flips; j++) {
			seed = seed * 6364136223846793005ull + 1;
			/* Mostly in the headers, where the numbers are. */
			t.p[(seed >> 33) % (t.len < 1300 ? t.len : 1300)] ^=
				(uint8_t)(1u << ((seed >> 20) & 7));
		}
		if (unpack_parse(&t, &k) == 0)
			ok++;
		else
			rejected++;
		kimg_free(&k);
		free(t.p);
	}
	CHECK(rejected > 100, "3000 damaged images: %u rejected with a "
	      "message, %u still load (harmless bits), no crash", rejected,
	      ok);
	for (i = 0; i < 500; i++) {
		struct buf t = { 0 };
		struct kimg k;
		unsigned int j, n = 1 + i * 7;

		for (j = 0; j < n; j++) {
			seed = seed * 6364136223846793005ull + 1;
			put8(&t, (uint8_t)(seed >> 56));
		}
		if (i % 3 == 0 && t.len >= 4)
			memcpy(t.p, "\x7f" "ELF", 4);
		check(unpack_parse(&t, &k) < 0, "random bytes %u", i);
		kimg_free(&k);
		free(t.p);
	}
	free(bz.p);
	free(z.p);
	free(e.p);
	check_section(f0, "garbage");
}

static void real_kernel(const char *path)
{
	unsigned int f0 = check_failures();
	struct kimg k;
	int ret = kimg_load(path, &k);

	CHECK(ret == 0, "real kernel %s: %s", path, ret ? ts_errmsg() :
	      k.packing);
	if (!ret)
		CHECK(k.virt_base == VBASE && k.virt_kstart == 0xffffffff81000000ull
		      && k.p2m_base == 0x8000000000ull && k.mod_start_pfn &&
		      k.virt_entry > k.virt_kstart && k.virt_entry < k.virt_kend,
		      "Linux's notes: base, start, INIT_P2M, MOD_START_PFN "
		      "(ends %#llx, entry %#llx)",
		      (unsigned long long)k.virt_kend,
		      (unsigned long long)k.virt_entry);
	kimg_free(&k);
	check_section(f0, "a real kernel");
}

int main(int argc, char **argv)
{
	good_images();
	bad_kernels();
	truncations();
	garbage();
	if (argc > 1)
		real_kernel(argv[1]);
	return check_summary();
}
