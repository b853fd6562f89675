/* SPDX-License-Identifier: MIT */
/*
 * Byte buffers of the console daemon.
 *
 * struct sbuf: a console's scrollback, the last `size` bytes of its
 * output, overwritten oldest first. What an attaching client sees before
 * the live output.
 *
 * struct bq: a FIFO of bytes waiting to be sent to a client, growing on
 * demand up to a bound the caller gives.
 */
#ifndef TANDEM_CONSOLED_BUF_H
#define TANDEM_CONSOLED_BUF_H

#include <stddef.h>
#include <stdint.h>

struct sbuf {
	char *data;
	size_t size;		/* capacity */
	size_t len;		/* bytes held, <= size */
	size_t head;		/* where the next byte goes */
	uint64_t total;		/* bytes ever appended */
};

/* 0, or -ENOMEM. size 0 keeps no scrollback. */
int sbuf_init(struct sbuf *b, size_t size);
void sbuf_free(struct sbuf *b);
void sbuf_append(struct sbuf *b, const void *data, size_t len);
/*
 * The bytes held, oldest first, as at most two pieces: p1 (n1 bytes)
 * then p2 (n2 bytes); either may be empty.
 */
void sbuf_pieces(const struct sbuf *b, const char **p1, size_t *n1,
		 const char **p2, size_t *n2);

struct bq {
	char *data;
	size_t cap;
	size_t off;		/* first unsent byte */
	size_t len;		/* unsent bytes */
};

/* Queue len bytes: 0, or -ENOBUFS if more than max would be queued. */
int bq_push(struct bq *q, const void *data, size_t len, size_t max);
/* Forget the first n queued bytes (they were sent). */
void bq_pop(struct bq *q, size_t n);
void bq_free(struct bq *q);

#endif
