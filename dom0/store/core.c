// SPDX-License-Identifier: MIT
/*
 * The store protocol: connections, requests, permissions, watches,
 * quotas and domains. The behaviour follows Xen 4.17's xenstored and
 * docs/misc/xenstore.txt; where they leave room we pick the stricter
 * reading and say so.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

#define HDR_SIZE	sizeof(struct xsd_sockmsg)
#define PERM_OWNER	8		/* internal: may change permissions */
#define PERM_ALL	(TDM_XS_PERM_READ | TDM_XS_PERM_WRITE | PERM_OWNER)
#define NO_TARGET	0xffffffffu
#define DEDUP_SCAN_MAX	256		/* queued messages searched for dups */
#define MAX_PORT	((1u << 17) - 1)

struct watch {
	struct watch *next;
	char *path;		/* absolute, or a special "@..." name */
	char *token;
	size_t strip;		/* relative watch: bytes of prefix to drop */
};

struct outmsg {
	struct outmsg *next;
	size_t len, off;
	bool event, reply;
	char data[];
};

struct store_conn {
	struct store_conn *next;
	struct store *st;
	unsigned int domid;
	unsigned int target;		/* SET_TARGET, or NO_TARGET */
	bool priv;
	bool domain;
	bool shutdown_seen;		/* @releaseDomain sent for it */
	int dead;			/* XENSTORE_ERROR_*, or 0 */
	char label[48];
	void *transport;
	union {
		struct xsd_sockmsg hdr;
		char raw[HDR_SIZE + XENSTORE_PAYLOAD_MAX + 1];
	} in;
	size_t in_have;
	struct outmsg *out_head, *out_tail;
	size_t out_bytes;
	unsigned int out_count, out_replies;
	struct watch *watches;
	unsigned int nwatches;
	struct txn *txns;
	unsigned int ntxns;
	uint32_t next_txid;
	int64_t tokens;			/* rate limit, in 1/1000 requests */
	uint64_t refilled;		/* ms */
};

enum { SPECIAL_INTRODUCE, SPECIAL_RELEASE, NR_SPECIAL };
static const char *const special_name[NR_SPECIAL] = {
	"@introduceDomain", "@releaseDomain",
};

struct store {
	struct node *root;
	uint64_t gen;
	struct store_quotas q;
	struct store_hooks h;
	struct store_conn *conns;
	unsigned int *owned;		/* nodes per owner domid */
	uint64_t work;			/* nodes handled, for rate limits */
	struct tdm_xs_perm *special[NR_SPECIAL];
	unsigned int nspecial[NR_SPECIAL];
	char reply[XENSTORE_PAYLOAD_MAX + 1];	/* reply payloads */
	char event[XENSTORE_PAYLOAD_MAX + 1];	/* watch event payloads */
	char path[XENSTORE_ABS_PATH_MAX + 1];	/* a request's path */
};

void store_default_quotas(struct store_quotas *q)
{
	q->nodes = 1000;
	q->watches = 128;
	q->transactions = 10;
	q->node_size = 2048;
	q->perms = 5;
	q->tx_nodes = 1024;
	q->tx_bytes = 256 * 1024;
	q->path_len = XENSTORE_REL_PATH_MAX;
	q->outstanding = 20;
	q->out_unpriv = 256 * 1024;
	q->out_priv = 16 * 1024 * 1024;
	q->rate = 500;
	q->burst = 1000;
}

void store_log(struct store *st, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (st->h.log)
		st->h.log(st->h.ctx, level, msg);
	else if (level <= LOG_WARNING)
		fprintf(stderr, "tandem-store: %s\n", msg);
}

