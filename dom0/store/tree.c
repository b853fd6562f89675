// SPDX-License-Identifier: MIT
/*
 * The committed tree: nodes with a value, permissions and children.
 *
 * Only txn_commit() (and domain clean-up) changes it. Every change gives
 * the node a fresh generation number, and adding or removing a child gives
 * the parent one too, so a transaction can tell whether anything it looked
 * at changed before it commits. The number of nodes each domain owns is
 * kept here for the node quota.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

struct node *tree_new_root(void)
{
	struct node *root = calloc(1, sizeof(*root));

	if (!root)
		return NULL;
	root->name = strdup("");
	root->perm = calloc(1, sizeof(*root->perm));
	if (!root->name || !root->perm) {
		tree_free(root);
		return NULL;
	}
	root->nperm = 1;	/* owned by dom0, nobody else may look */
	root->gen = 1;
	return root;
}

void tree_free(struct node *n)
{
	unsigned int i;

	if (!n)
		return;
	for (i = 0; i < n->nchild; i++)
		tree_free(n->child[i]);
	free(n->child);
	free(n->name);
	free(n->value);
	free(n->perm);
	free(n);
}

struct node *tree_child(const struct node *n, const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < n->nchild; i++)
		if (strncmp(n->child[i]->name, name, len) == 0 &&
		    n->child[i]->name[len] == '\0')
			return n->child[i];
	return NULL;
}

struct node *tree_lookup(struct node *root, const char *path)
{
	struct node *n = root;
	const char *p = path, *end;

	if (*p != '/')
		return NULL;
	while (*p == '/' && n) {
		p++;
		if (!*p)
			break;
		end = strchr(p, '/');
		if (!end)
			end = p + strlen(p);
		n = tree_child(n, p, (size_t)(end - p));
		p = end;
	}
	return n;
}

static int copy_value(char **dst, const char *value, uint32_t len)
{
	char *v = NULL;

	if (len) {
		v = malloc(len);
		if (!v)
			return -ENOMEM;
		memcpy(v, value, len);
	}
	*dst = v;
	return 0;
}

static int copy_perms(struct tdm_xs_perm **dst, const struct tdm_xs_perm *p,
		      unsigned int n)
{
	struct tdm_xs_perm *c = malloc(n * sizeof(*c));

	if (!c)
		return -ENOMEM;
	memcpy(c, p, n * sizeof(*c));
	*dst = c;
	return 0;
}

