// SPDX-License-Identifier: MIT
/*
 * Transactions: a private view of the tree.
 *
 * Every request that looks at or changes nodes runs in a transaction: the
 * client's, or an implicit one committed as soon as the request is done
 * (so a failing request changes nothing, and the rules live in one place).
 *
 * A transaction keeps one entry per path it has touched: a copy of the
 * node as first seen (value, permissions, children's names), the
 * committed tree's generation number for it at that moment (GEN_ABSENT
 * if it did not exist), and what the transaction did to it. Paths it has
 * not touched show the committed tree, except below a node it deleted:
 * "wiped" on an entry means the committed subtree under it is gone for
 * this transaction.
 *
 * Commit is optimistic: if any touched path's committed generation moved
 * since it was first seen, another client changed something this
 * transaction depended on, and commit fails with EAGAIN (the client starts
 * again). Otherwise the entries are applied parents first: wiped subtrees
 * are deleted, new nodes created, changed ones updated, and the watches
 * fire as for changes made outside a transaction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

#define HASH_MIN	32

#define FNV_OFFSET	2166136261u
#define FNV_PRIME	16777619u

static unsigned int hash_str(const char *s)
{
	unsigned int h = FNV_OFFSET;

	while (*s)
		h = (h ^ (unsigned char)*s++) * FNV_PRIME;
	return h;
}

/*
 * The levels of a path: level 0 is "/", level i the first i components,
 * the last level the path itself; with each prefix's length and hash, all
 * found in one pass. Lookups along a path then cost O(length), not
 * O(length * depth): paths may be a thousand levels deep.
 */
#define MAX_LEVELS	(XENSTORE_ABS_PATH_MAX / 2 + 2)

struct levels {
	unsigned int n;
	uint16_t end[MAX_LEVELS];
	unsigned int hash[MAX_LEVELS];
};

static void levels_of(const char *path, struct levels *lv)
{
	unsigned int h = FNV_OFFSET;
	size_t i;

	lv->n = 0;
	for (i = 0; path[i] && lv->n < MAX_LEVELS - 1; i++) {
		if (path[i] == '/' && i > 0) {
			lv->end[lv->n] = (uint16_t)i;
			lv->hash[lv->n++] = h;
		}
		h = (h ^ (unsigned char)path[i]) * FNV_PRIME;
		if (i == 0) {
			lv->end[0] = 1;
			lv->hash[0] = h;
			lv->n = 1;
		}
	}
	if (i > 1) {
		lv->end[lv->n] = (uint16_t)i;
		lv->hash[lv->n++] = h;
	}
}

struct txn *txn_new(struct store *st, struct store_conn *c, uint32_t id,
		    bool limited)
{
	struct txn *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->hash = calloc(HASH_MIN, sizeof(*t->hash));
	if (!t->hash) {
		free(t);
		return NULL;
	}
	t->hsize = HASH_MIN;
	t->st = st;
	t->conn = c;
	t->id = id;
	t->limited = limited;
	return t;
}

static void kids_free(struct txe *e)
{
	unsigned int i;

	for (i = 0; i < e->nkids; i++)
		free(e->kids[i]);
	free(e->kids);
	e->kids = NULL;
	e->nkids = e->kcap = 0;
}

static void txe_free(struct txe *e)
{
	kids_free(e);
	free(e->path);
	free(e->value);
	free(e->perm);
	free(e);
}

void txn_free(struct txn *t)
{
	struct txe *e, *next;

	if (!t)
		return;
	for (e = t->list; e; e = next) {
		next = e->lnext;
		txe_free(e);
	}
	free(t->hash);
	free(t);
}

/* The entry for the first len bytes of path, whose hash is h. */
static struct txe *find_len(struct txn *t, const char *path, size_t len,
			    unsigned int h)
{
	struct txe *e;

	for (e = t->hash[h & (t->hsize - 1)]; e; e = e->hnext)
		if (!strncmp(e->path, path, len) && e->path[len] == '\0')
			return e;
	return NULL;
}

static struct txe *find_level(struct txn *t, const char *path,
			      const struct levels *lv, unsigned int l)
{
	return find_len(t, path, lv->end[l], lv->hash[l]);
}

static void grow_hash(struct txn *t)
{
	unsigned int size = t->hsize * 2, h;
	struct txe **hash, *e;

	hash = calloc(size, sizeof(*hash));
	if (!hash)
		return;		/* longer chains, still correct */
	for (e = t->list; e; e = e->lnext) {
		h = hash_str(e->path) & (size - 1);
		e->hnext = hash[h];
		hash[h] = e;
	}
	free(t->hash);
	t->hash = hash;
	t->hsize = size;
}

