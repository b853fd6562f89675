// SPDX-License-Identifier: MIT
/*
 * Kernel images: bzImage payloads, decompression through the system's
 * libraries, ELF and Xen note parsing (see kimage.h). The facts about
 * the formats come from Linux's boot protocol (Documentation/x86/boot)
 * and from Xen's libelf, which this follows in what it accepts.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <public/elfnote.h>
#include <public/features.h>

#include "kimage.h"
#include "ts_error.h"

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/*
 * Decompression. Each decoder fills out (cap bytes) and says how much it
 * wrote; producing more than cap is an error (the size was declared by
 * the image, or is our limit), as is a stream that ends early.
 */
enum codec {
	CODEC_NONE,
	CODEC_GZIP,
	CODEC_XZ,
	CODEC_LZMA,
	CODEC_LZ4_LEGACY,
	CODEC_LZ4_FRAME,
	CODEC_ZSTD,
	CODEC_BZIP2,
	CODEC_LZO,
};

static const char *const codec_names[] = {
	[CODEC_NONE] = "none",
	[CODEC_GZIP] = "gzip",
	[CODEC_XZ] = "xz",
	[CODEC_LZMA] = "lzma",
	[CODEC_LZ4_LEGACY] = "lz4",
	[CODEC_LZ4_FRAME] = "lz4 frame",
	[CODEC_ZSTD] = "zstd",
	[CODEC_BZIP2] = "bzip2",
	[CODEC_LZO] = "lzo",
};

#define LZ4_LEGACY_MAGIC	0x184c2102u
#define LZ4_LEGACY_BLOCK	(8u << 20)	/* uncompressed block size */

static enum codec identify(const uint8_t *p, size_t len)
{
	static const uint8_t xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	static const uint8_t lzo[] = { 0x89, 'L', 'Z', 'O', 0 };

	if (len >= 2 && p[0] == 0x1f && (p[1] == 0x8b || p[1] == 0x9e))
		return CODEC_GZIP;
	if (len >= 6 && !memcmp(p, xz, 6))
		return CODEC_XZ;
	if (len >= 3 && p[0] == 0x5d && p[1] == 0 && p[2] == 0)
		return CODEC_LZMA;
	if (len >= 4 && le32(p) == LZ4_LEGACY_MAGIC)
		return CODEC_LZ4_LEGACY;
	if (len >= 4 && le32(p) == 0x184d2204u)
		return CODEC_LZ4_FRAME;
	if (len >= 4 && le32(p) == 0xfd2fb528u)
		return CODEC_ZSTD;
	if (len >= 3 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h')
		return CODEC_BZIP2;
	if (len >= 5 && !memcmp(p, lzo, 5))
		return CODEC_LZO;
	return CODEC_NONE;
}

static int dec_gzip(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
		    size_t *done, const char *label)
{
	const char *msg;
	z_stream z;
	int ret;

	/* Our sizes are bounded well below zlib's 32-bit counters. */
	if (len > UINT32_MAX || cap > UINT32_MAX)
		return ts_fail(EFBIG, "%s: gzip data too large", label);
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 32) != Z_OK)	/* gzip or zlib header */
		return ts_fail(ENOMEM, "%s: zlib: cannot start inflate",
			       label);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	ret = inflate(&z, Z_FINISH);
	*done = (size_t)z.total_out;
	msg = z.msg;	/* zlib's messages are static strings */
	inflateEnd(&z);
	if (ret == Z_STREAM_END)
		return 0;
	if ((ret == Z_BUF_ERROR || ret == Z_OK) && z.avail_out == 0)
		return ts_fail(EFBIG, "%s: gzip data unpacks to more than %zu "
			       "bytes", label, cap);
	if (ret == Z_BUF_ERROR || ret == Z_OK)
		return ts_fail(EINVAL, "%s: gzip data is truncated (%zu bytes "
			       "unpacked)", label, *done);
	return ts_fail(EINVAL, "%s: gzip data is corrupt: %s", label,
		       msg ? msg : "inflate failed");
}