static uint64_t now_ms(struct store *st)
{
	struct timespec ts;

	if (st->h.now_ms)
		return st->h.now_ms(st->h.ctx);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool domain_exists(struct store *st, unsigned int domid)
{
	if (domid == 0 || !st->h.domain_exists)
		return true;
	return st->h.domain_exists(st->h.ctx, domid);
}

struct store *store_new(const struct store_quotas *q,
			const struct store_hooks *hooks)
{
	struct store *st = calloc(1, sizeof(*st));
	unsigned int i;

	if (!st)
		return NULL;
	if (q)
		st->q = *q;
	else
		store_default_quotas(&st->q);
	if (hooks)
		st->h = *hooks;
	st->owned = calloc(DOMID_FIRST_RESERVED, sizeof(*st->owned));
	st->root = tree_new_root();
	for (i = 0; i < NR_SPECIAL; i++) {
		/* Owned by dom0; only privileged connections hear them. */
		st->special[i] = calloc(1, sizeof(*st->special[i]));
		st->nspecial[i] = 1;
		if (!st->special[i])
			goto fail;
	}
	if (!st->owned || !st->root)
		goto fail;
	st->gen = st->root->gen;
	st->owned[0] = 1;
	return st;
fail:
	store_free(st);
	return NULL;
}

static void conn_free(struct store_conn *c);

void store_free(struct store *st)
{
	struct store_conn *c;
	unsigned int i;

	if (!st)
		return;
	while ((c = st->conns)) {
		st->conns = c->next;
		conn_free(c);
	}
	tree_free(st->root);
	for (i = 0; i < NR_SPECIAL; i++)
		free(st->special[i]);
	free(st->owned);
	free(st);
}

uint64_t *store_gen(struct store *st)
{
	return &st->gen;
}

struct node *store_root(struct store *st)
{
	return st->root;
}

const struct store_quotas *store_quotas(struct store *st)
{
	return &st->q;
}

void store_count_owner(struct store *st, unsigned int domid, int delta)
{
	if (domid < DOMID_FIRST_RESERVED)
		st->owned[domid] += (unsigned int)delta;
}

unsigned int store_owned_nodes(struct store *st, unsigned int domid)
{
	return domid < DOMID_FIRST_RESERVED ? st->owned[domid] : 0;
}

const struct node *store_lookup(struct store *st, const char *path)
{
	return tree_lookup(st->root, path);
}

int store_check(struct store *st)
{
	int ret = tree_check(st, st->root);

	if (ret)
		store_log(st, LOG_ERR, "tree check failed: the store is "
			  "inconsistent (a bug: please report it)");
	return ret;
}

bool store_conn_privileged(const struct store_conn *c)
{
	return c->priv;
}

unsigned int store_conn_domid(const struct store_conn *c)
{
	return c->domid;
}

const char *store_conn_label(const struct store_conn *c)
{
	return c->label;
}

void *store_conn_transport(const struct store_conn *c)
{
	return c->transport;
}

void store_conn_set_transport(struct store_conn *c, void *t)
{
	c->transport = t;
}

int store_conn_dead(const struct store_conn *c)
{
	return c->dead;
}

/*
 * Connections.
 */
struct store_conn *store_conn_new(struct store *st, unsigned int domid,
				  unsigned int flags, const char *label)
{
	struct store_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->st = st;
	c->domid = domid;
	c->target = NO_TARGET;
	c->priv = flags & STORE_CONN_PRIV;
	c->domain = flags & STORE_CONN_DOMAIN;
	c->next_txid = 1;
	c->tokens = (int64_t)st->q.burst * 1000;
	c->refilled = now_ms(st);
	snprintf(c->label, sizeof(c->label), "%s", label);
	c->next = st->conns;
	st->conns = c;
	return c;
}

static void drop_output(struct store_conn *c)
{
	struct outmsg *m;

	while ((m = c->out_head)) {
		c->out_head = m->next;
		free(m);
	}
	c->out_tail = NULL;
	c->out_bytes = 0;
	c->out_count = 0;
	c->out_replies = 0;
}

static void drop_watches(struct store_conn *c)
{
	struct watch *w;

	while ((w = c->watches)) {
		c->watches = w->next;
		free(w->path);
		free(w->token);
		free(w);
	}
	c->nwatches = 0;
}

static void drop_txns(struct store_conn *c)
{
	struct txn *t;

	while ((t = c->txns)) {
		c->txns = t->next;
		txn_free(t);
	}
	c->ntxns = 0;
}

static void conn_free(struct store_conn *c)
{
	drop_output(c);
	drop_watches(c);
	drop_txns(c);
	free(c);
}

static void unlink_conn(struct store *st, struct store_conn *c)
{
	struct store_conn **p;

	for (p = &st->conns; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			return;
		}
	}
}

void store_conn_close(struct store *st, struct store_conn *c)
{
	unlink_conn(st, c);
	conn_free(c);
}

void store_conn_fail(struct store_conn *c, int reason, const char *why)
{
	if (c->dead)
		return;
	store_log(c->st, LOG_WARNING, "%s: %s; disconnecting it", c->label,
		  why);
	c->dead = reason ? reason : XENSTORE_ERROR_COMM;
	drop_output(c);
	drop_watches(c);
	drop_txns(c);
	c->in_have = 0;
}

void store_conn_reset(struct store_conn *c)
{
	drop_output(c);
	drop_watches(c);
	drop_txns(c);
	c->in_have = 0;
	c->dead = 0;
}

static void refill(struct store *st, struct store_conn *c)
{
	uint64_t now = now_ms(st);
	int64_t cap = (int64_t)st->q.burst * 1000;

	if (now > c->refilled) {
		c->tokens += (int64_t)((now - c->refilled) * st->q.rate);
		if (c->tokens > cap)
			c->tokens = cap;
	}
	c->refilled = now;
}

void store_count_work(struct store *st, unsigned int units)
{
	st->work += units;
}

/*
 * A request costs one token, plus one per WORK_PER_TOKEN nodes it made
 * the store touch (copied into a transaction, created, deleted, fired
 * watches for): a guest sending expensive requests (thousand-level paths,
 * huge deletions) gets fewer of them, not a bigger share of the daemon.
 */
#define WORK_PER_TOKEN	8

static void charge(struct store_conn *c, uint64_t work)
{
	int64_t floor = -(int64_t)c->st->q.burst * 1000;

	c->tokens -= 1000 + (int64_t)(work * 1000 / WORK_PER_TOKEN);
	if (c->tokens < floor)
		c->tokens = floor;	/* a bounded debt */
}

static bool rate_limited(const struct store_conn *c)
{
	return !c->priv && c->st->q.rate;
}

/* May the connection start a new request now? */
static bool may_start(struct store_conn *c)
{
	if (c->priv)
		return true;
	if (c->out_replies >= c->st->q.outstanding)
		return false;
	if (rate_limited(c)) {
		refill(c->st, c);
		if (c->tokens < 1000)
			return false;
	}
	return true;
}

size_t store_conn_input_want(struct store_conn *c)
{
	if (c->dead)
		return 0;
	if (c->in_have < HDR_SIZE) {
		if (c->in_have == 0 && !may_start(c))
			return 0;
		return HDR_SIZE - c->in_have;
	}
	return HDR_SIZE + c->in.hdr.len - c->in_have;
}

int store_next_timeout(struct store *st)
{
	struct store_conn *c;
	uint64_t need, best = UINT64_MAX;

	for (c = st->conns; c; c = c->next) {
		if (c->dead || c->in_have || !rate_limited(c))
			continue;
		refill(st, c);
		if (c->tokens >= 1000)
			continue;
		need = ((uint64_t)(1000 - c->tokens) + st->q.rate - 1) /
		       st->q.rate;
		if (need < best)
			best = need;
	}
	if (best == UINT64_MAX)
		return -1;
	return best > 60000 ? 60000 : (int)best;
}

size_t store_conn_output(struct store_conn *c, const void **data)
{
	struct outmsg *m = c->out_head;

	if (!m) {
		*data = NULL;
		return 0;
	}
	*data = m->data + m->off;
	return m->len - m->off;
}

