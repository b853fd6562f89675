// SPDX-License-Identifier: MIT
/*
 * Host integration test of the console daemon: runs the real tandem-store
 * (--no-xen) and tandem-consoled-fake (the daemon with its fake
 * hypervisor, dom0/backends/console/hv_fake.h) in a temporary directory.
 * This program plays the guests (console pages in shared files, event
 * channels as datagrams), the toolstack (store keys) and the clients
 * (raw protocol frames, libtandem's tdm_console_attach, tandem-console).
 *
 *	test_console_daemon TANDEM-STORE TANDEM-CONSOLED-FAKE TANDEM-CONSOLE
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <public/io/console.h>
#include <public/io/xenbus.h>

#include <libtandem/console.h>
#include <libtandem/error.h>
#include <libtandem/xs.h>

#include "hv_fake.h"

#include "check.h"

#define HDR	sizeof(struct tdm_cons_hdr)
#define RATE	(64 * 1024)
#define BURST	(16 * 1024)

static char dir[64], hvdir[80], logdir[128], store_sock[128];
static char cons_sock[128], store_pidf[128], cons_pidf[128];
static char store_logf[128], cons_logf[128];
static const char *console_bin;
static pid_t store_pid, cons_pid;
static struct tdm_xs *xs;
static int notify_fd;

struct guest {
	unsigned int domid;
	const char *name;
	unsigned int port;
	struct xencons_interface *page;
};

static struct guest alpha = { 5, "alpha", 11, NULL };
static struct guest beta = { 6, "beta", 12, NULL };
static struct guest gamma_ = { 7, "gamma", 13, NULL };
static struct guest dev1 = { 5, "alpha", 21, NULL };

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static bool wait_file(const char *path, pid_t pid)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (access(path, F_OK) == 0)
			return true;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return false;
		sleep_ms(25);
	}
	return false;
}

static size_t slurp(const char *path, char *buf, size_t max)
{
	size_t n = 0;
	FILE *f = fopen(path, "r");

	if (f) {
		n = fread(buf, 1, max - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return n;
}

/* How often the daemon's own log has said what. */
static int daemon_log_count(const char *what)
{
	static char buf[1 << 20];
	const char *p = buf;
	int n = 0;

	slurp(cons_logf, buf, sizeof(buf));
	while ((p = strstr(p, what))) {
		n++;
		p++;
	}
	return n;
}

static bool vm_log_has(const char *file, const char *what, int ms)
{
	static char buf[1 << 16];
	char path[256];
	int64_t end = now_ms() + ms;

	snprintf(path, sizeof(path), "%s/%s", logdir, file);
	do {
		slurp(path, buf, sizeof(buf));
		if (strstr(buf, what))
			return true;
		sleep_ms(10);
	} while (now_ms() < end);
	return false;
}

static long file_size(const char *file)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", logdir, file);
	return stat(path, &st) < 0 ? -1 : (long)st.st_size;
}

/*
 * The fake hypervisor, from the guests' side.
 */
static void hv_send(uint32_t domid, uint32_t port)
{
	struct hv_fake_msg m = { domid, port };
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	snprintf(a.sun_path, sizeof(a.sun_path), "%s/hv.sock", hvdir);
	sendto(notify_fd, &m, sizeof(m), 0, (struct sockaddr *)&a, sizeof(a));
}

static void domains_changed(void)
{
	hv_send(HV_FAKE_DOMAINS, 0);
}

static void notify(const struct guest *g)
{
	hv_send(g->domid, g->port);
}

static void *new_page(const char *kind, unsigned int domid, unsigned int n)
{
	char path[256];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/%s-%u-%u", hvdir, kind, domid, n);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, 4096) < 0)
		return NULL;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

static void set_domain(unsigned int domid, bool alive)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/dom-%u", hvdir, domid);
	if (alive)
		close(open(path, O_CREAT | O_WRONLY, 0600));
	else
		unlink(path);
}

static void xs_set(const char *path, const char *value)
{
	if (tdm_xs_write_str(xs, 0, path, value) < 0)
		printf("store write %s: %s\n", path, tdm_errmsg());
}