static int dec_lzma_common(const uint8_t *in, size_t len, uint8_t *out,
			   size_t cap, size_t *done, const char *label,
			   bool xz)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret ret;

	/* The kernel's decoder allows big dictionaries; 1 GiB is plenty. */
	ret = xz ? lzma_stream_decoder(&s, 1ull << 30, 0) :
		   lzma_alone_decoder(&s, 1ull << 30);
	if (ret != LZMA_OK)
		return ts_fail(ENOMEM, "%s: liblzma: cannot start the "
			       "decoder (%d)", label, (int)ret);
	s.next_in = in;
	s.avail_in = len;
	s.next_out = out;
	s.avail_out = cap;
	do
		ret = lzma_code(&s, LZMA_FINISH);
	while (ret == LZMA_OK);
	*done = (size_t)(s.next_out - out);
	lzma_end(&s);
	if (ret == LZMA_STREAM_END)
		return 0;
	if (ret == LZMA_BUF_ERROR && *done == cap)
		return ts_fail(EFBIG, "%s: %s data unpacks to more than %zu "
			       "bytes", label, xz ? "xz" : "lzma", cap);
	if (ret == LZMA_BUF_ERROR)
		return ts_fail(EINVAL, "%s: %s data is truncated (%zu bytes "
			       "unpacked)", label, xz ? "xz" : "lzma", *done);
	return ts_fail(EINVAL, "%s: %s data is corrupt (liblzma error %d "
		       "after %zu bytes)", label, xz ? "xz" : "lzma",
		       (int)ret, *done);
}

/*
 * The lz4 "legacy" container the kernel's build uses (lz4 -l): a magic
 * number, then blocks, each a 32-bit compressed size and an lz4 block of
 * up to 8 MiB uncompressed; the magic may appear again between blocks
 * (concatenated streams). It has no end mark: the input ends (inside a
 * bzImage, 4 bytes later comes the uncompressed size, so stop when cap
 * bytes are out).
 */
static int dec_lz4_legacy(const uint8_t *in, size_t len, uint8_t *out,
			  size_t cap, size_t *done, const char *label,
			  bool size_known)
{
	size_t pos = 4, o = 0;
	const size_t max_block = (size_t)LZ4_compressBound(LZ4_LEGACY_BLOCK);

	while (pos + 4 <= len) {
		uint32_t bsize = le32(in + pos);
		int n;

		if (size_known && o == cap)
			break;
		if (bsize == LZ4_LEGACY_MAGIC) {
			pos += 4;
			continue;
		}
		/* Four bytes left and no block: the trailer, if any. */
		if (!size_known && pos + 4 == len)
			break;
		pos += 4;
		if (bsize == 0 || bsize > max_block)
			return ts_fail(EINVAL, "%s: lz4 block at byte %zu has "
				       "a bad size %u", label, pos - 4, bsize);
		if (bsize > len - pos)
			return ts_fail(EINVAL, "%s: lz4 data is truncated "
				       "(block of %u bytes at byte %zu, %zu "
				       "left)", label, bsize, pos, len - pos);
		if (o == cap)
			return ts_fail(EFBIG, "%s: lz4 data unpacks to more "
				       "than %zu bytes", label, cap);
		n = LZ4_decompress_safe((const char *)in + pos, (char *)out + o,
					(int)bsize,
					(int)(cap - o > LZ4_LEGACY_BLOCK ?
					      LZ4_LEGACY_BLOCK : cap - o));
		if (n < 0)
			return ts_fail(EINVAL, "%s: lz4 block at byte %zu is "
				       "corrupt (or unpacks to more than "
				       "%zu bytes)", label, pos - 4, cap);
		o += (size_t)n;
		pos += bsize;
	}
	*done = o;
	return 0;
}

static int dec_lz4_frame(const uint8_t *in, size_t len, uint8_t *out,
			 size_t cap, size_t *done, const char *label)
{
	LZ4F_dctx *d;
	size_t ip = 0, op = 0, ret = 1;

	if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
		return ts_fail(ENOMEM, "%s: liblz4: cannot start the decoder",
			       label);
	while (ret != 0 && ip < len) {
		size_t isz = len - ip, osz = cap - op;

		ret = LZ4F_decompress(d, out + op, &osz, in + ip, &isz, NULL);
		if (LZ4F_isError(ret)) {
			LZ4F_freeDecompressionContext(d);
			return ts_fail(EINVAL, "%s: lz4 frame is corrupt: %s",
				       label, LZ4F_getErrorName(ret));
		}
		ip += isz;
		op += osz;
		if (ret != 0 && op == cap && isz == 0 && osz == 0) {
			LZ4F_freeDecompressionContext(d);
			return ts_fail(EFBIG, "%s: lz4 frame unpacks to more "
				       "than %zu bytes", label, cap);
		}
	}
	LZ4F_freeDecompressionContext(d);
	*done = op;
	if (ret != 0)
		return ts_fail(EINVAL, "%s: lz4 frame is truncated (%zu bytes "
			       "unpacked)", label, op);
	return 0;
}

