// SPDX-License-Identifier: MIT
/*
 * Host test for the store daemon's core (dom0/store): the tree, paths,
 * permissions, transactions, watches, quotas, domains, the guest ring
 * transport and hostile input. Connections are driven directly through
 * the core's byte interface, as the daemon's transports do; a fake clock
 * and fake introduce/release hooks stand in for the hypervisor.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtandem/ring.h>
#include <libtandem/xs_proto.h>

#include "store.h"
#include "store_ring.h"

#include "check.h"

#define HDR	sizeof(struct xsd_sockmsg)

struct msg {
	struct xsd_sockmsg hdr;
	char body[XENSTORE_PAYLOAD_MAX + 1];
};

struct peer {
	struct store_conn *c;
	struct msg ev[64];		/* watch events received */
	unsigned int nev;
	unsigned int lost;		/* events beyond ev[] */
};

static struct store *st;
static uint64_t fake_now = 1000;
static uint32_t next_req = 1;
static unsigned int logged_warnings;
static bool dead_domain[DOMID_FIRST_RESERVED];
static unsigned int released;
static char last_log[512];

static uint64_t fake_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

static void fake_log(void *ctx, int level, const char *msg)
{
	(void)ctx;
	if (level <= LOG_WARNING)
		logged_warnings++;
	snprintf(last_log, sizeof(last_log), "%s", msg);
}

static bool fake_exists(void *ctx, unsigned int domid)
{
	(void)ctx;
	return !dead_domain[domid];
}

static int fake_introduce(void *ctx, struct store *s, unsigned int domid,
			  uint64_t mfn, uint32_t port, struct store_conn **out)
{
	char label[16];

	(void)ctx;
	(void)mfn;
	if (port == 999)
		return -EINVAL;		/* "the bind failed" */
	snprintf(label, sizeof(label), "dom%u", domid);
	*out = store_conn_new(s, domid, STORE_CONN_DOMAIN, label);
	return *out ? 0 : -ENOMEM;
}

static void fake_release(void *ctx, struct store_conn *c)
{
	(void)ctx;
	(void)c;
	released++;
}

static void new_store(const struct store_quotas *q)
{
	struct store_hooks h = {
		.introduce = fake_introduce,
		.release = fake_release,
		.domain_exists = fake_exists,
		.now_ms = fake_clock,
		.log = fake_log,
	};

	store_free(st);
	st = store_new(q, &h);
}

/* Collect everything the store sent to p; the reply to req_id in *out. */
static bool drain(struct peer *p, uint32_t req_id, struct msg *out)
{
	const void *data;
	struct msg m;
	bool got = false;
	size_t n;

	while ((n = store_conn_output(p->c, &data)) > 0) {
		if (n < HDR || n > sizeof(m))
			return false;
		memcpy(&m, data, n);
		m.body[m.hdr.len] = '\0';
		store_conn_output_done(p->c, n);
		if (m.hdr.type == XS_WATCH_EVENT) {
			if (p->nev < 64)
				p->ev[p->nev++] = m;
			else
				p->lost++;
		} else if (m.hdr.req_id == req_id && out) {
			*out = m;
			got = true;
		}
	}
	return got;
}

/* Send one request; its reply payload in *out; 0 or -errno of XS_ERROR. */
static int request(struct peer *p, uint32_t type, uint32_t tx,
		   const void *payload, size_t len, struct msg *out)
{
	static struct msg reply;
	struct xsd_sockmsg h = {
		.type = type, .req_id = next_req++, .tx_id = tx,
		.len = (uint32_t)len,
	};

	if (!out)
		out = &reply;
	memset(&out->hdr, 0, sizeof(out->hdr));
	if (store_conn_input(p->c, &h, HDR) < 0 ||
	    (len && store_conn_input(p->c, payload, len) < 0))
		return -EPIPE;
	if (!drain(p, h.req_id, out))
		return -ENODATA;
	if (out->hdr.type == XS_ERROR)
		return -tdm_xs_errnum(out->body, strlen(out->body));
	return out->hdr.type == type ? 0 : -EPROTO;
}

/* Payload helpers: NUL-joined strings. */
static size_t join(char *buf, int n, ...)
{
	size_t used = 0, len;
	const char *s;
	va_list ap;

	va_start(ap, n);
	while (n--) {
		s = va_arg(ap, const char *);
		len = strlen(s) + 1;
		memcpy(buf + used, s, len);
		used += len;
	}
	va_end(ap);
	return used;
}

static int x_write(struct peer *p, uint32_t tx, const char *path,
		   const char *value)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t n = join(buf, 1, path);

	memcpy(buf + n, value, strlen(value));
	return request(p, XS_WRITE, tx, buf, n + strlen(value), NULL);
}

static int x_path(struct peer *p, uint32_t type, uint32_t tx,
		  const char *path, struct msg *out)
{
	return request(p, type, tx, path, strlen(path) + 1, out);
}

/* READ, with the value compared to want (NULL: just the result). */
static int x_read(struct peer *p, uint32_t tx, const char *path,
		  const char *want)
{
	struct msg m;
	int r = x_path(p, XS_READ, tx, path, &m);

	if (r == 0 && want && (m.hdr.len != strlen(want) ||
			       memcmp(m.body, want, m.hdr.len)))
		return -EILSEQ;
	return r;
}

/* DIRECTORY as one comma-separated string. */
static int x_dir(struct peer *p, uint32_t tx, const char *path, char *list)
{
	struct msg m;
	int r = x_path(p, XS_DIRECTORY, tx, path, &m);
	uint32_t i;

	list[0] = '\0';
	if (r)
		return r;
	for (i = 0; i < m.hdr.len; i++)
		list[i] = m.body[i] ? m.body[i] : ',';
	list[m.hdr.len ? m.hdr.len - 1 : 0] = '\0';
	return 0;
}

static int x_set_perms(struct peer *p, uint32_t tx, const char *path,
		       const char *p1, const char *p2, const char *p3)
{
	char buf[256];
	size_t n = join(buf, 2, path, p1);

	if (p2)
		n += join(buf + n, 1, p2);
	if (p3)
		n += join(buf + n, 1, p3);
	return request(p, XS_SET_PERMS, tx, buf, n, NULL);
}

static int x_get_perms(struct peer *p, const char *path, char *list)
{
	struct msg m;
	int r = x_path(p, XS_GET_PERMS, 0, path, &m);
	uint32_t i;

	list[0] = '\0';
	if (r)
		return r;
	for (i = 0; i < m.hdr.len; i++)
		list[i] = m.body[i] ? m.body[i] : ',';
	list[m.hdr.len - 1] = '\0';
	return 0;
}

static int x_watch(struct peer *p, uint32_t type, const char *path,
		   const char *token)
{
	char buf[XENSTORE_PAYLOAD_MAX];

	return request(p, type, 0, buf, join(buf, 2, path, token), NULL);
}

static int x_tx_start(struct peer *p, uint32_t *tx)
{
	unsigned long long id;
	struct msg m;
	int r = request(p, XS_TRANSACTION_START, 0, "", 1, &m);

	if (r)
		return r;
	if (tdm_xs_parse_uint(m.body, UINT32_MAX, &id))
		return -EBADMSG;
	*tx = (uint32_t)id;
	return 0;
}

static int x_tx_end(struct peer *p, uint32_t tx, bool commit)
{
	return request(p, XS_TRANSACTION_END, tx, commit ? "T" : "F", 2, NULL);
}

/* Did p get an event for path with token (and forget it)? */
static bool got_event(struct peer *p, const char *path, const char *token)
{
	unsigned int i;

	drain(p, 0, NULL);
	for (i = 0; i < p->nev; i++) {
		if (!strcmp(p->ev[i].body, path) &&
		    !strcmp(p->ev[i].body + strlen(path) + 1, token)) {
			p->ev[i] = p->ev[--p->nev];
			return true;
		}
	}
	return false;
}

static void clear_events(struct peer *p)
{
	drain(p, 0, NULL);
	p->nev = 0;
	p->lost = 0;
}

static struct peer dom0, g5, g6;

