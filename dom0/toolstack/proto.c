// SPDX-License-Identifier: MIT
/*
 * The toolstack protocol's codec and a blocking client (see proto.h).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"
#include "ts_error.h"

static const char *const type_names[] = {
	[TS_REQ_PING] = "ping",
	[TS_REQ_LIST] = "list",
	[TS_REQ_CREATE] = "create",
	[TS_REQ_PAUSE] = "pause",
	[TS_REQ_UNPAUSE] = "unpause",
	[TS_REQ_SHUTDOWN] = "shutdown",
	[TS_REQ_REBOOT] = "reboot",
	[TS_REQ_DESTROY] = "destroy",
	[TS_REQ_INFO] = "info",
};

const char *ts_type_name(unsigned int type)
{
	if (type >= sizeof(type_names) / sizeof(type_names[0]))
		return NULL;
	return type_names[type];
}

int ts_encode(void *buf, size_t size, unsigned int type, uint32_t id,
	      const char *const *args, unsigned int n)
{
	struct ts_hdr h;
	size_t len = 0, pos = TS_HDR_SIZE;
	unsigned int i;

	if (n > TS_MAX_ARGS || type > UINT16_MAX)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		size_t l = strlen(args[i]) + 1;

		if (l > TS_MAX_PAYLOAD - len)
			return -E2BIG;
		len += l;
	}
	if (size < TS_HDR_SIZE + len)
		return -ENOSPC;
	h.magic = TS_MAGIC;
	h.version = TS_VERSION;
	h.type = (uint16_t)type;
	h.id = id;
	h.len = (uint32_t)len;
	memcpy(buf, &h, sizeof(h));
	for (i = 0; i < n; i++) {
		size_t l = strlen(args[i]) + 1;

		memcpy((char *)buf + pos, args[i], l);
		pos += l;
	}
	return (int)pos;
}

int ts_check_header(const void *buf, size_t len, struct ts_hdr *h)
{
	if (len < TS_HDR_SIZE)
		return 0;
	memcpy(h, buf, sizeof(*h));
	if (h->magic != TS_MAGIC)
		return -EPROTO;
	if (h->version != TS_VERSION)
		return -EPROTONOSUPPORT;
	if (h->len > TS_MAX_PAYLOAD)
		return -EMSGSIZE;
	return TS_HDR_SIZE;
}

int ts_split(const char *payload, size_t len, const char **args,
	     unsigned int max)
{
	size_t pos = 0;
	unsigned int n = 0;

	if (len && payload[len - 1] != '\0')
		return -EINVAL;
	while (pos < len) {
		const char *nul = memchr(payload + pos, '\0', len - pos);

		if (n == max)
			return -E2BIG;
		args[n++] = payload + pos;
		pos = (size_t)(nul - payload) + 1;
	}
	return (int)n;
}

int ts_connect(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, err;

	if (!path)
		path = TS_SOCKET_DEFAULT;
	if (strlen(path) >= sizeof(a.sun_path))
		return ts_fail(ENAMETOOLONG, "socket path %s is too long",
			       path);
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ts_fail(errno, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return fd;
	err = errno;
	close(fd);
	if (err == ENOENT || err == ECONNREFUSED)
		return ts_fail(err, "cannot reach tandemd at %s: %s (is it "
			       "running? start it as root with 'tandemd', or "
			       "name its socket with --socket)", path,
			       strerror(err));
	if (err == EACCES || err == EPERM)
		return ts_fail(err, "cannot reach tandemd at %s: %s (only "
			       "root may manage VMs: use sudo)", path,
			       strerror(err));
	return ts_fail(err, "cannot reach tandemd at %s: %s", path,
		       strerror(err));
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Read exactly len bytes before the deadline (deadline < 0: none). */
static int read_full(int fd, void *buf, size_t len, long deadline)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int wait = -1;
		ssize_t n;

		if (deadline >= 0) {
			long left = deadline - now_ms();

			if (left <= 0)
				return ts_fail(ETIMEDOUT, "tandemd did not "
					       "answer in time");
			wait = (int)left;
		}
		if (poll(&p, 1, wait) < 0) {
			if (errno == EINTR)
				continue;
			return ts_fail(errno, "poll: %s", strerror(errno));
		}
		if (!p.revents)
			continue;
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ts_fail(errno, "read from tandemd: %s",
				       strerror(errno));
		if (n == 0)
			return ts_fail(EPIPE, "tandemd closed the connection "
				       "(did it stop? see its log)");
		got += (size_t)n;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = send(fd, (const char *)buf + done, len - done,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ts_fail(errno, "write to tandemd: %s",
				       strerror(errno));
		done += (size_t)n;
	}
	return 0;
}

int ts_call(int fd, unsigned int type, const char *const *args,
	    unsigned int n, int timeout_ms, unsigned int *rtype,
	    char **payload, size_t *len)
{
	static uint32_t next_id = 1;
	long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	uint32_t id = next_id++;
	struct ts_hdr h;
	char *msg, hb[TS_HDR_SIZE];
	int ret;

	msg = malloc(TS_HDR_SIZE + TS_MAX_PAYLOAD);
	if (!msg)
		return ts_fail(ENOMEM, "out of memory");
	ret = ts_encode(msg, TS_HDR_SIZE + TS_MAX_PAYLOAD, type, id, args, n);
	if (ret < 0) {
		free(msg);
		return ts_fail(-ret, "request too large");
	}
	ret = write_full(fd, msg, (size_t)ret);
	free(msg);
	if (ret)
		return ret;
	ret = read_full(fd, hb, sizeof(hb), deadline);
	if (ret)
		return ret;
	ret = ts_check_header(hb, sizeof(hb), &h);
	if (ret < 0)
		return ts_fail(EPROTO, "tandemd sent a bad reply header (%d)",
			       ret);
	if (h.id != id || (h.type != TS_REPLY_OK && h.type != TS_REPLY_ERROR))
		return ts_fail(EPROTO, "tandemd answered another request "
			       "(id %u type %u, want id %u)", h.id, h.type,
			       id);
	msg = malloc((size_t)h.len + 1);
	if (!msg)
		return ts_fail(ENOMEM, "out of memory");
	ret = read_full(fd, msg, h.len, deadline);
	if (ret) {
		free(msg);
		return ret;
	}
	msg[h.len] = '\0';
	*rtype = h.type;
	*payload = msg;
	*len = h.len;
	return 0;
}