static int dec_zstd(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
		    size_t *done, const char *label)
{
	ZSTD_inBuffer ib = { in, len, 0 };
	ZSTD_outBuffer ob = { out, cap, 0 };
	ZSTD_DCtx *d = ZSTD_createDCtx();
	size_t ret = 1;

	if (!d)
		return ts_fail(ENOMEM, "%s: libzstd: cannot start the decoder",
			       label);
	/* Allow the large windows of "zstd --ultra -22" (the kernel's). */
	ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 30);
	while (ret != 0) {
		size_t before_in = ib.pos, before_out = ob.pos;

		ret = ZSTD_decompressStream(d, &ob, &ib);
		if (ZSTD_isError(ret)) {
			ZSTD_freeDCtx(d);
			return ts_fail(EINVAL, "%s: zstd data is corrupt: %s",
				       label, ZSTD_getErrorName(ret));
		}
		if (ret != 0 && ib.pos == before_in && ob.pos == before_out) {
			ZSTD_freeDCtx(d);
			if (ob.pos == cap)
				return ts_fail(EFBIG, "%s: zstd data unpacks to "
					       "more than %zu bytes", label,
					       cap);
			return ts_fail(EINVAL, "%s: zstd data is truncated "
				       "(%zu bytes unpacked)", label, ob.pos);
		}
	}
	ZSTD_freeDCtx(d);
	*done = ob.pos;
	return 0;
}

static int decode(enum codec c, const uint8_t *in, size_t len, uint8_t *out,
		  size_t cap, size_t *done, const char *label, bool size_known)
{
	switch (c) {
	case CODEC_GZIP:
		return dec_gzip(in, len, out, cap, done, label);
	case CODEC_XZ:
		return dec_lzma_common(in, len, out, cap, done, label, true);
	case CODEC_LZMA:
		return dec_lzma_common(in, len, out, cap, done, label, false);
	case CODEC_LZ4_LEGACY:
		return dec_lz4_legacy(in, len, out, cap, done, label,
				      size_known);
	case CODEC_LZ4_FRAME:
		return dec_lz4_frame(in, len, out, cap, done, label);
	case CODEC_ZSTD:
		return dec_zstd(in, len, out, cap, done, label);
	default:
		return ts_fail(EOPNOTSUPP, "%s: %s-compressed kernels are not "
			       "supported (use gzip, xz, lzma, lz4 or zstd)",
			       label, codec_names[c]);
	}
}

/*
 * Unpack in (len bytes) with codec c into a new buffer. want is the
 * declared uncompressed size, or 0 if unknown (then the output may be
 * anything up to KIMG_MAX_ELF, and the buffer is trimmed afterwards).
 */
static int unpack(enum codec c, const uint8_t *in, size_t len, size_t want,
		  const char *label, uint8_t **out, size_t *out_len)
{
	size_t cap = want ? want : KIMG_MAX_ELF, done = 0;
	uint8_t *buf;
	int err;

	if (want > KIMG_MAX_ELF)
		return ts_fail(EFBIG, "%s: the kernel claims to unpack to %zu "
			       "bytes (limit %u MiB)", label, want,
			       KIMG_MAX_ELF >> 20);
	buf = malloc(cap);
	if (!buf)
		return ts_fail(ENOMEM, "%s: no memory to unpack %zu bytes",
			       label, cap);
	err = decode(c, in, len, buf, cap, &done, label, want != 0);
	if (err) {
		free(buf);
		return err;
	}
	if (want && done != want) {
		free(buf);
		return ts_fail(EINVAL, "%s: %s payload unpacked to %zu bytes, "
			       "but the image says %zu (truncated or "
			       "corrupt)", label, codec_names[c], done, want);
	}
	if (!want) {
		uint8_t *shrunk = realloc(buf, done ? done : 1);

		if (shrunk)
			buf = shrunk;
	}
	*out = buf;
	*out_len = done;
	return 0;
}

/* The x86 boot protocol's setup header (offsets into the image). */
#define BZ_SETUP_SECTS		0x1f1
#define BZ_HEADER		0x202	/* "HdrS" */
#define BZ_VERSION		0x206
#define BZ_PAYLOAD_OFFSET	0x248
#define BZ_PAYLOAD_LENGTH	0x24c
#define BZ_MIN_LEN		0x250

static bool is_bzimage(const uint8_t *p, size_t len)
{
	return len >= BZ_HEADER + 4 && !memcmp(p + BZ_HEADER, "HdrS", 4);
}

static bool is_elf(const uint8_t *p, size_t len)
{
	return len >= 4 && p[0] == 0x7f && p[1] == 'E' && p[2] == 'L' &&
	       p[3] == 'F';
}

