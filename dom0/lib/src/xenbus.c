// SPDX-License-Identifier: MIT
/*
 * Dom0's own store page through /dev/xen/xenbus_backend (see
 * libtandem/xenbus.h).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libtandem/error.h>
#include <libtandem/privcmd.h>
#include <libtandem/xenbus.h>

#include "linux_xen.h"

int tdm_xenbus_backend_open(struct xenstore_domain_interface **intf,
			    evtchn_port_t *port)
{
	void *page;
	int fd, ret, err;

	*intf = NULL;
	fd = open(TDM_XENBUS_BACKEND_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return tdm_fail(errno, "open " TDM_XENBUS_BACKEND_DEVICE
				" (not a Xen dom0, or xen_gntdev/xenfs "
				"missing)");
	ret = ioctl(fd, LX_IOCTL_XENBUS_BACKEND_EVTCHN, 0);
	if (ret < 0) {
		err = errno;
		close(fd);
		return tdm_fail(err, "read dom0's store event channel");
	}
	page = mmap(NULL, TDM_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, 0);
	err = errno;
	close(fd);
	if (page == MAP_FAILED)
		return tdm_fail(err, "map dom0's store page");
	*intf = page;
	*port = (evtchn_port_t)ret;
	return 0;
}

void tdm_xenbus_backend_close(struct xenstore_domain_interface *intf)
{
	if (intf)
		munmap(intf, TDM_PAGE_SIZE);
}
