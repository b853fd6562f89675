/* SPDX-License-Identifier: MIT */
/*
 * libtandem: event channels through Linux's /dev/xen/evtchn.
 *
 * Each handle is one open of the device: the ports bound through it
 * belong to it and are closed when it is closed. Its file descriptor
 * (tdm_evtchn_fd) becomes readable in poll() when a bound port fires.
 * The kernel masks a port when it delivers it; after handling, unmask it
 * with tdm_evtchn_unmask() or it will not fire again.
 *
 * Typical loop:
 *
 *	poll tdm_evtchn_fd(e) for POLLIN
 *	n = tdm_evtchn_pending(e, ports, 64);
 *	for each port: handle it, then tdm_evtchn_unmask(e, port);
 *
 * Errors: negative errno, errno and tdm_errmsg() set (see error.h).
 */
#ifndef LIBTANDEM_EVTCHN_H
#define LIBTANDEM_EVTCHN_H

#include <stddef.h>

#include <public/xen.h>
#include <public/event_channel.h>

struct tdm_evtchn;

/* Open /dev/xen/evtchn (non-blocking, close-on-exec). */
int tdm_evtchn_open(struct tdm_evtchn **out);
void tdm_evtchn_close(struct tdm_evtchn *e);
int tdm_evtchn_fd(const struct tdm_evtchn *e);

/* Bind a new local port to remote's unbound port: the local port. */
int tdm_evtchn_bind_interdomain(struct tdm_evtchn *e, domid_t remote,
				evtchn_port_t remote_port);
/* A new local port that remote may bind: the local port. */
int tdm_evtchn_bind_unbound(struct tdm_evtchn *e, domid_t remote);
/* Bind a VIRQ (VIRQ_DOM_EXC, ...) on vCPU 0: the local port. */
int tdm_evtchn_bind_virq(struct tdm_evtchn *e, unsigned int virq);
int tdm_evtchn_unbind(struct tdm_evtchn *e, evtchn_port_t port);
/* Raise the remote end of a local port. */
int tdm_evtchn_notify(struct tdm_evtchn *e, evtchn_port_t port);

/*
 * Ports that fired, up to max, without blocking: how many were stored
 * (0 if none), or -EFBIG if the kernel's queue overflowed (reset with
 * tdm_evtchn_reset() and treat every bound port as fired).
 */
int tdm_evtchn_pending(struct tdm_evtchn *e, evtchn_port_t *ports,
		       size_t max);
int tdm_evtchn_unmask(struct tdm_evtchn *e, evtchn_port_t port);
/* Empty the kernel's queue of fired ports and clear its overflow. */
int tdm_evtchn_reset(struct tdm_evtchn *e);
/* Allow this handle to bind interdomain ports of domid only (one way). */
int tdm_evtchn_restrict(struct tdm_evtchn *e, domid_t domid);

#endif /* LIBTANDEM_EVTCHN_H */