/* A store with dom0 (socket) and guests 5 and 6 set up like a toolstack. */
static void setup(const struct store_quotas *q)
{
	char perms5[8] = "n5", perms6[8] = "n6";

	new_store(q);
	memset(&dom0, 0, sizeof(dom0));
	memset(&g5, 0, sizeof(g5));
	memset(&g6, 0, sizeof(g6));
	dom0.c = store_conn_new(st, 0, STORE_CONN_PRIV, "dom0 tool");
	x_path(&dom0, XS_MKDIR, 0, "/local/domain/5", NULL);
	x_path(&dom0, XS_MKDIR, 0, "/local/domain/6", NULL);
	x_set_perms(&dom0, 0, "/local/domain/5", perms5, NULL, NULL);
	x_set_perms(&dom0, 0, "/local/domain/6", perms6, NULL, NULL);
	x_write(&dom0, 0, "/local/domain/5/name", "five");
	x_write(&dom0, 0, "/local/domain/6/name", "six");
	request(&dom0, XS_INTRODUCE, 0, "5\0" "100\0" "7", 8, NULL);
	request(&dom0, XS_INTRODUCE, 0, "6\0" "101\0" "8", 8, NULL);
	g5.c = store_domain_conn(st, 5);
	g6.c = store_domain_conn(st, 6);
}

static void basics(void)
{
	unsigned int f0 = check_failures();
	char list[4200];
	struct msg m;

	setup(NULL);
	CHECK(g5.c && g6.c, "guests 5 and 6 introduced");
	CHECK_EQ(x_write(&dom0, 0, "/a/b/c", "hello"), 0, "write /a/b/c");
	CHECK_EQ(x_read(&dom0, 0, "/a/b/c", "hello"), 0, "read it back");
	CHECK_EQ(x_read(&dom0, 0, "/a/b", ""), 0,
		 "parents were created empty");
	CHECK_EQ(x_write(&dom0, 0, "/a/b/c", ""), 0, "write an empty value");
	CHECK_EQ(x_read(&dom0, 0, "/a/b/c", ""), 0, "read it back empty");
	CHECK_EQ(x_read(&dom0, 0, "/a/nothing", NULL), -ENOENT,
		 "read a missing node: ENOENT");
	CHECK_EQ(x_path(&dom0, XS_MKDIR, 0, "/a/d", NULL), 0, "mkdir /a/d");
	CHECK_EQ(x_write(&dom0, 0, "/a/e", "v"), 0, "write /a/e");
	CHECK_EQ(x_path(&dom0, XS_MKDIR, 0, "/a/e", NULL), 0,
		 "mkdir of an existing node");
	CHECK_EQ(x_read(&dom0, 0, "/a/e", "v"), 0, "keeps its value");
	CHECK_EQ(x_dir(&dom0, 0, "/a", list), 0, "directory /a");
	CHECK(!strcmp(list, "b,d,e"), "children b,d,e (got %s)", list);
	CHECK_EQ(x_dir(&dom0, 0, "/a/e", list), 0, "directory of a leaf");
	CHECK(!strcmp(list, ""), "has no children");
	CHECK_EQ(x_path(&dom0, XS_RM, 0, "/a/b", NULL), 0, "rm /a/b");
	CHECK_EQ(x_read(&dom0, 0, "/a/b/c", NULL), -ENOENT,
		 "its child went with it");
	CHECK_EQ(x_path(&dom0, XS_RM, 0, "/a/b", NULL), 0,
		 "rm of a missing node whose parent exists: fine");
	CHECK_EQ(x_path(&dom0, XS_RM, 0, "/a/b/c", NULL), -ENOENT,
		 "rm with the parent missing too: ENOENT");
	CHECK_EQ(x_path(&dom0, XS_RM, 0, "/", NULL), -EINVAL,
		 "rm / : EINVAL");
	{
		char v[5] = { 'a', 0, 'b', (char)0xff, 0 };
		char buf[64];
		size_t n = join(buf, 1, "/bin");

		memcpy(buf + n, v, 4);
		CHECK_EQ(request(&dom0, XS_WRITE, 0, buf, n + 4, NULL), 0,
			 "write binary");
		CHECK_EQ(x_path(&dom0, XS_READ, 0, "/bin", &m), 0, "read it");
		CHECK(m.hdr.len == 4 && !memcmp(m.body, v, 4),
		      "binary value intact");
	}
	CHECK_EQ(x_path(&dom0, XS_GET_DOMAIN_PATH, 0, "7", &m), 0,
		 "GET_DOMAIN_PATH 7");
	CHECK(!strcmp(m.body, "/local/domain/7"), "is /local/domain/7");
	CHECK_EQ(x_path(&g5, XS_GET_DOMAIN_PATH, 0, "x", NULL), -EINVAL,
		 "GET_DOMAIN_PATH x: EINVAL");
	/* Relative paths are below the domain's home. */
	CHECK_EQ(x_write(&g5, 0, "data/x", "1"), 0, "guest writes data/x");
	CHECK_EQ(x_read(&dom0, 0, "/local/domain/5/data/x", "1"), 0,
		 "it is /local/domain/5/data/x");
	CHECK_EQ(x_read(&dom0, 0, "local/domain", NULL), -ENOENT,
		 "dom0's relative paths are below /local/domain/0");
	CHECK_EQ(store_check(st), 0, "tree consistent");
	check_section(f0, "basics");
}

static void path_rules(void)
{
	static char p[XENSTORE_ABS_PATH_MAX + 64];
	unsigned int f0 = check_failures();
	size_t n;

	setup(NULL);
	CHECK_EQ(x_write(&dom0, 0, "/a//b", "x"), -EINVAL, "// : EINVAL");
	CHECK_EQ(x_write(&dom0, 0, "/a/", "x"), -EINVAL, "trailing /");
	CHECK_EQ(x_write(&dom0, 0, "/a/../b", "x"), -EINVAL, "..");
	CHECK_EQ(x_write(&dom0, 0, "/a b", "x"), -EINVAL, "space");
	CHECK_EQ(x_write(&g5, 0, "../6/name", "x"), -EINVAL,
		 "no escaping the home with ..");
	CHECK_EQ(x_write(&dom0, 0, "", "x"), -EINVAL, "empty path");
	CHECK_EQ(x_read(&dom0, 0, "@releaseDomain", NULL), -EINVAL,
		 "special names are not nodes");
	/* 2048 bytes below /local/domain/5/ are fine, 2049 are not. */
	n = (size_t)snprintf(p, sizeof(p), "/local/domain/5/");
	memset(p + n, 'x', 2048);
	p[n + 2048] = '\0';
	CHECK_EQ(x_write(&dom0, 0, p, "1"), 0, "2048 bytes below a home");
	p[n + 2048] = 'x';
	p[n + 2049] = '\0';
	CHECK_EQ(x_write(&dom0, 0, p, "1"), -EINVAL, "2049 bytes: EINVAL");
	memset(p, 'y', 2050);
	p[0] = '/';
	p[2049] = '\0';
	CHECK_EQ(x_write(&dom0, 0, p, "1"), -EINVAL,
		 "2049-byte path elsewhere: EINVAL");
	p[2048] = '\0';
	CHECK_EQ(x_write(&dom0, 0, p, "1"), 0, "2048-byte path elsewhere");
	check_section(f0, "path rules");
}