static int unpack_bzimage(const uint8_t *p, size_t len, const char *label,
			  uint8_t **elf, size_t *elf_len, const char **packing)
{
	static _Thread_local char desc[32];
	unsigned int setup_sects, version;
	uint64_t start, plen;
	uint32_t want;
	enum codec c;
	int err;

	if (len < BZ_MIN_LEN)
		return ts_fail(EINVAL, "%s: bzImage is truncated (%zu bytes, "
			       "its header alone needs %d)", label, len,
			       BZ_MIN_LEN);
	version = le16(p + BZ_VERSION);
	if (version < 0x208)
		return ts_fail(EOPNOTSUPP, "%s: bzImage boot protocol %u.%02u "
			       "is too old (2.08 or later names the "
			       "payload)", label, version >> 8,
			       version & 0xff);
	setup_sects = p[BZ_SETUP_SECTS] ? p[BZ_SETUP_SECTS] : 4;
	start = ((uint64_t)setup_sects + 1) * 512 +
		le32(p + BZ_PAYLOAD_OFFSET);
	plen = le32(p + BZ_PAYLOAD_LENGTH);
	if (plen < 8 || start > len || plen > len - start)
		return ts_fail(EINVAL, "%s: bzImage payload (%llu bytes at "
			       "%llu) lies outside the %zu-byte file "
			       "(truncated?)", label, (unsigned long long)plen,
			       (unsigned long long)start, len);
	/* Linux appends the uncompressed size to the payload. */
	want = le32(p + start + plen - 4);
	c = identify(p + start, (size_t)plen);
	if (c == CODEC_NONE) {
		if (is_elf(p + start, (size_t)plen))
			return ts_fail(EOPNOTSUPP, "%s: uncompressed bzImage "
				       "payloads are not supported", label);
		return ts_fail(EINVAL, "%s: bzImage payload is in an unknown "
			       "format (first bytes %02x %02x %02x %02x)",
			       label, p[start], p[start + 1], p[start + 2],
			       p[start + 3]);
	}
	if (want == 0)
		return ts_fail(EINVAL, "%s: bzImage payload says it unpacks to "
			       "0 bytes", label);
	err = unpack(c, p + start, (size_t)plen - 4, want, label, elf,
		     elf_len);
	if (err)
		return err;
	snprintf(desc, sizeof(desc), "bzImage+%s", codec_names[c]);
	*packing = desc;
	return 0;
}

int kimg_unpack(const void *file, size_t len, const char *label,
		uint8_t **elf, size_t *elf_len, const char **packing)
{
	const uint8_t *p = file;
	enum codec c;
	int err;

	*elf = NULL;
	*elf_len = 0;
	if (is_bzimage(p, len))
		return unpack_bzimage(p, len, label, elf, elf_len, packing);
	if (is_elf(p, len)) {
		*elf = malloc(len ? len : 1);
		if (!*elf)
			return ts_fail(ENOMEM, "%s: out of memory", label);
		memcpy(*elf, p, len);
		*elf_len = len;
		*packing = "ELF";
		return 0;
	}
	c = identify(p, len);
	if (c == CODEC_GZIP || c == CODEC_XZ || c == CODEC_ZSTD) {
		err = unpack(c, p, len, 0, label, elf, elf_len);
		if (err)
			return err;
		if (!is_elf(*elf, *elf_len)) {
			free(*elf);
			*elf = NULL;
			return ts_fail(ENOEXEC, "%s: a %s-compressed file that "
				       "is not an ELF kernel", label,
				       codec_names[c]);
		}
		*packing = c == CODEC_GZIP ? "gzip+ELF" :
			   c == CODEC_XZ ? "xz+ELF" : "zstd+ELF";
		return 0;
	}
	return ts_fail(ENOEXEC, "%s: not a kernel (neither a bzImage nor an "
		       "ELF file, compressed or not)", label);
}

/*
 * ELF (64-bit, little-endian: all we build).
 */
#define EH_CLASS	4
#define EH_DATA		5
#define EH_VERSION	6
#define EH_TYPE		16
#define EH_MACHINE	18
#define EH_ENTRY	24
#define EH_PHOFF	32
#define EH_SHOFF	40
#define EH_PHENTSIZE	54
#define EH_PHNUM	56
#define EH_SHENTSIZE	58
#define EH_SHNUM	60
#define EH_SIZE		64

#define PH_SIZE		56
#define SH_SIZE		64
#define PT_LOAD		1
#define PT_NOTE		4
#define SHT_NOTE	7
#define PF_RWX		7
#define EM_X86_64	62
#define ET_EXEC		2
#define ET_DYN		3