size_t txe_size(const struct txe *e)
{
	size_t size = NODE_HDR_SIZE + e->nperm * PERM_ENTRY_SIZE + e->len;
	unsigned int i;

	for (i = 0; i < e->nkids; i++)
		size += strlen(e->kids[i]) + 1;
	return size;
}

/* Keep the transaction's memory in bounds (tx_bytes) for guests. */
static int account(struct txn *t, struct txe *e)
{
	size_t now = strlen(e->path) + txe_size(e) + sizeof(*e) +
		     e->nkids * sizeof(char *);

	t->bytes += now - e->bytes;
	e->bytes = now;
	if (t->limited && t->bytes > store_quotas(t->st)->tx_bytes)
		return -ENOSPC;
	return 0;
}

static int kid_add(struct txe *e, const char *name)
{
	char **grown, *copy;
	unsigned int cap;

	if (e->nkids == e->kcap) {
		cap = e->kcap ? e->kcap * 2 : 4;
		grown = realloc(e->kids, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		e->kids = grown;
		e->kcap = cap;
	}
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	e->kids[e->nkids++] = copy;
	e->kids_changed = true;
	return 0;
}

static void kid_remove(struct txe *e, const char *name)
{
	unsigned int i;

	for (i = 0; i < e->nkids; i++) {
		if (!strcmp(e->kids[i], name)) {
			free(e->kids[i]);
			memmove(&e->kids[i], &e->kids[i + 1],
				(e->nkids - i - 1) * sizeof(char *));
			e->nkids--;
			e->kids_changed = true;
			return;
		}
	}
}

/* The copy of a committed node an entry starts from. */
static int load(struct txe *e, const struct node *n)
{
	unsigned int i;

	if (n->len) {
		e->value = malloc(n->len);
		if (!e->value)
			return -ENOMEM;
		memcpy(e->value, n->value, n->len);
	}
	e->len = n->len;
	e->perm = malloc(n->nperm * sizeof(*e->perm));
	if (!e->perm)
		return -ENOMEM;
	memcpy(e->perm, n->perm, n->nperm * sizeof(*e->perm));
	e->nperm = n->nperm;
	for (i = 0; i < n->nchild; i++)
		if (kid_add(e, n->child[i]->name))
			return -ENOMEM;
	e->kids_changed = false;
	return 0;
}

/*
 * Is the committed tree hidden at level l of a path in this transaction?
 * Yes if the nearest ancestor it has an entry for was deleted or wiped by
 * it (entries below such an entry are all wiped or deleted themselves).
 */
static bool hidden_at(struct txn *t, const char *path,
		      const struct levels *lv, unsigned int l)
{
	struct txe *a;

	if (!t->has_hiding)
		return false;
	while (l-- > 0) {
		a = find_level(t, path, lv, l);
		if (a)
			return !a->exists || a->wiped;
	}
	return false;
}

int txn_get(struct txn *t, const char *path, struct txe **out)
{
	struct levels lv;
	const struct node *n;
	unsigned int h;
	struct txe *e;
	int err;

	levels_of(path, &lv);
	h = lv.hash[lv.n - 1];
	e = find_len(t, path, lv.end[lv.n - 1], h);
	if (e) {
		*out = e;
		return 0;
	}
	if (t->limited && t->n >= store_quotas(t->st)->tx_nodes)
		return -ENOSPC;
	e = calloc(1, sizeof(*e));
	if (!e)
		goto nomem;
	e->path = strdup(path);
	if (!e->path)
		goto nomem;
	n = tree_lookup(store_root(t->st), path);
	e->base = n ? n->gen : GEN_ABSENT;
	if (n && !hidden_at(t, path, &lv, lv.n - 1)) {
		e->exists = true;
		if (load(e, n))
			goto nomem;
	} else if (n) {
		e->wiped = true;	/* hidden by a deletion of ours */
	}
	if (t->n >= t->hsize * 2)
		grow_hash(t);
	e->hnext = t->hash[h & (t->hsize - 1)];
	t->hash[h & (t->hsize - 1)] = e;
	if (t->last)
		t->last->lnext = e;
	else
		t->list = e;
	t->last = e;
	t->n++;
	store_count_work(t->st, 1);
	err = account(t, e);
	*out = e;
	return err;
nomem:
	if (e)
		txe_free(e);
	t->failed = true;
	return -ENOMEM;
}

int txn_nearest(struct txn *t, const char *path, struct txe **out)
{
	char buf[XENSTORE_ABS_PATH_MAX + 1];
	const struct node *n = store_root(t->st);
	bool hidden[MAX_LEVELS], cur = false;
	unsigned int l, committed = 0;
	struct levels lv;
	struct txe *e;

	levels_of(path, &lv);
	/* How deep the committed tree goes along path. */
	for (l = 1; l + 1 < lv.n && n; l++) {
		/* Level l's component: after the '/' that ends level l - 1. */
		size_t start = l == 1 ? 1 : lv.end[l - 1] + 1;

		n = tree_child(n, path + start, lv.end[l] - start);
		if (n)
			committed = l;
	}
	/* Where our deletions hide it (see hidden_at), in one pass. */
	for (l = 0; l < lv.n; l++) {
		hidden[l] = cur;
		if (t->has_hiding && (e = find_level(t, path, &lv, l)))
			cur = !e->exists || e->wiped;
	}
	for (l = lv.n - 1; l-- > 0;) {
		e = find_level(t, path, &lv, l);
		if (e && e->exists) {
			*out = e;
			return 0;
		}
		if (!e && !hidden[l] && l <= committed) {
			memcpy(buf, path, lv.end[l]);
			buf[lv.end[l]] = '\0';
			return txn_get(t, buf, out);
		}
	}
	return -EIO;		/* the root always exists */
}

static const char *base_name(const char *path)
{
	return strrchr(path, '/') + 1;
}

/* The parent of a valid path other than "/", into buf. */
static void parent_path(const char *path, char *buf)
{
	size_t len = (size_t)(strrchr(path, '/') - path);

	if (len == 0)
		len = 1;
	memcpy(buf, path, len);
	buf[len] = '\0';
}

int txn_create(struct txn *t, struct txe *parent, const char *path,
	       const char *value, uint32_t len,
	       const struct tdm_xs_perm *perm, unsigned int nperm, bool fire,
	       struct txe **out)
{
	struct tdm_xs_perm *p;
	struct txe *e;
	char *v = NULL;
	int err;

	err = txn_get(t, path, &e);
	if (err)
		return err;
	if (e->exists)
		return -EEXIST;
	p = malloc(nperm * sizeof(*p));
	if (len)
		v = malloc(len);
	if (!p || (len && !v)) {
		free(p);
		free(v);
		t->failed = true;
		return -ENOMEM;
	}
	if (kid_add(parent, base_name(path))) {
		free(p);
		free(v);
		t->failed = true;
		return -ENOMEM;
	}
	memcpy(p, perm, nperm * sizeof(*p));
	if (len)
		memcpy(v, value, len);
	free(e->perm);
	free(e->value);
	kids_free(e);
	e->perm = p;
	e->nperm = nperm;
	e->value = v;
	e->len = len;
	e->exists = true;
	e->dirty = true;
	e->fire |= fire;
	/* An earlier deletion of ours keeps the committed subtree hidden. */
	e->wiped = e->wiped || parent->wiped;
	if (!store_conn_privileged(t->conn) &&
	    perm[0].domid == store_conn_domid(t->conn))
		t->created++;
	*out = e;
	err = account(t, parent);
	return err ? err : account(t, e);
}

int txn_set_value(struct txn *t, struct txe *e, const char *value,
		  uint32_t len)
{
	char *v = NULL;

	if (len) {
		v = malloc(len);
		if (!v) {
			t->failed = true;
			return -ENOMEM;
		}
		memcpy(v, value, len);
	}
	free(e->value);
	e->value = v;
	e->len = len;
	e->dirty = true;
	e->fire = true;
	return account(t, e);
}

int txn_set_perms(struct txn *t, struct txe *e,
		  const struct tdm_xs_perm *perm, unsigned int nperm)
{
	struct tdm_xs_perm *p = malloc(nperm * sizeof(*p));

	if (!p) {
		t->failed = true;
		return -ENOMEM;
	}
	memcpy(p, perm, nperm * sizeof(*p));
	free(e->perm);
	e->perm = p;
	e->nperm = nperm;
	e->dirty = true;
	e->fire = true;
	return account(t, e);
}

/* Is path equal to or below dir? */
static bool below(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	if (len == 1)
		return true;
	return !strncmp(path, dir, len) &&
	       (path[len] == '/' || path[len] == '\0');
}

int txn_delete(struct txn *t, struct txe *parent, struct txe *e)
{
	struct txe *i;

	/* e and every entry below it: gone, and the committed subtree too. */
	t->has_hiding = true;
	for (i = t->list; i; i = i->lnext) {
		if (!below(i->path, e->path))
			continue;
		i->exists = false;
		i->wiped = true;
		i->dirty = false;
		i->fire = false;	/* the deletion fires for them */
		free(i->value);
		i->value = NULL;
		i->len = 0;
		kids_free(i);
		account(t, i);
	}
	kid_remove(parent, base_name(e->path));
	return account(t, parent);
}

static unsigned int depth(const char *path)
{
	unsigned int d = 0;

	for (; *path; path++)
		d += *path == '/';
	return d;
}

static int by_depth(const void *a, const void *b)
{
	const struct txe *x = *(const struct txe *const *)a;
	const struct txe *y = *(const struct txe *const *)b;
	unsigned int dx = depth(x->path), dy = depth(y->path);

	return dx < dy ? -1 : dx > dy;
}

static void fire_change(struct store *st, const char *path,
			const struct node *n, const struct perms *old)
{
	struct fire f;

	memset(&f, 0, sizeof(f));
	f.path = path;
	f.node.p = n->perm;
	f.node.n = n->nperm;
	if (old)
		f.old = *old;
	if (n->parent) {
		f.parent.p = n->parent->perm;
		f.parent.n = n->parent->nperm;
	}
	store_fire(st, &f);
}

/* Apply one entry to the committed tree. */
static int apply(struct txn *t, struct txe *e)
{
	struct node *root = store_root(t->st), *n, *parent;
	char buf[XENSTORE_ABS_PATH_MAX + 1];
	struct tdm_xs_perm *old_p = NULL;
	struct perms old;
	int err;

	n = tree_lookup(root, e->path);
	if (e->wiped && n && n != root) {
		tree_delete(t->st, n, e->path);
		n = NULL;
	}
	if (!e->exists)
		return 0;
	if (!n) {
		parent_path(e->path, buf);
		parent = tree_lookup(root, buf);
		if (!parent)
			return -EIO;	/* parents come first: cannot be */
		n = tree_add(t->st, parent, base_name(e->path), e->value,
			     e->len, e->perm, e->nperm);
		if (!n)
			return -ENOMEM;
		if (e->fire)
			fire_change(t->st, e->path, n, NULL);
		return 0;
	}
	if (!e->dirty)
		return 0;
	old_p = malloc(n->nperm * sizeof(*old_p));
	if (!old_p)
		return -ENOMEM;
	memcpy(old_p, n->perm, n->nperm * sizeof(*old_p));
	old.p = old_p;
	old.n = n->nperm;
	err = tree_set(t->st, n, e->value, e->len, e->perm, e->nperm, true);
	if (!err && e->fire)
		fire_change(t->st, e->path, n, &old);
	free(old_p);
	return err;
}

/*
 * Children are created in commit order (parents first); put them back in
 * the order the transaction created them, as its view listed them.
 */
static void reorder_kids(struct txn *t, const struct txe *e)
{
	struct node *n = tree_lookup(store_root(t->st), e->path), *tmp;
	unsigned int i, j;

	if (!n || n->nchild != e->nkids)
		return;		/* cannot be: the view is what was applied */
	for (i = 0; i < e->nkids; i++) {
		for (j = i; j < n->nchild; j++)
			if (!strcmp(n->child[j]->name, e->kids[i]))
				break;
		if (j == n->nchild || j == i)
			continue;
		tmp = n->child[i];
		n->child[i] = n->child[j];
		n->child[j] = tmp;
	}
}

int txn_commit(struct txn *t)
{
	const struct store_quotas *q = store_quotas(t->st);
	struct node *root = store_root(t->st), *n;
	struct txe **order, *e;
	unsigned int i, k = 0, domid;
	bool changes = false;
	int err = 0;

	if (t->failed)
		return -ENOMEM;
	for (e = t->list; e; e = e->lnext) {
		n = tree_lookup(root, e->path);
		if ((n ? n->gen : GEN_ABSENT) != e->base)
			return -EAGAIN;
		changes |= e->dirty || e->wiped;
	}
	if (!changes)
		return 0;
	domid = store_conn_domid(t->conn);
	if (!store_conn_privileged(t->conn) && t->created &&
	    store_owned_nodes(t->st, domid) + t->created > q->nodes)
		return -ENOSPC;
	order = malloc(t->n * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (e = t->list; e; e = e->lnext)
		order[k++] = e;
	qsort(order, k, sizeof(*order), by_depth);
	for (i = 0; i < k && !err; i++)
		err = apply(t, order[i]);
	for (i = 0; i < k && !err; i++)
		if (order[i]->exists && order[i]->kids_changed)
			reorder_kids(t, order[i]);
	free(order);
	if (err)
		store_log(t->st, LOG_ERR, "commit of a transaction of %s "
			  "stopped half-way (out of memory)",
			  store_conn_label(t->conn));
	return err;
}
