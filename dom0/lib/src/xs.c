// SPDX-License-Identifier: MIT
/*
 * The store client (see libtandem/xs.h).
 *
 * One connection carries both replies to our requests and watch events,
 * interleaved. Requests are synchronous: after sending one we read
 * messages until its reply arrives, queueing any watch events met on the
 * way. An eventfd mirrors "the queue is not empty", and an epoll set over
 * it and the connection gives callers one descriptor to poll.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libtandem/error.h>
#include <libtandem/xs.h>

#define HDR_SIZE	sizeof(struct xsd_sockmsg)
#define DEFAULT_TIMEOUT_MS	30000

/* An event and its strings in one allocation; &node->ev is what we hand out. */
struct ev_node {
	struct tdm_xs_event ev;		/* first: free(&ev) frees it all */
	struct ev_node *next;
};

struct tdm_xs {
	int fd;			/* socket or character device */
	int evfd;		/* readable while events are queued */
	int epfd;		/* fd + evfd, for callers' poll() */
	int timeout_ms;
	uint32_t next_req;
	int broken;		/* 0, or why the connection is unusable */
	bool ev_signalled;
	bool ev_lost;
	unsigned int nr_ev;
	struct ev_node *ev_head, *ev_tail;
	size_t rx_have;		/* bytes of rx received so far */
	struct tdm_xs_msg tx_msg;	/* the request being sent */
	union {
		struct xsd_sockmsg hdr;
		char raw[HDR_SIZE + XENSTORE_PAYLOAD_MAX + 1];
	} rx;
};

static struct tdm_xs *setup(int fd, const char *what)
{
	struct epoll_event ev;
	struct tdm_xs *x;
	int err;

	x = calloc(1, sizeof(*x));
	if (!x) {
		close(fd);
		tdm_fail(ENOMEM, "store connection");
		return NULL;
	}
	x->fd = fd;
	x->evfd = -1;
	x->epfd = -1;
	x->timeout_ms = DEFAULT_TIMEOUT_MS;
	x->next_req = 1;
	x->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	x->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (x->evfd < 0 || x->epfd < 0)
		goto fail;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = x->fd;
	if (epoll_ctl(x->epfd, EPOLL_CTL_ADD, x->fd, &ev) < 0)
		goto fail;
	ev.data.fd = x->evfd;
	if (epoll_ctl(x->epfd, EPOLL_CTL_ADD, x->evfd, &ev) < 0)
		goto fail;
	return x;
fail:
	err = errno;
	tdm_xs_close(x);
	tdm_fail(err, "set up the store connection to %s", what);
	return NULL;
}

struct tdm_xs *tdm_xs_open(const char *path)
{
	struct sockaddr_un addr;
	int fd, err;

	if (!path)
		path = getenv(TDM_XS_SOCKET_ENV);
	if (!path || !*path)
		path = TDM_XS_SOCKET_DEFAULT;
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr.sun_path)) {
		tdm_fail(ENAMETOOLONG, "store socket path %s", path);
		return NULL;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		tdm_fail(errno, "store socket");
		return NULL;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		err = errno;
		close(fd);
		tdm_fail(err, "connect to the store at %s (is tandem-store "
			 "running? are we root?)", path);
		return NULL;
	}
	return setup(fd, path);
}

struct tdm_xs *tdm_xs_open_xenbus(const char *device)
{
	int fd;

	if (!device)
		device = TDM_XS_XENBUS_DEVICE;
	fd = open(device, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		tdm_fail(errno, "open %s (not in a Xen guest, or xenfs/"
			 "xenbus missing?)", device);
		return NULL;
	}
	return setup(fd, device);
}

void tdm_xs_close(struct tdm_xs *x)
{
	struct ev_node *e;

	if (!x)
		return;
	while ((e = x->ev_head)) {
		x->ev_head = e->next;
		free(e);
	}
	if (x->epfd >= 0)
		close(x->epfd);
	if (x->evfd >= 0)
		close(x->evfd);
	if (x->fd >= 0)
		close(x->fd);
	free(x);
}

void tdm_xs_set_timeout(struct tdm_xs *x, int timeout_ms)
{
	x->timeout_ms = timeout_ms;
}