#define NOTE_LIMIT	256	/* notes we look at in one image */

/*
 * Copy a string note. Linux counts FEATURES without its NUL (the note's
 * padding supplies it), so the string ends at a NUL or at the end of
 * desc, whichever comes first.
 */
static int note_str(const char *label, const char *what, const uint8_t *desc,
		    uint32_t dlen, char *dst, size_t size)
{
	const uint8_t *nul = memchr(desc, 0, dlen);
	size_t n = nul ? (size_t)(nul - desc) : dlen;

	if (n >= size)
		return ts_fail(EINVAL, "%s: Xen note %s is too long (%zu "
			       "bytes)", label, what, n);
	memcpy(dst, desc, n);
	dst[n] = '\0';
	return 0;
}

static int note_num(const char *label, const char *what, const uint8_t *desc,
		    uint32_t dlen, uint64_t *v)
{
	switch (dlen) {
	case 1:
		*v = desc[0];
		return 0;
	case 2:
		*v = le16(desc);
		return 0;
	case 4:
		*v = le32(desc);
		return 0;
	case 8:
		*v = le64(desc);
		return 0;
	default:
		return ts_fail(EINVAL, "%s: Xen note %s has a %u-byte value "
			       "(1, 2, 4 or 8 expected)", label, what, dlen);
	}
}

static const char *const feature_names[] = {
	[XENFEAT_writable_page_tables] = "writable_page_tables",
	[XENFEAT_writable_descriptor_tables] = "writable_descriptor_tables",
	[XENFEAT_auto_translated_physmap] = "auto_translated_physmap",
	[XENFEAT_supervisor_mode_kernel] = "supervisor_mode_kernel",
	[XENFEAT_pae_pgdir_above_4gb] = "pae_pgdir_above_4gb",
	[XENFEAT_hvm_callback_vector] = "hvm_callback_vector",
	[XENFEAT_dom0] = "dom0",
};

/* "f1|!f2": '!' marks a feature the kernel requires. */
static int parse_features(struct kimg *k, const char *label)
{
	const char *s = k->features;

	while (*s) {
		size_t n = strcspn(s, "|");
		bool req = *s == '!';
		const char *name = s + req;
		size_t nlen = n - req;
		unsigned int i;

		for (i = 0; i < sizeof(feature_names) / sizeof(*feature_names);
		     i++) {
			if (feature_names[i] && strlen(feature_names[i]) ==
			    nlen && !strncmp(name, feature_names[i], nlen))
				break;
		}
		if (i < sizeof(feature_names) / sizeof(*feature_names)) {
			k->feat_supported |= 1u << i;
			if (req)
				k->feat_required |= 1u << i;
		} else if (req) {
			return ts_fail(EOPNOTSUPP, "%s: the kernel requires "
				       "Xen feature '%.*s', which we do not "
				       "know", label, (int)nlen, name);
		}
		s += n;
		if (*s == '|')
			s++;
	}
	return 0;
}

static int xen_note(struct kimg *k, const char *label, uint32_t type,
		    const uint8_t *desc, uint32_t dlen)
{
	uint64_t v;
	int err = 0;

	k->nr_xen_notes++;
	switch (type) {
	case XEN_ELFNOTE_ENTRY:
		err = note_num(label, "ENTRY", desc, dlen, &k->entry);
		break;
	case XEN_ELFNOTE_HYPERCALL_PAGE:
		err = note_num(label, "HYPERCALL_PAGE", desc, dlen,
			       &k->hypercall_page);
		break;
	case XEN_ELFNOTE_VIRT_BASE:
		err = note_num(label, "VIRT_BASE", desc, dlen, &k->virt_base);
		break;
	case XEN_ELFNOTE_PADDR_OFFSET:
		err = note_num(label, "PADDR_OFFSET", desc, dlen,
			       &k->paddr_offset);
		break;
	case XEN_ELFNOTE_INIT_P2M:
		err = note_num(label, "INIT_P2M", desc, dlen, &k->p2m_base);
		break;
	case XEN_ELFNOTE_HV_START_LOW:
		err = note_num(label, "HV_START_LOW", desc, dlen,
			       &k->hv_start_low);
		break;
	case XEN_ELFNOTE_MOD_START_PFN:
		err = note_num(label, "MOD_START_PFN", desc, dlen, &v);
		k->mod_start_pfn = !err && v;
		break;
	case XEN_ELFNOTE_SUPPORTED_FEATURES:
		err = note_num(label, "SUPPORTED_FEATURES", desc, dlen, &v);
		if (!err)
			k->feat_supported |= (uint32_t)v;
		break;
	case XEN_ELFNOTE_XEN_VERSION:
		err = note_str(label, "XEN_VERSION", desc, dlen,
			       k->xen_version, sizeof(k->xen_version));
		break;
	case XEN_ELFNOTE_GUEST_OS:
		err = note_str(label, "GUEST_OS", desc, dlen, k->guest_os,
			       sizeof(k->guest_os));
		break;
	case XEN_ELFNOTE_GUEST_VERSION:
		err = note_str(label, "GUEST_VERSION", desc, dlen,
			       k->guest_version, sizeof(k->guest_version));
		break;
	case XEN_ELFNOTE_LOADER:
		err = note_str(label, "LOADER", desc, dlen, k->loader,
			       sizeof(k->loader));
		break;
	case XEN_ELFNOTE_FEATURES:
		err = note_str(label, "FEATURES", desc, dlen, k->features,
			       sizeof(k->features));
		break;
	default:
		/* PAE_MODE, L1_MFN_VALID, SUSPEND_CANCEL, PHYS32_ENTRY, ...:
		 * nothing a 64-bit PV build needs. */
		break;
	}
	return err;
}