static void permissions(void)
{
	unsigned int f0 = check_failures();
	char list[256];

	setup(NULL);
	CHECK_EQ(x_read(&g5, 0, "/local/domain/5/name", "five"), 0,
		 "a guest reads its own home");
	CHECK_EQ(x_write(&g5, 0, "/local/domain/5/x", "1"), 0,
		 "and writes below it");
	CHECK_EQ(x_read(&g5, 0, "/local/domain/6/name", NULL), -EACCES,
		 "but not another guest's home");
	CHECK_EQ(x_write(&g5, 0, "/local/domain/6/x", "1"), -EACCES,
		 "nor writes there");
	CHECK_EQ(x_read(&g5, 0, "/local/domain/6/nothing", NULL), -EACCES,
		 "missing nodes in a hidden place: EACCES, not ENOENT");
	CHECK_EQ(x_read(&g5, 0, "/local/domain/5/nothing", NULL), -ENOENT,
		 "missing nodes in its home: ENOENT");
	CHECK_EQ(x_dir(&g5, 0, "/", list), -EACCES, "cannot list /");
	CHECK_EQ(x_dir(&g5, 0, "/local/domain", list), -EACCES,
		 "cannot list /local/domain");
	CHECK_EQ(x_write(&g5, 0, "/evil", "1"), -EACCES,
		 "cannot create at the top");
	CHECK_EQ(x_path(&g5, XS_RM, 0, "/local/domain/6", NULL), -EACCES,
		 "cannot remove another home");
	CHECK_EQ(x_path(&g5, XS_RM, 0, "/local", NULL), -EACCES,
		 "cannot remove /local");
	CHECK_EQ(x_get_perms(&g5, "/local/domain/5/x", list), 0,
		 "perms of a node the guest created");
	CHECK(!strcmp(list, "n5"), "owned by the guest (got %s)", list);
	CHECK_EQ(x_get_perms(&dom0, "/local/domain/5/name", list), 0,
		 "perms of a node dom0 created in the home");
	CHECK(!strcmp(list, "n5"), "inherited from the home: n5 (got %s)",
	      list);
	x_write(&dom0, 0, "/local/domain/5/private", "p");
	CHECK_EQ(x_set_perms(&dom0, 0, "/local/domain/5/private", "n0", NULL,
			     NULL), 0, "dom0 takes a node of the home");
	CHECK_EQ(x_read(&g5, 0, "/local/domain/5/private", NULL), -EACCES,
		 "the guest cannot read it then");
	CHECK_EQ(x_path(&g5, XS_RM, 0, "/local/domain/5/private", NULL),
		 -EACCES, "nor remove it");

	/* Grants. */
	CHECK_EQ(x_write(&dom0, 0, "/shared/v", "s"), 0, "dom0: /shared/v");
	CHECK_EQ(x_set_perms(&dom0, 0, "/shared/v", "n0", "r6", NULL), 0,
		 "grant read to dom6");
	CHECK_EQ(x_read(&g6, 0, "/shared/v", "s"), 0, "dom6 reads it");
	CHECK_EQ(x_write(&g6, 0, "/shared/v", "t"), -EACCES,
		 "but cannot write");
	CHECK_EQ(x_read(&g5, 0, "/shared/v", NULL), -EACCES,
		 "dom5 cannot read");
	CHECK_EQ(x_set_perms(&dom0, 0, "/shared/v", "r0", "b6", NULL), 0,
		 "everyone reads, dom6 both");
	CHECK_EQ(x_read(&g5, 0, "/shared/v", "s"), 0, "dom5 reads now");
	CHECK_EQ(x_write(&g6, 0, "/shared/v", "t"), 0, "dom6 writes now");
	CHECK_EQ(x_set_perms(&g6, 0, "/shared/v", "r0", "b5", NULL), -EACCES,
		 "a writer who is not the owner cannot change perms");
	CHECK_EQ(x_set_perms(&g5, 0, "/local/domain/5/x", "n6", NULL, NULL),
		 -EPERM, "a guest cannot give its node away");
	CHECK_EQ(x_set_perms(&g5, 0, "/local/domain/5/x", "r5", "b6", NULL),
		 0, "but can share it");
	CHECK_EQ(x_write(&g6, 0, "/local/domain/5/x", "from6"), 0,
		 "and dom6 can write it then");
	CHECK_EQ(x_set_perms(&dom0, 0, "/shared/v", "q0", NULL, NULL),
		 -EINVAL, "bad perm letter: EINVAL");
	CHECK_EQ(x_set_perms(&dom0, 0, "/shared/v", "r99999", NULL, NULL),
		 -EINVAL, "bad domid: EINVAL");
	CHECK_EQ(request(&dom0, XS_SET_PERMS, 0, "/shared/v", 10, NULL),
		 -EINVAL, "no perms at all: EINVAL");
	dead_domain[44] = true;
	CHECK_EQ(x_set_perms(&dom0, 0, "/shared/v", "n44", NULL, NULL),
		 -ENOENT, "owner that does not exist: ENOENT");
	CHECK_EQ(x_set_perms(&dom0, 0, "/shared/v", "n0", "r44", "r6"), 0,
		 "grants to a missing domain are dropped");
	CHECK_EQ(x_get_perms(&dom0, "/shared/v", list), 0, "get them");
	CHECK(!strcmp(list, "n0,r6"), "n0,r6 (got %s)", list);
	dead_domain[44] = false;

	/* Inheritance: new nodes copy their parent's perms. */
	CHECK_EQ(x_set_perms(&dom0, 0, "/local/domain/5", "n5", "r0", "r6"),
		 0, "home of 5 readable by dom6");
	CHECK_EQ(x_write(&g5, 0, "new/node", "1"), 0, "guest creates a node");
	CHECK_EQ(x_get_perms(&dom0, "/local/domain/5/new/node", list), 0,
		 "its perms");
	CHECK(!strcmp(list, "n5,r0,r6"), "inherited n5,r0,r6 (got %s)", list);
	CHECK_EQ(x_write(&dom0, 0, "/local/domain/5/bydom0", "1"), 0,
		 "dom0 creates in the home");
	CHECK_EQ(x_get_perms(&dom0, "/local/domain/5/bydom0", list), 0,
		 "its perms");
	CHECK(!strcmp(list, "n5,r0,r6"), "dom0 keeps the parent's owner");
	CHECK_EQ(x_set_perms(&g5, 0, "@releaseDomain", "n5", NULL, NULL),
		 -EACCES, "a guest cannot open @releaseDomain to itself");
	CHECK_EQ(x_set_perms(&dom0, 0, "@nothing", "n0", NULL, NULL),
		 -EINVAL, "unknown special: EINVAL");
	CHECK_EQ(store_check(st), 0, "tree consistent");
	check_section(f0, "permissions");
}

static void transactions(void)
{
	unsigned int f0 = check_failures();
	uint32_t t1, t2, t3;
	char list[256];

	setup(NULL);
	x_write(&dom0, 0, "/t/a", "0");
	x_write(&dom0, 0, "/t/b", "0");

	CHECK_EQ(x_tx_start(&dom0, &t1), 0, "start a transaction");
	CHECK(t1 != 0, "its id is not 0");
	CHECK_EQ(x_write(&dom0, t1, "/t/a", "1"), 0, "write in it");
	CHECK_EQ(x_read(&dom0, t1, "/t/a", "1"), 0, "it sees its write");
	CHECK_EQ(x_read(&dom0, 0, "/t/a", "0"), 0, "others do not yet");
	CHECK_EQ(x_tx_end(&dom0, t1, true), 0, "commit");
	CHECK_EQ(x_read(&dom0, 0, "/t/a", "1"), 0, "now everyone does");
	CHECK_EQ(x_tx_end(&dom0, t1, true), -ENOENT, "ended: ENOENT");

	CHECK_EQ(x_tx_start(&dom0, &t1), 0, "start another");
	CHECK_EQ(x_write(&dom0, t1, "/t/new", "x"), 0, "create in it");
	CHECK_EQ(x_tx_end(&dom0, t1, false), 0, "abort");
	CHECK_EQ(x_read(&dom0, 0, "/t/new", NULL), -ENOENT, "nothing left");

	/* Conflicts. */
	x_tx_start(&dom0, &t1);
	x_tx_start(&g5, &t2);
	CHECK_EQ(x_read(&dom0, t1, "/t/a", "1"), 0, "t1 reads a");
	CHECK_EQ(x_write(&dom0, 0, "/t/a", "2"), 0, "someone changes a");
	CHECK_EQ(x_write(&dom0, t1, "/t/b", "1"), 0, "t1 writes b");
	CHECK_EQ(x_tx_end(&dom0, t1, true), -EAGAIN,
		 "t1 read a stale a: EAGAIN");
	CHECK_EQ(x_read(&dom0, 0, "/t/b", "0"), 0, "b unchanged");

	x_tx_start(&dom0, &t1);
	x_tx_start(&dom0, &t3);
	x_write(&dom0, t1, "/t/a", "t1");
	x_write(&dom0, t3, "/t/a", "t3");
	CHECK_EQ(x_tx_end(&dom0, t1, true), 0, "first writer of a commits");
	CHECK_EQ(x_tx_end(&dom0, t3, true), -EAGAIN,
		 "second writer of a: EAGAIN");
	CHECK_EQ(x_read(&dom0, 0, "/t/a", "t1"), 0, "a from the first");

	x_tx_start(&dom0, &t1);
	x_tx_start(&dom0, &t3);
	x_write(&dom0, t1, "/t/x1", "1");
	x_write(&dom0, t3, "/u/x3", "3");
	CHECK_EQ(x_tx_end(&dom0, t1, true), 0, "disjoint transaction 1");
	CHECK_EQ(x_tx_end(&dom0, t3, true), 0, "disjoint transaction 2");
	CHECK_EQ(x_read(&dom0, 0, "/u/x3", "3"), 0, "both applied");

	x_tx_start(&dom0, &t1);
	x_write(&dom0, t1, "/t/c1", "1");
	x_write(&dom0, 0, "/t/c2", "2");
	CHECK_EQ(x_tx_end(&dom0, t1, true), -EAGAIN,
		 "a child created meanwhile under a dir we added to: EAGAIN");

	x_tx_start(&dom0, &t1);
	CHECK_EQ(x_read(&dom0, t1, "/t/missing", NULL), -ENOENT,
		 "tx reads a missing node");
	x_write(&dom0, 0, "/t/missing", "now");
	x_write(&dom0, t1, "/v", "1");
	CHECK_EQ(x_tx_end(&dom0, t1, true), -EAGAIN,
		 "it appeared meanwhile: EAGAIN");
	CHECK_EQ(t2 != 0, 1, "guest transaction still open");
	CHECK_EQ(x_tx_end(&g5, t2, false), 0, "guest aborts its own");

	/* Deletions inside a transaction. */
	x_write(&dom0, 0, "/d/x/y", "1");
	x_write(&dom0, 0, "/d/x/z", "2");
	x_tx_start(&dom0, &t1);
	CHECK_EQ(x_read(&dom0, t1, "/d/x/y", "1"), 0, "tx reads y");
	CHECK_EQ(x_path(&dom0, XS_RM, t1, "/d/x", NULL), 0, "tx removes x");
	CHECK_EQ(x_read(&dom0, t1, "/d/x/y", NULL), -ENOENT,
		 "y gone in the tx");
	CHECK_EQ(x_read(&dom0, t1, "/d/x/z", NULL), -ENOENT,
		 "z (never touched) gone in the tx");
	CHECK_EQ(x_read(&dom0, 0, "/d/x/z", "2"), 0, "but not outside");
	CHECK_EQ(x_write(&dom0, t1, "/d/x/w", "3"), 0, "tx recreates x/w");
	CHECK_EQ(x_dir(&dom0, t1, "/d/x", list), 0, "tx lists x");
	CHECK(!strcmp(list, "w"), "only w (got %s)", list);
	CHECK_EQ(x_tx_end(&dom0, t1, true), 0, "commit");
	CHECK_EQ(x_dir(&dom0, 0, "/d/x", list), 0, "list x");
	CHECK(!strcmp(list, "w"), "only w after commit (got %s)", list);
	CHECK_EQ(x_read(&dom0, 0, "/d/x/z", NULL), -ENOENT, "z gone");

	/* Protocol rules. */
	CHECK_EQ(x_read(&dom0, 12345, "/t/a", NULL), -ENOENT,
		 "unknown transaction id: ENOENT");
	x_tx_start(&dom0, &t1);
	CHECK_EQ(request(&dom0, XS_TRANSACTION_START, t1, "", 1, NULL),
		 -EBUSY, "start inside a transaction: EBUSY");
	CHECK_EQ(request(&dom0, XS_TRANSACTION_END, t1, "X", 2, NULL),
		 -EINVAL, "end with neither T nor F: EINVAL");
	CHECK_EQ(request(&dom0, XS_TRANSACTION_END, 0, "T", 2, NULL),
		 -ENOENT, "end without an id: ENOENT");
	CHECK_EQ(x_tx_end(&dom0, t1, true), 0, "an empty commit");
	CHECK_EQ(request(&dom0, XS_GET_DOMAIN_PATH, 777, "1", 2, NULL),
		 -ENOENT, "any request with a bogus tx id: ENOENT");
	CHECK_EQ(x_watch(&dom0, XS_WATCH, "/t", "tok"), 0,
		 "WATCH ignores the tx id");
	CHECK_EQ(store_check(st), 0, "tree consistent");
	check_section(f0, "transactions");
}