void store_conn_output_done(struct store_conn *c, size_t n)
{
	struct outmsg *m;

	while (n && (m = c->out_head)) {
		size_t step = m->len - m->off < n ? m->len - m->off : n;

		m->off += step;
		n -= step;
		if (m->off < m->len)
			break;
		c->out_head = m->next;
		if (!c->out_head)
			c->out_tail = NULL;
		c->out_bytes -= m->len;
		c->out_count--;
		if (m->reply)
			c->out_replies--;
		free(m);
	}
}

/* Queue one message; a peer that lets too much pile up is dropped. */
static void queue_msg(struct store_conn *c, uint32_t type, uint32_t req_id,
		      uint32_t tx_id, const void *body, size_t len, bool reply)
{
	size_t limit = c->priv ? c->st->q.out_priv : c->st->q.out_unpriv;
	struct xsd_sockmsg hdr = {
		.type = type, .req_id = req_id, .tx_id = tx_id,
		.len = (uint32_t)len,
	};
	struct outmsg *m;
	char why[96];

	if (c->dead)
		return;
	if (c->out_bytes + HDR_SIZE + len > limit) {
		snprintf(why, sizeof(why), "does not read its replies and "
			 "events (%zu bytes waiting)", c->out_bytes);
		store_conn_fail(c, XENSTORE_ERROR_COMM, why);
		return;
	}
	m = malloc(sizeof(*m) + HDR_SIZE + len);
	if (!m) {
		store_conn_fail(c, XENSTORE_ERROR_COMM, "out of memory "
				"for its replies");
		return;
	}
	m->next = NULL;
	m->len = HDR_SIZE + len;
	m->off = 0;
	m->event = type == XS_WATCH_EVENT;
	m->reply = reply;
	memcpy(m->data, &hdr, HDR_SIZE);
	memcpy(m->data + HDR_SIZE, body, len);
	if (c->out_tail)
		c->out_tail->next = m;
	else
		c->out_head = m;
	c->out_tail = m;
	c->out_bytes += m->len;
	c->out_count++;
	if (reply)
		c->out_replies++;
}

static void queue_event(struct store_conn *c, const char *path,
			const char *token)
{
	size_t plen = strlen(path), tlen = strlen(token), len;
	char *buf = c->st->event;
	struct outmsg *m;
	unsigned int n = 0;

	len = plen + 1 + tlen + 1;
	if (len > XENSTORE_PAYLOAD_MAX)
		return;		/* cannot be expressed: xenstored skips it */
	memcpy(buf, path, plen + 1);
	memcpy(buf + plen + 1, token, tlen + 1);
	/* An identical event still waiting says it all already. */
	if (path[0] != '@' && c->out_count <= DEDUP_SCAN_MAX) {
		for (m = c->out_head; m && n++ < DEDUP_SCAN_MAX; m = m->next)
			if (m->event && m->off == 0 &&
			    m->len == HDR_SIZE + len &&
			    !memcmp(m->data + HDR_SIZE, buf, len))
				return;
	}
	queue_msg(c, XS_WATCH_EVENT, 0, 0, buf, len, false);
	c->st->work++;
}

/*
 * Permissions.
 */
static unsigned int perm_for(const struct store_conn *c,
			     const struct tdm_xs_perm *p, unsigned int n)
{
	unsigned int i;

	if (c->priv)
		return PERM_ALL;
	if (n == 0)
		return 0;
	if (p[0].domid == c->domid ||
	    (c->target != NO_TARGET && p[0].domid == c->target))
		return PERM_ALL;
	for (i = 1; i < n; i++)
		if (p[i].domid == c->domid ||
		    (c->target != NO_TARGET && p[i].domid == c->target))
			return p[i].perms;
	return p[0].perms;
}

/*
 * Watches.
 */

/* Is path equal to or below dir? ("/" is above everything.) */
static bool is_child(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	if (len == 1 && dir[0] == '/')
		return path[0] == '/';
	return !strncmp(path, dir, len) &&
	       (path[len] == '/' || path[len] == '\0');
}

/* A watcher hears about a node it can read, or whose parent it can. */
static bool may_see(const struct store_conn *c, const struct fire *f)
{
	return (perm_for(c, f->node.p, f->node.n) & TDM_XS_PERM_READ) ||
	       (f->old.n &&
		(perm_for(c, f->old.p, f->old.n) & TDM_XS_PERM_READ)) ||
	       (f->parent.n &&
		(perm_for(c, f->parent.p, f->parent.n) & TDM_XS_PERM_READ));
}

void store_fire(struct store *st, const struct fire *f)
{
	struct store_conn *c;
	struct watch *w;
	bool match;

	for (c = st->conns; c; c = c->next) {
		if (c->dead || !c->watches || !may_see(c, f))
			continue;
		for (w = c->watches; w; w = w->next) {
			if (w->path[0] == '@')
				continue;
			match = f->exact ? !strcmp(f->path, w->path) :
					   is_child(f->path, w->path);
			if (match && strlen(f->path) >= w->strip)
				queue_event(c, f->path + w->strip, w->token);
			if (c->dead)
				break;	/* dropped for not reading */
		}
	}
}

static void fire_special(struct store *st, unsigned int which)
{
	const char *name = special_name[which];
	struct store_conn *c;
	struct watch *w;

	for (c = st->conns; c; c = c->next) {
		if (c->dead || !(perm_for(c, st->special[which],
					  st->nspecial[which]) &
				 TDM_XS_PERM_READ))
			continue;
		for (w = c->watches; w && !c->dead; w = w->next)
			if (!strcmp(w->path, name))
				queue_event(c, name, w->token);
	}
}

/*
 * Requests.
 */
struct req {
	struct store *st;
	struct store_conn *c;
	struct xsd_sockmsg hdr;
	char *body;			/* NUL-terminated after len */
	uint32_t len;
	struct txn *tx;			/* the view node requests use */
	const char *reply;		/* reply payload (default "OK") */
	size_t rlen;
	struct watch *first_event;	/* WATCH: fire once after the reply */
};

