// SPDX-License-Identifier: MIT
/*
 * Checked access to rings shared with another domain (see
 * libtandem/ring.h). Every index the peer controls is loaded once per
 * operation, checked, and only the checked copy is used.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <libtandem/ring.h>

/* Offsets of the shared header words (public/io/ring.h). */
#define SR_REQ_PROD	0
#define SR_REQ_EVENT	1
#define SR_RSP_PROD	2
#define SR_RSP_EVENT	3

static RING_IDX *sr_word(void *sring, unsigned int i)
{
	return (RING_IDX *)sring + i;
}

static RING_IDX sr_load(void *sring, unsigned int i)
{
	return __atomic_load_n(sr_word(sring, i), __ATOMIC_ACQUIRE);
}

static void sr_store(void *sring, unsigned int i, RING_IDX v)
{
	__atomic_store_n(sr_word(sring, i), v, __ATOMIC_RELEASE);
}

static char *slot(void *sring, size_t slot_size, uint32_t nr_ents,
		  RING_IDX idx)
{
	return (char *)sring + XEN_RING_HDR_SIZE +
	       (size_t)(idx & (nr_ents - 1)) * slot_size;
}

int tdm_ring_requests_ready(RING_IDX req_prod, RING_IDX req_cons,
			    RING_IDX rsp_prod_pvt, uint32_t nr_ents)
{
	RING_IDX posted = req_prod - rsp_prod_pvt;

	/* More requests than slots not holding unread responses? */
	if (posted > nr_ents)
		return -EIO;
	/* req_prod moved back behind what we already consumed? */
	if ((RING_IDX)(req_prod - req_cons) > posted)
		return -EIO;
	return (int)(RING_IDX)(req_prod - req_cons);
}

int tdm_ring_responses_ready(RING_IDX rsp_prod, RING_IDX rsp_cons,
			     RING_IDX req_prod_pvt, uint32_t nr_ents)
{
	RING_IDX outstanding = req_prod_pvt - rsp_cons;
	RING_IDX ready = rsp_prod - rsp_cons;

	if (outstanding > nr_ents || ready > outstanding)
		return -EIO;
	return (int)ready;
}

int tdm_back_ring_attach(struct tdm_back_ring *r, void *sring,
			 size_t ring_bytes, size_t slot_size)
{
	memset(r, 0, sizeof(*r));
	r->nr_ents = xen_ring_nr_slots(ring_bytes, slot_size);
	if (!sring || r->nr_ents == 0)
		return -EINVAL;
	r->sring = sring;
	r->slot_size = slot_size;
	r->req_cons = sr_load(sring, SR_RSP_PROD);
	r->rsp_prod_pvt = r->req_cons;
	return 0;
}

int tdm_back_ring_pending(struct tdm_back_ring *r)
{
	int n;

	if (r->broken)
		return -EIO;
	n = tdm_ring_requests_ready(sr_load(r->sring, SR_REQ_PROD),
				    r->req_cons, r->rsp_prod_pvt, r->nr_ents);
	if (n < 0)
		r->broken = true;
	return n;
}

int tdm_back_ring_take(struct tdm_back_ring *r, void *req)
{
	int n = tdm_back_ring_pending(r);

	if (n <= 0)
		return n;
	memcpy(req, slot(r->sring, r->slot_size, r->nr_ents, r->req_cons),
	       r->slot_size);
	r->req_cons++;
	return 1;
}

void *tdm_back_ring_response(struct tdm_back_ring *r)
{
	if (r->broken || r->rsp_prod_pvt == r->req_cons)
		return NULL;
	return slot(r->sring, r->slot_size, r->nr_ents, r->rsp_prod_pvt++);
}

/*
 * Publish our producer index (requests or responses): does the peer,
 * by the event index it set, want to be notified?
 */
static bool publish(void *sring, unsigned int prod, unsigned int event,
		    RING_IDX pvt)
{
	RING_IDX old = *sr_word(sring, prod);

	sr_store(sring, prod, pvt);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return xen_ring_need_notify(pvt, old, sr_load(sring, event));
}

bool tdm_back_ring_push(struct tdm_back_ring *r)
{
	return publish(r->sring, SR_RSP_PROD, SR_RSP_EVENT, r->rsp_prod_pvt);
}

int tdm_back_ring_final_check(struct tdm_back_ring *r)
{
	int n = tdm_back_ring_pending(r);

	if (n != 0)
		return n;
	sr_store(r->sring, SR_REQ_EVENT, r->req_cons + 1);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return tdm_back_ring_pending(r);
}

int tdm_front_ring_init(struct tdm_front_ring *r, void *sring,
			size_t ring_bytes, size_t slot_size)
{
	memset(r, 0, sizeof(*r));
	r->nr_ents = xen_ring_nr_slots(ring_bytes, slot_size);
	if (!sring || r->nr_ents == 0)
		return -EINVAL;
	r->sring = sring;
	r->slot_size = slot_size;
	memset(sring, 0, XEN_RING_HDR_SIZE);
	sr_store(sring, SR_REQ_EVENT, 1);
	sr_store(sring, SR_RSP_EVENT, 1);
	return 0;
}