int tdm_xs_fd(const struct tdm_xs *x)
{
	return x->epfd;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline (-1: none), for poll(). */
static int time_left(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - now_ms();
	if (left < 0)
		return 0;
	return left > 1000000 ? 1000000 : (int)left;
}

static int64_t deadline_after(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

static int break_conn(struct tdm_xs *x, int err, const char *what)
{
	x->broken = err;
	return tdm_fail(err, "store connection: %s (close and reconnect)",
			what);
}

static int check_usable(struct tdm_xs *x)
{
	if (x->broken)
		return tdm_fail(x->broken, "store connection broken earlier "
				"(close and reconnect)");
	return 0;
}

static void ev_signal(struct tdm_xs *x, bool on)
{
	uint64_t v = 1;

	if (on && !x->ev_signalled) {
		if (write(x->evfd, &v, sizeof(v)) == sizeof(v))
			x->ev_signalled = true;
	} else if (!on && x->ev_signalled) {
		if (read(x->evfd, &v, sizeof(v)) == sizeof(v))
			x->ev_signalled = false;
	}
}

/* Queue the watch event in rx. Malformed or excess events are dropped. */
static void queue_event(struct tdm_xs *x)
{
	const char *vec[2];
	const char *body = x->rx.raw + HDR_SIZE;
	uint32_t len = x->rx.hdr.len;
	struct ev_node *e;

	if (tdm_xs_split(body, len, vec, 2) < 2)
		return;
	if (x->nr_ev >= TDM_XS_MAX_EVENTS) {
		x->ev_lost = true;
		ev_signal(x, true);
		return;
	}
	e = malloc(sizeof(*e) + len);
	if (!e) {
		x->ev_lost = true;
		ev_signal(x, true);
		return;
	}
	memcpy(e + 1, body, len);
	e->ev.path = (char *)(e + 1);
	e->ev.token = e->ev.path + (vec[1] - vec[0]);
	e->next = NULL;
	if (x->ev_tail)
		x->ev_tail->next = e;
	else
		x->ev_head = e;
	x->ev_tail = e;
	x->nr_ev++;
	ev_signal(x, true);
}

/*
 * Read what is available without blocking. 1: a complete message other
 * than a watch event is in rx (reset rx_have after using it); 0: none
 * yet; < 0: the connection broke.
 */
static int pump(struct tdm_xs *x)
{
	size_t want;
	ssize_t n;

	for (;;) {
		if (x->rx_have < HDR_SIZE) {
			want = HDR_SIZE - x->rx_have;
		} else {
			want = HDR_SIZE + x->rx.hdr.len - x->rx_have;
			if (want == 0) {
				if (x->rx.hdr.type != XS_WATCH_EVENT)
					return 1;
				queue_event(x);
				x->rx_have = 0;
				continue;
			}
		}
		n = read(x->fd, x->rx.raw + x->rx_have, want);
		if (n == 0)
			return break_conn(x, EPIPE, "the store closed it");
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			return break_conn(x, errno, "read");
		}
		x->rx_have += (size_t)n;
		if (x->rx_have == HDR_SIZE &&
		    tdm_xs_check_header(&x->rx.hdr) < 0)
			return break_conn(x, EBADMSG, "oversized message");
	}
}

static int send_all(struct tdm_xs *x, const void *buf, size_t len,
		    int64_t deadline)
{
	struct pollfd pfd = { .fd = x->fd, .events = POLLOUT };
	const char *p = buf;
	ssize_t n;
	int r;

	while (len) {
		n = write(x->fd, p, len);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return break_conn(x, errno == EPIPE ? EPIPE : errno,
					  "write");
		r = poll(&pfd, 1, time_left(deadline));
		if (r == 0)
			return break_conn(x, ETIMEDOUT, "the store does not "
					  "take requests");
		if (r < 0 && errno != EINTR)
			return break_conn(x, errno, "poll");
	}
	return 0;
}

static int wait_readable(struct tdm_xs *x, int64_t deadline)
{
	struct pollfd pfd = { .fd = x->fd, .events = POLLIN };
	int r;

	r = poll(&pfd, 1, time_left(deadline));
	if (r < 0 && errno != EINTR)
		return break_conn(x, errno, "poll");
	return r;
}

int tdm_xs_request(struct tdm_xs *x, uint32_t type, uint32_t tx,
		   const struct iovec *iov, unsigned int iovcnt,
		   void **reply, size_t *reply_len)
{
	struct tdm_xs_msg *m = &x->tx_msg;
	const char *name = tdm_xs_type_name(type);
	int64_t deadline;
	uint32_t req_id, len;
	unsigned int i;
	char *copy;
	int r;

	if (reply)
		*reply = NULL;
	r = check_usable(x);
	if (r < 0)
		return r;
	if (!name)
		name = "request";
	req_id = x->next_req++;
	if (x->next_req == 0)
		x->next_req = 1;
	tdm_xs_msg_init(m, type, req_id, tx);
	for (i = 0; i < iovcnt; i++)
		if (tdm_xs_msg_add_data(m, iov[i].iov_base,
					iov[i].iov_len) < 0)
			return tdm_fail(E2BIG, "store %s: request longer than "
					"%u bytes", name, XENSTORE_PAYLOAD_MAX);
	deadline = deadline_after(x->timeout_ms);
	r = send_all(x, m, tdm_xs_msg_size(m), deadline);
	if (r < 0)
		return r;
	for (;;) {
		r = pump(x);
		if (r < 0)
			return r;
		if (r == 1)
			break;
		r = wait_readable(x, deadline);
		if (r < 0)
			return r;
		if (r == 0)
			return break_conn(x, ETIMEDOUT, "no reply in time");
	}
	x->rx_have = 0;
	if (x->rx.hdr.req_id != req_id)
		return break_conn(x, EBADMSG, "reply to another request");
	len = x->rx.hdr.len;
	x->rx.raw[HDR_SIZE + len] = '\0';
	if (x->rx.hdr.type == XS_ERROR) {
		r = tdm_xs_errnum(x->rx.raw + HDR_SIZE, strnlen(x->rx.raw +
				  HDR_SIZE, len));
		return tdm_fail(r, "store %s", name);
	}
	if (x->rx.hdr.type != type)
		return break_conn(x, EBADMSG, "reply of the wrong type");
	if (reply) {
		copy = malloc(len + 1);
		if (!copy)
			return tdm_fail(ENOMEM, "store %s reply", name);
		memcpy(copy, x->rx.raw + HDR_SIZE, len + 1);
		*reply = copy;
	}
	if (reply_len)
		*reply_len = len;
	return 0;
}

/* A request with a path argument; the failure message names it. */
static int path_request(struct tdm_xs *x, uint32_t type, uint32_t tx,
			const char *path, const void *extra, size_t extra_len,
			void **reply, size_t *reply_len)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)path, .iov_len = strlen(path) + 1 },
		{ .iov_base = (void *)extra, .iov_len = extra_len },
	};
	int r;

	r = tdm_xs_request(x, type, tx, iov, extra_len ? 2 : 1, reply,
			   reply_len);
	if (r < 0 && !x->broken)
		return tdm_fail(-r, "store %s %s", tdm_xs_type_name(type),
				path);
	return r;
}