/* The one string a request must carry, ended by the payload's only NUL. */
static const char *onearg(const struct req *r)
{
	if (r->len == 0 || memchr(r->body, '\0', r->len) !=
			   r->body + r->len - 1)
		return NULL;
	return r->body;
}

/* Path length rule: below /local/domain/N/ at most path_len bytes. */
static bool path_len_ok(struct store *st, const char *path)
{
	const char *p = path;
	size_t off = 0, digits = 0;

	if (!strncmp(p, "/local/domain/", 14)) {
		p += 14;
		while (p[digits] >= '0' && p[digits] <= '9' && digits < 5)
			digits++;
		if (digits && p[digits] == '/')
			off = 14 + digits + 1;
	}
	return strlen(path) - off <= st->q.path_len;
}

/* The absolute form of a client's path into out; EINVAL if invalid. */
static int canon(struct req *r, const char *in, char *out, size_t *strip)
{
	size_t plen;
	int n;

	if (!in || in[0] == '@')
		return EINVAL;		/* special names are not nodes */
	if (in[0] == '/') {
		if (!tdm_xs_path_valid(in))
			return EINVAL;
		strcpy(out, in);
		plen = 0;
	} else {
		if (!tdm_xs_relpath_valid(in))
			return EINVAL;
		n = snprintf(out, XENSTORE_ABS_PATH_MAX + 1,
			     "/local/domain/%u/%s",
			     r->c->domain ? r->c->domid : 0, in);
		if (n < 0 || n > XENSTORE_ABS_PATH_MAX)
			return EINVAL;
		plen = (size_t)n - strlen(in);
	}
	if (!path_len_ok(r->st, out))
		return EINVAL;
	if (strip)
		*strip = plen;
	return 0;
}

static void parent_of(const char *path, char *out)
{
	size_t len = (size_t)(strrchr(path, '/') - path);

	if (len == 0)
		len = 1;
	memcpy(out, path, len);
	out[len] = '\0';
}

/* The nearest ancestor of path that exists in the view. */
static int nearest(struct req *r, const char *path, struct txe **out)
{
	return -txn_nearest(r->tx, path, out);
}

/*
 * The node at path if the client has all of need on it. Otherwise
 * EACCES, or ENOENT when it does not exist and the nearest existing
 * ancestor grants the client need (so absence tells nothing otherwise).
 */
static int get_node(struct req *r, const char *path, unsigned int need,
		    struct txe **out)
{
	struct txe *e, *a;
	int err;

	err = txn_get(r->tx, path, &e);
	if (err)
		return -err;
	if (e->exists) {
		if ((perm_for(r->c, e->perm, e->nperm) & need) != need)
			return EACCES;
		*out = e;
		return 0;
	}
	err = nearest(r, path, &a);
	if (err)
		return err;
	return (perm_for(r->c, a->perm, a->nperm) & need) ? ENOENT : EACCES;
}

static bool over_size(struct req *r, size_t size)
{
	return !r->c->priv && size >= r->st->q.node_size;
}

/* Create path (and missing parents) with value; the client may write. */
static int create(struct req *r, const char *path, const char *value,
		  uint32_t len)
{
	char buf[XENSTORE_ABS_PATH_MAX + 1];
	struct tdm_xs_perm *perm;
	struct txe *a, *e, *parent;
	unsigned int missing = 0;
	size_t alen, at;
	int err;

	err = nearest(r, path, &a);
	if (err)
		return err;
	if (!(perm_for(r->c, a->perm, a->nperm) & TDM_XS_PERM_WRITE))
		return EACCES;
	alen = strlen(a->path);
	for (at = alen == 1 ? 0 : alen; path[at]; at++)
		missing += path[at] == '/';
	if (!r->c->priv) {
		at = alen == 1 ? 1 : alen + 1;
		if (store_owned_nodes(r->st, r->c->domid) + r->tx->created +
		    missing > r->st->q.nodes)
			return ENOSPC;
		if (over_size(r, txe_size(a) + strcspn(path + at, "/") + 1) ||
		    over_size(r, NODE_HDR_SIZE + a->nperm * PERM_ENTRY_SIZE +
			      len))
			return ENOSPC;
	}
	/* Inherit the parent's permissions; guests own what they create. */
	perm = malloc(a->nperm * sizeof(*perm));
	if (!perm)
		return ENOMEM;
	memcpy(perm, a->perm, a->nperm * sizeof(*perm));
	if (!r->c->priv)
		perm[0].domid = (domid_t)r->c->domid;
	/* at: the '/' before the next component to create. */
	parent = a;
	at = alen == 1 ? 0 : alen;
	while (path[at] == '/') {
		at += 1 + strcspn(path + at + 1, "/");
		memcpy(buf, path, at);
		buf[at] = '\0';
		err = txn_create(r->tx, parent, buf, path[at] ? "" : value,
				 path[at] ? 0 : len, perm, a->nperm, !path[at],
				 &e);
		if (err) {
			free(perm);
			return -err;
		}
		parent = e;
	}
	free(perm);
	return 0;
}

static int op_read(struct req *r)
{
	char *path = r->st->path;
	struct txe *e;
	int err;

	err = canon(r, onearg(r), path, NULL);
	if (!err)
		err = get_node(r, path, TDM_XS_PERM_READ, &e);
	if (err)
		return err;
	r->reply = e->value ? e->value : "";
	r->rlen = e->len;
	return 0;
}

static int op_write(struct req *r)
{
	char *path = r->st->path;
	const char *value;
	struct txe *e;
	uint32_t vlen, plen;
	int err;

	if (!memchr(r->body, '\0', r->len))
		return EINVAL;
	plen = (uint32_t)strlen(r->body) + 1;
	value = r->body + plen;
	vlen = r->len - plen;
	err = canon(r, r->body, path, NULL);
	if (err)
		return err;
	err = get_node(r, path, TDM_XS_PERM_WRITE, &e);
	if (err == ENOENT)
		return create(r, path, value, vlen);
	if (err)
		return err;
	if (over_size(r, txe_size(e) - e->len + vlen))
		return ENOSPC;
	return -txn_set_value(r->tx, e, value, vlen);
}

