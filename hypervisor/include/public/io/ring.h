/*
 * Tandem public ABI: the request/response ring used by split drivers
 * (block, network, framebuffer, ...). One shared page holds a 64-byte
 * header and a power-of-two array of slots; the frontend produces
 * requests, the backend produces responses into the same slots.
 */
#ifndef TANDEM_PUBLIC_IO_RING_H
#define TANDEM_PUBLIC_IO_RING_H

/* Bytes in front of the slot array. */
#define XEN_RING_HDR_SIZE	64

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

/* Free-running ring index; reduce modulo the slot count to use it. */
typedef uint32_t RING_IDX;

/*
 * Slots that fit in a ring of ring_bytes (header included), rounded down
 * to a power of two. 0 if not even one fits.
 */
static inline uint32_t xen_ring_nr_slots(size_t ring_bytes, size_t slot_size)
{
	size_t n;
	uint32_t p = 1;

	if (slot_size == 0 || ring_bytes < XEN_RING_HDR_SIZE + slot_size)
		return 0;
	n = (ring_bytes - XEN_RING_HDR_SIZE) / slot_size;
	while ((size_t)p * 2 <= n && p < 0x80000000u)
		p *= 2;
	return p;
}

/*
 * Index words in shared memory are read with acquire and published with
 * release semantics, so slot contents are ordered with respect to them.
 */
static inline RING_IDX xen_ring_load(const RING_IDX *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void xen_ring_publish(RING_IDX *p, RING_IDX v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/*
 * After moving prod from old to new: does the peer, which asked to be
 * woken once prod passes event, need an event-channel notification?
 */
static inline int xen_ring_need_notify(RING_IDX new_prod, RING_IDX old_prod,
				       RING_IDX event)
{
	return (RING_IDX)(new_prod - event) < (RING_IDX)(new_prod - old_prod);
}

/*
 * XEN_RING_DECLARE(name, req_type, rsp_type) declares
 *   union name##_sring_entry  one slot (a request or a response),
 *   struct name##_sring       the shared page,
 *   struct name##_front_ring  the frontend's private view,
 *   struct name##_back_ring   the backend's private view.
 *
 * Shared header: req_prod/rsp_prod are the producers' published indices;
 * req_event/rsp_event are the index after which the consumer wants an
 * event. pvt holds a few driver-specific bytes (netif uses pvt[0]).
 */
#define XEN_RING_DECLARE(name, req_type, rsp_type)			\
union name##_sring_entry {						\
	req_type req;							\
	rsp_type rsp;							\
};									\
									\
struct name##_sring {							\
	RING_IDX req_prod, req_event;					\
	RING_IDX rsp_prod, rsp_event;					\
	uint8_t pvt[4];							\
	uint8_t _pad[44];						\
	union name##_sring_entry ring[];				\
};									\
_Static_assert(offsetof(struct name##_sring, ring) == XEN_RING_HDR_SIZE, \
	       #name "_sring header size");				\
									\
struct name##_front_ring {						\
	RING_IDX req_prod_pvt;	/* requests written, maybe unpushed */	\
	RING_IDX rsp_cons;	/* responses consumed */		\
	uint32_t nr_ents;	/* slots, a power of two */		\
	struct name##_sring *sring;					\
};									\
									\
struct name##_back_ring {						\
	RING_IDX rsp_prod_pvt;	/* responses written, maybe unpushed */	\
	RING_IDX req_cons;	/* requests consumed */			\
	uint32_t nr_ents;	/* slots, a power of two */		\
	struct name##_sring *sring;					\
}

/* Reset a shared ring (done by the frontend before advertising it). */
#define XEN_SRING_INIT(s) do {						\
	size_t i__;							\
	(s)->req_prod = 0;						\
	(s)->rsp_prod = 0;						\
	(s)->req_event = 1;						\
	(s)->rsp_event = 1;						\
	for (i__ = 0; i__ < sizeof((s)->pvt); i__++)			\
		(s)->pvt[i__] = 0;					\
	for (i__ = 0; i__ < sizeof((s)->_pad); i__++)			\
		(s)->_pad[i__] = 0;					\
} while (0)

/* Attach a private view to a shared ring of ring_bytes bytes. */
#define XEN_FRONT_RING_INIT(r, s, ring_bytes) do {			\
	(r)->req_prod_pvt = 0;						\
	(r)->rsp_cons = 0;						\
	(r)->nr_ents = xen_ring_nr_slots((ring_bytes),			\
					 sizeof((s)->ring[0]));		\
	(r)->sring = (s);						\
} while (0)

