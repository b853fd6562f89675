/* SPDX-License-Identifier: MIT */
/*
 * libtandem: checked access to rings shared with another domain.
 *
 * Two kinds of ring live in pages shared with a guest:
 *
 *  - split-driver request/response rings (block, network, ...): the
 *    layout of public/io/ring.h, a 64-byte header and a power-of-two
 *    array of fixed-size slots;
 *  - byte rings (the console and the store pages): a power-of-two byte
 *    buffer per direction with free-running 32-bit producer and consumer
 *    indexes.
 *
 * The other domain can write any value into the shared page at any time.
 * These helpers read each index the peer controls exactly once, check it
 * against what is possible (a producer can be at most one ring's worth
 * ahead of the consumer, and a frontend cannot post more requests than
 * there are free slots, nor a backend more responses than requests), and
 * report -EIO instead of using an impossible value. Slot contents are
 * copied out before the caller sees them, so the peer cannot change a
 * request while it is being checked. A ring that once returned -EIO stays
 * broken: the caller should disconnect the peer.
 */
#ifndef LIBTANDEM_RING_H
#define LIBTANDEM_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <public/io/ring.h>
#include <public/io/xs_wire.h>
#include <public/io/console.h>

/*
 * Index checks on values already read from shared memory (pure functions,
 * also used by the ring helpers below). nr_ents is a power of two.
 *
 * Backend: requests ready to consume, or -EIO if the frontend's req_prod
 * claims more requests than it had free slots for (it can be at most
 * nr_ents ahead of the last response the backend produced).
 */
int tdm_ring_requests_ready(RING_IDX req_prod, RING_IDX req_cons,
			    RING_IDX rsp_prod_pvt, uint32_t nr_ents);
/*
 * Frontend: responses ready to consume, or -EIO if the backend's rsp_prod
 * claims more responses than requests were posted (req_prod_pvt).
 */
int tdm_ring_responses_ready(RING_IDX rsp_prod, RING_IDX rsp_cons,
			     RING_IDX req_prod_pvt, uint32_t nr_ents);

/* Backend view of a split-driver ring. */
struct tdm_back_ring {
	void *sring;		/* the shared page (header + slots) */
	size_t slot_size;	/* bytes per slot (request/response union) */
	uint32_t nr_ents;	/* slots, a power of two */
	RING_IDX req_cons;	/* next request to consume */
	RING_IDX rsp_prod_pvt;	/* next response slot to fill */
	bool broken;		/* the frontend wrote an impossible index */
};

/*
 * Attach to a shared ring of ring_bytes bytes whose slots are slot_size
 * bytes. Starts at the frontend's current req_prod/rsp_prod as found in the
 * page (a fresh ring has both at 0). -EINVAL if not one slot fits.
 */
int tdm_back_ring_attach(struct tdm_back_ring *r, void *sring,
			 size_t ring_bytes, size_t slot_size);
/* Requests ready, or -EIO (the ring is then broken). */
int tdm_back_ring_pending(struct tdm_back_ring *r);
/* Copy the next request to req (slot_size bytes): 1, 0 if none, -EIO. */
int tdm_back_ring_take(struct tdm_back_ring *r, void *req);
/*
 * The slot for the next response (write slot_size bytes or fewer), or
 * NULL if every consumed request has already been answered.
 */
void *tdm_back_ring_response(struct tdm_back_ring *r);
/* Publish the responses written; true if the frontend must be notified. */
bool tdm_back_ring_push(struct tdm_back_ring *r);
/*
 * Before sleeping: ask for an event on the next request and look again.
 * Requests ready (handle them before sleeping), or -EIO.
 */
int tdm_back_ring_final_check(struct tdm_back_ring *r);

/* Frontend view of a split-driver ring. */
struct tdm_front_ring {
	void *sring;
	size_t slot_size;
	uint32_t nr_ents;
	RING_IDX req_prod_pvt;	/* next request slot to fill */
	RING_IDX rsp_cons;	/* next response to consume */
	bool broken;		/* the backend wrote an impossible index */
};

/* Initialise the shared page (all indexes 0) and attach to it. */
int tdm_front_ring_init(struct tdm_front_ring *r, void *sring,
			size_t ring_bytes, size_t slot_size);
/* The slot for the next request, or NULL if the ring is full. */
void *tdm_front_ring_request(struct tdm_front_ring *r);
/* Publish the requests written; true if the backend must be notified. */
bool tdm_front_ring_push(struct tdm_front_ring *r);
/* Copy the next response to rsp: 1, 0 if none, -EIO. */
int tdm_front_ring_take(struct tdm_front_ring *r, void *rsp);
/* Before sleeping: re-arm rsp_event and look again (see back ring). */
int tdm_front_ring_final_check(struct tdm_front_ring *r);

/*
 * One direction of a byte ring: size bytes of data (a power of two) and
 * the two free-running indexes in the shared page. The producer writes
 * data[prod % size] and then advances prod; the consumer reads up to prod
 * and then advances cons. prod - cons is the number of unread bytes and
 * can never exceed size; anything else is reported as -EIO.
 */
struct tdm_byte_ring {
	char *data;
	uint32_t size;
	uint32_t *cons;
	uint32_t *prod;
};

/* Unread bytes (consumer side), or -EIO. */
int tdm_byte_ring_readable(const struct tdm_byte_ring *r);
/* Free space (producer side), or -EIO. */
int tdm_byte_ring_writable(const struct tdm_byte_ring *r);
/*
 * Consume up to len bytes into dst / produce up to len bytes from src:
 * the number of bytes moved (possibly 0), or -EIO. len is capped at
 * INT_MAX.
 */
int tdm_byte_ring_read(const struct tdm_byte_ring *r, void *dst, size_t len);
int tdm_byte_ring_write(const struct tdm_byte_ring *r, const void *src,
			size_t len);

/*
 * The two directions of a store page as seen by the store daemon (reads
 * req, writes rsp) or by a guest (writes req, reads rsp): in is what this
 * side reads, out what it writes.
 */
void tdm_xs_ring_server(struct xenstore_domain_interface *intf,
			struct tdm_byte_ring *in, struct tdm_byte_ring *out);
void tdm_xs_ring_client(struct xenstore_domain_interface *intf,
			struct tdm_byte_ring *in, struct tdm_byte_ring *out);

/* The console page as seen by the console backend (reads out, writes in). */
void tdm_cons_ring_backend(struct xencons_interface *intf,
			   struct tdm_byte_ring *in, struct tdm_byte_ring *out);

#endif /* LIBTANDEM_RING_H */