static int op_mkdir(struct req *r)
{
	char *path = r->st->path;
	struct txe *e;
	int err;

	err = canon(r, onearg(r), path, NULL);
	if (err)
		return err;
	err = get_node(r, path, TDM_XS_PERM_WRITE, &e);
	if (err == ENOENT)
		return create(r, path, "", 0);
	return err;
}

static int op_rm(struct req *r)
{
	char *path = r->st->path, parent[XENSTORE_ABS_PATH_MAX + 1];
	struct txe *e = NULL, *p;
	int err;

	err = canon(r, onearg(r), path, NULL);
	if (err)
		return err;
	err = get_node(r, path, TDM_XS_PERM_WRITE, &e);
	if (err && err != ENOENT)
		return err;
	if (!strcmp(path, "/"))
		return EINVAL;
	parent_of(path, parent);
	err = txn_get(r->tx, parent, &p);
	if (err)
		return -err;
	if (!e || !e->exists)
		return p->exists ? 0 : ENOENT;	/* gone already: fine */
	return -txn_delete(r->tx, p, e);
}

/* The children's names, each ended by a NUL, into the reply buffer. */
static int kids_list(struct req *r, const struct txe *e, size_t *total)
{
	size_t used = 0, n;
	unsigned int i;

	for (i = 0; i < e->nkids; i++) {
		n = strlen(e->kids[i]) + 1;
		if (used + n > XENSTORE_PAYLOAD_MAX)
			return E2BIG;
		memcpy(r->st->reply + used, e->kids[i], n);
		used += n;
	}
	*total = used;
	return 0;
}

static int op_directory(struct req *r)
{
	char *path = r->st->path;
	struct txe *e;
	int err;

	err = canon(r, onearg(r), path, NULL);
	if (!err)
		err = get_node(r, path, TDM_XS_PERM_READ, &e);
	if (!err)
		err = kids_list(r, e, &r->rlen);
	if (!err)
		r->reply = r->st->reply;
	return err;
}

/*
 * DIRECTORY_PART path|offset: the node's generation, then the children's
 * names from byte offset of the list as far as they fit, then an empty
 * string if the list ends there.
 */
static int op_directory_part(struct req *r)
{
	char *path = r->st->path, gen[24];
	unsigned long long off;
	const char *vec[2];
	size_t glen, total = 0, take = 0, n, max;
	char *all, *out = r->st->reply;
	struct txe *e;
	unsigned int i;
	int err;

	if (tdm_xs_split(r->body, r->len, vec, 2) != 2 ||
	    tdm_xs_parse_uint(vec[1], UINT32_MAX, &off) < 0)
		return EINVAL;
	err = canon(r, vec[0], path, NULL);
	if (!err)
		err = get_node(r, path, TDM_XS_PERM_READ, &e);
	if (err)
		return err;
	for (i = 0; i < e->nkids; i++)
		total += strlen(e->kids[i]) + 1;
	all = malloc(total + 1);
	if (!all)
		return ENOMEM;
	for (i = 0, n = 0; i < e->nkids; i++) {
		memcpy(all + n, e->kids[i], strlen(e->kids[i]) + 1);
		n += strlen(e->kids[i]) + 1;
	}
	all[total] = '\0';
	glen = (size_t)snprintf(gen, sizeof(gen), "%llu",
				(unsigned long long)e->base) + 1;
	memcpy(out, gen, glen);
	if (off >= total) {
		out[glen] = '\0';
		r->rlen = glen + 1;
	} else {
		max = XENSTORE_PAYLOAD_MAX - glen - 1;
		while (off + take < total &&
		       take + strlen(all + off + take) < max)
			take += strlen(all + off + take) + 1;
		memcpy(out + glen, all + off, take);
		r->rlen = glen + take;
		if (off + take == total)
			out[r->rlen++] = '\0';
	}
	free(all);
	r->reply = out;
	return 0;
}

static int op_get_perms(struct req *r)
{
	char *path = r->st->path;
	size_t used = 0;
	struct txe *e;
	unsigned int i;
	int err, n;

	err = canon(r, onearg(r), path, NULL);
	if (!err)
		err = get_node(r, path, TDM_XS_PERM_READ, &e);
	if (err)
		return err;
	for (i = 0; i < e->nperm; i++) {
		n = tdm_xs_perm_format(&e->perm[i], r->st->reply + used,
				       sizeof(r->st->reply) - used);
		if (n < 0)
			return E2BIG;
		used += (size_t)n + 1;
	}
	r->reply = r->st->reply;
	r->rlen = used;
	return 0;
}

static int special_index(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR_SPECIAL; i++)
		if (!strcmp(name, special_name[i]))
			return (int)i;
	return -1;
}