static void watches(void)
{
	unsigned int f0 = check_failures();
	uint32_t t1;

	setup(NULL);
	x_write(&dom0, 0, "/w/a/b", "1");
	CHECK_EQ(x_watch(&dom0, XS_WATCH, "/w/a", "T1"), 0, "watch /w/a");
	CHECK(got_event(&dom0, "/w/a", "T1"), "fires once right away");
	CHECK_EQ(x_watch(&dom0, XS_WATCH, "/w/a", "T1"), -EEXIST,
		 "the same watch again: EEXIST");
	CHECK_EQ(x_watch(&dom0, XS_WATCH, "/w/a", "T2"), 0,
		 "same path, other token");
	clear_events(&dom0);
	x_write(&dom0, 0, "/w/a/b", "2");
	CHECK(got_event(&dom0, "/w/a/b", "T1") &&
	      got_event(&dom0, "/w/a/b", "T2"), "child write fires both");
	x_write(&dom0, 0, "/w/ab", "x");
	CHECK_EQ(dom0.nev, 0, "/w/ab is not below /w/a");
	x_write(&dom0, 0, "/w", "x");
	CHECK_EQ(dom0.nev, 0, "nor is the parent /w");
	x_path(&dom0, XS_MKDIR, 0, "/w/a/b", NULL);
	CHECK_EQ(dom0.nev, 0, "mkdir of an existing node: no event");
	x_write(&dom0, 0, "/w/a/new/leaf", "1");
	CHECK(got_event(&dom0, "/w/a/new/leaf", "T1") &&
	      got_event(&dom0, "/w/a/new/leaf", "T2"), "events for the leaf");
	CHECK_EQ(dom0.nev, 0, "none for the parent created on the way%s%s",
		 dom0.nev ? ": got " : "", dom0.nev ? dom0.ev[0].body : "");
	x_watch(&dom0, XS_WATCH, "/w/a/b/c/d", "deep");
	clear_events(&dom0);
	x_write(&dom0, 0, "/w/a/b/c/d", "1");
	CHECK(got_event(&dom0, "/w/a/b/c/d", "deep"), "event on creation");
	clear_events(&dom0);
	x_path(&dom0, XS_RM, 0, "/w/a", NULL);
	CHECK(got_event(&dom0, "/w/a", "T1"), "rm /w/a fires /w/a watch");
	CHECK(got_event(&dom0, "/w/a/b/c/d", "deep"),
	      "and the watch on a removed descendant");
	CHECK_EQ(x_watch(&dom0, XS_UNWATCH, "/w/a", "T2"), 0, "unwatch");
	CHECK_EQ(x_watch(&dom0, XS_UNWATCH, "/w/a", "T2"), -ENOENT,
		 "unwatch again: ENOENT");
	clear_events(&dom0);
	x_write(&dom0, 0, "/w/a", "z");
	CHECK(got_event(&dom0, "/w/a", "T1") &&
	      !got_event(&dom0, "/w/a", "T2"), "only T1 left");

	/* Relative watches give relative paths. */
	CHECK_EQ(x_watch(&g5, XS_WATCH, "device", "rel"), 0,
		 "guest watches device (relative)");
	CHECK(got_event(&g5, "device", "rel"), "initial event, relative");
	x_write(&dom0, 0, "/local/domain/5/device/vbd", "x");
	CHECK(got_event(&g5, "device/vbd", "rel"), "event path relative");

	/* Permissions filter events. */
	CHECK_EQ(x_watch(&g6, XS_WATCH, "/local/domain/5", "spy"), 0,
		 "dom6 may set a watch anywhere");
	clear_events(&g6);
	x_write(&dom0, 0, "/local/domain/5/secret", "x");
	CHECK_EQ(g6.nev, 0, "but hears nothing it cannot read");

	/* Inside a transaction: on commit only. */
	clear_events(&dom0);
	x_tx_start(&dom0, &t1);
	x_write(&dom0, t1, "/w/a/in-tx", "1");
	CHECK_EQ(dom0.nev, 0, "no event before commit");
	x_tx_end(&dom0, t1, true);
	CHECK(got_event(&dom0, "/w/a/in-tx", "T1"), "event at commit");
	x_tx_start(&dom0, &t1);
	x_write(&dom0, t1, "/w/a/aborted", "1");
	x_tx_end(&dom0, t1, false);
	CHECK_EQ(dom0.nev, 0, "none for an aborted transaction");

	/* Reset. */
	CHECK_EQ(request(&dom0, XS_RESET_WATCHES, 0, "", 1, NULL), 0,
		 "RESET_WATCHES");
	x_write(&dom0, 0, "/w/a", "after");
	CHECK_EQ(dom0.nev, 0, "no more events");
	CHECK_EQ(x_watch(&dom0, XS_WATCH, "/w//x", "t"), -EINVAL,
		 "watch on an invalid path: EINVAL");
	CHECK_EQ(request(&dom0, XS_WATCH, 0, "/w\0t\0" "3", 7, NULL), -EINVAL,
		 "three strings (depth): not supported, EINVAL");
	check_section(f0, "watches");
}

