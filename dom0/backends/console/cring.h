/* SPDX-License-Identifier: MIT */
/*
 * The console page of a guest as its backend sees it.
 *
 * The page (public/io/console.h) holds two byte rings: out[] carries the
 * guest's output to us, in[] our keystrokes to the guest. Each side owns
 * two of the four indexes: the guest writes out_prod and in_cons, we write
 * out_cons and in_prod. We keep our own two indexes here, privately, and
 * only ever store them into the page: a guest that scribbles over them
 * cannot make us re-read or skip data. The guest's two indexes are loaded
 * once per operation and checked; a value that cannot be right (more
 * unread bytes than the ring holds) breaks the ring for good, and
 * cring.why says what was wrong, for the one log line the caller writes.
 *
 * Pure memory operations: no I/O, no notifications. The caller notifies
 * the guest when a read or write moved bytes.
 */
#ifndef TANDEM_CONSOLED_CRING_H
#define TANDEM_CONSOLED_CRING_H

#include <stdbool.h>
#include <stddef.h>

#include <public/io/console.h>

struct cring {
	struct xencons_interface *intf;
	XENCONS_RING_IDX out_cons;	/* ours: next output byte to read */
	XENCONS_RING_IDX in_prod;	/* ours: next input byte to write */
	bool broken;
	char why[96];			/* set when broken */
};

/*
 * Start serving a page: take our indexes from it (a fresh page has 0; a
 * page we served before a restart has where we stopped) and check the
 * guest's against them. 0, or -EIO if the page is already impossible.
 */
int cring_attach(struct cring *r, struct xencons_interface *intf);

/* Output bytes waiting to be read, or -EIO. */
int cring_readable(struct cring *r);
/* Read up to len output bytes into buf: the number read, or -EIO. */
int cring_read(struct cring *r, void *buf, size_t len);

/* Free space in the input ring, or -EIO. */
int cring_writable(struct cring *r);
/* Write up to len input bytes (as many as fit): the number written, -EIO. */
int cring_write(struct cring *r, const void *buf, size_t len);

/* Check both of the guest's indexes without moving data: 0 or -EIO. */
int cring_check(struct cring *r);

#endif
