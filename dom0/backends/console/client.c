// SPDX-License-Identifier: MIT
/*
 * The attach socket: clients of tandem-consoled (the protocol is in
 * libtandem/console.h). A client that breaks the protocol gets an ERROR
 * frame and one log line, and is closed; nothing it sends reaches a guest
 * unless it holds that console's keyboard.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libtandem/error.h>
#include <libtandem/server.h>

#include "consoled.h"

#define HDR	sizeof(struct tdm_cons_hdr)

int clients_listen(const char *path)
{
	int fd = tdm_listen_unix(path, 32);

	if (fd < 0)
		return fd;
	cd.listen_fd = fd;
	return 0;
}

void clients_accept(void)
{
	struct ucred cred;
	struct client *cl;
	int fd;

	fd = tdm_accept_local(cd.listen_fd, &cred);
	if (fd == -EACCES)
		cd_log(LOG_WARNING, "%s", tdm_errmsg());
	if (fd < 0)
		return;
	if (cd.nclients == CD_MAX_CLIENTS) {
		cd_log(LOG_WARNING, "refused pid %d: %d clients already",
		       (int)cred.pid, CD_MAX_CLIENTS);
		close(fd);
		return;
	}
	cl = calloc(1, sizeof(*cl));
	if (!cl) {
		close(fd);
		return;
	}
	cl->fd = fd;
	cl->pid = (int)cred.pid;
	cl->state = CL_HELLO;
	cl->deadline_ms = cd_now_ms() + CD_HELLO_MS;
	snprintf(cl->label, sizeof(cl->label), "client pid %d", cl->pid);
	cd.clients[cd.nclients++] = cl;
	cd_log(LOG_DEBUG, "%s connected", cl->label);
}

void client_drop(struct client *cl, const char *why)
{
	int i;

	if (why)
		cd_log(LOG_INFO, "%s: %s", cl->label, why);
	if (cl->cons)
		console_detach(cl->cons, cl);
	close(cl->fd);
	bq_free(&cl->out);
	for (i = 0; i < cd.nclients; i++) {
		if (cd.clients[i] == cl) {
			cd.clients[i] = cd.clients[--cd.nclients];
			break;
		}
	}
	free(cl);
}

void clients_close_all(void)
{
	while (cd.nclients)
		client_drop(cd.clients[cd.nclients - 1], NULL);
	if (cd.listen_fd >= 0)
		close(cd.listen_fd);
	cd.listen_fd = -1;
}

/* Queue a frame; a client too far behind is marked and dropped later. */
static void send_frame(struct client *cl, int type, const void *payload,
		       size_t len)
{
	struct tdm_cons_hdr h = { .type = (uint8_t)type, .len = (uint16_t)len };
	size_t max = cd.cfg.scrollback + CD_CLIENT_BACKLOG;

	if (cl->overflow)
		return;
	if (cl->out.len + HDR + len > max ||
	    bq_push(&cl->out, &h, HDR, max) < 0 ||
	    bq_push(&cl->out, payload, len, max) < 0)
		cl->overflow = true;
}

static void send_error(struct client *cl, int err, const char *msg)
{
	char buf[sizeof(struct tdm_cons_error) + 512];
	struct tdm_cons_error e = { .err = err };
	size_t n = strlen(msg);

	if (n > sizeof(buf) - sizeof(e))
		n = sizeof(buf) - sizeof(e);
	memcpy(buf, &e, sizeof(e));
	memcpy(buf + sizeof(e), msg, n);
	send_frame(cl, TDM_CONS_ERROR, buf, sizeof(e) + n);
	if (cl->cons)
		console_detach(cl->cons, cl);
	cl->state = CL_CLOSING;
	cl->deadline_ms = cd_now_ms() + CD_FLUSH_MS;
}

