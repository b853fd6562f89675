// SPDX-License-Identifier: MIT
/*
 * Host test for libtandem's ring helpers (dom0/lib/src/ring.c): the index
 * checks on split-driver rings and byte rings, with well-behaved and
 * hostile peers, including index wrap-around at 2^32.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libtandem/ring.h>

#include "check.h"

struct t_req {
	uint64_t id;
	uint32_t op;
	uint32_t pad;
};

struct t_rsp {
	uint64_t id;
	int32_t status;
	uint32_t pad;
};

XEN_RING_DECLARE(t, struct t_req, struct t_rsp);

#define RING_BYTES	4096
#define SLOT		sizeof(union t_sring_entry)

static union {
	struct t_sring s;
	char page[RING_BYTES];
} page;

static void index_checks(void)
{
	unsigned int f0 = check_failures();

	/* Backend side: nr_ents 32. */
	CHECK_EQ(tdm_ring_requests_ready(5, 0, 0, 32), 5, "5 requests ready");
	CHECK_EQ(tdm_ring_requests_ready(32, 0, 0, 32), 32,
		 "a full ring of requests is fine");
	CHECK_EQ(tdm_ring_requests_ready(33, 0, 0, 32), -EIO,
		 "one more than the ring holds: -EIO");
	CHECK_EQ(tdm_ring_requests_ready(40, 10, 8, 32), 30,
		 "30 ready, 2 being worked on: fine");
	CHECK_EQ(tdm_ring_requests_ready(41, 10, 8, 32), -EIO,
		 "33 past the last response: -EIO");
	CHECK_EQ(tdm_ring_requests_ready(9, 10, 8, 32), -EIO,
		 "req_prod behind what we consumed: -EIO");
	CHECK_EQ(tdm_ring_requests_ready(0xffffffffu - 3, 0, 0, 32), -EIO,
		 "req_prod far behind (negative): -EIO");
	CHECK_EQ(tdm_ring_requests_ready(4, 0xfffffffeu, 0xfffffffeu, 32), 6,
		 "wrap-around at 2^32: 6 ready");
	CHECK_EQ(tdm_ring_requests_ready(0x80000000u, 0, 0, 32), -EIO,
		 "half the index space ahead: -EIO");

	/* Frontend side. */
	CHECK_EQ(tdm_ring_responses_ready(3, 0, 5, 32), 3, "3 responses");
	CHECK_EQ(tdm_ring_responses_ready(6, 0, 5, 32), -EIO,
		 "more responses than requests: -EIO");
	CHECK_EQ(tdm_ring_responses_ready(0xffffffffu, 0, 5, 32), -EIO,
		 "rsp_prod behind rsp_cons: -EIO");
	CHECK_EQ(tdm_ring_responses_ready(2, 0xffffffffu, 4, 32), 3,
		 "wrap-around: 3 responses");
	check_section(f0, "index checks");
}