/* Walk the notes in elf[off, off + size). */
static int parse_notes(struct kimg *k, const char *label, uint64_t off,
		       uint64_t size)
{
	const uint8_t *p = k->elf;
	uint64_t pos = off, end;
	unsigned int count = 0;
	int err;

	if (off > k->elf_len || size > k->elf_len - off)
		return ts_fail(EINVAL, "%s: ELF note area (%llu bytes at "
			       "%llu) lies outside the file", label,
			       (unsigned long long)size,
			       (unsigned long long)off);
	end = off + size;
	while (end - pos >= 12) {
		uint32_t nsz = le32(p + pos), dsz = le32(p + pos + 4);
		uint32_t type = le32(p + pos + 8);
		uint64_t name = pos + 12;
		uint64_t desc = name + (((uint64_t)nsz + 3) & ~3ull);
		uint64_t next = desc + (((uint64_t)dsz + 3) & ~3ull);

		if (++count > NOTE_LIMIT)
			return ts_fail(EINVAL, "%s: more than %d ELF notes",
				       label, NOTE_LIMIT);
		if (desc > end || next > end || desc + dsz > end)
			return ts_fail(EINVAL, "%s: ELF note at %llu runs past "
				       "its note area", label,
				       (unsigned long long)pos);
		if (nsz == 4 && !memcmp(p + name, "Xen", 4)) {
			err = xen_note(k, label, type, p + desc, dsz);
			if (err)
				return err;
		}
		pos = next;
	}
	return 0;
}

static void init_kimg(struct kimg *k)
{
	memset(k, 0, sizeof(*k));
	k->virt_base = KIMG_UNSET;
	k->paddr_offset = KIMG_UNSET;
	k->entry = KIMG_UNSET;
	k->hypercall_page = KIMG_UNSET;
	k->p2m_base = KIMG_UNSET;
	k->hv_start_low = KIMG_UNSET;
}