/* A protocol violation: an ERROR, one log line, and out. */
static void garbage(struct client *cl, const char *what)
{
	char msg[160];

	cd_log(LOG_WARNING, "%s: %s; dropping it", cl->label, what);
	snprintf(msg, sizeof(msg), "protocol error: %s", what);
	send_error(cl, EPROTO, msg);
}

void client_output(struct client *cl, const void *data, size_t len)
{
	const char *p = data;
	size_t n;

	while (len) {
		n = len > TDM_CONS_MAX_PAYLOAD ? TDM_CONS_MAX_PAYLOAD : len;
		send_frame(cl, TDM_CONS_OUTPUT, p, n);
		p += n;
		len -= n;
	}
}

void client_keyboard(struct client *cl, bool has)
{
	uint32_t flags = has ? TDM_CONS_HAS_KEYBOARD : 0;

	send_frame(cl, TDM_CONS_KEYBOARD, &flags, sizeof(flags));
}

void client_gone(struct client *cl, const char *why)
{
	send_frame(cl, TDM_CONS_GONE, why, strlen(why));
	cl->cons = NULL;
	cl->cons_next = NULL;
	cl->state = CL_CLOSING;
	cl->deadline_ms = cd_now_ms() + CD_FLUSH_MS;
}

static bool name_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static void attach(struct client *cl, const unsigned char *p, size_t len)
{
	const uint32_t known = TDM_CONS_READ_ONLY | TDM_CONS_NO_SCROLLBACK;
	char buf[sizeof(struct tdm_cons_welcome) + TDM_CONS_MAX_NAME];
	char vm[TDM_CONS_MAX_NAME + 1], msg[640], what[96];
	struct tdm_cons_welcome w = { .version = TDM_CONS_VERSION };
	struct tdm_cons_attach a;
	const char *p1, *p2;
	size_t n1, n2, n;
	struct console *c;
	int err;

	if (len < sizeof(a) + 1 || len > sizeof(a) + TDM_CONS_MAX_NAME) {
		snprintf(what, sizeof(what), "ATTACH of %zu bytes", len);
		garbage(cl, what);
		return;
	}
	memcpy(&a, p, sizeof(a));
	if (a.magic != TDM_CONS_MAGIC) {
		garbage(cl, "not a console client (bad magic)");
		return;
	}
	if (a.version != TDM_CONS_VERSION) {
		cd_log(LOG_WARNING, "%s: protocol version %u; dropping it",
		       cl->label, a.version);
		snprintf(msg, sizeof(msg), "protocol version %u is not "
			 "supported (this daemon speaks %d)", a.version,
			 TDM_CONS_VERSION);
		send_error(cl, EPROTONOSUPPORT, msg);
		return;
	}
	n = len - sizeof(a);
	if ((a.flags & ~known) || !name_ok((const char *)p + sizeof(a), n)) {
		garbage(cl, "bad ATTACH flags or VM name");
		return;
	}
	memcpy(vm, p + sizeof(a), n);
	vm[n] = '\0';
	c = domains_find(vm, a.console, &err, msg, sizeof(msg));
	if (!c) {
		cd_log(LOG_INFO, "%s: %s", cl->label, msg);
		send_error(cl, err, msg);
		return;
	}
	cl->read_only = a.flags & TDM_CONS_READ_ONLY;
	console_attach(c, cl);
	cl->state = CL_ATTACHED;
	w.console = (uint16_t)c->devid;
	w.domid = c->dom->domid;
	w.flags = c->keyboard == cl ? TDM_CONS_HAS_KEYBOARD : 0;
	n = strlen(c->dom->name);
	memcpy(buf, &w, sizeof(w));
	memcpy(buf + sizeof(w), c->dom->name, n);
	send_frame(cl, TDM_CONS_WELCOME, buf, sizeof(w) + n);
	/* The scrollback, then live output: nothing can come in between. */
	if (!(a.flags & TDM_CONS_NO_SCROLLBACK)) {
		sbuf_pieces(&c->scroll, &p1, &n1, &p2, &n2);
		client_output(cl, p1, n1);
		client_output(cl, p2, n2);
	}
	send_frame(cl, TDM_CONS_LIVE, NULL, 0);
	cd_log(LOG_INFO, "%s attached to %s%s", cl->label, c->label,
	       cl->read_only ? " (read-only)" : "");
}