static void domains(void)
{
	unsigned int f0 = check_failures();
	struct peer g7;
	struct msg m;
	char list[256];

	setup(NULL);
	x_watch(&dom0, XS_WATCH, "@introduceDomain", "intro");
	x_watch(&dom0, XS_WATCH, "@releaseDomain", "rel");
	CHECK(got_event(&dom0, "@introduceDomain", "intro") &&
	      got_event(&dom0, "@releaseDomain", "rel"),
	      "special watches fire right away");
	x_watch(&g5, XS_WATCH, "@releaseDomain", "g5rel");
	clear_events(&g5);
	CHECK_EQ(request(&dom0, XS_INTRODUCE, 0, "7\0" "200\0" "9", 8, NULL),
		 0, "introduce dom7");
	CHECK(got_event(&dom0, "@introduceDomain", "intro"),
	      "@introduceDomain fires");
	CHECK_EQ(x_path(&dom0, XS_IS_DOMAIN_INTRODUCED, 0, "7", &m), 0,
		 "IS_DOMAIN_INTRODUCED 7");
	CHECK(!strcmp(m.body, "T"), "T");
	CHECK_EQ(x_path(&dom0, XS_IS_DOMAIN_INTRODUCED, 0, "8", &m), 0,
		 "IS_DOMAIN_INTRODUCED 8");
	CHECK(!strcmp(m.body, "F"), "F");
	CHECK_EQ(request(&dom0, XS_INTRODUCE, 0, "0\0" "1\0" "1", 6, NULL),
		 -EINVAL, "introduce dom0: EINVAL");
	CHECK_EQ(request(&dom0, XS_INTRODUCE, 0, "32752\0" "1\0" "1", 10,
			 NULL), -EINVAL, "introduce DOMID_SELF: EINVAL");
	CHECK_EQ(request(&dom0, XS_INTRODUCE, 0, "9\0" "1\0" "0", 6, NULL),
		 -EINVAL, "port 0: EINVAL");
	CHECK_EQ(request(&dom0, XS_INTRODUCE, 0, "9\0" "-1\0" "3", 7, NULL),
		 -EINVAL, "negative frame: EINVAL");
	CHECK_EQ(request(&dom0, XS_INTRODUCE, 0, "9\0" "1\0" "999", 8, NULL),
		 -EINVAL, "the transport's failure is returned");
	CHECK_EQ(request(&dom0, XS_INTRODUCE, 0, "9\0" "1", 4, NULL), -EINVAL,
		 "two arguments: EINVAL");
	CHECK_EQ(request(&g5, XS_INTRODUCE, 0, "9\0" "1\0" "3", 6, NULL),
		 -EACCES, "a guest may not introduce: EACCES");
	CHECK_EQ(request(&g5, XS_RELEASE, 0, "6", 2, NULL), -EACCES,
		 "nor release");
	CHECK_EQ(request(&g5, XS_IS_DOMAIN_INTRODUCED, 0, "6", 2, NULL),
		 -EACCES, "nor ask who is introduced");
	CHECK_EQ(request(&g5, XS_CONTROL, 0, "check", 6, NULL), -EACCES,
		 "nor send control commands");
	CHECK_EQ(request(&dom0, XS_CONTROL, 0, "check", 6, NULL), 0,
		 "dom0's CONTROL check passes");

	/* Reintroduce resets the connection. */
	g7.c = store_domain_conn(st, 7);
	memset(g7.ev, 0, sizeof(g7.ev));
	g7.nev = 0;
	x_watch(&g7, XS_WATCH, "name", "w7");
	CHECK_EQ(request(&dom0, XS_INTRODUCE, 0, "7\0" "200\0" "9", 8, NULL),
		 0, "introduce dom7 again");
	CHECK(store_domain_conn(st, 7) == g7.c, "same connection");
	CHECK_EQ(x_watch(&g7, XS_WATCH, "name", "w7"), 0,
		 "its watches were reset (no EEXIST)");

	/* Set target: dom7 may act on dom5's nodes. */
	CHECK_EQ(x_read(&g7, 0, "/local/domain/5/name", NULL), -EACCES,
		 "dom7 cannot read dom5's home");
	CHECK_EQ(request(&dom0, XS_SET_TARGET, 0, "7\0" "5", 4, NULL), 0,
		 "SET_TARGET 7 5");
	CHECK_EQ(x_write(&g7, 0, "/local/domain/5/by7", "x"), 0,
		 "now it can write there");

	/* Shutdown and release. */
	x_set_perms(&dom0, 0, "/local/domain/0/backend", "n0", "r5", NULL);
	x_write(&dom0, 0, "/local/domain/0/backend/vbd/5", "x");
	x_set_perms(&dom0, 0, "/local/domain/0/backend/vbd/5", "n0", "r5",
		    "r6");
	x_write(&g5, 0, "/local/domain/5/owned-by-5", "x");
	clear_events(&dom0);
	store_domain_shutdown(st, 5);
	CHECK(got_event(&dom0, "@releaseDomain", "rel"),
	      "shutdown fires @releaseDomain");
	store_domain_shutdown(st, 5);
	CHECK_EQ(dom0.nev, 0, "only once");
	CHECK_EQ(request(&dom0, XS_RESUME, 0, "5", 2, NULL), 0, "RESUME 5");
	store_domain_shutdown(st, 5);
	CHECK(got_event(&dom0, "@releaseDomain", "rel"), "again after RESUME");
	CHECK_EQ(g5.nev, 0, "a guest does not hear @releaseDomain");
	released = 0;
	CHECK_EQ(request(&dom0, XS_RELEASE, 0, "5", 2, NULL), 0, "RELEASE 5");
	CHECK_EQ(released, 1, "the transport released it");
	CHECK(got_event(&dom0, "@releaseDomain", "rel"), "@releaseDomain");
	CHECK(store_domain_conn(st, 5) == NULL, "no more connection");
	CHECK_EQ(x_read(&dom0, 0, "/local/domain/5/owned-by-5", NULL),
		 -ENOENT, "its nodes are gone");
	CHECK_EQ(x_read(&dom0, 0, "/local/domain/5", NULL), -ENOENT,
		 "its home, which it owned, is gone with everything below");
	CHECK_EQ(x_read(&dom0, 0, "/local/domain/0/backend/vbd/5", "x"), 0,
		 "dom0's nodes that granted it access stay");
	CHECK_EQ(x_get_perms(&dom0, "/local/domain/0/backend/vbd/5", list),
		 0, "a node that granted dom5 read");
	CHECK(!strcmp(list, "n0,r6"), "the grant is gone (got %s)", list);
	CHECK_EQ(store_owned_nodes(st, 5), 0, "dom5 owns nothing");
	CHECK_EQ(request(&dom0, XS_RELEASE, 0, "5", 2, NULL), -ENOENT,
		 "release again: ENOENT");
	CHECK_EQ(request(&dom0, XS_RELEASE, 0, "0", 2, NULL), -EINVAL,
		 "release dom0: EINVAL");
	CHECK_EQ(store_check(st), 0, "tree consistent");
	check_section(f0, "domains");
}

static void quotas(void)
{
	struct store_quotas q;
	unsigned int f0 = check_failures(), i;
	char path[64], big[4096];
	uint32_t tx[16];
	int r = 0;

	store_default_quotas(&q);
	q.nodes = 20;
	q.rate = 0;
	setup(&q);
	for (i = 0; i < 30 && r == 0; i++) {
		snprintf(path, sizeof(path), "n%u", i);
		r = x_write(&g5, 0, path, "v");
	}
	CHECK_EQ(r, -ENOSPC, "node quota: ENOSPC");
	CHECK_EQ(store_owned_nodes(st, 5), 20, "at exactly 20 nodes");
	CHECK_EQ(x_write(&g5, 0, "n0", "changed"), 0,
		 "existing nodes can still change");
	CHECK_EQ(x_path(&g5, XS_RM, 0, "n0", NULL), 0, "remove one");
	CHECK_EQ(x_write(&g5, 0, "again", "v"), 0, "room for one again");
	CHECK_EQ(x_write(&g5, 0, "a/b/c", "v"), -ENOSPC,
		 "three at once do not fit");
	CHECK_EQ(x_write(&dom0, 0, "/local/domain/5/bydom0", "v"), 0,
		 "dom0 is not limited");
	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "/dom0/n%u", i);
		x_write(&dom0, 0, path, "v");
	}

	setup(NULL);
	memset(big, 'v', sizeof(big));
	big[2000] = '\0';
	CHECK_EQ(x_write(&g5, 0, "big", big), 0, "2000-byte value");
	big[2000] = 'v';
	big[2030] = '\0';
	CHECK_EQ(x_write(&g5, 0, "big", big), -ENOSPC,
		 "2030-byte value: node too big (ENOSPC)");
	CHECK_EQ(x_write(&dom0, 0, "/local/domain/5/big2", big), 0,
		 "dom0 may write it");
	CHECK_EQ(x_set_perms(&g5, 0, "/local/domain/5/big", "n5", "r1", "r2"),
		 0, "3 perms");
	CHECK_EQ(request(&g5, XS_SET_PERMS, 0,
			 "/local/domain/5/big\0n5\0r1\0r2\0r3\0r4\0r6", 38,
			 NULL), -ENOSPC, "6 perms: ENOSPC");

	for (i = 0; i < 10; i++)
		CHECK_EQ(x_tx_start(&g5, &tx[i]), 0, "transaction %u", i);
	CHECK_EQ(x_tx_start(&g5, &tx[10]), -ENOSPC, "11th: ENOSPC");
	for (i = 0; i < 10; i++)
		x_tx_end(&g5, tx[i], false);
	for (i = 0, r = 0; i < 128 && r == 0; i++) {
		snprintf(path, sizeof(path), "w%u", i);
		r = x_watch(&g5, XS_WATCH, path, "t");
	}
	CHECK_EQ(i, 128, "128 watches");
	CHECK_EQ(x_watch(&g5, XS_WATCH, "one-more", "t"), -E2BIG,
		 "129th watch: E2BIG");
	x_tx_start(&g5, &tx[0]);
	for (i = 0, r = 0; i < 2000 && r == 0; i++) {
		snprintf(path, sizeof(path), "probe%u", i);
		r = x_read(&g5, tx[0], path, NULL);
		if (r == -ENOENT)
			r = 0;
	}
	CHECK_EQ(r, -ENOSPC, "a transaction touching too many nodes: ENOSPC");
	CHECK(i <= 1025, "after about 1024 (%u)", i);
	x_tx_end(&g5, tx[0], false);
	CHECK_EQ(store_check(st), 0, "tree consistent");
	check_section(f0, "quotas");
}