static void xs_setf(const char *value, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void xs_setf(const char *value, const char *fmt, ...)
{
	char path[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	xs_set(path, value);
}

/* A domain as the toolstack makes it: by grant 0, or only by frame. */
static void guest_start(struct guest *g, bool by_grant)
{
	char v[16];
	unsigned int frame = 4000 + g->domid;

	g->page = by_grant ? new_page("grant", g->domid, 0) :
		  new_page("frame", g->domid, frame);
	if (by_grant) {
		/* The same page, also reachable by frame. */
		char a[256], b[256];

		snprintf(a, sizeof(a), "%s/grant-%u-0", hvdir, g->domid);
		snprintf(b, sizeof(b), "%s/frame-%u-%u", hvdir, g->domid,
			 frame);
		if (link(a, b) < 0)
			perror("link");
	}
	xs_setf(g->name, "/local/domain/%u/name", g->domid);
	snprintf(v, sizeof(v), "%u", frame);
	xs_setf(v, "/local/domain/%u/console/ring-ref", g->domid);
	snprintf(v, sizeof(v), "%u", g->port);
	xs_setf(v, "/local/domain/%u/console/port", g->domid);
	xs_setf("xenconsoled", "/local/domain/%u/console/type", g->domid);
	set_domain(g->domid, true);
	domains_changed();
}

/* hvc_xen's side: write all of it, waiting while the ring is full. */
static bool guest_out(const struct guest *g, const char *s, size_t len)
{
	struct xencons_interface *p = g->page;
	int64_t end = now_ms() + 10000;
	XENCONS_RING_IDX cons, prod;
	size_t n;

	while (len) {
		cons = __atomic_load_n(&p->out_cons, __ATOMIC_ACQUIRE);
		prod = p->out_prod;
		n = XENCONS_OUT_SIZE - (prod - cons);
		if (n == 0) {
			if (now_ms() > end)
				return false;
			sleep_ms(1);
			continue;
		}
		if (n > len)
			n = len;
		len -= n;
		while (n--)
			p->out[xencons_out_slot(prod++)] = *s++;
		__atomic_store_n(&p->out_prod, prod, __ATOMIC_RELEASE);
		notify(g);
	}
	return true;
}

static bool guest_puts(const struct guest *g, const char *s)
{
	return guest_out(g, s, strlen(s));
}

/* Read the guest's input until want bytes came or ms passed. */
static size_t guest_in(const struct guest *g, char *buf, size_t want, int ms)
{
	struct xencons_interface *p = g->page;
	int64_t end = now_ms() + ms;
	XENCONS_RING_IDX cons, prod;
	size_t got = 0;

	for (;;) {
		cons = p->in_cons;
		prod = __atomic_load_n(&p->in_prod, __ATOMIC_ACQUIRE);
		if (cons != prod) {
			while (cons != prod && got < want)
				buf[got++] = p->in[xencons_in_slot(cons++)];
			__atomic_store_n(&p->in_cons, cons, __ATOMIC_RELEASE);
			notify(g);
		}
		if (got >= want || now_ms() > end)
			return got;
		sleep_ms(2);
	}
}

/*
 * Raw clients.
 */
struct frames {
	char out[1 << 18];	/* OUTPUT bytes */
	size_t len;
	long live_at;		/* len when LIVE came, or -1 */
	bool welcome;
	struct tdm_cons_welcome w;
	char name[TDM_CONS_MAX_NAME + 1];
	int keyboard;		/* last KEYBOARD flags, or -1 */
	int err;		/* ERROR's errno, or 0 */
	char msg[600];		/* ERROR or GONE text */
	bool gone, eof;
};

static int cl_open(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(a.sun_path, cons_sock);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("connect to the console daemon");
		return -1;
	}
	return fd;
}

static void cl_send(int fd, int type, const void *p, size_t n)
{
	struct tdm_cons_hdr h = { .type = (uint8_t)type, .len = (uint16_t)n };

	if (write(fd, &h, HDR) != HDR || (n && write(fd, p, n) != (ssize_t)n))
		printf("client write failed: %s\n", strerror(errno));
}

static int cl_attach(const char *vm, unsigned int devid, uint32_t flags)
{
	struct tdm_cons_attach a = {
		.magic = TDM_CONS_MAGIC, .version = TDM_CONS_VERSION,
		.console = (uint16_t)devid, .flags = flags,
	};
	char buf[sizeof(a) + TDM_CONS_MAX_NAME];
	int fd = cl_open();

	memcpy(buf, &a, sizeof(a));
	memcpy(buf + sizeof(a), vm, strlen(vm));
	cl_send(fd, TDM_CONS_ATTACH, buf, sizeof(a) + strlen(vm));
	return fd;
}

static void frames_init(struct frames *f)
{
	memset(f, 0, sizeof(*f));
	f->live_at = -1;
	f->keyboard = -1;
}

static bool read_exact(int fd, void *buf, size_t len, int64_t end)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char *d = buf;
	ssize_t n;

	while (len) {
		if (poll(&p, 1, (int)(end > now_ms() ? end - now_ms() : 0))
		    <= 0)
			return false;
		n = read(fd, d, len);
		if (n <= 0)
			return false;
		d += n;
		len -= (size_t)n;
	}
	return true;
}

/*
 * Take frames for up to ms, or until `until` appears in the output, LIVE
 * came (until == "" ), or the daemon ended (GONE, ERROR, EOF).
 */
static void cl_pump(int fd, struct frames *f, int ms, const char *until)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int64_t end = now_ms() + ms;
	struct tdm_cons_hdr h;
	char buf[TDM_CONS_MAX_PAYLOAD];
	uint32_t flags;
	size_t n;

	while (!f->gone && !f->eof && !f->err) {
		if (until && *until && memmem(f->out, f->len, until,
					      strlen(until)))
			return;
		if (until && !*until && f->live_at >= 0)
			return;
		if (poll(&p, 1, (int)(end > now_ms() ? end - now_ms() : 0))
		    <= 0)
			return;
		if (!read_exact(fd, &h, HDR, end + 1000) ||
		    !read_exact(fd, buf, h.len, end + 1000)) {
			f->eof = true;
			return;
		}
		switch (h.type) {
		case TDM_CONS_WELCOME:
			f->welcome = true;
			memcpy(&f->w, buf, sizeof(f->w));
			n = h.len - sizeof(f->w);
			memcpy(f->name, buf + sizeof(f->w), n);
			f->name[n] = '\0';
			break;
		case TDM_CONS_OUTPUT:
			if (f->len + h.len <= sizeof(f->out)) {
				memcpy(f->out + f->len, buf, h.len);
				f->len += h.len;
			}
			break;
		case TDM_CONS_LIVE:
			f->live_at = (long)f->len;
			break;
		case TDM_CONS_KEYBOARD:
			memcpy(&flags, buf, sizeof(flags));
			f->keyboard = (int)flags;
			break;
		case TDM_CONS_GONE:
			f->gone = true;
			snprintf(f->msg, sizeof(f->msg), "%.*s", h.len, buf);
			break;
		case TDM_CONS_ERROR:
			memcpy(&f->err, buf, sizeof(int32_t));
			snprintf(f->msg, sizeof(f->msg), "%.*s",
				 (int)(h.len - 4), buf + 4);
			break;
		default:
			printf("unexpected frame type %u\n", h.type);
			f->eof = true;
			return;
		}
	}
}

/* The daemon closes the connection (after what it had to say). */
static bool cl_closed(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[4096];
	int64_t end = now_ms() + ms;

	while (poll(&p, 1, (int)(end > now_ms() ? end - now_ms() : 0)) == 1) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0)
			return true;
	}
	return false;
}

/*
 * Start and stop.
 */
