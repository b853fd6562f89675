/* SPDX-License-Identifier: MIT */
/*
 * tandem-store: the core of the store daemon, independent of transports.
 *
 * The core owns the tree of nodes, the connections' protocol state
 * (partial input, queued output, watches, transactions) and the quotas.
 * Transports (the Unix socket and the guests' ring pages, main.c and
 * ring.c) only move bytes: they ask store_conn_input_want() how many bytes
 * a connection may send next, feed them with store_conn_input(), and send
 * what store_conn_output() hands out. Everything a peer sends is checked
 * here; the host unit tests drive this core directly.
 *
 * Files: tree.c (the committed tree), txn.c (transactions: every request
 * runs in one, explicit or implicit), core.c (connections, requests,
 * watches, domains), ring.c (the guest ring transport).
 */
#ifndef TANDEM_STORE_H
#define TANDEM_STORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

#include <libtandem/xs_proto.h>

/*
 * Limits for guests (privileged connections are exempt except for the
 * dom0 output queue). The defaults, in brackets, are those of Xen 4.17's
 * xenstored where it has one; rate and burst default to 500/s and 1000.
 */
struct store_quotas {
	unsigned int nodes;		/* nodes a domain may own [1000] */
	unsigned int watches;		/* watches per connection [128] */
	unsigned int transactions;	/* open per connection [10] */
	unsigned int node_size;		/* bytes of one node [2048] */
	unsigned int perms;		/* perm entries of one node [5] */
	unsigned int tx_nodes;		/* nodes a transaction uses [1024] */
	size_t tx_bytes;		/* memory of a transaction [256 KiB] */
	unsigned int path_len;		/* below /local/domain/N/ [2048] */
	unsigned int outstanding;	/* unsent replies: stop reading [20] */
	size_t out_unpriv;		/* output queue of a guest [256 KiB] */
	size_t out_priv;		/* ... of a dom0 connection [16 MiB] */
	unsigned int rate;		/* requests/s of a guest, 0: no limit */
	unsigned int burst;		/* requests in a burst */
};

void store_default_quotas(struct store_quotas *q);

/* A node of the committed tree. */
struct node {
	char *name;			/* last path component, "" for "/" */
	struct node *parent;
	struct node **child;		/* in creation order */
	unsigned int nchild, cap;
	char *value;
	uint32_t len;
	struct tdm_xs_perm *perm;	/* perm[0] is the owner */
	unsigned int nperm;
	uint64_t gen;			/* new with value, perms, children */
};

struct store;
struct store_conn;

/* What the core needs from the daemon around it (any may be NULL). */
struct store_hooks {
	void *ctx;
	/*
	 * XS_INTRODUCE of a new domain: map its page, bind its port, and
	 * create the connection with store_conn_new(..., STORE_CONN_DOMAIN).
	 * 0 or -errno (reported to the caller).
	 */
	int (*introduce)(void *ctx, struct store *st, unsigned int domid,
			 uint64_t mfn, uint32_t port, struct store_conn **conn);
	/* XS_INTRODUCE again for a served domain: rebind to port. */
	int (*reintroduce)(void *ctx, struct store_conn *conn, uint64_t mfn,
			   uint32_t port);
	/* The domain is released: undo introduce (conn is freed after). */
	void (*release)(void *ctx, struct store_conn *conn);
	/* Does this domain exist? (permissions must not outlive it) */
	bool (*domain_exists)(void *ctx, unsigned int domid);
	/* Milliseconds of a monotonic clock (rate limits). */
	uint64_t (*now_ms)(void *ctx);
	/* A log line (level as in syslog.h). */
	void (*log)(void *ctx, int level, const char *msg);
};

struct store *store_new(const struct store_quotas *q,
			const struct store_hooks *hooks);