struct node *tree_add(struct store *st, struct node *parent, const char *name,
		      const char *value, uint32_t len,
		      const struct tdm_xs_perm *perm, unsigned int nperm)
{
	struct node *n, **grown;
	unsigned int cap;

	if (parent->nchild == parent->cap) {
		cap = parent->cap ? parent->cap * 2 : 4;
		grown = realloc(parent->child, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		parent->child = grown;
		parent->cap = cap;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->name = strdup(name);
	if (!n->name || copy_value(&n->value, value, len) ||
	    copy_perms(&n->perm, perm, nperm)) {
		tree_free(n);
		return NULL;
	}
	n->len = len;
	n->nperm = nperm;
	n->parent = parent;
	n->gen = ++*store_gen(st);
	parent->child[parent->nchild++] = n;
	parent->gen = ++*store_gen(st);
	store_count_owner(st, perm[0].domid, 1);
	store_count_work(st, 1);
	return n;
}

int tree_set(struct store *st, struct node *n, const char *value,
	     uint32_t len, const struct tdm_xs_perm *perm, unsigned int nperm,
	     bool set_perm)
{
	struct tdm_xs_perm *p = NULL;
	char *v;

	if (copy_value(&v, value, len))
		return -ENOMEM;
	if (set_perm && copy_perms(&p, perm, nperm)) {
		free(v);
		return -ENOMEM;
	}
	free(n->value);
	n->value = v;
	n->len = len;
	if (set_perm) {
		store_count_owner(st, n->perm[0].domid, -1);
		free(n->perm);
		n->perm = p;
		n->nperm = nperm;
		store_count_owner(st, n->perm[0].domid, 1);
	}
	n->gen = ++*store_gen(st);
	return 0;
}

static void unlink_child(struct node *parent, struct node *n)
{
	unsigned int i;

	for (i = 0; i < parent->nchild; i++) {
		if (parent->child[i] == n) {
			memmove(&parent->child[i], &parent->child[i + 1],
				(parent->nchild - i - 1) * sizeof(n));
			parent->nchild--;
			return;
		}
	}
}

/*
 * Delete below n first, then n: each node's watchers hear about it while
 * its parent and permissions are still there. Watches on the deleted
 * subtree's root (and above) see the root's path; watches inside the
 * subtree see exactly the nodes they are on (as xenstored does).
 */
static void delete_walk(struct store *st, struct node *n, char *path,
			size_t plen, bool top)
{
	struct fire f;
	size_t nlen;

	while (n->nchild) {
		struct node *c = n->child[n->nchild - 1];

		nlen = strlen(c->name);
		if (plen + 1 + nlen <= XENSTORE_ABS_PATH_MAX) {
			size_t at = plen == 1 ? 1 : plen + 1;

			if (plen != 1)
				path[plen] = '/';
			memcpy(path + at, c->name, nlen + 1);
			delete_walk(st, c, path, at + nlen, false);
			path[plen] = '\0';
		} else {
			/* Cannot happen: paths are checked on creation. */
			delete_walk(st, c, path, plen, false);
		}
	}
	memset(&f, 0, sizeof(f));
	f.path = path;
	f.node.p = n->perm;
	f.node.n = n->nperm;
	if (n->parent) {
		f.parent.p = n->parent->perm;
		f.parent.n = n->parent->nperm;
	}
	f.exact = !top;
	store_fire(st, &f);
	if (n->parent) {
		unlink_child(n->parent, n);
		n->parent->gen = ++*store_gen(st);
	}
	store_count_owner(st, n->perm[0].domid, -1);
	store_count_work(st, 1);
	n->nchild = 0;
	tree_free(n);
}

void tree_delete(struct store *st, struct node *n, const char *path)
{
	char buf[XENSTORE_ABS_PATH_MAX + 1];
	size_t len = strlen(path);

	if (!n->parent || len > XENSTORE_ABS_PATH_MAX)
		return;		/* never the root */
	memcpy(buf, path, len + 1);
	delete_walk(st, n, buf, len, true);
}

/* Drop perm entries (after the owner) that name domid. */
static void revoke(struct node *n, unsigned int domid)
{
	unsigned int i, j;

	for (i = j = 1; i < n->nperm; i++)
		if (n->perm[i].domid != domid)
			n->perm[j++] = n->perm[i];
	n->nperm = j;
}

static void forget_walk(struct store *st, struct node *n, char *path,
			size_t plen, unsigned int domid)
{
	unsigned int i = 0;
	size_t nlen, at;
	struct node *c;

	while (i < n->nchild) {
		c = n->child[i];
		nlen = strlen(c->name);
		if (plen + 1 + nlen > XENSTORE_ABS_PATH_MAX) {
			i++;
			continue;
		}
		at = plen == 1 ? 1 : plen + 1;
		if (plen != 1)
			path[plen] = '/';
		memcpy(path + at, c->name, nlen + 1);
		if (c->perm[0].domid == domid) {
			tree_delete(st, c, path);	/* unlinks c */
		} else {
			revoke(c, domid);
			forget_walk(st, c, path, at + nlen, domid);
			i++;
		}
		path[plen] = '\0';
	}
}

void tree_forget_domain(struct store *st, unsigned int domid)
{
	char path[XENSTORE_ABS_PATH_MAX + 1] = "/";
	struct node *root = store_root(st);

	if (domid == 0)
		return;		/* dom0 never goes away */
	revoke(root, domid);
	forget_walk(st, root, path, 1, domid);
}

static int check_walk(struct store *st, struct node *n, unsigned int *count,
		      unsigned int *owned, unsigned int depth)
{
	unsigned int i, j;

	if (depth > XENSTORE_ABS_PATH_MAX / 2 || n->nperm == 0 ||
	    n->nchild > n->cap || (n->len && !n->value))
		return -EIO;
	if (n->perm[0].domid < DOMID_FIRST_RESERVED)
		owned[n->perm[0].domid]++;
	(*count)++;
	for (i = 0; i < n->nchild; i++) {
		if (n->child[i]->parent != n)
			return -EIO;
		for (j = 0; j < i; j++)
			if (!strcmp(n->child[i]->name, n->child[j]->name))
				return -EIO;
		if (check_walk(st, n->child[i], count, owned, depth + 1))
			return -EIO;
	}
	return 0;
}

int tree_check(struct store *st, struct node *root)
{
	unsigned int *owned, count = 0, d;
	int ret = 0;

	owned = calloc(DOMID_FIRST_RESERVED, sizeof(*owned));
	if (!owned)
		return -ENOMEM;
	if (check_walk(st, root, &count, owned, 0))
		ret = -EIO;
	for (d = 0; !ret && d < DOMID_FIRST_RESERVED; d++)
		if (owned[d] != store_owned_nodes(st, d))
			ret = -EIO;
	free(owned);
	return ret;
}
