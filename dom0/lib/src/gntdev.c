// SPDX-License-Identifier: MIT
/*
 * Grant mapping and grant copy through /dev/xen/gntdev (see
 * libtandem/gntdev.h).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libtandem/error.h>
#include <libtandem/gntdev.h>
#include <libtandem/privcmd.h>

#include "linux_xen.h"

#define GNTDEV_DEV	"/dev/xen/gntdev"
#define MAX_MAP		(1u << 16)	/* refs in one mapping */

struct tdm_gntdev {
	int fd;
};

int tdm_gntdev_open(struct tdm_gntdev **out, uint32_t max_grants)
{
	struct tdm_gntdev *g;
	int err;

	*out = NULL;
	g = malloc(sizeof(*g));
	if (!g)
		return tdm_fail(ENOMEM, "gntdev handle");
	g->fd = open(GNTDEV_DEV, O_RDWR | O_CLOEXEC);
	if (g->fd < 0) {
		err = errno;
		free(g);
		return tdm_fail(err, "open " GNTDEV_DEV " (needs Xen with "
				"xen_gntdev loaded, and root)");
	}
	/* Must come before any mapping; newer kernels ignore it. */
	if (max_grants)
		(void)ioctl(g->fd, LX_IOCTL_GNTDEV_SET_MAX_GRANTS, &max_grants);
	*out = g;
	return 0;
}

void tdm_gntdev_close(struct tdm_gntdev *g)
{
	if (!g)
		return;
	close(g->fd);
	free(g);
}

static void release_index(struct tdm_gntdev *g, uint64_t index,
			  unsigned int count)
{
	struct lx_gntdev_unmap_grant_ref u = {
		.index = index,
		.count = count,
	};

	(void)ioctl(g->fd, LX_IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
}

void *tdm_gntdev_map(struct tdm_gntdev *g, domid_t dom,
		     const grant_ref_t *refs, unsigned int count, int prot)
{
	struct lx_gntdev_map_grant_ref *m;
	unsigned int i;
	void *addr;
	int saved;

	if (count == 0 || count > MAX_MAP) {
		tdm_fail(EINVAL, "map %u grants of dom%u", count, dom);
		return NULL;
	}
	m = calloc(1, sizeof(*m) + count * sizeof(m->refs[0]));
	if (!m) {
		tdm_fail(ENOMEM, "map %u grants of dom%u", count, dom);
		return NULL;
	}
	m->count = count;
	for (i = 0; i < count; i++) {
		m->refs[i].domid = dom;
		m->refs[i].ref = refs[i];
	}
	if (ioctl(g->fd, LX_IOCTL_GNTDEV_MAP_GRANT_REF, m) < 0) {
		saved = errno;
		free(m);
		tdm_fail(saved, "register %u grants of dom%u for mapping%s",
			 count, dom, saved == ENOSPC ? " (too many grants "
			 "mapped: raise gntdev's limit)" : "");
		return NULL;
	}
	/* The grants are mapped (and checked by Xen) at mmap() time. */
	addr = mmap(NULL, (size_t)count << TDM_PAGE_SHIFT, prot, MAP_SHARED,
		    g->fd, (off_t)m->index);
	if (addr == MAP_FAILED) {
		saved = errno;
		release_index(g, m->index, count);
		tdm_fail(saved, "map grant %u%s of dom%u%s", refs[0],
			 count > 1 ? " and following" : "", dom,
			 saved == EINVAL || saved == EFAULT ?
			 " (not granted to us, or a bad reference)" : "");
		free(m);
		return NULL;
	}
	free(m);
	return addr;
}

int tdm_gntdev_unmap(struct tdm_gntdev *g, void *addr, unsigned int count)
{
	struct lx_gntdev_get_offset_for_vaddr q;

	memset(&q, 0, sizeof(q));
	q.vaddr = (uintptr_t)addr;
	if (ioctl(g->fd, LX_IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &q) < 0)
		return tdm_fail(errno, "find the grant mapping at %p", addr);
	if (q.count != count)
		return tdm_fail(EINVAL, "unmap %u grants at %p: it maps %u",
				count, addr, q.count);
	if (munmap(addr, (size_t)count << TDM_PAGE_SHIFT) < 0)
		return tdm_fail(errno, "unmap the grants at %p", addr);
	release_index(g, q.offset, count);
	return 0;
}

int tdm_gntdev_set_unmap_notify(struct tdm_gntdev *g, void *addr,
				long byte_offset, long port)
{
	struct lx_gntdev_get_offset_for_vaddr q;
	struct lx_gntdev_unmap_notify n;

	memset(&q, 0, sizeof(q));
	q.vaddr = (uintptr_t)addr;
	if (ioctl(g->fd, LX_IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &q) < 0)
		return tdm_fail(errno, "find the grant mapping at %p", addr);
	if (byte_offset >= 0 && (unsigned long)byte_offset >=
	    (unsigned long)q.count << TDM_PAGE_SHIFT)
		return tdm_fail(EINVAL, "notify byte %ld outside the mapping",
				byte_offset);
	memset(&n, 0, sizeof(n));
	n.index = q.offset + (byte_offset >= 0 ? (uint64_t)byte_offset : 0);
	if (byte_offset >= 0)
		n.action |= LX_UNMAP_NOTIFY_CLEAR_BYTE;
	if (port >= 0) {
		n.action |= LX_UNMAP_NOTIFY_SEND_EVENT;
		n.event_channel_port = (uint32_t)port;
	}
	if (ioctl(g->fd, LX_IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &n) < 0)
		return tdm_fail(errno, "set the unmap notification at %p",
				addr);
	return 0;
}

int tdm_gntdev_copy(struct tdm_gntdev *g, struct tdm_gntcopy_seg *segs,
		    unsigned int count)
{
	struct lx_gntdev_grant_copy c = {
		.count = count,
		.segments = segs,
	};
	unsigned int i;

	if (count == 0)
		return 0;
	if (ioctl(g->fd, LX_IOCTL_GNTDEV_GRANT_COPY, &c) < 0)
		return tdm_fail(errno, "grant copy of %u segments", count);
	for (i = 0; i < count; i++) {
		if (segs[i].status != GNTST_okay)
			return tdm_fail(EIO, "grant copy segment %u of %u: %s",
					i, count,
					gnttab_status_str(segs[i].status));
	}
	return 0;
}