static int parse_headers(struct kimg *k, const char *label)
{
	const uint8_t *p = k->elf;
	size_t len = k->elf_len;
	uint64_t phoff, shoff, i;
	unsigned int phnum, shnum;
	int err;

	if (len < EH_SIZE || !is_elf(p, len))
		return ts_fail(ENOEXEC, "%s: not an ELF file (or truncated "
			       "before the end of its header)", label);
	if (p[EH_CLASS] != 2 || p[EH_DATA] != 1 || p[EH_VERSION] != 1 ||
	    le16(p + EH_MACHINE) != EM_X86_64)
		return ts_fail(ENOEXEC, "%s: not a 64-bit x86 ELF kernel (we "
			       "build 64-bit PV guests only)", label);
	if (le16(p + EH_TYPE) != ET_EXEC && le16(p + EH_TYPE) != ET_DYN)
		return ts_fail(ENOEXEC, "%s: ELF file is not an executable",
			       label);
	phoff = le64(p + EH_PHOFF);
	phnum = le16(p + EH_PHNUM);
	if (phnum == 0 || le16(p + EH_PHENTSIZE) != PH_SIZE || phnum > 64 ||
	    phoff > len || (uint64_t)phnum * PH_SIZE > len - phoff)
		return ts_fail(EINVAL, "%s: ELF program headers (%u at %llu) "
			       "are missing, malformed or truncated", label,
			       phnum, (unsigned long long)phoff);
	k->pstart = UINT64_MAX;
	k->pend = 0;
	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = p + phoff + i * PH_SIZE;
		uint32_t type = le32(ph), flags = le32(ph + 4);
		uint64_t off = le64(ph + 8), paddr = le64(ph + 24);
		uint64_t filesz = le64(ph + 32), memsz = le64(ph + 40);
		struct kimg_segment *s;

		if (type == PT_NOTE) {
			err = parse_notes(k, label, off, filesz);
			if (err)
				return err;
			continue;
		}
		if (type != PT_LOAD || !(flags & PF_RWX))
			continue;
		if (off > len || filesz > len - off)
			return ts_fail(EINVAL, "%s: ELF segment %llu (%llu "
				       "bytes at %llu) lies outside the "
				       "%zu-byte file (truncated?)", label,
				       (unsigned long long)i,
				       (unsigned long long)filesz,
				       (unsigned long long)off, len);
		if (filesz > memsz || memsz > KIMG_MAX_SPAN ||
		    paddr > UINT64_MAX - memsz)
			return ts_fail(EINVAL, "%s: ELF segment %llu has bad "
				       "sizes (file %llu, memory %llu)",
				       label, (unsigned long long)i,
				       (unsigned long long)filesz,
				       (unsigned long long)memsz);
		if (k->nr_segs == KIMG_MAX_SEGMENTS)
			return ts_fail(EINVAL, "%s: more than %d loadable ELF "
				       "segments", label, KIMG_MAX_SEGMENTS);
		s = &k->segs[k->nr_segs++];
		s->offset = off;
		s->filesz = filesz;
		s->paddr = paddr;
		s->memsz = memsz;
		if (paddr < k->pstart)
			k->pstart = paddr;
		if (paddr + memsz > k->pend)
			k->pend = paddr + memsz;
	}
	if (k->nr_segs == 0)
		return ts_fail(ENOEXEC, "%s: ELF file has nothing to load",
			       label);
	if (k->pend - k->pstart > KIMG_MAX_SPAN)
		return ts_fail(EINVAL, "%s: ELF segments span %llu MiB (at "
			       "most %llu)", label,
			       (unsigned long long)((k->pend - k->pstart) >>
						    20),
			       KIMG_MAX_SPAN >> 20);
	/* Older kernels may keep notes only in sections. */
	shoff = le64(p + EH_SHOFF);
	shnum = le16(p + EH_SHNUM);
	if (k->nr_xen_notes == 0 && shoff && shnum &&
	    le16(p + EH_SHENTSIZE) == SH_SIZE && shoff <= len &&
	    (uint64_t)shnum * SH_SIZE <= len - shoff) {
		for (i = 0; i < shnum; i++) {
			const uint8_t *sh = p + shoff + i * SH_SIZE;

			if (le32(sh + 4) != SHT_NOTE)
				continue;
			err = parse_notes(k, label, le64(sh + 24),
					  le64(sh + 32));
			if (err)
				return err;
		}
	}
	k->virt_entry = le64(p + EH_ENTRY);
	return 0;
}