static int op_set_perms(struct req *r)
{
	const unsigned int need = TDM_XS_PERM_WRITE | PERM_OWNER;
	char *path = r->st->path;
	struct tdm_xs_perm *perm;
	const char **vec;
	unsigned int n, i, k;
	struct txe *e;
	int err, sp;

	n = tdm_xs_split(r->body, r->len, NULL, 0);
	if (n < 2)
		return EINVAL;
	if (!r->c->priv && n - 1 > r->st->q.perms)
		return ENOSPC;
	vec = calloc(n, sizeof(*vec));
	perm = calloc(n - 1, sizeof(*perm));
	if (!vec || !perm) {
		err = ENOMEM;
		goto out;
	}
	tdm_xs_split(r->body, r->len, vec, n);
	for (i = 0; i < n - 1; i++) {
		if (tdm_xs_perm_parse(vec[i + 1], &perm[i]) < 0) {
			err = EINVAL;
			goto out;
		}
	}
	/* The owner must exist; grants to vanished domains are dropped. */
	if (!domain_exists(r->st, perm[0].domid)) {
		err = ENOENT;
		goto out;
	}
	for (i = k = 1; i < n - 1; i++)
		if (domain_exists(r->st, perm[i].domid))
			perm[k++] = perm[i];
	if (vec[0][0] == '@') {
		sp = special_index(vec[0]);
		err = EINVAL;
		if (sp < 0)
			goto out;
		err = EACCES;
		if ((perm_for(r->c, r->st->special[sp], r->st->nspecial[sp]) &
		     need) != need)
			goto out;
		free(r->st->special[sp]);
		r->st->special[sp] = perm;
		r->st->nspecial[sp] = k;
		perm = NULL;
		err = 0;
		goto out;
	}
	err = canon(r, vec[0], path, NULL);
	if (!err)
		err = get_node(r, path, need, &e);
	if (err)
		goto out;
	err = EPERM;
	if (!r->c->priv && perm[0].domid != e->perm[0].domid)
		goto out;
	err = ENOSPC;
	if (over_size(r, txe_size(e) - e->nperm * PERM_ENTRY_SIZE +
		      k * PERM_ENTRY_SIZE))
		goto out;
	err = -txn_set_perms(r->tx, e, perm, k);
out:
	free(vec);
	free(perm);
	return err;
}

static struct watch *find_watch(struct store_conn *c, const char *path,
				const char *token, struct watch ***link)
{
	struct watch **p;

	for (p = &c->watches; *p; p = &(*p)->next) {
		if (!strcmp((*p)->path, path) && !strcmp((*p)->token, token)) {
			if (link)
				*link = p;
			return *p;
		}
	}
	return NULL;
}

/* A watch's path: "@..." as it is, otherwise canonical. */
static int watch_path(struct req *r, const char *in, char *out,
		      size_t *strip)
{
	if (in[0] == '@') {
		if (strlen(in) > XENSTORE_REL_PATH_MAX)
			return EINVAL;
		strcpy(out, in);
		*strip = 0;
		return 0;
	}
	return canon(r, in, out, strip);
}

static int op_watch(struct req *r)
{
	char *path = r->st->path;
	const char *vec[2];
	struct watch *w;
	size_t strip;
	int err;

	if (tdm_xs_split(r->body, r->len, vec, 2) != 2)
		return EINVAL;
	err = watch_path(r, vec[0], path, &strip);
	if (err)
		return err;
	if (find_watch(r->c, path, vec[1], NULL))
		return EEXIST;
	if (!r->c->priv && r->c->nwatches >= r->st->q.watches)
		return E2BIG;
	w = calloc(1, sizeof(*w));
	if (!w)
		return ENOMEM;
	w->path = strdup(path);
	w->token = strdup(vec[1]);
	if (!w->path || !w->token) {
		free(w->path);
		free(w->token);
		free(w);
		return ENOMEM;
	}
	w->strip = strip;
	w->next = r->c->watches;
	r->c->watches = w;
	r->c->nwatches++;
	r->first_event = w;
	return 0;
}

static int op_unwatch(struct req *r)
{
	char *path = r->st->path;
	struct watch *w, **link;
	const char *vec[2];
	size_t strip;

	if (tdm_xs_split(r->body, r->len, vec, 2) != 2)
		return EINVAL;
	if (watch_path(r, vec[0], path, &strip))
		return ENOENT;
	w = find_watch(r->c, path, vec[1], &link);
	if (!w)
		return ENOENT;
	*link = w->next;
	free(w->path);
	free(w->token);
	free(w);
	r->c->nwatches--;
	return 0;
}

static struct txn *find_txn(struct store_conn *c, uint32_t id,
			    struct txn ***link)
{
	struct txn **p;

	for (p = &c->txns; *p; p = &(*p)->next) {
		if ((*p)->id == id) {
			if (link)
				*link = p;
			return *p;
		}
	}
	return NULL;
}

static int op_transaction_start(struct req *r)
{
	struct store_conn *c = r->c;
	struct txn *t;
	int n;

	if (r->hdr.tx_id)
		return find_txn(c, r->hdr.tx_id, NULL) ? EBUSY : ENOENT;
	if (!c->priv && c->ntxns >= r->st->q.transactions)
		return ENOSPC;
	while (c->next_txid == 0 || find_txn(c, c->next_txid, NULL))
		c->next_txid++;
	t = txn_new(r->st, c, c->next_txid++, !c->priv);
	if (!t)
		return ENOMEM;
	t->next = c->txns;
	c->txns = t;
	c->ntxns++;
	n = snprintf(r->st->reply, sizeof(r->st->reply), "%u", t->id);
	r->reply = r->st->reply;
	r->rlen = (size_t)n + 1;
	return 0;
}

static int op_transaction_end(struct req *r)
{
	const char *arg = onearg(r);
	struct txn *t, **link;
	int err = 0;

	if (!arg || (strcmp(arg, "T") && strcmp(arg, "F")))
		return EINVAL;
	t = r->hdr.tx_id ? find_txn(r->c, r->hdr.tx_id, &link) : NULL;
	if (!t)
		return ENOENT;
	*link = t->next;
	r->c->ntxns--;
	if (arg[0] == 'T')
		err = -txn_commit(t);
	txn_free(t);
	return err;
}

/* A domid argument: decimal, at most 65535 (reserved ids included). */
static int parse_domid(const char *s, unsigned int *domid)
{
	unsigned long long v;

	if (!s || tdm_xs_parse_uint(s, 0xffff, &v) < 0)
		return EINVAL;
	*domid = (unsigned int)v;
	return 0;
}

/* A domain we can serve: not dom0, not a reserved id. */
static bool guest_domid(unsigned int domid)
{
	return domid > 0 && domid < DOMID_FIRST_RESERVED;
}