static void flow_control(void)
{
	struct store_quotas q;
	struct xsd_sockmsg h;
	unsigned int f0 = check_failures(), i;
	size_t sent = 0;

	/* Outstanding replies: a guest that does not read stops being read. */
	store_default_quotas(&q);
	q.rate = 0;
	setup(&q);
	for (i = 0; i < 50 && store_conn_input_want(g5.c); i++) {
		h = (struct xsd_sockmsg){ XS_GET_DOMAIN_PATH, i, 0, 2 };
		store_conn_input(g5.c, &h, sizeof(h));
		store_conn_input(g5.c, "5", 2);
		sent++;
	}
	CHECK_EQ(sent, 20, "20 requests taken, then input stops");
	CHECK_EQ(store_conn_input_want(g5.c), 0, "want is 0");
	drain(&g5, 0, NULL);
	CHECK(store_conn_input_want(g5.c) > 0, "reading replies resumes it");

	/* Rate limit: 10/s, burst 5, on a fake clock. */
	q.rate = 10;
	q.burst = 5;
	setup(&q);
	for (i = 0; i < 10 && store_conn_input_want(g5.c); i++)
		x_path(&g5, XS_GET_DOMAIN_PATH, 0, "5", NULL);
	CHECK_EQ(i, 5, "a burst of 5 requests");
	CHECK_EQ(store_next_timeout(st), 100, "the next in 100 ms");
	fake_now += 100;
	CHECK(store_conn_input_want(g5.c) > 0, "after 100 ms: one more");
	x_path(&g5, XS_GET_DOMAIN_PATH, 0, "5", NULL);
	CHECK_EQ(store_conn_input_want(g5.c), 0, "and stalled again");
	CHECK(store_conn_input_want(dom0.c) > 0, "dom0 is never limited");
	fake_now += 10000;
	CHECK(store_conn_input_want(g5.c) > 0, "refilled");

	/* Expensive requests cost more: a 100-level path eats the burst. */
	q.rate = 10;
	q.burst = 50;
	setup(&q);
	{
		char deep[400] = "deep";
		size_t n = 4;

		for (i = 0; i < 99; i++)
			n += (size_t)sprintf(deep + n, "/a");
		CHECK_EQ(x_write(&g5, 0, deep, "v"), 0, "a 100-level write");
	}
	for (i = 0; i < 60 && store_conn_input_want(g5.c); i++)
		x_path(&g5, XS_GET_DOMAIN_PATH, 0, "5", NULL);
	CHECK(i < 30, "leaves fewer cheap requests in the burst (%u of 50)",
	      i);

	/* A guest that never reads its events is dropped, others carry on. */
	store_default_quotas(&q);
	q.out_unpriv = 8192;
	setup(&q);
	x_watch(&g5, XS_WATCH, "/local/domain/5", "all");
	x_set_perms(&dom0, 0, "/local/domain/5", "n5", "r6", NULL);
	x_watch(&g6, XS_WATCH, "/local/domain/5", "six");
	logged_warnings = 0;
	for (i = 0; i < 400 && !store_conn_dead(g5.c); i++) {
		char path[64];

		snprintf(path, sizeof(path), "/local/domain/5/k%u", i);
		x_write(&dom0, 0, path, "v");
		clear_events(&g6);
	}
	CHECK_EQ(store_conn_dead(g5.c), XENSTORE_ERROR_COMM,
		 "dropped after about 8 KiB of unread events (%u writes)", i);
	CHECK(logged_warnings > 0, "with a log line: %s", last_log);
	CHECK_EQ(store_conn_input_want(g5.c), 0, "nothing more read from it");
	CHECK(!store_conn_dead(g6.c), "dom6 still served");
	x_write(&dom0, 0, "/local/domain/5/last", "v");
	CHECK(got_event(&g6, "/local/domain/5/last", "six"),
	      "and still gets its events");
	check_section(f0, "flow control");
}

static void hostile(void)
{
	unsigned int f0 = check_failures(), i, j, dead = 0;
	struct xsd_sockmsg h;
	char junk[64];
	uint32_t seed = 12345;

	setup(NULL);
	CHECK_EQ(request(&g5, 77, 0, "", 0, NULL), -ENOSYS,
		 "unknown type: ENOSYS");
	CHECK_EQ(request(&g5, XS_WATCH_EVENT, 0, "a\0b", 4, NULL), -ENOSYS,
		 "a client sending WATCH_EVENT: ENOSYS");
	CHECK_EQ(request(&g5, XS_ERROR, 0, "EINVAL", 7, NULL), -ENOSYS,
		 "a client sending ERROR: ENOSYS");
	CHECK_EQ(request(&g5, XS_READ, 0, "name", 4, NULL), -EINVAL,
		 "READ without the NUL: EINVAL");
	CHECK_EQ(request(&g5, XS_READ, 0, "name\0x", 7, NULL), -EINVAL,
		 "READ with a second string: EINVAL");
	CHECK_EQ(request(&g5, XS_READ, 0, "", 0, NULL), -EINVAL,
		 "READ with no payload: EINVAL");
	CHECK_EQ(request(&g5, XS_WRITE, 0, "abc", 3, NULL), -EINVAL,
		 "WRITE without any NUL: EINVAL");
	CHECK_EQ(request(&g5, XS_DIRECTORY_PART, 0, "name\0x", 7, NULL),
		 -EINVAL, "DIRECTORY_PART with a bad offset: EINVAL");
	CHECK_EQ(request(&g5, XS_GET_FEATURE, 0, "", 1, NULL), -ENOSYS,
		 "GET_FEATURE (after 4.17): ENOSYS");

	h = (struct xsd_sockmsg){ XS_READ, 1, 0, XENSTORE_PAYLOAD_MAX + 1 };
	CHECK_EQ(store_conn_input(g6.c, &h, sizeof(h)), -EPROTO,
		 "a 4097-byte payload breaks the protocol");
	CHECK_EQ(store_conn_dead(g6.c), XENSTORE_ERROR_PROTO,
		 "the connection is dead (PROTO)");
	CHECK_EQ(store_conn_input_want(g6.c), 0, "and read no more");
	CHECK_EQ(x_read(&g5, 0, "/local/domain/5/nothing", NULL), -ENOENT,
		 "another connection is unaffected");

	/* Random garbage from many guests: no crash, the tree stays sane. */
	for (i = 0; i < 200; i++) {
		struct peer p;
		char label[16];

		snprintf(label, sizeof(label), "fuzz%u", i);
		memset(&p, 0, sizeof(p));
		p.c = store_conn_new(st, 100 + i % 50, STORE_CONN_DOMAIN,
				     label);
		for (j = 0; j < 50 && !store_conn_dead(p.c); j++) {
			unsigned int k, len;

			seed = seed * 1103515245u + 12345u;
			h.type = (seed >> 8) % 30;
			h.req_id = j;
			h.tx_id = (seed >> 20) % 3;
			len = (seed >> 4) % sizeof(junk);
			h.len = len;
			for (k = 0; k < len; k++) {
				seed = seed * 1103515245u + 12345u;
				junk[k] = "/ab\0@T5-_"[(seed >> 16) % 9];
			}
			if (store_conn_input(p.c, &h, sizeof(h)) == 0)
				store_conn_input(p.c, junk, len);
			drain(&p, 0, NULL);
		}
		dead += store_conn_dead(p.c) != 0;
		store_conn_close(st, p.c);
	}
	CHECK_EQ(dead, 0, "well-framed garbage never kills a connection");
	CHECK_EQ(store_check(st), 0, "tree consistent after the garbage");
	CHECK_EQ(x_read(&dom0, 0, "/local/domain/6/name", "six"), 0,
		 "the store still works");
	check_section(f0, "hostile input");
}

