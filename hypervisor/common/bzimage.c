// SPDX-License-Identifier: MIT
/*
 * bzImage parsing (see tandem/bzimage.h). The layout is Linux's x86 boot
 * protocol: a real-mode setup of (setup_sects + 1) sectors, with the setup
 * header at 0x1f1, then the protected-mode code, in which the compressed
 * vmlinux sits at payload_offset. Compressors append the uncompressed size
 * as 4 little-endian bytes to the payload.
 */
#include <tandem/bzimage.h>
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <tandem/xz.h>

#define HDR_SETUP_SECTS		0x1f1
#define HDR_MAGIC		0x202	/* "HdrS" */
#define HDR_VERSION		0x206
#define HDR_PAYLOAD_OFFSET	0x248
#define HDR_PAYLOAD_LENGTH	0x24c
#define HDR_END			0x250	/* end of what we read */

#define SECTOR_SIZE		512
#define PROTO_MIN		0x0208	/* first with payload_offset */

static uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

bool bzimage_looks_like(const void *img, size_t len)
{
	return len >= HDR_MAGIC + 4 &&
	       !memcmp((const uint8_t *)img + HDR_MAGIC, "HdrS", 4);
}

static const uint8_t lz4_magic[] = { 0x02, 0x21, 0x4c, 0x18 };

/* The other compressors Linux can build an x86 bzImage with. */
static const struct {
	const char *name;
	uint8_t magic[4];
	uint8_t len;
} other_formats[] = {
	{ "gzip", { 0x1f, 0x8b }, 2 },
	{ "bzip2", { 'B', 'Z', 'h' }, 3 },
	{ "LZMA", { 0x5d, 0x00, 0x00 }, 3 },
	{ "LZO", { 0x89, 'L', 'Z', 'O' }, 4 },
	{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
	{ "uncompressed ELF", { 0x7f, 'E', 'L', 'F' }, 4 },
};

int bzimage_payload(const void *img, size_t len, const void **payload,
		    size_t *payload_len, enum bzimage_codec *codec,
		    size_t *uncompressed_len, char *why, size_t why_len)
{
	const uint8_t *p = img, *pl;
	unsigned int version, sects;
	size_t pm_start, off, plen, usize, i;

	if (why_len)
		why[0] = '\0';
	if (!bzimage_looks_like(img, len)) {
		snprintf(why, why_len, "not a bzImage (no HdrS header)");
		return -EINVAL;
	}
	if (len < HDR_END) {
		snprintf(why, why_len, "bzImage truncated in its setup header");
		return -EINVAL;
	}
	version = p[HDR_VERSION] | p[HDR_VERSION + 1] << 8;
	if (version < PROTO_MIN) {
		snprintf(why, why_len,
			 "bzImage boot protocol %u.%02u is too old (need 2.08)",
			 version >> 8, version & 0xff);
		return -EOPNOTSUPP;
	}
	sects = p[HDR_SETUP_SECTS] ? p[HDR_SETUP_SECTS] : 4;
	pm_start = ((size_t)sects + 1) * SECTOR_SIZE;
	off = le32(p + HDR_PAYLOAD_OFFSET);
	plen = le32(p + HDR_PAYLOAD_LENGTH);
	/* written to avoid overflow: each term is checked before the next */
	if (pm_start > len || off > len - pm_start ||
	    plen > len - pm_start - off) {
		snprintf(why, why_len,
			 "bzImage payload (offset %zu, %zu bytes) lies outside the %zu-byte image",
			 pm_start + off, plen, len);
		return -EINVAL;
	}
	pl = p + pm_start + off;

	if (plen >= sizeof(lz4_magic) &&
	    !memcmp(pl, lz4_magic, sizeof(lz4_magic))) {
		*codec = BZIMAGE_LZ4;
	} else if (plen < XZ_MAGIC_LEN || memcmp(pl, XZ_MAGIC, XZ_MAGIC_LEN)) {
		for (i = 0; i < ARRAY_SIZE(other_formats); i++)
			if (plen >= other_formats[i].len &&
			    !memcmp(pl, other_formats[i].magic,
				    other_formats[i].len))
				break;
		if (i < ARRAY_SIZE(other_formats))
			snprintf(why, why_len,
				 "%s-compressed kernels are not supported; use an XZ or LZ4 one, or an extracted ELF",
				 other_formats[i].name);
		else
			snprintf(why, why_len,
				 "bzImage payload has an unknown compression format; use an XZ or LZ4 kernel, or an extracted ELF");
		return -EOPNOTSUPP;
	} else {
		*codec = BZIMAGE_XZ;
	}
	if (plen < sizeof(lz4_magic) + 4) {
		snprintf(why, why_len, "bzImage payload too short");
		return -EINVAL;
	}
	usize = le32(pl + plen - 4);
	if (usize == 0 || usize > BZIMAGE_MAX_UNCOMPRESSED) {
		snprintf(why, why_len,
			 "bzImage says the kernel is %zu bytes uncompressed (limit %u MiB)",
			 usize, BZIMAGE_MAX_UNCOMPRESSED >> 20);
		return -EINVAL;
	}
	*payload = pl;
	*payload_len = plen - 4;
	*uncompressed_len = usize;
	return 0;
}