struct store_conn *store_domain_conn(struct store *st, unsigned int domid)
{
	struct store_conn *c;

	for (c = st->conns; c; c = c->next)
		if (c->domain && c->domid == domid)
			return c;
	return NULL;
}

static int op_introduce(struct req *r)
{
	unsigned long long mfn, port;
	struct store_conn *c;
	const char *vec[3];
	unsigned int domid;
	int err;

	if (tdm_xs_split(r->body, r->len, vec, 3) < 3 ||
	    parse_domid(vec[0], &domid) || !guest_domid(domid) ||
	    tdm_xs_parse_uint(vec[1], UINT64_MAX, &mfn) < 0 ||
	    tdm_xs_parse_uint(vec[2], MAX_PORT, &port) < 0 || port == 0)
		return EINVAL;
	c = store_domain_conn(r->st, domid);
	if (c) {
		/* Again: the guest (re)started its ring, e.g. after kexec. */
		if (r->st->h.reintroduce) {
			err = r->st->h.reintroduce(r->st->h.ctx, c, mfn,
						   (uint32_t)port);
			if (err)
				return -err;
		}
		store_conn_reset(c);
		return 0;
	}
	if (!r->st->h.introduce)
		return ENOSYS;
	err = r->st->h.introduce(r->st->h.ctx, r->st, domid, mfn,
				 (uint32_t)port, &c);
	if (err)
		return -err;
	store_log(r->st, LOG_INFO, "dom%u introduced (frame %#llx, port %llu)",
		  domid, mfn, port);
	fire_special(r->st, SPECIAL_INTRODUCE);
	return 0;
}

int store_release_domain(struct store *st, unsigned int domid)
{
	struct store_conn *c = store_domain_conn(st, domid), *o;
	unsigned int i, j, k;

	if (!c || !guest_domid(domid))
		return -ENOENT;
	/* Its nodes go, and what others granted it. */
	tree_forget_domain(st, domid);
	for (i = 0; i < NR_SPECIAL; i++) {
		for (j = k = 1; j < st->nspecial[i]; j++)
			if (st->special[i][j].domid != domid)
				st->special[i][k++] = st->special[i][j];
		st->nspecial[i] = k;
	}
	for (o = st->conns; o; o = o->next)
		if (o->target == domid)
			o->target = NO_TARGET;
	if (st->h.release)
		st->h.release(st->h.ctx, c);
	store_conn_close(st, c);
	store_log(st, LOG_INFO, "dom%u released", domid);
	fire_special(st, SPECIAL_RELEASE);
	return 0;
}

void store_domain_shutdown(struct store *st, unsigned int domid)
{
	struct store_conn *c = store_domain_conn(st, domid);

	if (!c || c->shutdown_seen)
		return;
	c->shutdown_seen = true;
	fire_special(st, SPECIAL_RELEASE);
}

void store_for_each_domain(struct store *st,
			   void (*fn)(struct store *st, struct store_conn *c,
				      void *arg),
			   void *arg)
{
	struct store_conn *c, *next;

	for (c = st->conns; c; c = next) {
		next = c->next;
		if (c->domain)
			fn(st, c, arg);
	}
}

static int onearg_domain(struct req *r, struct store_conn **out)
{
	unsigned int domid;

	if (parse_domid(onearg(r), &domid) || !guest_domid(domid))
		return EINVAL;
	*out = store_domain_conn(r->st, domid);
	return *out ? 0 : ENOENT;
}

static int op_release(struct req *r)
{
	struct store_conn *c;
	int err = onearg_domain(r, &c);

	if (err)
		return err;
	if (c == r->c)
		return EINVAL;	/* a privileged guest releasing itself */
	return -store_release_domain(r->st, c->domid);
}

static int op_resume(struct req *r)
{
	struct store_conn *c;
	int err = onearg_domain(r, &c);

	if (!err)
		c->shutdown_seen = false;
	return err;
}

static int op_is_domain_introduced(struct req *r)
{
	unsigned int domid;
	bool yes;

	if (parse_domid(onearg(r), &domid))
		return EINVAL;
	yes = domid == DOMID_SELF || store_domain_conn(r->st, domid);
	r->reply = yes ? "T" : "F";
	r->rlen = 2;
	return 0;
}

static int op_get_domain_path(struct req *r)
{
	unsigned int domid;
	int n;

	if (parse_domid(onearg(r), &domid))
		return EINVAL;
	n = snprintf(r->st->reply, sizeof(r->st->reply), "/local/domain/%u",
		     domid);
	r->reply = r->st->reply;
	r->rlen = (size_t)n + 1;
	return 0;
}

static int op_set_target(struct req *r)
{
	unsigned int domid, target;
	struct store_conn *c;
	const char *vec[2];

	if (tdm_xs_split(r->body, r->len, vec, 2) < 2 ||
	    parse_domid(vec[0], &domid) || parse_domid(vec[1], &target))
		return EINVAL;
	c = store_domain_conn(r->st, domid);
	if (!c || !store_domain_conn(r->st, target))
		return ENOENT;
	c->target = target;
	return 0;
}

static int op_reset_watches(struct req *r)
{
	drop_watches(r->c);
	drop_txns(r->c);
	return 0;
}