static bool start(const char *store_bin, const char *cons_bin)
{
	char rate[16], burst[16];
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	store_pid = fork();
	if (store_pid == 0) {
		/* Never outlive the test, however it ends. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(store_bin, store_bin, "--no-xen", "--socket", store_sock,
		      "--pidfile", store_pidf, "--log", store_logf,
		      (char *)NULL);
		_exit(127);
	}
	if (!wait_file(store_pidf, store_pid))
		return false;
	xs = tdm_xs_open(store_sock);
	if (!xs)
		return false;
	notify_fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/guest.sock", hvdir);
	bind(notify_fd, (struct sockaddr *)&a, sizeof(a));
	snprintf(rate, sizeof(rate), "%d", RATE);
	snprintf(burst, sizeof(burst), "%d", BURST);
	cons_pid = fork();
	if (cons_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(cons_bin, cons_bin, "--fake-hv", hvdir, "--store",
		      store_sock, "--socket", cons_sock, "--log-dir", logdir,
		      "--log-size", "8K", "--scrollback", "4K", "--rate", rate,
		      "--burst", burst, "--pidfile", cons_pidf, "--log",
		      cons_logf, "-vv", (char *)NULL);
		_exit(127);
	}
	return wait_file(cons_pidf, cons_pid);
}

static void show_logs(void)
{
	static char buf[1 << 20];

	slurp(cons_logf, buf, sizeof(buf));
	printf("--- console daemon log ---\n%s", buf);
}

/*
 * The tests.
 */
static void primary_consoles(void)
{
	unsigned int f0 = check_failures();
	char *v;

	guest_start(&alpha, true);
	guest_start(&beta, false);
	sleep_ms(200);
	CHECK(guest_puts(&alpha, "alpha boot line 1\nalpha boot line 2\n"),
	      "alpha writes two lines");
	CHECK(vm_log_has("alpha.log", "alpha boot line 2\n", 3000),
	      "they reach alpha.log");
	CHECK(daemon_log_count("dom5 (alpha): connected (page by grant 0") == 1,
	      "alpha's page mapped by grant 0");
	v = tdm_xs_read(xs, 0, "/local/domain/5/console/tty", NULL);
	CHECK(v && !strcmp(v, cons_sock), "its tty key names the attach "
	      "socket (xl waits for it)");
	free(v);
	CHECK(guest_puts(&beta, "beta says hi\n"), "beta writes");
	CHECK(vm_log_has("beta.log", "beta says hi\n", 3000),
	      "beta.log has it");
	CHECK(daemon_log_count("dom6 (beta): connected (page by frame 0x"
			       "fa6") == 1,
	      "beta (no grant) mapped by its frame 4006");
	check_section(f0, "primary consoles: logs");
}

static void scrollback_then_live(void)
{
	static struct frames f;
	unsigned int f0 = check_failures(), i, next, bad = 0;
	char line[32];
	const char *p, *e;
	pid_t writer;
	int fd, st;

	fd = cl_attach("alpha", 0, 0);
	frames_init(&f);
	cl_pump(fd, &f, 3000, "");
	CHECK(f.welcome && f.w.domid == 5 && !strcmp(f.name, "alpha") &&
	      (f.w.flags & TDM_CONS_HAS_KEYBOARD), "WELCOME: dom5 alpha, with "
	      "the keyboard");
	CHECK(f.live_at >= 0 && f.len == (size_t)f.live_at &&
	      memmem(f.out, f.len, "alpha boot line 1\nalpha boot line 2\n",
		     36), "scrollback before LIVE has the boot lines");
	guest_puts(&alpha, "live line\n");
	cl_pump(fd, &f, 3000, "live line\n");
	CHECK(memmem(f.out + f.live_at, f.len - (size_t)f.live_at,
		     "live line\n", 10), "then live output");
	close(fd);

	/* Attach while the guest writes 3000 numbered lines. */
	writer = fork();
	if (writer == 0) {
		for (i = 0; i < 3000; i++) {
			snprintf(line, sizeof(line), "L%05u\n", i);
			if (!guest_puts(&alpha, line))
				_exit(1);
		}
		_exit(0);
	}
	sleep_ms(30);
	fd = cl_attach("alpha", 0, 0);
	frames_init(&f);
	cl_pump(fd, &f, 20000, "L02999\n");
	waitpid(writer, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the guest wrote them");
	CHECK(f.live_at >= 0, "LIVE came (at byte %ld of %zu)", f.live_at,
	      f.len);
	/* From the first whole line on, every number follows the last. */
	p = memchr(f.out, '\n', f.len);
	next = ~0u;
	for (p = p ? p + 1 : f.out; p < f.out + f.len; p = e + 1) {
		e = memchr(p, '\n', (size_t)(f.out + f.len - p));
		if (!e)
			break;
		if (*p != 'L')
			continue;	/* the lines from before */
		i = (unsigned int)strtoul(p + 1, NULL, 10);
		if (next != ~0u && i != next)
			bad++;
		next = i + 1;
	}
	CHECK(bad == 0 && next == 3000, "scrollback + live: the lines run on "
	      "without gap or repeat to L02999 (%u breaks)", bad);
	close(fd);
	check_section(f0, "scrollback then live, in order");
}

static void input(void)
{
	static struct frames f;
	unsigned int f0 = check_failures(), i;
	static char big[20000], got[20000];
	XENCONS_RING_IDX used;
	int fd;

	fd = cl_attach("alpha", 0, TDM_CONS_NO_SCROLLBACK);
	frames_init(&f);
	cl_pump(fd, &f, 3000, "");
	CHECK(f.live_at == 0, "NO_SCROLLBACK: LIVE at once");
	cl_send(fd, TDM_CONS_INPUT, "echo hi\n", 8);
	CHECK(guest_in(&alpha, got, 8, 3000) == 8 && !memcmp(got, "echo hi\n",
							      8),
	      "keystrokes reach the guest's input ring");

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)('A' + i % 23);
	cl_send(fd, TDM_CONS_INPUT, big, 1000);
	cl_send(fd, TDM_CONS_INPUT, big + 1000, 1000);
	cl_send(fd, TDM_CONS_INPUT, big + 2000, 1000);
	sleep_ms(300);
	used = alpha.page->in_prod - alpha.page->in_cons;
	CHECK_EQ(used, XENCONS_IN_SIZE, "3000 bytes for a guest not reading: "
		 "its ring is full");
	CHECK(guest_in(&alpha, got, 3000, 5000) == 3000 &&
	      !memcmp(got, big, 3000), "as it reads, the rest follows, in "
	      "order");

	/* More than the daemon queues: the client is made to wait. */
	for (i = 0; i < 5; i++)
		cl_send(fd, TDM_CONS_INPUT, big + i * 4000, 4000);
	CHECK(guest_in(&alpha, got, 20000, 10000) == 20000 &&
	      !memcmp(got, big, 20000), "20000 bytes arrive whole");
	close(fd);
	check_section(f0, "keystrokes into a full input ring");
}

static void keyboard_policy(void)
{
	static struct frames fa, fb, fc;
	unsigned int f0 = check_failures();
	char got[64];
	int a, b, c;

	a = cl_attach("alpha", 0, TDM_CONS_NO_SCROLLBACK);
	frames_init(&fa);
	cl_pump(a, &fa, 3000, "");
	b = cl_attach("alpha", 0, TDM_CONS_NO_SCROLLBACK);
	frames_init(&fb);
	cl_pump(b, &fb, 3000, "");
	CHECK(fb.w.flags & TDM_CONS_HAS_KEYBOARD, "B, attaching last, types");
	cl_pump(a, &fa, 2000, NULL);
	CHECK_EQ(fa.keyboard, 0, "A is told it lost the keyboard");
	cl_send(a, TDM_CONS_INPUT, "from A\n", 7);
	cl_send(b, TDM_CONS_INPUT, "from B\n", 7);
	CHECK(guest_in(&alpha, got, 7, 2000) == 7 &&
	      !memcmp(got, "from B\n", 7), "B's keys reach the guest");
	CHECK_EQ(guest_in(&alpha, got, 7, 300), 0, "A's do not");
	c = cl_attach("alpha", 0, TDM_CONS_READ_ONLY | TDM_CONS_NO_SCROLLBACK);
	frames_init(&fc);
	cl_pump(c, &fc, 3000, "");
	CHECK(fc.welcome && !(fc.w.flags & TDM_CONS_HAS_KEYBOARD),
	      "a read-only client never types");
	guest_puts(&alpha, "to everyone\n");
	cl_pump(a, &fa, 3000, "to everyone\n");
	cl_pump(b, &fb, 3000, "to everyone\n");
	cl_pump(c, &fc, 3000, "to everyone\n");
	CHECK(memmem(fa.out, fa.len, "to everyone", 11) &&
	      memmem(fb.out, fb.len, "to everyone", 11) &&
	      memmem(fc.out, fc.len, "to everyone", 11),
	      "all three see the output");
	close(b);
	cl_pump(a, &fa, 2000, NULL);
	CHECK_EQ(fa.keyboard, TDM_CONS_HAS_KEYBOARD, "B left: A has the "
		 "keyboard again");
	cl_send(a, TDM_CONS_INPUT, "A again\n", 8);
	CHECK(guest_in(&alpha, got, 8, 2000) == 8 && !memcmp(got, "A again\n",
							      8), "and types");
	close(a);
	close(c);
	check_section(f0, "who types: the last to attach");
}

static void reattach(void)
{
	static struct frames f;
	unsigned int f0 = check_failures();
	int fd;

	guest_puts(&alpha, "while nobody watched\n");
	CHECK(vm_log_has("alpha.log", "while nobody watched\n", 3000),
	      "output with no client attached is logged");
	fd = cl_attach("alpha", 0, 0);
	frames_init(&f);
	cl_pump(fd, &f, 3000, "");
	CHECK(memmem(f.out, (size_t)f.live_at, "while nobody watched\n", 21),
	      "and is in the scrollback on reattach");
	close(fd);
	check_section(f0, "detach and reattach lose nothing");
}

static void garbage_clients(int silent)
{
	static struct frames f;
	unsigned int f0 = check_failures();
	struct tdm_cons_attach a = {
		.magic = 0x12345678, .version = TDM_CONS_VERSION,
	};
	struct tdm_cons_hdr h = { .type = TDM_CONS_INPUT, .len = 5000 };
	static char junk[2400];
	size_t n, j;
	char buf[64];
	bool ok = true;
	int fd, i;

	fd = cl_open();
	CHECK(write(fd, "GET / HTTP/1.0\r\n\r\n", 18) == 18, "an HTTP request");
	frames_init(&f);
	cl_pump(fd, &f, 3000, NULL);
	CHECK(f.err == EPROTO && strstr(f.msg, "protocol error"),
	      "gets ERROR EPROTO: %s", f.msg);
	CHECK(cl_closed(fd, 3000), "and is closed");
	close(fd);

	fd = cl_open();
	memcpy(buf, &a, sizeof(a));
	memcpy(buf + sizeof(a), "alpha", 5);
	cl_send(fd, TDM_CONS_ATTACH, buf, sizeof(a) + 5);
	frames_init(&f);
	cl_pump(fd, &f, 3000, NULL);
	CHECK(f.err == EPROTO && strstr(f.msg, "bad magic"), "bad magic: %s",
	      f.msg);
	close(fd);

	fd = cl_open();
	a.magic = TDM_CONS_MAGIC;
	a.version = 2;
	memcpy(buf, &a, sizeof(a));
	cl_send(fd, TDM_CONS_ATTACH, buf, sizeof(a) + 5);
	frames_init(&f);
	cl_pump(fd, &f, 3000, NULL);
	CHECK(f.err == EPROTONOSUPPORT, "version 2: EPROTONOSUPPORT: %s",
	      f.msg);
	close(fd);

	fd = cl_open();
	CHECK(write(fd, &h, HDR) == HDR, "a 5000-byte frame header");
	frames_init(&f);
	cl_pump(fd, &f, 3000, NULL);
	CHECK(f.err == EPROTO && strstr(f.msg, "length 5000"), "refused: %s",
	      f.msg);
	close(fd);

	fd = cl_open();
	cl_send(fd, TDM_CONS_INPUT, "rm -rf /\n", 9);
	frames_init(&f);
	cl_pump(fd, &f, 3000, NULL);
	CHECK(f.err == EPROTO && strstr(f.msg, "before ATTACH"),
	      "INPUT before ATTACH: %s", f.msg);
	close(fd);

	fd = cl_attach("alpha", 0, 0);
	frames_init(&f);
	cl_pump(fd, &f, 3000, "");
	cl_send(fd, TDM_CONS_WELCOME, "", 0);
	cl_pump(fd, &f, 3000, NULL);
	CHECK(f.err == EPROTO && strstr(f.msg, "unexpected frame type 16"),
	      "a daemon's frame from an attached client: %s", f.msg);
	close(fd);

	fd = cl_open();
	CHECK(write(fd, "\x01\x00", 2) == 2, "half a header, then hang up");
	close(fd);

	fd = cl_attach("nosuch", 0, 0);
	frames_init(&f);
	cl_pump(fd, &f, 3000, NULL);
	CHECK(f.err == ENOENT && strstr(f.msg, "no VM named 'nosuch'") &&
	      strstr(f.msg, "alpha (dom5)") && strstr(f.msg, "beta (dom6)"),
	      "unknown VM: ENOENT, listing the known: %s", f.msg);
	close(fd);
	fd = cl_attach("alpha", 3, 0);
	frames_init(&f);
	cl_pump(fd, &f, 3000, NULL);
	CHECK(f.err == ENOENT && strstr(f.msg, "has no console 3"),
	      "no console 3: %s", f.msg);
	close(fd);
	fd = cl_attach("6", 0, 0);
	frames_init(&f);
	cl_pump(fd, &f, 3000, "");
	CHECK(f.welcome && !strcmp(f.name, "beta"), "by domid: 6 is beta");
	close(fd);

	CHECK(daemon_log_count("bad magic") == 1 &&
	      daemon_log_count("protocol version 2") == 1 &&
	      daemon_log_count("length 5000") == 1,
	      "one log line per garbage client");
	/* Random frames, some after a good ATTACH: the daemon survives. */
	srand(1);
	for (i = 0; i < 200; i++) {
		fd = i % 2 ? cl_attach("beta", 0, 0) : cl_open();
		for (n = 0; n + HDR <= sizeof(junk); ) {
			struct tdm_cons_hdr r = {
				.type = (uint8_t)(rand() % 24),
				.reserved = rand() % 8 == 0,
				.len = (uint16_t)(rand() % 300),
			};

			memcpy(junk + n, &r, HDR);
			n += HDR + r.len;
			for (j = n - r.len; j < n && j < sizeof(junk); j++)
				junk[j] = (char)rand();
		}
		ok = ok && write(fd, junk, (size_t)(rand() % 2000)) >= 0;
		close(fd);
	}
	CHECK(ok, "200 clients sent random frames");
	fd = cl_attach("alpha", 0, TDM_CONS_READ_ONLY);
	frames_init(&f);
	cl_pump(fd, &f, 3000, "");
	CHECK(f.welcome && f.live_at >= 0, "and the daemon still serves");
	close(fd);

	frames_init(&f);
	cl_pump(silent, &f, 100, NULL);
	CHECK(!f.eof, "a silent client is kept a while");
	check_section(f0, "garbage clients get an error and a log line");
}

static void xenbus_state(const char *be, const char *fe, int *be_state,
			 int *fe_state)
{
	char path[128], *v;

	snprintf(path, sizeof(path), "%s/state", be);
	v = tdm_xs_read(xs, 0, path, NULL);
	*be_state = v ? atoi(v) : -1;
	free(v);
	snprintf(path, sizeof(path), "%s/state", fe);
	v = tdm_xs_read(xs, 0, path, NULL);
	*fe_state = v ? atoi(v) : -1;
	free(v);
}

static bool wait_be_state(const char *be, int want, int ms)
{
	int64_t end = now_ms() + ms;
	int b, f;

	do {
		xenbus_state(be, "/nothing", &b, &f);
		if (b == want)
			return true;
		sleep_ms(10);
	} while (now_ms() < end);
	printf("  backend state %d, wanted %d\n", b, want);
	return false;
}

static void console_device(void)
{
	const char *be = "/local/domain/0/backend/console/5/1";
	const char *fe = "/local/domain/5/device/console/1";
	static struct frames f;
	unsigned int f0 = check_failures();
	char path[128];
	int fd;

	/* The toolstack: backend first, then the frontend. */
	xs_setf(fe, "%s/frontend", be);
	xs_setf("5", "%s/frontend-id", be);
	xs_setf("1", "%s/online", be);
	xs_setf("vt100", "%s/protocol", be);
	xs_setf("1", "%s/state", be);
	xs_setf(be, "%s/backend", fe);
	xs_setf("0", "%s/backend-id", fe);
	xs_setf("1", "%s/state", fe);
	CHECK(wait_be_state(be, XenbusStateInitWait, 3000),
	      "backend Initialising -> InitWait");
	/* hvc_xen: a page granted as ref 8, a port, then Initialised. */
	dev1.page = new_page("grant", 5, 8);
	xs_setf("8", "%s/ring-ref", fe);
	xs_setf("21", "%s/port", fe);
	xs_setf("3", "%s/state", fe);
	CHECK(wait_be_state(be, XenbusStateConnected, 3000),
	      "frontend Initialised: backend Connected");
	xs_setf("4", "%s/state", fe);
	guest_puts(&dev1, "hvc1 says hello\n");
	CHECK(vm_log_has("alpha.1.log", "hvc1 says hello\n", 3000),
	      "device output in alpha.1.log");
	fd = cl_attach("alpha", 1, 0);
	frames_init(&f);
	cl_pump(fd, &f, 3000, "");
	CHECK(f.welcome && f.w.console == 1 &&
	      memmem(f.out, f.len, "hvc1 says hello", 15),
	      "attach to console 1");
	cl_send(fd, TDM_CONS_INPUT, "to hvc1\n", 8);
	CHECK(guest_in(&dev1, path, 8, 3000) == 8 && !memcmp(path, "to hvc1\n",
							     8),
	      "keys reach device 1");

	/* The frontend moves its port: the backend follows. */
	dev1.port = 22;
	xs_setf("22", "%s/port", fe);
	sleep_ms(200);
	guest_puts(&dev1, "on port 22\n");
	CHECK(vm_log_has("alpha.1.log", "on port 22\n", 3000),
	      "a changed port is picked up");

	/* Frontend closes, then starts over. */
	xs_setf("5", "%s/state", fe);
	CHECK(wait_be_state(be, XenbusStateClosing, 3000),
	      "frontend Closing: backend Closing");
	xs_setf("6", "%s/state", fe);
	CHECK(wait_be_state(be, XenbusStateClosed, 3000),
	      "frontend Closed: backend Closed");
	cl_pump(fd, &f, 300, NULL);
	CHECK(!f.gone && !f.eof, "the client stays attached meanwhile");
	xs_setf("1", "%s/state", fe);
	CHECK(wait_be_state(be, XenbusStateInitWait, 3000),
	      "frontend Initialising again: backend InitWait");
	xs_setf("bogus", "%s/ring-ref", fe);
	xs_setf("3", "%s/state", fe);
	sleep_ms(300);
	CHECK(wait_be_state(be, XenbusStateInitWait, 100),
	      "a ring-ref that is no number: no connection");
	CHECK_EQ(daemon_log_count("ring-ref or port is missing or not a "
				  "number"), 1, "one warning line");
	dev1.page = new_page("grant", 5, 9);
	xs_setf("9", "%s/ring-ref", fe);
	CHECK(wait_be_state(be, XenbusStateConnected, 3000),
	      "a good one: Connected again");
	guest_puts(&dev1, "reconnected\n");
	cl_pump(fd, &f, 3000, "reconnected\n");
	CHECK(memmem(f.out, f.len, "reconnected\n", 12),
	      "the same client sees the new ring's output");

	/* The toolstack closes the device, then removes it. */
	xs_setf("5", "%s/state", be);
	sleep_ms(200);
	xs_setf("6", "%s/state", fe);
	CHECK(wait_be_state(be, XenbusStateClosed, 3000),
	      "toolstack Closing, frontend Closed: backend Closed");
	tdm_xs_rm(xs, 0, be);
	tdm_xs_rm(xs, 0, fe);
	cl_pump(fd, &f, 3000, NULL);
	CHECK(f.gone && strstr(f.msg, "console 1 of alpha (dom5) was removed"),
	      "removed: the client is told: %s", f.msg);
	CHECK(cl_closed(fd, 3000), "and disconnected");
	close(fd);

	/* A device whose guest breaks the ring is closed for good. */
	dev1.page = new_page("grant", 5, 10);
	dev1.port = 23;
	xs_setf(fe, "%s/frontend", be);
	xs_setf("5", "%s/frontend-id", be);
	xs_setf("1", "%s/state", be);
	xs_setf(be, "%s/backend", fe);
	xs_setf("0", "%s/backend-id", fe);
	xs_setf("10", "%s/ring-ref", fe);
	xs_setf("23", "%s/port", fe);
	xs_setf("3", "%s/state", fe);
	CHECK(wait_be_state(be, XenbusStateConnected, 3000), "a new device 1");
	dev1.page->out_prod = 99999;
	notify(&dev1);
	CHECK(wait_be_state(be, XenbusStateClosed, 3000),
	      "impossible indexes: backend Closed");
	CHECK_EQ(daemon_log_count("dom5 (alpha) console 1: impossible "
				  "console ring indexes"), 1, "one log line");
	xs_setf("1", "%s/state", fe);
	sleep_ms(200);
	CHECK(wait_be_state(be, XenbusStateClosed, 100),
	      "and it stays Closed when the guest starts over");
	tdm_xs_rm(xs, 0, be);
	tdm_xs_rm(xs, 0, fe);

	/* Two devices, then the domain's whole backend directory goes. */
	xs_setf("/local/domain/5/device/console/2",
		"/local/domain/0/backend/console/5/2/frontend");
	xs_setf("5", "/local/domain/0/backend/console/5/2/frontend-id");
	xs_setf("1", "/local/domain/0/backend/console/5/2/state");
	xs_setf("/local/domain/5/device/console/3",
		"/local/domain/0/backend/console/5/3/frontend");
	xs_setf("5", "/local/domain/0/backend/console/5/3/frontend-id");
	xs_setf("1", "/local/domain/0/backend/console/5/3/state");
	CHECK(wait_be_state("/local/domain/0/backend/console/5/3",
			    XenbusStateInitWait, 3000), "devices 2 and 3");
	tdm_xs_rm(xs, 0, "/local/domain/0/backend/console/5");
	sleep_ms(300);
	CHECK(daemon_log_count("dom5 (alpha) console 2: removed") == 1 &&
	      daemon_log_count("dom5 (alpha) console 3: removed") == 1,
	      "removing their parent directory removes both");
	check_section(f0, "xenbus console device: the state machine");
}

static void hostile_guest(void)
{
	static struct frames fb, fa;
	unsigned int f0 = check_failures(), i;
	int b, a;

	b = cl_attach("beta", 0, TDM_CONS_NO_SCROLLBACK);
	frames_init(&fb);
	cl_pump(b, &fb, 3000, "");
	a = cl_attach("alpha", 0, TDM_CONS_NO_SCROLLBACK);
	frames_init(&fa);
	cl_pump(a, &fa, 3000, "");
	beta.page->out_prod = beta.page->out_cons + 5000;
	notify(&beta);
	cl_pump(b, &fb, 3000, NULL);
	CHECK(fb.gone && strstr(fb.msg, "impossible console ring indexes"),
	      "beta's client is told: %s", fb.msg);
	CHECK(cl_closed(b, 3000), "and disconnected");
	close(b);
	for (i = 0; i < 20; i++)
		notify(&beta);
	sleep_ms(200);
	CHECK_EQ(daemon_log_count("dom6 (beta): impossible console ring "
				  "indexes (output ring: cons 0xd prod "
				  "0x1395"), 1,
		 "one log line naming dom6, however often it knocks");
	b = cl_attach("beta", 0, 0);
	frames_init(&fb);
	cl_pump(b, &fb, 3000, NULL);
	CHECK(fb.err == EIO && strstr(fb.msg, "disconnected"),
	      "attaching to beta now: EIO: %s", fb.msg);
	close(b);
	guest_puts(&alpha, "alpha goes on\n");
	cl_pump(a, &fa, 3000, "alpha goes on\n");
	CHECK(memmem(fa.out, fa.len, "alpha goes on\n", 14) &&
	      vm_log_has("alpha.log", "alpha goes on\n", 3000),
	      "alpha's console keeps working");
	close(a);
	check_section(f0, "a guest with impossible ring indexes");
}

static void flood(void)
{
	static struct frames fg, fa;
	unsigned int f0 = check_failures(), i;
	int64_t t0, worst = 0, t;
	char line[32];
	pid_t flooder;
	int g, a;
	size_t start;
	double secs;

	guest_start(&gamma_, true);
	sleep_ms(200);
	g = cl_attach("gamma", 0, TDM_CONS_NO_SCROLLBACK);
	frames_init(&fg);
	cl_pump(g, &fg, 3000, "");
	flooder = fork();
	if (flooder == 0) {
		char junk[1024];

		memset(junk, '#', sizeof(junk));
		for (;;)
			guest_out(&gamma_, junk, sizeof(junk));
	}
	/* Let the burst go, then measure. */
	cl_pump(g, &fg, 1000, NULL);
	start = fg.len;
	t0 = now_ms();
	a = cl_attach("alpha", 0, TDM_CONS_NO_SCROLLBACK);
	frames_init(&fa);
	cl_pump(a, &fa, 3000, "");
	for (i = 0; i < 5; i++) {
		snprintf(line, sizeof(line), "ping %u\n", i);
		t = now_ms();
		guest_puts(&alpha, line);
		cl_pump(a, &fa, 3000, line);
		cl_pump(g, &fg, 1, NULL);
		t = now_ms() - t;
		if (t > worst)
			worst = t;
		sleep_ms(200);
	}
	cl_pump(g, &fg, 500, NULL);
	secs = (double)(now_ms() - t0) / 1000.0;
	kill(flooder, SIGKILL);
	waitpid(flooder, NULL, 0);
	CHECK(memmem(fa.out, fa.len, "ping 4\n", 7) && worst < 500,
	      "while gamma floods, alpha's lines arrive (worst %lld ms)",
	      (long long)worst);
	CHECK((double)(fg.len - start) <= RATE * secs + XENCONS_OUT_SIZE * 2 &&
	      (double)(fg.len - start) >= RATE * secs / 4,
	      "gamma is held to its rate: %zu bytes in %.1f s (rate %d/s)",
	      fg.len - start, secs, RATE);
	CHECK(file_size("gamma.log") <= 8192 && file_size("gamma.log.1") > 0 &&
	      file_size("gamma.log.1") <= 8192,
	      "gamma.log rotated within 8K (%ld + %ld)", file_size("gamma.log"),
	      file_size("gamma.log.1"));
	CHECK(file_size("alpha.log") <= 8192 && file_size("alpha.log.1") > 0,
	      "alpha.log rotated within 8K too");
	close(g);
	close(a);
	check_section(f0, "a flooding guest is rate-limited, others go on");
}

/*
 * Run the client API in a child: its exit code is 100 + ended, or 10 +
 * errno. The child closes the test's ends of the pipes (other: -1 if
 * none), or it would never see its input end.
 */
static pid_t api_child(const char *vm, int in, int out, const int *other,
		       const struct tdm_console_opts *opts)
{
	struct tdm_console_opts o = *opts;
	pid_t pid = fork();
	int r;

	if (pid)
		return pid;
	if (other) {
		close(other[0]);
		close(other[1]);
	}
	r = tdm_console_attach_opts(vm, in, out, &o);
	if (r < 0)
		_exit(10 + (-r > 80 ? 80 : -r));
	_exit(100 + o.ended);
}

static void client_api(void)
{
	unsigned int f0 = check_failures();
	struct tdm_console_opts o = { .socket = cons_sock, .linger_ms = 500 };
	struct termios before, during, after;
	char got[4096], *name;
	int in[2], out[2], others[2], st, r, master, slave;
	size_t n;
	pid_t pid;

	r = tdm_console_attach_opts("zzz", 0, 1, &o);
	CHECK(r == -ENOENT && strstr(tdm_errmsg(), "no VM named 'zzz'") &&
	      strstr(tdm_errmsg(), "alpha (dom5)"),
	      "unknown VM: -ENOENT: %s", tdm_errmsg());
	o.socket = "/nonexistent/console.sock";
	r = tdm_console_attach_opts("alpha", 0, 1, &o);
	CHECK(r == -ENOENT && strstr(tdm_errmsg(), "tandem-consoled running"),
	      "no daemon: %s", tdm_errmsg());
	o.socket = cons_sock;

	/* A script: input from a pipe, output to a pipe. */
	if (pipe(in) < 0 || pipe(out) < 0)
		return;
	others[0] = in[1];
	others[1] = out[0];
	pid = api_child("alpha", in[0], out[1], others, &o);
	close(in[0]);
	close(out[1]);
	CHECK(write(in[1], "echo $((6*7))\n", 14) == 14, "script sends a "
	      "command");
	close(in[1]);
	n = guest_in(&alpha, got, 14, 3000);
	CHECK(n == 14 && !memcmp(got, "echo $((6*7))\n", 14), "the guest "
	      "gets it");
	guest_puts(&alpha, "42\n");
	waitpid(pid, &st, 0);
	n = (size_t)read(out[0], got, sizeof(got) - 1);
	got[n > 0 && n < sizeof(got) ? n : 0] = '\0';
	close(out[0]);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 100 + TDM_CONSOLE_INPUT_DONE,
	      "returns 0 when the input ended and the output went quiet "
	      "(status %d)", WEXITSTATUS(st));
	CHECK(strstr(got, "[attached to alpha (dom5); escape is ^]]") &&
	      strstr(got, "42\n"), "output: a hint, then the answer");

	/* The escape key. */
	if (pipe(in) < 0 || pipe(out) < 0)
		return;
	o.linger_ms = -1;
	others[0] = in[1];
	others[1] = out[0];
	pid = api_child("alpha", in[0], out[1], others, &o);
	close(in[0]);
	close(out[1]);
	CHECK(write(in[1], "abc\x1dxyz", 7) == 7, "abc, Ctrl-], xyz");
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 100 + TDM_CONSOLE_ESCAPED,
	      "Ctrl-] detaches: 0 (status %d)", WEXITSTATUS(st));
	n = guest_in(&alpha, got, 10, 500);
	CHECK(n == 3 && !memcmp(got, "abc", 3), "only what came before it "
	      "reached the guest (%zu bytes: %.*s)", n, (int)n, got);
	n = (size_t)read(out[0], got, sizeof(got) - 1);
	got[n > 0 && n < sizeof(got) ? n : 0] = '\0';
	CHECK(strstr(got, "[detached from alpha]") != NULL, "says so");
	close(in[1]);
	close(out[0]);

	/* A terminal: raw while attached, restored after, signals too. */
	master = posix_openpt(O_RDWR | O_NOCTTY);
	name = master >= 0 && grantpt(master) == 0 &&
	       unlockpt(master) == 0 ? ptsname(master) : NULL;
	slave = name ? open(name, O_RDWR | O_NOCTTY) : -1;
	CHECK(slave >= 0, "a pty for the keyboard");
	if (slave < 0)
		return;
	tcgetattr(slave, &before);
	r = open("/dev/null", O_WRONLY);
	pid = api_child("alpha", slave, r, NULL, &o);
	sleep_ms(300);
	tcgetattr(slave, &during);
	CHECK(!(during.c_lflag & (ICANON | ECHO | ISIG)), "raw mode while "
	      "attached");
	CHECK(write(master, "\x1d", 1) == 1, "Ctrl-] on the terminal");
	waitpid(pid, &st, 0);
	tcgetattr(slave, &after);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 100 + TDM_CONSOLE_ESCAPED &&
	      after.c_lflag == before.c_lflag &&
	      after.c_iflag == before.c_iflag &&
	      after.c_oflag == before.c_oflag, "detached: terminal restored");
	pid = api_child("alpha", slave, r, NULL, &o);
	sleep_ms(300);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	tcgetattr(slave, &after);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 10 + EINTR &&
	      after.c_lflag == before.c_lflag, "SIGTERM: -EINTR, terminal "
	      "restored (status %d)", WEXITSTATUS(st));
	close(r);
	close(slave);
	close(master);
	check_section(f0, "the client API");
}

