// SPDX-License-Identifier: MIT
/*
 * The guest side of the store: a connection's bytes through the guest's
 * store page (struct xenstore_domain_interface), independent of how the
 * page was mapped and how the event channel is bound (main.c).
 *
 * The guest can write anything into the page at any time. Each pass reads
 * every index once through libtandem's checked byte rings; an impossible
 * index (a producer more than a ring ahead of its consumer) disconnects
 * the guest: its connection is marked dead, the page's error field says
 * why, and nothing is read from or written to the page again.
 */
#include <stdio.h>
#include <string.h>

#include <libtandem/ring.h>

#include "store_ring.h"

static void ring_fail(struct store_conn *c,
		      struct xenstore_domain_interface *intf, bool requests)
{
	char why[128];

	/* For the log only: the values may have changed again already. */
	snprintf(why, sizeof(why), "wrote an impossible %s ring index "
		 "(cons %#x, prod %#x)", requests ? "request" : "response",
		 requests ? intf->req_cons : intf->rsp_cons,
		 requests ? intf->req_prod : intf->rsp_prod);
	store_conn_fail(c, XENSTORE_ERROR_RINGIDX, why);
	__atomic_store_n(&intf->error, XENSTORE_ERROR_RINGIDX,
			 __ATOMIC_RELEASE);
}

void store_ring_start(struct xenstore_domain_interface *intf, bool reset)
{
	if (reset) {
		intf->req_cons = 0;
		intf->req_prod = 0;
		intf->rsp_cons = 0;
		intf->rsp_prod = 0;
	}
	intf->error = XENSTORE_ERROR_NONE;
	intf->server_features = XENSTORE_SERVER_FEATURE_RECONNECTION |
				XENSTORE_SERVER_FEATURE_ERROR;
	__atomic_store_n(&intf->connection, XENSTORE_CONNECTED,
			 __ATOMIC_RELEASE);
}

bool store_ring_service(struct store_conn *c,
			struct xenstore_domain_interface *intf)
{
	char buf[XENSTORE_RING_SIZE];
	struct tdm_byte_ring in, out;
	bool notify = false, progress;
	const void *data;
	size_t n, want;
	int moved;

	if (store_conn_dead(c))
		return false;
	if (__atomic_load_n(&intf->connection, __ATOMIC_ACQUIRE) ==
	    XENSTORE_RECONNECT) {
		/* The guest starts over: so do we (docs/xenstore-ring). */
		store_conn_reset(c);
		store_ring_start(intf, true);
		return true;
	}
	tdm_xs_ring_server(intf, &in, &out);
	do {
		progress = false;
		/* Replies first: that may let more requests in. */
		while ((n = store_conn_output(c, &data)) > 0) {
			moved = tdm_byte_ring_write(&out, data, n);
			if (moved < 0) {
				ring_fail(c, intf, false);
				return true;
			}
			if (moved == 0)
				break;
			store_conn_output_done(c, (size_t)moved);
			notify = progress = true;
		}
		while ((want = store_conn_input_want(c)) > 0) {
			if (want > sizeof(buf))
				want = sizeof(buf);
			moved = tdm_byte_ring_read(&in, buf, want);
			if (moved < 0) {
				ring_fail(c, intf, true);
				return true;
			}
			if (moved == 0)
				break;
			notify = progress = true;
			if (store_conn_input(c, buf, (size_t)moved) < 0) {
				__atomic_store_n(&intf->error,
						 (uint32_t)store_conn_dead(c),
						 __ATOMIC_RELEASE);
				return true;
			}
		}
	} while (progress && !store_conn_dead(c));
	return notify;
}