void *tdm_xs_read(struct tdm_xs *x, uint32_t tx, const char *path,
		  size_t *len)
{
	void *reply;

	if (path_request(x, XS_READ, tx, path, NULL, 0, &reply, len) < 0)
		return NULL;
	return reply;
}

int tdm_xs_write(struct tdm_xs *x, uint32_t tx, const char *path,
		 const void *data, size_t len)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)path, .iov_len = strlen(path) + 1 },
		{ .iov_base = (void *)data, .iov_len = len },
	};
	int r = tdm_xs_request(x, XS_WRITE, tx, iov, 2, NULL, NULL);

	if (r < 0 && !x->broken)
		return tdm_fail(-r, "store WRITE %s", path);
	return r;
}

int tdm_xs_write_str(struct tdm_xs *x, uint32_t tx, const char *path,
		     const char *value)
{
	return tdm_xs_write(x, tx, path, value, strlen(value));
}

int tdm_xs_mkdir(struct tdm_xs *x, uint32_t tx, const char *path)
{
	return path_request(x, XS_MKDIR, tx, path, NULL, 0, NULL, NULL);
}

int tdm_xs_rm(struct tdm_xs *x, uint32_t tx, const char *path)
{
	return path_request(x, XS_RM, tx, path, NULL, 0, NULL, NULL);
}

/* Turn a reply of NUL-terminated strings into one NULL-ended array. */
static char **string_array(const char *buf, size_t len, unsigned int *num)
{
	unsigned int n = tdm_xs_split(buf, len, NULL, 0), i;
	size_t off = 0;
	char **v;
	char *s;

	v = malloc((n + 1) * sizeof(*v) + len + 1);
	if (!v) {
		tdm_fail(ENOMEM, "store reply");
		return NULL;
	}
	s = (char *)(v + n + 1);
	memcpy(s, buf, len);
	s[len] = '\0';
	for (i = 0; i < n; i++) {
		v[i] = s + off;
		off += strlen(s + off) + 1;
	}
	v[n] = NULL;
	if (num)
		*num = n;
	return v;
}

