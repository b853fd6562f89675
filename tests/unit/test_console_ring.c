// SPDX-License-Identifier: MIT
/*
 * Host unit test of the console daemon's ring access and buffers
 * (dom0/backends/console/cring.c, buf.c): a console page in memory with
 * an honest guest (wrap-around at the end of the ring and at 2^32, a full
 * input ring), a hostile one (impossible indexes in either ring, at
 * attach time or later, scribbling over our own indexes), random index
 * values, and the scrollback and send queue.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cring.h"

#include "check.h"

static struct xencons_interface page;

/* The guest's side, as hvc_xen does it. */
static size_t guest_write(const char *s, size_t len)
{
	XENCONS_RING_IDX cons = page.out_cons, prod = page.out_prod;
	size_t n = 0;

	while (n < len && prod - cons < XENCONS_OUT_SIZE)
		page.out[xencons_out_slot(prod++)] = s[n++];
	page.out_prod = prod;
	return n;
}

static size_t guest_read(char *buf, size_t max)
{
	XENCONS_RING_IDX cons = page.in_cons, prod = page.in_prod;
	size_t n = 0;

	while (cons != prod && n < max)
		buf[n++] = page.in[xencons_in_slot(cons++)];
	page.in_cons = cons;
	return n;
}

static void reset(XENCONS_RING_IDX out, XENCONS_RING_IDX in)
{
	memset(&page, 0, sizeof(page));
	page.out_cons = page.out_prod = out;
	page.in_cons = page.in_prod = in;
}

