// SPDX-License-Identifier: MIT
/*
 * Attaching to a VM's console through tandem-consoled (see
 * libtandem/console.h).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <libtandem/console.h>
#include <libtandem/error.h>

#define HDR		sizeof(struct tdm_cons_hdr)
#define HELLO_MS	10000
#define SEND_MAX	(4 * (HDR + TDM_CONS_MAX_PAYLOAD))

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write all of it, waiting if fd is non-blocking. */
static int write_all(int fd, const void *data, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	const char *s = data;
	ssize_t n;

	while (len) {
		n = write(fd, s, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				poll(&p, 1, -1);
				continue;
			}
			return -errno;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read exactly len bytes within the deadline: 0, or -errno. */
static int read_exact(int fd, void *buf, size_t len, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char *d = buf;
	int64_t left;
	ssize_t n;

	while (len) {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
		n = read(fd, d, len);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		d += n;
		len -= (size_t)n;
	}
	return 0;
}

static const char *socket_path(const struct tdm_console_opts *opts)
{
	const char *path = opts ? opts->socket : NULL;

	if (!path)
		path = getenv(TDM_CONSOLE_SOCKET_ENV);
	if (!path || !*path)
		path = TDM_CONSOLE_SOCKET_DEFAULT;
	return path;
}

/* An ERROR frame's payload as the caller's failure. */
static int daemon_error(const char *vm, const char *p, size_t len)
{
	struct tdm_cons_error e;
	int err;

	if (len < sizeof(e))
		return tdm_fail(EPROTO, "attach to %s: a short ERROR from the "
				"console daemon", vm);
	memcpy(&e, p, sizeof(e));
	err = e.err > 0 && e.err < 4096 ? e.err : EPROTO;
	return tdm_fail(err, "attach to %s: %.*s", vm,
			(int)(len - sizeof(e)), p + sizeof(e));
}

int tdm_console_connect(const char *vm, const struct tdm_console_opts *opts,
			struct tdm_console_info *info)
{
	char buf[sizeof(struct tdm_cons_attach) + TDM_CONS_MAX_NAME];
	char reply[TDM_CONS_MAX_PAYLOAD];
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct tdm_cons_attach a = {
		.magic = TDM_CONS_MAGIC,
		.version = TDM_CONS_VERSION,
	};
	struct tdm_cons_welcome w;
	struct tdm_cons_hdr h;
	const char *path = socket_path(opts);
	size_t n = vm ? strlen(vm) : 0;
	int64_t deadline;
	int fd, ret;

	if (n == 0 || n > TDM_CONS_MAX_NAME)
		return tdm_fail(EINVAL, "VM name '%s' (1 to %d bytes)",
				vm ? vm : "", TDM_CONS_MAX_NAME);
	if (opts && opts->console > 0xffff)
		return tdm_fail(EINVAL, "console %u", opts->console);
	if (strlen(path) >= sizeof(addr.sun_path))
		return tdm_fail(ENAMETOOLONG, "console socket %s", path);
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return tdm_fail(errno, "socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		ret = tdm_fail(errno, "connect to the console daemon at %s "
			       "(is tandem-consoled running? are we root?)",
			       path);
		goto fail;
	}
	if (opts) {
		a.console = (uint16_t)opts->console;
		a.flags = (opts->read_only ? TDM_CONS_READ_ONLY : 0) |
			  (opts->no_scrollback ? TDM_CONS_NO_SCROLLBACK : 0);
	}
	h.type = TDM_CONS_ATTACH;
	h.reserved = 0;
	h.len = (uint16_t)(sizeof(a) + n);
	memcpy(buf, &a, sizeof(a));
	memcpy(buf + sizeof(a), vm, n);
	ret = write_all(fd, &h, HDR);
	if (ret == 0)
		ret = write_all(fd, buf, sizeof(a) + n);
	if (ret < 0) {
		ret = tdm_fail(-ret, "send to the console daemon at %s", path);
		goto fail;
	}
	deadline = now_ms() + HELLO_MS;
	ret = read_exact(fd, &h, HDR, deadline);
	if (ret == 0 && h.len > TDM_CONS_MAX_PAYLOAD)
		ret = -EPROTO;
	if (ret == 0)
		ret = read_exact(fd, reply, h.len, deadline);
	if (ret < 0) {
		ret = tdm_fail(-ret, "the console daemon's answer");
		goto fail;
	}
	if (h.type == TDM_CONS_ERROR) {
		ret = daemon_error(vm, reply, h.len);
		goto fail;
	}
	if (h.type != TDM_CONS_WELCOME || h.len < sizeof(w) ||
	    h.len > sizeof(w) + TDM_CONS_MAX_NAME) {
		ret = tdm_fail(EPROTO, "the console daemon's answer (frame "
			       "type %u)", h.type);
		goto fail;
	}
	memcpy(&w, reply, sizeof(w));
	if (info) {
		info->domid = w.domid;
		info->console = w.console;
		info->keyboard = w.flags & TDM_CONS_HAS_KEYBOARD;
		memcpy(info->name, reply + sizeof(w), h.len - sizeof(w));
		info->name[h.len - sizeof(w)] = '\0';
	}
	return fd;
fail:
	close(fd);
	return ret;
}

int tdm_console_attach(const char *vm, int in_fd, int out_fd)
{
	return tdm_console_attach_opts(vm, in_fd, out_fd, NULL);
}

/* What a session needs besides its options. */
struct session {
	int sock, in_fd, out_fd;
	bool tty;		/* in_fd is a terminal (in raw mode now) */
	bool quiet;
	bool line_start;	/* out_fd's last byte ended a line */
	struct tdm_console_info info;
	char rx[HDR + TDM_CONS_MAX_PAYLOAD];
	size_t rx_len;
	char tx[SEND_MAX];
	size_t tx_len;
};

/* A line of our own among the guest's output. */
static void notice(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void notice(struct session *s, const char *fmt, ...)
{
	char line[600];
	va_list ap;
	int n;

	if (s->quiet)
		return;
	/* On a line of its own, even after a guest's half line. */
	n = snprintf(line, sizeof(line), "%s[", s->line_start ? "" :
		     s->tty ? "\r\n" : "\n");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 4)
		n = (int)sizeof(line) - 4;
	n += snprintf(line + n, sizeof(line) - (size_t)n, "]%s",
		      s->tty ? "\r\n" : "\n");
	(void)write_all(s->out_fd, line, (size_t)n);
	s->line_start = true;
}

/* Queue keystrokes as INPUT frames (the caller made room). */
static void queue_input(struct session *s, const char *p, size_t len)
{
	struct tdm_cons_hdr h = { .type = TDM_CONS_INPUT };

	if (!len)
		return;
	h.len = (uint16_t)len;
	memcpy(s->tx + s->tx_len, &h, HDR);
	memcpy(s->tx + s->tx_len + HDR, p, len);
	s->tx_len += HDR + len;
}

/*
 * Frames from the daemon. Returns 1 to go on, 0 when the session ended
 * normally (*end says how), or -errno.
 */
static int receive(struct session *s, enum tdm_console_end *end,
		   bool *output)
{
	struct tdm_cons_hdr h;
	uint32_t flags;
	ssize_t n;
	int ret;

	n = read(s->sock, s->rx + s->rx_len, sizeof(s->rx) - s->rx_len);
	if (n == 0)
		return tdm_fail(ECONNRESET, "the console daemon closed the "
				"connection to %s", s->info.name);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 :
		       tdm_fail(errno, "read from the console daemon");
	s->rx_len += (size_t)n;
	while (s->rx_len >= HDR) {
		memcpy(&h, s->rx, HDR);
		if (h.len > TDM_CONS_MAX_PAYLOAD)
			return tdm_fail(EPROTO, "a frame of %u bytes from the "
					"console daemon", h.len);
		if (s->rx_len < HDR + h.len)
			break;
		switch (h.type) {
		case TDM_CONS_OUTPUT:
			ret = write_all(s->out_fd, s->rx + HDR, h.len);
			if (ret < 0)
				return tdm_fail(-ret, "write the console "
						"output");
			if (h.len)
				s->line_start = s->rx[HDR + h.len - 1] == '\n';
			*output = true;
			break;
		case TDM_CONS_LIVE:
			break;
		case TDM_CONS_KEYBOARD:
			if (h.len < sizeof(flags))
				return tdm_fail(EPROTO, "a short KEYBOARD "
						"frame");
			memcpy(&flags, s->rx + HDR, sizeof(flags));
			if (flags & TDM_CONS_HAS_KEYBOARD)
				notice(s, "you have the keyboard again");
			else
				notice(s, "another client took the keyboard; "
				       "watching only");
			break;
		case TDM_CONS_GONE:
			notice(s, "%.*s", (int)h.len, s->rx + HDR);
			*end = TDM_CONSOLE_GONE;
			return 0;
		case TDM_CONS_ERROR:
			return daemon_error(s->info.name, s->rx + HDR, h.len);
		default:
			return tdm_fail(EPROTO, "frame type %u from the "
					"console daemon", h.type);
		}
		s->rx_len -= HDR + h.len;
		memmove(s->rx, s->rx + HDR + h.len, s->rx_len);
	}
	return 1;
}

/* Keystrokes from in_fd: 1 to go on, 0 on the escape key, or -errno. */
static int keystrokes(struct session *s, int escape, bool *eof)
{
	char buf[TDM_CONS_MAX_PAYLOAD];
	const char *esc;
	ssize_t n;

	n = read(s->in_fd, buf, sizeof(buf));
	if (n == 0) {
		*eof = true;
		return 1;
	}
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 :
		       tdm_fail(errno, "read the keyboard");
	esc = escape >= 0 ? memchr(buf, escape, (size_t)n) : NULL;
	if (esc) {
		queue_input(s, buf, (size_t)(esc - buf));
		return 0;
	}
	queue_input(s, buf, (size_t)n);
	return 1;
}

/* Send what is queued without blocking: 0, or -errno. */
static int send_queued(struct session *s)
{
	ssize_t n;

	while (s->tx_len) {
		n = send(s->sock, s->tx, s->tx_len, MSG_NOSIGNAL |
			 MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 :
			       tdm_fail(errno, "send to the console daemon");
		s->tx_len -= (size_t)n;
		memmove(s->tx, s->tx + n, s->tx_len);
	}
	return 0;
}

static int session_loop(struct session *s, struct tdm_console_opts *o,
			const sigset_t *wait_mask)
{
	int escape = o->escape == 0 ? TDM_CONSOLE_ESCAPE_DEFAULT : o->escape;
	int linger = o->linger_ms == 0 ? 1000 : o->linger_ms;
	bool eof = false, output;
	struct timespec ts, *tsp;
	struct pollfd p[2];
	int64_t quiet_until = 0, left;
	int ret, n;

	for (;;) {
		p[0].fd = s->sock;
		p[0].events = POLLIN | (s->tx_len ? POLLOUT : 0);
		p[1].fd = s->in_fd;
		/* Read keys only when the last ones have left. */
		p[1].events = !eof && s->tx_len == 0 ? POLLIN : 0;
		n = eof ? 1 : 2;
		tsp = NULL;
		if (eof && linger >= 0 && s->tx_len == 0) {
			left = quiet_until - now_ms();
			if (left < 0)
				left = 0;
			ts.tv_sec = left / 1000;
			ts.tv_nsec = (left % 1000) * 1000000;
			tsp = &ts;
		}
		ret = ppoll(p, (nfds_t)n, tsp, wait_mask);
		if (got_signal) {
			o->ended = TDM_CONSOLE_INTERRUPTED;
			return tdm_fail(EINTR, "console of %s: interrupted by "
					"signal %d", s->info.name,
					(int)got_signal);
		}
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			return tdm_fail(errno, "poll");
		}
		if (ret == 0) {
			o->ended = TDM_CONSOLE_INPUT_DONE;
			return 0;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			output = false;
			ret = receive(s, &o->ended, &output);
			if (ret <= 0)
				return ret;
			if (output)
				quiet_until = now_ms() + linger;
		}
		if (n == 2 && p[1].events &&
		    (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			ret = keystrokes(s, escape, &eof);
			if (ret < 0)
				return ret;
			if (ret == 0) {
				/* Keys typed before the escape still go. */
				(void)send_queued(s);
				o->ended = TDM_CONSOLE_ESCAPED;
				notice(s, "detached from %s", s->info.name);
				return 0;
			}
			if (eof)
				quiet_until = now_ms() + linger;
		}
		ret = send_queued(s);
		if (ret < 0)
			return ret;
	}
}

/* "escape is ^]" */
static const char *escape_hint(int escape, char *buf, size_t size)
{
	if (escape == 0)
		escape = TDM_CONSOLE_ESCAPE_DEFAULT;
	if (escape < 0)
		snprintf(buf, size, "no escape key");
	else if (escape < 0x20)
		snprintf(buf, size, "escape is ^%c", escape + '@');
	else
		snprintf(buf, size, "escape is '%c'", escape);
	return buf;
}

int tdm_console_attach_opts(const char *vm, int in_fd, int out_fd,
			    struct tdm_console_opts *opts)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa, old_sa[4], old_pipe;
	struct tdm_console_opts defaults = { 0 };
	struct termios saved, raw;
	sigset_t block, old_mask, wait_mask;
	char what[24] = "", hint[40];
	struct session *s;
	int ret;
	size_t i;

	if (!opts)
		opts = &defaults;
	opts->ended = TDM_CONSOLE_FAILED;
	s = calloc(1, sizeof(*s));
	if (!s)
		return tdm_fail(ENOMEM, "console session");
	s->in_fd = in_fd;
	s->out_fd = out_fd;
	s->quiet = opts->quiet;
	s->line_start = true;
	s->sock = tdm_console_connect(vm, opts, &s->info);
	if (s->sock < 0) {
		ret = s->sock;
		free(s);
		return ret;
	}

	/*
	 * Signals that end the session are blocked except inside ppoll(),
	 * so none is lost between checks; SIGPIPE is ignored meanwhile.
	 */
	got_signal = 0;
	sigemptyset(&block);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	for (i = 0; i < 4; i++) {
		sigaddset(&block, sigs[i]);
		sigaction(sigs[i], &sa, &old_sa[i]);
	}
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old_pipe);
	sigprocmask(SIG_BLOCK, &block, &old_mask);
	wait_mask = old_mask;
	for (i = 0; i < 4; i++)
		sigdelset(&wait_mask, sigs[i]);

	s->tty = isatty(in_fd) && tcgetattr(in_fd, &saved) == 0;
	if (s->tty) {
		raw = saved;
		cfmakeraw(&raw);
		if (tcsetattr(in_fd, TCSADRAIN, &raw) < 0)
			s->tty = false;
	}
	if (s->info.console)
		snprintf(what, sizeof(what), " console %u", s->info.console);
	notice(s, "attached to %s (dom%u)%s%s; %s", s->info.name,
	       s->info.domid, what, s->info.keyboard ? "" :
	       ", watching only", escape_hint(opts->escape, hint,
					      sizeof(hint)));
	ret = session_loop(s, opts, &wait_mask);

	if (s->tty)
		tcsetattr(in_fd, TCSADRAIN, &saved);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	for (i = 0; i < 4; i++)
		sigaction(sigs[i], &old_sa[i], NULL);
	close(s->sock);
	free(s);
	if (ret < 0 && opts->ended != TDM_CONSOLE_INTERRUPTED)
		opts->ended = TDM_CONSOLE_FAILED;
	return ret;
}