void store_free(struct store *st);
void store_log(struct store *st, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Connections. */
#define STORE_CONN_PRIV		(1u << 0)	/* may do everything */
#define STORE_CONN_DOMAIN	(1u << 1)	/* a domain's ring */

struct store_conn *store_conn_new(struct store *st, unsigned int domid,
				  unsigned int flags, const char *label);
/* Close a connection (a socket went away); not for introduced domains. */
void store_conn_close(struct store *st, struct store_conn *c);
/* Bytes the connection may send now (0: not now, or never if dead). */
size_t store_conn_input_want(struct store_conn *c);
/*
 * Take len <= store_conn_input_want() bytes. 0, or -EPROTO if the peer
 * broke the protocol: the connection is then dead (store_conn_dead()).
 */
int store_conn_input(struct store_conn *c, const void *buf, size_t len);
/* The next bytes to send (0 if none) and, after sending n, advance. */
size_t store_conn_output(struct store_conn *c, const void **data);
void store_conn_output_done(struct store_conn *c, size_t n);
/*
 * Why the connection can no longer be served (XENSTORE_ERROR_*), or 0.
 * A dead connection has no watches, transactions or queued output.
 */
int store_conn_dead(const struct store_conn *c);
/* Give up on a connection for a transport reason (logged). */
void store_conn_fail(struct store_conn *c, int reason, const char *why);
/* Start over (ring reconnection): drop partial I/O, watches, transactions. */
void store_conn_reset(struct store_conn *c);
void *store_conn_transport(const struct store_conn *c);
void store_conn_set_transport(struct store_conn *c, void *t);
unsigned int store_conn_domid(const struct store_conn *c);
const char *store_conn_label(const struct store_conn *c);

/* Domains. */
struct store_conn *store_domain_conn(struct store *st, unsigned int domid);
/* The domain is gone (or must be dropped): as XS_RELEASE. */
int store_release_domain(struct store *st, unsigned int domid);
/* The domain shut down or crashed: fire @releaseDomain once. */
void store_domain_shutdown(struct store *st, unsigned int domid);
/* Call fn for every introduced domain (fn may release it). */
void store_for_each_domain(struct store *st,
			   void (*fn)(struct store *st, struct store_conn *c,
				      void *arg),
			   void *arg);
/* Milliseconds until a rate-limited connection may go on (-1: none). */
int store_next_timeout(struct store *st);

/* Introspection for tests and debugging. */
const struct node *store_lookup(struct store *st, const char *path);
unsigned int store_owned_nodes(struct store *st, unsigned int domid);
/* Check the tree's invariants; 0 or -EIO with a log line. */
int store_check(struct store *st);

/*
 * Internal interfaces between tree.c, txn.c and core.c.
 */
#define GEN_ABSENT	0		/* "the node did not exist" */
#define NODE_HDR_SIZE	20		/* per-node overhead counted in size */
#define PERM_ENTRY_SIZE	8

struct perms {
	const struct tdm_xs_perm *p;
	unsigned int n;
};

/* A watch event about to be fired. */
struct fire {
	const char *path;
	struct perms node;		/* the node's permissions */
	struct perms old;		/* before a change (n = 0: none) */
	struct perms parent;		/* its parent's (n = 0: none) */
	bool exact;			/* only watches on exactly this path */
};

void store_fire(struct store *st, const struct fire *f);

/* tree.c */
struct node *tree_new_root(void);
struct node *tree_lookup(struct node *root, const char *path);
struct node *tree_child(const struct node *n, const char *name, size_t len);
struct node *tree_add(struct store *st, struct node *parent, const char *name,
		      const char *value, uint32_t len,
		      const struct tdm_xs_perm *perm, unsigned int nperm);
int tree_set(struct store *st, struct node *n, const char *value,
	     uint32_t len, const struct tdm_xs_perm *perm, unsigned int nperm,
	     bool set_perm);
/* Delete n and everything below it, firing watches (path: n's path). */
void tree_delete(struct store *st, struct node *n, const char *path);
void tree_free(struct node *n);
uint64_t *store_gen(struct store *st);
void store_count_owner(struct store *st, unsigned int domid, int delta);
/* Count nodes handled for the request being processed (rate limits). */
void store_count_work(struct store *st, unsigned int units);
/* Remove domid from every node: its nodes are deleted, its grants revoked. */
void tree_forget_domain(struct store *st, unsigned int domid);
int tree_check(struct store *st, struct node *root);

/* txn.c: a view of the tree with private changes (see txn.c). */
struct txe {
	struct txe *hnext;		/* hash chain */
	struct txe *lnext;		/* all entries, in order */
	char *path;
	uint64_t base;			/* global gen when first seen */
	bool exists;
	bool wiped;			/* global subtree below is deleted */
	bool dirty;			/* value or perms changed */
	bool fire;			/* a request named it: fire watches */
	bool kids_changed;		/* children added or removed */
	char *value;
	uint32_t len;
	struct tdm_xs_perm *perm;
	unsigned int nperm;
	char **kids;			/* children's names */
	unsigned int nkids, kcap;
	size_t bytes;			/* memory held, for tx_bytes */
};

struct txn {
	struct txn *next;		/* the connection's transactions */
	uint32_t id;			/* 0 for an implicit one */
	struct store *st;
	struct store_conn *conn;
	struct txe **hash;
	unsigned int hsize, n;
	struct txe *list, *last;
	unsigned int created;		/* new nodes owned by the connection */
	size_t bytes;
	bool failed;			/* out of memory inside: commit fails */
	bool has_hiding;		/* it deleted something */
	bool limited;			/* tx_nodes / tx_bytes apply */
};

struct txn *txn_new(struct store *st, struct store_conn *c, uint32_t id,
		    bool limited);
void txn_free(struct txn *t);
/* The entry for path (tracking it if new): 0, -ENOSPC or -ENOMEM. */
int txn_get(struct txn *t, const char *path, struct txe **out);
/* The entry of path's nearest ancestor that exists in the view. */
int txn_nearest(struct txn *t, const char *path, struct txe **out);
/*
 * Create path under parent (which exists) with value and perms; fire says
 * whether watches hear about it (the request's own node, not the parents
 * created on the way).
 */
int txn_create(struct txn *t, struct txe *parent, const char *path,
	       const char *value, uint32_t len,
	       const struct tdm_xs_perm *perm, unsigned int nperm, bool fire,
	       struct txe **out);
int txn_set_value(struct txn *t, struct txe *e, const char *value,
		  uint32_t len);
int txn_set_perms(struct txn *t, struct txe *e,
		  const struct tdm_xs_perm *perm, unsigned int nperm);
/* Delete e and its subtree; parent is e's parent entry. */
int txn_delete(struct txn *t, struct txe *parent, struct txe *e);
/* Apply to the committed tree: 0, -EAGAIN (conflict), -ENOSPC, -ENOMEM. */
int txn_commit(struct txn *t);
/* Size a node would have with these contents (NODE_HDR_SIZE ...). */
size_t txe_size(const struct txe *e);

/* core.c helpers used by txn.c */
bool store_conn_privileged(const struct store_conn *c);
const struct store_quotas *store_quotas(struct store *st);
struct node *store_root(struct store *st);

#endif /* TANDEM_STORE_H */
