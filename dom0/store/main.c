// SPDX-License-Identifier: MIT
/*
 * tandem-store: the store daemon.
 *
 * One thread, one poll() loop over: the listening Unix sockets and their
 * clients (dom0 programs, all privileged, root only), and, on Xen, the
 * event channel device through which the guests' store rings and
 * VIRQ_DOM_EXC (a domain died) arrive. The protocol itself is the core's
 * (core.c); this file only moves bytes and manages devices.
 *
 * Usage: see usage() below, or dom0/store/README.md.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libtandem/error.h>
#include <libtandem/evtchn.h>
#include <libtandem/gntdev.h>
#include <libtandem/server.h>
#include <libtandem/privcmd.h>
#include <libtandem/xenbus.h>

#include "store.h"
#include "store_ring.h"

#define MAX_SOCKETS	4
#define MAX_CLIENTS	256

/* A guest's (or dom0's own) store page. */
struct ring {
	struct xenstore_domain_interface *intf;
	evtchn_port_t port;		/* our end of its event channel */
	enum { MAP_GRANT, MAP_FOREIGN, MAP_XENBUS } map;
	struct store_conn *conn;
};

struct client {
	int fd;
	struct store_conn *conn;
};

static struct daemon {
	struct store *st;
	int log_level;
	FILE *log;
	const char *sockets[MAX_SOCKETS];
	int nsockets;
	int listen_fd[MAX_SOCKETS];
	struct client clients[MAX_CLIENTS];
	int nclients;
	bool xen;
	struct tdm_privcmd *priv;
	struct tdm_evtchn *evt;
	struct tdm_gntdev *gnt;
	evtchn_port_t virq_port;
	struct ring *dom0;
	enum { MAP_AUTO, MAP_GRANT_ONLY, MAP_FOREIGN_ONLY } map_mode;
} d;

static volatile sig_atomic_t stop;