void client_process(struct client *cl)
{
	struct tdm_cons_hdr h;
	const unsigned char *payload = cl->rbuf + HDR;
	char what[64];
	struct console *c;
	size_t len;

	while (cl->state != CL_CLOSING && cl->rlen >= HDR) {
		memcpy(&h, cl->rbuf, HDR);
		if (h.reserved || h.len > TDM_CONS_MAX_PAYLOAD) {
			snprintf(what, sizeof(what), "bad frame header "
				 "(type %u, length %u)", h.type, h.len);
			garbage(cl, what);
			return;
		}
		len = h.len;
		if (cl->rlen < HDR + len)
			return;
		if (cl->state == CL_HELLO) {
			if (h.type != TDM_CONS_ATTACH) {
				snprintf(what, sizeof(what), "frame type %u "
					 "before ATTACH", h.type);
				garbage(cl, what);
				return;
			}
			attach(cl, payload, len);
		} else if (h.type == TDM_CONS_INPUT) {
			c = cl->cons;
			/* Only the keyboard holder types; others are muted. */
			if (c && c->keyboard == cl) {
				if (console_input_room(c) < len)
					return;	/* wait for the guest */
				console_input(c, payload, len);
			}
		} else {
			snprintf(what, sizeof(what), "unexpected frame type %u",
				 h.type);
			garbage(cl, what);
			return;
		}
		cl->rlen -= HDR + len;
		memmove(cl->rbuf, cl->rbuf + HDR + len, cl->rlen);
	}
}

bool client_wants_input(const struct client *cl)
{
	return cl->state == CL_CLOSING || cl->rlen < sizeof(cl->rbuf);
}

static bool flush(struct client *cl)
{
	ssize_t n;

	while (cl->out.len) {
		n = send(cl->fd, cl->out.data + cl->out.off, cl->out.len,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		bq_pop(&cl->out, (size_t)n);
	}
	return true;
}

bool client_io(struct client *cl, short revents)
{
	char sink[512];
	ssize_t n;

	if (revents & POLLNVAL) {
		client_drop(cl, "bad descriptor");
		return false;
	}
	/*
	 * A client that closes with our output unread resets the
	 * connection (POLLERR), but what it sent before is still there.
	 */
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		if (cl->state == CL_CLOSING)
			n = read(cl->fd, sink, sizeof(sink));
		else
			n = read(cl->fd, cl->rbuf + cl->rlen,
				 sizeof(cl->rbuf) - cl->rlen);
		if (n > 0 && cl->state != CL_CLOSING)
			cl->rlen += (size_t)n;
		client_process(cl);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			client_drop(cl, cl->state == CL_ATTACHED ? "detached" :
				    cl->state == CL_HELLO ?
				    "hung up before attaching" : NULL);
			return false;
		}
	}
	client_process(cl);
	if (cl->overflow) {
		cd_log(LOG_WARNING, "%s fell more than %zu bytes behind the "
		       "output; dropping it", cl->label,
		       cd.cfg.scrollback + CD_CLIENT_BACKLOG);
		client_drop(cl, NULL);
		return false;
	}
	if (!flush(cl)) {
		client_drop(cl, "connection lost");
		return false;
	}
	if (cl->state == CL_CLOSING && cl->out.len == 0) {
		client_drop(cl, NULL);
		return false;
	}
	if (cl->state != CL_ATTACHED && cd_now_ms() >= cl->deadline_ms) {
		if (cl->state == CL_HELLO)
			cd_log(LOG_WARNING, "%s sent no ATTACH within %d s; "
			       "dropping it", cl->label, CD_HELLO_MS / 1000);
		client_drop(cl, NULL);
		return false;
	}
	return true;
}