static void honest(void)
{
	unsigned int f0 = check_failures(), i;
	char buf[4096], big[XENCONS_OUT_SIZE];
	struct cring r;

	reset(0, 0);
	CHECK_EQ(cring_attach(&r, &page), 0, "attach to a fresh page");
	CHECK_EQ(cring_readable(&r), 0, "nothing to read");
	CHECK_EQ(cring_writable(&r), XENCONS_IN_SIZE, "input ring all free");
	guest_write("hello\n", 6);
	CHECK_EQ(cring_readable(&r), 6, "6 bytes waiting");
	CHECK_EQ(cring_read(&r, buf, 3), 3, "read 3 of them");
	CHECK(!memcmp(buf, "hel", 3), "in order");
	CHECK_EQ(page.out_cons, 3, "out_cons published");
	CHECK_EQ(cring_read(&r, buf, sizeof(buf)), 3, "then the other 3");
	CHECK(!memcmp(buf, "lo\n", 3), "lo\\n");
	CHECK_EQ(cring_read(&r, buf, sizeof(buf)), 0, "then nothing");

	/* Across the end of out[]. */
	reset(XENCONS_OUT_SIZE - 10, 0);
	cring_attach(&r, &page);
	guest_write("0123456789abcdefghij", 20);
	CHECK_EQ(cring_read(&r, buf, sizeof(buf)), 20, "20 bytes across the "
		 "end of the ring");
	CHECK(!memcmp(buf, "0123456789abcdefghij", 20), "in order");

	/* Across 2^32. */
	reset(0xfffffff0u, 0xfffffffau);
	CHECK_EQ(cring_attach(&r, &page), 0, "attach with indexes near 2^32");
	guest_write("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn", 40);
	CHECK_EQ(cring_readable(&r), 40, "40 bytes across 2^32");
	CHECK_EQ(cring_read(&r, buf, sizeof(buf)), 40, "read them");
	CHECK(!memcmp(buf, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn", 40),
	      "in order");
	CHECK_EQ(page.out_cons, 0x18, "out_cons wrapped to 0x18");
	CHECK_EQ(cring_write(&r, "0123456789XY", 12), 12, "input across 2^32");
	CHECK_EQ(guest_read(buf, sizeof(buf)), 12, "the guest reads 12");
	CHECK(!memcmp(buf, "0123456789XY", 12), "in order");

	/* A full output ring is legal: exactly XENCONS_OUT_SIZE unread. */
	reset(100, 0);
	cring_attach(&r, &page);
	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	CHECK_EQ(guest_write(big, sizeof(big)), sizeof(big), "guest fills "
		 "the output ring");
	CHECK_EQ(guest_write("x", 1), 0, "and can write no more");
	CHECK_EQ(cring_readable(&r), XENCONS_OUT_SIZE, "all of it readable");
	CHECK_EQ(cring_read(&r, buf, sizeof(buf)), XENCONS_OUT_SIZE,
		 "read in one go");
	CHECK(!memcmp(buf, big, sizeof(big)), "intact");

	/* The input ring fills; the rest waits for the guest. */
	reset(0, 1000);
	cring_attach(&r, &page);
	memset(big, 'k', sizeof(big));
	CHECK_EQ(cring_write(&r, big, 1000), 1000, "1000 keystrokes");
	CHECK_EQ(cring_write(&r, big, 100), 24, "only 24 more fit");
	CHECK_EQ(cring_writable(&r), 0, "input ring full");
	CHECK_EQ(cring_write(&r, big, 10), 0, "a full ring takes nothing");
	CHECK_EQ(guest_read(buf, 500), 500, "guest reads 500");
	CHECK_EQ(cring_writable(&r), 500, "500 free again");
	CHECK_EQ(cring_write(&r, "wrap!", 5), 5, "write across in[]'s end");
	CHECK_EQ(guest_read(buf, sizeof(buf)), 529, "guest reads the rest");
	CHECK(!memcmp(buf + 524, "wrap!", 5), "in order");
	check_section(f0, "an honest guest");
}

static void hostile(void)
{
	unsigned int f0 = check_failures();
	char buf[4096];
	struct cring r;

	reset(0, 0);
	cring_attach(&r, &page);
	page.out_prod = XENCONS_OUT_SIZE + 1;
	CHECK_EQ(cring_readable(&r), -EIO, "out_prod one past a full ring");
	CHECK(r.broken, "the ring is broken");
	CHECK(strstr(r.why, "output ring") && strstr(r.why, "0x801"),
	      "why: %s", r.why);
	page.out_prod = 0;
	CHECK_EQ(cring_read(&r, buf, sizeof(buf)), -EIO, "and stays broken "
		 "after the guest repairs it");
	CHECK_EQ(cring_write(&r, "x", 1), -EIO, "no input either");

	reset(50, 0);
	cring_attach(&r, &page);
	page.out_prod = 49;
	CHECK_EQ(cring_read(&r, buf, sizeof(buf)), -EIO, "out_prod moved "
		 "behind our out_cons");

	reset(0, 0);
	page.out_prod = 5000;
	CHECK_EQ(cring_attach(&r, &page), -EIO, "impossible indexes already "
		 "at attach");

	reset(0, 10);
	cring_attach(&r, &page);
	page.in_cons = 11;
	CHECK_EQ(cring_write(&r, "x", 1), -EIO, "in_cons ahead of our "
		 "in_prod");
	CHECK(strstr(r.why, "input ring") != NULL, "why: %s", r.why);

	reset(0, 2000);
	cring_attach(&r, &page);
	page.in_cons = 2000 - XENCONS_IN_SIZE - 1;
	CHECK_EQ(cring_check(&r), -EIO, "in_cons more than a ring behind");

	/* Our own indexes live privately: scribbling on them is ignored. */
	reset(0, 0);
	cring_attach(&r, &page);
	guest_write("12345", 5);
	CHECK_EQ(cring_read(&r, buf, sizeof(buf)), 5, "read 5");
	page.out_cons = 0;	/* "read it all again, please" */
	page.out[5] = 'Z';
	page.out_prod = 6;
	CHECK_EQ(cring_read(&r, buf, sizeof(buf)), 1, "only the new byte");
	CHECK_EQ(buf[0], 'Z', "which is Z");
	CHECK_EQ(page.out_cons, 6, "our index put back");
	cring_write(&r, "ab", 2);
	page.in_prod = 900;
	CHECK_EQ(cring_write(&r, "c", 1), 1, "input goes on");
	CHECK_EQ(page.in_prod, 3, "from our own in_prod");
	check_section(f0, "a hostile guest");
}

/* Random indexes: never a crash, and never more than a ring's worth. */
static void random_indexes(void)
{
	unsigned int f0 = check_failures(), i, broken = 0;
	char buf[4096];
	struct cring r;
	int n;

	srand(42);
	for (i = 0; i < 100000; i++) {
		reset((XENCONS_RING_IDX)rand() << 8, (XENCONS_RING_IDX)rand());
		cring_attach(&r, &page);
		switch (rand() % 4) {
		case 0:
			page.out_prod = (XENCONS_RING_IDX)rand() *
					(XENCONS_RING_IDX)rand();
			break;
		case 1:
			page.out_prod += (XENCONS_RING_IDX)(rand() % 4200) -
					 100;
			break;
		case 2:
			page.in_cons += (XENCONS_RING_IDX)(rand() % 2200) -
					1100;
			break;
		default:
			page.in_cons = (XENCONS_RING_IDX)rand();
			break;
		}
		n = cring_read(&r, buf, sizeof(buf));
		if (!check(n <= XENCONS_OUT_SIZE, "read %d at most a ring", n))
			break;
		if (n >= 0)
			n = cring_write(&r, buf, (size_t)rand() % 2000);
		if (!check(n <= XENCONS_IN_SIZE, "wrote %d at most a ring", n))
			break;
		if (!check((n < 0) == r.broken, "broken iff -EIO"))
			break;
		broken += r.broken;
	}
	CHECK(broken > 10000 && broken < 90000, "a mix of good and broken "
	      "rings (%u broken)", broken);
	check_section(f0, "random indexes");
}

static void scrollback(void)
{
	unsigned int f0 = check_failures();
	const char *p1, *p2;
	char got[64];
	size_t n1, n2;
	struct sbuf b;
	struct bq q = { 0 };

	CHECK_EQ(sbuf_init(&b, 10), 0, "a 10-byte scrollback");
	sbuf_append(&b, "abc", 3);
	sbuf_pieces(&b, &p1, &n1, &p2, &n2);
	CHECK(n1 == 3 && n2 == 0 && !memcmp(p1, "abc", 3), "abc");
	sbuf_append(&b, "defghij", 7);
	sbuf_pieces(&b, &p1, &n1, &p2, &n2);
	memcpy(got, p1, n1);
	memcpy(got + n1, p2, n2);
	CHECK(n1 + n2 == 10 && !memcmp(got, "abcdefghij", 10), "exactly full");
	sbuf_append(&b, "KLM", 3);
	sbuf_pieces(&b, &p1, &n1, &p2, &n2);
	memcpy(got, p1, n1);
	memcpy(got + n1, p2, n2);
	CHECK(n1 + n2 == 10 && !memcmp(got, "defghijKLM", 10),
	      "oldest dropped: %.*s", (int)(n1 + n2), got);
	sbuf_append(&b, "0123456789ABCDEF", 16);
	sbuf_pieces(&b, &p1, &n1, &p2, &n2);
	memcpy(got, p1, n1);
	memcpy(got + n1, p2, n2);
	CHECK(n1 + n2 == 10 && !memcmp(got, "6789ABCDEF", 10),
	      "a long append keeps its tail");
	CHECK_EQ(b.total, 29, "29 bytes seen in all");
	sbuf_free(&b);
	CHECK_EQ(sbuf_init(&b, 0), 0, "no scrollback at all");
	sbuf_append(&b, "x", 1);
	sbuf_pieces(&b, &p1, &n1, &p2, &n2);
	CHECK(n1 == 0 && n2 == 0, "keeps nothing");
	sbuf_free(&b);

	CHECK_EQ(bq_push(&q, "hello", 5, 8), 0, "queue 5 of at most 8");
	CHECK_EQ(bq_push(&q, "1234", 4, 8), -ENOBUFS, "9 would pass the bound");
	bq_pop(&q, 3);
	CHECK_EQ(bq_push(&q, "1234", 4, 8), 0, "after sending 3, 4 more fit");
	CHECK(q.len == 6 && !memcmp(q.data + q.off, "lo1234", 6), "lo1234");
	bq_pop(&q, 6);
	CHECK_EQ(q.len, 0, "empty");
	bq_free(&q);
	check_section(f0, "scrollback and send queue");
}

int main(void)
{
	honest();
	hostile();
	random_indexes();
	scrollback();
	return check_summary();
}