#define XEN_BACK_RING_INIT(r, s, ring_bytes) do {			\
	(r)->rsp_prod_pvt = 0;						\
	(r)->req_cons = 0;						\
	(r)->nr_ents = xen_ring_nr_slots((ring_bytes),			\
					 sizeof((s)->ring[0]));		\
	(r)->sring = (s);						\
} while (0)

/* Slot of a free-running index. */
#define XEN_RING_SLOT(r, idx)	((idx) & ((r)->nr_ents - 1))

/* Pointers to the request / response living in a slot. */
#define XEN_RING_GET_REQUEST(r, idx)					\
	(&(r)->sring->ring[XEN_RING_SLOT(r, idx)].req)
#define XEN_RING_GET_RESPONSE(r, idx)					\
	(&(r)->sring->ring[XEN_RING_SLOT(r, idx)].rsp)

/* Frontend: slots it may still fill, and whether none are left. */
#define XEN_RING_FREE_REQUESTS(r)					\
	((r)->nr_ents - ((r)->req_prod_pvt - (r)->rsp_cons))
#define XEN_RING_FULL(r)	(XEN_RING_FREE_REQUESTS(r) == 0)

/* Frontend: responses published but not yet consumed. */
#define XEN_RING_HAS_UNCONSUMED_RESPONSES(r)				\
	((RING_IDX)(xen_ring_load(&(r)->sring->rsp_prod) - (r)->rsp_cons))

/*
 * Backend: requests published but not yet consumed, never more than the
 * slots it has not yet answered (a bad frontend cannot make it overrun).
 */
static inline RING_IDX xen_ring_unconsumed_requests(RING_IDX req_prod,
						    RING_IDX req_cons,
						    RING_IDX rsp_prod_pvt,
						    uint32_t nr_ents)
{
	RING_IDX reqs = req_prod - req_cons;
	RING_IDX room = nr_ents - (req_cons - rsp_prod_pvt);

	return reqs < room ? reqs : room;
}

#define XEN_RING_HAS_UNCONSUMED_REQUESTS(r)				\
	xen_ring_unconsumed_requests(xen_ring_load(&(r)->sring->req_prod), \
				     (r)->req_cons, (r)->rsp_prod_pvt,	\
				     (r)->nr_ents)

/* Frontend: publish req_prod_pvt; notify = peer needs an event. */
#define XEN_RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(r, notify) do {	\
	RING_IDX old__ = (r)->sring->req_prod;				\
	RING_IDX new__ = (r)->req_prod_pvt;				\
	xen_ring_publish(&(r)->sring->req_prod, new__);			\
	__atomic_thread_fence(__ATOMIC_SEQ_CST);			\
	(notify) = xen_ring_need_notify(new__, old__,			\
			xen_ring_load(&(r)->sring->req_event));		\
} while (0)

/* Backend: publish rsp_prod_pvt; notify = peer needs an event. */
#define XEN_RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(r, notify) do {	\
	RING_IDX old__ = (r)->sring->rsp_prod;				\
	RING_IDX new__ = (r)->rsp_prod_pvt;				\
	xen_ring_publish(&(r)->sring->rsp_prod, new__);			\
	__atomic_thread_fence(__ATOMIC_SEQ_CST);			\
	(notify) = xen_ring_need_notify(new__, old__,			\
			xen_ring_load(&(r)->sring->rsp_event));		\
} while (0)

/*
 * Before going idle: ask for an event on the next request/response, then
 * look once more so that one published in the meantime is not missed.
 */
#define XEN_RING_FINAL_CHECK_FOR_REQUESTS(r, more) do {		\
	(more) = XEN_RING_HAS_UNCONSUMED_REQUESTS(r);			\
	if (!(more)) {							\
		xen_ring_publish(&(r)->sring->req_event,		\
				 (r)->req_cons + 1);			\
		__atomic_thread_fence(__ATOMIC_SEQ_CST);		\
		(more) = XEN_RING_HAS_UNCONSUMED_REQUESTS(r);		\
	}								\
} while (0)

#define XEN_RING_FINAL_CHECK_FOR_RESPONSES(r, more) do {		\
	(more) = XEN_RING_HAS_UNCONSUMED_RESPONSES(r);			\
	if (!(more)) {							\
		xen_ring_publish(&(r)->sring->rsp_event,		\
				 (r)->rsp_cons + 1);			\
		__atomic_thread_fence(__ATOMIC_SEQ_CST);		\
		(more) = XEN_RING_HAS_UNCONSUMED_RESPONSES(r);		\
	}								\
} while (0)

#endif /* !__ASSEMBLER__ */

#endif /* TANDEM_PUBLIC_IO_RING_H */