static void log_line(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void log_line(int level, const char *fmt, ...)
{
	static const char *const name[] = {
		"emerg", "alert", "crit", "error", "warning", "notice",
		"info", "debug",
	};
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level > d.log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(d.log, "%s tandem-store %s: ", stamp,
		name[level & 7]);
	va_start(ap, fmt);
	vfprintf(d.log, fmt, ap);
	va_end(ap);
	fputc('\n', d.log);
	fflush(d.log);
}

static void hook_log(void *ctx, int level, const char *msg)
{
	(void)ctx;
	log_line(level, "%s", msg);
}

/*
 * Guest rings.
 */
static void ring_notify(struct ring *r)
{
	if (tdm_evtchn_notify(d.evt, r->port) < 0)
		log_line(LOG_WARNING, "%s: %s", store_conn_label(r->conn),
			 tdm_errmsg());
}

static void ring_unmap(struct ring *r)
{
	switch (r->map) {
	case MAP_GRANT:
		tdm_gntdev_unmap(d.gnt, r->intf, 1);
		break;
	case MAP_FOREIGN:
		tdm_foreign_unmap(r->intf, 1);
		break;
	case MAP_XENBUS:
		tdm_xenbus_backend_close(r->intf);
		break;
	}
}

static void ring_service(struct ring *r)
{
	if (store_ring_service(r->conn, r->intf))
		ring_notify(r);
}

/* Map a guest's store page: its reserved grant, else the frame itself. */
static int map_guest_page(unsigned int domid, uint64_t mfn, struct ring *r)
{
	grant_ref_t ref = GNTTAB_RESERVED_XENSTORE;
	xen_pfn_t frame = mfn;

	if (d.map_mode != MAP_FOREIGN_ONLY) {
		r->intf = tdm_gntdev_map(d.gnt, (domid_t)domid, &ref, 1,
					 PROT_READ | PROT_WRITE);
		if (r->intf) {
			r->map = MAP_GRANT;
			return 0;
		}
		if (d.map_mode == MAP_GRANT_ONLY)
			return -errno;
		log_line(LOG_INFO, "dom%u: %s; trying a foreign mapping of "
			 "frame %#llx", domid, tdm_errmsg(),
			 (unsigned long long)mfn);
	}
	r->intf = tdm_foreign_map(d.priv, (domid_t)domid,
				  PROT_READ | PROT_WRITE, &frame, NULL, 1);
	if (!r->intf)
		return -errno;
	r->map = MAP_FOREIGN;
	log_line(LOG_INFO, "dom%u: store page mapped by frame %#llx", domid,
		 (unsigned long long)mfn);
	return 0;
}

static int hook_introduce(void *ctx, struct store *st, unsigned int domid,
			  uint64_t mfn, uint32_t port,
			  struct store_conn **out)
{
	char label[32];
	struct ring *r;
	int ret;

	(void)ctx;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	ret = map_guest_page(domid, mfn, r);
	if (ret < 0) {
		log_line(LOG_ERR, "introduce dom%u: %s", domid, tdm_errmsg());
		free(r);
		return ret;
	}
	ret = tdm_evtchn_bind_interdomain(d.evt, (domid_t)domid, port);
	if (ret < 0) {
		log_line(LOG_ERR, "introduce dom%u: %s", domid, tdm_errmsg());
		ring_unmap(r);
		free(r);
		return ret;
	}
	r->port = (evtchn_port_t)ret;
	snprintf(label, sizeof(label), "dom%u", domid);
	r->conn = store_conn_new(st, domid, STORE_CONN_DOMAIN, label);
	if (!r->conn) {
		tdm_evtchn_unbind(d.evt, r->port);
		ring_unmap(r);
		free(r);
		return -ENOMEM;
	}
	store_conn_set_transport(r->conn, r);
	store_ring_start(r->intf, true);
	ring_notify(r);
	*out = r->conn;
	return 0;
}

static int hook_reintroduce(void *ctx, struct store_conn *c, uint64_t mfn,
			    uint32_t port)
{
	struct ring *r = store_conn_transport(c);
	int ret;

	(void)ctx;
	(void)mfn;
	ret = tdm_evtchn_bind_interdomain(d.evt,
					  (domid_t)store_conn_domid(c), port);
	if (ret < 0) {
		log_line(LOG_ERR, "reintroduce %s: %s", store_conn_label(c),
			 tdm_errmsg());
		return ret;
	}
	tdm_evtchn_unbind(d.evt, r->port);
	r->port = (evtchn_port_t)ret;
	store_ring_start(r->intf, true);
	ring_notify(r);
	return 0;
}

static void hook_release(void *ctx, struct store_conn *c)
{
	struct ring *r = store_conn_transport(c);

	(void)ctx;
	if (!r)
		return;
	tdm_evtchn_unbind(d.evt, r->port);
	ring_unmap(r);
	free(r);
	store_conn_set_transport(c, NULL);
}

static bool hook_domain_exists(void *ctx, unsigned int domid)
{
	struct xen_domctl_getdomaininfo info;

	(void)ctx;
	if (tdm_domain_getinfo(d.priv, (domid_t)domid, &info) < 0)
		return false;
	return !(info.flags & XEN_DOMINF_dying);
}

/* After VIRQ_DOM_EXC: who shut down, who is gone? */
static void check_domain(struct store *st, struct store_conn *c, void *arg)
{
	struct xen_domctl_getdomaininfo info;
	unsigned int domid = store_conn_domid(c);
	int ret;

	(void)arg;
	if (domid == 0)
		return;
	ret = tdm_domain_getinfo(d.priv, (domid_t)domid, &info);
	if (ret == -ESRCH || (ret == 0 && (info.flags & XEN_DOMINF_dying))) {
		store_release_domain(st, domid);
		return;
	}
	if (ret == 0 && (info.flags & XEN_DOMINF_shutdown))
		store_domain_shutdown(st, domid);
}

static void serve_ring(struct store *st, struct store_conn *c, void *arg)
{
	struct ring *r = store_conn_transport(c);

	(void)st;
	(void)arg;
	if (r)
		ring_service(r);
}

struct port_event {
	evtchn_port_t port;
	bool unmask;
};

static void serve_port(struct store *st, struct store_conn *c, void *arg)
{
	struct ring *r = store_conn_transport(c);
	struct port_event *pe = arg;

	(void)st;
	if (!r || r->port != pe->port)
		return;
	ring_service(r);
	/* A disconnected guest stays masked: it cannot keep waking us. */
	pe->unmask = !store_conn_dead(c);
}

static void handle_events(void)
{
	evtchn_port_t ports[64];
	struct port_event pe;
	int n, i;

	n = tdm_evtchn_pending(d.evt, ports, 64);
	if (n == -EFBIG) {
		/* Lost track: look at everything. */
		tdm_evtchn_reset(d.evt);
		store_for_each_domain(d.st, check_domain, NULL);
		store_for_each_domain(d.st, serve_ring, NULL);
		return;
	}
	for (i = 0; i < n; i++) {
		pe.port = ports[i];
		pe.unmask = true;
		if (ports[i] == d.virq_port)
			store_for_each_domain(d.st, check_domain, NULL);
		else
			store_for_each_domain(d.st, serve_port, &pe);
		if (pe.unmask)
			tdm_evtchn_unmask(d.evt, ports[i]);
	}
}

/* Serve dom0's own kernel through its store page, if it has one. */
static void attach_dom0(void)
{
	struct ring *r;
	evtchn_port_t port;
	int ret;

	r = calloc(1, sizeof(*r));
	if (!r)
		return;
	if (tdm_xenbus_backend_open(&r->intf, &port) < 0) {
		log_line(LOG_WARNING, "dom0's kernel will not reach the store: "
			 "%s", tdm_errmsg());
		free(r);
		return;
	}
	r->map = MAP_XENBUS;
	ret = tdm_evtchn_bind_interdomain(d.evt, 0, port);
	if (ret < 0) {
		log_line(LOG_WARNING, "dom0's kernel will not reach the store: "
			 "%s", tdm_errmsg());
		ring_unmap(r);
		free(r);
		return;
	}
	r->port = (evtchn_port_t)ret;
	r->conn = store_conn_new(d.st, 0, STORE_CONN_PRIV | STORE_CONN_DOMAIN,
				 "dom0 kernel");
	if (!r->conn) {
		tdm_evtchn_unbind(d.evt, r->port);
		ring_unmap(r);
		free(r);
		return;
	}
	store_conn_set_transport(r->conn, r);
	/* Its kernel may have queued requests already: keep them. */
	store_ring_start(r->intf, false);
	d.dom0 = r;
	ring_notify(r);
	log_line(LOG_INFO, "serving dom0's kernel (port %u)", r->port);
}

static int open_xen(void)
{
	int ret;

	if (tdm_privcmd_open(&d.priv) < 0 || tdm_evtchn_open(&d.evt) < 0 ||
	    tdm_gntdev_open(&d.gnt, DOMID_FIRST_RESERVED) < 0) {
		log_line(LOG_ERR, "%s (without Xen, use --no-xen)",
			 tdm_errmsg());
		return -1;
	}
	ret = tdm_evtchn_bind_virq(d.evt, VIRQ_DOM_EXC);
	if (ret < 0) {
		log_line(LOG_ERR, "%s (is another store daemon running?)",
			 tdm_errmsg());
		return -1;
	}
	d.virq_port = (evtchn_port_t)ret;
	return 0;
}

/*
 * Unix sockets.
 */
static void accept_client(int lfd)
{
	struct ucred cred;
	struct client *cl;
	char label[48];
	int fd;

	fd = tdm_accept_local(lfd, &cred);
	if (fd == -EACCES)
		log_line(LOG_WARNING, "%s", tdm_errmsg());
	if (fd < 0)
		return;
	if (d.nclients == MAX_CLIENTS) {
		log_line(LOG_WARNING, "refused pid %d: %d clients already",
			 (int)cred.pid, MAX_CLIENTS);
		close(fd);
		return;
	}
	snprintf(label, sizeof(label), "client pid %d", (int)cred.pid);
	cl = &d.clients[d.nclients];
	cl->conn = store_conn_new(d.st, 0, STORE_CONN_PRIV, label);
	if (!cl->conn) {
		close(fd);
		return;
	}
	cl->fd = fd;
	d.nclients++;
	log_line(LOG_DEBUG, "%s connected", label);
}

static void drop_client(int i)
{
	struct client *cl = &d.clients[i];

	log_line(LOG_DEBUG, "%s disconnected", store_conn_label(cl->conn));
	close(cl->fd);
	store_conn_close(d.st, cl->conn);
	d.clients[i] = d.clients[--d.nclients];
}

/* Returns false if the client must be dropped. */
static bool client_read(struct client *cl)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t want;
	ssize_t n;

	while ((want = store_conn_input_want(cl->conn)) > 0) {
		if (want > sizeof(buf))
			want = sizeof(buf);
		n = read(cl->fd, buf, want);
		if (n == 0)
			return false;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		if (store_conn_input(cl->conn, buf, (size_t)n) < 0)
			return false;
	}
	return !store_conn_dead(cl->conn);
}