static void split_ring(void)
{
	struct tdm_front_ring f;
	struct tdm_back_ring b;
	struct t_req req, *rq;
	struct t_rsp rsp, *rs;
	unsigned int f0 = check_failures(), i;
	bool notify;
	int n;

	memset(&page, 0xa5, sizeof(page));
	CHECK_EQ(tdm_front_ring_init(&f, &page.s, RING_BYTES, SLOT), 0,
		 "frontend initialises the page");
	CHECK_EQ(f.nr_ents, 128, "4 KiB ring of 32-byte slots has 128 slots");
	CHECK_EQ(page.s.req_prod, 0, "req_prod zeroed");
	CHECK_EQ(page.s.req_event, 1, "req_event 1");
	CHECK_EQ(tdm_back_ring_attach(&b, &page.s, RING_BYTES, SLOT), 0,
		 "backend attaches");
	CHECK_EQ(tdm_back_ring_attach(&b, &page.s, 64, SLOT), -EINVAL,
		 "a ring too small for one slot is refused");
	tdm_back_ring_attach(&b, &page.s, RING_BYTES, SLOT);

	for (i = 0; i < 3; i++) {
		rq = tdm_front_ring_request(&f);
		rq->id = 100 + i;
		rq->op = i;
	}
	notify = tdm_front_ring_push(&f);
	CHECK(notify, "first push notifies the backend (req_event 1)");
	CHECK_EQ(tdm_back_ring_pending(&b), 3, "backend sees 3 requests");
	for (i = 0; i < 3; i++) {
		n = tdm_back_ring_take(&b, &req);
		check(n == 1 && req.id == 100 + i, "request %u in order", i);
		rs = tdm_back_ring_response(&b);
		rs->id = req.id;
		rs->status = (int32_t)i;
	}
	CHECK(tdm_back_ring_response(&b) == NULL,
	      "no response slot beyond the requests taken");
	CHECK_EQ(tdm_back_ring_take(&b, &req), 0, "no more requests");
	CHECK(tdm_back_ring_push(&b), "first response push notifies");
	CHECK_EQ(tdm_back_ring_final_check(&b), 0, "final check: idle");
	CHECK_EQ(page.s.req_event, 4, "final check asks for request 4");
	for (i = 0; i < 3; i++) {
		n = tdm_front_ring_take(&f, &rsp);
		check(n == 1 && rsp.id == 100 + i && rsp.status == (int)i,
		      "response %u in order", i);
	}
	CHECK_EQ(tdm_front_ring_take(&f, &rsp), 0, "no more responses");

	/* Fill the ring completely. */
	for (i = 0; i < 128; i++)
		check(tdm_front_ring_request(&f) != NULL, "slot %u free", i);
	CHECK(tdm_front_ring_request(&f) == NULL, "129th request: ring full");
	tdm_front_ring_push(&f);
	CHECK_EQ(tdm_back_ring_pending(&b), 128, "128 requests pending");

	/* A hostile frontend claims one request more than there is room. */
	page.s.req_prod = b.rsp_prod_pvt + 129;
	CHECK_EQ(tdm_back_ring_pending(&b), -EIO,
		 "req_prod 129 past the last response: -EIO");
	CHECK(b.broken, "the back ring is marked broken");
	page.s.req_prod = b.rsp_prod_pvt + 1;
	CHECK_EQ(tdm_back_ring_take(&b, &req), -EIO,
		 "a broken ring stays broken");

	/* A hostile backend claims responses to requests never posted. */
	tdm_front_ring_init(&f, &page.s, RING_BYTES, SLOT);
	tdm_front_ring_request(&f);
	tdm_front_ring_push(&f);
	page.s.rsp_prod = 2;
	CHECK_EQ(tdm_front_ring_take(&f, &rsp), -EIO,
		 "2 responses to 1 request: -EIO");
	check_section(f0, "split-driver rings");
}

static void split_ring_wrap(void)
{
	struct tdm_front_ring f;
	struct tdm_back_ring b;
	struct t_req req, *rq;
	struct t_rsp rsp, *rs;
	unsigned int f0 = check_failures(), i;
	bool ok = true;

	/* Start both sides just below 2^32 and run 1000 requests through. */
	tdm_front_ring_init(&f, &page.s, RING_BYTES, SLOT);
	page.s.req_prod = page.s.rsp_prod = 0xffffff00u;
	f.req_prod_pvt = f.rsp_cons = 0xffffff00u;
	tdm_back_ring_attach(&b, &page.s, RING_BYTES, SLOT);
	CHECK_EQ(b.req_cons, 0xffffff00u, "backend starts at rsp_prod");
	for (i = 0; i < 1000 && ok; i++) {
		rq = tdm_front_ring_request(&f);
		rq->id = i;
		tdm_front_ring_push(&f);
		ok = tdm_back_ring_take(&b, &req) == 1 && req.id == i;
		rs = tdm_back_ring_response(&b);
		rs->id = req.id;
		tdm_back_ring_push(&b);
		ok = ok && tdm_front_ring_take(&f, &rsp) == 1 && rsp.id == i;
	}
	CHECK(ok, "1000 requests across the 2^32 wrap");
	check_section(f0, "split ring wrap-around");
}