static void console_program(void)
{
	unsigned int f0 = check_failures();
	char cmd[512], got[4096];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "printf 'hello program\\n' | %s -s %s -q "
		 "-n -w 300 alpha", console_bin, cons_sock);
	p = popen(cmd, "r");
	guest_in(&alpha, got, 14, 3000);
	guest_puts(&alpha, "program answer\n");
	n = fread(got, 1, sizeof(got) - 1, p);
	got[n] = '\0';
	st = pclose(p);
	CHECK(st == 0 && !strcmp(got, "program answer\n"),
	      "tandem-console -q -n: the VM's new output only, status 0");
	snprintf(cmd, sizeof(cmd), "%s -s %s nosuch </dev/null 2>&1",
		 console_bin, cons_sock);
	p = popen(cmd, "r");
	n = fread(got, 1, sizeof(got) - 1, p);
	got[n] = '\0';
	st = pclose(p);
	CHECK(WEXITSTATUS(st) == 1 && strstr(got, "tandem-console: attach to "
					      "nosuch: no VM named"),
	      "unknown VM: status 1 and the message: %s", got);
	check_section(f0, "the tandem-console program");
}

static void domain_death(void)
{
	static struct frames f;
	unsigned int f0 = check_failures();
	int fd;

	fd = cl_attach("alpha", 0, TDM_CONS_NO_SCROLLBACK);
	frames_init(&f);
	cl_pump(fd, &f, 3000, "");
	/* Last words in the ring, no event: the daemon reads them anyway. */
	memcpy(alpha.page->out + xencons_out_slot(alpha.page->out_prod),
	       "last", 4);
	alpha.page->out_prod += 4;
	set_domain(5, false);
	domains_changed();
	cl_pump(fd, &f, 3000, NULL);
	CHECK(memmem(f.out, f.len, "last", 4), "the client gets the last "
	      "output");
	CHECK(f.gone && !strcmp(f.msg, "alpha (dom5) is gone"),
	      "then GONE: %s", f.msg);
	CHECK(cl_closed(fd, 3000), "and is disconnected");
	close(fd);
	CHECK(vm_log_has("alpha.log", "last", 100), "the log has it too");
	fd = cl_attach("alpha", 0, 0);
	frames_init(&f);
	cl_pump(fd, &f, 3000, NULL);
	CHECK(f.err == ENOENT, "alpha is unknown now: %s", f.msg);
	close(fd);
	check_section(f0, "a domain that dies");
}

