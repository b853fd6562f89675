// SPDX-License-Identifier: MIT
/*
 * pair: an inter-domain event channel and grant between two domains
 * started together, "role=server peer=<client domid>" and "role=client
 * peer=<server domid>". There is no store, so they meet through a
 * well-known grant:
 *
 *  - the server grants the client, read-only, its mailbox page at
 *    grant ref 8 (MAILBOX_REF) holding struct mailbox: a magic, the
 *    server's unbound port for the client and the ref of a data page
 *    granted read-write;
 *  - the client maps ref 8 of its peer, retrying until the grant exists,
 *    binds the port, maps and copies through the data grant, writes its
 *    answer with GNTTABOP_copy and notifies; after unmapping everything
 *    it notifies again ("done"), and the server revokes its grants.
 */
#include "lib/test.h"

#define MAILBOX_REF	8
#define DATA_REF	9
#define MAILBOX_MAGIC	0x544e444d6d61696cul	/* "TNDMmail" */
#define SERVER_PATTERN	0x5345525645523432ul
#define CLIENT_PATTERN	0x434c49454e543432ul
#define WAIT_NS		20000000000ul

struct mailbox {
	uint64_t magic;
	uint32_t port;			/* server's port for the client */
	uint32_t data_ref;
};

static domid_t peer;
static bool server;
static evtchn_port_t port;
static uint64_t *data;		/* server: the page behind DATA_REF */

static void pair_init(void)
{
	char role[16] = "";

	cmdline_get("role", role, sizeof(role));
	server = !strcmp(role, "server");
	peer = cmdline_ulong("peer", DOMID_INVALID);
	if (!server && strcmp(role, "client"))
		panic("role=server or role=client expected");
	if (peer == DOMID_INVALID)
		panic("peer=<domid> expected");
	if (gnttab_init(1))
		panic("cannot set up the grant table");
}

static void test_server(void)
{
	struct mailbox *mb = page_alloc();
	uint32_t seen;

	data = page_alloc();
	data[0] = SERVER_PATTERN;
	check_rc(evtchn_alloc_unbound(peer, &port), 0);
	evtchn_unmask_port(port);
	gnttab_grant(DATA_REF, peer, virt_to_mfn(data), false);
	mb->port = port;
	mb->data_ref = DATA_REF;
	mb->magic = MAILBOX_MAGIC;
	gnttab_grant(MAILBOX_REF, peer, virt_to_mfn(mb), true);
	printk("# pair: server port %u, mailbox ref %u\n", port, MAILBOX_REF);

	/* First event: the client copied its answer into our page. */
	seen = evtchn_fired[port];
	if (!check(evtchn_wait(port, seen, WAIT_NS), "no event from client"))
		return;
	check_eq(data[1], CLIENT_PATTERN);
	check_eq(data[0], SERVER_PATTERN);
	/* The answer may come back before send returns: count first. */
	seen = evtchn_fired[port];
	check_rc(hv_evtchn_send(port), 0);

	/* Second event: the client has unmapped; take the grants back. */
	check(evtchn_wait(port, seen, WAIT_NS), "no done event from client");
	check(gnttab_revoke(DATA_REF), "data grant still mapped");
	check(gnttab_revoke(MAILBOX_REF), "mailbox grant still mapped");
}

static void test_client(void)
{
	volatile struct mailbox *mb = va_hole_alloc();
	volatile uint64_t *remote = va_hole_alloc();
	uint64_t *local = page_alloc();
	struct evtchn_bind_interdomain bi = { .remote_dom = peer };
	grant_handle_t hmb, hdata;
	struct gnttab_copy c;
	uint64_t deadline = now_ns() + WAIT_NS;
	uint32_t seen;
	int16_t st;

	/* The server may not have granted the mailbox yet: retry. */
	while ((st = gnttab_map(peer, MAILBOX_REF, (void *)mb,
				GNTMAP_host_map | GNTMAP_readonly,
				&hmb)) != GNTST_okay && now_ns() < deadline)
		sleep_ns(10000000);
	if (!check_eq(st, GNTST_okay))
		return;
	while (mb->magic != MAILBOX_MAGIC && now_ns() < deadline)
		sleep_ns(10000000);
	if (!check(mb->magic == MAILBOX_MAGIC, "mailbox magic %#lx",
		   mb->magic))
		return;

	bi.remote_port = mb->port;
	check_rc(hv_event_channel_op(EVTCHNOP_bind_interdomain, &bi), 0);
	port = bi.local_port;
	evtchn_unmask_port(port);

	/* Map the data page and read it; copy it out, copy an answer in. */
	st = gnttab_map(peer, mb->data_ref, (void *)remote, GNTMAP_host_map,
			&hdata);
	if (check_eq(st, GNTST_okay))
		check_eq(remote[0], SERVER_PATTERN);
	memset(&c, 0, sizeof(c));
	c.source.u.ref = mb->data_ref;
	c.source.domid = peer;
	c.dest.u.gmfn = virt_to_mfn(local);
	c.dest.domid = DOMID_SELF;
	c.len = 8;
	c.flags = GNTCOPY_source_gref;
	check_rc(hv_grant_table_op(GNTTABOP_copy, &c, 1), 0);
	check_eq(c.status, GNTST_okay);
	check_eq(local[0], SERVER_PATTERN);
	local[1] = CLIENT_PATTERN;
	memset(&c, 0, sizeof(c));
	c.source.u.gmfn = virt_to_mfn(local);
	c.source.domid = DOMID_SELF;
	c.source.offset = 8;
	c.dest.u.ref = mb->data_ref;
	c.dest.domid = peer;
	c.dest.offset = 8;
	c.len = 8;
	c.flags = GNTCOPY_dest_gref;
	check_rc(hv_grant_table_op(GNTTABOP_copy, &c, 1), 0);
	check_eq(c.status, GNTST_okay);
	if (st == GNTST_okay)
		check_eq(remote[1], CLIENT_PATTERN);

	/* Hostile: the mailbox grant is read-only for us. */
	check(gnttab_map(peer, MAILBOX_REF, (void *)local, GNTMAP_host_map,
			 NULL) < 0, "write-mapped the read-only mailbox");

	seen = evtchn_fired[port];
	check_rc(hv_evtchn_send(port), 0);
	deadline = now_ns();
	check(evtchn_wait(port, seen, WAIT_NS), "no answer from server");
	printk("# pair: client got the answer after %lu ms\n",
	       (now_ns() - deadline) / 1000000);

	if (st == GNTST_okay)
		check_eq(gnttab_unmap((void *)remote, hdata), GNTST_okay);
	check_eq(gnttab_unmap((void *)mb, hmb), GNTST_okay);
	check_rc(hv_evtchn_send(port), 0);
}

static void test_role(void)
{
	if (server)
		test_server();
	else
		test_client();
}

static const struct test_case cases[] = {
	{ "exchange", test_role },
};

DEFINE_SUITE("pair", cases, .init = pair_init);