static void byte_rings(void)
{
	static char data[16];
	static uint32_t cons, prod;
	struct tdm_byte_ring r = {
		.data = data, .size = sizeof(data), .cons = &cons,
		.prod = &prod,
	};
	unsigned int f0 = check_failures();
	char out[32];

	cons = prod = 0;
	CHECK_EQ(tdm_byte_ring_readable(&r), 0, "empty");
	CHECK_EQ(tdm_byte_ring_writable(&r), 16, "16 bytes free");
	CHECK_EQ(tdm_byte_ring_write(&r, "hello, world!!!!!!", 18), 16,
		 "write stops at the ring size");
	CHECK_EQ(prod, 16, "prod advanced by 16");
	CHECK_EQ(tdm_byte_ring_write(&r, "x", 1), 0, "full: nothing written");
	CHECK_EQ(tdm_byte_ring_read(&r, out, 5), 5, "read 5");
	CHECK(!memcmp(out, "hello", 5), "the first 5 bytes");
	CHECK_EQ(tdm_byte_ring_write(&r, "ABCDE", 5), 5, "write 5 wrapping");
	CHECK_EQ(tdm_byte_ring_read(&r, out, 32), 16, "read everything");
	CHECK(!memcmp(out, ", world!!!!ABCDE", 16), "in order across the "
	      "wrap");

	/* Free-running indexes wrap at 2^32. */
	cons = prod = 0xfffffffcu;
	CHECK_EQ(tdm_byte_ring_write(&r, "0123456789", 10), 10,
		 "write across the index wrap");
	CHECK_EQ(prod, 6, "prod wrapped to 6");
	CHECK_EQ(tdm_byte_ring_readable(&r), 10, "10 readable");
	CHECK_EQ(tdm_byte_ring_read(&r, out, 10), 10, "read them");
	CHECK(!memcmp(out, "0123456789", 10), "intact");

	/* Hostile peers. */
	cons = 0;
	prod = 17;
	CHECK_EQ(tdm_byte_ring_readable(&r), -EIO, "prod 17 ahead: -EIO");
	CHECK_EQ(tdm_byte_ring_read(&r, out, 1), -EIO, "read refuses it");
	CHECK_EQ(tdm_byte_ring_write(&r, "x", 1), -EIO, "write refuses it");
	cons = 10;
	prod = 5;
	CHECK_EQ(tdm_byte_ring_read(&r, out, 1), -EIO, "prod behind cons");
	cons = 0x80000000u;
	prod = 0;
	CHECK_EQ(tdm_byte_ring_writable(&r), -EIO, "cons far ahead of prod");
	check_section(f0, "byte rings");
}

static void store_and_console_pages(void)
{
	static struct xenstore_domain_interface xs;
	static struct xencons_interface cons;
	struct tdm_byte_ring sin, sout, cin, cout, bin, bout;
	unsigned int f0 = check_failures();
	char buf[64];

	memset(&xs, 0, sizeof(xs));
	tdm_xs_ring_server(&xs, &sin, &sout);
	tdm_xs_ring_client(&xs, &cin, &cout);
	CHECK_EQ(tdm_byte_ring_write(&cout, "request", 7), 7,
		 "guest writes a request");
	CHECK_EQ(xs.req_prod, 7, "into req, moving req_prod");
	CHECK_EQ(tdm_byte_ring_read(&sin, buf, sizeof(buf)), 7,
		 "server reads it");
	CHECK_EQ(xs.req_cons, 7, "moving req_cons");
	CHECK_EQ(tdm_byte_ring_write(&sout, "reply", 5), 5, "server replies");
	CHECK_EQ(tdm_byte_ring_read(&cin, buf, sizeof(buf)), 5,
		 "guest reads the reply");
	CHECK(!memcmp(buf, "reply", 5), "the reply intact");
	xs.rsp_prod = xs.rsp_cons + XENSTORE_RING_SIZE + 1;
	CHECK_EQ(tdm_byte_ring_writable(&sout), -EIO,
		 "guest-corrupted rsp indexes: -EIO");

	memset(&cons, 0, sizeof(cons));
	tdm_cons_ring_backend(&cons, &bin, &bout);
	CHECK_EQ(bin.size, XENCONS_OUT_SIZE, "console output ring 2 KiB");
	CHECK_EQ(bout.size, XENCONS_IN_SIZE, "console input ring 1 KiB");
	memcpy(cons.out, "boot", 4);
	cons.out_prod = 4;
	CHECK_EQ(tdm_byte_ring_read(&bin, buf, sizeof(buf)), 4,
		 "backend reads guest output");
	CHECK_EQ(cons.out_cons, 4, "and consumes it");
	CHECK_EQ(tdm_byte_ring_write(&bout, "k", 1), 1, "keyboard input");
	CHECK_EQ(cons.in_prod, 1, "lands in in[]");
	check_section(f0, "store and console pages");
}

int main(void)
{
	index_checks();
	split_ring();
	split_ring_wrap();
	byte_rings();
	store_and_console_pages();
	return check_summary();
}