/* The guest's side of a store page, as Linux's xenbus drives it. */
static int guest_send(struct xenstore_domain_interface *intf, uint32_t type,
		      const char *payload, uint32_t len)
{
	struct xsd_sockmsg h = { type, 42, 0, len };
	struct tdm_byte_ring in, out;

	tdm_xs_ring_client(intf, &in, &out);
	if (tdm_byte_ring_write(&out, &h, sizeof(h)) != sizeof(h))
		return -1;
	return tdm_byte_ring_write(&out, payload, len) == (int)len ? 0 : -1;
}

static int guest_recv(struct xenstore_domain_interface *intf,
		      struct msg *m)
{
	struct tdm_byte_ring in, out;

	tdm_xs_ring_client(intf, &in, &out);
	if (tdm_byte_ring_read(&in, &m->hdr, sizeof(m->hdr)) !=
	    sizeof(m->hdr))
		return -1;
	if (m->hdr.len > XENSTORE_PAYLOAD_MAX ||
	    tdm_byte_ring_read(&in, m->body, m->hdr.len) != (int)m->hdr.len)
		return -1;
	m->body[m->hdr.len] = '\0';
	return 0;
}

static void ring_transport(void)
{
	static struct xenstore_domain_interface page;
	unsigned int f0 = check_failures(), i;
	struct msg m;
	bool notify;

	setup(NULL);
	x_set_perms(&dom0, 0, "/local/domain/5/name", "n5", NULL, NULL);
	memset(&page, 0x55, sizeof(page));
	store_ring_start(&page, true);
	CHECK(page.req_prod == 0 && page.rsp_cons == 0, "indexes reset");
	CHECK_EQ(page.connection, XENSTORE_CONNECTED, "connected");
	CHECK_EQ(page.server_features, XENSTORE_SERVER_FEATURE_RECONNECTION |
		 XENSTORE_SERVER_FEATURE_ERROR, "features advertised");

	CHECK_EQ(guest_send(&page, XS_READ, "name", 5), 0, "guest: READ name");
	notify = store_ring_service(g5.c, &page);
	CHECK(notify, "the guest is notified");
	CHECK_EQ(guest_recv(&page, &m), 0, "guest reads the reply");
	CHECK(m.hdr.type == XS_READ && m.hdr.req_id == 42 &&
	      !strcmp(m.body, "five"), "READ five, req_id 42");
	CHECK(!store_ring_service(g5.c, &page), "idle: no notification");

	/* A reply bigger than the ring goes out in pieces. */
	{
		static char big[3001], got[XENSTORE_PAYLOAD_MAX + HDR];
		struct tdm_byte_ring in, out;
		size_t have = 0;
		int n;

		memset(big, 'b', 3000);
		x_write(&dom0, 0, "/local/domain/5/big", big);
		x_set_perms(&dom0, 0, "/local/domain/5/big", "n5", NULL, NULL);
		guest_send(&page, XS_READ, "big", 4);
		tdm_xs_ring_client(&page, &in, &out);
		for (i = 0; i < 10 && have < HDR + 3000; i++) {
			store_ring_service(g5.c, &page);
			n = tdm_byte_ring_read(&in, got + have,
					       sizeof(got) - have);
			if (n < 0)
				break;
			have += (size_t)n;
		}
		CHECK_EQ(have, HDR + 3000, "3000-byte value through a 1 KiB "
			 "ring in %u rounds", i);
		CHECK(i >= 3, "which takes several rounds");
		CHECK(!memcmp(got + HDR, big, 3000), "value intact");
	}
	CHECK_EQ(guest_send(&page, XS_DIRECTORY, "/local/domain/5", 16), 0,
		 "DIRECTORY of the home");
	store_ring_service(g5.c, &page);
	CHECK_EQ(guest_recv(&page, &m), 0, "the listing");
	CHECK(m.hdr.type == XS_DIRECTORY && m.hdr.len > 8, "with names");

	/* Many requests at once: more than the ring can hold replies for. */
	for (i = 0; i < 30; i++)
		guest_send(&page, XS_GET_DOMAIN_PATH, "5", 2);
	for (i = 0; i < 30; i++) {
		store_ring_service(g5.c, &page);
		if (guest_recv(&page, &m) ||
		    strcmp(m.body, "/local/domain/5"))
			break;
	}
	CHECK_EQ(i, 30, "30 pipelined requests answered in order");

	/* Reconnection. */
	x_watch(&g5, XS_WATCH, "name", "w");
	drain(&g5, 0, NULL);
	page.connection = XENSTORE_RECONNECT;
	CHECK(store_ring_service(g5.c, &page), "reconnect: notified");
	CHECK_EQ(page.connection, XENSTORE_CONNECTED, "connected again");
	CHECK(page.req_prod == 0 && page.rsp_prod == 0, "rings emptied");
	CHECK_EQ(x_watch(&g5, XS_WATCH, "name", "w"), 0,
		 "watches dropped by the reconnection");

	/* Garbage indexes. */
	logged_warnings = 0;
	page.req_prod = page.req_cons + XENSTORE_RING_SIZE + 1;
	CHECK(store_ring_service(g5.c, &page), "bad req_prod: notified");
	CHECK_EQ(store_conn_dead(g5.c), XENSTORE_ERROR_RINGIDX,
		 "connection dead (RINGIDX)");
	CHECK_EQ(page.error, XENSTORE_ERROR_RINGIDX, "error field set");
	CHECK_EQ(logged_warnings, 1, "one log line: %s", last_log);
	page.req_prod = page.req_cons + 5;
	CHECK(!store_ring_service(g5.c, &page), "never served again");
	CHECK_EQ(page.req_cons + 5, page.req_prod, "the page is not touched");
	page.connection = XENSTORE_RECONNECT;
	CHECK(!store_ring_service(g5.c, &page),
	      "reconnecting does not revive it");

	memset(&page, 0, sizeof(page));
	store_ring_start(&page, true);
	x_write(&dom0, 0, "/local/domain/6/x", "y");
	x_watch(&g6, XS_WATCH, "x", "t");
	page.rsp_cons = page.rsp_prod - 2000;	/* "consumed" unsent data */
	x_write(&dom0, 0, "/local/domain/6/x", "z");	/* an event to send */
	store_ring_service(g6.c, &page);
	CHECK_EQ(store_conn_dead(g6.c), XENSTORE_ERROR_RINGIDX,
		 "bad rsp_cons: dead too");

	/* A guest announcing a 4097-byte request. */
	memset(&page, 0, sizeof(page));
	store_ring_start(&page, true);
	{
		struct peer g8;

		request(&dom0, XS_INTRODUCE, 0, "8\0" "1\0" "2", 6, NULL);
		g8.c = store_domain_conn(st, 8);
		guest_send(&page, XS_READ, "", 0);
		page.req[12] = 0x01;	/* len = 0x1001 */
		page.req[13] = 0x10;
		store_ring_service(g8.c, &page);
		CHECK_EQ(store_conn_dead(g8.c), XENSTORE_ERROR_PROTO,
			 "oversized request: dead (PROTO)");
		CHECK_EQ(page.error, XENSTORE_ERROR_PROTO, "error field PROTO");
	}
	CHECK_EQ(store_check(st), 0, "tree consistent");
	check_section(f0, "ring transport");
}

/* A deterministic stream of random requests, transactions included. */
static uint32_t rnd_state = 1;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static size_t random_path(char *p)
{
	static const char *const part[] = {
		"a", "b", "c", "local", "domain", "5", "6", "@x", "",
	};
	unsigned int n = 1 + rnd() % 4, i;
	size_t len = 0;

	if (rnd() % 3)
		p[len++] = '/';
	for (i = 0; i < n; i++) {
		if (i)
			p[len++] = '/';
		len += (size_t)sprintf(p + len, "%s", part[rnd() % 9]);
	}
	if (rnd() % 10 == 0)
		p[len++] = '/';
	p[len] = '\0';
	return len + 1;
}

