// SPDX-License-Identifier: MIT
/*
 * Scrollback rings and send queues (see buf.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

int sbuf_init(struct sbuf *b, size_t size)
{
	memset(b, 0, sizeof(*b));
	if (size == 0)
		return 0;
	b->data = malloc(size);
	if (!b->data)
		return -ENOMEM;
	b->size = size;
	return 0;
}

void sbuf_free(struct sbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void sbuf_append(struct sbuf *b, const void *data, size_t len)
{
	const char *p = data;
	size_t n;

	b->total += len;
	if (b->size == 0)
		return;
	/* Only the last size bytes can survive. */
	if (len > b->size) {
		p += len - b->size;
		len = b->size;
	}
	while (len) {
		n = b->size - b->head;
		if (n > len)
			n = len;
		memcpy(b->data + b->head, p, n);
		b->head = (b->head + n) % b->size;
		p += n;
		len -= n;
		b->len = b->len + n > b->size ? b->size : b->len + n;
	}
}

void sbuf_pieces(const struct sbuf *b, const char **p1, size_t *n1,
		 const char **p2, size_t *n2)
{
	size_t start;

	if (b->len < b->size || b->size == 0) {
		/* Not wrapped yet: one piece from the start. */
		*p1 = b->data;
		*n1 = b->len;
		*p2 = b->data;
		*n2 = 0;
		return;
	}
	start = b->head;
	*p1 = b->data + start;
	*n1 = b->size - start;
	*p2 = b->data;
	*n2 = start;
}

int bq_push(struct bq *q, const void *data, size_t len, size_t max)
{
	size_t need = q->len + len, cap;
	char *p;

	if (need > max)
		return -ENOBUFS;
	if (len == 0)
		return 0;
	if (q->off + need > q->cap) {
		/* Slide down first; grow only if that is not enough. */
		if (q->len && q->off)
			memmove(q->data, q->data + q->off, q->len);
		q->off = 0;
		if (need > q->cap) {
			cap = q->cap ? q->cap : 4096;
			while (cap < need)
				cap *= 2;
			if (cap > max)
				cap = max;
			p = realloc(q->data, cap);
			if (!p)
				return -ENOMEM;
			q->data = p;
			q->cap = cap;
		}
	}
	memcpy(q->data + q->off + q->len, data, len);
	q->len += len;
	return 0;
}

void bq_pop(struct bq *q, size_t n)
{
	if (n >= q->len) {
		q->off = 0;
		q->len = 0;
		return;
	}
	q->off += n;
	q->len -= n;
}

void bq_free(struct bq *q)
{
	free(q->data);
	memset(q, 0, sizeof(*q));
}
