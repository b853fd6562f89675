/* SPDX-License-Identifier: MIT */
/*
 * Our own definitions of the ioctl interfaces of Linux's Xen devices
 * (/dev/xen/privcmd, evtchn, gntdev, xenbus_backend). They are kernel
 * ABI: the numbers and layouts follow the headers in Linux's
 * include/uapi/xen for x86-64, and the sizes are checked below because
 * they are part of the ioctl numbers.
 */
#ifndef LIBTANDEM_LINUX_XEN_H
#define LIBTANDEM_LINUX_XEN_H

#include <stdint.h>
#include <sys/ioctl.h>

#include <public/xen.h>

/* /dev/xen/privcmd ('P') */
struct lx_privcmd_hypercall {
	uint64_t op;
	uint64_t arg[5];
};
_Static_assert(sizeof(struct lx_privcmd_hypercall) == 48,
	       "privcmd_hypercall");

struct lx_privcmd_mmapbatch_v2 {
	uint32_t num;			/* frames */
	domid_t dom;
	uint16_t _pad0;
	uint64_t addr;			/* start of the privcmd mapping */
	const xen_pfn_t *arr;		/* frames to map */
	int *err;			/* per-frame result, 0 or -errno */
};
_Static_assert(sizeof(struct lx_privcmd_mmapbatch_v2) == 32,
	       "privcmd_mmapbatch_v2");

struct lx_privcmd_mmap_resource {
	domid_t dom;
	uint16_t _pad0;
	uint32_t type;
	uint32_t id;
	uint32_t idx;
	uint64_t num;
	uint64_t addr;
};
_Static_assert(sizeof(struct lx_privcmd_mmap_resource) == 32,
	       "privcmd_mmap_resource");

#define LX_IOCTL_PRIVCMD_HYPERCALL \
	_IOC(_IOC_NONE, 'P', 0, sizeof(struct lx_privcmd_hypercall))
#define LX_IOCTL_PRIVCMD_MMAPBATCH_V2 \
	_IOC(_IOC_NONE, 'P', 4, sizeof(struct lx_privcmd_mmapbatch_v2))
#define LX_IOCTL_PRIVCMD_MMAP_RESOURCE \
	_IOC(_IOC_NONE, 'P', 7, sizeof(struct lx_privcmd_mmap_resource))

/* /dev/xen/evtchn ('E'); every argument is an unsigned int or a domid. */
#define LX_IOCTL_EVTCHN_BIND_VIRQ	_IOC(_IOC_NONE, 'E', 0, 4)
#define LX_IOCTL_EVTCHN_BIND_INTERDOMAIN _IOC(_IOC_NONE, 'E', 1, 8)
#define LX_IOCTL_EVTCHN_BIND_UNBOUND_PORT _IOC(_IOC_NONE, 'E', 2, 4)
#define LX_IOCTL_EVTCHN_UNBIND		_IOC(_IOC_NONE, 'E', 3, 4)
#define LX_IOCTL_EVTCHN_NOTIFY		_IOC(_IOC_NONE, 'E', 4, 4)
#define LX_IOCTL_EVTCHN_RESET		_IOC(_IOC_NONE, 'E', 5, 0)
#define LX_IOCTL_EVTCHN_RESTRICT_DOMID	_IOC(_IOC_NONE, 'E', 6, 2)

struct lx_evtchn_bind_interdomain {
	uint32_t remote_domain;
	uint32_t remote_port;
};

/* /dev/xen/gntdev ('G') */
struct lx_gntdev_grant_ref {
	uint32_t domid;
	uint32_t ref;
};

/* Variable size: count refs follow; the ioctl number uses one. */
struct lx_gntdev_map_grant_ref {
	uint32_t count;
	uint32_t _pad0;
	uint64_t index;			/* out: mmap() offset */
	struct lx_gntdev_grant_ref refs[];
};
#define LX_GNTDEV_MAP_SIZE	(sizeof(struct lx_gntdev_map_grant_ref) + \
				 sizeof(struct lx_gntdev_grant_ref))
_Static_assert(LX_GNTDEV_MAP_SIZE == 24, "gntdev_map_grant_ref");

struct lx_gntdev_unmap_grant_ref {
	uint64_t index;
	uint32_t count;
	uint32_t _pad0;
};
_Static_assert(sizeof(struct lx_gntdev_unmap_grant_ref) == 16,
	       "gntdev_unmap_grant_ref");

struct lx_gntdev_get_offset_for_vaddr {
	uint64_t vaddr;
	uint64_t offset;		/* out */
	uint32_t count;			/* out */
	uint32_t _pad0;
};
_Static_assert(sizeof(struct lx_gntdev_get_offset_for_vaddr) == 24,
	       "gntdev_get_offset_for_vaddr");

struct lx_gntdev_unmap_notify {
	uint64_t index;			/* mmap offset of the byte */
	uint32_t action;		/* LX_UNMAP_NOTIFY_* */
	uint32_t event_channel_port;
};
_Static_assert(sizeof(struct lx_gntdev_unmap_notify) == 16,
	       "gntdev_unmap_notify");
#define LX_UNMAP_NOTIFY_CLEAR_BYTE	1
#define LX_UNMAP_NOTIFY_SEND_EVENT	2

struct lx_gntdev_grant_copy {
	uint32_t count;
	uint32_t _pad0;
	void *segments;			/* struct tdm_gntcopy_seg[count] */
};
_Static_assert(sizeof(struct lx_gntdev_grant_copy) == 16,
	       "gntdev_grant_copy");

#define LX_IOCTL_GNTDEV_MAP_GRANT_REF \
	_IOC(_IOC_NONE, 'G', 0, LX_GNTDEV_MAP_SIZE)
#define LX_IOCTL_GNTDEV_UNMAP_GRANT_REF \
	_IOC(_IOC_NONE, 'G', 1, sizeof(struct lx_gntdev_unmap_grant_ref))
#define LX_IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR \
	_IOC(_IOC_NONE, 'G', 2, sizeof(struct lx_gntdev_get_offset_for_vaddr))
#define LX_IOCTL_GNTDEV_SET_MAX_GRANTS	_IOC(_IOC_NONE, 'G', 3, 4)
#define LX_IOCTL_GNTDEV_SET_UNMAP_NOTIFY \
	_IOC(_IOC_NONE, 'G', 7, sizeof(struct lx_gntdev_unmap_notify))
#define LX_IOCTL_GNTDEV_GRANT_COPY \
	_IOC(_IOC_NONE, 'G', 8, sizeof(struct lx_gntdev_grant_copy))

/*
 * /dev/xen/xenbus_backend ('B'), dom0 only: the event channel of dom0's
 * own store ring (whose page is the device's mmap()).
 */
#define LX_IOCTL_XENBUS_BACKEND_EVTCHN	_IOC(_IOC_NONE, 'B', 0, 0)

#endif /* LIBTANDEM_LINUX_XEN_H */