static int op_control(struct req *r)
{
	struct store_quotas *q = &r->st->q;
	const char *vec[2];
	unsigned int n;
	int len;

	n = tdm_xs_split(r->body, r->len, vec, 2);
	if (n < 1)
		return EINVAL;
	if (!strcmp(vec[0], "print")) {
		store_log(r->st, LOG_INFO, "%s: %s", r->c->label,
			  n > 1 ? vec[1] : "");
		return 0;
	}
	if (!strcmp(vec[0], "check"))
		return store_check(r->st) ? EIO : 0;
	if (!strcmp(vec[0], "help")) {
		r->reply = "check\nhelp\nprint <text>\nquota\n";
		r->rlen = strlen(r->reply) + 1;
		return 0;
	}
	if (!strcmp(vec[0], "quota")) {
		len = snprintf(r->st->reply, sizeof(r->st->reply),
			       "nodes %u\nwatches %u\ntransactions %u\n"
			       "node-size %u\npermissions %u\n"
			       "transaction-nodes %u\npath-length %u\n"
			       "outstanding %u\nrate %u\nburst %u\n",
			       q->nodes, q->watches, q->transactions,
			       q->node_size, q->perms, q->tx_nodes,
			       q->path_len, q->outstanding, q->rate,
			       q->burst);
		r->reply = r->st->reply;
		r->rlen = (size_t)len + 1;
		return 0;
	}
	return EINVAL;
}

#define OP_PRIV		(1u << 0)	/* privileged connections only */
#define OP_NOTX		(1u << 1)	/* the transaction id is ignored */
#define OP_VIEW		(1u << 2)	/* looks at nodes: needs a view */

static const struct op {
	int (*fn)(struct req *r);
	unsigned int flags;
} ops[XS_TYPE_COUNT] = {
	[XS_CONTROL]		= { op_control, OP_PRIV },
	[XS_DIRECTORY]		= { op_directory, OP_VIEW },
	[XS_READ]		= { op_read, OP_VIEW },
	[XS_GET_PERMS]		= { op_get_perms, OP_VIEW },
	[XS_WATCH]		= { op_watch, OP_NOTX },
	[XS_UNWATCH]		= { op_unwatch, OP_NOTX },
	[XS_TRANSACTION_START]	= { op_transaction_start, 0 },
	[XS_TRANSACTION_END]	= { op_transaction_end, 0 },
	[XS_INTRODUCE]		= { op_introduce, OP_PRIV },
	[XS_RELEASE]		= { op_release, OP_PRIV },
	[XS_GET_DOMAIN_PATH]	= { op_get_domain_path, 0 },
	[XS_WRITE]		= { op_write, OP_VIEW },
	[XS_MKDIR]		= { op_mkdir, OP_VIEW },
	[XS_RM]			= { op_rm, OP_VIEW },
	[XS_SET_PERMS]		= { op_set_perms, OP_VIEW },
	[XS_IS_DOMAIN_INTRODUCED] = { op_is_domain_introduced, OP_PRIV },
	[XS_RESUME]		= { op_resume, OP_PRIV },
	[XS_SET_TARGET]		= { op_set_target, OP_PRIV },
	[XS_RESET_WATCHES]	= { op_reset_watches, 0 },
	[XS_DIRECTORY_PART]	= { op_directory_part, OP_VIEW },
};

static void process(struct store_conn *c)
{
	struct store *st = c->st;
	struct txn *implicit = NULL;
	const struct op *op = NULL;
	struct req r;
	const char *name;
	int err = 0;

	memset(&r, 0, sizeof(r));
	r.st = st;
	r.c = c;
	r.hdr = c->in.hdr;
	r.body = c->in.raw + HDR_SIZE;
	r.len = r.hdr.len;
	r.body[r.len] = '\0';
	r.reply = "OK";
	r.rlen = 3;
	if (r.hdr.type < XS_TYPE_COUNT)
		op = &ops[r.hdr.type];
	if (!op || !op->fn)
		err = ENOSYS;
	else if ((op->flags & OP_PRIV) && !c->priv)
		err = EACCES;
	else if (!(op->flags & OP_NOTX) && r.hdr.tx_id &&
		 r.hdr.type != XS_TRANSACTION_START &&
		 !(r.tx = find_txn(c, r.hdr.tx_id, NULL)))
		err = ENOENT;
	if (!err && (op->flags & OP_VIEW) && !r.tx) {
		implicit = txn_new(st, c, 0, !c->priv);
		r.tx = implicit;
		if (!implicit)
			err = ENOMEM;
	}
	if (!err)
		err = op->fn(&r);
	if (!err && implicit)
		err = -txn_commit(implicit);
	if (!err && r.rlen > XENSTORE_PAYLOAD_MAX)
		err = E2BIG;
	if (err) {
		name = tdm_xs_errname(err);
		queue_msg(c, XS_ERROR, r.hdr.req_id, r.hdr.tx_id, name,
			  strlen(name) + 1, true);
	} else {
		queue_msg(c, r.hdr.type, r.hdr.req_id, r.hdr.tx_id, r.reply,
			  r.rlen, true);
	}
	/* WATCH fires once right away, after its reply. */
	if (!err && r.first_event && !c->dead)
		queue_event(c, r.first_event->path + r.first_event->strip,
			    r.first_event->token);
	txn_free(implicit);
}

int store_conn_input(struct store_conn *c, const void *buf, size_t len)
{
	const char *p = buf;
	uint64_t work;
	char why[64];
	size_t want, n;

	while (len && !c->dead) {
		want = c->in_have < HDR_SIZE ? HDR_SIZE - c->in_have :
		       HDR_SIZE + c->in.hdr.len - c->in_have;
		n = len < want ? len : want;
		memcpy(c->in.raw + c->in_have, p, n);
		c->in_have += n;
		p += n;
		len -= n;
		if (c->in_have == HDR_SIZE &&
		    tdm_xs_check_header(&c->in.hdr) < 0) {
			snprintf(why, sizeof(why), "sent a request of %u "
				 "bytes (the limit is %u)", c->in.hdr.len,
				 XENSTORE_PAYLOAD_MAX);
			store_conn_fail(c, XENSTORE_ERROR_PROTO, why);
			return -EPROTO;
		}
		if (c->in_have < HDR_SIZE ||
		    c->in_have < HDR_SIZE + c->in.hdr.len)
			continue;
		work = c->st->work;
		process(c);
		c->in_have = 0;
		if (rate_limited(c)) {
			refill(c->st, c);
			charge(c, c->st->work - work);
		}
	}
	return c->dead ? -EPROTO : 0;
}
