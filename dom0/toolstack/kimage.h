/* SPDX-License-Identifier: MIT */
/*
 * Kernel images for 64-bit PV guests: a Linux bzImage (its compressed
 * payload unpacked with zlib, liblzma, liblz4 or libzstd), a gzip'd ELF
 * or a plain ELF, and the Xen ELF notes that say how to load it.
 *
 * Everything in the file is untrusted: every offset and size is checked
 * against the buffer, output sizes are bounded, and a bad image fails
 * with a message saying what is wrong with it, never a crash.
 */
#ifndef TANDEM_KIMAGE_H
#define TANDEM_KIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KIMG_UNSET		UINT64_MAX
#define KIMG_MAX_FILE		(256u << 20)	/* what we read */
#define KIMG_MAX_ELF		(512u << 20)	/* what we unpack */
#define KIMG_MAX_SPAN		(1ull << 30)	/* loaded kernel extent */
#define KIMG_MAX_SEGMENTS	16
#define KIMG_STR_MAX		128

/* A loadable ELF segment: file range and where it goes (physical). */
struct kimg_segment {
	uint64_t offset, filesz;
	uint64_t paddr, memsz;
};

struct kimg {
	uint8_t *elf;			/* the unpacked ELF (malloc) */
	size_t elf_len;
	const char *packing;		/* "bzImage+xz", "ELF", "gzip+ELF" */

	/* Xen notes; KIMG_UNSET where the kernel has none. */
	uint64_t virt_base;
	uint64_t paddr_offset;
	uint64_t entry;
	uint64_t hypercall_page;
	uint64_t p2m_base;		/* INIT_P2M */
	uint64_t hv_start_low;
	bool mod_start_pfn;		/* initrd may be given by PFN */
	unsigned int nr_xen_notes;
	char xen_version[KIMG_STR_MAX];
	char loader[KIMG_STR_MAX];
	char guest_os[KIMG_STR_MAX];
	char guest_version[KIMG_STR_MAX];
	char features[KIMG_STR_MAX * 2];
	uint32_t feat_supported;	/* 1 << XENFEAT_* */
	uint32_t feat_required;

	/* Derived, as libelf computes them. */
	uint64_t pstart, pend;		/* physical extent of the segments */
	uint64_t virt_kstart, virt_kend;
	uint64_t virt_entry;
	unsigned int nr_segs;
	struct kimg_segment segs[KIMG_MAX_SEGMENTS];
};

/*
 * Unpack file (len bytes): a bzImage's payload, a gzip'd file or an ELF
 * as it is. *elf is malloc()ed (free it), *packing says what it was.
 * label names the file in messages. 0 or -errno with ts_errmsg() set.
 */
int kimg_unpack(const void *file, size_t len, const char *label,
		uint8_t **elf, size_t *elf_len, const char **packing);

/*
 * Parse an ELF and its Xen notes into k (which takes over elf: it is
 * freed by kimg_free(), also on failure). 0 or -EINVAL/-ENOEXEC/...
 */
int kimg_parse(uint8_t *elf, size_t len, const char *label, struct kimg *k);

/* Read, unpack and parse a kernel file. */
int kimg_load(const char *path, struct kimg *k);

/* Free what k holds (safe on a zeroed or failed k). */
void kimg_free(struct kimg *k);

/*
 * Copy the segments into dest, the guest's memory from virt_kstart on
 * (dest_len bytes, already zeroed; at least virt_kend - virt_kstart).
 */
int kimg_copy(const struct kimg *k, void *dest, size_t dest_len);

/*
 * Read a whole file, at most max bytes (-EFBIG beyond): *buf is
 * malloc()ed. what ("kernel", "initrd") starts the messages.
 */
int kimg_read_file(const char *path, const char *what, size_t max,
		   uint8_t **buf, size_t *len);

#endif /* TANDEM_KIMAGE_H */