char **tdm_xs_directory(struct tdm_xs *x, uint32_t tx, const char *path,
			unsigned int *num)
{
	char **v;
	void *reply;
	size_t len;

	if (path_request(x, XS_DIRECTORY, tx, path, NULL, 0, &reply,
			 &len) < 0)
		return NULL;
	v = string_array(reply, len, num);
	free(reply);
	return v;
}

struct tdm_xs_perm *tdm_xs_get_perms(struct tdm_xs *x, uint32_t tx,
				     const char *path, unsigned int *num)
{
	struct tdm_xs_perm *p;
	const char **vec;
	unsigned int n, i;
	void *reply;
	size_t len;

	if (path_request(x, XS_GET_PERMS, tx, path, NULL, 0, &reply,
			 &len) < 0)
		return NULL;
	n = tdm_xs_split(reply, len, NULL, 0);
	vec = calloc(n ? n : 1, sizeof(*vec));
	p = calloc(n ? n : 1, sizeof(*p));
	if (!vec || !p) {
		tdm_fail(ENOMEM, "store GET_PERMS %s", path);
		goto fail;
	}
	tdm_xs_split(reply, len, vec, n);
	for (i = 0; i < n; i++) {
		if (tdm_xs_perm_parse(vec[i], &p[i]) < 0) {
			tdm_fail(EBADMSG, "store GET_PERMS %s: bad entry",
				 path);
			goto fail;
		}
	}
	if (n == 0) {
		tdm_fail(EBADMSG, "store GET_PERMS %s: no entries", path);
		goto fail;
	}
	free(vec);
	free(reply);
	*num = n;
	return p;
fail:
	free(vec);
	free(p);
	free(reply);
	return NULL;
}

int tdm_xs_set_perms(struct tdm_xs *x, uint32_t tx, const char *path,
		     const struct tdm_xs_perm *perms, unsigned int num)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t used = 0;
	unsigned int i;
	int n;

	if (num == 0)
		return tdm_fail(EINVAL, "store SET_PERMS %s: no entries", path);
	for (i = 0; i < num; i++) {
		n = tdm_xs_perm_format(&perms[i], buf + used,
				       sizeof(buf) - used);
		if (n < 0)
			return tdm_fail(-n, "store SET_PERMS %s: entry %u",
					path, i);
		used += (size_t)n + 1;
	}
	return path_request(x, XS_SET_PERMS, tx, path, buf, used, NULL, NULL);
}

int tdm_xs_transaction_start(struct tdm_xs *x, uint32_t *tx)
{
	struct iovec iov = { .iov_base = "", .iov_len = 1 };
	unsigned long long id;
	void *reply;
	int r;

	r = tdm_xs_request(x, XS_TRANSACTION_START, 0, &iov, 1, &reply, NULL);
	if (r < 0)
		return x->broken ? r : tdm_fail(-r, "store TRANSACTION_START");
	r = tdm_xs_parse_uint(reply, UINT32_MAX, &id);
	free(reply);
	if (r < 0 || id == 0)
		return tdm_fail(EBADMSG, "store TRANSACTION_START: bad id");
	*tx = (uint32_t)id;
	return 0;
}

int tdm_xs_transaction_end(struct tdm_xs *x, uint32_t tx, bool commit)
{
	struct iovec iov = { .iov_base = commit ? "T" : "F", .iov_len = 2 };
	int r;

	r = tdm_xs_request(x, XS_TRANSACTION_END, tx, &iov, 1, NULL, NULL);
	if (r < 0 && !x->broken)
		return tdm_fail(-r, "store TRANSACTION_END %u%s", tx,
				r == -EAGAIN ? " (conflict: retry the "
				"transaction)" : "");
	return r;
}

static int watch_request(struct tdm_xs *x, uint32_t type, const char *path,
			 const char *token)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)path, .iov_len = strlen(path) + 1 },
		{ .iov_base = (void *)token, .iov_len = strlen(token) + 1 },
	};
	int r = tdm_xs_request(x, type, 0, iov, 2, NULL, NULL);

	if (r < 0 && !x->broken)
		return tdm_fail(-r, "store %s %s %s", tdm_xs_type_name(type),
				path, token);
	return r;
}

int tdm_xs_watch(struct tdm_xs *x, const char *path, const char *token)
{
	return watch_request(x, XS_WATCH, path, token);
}

