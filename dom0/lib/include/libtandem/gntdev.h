/* SPDX-License-Identifier: MIT */
/*
 * libtandem: grant mapping and grant copy through Linux's /dev/xen/gntdev.
 *
 * A guest shares a page by writing a grant entry naming our domain; we
 * map it by (its domid, grant reference). The mapping is a shared view of
 * the guest's page: the guest can change it at any moment, so read every
 * index and length from it once, check it, then use the checked copy.
 *
 * Errors: negative errno / NULL, with errno and tdm_errmsg() set.
 */
#ifndef LIBTANDEM_GNTDEV_H
#define LIBTANDEM_GNTDEV_H

#include <stddef.h>
#include <stdint.h>

#include <public/xen.h>
#include <public/grant_table.h>
#include <public/event_channel.h>

struct tdm_gntdev;

/*
 * Open /dev/xen/gntdev. max_grants, if not 0, asks the kernel to allow
 * that many grants mapped at once through this handle (older kernels
 * default to 128; newer ones ignore the request and use a module limit).
 */
int tdm_gntdev_open(struct tdm_gntdev **out, uint32_t max_grants);
void tdm_gntdev_close(struct tdm_gntdev *g);

/*
 * Map count grant references of domain dom, contiguously, with prot
 * (PROT_READ[|PROT_WRITE]). Fails as a whole if any reference cannot be
 * mapped. Unmap with tdm_gntdev_unmap(g, addr, count).
 */
void *tdm_gntdev_map(struct tdm_gntdev *g, domid_t dom,
		     const grant_ref_t *refs, unsigned int count, int prot);
int tdm_gntdev_unmap(struct tdm_gntdev *g, void *addr, unsigned int count);

/*
 * When the mapping at addr goes away (unmapped, or this process dies),
 * clear the byte at byte_offset in it (byte_offset < 0: don't) and notify
 * port (port < 0: don't), so the granting guest learns its peer is gone.
 */
int tdm_gntdev_set_unmap_notify(struct tdm_gntdev *g, void *addr,
				long byte_offset, long port);

/*
 * One segment of a grant copy, in the layout of Linux's gntdev ABI. Each
 * side is either local memory (virt) or a foreign grant (flags say which:
 * GNTCOPY_source_gref / GNTCOPY_dest_gref); exactly one side must be a
 * grant, and a grant side must not cross its 4 KiB page. status is set
 * per segment (GNTST_*).
 */
struct tdm_gntcopy_seg {
	union {
		void *virt;
		struct {
			grant_ref_t ref;
			uint16_t offset;
			domid_t domid;
		} foreign;
	} source, dest;
	uint16_t len;
	uint16_t flags;		/* GNTCOPY_source_gref / GNTCOPY_dest_gref */
	int16_t status;		/* out: GNTST_* */
	uint16_t _pad0;
};
_Static_assert(sizeof(struct tdm_gntcopy_seg) == 24, "tdm_gntcopy_seg size");

/*
 * Copy count segments. 0 if every segment succeeded; -EIO if some failed
 * (see their status; the message names the first); other -errno if the
 * request itself was refused (statuses then undefined).
 */
int tdm_gntdev_copy(struct tdm_gntdev *g, struct tdm_gntcopy_seg *segs,
		    unsigned int count);

#endif /* LIBTANDEM_GNTDEV_H */