void *tdm_front_ring_request(struct tdm_front_ring *r)
{
	if (r->broken || (RING_IDX)(r->req_prod_pvt - r->rsp_cons) >=
			 r->nr_ents)
		return NULL;
	return slot(r->sring, r->slot_size, r->nr_ents, r->req_prod_pvt++);
}

bool tdm_front_ring_push(struct tdm_front_ring *r)
{
	return publish(r->sring, SR_REQ_PROD, SR_REQ_EVENT, r->req_prod_pvt);
}

static int front_pending(struct tdm_front_ring *r)
{
	int n;

	if (r->broken)
		return -EIO;
	n = tdm_ring_responses_ready(sr_load(r->sring, SR_RSP_PROD),
				     r->rsp_cons, r->req_prod_pvt, r->nr_ents);
	if (n < 0)
		r->broken = true;
	return n;
}

int tdm_front_ring_take(struct tdm_front_ring *r, void *rsp)
{
	int n = front_pending(r);

	if (n <= 0)
		return n;
	memcpy(rsp, slot(r->sring, r->slot_size, r->nr_ents, r->rsp_cons),
	       r->slot_size);
	r->rsp_cons++;
	return 1;
}

int tdm_front_ring_final_check(struct tdm_front_ring *r)
{
	int n = front_pending(r);

	if (n != 0)
		return n;
	sr_store(r->sring, SR_RSP_EVENT, r->rsp_cons + 1);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return front_pending(r);
}

/* Load both indexes once; the bytes in use, or -EIO. */
static int byte_ring_state(const struct tdm_byte_ring *r, uint32_t *cons,
			   uint32_t *prod)
{
	uint32_t used;

	*cons = __atomic_load_n(r->cons, __ATOMIC_ACQUIRE);
	*prod = __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);
	used = *prod - *cons;
	if (used > r->size)
		return -EIO;
	return (int)used;
}

int tdm_byte_ring_readable(const struct tdm_byte_ring *r)
{
	uint32_t cons, prod;

	return byte_ring_state(r, &cons, &prod);
}

int tdm_byte_ring_writable(const struct tdm_byte_ring *r)
{
	uint32_t cons, prod;
	int used = byte_ring_state(r, &cons, &prod);

	return used < 0 ? used : (int)(r->size - (uint32_t)used);
}

int tdm_byte_ring_read(const struct tdm_byte_ring *r, void *dst, size_t len)
{
	uint32_t cons, prod, off, first;
	int used = byte_ring_state(r, &cons, &prod);
	size_t n;

	if (used < 0)
		return used;
	n = len < (size_t)used ? len : (size_t)used;
	if (n > INT_MAX)
		n = INT_MAX;
	off = cons & (r->size - 1);
	first = r->size - off;
	if (first > n)
		first = (uint32_t)n;
	memcpy(dst, r->data + off, first);
	memcpy((char *)dst + first, r->data, n - first);
	__atomic_store_n(r->cons, cons + (uint32_t)n, __ATOMIC_RELEASE);
	return (int)n;
}

int tdm_byte_ring_write(const struct tdm_byte_ring *r, const void *src,
			size_t len)
{
	uint32_t cons, prod, off, first;
	int used = byte_ring_state(r, &cons, &prod);
	size_t n, space;

	if (used < 0)
		return used;
	space = r->size - (uint32_t)used;
	n = len < space ? len : space;
	if (n > INT_MAX)
		n = INT_MAX;
	off = prod & (r->size - 1);
	first = r->size - off;
	if (first > n)
		first = (uint32_t)n;
	memcpy(r->data + off, src, first);
	memcpy(r->data, (const char *)src + first, n - first);
	__atomic_store_n(r->prod, prod + (uint32_t)n, __ATOMIC_RELEASE);
	return (int)n;
}

void tdm_xs_ring_server(struct xenstore_domain_interface *intf,
			struct tdm_byte_ring *in, struct tdm_byte_ring *out)
{
	in->data = intf->req;
	in->size = XENSTORE_RING_SIZE;
	in->cons = &intf->req_cons;
	in->prod = &intf->req_prod;
	out->data = intf->rsp;
	out->size = XENSTORE_RING_SIZE;
	out->cons = &intf->rsp_cons;
	out->prod = &intf->rsp_prod;
}

void tdm_xs_ring_client(struct xenstore_domain_interface *intf,
			struct tdm_byte_ring *in, struct tdm_byte_ring *out)
{
	tdm_xs_ring_server(intf, out, in);
}

void tdm_cons_ring_backend(struct xencons_interface *intf,
			   struct tdm_byte_ring *in, struct tdm_byte_ring *out)
{
	in->data = intf->out;
	in->size = XENCONS_OUT_SIZE;
	in->cons = &intf->out_cons;
	in->prod = &intf->out_prod;
	out->data = intf->in;
	out->size = XENCONS_IN_SIZE;
	out->cons = &intf->in_cons;
	out->prod = &intf->in_prod;
}