static bool client_write(struct client *cl)
{
	const void *data;
	size_t len;
	ssize_t n;

	while ((len = store_conn_output(cl->conn, &data)) > 0) {
		n = send(cl->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		store_conn_output_done(cl->conn, (size_t)n);
	}
	return !store_conn_dead(cl->conn);
}

/*
 * The loop.
 */
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int run(void)
{
	struct pollfd pfd[MAX_SOCKETS + MAX_CLIENTS + 1];
	int base, n, i, timeout;

	while (!stop) {
		n = 0;
		for (i = 0; i < d.nsockets; i++) {
			pfd[n].fd = d.listen_fd[i];
			pfd[n++].events = POLLIN;
		}
		base = n;
		for (i = 0; i < d.nclients; i++) {
			struct client *cl = &d.clients[i];
			const void *data;

			pfd[n].fd = cl->fd;
			pfd[n].events = 0;
			if (store_conn_input_want(cl->conn))
				pfd[n].events |= POLLIN;
			if (store_conn_output(cl->conn, &data))
				pfd[n].events |= POLLOUT;
			n++;
		}
		if (d.xen) {
			pfd[n].fd = tdm_evtchn_fd(d.evt);
			pfd[n++].events = POLLIN;
		}
		timeout = store_next_timeout(d.st);
		if (poll(pfd, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			log_line(LOG_ERR, "poll: %s", strerror(errno));
			return 1;
		}
		if (d.xen && (pfd[n - 1].revents & POLLIN))
			handle_events();
		/* Clients, last first so that dropping one is safe. */
		for (i = d.nclients - 1; i >= 0; i--) {
			short rev = pfd[base + i].revents;
			struct client *cl = &d.clients[i];
			bool ok = true;

			if (rev & (POLLIN | POLLHUP | POLLERR))
				ok = client_read(cl);
			if (ok)
				ok = client_write(cl);
			if (!ok || (rev & (POLLERR | POLLNVAL)))
				drop_client(i);
		}
		for (i = 0; i < d.nsockets; i++)
			if (pfd[i].revents & POLLIN)
				accept_client(d.listen_fd[i]);
		/*
		 * Requests anywhere may have queued watch events for the
		 * guests, and rate limits may have lifted: serve every ring.
		 */
		if (d.xen)
			store_for_each_domain(d.st, serve_ring, NULL);
		/* And write what the rings' requests queued for clients. */
		for (i = d.nclients - 1; i >= 0; i--)
			if (!client_write(&d.clients[i]))
				drop_client(i);
	}
	return 0;
}

static int set_quota(struct store_quotas *q, const char *arg)
{
	static const struct {
		const char *name;
		size_t off;
		bool is_size;
	} names[] = {
#define Q(n, f) { n, offsetof(struct store_quotas, f), \
		  sizeof(((struct store_quotas *)0)->f) == sizeof(size_t) }
		Q("nodes", nodes), Q("watches", watches),
		Q("transactions", transactions), Q("node-size", node_size),
		Q("permissions", perms), Q("transaction-nodes", tx_nodes),
		Q("transaction-bytes", tx_bytes), Q("path-length", path_len),
		Q("outstanding", outstanding),
		Q("output-bytes", out_unpriv),
		Q("output-bytes-dom0", out_priv), Q("rate", rate),
		Q("burst", burst),
#undef Q
	};
	const char *eq = strchr(arg, '=');
	unsigned long long v;
	size_t i;

	if (!eq || tdm_xs_parse_uint(eq + 1, UINT_MAX, &v) < 0)
		return -1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i].name) != (size_t)(eq - arg) ||
		    strncmp(names[i].name, arg, (size_t)(eq - arg)))
			continue;
		if (names[i].is_size)
			*(size_t *)((char *)q + names[i].off) = (size_t)v;
		else
			*(unsigned int *)((char *)q + names[i].off) =
				(unsigned int)v;
		return 0;
	}
	return -1;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: tandem-store [OPTION]...\n"