int tdm_xs_unwatch(struct tdm_xs *x, const char *path, const char *token)
{
	return watch_request(x, XS_UNWATCH, path, token);
}

int tdm_xs_read_watch(struct tdm_xs *x, struct tdm_xs_event **ev)
{
	struct ev_node *e;
	int r;

	*ev = NULL;
	if (!x->ev_head && !x->broken) {
		/* Only events can be waiting here, never a reply. */
		r = pump(x);
		if (r < 0)
			return r;
		if (r == 1) {
			x->rx_have = 0;
			return break_conn(x, EBADMSG, "unexpected reply");
		}
	}
	if (x->ev_lost) {
		x->ev_lost = false;
		if (!x->ev_head)
			ev_signal(x, false);
		return tdm_fail(ENOBUFS, "store watch events were lost "
				"(re-read the watched nodes)");
	}
	e = x->ev_head;
	if (!e) {
		ev_signal(x, false);
		return x->broken ? check_usable(x) : 0;
	}
	x->ev_head = e->next;
	if (!x->ev_head)
		x->ev_tail = NULL;
	x->nr_ev--;
	if (!x->ev_head)
		ev_signal(x, false);
	*ev = &e->ev;
	return 1;
}

int tdm_xs_wait_watch(struct tdm_xs *x, int timeout_ms,
		      struct tdm_xs_event **ev)
{
	int64_t deadline = deadline_after(timeout_ms);
	int r;

	for (;;) {
		r = tdm_xs_read_watch(x, ev);
		if (r != 0)
			return r;
		r = wait_readable(x, deadline);
		if (r <= 0)
			return r;
	}
}

/* A request whose arguments are a domid and optional further strings. */
static int domid_request(struct tdm_xs *x, uint32_t type, domid_t domid,
			 const char *arg2, const char *arg3, void **reply)
{
	const char *args[2] = { arg2, arg3 };
	struct iovec iov;
	char buf[96];
	size_t n;
	unsigned int i;
	int r;

	n = (size_t)snprintf(buf, sizeof(buf), "%u", domid) + 1;
	for (i = 0; i < 2 && args[i]; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s",
				      args[i]) + 1;
	iov.iov_base = buf;
	iov.iov_len = n;
	r = tdm_xs_request(x, type, 0, &iov, 1, reply, NULL);
	if (r < 0 && !x->broken)
		return tdm_fail(-r, "store %s %u", tdm_xs_type_name(type),
				domid);
	return r;
}

int tdm_xs_introduce(struct tdm_xs *x, domid_t domid, uint64_t mfn,
		     uint32_t port)
{
	char m[24], p[16];

	snprintf(m, sizeof(m), "%llu", (unsigned long long)mfn);
	snprintf(p, sizeof(p), "%u", port);
	return domid_request(x, XS_INTRODUCE, domid, m, p, NULL);
}

int tdm_xs_release(struct tdm_xs *x, domid_t domid)
{
	return domid_request(x, XS_RELEASE, domid, NULL, NULL, NULL);
}

int tdm_xs_resume(struct tdm_xs *x, domid_t domid)
{
	return domid_request(x, XS_RESUME, domid, NULL, NULL, NULL);
}

int tdm_xs_is_introduced(struct tdm_xs *x, domid_t domid)
{
	void *reply;
	int r;

	r = domid_request(x, XS_IS_DOMAIN_INTRODUCED, domid, NULL, NULL,
			  &reply);
	if (r < 0)
		return r;
	r = strcmp(reply, "T") == 0;
	free(reply);
	return r;
}

char *tdm_xs_get_domain_path(struct tdm_xs *x, domid_t domid)
{
	void *reply;

	if (domid_request(x, XS_GET_DOMAIN_PATH, domid, NULL, NULL, &reply) < 0)
		return NULL;
	return reply;
}

int tdm_xs_set_target(struct tdm_xs *x, domid_t domid, domid_t target)
{
	char t[16];

	snprintf(t, sizeof(t), "%u", target);
	return domid_request(x, XS_SET_TARGET, domid, t, NULL, NULL);
}

int tdm_xs_reset_watches(struct tdm_xs *x)
{
	struct iovec iov = { .iov_base = "", .iov_len = 1 };
	int r = tdm_xs_request(x, XS_RESET_WATCHES, 0, &iov, 1, NULL, NULL);

	if (r < 0 && !x->broken)
		return tdm_fail(-r, "store RESET_WATCHES");
	return r;
}
