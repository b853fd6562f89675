// SPDX-License-Identifier: MIT
/*
 * Checked access to a guest's console page (see cring.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cring.h"

static XENCONS_RING_IDX load(const XENCONS_RING_IDX *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store(XENCONS_RING_IDX *p, XENCONS_RING_IDX v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static int broke(struct cring *r, const char *ring, XENCONS_RING_IDX cons,
		 XENCONS_RING_IDX prod, unsigned int size)
{
	if (!r->broken)
		snprintf(r->why, sizeof(r->why),
			 "%s ring: cons %#x prod %#x, more than %u bytes apart",
			 ring, cons, prod, size);
	r->broken = true;
	return -EIO;
}

/* Unread output, from the guest's out_prod loaded once. */
static int out_used(struct cring *r, XENCONS_RING_IDX *prod)
{
	if (r->broken)
		return -EIO;
	*prod = load(&r->intf->out_prod);
	if ((XENCONS_RING_IDX)(*prod - r->out_cons) > XENCONS_OUT_SIZE)
		return broke(r, "output", r->out_cons, *prod,
			     XENCONS_OUT_SIZE);
	return (int)(XENCONS_RING_IDX)(*prod - r->out_cons);
}

/* Input not yet taken by the guest, from its in_cons loaded once. */
static int in_used(struct cring *r)
{
	XENCONS_RING_IDX cons;

	if (r->broken)
		return -EIO;
	cons = load(&r->intf->in_cons);
	if ((XENCONS_RING_IDX)(r->in_prod - cons) > XENCONS_IN_SIZE)
		return broke(r, "input", cons, r->in_prod, XENCONS_IN_SIZE);
	return (int)(XENCONS_RING_IDX)(r->in_prod - cons);
}

int cring_attach(struct cring *r, struct xencons_interface *intf)
{
	memset(r, 0, sizeof(*r));
	r->intf = intf;
	r->out_cons = load(&intf->out_cons);
	r->in_prod = load(&intf->in_prod);
	return cring_check(r);
}

int cring_check(struct cring *r)
{
	XENCONS_RING_IDX prod;
	int ret = out_used(r, &prod);

	return ret < 0 ? ret : (in_used(r) < 0 ? -EIO : 0);
}

int cring_readable(struct cring *r)
{
	XENCONS_RING_IDX prod;

	return out_used(r, &prod);
}

int cring_read(struct cring *r, void *buf, size_t len)
{
	XENCONS_RING_IDX prod;
	int used = out_used(r, &prod);
	size_t n, off, first;

	if (used < 0)
		return used;
	n = len < (size_t)used ? len : (size_t)used;
	off = xencons_out_slot(r->out_cons);
	first = XENCONS_OUT_SIZE - off;
	if (first > n)
		first = n;
	memcpy(buf, r->intf->out + off, first);
	memcpy((char *)buf + first, r->intf->out, n - first);
	r->out_cons += (XENCONS_RING_IDX)n;
	/* The copy is done before the guest may reuse the space. */
	store(&r->intf->out_cons, r->out_cons);
	return (int)n;
}

int cring_writable(struct cring *r)
{
	int used = in_used(r);

	return used < 0 ? used : XENCONS_IN_SIZE - used;
}

int cring_write(struct cring *r, const void *buf, size_t len)
{
	int space = cring_writable(r);
	size_t n, off, first;

	if (space < 0)
		return space;
	n = len < (size_t)space ? len : (size_t)space;
	off = xencons_in_slot(r->in_prod);
	first = XENCONS_IN_SIZE - off;
	if (first > n)
		first = n;
	memcpy(r->intf->in + off, buf, first);
	memcpy(r->intf->in, (const char *)buf + first, n - first);
	r->in_prod += (XENCONS_RING_IDX)n;
	/* The bytes are in place before the guest sees the new index. */
	store(&r->intf->in_prod, r->in_prod);
	return (int)n;
}