"The Tandem store daemon: the Xen store protocol for dom0 programs (Unix\n"
"socket) and guests (their store pages).\n"
"\n"
"  -s, --socket PATH   listen on PATH (default " TDM_XS_SOCKET_DEFAULT ");\n"
"                      up to %d times\n"
"  -n, --no-xen        no Xen devices: serve the sockets only\n"
"      --no-dom0       do not serve dom0's own kernel ring\n"
"      --map HOW       map guests' store pages by grant (reference 1),\n"
"                      foreign (by frame number) or auto (default: grant,\n"
"                      else foreign)\n"
"  -q, --quota N=V     set a limit: nodes, watches, transactions,\n"
"                      node-size, permissions, transaction-nodes,\n"
"                      transaction-bytes, path-length, outstanding,\n"
"                      output-bytes, output-bytes-dom0, rate, burst\n"
"  -p, --pidfile FILE  write our pid to FILE once listening\n"
"  -l, --log FILE      log to FILE (default: standard error)\n"
"  -v, --verbose       log more (twice: debug)\n"
"  -h, --help          this text\n", MAX_SOCKETS);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "no-xen", no_argument, NULL, 'n' },
		{ "no-dom0", no_argument, NULL, 'D' },
		{ "map", required_argument, NULL, 'm' },
		{ "quota", required_argument, NULL, 'q' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "log", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_hooks hooks;
	struct store_quotas q;
	const char *pidfile = NULL;
	bool no_dom0 = false;
	struct sigaction sa;
	FILE *f;
	int c, i, ret;

	d.log = stderr;
	d.log_level = LOG_NOTICE;
	d.xen = true;
	store_default_quotas(&q);
	while ((c = getopt_long(argc, argv, "s:nq:p:l:vh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (d.nsockets == MAX_SOCKETS) {
				fprintf(stderr, "tandem-store: at most %d "
					"sockets\n", MAX_SOCKETS);
				return 2;
			}
			d.sockets[d.nsockets++] = optarg;
			break;
		case 'n':
			d.xen = false;
			break;
		case 'D':
			no_dom0 = true;
			break;
		case 'm':
			if (!strcmp(optarg, "grant")) {
				d.map_mode = MAP_GRANT_ONLY;
			} else if (!strcmp(optarg, "foreign")) {
				d.map_mode = MAP_FOREIGN_ONLY;
			} else if (!strcmp(optarg, "auto")) {
				d.map_mode = MAP_AUTO;
			} else {
				fprintf(stderr, "tandem-store: --map grant, "
					"foreign or auto\n");
				return 2;
			}
			break;
		case 'q':
			if (set_quota(&q, optarg) < 0) {
				fprintf(stderr, "tandem-store: bad quota '%s' "
					"(see --help)\n", optarg);
				return 2;
			}
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'l':
			f = fopen(optarg, "a");
			if (!f) {
				fprintf(stderr, "tandem-store: open %s: %s\n",
					optarg, strerror(errno));
				return 1;
			}
			d.log = f;
			break;
		case 'v':
			d.log_level = d.log_level == LOG_NOTICE ? LOG_INFO :
				      LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (d.nsockets == 0)
		d.sockets[d.nsockets++] = TDM_XS_SOCKET_DEFAULT;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	memset(&hooks, 0, sizeof(hooks));
	hooks.log = hook_log;
	if (d.xen) {
		if (open_xen() < 0)
			return 1;
		hooks.introduce = hook_introduce;
		hooks.reintroduce = hook_reintroduce;
		hooks.release = hook_release;
		hooks.domain_exists = hook_domain_exists;
	}
	d.st = store_new(&q, &hooks);
	if (!d.st) {
		log_line(LOG_ERR, "out of memory");
		return 1;
	}
	for (i = 0; i < d.nsockets; i++) {
		d.listen_fd[i] = tdm_listen_unix(d.sockets[i], 64);
		if (d.listen_fd[i] < 0) {
			log_line(LOG_ERR, "%s", tdm_errmsg());
			return 1;
		}
	}
	if (d.xen && !no_dom0)
		attach_dom0();
	if (pidfile && tdm_write_pidfile(pidfile) < 0) {
		log_line(LOG_ERR, "%s", tdm_errmsg());
		return 1;
	}
	log_line(LOG_NOTICE, "listening on %s%s", d.sockets[0],
		 d.xen ? "" : " (no Xen)");
	ret = run();
	for (i = 0; i < d.nsockets; i++)
		unlink(d.sockets[i]);
	if (pidfile)
		unlink(pidfile);
	log_line(LOG_NOTICE, "stopped");
	return ret;
}
