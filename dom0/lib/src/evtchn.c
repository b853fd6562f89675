// SPDX-License-Identifier: MIT
/*
 * Event channels through /dev/xen/evtchn (see libtandem/evtchn.h).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <libtandem/error.h>
#include <libtandem/evtchn.h>

#include "linux_xen.h"

#define EVTCHN_DEV	"/dev/xen/evtchn"

struct tdm_evtchn {
	int fd;
};

int tdm_evtchn_open(struct tdm_evtchn **out)
{
	struct tdm_evtchn *e;
	int err;

	*out = NULL;
	e = malloc(sizeof(*e));
	if (!e)
		return tdm_fail(ENOMEM, "event channel handle");
	e->fd = open(EVTCHN_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (e->fd < 0) {
		err = errno;
		free(e);
		return tdm_fail(err, "open " EVTCHN_DEV " (needs Xen with "
				"xen_evtchn loaded, and root)");
	}
	*out = e;
	return 0;
}

void tdm_evtchn_close(struct tdm_evtchn *e)
{
	if (!e)
		return;
	close(e->fd);
	free(e);
}

int tdm_evtchn_fd(const struct tdm_evtchn *e)
{
	return e->fd;
}

int tdm_evtchn_bind_interdomain(struct tdm_evtchn *e, domid_t remote,
				evtchn_port_t remote_port)
{
	struct lx_evtchn_bind_interdomain b = {
		.remote_domain = remote,
		.remote_port = remote_port,
	};
	int ret = ioctl(e->fd, LX_IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);

	if (ret < 0)
		return tdm_fail(errno, "bind event channel %u of dom%u%s",
				remote_port, remote,
				errno == EINVAL ? " (not an unbound port "
				"offered to us?)" : "");
	return ret;
}

int tdm_evtchn_bind_unbound(struct tdm_evtchn *e, domid_t remote)
{
	uint32_t dom = remote;
	int ret = ioctl(e->fd, LX_IOCTL_EVTCHN_BIND_UNBOUND_PORT, &dom);

	if (ret < 0)
		return tdm_fail(errno, "allocate an event channel for dom%u",
				remote);
	return ret;
}

int tdm_evtchn_bind_virq(struct tdm_evtchn *e, unsigned int virq)
{
	uint32_t v = virq;
	int ret = ioctl(e->fd, LX_IOCTL_EVTCHN_BIND_VIRQ, &v);

	if (ret < 0)
		return tdm_fail(errno, "bind VIRQ %u%s", virq,
				errno == EEXIST ? " (another program has it)"
				: "");
	return ret;
}

int tdm_evtchn_unbind(struct tdm_evtchn *e, evtchn_port_t port)
{
	uint32_t p = port;

	if (ioctl(e->fd, LX_IOCTL_EVTCHN_UNBIND, &p) < 0)
		return tdm_fail(errno, "unbind event channel %u", port);
	return 0;
}

int tdm_evtchn_notify(struct tdm_evtchn *e, evtchn_port_t port)
{
	uint32_t p = port;

	if (ioctl(e->fd, LX_IOCTL_EVTCHN_NOTIFY, &p) < 0)
		return tdm_fail(errno, "notify event channel %u", port);
	return 0;
}

int tdm_evtchn_pending(struct tdm_evtchn *e, evtchn_port_t *ports,
		       size_t max)
{
	ssize_t n;

	if (max == 0)
		return 0;
	if (max > 1024)
		max = 1024;
	n = read(e->fd, ports, max * sizeof(*ports));
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		if (errno == EFBIG)
			return tdm_fail(EFBIG, "event channel queue overflowed "
					"(reset it and rescan every port)");
		return tdm_fail(errno, "read fired event channels");
	}
	return (int)(n / (ssize_t)sizeof(*ports));
}

int tdm_evtchn_unmask(struct tdm_evtchn *e, evtchn_port_t port)
{
	uint32_t p = port;
	ssize_t n = write(e->fd, &p, sizeof(p));

	if (n != (ssize_t)sizeof(p))
		return tdm_fail(n < 0 ? errno : EIO, "unmask event channel %u",
				port);
	return 0;
}

int tdm_evtchn_reset(struct tdm_evtchn *e)
{
	if (ioctl(e->fd, LX_IOCTL_EVTCHN_RESET, 0) < 0)
		return tdm_fail(errno, "reset the event channel queue");
	return 0;
}

int tdm_evtchn_restrict(struct tdm_evtchn *e, domid_t domid)
{
	domid_t d = domid;

	if (ioctl(e->fd, LX_IOCTL_EVTCHN_RESTRICT_DOMID, &d) < 0)
		return tdm_fail(errno, "restrict event channels to dom%u",
				domid);
	return 0;
}