static void shutdown_daemon(void)
{
	static struct frames f;
	unsigned int f0 = check_failures();
	int fd, st = 0;

	fd = cl_attach("gamma", 0, TDM_CONS_NO_SCROLLBACK);
	frames_init(&f);
	cl_pump(fd, &f, 3000, "");
	kill(cons_pid, SIGTERM);
	cl_pump(fd, &f, 3000, NULL);
	CHECK(f.gone && strstr(f.msg, "stopping"), "SIGTERM: clients told: "
	      "%s", f.msg);
	close(fd);
	waitpid(cons_pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the daemon exits 0");
	CHECK(access(cons_sock, F_OK) < 0, "and removes its socket");
	cons_pid = 0;
	check_section(f0, "stopping the daemon");
}

int main(int argc, char **argv)
{
	static struct frames f;
	char cmd[128];
	int silent, ret;

	if (argc != 4) {
		fprintf(stderr, "usage: %s TANDEM-STORE TANDEM-CONSOLED-FAKE "
			"TANDEM-CONSOLE\n", argv[0]);
		return 2;
	}
	console_bin = argv[3];
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/test_console_daemon.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(hvdir, sizeof(hvdir), "%s/hv", dir);
	mkdir(hvdir, 0700);
	snprintf(logdir, sizeof(logdir), "%s/log/console", dir);
	snprintf(store_sock, sizeof(store_sock), "%s/store.sock", dir);
	snprintf(cons_sock, sizeof(cons_sock), "%s/run/console.sock", dir);
	snprintf(store_pidf, sizeof(store_pidf), "%s/store.pid", dir);
	snprintf(cons_pidf, sizeof(cons_pidf), "%s/consoled.pid", dir);
	snprintf(store_logf, sizeof(store_logf), "%s/store.log", dir);
	snprintf(cons_logf, sizeof(cons_logf), "%s/consoled.log", dir);
	CHECK(start(argv[1], argv[2]), "start tandem-store and "
	      "tandem-consoled-fake");
	if (check_failures()) {
		show_logs();
		return check_summary();
	}
	silent = cl_open();
	primary_consoles();
	scrollback_then_live();
	input();
	keyboard_policy();
	reattach();
	garbage_clients(silent);
	console_device();
	hostile_guest();
	flood();
	client_api();
	console_program();
	domain_death();
	frames_init(&f);
	cl_pump(silent, &f, 15000, NULL);
	CHECK(f.eof && daemon_log_count("sent no ATTACH within 10 s") == 1,
	      "the silent client was dropped after 10 s, with a log line");
	close(silent);
	shutdown_daemon();
	if (check_failures())
		show_logs();
	ret = check_summary();
	if (cons_pid)
		kill(cons_pid, SIGKILL);
	kill(store_pid, SIGTERM);
	waitpid(store_pid, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return ret;
}