/* The checks and address computations of Xen's libelf. */
static int check_notes(struct kimg *k, const char *label)
{
	uint64_t offset;
	int err;

	if (k->nr_xen_notes == 0)
		return ts_fail(ENOEXEC, "%s: not a Xen PV kernel: it has no "
			       "Xen ELF notes (is it built with "
			       "CONFIG_XEN_PV?)", label);
	if (strncmp(k->loader, "generic", 7) &&
	    strncmp(k->guest_os, "linux", 5))
		return ts_fail(ENOEXEC, "%s: built for loader '%s' and guest "
			       "OS '%s' (we load 'generic' or 'linux' "
			       "kernels)", label, k->loader, k->guest_os);
	if (strncmp(k->xen_version, "xen-3.0", 7))
		return ts_fail(ENOEXEC, "%s: built for Xen interface '%s' "
			       "(we load 'xen-3.0' kernels)", label,
			       k->xen_version);
	err = parse_features(k, label);
	if (err)
		return err;
	if (k->feat_required & (1u << XENFEAT_auto_translated_physmap))
		return ts_fail(EOPNOTSUPP, "%s: the kernel requires an "
			       "auto-translated physmap (PV auto-translate "
			       "guests are not supported)", label);
	if (k->paddr_offset != KIMG_UNSET && k->virt_base == KIMG_UNSET)
		return ts_fail(EINVAL, "%s: Xen note PADDR_OFFSET without "
			       "VIRT_BASE", label);
	if (k->virt_base == KIMG_UNSET)
		k->virt_base = 0;
	if (k->paddr_offset == KIMG_UNSET)
		k->paddr_offset = 0;
	offset = k->virt_base - k->paddr_offset;
	k->virt_kstart = k->pstart + offset;
	k->virt_kend = k->pend + offset;
	if (k->entry != KIMG_UNSET)
		k->virt_entry = k->entry;
	if (k->virt_kstart > k->virt_kend || k->virt_entry < k->virt_kstart ||
	    k->virt_entry > k->virt_kend || k->virt_base > k->virt_kstart)
		return ts_fail(EINVAL, "%s: kernel addresses are inconsistent "
			       "(base %#llx, image %#llx-%#llx, entry %#llx)",
			       label, (unsigned long long)k->virt_base,
			       (unsigned long long)k->virt_kstart,
			       (unsigned long long)k->virt_kend,
			       (unsigned long long)k->virt_entry);
	if ((k->virt_kstart & 0xfff) || (k->virt_base & 0xfff))
		return ts_fail(EINVAL, "%s: kernel image or base %#llx is not "
			       "page aligned", label,
			       (unsigned long long)k->virt_kstart);
	if (k->p2m_base != KIMG_UNSET && k->p2m_base >= k->virt_kstart &&
	    k->p2m_base < k->virt_kend)
		return ts_fail(EINVAL, "%s: INIT_P2M %#llx lies inside the "
			       "kernel image", label,
			       (unsigned long long)k->p2m_base);
	if (k->hypercall_page != KIMG_UNSET &&
	    (k->hypercall_page < k->virt_kstart ||
	     k->hypercall_page >= k->virt_kend ||
	     (k->hypercall_page & 0xfff)))
		return ts_fail(EINVAL, "%s: HYPERCALL_PAGE %#llx is not a page "
			       "of the kernel image", label,
			       (unsigned long long)k->hypercall_page);
	return 0;
}

int kimg_parse(uint8_t *elf, size_t len, const char *label, struct kimg *k)
{
	int err;

	init_kimg(k);
	k->elf = elf;
	k->elf_len = len;
	k->packing = "ELF";
	err = parse_headers(k, label);
	if (err)
		return err;
	return check_notes(k, label);
}

void kimg_free(struct kimg *k)
{
	free(k->elf);
	k->elf = NULL;
	k->elf_len = 0;
}

int kimg_copy(const struct kimg *k, void *dest, size_t dest_len)
{
	unsigned int i;

	if (k->virt_kend - k->virt_kstart > dest_len)
		return ts_fail(EINVAL, "kernel needs %llu bytes, %zu mapped",
			       (unsigned long long)(k->virt_kend -
						    k->virt_kstart),
			       dest_len);
	for (i = 0; i < k->nr_segs; i++) {
		const struct kimg_segment *s = &k->segs[i];
		uint8_t *d = (uint8_t *)dest + (s->paddr - k->pstart);

		memcpy(d, k->elf + s->offset, s->filesz);
		memset(d + s->filesz, 0, s->memsz - s->filesz);
	}
	return 0;
}

int kimg_read_file(const char *path, const char *what, size_t max,
		   uint8_t **buf, size_t *len)
{
	struct stat st;
	size_t got = 0;
	uint8_t *b;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ts_fail(errno, "%s %s: %s", what, path,
			       strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ts_fail(EINVAL, "%s %s: not a regular file", what, path);
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return ts_fail(EFBIG, "%s %s: %lld bytes is too large (limit "
			       "%zu MiB)", what, path, (long long)st.st_size,
			       max >> 20);
	}
	b = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!b) {
		close(fd);
		return ts_fail(ENOMEM, "%s %s: out of memory", what, path);
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, b + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			free(b);
			close(fd);
			return ts_fail(err, "%s %s: read failed: %s", what,
				       path, n < 0 ? strerror(err) :
				       "file shrank");
		}
		got += (size_t)n;
	}
	close(fd);
	*buf = b;
	*len = got;
	return 0;
}

int kimg_load(const char *path, struct kimg *k)
{
	const char *packing;
	uint8_t *file, *elf;
	size_t len, elf_len;
	int err;

	init_kimg(k);
	err = kimg_read_file(path, "kernel", KIMG_MAX_FILE, &file, &len);
	if (err)
		return err;
	err = kimg_unpack(file, len, path, &elf, &elf_len, &packing);
	free(file);
	if (err)
		return err;
	err = kimg_parse(elf, elf_len, path, k);
	k->packing = packing;
	return err;
}
