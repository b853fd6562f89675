/* SPDX-License-Identifier: MIT */
/*
 * libtandem: dom0's own store page.
 *
 * When a Linux dom0 boots, its kernel sets up a store ring for itself
 * (a page and an event channel) and waits for a store daemon to serve it.
 * The daemon finds them through /dev/xen/xenbus_backend: the device's
 * mmap() is the page, an ioctl gives the port. Serving this ring is what
 * lets dom0's kernel backends (and xenbus itself) reach the store.
 */
#ifndef LIBTANDEM_XENBUS_H
#define LIBTANDEM_XENBUS_H

#include <public/event_channel.h>
#include <public/io/xs_wire.h>

#define TDM_XENBUS_BACKEND_DEVICE	"/dev/xen/xenbus_backend"

/*
 * Map dom0's store page and read its event channel (dom0's own port, to
 * be bound with tdm_evtchn_bind_interdomain(e, 0, port)). Returns 0, or
 * -ENOENT if there is no such device (not a Xen dom0), or -errno.
 */
int tdm_xenbus_backend_open(struct xenstore_domain_interface **intf,
			    evtchn_port_t *port);
void tdm_xenbus_backend_close(struct xenstore_domain_interface *intf);

#endif /* LIBTANDEM_XENBUS_H */
