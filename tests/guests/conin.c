// SPDX-License-Identifier: MIT
/*
 * conin: console input through the PV console ring. The system test
 * moves the console focus to this domain and types a line; the bytes
 * must arrive in order, each announced by an event on the console port,
 * including Ctrl-A typed fewer than three times in a row (those belong to
 * the domain, not to the focus switch). "expect=HEX" on the command line
 * is the line to receive, as hex bytes, ending with a carriage return.
 */
#include "lib/test.h"
#include <public/io/console.h>

/* The runner types once we say we are waiting. */
#define WAIT_NS		20000000000ul
#define MAX_LINE	64

static unsigned int hex_decode(const char *hex, uint8_t *out,
			       unsigned int max)
{
	unsigned int n = 0;

	for (; hex[0] && hex[1] && n < max; hex += 2) {
		char byte[3] = { hex[0], hex[1], '\0' };

		out[n++] = (uint8_t)simple_strtoull(byte, NULL, 16);
	}
	return n;
}

static void test_line(void)
{
	struct xencons_interface *r = pvcons_ring();
	evtchn_port_t port = start_info->console.domU.evtchn;
	uint8_t want[MAX_LINE], got[MAX_LINE];
	char hex[2 * MAX_LINE + 1];
	unsigned int nwant, n = 0, i;
	uint64_t deadline = now_ns() + WAIT_NS;

	if (!check(cmdline_get("expect", hex, sizeof(hex)),
		   "no expect= on the command line"))
		return;
	nwant = hex_decode(hex, want, sizeof(want));
	if (!check(r != NULL, "no console ring"))
		return;
	evtchn_unmask_port(port);
	/* A cursor query, colours, a reset and a bell: none may pass. */
	printk("# conin: escapes [\x1b[6n\x1b[1;31mred\x1b[0m\x1b" "c\a]\n");
	printk("# conin: waiting for input\n");

	while (n < nwant && now_ns() < deadline) {
		uint32_t seen = evtchn_fired[port];
		XENCONS_RING_IDX cons = r->in_cons, prod = r->in_prod;

		barrier();
		check(prod - cons <= XENCONS_IN_SIZE, "in indexes %u %u",
		      prod, cons);
		while (cons != prod && n < nwant)
			got[n++] = r->in[xencons_in_slot(cons++)];
		barrier();
		r->in_cons = cons;
		if (n < nwant && r->in_cons == r->in_prod)
			evtchn_wait(port, seen, deadline - now_ns());
	}
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", got[i]);
	hex[2 * n] = '\0';
	printk("# conin: got %s\n", hex);
	check_eq(n, nwant);
	check(!memcmp(got, want, n), "got %s", hex);
	/*
	 * Input arrives by interrupt now: the whole line can be in the ring
	 * before we first look, its event still pending, not yet taken.
	 */
	check(evtchn_fired[port] > 0 ||
	      test_bit(port, shared_info->evtchn_pending),
	      "no event on the console port");
}

static const struct test_case cases[] = {
	{ "line", test_line },
};

DEFINE_SUITE("conin", cases);
