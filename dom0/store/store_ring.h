/* SPDX-License-Identifier: MIT */
/*
 * tandem-store: serving a connection through a guest's store page
 * (ring.c).
 */
#ifndef TANDEM_STORE_RING_H
#define TANDEM_STORE_RING_H

#include <stdbool.h>

#include <public/io/xs_wire.h>

#include "store.h"

/*
 * Ready a freshly mapped page: advertise our features (reconnection,
 * error field), clear the error, mark it connected; with reset, also
 * empty both rings (a newly introduced guest).
 */
void store_ring_start(struct xenstore_domain_interface *intf, bool reset);

/*
 * Move every byte that can move between the page and the connection:
 * requests in, replies and watch events out, until neither side can make
 * progress. Handles a guest's reconnection request. Returns true if the
 * guest should be notified through its event channel. A guest that wrote
 * an impossible index or broke the protocol is disconnected (logged, the
 * page's error field set) and its page is never touched again.
 */
bool store_ring_service(struct store_conn *c,
			struct xenstore_domain_interface *intf);

#endif /* TANDEM_STORE_RING_H */