static void random_requests(void)
{
	static const uint32_t types[] = {
		XS_READ, XS_WRITE, XS_MKDIR, XS_RM, XS_DIRECTORY,
		XS_GET_PERMS, XS_SET_PERMS, XS_WATCH, XS_UNWATCH,
		XS_TRANSACTION_START, XS_TRANSACTION_END, XS_DIRECTORY_PART,
		XS_RESET_WATCHES, XS_RELEASE, XS_INTRODUCE,
	};
	unsigned int f0 = check_failures(), i, k, bad = 0;
	struct peer *peers[4] = { &dom0, &g5, &g6, &g5 };
	uint32_t txs[4][4] = { { 0 } }, type, tx;
	struct store_quotas q;
	char buf[512];
	struct msg m;
	size_t len;
	int r;

	store_default_quotas(&q);
	q.rate = 0;
	q.out_unpriv = 1 << 16;
	setup(&q);
	peers[3] = &dom0;
	for (i = 0; i < 30000; i++) {
		unsigned int pi = rnd() % 4;
		struct peer *p = peers[pi];

		if (!p->c || store_conn_dead(p->c))
			continue;
		type = types[rnd() % 15];
		tx = rnd() % 2 ? txs[pi][rnd() % 4] : 0;
		len = random_path(buf);
		switch (type) {
		case XS_WRITE:
			k = rnd() % 40;
			memset(buf + len, 'v', k);
			len += k;
			break;
		case XS_SET_PERMS:
			for (k = 0; k < 1 + rnd() % 3; k++)
				len += (size_t)sprintf(buf + len, "%c%u",
						       "nrwbx"[rnd() % 5],
						       rnd() % 8) + 1;
			break;
		case XS_WATCH:
		case XS_UNWATCH:
			len += (size_t)sprintf(buf + len, "t%u", rnd() % 3) + 1;
			break;
		case XS_TRANSACTION_START:
			len = 1;
			buf[0] = '\0';
			break;
		case XS_TRANSACTION_END:
			len = 2;
			strcpy(buf, rnd() % 3 ? "T" : "F");
			tx = txs[pi][rnd() % 4];
			break;
		case XS_DIRECTORY_PART:
			len += (size_t)sprintf(buf + len, "%u", rnd() % 9) + 1;
			break;
		case XS_RELEASE:
		case XS_INTRODUCE:
			len = (size_t)sprintf(buf, "%u%c1%c%u", 5 + rnd() % 2,
					      0, 0, 1 + rnd() % 4) + 1;
			if (type == XS_RELEASE)
				len = 2;
			break;
		}
		r = request(p, type, tx, buf, len, &m);
		if (r == -EPIPE || r == -ENODATA || r == -EPROTO)
			bad++;
		if (r == 0 && type == XS_TRANSACTION_START)
			txs[pi][rnd() % 4] = (uint32_t)atoi(m.body);
		/* Released guests come back. */
		if (!store_domain_conn(st, 5))
			request(&dom0, XS_INTRODUCE, 0, "5\0" "1\0" "7", 6,
				NULL);
		if (!store_domain_conn(st, 6))
			request(&dom0, XS_INTRODUCE, 0, "6\0" "1\0" "8", 6,
				NULL);
		g5.c = store_domain_conn(st, 5);
		g6.c = store_domain_conn(st, 6);
		peers[1] = &g5;
		peers[2] = &g6;
		if (i % 1000 == 0 && !check(store_check(st) == 0,
					    "tree consistent at %u", i))
			break;
	}
	CHECK_EQ(bad, 0, "30000 random requests: every one answered");
	CHECK_EQ(store_check(st), 0, "tree consistent at the end");
	check_section(f0, "random requests");
}

/*
 * A transaction must behave exactly like the same requests made directly:
 * random requests run in one transaction on one store and outside any on
 * another; every reply and, after the commit, the whole tree must match.
 */
static void raw(struct store_conn *c, uint32_t type, uint32_t tx,
		const char *p, size_t len, struct msg *m)
{
	struct peer peer = { .c = c };
	struct xsd_sockmsg h = { type, next_req++, tx, (uint32_t)len };

	store_conn_input(c, &h, HDR);
	store_conn_input(c, p, len);
	memset(&m->hdr, 0, sizeof(m->hdr));
	drain(&peer, h.req_id, m);
}

static void dump_tree(struct store_conn *c, uint32_t tx, const char *path,
		      char *out, size_t size)
{
	struct msg m, d;
	char kid[256];
	uint32_t off;
	size_t used = strlen(out);

	raw(c, XS_READ, tx, path, strlen(path) + 1, &m);
	snprintf(out + used, size - used, "%s=%.*s;", path,
		 m.hdr.type == XS_READ ? (int)m.hdr.len : 1,
		 m.hdr.type == XS_READ ? m.body : "?");
	raw(c, XS_DIRECTORY, tx, path, strlen(path) + 1, &d);
	if (d.hdr.type != XS_DIRECTORY)
		return;
	for (off = 0; off < d.hdr.len; off += strlen(d.body + off) + 1) {
		snprintf(kid, sizeof(kid), "%s%s%s", path,
			 strcmp(path, "/") ? "/" : "", d.body + off);
		dump_tree(c, tx, kid, out, size);
	}
}

static size_t random_abc_path(char *p)
{
	unsigned int n = 1 + rnd() % 4, k;

	p[0] = '\0';
	for (k = 0; k < n; k++)
		strcat(p, k % 2 ? "/b" : rnd() % 2 ? "/a" : "/c");
	return strlen(p) + 1;
}

static void tx_equals_direct(void)
{
	static const uint32_t types[] = {
		XS_READ, XS_WRITE, XS_MKDIR, XS_RM, XS_DIRECTORY,
		XS_GET_PERMS, XS_SET_PERMS,
	};
	static char t1[16384], t2[16384], view[16384];
	unsigned int f0 = check_failures(), round, i, bad = 0;
	struct store *a, *b;
	struct store_conn *ca, *cb;
	struct msg ma, mb;
	uint32_t tx, type;
	char p[128];
	size_t len;

	for (round = 0; round < 300; round++) {
		a = store_new(NULL, NULL);
		b = store_new(NULL, NULL);
		ca = store_conn_new(a, 0, STORE_CONN_PRIV, "a");
		cb = store_conn_new(b, 0, STORE_CONN_PRIV, "b");
		for (i = 0; i < 8; i++) {
			len = random_abc_path(p);
			p[len++] = 'x';
			raw(ca, XS_WRITE, 0, p, len, &ma);
			raw(cb, XS_WRITE, 0, p, len, &mb);
		}
		raw(ca, XS_TRANSACTION_START, 0, "", 1, &ma);
		tx = (uint32_t)atoi(ma.body);
		for (i = 0; i < 30; i++) {
			type = types[rnd() % 7];
			len = random_abc_path(p);
			if (type == XS_WRITE)
				p[len++] = (char)('A' + rnd() % 26);
			if (type == XS_SET_PERMS)
				len += (size_t)sprintf(p + len, "%c0%cr%u",
						       "nrb"[rnd() % 3], 0,
						       rnd() % 4) + 1;
			raw(ca, type, tx, p, len, &ma);
			raw(cb, type, 0, p, len, &mb);
			if (ma.hdr.type != mb.hdr.type ||
			    ma.hdr.len != mb.hdr.len ||
			    memcmp(ma.body, mb.body, ma.hdr.len))
				bad++;
		}
		t1[0] = t2[0] = view[0] = '\0';
		dump_tree(ca, tx, "/", view, sizeof(view));
		raw(ca, XS_TRANSACTION_END, tx, "T", 2, &ma);
		bad += ma.hdr.type != XS_TRANSACTION_END;
		dump_tree(ca, 0, "/", t1, sizeof(t1));
		dump_tree(cb, 0, "/", t2, sizeof(t2));
		bad += strcmp(t1, t2) != 0 || strcmp(t1, view) != 0;
		bad += store_check(a) != 0 || store_check(b) != 0;
		store_free(a);
		store_free(b);
	}
	CHECK_EQ(bad, 0, "300 rounds of 30 requests: transaction = direct");
	check_section(f0, "transactions equal direct changes");
}

int main(void)
{
	basics();
	path_rules();
	permissions();
	transactions();
	watches();
	domains();
	quotas();
	flow_control();
	hostile();
	ring_transport();
	random_requests();
	tx_equals_direct();
	store_free(st);
	return check_summary();
}
